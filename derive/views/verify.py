"""--verify: every shown gradient against sympy.diff of the fully expanded J,
and every local derivative of the backward pass against sympy.diff of its
own definition.

J is expanded only along the parameter's downstream cone: everything the
parameter does not reach is a number at the random point, so each check
costs about one pass over the graph, and checking the shown parameters
costs a small multiple of the derivation itself."""
from __future__ import annotations

import random

import sympy as sp

from ..evaluate import Program, to_mp
from ..graph import Graph

DIGITS = 30


def _random_point(g: Graph, rng) -> dict:
    return {s: sp.Rational(rng.randint(100, 900), 1000) * rng.choice((-1, 1)) for s in g.base_symbols()}


def check_gradient(g: Graph, name: str, points: int = 3, seed: int = 0) -> bool:
    rng = random.Random(seed)
    p = g.params[name]
    cone = _downstream(g, p)
    program = Program.of([(d.symbol, d.expr) for d in g.forward] + [(a.symbol, a.expr) for a in g.adjoints])
    ok = True
    for _ in range(points):
        point = _random_point(g, rng)
        numeric = program.run({s: _frac(v) for s, v in point.items()})
        got = to_mp(Program.of([(sp.Symbol("__g"), g.gradients[name].expr)]).run(dict(numeric))[sp.Symbol("__g")])
        env = {s: v for s, v in point.items() if s != p}
        for d in g.forward:
            env[d.symbol] = d.expr.xreplace(env) if d.symbol in cone else _sym(numeric[d.symbol])
        J = g.loss.xreplace(env)
        ref = sp.diff(J, p).xreplace({p: point[p]})
        ref = complex(sp.N(ref, DIGITS))
        ok &= abs(ref - complex(got)) <= 1e-12 * max(1.0, abs(ref))
    return bool(ok)


def check_locals(g: Graph) -> bool:
    """Each local derivative the backward pass used, against sympy.diff of its
    definition (the rules card's taught forms are rewrites, proved here)."""
    rng = random.Random(1)
    point = {s: _frac(v) for s, v in _random_point(g, rng).items()}
    values = Program.of([(d.symbol, d.expr) for d in g.forward]).run(point)
    for c in g.forward:
        for s in c.expr.free_symbols:
            if s not in g.by_symbol and s not in g.params.values():
                continue
            mine = Program.of([(sp.Symbol("__l"), g.local(c, s))]).run(dict(values))[sp.Symbol("__l")]
            ref = Program.of([(sp.Symbol("__l"), sp.diff(c.expr, s))]).run(dict(values))[sp.Symbol("__l")]
            if abs(to_mp(mine) - to_mp(ref)) > 1e-20 * max(1, abs(to_mp(ref))):
                return False
    return True


def _downstream(g: Graph, p) -> set:
    seen, todo = set(), [p]
    while todo:
        s = todo.pop()
        for c in g.consumers.get(s, []):
            if c.symbol not in seen:
                seen.add(c.symbol)
                todo.append(c.symbol)
    return seen


def _frac(v):
    from fractions import Fraction
    return Fraction(int(v.p), int(v.q)) if isinstance(v, sp.Rational) else v


def _sym(v):
    from ..evaluate import as_sympy
    return as_sympy(v)
