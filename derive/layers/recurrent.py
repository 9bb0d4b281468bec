"""Recurrent layers over a sequence T x F, returning the last hidden state
h_T (as torch's nn.RNN / nn.LSTM / nn.GRU with batch_first=True, h_0 = 0).

rnn:  h_t = tanh(Wx x_t + Wh h_{t-1} + b), b = b_ih + b_hh
lstm: gates (i, f, g, o) stacked in that order, as torch
gru:  gates (r, z, n), with separate input and hidden biases bx, bh
"""
from __future__ import annotations

from dataclasses import dataclass

from .base import Act, Layer, Shape

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


@dataclass(frozen=True)
class Recurrent(Layer):
    cell: str = "rnn"
    hidden: int = 1
    kind = "recurrent"
    takes = ("sequence",)

    def out_shape(self, shape: Shape) -> Shape:
        self.check_input(shape)
        return (self.hidden,)

    def params(self, shape: Shape, bias: bool) -> dict[str, Shape]:
        g, h, l = GATES[self.cell], self.hidden, self.l
        out = {f"Wx{l}": (g * h, shape[1]), f"Wh{l}": (g * h, h)}
        if not bias:   # nobias drops every bias, as torch's bias=False
            return out
        if self.cell == "gru":
            out.update({f"bx{l}": (g * h,), f"bh{l}": (g * h,)})
        else:
            out[f"b{l}"] = (g * h,)
        return out

    def token(self) -> str:
        return f"{self.cell}({self.hidden})"

    @property
    def acts(self) -> tuple[Act, ...]:
        """tanh for the rnn's state; sigmoid for the gates and tanh for the
        candidate (and the LSTM's cell output)."""
        from .base import Act
        return (Act("tanh"),) if self.cell == "rnn" else (Act("sigmoid"), Act("tanh"))

    def scalar(self, b, x):
        """The network unrolled over time, h_0 (and c_0) = 0."""
        import numpy as np
        m, T, F = x.shape
        H = self.hidden
        h_prev = [[None] * H for _ in range(m)]
        c_prev = [[None] * H for _ in range(m)]
        for t in range(T):
            for r, row in enumerate(b.rows):
                hs, cs = [], []
                for j in range(H):
                    h, c = getattr(self, "_" + self.cell)(b, x, r, row, t, j, h_prev[r], c_prev[r])
                    hs.append(h)
                    cs.append(c)
                h_prev[r], c_prev[r] = hs, cs
        return np.array(h_prev, dtype=object)

    def _pre(self, b, x, r, t, gate, j, h_prev, which="x+h"):
        """W_x[g*H + j] . x_t (+ W_h[g*H + j] . h_{t-1}) (+ biases): one gate's input."""
        import sympy as sp
        H, l, F = self.hidden, self.l, x.shape[2]
        row = gate * H + j
        terms = []
        if "x" in which:
            terms += [b.param(f"Wx{l}", (row, f)) * x[r, t, f] for f in range(F)]
            if b.g.net.bias:
                terms.append(b.param(f"bx{l}" if self.cell == "gru" else f"b{l}", (row,)))
        if "h" in which and h_prev[0] is not None:
            terms += [b.param(f"Wh{l}", (row, k)) * h_prev[k] for k in range(H)]
        if "h" in which and self.cell == "gru" and b.g.net.bias:
            terms.append(b.param(f"bh{l}", (row,)))
        return sp.Add(*terms)

    def _rnn(self, b, x, r, row, t, j, h_prev, c_prev):
        import sympy as sp
        z = b.define("z", self.l, (t, j), row, self._pre(b, x, r, t, 0, j, h_prev), named=True)
        from .base import Act
        h = b.define("h", self.l, (t, j), row, sp.tanh(z), "h", act=(Act("tanh"), z, None), named=True)
        return h, None

    def _lstm(self, b, x, r, row, t, j, h_prev, c_prev):
        import sympy as sp
        from .base import Act
        gates = {}
        for g, (name, act) in enumerate((("i", "sigmoid"), ("f", "sigmoid"), ("g", "tanh"), ("o", "sigmoid"))):
            zg = b.define("z" + name, self.l, (t, j), row, self._pre(b, x, r, t, g, j, h_prev), named=True)
            f = sp.tanh(zg) if act == "tanh" else 1 / (1 + sp.exp(-zg))
            gates[name] = b.define("g" + name, self.l, (t, j), row, f, "g" + name, act=(Act(act), zg, None))
        c_expr = gates["i"] * gates["g"] + (gates["f"] * c_prev[j] if c_prev[j] is not None else 0)
        c = b.define("c", self.l, (t, j), row, c_expr, named=True)
        h = b.define("h", self.l, (t, j), row, gates["o"] * sp.tanh(c), named=True)
        return h, c

    def _gru(self, b, x, r, row, t, j, h_prev, c_prev):
        import sympy as sp
        from .base import Act
        sig = lambda e: 1 / (1 + sp.exp(-e))  # noqa: E731
        H, l = self.hidden, self.l
        out = {}
        for g, name in enumerate(("r", "u")):
            zg = b.define("z" + name, l, (t, j), row, self._pre(b, x, r, t, g, j, h_prev), named=True)
            out[name] = b.define("g" + name, l, (t, j), row, sig(zg), "g" + name, act=(Act("sigmoid"), zg, None))
        # the reset gate sits inside the candidate: n = tanh(W_in x + b_in + r (W_hn h + b_hn))
        hidden_part = self._pre(b, x, r, t, 2, j, h_prev, which="h")
        zn = b.define("zn", l, (t, j), row, self._pre(b, x, r, t, 2, j, h_prev, which="x") + out["r"] * hidden_part,
                      named=True)
        n = b.define("gn", l, (t, j), row, sp.tanh(zn), "gn", act=(Act("tanh"), zn, None))
        prev = h_prev[j] if h_prev[j] is not None else 0
        h = b.define("h", l, (t, j), row, (1 - out["u"]) * n + out["u"] * prev, named=True)
        return h, None

    def scalar_cost(self, shape: Shape) -> int:
        T, F = shape
        return T * self.hidden * GATES[self.cell] * (F + self.hidden + 4)

    def mults(self, shape: Shape) -> int:
        T, F = shape
        return T * GATES[self.cell] * self.hidden * (F + self.hidden)
