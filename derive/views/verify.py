"""--verify: every shown gradient against derivatives that do not come from
backprop, and every local derivative against sympy.diff of its definition.

Backprop is reverse mode: one sweep from J back to every parameter, using
the taught forms of f' (in a) and the pair formulas for BP1.  The check is
forward mode, a different algorithm: for one parameter, push its tangent
forward through every definition it reaches, each step a plain sympy.diff
of that one definition (f' in z, never rewritten), and read dJ/dθ at J.  At
three random points the two must agree to 12 significant digits.  Each
check costs one pass over the parameter's downstream cone, so checking the
shown parameters costs a small multiple of the derivation."""
from __future__ import annotations

import random
from fractions import Fraction

import sympy as sp

from ..evaluate import Program, compile_expr, to_mp
from ..graph import Graph, symbols_of

POINTS = 3


def _random_point(g: Graph, rng) -> dict:
    return {s: Fraction(rng.randint(100, 900), 1000) * rng.choice((-1, 1)) for s in g.base_symbols()}


class _Tangents:
    """sympy.diff of each definition with respect to each of its symbols,
    compiled once and shared by every parameter's check."""

    def __init__(self, g: Graph):
        self.g = g
        self.cache: dict = {}

    def partial(self, expr, key, s):
        k = (key, s)
        if k not in self.cache:
            self.cache[k] = compile_expr(sp.diff(expr, s))
        return self.cache[k]


def check_gradient(g: Graph, name: str, tangents: _Tangents | None = None, seed: int = 0) -> bool:
    tangents = tangents or _Tangents(g)
    rng = random.Random(seed)
    p = g.params[name]
    cone = _downstream(g, p)
    program = _program(g)
    grad = compile_expr(g.gradient(name).expr)
    ok = True
    for _ in range(POINTS):
        values = program.run(_random_point(g, rng))
        dot = {p: Fraction(1)}
        for d in g.forward:
            if d.symbol not in cone:
                continue
            total = 0
            for s in symbols_of(d.expr):
                if s in dot:
                    total = to_mp(total) + to_mp(tangents.partial(d.expr, d.symbol, s)(values)) * to_mp(dot[s])
            dot[d.symbol] = total
        dJ = 0
        for s in symbols_of(g.loss):
            if s in dot:
                dJ = to_mp(dJ) + to_mp(tangents.partial(g.loss, "J", s)(values)) * to_mp(dot[s])
        got = to_mp(grad(values))
        ok &= abs(to_mp(dJ) - got) <= 1e-12 * max(1, abs(got))
    return bool(ok)


def check_gradients(g: Graph, names: list[str]) -> dict[str, bool]:
    tangents = _Tangents(g)
    return {name: check_gradient(g, name, tangents) for name in names}


def check_locals(g: Graph) -> bool:
    """Each local derivative the backward pass used, against sympy.diff of its
    definition (the rules card's taught forms are rewrites, proved here)."""
    values = _program(g).run(_random_point(g, random.Random(1)))
    for c in g.forward:
        if c.window is not None and len({values[w] for w in c.window}) < len(c.window):
            continue   # a tie in a max-pool window: sympy's Heaviside(0) = 1/2 is no convention
        for s in symbols_of(c.expr):
            if s not in g.by_symbol and s not in g.params.values():
                continue
            mine = compile_expr(g.local(c, s))(values)
            ref = compile_expr(sp.diff(c.expr, s))(values)
            if abs(to_mp(mine) - to_mp(ref)) > 1e-20 * max(1, abs(to_mp(ref))):
                return False
    return True


def _program(g: Graph) -> Program:
    if getattr(g, "_verify_program", None) is None:
        g._verify_program = Program.of([(d.symbol, d.expr) for d in g.forward] +
                                       [(a.symbol, a.expr) for a in g.adjoints])
    return g._verify_program


def _downstream(g: Graph, p) -> set:
    seen, todo = set(), [p]
    while todo:
        s = todo.pop()
        for c in g.consumers.get(s, []):
            if c.symbol not in seen:
                seen.add(c.symbol)
                todo.append(c.symbol)
    return seen
