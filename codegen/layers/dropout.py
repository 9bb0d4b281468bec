"""Inverted dropout with a given keep-mask: A = x * M / (1 - p).

M is a constant of the pass (drawn or given), so the backward pass is the
same product: dJ/dx = dJ/dA * M / (1 - p).  At inference dropout is off."""
from __future__ import annotations

from fractions import Fraction

from .base import Grad, LayerCode, dims, idims, note, num, record


class DropoutCode(LayerCode):
    def __init__(self, layer, shape_in, ctx, output=False):
        super().__init__(layer, shape_in, ctx, output)
        self.out = f"A{self.l}"
        self.p = Fraction(layer.p)
        self.scale = 1 / (1 - self.p)
        ctx.masks.append((f"M{self.l}", self.shape_in, self.p))

    def describe(self):
        return [f"layer {self.l}: dropout(p={float(self.p)!r}), {dims(self.shape_in)}: "
                f"A = x * M{self.l} / (1 - p) in training, A = x at inference"]

    def forward(self, x):
        l, s = self.l, self.shape_in
        self.out = f"A{l}"
        return [note(f"A{l} = {x} * M{l}", f"dropout: keep-mask M{l} {idims(s)}, 1 keeps and 0 drops"),
                note(f"A{l} *= {num(self.scale)}", "1 / (1 - p): the kept units make up for the dropped ones"),
                record(f"A{l}", f"A{l}", self.shape_out)]

    def infer(self, x):
        self.out = x     # dropout is off: the layer passes x through
        return []

    def backward(self, g, dx, top=False):
        l = self.l
        lines = [record(f"dA{l}", g.name, self.shape_out)]
        if dx is None:
            return lines, None
        lines += [note(f"{dx} = {g.name} * M{l}", f"dJ/dx = dJ/dA * M{l} / (1 - p): M{l} is a constant"),
                  note(f"{dx} *= {num(self.scale)}", "the same 1 / (1 - p)")]
        return lines, Grad(dx, True)
