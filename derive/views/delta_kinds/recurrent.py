"""rnn, lstm, gru: backpropagation through time at index level, for any T
and width.

Time is one more index.  A step's definition reads the previous step,
h[r, t-1, k], so sympy.diff with respect to h[r, s, q] gives the Kronecker
delta [t - 1 = s]; the collapse solves it, t = s + 1, and keeps its range
as the bracket [s + 1 ≤ T]: the last step has no successor.  The output
a[r, j] = h[r, T, j] gives [s = T].  Together they are the recurrence for
dh, run from s = T down to 1.  The gates' pre-activations are stacked in
torch's order -- (i, f, g, o) for lstm, (r, z, n) for gru -- so the collapse
also says which block of rows each gate's error fills, as brackets on the
stacked index.  Weights are shared by the steps, so their gradients sum
over time.  Per-step matrix forms come from the same recogniser as BP1-BP4,
on one time slice (Δₛ₊₁ is Δ at step s + 1).
"""
from __future__ import annotations

import sympy as sp

from ...index_algebra import Def, Iverson, adjoint, as_hadamard, as_matrix, collapse_sums, in_range, index
from ...model import Equations, Math, Partial, Section, Shape, Text
from ...rules import fprime as rule_fprime
from .common import (LAMBDA, M, J, Flow, Stage, Tensor, arrow, display, formula, grad_of, output_tensor,
                     shape_text, sup, tensor, width)

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
_STEP = str.maketrans("0123456789+-stu", "₀₁₂₃₄₅₆₇₈₉₊₋ₛₜᵤ")


def _card(name, out):
    """f' from the rules card, at the element ``out`` of the activation's output."""
    fp = rule_fprime(name)
    return fp.expr.subs(fp.var, out)


class Sigma(sp.Function):
    """σ(x), the logistic function of the rules card, as notation (never evaluated here)."""

    def _sympystr(self, printer):
        return "σ(" + printer._print(self.args[0]) + ")"

    def _latex(self, printer, exp=None):
        return r"\sigma\left(%s\right)" % printer._print(self.args[0])


def sigma(e):
    return Sigma(e)


class RecurrentStage(Stage):
    kind = "recurrent"

    def __init__(self, layer, inp, in_shape, ctx, last=False):
        super().__init__(layer, inp, in_shape, ctx, last)
        l, H, cell = self.l, layer.hidden, layer.cell
        T_, F_ = self.in_shape
        n, T, F = width(str(l)), inp.dims[1], inp.dims[2]
        ctx.values[n] = H
        self.n, self.T, self.F, self.cell, G = n, T, F, cell, GATES[cell]
        k = sup(l)
        self.out = output_tensor(l, (H,), ("last", ("fwd", "h", l)), last, "", ctx)

        def seq(elem, whole, source, rows=1, zero=False):
            return tensor(elem + k, whole + k, (M, T, rows * n), ("m", T_, rows * H), source, zero_outside=zero)
        self.seq = seq
        self.h = seq("h", "H", ("fwd", "h", l), zero=True)
        self.wx = tensor("wₓ" + k, "Wₓ" + k, (G * n, F), (G * H, F_), ("param", f"Wx{l}"))
        self.wh = tensor("wₕ" + k, "Wₕ" + k, (G * n, n), (G * H, H), ("param", f"Wh{l}"))
        self.b = tensor("b" + k, "b" + k, (G * n,), (G * H,), ("param", f"b{l}"))
        self.bx = tensor("bₓ" + k, "bₓ" + k, (G * n,), (G * H,), ("param", f"bx{l}"))
        self.bh = tensor("bₕ" + k, "bₕ" + k, (G * n,), (G * H,), ("param", f"bh{l}"))
        self._bias = ctx.net.bias
        if ctx.net.l2 is not None:
            self.values[LAMBDA] = sp.Rational(ctx.net.l2.numerator, ctx.net.l2.denominator)
        if cell == "rnn":
            self.z = seq("z", "Z", ("fwd", "z", l))
        elif cell == "lstm":
            self.z = seq("z", "Z", ("concat", tuple(("fwd", g, l) for g in ("zi", "zf", "zg", "zo"))), 4)
            self.gate = {g: seq(g, g.upper(), ("fwd", "g" + g, l)) for g in "ifgo"}
            self.c = seq("c", "C", ("fwd", "c", l), zero=True)
        else:
            self.gate = {"r": seq("gᵣ", "Gᵣ", ("fwd", "gr", l)), "u": seq("gᵤ", "Gᵤ", ("fwd", "gu", l)),
                         "n": seq("n", "N", ("fwd", "gn", l))}

    # -- indices ------------------------------------------------------------------
    def symbols(self):
        names = "r t s j k f v p q e".split()
        r, t, s, j, k, f, v, p, q, e = (index(c) for c in names)
        n, T, F, G = self.n, self.T, self.F, GATES[self.cell]
        ranges = {r: (1, M), t: (1, T), s: (1, T), j: (1, n), k: (1, n), f: (1, F), v: (1, G * n),
                  p: (1, G * n), q: (1, n), e: (1, F)}
        return (r, t, s, j, k, f, v, p, q, e), ranges

    def keys(self):
        l = self.l
        out = [f"Wx{l}", f"Wh{l}"]
        if self._bias:
            out += [f"bx{l}", f"bh{l}"] if self.cell == "gru" else [f"b{l}"]
        return out

    def rows(self, t):
        l, H = self.l, self.layer.hidden
        order = {"rnn": "", "lstm": " (i, f, g, o)", "gru": " (r, z, n)"}[self.cell]
        out = [[self.wx.matrix, Shape(*self.wx.shape), t("index.rec_wx", order=order)],
               [self.wh.matrix, Shape(*self.wh.shape), t("index.rec_wh", order=order)]]
        if self._bias:
            biases = [self.bx, self.bh] if self.cell == "gru" else [self.b]
            out += [[b.matrix, Shape(*b.shape), t("delta.biases", l=l)] for b in biases]
        out += [[self.h.matrix, Shape(*self.h.shape), t("index.rec_h")],
                [self.out.matrix, Shape(M, H), t("index.rec_out")]]
        return out

    def title(self, t):
        return t("index.rec_title", l=self.l, cell=self.cell, h=self.layer.hidden,
                 shape=" × ".join(map(str, self.in_shape)))

    # -- the derivation -----------------------------------------------------------
    def defs(self, bias: bool):
        (r, t, s, j, k, f, v, p, q, e), _ = self.symbols()
        n, T, F, x, h = self.n, self.T, self.F, self.inp, self.h
        out = [Def(self.out.base, (r, j), h[r, T, j])]
        if self.cell == "gru":
            zx, zh = self.gru_parts()
            gr, gu, nn = self.gate["r"], self.gate["u"], self.gate["n"]
            ax = sp.Sum(self.wx[v, f] * x[r, t, f], (f, 1, F)) + (self.bx[v] if bias else 0)
            ah = sp.Sum(self.wh[v, k] * h[r, t - 1, k], (k, 1, n)) + (self.bh[v] if bias else 0)
            arg_r, arg_u = zx[r, t, j] + zh[r, t, j], zx[r, t, n + j] + zh[r, t, n + j]
            arg_n = zx[r, t, 2 * n + j] + gr[r, t, j] * zh[r, t, 2 * n + j]
            out += [Def(zx.base, (r, t, v), ax), Def(zh.base, (r, t, v), ah),
                    Def(gr.base, (r, t, j), sigma(arg_r), arg_r, _card("sigmoid", gr[r, t, j])),
                    Def(gu.base, (r, t, j), sigma(arg_u), arg_u, _card("sigmoid", gu[r, t, j])),
                    Def(nn.base, (r, t, j), sp.tanh(arg_n), arg_n, _card("tanh", nn[r, t, j])),
                    Def(h.base, (r, t, j), (1 - gu[r, t, j]) * nn[r, t, j] + gu[r, t, j] * h[r, t - 1, j])]
            return out
        rows = v if self.cell == "lstm" else j
        z = sp.Sum(self.wx[rows, f] * x[r, t, f], (f, 1, F)) + sp.Sum(self.wh[rows, k] * h[r, t - 1, k], (k, 1, n))
        out.append(Def(self.z.base, (r, t, rows), z + self.b[rows] if bias else z))
        if self.cell == "rnn":
            out.append(Def(h.base, (r, t, j), sp.tanh(self.z[r, t, j]), self.z[r, t, j], _card("tanh", h[r, t, j])))
            return out
        g = self.gate
        for block, (name, act) in enumerate((("i", "sigmoid"), ("f", "sigmoid"), ("g", "tanh"), ("o", "sigmoid"))):
            arg = self.z[r, t, block * n + j]
            fn = sigma(arg) if act == "sigmoid" else sp.tanh(arg)
            out.append(Def(g[name].base, (r, t, j), fn, arg, _card(act, g[name][r, t, j])))
        c = self.c
        out.append(Def(c.base, (r, t, j), g["f"][r, t, j] * c[r, t - 1, j] + g["i"][r, t, j] * g["g"][r, t, j]))
        out.append(Def(h.base, (r, t, j), g["o"][r, t, j] * sp.tanh(c[r, t, j])))
        return out

    def gru_parts(self):
        """GRU's two products, zₓ = Wₓ x + bₓ and zₕ = Wₕ h + bₕ (3n rows each)."""
        return (self.seq("zₓ", "Zₓ", None, 3), self.seq("zₕ", "Zₕ", None, 3))

    def backward(self, ctx, up: Flow, below):
        t, l = ctx.t, self.l
        (r, tt, s, j, k, f, v, p, q, e), ranges = self.symbols()
        defs = self.defs(ctx.net.bias)
        by = {d.out: d for d in defs}
        self._steps: dict = {}
        fwd = [Text(t("index.rec_intro", cell=self.cell, order={"rnn": "", "lstm": t("index.lstm_order"),
                                                                "gru": t("index.gru_order")}[self.cell])),
               Equations([Math([display(d.element), display(d.expr)]) for d in defs[1:]] +
                         [Math([display(defs[0].element), display(defs[0].expr)], note=t("index.rec_last"))]),
               Text(t("index.rec_zero"))]
        body = list(up.lead)
        if self.cell == "rnn":
            grads = self._rnn(ctx, up, by, ranges, body)
        elif self.cell == "lstm":
            grads = self._lstm(ctx, up, by, ranges, body)
        else:
            grads = self._gru(ctx, up, by, ranges, body)
        weights = self._weights(ctx, by, grads, ranges)
        down = None
        if below is not None:
            down, lines = self._down(ctx, by, grads, ranges)
            weights += lines
        secs = [Section(self.title(t), fwd + body, key=f"delta-layer:{l}"),
                Section(t("index.rec_weights_title", l=l), weights, key=f"delta-layer-weights:{l}")]
        return secs, down

    # -- shared steps --------------------------------------------------------------
    def adjoint_lines(self, ctx, target_tn, target, uses, ranges, note="", each=None, claim=True, label=""):
        """Derive ∂L/∂target from its uses; a Math chain, its per-step matrix form and a claim."""
        ch = adjoint(target, uses, ranges)
        ch.result = sp.factor_terms(ch.result)
        grad = grad_of(target_tn)
        lhs = grad[target.indices]
        lines = [Math([display(lhs), display(ch.chain), display(ch.result)], note=note, label=label)]
        free = target.indices
        matrix = None
        if each is not None:
            matrix = self.step_matrix(ch.result, each, (free[0], free[2]))
            if matrix is not None:
                lines.append(Math([self.slice(grad, each).matrix, display(matrix)],
                                  note=arrow(("m", grad.shape[2]), result=("m", grad.shape[2]))))
        if claim:
            self.claim(ctx, str(lhs.base), free, ranges, [ch.result], grad.source, self.tensors(),
                       matrix=matrix, matrices=self.matrices(), each=(each,) if matrix is not None else ())
        return ch, lines

    def tensors(self) -> list:
        """Every tensor of the layer and its gradients, for binding numbers."""
        out = [self.inp, self.h, self.wx, self.wh, grad_of(self.out), grad_of(self.h)]
        if self.cell == "rnn":
            out += [self.z]
        if self.cell == "lstm":
            out += [self.z, self.c, grad_of(self.c)] + list(self.gate.values()) + \
                   [grad_of(g) for g in self.gate.values()]
        if self.cell == "gru":
            out += list(self.gate.values()) + [grad_of(g) for g in self.gate.values()] + list(self._gru_bound)
        out += [self.delta] if self.cell != "gru" else []
        return out

    def matrices(self) -> dict:
        """Matrix symbols bound to numbers: the weights, the output's gradient, and every time slice."""
        whole = {tn.matrix: (tn, None) for tn in (self.wx, self.wh, grad_of(self.out))}
        return {**whole, **self._steps}

    def slice(self, tn: Tensor, step) -> Tensor:
        """The tensor at one time step: a (m × width) matrix named with the step (Δₛ₊₁)."""
        tag = str(step).replace(" ", "").translate(_STEP)
        sl = tensor(str(tn.base.label) + tag, tn.name + tag, (M, tn.dims[2]), ("m", tn.shape[2]), tn.source)
        self._steps[sl.matrix] = (tn, step)
        return sl

    def time_sliced(self, expr):
        """``expr`` with each (r, step, q) quantity replaced by its time slice's
        (r, q) entry, and {slice base: slice matrix} of the slices used."""
        sliced = {}

        def cut(x):
            tn = self._by_base.get(x.base)
            if tn is None:
                return x
            sl = self.slice(tn, x.indices[1])
            sliced[sl.base] = sl.matrix
            return sl.base[x.indices[0], x.indices[2]]
        return expr.replace(lambda x: isinstance(x, sp.Indexed) and len(x.indices) == 3, cut), sliced

    def step_matrix(self, expr, step_var, free):
        """An index expression in (r, step, q) as a matrix expression of time slices, or None."""
        flat, sliced = self.time_sliced(expr)
        mats = {**sliced, **{tn.base: tn.matrix for tn in (self.wx, self.wh, grad_of(self.out))}}
        parts = []
        for term in sp.Add.make_args(flat):
            coeff = sp.Mul(*[g for g in sp.Mul.make_args(term) if not g.has(sp.Indexed)])
            body = sp.Mul(*[g for g in sp.Mul.make_args(term) if g.has(sp.Indexed)])
            try:
                if isinstance(body, sp.Sum):
                    m = as_matrix(body, free, mats)
                elif isinstance(body, sp.Indexed) and body.indices == free:
                    m = mats[body.base]
                else:
                    m = as_hadamard(body, mats, (M, 1))
                    if m is None:
                        return None
            except (ValueError, KeyError):
                return None
            parts.append(m if coeff == 1 else sp.MatMul(coeff, m, evaluate=False))
        return parts[0] if len(parts) == 1 else sp.MatAdd(*parts, evaluate=False)

    @property
    def _by_base(self):
        out = {tn.base: tn for tn in self.tensors() if len(tn.dims) == 3}
        return out

    def _dh(self, ctx, up, by, ranges, uses, body):
        (r, t, s, j, k, f, v, p, q, e), _ = self.symbols()
        ch, lines = self.adjoint_lines(ctx, self.h, self.h[r, s, q], [(by[self.out.base], up.grad.base)] + uses,
                                       ranges, note=ctx.t("index.rec_dh_note"), each=s)
        body += [Text(ctx.t("index.rec_dh"))] + lines
        return ch

    # -- rnn -----------------------------------------------------------------------
    def _rnn(self, ctx, up, by, ranges, body):
        t = ctx.t
        (r, tt, s, j, k, f, v, p, q, e), _ = self.symbols()
        self.delta = Tensor(sp.IndexedBase(sp.Symbol("δ" + sup(self.l))), sp.MatrixSymbol("Δ" + sup(self.l), M, 1),
                            self.z.dims, self.z.shape, ("adj", self.z.source))
        self.z.grad = ("δ" + sup(self.l), "Δ" + sup(self.l), ("adj", self.z.source))
        self._dh(ctx, up, by, ranges, [(by[self.z.base], self.delta.base)], body)
        _, lines = self.adjoint_lines(ctx, self.z, self.z[r, s, q], [(by[self.h.base], grad_of(self.h).base)], ranges,
                                      note=t("delta.fprime_note", name="tanh"), each=s)
        body += [Text(t("index.rec_delta"))] + lines
        body += self._vanishing(ctx, by, ranges)
        return {"x": self.delta, "h": self.delta}

    def _vanishing(self, ctx, by, ranges) -> list:
        """The factor that repeats: one step of ∂h_u/∂h_{u-1}, then their product over time."""
        t = ctx.t
        (r, tt, s, j, k, f, v, p, q, e), _ = self.symbols()
        u = index("u")
        h, wh = self.h, self.wh
        step = by[self.h.base].expr.xreplace({self.z[r, tt, j]: by[self.z.base].expr}).xreplace({tt: u})
        raw = sp.diff(step, h[r, u - 1, q])
        local = collapse_sums(raw, {**ranges, u: (2, self.T)}).subs(sp.tanh(by[self.z.base].expr.xreplace({tt: u})),
                                                                    h[r, u, j])
        # the one-step factor above as a matrix, per example: entry (q, j) is w[j, q] f'(z[u, j])
        factor = sp.Symbol(wh.name + "ᵀ diag(f′(z" + sup(self.l) + "ᵤ))", commutative=True)
        product = sp.Product(factor, (u, sp.Add(s, 1, evaluate=False), self.T))
        dh, da = grad_of(self.h), grad_of(self.out)
        col = sp.Symbol("(" + dh.name + "ₛ)ᵀ")     # one example's row, as a column
        colT = sp.Symbol("(" + da.name + ")ᵀ")     # at s = T, dh is the output's gradient
        recursion = sp.Sum(grad_of(self.h)[r, s + 1, j] * local.xreplace({u: s + 1}), (j, 1, self.n))
        self.claim(ctx, "one step back in time", (r, s, q), {**ranges, s: (1, self.T - 1)}, [recursion],
                   ("head", grad_of(self.h).source), [grad_of(self.h), self.h, self.wh])
        return [Text(t("index.rec_factor")),
                Math([display(Partial(h[r, u, j], h[r, u - 1, q])), display(raw), display(local)]),
                Math([display(grad_of(self.h)[r, s, q]), display(recursion)], note=t("index.rec_one_step")),
                Math([col, sp.Mul(product, colT, evaluate=False)], note=t("index.rec_product")),
                Text(t("index.rec_vanishing"))]

    # -- lstm ----------------------------------------------------------------------
    def _lstm(self, ctx, up, by, ranges, body):
        t = ctx.t
        (r, tt, s, j, k, f, v, p, q, e), _ = self.symbols()
        g, c = self.gate, self.c
        self.delta = Tensor(sp.IndexedBase(sp.Symbol("δ" + sup(self.l))), sp.MatrixSymbol("Δ" + sup(self.l), M, 1),
                            self.z.dims, self.z.shape, ("adj", self.z.source))
        self.z.grad = ("δ" + sup(self.l), "Δ" + sup(self.l), ("adj", self.z.source))
        self._dh(ctx, up, by, ranges, [(by[self.z.base], self.delta.base)], body)
        dh, dc = grad_of(self.h), grad_of(c)
        _, lo = self.adjoint_lines(ctx, g["o"], g["o"][r, s, q], [(by[self.h.base], dh.base)], ranges)
        _, lc = self.adjoint_lines(ctx, c, c[r, s, q], [(by[self.h.base], dh.base), (by[c.base], dc.base)], ranges,
                                   note=t("index.lstm_dc_note"))
        body += [Text(t("index.lstm_gates"))] + lo + [Text(t("index.lstm_cell"))] + lc
        for name in "ifg":
            _, lines = self.adjoint_lines(ctx, g[name], g[name][r, s, q], [(by[c.base], dc.base)], ranges)
            body += lines
        body += [Text(t("index.lstm_why"))]
        body += self._stacked(ctx, by, ranges, self.z, self.delta,
                              [(by[g[name].base], grad_of(g[name]).base) for name in "ifgo"], "ifgo")
        return {"x": self.delta, "h": self.delta}

    def _stacked(self, ctx, by, ranges, z, delta, uses, names) -> list:
        """The error of the stacked pre-activation: one bracket per gate's block of rows,
        then each block on its own."""
        t = ctx.t
        (r, tt, s, j, k, f, v, p, q, e), _ = self.symbols()
        ch = adjoint(z[r, s, v], uses, ranges)
        self.claim(ctx, str(delta.base.label), (r, s, v), ranges, [ch.result], delta.source, self.tensors())
        lines = [Text(t("index.rec_stacked", order=", ".join(names))),
                 Math([display(delta[r, s, v]), display(ch.result)])]
        blocks = []
        for a, name in enumerate(names):
            at = ch.result.xreplace({v: a * self.n + q})
            at = at.replace(lambda x: isinstance(x, Iverson), lambda x: in_range(x.e, x.lo, x.hi, ranges))
            blocks.append(Math([display(delta[r, s, a * self.n + q]), display(sp.simplify(at) if at == 0 else at)],
                               note=t("index.rec_block", gate=name)))
        return lines + [Equations(blocks)]

    # -- gru -----------------------------------------------------------------------
    def _gru(self, ctx, up, by, ranges, body):
        t = ctx.t
        (r, tt, s, j, k, f, v, p, q, e), _ = self.symbols()
        zx, zh = self.gru_parts()
        zh_def = by[zh.base]
        # zₕ is no quantity of the graph: its numbers come from its definition
        zh = Tensor(zh.base, zh.matrix, zh.dims, zh.shape,
                    formula(zh_def.expr, (r, tt, v), ranges, [self.h, self.wh] + ([self.bh] if self._bias else []),
                            ctx.values))
        self._gru_bound = [zh]
        g, n = self.gate, self.n
        dx_, dh_ = (sp.IndexedBase(sp.Symbol("δₓ" + sup(self.l))), sp.IndexedBase(sp.Symbol("δₕ" + sup(self.l))))
        ch_dh = adjoint(self.h[r, s, q], [(by[self.out.base], up.grad.base), (by[self.h.base], grad_of(self.h).base),
                                          (zh_def, dh_)], ranges)
        dh = grad_of(self.h)
        body += [Text(t("index.rec_dh")),
                 Math([display(dh[r, s, q]), display(ch_dh.chain), display(ch_dh.result)],
                      note=t("index.rec_dh_note"))]
        ln = self.adjoint_lines(ctx, g["n"], g["n"][r, s, q], [(by[self.h.base], dh.base)], ranges)[1]
        lu = self.adjoint_lines(ctx, g["u"], g["u"][r, s, q], [(by[self.h.base], dh.base)], ranges)[1]
        lr = self.adjoint_lines(ctx, g["r"], g["r"][r, s, q], [(by[g["n"].base], grad_of(g["n"]).base)], ranges,
                                note=t("index.gru_reset_note"))[1]
        body += [Text(t("index.gru_gates"))] + ln + lu + [Text(t("index.gru_reset"))] + lr
        uses = [(by[g[name].base], grad_of(g[name]).base) for name in "run"]
        dzx = Tensor(dx_, sp.MatrixSymbol("Δₓ" + sup(self.l), M, 1), zx.dims, zx.shape,
                     ("adj", ("concat", tuple(("fwd", p_, self.l) for p_ in ("zr", "zu", "zn")))))
        body += self._stacked(ctx, by, ranges, zx, dzx, uses, ("r", "z", "n"))
        ch_h = adjoint(zh[r, s, v], uses, ranges)
        dzh = Tensor(dh_, sp.MatrixSymbol("Δₕ" + sup(self.l), M, 1), zh.dims, zh.shape,
                     formula(ch_h.result.xreplace({s: tt}), (r, tt, v), ranges,
                             [zh] + list(g.values()) + [grad_of(x) for x in g.values()], ctx.values))
        blocks = []
        for a, name in enumerate(("r", "z", "n")):
            at = ch_h.result.xreplace({v: a * n + q})
            at = at.replace(lambda x: isinstance(x, Iverson), lambda x: in_range(x.e, x.lo, x.hi, ranges))
            blocks.append(Math([display(dh_[r, s, a * n + q]), display(at)], note=t("index.rec_block", gate=name)))
        body += [Text(t("index.gru_hidden")), Equations(blocks)]
        self._gru_bound = [zh, dzh, dzx]
        self.claim(ctx, "dh (gru)", (r, s, q), ranges, [ch_dh.result], dh.source, self.tensors() + [up.grad])
        return {"x": dzx, "h": dzh}

    # -- the shared weights -----------------------------------------------------------
    def _weights(self, ctx, by, grads, ranges) -> list:
        t, l = ctx.t, self.l
        (r, tt, s, j, k, f, v, p, q, e), _ = self.symbols()
        lines = [Text(t("index.rec_shared"))]
        if self.cell == "gru":
            zx, zh = self.gru_parts()
            zdef_x, zdef_h = by[zx.base], by[zh.base]
        else:
            zdef_x = zdef_h = by[self.z.base]
        dx, dh = grads["x"], grads["h"]
        items = [(f"Wx{l}", self.wx, self.wx[p, e], zdef_x, dx, (p, e)),
                 (f"Wh{l}", self.wh, self.wh[p, q], zdef_h, dh, (p, q))]
        if self._bias:
            if self.cell == "gru":
                items += [(f"bx{l}", self.bx, self.bx[p], zdef_x, dx, (p,)), (f"bh{l}", self.bh, self.bh[p], zdef_h, dh, (p,))]
            else:
                items.append((f"b{l}", self.b, self.b[p], zdef_x, dx, (p,)))
        eqs = []
        for key, tn, target, zdef, err, free in items:
            if not ctx.want(key):
                continue
            ch = adjoint(target, [(zdef, err.base)], ranges)
            form = ctx.scale * ch.result
            parts = [display(Partial(J, target)), display(ctx.scale * ch.chain), display(form)]
            tensors = self.tensors() + [err, tn]
            matrix = self._sum_over_time(ch.result, free, ctx.scale)
            if ctx.net.l2 is not None and key[0] == "W":
                form = form + LAMBDA * target
                parts.append(display(form))
                matrix = None     # (a sum of matrices and λW has no SymPy form; the index form says it)
            if matrix is not None:
                parts.append(display(matrix))
            eqs.append(Math(parts, label="d" + key, note=t("index.param_shape", shape=shape_text(tn.shape))))
            mats = {**self.matrices(), tn.matrix: (tn, None)}
            self.claim(ctx, f"∂J/∂{key}", free, ranges, [form], ("grad", key), tensors, matrix=matrix, matrices=mats)
        return lines + eqs

    def _sum_over_time(self, expr, free, scale):
        """Σ_{r,t} ... as Σ_t of a per-step matrix product."""
        (r, tt, *_), _ = self.symbols()
        if not isinstance(expr, sp.Sum):
            return None
        inner = sp.Sum(expr.function, *[lim for lim in expr.limits if lim[0] != tt])
        if len(inner.limits) != 1:
            return None
        cols = free if len(free) == 2 else None
        flat, sliced = self.time_sliced(inner)
        try:
            m = as_matrix(flat, cols or free, sliced)
        except (ValueError, KeyError):
            return None
        # (a matrix sum is no scalar to SymPy: the 1/m goes inside)
        return sp.Sum(m if scale == 1 else sp.MatMul(scale, *m.args) if isinstance(m, sp.MatMul)
                      else sp.MatMul(scale, m), (tt, 1, self.T))

    def _down(self, ctx, by, grads, ranges):
        (r, tt, s, j, k, f, v, p, q, e), _ = self.symbols()
        zdef = by[self.gru_parts()[0].base] if self.cell == "gru" else by[self.z.base]
        x = self.inp
        ch = adjoint(x[r, s, e], [(zdef, grads["x"].base)], ranges)
        grad = grad_of(x)
        matrix = self.step_matrix(ch.result, s, (r, e))
        self.claim(ctx, f"d{x.name} (recurrent)", (r, s, e), ranges, [ch.result], grad.source,
                   self.tensors() + [grads["x"]], matrix=matrix, matrices=self.matrices(),
                   each=(s,) if matrix is not None else ())
        lines = [Text(ctx.t("index.rec_down")),
                 Math([display(grad[r, s, e]), display(ch.result)] + ([display(matrix)] if matrix is not None else []),
                      label=self.label_down())]
        return Flow(grad), lines
