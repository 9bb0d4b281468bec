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

    def scalar(self, b, x):
        """max: a = Max(window) (the derivative routes to the first maximum, as
        torch); avg: a = the mean of the window."""
        import numpy as np
        import sympy as sp
        m, c, h, w = x.shape
        _, oh, ow = self.out_shape((c, h, w))
        out = np.empty((m, c, oh, ow), dtype=object)
        for r, row in enumerate(b.rows):
            for ch, i, j in np.ndindex(c, oh, ow):
                window = [x[r, ch, i * self.k + u, j * self.k + v] for u, v in np.ndindex(self.k, self.k)]
                if self.mode == "max":
                    out[r, ch, i, j] = b.define("a", self.l, (ch, i, j), row, sp.Max(*window), "max",
                                                window=tuple(window))
                else:
                    out[r, ch, i, j] = b.define("a", self.l, (ch, i, j), row,
                                                sp.Add(*window) / (self.k * self.k), "avg")
        return out

    def scalar_cost(self, shape: Shape) -> int:
        c, oh, ow = self.out_shape(shape)
        return c * oh * ow * (self.k * self.k + 1)
