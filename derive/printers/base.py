"""The printer base class: dispatch on the node's class name, SymPy-style."""
from __future__ import annotations

from fractions import Fraction

import sympy as sp


class Printer:
    """Subclasses define ``_print_<NodeClass>`` and ``expr``."""

    def __init__(self, L: int | None = None):
        self.L = L

    def doprint(self, node) -> str:
        return self._print(node)

    def _print(self, node):
        for cls in type(node).__mro__:
            method = getattr(self, f"_print_{cls.__name__}", None)
            if method is not None:
                return method(node)
        raise TypeError(f"{type(self).__name__} cannot print {type(node).__name__}")

    def expr(self, e) -> str:
        raise NotImplementedError

    def cell(self, value) -> str:
        """A table cell: numbers to 10 significant digits, maths by expr."""
        if isinstance(value, str):
            return value
        return self.expr(value) if isinstance(value, sp.Basic) and not value.is_Number else number(value)


def number(value) -> str:
    """Up to 10 significant digits, no trailing zeros, no float noise."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Fraction):
        value = sp.Rational(value.numerator, value.denominator)
    if isinstance(value, sp.Basic):
        if value.is_Integer:
            return str(value)
        value = sp.Float(value, 30)
        import mpmath
        text = mpmath.nstr(value._to_mpmath(100), 10, strip_zeros=True)
    else:
        import mpmath
        text = mpmath.nstr(mpmath.mpf(value), 10, strip_zeros=True)
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text in ("-0", "-0.0") else text
