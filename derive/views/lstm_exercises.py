"""An exercise on the LSTM's cell state (issue #11), for any network with an
lstm layer: an LSTM with one hidden unit over two steps, its gate values
given, small enough to do by hand.

- the error of the last cell state, ∂ℓ/∂c₂, through h₂ = o₂ tanh(c₂);
- ∂ℓ/∂c₁ as the sum of its two paths, the cell-state path ∂ℓ/∂c₂ f₂ (one
  factor, the forget gate: no weight matrix, no squashing derivative) and
  the path through h₁ (given);
- the error of step 2's forget gate.

Every formula is the scalar graph's own (its adjoints and local
derivatives), shown in the exercise's notation; the numbers are the
formulas at the printed givens (gate values rounded to four decimals), each
checked against the graph's evaluation at full precision before it is
printed."""
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
from .rnn_exercises import AnswerError

SPEC = "2x1-lstm(1)-1/half_se/nobias"
T = 2
GATES = ("gi", "gf", "gg", "go")      # the graph's names of i, f, g, o
ROWS = GATES + ("c", "h")
TOLERANCE = 5e-3                      # relative: the givens carry four decimals

_sym = names.sym
ZF2 = Notation("z_f₂", r"z_{f,2}")   # the forget gate's pre-activation at step 2


def _q(prefix: str, step: int) -> sp.Symbol:
    """The graph's symbol of a quantity of the recurrent layer at ``step``."""
    return _sym(names.plain(prefix, 1, step, 1))


@dataclass
class CellState:
    """The tiny LSTM's exercise: its graph, givens and answers.  ``exact``
    holds the graph's evaluation at full precision (the tests' reference),
    ``answers`` the same quantities from the printed givens."""
    graph: object
    givens: dict        # symbol -> Fraction as printed
    answers: dict       # symbol -> number, from the givens
    exact: dict         # symbol -> the graph's value
    display: dict       # symbol -> Notation


def draw(rng) -> tuple[list, dict]:
    """The sequence and the weights (no biases): every gate away from 0 and 1."""
    xs = [Fraction(v) for v in rng.sample(["1", "-1", "1/2", "-1/2"], T)]
    pick = lambda: Fraction(rng.choice(["1/2", "-1/2", "1", "-1", "3/2", "-3/2"]))  # noqa: E731
    weights = {"Wx1": [pick() for _ in GATES], "Wh1": [pick() for _ in GATES],
               "W2": Fraction(rng.choice(["1", "3/2", "-1", "2"])),
               "y": Fraction(rng.choice(["1/2", "-1/2", "1"]))}
    return xs, weights


def _four(v) -> Fraction:
    return Fraction(round(Fraction(str(v)), 4))


def _significant(v, digits: int = 4) -> Fraction:
    return Fraction(f"{float(to_mp(v)):.{digits}g}")


def _eval(expr, env: dict):
    """A formula of the graph at the givens (and the answers before it), to 30 digits."""
    e = sp.sympify(expr)
    return sp.N(e.xreplace({s: as_sympy(env[s]) if isinstance(env[s], Fraction) else env[s]
                            for s in e.free_symbols}), 30)


def solve(xs: list, weights: dict) -> CellState:
    from ..example import example_from_table
    from ..graph import Graph
    from ..network import Network
    from ..worked import evaluate
    net = Network.parse(SPEC)
    table = {"x": [[[float(x)] for x in xs]], "y": [[float(weights["y"])]],
             "Wx1": [[float(w)] for w in weights["Wx1"]], "Wh1": [[float(w)] for w in weights["Wh1"]],
             "W2": [[float(weights["W2"])]]}
    graph = Graph(net)
    exact = evaluate(graph, example_from_table(net, table, "exercise")).first()
    givens = {_sym("w2_1_1"): weights["W2"], _sym("y1"): weights["y"]}
    for step in range(1, T + 1):
        givens[_sym(names.plain("x", step, 1))] = xs[step - 1]
        for prefix in ROWS:
            givens[_q(prefix, step)] = _four(exact[_q(prefix, step)])
    givens[_sym("a2_1")] = givens[_sym("w2_1_1")] * givens[_q("h", T)]
    givens[_q("dh", 1)] = _significant(exact[_q("dh", 1)])   # the path through h1, given
    answers = dict(givens)
    for q in (_sym("z2_1"), _q("h", 2), _q("c", 2), _q("zf", 2), _q("c", 1)):   # backwards, as the graph
        adj = graph.adjoint(q)
        answers[adj.symbol] = _eval(adj.expr, answers)
    answers["cell"] = _eval(cell_path(graph) * _q("dc", 2), answers)
    out = CellState(graph, givens, answers, exact, _display())
    _check(out)
    return out


def cell_path(graph) -> sp.Expr:
    """∂c₂/∂c₁, the graph's local derivative (sympy.diff of c₂'s definition): f₂."""
    return graph.local(graph.by_symbol[_q("c", 2)], _q("c", 1))


def _check(b: CellState) -> None:
    for s, v in b.answers.items():
        if s == "cell" or s in b.givens:
            continue
        a, e = to_mp(v), to_mp(b.exact[s])
        if abs(a - e) > TOLERANCE * abs(e) + 1e-9:
            raise AnswerError(f"{s}: {a} from the givens against the graph's {e}")
    if cell_path(b.graph) != _q("gf", 2):
        raise AnswerError(f"dc2/dc1 is {cell_path(b.graph)}, not the forget gate")


def _display() -> dict:
    out = {_sym("w2_1_1"): Notation("v", "v"), _sym("y1"): Notation("y", "y"),
           _sym("a2_1"): Notation("ŷ", r"\hat{y}"), _sym("d2_1"): Notation("∂ℓ/∂ŷ", r"\frac{\partial \ell}{\partial \hat{y}}")}
    letters = {"gi": "i", "gf": "f", "gg": "g", "go": "o", "c": "c", "h": "h"}
    for s in range(1, T + 1):
        i = str(s).translate(SUB)
        for prefix, letter in letters.items():
            out[_q(prefix, s)] = Notation(f"{letter}{i}", f"{letter}_{{{s}}}")
        for prefix in ("h", "c"):
            out[_q("d" + prefix, s)] = Notation(f"∂ℓ/∂{prefix}{i}", r"\frac{\partial \ell}{\partial %s_{%d}}" % (prefix, s))
        out[_q("dzf", s)] = Notation(f"δ_f{i}", r"\delta_{f,%d}" % s)
    return out


def _number(v):
    """Exact when short, else a float that prints to six significant digits."""
    if isinstance(v, Fraction):
        return v if len(str(float(v))) <= 8 else to_mp(v)
    return to_mp(v)


def _shown(v) -> Value:
    return Value(as_sympy(_number(v)))


def _chain(b: CellState, symbol, expr) -> Math:
    """symbol = the graph's formula = its numbers = the answer."""
    e = sp.sympify(expr)
    numbers = plug(e, {s: b.answers[s] if s in b.givens else _number(b.answers[s]) for s in e.free_symbols})
    return Math([symbol.xreplace(b.display), e.xreplace(b.display), numbers, _shown(b.answers[symbol])])


def exercise(t, rng):
    xs, weights = draw(rng)
    b = solve(xs, weights)
    g, d = b.givens, b.display
    header = [t("rx.step")] + [str(s) for s in range(1, T + 1)]
    rows = [[d[_q(p, 1)].text[0]] + [_shown(g[_q(p, s)]) for s in range(1, T + 1)] for p in ROWS]
    question = [para(t, "lx.q", x=[_shown(x) for x in xs], v=_shown(g[_sym("w2_1_1")]), y=_shown(g[_sym("y1")])),
                Table(header, rows),
                para(t, "lx.q2", yhat=_shown(g[_sym("a2_1")]), dh1=_shown(g[_q("dh", 1)]), df=d[_q("dzf", 2)],
                     zf=ZF2)]
    graph = b.graph
    adj = lambda q: graph.adjoint(q).expr  # noqa: E731
    part_a = [_chain(b, _sym("d2_1"), adj(_sym("z2_1"))), _chain(b, _q("dh", 2), adj(_q("h", 2))),
              _chain(b, _q("dc", 2), adj(_q("c", 2)))]
    cell = Math([Notation("∂ℓ/∂c₂ · ∂c₂/∂c₁", r"\frac{\partial \ell}{\partial c_2} \frac{\partial c_2}{\partial c_1}"),
                 (_q("dc", 2) * cell_path(graph)).xreplace(d),
                 plug(_q("dc", 2) * cell_path(graph), {_q("dc", 2): _number(b.answers[_q("dc", 2)]),
                                                       _q("gf", 2): g[_q("gf", 2)]}),
                 _shown(b.answers["cell"])])
    rest = b.answers[_q("dc", 1)] - b.answers["cell"]
    solution = [para(t, "lx.a1")] + part_a + [
        para(t, "lx.a2"), cell, _chain(b, _q("dc", 1), adj(_q("c", 1))),
        para(t, "lx.a3", cell=_shown(b.answers["cell"]), rest=_shown(rest)),
        para(t, "lx.a4", zf=ZF2), _chain(b, _q("dzf", 2), adj(_q("zf", 2)))]
    return "lstm", t("lx.title"), question, solution, []   # its own network: no exam number
