"""Assemble a whole derivation from its views: the one entry point behind
`chainrule derive SPEC`.  The printers do the rest."""
from __future__ import annotations

import random
from fractions import Fraction

import sympy as sp

from . import delta, names, scalar
from .errors import ChainruleError
from .model import Derivation, Math, Section, Table, Text, notation
from .backprop import Backprop, batch_rows
from .numbers import batch_values, descend, evaluate
from .example import random_example
from .printers.json import plain
from .network import Network

VIEWS = ("scalar", "delta", "both")


def build(net: Network, *, params: list[str] | None = None, view: str = "both",
          numbers: bool = False, steps: int | None = None, lr=None, seed: int | None = None,
          verify: bool = False) -> Derivation:
    if view not in VIEWS:
        raise ChainruleError(f"unknown view '{view}'; choose scalar, delta or both")
    title = f"Backpropagation through {net.name + ' = ' if net.name else ''}{net.spec}"
    doc = Derivation(title, L=net.depth, data={"spec": net.spec})
    if params:
        for p in params:
            net.check_param(p)
    # One one-example scalar network serves the scalar view, JSON, the
    # numbers beside each chain and the gradient formulas of the worked example.
    single = Backprop(net) if net.n_params <= scalar.BUILD_LIMIT else None
    example = None
    if numbers or steps or seed is not None:
        example = net.example if net.example is not None and seed is None else random_example(
            net, 0 if seed is None else seed)
        if net.n_params > scalar.BUILD_LIMIT:
            raise ChainruleError(f"--numbers works on networks of at most {scalar.BUILD_LIMIT} parameters "
                                 f"(this one has {net.n_params}); try a narrower network")
    ev = evaluate(single, example) if example is not None else None
    if view in ("scalar", "both"):
        doc.body += scalar.view(net, params, ev.rows[0] if ev else None, single)[0]
    if view in ("delta", "both"):
        doc.body += delta_sections(net)
    if single is not None:
        doc.data.update(json_data(single, params))
    if example is not None:
        doc.body += numbers_sections(net, example, ev, params, steps, lr, doc.data, single)
    if verify:
        if single is None:
            raise ChainruleError("--verify needs the scalar network; this one is too large")
        doc.body.append(verify_section(single, doc.data))
    return doc


def delta_sections(net: Network) -> list:
    d = delta.derivation(net)
    return [Section(d.title, d.body)]


# ------------------------------------------------------------- JSON -----

def json_data(bp: Backprop, params: list[str] | None) -> dict:
    chosen = params or bp.net.param_names()
    return {
        "definitions": [{"name": s.name, "expr": plain(e)} for s, e in bp.definitions()],
        "loss": plain(bp.loss),
        "parameters": [param_entry(bp, p) for p in chosen],
    }


def param_entry(bp: Backprop, p: str) -> dict:
    g = bp.gradients[p]
    if bp.m == 1:
        steps = [plain(f) for f in g.factors]
    else:
        steps = [plain(bp.scale), plain(g.expr / bp.scale)]
    return {"name": p, "latex": names.latex_name(p), "gradient": plain(g.expr), "steps": steps}


# ----------------------------------------------------------- numbers ----

def numbers_sections(net: Network, example, ev, params, steps, lr, data: dict, single: Backprop) -> list:
    """``ev`` is the example through ``single``, the one-example Backprop(net)."""
    batch = Backprop(net, batch_rows(example.m))  # symbolic only: the JSON's batch definitions
    described = example.description or "the worked example"
    rows = []
    for r, (x, y) in enumerate(zip(example.X, example.Y), 1):
        rows.append([str(r), ", ".join(_n(v) for v in x), ", ".join(_n(v) for v in y)])
    out = [Section("Worked example: the data", [
        Text(f"{described} (m = {example.m} example{'s' if example.m > 1 else ''}; "
             f"{'J averages them' if net.reduction == 'mean' else 'J sums them'})."),
        Table(["row", "x", "y"], rows),
        Table(["parameter", "value"], [[names.unicode_name(p), _n(v)] for p, v in example.params])])]
    out.append(Section("Worked example: forward pass",
                       per_example(ev, single.forward, "quantity")
                       + [Math([sp.Symbol("J"), _n(ev.loss)], note="the loss on this batch")]))
    out.append(Section("Worked example: deltas (δ = ∂l/∂z, one example at a time)",
                       per_example(ev, single.backward, "δ")))
    shown = params or net.param_names()
    mean = notation(f"(1/{example.m})Σᵣ", r"\frac{1}{%d}\sum_r" % example.m) \
        if net.reduction == "mean" and example.m > 1 else (notation("Σᵣ", r"\sum_r") if example.m > 1 else 1)
    grads = [[names.unicode_name(p), sp.Mul(mean, single.gradients[p].expr, evaluate=False),
              ev.gradients[p]] for p in shown]
    out.append(Section("Worked example: gradients", [Table(["parameter", "∂J/∂parameter", "value"], grads)]))
    data["numbers"] = {
        "definitions": [{"name": s.name, "expr": plain(e)} for s, e in batch.definitions()],
        "loss": plain(batch.loss),
        "values": {name: _n(v) for name, v in batch_values(batch, ev).items()},
        "loss_value": _n(ev.loss),
        "gradients": {p: _n(v) for p, v in ev.gradients.items()},
    }
    if steps:
        rate = Fraction(str(lr)) if lr is not None else example.lr
        trace = descend(single, example, steps, rate, ev)
        cols = shown if len(shown) <= 4 else shown[:4]
        table = Table(["step", *[names.unicode_name(p) for p in cols], "J"],
                      [[str(t.step), *[t.params[p] for p in cols], t.loss] for t in trace])
        note = "" if len(cols) == len(shown) else f" (first {len(cols)} of {len(shown)} parameters shown)"
        out.append(Section(f"Gradient descent: {steps} steps, learning rate {_n(rate)}", [
            Text(f"Each step: θ ← θ - {_n(rate)} · ∂J/∂θ for every parameter θ{note}. Values are exact "
                 "up to the 10 significant digits printed."), table]))
        data["trace"] = [{"step": t.step, "parameters": {p: _n(v) for p, v in t.params.items()},
                          "loss": _n(t.loss)} for t in trace]
    return out


def per_example(ev, definitions, header: str, columns: int = 4) -> list:
    """Tables with one row per quantity and one column per example."""
    tables = []
    for start in range(0, len(ev.rows), columns):
        chunk = range(start, min(start + columns, len(ev.rows)))
        head = [header] + ([f"example {r + 1}" for r in chunk] if len(ev.rows) > 1 else ["value"])
        body = [[s] + [ev.rows[r][s] for r in chunk] for s, _ in definitions]
        tables.append(Table(head, body))
    return tables


def _n(v) -> str:
    from .printers.base import number
    return number(v)


# ------------------------------------------------------------ verify ----

def verify_section(bp: Backprop, data: dict) -> Section:
    """Check every gradient against sympy.diff of the fully expanded J."""
    results = verify(bp)
    bad = [p for p, ok in results.items() if not ok]
    data["verified"] = {p: ok for p, ok in results.items()}
    text = (f"Verified: all {len(results)} gradients equal sympy.diff(J, θ) of the fully expanded J "
            f"(all other variables fixed at 3 random points; agreement to 12 significant digits)." if not bad else
            f"VERIFICATION FAILED for {', '.join(bad)}.")
    return Section("Verification", [Text(text)])


def verify(bp: Backprop, points: int = 3, seed: int = 0) -> dict[str, bool]:
    """Each gradient against sympy.diff(J, param) at random points.

    All variables but the parameter are fixed first, so J becomes a function
    of that parameter alone: the same partial derivative, without expanding
    nested piecewise activations over every variable at once."""
    rng = random.Random(seed)
    symbols = bp.base_symbols()
    out = {}
    for p, g in bp.gradients.items():
        ok = True
        for _ in range(points):
            point = {s: sp.Float(rng.uniform(0.1, 0.9) * rng.choice((-1, 1)), 30) for s in symbols}
            numeric = dict(point)
            for s, e in bp.definitions():
                numeric[s] = sp.N(e.xreplace(numeric), 30)
            got = g.expr.xreplace(numeric)
            env = {s: v for s, v in point.items() if s != g.param}
            for s, e in bp.forward:  # J as a function of this parameter alone
                env[s] = e.xreplace(env)
            ref = sp.diff(bp.loss.xreplace(env), g.param).xreplace({g.param: point[g.param]})
            a, b = complex(sp.N(ref, 30)), complex(sp.N(got, 30))
            ok &= abs(a - b) <= 1e-12 * max(1.0, abs(a))
        out[p] = bool(ok)
    return out
