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
