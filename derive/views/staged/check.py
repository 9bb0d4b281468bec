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

import mpmath
import sympy as sp

from .backward import backward
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
    both = Compiled([staged, reference], symbols)
    rng = random.Random(0)
    checked = tied = 0
    for i in range(15):
        # three ranges, so log(log(x)) and sqrt(x - 2) get points too
        low, high = [(-1, 1), (0, 3), (1, 10)][i % 3]
        point = [sp.Rational(rng.randint(low * 10**6, high * 10**6), 10**6 + 3) for _ in symbols]
        try:
            # the gates first: they refuse runaway sizes before anything computes them
            at_point = forward(gates, {s: sp.Float(v, DIGITS) for s, v in zip(symbols, point)})
        except Exception:  # undefined or too large here: try another point
            continue
        values = both.at(point, DIGITS)
        if values is None:
            continue
        if not same_number(*values):
            verdict = _recheck(both, point)
            if verdict == "unstable":   # cancellation eats every digit here: no evidence either way
                continue
            if verdict == "differ":
                if ties(gates, at_point):
                    tied += 1
                    continue
                raise AssertionError(f"internal error: the staged result disagrees with sympy.diff at "
                                     f"{dict(zip(symbols, point))}")
        checked += 1
        if checked == 5:
            break
    if checked:
        return Agreement("points", checked)
    return Agreement("ties" if tied else "untested")


class Compiled:
    """Expressions evaluated at points, fast: compiled to mpmath with common
    subexpressions shared.  SymPy's evalf walks the tree, and gelu(gelu(...))
    written out is a tree that doubles at every level; the compiled form
    evaluates each distinct subexpression once.  lambdify is not SymPy's own
    arithmetic (it misprints a Heaviside of a Piecewise, and cannot print
    zoo), so a disagreement is always confirmed with ``by_sympy=True``; and
    it prints Heaviside and Piecewise by simplifying their conditions, which
    costs more than SymPy's evaluation, so those are left to SymPy."""

    def __init__(self, exprs: list[sp.Expr], symbols):
        self.exprs, self.symbols = list(exprs), list(symbols)
        self.function = None
        if any(e.has(sp.Heaviside, sp.Piecewise) for e in self.exprs):
            return
        try:
            # dummify: a variable named like an mpmath function (erf) must not shadow it
            self.function = sp.lambdify(self.symbols, self.exprs, modules="mpmath", cse=True, dummify=True)
        except Exception:   # a form lambdify cannot print: SymPy evaluates it
            self.function = None

    def at(self, point: list, digits: int, by_sympy: bool = False) -> list | None:
        """The values at ``point`` (exact rationals) with ``digits`` digits, or
        None where one is undefined or not real."""
        if by_sympy or self.function is None:
            return self._evalf(point, digits)
        with mpmath.workdps(digits):
            try:
                out = self.function(*[mpmath.mpf(v.p) / v.q for v in point])
            except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                return None
        out = [mpmath.mpmathify(v) for v in out]
        if not all(isinstance(v, mpmath.mpf) and mpmath.isfinite(v) for v in out):
            return None
        return [sp.Float(v, digits) for v in out]

    def _evalf(self, point: list, digits: int) -> list | None:
        at = {s: sp.Float(v, digits) for s, v in zip(self.symbols, point)}
        try:
            out = [sp.N(e.xreplace(at), digits) for e in self.exprs]
        except Exception:   # undefined here
            return None
        if not all(v.is_Number and v.is_real and v.is_finite for v in out):
            return None
        return out


def _recheck(both: Compiled, point) -> str:
    """'agree', 'differ' or 'unstable' by SymPy's own evaluation, with more
    digits.  Two values that differ at 30 digits may agree at 90:
    log(1 - sigmoid(60)) cancels 26 digits.  They differ for real only when
    each side is stable (the same at 90 and 150 digits) and the two still
    disagree."""
    usual = both.at(point, DIGITS, by_sympy=True)
    if usual is not None and same_number(*usual):
        return "agree"
    first, second = both.at(point, 3 * DIGITS, by_sympy=True), both.at(point, 5 * DIGITS, by_sympy=True)
    if first is None or second is None:
        return "unstable"
    (a1, b1), (a2, b2) = first, second
    if same_number(a2, b2):
        return "agree"
    stable = abs(a1 - a2) <= 1e-20 * (1 + abs(a2)) and abs(b1 - b2) <= 1e-20 * (1 + abs(b2))
    return "differ" if stable else "unstable"


def reference_value(expr: sp.Expr, values: dict, digits: int = DIGITS, by_sympy: bool = False) -> sp.Expr | None:
    """``expr`` (sympy.diff of the expression) at the --at values, or None where undefined."""
    symbols = list(values)
    found = Compiled([expr], symbols).at([values[s] for s in symbols], digits, by_sympy)
    return None if found is None else found[0]


def lost_precision(gates, leads, values: dict, symbol, reference_grad) -> bool:
    """True when the staged number for ``symbol`` agrees with sympy.diff once
    everything is computed with five times the digits: the disagreement at
    the usual precision was cancellation, not a wrong derivative."""
    digits = 5 * DIGITS
    fval = forward(gates, values, digits=digits)
    value = backward(gates, leads, fval, digits).value.get(symbol, sp.Integer(0))
    check = reference_value(reference_grad, values, digits, by_sympy=True)
    return check is not None and same_number(check, value)


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
