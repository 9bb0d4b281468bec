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
