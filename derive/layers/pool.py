"""Max and average pooling over K x K windows with stride K (torch's
MaxPool2d(K) and AvgPool2d(K): a partial window at the edge is dropped)."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import SpecError
from .base import Layer, Shape, shape_text


@dataclass(frozen=True)
class Pool(Layer):
    mode: str = "max"   # "max" or "avg"
    k: int = 2
    kind = "pool"
    takes = ("image",)

    def out_shape(self, shape: Shape) -> Shape:
        self.check_input(shape)
        c, h, w = shape
        if self.k > h or self.k > w:
            raise SpecError(f"layer {self.l} ({self.token()}): a {self.k}x{self.k} pooling window is larger "
                            f"than the {shape_text(shape)} input; use a window of at most {min(h, w)}")
        return (c, h // self.k, w // self.k)

    def token(self) -> str:
        return f"{self.mode}pool({self.k})"
