"""Inverted dropout with a given keep-mask M: a = x * M / (1 - p).

The derivation treats M as a constant; at inference dropout is off."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .base import Layer


@dataclass(frozen=True)
class Dropout(Layer):
    p: Fraction = Fraction(1, 2)
    kind = "dropout"

    def token(self) -> str:
        return f"dropout({float(self.p)!r})"

    def scalar(self, b, x):
        """a = x * M / (1 - p), M the keep-mask: a given constant."""
        import numpy as np
        import sympy as sp
        keep = 1 / (1 - sp.Rational(self.p.numerator, self.p.denominator))
        out = np.empty(x.shape, dtype=object)
        for r, row in enumerate(b.rows):
            for idx in np.ndindex(x.shape[1:]):
                mask = b.mask(self.l, idx, r)
                out[(r, *idx)] = b.define("a", self.l, idx, row, x[(r, *idx)] * mask * keep, "dropout")
        return out
