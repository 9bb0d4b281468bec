"""Assemble a whole derivation from its views: the one entry point behind
``chainrule derive SPEC``.  The printers do the rest."""
from __future__ import annotations

from fractions import Fraction

import sympy as sp

from .errors import ChainruleError
from .example import random_example
from .example_numbers import GraphNumbers
from .graph import GRAPH_LIMIT, Graph, can_build, couples_rows, graph_cost
from .lang import messages
from .model import Derivation, Section, Text
from .names import Scheme
from .plain import plain
from .views import bptt_numbers, decay, delta, jsondata, notes, numbers, scalar, verify as verifying
from .views.delta_kinds import verify as verify_index
from .views.exercises import checkable_param
from .worked import evaluate

VIEWS = ("scalar", "delta", "both")
STEP_BUDGET = 500_000   # terms evaluated by a descent trace: about ten seconds


def choose_example(net, numbers: bool, seed: int | None):
    if not numbers and seed is None:
        return None
    if net.example is not None and seed is None:
        return net.example
    return random_example(net, 0 if seed is None else seed)


def build_graph(net, example=None) -> Graph | None:
    """The scalar graph for ``net``: one example, or the example's batch when
    batch norm couples the rows; None when it would be too large."""
    if couples_rows(net):
        m = example.m if example is not None else 2
        if not can_build(net, m):
            return None
        return Graph(net, rows=list(range(1, m + 1)))
    return Graph(net) if can_build(net) else None


def build(net, *, params: list[str] | None = None, view: str = "both", numbers: bool = False,
          steps: int | None = None, lr=None, seed: int | None = None, verify: bool = False,
          lang: str = "en", optimizer: str | None = None) -> Derivation:
    t = messages(lang)
    if view not in VIEWS:
        raise ChainruleError(f"unknown view '{view}'; choose scalar, delta or both")
    if params:
        params = _expand(net, params)
    numbers = numbers or bool(steps)
    example = choose_example(net, numbers, seed)
    g = build_graph(net, example)
    if numbers and g is None:
        raise ChainruleError(f"--numbers works on networks whose scalar graph has at most {GRAPH_LIMIT:,} terms "
                             f"(this one has about {graph_cost(net):,}); try a narrower network, or "
                             f"'chainrule handout', which evaluates it with the generated code")
    title = t("title", name=(net.name + " = " if net.name else "") + net.spec)
    doc = Derivation(title, names=g.scheme() if g is not None else Scheme(L=net.depth if net.is_mlp else None),
                     data={"spec": net.spec, **({"lang": lang} if lang != "en" else {})})
    ev = evaluate(g, example) if example is not None else None
    values = ev.first() if ev is not None and ev.per_row else (ev.rows[0] if ev is not None else None)
    if view in ("scalar", "both"):
        doc.body += scalar.view(g, net, params, values, t)
    if view in ("delta", "both"):
        doc.body += delta.sections(net, t, params)
    shown = scalar.chosen_parameters(net, params)[0]
    if not params:   # the gradient check: of a parameter where it shows what it should (see checkable_param)
        checked = checkable_param(net, GraphNumbers(g, example, ev=ev)) if ev is not None and g is not None \
            else (shown[0] if shown else None)
        doc.body.append(notes.section(net, g, example, ev, t, checked))
    if g is not None:
        doc.pending.append(lambda data: data.update(jsondata.graph_data(g, params, example)))
    else:
        doc.pending.append(lambda data: data.update(large_json(net, t)))
    if example is not None:
        doc.body += numbers_sections(net, g, example, ev, shown, steps, lr, doc.data, t, params, doc.pending,
                                     optimizer)
    elif lr is not None or optimizer is not None:
        raise ChainruleError("--lr and --optimizer set the descent trace: add --steps N (or --numbers)")
    if verify:
        index_view = view in ("delta", "both") and not net.is_mlp
        if g is None and not index_view:
            raise ChainruleError("--verify needs the scalar graph; this network is too large")
        if g is not None:
            doc.body.append(verify_section(g, shown, doc.data, t))
        if index_view:   # the index view's own results, on a small instance
            doc.body.append(verify_index.section(net, t, params, doc.data))
    return doc


def _expand(net, params: list[str]) -> list[str]:
    """Plain names, checked; an array's key (W1, b2, gamma2) stands for every
    entry of that array, in order."""
    from . import names
    keys = {key.lower(): (key, shape) for key, shape in net.param_shapes().items()}
    out = []
    for p in params:
        if p.lower() in keys:   # a plain name always has indices (w1_2_1), a key never
            key, shape = keys[p.lower()]
            chosen = names.entries(key, shape)
        else:
            chosen = [net.check_param(p)]
        out += [q for q in chosen if q not in out]
    return out


def numbers_sections(net, g, example, ev, shown, steps, lr, data: dict, t, params, data_pending: list,
                     optimizer: str | None = None) -> list:
    out = [numbers.data_section(net, example, g, t)]
    if not params:
        out += [numbers.forward_section(net, ev, t), numbers.delta_section(net, ev, t)]
        out += [s for s in [bptt_numbers.section(net, g, ev, t)] if s is not None]
    out.append(numbers.gradient_section(net, ev, shown, t))
    def batch_data(data):
        # with numbers, the top-level definitions, loss and gradients are the batch's
        batch = Graph(net, rows=list(range(1, example.m + 1))) if ev.per_row and example.m > 1 else g
        data.update(jsondata.graph_data(batch, params, example))
        data["numbers"] = {
            "values": jsondata.values_data(batch, ev),
            "loss_value": jsondata.number(ev.loss),
            "gradients": {p: jsondata.number(v) for p, v in ev.gradients.items()},
        }
    data_pending.append(batch_data)
    if steps is None:
        steps = example.steps
    work = steps * graph_cost(net, example.m)
    if work > STEP_BUDGET:
        most = max(1, STEP_BUDGET // max(1, graph_cost(net, example.m)))
        raise ChainruleError(f"{steps} steps of this network would evaluate about {work:,} terms (the limit is "
                             f"{STEP_BUDGET:,}, some seconds); use --steps {most} or fewer")
    if steps:
        rate = Fraction(str(lr)) if lr is not None else example.lr
        section, trace = numbers.trace_section(net, g, example, steps, rate, ev, shown, t, optimizer)
        out.append(section)
        data["trace"] = [{"step": r.step, "parameters": {p: jsondata.number(v) for p, v in r.params.items()},
                          "loss": jsondata.number(r.loss)} for r in trace]
        data["hyperparameters"] = hyperparameters_data(optimizer or "sgd", rate)
        if optimizer in ("adam", "adamw"):   # L2 in the loss against AdamW's decoupled decay
            out += [s for s in [decay.section(net, example, steps, rate, g, g.scheme(), t)] if s is not None]
        if optimizer not in (None, "sgd"):
            data["optimizer"] = optimizer
            for row, after in zip(data["trace"], trace[1:]):
                row["state"] = {p: {str(k): jsondata.number(v) for k, v in s.items()}
                                for p, s in (after.state or {}).items()}
    return out


def hyperparameters_data(optimizer: str, rate) -> dict:
    """What the trace ran with, under torch.optim's keywords: {"lr": "0.1", "betas": ["0.9", "0.999"], ...}."""
    from .optimizers import OPTIMIZERS
    out: dict = {}
    for _, keyword, value in OPTIMIZERS[optimizer].settings(rate):
        if keyword.startswith("betas["):
            out.setdefault("betas", []).append(jsondata.number(value))
        else:
            out[keyword] = jsondata.number(value)
    if optimizer == "nesterov":
        out["nesterov"] = True
    return out


def verify_section(g: Graph, shown: list[str], data: dict, t) -> Section:
    results = verifying.check_gradients(g, shown)
    local_ok = verifying.check_locals(g)
    data["verified"] = dict(results)
    data["verified_locals"] = local_ok
    bad = [p for p, ok in results.items() if not ok] + ([] if local_ok else ["local derivatives"])
    ok = t("verify.ok", n=len(results)) if len(results) > 1 else t("verify.ok_one")
    text = (ok + " " + t("verify.locals", n=sum(len(d.expr.free_symbols) for d in g.forward)) + "."
            if not bad else t("verify.failed", names=", ".join(bad)))
    return Section(t("verify.title"), [Text(text)], key="verify")


def large_json(net, t) -> dict:
    """#16: a network too large for the scalar graph still gets an answer:
    the index-level equations, and a field saying why there is no scalar form."""
    out = {"scalar": False, "reason": t("json.no_scalar", terms=f"{graph_cost(net):,}", limit=f"{GRAPH_LIMIT:,}")}
    if net.is_mlp:
        view = delta.DeltaView(net)
        out["index_level"] = [{"label": s.label, "layer": s.layer, "lhs": plain(s.lhs), "index": plain(s.index),
                               "matrix": plain(s.matrix) if s.matrix is not None else None}
                              for s in view.steps]
    else:   # every result of the index view, in its index form (and matrix form where it has one)
        out["index_level"] = [{"label": c.what, "index": [plain(f) for f in c.forms],
                               "matrix": plain(c.matrix) if c.matrix is not None else None}
                              for c in delta.network.IndexView(net, t).claims]
    return out


__all__ = ["VIEWS", "build", "build_graph", "choose_example", "sp"]
