"""flatten: an image or sequence becomes one vector per example, row-major
(torch.flatten(x, 1))."""
from __future__ import annotations

from dataclasses import dataclass

from .base import Layer, Shape, _product


@dataclass(frozen=True)
class Flatten(Layer):
    kind = "flatten"
    takes = ("sequence", "image")

    def out_shape(self, shape: Shape) -> Shape:
        self.check_input(shape)
        return (_product(shape),)

    def token(self) -> str:
        return "flatten"

    def scalar(self, b, x):
        return x.reshape(x.shape[0], -1)

    def scalar_cost(self, shape: Shape) -> int:
        return 0
