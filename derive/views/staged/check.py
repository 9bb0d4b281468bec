"""Every staged result is checked against sympy.diff of the parsed expression.

Equality is proved with ``cancel`` where that is cheap, else tested at
random points; a disagreement is an internal error, never output.  At a
max/min tie the gradient is only a convention (Heaviside(0) = 1/2 splits
it), and two correct routes may split it differently: such points are
reported, not failed.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import sympy as sp

from .values import DIGITS, forward

# SymPy's simplify is fast on rational functions of exp but can run for
# many minutes once trig/hyperbolic functions or Max/Heaviside appear (its
# trig pass factors over Gaussian integers).  The choice depends only on the
# expression, never on a clock, so output stays deterministic.
_SLOW = (sp.sin, sp.cos, sp.tan, sp.tanh, sp.sinh, sp.cosh, sp.Max, sp.Min, sp.Heaviside,
         sp.Piecewise, sp.Abs, sp.sign, sp.erf)


@dataclass(frozen=True)
class Agreement:
    """How a staged result was found equal to sympy.diff: ``how`` is one of
    identical, cancels, points (at ``points`` random points), ties (only
    max/min ties were tried) or untested (undefined at every point tried)."""
    how: str
    points: int = 0


def agree(staged: sp.Expr, reference: sp.Expr, symbols, gates) -> Agreement:
    """Prove staged == reference; raise AssertionError (an internal error) if not."""
    if staged == reference:
        return Agreement("identical")
    if sp.count_ops(staged) + sp.count_ops(reference) <= 200:
        # cancel decides equality of rational functions in the atoms (exp(-u),
        # tanh(u), ...) and stays fast; see _SLOW for why not simplify.
        try:
            if sp.cancel(sp.together(staged - reference)) == 0:
                return Agreement("cancels")
        except Exception:  # cancel refuses some Piecewise forms; sample instead
            pass
    rng = random.Random(0)
    checked = tied = 0
    for i in range(15):
        # three ranges, so log(log(x)) and sqrt(x - 2) get points too
        low, high = [(-1, 1), (0, 3), (1, 10)][i % 3]
        point = {s: sp.Float(sp.Rational(rng.randint(low * 10**6, high * 10**6), 10**6 + 3), DIGITS)
                 for s in symbols}
        try:
            at_point = forward(gates, point)  # refuses runaway sizes first
            va, vb = sp.N(staged.xreplace(point), DIGITS), sp.N(reference.xreplace(point), DIGITS)
        except Exception:  # undefined or too large here: try another point
            continue
        if not (va.is_Number and vb.is_Number and va.is_real and vb.is_real):
            continue
        if abs(va - vb) > 1e-12 * (1 + abs(va) + abs(vb)):
            if ties(gates, at_point):
                tied += 1
                continue
            raise AssertionError(f"internal error: the staged result disagrees with sympy.diff at {point}")
        checked += 1
        if checked == 5:
            break
    if checked:
        return Agreement("points", checked)
    return Agreement("ties" if tied else "untested")


def ties(gates, fval: dict) -> list[int]:
    """Steps whose max/min inputs are equal at these values."""
    out = []
    for g in gates:
        if g.kind in ("max", "min"):
            a, b = (fval.get(x, x) for x in g.inputs)
            if abs(sp.N(a - b, DIGITS)) <= 1e-25 * (1 + abs(a) + abs(b)):
                out.append(g.step)
    return out


def same_number(a, b) -> bool:
    return abs(sp.N(a - b, DIGITS)) <= 1e-12 * (1 + abs(a) + abs(b))


def simplify(e: sp.Expr) -> sp.Expr:
    """A simpler form when one is cheap to find; else the chain-rule product as it is."""
    candidates = [e, sp.factor_terms(e)]
    if sp.count_ops(e) <= 80 and not e.has(*_SLOW):
        try:
            simpler = sp.simplify(e)
            # in the functions the student wrote: simplify likes to trade exp for cosh
            if {type(f) for f in simpler.atoms(sp.Function)} <= {type(f) for f in e.atoms(sp.Function)}:
                candidates.append(simpler)
        except Exception:  # simplify gives up on some forms; the product is still right
            pass
    return min(candidates, key=sp.count_ops)
