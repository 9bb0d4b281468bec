"""Batch norm and layer norm: normalise, then scale by gamma and shift by beta.

bn: statistics over the batch (and, on images, over H and W: torch's
BatchNorm2d), one gamma/beta per feature or channel; biased variance.
ln: statistics over every axis but the batch (torch's LayerNorm with the
whole example as the normalised shape), gamma/beta of the example's shape.
"""
from __future__ import annotations

from dataclasses import dataclass

from .base import Layer, Shape

EPS = "1e-5"   # torch's default eps, kept as text so it prints as written


@dataclass(frozen=True)
class BatchNorm(Layer):
    kind = "bn"
    takes = ("flat", "image")

    def params(self, shape: Shape, bias: bool) -> dict[str, Shape]:
        return {f"gamma{self.l}": shape[:1], f"beta{self.l}": shape[:1]}

    def token(self) -> str:
        return "bn"


@dataclass(frozen=True)
class LayerNorm(Layer):
    kind = "ln"

    def params(self, shape: Shape, bias: bool) -> dict[str, Shape]:
        return {f"gamma{self.l}": shape, f"beta{self.l}": shape}

    def token(self) -> str:
        return "ln"
