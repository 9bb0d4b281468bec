"""Exercises on the layer kinds beyond dense (issue #10): the output shape of
a convolution, one entry of its kernel gradient by hand, the batch-norm
backward on a batch of three, and why dropout scales by 1/(1 - p); for a
recurrent network, backpropagation through time (``rnn_exercises``), and
for an LSTM its cell state (``lstm_exercises``).

Each answer is computed for the network at hand and checked against an
independent route (the graph's own gradient, sympy.diff of the definition,
SymPy's expectation) before it is printed; a disagreement is a bug in
chainrule and raises AnswerError."""
from __future__ import annotations

from fractions import Fraction

import sympy as sp

from .. import names
from ..evaluate import to_mp
from ..graph import Partial, linear_table
from ..layers.norm import EPS
from ..model import Math, Notation, Numeric, Shape, Table, Value
from . import lstm_exercises, rnn_exercises
from .prose import para

SPACE = {"conv_shape": 3.0, "conv_grad": 4.5, "bn": 5.0, "dropout": 3.0, "bptt": 6.0, "vanish": 4.0, "lstm": 6.0}
J = sp.Symbol("J")


class AnswerError(AssertionError):
    """An answer that disagrees with its independent check: a bug in chainrule."""


def _frac(v) -> Fraction:
    """A value of the evaluation (Fraction, int, SymPy number, mpmath float) as a Fraction."""
    if isinstance(v, Fraction):
        return v
    if isinstance(v, int):
        return Fraction(v)
    if isinstance(v, sp.Rational):
        return Fraction(int(v.p), int(v.q))
    return Fraction(str(v))


def _agree(a, b, what: str) -> None:
    a, b = to_mp(a), to_mp(b)
    if abs(a - b) > to_mp(Fraction(1, 10 ** 9)) * max(1, abs(b)):
        raise AnswerError(f"{what}: {a} against {b}")


def exercises(net, t, graph, worked, rng) -> list[tuple]:
    """(key, title, question, solution, asked) for each kind the network has."""
    kinds = {layer.kind: layer for layer in reversed(net.numbered)}   # the first of each kind
    out = []
    conv = next((layer for layer in net.numbered if layer.kind == "conv"), None)
    if conv is not None:
        out.append(conv_shape(net, t, conv))
        if graph is not None and worked is not None:
            made = conv_gradient(net, t, conv, graph, worked)
            if made is not None:
                out.append(made)
    if "bn" in kinds:
        out.append(batch_norm(t, rng))
    if "dropout" in kinds:
        out.append(dropout(t, kinds["dropout"]))
    if "recurrent" in kinds:
        out += rnn_exercises.exercises(t, rng)
        if any(layer.kind == "recurrent" and layer.cell == "lstm" for layer in net.numbered):
            out.append(lstm_exercises.exercise(t, rng))
    return out


def conv_shape(net, t, layer):
    C, H, W = net.shapes()[layer.l - 1]
    K, S, P = layer.k, layer.stride, layer.pad
    h_out, w_out = (H + 2 * P - K) // S + 1, (W + 2 * P - K) // S + 1
    if net.shapes()[layer.l] != (layer.channels, h_out, w_out):
        raise AnswerError(f"conv output {net.shapes()[layer.l]} against the formula's {(layer.channels, h_out, w_out)}")
    n_params = layer.channels * C * K * K + (layer.channels if net.bias else 0)
    if n_params != sum(int(sp.prod(s)) for k, s in net.param_shapes().items() if k.endswith(str(layer.l))
                       and k.rstrip("0123456789") in ("W", "b")):
        raise AnswerError("conv parameter count")
    Hs, Ks, Ss, Ps = sp.symbols("H K S P")
    formula = sp.floor((Hs + 2 * Ps - Ks) / Ss) + 1
    question = [para(t, "kx.conv_shape_q", l=layer.l, c=layer.channels, k=K, s=S, p=P,
                     shape=Shape(C, H, W))]
    solution = [Math([sp.Symbol("H_out"), formula,
                      sp.floor(sp.Rational(H + 2 * P - K, S), evaluate=False) + 1, Value(sp.Integer(h_out))]),
                para(t, "kx.conv_shape_a", shape=Shape(layer.channels, h_out, w_out), w=w_out,
                     n=n_params, c=layer.channels, cin=C, k=K, bias=layer.channels if net.bias else 0)]
    return "conv_shape", t("kx.conv_shape_title"), question, solution, []


def conv_gradient(net, t, layer, graph, worked):
    """dl/dw for one kernel entry and example 1: the errors of the channel
    times the input pixels that entry saw, summed over the output positions."""
    C_out, h_out, w_out = net.shapes()[layer.l]
    if h_out * w_out > 16 or graph.rows != [None] or getattr(worked, "route", None) != "graph":
        return None
    ev = worked.ev
    w = names.sym(names.entries(f"W{layer.l}", (C_out, net.shapes()[layer.l - 1][0], layer.k, layer.k))[0])
    rows = []
    total = Fraction(0)
    for i in range(h_out):
        for j in range(w_out):
            z = names.sym(names.plain("z", layer.l, 1, i + 1, j + 1))
            d = names.sym(names.plain("d", layer.l, 1, i + 1, j + 1))
            seen = linear_table(graph.by_symbol[z].expr).get(w, sp.Integer(0))
            x = _frac(ev.at(seen, 0)) if seen.free_symbols else _frac(seen)
            delta = _error(ev, d, 0)
            total += delta * x
            rows.append([sp.Symbol(f"({i + 1},{j + 1})"), d, Value(sp.Rational(delta)), seen,
                         Value(sp.Rational(x))])
    # independent: the graph's batch gradient is the mean (or sum) of every example's share
    per_row = []
    for r in range(worked.m):
        s = Fraction(0)
        for i in range(h_out):
            for j in range(w_out):
                z = names.sym(names.plain("z", layer.l, 1, i + 1, j + 1))
                seen = linear_table(graph.by_symbol[z].expr).get(w, sp.Integer(0))
                x = _frac(ev.at(seen, r)) if seen.free_symbols else _frac(seen)
                s += _error(ev, names.sym(names.plain("d", layer.l, 1, i + 1, j + 1)), r) * x
        per_row.append(s)
    scale = Fraction(1) if net.reduction == "sum" else Fraction(1, len(per_row))
    l2 = Fraction(0) if net.l2 is None else Fraction(net.l2) * _frac(worked.param(str(w)))
    _agree(scale * sum(per_row) + l2, worked.gradient(str(w)), "conv kernel gradient")
    question = [para(t, "kx.conv_grad_q", w=w, l=layer.l, k=layer.k, s=layer.stride, p=layer.pad),
                Table([t("kx.position"), t("kx.error"), "", t("kx.input"), ""], rows)]
    solution = [para(t, "kx.conv_grad_a", w=w, grad=Partial(sp.Symbol("ℓ₁"), w)),
                Math([Partial(sp.Symbol("ℓ₁"), w), Value(sp.Rational(total))]),
                para(t, "kx.conv_grad_batch", m=len(per_row), grad=Partial(J, w),
                     value=Value(sp.Rational(_frac(worked.gradient(str(w))))))]
    asked = [Numeric(Partial(sp.Symbol("ℓ₁"), w), total, ("example_grad", str(w), 1, "worked"))]
    return "conv_grad", t("kx.conv_grad_title"), question, solution, asked


def _error(ev, d, row: int) -> Fraction:
    """The error of an output entry at one example; an entry the loss never
    reads (a pooling window that drops the edge) has none in the graph: 0."""
    return _frac(ev.rows[row if ev.per_row else 0].get(d, 0))


def batch_norm(t, rng):
    """dx for one unit over a batch of three, by the simplified formula, checked
    against sympy.diff of the definitions (torch's eps)."""
    m = 3
    xs = [sp.Integer(v) for v in rng.sample([-2, -1, 0, 1, 2, 3], m)]
    dys = [sp.Rational(v, 10) for v in rng.sample([-5, -3, -2, 1, 2, 4, 6], m)]
    gamma = sp.Rational(rng.choice([1, 2, 3]), 2)
    eps = sp.Rational(1, 10 ** int(EPS.split("e-")[1]))
    # sympy.diff of L = sum dy_i * (gamma * xhat_i + beta), the definitions written out
    X = sp.symbols("x1:4", real=True)
    mu = sum(X) / m
    var = sum((x - mu) ** 2 for x in X) / m
    loss = sum(dy * gamma * (x - mu) / sp.sqrt(var + eps) for dy, x in zip(dys, X))
    at = dict(zip(X, xs))
    by_diff = [sp.diff(loss, x).subs(at) for x in X]
    # the simplified form: dx = (1/m) gamma / sigma (m dy - sum dy - xhat sum(dy xhat))
    mu_v = sum(xs) / m
    var_v = sum((x - mu_v) ** 2 for x in xs) / m
    sigma = sp.sqrt(var_v + eps)
    xhat = [(x - mu_v) / sigma for x in xs]
    s1, s2 = sum(dys), sum(dy * xh for dy, xh in zip(dys, xhat))
    simplified = [gamma / (m * sigma) * (m * dy - s1 - xh * s2) for dy, xh in zip(dys, xhat)]
    for a, b in zip(simplified, by_diff):
        _agree(Fraction(str(sp.N(a, 40))), Fraction(str(sp.N(b, 40))), "batch-norm backward")
    question = [para(t, "kx.bn_q", x=[Value(x) for x in xs], dy=[Value(d) for d in dys], gamma=Value(gamma),
                     eps=EPS)]
    rows = [[sp.Symbol(f"x{i + 1}"), Value(xs[i]), Value(sp.N(xhat[i], 20)), Value(dys[i]),
             Value(sp.N(simplified[i], 20))] for i in range(m)]
    solution = [para(t, "kx.bn_a1", mu=Value(mu_v), var=Value(var_v), sigma=Value(sp.N(sigma, 20))),
                para(t, "kx.bn_a2", s1=Value(s1), s2=Value(sp.N(s2, 20))),
                Table(["", "x", "x̂", "dy", "dx"], rows),
                para(t, "kx.bn_a3", total=Value(sp.N(sum(simplified), 20)))]
    asked = [Numeric(Notation(f"dx{'₁₂₃'[i]}", f"dx_{{{i + 1}}}"), sp.N(simplified[i], 30),
                     ("bn_dx", i + 1, tuple(xs), tuple(dys), gamma, eps)) for i in range(m)]
    return "bn", t("kx.bn_title"), question, solution, asked


def dropout(t, layer):
    """E[a] = x: the expectation over the keep-mask, by SymPy."""
    p = sp.Rational(layer.p.numerator, layer.p.denominator)
    x, keep = sp.Symbol("x"), 1 / (1 - p)
    expectation = (1 - p) * (x * 1 * keep) + p * (x * 0 * keep)   # mask 1 with probability 1 - p
    if sp.simplify(expectation - x) != 0:
        raise AnswerError("dropout's expectation")
    question = [para(t, "kx.dropout_q", l=layer.l, p=Value(p))]
    kept = sp.Mul(1 - p, keep, x, evaluate=False)
    solution = [Math([sp.Symbol("E[a]"), sp.Add(kept, sp.Mul(p, 0, evaluate=False), evaluate=False),
                      sp.simplify(expectation)]),
                para(t, "kx.dropout_a", keep=Value(keep), p=Value(p))]
    return "dropout", t("kx.dropout_title"), question, solution, []
