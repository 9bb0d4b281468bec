"""What a derivation says beyond the equations: saturation, ReLU's switch,
why reverse mode is cheaper, a numerical gradient check, and for a one-weight
network the whole loss curve J(w).  Every number is computed for the
network at hand."""
from __future__ import annotations

import math
from fractions import Fraction

import sympy as sp

from ..evaluate import to_mp
from ..format import fmt
from ..graph import Partial
from ..model import Equations, Math, Section, Text, Value
from ..rules import ACTIVATIONS, fprime
from .prose import para

SATURATING = ("sigmoid", "tanh")


def saturation(net, t, compare: bool = False) -> list:
    """The saturation remark for each saturating activation of ``net``; with
    ``compare``, a network without one gets sigmoid's, introduced as such."""
    out, seen = [], set()
    z, a = sp.Symbol("z", real=True), sp.Symbol("a", real=True)
    names = [act.name for act in net.used_activations() if act.name in SATURATING]
    if compare and not names:
        out.append(Text(t("notes.saturation_none")))
        names = ["sigmoid"]
    for name in names:
        if name in seen:
            continue
        seen.add(name)
        card = ACTIVATIONS[name]
        fp = fprime(name)
        d = card.derivative()
        peak = d.subs(z, 0)
        exact = sp.N(d.subs(z, 50), 20)
        a64 = float(sp.lambdify(z, card.expr(), "math")(50.0))
        f64 = float(sp.lambdify(a, fp.expr, "math")(a64)) if fp.in_output else float(sp.N(d.subs(z, 50)))
        out.append(para(t, "notes.saturation", name=name, peak=fmt(peak).plain(), exact=fmt(exact).plain(),
                        a64=repr(a64), form=fp.expr, f64=repr(f64)))
    if any(layer.act is not None and layer.act.name == "relu" for layer in net.numbered):
        out.append(Text(t("notes.relu")))
    return out


def costs(net) -> dict:
    """Multiplications: one forward pass F (from the layers' sizes); forward
    mode (or finite differences) ~ one pass per parameter; reverse mode ~ a
    forward and a backward pass (about twice the forward's work)."""
    shapes = net.shapes()
    F = max(1, sum(layer.mults(s) for layer, s in zip(net.layers, _top_shapes(net))))
    P = net.n_params
    forward_mode = P * 2 * F
    reverse = 3 * F
    return {"F": F, "P": P, "forward": forward_mode, "reverse": reverse,
            "ratio": f"{forward_mode / reverse:,.0f}" if forward_mode >= 10 * reverse else f"{forward_mode / reverse:.1f}"}


def _top_shapes(net):
    """The input shape of each top-level layer (a residual block counts as one)."""
    out, s = [], net.input
    for layer in net.layers:
        out.append(s)
        s = layer.out_shape(s)
    return out


def reverse_mode(net, t) -> Text:
    c = costs(net)
    # "times less" only where it is: forward mode costs more than backprop
    key = "notes.reverse" if c["forward"] > c["reverse"] else "notes.reverse_small"
    return Text(t(key, F=f"{c['F']:,}", P=f"{c['P']:,}", forward=f"{c['forward']:,}",
                  reverse=f"{c['reverse']:,}", ratio=c["ratio"]))


H = Fraction(1, 10 ** 4)   # the step of every central difference shown (notes, handout, exercises)


def shifted_losses(nums, name: str, h: Fraction = H) -> tuple:
    """J(θ + h) and J(θ - h) for parameter ``name`` of a worked example
    (``nums``: example_numbers' GraphNumbers, DenseNumbers, ...)."""
    theta = nums.param(name)
    step = h if not isinstance(theta, float) else float(h)
    return nums.with_params({name: theta + step}).loss, nums.with_params({name: theta - step}).loss


def gradient_check(g, example, ev, name: str, t) -> Text:
    """Central differences for one parameter, printed to enough digits that a
    student can redo the subtraction."""
    from ..example_numbers import GraphNumbers
    plus, minus = shifted_losses(GraphNumbers(g, example, ev=ev), name)
    return check_text(plus, minus, H, ev.gradients[name], g.scheme().unicode(name), t)


CHECK_DIGITS = 12   # J(θ ± h) are printed this precisely: enough to redo the subtraction


def central_difference(plus, minus, h: Fraction) -> tuple[str, str, Fraction]:
    """J(θ + h) and J(θ - h) as printed, and the central difference a reader
    gets from exactly those printed digits."""
    p, m = fmt(plus, CHECK_DIGITS).plain(), fmt(minus, CHECK_DIGITS).plain()
    return p, m, (Fraction(p) - Fraction(m)) / (2 * h)


def check_text(plus, minus, h: Fraction, analytic, name: str, t) -> Text:
    p, m, numeric = central_difference(plus, minus, h)
    analytic = to_mp(analytic)
    rel = abs(to_mp(numeric) - analytic) / max(abs(analytic), to_mp(Fraction(1, 10 ** 12)))
    return Text(t("notes.check", h=fmt(h).plain(), plus=p, minus=m, name=name, numeric=fmt(numeric, 8).plain(),
                  analytic=fmt(analytic, 8).plain(), rel=fmt(rel, 2).plain()))


def one_weight(net, g, example, t) -> list | None:
    """Seed 001's form: with the example substituted, J(w) and dJ/dw in w alone."""
    if net.n_params != 1 or example is None or example.m != 1:
        return None
    from .. import names
    w = names.sym(net.param_names()[0])
    env = {s: sp.Rational(v.numerator, v.denominator) for s, v in zip(g.inputs.flat, example.X[0])}
    env.update({s: sp.Rational(v.numerator, v.denominator) for s, v in zip(g.targets.flat, example.Y[0])})
    J = g.expand(g.loss).xreplace(env)
    dJ = sp.expand(sp.diff(J, w))
    roots = sp.solve(dJ, w)
    if len(roots) != 1:
        return None
    x = fmt(example.X[0][0]).plain()
    y = fmt(example.Y[0][0]).plain()
    return [Text(t("notes.seed001", x=x, y=y, w_star=fmt(sp.Rational(roots[0])).plain()
                   if roots[0].is_Rational else str(roots[0]))),
            Equations([Math([sp.Symbol("J"), decimal(sp.expand(J))]), Math([Partial(sp.Symbol("J"), w), decimal(dJ)])])]


def decimal(poly: sp.Expr) -> sp.Expr:
    """A polynomial with its coefficients shown as numbers (4.5w - 1.5, as
    taught), each sign kept outside its number."""
    terms = []
    for term in sp.Add.make_args(poly):
        c, rest = term.as_coeff_Mul()
        shown = Value(abs(c)) if c.is_Rational and abs(c) != 1 or rest == 1 else None
        body = rest if shown is None else (shown if rest == 1 else sp.Mul(shown, rest, evaluate=False))
        terms.append(sp.Mul(-1, body, evaluate=False) if c < 0 else body)
    return sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]


def section(net, g, example, ev, t, check_param: str | None) -> Section:
    body = saturation(net, t) + [reverse_mode(net, t)]
    if ev is not None and check_param is not None and g is not None:
        body.append(gradient_check(g, example, ev, check_param, t))
    else:
        body.append(Text(t("notes.check_how")))
    if g is not None:
        seed = one_weight(net, g, example or net.example, t)
        if seed is not None:
            body += seed
    return Section(t("notes.title"), body, key="notes")
