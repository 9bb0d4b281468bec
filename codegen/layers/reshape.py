"""flatten: each example's array becomes one row, in torch.flatten's
row-major (C, H, W) or (T, F) order."""
from __future__ import annotations

from .base import Grad, LayerCode, dims, idims, note, record


class FlattenCode(LayerCode):
    def __init__(self, layer, shape_in, ctx, output=False):
        super().__init__(layer, shape_in, ctx, output)
        self.out = f"A{self.l}"

    def forward(self, x):
        l, s = self.l, self.shape_in
        if len(s) == 3:
            code = note(f"A{l} = {x}.transpose(3, 0, 1, 2).reshape(m, -1)",
                        f"{idims(s)} -> (m, {s[0]}, {s[1]}, {s[2]}) -> (m, {self.shape_out[0]}): rows as torch.flatten")
        else:
            code = note(f"A{l} = {x}.reshape(m, -1)", f"{dims(s)} -> (m, {self.shape_out[0]}), row-major")
        return [code, record(f"A{l}", f"A{l}", self.shape_out)]

    def backward(self, g, dx, top=False):
        l, s = self.l, self.shape_in
        lines = [record(f"dA{l}", g.name, self.shape_out)]
        if dx is None:
            return lines, None
        if len(s) == 3:
            lines.append(note(f"{dx} = {g.name}.reshape(m, {s[0]}, {s[1]}, {s[2]}).transpose(1, 2, 3, 0)",
                              f"flatten undone: (m, {self.shape_out[0]}) -> {idims(s)}"))
        else:
            lines.append(note(f"{dx} = {g.name}.reshape(m, {', '.join(map(str, s))})",
                              f"flatten undone: (m, {self.shape_out[0]}) -> {dims(s)}"))
        # A view of g: ours to overwrite exactly when g was.
        return lines, Grad(dx, g.fresh)
