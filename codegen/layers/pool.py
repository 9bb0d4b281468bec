"""Max and average pooling over K x K windows with stride K (torch's
MaxPool2d(K), AvgPool2d(K): a partial window at the edge is dropped).

Images are (C, H, W, m) here, so the K*K pixels of every window, at
offset (i, j), are one strided view x[:, i::K, j::K]: pooling is K*K
elementwise operations on whole images.  Max pooling keeps, from the
forward pass, a mask per offset of where each window's maximum is; on a
tie the first maximum in row-major window order takes it, as torch, and
the backward pass routes the whole gradient there.  Average pooling
spreads the gradient evenly, 1/K^2 to each input."""
from __future__ import annotations

from .base import Grad, LayerCode, idims, note, num, record


class PoolCode(LayerCode):
    def __init__(self, layer, shape_in, ctx, output=False):
        super().__init__(layer, shape_in, ctx, output)
        self.out = f"A{self.l}"
        self.k = layer.k
        c, h, w = shape_in
        _, self.oh, self.ow = self.shape_out
        self.crop = (h % self.k, w % self.k) != (0, 0)

    def view(self, x: str, i: str = "i", j: str = "j") -> str:
        """x's pixels at window offset (i, j), one per window: (C, OH, OW, m)."""
        k, oh, ow = self.k, self.oh, self.ow
        if self.crop:   # stop before the partial windows at the edge
            return f"{x}[:, {i}:{oh * k}:{k}, {j}:{ow * k}:{k}]"
        return f"{x}[:, {i}::{k}, {j}::{k}]"

    def _offsets(self) -> list[str]:
        return [f"for p in range({self.k * self.k}):", f"    i, j = divmod(p, {self.k})"]

    def forward(self, x):
        l, k, c = self.l, self.k, self.shape_in[0]
        oh, ow, kk = self.oh, self.ow, k * k
        self.x = x
        if self.layer.mode == "avg":
            return [note(f"A{l} = {self.view(x, '0', '0')}.copy()", f"window sums ({c}, {oh}, {ow}, m), offset by offset"),
                    f"for p in range(1, {kk}):",
                    f"    i, j = divmod(p, {k})",
                    f"    A{l} += {self.view(x)}",
                    note(f"A{l} *= {num(1 / kk)}", "/ K^2: the window means"),
                    record(f"A{l}", f"A{l}", self.shape_out)]
        return [
            note(f"A{l} = {self.view(x, '0', '0')}.copy()", f"window maxima ({c}, {oh}, {ow}, m), offset by offset"),
            f"for p in range(1, {kk}):",
            f"    i, j = divmod(p, {k})",
            f"    np.maximum(A{l}, {self.view(x)}, out=A{l})",
            note(f"P{l} = np.empty(({kk}, {c}, {oh}, {ow}, m), dtype=bool)",
                 "P[p]: offset p holds the window's maximum, kept for the backward pass"),
            note(f"free{l} = np.ones(({c}, {oh}, {ow}, m), dtype=bool)", "windows whose maximum is still unclaimed"),
            *self._offsets(),
            note(f"    np.equal({self.view(x)}, A{l}, out=P{l}[p])", "row-major order: on a tie the first"),
            note(f"    P{l}[p] &= free{l}", "maximum takes the gradient, as torch"),
            f"    free{l} &= ~P{l}[p]",
            record(f"A{l}", f"A{l}", self.shape_out),
        ]

    def infer(self, x):
        l, kk = self.l, self.k * self.k
        if self.layer.mode == "avg":
            return [line for line in self.forward(x) if isinstance(line, str)]
        return [f"A{l} = {self.view(x, '0', '0')}.copy()", f"for p in range(1, {kk}):",
                f"    i, j = divmod(p, {self.k})", f"    np.maximum(A{l}, {self.view(x)}, out=A{l})"]

    def backward(self, g, dx, top=False):
        l, k, (c, h, w) = self.l, self.k, self.shape_in
        lines = [record(f"dA{l}", g.name, self.shape_out)]
        if dx is None:
            return lines, None
        alloc = "zeros" if self.crop else "empty"
        why = "the dropped edge gets no gradient" if self.crop else "every pixel is in exactly one window"
        lines.append(note(f"{dx} = np.{alloc}(({c}, {h}, {w}, m), dtype={g.name}.dtype)", f"{idims(self.shape_in)}: {why}"))
        if self.layer.mode == "avg":
            lines += [note(f"dA{l}k = {g.name} * {num(1 / (k * k))}", "each input gets 1/K^2 of its window's gradient"),
                      *self._offsets(),
                      f"    {self.view(dx)}[...] = dA{l}k"]
        else:
            lines += [*self._offsets(),
                      note(f"    np.multiply(P{l}[p], {g.name}, out={self.view(dx)})",
                           "the gradient goes to each window's maximum, 0 elsewhere")]
        return lines, Grad(dx, True)
