"""The scalar view: the chain rule weight by weight, shaped like backprop.

For each parameter it shows the dependency paths to J, the local derivative
on each edge (from the graph: sympy.diff of one definition, or the rules
card's f'), their product and its simplified form, and then the same
gradient as delta times input, with the deltas computed once in the
backward pass and reused.  Everything comes from ``derive.graph.Graph``;
nothing here knows a layer kind.
"""
from __future__ import annotations

import sympy as sp

from ..graph import Graph, Partial
from ..model import Equations, Math, Notation, Section, Text, Value
from ..plain import plain
from ..rules import ACTIVATIONS, LOSSES, fprime, fprime_at_zero, softmax_jacobian
from ..format import fmt
from .plug import plug, tidy

PRINT_ALL_LIMIT = 30      # parameters; above this, one representative per parameter array
PATH_LIMIT = 6            # dependency paths listed one by one
# A delta summed over more consumers than this is named, not written out:
# spatial batch norm's dmu sums over every pixel of its channel in every
# example, and SymPy's factor on such a sum takes minutes (13 terms: about
# a second; 19: 3 s; 28: 18 s; 49: more than ten minutes).
ADJOINT_TERMS = 13
PATHS_THROUGH_TIME = 16   # a recurrent network's paths listed (without their products) up to this many
J = sp.Symbol("J")
LAMBDA = sp.Symbol("λ", real=True)   # l2's λ, shown as a letter (its value in the note)


def chosen_parameters(net, params: list[str] | None) -> tuple[list[str], bool]:
    """The parameters to show and whether this is a representative subset."""
    if params:
        return [net.check_param(p) for p in params], False
    if net.n_params <= PRINT_ALL_LIMIT:
        return net.param_names(), False
    from .. import names
    return [names.entries(key, shape)[0] for key, shape in net.param_shapes().items()], True


# -------------------------------------------------------------- paths --

def count_paths(g: Graph, start: sp.Symbol) -> int:
    """Dependency paths from ``start`` to J, counted without listing them."""
    outputs = set(g.outputs.flat)
    memo: dict = {}

    def count(s):
        if s in memo:
            return memo[s]
        n = 1 if s in outputs else 0
        for c in g.consumers.get(s, []):
            if g.reaches(c.symbol):
                n += count(c.symbol)
        memo[s] = n
        return n
    return count(start)


def paths(g: Graph, start: sp.Symbol) -> list[list[sp.Symbol]]:
    outputs = set(g.outputs.flat)
    out = []

    def walk(s, chain):
        if s in outputs:
            out.append(chain)
        for c in g.consumers.get(s, []):
            if g.reaches(c.symbol):
                walk(c.symbol, chain + [c.symbol])
    walk(start, [start])
    return out


# ----------------------------------------------------------- sections --

def conventions(net, t) -> Text:
    return Text(t("scalar.conventions", L=net.depth, batch=t(f"batch.{net.reduction}")))


def forward_section(g: Graph, full: bool, t) -> Section:
    body = []
    first_row = g.rows[0]
    for d in g.forward:
        if d.row != first_row and d.row is not None:
            continue
        if not full and any(i != 0 for i in d.idx):
            continue
        body.append(Math([d.symbol, d.expr]))
    loss = g.loss_rows[0]
    body.append(Math([Notation("ℓ", r"\ell"), loss], note=t(f"loss.{g.net.loss}")))
    if not full:
        body.insert(0, Text(t("scalar.first_of_each")))
    if g.rows != [None]:
        body.insert(0, Text(t("scalar.batch_graph", m=g.m)))
    return Section(t("scalar.forward"), body, key="forward")


def adjoint_lines(g: Graph, full: bool, t) -> list:
    lines = []
    first_row = g.rows[0]
    for a in g.teaching_order(keep=lambda d: d.row in (None, first_row) and (full or all(i == 0 for i in d.idx))):
        d = g.by_symbol[a.of]
        n = len(a.chain.args) if isinstance(a.chain, sp.Add) else 1
        if n > ADJOINT_TERMS:
            lines.append(Text(t("scalar.adjoint_too_long", name=g.scheme().unicode(a.symbol.name), n=n)))
            continue
        parts = [a.symbol, a.chain]
        if a.product is not None and a.product != a.expr:
            parts.append(a.product)
        parts.append(tidy(a.expr))
        note = ""
        if a.taught is not None:
            parts.append(tidy(a.taught))
            note = t(f"assume.{g.output_assumes}")
        label = "BP1" if a.output else ("BP2" if d.role == "z" and g.net.layer(a.layer).kind == "dense" else "")
        lines.append(Math(parts, label=label, note=note))
    return lines


def backward_section(g: Graph, full: bool, t) -> Section:
    body = [Text(t("scalar.backward_intro"))]
    if not full:
        body.append(Text(t("scalar.first_of_each")))
    body += adjoint_lines(g, full, t)
    fanout = fan_out(g)
    if fanout:
        body.append(Text(t("scalar.fan_out", name=fanout[0], n=fanout[1])))
    return Section(t("scalar.backward"), body, key="backward")


def fan_out(g: Graph):
    """A quantity that feeds several others (its delta is a sum: += in code)."""
    for d in g.forward:
        users = [c for c in g.consumers.get(d.symbol, []) if g.reaches(c.symbol)]
        if len(users) > 1:
            return g.scheme().unicode(d.symbol.name), len(users)
    return None


def activation_box(net, t) -> Section:
    body = []
    for act in net.used_activations():
        card = ACTIVATIONS[act.name]
        name = act.name.replace("_", r"\_")
        if not card.elementwise:
            body += softmax_lines(t)
            continue
        f = Notation(f"{act.name}′(z)", r"\mathrm{%s}'(z)" % name)
        dz, fp = card.derivative(act.alpha), fprime(act.name, act.alpha)
        parts = [f, dz] + ([fp.expr] if fp.expr != dz else [])
        note = t("box.in_a") if fp.in_output else t("box.in_z")
        at0 = fprime_at_zero(act.name, act.alpha)
        if at0 is not None:
            note += t("sep.clause") + t("box.at_zero", name=act.name, value=str(at0))
        body.append(Math(parts, note=note))
    return Section(t("scalar.box"), body, key="box")


def softmax_lines(t) -> list[Math]:
    """The softmax Jacobian from the rules card, on the diagonal and off it."""
    jj, kj = softmax_jacobian(3, 1, 1), softmax_jacobian(3, 2, 1)
    yj, yk = Notation("ŷⱼ", r"\hat y_j"), Notation("ŷₖ", r"\hat y_k")
    a1, a2 = sp.Symbol("a_1", real=True), sp.Symbol("a_2", real=True)
    return [Math([Partial(yj, Notation("zⱼ", "z_j")), jj.xreplace({a1: yj})], note=t("box.softmax_same")),
            Math([Partial(yk, Notation("zⱼ", "z_j")), kj.xreplace({a1: yj, a2: yk})], note=t("box.softmax_cross"))]


def parameter_section(g: Graph, name: str, values: dict | None, t) -> Section:
    """``values`` (symbol -> number, example 1 through ``g``) adds numbers.
    With l2, J also holds (λ/2) w² directly: every line adds its λ w."""
    grad = g.gradient(name)
    p = grad.param
    scheme = g.scheme()
    penalty, lam_note = _penalty(g, grad, t)
    body = []
    n_paths = count_paths(g, p)
    if 0 < n_paths <= PATH_LIMIT:
        chains = paths(g, p)
        arrows = ["  " + " → ".join(scheme.unicode(s.name) for s in c) + " → J" for c in chains]
        intro = t("scalar.path_one", name=scheme.unicode(name)) if len(chains) == 1 else \
            t("scalar.paths", n=len(chains), name=scheme.unicode(name))
        body.append(Text(intro + "\n" + "\n".join(arrows)))
        symbolic, local_forms = [], []
        for c in chains:
            yhat = c[-1]
            row = next(r for r in range(g.m) if yhat in set(g.outputs[r]))
            edges = list(zip(c[1:], c[:-1]))[::-1]   # (child, parent) from J backwards
            symbolic.append(sp.Mul(Partial(J, yhat), *[Partial(ch, pa) for ch, pa in edges], evaluate=False))
            top = tidy(sp.diff(g.loss_rows[row], yhat))
            local_forms.append(sp.Mul(top, *[g.local(g.by_symbol[ch], pa) for ch, pa in edges], evaluate=False))
        product = sp.Add(*local_forms, evaluate=False) if len(local_forms) > 1 else local_forms[0]
        simplified = tidy(sp.Add(*[sp.Mul(*f.args) if isinstance(f, sp.Mul) else f for f in local_forms]))
        lines = [Math([Partial(J, p), _with(penalty, *symbolic)], note=t("scalar.along_paths") + lam_note),
                 Math(["", _with(penalty, product)], note=t("scalar.locals"))]
        if simplified != product:
            lines.append(Math(["", _with(penalty, simplified)], note=t("scalar.simplified")))
        if values is not None:
            total = simplified + grad.l2   # the number: λ as its value
            lines.append(Math(["", _with(_plug_penalty(penalty, grad, values), plug(product, values)),
                               Value(_number(total, values), of=plain(total))], note=t("scalar.at_example")))
        body.append(Equations(lines))
    elif n_paths <= PATHS_THROUGH_TIME and any(x.kind == "recurrent" for x in g.net.numbered):
        # every path through time listed; their products would be long, and δ sums them
        arrows = ["  " + " → ".join(scheme.unicode(s.name) for s in c) + " → J" for c in paths(g, p)]
        body.append(Text(t("scalar.paths_in_time", n=n_paths, name=scheme.unicode(name)) + "\n" + "\n".join(arrows)))
    elif n_paths > PATH_LIMIT:
        body.append(Text(t("scalar.too_many_paths", n=n_paths, name=scheme.unicode(name))))
    line = gradient_line(g, name, t)
    if values is not None and g.rows == [None]:
        plugged = _with(_plug_penalty(penalty, grad, values), plug(grad.expr - grad.l2, values))
        parts = ["", plugged] + ([] if isinstance(plugged, Value) else
                                 [Value(_number(grad.expr, values), of=plain(grad.expr))])
        body.append(Equations([line, Math(parts, note=t("scalar.at_example"))]))
    elif values is not None:   # a batch graph (batch norm couples the rows): J's gradient on the batch
        body.append(Equations([line, Math(["", Value(_number(grad.expr, values), of=plain(grad.expr))],
                                          note=t("scalar.on_batch", m=g.m))]))
    else:
        body.append(line)
    return Section(f"∂J/∂{scheme.unicode(name)}", body, key=f"param:{name}")


def gradient_line(g: Graph, name: str, t, note: bool = True) -> Math:
    """dJ/dparam as the sum over its consumers, upstream delta times local
    derivative, reusing the deltas of the backward pass (BP3/BP4 for dense)."""
    grad = g.gradient(name)
    p = grad.param
    scheme = g.scheme()
    handles = [h for h, _ in grad.terms if isinstance(h, sp.Symbol)]
    label = ""
    if g.net.layer(grad.layer).kind == "dense" and grad.key[0] in "Wb":
        label = "BP4" if grad.key[0] == "W" else "BP3"
    text = t("scalar.reusing", deltas=", ".join(scheme.unicode(h.name) for h in handles[:3])
             + (" ..." if len(handles) > 3 else "")) if handles and note else ""
    penalty, lam_note = _penalty(g, grad, t)
    if note and lam_note:
        text = text + lam_note if text else lam_note[len(t("sep.clause")):]
    chain = _with(penalty, *[sp.Mul(Partial(J, c), Partial(c, p), evaluate=False) for c in _consumer_symbols(g, p)])
    parts = [Partial(J, p)] + ([chain] if len(grad.terms) <= 4 else []) + [_with(penalty, grad.expr - grad.l2)]
    return Math(parts, label=label, note=text)


def _penalty(g: Graph, grad, t) -> tuple:
    """(λ·w, the note that gives λ) for a weight under l2, else (None, "")."""
    if grad.l2 == 0:
        return None, ""
    lam = sp.Rational(g.net.l2.numerator, g.net.l2.denominator)
    return (sp.Mul(LAMBDA, grad.param, evaluate=False),
            t("sep.clause") + t("scalar.l2_term", lam=fmt(lam).plain()))


def _plug_penalty(penalty, grad, values):
    """λ·w with both numbers in place; λ's Value names nothing a page recomputes."""
    if penalty is None:
        return None
    lam = grad.l2 / grad.param
    return sp.Mul(Value(lam), plug(grad.param, values), evaluate=False)


def _with(penalty, *terms):
    """The sum of ``terms`` (unevaluated), then λ·w when there is one."""
    if penalty is not None:   # flat, and a 0 from the network (a weight that feeds nothing) left out
        terms = [a for x in terms for a in (x.args if isinstance(x, sp.Add) else [x]) if a != 0] + [penalty]
    return sp.Add(*terms, evaluate=False) if len(terms) > 1 else (terms[0] if terms else sp.S.Zero)


def _consumer_symbols(g, p):
    return [c.symbol for c in g.consumers.get(p, []) if g.reaches(c.symbol)]


def _number(expr, values):
    from ..evaluate import as_sympy, value
    return as_sympy(value(expr, values))


def general_formula(net, t, shown: bool = True) -> Section:
    """The general scalar formulas of a dense network (any width)."""
    dl = Notation("δ⁽ˡ⁾ⱼ", r"\delta^{(l)}_{j}")
    body = [Text(t("scalar.general", n=net.n_params) + (" " + t("scalar.general_shown") if shown else "")),
            Equations([
                Math([Notation("∂J/∂w⁽ˡ⁾ⱼₖ", r"\frac{\partial J}{\partial w^{(l)}_{jk}}"),
                      sp.Mul(dl, Notation("a⁽ˡ⁻¹⁾ₖ", r"a^{(l-1)}_{k}"), evaluate=False)], label="BP4"),
                Math([Notation("∂J/∂b⁽ˡ⁾ⱼ", r"\frac{\partial J}{\partial b^{(l)}_{j}}"), dl], label="BP3"),
                Math([Notation("δ⁽ˡ⁾ₖ", r"\delta^{(l)}_{k}"),
                      sp.Mul(Notation("(Σⱼ δ⁽ˡ⁺¹⁾ⱼ w⁽ˡ⁺¹⁾ⱼₖ)", r"\Big(\sum_j \delta^{(l+1)}_j w^{(l+1)}_{jk}\Big)"),
                             Notation("f′(z⁽ˡ⁾ₖ)", r"f'(z^{(l)}_k)"), evaluate=False)], label="BP2")])]
    return Section(t("scalar.general_title"), body, key="general")


def view(g: Graph | None, net, params: list[str] | None, values: dict | None, t) -> list:
    """The scalar view's sections for the graph ``g`` (None: too large to build)."""
    if g is None:
        body = [Text(t("scalar.too_large", n=net.n_params))]
        out = [Section(t("scalar.title_large"), body, key="scalar-large")]
        if net.is_mlp:
            out.append(general_formula(net, t, shown=False))
        return out
    shown, representative = chosen_parameters(net, params)
    small = not representative and len(g.forward) <= 60
    if params:
        sections = [parameter_section(g, p, values, t) for p in shown]
        return [conventions(net, t)] + sections
    sections = [conventions(net, t), forward_section(g, small, t), backward_section(g, small, t),
                activation_box(net, t)]
    sections += [parameter_section(g, p, values, t) for p in shown]
    if representative and net.is_mlp:
        sections.append(general_formula(net, t))
    return sections
