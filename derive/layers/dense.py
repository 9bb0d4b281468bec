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
