"""Dense (fully connected): z = W a + b, a = f(z), W of shape (n_out, n_in)."""
from __future__ import annotations

from dataclasses import dataclass

from .base import Act, Layer, Shape


@dataclass(frozen=True)
class Dense(Layer):
    n: int = 1
    activation: Act = Act("identity")
    kind = "dense"
    takes = ("flat",)

    def out_shape(self, shape: Shape) -> Shape:
        self.check_input(shape)
        return (self.n,)

    def params(self, shape: Shape, bias: bool) -> dict[str, Shape]:
        out = {f"W{self.l}": (self.n, shape[0])}
        if bias:
            out[f"b{self.l}"] = (self.n,)
        return out

    @property
    def act(self) -> Act:
        return self.activation

    def token(self) -> str:
        return f"{self.n}:{self.activation}"

    def scalar(self, b, x):
        import numpy as np
        z = np.empty((x.shape[0], self.n), dtype=object)
        for r, row in enumerate(b.rows):
            for j in range(self.n):
                e = b.weighted_sum([(b.param(f"W{self.l}", (j, k)), x[r, k]) for k in range(x.shape[1])],
                                   b.param(f"b{self.l}", (j,)) if b.g.net.bias else None)
                z[r, j] = b.define("z", self.l, (j,), row, e, named=True)
        return b.activate(self.l, z, self.activation)

    def scalar_cost(self, shape: Shape) -> int:
        return self.n * (shape[0] + 2)

    def mults(self, shape: Shape) -> int:
        return self.n * shape[0]
