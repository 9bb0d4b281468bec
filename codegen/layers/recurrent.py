"""rnn, lstm and gru over a sequence (m, T, F), returning h_T (torch's
nn.RNN / nn.LSTM / nn.GRU with batch_first=True, h_0 = c_0 = 0).

Backpropagation through time, vectorized over the batch:
- the x-part of every step's pre-activations is ONE GEMM before the loop
  (the T steps stacked as rows, time-major);
- the loop runs the recurrence, one GEMM per step (for LSTM all four
  gates at once), and keeps every state;
- the local derivatives of every step (f' from the rules card, in the
  gates' outputs) are computed for all t at once after the forward loop;
- one backward sweep t = T..1 carries dJ/dh (and dJ/dc) down through Wh;
- the weight gradients are sums over t: dWx = sum_t dz_t^T x_t and
  dWh = sum_t dz_t^T h_{t-1}, each ONE GEMM over the T stacked steps (the
  += over time, done by the GEMM's inner sum).
"""
from __future__ import annotations

import sympy as sp

from derive import rules

from ..derivation import array
from ..printer import numpy_code
from .base import Grad, LayerCode, Rec, dims, note, record

NAMES = {"rnn": "nn.RNN (tanh)", "lstm": "nn.LSTM", "gru": "nn.GRU"}


def fprime(act: str, at: str) -> sp.Expr:
    """The card's f' (in the output a) at the array named ``at``."""
    fp = rules.fprime(act)
    assert fp.in_output, act
    return fp.expr.subs(rules.a, array(at))


def code(expr) -> str:
    return numpy_code(expr)


def _tanh_form_of_sigmoid() -> bool:
    """sigmoid(z) = (1 + tanh(z/2)) / 2, proved by SymPy against the card's
    definition: one tanh then computes every gate of a step."""
    z = rules.z
    card = rules.ACTIVATIONS["sigmoid"].formula
    return sp.simplify(((1 + sp.tanh(z / 2)) / 2 - card).rewrite(sp.exp)) == 0


assert _tanh_form_of_sigmoid()


class RecurrentCode(LayerCode):
    def __init__(self, layer, shape_in, ctx, output=False):
        super().__init__(layer, shape_in, ctx, output)
        l = self.l
        self.out = f"A{l}"
        self.T, self.F = shape_in
        self.H = layer.hidden
        self.cell = layer.cell
        self.gates = {"rnn": 1, "lstm": 4, "gru": 3}[self.cell]
        ctx.weights += [f"Wx{l}", f"Wh{l}"]

    @property
    def dout(self) -> str:
        return f"dA{self.l}"

    def describe(self):
        return [f"layer {self.l}: {self.cell}({self.H}) ({NAMES[self.cell]}, h_0 = 0, output h_T): "
                f"{dims(self.shape_in)} -> (m, {self.H})"]

    def init(self):
        # torch's own: U(-1/sqrt(H), 1/sqrt(H)) for every weight and bias
        l, gh, F, H = self.l, self.gates * self.H, self.F, self.H
        bound = f"1 / np.sqrt({H})"
        out = [(f"Wx{l}", f"rng.uniform(-{bound}, {bound}, size=({gh}, {F}))"),
               (f"Wh{l}", f"rng.uniform(-{bound}, {bound}, size=({gh}, {H}))")]
        if self.ctx.bias:
            if self.cell == "gru":
                out += [(f"bx{l}", f"np.zeros({gh})"), (f"bh{l}", f"np.zeros({gh})")]
            else:
                out.append((f"b{l}", f"np.zeros({gh})"))
        return out

    def init_text(self):
        return [f"Wx{self.l}, Wh{self.l}: U(-1/sqrt(H), 1/sqrt(H)), H = {self.H}, as torch's {self.cell}"]

    # -- forward -----------------------------------------------------------------
    def _xpart(self, x: str, target: str) -> list:
        l, T, gh = self.l, self.T, self.gates * self.H
        what = {"rnn": "x_t Wx^T + b", "lstm": "the gates' x part, x_t Wx^T + b",
                "gru": "the gates' x part, x_t Wx^T + bx"}[self.cell]
        lines = self._xrows(x) + [
            note(f'{target} = (Xt{l} @ params["Wx{l}"].T).reshape({T}, m, {gh})', f"{what} for every t: one GEMM"),
        ]
        bias = {"rnn": f"b{l}", "lstm": f"b{l}", "gru": f"bx{l}"}[self.cell]
        if self.ctx.bias:
            lines.append(f'{target} += params["{bias}"]')
        lines.append(note(f'Wh{l}T = params["Wh{l}"].T', f"({self.H}, {gh})"))
        return lines

    def forward(self, x):
        self.x = x
        if self.cell == "lstm":
            return self._xrows(x) + self._lstm_forward(x)
        return getattr(self, f"_{self.cell}_forward")(x)

    def _xrows(self, x: str) -> list:
        l, T, F = self.l, self.T, self.F
        return [note(f"Xt{l} = {x}.transpose(1, 0, 2).reshape({T} * m, {F})",
                     f"time-major rows: x_t of each example, t = 1..{T}")]

    def _rnn_forward(self, x):
        l, T, H = self.l, self.T, self.H
        tanh = lambda z, out: rules.ACTIVATIONS["tanh"].numpy.format(z=z, out=f", out={out}")
        return self._xpart(x, f"Zx{l}") + [
            note(f"H{l} = np.empty_like(Zx{l})", f"h_1 .. h_T ({T}, m, {H}), kept for the backward pass"),
            note(tanh(f"Zx{l}[0]", f"H{l}[0]"), "h_1 = tanh(x_1 Wx^T + b): h_0 = 0"),
            f"for t in range(1, {T}):",
            note(f"    Zt = H{l}[t - 1] @ Wh{l}T", "the one GEMM per step"),
            f"    Zt += Zx{l}[t]",
            note(f"    {tanh('Zt', f'H{l}[t]')}", "h_t = tanh(x_t Wx^T + h_{t-1} Wh^T + b)"),
            note(f"A{l} = H{l}[{T - 1}]", f"h_T (m, {H})"),
            Rec(f"H{l}", f"H{l}.transpose(1, 0, 2)", f"(m, {T}, {H})", "h_1 .. h_T"),
            record(f"A{l}", f"A{l}", self.shape_out),
        ]

    def _lstm_forward(self, x):
        l, T, H = self.l, self.T, self.H
        lines = [
            note(f'gs{l} = np.repeat(np.array([0.5, 0.5, 1.0, 0.5], dtype=params["Wx{l}"].dtype), {H})',
                 "sigmoid(z) = (1 + tanh(z/2)) / 2 for i, f, o; tanh for g: with the 1/2"),
            note(f'Wx{l}s = params["Wx{l}"] * gs{l}[:, None]',
                 "folded into the gates' rows once, one tanh covers all four gates"),
            note(f"G{l} = (Xt{l} @ Wx{l}s.T).reshape({T}, m, {4 * H})",
                 "the gates' x part (halved for i, f, o) for every t: one GEMM"),
        ]
        if self.ctx.bias:
            lines.append(f'G{l} += params["b{l}"] * gs{l}')
        tanh = rules.ACTIVATIONS["tanh"].numpy
        i_, f_, g_, o_ = f"Gt[:, :{H}]", f"Gt[:, {H}:{2 * H}]", f"Gt[:, {2 * H}:{3 * H}]", f"Gt[:, {3 * H}:]"
        lines += [
            note(f'Wh{l}sT = (params["Wh{l}"] * gs{l}[:, None]).T', f"({H}, {4 * H}), halved rows as Wx{l}s"),
            note(f"gt{l} = 1 - gs{l}", "the shift: 1/2 for i, f, o; 0 for g"),
            note(f"H{l} = np.empty(({T}, m, {H}), dtype=G{l}.dtype)", "h_1 .. h_T"),
            note(f"C{l} = np.empty_like(H{l})", "c_1 .. c_T, the cell"),
            note(f"TC{l} = np.empty_like(H{l})", "tanh(c_t), kept: dh/dc reads it"),
            f"for t in range({T}):",
            note(f"    Gt = G{l}[t]", f"(m, {4 * H}): i, f, g, o (torch's order)"),
            "    if t:",
            note(f"        Gt += H{l}[t - 1] @ Wh{l}sT", "one GEMM per step for all four gates (h_0 = 0)"),
            note(f"    {tanh.format(z='Gt', out=', out=Gt')}", "tanh(z/2) for i, f, o; tanh(z) for g"),
            note(f"    Gt *= gs{l}", "i, f, o = (1 + tanh(z/2)) / 2 = sigmoid(z); g = tanh(z)"),
            f"    Gt += gt{l}",
            note(f"    np.multiply({i_}, {g_}, out=C{l}[t])", "c_t = i g + f c_{t-1} (c_0 = 0)"),
            "    if t:",
            f"        C{l}[t] += {f_} * C{l}[t - 1]",
            note(f"    {tanh.format(z=f'C{l}[t]', out=f', out=TC{l}[t]')}", "tanh(c_t)"),
            note(f"    np.multiply({o_}, TC{l}[t], out=H{l}[t])", "h_t = o tanh(c_t)"),
            note(f"A{l} = H{l}[{T - 1}]", f"h_T (m, {H})"),
            Rec(f"H{l}", f"H{l}.transpose(1, 0, 2)", f"(m, {T}, {H})", "h_1 .. h_T"),
            Rec(f"C{l}", f"C{l}.transpose(1, 0, 2)", f"(m, {T}, {H})", "c_1 .. c_T"),
            Rec(f"G{l}", f"G{l}.transpose(1, 0, 2)", f"(m, {T}, {4 * H})", "gates i, f, g, o after their activations"),
            record(f"A{l}", f"A{l}", self.shape_out),
        ]
        return lines

    def _gru_forward(self, x):
        l, T, H = self.l, self.T, self.H
        sig = rules.ACTIVATIONS["sigmoid"].numpy
        tanh = rules.ACTIVATIONS["tanh"].numpy
        rz, n = f"Gt[:, :{2 * H}]", f"Gt[:, {2 * H}:]"
        lines = self._xpart(x, f"Gx{l}") + [
            note(f"Gh{l} = np.zeros_like(Gx{l})", "the gates' h part, h_{t-1} Wh^T + bh, kept: n reads it"),
            note(f"G{l} = np.empty_like(Gx{l})", "gates r, z, n (torch's order)"),
            note(f"H{l} = np.empty(({T}, m, {H}), dtype=Gx{l}.dtype)", "h_1 .. h_T"),
            f"for t in range({T}):",
            "    if t:",
            note(f"        np.matmul(H{l}[t - 1], Wh{l}T, out=Gh{l}[t])", "the one GEMM per step (h_0 = 0)"),
        ]
        if self.ctx.bias:
            lines.append(f'    Gh{l}[t] += params["bh{l}"]')
        lines += [
            "    Gt = G" + str(l) + "[t]",
            note(f"    np.add(Gx{l}[t, :, :{2 * H}], Gh{l}[t, :, :{2 * H}], out={rz})", "r, z: x part + h part"),
            note(f"    {sig.format(z=rz, out=f', out={rz}')}", "r, z = sigmoid"),
            note(f"    np.multiply(Gt[:, :{H}], Gh{l}[t, :, {2 * H}:], out={n})",
                 "n = tanh(W_in x + b_in + r (W_hn h + b_hn)): r inside, as torch"),
            f"    {n} += Gx{l}[t, :, {2 * H}:]",
            f"    {tanh.format(z=n, out=f', out={n}')}",
            "    if t:",
            note(f"        np.subtract(H{l}[t - 1], {n}, out=H{l}[t])", "h_t = n + z (h_{t-1} - n) = (1 - z) n + z h_{t-1}"),
            "    else:",
            f"        np.negative({n}, out=H{l}[t])",
            f"    H{l}[t] *= Gt[:, {H}:{2 * H}]",
            f"    H{l}[t] += {n}",
            note(f"A{l} = H{l}[{T - 1}]", f"h_T (m, {H})"),
            Rec(f"H{l}", f"H{l}.transpose(1, 0, 2)", f"(m, {T}, {H})", "h_1 .. h_T"),
            Rec(f"G{l}", f"G{l}.transpose(1, 0, 2)", f"(m, {T}, {3 * H})", "gates r, z, n after their activations"),
            record(f"A{l}", f"A{l}", self.shape_out),
        ]
        return lines

    # -- backward ------------------------------------------------------------------
    def backward(self, g, dx, top=False):
        lines = [record(f"dA{self.l}", g.name, self.shape_out)]
        lines += getattr(self, f"_{self.cell}_backward")(g.name)
        l, T, F, gh, H = self.l, self.T, self.F, self.gates * self.H, self.H
        dzx = f"dZ{l}"
        dzh = f"dZh{l}" if self.cell == "gru" else f"dZ{l}"
        lines += [
            Rec(f"dZ{l}", f"dZ{l}.transpose(1, 0, 2)", f"(m, {T}, {gh})",
                "dJ/d(pre-activations)" + (", x side" if self.cell == "gru" else "")),
        ]
        if self.cell == "gru":
            lines.append(Rec(f"dZh{l}", f"dZh{l}.transpose(1, 0, 2)", f"(m, {T}, {gh})", "dJ/d(pre-activations), h side"))
        lines += [
            note(f"dWx{l} = {dzx}.reshape({T} * m, {gh}).T @ Xt{l}",
                 f"sum over t of dz_t^T x_t: one GEMM over the {T} stacked steps ({gh}, {F})"),
            note(f"dWh{l} = {dzh}[1:].reshape(-1, {gh}).T @ H{l}[:-1].reshape(-1, {H})",
                 f"sum over t >= 2 of dz_t^T h_(t-1) (h_0 = 0) ({gh}, {H})"),
        ]
        if self.ctx.l2_grad is not None:
            from .dense import l2_line
            lines += [l2_line(self.ctx, f"Wx{l}"), l2_line(self.ctx, f"Wh{l}")]
        if self.ctx.bias:
            if self.cell == "gru":
                lines += [note(f"dbx{l} = dZ{l}.sum(axis=(0, 1))", f"summed over t and the batch ({gh},)"),
                          note(f"dbh{l} = dZh{l}.sum(axis=(0, 1))", f"({gh},)")]
            else:
                lines.append(note(f"db{l} = dZ{l}.sum(axis=(0, 1))", f"summed over t and the batch ({gh},)"))
        if dx is None:
            return lines, None
        lines.append(note(f'{dx} = (dZ{l}.reshape({T} * m, {gh}) @ params["Wx{l}"]).reshape({T}, m, {F}).transpose(1, 0, 2)',
                          f"dJ/dx_t for every t: one GEMM, back to (m, {T}, {F})"))
        return lines, Grad(dx, True)

    def _rnn_backward(self, g):
        l, T, H = self.l, self.T, self.H
        return [
            note(f"D{l} = {code(fprime('tanh', f'H{l}'))}", "tanh'(z_t) = 1 - a^2 at a = h_t, every step at once"),
            note(f"dZ{l} = np.empty_like(H{l})", f"dJ/dz_t ({T}, m, {H})"),
            note(f"dh = {g}", "dJ/dh_T"),
            f"for t in range({T - 1}, 0, -1):",
            note(f"    np.multiply(dh, D{l}[t], out=dZ{l}[t])", "dJ/dz_t = dJ/dh_t tanh'(z_t)"),
            note(f'    dh = dZ{l}[t] @ params["Wh{l}"]', "dJ/dh_(t-1): h_(t-1) feeds z_t through Wh"),
            f"np.multiply(dh, D{l}[0], out=dZ{l}[0])",
        ]

    def _lstm_backward(self, g):
        l, T, H = self.l, self.T, self.H
        i, f, gg, o = f"i{l}", f"f{l}", f"g{l}", f"o{l}"
        sig = lambda at: fprime("sigmoid", at)
        th = lambda at: fprime("tanh", at)
        A = array
        return [
            note(f"{i}, {f}, {gg}, {o} = G{l}[..., :{H}], G{l}[..., {H}:{2 * H}], G{l}[..., {2 * H}:{3 * H}], "
                 f"G{l}[..., {3 * H}:]", f"the gates at every t ({T}, m, {H}) each"),
            note(f"D{l} = np.empty_like(G{l})", "local derivatives, every step at once (f' from the card):"),
            note(f"D{l}[..., :{H}] = {code(A(gg) * sig(i))}", "dc_t/d(i's z) = g sigmoid'"),
            note(f"D{l}[0, :, {H}:{2 * H}] = 0", "dc_1/d(f's z) = c_0 sigmoid' = 0"),
            note(f"D{l}[1:, :, {H}:{2 * H}] = {code(A(f'C{l}[:-1]') * sig(f'{f}[1:]'))}", "dc_t/d(f's z) = c_(t-1) sigmoid'"),
            note(f"D{l}[..., {2 * H}:{3 * H}] = {code(A(i) * th(gg))}", "dc_t/d(g's z) = i tanh'"),
            note(f"D{l}[..., {3 * H}:] = {code(A(f'TC{l}') * sig(o))}", "dh_t/d(o's z) = tanh(c_t) sigmoid'"),
            note(f"Dc{l} = {code(A(o) * th(f'TC{l}'))}", "dh_t/dc_t = o tanh'(c_t): the cell path"),
            note(f"dZ{l} = D{l}", f"D{l} becomes dJ/d(gate pre-activations) step by step, in place"),
            note(f"dZg{l} = dZ{l}.reshape({T}, m, 4, {H})", "gate by gate"),
            note(f"dh, dc = {g}, np.zeros_like(H{l}[0])", "dJ/dh_T; dJ/dc_T comes through h_T only"),
            f"for t in range({T - 1}, -1, -1):",
            note(f"    dc += dh * Dc{l}[t]", "dJ/dc_t: from c_(t+1) (carried) and from h_t"),
            note(f"    dZg{l}[t, :, :3] *= dc[:, None, :]", "i, f, g: their local derivative times dJ/dc_t"),
            note(f"    dZg{l}[t, :, 3] *= dh", "o: its local derivative times dJ/dh_t"),
            "    if t:",
            note(f'        dh = dZ{l}[t] @ params["Wh{l}"]', "dJ/dh_(t-1): one GEMM for all four gates"),
            note(f"        dc *= {f}[t]", "dJ/dc_(t-1) through c_t = f c_(t-1) + ...: why the cell keeps gradients alive"),
        ]

    def _gru_backward(self, g):
        l, T, H = self.l, self.T, self.H
        r, z, n = f"r{l}", f"z{l}", f"n{l}"
        sig = lambda at: fprime("sigmoid", at)
        th = lambda at: fprime("tanh", at)
        A = array
        return [
            note(f"{r}, {z}, {n} = G{l}[..., :{H}], G{l}[..., {H}:{2 * H}], G{l}[..., {2 * H}:]",
                 f"the gates at every t ({T}, m, {H}) each"),
            note(f"Hp{l} = np.zeros_like(H{l})", "h_(t-1) at every t, h_0 = 0"),
            f"Hp{l}[1:] = H{l}[:-1]",
            note(f"dZ{l} = np.empty_like(G{l})", "first dh_t/d(each gate's z), every step at once (f' from the card),"),
            note(f"dZ{l}[..., {2 * H}:] = {code((1 - A(z)) * th(n))}", "then dJ/d(x parts) in place: n: (1 - z) tanh'"),
            note(f"dZ{l}[..., {H}:{2 * H}] = {code((A(f'Hp{l}') - A(n)) * sig(z))}", "z: (h_(t-1) - n) sigmoid'"),
            note(f"dZ{l}[..., :{H}] = {code(A(f'dZ{l}[..., {2 * H}:]') * A(f'Gh{l}[..., {2 * H}:]') * sig(r))}",
                 "r: through n, (W_hn h + b_hn) sigmoid'"),
            note(f"dZh{l} = np.empty_like(G{l})", "dJ/d(h parts): r, z as the x parts; n's times r"),
            note(f"dZg{l} = dZ{l}.reshape({T}, m, 3, {H})", "gate by gate"),
            note(f"dh = {g}", "dJ/dh_T"),
            f"for t in range({T - 1}, -1, -1):",
            note(f"    dZg{l}[t] *= dh[:, None, :]", "all three gates: local derivative times dJ/dh_t"),
            note(f"    np.multiply(dZ{l}[t, :, {2 * H}:], {r}[t], out=dZh{l}[t, :, {2 * H}:])",
                 "W_hn h + b_hn enters n times r"),
            f"    dZh{l}[t, :, :{2 * H}] = dZ{l}[t, :, :{2 * H}]",
            "    if t:",
            note(f'        dh = dh * {z}[t] + dZh{l}[t] @ params["Wh{l}"]',
                 "dJ/dh_(t-1): directly (z h_(t-1)) and through the gates, one GEMM"),
        ]
