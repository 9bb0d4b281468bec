"""The numbers of a staged expression: exact while short, bounded always.

A value is an exact rational while its numerator and denominator stay
short, else a 30-digit float.  Every value stays below 1e300 in size, and
the transcendental functions (exp, sigmoid, tanh, gelu, sin ...) take
arguments below 1e6: past either bound the next gate could need an
unbounded amount of time or memory (exp(exp(exp(10))) has about 10^9565
digits before the point), so the bound is refused with a message instead.
A teaching example never gets near it.
"""
from __future__ import annotations

import sympy as sp

from ...errors import ChainruleError
from ...format import plain as number
from . import kinds

MAX_SIZE = 10 ** 300
MAX_ARGUMENT = 10 ** 6
_EXACT_BITS = 4000          # a longer exact rational is carried as a float
_POWER_BITS = 100_000       # exponent x bits of base beyond which an exact power is not computed
DIGITS = 30


def settle(value, where: str, digits: int = DIGITS) -> sp.Expr:
    """``value`` as a number: exact when a short rational, else a float of
    ``digits`` digits.  Refuses undefined, complex and too large values, naming ``where``."""
    value = sp.sympify(value)
    if value.is_Rational:
        _check_size(value, where)
        return value if value.p.bit_length() + value.q.bit_length() < _EXACT_BITS else sp.Float(value, digits)
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ChainruleError(f"{where} is undefined at the --at values (division by zero or "
                             f"log of 0, perhaps after rounding to {digits} digits?); choose other values")
    try:
        num = sp.N(value, digits)
    except (OverflowError, MemoryError, RecursionError):
        raise ChainruleError(f"{where} is too large to compute at the --at values; choose smaller values") from None
    if not num.is_Number or not num.is_real:
        raise ChainruleError(f"{where} is not a real number at the --at values (log or sqrt "
                             f"of a negative?); choose other values")
    _check_size(num, where)
    return num


def _check_size(num, where: str) -> None:
    if abs(num) > MAX_SIZE:
        raise ChainruleError(f"{where} is about {number(num)} at the --at values, beyond the limit of 1e300; "
                             f"choose smaller values or exponents")


def exact_power_too_large(base, exponent) -> bool:
    """base**exponent in exact arithmetic would not finish in reasonable time."""
    return (base.is_Rational and exponent.is_Rational
            and abs(exponent) * (base.p.bit_length() + base.q.bit_length()) > _POWER_BITS)


def check_argument(kind: str, argument, where: str) -> None:
    """exp, sigmoid, sin ... of a huge argument: refuse before computing it."""
    if kinds.transcendental(kind) and not argument.free_symbols and abs(argument) > MAX_ARGUMENT:
        raise ChainruleError(f"{where} overflows: {kind} of {number(argument)} (the limit is 1e6 in size); "
                             f"choose smaller --at values")


def safe_inputs(gate, fval: dict, digits: int = DIGITS) -> dict:
    """The values to plug into ``gate``: floats instead of exact rationals
    where a power has a huge exponent and exact arithmetic would never finish."""
    if gate.kind == "pow":
        base, exponent = (fval.get(x, x) for x in gate.inputs)
        if exact_power_too_large(base, exponent):
            return {k: (sp.Float(v, digits) if v.is_Rational else v) for k, v in fval.items()}
    return fval


def gate_value(gate, fval: dict, where: str, digits: int = DIGITS) -> sp.Expr:
    """The gate's output at these input values."""
    check_argument(gate.kind, fval.get(gate.inputs[0], gate.inputs[0]), where)
    return settle(gate.formula.xreplace(safe_inputs(gate, fval, digits)), where, digits)


def forward(gates, point: dict, describe=None, digits: int = DIGITS) -> dict:
    """Every gate's value at ``point`` (variable -> number), in order."""
    fval = dict(point)
    for g in gates:
        fval[g.out] = gate_value(g, fval, describe(g) if describe else f"step {g.step}", digits)
    return fval


def as_text(v) -> str | None:
    """A value for JSON: exact rationals as p/q, floats to 20 digits."""
    if v is None:
        return None
    return sp.sstr(v) if v.is_Rational else sp.sstr(sp.Float(v, 20))
