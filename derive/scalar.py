"""The scalar view: the chain rule weight by weight, shaped like backprop.

For each parameter it shows the dependency paths to J, the local derivative
on each edge (each from sympy.diff of one local definition), their product
and its simplified form, and then the same gradient as delta times input,
with the deltas computed once in the backward pass and reused.
"""
from __future__ import annotations

import itertools
import math

import sympy as sp

from . import names
from .library import ACTIVATIONS, LOSSES, in_terms_of_output, output_delta, softmax_jacobian
from .model import Math, Partial, Section, Text, notation
from .backprop import Backprop
from .network import Network

PRINT_ALL_LIMIT = 30      # parameters; above this, one representative per layer
PATH_LIMIT = 6            # dependency paths listed one by one
BUILD_LIMIT = 5000        # parameters; above this the scalar network is not built

J = sp.Symbol("J")


def tidy(expr: sp.Expr) -> sp.Expr:
    """Display form: factored, with the signs taught: 2(ŷ - y)·a(1 - a)."""
    if isinstance(expr, sp.Piecewise) or expr.has(sp.Piecewise):
        return expr
    coeff, factors = sp.factor(expr).as_coeff_mul()
    out = []
    for f in factors:
        base, power = f.as_base_exp()
        if isinstance(base, sp.Add) and power.is_Integer and _wants_flip(base):
            base = sp.Add(*[-t for t in base.args], evaluate=False)
            coeff = coeff * (-1) ** power
        out.append(base if power == 1 else sp.Pow(base, power, evaluate=False))
    return sp.Mul(coeff, *out, evaluate=False) if coeff != 1 else sp.Mul(*out, evaluate=False)


def _wants_flip(add: sp.Add) -> bool:
    """(a - 1) -> (1 - a); (y - ŷ) -> (ŷ - y): constants and predictions lead."""
    number = [t for t in add.args if t.is_Number]
    if number:
        return number[0] < 0
    targets = [t for t in add.args if any(s.name.startswith("y") for s in t.free_symbols)]
    others = [t for t in add.args if t not in targets]
    return bool(targets) and all(not t.could_extract_minus_sign() for t in targets) and \
        all(t.could_extract_minus_sign() for t in others)


def conventions(net: Network) -> Text:
    mean = "the mean over the m examples of a batch" if net.reduction == "mean" else \
        "the sum over the examples of a batch ('sum': no 1/m)"
    return Text(
        "Conventions. Layers run from 0 (input) to L = %d (output); a superscript (l) is a layer "
        "index, not an exponent. w⁽ˡ⁾ⱼₖ connects neuron k of layer l-1 to neuron j of layer l "
        "(j = to, k = from), so W⁽ˡ⁾ has shape (n_l × n_(l-1)), as in torch.nn.Linear. "
        "z⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾, a⁽ˡ⁾ = f(z⁽ˡ⁾), a⁽⁰⁾ = x, ŷ = a⁽ᴸ⁾. δ⁽ˡ⁾ⱼ = ∂J/∂z⁽ˡ⁾ⱼ "
        "(the error of neuron j). J is %s; below, J is written for one example, where the two "
        "agree." % (net.depth, mean))


def _local(bp: Backprop, child: sp.Symbol, parent: sp.Symbol) -> sp.Expr:
    """d child / d parent from the child's own definition (one edge)."""
    kind, row, nums = names.parse(child.name)
    l = nums[0]
    if kind == "z":
        return sp.diff(bp._z_expr(l, nums[1], row), parent)
    # child is an activation a{l}_{j}; parent is z{l}_{k}
    act = bp.net.act(l)
    if act.name == "softmax":
        j, k = nums[1], names.parse(parent.name)[2][1]
        jac = softmax_jacobian(bp.net.sizes[l], j, k)
        return jac.xreplace({sp.Symbol(f"a_{i}", real=True): names.node("a", l, i, row)
                             for i in range(1, bp.net.sizes[l] + 1)})
    return bp.fprime(l, nums[1], row)


def paths(bp: Backprop, param: sp.Symbol, layer: int, j: int) -> list[list[sp.Symbol]]:
    """Every dependency path param -> z -> a -> ... -> yhat, as node lists."""
    net = bp.net
    L = net.depth
    result = []
    later = [range(1, net.sizes[l] + 1) for l in range(layer + 1, L + 1)]
    softmax_out = net.act(L).name == "softmax"
    for choice in itertools.product(*later):
        chain = [param, names.node("z", layer, j)]
        neurons = [j, *choice]
        for l, n in zip(range(layer, L + 1), neurons):
            if l > layer:
                chain.append(names.node("z", l, n))
            if l == L and softmax_out:
                break
            chain.append(names.node("a", l, n))
        if softmax_out:
            for out in range(1, net.sizes[L] + 1):
                result.append(chain + [names.node("a", L, out)])
        else:
            result.append(chain)
    return result


def count_paths(net: Network, layer: int) -> int:
    n = math.prod(net.sizes[layer + 1:])
    return n * net.sizes[-1] if net.act(net.depth).name == "softmax" and layer < net.depth else n


def _dJ_dyhat(bp: Backprop, k: int) -> sp.Expr:
    return sp.diff(bp.loss_rows[0], names.node("a", bp.L, k))


def parameter_section(bp: Backprop, name: str, values: dict | None = None) -> Section:
    """``values`` (row-free symbol -> number, for one example) adds numbers."""
    g = bp.gradients[name]
    net = bp.net
    p = g.param
    body = []
    n_paths = count_paths(net, g.layer)
    if n_paths <= PATH_LIMIT:
        chains = paths(bp, p, g.layer, g.j)
        arrows = ["  " + " → ".join(names.unicode_name(s.name, bp.L) for s in c) + " → J" for c in chains]
        body.append(Text(f"{'One dependency path' if len(chains) == 1 else f'{len(chains)} dependency paths'}"
                         f" from {names.unicode_name(name)} to J"
                         f"{'; the chain rule sums over them' if len(chains) > 1 else ''}:\n"
                         + "\n".join(arrows)))
        symbolic, local_forms = [], []
        for c in chains:
            yhat = c[-1]
            edges = list(zip(c[1:], c[:-1]))[::-1]  # (child, parent) from J backwards
            symbolic.append(sp.Mul(Partial(J, yhat), *[Partial(ch, pa) for ch, pa in edges], evaluate=False))
            k = names.parse(yhat.name)[2][1]
            local_forms.append(sp.Mul(tidy(_dJ_dyhat(bp, k)), *[_local(bp, ch, pa) for ch, pa in edges],
                                      evaluate=False))
        product = sp.Add(*local_forms, evaluate=False) if len(local_forms) > 1 else local_forms[0]
        simplified = tidy(sp.Add(*[sp.Mul(*f.args) if isinstance(f, sp.Mul) else f for f in local_forms]))
        body.append(Math([Partial(J, p), sp.Add(*symbolic, evaluate=False) if len(symbolic) > 1 else symbolic[0]],
                         note="chain rule along the paths"))
        body.append(Math(["", product], note="local derivatives"))
        body.append(Math(["", simplified], note="simplified"))
        if values is not None:
            numeric = [sp.Mul(*[_number(f, values) for f in form.args], evaluate=False)
                       if isinstance(form, sp.Mul) else _number(form, values) for form in local_forms]
            total = _number(simplified, values)
            body.append(Math(["", sp.Add(*numeric, evaluate=False) if len(numeric) > 1 else numeric[0], total],
                             note="at example 1"))
    else:
        body.append(Text(f"{n_paths} dependency paths lead from {names.unicode_name(name)} to J: too many to "
                         f"list. Backprop sums them once per neuron, in δ."))
    d = names.node("d", g.layer, g.j)
    body.append(Math([Partial(J, p), sp.Mul(Partial(J, names.node("z", g.layer, g.j)),
                                             Partial(names.node("z", g.layer, g.j), p), evaluate=False),
                      g.expr], label="BP3" if g.k is None else "BP4",
                     note=f"reusing {names.unicode_name(d.name)} from the backward pass"))
    return Section(f"∂J/∂{names.unicode_name(name)}", body)


def _number(expr, values) -> sp.Expr:
    """A factor's value at the example, kept as one number in the product."""
    from .printers.base import number
    text = number(sp.N(expr.xreplace(values), 30))
    text = f"({text})" if text.startswith("-") else text
    return notation(text, text)


def forward_section(bp: Backprop, full: bool) -> Section:
    body = []
    for s, e in bp.forward:
        kind, _, nums = names.parse(s.name)
        if not full and nums[1] != 1:
            continue
        body.append(Math([s, e]))
    body.append(Math([J, bp.loss_rows[0]], note=LOSSES[bp.net.loss].description))
    if not full:
        body.insert(0, Text("Showing neuron 1 of each layer; the others follow the same pattern."))
    return Section("Forward pass (staged)", body)


def backward_section(bp: Backprop, full: bool) -> Section:
    net, L = bp.net, bp.L
    body = [Text("The deltas δ = ∂J/∂z are computed once, from the output back, and reused for "
                 "every parameter of their layer.")]
    act = net.act(L)
    od = output_delta(act.name, net.loss, net.sizes[L], act.alpha)
    for s, e in bp.backward:
        kind, _, nums = names.parse(s.name)
        l, j = nums
        if not full and j != 1:
            continue
        if l == L:
            yhat = names.node("a", L, j)
            if act.name == "softmax":
                form = Math([s, sp.Add(*[sp.Mul(Partial(J, names.node("a", L, k)),
                                                Partial(names.node("a", L, k), names.node("z", L, j)), evaluate=False)
                                         for k in range(1, net.sizes[L] + 1)], evaluate=False), e,
                             bp.output_taught[(j, None)]],
                            label="BP1", note=f"softmax + ce; {od.note}")
            else:
                form = Math([s, sp.Mul(Partial(J, yhat), Partial(yhat, names.node("z", L, j)), evaluate=False),
                             sp.Mul(tidy(_dJ_dyhat(bp, j)), bp.fprime(L, j, None), evaluate=False), tidy(e)],
                            label="BP1")
        else:
            upstream = sp.Add(*[sp.Mul(names.node("d", l + 1, i), Partial(names.node("z", l + 1, i),
                                                                          names.node("a", l, j)), evaluate=False)
                                for i in range(1, net.sizes[l + 1] + 1)], evaluate=False)
            form = Math([s, sp.Mul(upstream, Partial(names.node("a", l, j), names.node("z", l, j)), evaluate=False),
                         e], label="BP2")
        body.append(form)
    return Section("Backward pass: the deltas", body)


def activation_box(net: Network) -> Section:
    body, seen = [], set()
    for l in range(1, net.depth + 1):
        act = net.act(l)
        if act in seen or not ACTIVATIONS[act.name].elementwise:
            continue
        seen.add(act)
        f = notation(f"{act.name}′(z)", r"\mathrm{%s}'(z)" % act.name.replace("_", r"\_"))
        dz, da = ACTIVATIONS[act.name].derivative(act.alpha), in_terms_of_output(act.name, act.alpha)
        body.append(Math([f, dz] + ([da] if da != dz else []),
                         note="in terms of a = f(z)" + (f"; {ACTIVATIONS[act.name].note}"
                                                         if ACTIVATIONS[act.name].note else "")))
    return Section("Activation derivatives used", body)


def chosen_parameters(net: Network, params: list[str] | None) -> tuple[list[str], bool]:
    """The parameters to show and whether this is a representative subset."""
    if params:
        return [net.check_param(p) for p in params], False
    if net.n_params <= PRINT_ALL_LIMIT:
        return net.param_names(), False
    reps = []
    for l in range(1, net.depth + 1):
        reps.append(f"w{l}_1_1")
        if net.bias:
            reps.append(f"b{l}_1")
    return reps, True


def general_formula(net: Network, shown: bool = True) -> Section:
    l = notation("l", "l")
    jj, kk = notation("j", "j"), notation("k", "k")
    dl = notation("δ⁽ˡ⁾ⱼ", r"\delta^{(l)}_{j}")
    above = (" Above: one representative weight (and bias) per layer." if shown else "")
    body = [Text(f"This network has {net.n_params} parameters, too many to print one by one.{above} "
                 "Every parameter follows the same general formulas:"),
            Math([notation("∂J/∂w⁽ˡ⁾ⱼₖ", r"\frac{\partial J}{\partial w^{(l)}_{jk}}"),
                  sp.Mul(dl, notation("a⁽ˡ⁻¹⁾ₖ", r"a^{(l-1)}_{k}"), evaluate=False)], label="BP4"),
            Math([notation("∂J/∂b⁽ˡ⁾ⱼ", r"\frac{\partial J}{\partial b^{(l)}_{j}}"), dl], label="BP3"),
            Math([notation("δ⁽ˡ⁾ₖ", r"\delta^{(l)}_{k}"),
                  sp.Mul(notation("(Σⱼ δ⁽ˡ⁺¹⁾ⱼ w⁽ˡ⁺¹⁾ⱼₖ)", r"\Big(\sum_j \delta^{(l+1)}_j w^{(l+1)}_{jk}\Big)"),
                         notation("f′(z⁽ˡ⁾ₖ)", r"f'(z^{(l)}_k)"), evaluate=False)], label="BP2")]
    return Section("General formula", body)


def view(net: Network, params: list[str] | None = None, values: dict | None = None,
         bp: Backprop | None = None) -> tuple[list, Backprop | None, list[str]]:
    """The scalar view's sections, the Backprop it used, and the parameters shown.

    ``bp`` is the caller's one-example Backprop(net), when it has one."""
    shown, representative = chosen_parameters(net, params)
    if net.n_params > BUILD_LIMIT:
        return ([Text(f"The scalar view is for small networks: this one has {net.n_params} parameters. "
                      f"See the delta view (--view delta) for BP1-BP4 at any width."), general_formula(net, False)],
                None, [])
    bp = bp or Backprop(net)
    small = not representative
    sections = [conventions(net), forward_section(bp, small), backward_section(bp, small), activation_box(net)]
    sections += [parameter_section(bp, p, values) for p in shown]
    if representative:
        sections.append(general_formula(net))
    return sections, bp, shown
