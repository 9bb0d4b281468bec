"""Numbers for the scalar graph: exact where they stay short, else fixed precision.

Each definition is compiled once into a small Python closure over a value
table.  Values are ``Fraction`` while they are exact and short (numerator
and denominator under ``SHORT`` digits); anything irrational (exp, tanh,
sqrt) or long becomes an mpmath number with ``DIGITS`` significant digits.
So single-weight's descent stays exact (0.59, 0.4745, 0.410975, ...), and a
ReLU network's trace costs the same at step 200 as at step 2.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from fractions import Fraction
from functools import reduce

import mpmath
import sympy as sp

from .errors import EvaluationError  # noqa: F401  (raised here; importers name it from this module too)

DIGITS = 30
SHORT = 15          # digits of numerator or denominator an exact value may keep
_CTX = mpmath.mp.clone() if hasattr(mpmath.mp, "clone") else mpmath.mp
_CTX.dps = DIGITS
_LIMIT = 10 ** SHORT



def short(v: Fraction):
    """The value as an exact Fraction when short, else as a fixed-precision number."""
    if isinstance(v, Fraction) and (abs(v.numerator) >= _LIMIT or v.denominator >= _LIMIT):
        return _CTX.mpf(v.numerator) / v.denominator
    return v


def exact(v) -> bool:
    return isinstance(v, (Fraction, int))


_MPF = type(_CTX.mpf(1))


def to_mp(v):
    if type(v) is _MPF:
        return v
    if isinstance(v, Fraction):
        return _CTX.mpf(v.numerator) / v.denominator
    return _CTX.mpf(v)


def _add(a, b):
    ta, tb = type(a), type(b)
    if ta is _MPF:
        return a + (b if tb is _MPF or tb is int else to_mp(b))
    if tb is _MPF:
        return b + (a if ta is int else to_mp(a))
    return short(Fraction(a) + b)


def _mul(a, b):
    ta, tb = type(a), type(b)
    if ta is _MPF:
        return a * (b if tb is _MPF or tb is int else to_mp(b))
    if tb is _MPF:
        return b * (a if ta is int else to_mp(a))
    return short(Fraction(a) * b)


def _pow(a, n):
    if isinstance(n, Fraction) and n.denominator == 1:
        n = int(n)
    if isinstance(n, int) and exact(a):
        if a == 0 and n < 0:
            raise EvaluationError("division by zero")
        return short(Fraction(a) ** n)
    base = to_mp(a)
    if base == 0 and to_mp(n) < 0:
        raise EvaluationError("division by zero")
    if base < 0 and not isinstance(n, int):
        raise EvaluationError(f"a negative number to the power {n}")
    return base ** to_mp(n)


def _unary(f, guard=None):
    def apply(v):
        x = to_mp(v)
        if guard is not None:
            guard(x)
        return f(x)
    return apply


def _log_guard(x):
    if x <= 0:
        raise EvaluationError(f"log of {mpmath.nstr(x, 6)}")


def _exp_guard(x):
    if x > 10 ** 6:
        raise EvaluationError(f"exp of {mpmath.nstr(x, 6)} overflows")


_FUNCS = {
    sp.exp: _unary(_CTX.exp, _exp_guard), sp.log: _unary(_CTX.log, _log_guard), sp.tanh: _unary(_CTX.tanh),
    sp.erf: _unary(_CTX.erf), sp.Abs: lambda v: abs(v), sp.sin: _unary(_CTX.sin), sp.cos: _unary(_CTX.cos),
    sp.sinh: _unary(_CTX.sinh, _exp_guard), sp.cosh: _unary(_CTX.cosh, _exp_guard), sp.erfc: _unary(_CTX.erfc),
    sp.sqrt: _unary(_CTX.sqrt),
}


def _rel(op):
    def compare(a, b):
        return op(to_mp(a), to_mp(b)) if not (exact(a) and exact(b)) else op(Fraction(a), Fraction(b))
    return compare


_RELS = {sp.LessThan: _rel(operator.le), sp.StrictLessThan: _rel(operator.lt),
         sp.GreaterThan: _rel(operator.ge), sp.StrictGreaterThan: _rel(operator.gt)}


def compile_expr(e: sp.Basic):
    """A closure env -> value for the SymPy expression ``e``."""
    if isinstance(e, sp.Symbol):
        return lambda env, s=e: env[s]
    if e.is_Integer or e.is_Rational:
        value = Fraction(int(e.p), int(e.q))
        return lambda env: value
    if e.is_Float:
        value = _CTX.mpf(str(e))
        return lambda env: value
    if e is sp.pi:
        return lambda env: _CTX.pi
    if e is sp.E:
        return lambda env: _CTX.e
    if e is sp.true or e is sp.false:
        value = bool(e)
        return lambda env: value
    if isinstance(e, sp.Piecewise):
        pairs = [(compile_expr(x), compile_expr(c)) for x, c in e.args]

        def piecewise(env):
            for value, cond in pairs:
                if cond(env):
                    return value(env)
            raise EvaluationError("no branch of a piecewise function applies")
        return piecewise
    parts = [compile_expr(a) for a in e.args]
    if isinstance(e, sp.Add):
        return lambda env: reduce(_add, (p(env) for p in parts))
    if isinstance(e, sp.Mul):
        return lambda env: reduce(_mul, (p(env) for p in parts))
    if isinstance(e, sp.Pow):
        base, power = parts
        return lambda env: _pow(base(env), power(env))
    if e.func in _FUNCS:
        f = _FUNCS[e.func]
        return lambda env: f(parts[0](env))
    if type(e) in _RELS:
        op = _RELS[type(e)]
        return lambda env: op(parts[0](env), parts[1](env))
    if isinstance(e, sp.And):
        return lambda env: all(p(env) for p in parts)
    if isinstance(e, sp.Or):
        return lambda env: any(p(env) for p in parts)
    if isinstance(e, sp.Heaviside):
        def heaviside(env, x=parts[0]):
            v = x(env)
            return Fraction(1) if v > 0 else Fraction(0) if v < 0 else Fraction(1, 2)
        return heaviside
    if isinstance(e, sp.Max):
        return lambda env: _max([p(env) for p in parts])
    if isinstance(e, sp.Min):
        return lambda env: -_max([-to_mp(p(env)) if not exact(p(env)) else -p(env) for p in parts])
    raise TypeError(f"cannot evaluate {type(e).__name__}: {e}")


def _max(values):
    best = values[0]
    for v in values[1:]:
        if _rel(operator.gt)(v, best):
            best = v
    return best


def value(e: sp.Basic, env: dict):
    """One expression at the values ``env`` (symbol -> number)."""
    return compile_expr(e)(env)


@dataclass
class Program:
    """Compiled definitions, evaluated in order into one value table."""
    steps: list   # (symbol, closure)

    @classmethod
    def of(cls, definitions) -> "Program":
        return cls([(s, compile_expr(e)) for s, e in definitions])

    def run(self, env: dict) -> dict:
        for s, f in self.steps:
            try:
                env[s] = f(env)
            except (ZeroDivisionError, OverflowError, ValueError) as exc:
                raise EvaluationError(f"{s}: {exc}") from None
        return env


def as_sympy(v) -> sp.Expr:
    """A value as a SymPy number (Rational when exact, else Float)."""
    if isinstance(v, bool):
        return sp.Integer(int(v))
    if isinstance(v, (int, Fraction)):
        v = Fraction(v)
        return sp.Rational(v.numerator, v.denominator)
    return sp.Float(mpmath.nstr(v, DIGITS, strip_zeros=False), DIGITS)
