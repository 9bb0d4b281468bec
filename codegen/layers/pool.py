"""Max and average pooling over K x K windows with stride K (torch's
MaxPool2d(K), AvgPool2d(K): a partial window at the edge is dropped).

Images are (C, m, H, W) here, so the windows are a reshape: (C, m, OH, K,
OW, K).  Max pooling keeps a one-hot mask of each window's argmax from the
forward pass, and the backward pass routes the gradient through it: on a
tie the first maximum in row-major window order gets it all, as torch.
Average pooling spreads the gradient evenly, 1/K^2 to each input."""
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

    def _windows(self, x: str) -> list[str]:
        """Lines that name x's K x K windows win{l} (C, m, OH, K, OW, K), cropped to whole windows."""
        l, k, (c, h, w) = self.l, self.k, self.shape_in
        oh, ow = self.oh, self.ow
        lines = []
        if self.crop:
            lines.append(note(f"crop{l} = {x}[:, :, :{oh * k}, :{ow * k}]",
                              f"drop the partial windows at the edge: ({c}, m, {oh * k}, {ow * k})"))
            x = f"crop{l}"
        lines.append(note(f"win{l} = {x}.reshape({c}, m, {oh}, {k}, {ow}, {k})",
                          f"window (i, j) of each image: win{l}[:, :, i, :, j, :]"))
        return lines

    def forward(self, x):
        l, k, (c, h, w) = self.l, self.k, self.shape_in
        oh, ow, kk = self.oh, self.ow, k * k
        lines = self._windows(x)
        if self.layer.mode == "avg":
            lines.append(note(f"A{l} = win{l}.sum(axis=(3, 5))", f"window sums ({c}, m, {oh}, {ow})"))
            lines.append(note(f"A{l} *= {num(1 / kk)}", f"/ K^2: the window means"))
        else:
            lines += [
                note(f"win{l} = win{l}.transpose(0, 1, 2, 4, 3, 5).reshape({c}, m, {oh}, {ow}, {kk})",
                     f"each window's {kk} values on the last axis, row-major"),
                note(f"I{l} = win{l}.argmax(axis=4)", "the first maximum in each window (torch's tie rule)"),
                note(f"A{l} = win{l}.max(axis=4)", f"the window maxima ({c}, m, {oh}, {ow})"),
                note(f"P{l} = I{l}[..., None] == np.arange({kk})",
                     f"argmax mask ({c}, m, {oh}, {ow}, {kk}): kept for the backward pass"),
            ]
        return lines + [record(f"A{l}", f"A{l}", self.shape_out)]

    def infer(self, x):
        l = self.l
        lines = self._windows(x)
        if self.layer.mode == "avg":
            return lines + [f"A{l} = win{l}.sum(axis=(3, 5))", f"A{l} *= {num(1 / self.k ** 2)}"]
        return lines + [f"A{l} = win{l}.max(axis=(3, 5))"]

    def backward(self, g, dx, top=False):
        l, k, (c, h, w) = self.l, self.k, self.shape_in
        oh, ow, kk = self.oh, self.ow, k * k
        lines = [record(f"dA{l}", g.name, self.shape_out)]
        if dx is None:
            return lines, None
        target = f"dwin{l}" if self.crop else dx
        if self.layer.mode == "avg":
            lines.append(note(f"{target} = np.broadcast_to({g.name}[:, :, :, None, :, None] * {num(1 / kk)}, "
                              f"({c}, m, {oh}, {k}, {ow}, {k})).reshape({c}, m, {oh * k}, {ow * k})",
                              f"each input gets 1/K^2 of its window's gradient"))
        else:
            lines += [
                note(f"dwin{l} = P{l} * {g.name}[..., None]",
                     f"the gradient goes to each window's argmax ({c}, m, {oh}, {ow}, {kk})"),
                note(f"{target} = dwin{l}.reshape({c}, m, {oh}, {ow}, {k}, {k}).transpose(0, 1, 2, 4, 3, 5)"
                     f".reshape({c}, m, {oh * k}, {ow * k})",
                     "windows back in place"),
            ]
        if self.crop:
            lines += [note(f"{dx} = np.zeros(({c}, m, {h}, {w}), dtype={target}.dtype)",
                           f"the dropped edge gets no gradient: {idims(self.shape_in)}"),
                      f"{dx}[:, :, :{oh * k}, :{ow * k}] = {target}"]
        return lines, Grad(dx, True)
