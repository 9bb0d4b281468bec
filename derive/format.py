"""The one number formatter: what every printer shows for a value.

Exact values are shown exactly when their decimal expansion is short
(0.4745, 0.410975); other values are rounded to ``DIGITS`` significant
digits, which a reader can follow and check by hand.  Very small or large
magnitudes get an exponent.  The printers only decide how a mantissa and
an exponent look (1.5e-07, 1.5 \\times 10^{-7}, MathML).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import mpmath
import sympy as sp

DIGITS = 6          # significant digits shown for a rounded value
EXACT_DIGITS = 12   # an exact value with up to this many significant digits is shown in full
SMALL, LARGE = sp.Rational(1, 10 ** 4), 10 ** 7


@dataclass(frozen=True)
class Number:
    """A formatted number: ``mantissa`` (with sign) and decimal ``exponent``
    (None when written plainly); ``exact`` says nothing was rounded."""
    mantissa: str
    exponent: int | None
    exact: bool

    @property
    def negative(self) -> bool:
        return self.mantissa.startswith("-")

    def plain(self) -> str:
        """1.5e-07 style: machine-readable and short."""
        return self.mantissa if self.exponent is None else f"{self.mantissa}e{self.exponent:+03d}"


def _terminating(q: Fraction) -> str | None:
    """The exact decimal of q when it terminates within EXACT_DIGITS significant digits."""
    d = q.denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d != 1:
        return None
    places = max(twos, fives)
    scaled = abs(q.numerator) * 10 ** places // q.denominator
    digits = str(scaled)
    text = digits if places == 0 else (digits[:-places] or "0") + "." + digits[-places:].rjust(places, "0")[-places:]
    if places and len(digits) < places:
        text = "0." + digits.rjust(places, "0")
    significant = len(str(scaled).strip("0")) if scaled else 1
    if significant > EXACT_DIGITS:
        return None
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return ("-" if q < 0 else "") + text


def fmt(value, digits: int = DIGITS) -> Number:
    """Format an int, Fraction, float, mpmath or SymPy number."""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, sp.Basic):
        if value.is_Rational:
            value = Fraction(int(value.p), int(value.q))
        else:
            value = mpmath.mpf(sp.Float(value, 30)._to_mpmath(100))
    if isinstance(value, int):
        value = Fraction(value)
    if isinstance(value, Fraction):
        if value == 0:
            return Number("0", None, True)
        small_or_large = abs(value) < SMALL or abs(value) >= LARGE
        exact_text = _terminating(value)
        if exact_text is not None and not small_or_large:
            return Number(exact_text, None, True)
        value = mpmath.mpf(value.numerator) / value.denominator
        exact = False
    else:
        value = mpmath.mpf(value)
        exact = False
    if value == 0:
        return Number("0", None, exact)
    if not mpmath.isfinite(value):
        return Number(str(value), None, False)
    text = mpmath.nstr(value, digits, strip_zeros=True, min_fixed=-4, max_fixed=7)
    if "e" in text:
        mant, exp = text.split("e")
        mant = mant.rstrip("0").rstrip(".") if "." in mant else mant
        return Number(mant, int(exp), exact)
    if text.endswith(".0"):
        text = text[:-2]
    return Number("0" if text in ("-0", "-0.0") else text, None, exact)


def plain(value, digits: int = DIGITS) -> str:
    return fmt(value, digits).plain()


def full(value) -> str:
    """A value for machines (JSON): exact rationals as p/q-free decimals when they
    terminate, else 17 significant digits."""
    return fmt(value, 17).plain()
