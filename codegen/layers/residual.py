"""A residual block, y = f(x + F(x)): a combinator over the inner layers'
code (as stax's serial + FanInSum), which it emits unchanged.

Backward: dJ/d(x + F(x)) reaches x along two paths, through F and along
the skip, and the two add: dJ/dx = dJ/dx|_F + dJ/d(x + F(x))."""
from __future__ import annotations

from .act import Activation, text
from .base import Grad, LayerCode, dims, note, record


class ResidualCode(LayerCode):
    def __init__(self, layer, shape_in, ctx, inner, r, output=False, keep_z=False):
        """``inner``: the LayerCode of each inner layer, already built; r: the block's number."""
        self.layer, self.shape_in, self.ctx, self.output = layer, tuple(shape_in), ctx, output
        self.shape_out = self.shape_in
        self.inner = inner
        self.r = r
        self.z = f"Zres{r}"
        self.act = Activation(layer.activation, self.z, f"Ares{r}", self.shape_out, keep_z=keep_z)
        self.out = self.z if self.act.identity else f"Ares{r}"
        self.l = None
        if self.act.identity:
            self.act.aname = self.z

    @property
    def dout(self) -> str:
        return f"dZres{self.r}"

    def params(self):
        out = {}
        for c in self.inner:
            out.update(c.params())
        return out

    def describe(self):
        numbered = [c.l for c in self.codes() if c.l]
        first, last = numbered[0], numbered[-1]
        lines = [f"residual block {self.r} (layers {first}-{last}): Ares{self.r} = {text(self.layer.activation)}"
                 f"(x + F(x)), {dims(self.shape_in)}"]
        for c in self.inner:
            lines += ["  " + line for line in c.describe()]
        return lines

    def init(self):
        return [entry for c in self.inner for entry in c.init()]

    def init_text(self):
        return [t for c in self.inner for t in c.init_text()]

    def codes(self):
        return [self] + [x for c in self.inner for x in c.codes()]

    def grads(self):
        out = {}
        for c in self.inner:
            out.update(c.grads())
        return out

    def forward(self, x):
        from ..assemble import forward
        lines, f_out = forward(self.inner, x)
        r = self.r
        lines.append(note(f"Zres{r} = {x} + {f_out}", f"residual block {r}: x + F(x), the skip adds x back"))
        if self.act.identity:
            return lines + [record(f"Zres{r}", f"Zres{r}", self.shape_out),
                            record(f"Ares{r}", f"Zres{r}", self.shape_out)]
        return lines + self.act.forward(f"Zres{r}", f"Ares{r}")

    def infer(self, x):
        from ..assemble import infer
        lines, f_out = infer(self.inner, x)
        r = self.r
        lines.append(f"Zres{r} = {x} + {f_out}")
        if not self.act.identity and not self.output:
            lines.append(self.act.infer())
        return lines

    def backward(self, g, dx, top=False):
        from ..assemble import backward
        r = self.r
        lines = []
        if not top:
            lines.append(record(f"dAres{r}", g.name, self.shape_out))
            more, g = self.act.backward(g, f"dZres{r}", f"residual block {r}")
            lines += more
        lines.append(record(f"dZres{r}", g.name, self.shape_out))
        # dZres feeds F and the skip: the inner layers must not overwrite it.
        more, inner_dx = backward(self.inner, Grad(g.name, False), dx)
        lines += more
        if dx is None:
            return lines, None
        skip = "the skip: dJ/dx = dJ/dx through F + dJ/d(x + F(x))"
        if inner_dx.fresh and inner_dx.name == dx:
            lines.append(note(f"{dx} += {g.name}", skip))
        else:
            lines.append(note(f"{dx} = {inner_dx.name} + {g.name}", skip))
        return lines, Grad(dx, True)
