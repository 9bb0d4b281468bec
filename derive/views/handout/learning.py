"""Pictures of learning (issue #12), drawn from the numbers: the loss against
the step, J(w) with the descent path on it for a one-parameter network, the
fitted function before and after training for a network of one input and
one output; and the optimizer section a handout gets with --optimizer, with
L2 in the loss compared with decoupled weight decay (``decay``)."""
from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import re

import sympy as sp

from ...evaluate import EvaluationError, to_mp
from ...example import target_function
from ...format import fmt
from ...model import Plot, Section, Series, Text
from ...worked import descend, evaluate
from .. import decay, numbers
from ..delta_kinds.common import SUP

TRAIN_STEPS = 200     # "after training": steps of the example's own descent
CURVE_POINTS = 41     # samples of a smooth curve
OPTIMIZER_STEPS = 6   # the optimizer section's steps when the example asks for fewer


def _f(v) -> float:
    return float(to_mp(v))


def loss_plot(trace, t, label: str | None = None, others: list | None = None) -> Plot:
    series = [Series(label or t("plot.descent"), [(r.step, _f(r.loss)) for r in trace])]
    for name, rows in others or []:
        series.append(Series(name, [(r.step, _f(r.loss)) for r in rows]))
    return Plot(t("plot.step"), "J", series, whole_x=True)


def path_plot(src, trace, t) -> Plot | None:
    """J(w) of a one-parameter network, sampled, with the descent path on it."""
    net, nums = src.net, src.numbers
    if net.n_params != 1:
        return None
    (name,) = net.param_names()
    shown = src.scheme().unicode(name)
    path = [(_f(r.params[name]), _f(r.loss)) for r in trace]
    ws = [w for w, _ in path]
    lo, hi = min(ws), max(ws)
    pad = max(hi - lo, 0.1) * 0.6
    lo, hi = lo - pad, hi + pad
    curve = []
    for k in range(CURVE_POINTS):
        w = Fraction(lo + (hi - lo) * k / (CURVE_POINTS - 1)).limit_denominator(10 ** 6)
        curve.append((float(w), _f(nums.with_params({name: w}).loss)))
    return Plot(shown, "J", [Series(t("plot.curve", name=shown), curve, marks=False),
                            Series(t("plot.path"), path)],
                caption=t("plot.path_caption", start=fmt(trace[0].params[name]).plain(),
                          steps=len(trace) - 1))


def fit_plot(src, t) -> Plot | None:
    """One input, one output: the data, and the network's function before and
    after TRAIN_STEPS steps of the example's own descent."""
    net, ex, g = src.net, src.example, src.graph
    if net.input != (1,) or net.n_out != 1 or g is None or g.rows != [None] or not ex.steps:
        return None
    trained = descend(g, ex, TRAIN_STEPS, ex.lr)[-1]
    xs = [_f(row[0]) for row in ex.X]
    lo, hi = min(xs), max(xs)
    pad = (hi - lo) * 0.25 or 1.0
    grid = [Fraction(lo - pad + (hi - lo + 2 * pad) * k / (CURVE_POINTS - 1)).limit_denominator(10 ** 6)
            for k in range(CURVE_POINTS)]
    probe = replace(ex, X=tuple((x,) for x in grid), Y=tuple((Fraction(0),) for _ in grid))
    out = g.outputs[0][0]

    def curve(params):
        ev = evaluate(g, replace(probe, params=tuple(params.items())))
        return [(float(x), _f(ev.at(out, r))) for r, x in enumerate(grid)]
    data = [(_f(x[0]), _f(y[0])) for x, y in zip(ex.X, ex.Y)]
    series = [Series(t("plot.data"), data, line=False),
              Series(t("plot.before"), curve(dict(ex.params)), marks=False),
              Series(t("plot.after", steps=TRAIN_STEPS), curve(trained.params), marks=False)]
    caption = t("plot.fit_caption", steps=TRAIN_STEPS, lr=fmt(ex.lr).plain(), loss=fmt(trained.loss).plain())
    if ex.target:   # the function the examples sample, against which the fit is judged
        f = target_function(ex.target)
        x = next(iter(f.free_symbols), None)
        # x², sin(x): whole powers as superscripts, which prose sets as maths
        shown = re.sub(r"\*\*(\d+)", lambda m: m.group(1).translate(SUP), sp.sstr(f)).replace("**", "^")
        points = []
        for v in grid:
            y = (f.subs(x, sp.Rational(v.numerator, v.denominator)) if x else f).evalf(20)
            if y.is_real and y.is_finite:   # log(x) or sqrt(x) left of 0: no point there
                points.append((float(v), float(y)))
        series.append(Series(t("plot.target", f=shown), points, marks=False))
        caption += " " + t("plot.target_caption", f=shown)
    return Plot("x", "ŷ", series, caption=caption)


def pictures(src, trace) -> list:
    t = src.t
    out = [loss_plot(trace, t)]
    for make in (lambda: path_plot(src, trace, t), lambda: fit_plot(src, t)):
        try:
            plot = make()
        except EvaluationError:   # a saturated unit's loss is log 0 at some probe: no picture, not a crash
            plot = None
        if plot is not None:
            out.append(plot)
    return out


def optimizer_section(src, optimizer: str | None, lr) -> Section | None:
    """The optimizer's rule and the worked example's steps with it, against plain SGD."""
    if optimizer is None:
        return None
    t, net, ex, g = src.t, src.net, src.example, src.graph
    if g is None or src.numbers is None or src.numbers.route != "graph":
        return Section(t("handout.optimizer_title", name=optimizer), [Text(t("handout.optimizer_large"))],
                       key="optimizer")
    rate = Fraction(lr) if lr is not None else ex.lr
    steps = max(ex.steps, OPTIMIZER_STEPS)
    shown = net.param_names()
    section, trace = numbers.trace_section(net, g, ex, steps, rate, src.numbers.ev, shown, t, optimizer)
    body = list(section.body)
    if optimizer != "sgd":
        sgd = descend(g, ex, steps, rate, src.numbers.ev)
        body.append(loss_plot(trace, t, optimizer, [("SGD", sgd)]))
    else:
        body.append(loss_plot(trace, t, "SGD"))
    compared = decay.section(net, ex, steps, rate, g, src.scheme(), t)
    if compared is not None:
        body.append(compared)
    return Section(section.title, body, key="optimizer")
