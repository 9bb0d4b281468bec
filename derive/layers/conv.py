"""2-D convolution (cross-correlation, as torch.nn.Conv2d), then f."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import SpecError
from .base import Act, Layer, Shape, shape_text


def conv_size(n: int, k: int, stride: int, pad: int) -> int:
    """Output length along one axis: floor((n + 2 pad - k) / stride) + 1."""
    return (n + 2 * pad - k) // stride + 1


@dataclass(frozen=True)
class Conv(Layer):
    channels: int = 1
    k: int = 1
    stride: int = 1
    pad: int = 0
    activation: Act = Act("identity")
    kind = "conv"
    takes = ("image",)

    def out_shape(self, shape: Shape) -> Shape:
        self.check_input(shape)
        c, h, w = shape
        if self.pad >= self.k:
            raise SpecError(f"layer {self.l} ({self.token()}): padding {self.pad} must be smaller "
                            f"than the kernel size {self.k}")
        oh, ow = (conv_size(n, self.k, self.stride, self.pad) for n in (h, w))
        if h + 2 * self.pad < self.k or w + 2 * self.pad < self.k:
            raise SpecError(f"layer {self.l} ({self.token()}): a {self.k}x{self.k} kernel does not fit "
                            f"the {shape_text(shape)} input (padded {h + 2 * self.pad}x{w + 2 * self.pad}); "
                            f"use a smaller kernel or more padding")
        return (self.channels, oh, ow)

    def params(self, shape: Shape, bias: bool) -> dict[str, Shape]:
        out = {f"W{self.l}": (self.channels, shape[0], self.k, self.k)}
        if bias:
            out[f"b{self.l}"] = (self.channels,)
        return out

    @property
    def act(self) -> Act:
        return self.activation

    def token(self) -> str:
        extra = (f",stride={self.stride}" if self.stride != 1 else "") + (f",pad={self.pad}" if self.pad else "")
        return f"conv({self.channels},{self.k}{extra}):{self.activation}"

    def scalar(self, b, x):
        """z[c,i,j] = sum over c', u, v of W[c,c',u,v] x[c', i*S+u-P, j*S+v-P] + b[c];
        taps that fall in the zero padding are left out."""
        import numpy as np
        import sympy as sp
        m, cin, h, w = x.shape
        c_out, oh, ow = self.out_shape((cin, h, w))
        z = np.empty((m, c_out, oh, ow), dtype=object)
        for r, row in enumerate(b.rows):
            for c, i, j in np.ndindex(c_out, oh, ow):
                terms = []
                for ci, u, v in np.ndindex(cin, self.k, self.k):
                    p, q = i * self.stride + u - self.pad, j * self.stride + v - self.pad
                    if 0 <= p < h and 0 <= q < w:
                        terms.append(b.param(f"W{self.l}", (c, ci, u, v)) * x[r, ci, p, q])
                e = sp.Add(*terms)
                if b.g.net.bias:
                    e += b.param(f"b{self.l}", (c,))
                z[r, c, i, j] = b.define("z", self.l, (c, i, j), row, e, named=True)
        return b.activate(self.l, z, self.activation)

    def scalar_cost(self, shape: Shape) -> int:
        c, oh, ow = self.out_shape(shape)
        return c * oh * ow * (shape[0] * self.k * self.k + 2)

    def mults(self, shape: Shape) -> int:
        c, oh, ow = self.out_shape(shape)
        return c * oh * ow * shape[0] * self.k * self.k
