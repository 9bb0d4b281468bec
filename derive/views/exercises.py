"""Exercises with answers, for the network at hand.

Each exercise takes its numbers from the network's own evaluation (an
example drawn from the seed, through the scalar graph or the matrix
forms), its formula from the delta view's BP1-BP4 at index level, made
concrete, or from the rules card, and computes its answer from exactly the
numbers the question prints.  The answer is then checked against the
evaluation of the whole network: an answer that does not agree is an
internal error, never a printed mistake.  Statements depend on the network:
no bias exercise without biases, the shapes exercise says what the shapes
can and cannot tell for these widths.
"""
from __future__ import annotations

import random
from dataclasses import replace
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

from .. import names
from ..evaluate import as_sympy, to_mp, value as evaluate_at
from ..example import random_example
from ..example_numbers import numbers_for
from ..format import DIGITS, SMALL, fmt
from ..graph import Graph, Partial
from ..model import Equations, Exercise, Math, Notation, Numeric, Para, Shape, Table, Value
from ..rules import ACTIVATIONS, fprime, softmax, z as Z_SYM
from .delta import M, DeltaView, forward_z
from .notes import CHECK_DIGITS, H, central_difference, shifted_losses
from .plug import plug, tidy
from . import kind_exercises
from .prose import para

J = sp.Symbol("J")
TOLERANCE = Fraction(1, 10 ** 4)   # printed givens carry 6 significant digits
SHOWN_INPUTS = 3                   # inputs given in the forward exercise; the others are 0
SHOWN_TERMS = 3                    # terms of a long BP2 sum written out; the rest given as one number
SPACE = {"forward": 4.0, "bp1": 3.0, "bp2": 4.0, "batch": 4.5, "shapes": 4.0, "changes": 4.0, "check": 3.0,
         "sgd": 2.5}


class AnswerError(AssertionError):
    """An answer that disagrees with the network's evaluation: a bug in chainrule."""


def exercises(net, t, *, seed: int = 0, answers: bool = True, graph: Graph | None = None,
              worked=None, view: DeltaView | None = None, example=None) -> list[Exercise]:
    """The exercise sheet.  ``graph`` is the scalar graph when the network has
    one; ``worked`` the worked example's numbers (for the gradient check);
    ``example`` the two examples the dense exercises use (drawn from ``seed``
    when not given)."""
    made = sheet(net, t, seed=seed, graph=graph, worked=worked, view=view, example=example)
    return [exercise(t, i, m, answers) for i, m in enumerate(made, 1)]


def exercise(t, n: int, made, answers: bool = True, title_key: str = "ex.title") -> Exercise:
    """Exercise ``n`` of the sheet from its (key, title, question, solution, asked)."""
    key, title, question, solution, _ = made
    return Exercise(t(title_key, n=n, title=title), question, solution if answers else None,
                    SPACE.get(key, kind_exercises.SPACE.get(key)), t("ex.solution"))


def sheet(net, t, *, seed: int = 0, graph: Graph | None = None, worked=None, view: DeltaView | None = None,
          example=None, pick: int | None = None, descent: bool = False) -> list[tuple]:
    """The exercises as (key, title, question, solution, asked): ``asked`` are
    the numbers each asks for (model.Numeric), computed from the numbers it
    gives.  ``pick`` seeds the choices that shape the questions (which
    neuron, which layer; default ``seed``), so that one ``pick`` with
    different examples gives the same questions with other numbers (an
    exam's versions).  ``descent`` adds one step of gradient descent."""
    rng = random.Random(seed if pick is None else pick)
    drawn = rng if pick is None else random.Random(seed)   # numbers drawn here: batch norm's, the saturated z
    made = []
    dense_grad = None
    nums = None
    if net.is_mlp:
        view = view if view is not None else DeltaView(net)
        example = example if example is not None else exercise_example(net, seed)
        nums = numbers_for(net, example, graph, view)
        made.append(forward(net, t, nums, view, rng))
        made.append(output_error(net, t, nums, view))
        if net.depth >= 2:
            made.append(hidden_error(net, t, nums, view))
        batch, dense_grad = batch_gradient(net, t, nums, view, rng)
        made.append(batch)
        made.append(shapes(net, t, nums, view, rng))
    made += kind_exercises.exercises(net, t, graph, worked, drawn)
    if worked is not None:
        changes = what_changes(net, t, nums if nums is not None else worked, graph, drawn, dense_grad)
        if changes is not None:
            made.append(changes)
        made.append(gradient_check(net, t, worked, rng, another=pick is None))
        if descent:
            made.append(sgd_step(net, t, worked, rng))
    return made


def exercise_example(net, seed: int):
    """Two examples drawn from the seed, for the dense exercises."""
    return zero_inputs(random_example(net, seed, m=2))


def zero_inputs(example):
    """The example with every input after the first SHOWN_INPUTS set to 0, so
    that the forward exercise can give every input that counts."""
    X = tuple(row[:SHOWN_INPUTS] + (Fraction(0),) * (len(row) - SHOWN_INPUTS) for row in example.X)
    return replace(example, X=X)


# ------------------------------------------------------------- helpers --

def given(v) -> Fraction:
    """A number as the question prints it (exact when short, else 6 digits)."""
    return Fraction(fmt(v).plain())


def shown(v) -> Value:
    if isinstance(v, sp.Basic):
        return Value(v)
    return Value(sp.Float(v, 17) if isinstance(v, float) else as_sympy(v))


def answer(v) -> Value:
    """An answer as printed: exact when short, else rounded (arithmetic on
    6-digit givens carries no more than that)."""
    if isinstance(v, Fraction) and not fmt(v).exact or isinstance(v, Fraction) and \
            len(fmt(v).mantissa.lstrip("-0.").replace(".", "")) > DIGITS:
        return Value(as_sympy(to_mp(v)))
    return shown(v)


def chain(lhs, formula, plugged, result) -> Math:
    """lhs = formula = numbers in place = result, without repeating a step
    (a formula that is one symbol, numbers that are already the result)."""
    parts = [lhs, formula]
    if not isinstance(plugged, Value) and plugged != formula:
        parts.append(plugged)
    parts.append(result)
    return Math(parts)


def equalities(env: dict) -> list:
    return [sp.Eq(s, shown(v), evaluate=False) for s, v in env.items()]


def check(answer, truth, *scale) -> None:
    a, b = to_mp(answer), to_mp(truth if not isinstance(truth, float) else Fraction(truth))
    bound = to_mp(TOLERANCE) * max([abs(b)] + [abs(to_mp(s)) for s in scale] + [to_mp(Fraction(1, 10 ** 9))])
    if abs(a - b) > bound:
        raise AnswerError(f"exercise answer {fmt(answer).plain()} disagrees with the network's "
                          f"{fmt(truth).plain()}")


def base_names(view: DeltaView) -> dict:
    """Each IndexedBase of the delta view -> (prefix, layer) of its plain names."""
    out = {}
    for l, ls in view.layers.items():
        out.update({ls.z.base: ("z", l), ls.d.base: ("d", l), ls.a.base: ("a", l), ls.w.base: ("w", l),
                    ls.b.base: ("b", l), ls.y.base: ("y", None),
                    ls.a_prev.base: ("x", None) if l == 1 else ("a", l - 1)})
    return out


def concrete(expr, view: DeltaView, at: dict, m: int = 1, rows: bool = False, widths: dict | None = None) -> sp.Expr:
    """An index-level expression of the delta view at concrete indices (``at``:
    Idx -> number), widths (the network's, or ``widths``: symbol -> number)
    and batch size m, in plain names (with the row when ``rows``)."""
    sizes = {}
    for ls in view.layers.values():
        sizes[ls.n_sym] = ls.n
        sizes[ls.n_prev_sym] = ls.n_prev
    widths = {**sizes, **(widths or {})}
    e = sp.sympify(expr).xreplace({i: sp.Integer(v) for i, v in at.items()})   # before the widths: Idx carry them
    e = e.xreplace({**widths, M: m}).doit()
    bases = base_names(view)
    swap = {}
    for ix in e.atoms(sp.Indexed):
        prefix, l = bases[ix.base]
        idx = [int(i) for i in ix.indices]
        if prefix in ("w", "b"):
            swap[ix] = names.sym(names.plain(prefix, l, *idx))
            continue
        row, rest = idx[0], idx[1:]
        nums = ([] if l is None else [l]) + rest
        swap[ix] = names.sym(names.plain(prefix, *nums, row=row if rows else None))
    return e.xreplace(swap)


def number_of(nums, symbol: sp.Symbol, scheme=None):
    """The value of a plain-name symbol in the example ``nums``."""
    prefix, row, l, idx = _split(symbol.name)
    r = 0 if row is None else row - 1
    if prefix == "x":
        return nums.x(idx[0], r)
    if prefix == "y":
        return nums.y(idx[0], r)
    if prefix in ("w", "b"):
        return nums.param(symbol.name)
    return nums.value(prefix, l, idx[0], r)


def _split(name: str):
    from ..names import Scheme
    parts = Scheme().split(name)
    if parts is None:
        raise KeyError(name)
    return parts


def _scale_and_sum(index):
    """(scalar factor, the Sum) of scale * Sum."""
    factors = sp.Mul.make_args(index)
    sums = [f for f in factors if isinstance(f, sp.Sum)]
    return sp.Mul(*[f for f in factors if not isinstance(f, sp.Sum)]), sums[0]


def _value_of(expr, env) -> Fraction:
    v = evaluate_at(expr, {**env})
    return v


# ----------------------------------------------------------- exercises --

def forward(net, t, nums, view, rng):
    ls = view.layers[1]
    n0, n1 = net.sizes[0], net.sizes[1]
    j = rng.randint(1, min(n1, 4))
    used = min(n0, SHOWN_INPUTS)
    zero = n0 > used   # the other inputs are 0: the sum over k stops at the last one given
    zdef = concrete(forward_z(ls, net.bias), view, {ls.j: j, ls.r: 1}, widths={ls.n_prev_sym: used})
    zsym, asym = names.node("z", 1, j), names.node("a", 1, j)
    inputs = {names.x(k): nums.x(k, 0) for k in range(1, used + 1)}
    weights = {names.w(1, j, k): nums.param(f"w1_{j}_{k}") for k in range(1, used + 1)}
    if net.bias:
        weights[names.b(1, j)] = nums.param(f"b1_{j}")
    env = {**inputs, **weights}
    z = _value_of(zdef, env)
    check(z, nums.value("z", 1, j, 0))
    act = net.act(1)
    card = ACTIVATIONS[act.name]
    lines = [chain(zsym, zdef, plug(zdef, env), answer(z))]
    if card.elementwise:
        f = card.expr(act.alpha).subs(Z_SYM, zsym)
        a = _value_of(f, {zsym: z})
        lines.append(chain(asym, f, plug(f, {zsym: z}), answer(a)))
        question = para(t, "ex.forward_q", inputs=equalities(inputs), rest=t("ex.rest_zero") if zero else "",
                        bias=t("ex.and_bias") if net.bias else "", j=j, weights=equalities(weights),
                        z=zsym, a=asym, act=str(act))
    else:
        zs = [names.node("z", 1, q) for q in range(1, n1 + 1)]
        others = {s: given(nums.value("z", 1, q, 0)) for q, s in enumerate(zs, 1) if q != j}
        f = softmax(zs)[j - 1]
        a = _value_of(f, {**others, zsym: z})
        lines.append(chain(asym, f, plug(f, {**others, zsym: z}), answer(a)))
        question = para(t, "ex.forward_softmax_q", inputs=equalities(inputs),
                        rest=t("ex.rest_zero") if zero else "", bias=t("ex.and_bias") if net.bias else "",
                        j=j, weights=equalities(weights), z=zsym, others=equalities(others), a=asym)
    check(a, nums.value("a", 1, j, 0))
    asked = [Numeric(zsym, z, ("z", 1, j, 1, "exercise")), Numeric(asym, a, ("a", 1, j, 1, "exercise"))]
    return "forward", t("ex.forward_title"), [question], [Equations(lines)], asked


def output_error(net, t, nums, view):
    L = net.depth
    ls = view.layers[L]
    step = view.step("BP1", L)
    formula = tidy(concrete(step.index, view, {ls.r: 1, ls.p: 1}))
    d = names.node("d", L, 1)
    env = {s: given(number_of(nums, s)) for s in sorted(formula.free_symbols, key=lambda s: s.name)}
    value = _value_of(formula, env)
    check(value, nums.value("d", L, 1, 0))
    act = net.act(L)
    note = t("ex.one_hot") if step.note else ""
    question = para(t, "ex.bp1_q", givens=equalities(env), d=d, act=str(act), loss=net.loss, note=note)
    solution = [chain(d, formula, plug(formula, env), answer(value))]
    return "bp1", t("ex.bp1_title"), [question], solution, [Numeric(d, value, ("d", L, 1, 1, "exercise"))]


def hidden_error(net, t, nums, view):
    L = net.depth
    l = L - 1
    ls = view.layers[l]
    nxt = view.layers[l + 1]
    step = view.step("BP2", l)
    factors = sp.Mul.make_args(step.index)
    back = [f for f in factors if isinstance(f, sp.Sum)][0]
    local = sp.Mul(*[f for f in factors if not isinstance(f, sp.Sum)])
    at = {nxt.r: 1, nxt.q: 1}
    terms = sp.Add.make_args(concrete(back, view, at))
    terms = sorted(terms, key=lambda e: [s.name for s in sorted(e.free_symbols, key=lambda s: s.name)])
    terms = sorted(terms, key=lambda e: _j_of(e, l + 1))
    fpart = concrete(local, view, at)
    env, shown_terms = {}, terms
    if len(terms) > SHOWN_TERMS + 1:
        shown_terms = terms[:SHOWN_TERMS]
        rest_value = 0
        for e in terms[SHOWN_TERMS:]:
            rest_value += evaluate_at(e, {s: _exactish(number_of(nums, s)) for s in e.free_symbols})
        S = sp.Symbol("S")
        env[S] = given(rest_value)
        upstream = sp.Add(*shown_terms, S, evaluate=False)
    else:
        upstream = sp.Add(*shown_terms, evaluate=False) if len(shown_terms) > 1 else shown_terms[0]
    for e in shown_terms:
        for s in sorted(e.free_symbols, key=lambda s: s.name):
            env[s] = given(number_of(nums, s))
    for s in sorted(fpart.free_symbols, key=lambda s: s.name):
        env[s] = given(number_of(nums, s))
    formula = sp.Mul(upstream, fpart, evaluate=False) if fpart != 1 else upstream
    value = _value_of(formula, env)
    scale = [abs(to_mp(_value_of(e, env))) for e in shown_terms]
    check(value, nums.value("d", l, 1, 0), *scale)
    d = names.node("d", l, 1)
    deltas = {s: v for s, v in env.items() if s.name.startswith("d")}
    weights = {s: v for s, v in env.items() if s.name.startswith("w")}
    own = {s: v for s, v in env.items() if s.name.startswith(("a", "z"))}
    rest = t("ex.rest_sum", n=len(terms) - SHOWN_TERMS, S=fmt(env[sp.Symbol("S")]).plain()) \
        if sp.Symbol("S") in env else ""
    question = para(t, "ex.bp2_q", l=l, act=str(net.act(l)), own=equalities(own), next=l + 1,
                    deltas=equalities(deltas), weights=equalities(weights), rest=rest, d=d)
    solution = [chain(d, formula, plug(formula, env), answer(value))]
    return "bp2", t("ex.bp2_title"), [question], solution, [Numeric(d, value, ("d", l, 1, 1, "exercise"))]


def _exactish(v):
    return v if not isinstance(v, float) else Fraction(v)


def _j_of(term, layer: int) -> int:
    """The neuron j of the next layer a BP2 term belongs to (for ordering)."""
    for s in term.free_symbols:
        prefix, row, l, idx = _split(s.name)
        if prefix == "d":
            return idx[0]
    return 0


def batch_gradient(net, t, nums, view, rng):
    L = net.depth
    l = rng.randint(1, L)
    ls = view.layers[l]
    m = nums.m
    lines, env, asked, keys = [], {}, [], []
    wname = f"w{l}_1_1"
    for label, param in (("BP4", names.w(l, 1, 1)), ("BP3", names.b(l, 1) if net.bias else None)):
        if param is None:
            continue
        step = view.step(label, l)
        scale, total = _scale_and_sum(step.index)
        at = {ls.p: 1, ls.q: 1} if label == "BP4" else {ls.p: 1}
        body = concrete(total, view, at, m=m, rows=True)
        body = sp.Add(*sorted(sp.Add.make_args(body), key=lambda e: sorted(s.name for s in e.free_symbols)),
                      evaluate=False)
        scale = concrete(scale, view, {}, m=m)
        formula = sp.Mul(scale, body, evaluate=False) if scale != 1 else body
        if label == "BP4" and net.l2 is not None:
            lam = sp.Rational(net.l2.numerator, net.l2.denominator)
            formula = sp.Add(formula, sp.diff(lam / 2 * param ** 2, param), evaluate=False)
        for s in sorted(formula.free_symbols, key=lambda s: s.name):
            env[s] = given(number_of(nums, s))
        value = _value_of(formula, env)
        check(value, nums.gradient(param.name), *[_value_of(e, env) for e in sp.Add.make_args(body)])
        lines.append(Math([Partial(J, param), formula, plug(formula, env), answer(value)], label=label))
        asked.append(Partial(J, param))
        keys.append(Numeric(Partial(J, param), value, ("grad", param.name, "exercise")))
    givens = {s: v for s, v in env.items() if not s.name.startswith(("w", "b"))}
    params = {s: v for s, v in env.items() if s.name.startswith(("w", "b"))}
    question = para(t, "ex.batch_q", m=m, givens=equalities(givens), asked=asked,
                    how=t(f"ex.batch_{net.reduction}"),
                    l2=t("ex.l2", lam=fmt(net.l2).plain()) if net.l2 is not None else "",
                    params=equalities(params) if params else "")
    title = t("ex.batch_title_bias") if net.bias else t("ex.batch_title")
    return ("batch", title, [question], [Equations(lines)], keys), (wname, l)


def shapes(net, t, nums, view, rng):
    L = net.depth
    l = rng.randint(1, L)
    ls = view.layers[l]
    m = rng.choice([8, 16, 32, 64, 100])
    n, p = net.sizes[l], net.sizes[l - 1]

    def shape_of(mat):
        return Shape(*[int(sp.sympify(d).xreplace({M: m})) for d in mat.shape])
    right, wrong = ls.d.matrix.T * ls.a_prev.matrix, ls.a_prev.matrix.T * ls.d.matrix
    rows = [[ls.d.matrix, shape_of(ls.d.matrix)], [ls.a_prev.matrix, shape_of(ls.a_prev.matrix)],
            [Partial(J, ls.w.matrix), shape_of(ls.w.matrix)]]
    if net.bias:
        rows.append([Partial(J, ls.b.matrix), shape_of(ls.b.matrix)])
    rows += [[right, shape_of(right)], [wrong, shape_of(wrong)]]
    gradient_check_of_bp4(net, nums, view, l)
    if (n, p) == (1, 1):
        verdict = para(t, "ex.shapes_scalar", right=right, wrong=wrong)
    elif n == p:
        verdict = para(t, "ex.shapes_square", right=right, wrong=wrong, n=n)
    else:
        verdict = para(t, "ex.shapes_differ", right=right, wrong=wrong, W=ls.w.matrix,
                       shape=shape_of(wrong))
    asked = [ls.d.matrix, ls.a_prev.matrix, Partial(J, ls.w.matrix)] + \
        ([Partial(J, ls.b.matrix)] if net.bias else [])
    question = para(t, "ex.shapes_q", m=m, asked=asked, right=right, wrong=wrong, W=Partial(J, ls.w.matrix))
    solution = [Table([t("ex.quantity"), t("ex.shape")], rows), verdict]
    if net.bias:
        solution.append(para(t, "ex.shapes_bias", db=Partial(J, ls.b.matrix), m=m))
    return "shapes", t("ex.shapes_title"), [question], solution, []


def gradient_check_of_bp4(net, nums, view, l: int) -> None:
    """ΔᵀA (with 1/m for a mean) is this example's dJ/dW: the product the
    shapes exercise names, checked against the network's own gradient."""
    D, A, G, W = nums.layer_matrices(l)
    scale = 1.0 if net.reduction == "sum" else 1.0 / nums.m
    penalty = 0.0 if net.l2 is None else float(net.l2) * W
    if not np.allclose(scale * D.T @ A + penalty, G, rtol=1e-9, atol=1e-12):
        raise AnswerError(f"BP4 of layer {l} disagrees with the network's gradient")


def what_changes(net, t, nums, graph, rng, dense_grad):
    """(a) the other reduction, on the batch of ``nums`` (when it has more than
    one example); (b) a saturated or switched-off hidden unit.  None when
    neither applies."""
    parts, lines, explain, keys = [], [], [], []
    m = nums.m
    if m > 1:
        other = "sum" if net.reduction == "mean" else "mean"
        twin = replace(net, reduction=other)
        twin_graph = Graph(twin, rows=graph.rows) if graph is not None else None
        twin_nums = numbers_for(twin, nums.example, twin_graph, run=getattr(nums, "run", None))
        name = dense_grad[0] if dense_grad else moving_param(net, nums)
        before, after = given(nums.gradient(name)), twin_nums.gradient(name)
        factor = Fraction(m) if other == "sum" else Fraction(1, m)
        if net.l2 is None:   # the answer from the printed value, checked against the twin network's
            check(before * factor, after)
            after = before * factor
        _same_errors(net, nums, twin_nums)
        theta = names.sym(name)
        parts.append(para(t, "ex.changes_a_q", other=other, now=net.reduction, grad=Partial(J, theta),
                          value=shown(before), m=m))
        lines.append(Math([Partial(J, theta), answer(after)], note=t("ex.changes_a_note", other=other)))
        keys.append(Numeric(Partial(J, theta), after, ("grad", name, "worked" if dense_grad is None else "exercise",
                                                       other)))
        explain.append(para(t, "ex.changes_a" if net.l2 is None else "ex.changes_a_l2",
                            old=_scale_text(net.reduction, m), new=_scale_text(other, m),
                            factor=fmt(factor).plain()))
    b = activation_part(net, t, rng, "(b)" if parts else "(a)")
    if b is not None:
        q, line, why, key = b
        keys.append(key)
        parts.append(q)
        lines.append(line)
        explain.append(why)
    if not parts:
        return None
    return "changes", t("ex.changes_title"), parts, [Equations(lines)] + explain, keys


def _scale_text(reduction: str, m: int) -> str:
    return f"1/{m}" if reduction == "mean" else "1"


def moving_param(net, nums, limit: int = 1000) -> str:
    """The first parameter (in the order of the arrays, W1 first) whose
    gradient at ``nums`` is not 0: a dead ReLU or an input of 0 makes some
    exactly 0, and a check of 0 against 0, or 0 times 3, teaches nothing.
    The very first when the first ``limit`` are all 0."""
    first = None
    for key, shape in net.param_shapes().items():
        for name in names.entries(key, shape):
            first = first or name
            if nums.gradient(name) != 0:
                return name
            limit -= 1
            if limit <= 0:
                return first
    return first


def _same_errors(net, a, b) -> None:
    """The per-example errors do not depend on the reduction: checked."""
    if a.route == "graph":
        for row_a, row_b in zip(a.ev.rows, b.ev.rows):
            for adj in a.graph.adjoints:
                if adj.symbol in row_a and to_mp(row_a[adj.symbol]) != to_mp(row_b[adj.symbol]):
                    raise AnswerError(f"{adj.symbol} changed with the reduction")
        return
    if a.route == "trace":   # float64 both ways, the 1/m folded in and taken out again: equal to rounding
        for l, errors in a.errors().items():
            if not np.allclose(errors, b.errors()[l], rtol=1e-12, atol=0):
                raise AnswerError(f"the errors of layer {l} changed with the reduction")
        return
    for l in range(1, net.depth + 1):
        if not np.array_equal(a.mn.D[l], b.mn.D[l]):
            raise AnswerError(f"the errors of layer {l} changed with the reduction")


def activation_part(net, t, rng, mark: str):
    """(b): one unit of the first layer with an elementwise activation, pushed
    where its derivative is small; the factor computed from the rules card."""
    # a hidden unit: at the output a loss may cancel f' (sigmoid + bce), and
    # the claim that f' scales the error would not hold
    layer = next((x for x in net.numbered if x.act is not None and x.act.name != "identity"
                  and ACTIVATIONS[x.act.name].elementwise and x.kind in ("dense", "conv")
                  and x.l < net.depth), None)
    if layer is None:
        return None
    act = layer.act
    card = ACTIVATIONS[act.name]
    if act.name in ("sigmoid", "tanh"):
        zv = sp.Integer(rng.choice([6, 8, 10, 12]))
    else:
        zv = -sp.Rational(rng.randint(5, 30), 10)
    derivative = sp.N(card.derivative(act.alpha).subs(Z_SYM, zv), 30)
    fp = fprime(act.name, act.alpha)
    a = sp.N(card.expr(act.alpha).subs(Z_SYM, zv), 30)
    taught = sp.N(fp.expr.subs(fp.var, a if fp.in_output else zv), 30)
    check(as_fraction(taught), as_fraction(derivative))
    z1 = _first_symbol(net, layer, "z")
    a1 = _first_symbol(net, layer, "a")
    slope = as_fraction(derivative)
    if slope == 0:
        verdict = t("ex.off")
    elif abs(slope) < Fraction(1, 100):
        verdict = t("ex.vanishes")
    elif abs(slope) < 1:
        verdict = t("ex.shrinks")
    elif slope == 1:
        verdict = t("ex.passes")
    else:
        verdict = t("ex.grows")
    fz = Notation(f"{act.name}′(z)", r"\mathrm{%s}'(z)" % act.name.replace("_", r"\_"))
    question = para(t, "ex.changes_b_q", mark=mark, z=sp.Eq(z1, shown(zv), evaluate=False), act=str(act),
                    l=layer.l)
    line = Math([fz, fp.expr.subs(fp.var, a1 if fp.in_output else z1), shown(slope)],
                note=t("ex.at", z=fmt(zv).plain()) + ("" if not fp.in_output else t("sep.clause") + t("ex.with_a", a=fmt(a).plain())))
    why = para(t, "ex.changes_b", mark=mark, factor=fmt(slope).plain(), verdict=verdict, l=layer.l)
    return question, line, why, Numeric(fz, slope, ("fprime", act.name, act.alpha, zv))


def _first_symbol(net, layer, prefix: str) -> sp.Symbol:
    shape = net.shapes()[layer.l]
    return names.sym(names.plain(prefix, layer.l, *([1] * len(shape))))


def as_fraction(v) -> Fraction:
    """A SymPy number (exact or 30 digits) as a Fraction."""
    v = sp.sympify(v)
    if v.is_Rational:
        return Fraction(int(v.p), int(v.q))
    return Fraction(str(sp.Float(v, 30)))


def _resolution(loss):
    """The smallest central difference that J printed to CHECK_DIGITS digits can show."""
    value = abs(to_mp(loss))
    if value == 0:
        return to_mp(0)
    return to_mp(10) ** (int(mpmath.floor(mpmath.log10(value))) - CHECK_DIGITS + 1) / (2 * to_mp(H))


def _difference(worked, name):
    """(J(θ+h) and J(θ-h) as printed, their central difference, the gradient, J(θ+h)),
    or None when the difference disagrees with the gradient (a kink between θ ± h)."""
    plus, minus = shifted_losses(worked, name)
    p_text, m_text, estimate = central_difference(plus, minus, H)
    exact = worked.gradient(name)
    try:
        check(estimate, exact, Fraction(1, 10 ** 6) / TOLERANCE, _resolution(plus) / TOLERANCE)
    except AnswerError:
        return None
    return p_text, m_text, estimate, exact, plus


ADVICE = Fraction(1, 10 ** 6)   # the handout's advice: a relative difference above this points to a bug


def checkable_param(net, nums, tries: int = 12) -> str | None:
    """The parameter a handout's gradient check shows: the first whose
    central difference, from J(θ ± h) as printed, agrees with its gradient to
    ADVICE, so that the check shows what the advice beside it says.  A
    gradient of 0 is skipped (0 against 0 shows nothing), and so is a kink
    between θ ± h (a max-pool switch: the difference measures another
    slope).  The first entry of each array is tried first (W1's, b1's, ...:
    a kink in layer 1 moves with every weight of it), then the others.
    After ``tries`` differences, the closest one seen."""
    firsts = [names.entries(key, (1,) * len(shape))[0] for key, shape in net.param_shapes().items()]
    rest = (n for key, shape in net.param_shapes().items() for n in names.entries(key, shape) if n not in firsts)
    best = None
    for name in [*firsts, *rest]:
        if tries <= 0:
            break
        exact = nums.gradient(name)
        if exact == 0:
            continue
        tries -= 1
        found = _difference(nums, name)
        if found is None:
            continue
        rel = abs(to_mp(found[2]) - to_mp(exact)) / abs(to_mp(exact))
        if rel <= to_mp(ADVICE):
            return name
        if best is None or rel < best[0]:
            best = (rel, name)
    return best[1] if best is not None else firsts[0]


def gradient_check(net, t, worked, rng, another: bool = True):
    candidates = net.param_names() if net.n_params <= 30 else \
        [names.entries(key, (1,) * len(shape))[0] for key, shape in net.param_shapes().items()]
    name = candidates[rng.randrange(len(candidates))]
    # J printed to CHECK_DIGITS digits resolves a difference of about J * 10^-(digits-1) / 2h; where
    # that hides this gradient (a large saturated loss), the steepest candidate shows it best
    if _resolution(worked.loss) > abs(to_mp(worked.gradient(name))) / 1000:
        name = max(candidates, key=lambda p: abs(to_mp(worked.gradient(p))))
    # θ ± h may cross a kink (a ReLU at 0, a tie in a max pool): there the difference measures another
    # slope, which would teach the wrong lesson, so the next parameter is asked about instead (an exam,
    # whose versions ask about the same parameter, draws other numbers instead: ``another`` False)
    for name in [name] + ([p for p in candidates if p != name] if another else []):
        found = _difference(worked, name)
        if found is not None:
            break
    else:
        raise AnswerError(f"no parameter of {net.spec} has a central difference that agrees with its gradient")
    p_text, m_text, estimate, exact, plus = found
    scheme_name = names.sym(name)
    h = sp.Symbol("h")
    question = para(t, "ex.check_q", theta=scheme_name, h=fmt(H).plain(), plus=p_text, minus=m_text,
                    grad=Partial(J, scheme_name), digits=CHECK_DIGITS)
    diff = abs(to_mp(estimate) - to_mp(exact))
    rel = diff / max(abs(to_mp(exact)), to_mp(Fraction(1, 10 ** 12)))
    estimate_of = Notation("(J(θ + h) - J(θ - h))/2h", r"\frac{J(\theta + h) - J(\theta - h)}{2h}")
    printed = sp.Mul(sp.Add(Value(as_sympy(Fraction(p_text))), -Value(as_sympy(Fraction(m_text))), evaluate=False),
                     sp.Pow(sp.Mul(2, Value(as_sympy(H)), evaluate=False), -1, evaluate=False), evaluate=False)
    solution = [Equations([Math([estimate_of, printed, shown(estimate)]),
                           Math([Partial(J, scheme_name), shown(exact)], note=t("ex.backprop"))]),
                para(t, "ex.check_a", diff=fmt(diff, 2).plain(), rel=fmt(rel, 2).plain())
                if diff > _resolution(plus) else
                para(t, "ex.check_a_digits", diff=fmt(diff, 2).plain(), rel=fmt(rel, 2).plain(),
                     digits=CHECK_DIGITS, res=fmt(_resolution(plus), 1).plain())]
    return "check", t("ex.check_title"), [question], solution, [Numeric(estimate_of, estimate,
                                                                         ("central", name, H, "worked"))]


LEARNING_RATES = (Fraction(1, 10), Fraction(1, 5), Fraction(1, 2))


def sgd_step(net, t, worked, rng):
    """One step of gradient descent on one parameter: θ - η ∂J/∂θ from the
    printed value and gradient, checked against the network's own descent."""
    candidates = [names.entries(key, (1,) * len(shape))[0] for key, shape in net.param_shapes().items()]
    start = rng.randrange(len(candidates))
    order = candidates[start:] + candidates[:start]
    # the chosen parameter, or the next whose gradient shows (a bias before batch norm has none)
    name = next((p for p in order if abs(to_mp(worked.gradient(p))) >= to_mp(SMALL)), order[0])
    lr = rng.choice(LEARNING_RATES)
    theta, grad = given(worked.param(name)), given(worked.gradient(name))
    value = theta - lr * grad
    after = worked.trace(1, lr, [name])[-1][1]
    check(value, after[name], lr * grad)
    symbol, eta = names.sym(name), sp.Symbol("η")
    rule = sp.Add(symbol, sp.Mul(-1, eta, Partial(J, symbol), evaluate=False), evaluate=False)
    plugged = sp.Add(shown(theta), sp.Mul(-1, shown(lr), shown(grad), evaluate=False), evaluate=False)
    question = para(t, "ex.sgd_q", theta=sp.Eq(symbol, shown(theta), evaluate=False),
                    grad=sp.Eq(Partial(J, symbol), shown(grad), evaluate=False), lr=fmt(lr).plain(),
                    how=t(f"ex.batch_{net.reduction}"), symbol=symbol)
    solution = [Math([rule, plugged, answer(value)], note=t("ex.sgd_note", lr=fmt(lr).plain()))]
    return "sgd", t("ex.sgd_title"), [question], solution, [Numeric(rule, value, ("sgd", name, lr, "worked"))]
