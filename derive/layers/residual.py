"""A residual block: y = f_act(x + F(x)), F the inner layers, which must
keep x's shape.  The block takes no number of its own; its layers do."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import SpecError
from .base import Act, Layer, Shape, input_shapes, shape_text


@dataclass(frozen=True)
class Residual(Layer):
    inner: tuple[Layer, ...] = ()
    activation: Act = Act("identity")
    kind = "res"

    def out_shape(self, shape: Shape) -> Shape:
        _, out = input_shapes(self.inner, shape)
        if out != shape:
            raise SpecError(f"the residual block {self.token()} turns {shape_text(shape)} into "
                            f"{shape_text(out)}; its layers must keep the shape so that x + F(x) exists")
        return shape

    def params(self, shape: Shape, bias: bool) -> dict[str, Shape]:
        out, s = {}, shape
        for layer in self.inner:
            out.update(layer.params(s, bias))
            s = layer.out_shape(s)
        return out

    def shapes(self, shape: Shape) -> list[Shape]:
        """The input shape of each numbered layer inside."""
        return input_shapes(self.inner, shape)[0]

    @property
    def act(self) -> Act:
        return self.activation

    def token(self) -> str:
        return f"res({'-'.join(layer.token() for layer in self.inner)}):{self.activation}"

    def numbered(self) -> list[Layer]:
        return [x for layer in self.inner for x in layer.numbered()]

    def scalar(self, b, x):
        """s = x + F(x), then the block's activation: r = f(s)."""
        import numpy as np
        out = x
        for layer in self.inner:
            out = layer.scalar(b, out)
        last = self.numbered()[-1].l
        s = np.empty(x.shape, dtype=object)
        for r, row in enumerate(b.rows):
            for idx in np.ndindex(x.shape[1:]):
                s[(r, *idx)] = b.define("s", last, idx, row, x[(r, *idx)] + out[(r, *idx)], named=True)
        if self.activation.name == "identity":
            return s
        return b.activate(last, s, self.activation, prefix="r")

    def scalar_cost(self, shape: Shape) -> int:
        total, s = 0, shape
        for layer in self.inner:
            total += layer.scalar_cost(s)
            s = layer.out_shape(s)
        return total + 2 * len(shape)

    def mults(self, shape: Shape) -> int:
        total, s = 0, shape
        for layer in self.inner:
            total += layer.mults(s)
            s = layer.out_shape(s)
        return total
