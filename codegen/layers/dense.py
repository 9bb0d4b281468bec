"""Dense: Z = A_prev W^T + b, A = f(Z); backward BP2-BP4 in matrix form."""
from __future__ import annotations

from derive import rules

from .act import Activation, text
from .base import Grad, LayerCode, note, record


class DenseCode(LayerCode):
    def __init__(self, layer, shape_in, ctx, output=False, keep_z=False):
        super().__init__(layer, shape_in, ctx, output)
        l = self.l
        self.out, self.z, self.n, self.n_in = f"A{l}", f"Z{l}", layer.n, shape_in[0]
        self.act = Activation(layer.activation, self.z, self.out, self.shape_out, keep_z=keep_z)
        ctx.weights.append(f"W{l}")

    @property
    def dout(self) -> str:
        return f"dZ{self.l}"

    def w(self, which: str) -> str:
        """A width as the comments write it: n1 in an MLP, else the number."""
        if self.ctx.symbolic:
            return f"n{self.l if which == 'out' else self.l - 1}"
        return str(self.n if which == "out" else self.n_in)

    def describe(self):
        if self.ctx.symbolic:
            return [f"layer {self.l}: n{self.l} = {self.n}, {text(self.layer.activation)}"]
        return [f"layer {self.l}: dense, {self.n} units, {text(self.layer.activation)}: "
                f"(m, {self.n_in}) -> (m, {self.n})"]

    def init(self):
        he = rules.init_scheme(self.layer.activation.name) == "he"
        std = f"np.sqrt(2 / {self.n_in})" if he else f"np.sqrt(2 / ({self.n_in} + {self.n}))"
        out = [(f"W{self.l}", f"rng.normal(0.0, {std}, size=({self.n}, {self.n_in}))")]
        if self.ctx.bias:
            out.append((f"b{self.l}", f"np.zeros({self.n})"))
        return out

    def init_text(self):
        name, l = self.layer.activation.name, self.l
        if rules.init_scheme(name) == "he":
            return [f"W{l}: He, s = sqrt(2 / n{l - 1}) ({name})" if self.ctx.symbolic
                    else f"W{l}: He, s = sqrt(2 / {self.n_in}) ({name})"]
        return [f"W{l}: Xavier/Glorot, s = sqrt(2 / (n{l - 1} + n{l})) ({name})" if self.ctx.symbolic
                else f"W{l}: Xavier/Glorot, s = sqrt(2 / ({self.n_in} + {self.n})) ({name})"]

    def forward(self, x):
        self.x = x
        l, i, o = self.l, self.w("in"), self.w("out")
        lines = [note(f'Z{l} = {x} @ params["W{l}"].T', f"(m, {i}) @ ({i}, {o}) -> (m, {o})")]
        if self.ctx.bias:
            lines.append(note(f'Z{l} += params["b{l}"]', f"b{l} ({o},) added to each of the m rows"))
        return lines + self.act.forward(f"Z{l}", f"A{l}")

    def infer(self, x):
        self.x = x
        l = self.l
        bias = f' + params["b{l}"]' if self.ctx.bias else ""
        return [f'Z{l} = {x} @ params["W{l}"].T{bias}'] + ([] if self.output else [self.act.infer()])

    def backward(self, g, dx, top=False):
        l, i, o = self.l, self.w("in"), self.w("out")
        lines = []
        if not top:
            lines.append(record(f"dA{l}", g.name, self.shape_out))
            more, g = self.act.backward(g, f"dZ{l}", "BP2")
            lines += more
        lines.append(record(f"dZ{l}", g.name, self.shape_out))
        x = self.x
        lines.append(note(f"dW{l} = {g.name}.T @ {x}", f"BP4: ({o}, m) @ (m, {i}) -> ({o}, {i})"))
        if self.ctx.l2_grad is not None:
            lines.append(l2_line(self.ctx, f"W{l}"))
        if self.ctx.bias:
            lines.append(note(f"db{l} = {g.name}.sum(axis=0)", f"BP3: (m, {o}) summed over the rows -> ({o},)"))
        if dx is None:
            return lines, None
        lines.append(note(f'{dx} = {g.name} @ params["W{l}"]', f"BP2: (m, {o}) @ ({o}, {i}) -> (m, {i})"))
        return lines, Grad(dx, True)


def l2_line(ctx, key: str) -> str:
    """dW += lambda W: the L2 term's derivative (coefficient from sympy.diff)."""
    c = ctx.l2_grad
    return note(f'd{key} += {float(c)!r} * params["{key}"]', f"L2: d/d{key} of (lambda/2) sum {key}^2 = lambda {key}")
