"""The symbolic network, scalar by scalar, and backprop over it.

``Backprop(net)`` builds, for one example (or each row of a batch):
  forward definitions  z{l}_{j} = sum_k w{l}_{j}_{k} a{l-1}_{k} + b{l}_{j},  a = f(z)
  the loss J           in the outputs and targets
  the deltas           d{l}_{j} = dl/dz{l}_{j}, once per neuron, reused
  the gradients        dJ/dw{l}_{j}_{k} = (1/m) sum_r d{l}_{j} * dz{l}_{j}/dw{l}_{j}_{k}

Every local derivative comes from sympy.diff of one local definition (or
from the library's rewrite of f').  Nothing differentiates the whole J: that
is the naive route, kept only for --verify and the benchmark.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from . import names
from .library import ACTIVATIONS, LOSSES, a as A_SYM, in_terms_of_output, output_delta, softmax, z as Z_SYM
from .network import Network


@dataclass
class Gradient:
    param: sp.Symbol
    layer: int
    j: int
    k: int | None            # None for a bias
    expr: sp.Expr            # in deltas and activations
    factors: list[sp.Expr]   # whose product is expr (per row for one example)


@dataclass
class Backprop:
    net: Network
    rows: list[int | None] = field(default_factory=lambda: [None])  # [None]: one example

    def __post_init__(self):
        net, L = self.net, self.net.depth
        self.L = L
        self.m = len(self.rows)
        self.params: dict[str, sp.Symbol] = {p: names.sym(p) for p in net.param_names()}
        self.forward: list[tuple[sp.Symbol, sp.Expr]] = []
        self.backward: list[tuple[sp.Symbol, sp.Expr]] = []
        self.loss_rows: list[sp.Expr] = []
        for r in self.rows:
            self._forward_row(r)
        scale = sp.Integer(1) if net.reduction == "sum" else sp.Rational(1, self.m)
        self.scale = scale
        self.loss = scale * sp.Add(*self.loss_rows)
        for r in self.rows:
            self._backward_row(r)
        self.gradients: dict[str, Gradient] = {}
        self._gradients()

    # ----------------------------------------------------------- forward --
    def a_sym(self, l, j, r):
        return names.x(j, r) if l == 0 else names.node("a", l, j, r)

    def _forward_row(self, r):
        net = self.net
        for l in range(1, self.L + 1):
            act = net.act(l)
            zs = []
            for j in range(1, net.sizes[l] + 1):
                self.forward.append((names.node("z", l, j, r), self._z_expr(l, j, r)))
                zs.append(names.node("z", l, j, r))
            outs = softmax(zs) if act.name == "softmax" else [
                ACTIVATIONS[act.name].expr(act.alpha).subs(Z_SYM, zj) for zj in zs]
            for j, out in enumerate(outs, 1):
                self.forward.append((names.node("a", l, j, r), out))
        yhat = [names.node("a", self.L, k, r) for k in range(1, net.sizes[-1] + 1)]
        ys = [names.y(k, r) for k in range(1, net.sizes[-1] + 1)]
        self.loss_rows.append(LOSSES[net.loss].per_example(yhat, ys))

    # ---------------------------------------------------------- backward --
    def fprime(self, l, j, r) -> sp.Expr:
        """f'(z) at neuron (l, j), written in its output a (library rewrite)."""
        act = self.net.act(l)
        return in_terms_of_output(act.name, act.alpha).subs(A_SYM, names.node("a", l, j, r))

    def _backward_row(self, r):
        net, L = self.net, self.L
        n = net.sizes[L]
        act = net.act(L)
        od = output_delta(act.name, net.loss, n, act.alpha)
        back = {**{h: names.node("a", L, k, r) for k, h in enumerate(od.yhats, 1)},
                **{t: names.y(k, r) for k, t in enumerate(od.ys, 1)}}
        self.output_note = od.note
        self.output_taught = {}
        for j in range(1, n + 1):
            d = names.node("d", L, j, r)
            # BP1: exact for any targets; the taught form (e.g. yhat - y) is kept
            # beside it, with the assumption that makes the two equal.
            self.backward.append((d, od.in_yhat[j - 1].xreplace(back)))
            self.output_taught[(j, r)] = od.taught[j - 1].xreplace(back)
        for l in range(L - 1, 0, -1):
            for k in range(1, net.sizes[l] + 1):
                upstream = sp.Add(*[names.node("d", l + 1, j, r) * self.dz_da(l + 1, j, k, r)
                                    for j in range(1, net.sizes[l + 1] + 1)])
                # BP2: the upstream sum, times the local f'(z).
                self.backward.append((names.node("d", l, k, r), upstream * self.fprime(l, k, r)))

    def dz_da(self, l, j, k, r) -> sp.Expr:
        """dz{l}_{j} / da{l-1}_{k}: sympy.diff of the term of z holding a{l-1}_{k}."""
        a_prev = self.a_sym(l - 1, k, r)
        return sp.diff(names.w(l, j, k) * a_prev, a_prev)

    def _z_expr(self, l, j, r) -> sp.Expr:
        zj = sp.Add(*[names.w(l, j, k) * self.a_sym(l - 1, k, r) for k in range(1, self.net.sizes[l - 1] + 1)])
        return zj + names.b(l, j) if self.net.bias else zj

    def _gradients(self):
        net = self.net
        for l in range(1, self.L + 1):
            for j in range(1, net.sizes[l] + 1):
                targets = [(names.w(l, j, k), k) for k in range(1, net.sizes[l - 1] + 1)]
                if net.bias:
                    targets.append((names.b(l, j), None))
                for p, k in targets:
                    terms, factors = [], []
                    for r in self.rows:
                        # dz/dparam by sympy.diff of the one term of z holding it.
                        term = p * self.a_sym(l - 1, k, r) if k is not None else p
                        local = sp.diff(term, p)
                        factors = [names.node("d", l, j, r), local]
                        terms.append(sp.Mul(*factors))
                    expr = self.scale * sp.Add(*terms)
                    self.gradients[p.name] = Gradient(p, l, j, k, expr, factors)

    # ------------------------------------------------------- utilities --
    def definitions(self) -> list[tuple[sp.Symbol, sp.Expr]]:
        return self.forward + self.backward

    def expand(self, expr: sp.Expr) -> sp.Expr:
        """Substitute the definitions (latest first) to reach base variables."""
        for s, e in reversed(self.definitions()):
            if expr.has(s):
                expr = expr.xreplace({s: e})
        return expr

    def base_symbols(self) -> list[sp.Symbol]:
        out = []
        for r in self.rows:
            out += [names.x(i, r) for i in range(1, self.net.sizes[0] + 1)]
            out += [names.y(k, r) for k in range(1, self.net.sizes[-1] + 1)]
        return out + list(self.params.values())


def batch_rows(m: int) -> list[int | None]:
    """Row tags for a batch of m; a single example keeps the plain names."""
    return [None] if m == 1 else list(range(1, m + 1))


def to_sympy(v: Fraction) -> sp.Rational:
    return sp.Rational(v.numerator, v.denominator)
