"""L2 in the loss against decoupled weight decay (issue #12), for the network
at hand: under plain SGD the two are one update, under Adam they differ.

The rules are derive.optimizers' (torch.optim's), composed by SymPy for the
first step; the numbers are the worked example's descent four ways: SGD on J
with l2(λ) (the graph's gradient carries the extra λw), SGD with decoupled
decay θ ← θ(1 - ηλ), Adam on J with l2(λ) (torch's Adam(weight_decay=λ) on
the weights) and AdamW (torch's AdamW(weight_decay=λ) on the weights).  The
decay applies to the weights W, Wx, Wh only, as the contract's l2."""
from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

import sympy as sp

from ..evaluate import DIGITS, as_sympy, to_mp
from ..format import fmt
from ..graph import Graph, is_weight
from ..model import Equations, Math, Notation, Section, Table, Value
from ..optimizers import OPTIMIZERS, SGD_DECOUPLED, g, t as step_t, theta
from ..worked import descend, evaluate
from .prose import para

LAMBDA = Fraction(1, 100)    # AdamW's default decay, when the spec has no l2(λ)
RUNS = ("sgd_l2", "sgd_decoupled", "adam_l2", "adamw")


class DecayError(AssertionError):
    """SGD's two forms disagree, or SymPy does not find them equal: a bug in chainrule."""


@dataclass
class Comparison:
    lam: Fraction
    lr: Fraction
    steps: int
    decayed: set          # the parameters the decay applies to (the weights)
    traces: dict          # run -> [TraceRow]
    losses: dict          # run -> J without the penalty, after the last step
    given: bool           # λ is the spec's l2


def compare(net, example, steps: int, lr, graph=None) -> Comparison:
    """The worked example's descent four ways (RUNS), ``steps`` steps at rate ``lr``."""
    given = net.l2 is not None
    lam = Fraction(net.l2) if given else LAMBDA
    rows = graph.rows if graph is not None and graph.rows != [None] else None
    base = Graph(replace(net, l2=None), rows=rows)
    with_l2 = graph if graph is not None and given else Graph(replace(net, l2=lam), rows=rows)
    decayed = {p for p in net.param_names() if is_weight(p)}
    lr = Fraction(lr)
    traces = {"sgd_l2": descend(with_l2, example, steps, lr),
              "sgd_decoupled": descend(base, example, steps, lr, optimizer=SGD_DECOUPLED, decayed=decayed,
                                       weight_decay=lam),
              "adam_l2": descend(with_l2, example, steps, lr, optimizer="adam"),
              "adamw": descend(base, example, steps, lr, optimizer="adamw", decayed=decayed, weight_decay=lam)}
    losses = {run: evaluate(base, example, trace[-1].params).loss for run, trace in traces.items()}
    return Comparison(lam, lr, steps, decayed, traces, losses, given)


def first_step(opt) -> sp.Expr:
    """θ after one step of ``opt`` from zero state (t = 1), the rule's
    assignments substituted in order; the moments simplified (m̂ = g at t = 1)."""
    cur = {theta: theta, g: g, step_t: sp.Integer(1), **{s: sp.Integer(0) for s in opt.state}}
    firsts = dict(opt.first)
    for s, e in opt.steps:
        value = firsts.get(s, e).xreplace(cur)
        cur[s] = value if s == theta else sp.simplify(value)
    return cur[theta]


def gap(c: Comparison, a: str, b: str) -> tuple[Fraction, str]:
    """The largest difference between two runs' parameters after the last step, and where."""
    pa, pb = c.traces[a][-1].params, c.traces[b][-1].params
    worst = max(pa, key=lambda p: abs(to_mp(pa[p]) - to_mp(pb[p])))
    return abs(to_mp(pa[worst]) - to_mp(pb[worst])), worst


def section(net, example, steps: int, lr, graph, scheme, t) -> Section | None:
    c = compare(net, example, steps, lr, graph)
    if not c.decayed:
        return None
    sgd_l2, sgd_dec = first_step(OPTIMIZERS["sgd"]), first_step(SGD_DECOUPLED)
    if sp.expand(sgd_l2 - sgd_dec) != 0:
        raise DecayError(f"SGD with L2 {sgd_l2} against decoupled {sgd_dec}")
    sgd_gap, _ = gap(c, "sgd_l2", "sgd_decoupled")
    if sgd_gap > to_mp(Fraction(1, 10 ** (DIGITS - 6))):   # carried at DIGITS digits when not exact
        raise DecayError(f"SGD's two forms differ by {sgd_gap} on the worked example")
    adam_gap, worst = gap(c, "adam_l2", "adamw")
    shown = next(p for p in net.param_names() if p in c.decayed)
    head = [t("numbers.step")] + [t(f"decay.{run}") for run in RUNS]
    rows = [[Value(sp.Integer(k))] + [Value(as_sympy(c.traces[run][k].params[shown])) for run in RUNS]
            for k in range(c.steps + 1)]
    one = Notation("θ₁", r"\theta_1")
    body = [para(t, "decay.intro", lam=Value(as_sympy(c.lam)),
                 source=t("decay.given") if c.given else t("decay.default")),
            para(t, "decay.sgd"),
            Equations([Math([one, sgd_l2], note=t("decay.with_l2")), Math([one, sgd_dec], note=t("decay.decoupled"))]),
            para(t, "decay.adam"),
            Equations([Math([one, first_step(OPTIMIZERS["adam"])], note=t("decay.with_l2")),
                       Math([one, first_step(OPTIMIZERS["adamw"])], note=t("decay.decoupled"))]),
            para(t, "decay.why"),
            para(t, "decay.table", p=scheme.unicode(shown), steps=c.steps, lr=fmt(c.lr).plain()),
            Table(head, rows),
            para(t, "decay.outro", steps=c.steps,
                 how=t("decay.exactly") if sgd_gap == 0 else t("decay.within", gap=fmt(sgd_gap).plain(), digits=DIGITS), adam_gap=Value(as_sympy(adam_gap)), worst=scheme.unicode(worst),
                 j_l2=Value(as_sympy(c.losses["adam_l2"])), j_w=Value(as_sympy(c.losses["adamw"])))]
    return Section(t("decay.title"), body, key="decay")
