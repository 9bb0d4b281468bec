"""2-D convolution (cross-correlation, as torch.nn.Conv2d) by im2col and
one GEMM per pass.

Images are (C, H, W, m) here (see base.py).  The K x K windows of every
image become the columns of one matrix, cols (C*K*K, OH*OW*m); then

    forward   Z     = W (F, C*K*K) @ cols             -> (F, OH, OW, m), the next layer's layout
    BP4       dW    = dZ (F, OH*OW*m) @ cols^T        -> a correlation of the input with dZ
    BP2       dcols = W^T @ dZ                        -> (C*K*K, OH*OW*m)
              dx    = col2im(dcols): each column added back where its window came from,
                      one add per kernel offset (K*K adds of whole images, no loop over pixels).

Stride S and padding P: windows start every S pixels of the zero-padded
image; the padding's gradient is cut off at the end.
"""
from __future__ import annotations

from derive import rules

from .act import Activation, text
from .base import Grad, LayerCode, dims, idims, note, record


def _span(start: str, n: int, stride: int) -> str:
    """The slice of the n pixels a kernel offset sees: every stride-th from start."""
    return f"{start}:{start} + {n}" if stride == 1 else f"{start}:{start} + {stride * (n - 1) + 1}:{stride}"


class ConvCode(LayerCode):
    def __init__(self, layer, shape_in, ctx, output=False, keep_z=False):
        super().__init__(layer, shape_in, ctx, output)
        l = self.l
        self.out, self.z = f"A{l}", f"Z{l}"
        self.act = Activation(layer.activation, self.z, self.out, self.shape_out, keep_z=keep_z)
        self.c, self.h, self.w = shape_in
        self.f, self.oh, self.ow = self.shape_out
        self.k, self.s, self.p = layer.k, layer.stride, layer.pad
        self.ckk = self.c * self.k * self.k
        ctx.weights.append(f"W{l}")

    @property
    def dout(self) -> str:
        return f"dZ{self.l}"

    def describe(self):
        return [f"layer {self.l}: conv({self.f}, {self.k}x{self.k}, stride {self.s}, pad {self.p}), "
                f"{text(self.layer.activation)}: {dims(self.shape_in)} -> {dims(self.shape_out)}"]

    def init(self):
        fan_in, fan_out = self.ckk, self.f * self.k * self.k
        he = rules.init_scheme(self.layer.activation.name) == "he"
        std = f"np.sqrt(2 / {fan_in})" if he else f"np.sqrt(2 / ({fan_in} + {fan_out}))"
        out = [(f"W{self.l}", f"rng.normal(0.0, {std}, size=({self.f}, {self.c}, {self.k}, {self.k}))")]
        if self.ctx.bias:
            out.append((f"b{self.l}", f"np.zeros({self.f})"))
        return out

    def init_text(self):
        name, l = self.layer.activation.name, self.l
        if rules.init_scheme(name) == "he":
            return [f"W{l}: He, s = sqrt(2 / (C_in K K)) = sqrt(2 / {self.ckk}) ({name})"]
        return [f"W{l}: Xavier/Glorot, s = sqrt(2 / (C_in K K + C_out K K)) ({name})"]

    def _cols(self, x: str) -> list[str]:
        l, k, s, p = self.l, self.k, self.s, self.p
        c, oh, ow = self.c, self.oh, self.ow
        lines = []
        if p:
            lines.append(note(f"X{l} = np.pad({x}, ((0, 0), ({p}, {p}), ({p}, {p}), (0, 0)))",
                              f"zero padding {p}: ({c}, {self.h + 2 * p}, {self.w + 2 * p}, m)"))
            x = f"X{l}"
        step = f"[:, ::{s}, ::{s}]" if s > 1 else ""
        lines += [
            note(f"cols{l} = np.lib.stride_tricks.sliding_window_view({x}, ({k}, {k}), axis=(1, 2)){step}",
                 f"every window, a view ({c}, {oh}, {ow}, m, {k}, {k})"),
            note(f"cols{l} = cols{l}.transpose(0, 4, 5, 1, 2, 3).reshape({self.ckk}, {oh * ow} * m)",
                 f"im2col: one column per output pixel ({self.ckk}, {oh}*{ow}*m)"),
        ]
        return lines

    def forward(self, x):
        l, f, oh, ow = self.l, self.f, self.oh, self.ow
        lines = self._cols(x)
        lines.append(note(f'Z{l} = params["W{l}"].reshape({f}, {self.ckk}) @ cols{l}',
                          f"({f}, {self.ckk}) @ ({self.ckk}, {oh}*{ow}*m): one GEMM for all m images"))
        if self.ctx.bias:
            lines.append(note(f'Z{l} += params["b{l}"][:, None]', f"b{l} ({f},): one per output channel"))
        lines.append(note(f"Z{l} = Z{l}.reshape({f}, {oh}, {ow}, m)", idims(self.shape_out)))
        return lines + self.act.forward(f"Z{l}", f"A{l}")

    def infer(self, x):
        lines = [line for line in self.forward(x) if isinstance(line, str)]
        return lines[:-1] if self.output else lines

    def backward(self, g, dx, top=False):
        l, f, c, k, s, p = self.l, self.f, self.c, self.k, self.s, self.p
        oh, ow, ckk = self.oh, self.ow, self.ckk
        lines = []
        if not top:
            lines.append(record(f"dA{l}", g.name, self.shape_out))
            more, g = self.act.backward(g, f"dZ{l}", "BP2")
            lines += more
        lines.append(record(f"dZ{l}", g.name, self.shape_out))
        lines += [
            note(f"dZ{l}m = {g.name}.reshape({f}, {oh * ow} * m)", f"({f}, {oh}*{ow}*m), as the GEMM gave Z{l}"),
            # dW^T = cols dZ^T: the same sums as dZ cols^T, in the shape OpenBLAS runs faster
            # (about twice as fast in float32 here: benchmarks/layers.py)
            note(f"dW{l} = (cols{l} @ dZ{l}m.T).T.reshape({f}, {c}, {k}, {k})",
                 f"BP4: ({ckk}, {oh}*{ow}*m) @ ({oh}*{ow}*m, {f}), summed over every window"),
        ]
        if self.ctx.l2_grad is not None:
            from .dense import l2_line
            lines.append(l2_line(self.ctx, f"W{l}"))
        if self.ctx.bias:
            lines.append(note(f"db{l} = dZ{l}m.sum(axis=1)", f"BP3: summed over the pixels and the batch ({f},)"))
        if dx is None:
            return lines, None
        hp, wp = self.h + 2 * p, self.w + 2 * p
        target = f"dX{l}" if p else dx
        if k > 1:   # cols is then a fresh copy (overlapping windows), free once BP4 has read it
            gemm = note(f'dcols{l} = np.matmul(params["W{l}"].reshape({f}, {ckk}).T, dZ{l}m, out=cols{l})',
                        f"BP2: ({ckk}, {f}) @ ({f}, {oh}*{ow}*m), each window's gradient, in cols{l}'s memory")
        else:       # a 1x1 kernel's cols may be a view of the input: a new array
            gemm = note(f'dcols{l} = params["W{l}"].reshape({f}, {ckk}).T @ dZ{l}m',
                        f"BP2: ({ckk}, {f}) @ ({f}, {oh}*{ow}*m), each window's gradient")
        lines += [
            gemm,
            note(f"dcols{l} = dcols{l}.reshape({c}, {k}, {k}, {oh}, {ow}, m)", "by kernel offset (i, j)"),
            note(f"{target} = np.zeros(({c}, {hp}, {wp}, m), dtype=dcols{l}.dtype)",
                 "col2im: each window's gradient goes back"),
            f"for i in range({k}):",
            f"    for j in range({k}):",
            note(f"        {target}[:, {_span('i', oh, s)}, {_span('j', ow, s)}] += dcols{l}[:, i, j]",
                 "to the pixels kernel offset (i, j) saw"),
        ]
        if p:
            lines.append(note(f"{dx} = dX{l}[:, {p}:{p + self.h}, {p}:{p + self.w}]",
                              f"the padding's gradient dropped: {idims(self.shape_in)}"))
        return lines, Grad(dx, True)
