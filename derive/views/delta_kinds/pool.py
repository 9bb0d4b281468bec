"""maxpool(K) and avgpool(K) (stride K): the gradient routed or spread.

    avg: a[r,c,i,j] = (1/K²) Σ_{u,v} x[r, c, K(i-1)+u, K(j-1)+v]
    max: a[r,c,i,j] = Σ_{u,v} I[r, c, K(i-1)+u, K(j-1)+v] · x[r, c, K(i-1)+u, K(j-1)+v]

For max, sympy.diff of Max on one window shows the derivative is 1 at the
maximum and 0 elsewhere, so the max is the window's entries weighted by
the argmax mask I (1 at the first maximum in window order, torch's rule on
a tie): a constant wherever the derivative exists.  With respect to one input
pixel, the collapse solves [h = K(i-1)+u] for the tap and the window
bracket [1 ≤ h - K(i-1) ≤ K] holds for exactly one window, i = ⌈h/K⌉.
"""
from __future__ import annotations

import sympy as sp

from ...index_algebra import Def, adjoint, index
from ...model import Math, Partial, Section, Shape, Text
from .common import M, Flow, Stage, display, grad_of, output_tensor, sup, tensor

K = sp.Symbol("K", integer=True, positive=True)


class PoolStage(Stage):
    kind = "pool"

    def __init__(self, layer, inp, in_shape, ctx, last=False):
        super().__init__(layer, inp, in_shape, ctx, last)
        self.values[K] = layer.k
        self.out = output_tensor(self.l, self.out_shape, ("fwd", "a", self.l), last, "", ctx)
        self.mask = tensor("I" + sup(self.l), "I" + sup(self.l), inp.dims, inp.shape,
                           ("argmax", inp.source, layer.k))

    def rows(self, t):
        out = [[self.out.matrix, Shape(*self.out.shape), t("index.pool_rows", mode=self.layer.mode, k=self.layer.k)]]
        if self.layer.mode == "max":
            out.append([self.mask.matrix, Shape(*self.mask.shape), t("index.pool_mask")])
        return out

    def title(self, t):
        return t("index.pool_title", l=self.l, mode=self.layer.mode, k=self.layer.k,
                 shape_in=" × ".join(map(str, self.in_shape)), shape_out=" × ".join(map(str, self.out_shape)))

    def backward(self, ctx, up: Flow, below):
        t, x, mode = ctx.t, self.inp, self.layer.mode
        r, c, i, j, u, v, q, h, g = [index(n) for n in "r c i j u v q h g".split()]
        _, C, H, W = self.out.dims
        _, _, Hin, Win = x.dims
        ranges = {r: (1, M), c: (1, C), i: (1, H), j: (1, W), u: (1, K), v: (1, K), q: (1, C),
                  h: (1, Hin), g: (1, Win)}
        at = (r, c, K * (i - 1) + u, K * (j - 1) + v)
        lines = list(up.lead)
        if mode == "max":
            window = sp.symbols("x₁ x₂ x₃ x₄", real=True)
            lines += [Text(t("index.max_intro")),
                      Math([Partial(sp.Max(*window), window[0]), sp.diff(sp.Max(*window), window[0])],
                           note=t("index.max_heaviside")),
                      Text(t("index.max_mask"))]
            body = self.mask[at] * x[at]
        else:
            lines.append(Text(t("index.avg_intro")))
            body = x[at] / K ** 2
        forward = sp.Sum(body, (u, 1, K), (v, 1, K))
        ch = adjoint(x[r, q, h, g], [(Def(self.out.base, (r, c, i, j), forward), up.grad.base)], ranges)
        grad = grad_of(x)
        lines += [Math([display(self.out[r, c, i, j]), display(forward)]),
                  Text(t("index.pool_diff")),
                  Math([display(grad[r, q, h, g]), display(ch.chain), display(ch.raw)]),
                  Math(["", display(ch.result)], note=t("index.pool_one_window")),
                  Text(t("index.max_routes" if mode == "max" else "index.avg_spreads"))]
        self.claim(ctx, f"d{x.name} ({mode}pool)", (r, q, h, g), ranges, [ch.result], grad.source,
                   [up.grad, self.mask])
        return [Section(self.title(t), lines, key=f"delta-layer:{self.l}")], Flow(grad)
