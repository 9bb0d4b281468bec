"""Batch norm and layer norm: the three paths through μ and σ², and the
simplified backward, derived.

    μ[G] = (1/N) Σ x          σ²[G] = (1/N) Σ (x - μ[G])²
    x̂ = (x - μ[G]) / σ[G],  σ[G] = √(σ²[G] + ε)        a = γ x̂ + β

The statistics of a group G run over N entries: for bn one feature over the
m examples (N = m), or one channel over the m·H·W entries of the batch
(BatchNorm2d); for ln one example over its own entries.  x reaches the
loss three ways -- through x̂ directly, through μ and through σ² -- and
the index-level chain rule sums the three.  The simplified form
dx = (1/(N σ)) (N dx̂ - Σ dx̂ - x̂ Σ dx̂ x̂) is derived from them: the paths
substituted, x - μ written as σ x̂, the sums expanded and gathered.
"""
from __future__ import annotations

import sympy as sp
from sympy.simplify.simplify import factor_sum

from ...index_algebra import Def, adjoint, as_matrix, collapse_sums, index, local
from ...model import Equations, Math, Partial, Section, Shape, Text
from .common import EPS, J, Flow, Stage, display, formula, grad_of, output_tensor, shape_text, sup, tensor


def _layout(kind: str, rank: int):
    """Index letters: the element E, its statistic's group G, γ's indices, the
    target element T of dx, and the position of the group index in E."""
    if rank == 1:
        E, T = ("r", "j"), ("p", "q") if kind == "bn" else ("r", "q")
    elif rank == 3:
        E, T = ("r", "c", "i", "j"), ("p", "q", "h", "g") if kind == "bn" else ("r", "q", "h", "g")
    else:
        E, T = ("r", "t", "f"), ("r", "s", "e")
    pos = 1 if kind == "bn" else 0
    gamma = (pos,) if kind == "bn" else tuple(range(1, len(E)))
    return [index(c) for c in E], [index(c) for c in T], pos, gamma


class NormStage(Stage):
    kind = "norm"

    def __init__(self, layer, inp, in_shape, ctx, last=False):
        super().__init__(layer, inp, in_shape, ctx, last)
        l, kind = self.l, layer.kind
        self.values[EPS] = sp.Rational(1, 10 ** 5)
        self.out = output_tensor(l, self.out_shape, ("fwd", "a", l), last, "", ctx)
        dims, shape = inp.dims, inp.shape
        E, T, pos, gam = _layout(kind, len(in_shape))
        self.E, self.T, self.pos, self.gam = E, T, pos, gam
        sdims, sshape = (dims[pos],), (shape[pos],)
        # the graph names layer norm's statistics mu{l}_1 (one per row): the same numbers, one axis fewer
        stat = (lambda p: ("fwd", p, l)) if kind == "bn" else (lambda p: ("reshape", ("fwd", p, l), ()))
        self.mu = tensor("μ" + sup(l), "μ" + sup(l), sdims, sshape, stat("mu"))
        self.var = tensor("σ²" + sup(l), "σ²" + sup(l), sdims, sshape, stat("var"))
        self.xhat = tensor("x̂" + sup(l), "X̂" + sup(l), dims, shape, ("fwd", "xhat", l))
        gdims = tuple(dims[i] for i in gam)
        gshape = tuple(shape[i] for i in gam)
        self.gamma = tensor("γ" + sup(l), "γ" + sup(l), gdims, gshape, ("param", f"gamma{l}"))
        self.beta = tensor("β" + sup(l), "β" + sup(l), gdims, gshape, ("param", f"beta{l}"))
        self.x = inp
        # the group's size: every index of E but the group's
        self.N = sp.Mul(*[d for i, d in enumerate(dims) if i != pos])
        g = index("k")
        self.std = tensor("σ" + sup(l), "σ" + sup(l), sdims, sshape,
                          formula(sp.sqrt(self.var[g] + EPS), (g,), {g: (1, sdims[0])}, [self.var],
                                  {**ctx.values, EPS: self.values[EPS]}))
        self.std.base = sp.IndexedBase(self.std.base.label, positive=True)

    def keys(self):
        return [f"gamma{self.l}", f"beta{self.l}"]

    def rows(self, t):
        l = self.l
        return [[self.gamma.matrix, Shape(*self.gamma.shape), t("index.gamma", l=l)],
                [self.beta.matrix, Shape(*self.beta.shape), t("index.beta", l=l)],
                [self.mu.matrix, Shape(*self.mu.shape), t("index.mu")],
                [self.var.matrix, Shape(*self.var.shape), t("index.var")],
                [self.xhat.matrix, Shape(*self.xhat.shape), t("index.xhat")],
                [self.out.matrix, Shape(*self.out.shape), t("index.norm_out")]]

    def title(self, t):
        return t("index.norm_title", l=self.l, kind=self.layer.kind, shape=" × ".join(map(str, self.in_shape)))

    # -- the derivation -----------------------------------------------------------
    def group(self, idx):
        return idx[self.pos]

    def ranges(self):
        E, T, dims = self.E, self.T, self.x.dims
        out = {i: (1, d) for i, d in zip(E, dims)}
        out.update({i: (1, d) for i, d in zip(T, dims)})
        return out

    def defs(self):
        E, x, mu, var = self.E, self.x, self.mu, self.var
        G = self.group(E)
        summed = [(i, 1, d) for i, d, k in zip(E, self.x.dims, range(len(E))) if k != self.pos]
        mu_d = Def(mu.base, (G,), sp.Sum(x[E], *summed) / self.N)
        var_d = Def(var.base, (G,), sp.Sum((x[E] - mu[G]) ** 2, *summed) / self.N)
        xh_d = Def(self.xhat.base, tuple(E), (x[E] - mu[G]) / sp.sqrt(var[G] + EPS))
        gi = tuple(E[i] for i in self.gam)
        a_d = Def(self.out.base, tuple(E), self.gamma[gi] * self.xhat[E] + self.beta[gi])
        return mu_d, var_d, xh_d, a_d, summed

    def with_std(self, e):
        """√(σ²[g] + ε) written σ[g]."""
        for v in e.atoms(sp.Indexed):
            if v.base == self.var.base:
                e = e.xreplace({EPS + v: self.std.base[v.indices] ** 2})
        return e

    def backward(self, ctx, up: Flow, below):
        t, l, kind = ctx.t, self.l, self.layer.kind
        E, T = self.E, self.T
        G, TG = self.group(E), self.group(T)
        mu_d, var_d, xh_d, a_d, summed = self.defs()
        ranges = self.ranges()
        dxh = grad_of(self.xhat)
        dvar, dmu = grad_of(self.var), grad_of(self.mu)
        x, da = self.x, up.grad
        stats = {"bn": "index.bn_stats" if len(self.in_shape) == 1 else "index.bn2d_stats"}.get(kind, "index.ln_stats")
        body = list(up.lead) + [
            Text(t(stats, n=self._size(), count=self._count())),
            Equations([Math([display(mu_d.element), display(mu_d.expr)]),
                       Math([display(var_d.element), display(var_d.expr)]),
                       Math([display(self.std[G]), display(sp.sqrt(self.var[G] + EPS))], note="ε = 1e-5"),
                       Math([display(xh_d.element), display(self.with_std(xh_d.expr))]),
                       Math([display(a_d.element), display(a_d.expr)])]),
            ]
        if not ctx.needs_down(below):      # --param asked for γ or β only
            body += self._params(ctx, a_d, ranges)
            return [Section(self.title(t), body, key=f"delta-layer:{l}")], None
        body.append(Text(t("index.norm_paths")))
        c1 = adjoint(self.xhat[E], [(a_d, da.base)], ranges)
        self.claim(ctx, f"dx̂{l}", E, ranges, [c1.result], dxh.source, [da, self.gamma])
        c2 = adjoint(self.var[G], [(xh_d, dxh.base)], ranges)
        dvar_form = self.with_std(c2.result)
        self.claim(ctx, f"dσ²{l}", (G,), ranges, [c2.result, dvar_form], dvar.source,
                   [dxh, x, self.mu, self.var, self.std])
        c3 = adjoint(self.mu[G], [(xh_d, dxh.base), (var_d, dvar.base)], ranges)
        # the path through σ²: ∂σ²/∂μ = -(2/N) Σ (x - μ), zero because μ is their mean
        dvar_dmu = local(var_d, self.mu[G])
        dvar_dmu_c = collapse_sums(dvar_dmu, ranges)
        zero = sp.simplify(dvar_dmu_c.xreplace({self.mu[G]: mu_d.expr}))
        dmu_form = self.with_std(sp.Add(*[term for term in sp.Add.make_args(c3.result)
                                          if not term.has(dvar.base)]))
        self.claim(ctx, f"dμ{l}", (G,), ranges, [c3.result, dmu_form], dmu.source,
                   [dxh, dvar, x, self.mu, self.var, self.std])
        body += [Math([display(dxh[E]), display(c1.chain), display(c1.result)], note=t("index.norm_dxhat")),
                 Math([display(dvar[G]), display(c2.chain), display(dvar_form)]),
                 Math([display(Partial(self.var[G], self.mu[G])), display(dvar_dmu), display(dvar_dmu_c),
                       display(zero)], note=t("index.norm_zero", mu=str(self.mu.base.label))),
                 Math([display(dmu[G]), display(c3.chain), display(dmu_form)])]
        # dx: the three paths
        uses = [(xh_d, dxh.base), (var_d, dvar.base), (mu_d, dmu.base)]
        c4 = adjoint(x[T], uses, ranges)
        dx_paths = self.with_std(c4.result)
        grad = grad_of(x)
        body += [Text(t("index.norm_dx")),
                 Math([display(grad[T]), display(c4.chain), display(dx_paths)])]
        # substitute the paths, write x - μ = σ x̂, expand and gather
        sub = dx_paths.xreplace({dvar[TG]: dvar_form.xreplace({G: TG}), dmu[TG]: dmu_form.xreplace({G: TG})}) \
            if G != TG else dx_paths.xreplace({dvar[TG]: dvar_form, dmu[TG]: dmu_form})
        hat = sub.replace(lambda e: isinstance(e, sp.Indexed) and e.base == x.base,
                          lambda e: self.mu[e.indices[self.pos]] + self.std[e.indices[self.pos]] *
                          self.xhat[e.indices])
        prefactor = 1 / (self.N * self.std[TG])
        bracket = _gather_sums(sp.expand(hat / prefactor))
        simplified = sp.Mul(prefactor, bracket, evaluate=False)
        proof = sp.expand(_gather_sums(sp.expand(hat)) - _gather_sums(sp.expand(prefactor * bracket)))
        in_da = self._in_upstream(bracket, da)
        final = sp.Mul(prefactor, *in_da)
        # the factor in front as one fraction: γ/(N σ)·(...), not through display's (1/m)
        shown_final = sp.Mul(sp.Mul(prefactor, *in_da[:-1]), display(in_da[-1]), evaluate=False)
        label = self.label_down()
        body += [Text(t("index.norm_simplify")),
                 Math([display(grad[T]), sp.Mul(prefactor, display(bracket), evaluate=False)], label=label,
                      note=t("index.norm_proof") if proof == 0 else ""),
                 Math(["", shown_final], note=t("index.norm_in_upstream"))]
        self.claim(ctx, f"dx (norm {l})", T, ranges, [c4.result, sub, simplified, final], grad.source,
                   [dxh, dvar, dmu, x, self.mu, self.var, self.std, self.xhat, da, self.gamma])
        body += self._params(ctx, a_d, ranges)
        return [Section(self.title(t), body, key=f"delta-layer:{l}")], Flow(grad)

    def _size(self) -> str:
        """N as a product of the group's sizes: m·H₁·W₁."""
        return "·".join(str(d) for i, d in enumerate(self.x.dims) if i != self.pos)

    def _count(self) -> str:
        dims = self.x.shape
        return " · ".join(str(d) for i, d in enumerate(dims) if i != self.pos)

    def _in_upstream(self, bracket, da):
        """The bracket with dx̂ = γ ⊙ da, and γ taken out where it is one number per group (bn)."""
        gi = lambda idx: tuple(idx[i] for i in self.gam)  # noqa: E731
        dxh = grad_of(self.xhat).base
        e = bracket.replace(lambda v: isinstance(v, sp.Indexed) and v.base == dxh,
                            lambda v: da[v.indices] * self.gamma[gi(v.indices)])
        e = e.replace(lambda s: isinstance(s, sp.Sum), lambda s: factor_sum(s))
        if self.layer.kind == "bn":
            common = self.gamma[gi(self.T)]
            inner = sp.expand(e / common)
            if not inner.has(self.gamma.base):
                return [common, inner]
        return [e]

    def _params(self, ctx, a_d, ranges) -> list:
        t, l = ctx.t, self.l
        E = self.E
        gi = tuple(E[i] for i in self.gam)
        da = grad_of(self.out).base
        lines = []
        for key, p in ((f"gamma{l}", self.gamma), (f"beta{l}", self.beta)):
            if not ctx.want(key):
                continue
            ch = adjoint(p[gi], [(a_d, da)], ranges)
            form = ctx.scale * ch.result
            parts = [display(Partial(J, p[gi])), display(ctx.scale * ch.chain), display(form)]
            matrix = None
            if len(E) == 2 and len(gi) == 1:
                try:
                    mats = {da: grad_of(self.out).matrix, self.xhat.base: self.xhat.matrix}
                    matrix = as_matrix(form, gi, mats)
                    parts.append(display(matrix))
                except ValueError:
                    matrix = None
            lines.append(Math(parts, label="d" + key, note=t("index.param_shape", shape=shape_text(p.shape))))
            self.claim(ctx, f"∂J/∂{key}", gi, ranges, [form], ("grad", key), [grad_of(self.out), self.xhat],
                       matrix=matrix, matrices={grad_of(self.out).matrix: (grad_of(self.out), None),
                                                self.xhat.matrix: (self.xhat, None)})
        return [Text(t("index.norm_params"))] + lines if lines else []


def _gather_sums(e):
    """Sums with their constant factors taken out, and equal terms gathered."""
    e = e.replace(lambda s: isinstance(s, sp.Sum), lambda s: factor_sum(sp.Sum(sp.expand(s.function), *s.limits)))
    return sp.expand(e)
