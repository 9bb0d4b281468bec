"""flatten: the index map of a row-major reshape, and its gradient -- the same
numbers, reshaped back.

The forward definition is written with the map as a Kronecker delta,
a[r, k] = Σ [k = (c-1)·H·W + (i-1)·W + j] x[r, c, i, j]; sympy.diff and the
collapse give dx[r, q, h, g] = da[r, (q-1)·H·W + (h-1)·W + g]."""
from __future__ import annotations

import sympy as sp

from ...index_algebra import Def, adjoint, index
from ...model import Math, Section, Shape, Text
from .common import M, Flow, Stage, display, grad_of, output_tensor, shape_text

LETTERS = {3: ("c", "i", "j"), 2: ("t", "f")}
TARGETS = {3: ("q", "h", "g"), 2: ("s", "e")}


def position(idx, dims):
    """The row-major position (1-based) of the 1-based index ``idx``."""
    pos = idx[-1]
    for a in range(len(idx) - 1):
        pos = pos + (idx[a] - 1) * sp.Mul(*dims[a + 1:])
    return pos


class FlattenStage(Stage):
    kind = "flatten"

    def __init__(self, layer, inp, in_shape, ctx, last=False):
        super().__init__(layer, inp, in_shape, ctx, last)
        self.out = output_tensor(self.l, self.out_shape, ("reshape", inp.source, self.out_shape), last, "", ctx)

    def rows(self, t):
        return [[self.out.matrix, Shape(M, self.out_shape[0]), t("index.flatten_rows")]]

    def title(self, t):
        return t("index.flatten_title", l=self.l, shape=" × ".join(map(str, self.in_shape)),
                 n=self.out_shape[0])

    def backward(self, ctx, up: Flow, below):
        t, inp, n = ctx.t, self.inp, self.out_shape[0]
        dims = inp.dims[1:]
        r, k = index("r"), index("k")
        own = tuple(index(c) for c in LETTERS[len(dims)])
        target = tuple(index(c) for c in TARGETS[len(dims)])
        ranges = {r: (1, M), k: (1, sp.Mul(*dims))}
        ranges.update({i: (1, d) for i, d in zip(own + target, dims + dims)})
        body = sp.KroneckerDelta(k, position(own, dims)) * inp[(r, *own)]
        forward = sp.Sum(body, *[(i, 1, d) for i, d in zip(own, dims)])
        ch = adjoint(inp[(r, *target)], [(Def(self.out.base, (r, k), forward), up.grad.base)], ranges)
        grad = grad_of(inp)
        self.claim(ctx, f"d{inp.name} (flatten)", (r, *target), ranges, [ch.result], grad.source, [up.grad])
        reshape = sp.Function("reshape")(up.grad.matrix, Shape(*("m", *self.in_shape)))
        lines = list(up.lead) + [
            Text(t("index.flatten_intro", n=n, sizes=" · ".join(str(d) for d in dims))),
            Math([display(self.out[r, k]), display(forward)], note=t("index.row_major")),
            Text(t("index.flatten_diff")),
            Math([display(grad[(r, *target)]), display(ch.chain), display(ch.raw), display(ch.result)]),
            Math([grad.matrix, reshape], note=t("index.same_numbers",
                                                  shape=shape_text(("m", *self.in_shape))))]
        return [Section(self.title(t), lines, key=f"delta-layer:{self.l}")], Flow(grad)
