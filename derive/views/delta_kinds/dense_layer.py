"""A dense layer inside a network of other kinds: its error Δ from whatever
gradient the layer above sends (BP2 when that layer is dense too), BP3 and
BP4 (plus λW under L2), and the gradient it sends down, Δ W.

The equations are the dense view's own (``dense.bp3``/``bp4``); the error
and the gradient sent down come from the index-level chain rule."""
from __future__ import annotations

import sympy as sp

from ...index_algebra import Def, adjoint, as_hadamard, as_matrix
from ...model import Equations, Math, Partial, Section, Shape
from ...rules import ACTIVATIONS, fprime as rule_fprime, z as Z_CARD
from .common import LAMBDA, M, Flow, Stage, Tensor, arrow, display, formula, grad_of, record, width
from .output import dense_error
from .dense import J, LayerSymbols, Quantity, _fprime_lines, bp3, bp4, forward_z, show


class DenseStage(Stage):
    kind = "dense"

    def __init__(self, layer, inp, in_shape, ctx, last=False):
        super().__init__(layer, inp, in_shape, ctx, last)
        l, n, n_prev = self.l, layer.n, in_shape[0]
        ls = LayerSymbols(str(l), str(l - 1), n, n_prev, first=inp.name == "X", last=last)
        ls.a_prev = Quantity(inp.base, inp.matrix)     # whatever the layer below outputs
        self.ls = ls
        record(ctx, (M, width(str(l)), width(str(l - 1))), (n, n_prev))
        dims = (M, width(str(l)))
        self.z = Tensor(ls.z.base, ls.z.matrix, dims, ("m", n), ("fwd", "z", l))
        self.out = Tensor(ls.a.base, ls.a.matrix, dims, ("m", n), ("fwd", "a", l))
        self.delta = Tensor(ls.d.base, ls.d.matrix, dims, ("m", n), ("adj", ("fwd", "z", l)))
        self.w = Tensor(ls.w.base, ls.w.matrix, (width(str(l)), width(str(l - 1))), (n, n_prev),
                        ("param", f"W{l}"))
        self._bias = ctx.net.bias
        # f'(Z) by sympy.diff of the card's f, in z: the numbers of the symbol f'(Z)
        r, p = ls.r, ls.p
        d = ACTIVATIONS[layer.act.name].derivative(layer.act.alpha) if layer.act.name != "softmax" else sp.S.Zero
        self.fp = Tensor(ls.fprime.base, ls.fprime.matrix, dims, ("m", n),
                         formula(d.subs(Z_CARD, ls.z.base[r, p]), (r, p), {r: (1, M), p: (1, ls.n_sym)},
                                 [self.z], dict(ctx.values)))
        if ctx.net.l2 is not None:
            self.values[LAMBDA] = sp.Rational(ctx.net.l2.numerator, ctx.net.l2.denominator)

    def keys(self):
        return [f"W{self.l}"] + ([f"b{self.l}"] if self._bias else [])

    def rows(self, t):
        ls, n, n_prev, l = self.ls, self.layer.n, self.in_shape[0], self.l
        out = [[ls.w.matrix, Shape(n, n_prev), t("delta.weights", l=l)]]
        if self._bias:
            out.append([ls.b.matrix, Shape(n), t("delta.biases", l=l)])
        out += [[ls.z.matrix, Shape(M, n), t("delta.pre")],
                [ls.a.matrix, Shape(M, n), t("delta.outputs", act=str(self.layer.act)) +
                 (" " + t("delta.prediction") if self.last else "")],
                [ls.d.matrix, Shape(M, n), t("delta.errors", l=l)]]
        return out

    def title(self, t):
        kind = t("delta.output_layer") if self.last else t("delta.hidden_layer")
        return t("delta.layer_title", l=self.l, kind=kind, act=str(self.layer.act), n_prev=self.in_shape[0],
                 n=self.layer.n)

    def backward(self, ctx, up: Flow, below):
        ls, t, l = self.ls, ctx.t, self.l
        n, n_prev = self.layer.n, self.in_shape[0]
        body = list(up.lead)
        if up.delta is None:
            body += self._error(ctx, up)
        grads = []
        if ctx.net.bias and ctx.want(f"b{l}"):
            s3 = bp3(ls, ctx.scale)
            grads.append(Math([Partial(J, ls.b.matrix), show(s3.matrix)], label="BP3",
                              note=arrow((n, "m"), ("m", 1), result=(n, 1))))
            self.claim(ctx, f"∂J/∂b{l}", s3.free, {ls.p: (1, ls.n_sym)}, [s3.index], ("grad", f"b{l}"),
                       [self.delta], matrix=s3.matrix, matrices={ls.d.matrix: (self.delta, None)})
        if ctx.want(f"W{l}"):
            s4 = bp4(ls, ctx.scale, ctx.net.bias)
            index, matrix, tensors = s4.index, s4.matrix, [self.delta, self.inp]
            if ctx.net.l2 is not None:   # the penalty's share: derived once in the L2 section
                index = index + LAMBDA * ls.w.base[ls.p, ls.q]
                matrix = sp.MatAdd(matrix, sp.MatMul(LAMBDA, ls.w.matrix), evaluate=False)
                tensors.append(self.w)
            grads.append(Math([Partial(J, ls.w.matrix), show(matrix)], label="BP4",
                              note=arrow((n, "m"), ("m", n_prev), result=(n, n_prev))))
            self.claim(ctx, f"∂J/∂W{l}", s4.free, {ls.p: (1, ls.n_sym), ls.q: (1, ls.n_prev_sym)}, [index],
                       ("grad", f"W{l}"), tensors, matrix=matrix,
                       matrices={ls.d.matrix: (self.delta, None), ls.a_prev.matrix: (self.inp, None),
                                 ls.w.matrix: (self.w, None)})
        if grads:
            body.append(Equations(grads))
        down = None
        if below is not None:
            down, lines = self._down(ctx, below)
            body += lines
        return [Section(self.title(t), body, key=f"delta-layer:{l}")], down

    def _error(self, ctx, up: Flow) -> list:
        """Δ = dA ⊙ f'(Z): the chain rule through a = f(z), f' from the rules card."""
        ls, t, act = self.ls, ctx.t, self.layer.act
        r, j, p = ls.r, ls.j, ls.p
        fp = rule_fprime(act.name, act.alpha)
        at = lambda idx: fp.expr.subs(fp.var, (ls.a.base if fp.in_output else ls.z.base)[r, idx])  # noqa: E731
        a_def = Def(ls.a.base, (r, j), sp.Function("f")(ls.z.base[r, j]), arg=ls.z.base[r, j], fprime=at(j))
        ranges = {r: (1, M), j: (1, ls.n_sym), p: (1, ls.n_sym)}
        ch = adjoint(ls.z.base[r, p], [(a_def, up.grad.base)], ranges)
        mats = {**ls.matrices(), up.grad.base: up.grad.matrix}
        card = as_hadamard(ch.result, mats, (M, ls.n))
        generic = sp.HadamardProduct(up.grad.matrix, ls.fprime.matrix, evaluate=False)
        parts = [ls.d.matrix, generic]
        if up.formed is not None:
            parts.append(sp.HadamardProduct(up.formed, ls.fprime.matrix, evaluate=False))
        if card is not None and card != generic:
            parts.append(card)
        n = self.layer.n
        lines = _fprime_lines(ls, act, t)
        lines.append(Math([show(p_) for p_ in parts], label="BP2" if up.formed is not None else "",
                          note=arrow(("m", n), result=("m", n)) if up.formed is None else up.note))
        tensors = [up.grad, self.out, self.z]
        self.claim(ctx, f"Δ{self.l}", (r, p), ranges, [ch.result], self.delta.source, tensors,
                   matrix=card if card is not None else generic, matrices=self.mats(up.grad))
        return lines

    def mats(self, *more) -> dict:
        """Matrix symbols of this layer (and ``more`` tensors) bound to their numbers."""
        out = {tn.matrix: (tn, None) for tn in (self.z, self.out, self.delta, self.w, self.fp, self.inp, *more)}
        return out

    def _down(self, ctx, below) -> tuple[Flow, list]:
        """dA⁽ˡ⁻¹⁾ = Δ⁽ˡ⁾ W⁽ˡ⁾: a⁽ˡ⁻¹⁾[r, q] feeds every z⁽ˡ⁾[r, j]."""
        ls = self.ls
        r, j, q = ls.r, ls.j, ls.q
        z_def = Def(ls.z.base, (r, j), forward_z(ls, ctx.net.bias))
        ranges = {r: (1, M), j: (1, ls.n_sym), q: (1, ls.n_prev_sym), ls.k: (1, ls.n_prev_sym)}
        ch = adjoint(ls.a_prev.base[r, q], [(z_def, ls.d.base)], ranges)
        matrix = as_matrix(ch.result, (r, q), ls.matrices())
        grad = grad_of(self.inp)
        n, n_prev = self.layer.n, self.in_shape[0]
        note = arrow(("m", n), (n, n_prev), result=("m", n_prev))
        self.claim(ctx, f"d{self.inp.name}", (r, q), ranges, [ch.result], grad.source, [self.delta, self.w],
                   matrix=matrix, matrices={ls.d.matrix: (self.delta, None), ls.w.matrix: (self.w, None)})
        shown = not isinstance(below, DenseStage)
        lines = [Math([grad.matrix, display(matrix)], note=note)] if shown else []
        return Flow(grad, formed=matrix, shown=shown, note=note), lines

    @property
    def output_act(self):
        return self.layer.act if self.last else None

    def output_error(self, ctx) -> Flow:
        return dense_error(self, ctx)
