"""Exercises on backpropagation through time (issue #11), for any network
with a recurrent layer: a tanh RNN with one hidden unit over three steps,
small enough to do by hand.

- the error of each hidden state, ∂ℓ/∂hₜ, by the recurrence backwards;
- the gradient of the shared weight wₕ as a sum over the steps;
- the factor fₜ = ∂hₜ/∂hₜ₋₁ that repeats, and how it bounds the error that
  reaches early steps (the vanishing gradient).

Every formula is the scalar graph's own (its adjoints, its gradient and its
local derivatives), shown in the exercise's notation; the numbers are the
formulas evaluated at the printed givens (h rounded to four decimals), and
each is checked against the graph's evaluation at full precision before it
is printed."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from .. import names
from ..evaluate import as_sympy, to_mp
from ..model import Math, Notation, Table, Value
from .delta_kinds.common import SUB
from .plug import plug
from .prose import para

SPEC = "3x1-rnn(1)-1/half_se/nobias"
T = 3
TOLERANCE = Fraction(1, 10 ** 3)    # the givens carry four decimals
FAR = 20                            # steps back for the bound in part (c)


class AnswerError(AssertionError):
    """An answer that disagrees with the graph's evaluation: a bug in chainrule."""


def _n(name: str, tex: str) -> Notation:
    return Notation(name, tex)




_sym = names.sym


@dataclass
class BPTT:
    """The tiny RNN's exercise: its graph, givens and answers.  ``exact`` holds
    the graph's evaluation at full precision (the reference of the tests),
    ``answers`` the same quantities from the printed givens."""
    net: object
    example: object
    graph: object
    givens: dict        # plain symbol -> Fraction as printed
    answers: dict       # plain symbol -> Fraction, from the givens
    exact: dict         # plain symbol -> mpf, the graph's evaluation
    factors: dict       # t -> (expression of f_t, value from the givens)
    display: dict       # plain symbol -> Notation


def draw(rng) -> tuple[list, dict]:
    """The sequence and the weights: |wₕ| < 1, so part (c)'s bound shrinks."""
    xs = [Fraction(v) for v in rng.sample(["1", "-1", "1/2", "-1/2"], T)]
    weights = {"Wx1": Fraction(rng.choice(["1/2", "1", "-1/2", "3/2"])),
               "Wh1": Fraction(rng.choice(["1/2", "4/5", "-3/5", "9/10", "-7/10"])),
               "W2": Fraction(rng.choice(["1", "3/2", "-1", "2"])),
               "y": Fraction(rng.choice(["1/2", "-1/2", "1"]))}
    return xs, weights


def solve(xs: list, weights: dict) -> BPTT:
    """The graph of the tiny RNN at these numbers, and every answer."""
    from ..example import example_from_table
    from ..graph import Graph
    from ..network import Network
    from ..worked import evaluate
    net = Network.parse(SPEC)
    table = {"x": [[[float(x)] for x in xs]], "y": [[float(weights["y"])]],
             **{k: [[float(weights[k])]] for k in ("Wx1", "Wh1", "W2")}}
    example = example_from_table(net, table, "exercise")
    graph = Graph(net)
    ev = evaluate(graph, example)
    exact = ev.first()           # every quantity, and each gradient as __grad_<name>
    givens = {s: v for s, v in ev.first().items() if isinstance(v, Fraction) and not s.name.startswith("z")}
    for step in range(1, T + 1):
        h = _sym(names.plain("h", 1, step, 1))
        givens[h] = Fraction(round(Fraction(str(exact[h])), 4))
    yhat = _sym("a2_1")
    givens[yhat] = givens[_sym("w2_1_1")] * givens[_sym(names.plain("h", 1, T, 1))]
    answers = dict(givens)
    for adj in graph.adjoints:               # backwards, each from the ones before (∂ℓ/∂hₜ and δₜ)
        answers[adj.symbol] = _value(adj.expr, answers)
    for p, g in graph.gradients.items():
        answers[grad(p)] = _value(g.expr, answers)
    factors = {}
    for step in range(2, T + 1):
        f = factor(graph, step)
        factors[step] = (f, _value(f, answers))
    out = BPTT(net, example, graph, givens, answers, exact, factors, _display())
    _check(out)
    return out


def grad(p: str) -> sp.Symbol:
    """The key of ∂ℓ/∂p, as the evaluation keys it."""
    return _sym(f"__grad_{p}")


def _value(expr, env: dict) -> Fraction:
    """A formula of the graph at rational numbers: exact."""
    v = sp.sympify(expr).xreplace({s: as_sympy(env[s]) for s in sp.sympify(expr).free_symbols})
    return Fraction(int(v.p), int(v.q))


def factor(graph, step: int) -> sp.Expr:
    """fₜ = ∂hₜ/∂hₜ₋₁, from the two local derivatives of the graph:
    ∂hₜ/∂zₜ (the rules card's tanh′) times ∂zₜ/∂hₜ₋₁ (sympy.diff of zₜ)."""
    h, z = _sym(names.plain("h", 1, step, 1)), _sym(names.plain("z", 1, step, 1))
    h_prev = _sym(names.plain("h", 1, step - 1, 1))
    return graph.local(graph.by_symbol[z], h_prev) * graph.local(graph.by_symbol[h], z)


def _display() -> dict:
    """How the tiny network's plain names print in the exercise: hₜ, wₕ, v,
    ∂ℓ/∂hₜ, δₜ = ∂ℓ/∂zₜ."""
    out = {_sym("wx1_1_1"): _n("wₓ", "w_x"), _sym("wh1_1_1"): _n("wₕ", "w_h"), _sym("w2_1_1"): _n("v", "v"),
           _sym("y1"): _n("y", "y"), _sym("a2_1"): _n("ŷ", r"\hat{y}"), _sym("z2_1"): _n("ŷ", r"\hat{y}"),
           _sym("d2_1"): _n("∂ℓ/∂ŷ", r"\frac{\partial \ell}{\partial \hat{y}}")}
    for s in range(1, T + 1):
        i = str(s).translate(SUB)
        out[_sym(names.plain("x", s, 1))] = _n(f"x{i}", f"x_{{{s}}}")
        out[_sym(names.plain("h", 1, s, 1))] = _n(f"h{i}", f"h_{{{s}}}")
        out[_sym(names.plain("z", 1, s, 1))] = _n(f"z{i}", f"z_{{{s}}}")
        out[_sym(names.plain("dh", 1, s, 1))] = _n(f"∂ℓ/∂h{i}", r"\frac{\partial \ell}{\partial h_{%d}}" % s)
        out[_sym(names.plain("d", 1, s, 1))] = _n(f"δ{i}", r"\delta_{%d}" % s)
    return out


def _check(b: BPTT) -> None:
    for s, v in b.answers.items():
        if s in b.givens or s not in b.exact:
            continue
        a, e = to_mp(v), to_mp(b.exact[s])
        if abs(a - e) > to_mp(TOLERANCE) * max(1, abs(e)):
            raise AnswerError(f"{s}: {a} from the givens against the graph's {e}")


def _number(v: Fraction):
    """Exact when short, else a float that prints to six significant digits."""
    return v if len(str(float(v))) <= 8 else to_mp(v)


def _shown(v: Fraction) -> Value:
    return Value(as_sympy(_number(v)))


def exercises(t, rng) -> list[tuple]:
    xs, weights = draw(rng)
    b = solve(xs, weights)
    return [bptt_by_hand(t, b), vanishing(t, b)]


def _show(b: BPTT, expr):
    return sp.sympify(expr).xreplace(b.display)


def _plug(b: BPTT, expr):
    """The formula with its numbers in place: the givens as printed, the
    answers before it as the answers print them."""
    return plug(expr, {s: b.answers[s] if s in b.givens else _number(b.answers[s])
                       for s in sp.sympify(expr).free_symbols})


def _chain(b: BPTT, symbol, expr) -> Math:
    """symbol = the graph's formula = its numbers = the answer."""
    return Math([_show(b, symbol), _show(b, expr), _plug(b, expr), _shown(b.answers[symbol])])


def bptt_by_hand(t, b: BPTT):
    d = b.display
    g = b.givens
    h = [_sym(names.plain("h", 1, s, 1)) for s in range(1, T + 1)]
    question = [para(t, "rx.bptt_q", x=[_shown(g[_sym(names.plain("x", s, 1))]) for s in range(1, T + 1)],
                     wx=_shown(g[_sym("wx1_1_1")]), wh=_shown(g[_sym("wh1_1_1")]), v=_shown(g[_sym("w2_1_1")]),
                     y=_shown(g[_sym("y1")])),
                Table([t("rx.step")] + [str(s) for s in range(1, T + 1)], [[t("rx.h")] + [_shown(g[s]) for s in h]]),
                para(t, "rx.bptt_q2", yhat=_shown(g[_sym("a2_1")]), wh=d[_sym("wh1_1_1")])]
    graph = b.graph
    lines = [_chain(b, _sym("d2_1"), graph.adjoint(_sym("z2_1")).expr)]
    for s in range(T, 0, -1):
        for q in (h[s - 1], _sym(names.plain("z", 1, s, 1))):
            adj = graph.adjoint(q)
            lines.append(_chain(b, adj.symbol, adj.expr))
    wh = _sym("wh1_1_1")
    gradient = graph.gradient("wh1_1_1")
    solution = [para(t, "rx.bptt_a1")] + lines + [
        para(t, "rx.bptt_a2", wh=d[wh]),
        Math([_n("∂ℓ/∂wₕ", r"\frac{\partial \ell}{\partial w_h}"), _show(b, gradient.expr),
              _plug(b, gradient.expr),
              _shown(b.answers[grad("wh1_1_1")])]),
        para(t, "rx.bptt_a3")]
    return "bptt", t("rx.bptt_title"), question, solution, []   # its own network: no exam number


def vanishing(t, b: BPTT):
    d = b.display
    wh = b.givens[_sym("wh1_1_1")]
    question = [para(t, "rx.vanish_q", f=_n("fₜ", "f_t"), T=T, far=FAR)]
    lines = []
    for step, (f, value) in sorted(b.factors.items(), reverse=True):
        i = str(step).translate(SUB)
        lines.append(Math([_n(f"f{i}", f"f_{{{step}}}"), _show(b, f),
                           _plug(b, f), _shown(value)]))
    ratio = 1
    for _, value in b.factors.values():
        ratio *= value
    dh = [b.answers[_sym(names.plain("dh", 1, s, 1))] for s in (1, T)]
    if abs(dh[0] - ratio * dh[1]) > TOLERANCE * max(1, abs(dh[0])):
        raise AnswerError("the product of the factors against the recurrence")
    bound = abs(wh) ** FAR
    solution = lines + [para(t, "rx.vanish_a1", ratio=_shown(ratio), first=d[_sym(names.plain("dh", 1, 1, 1))],
                             last=d[_sym(names.plain("dh", 1, T, 1))]),
                        para(t, "rx.vanish_a2", wh=_shown(abs(wh)), far=FAR, bound=Value(sp.Float(float(bound), 17)))]
    return "vanish", t("rx.vanish_title"), question, solution, []
