"""dropout(p): the keep-mask M is a given constant, so the layer is a fixed
elementwise scaling: a = x ⊙ M / (1 - p), and dx = da ⊙ M / (1 - p)."""
from __future__ import annotations

import sympy as sp

from ...index_algebra import Def, adjoint, as_hadamard, index
from ...model import Math, Section, Shape, Text
from .common import M, P_DROP, Flow, Stage, arrow, display, grad_of, output_tensor, sup, tensor

LETTERS = {1: ("r", "j"), 2: ("r", "t", "f"), 3: ("r", "c", "i", "j")}


class DropoutStage(Stage):
    kind = "dropout"

    def __init__(self, layer, inp, in_shape, ctx, last=False):
        super().__init__(layer, inp, in_shape, ctx, last)
        p = layer.p
        self.values[P_DROP] = sp.Rational(p.numerator, p.denominator)
        self.out = output_tensor(self.l, self.out_shape, ("fwd", "a", self.l), last, "", ctx)
        self.mask = tensor("M" + sup(self.l), "M" + sup(self.l), inp.dims, inp.shape, ("mask", self.l))

    def rows(self, t):
        return [[self.mask.matrix, Shape(*self.mask.shape), t("index.dropout_mask")],
                [self.out.matrix, Shape(*self.out.shape), t("index.dropout_out")]]

    def title(self, t):
        return t("index.dropout_title", l=self.l, p=float(self.layer.p))

    def backward(self, ctx, up: Flow, below):
        t, x = ctx.t, self.inp
        idx = tuple(index(c) for c in LETTERS[len(self.in_shape)])
        ranges = {i: (1, d) for i, d in zip(idx, x.dims)}
        d = Def(self.out.base, idx, x[idx] * self.mask[idx] / (1 - P_DROP))
        ch = adjoint(x[idx], [(d, up.grad.base)], ranges)
        grad = grad_of(x)
        mats = {up.grad.base: up.grad.matrix, self.mask.base: self.mask.matrix}
        matrix = as_hadamard(ch.result, mats, (M, up.grad.matrix.shape[1]))
        keep = 1 / (1 - self.values[P_DROP])
        self.claim(ctx, f"d{x.name} (dropout)", idx, ranges, [ch.result], grad.source, [up.grad, self.mask],
                   matrix=matrix, matrices={up.grad.matrix: (up.grad, None), self.mask.matrix: (self.mask, None)})
        lines = list(up.lead) + [
            Text(t("index.dropout_intro")),
            Math([display(self.out[idx]), display(d.expr)], note=t("index.dropout_const")),
            Math([display(grad[idx]), display(ch.chain), display(ch.result)]),
            Math([grad.matrix, display(matrix)], label=self.label_down(),
                 note=arrow(x.shape, result=x.shape) + f"; p = {float(self.layer.p)!r}, 1/(1 - p) = {keep}"),
            Text(t("index.dropout_why"))]
        return [Section(self.title(t), lines, key=f"delta-layer:{self.l}")], Flow(grad)
