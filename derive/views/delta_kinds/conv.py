"""conv(C, K, stride=S, pad=P): the index-level derivation.

    z[r,c,i,j] = Σ_{c',u,v} w[c,c',u,v] · x[r, c', S(i-1)+u-P, S(j-1)+v-P] + b[c]

(cross-correlation, as torch.nn.Conv2d; x is 0 outside its H × W: zero
padding).  sympy.diff with respect to one weight gives Kronecker deltas on
plain indices, and the weight gradient is a correlation of the input with
the error.  With respect to one input pixel the deltas hold linear index
expressions, [h = S(i-1)+u-P]: the collapse solves for the kernel tap,
u = h + P - S(i-1), and keeps its range as a bracket -- the taps that fall
outside the kernel vanish.  Rewriting that sum (a change of index, then the
kernel's taps counted backwards) turns it into the full convolution of the
zero-padded error with the flipped kernel; a stride S > 1 first spreads the
error out with S - 1 zeros between neighbours (the dilated error).
"""
from __future__ import annotations

import sympy as sp

from ...index_algebra import Def, adjoint, absorb, collapse_sums, index, local, reindex
from ...model import Math, Partial, Section, Shape, Text
from . import activation
from .common import (LAMBDA, M, J, Flow, Stage, Tensor, display, grad_of, marked, output_tensor, shape_text,
                     sup, tensor)

K = sp.Symbol("K", integer=True, positive=True)
S = sp.Symbol("S", integer=True, positive=True)
P = sp.Symbol("P", integer=True, nonnegative=True)


class ConvStage(Stage):
    kind = "conv"

    def __init__(self, layer, inp, in_shape, ctx, last=False):
        super().__init__(layer, inp, in_shape, ctx, last)
        l = self.l
        self.values.update({K: layer.k, S: layer.stride, P: layer.pad})
        self.out = output_tensor(l, self.out_shape, ("fwd", "a", l), last, "", ctx)
        dims, shape = self.out.dims, self.out.shape
        self.z = tensor("z" + sup(l), "Z" + sup(l), dims, shape, ("fwd", "z", l))
        self.delta = tensor("δ" + sup(l), "Δ" + sup(l), dims, shape, ("adj", ("fwd", "z", l)))
        cin = inp.dims[1]
        self.w = tensor("w" + sup(l), "W" + sup(l), (dims[1], cin, K, K),
                        (layer.channels, in_shape[0], layer.k, layer.k), ("param", f"W{l}"))
        self.b = tensor("b" + sup(l), "b" + sup(l), (dims[1],), (layer.channels,), ("param", f"b{l}"))
        self.x = Tensor(inp.base, inp.matrix, inp.dims, inp.shape, inp.source, zero_outside=True)
        self._bias = ctx.net.bias

    def keys(self):
        return [f"W{self.l}"] + ([f"b{self.l}"] if self._bias else [])

    def rows(self, t):
        l, layer = self.l, self.layer
        out = [[self.w.matrix, Shape(*self.w.shape), t("index.conv_weights", l=l)]]
        if self._bias:
            out.append([self.b.matrix, Shape(layer.channels), t("delta.biases", l=l)])
        out += [[self.z.matrix, Shape(*self.z.shape), t("delta.pre")],
                [self.out.matrix, Shape(*self.out.shape), t("delta.outputs", act=str(layer.act))],
                [self.delta.matrix, Shape(*self.delta.shape), t("delta.errors", l=l)]]
        return out

    def title(self, t):
        layer = self.layer
        return t("index.conv_title", l=self.l, c=layer.channels, k=layer.k, s=layer.stride, p=layer.pad,
                 act=str(layer.act), shape_in=" × ".join(map(str, self.in_shape)),
                 shape_out=" × ".join(map(str, self.out_shape)))

    # -- the derivation -----------------------------------------------------------
    def _symbols(self):
        names = "r c c′ i j u v p q s e h g".split()
        r, c, c2, i, j, u, v, p, q, s, e, h, g = [index(n) for n in names]
        _, C, H, W = self.out.dims
        _, Cin, Hin, Win = self.x.dims
        ranges = {r: (1, M), c: (1, C), c2: (1, Cin), i: (1, H), j: (1, W), u: (1, K), v: (1, K),
                  p: (1, C), q: (1, Cin), s: (1, K), e: (1, K), h: (1, Hin), g: (1, Win)}
        return (r, c, c2, i, j, u, v, p, q, s, e, h, g), ranges

    def forward(self, bias: bool):
        (r, c, c2, i, j, u, v, *_), _ = self._symbols()
        w, x = self.w, self.x
        z = sp.Sum(w[c, c2, u, v] * x[r, c2, S * (i - 1) + u - P, S * (j - 1) + v - P], (c2, 1, self.x.dims[1]),
                   (u, 1, K), (v, 1, K))
        return Def(self.z.base, (r, c, i, j), z + self.b[c] if bias else z)

    def backward(self, ctx, up: Flow, below):
        t, l, layer = ctx.t, self.l, self.layer
        (r, c, c2, i, j, u, v, p, q, s, e, h, g), ranges = self._symbols()
        zdef = self.forward(ctx.net.bias)
        body = list(up.lead) + [
            Text(t("index.conv_intro")),
            Math([display(self.z[r, c, i, j]), display(zdef.expr)], note=t("index.zero_padding")),
            Text(t("index.conv_act", act=str(layer.act)))]
        body += activation.error(self, ctx, up, self.z, self.out, self.delta, layer.act, (r, c, i, j),
                                 {r: (1, M), c: ranges[c], i: ranges[i], j: ranges[j]})
        if ctx.want(f"W{l}"):
            body += self._weights(ctx, zdef, ranges)
        if ctx.net.bias and ctx.want(f"b{l}"):
            body += self._bias_lines(ctx, zdef, ranges)
        if ctx.needs_down(below):
            body += self._input(ctx, zdef, ranges, below is None)
        return [Section(self.title(t), body, key=f"delta-layer:{l}")], Flow(grad_of(self.inp))

    def _weights(self, ctx, zdef, ranges) -> list:
        t, l = ctx.t, self.l
        (r, c, c2, i, j, u, v, p, q, s, e, h, g) = self._symbols()[0]
        target = self.w[p, q, s, e]
        raw = local(zdef, target)
        ch = adjoint(target, [(zdef, self.delta.base)], ranges)
        index_form = ctx.scale * ch.result
        matrix_note = t("index.conv_dw_note", shape=shape_text(self.w.shape))
        lines = [Text(t("index.conv_diff_w")),
                 Math([display(Partial(self.z[r, c, i, j], target)), display(raw),
                       display(collapse_sums(raw, ranges))]),
                 Text(t("index.conv_sum_w"))]
        parts = [display(Partial(J, target)), display(ctx.scale * ch.chain), display(index_form)]
        tensors = [self.delta, self.x]
        if ctx.net.l2 is not None:
            self.values[LAMBDA] = sp.Rational(ctx.net.l2.numerator, ctx.net.l2.denominator)
            index_form = index_form + LAMBDA * self.w[p, q, s, e]
            parts.append(display(index_form))
            tensors.append(self.w)
        lines.append(Math(parts, label=f"dW{l}", note=matrix_note))
        lines.append(Text(t("index.conv_correlation")))
        self.claim(ctx, f"∂J/∂W{l}", (p, q, s, e), ranges, [index_form], ("grad", f"W{l}"), tensors)
        return lines

    def _bias_lines(self, ctx, zdef, ranges) -> list:
        t, l = ctx.t, self.l
        (r, c, c2, i, j, u, v, p, *_) = self._symbols()[0]
        ch = adjoint(self.b[p], [(zdef, self.delta.base)], ranges)
        index_form = ctx.scale * ch.result
        self.claim(ctx, f"∂J/∂b{l}", (p,), ranges, [index_form], ("grad", f"b{l}"), [self.delta])
        return [Math([display(Partial(J, self.b[p])), display(ctx.scale * ch.chain), display(index_form)],
                     label=f"db{l}", note=t("index.conv_db_note", shape=shape_text(self.b.shape)))]

    def _input(self, ctx, zdef, ranges, first: bool) -> list:
        """dx: the general form, then read as a (dilated) full convolution."""
        t, layer = ctx.t, self.layer
        (r, c, c2, i, j, u, v, p, q, s, e, h, g) = self._symbols()[0]
        target = self.x[r, q, h, g]
        raw = local(zdef, target)
        ch = adjoint(target, [(zdef, self.delta.base)], ranges)
        grad = grad_of(self.inp)
        general = ch.result
        lines = [Text(t("index.conv_diff_x") + (" " + t("index.conv_first") if first else "")),
                 Math([display(Partial(self.z[r, c, i, j], target)), display(raw),
                       display(collapse_sums(raw, ranges))], note=t("index.conv_solved")),
                 Math([display(grad[r, q, h, g]), display(ch.chain), display(general)], label=self.label_down()),
                 Text(t("index.conv_brackets"))]
        forms = [general]
        _, C, H, W = self.out.dims
        delta = self.delta
        if layer.stride > 1:
            # the dilated error: Δ's entries S apart, zeros between
            Hd, Wd = S * (H - 1) + 1, S * (W - 1) + 1
            dil = tensor("δ\u0303" + sup(self.l), "Δ\u0303" + sup(self.l), (M, C, Hd, Wd),
                         ("m", layer.channels, layer.stride * (self.out_shape[1] - 1) + 1,
                          layer.stride * (self.out_shape[2] - 1) + 1),
                         ("dilate", delta.source, layer.stride), zero_outside=True)
            i2, j2 = index("i′"), index("j′")
            dil_def = sp.Sum(sp.KroneckerDelta(i2, S * (i - 1) + 1) * sp.KroneckerDelta(j2, S * (j - 1) + 1) *
                             delta[r, c, i, j], (i, 1, H), (j, 1, W))
            stride_one = general.xreplace({S: 1}).xreplace({delta.base: dil.base, H: Hd, W: Wd})
            stride_one = reindex(reindex(stride_one, i, i2, i2), j, j2, j2)
            # substitute Δ̃'s definition and collapse [i′ = S(i-1)+1]: back to the general form
            (body, *limits) = (stride_one.function, *stride_one.limits)
            unfolded = sp.Sum(body.xreplace({dil[r, c, i2, j2]: sp.KroneckerDelta(i2, S * (i - 1) + 1) *
                                             sp.KroneckerDelta(j2, S * (j - 1) + 1) * delta[r, c, i, j]}),
                              *limits, (i, 1, H), (j, 1, W))
            back = collapse_sums(unfolded, {**ranges, i2: (1, Hd), j2: (1, Wd)})
            lines += [Text(t("index.conv_dilate", s=layer.stride)),
                      Math([display(dil[r, c, i2, j2]), display(dil_def)]),
                      Math([display(grad[r, q, h, g]), display(stride_one)], note=t("index.conv_dilated_form")),
                      Math(["", display(back)], note=t("index.conv_back"))]
            forms += [stride_one, back]
            start, err, rows, cols, first_i, first_j = stride_one, dil, Hd, Wd, i2, j2
        else:
            start, err, rows, cols, first_i, first_j = general.xreplace({S: 1}), delta, H, W, i, j
            lines.append(Text(t("index.conv_stride_one")))
        # change of index: the tap u = h + P + 1 - i runs over the kernel
        full = reindex(reindex(start, first_i, u, h + P + 1 - u), first_j, v, g + P + 1 - v)
        padded = err if err is not delta else tensor(marked(str(err.base.label), "\u0304"),
                                                     marked(err.name, "\u0304"), err.dims, err.shape,
                                                     err.source, zero_outside=True)
        full_pad = absorb(full, err.base, padded.base, (None, None, rows, cols))
        flip = tensor("w\u0303" + sup(self.l), "W\u0303" + sup(self.l), self.w.dims, self.w.shape,
                      ("flip", self.w.source))
        u2, v2 = index("u′"), index("v′")
        flipped = reindex(reindex(full_pad, u, u2, K + 1 - u2), v, v2, K + 1 - v2)
        flipped = flipped.replace(lambda x: isinstance(x, sp.Indexed) and x.base == self.w.base,
                                  lambda x: flip[x.indices[0], x.indices[1], K + 1 - x.indices[2],
                                                 K + 1 - x.indices[3]])
        lines += [Math([display(grad[r, q, h, g]), display(full)], note=t("index.conv_reindexed")),
                  Math(["", display(full_pad)], note=t("index.conv_padded", name=padded.name)),
                  Math(["", display(flipped)], note=t("index.conv_flipped", name=flip.name)),
                  Text(t("index.conv_full", pad=f"K - 1 - P = {layer.k - 1 - layer.pad}"))]
        forms += [full, full_pad, flipped]
        self.claim(ctx, f"d{self.inp.name} (conv)", (r, q, h, g), ranges, forms, grad.source,
                   [self.delta, self.w, err, padded, flip])
        return lines
