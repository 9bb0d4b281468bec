"""res(...): s = x + F(x), o = f(s); the gradient adds along the skip.

x feeds two things: the sum s directly (∂s/∂x is the identity) and the
first inner layer.  So dx = ds + (what the inner layers send down), and the
last inner layer receives dF = ds (∂s/∂F is the identity too)."""
from __future__ import annotations

from dataclasses import replace

import sympy as sp

from ...index_algebra import Def, adjoint, index
from ...model import Math, Section, Shape, Text
from . import activation
from .common import M, Flow, Stage, arrow, dims_of, display, grad_of, record, sup, tensor
from .dense import LayerSymbols, Quantity, bp1, bp1_lines

LETTERS = {1: ("r", "j"), 2: ("r", "t", "f"), 3: ("r", "c", "i", "j")}


class ResidualStage(Stage):
    kind = "res"

    def __init__(self, layer, inp, in_shape, ctx, last=False, make=None):
        self.layer, self.inp, self.in_shape, self.last = layer, inp, tuple(in_shape), last
        self.out_shape = tuple(layer.out_shape(self.in_shape))
        self.values = {}
        inner = layer.numbered()
        self.l = k = inner[-1].l            # the block's quantities carry its last layer's number
        self.first = inner[0].l
        # the inner layers see x under its own name, but what they send down is only their share
        share = replace(inp, grad=("d" + str(inp.base.label) + "ᶠ", "d" + inp.name + "ᶠ", ("adj_inner", inp.source)))
        self.inner, x, shape = [], share, self.in_shape
        for sub in layer.inner:
            stage = make(sub, x, shape, ctx, False)
            self.inner.append(stage)
            x, shape = stage.out, stage.out_shape
        self.F = self.inner[-1].out
        dims = dims_of(self.in_shape, k)
        record(ctx, dims, self.in_shape)
        self.s = (tensor("ŷ", "Ŷ", dims, inp.shape, ("fwd", "s", k)) if last and self.identity
                  else tensor("s" + sup(k), "S" + sup(k), dims, inp.shape, ("fwd", "s", k)))
        if self.identity:
            self.out = self.s
        elif last:
            self.out = tensor("ŷ", "Ŷ", dims, inp.shape, ("fwd", "r", k))
        else:
            self.out = tensor("o" + sup(k), "O" + sup(k), dims, inp.shape, ("fwd", "r", k))

    @property
    def identity(self) -> bool:
        return self.layer.act.name == "identity"

    def numbered(self):
        return [s for st in self.inner for s in st.numbered()]

    def keys(self):
        return [k for st in self.inner for k in st.keys()]

    def rows(self, t):
        out = [[self.s.matrix, Shape(*self.s.shape), t("index.res_sum")]]
        if not self.identity:
            out.append([self.out.matrix, Shape(*self.out.shape), t("index.res_out", act=str(self.layer.act))])
        return out

    def title(self, t):
        return t("index.res_title", first=self.first, last=self.l, act=str(self.layer.act))

    @property
    def output_act(self):
        return None if self.identity or not self.last else self.layer.act

    def output_error(self, ctx) -> Flow:
        """BP1 through the block's own activation: ds from the rules card's pair."""
        act, n = self.layer.act, self.inp.shape[1]
        ls = LayerSymbols(str(self.l), str(self.l), n, n, last=True)
        ls.z = Quantity(self.s.base, self.s.matrix)
        ds = grad_of(self.s)
        ls.d = Quantity(ds.base, ds.matrix)
        k = sup(self.l)
        ls.fprime = Quantity(sp.IndexedBase(sp.Symbol("f′(s" + k + ")")), sp.MatrixSymbol("f′(S" + k + ")", M, n))
        y = tensor("y", "Y", self.out.dims, self.out.shape, ("target",))
        ls.a, ls.y = Quantity(self.out.base, self.out.matrix), Quantity(y.base, y.matrix)
        s1 = bp1(ls, act, ctx.net.loss, n)
        self.claim(ctx, "dS (BP1)", s1.free, {ls.r: (1, M), ls.p: (1, ls.n_sym)}, [s1.index], ds.source,
                   [self.out, y, self.s], matrix=s1.matrix,
                   matrices={self.out.matrix: (self.out, None), y.matrix: (y, None), self.s.matrix: (self.s, None)})
        return Flow(grad_of(self.out), delta=ds, lead=bp1_lines(ls, act, n, ctx.net.loss, s1, ctx.t))

    def backward(self, ctx, up: Flow, below):
        t, x = ctx.t, self.inp
        idx = tuple(index(c) for c in LETTERS[len(self.in_shape)])
        ranges = {i: (1, d) for i, d in zip(idx, self.s.dims)}
        s_def = Def(self.s.base, idx, x[idx] + self.F[idx])
        ds = grad_of(self.s)
        head = list(up.lead) + [Text(t("index.res_intro")),
                                Math([display(self.s[idx]), display(s_def.expr)])]
        if not self.identity and up.delta is None:
            head += [Math([display(self.out[idx]), display(sp.Function(self.layer.act.name)(self.s[idx]))])]
            head += activation.error(self, ctx, up, self.s, self.out, ds, self.layer.act, idx, ranges)
        elif self.identity:
            ds = up.grad
        # the inner branch receives ds unchanged: ∂s/∂F is the identity
        dF = grad_of(self.F)
        ch_f = adjoint(self.F[idx], [(s_def, ds.base)], ranges)
        self.claim(ctx, f"d{self.F.name} (skip)", idx, ranges, [ch_f.result], dF.source, [ds])
        head += [Text(t("index.res_branch")),
                 Math([display(dF[idx]), display(ch_f.chain), display(ch_f.result)]),
                 Math([dF.matrix, ds.matrix], note=arrow(x.shape, result=x.shape))]
        out = [Section(self.title(t), head, key=f"delta-res:{self.l}")]
        flow = Flow(dF)
        # with --param inside the block, the walk stops at that parameter's layer
        stop = 0
        if not ctx.needs_down(below):
            low = min(ctx.wanted)
            stop = max([i for i, st in enumerate(self.inner) if min(x.l for x in st.numbered()) <= low] or [0])
        for i in range(len(self.inner) - 1, stop - 1, -1):
            below_inner = self.inner[i - 1] if i > stop else (_Input() if ctx.needs_down(below) else None)
            secs, flow = self.inner[i].backward(ctx, flow, below_inner)
            out += secs
        if not ctx.needs_down(below):
            return out, None
        share = flow.grad                     # dxᶠ: what the inner layers send down
        grad = grad_of(x)
        ch_x = adjoint(x[idx], [(s_def, ds.base)], ranges)
        total = ch_x.result + share[idx]
        self.claim(ctx, f"d{x.name} (res)", idx, ranges, [total], grad.source, [ds, share],
                   matrix=sp.MatAdd(ds.matrix, share.matrix),
                   matrices={ds.matrix: (ds, None), share.matrix: (share, None)})
        tail = [Text(t("index.res_sum_intro")),
                Math([display(grad[idx]), sp.Add(display(ch_x.chain), share[idx], evaluate=False), display(total)],
                     note=t("index.res_inner", share=share.name)),
                Math([grad.matrix, sp.MatAdd(ds.matrix, share.matrix)], label=self.label_down(),
                     note=t("index.res_adds")),
                Text(t("index.res_why"))]
        out.append(Section(t("index.res_sum_title", first=self.first, last=self.l), tail,
                           key=f"delta-res-sum:{self.l}"))
        return out, Flow(grad)

    def label_down(self) -> str:
        return "dX" if self.inp.name == "X" else f"dA{self.first - 1}"


class _Input:
    """Stands for the block's input below its first inner layer: that layer
    must send its share down, whatever kind lies below the block."""
    kind = "input"
