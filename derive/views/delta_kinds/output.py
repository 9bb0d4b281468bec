"""BP1 for any network: the error the loss sends into the last layer.

A last layer with an activation (dense, or a residual block's) gets the
dense view's BP1 from the rules card's (activation, loss) pair: Δ directly.
Any other last layer (batch norm, a recurrent layer's h_T, dropout, ...)
gets dŶ = ∂ℓ/∂ŷ, sympy.diff of the loss's sum over the outputs with its
Kronecker delta collapsed."""
from __future__ import annotations

import sympy as sp

from ...index_algebra import as_hadamard, collapse_sums, index
from ...model import Equations, Math, Partial, Text
from .common import M, Flow, Tensor, grad_of, shape_text, tensor
from .dense import bp1, bp1_lines, loss_term, show


def targets(out: Tensor) -> Tensor:
    return tensor("y", "Y", out.dims, out.shape, ("target",))


def start(stage, ctx) -> Flow:
    """The flow into the last layer ``stage``."""
    net, t = ctx.net, ctx.t
    act = getattr(stage, "output_act", None)
    if act is not None:
        return stage.output_error(ctx)
    out = stage.out
    n, n_sym = out.shape[1], out.dims[1]
    r, k, p = index("r"), index("k"), index("p")
    y, l = targets(out), sp.IndexedBase(sp.Symbol("l"))
    g = loss_term(net.loss, n)
    loss = sp.Sum(g(out[r, k], y[r, k]), (k, 1, n_sym))
    ranges = {r: (1, M), p: (1, n_sym), k: (1, n_sym)}
    raw = sp.diff(loss, out[r, p])
    result = sp.factor_terms(collapse_sums(raw, ranges))
    matrix = as_hadamard(result, {out.base: out.matrix, y.base: y.matrix}, (M, n_sym))
    grad = grad_of(out)
    lines = [Text(t("delta.loss_sum", loss=net.loss)),
             Math([show(l[r]), show(loss)]),
             Text(t("delta.loss_diff")),
             Equations([Math([show(Partial(l[r], out[r, p])), show(raw), show(result)], label="BP1"),
                        Math([grad.matrix, show(matrix)], label="BP1",
                             note=t("delta.bp1_shape", shape=shape_text(("m", n))))])]
    stage.claim(ctx, "dŶ", (r, p), ranges, [result], grad.source, [out, y], matrix=matrix,
                matrices={out.matrix: (out, None), y.matrix: (y, None)})
    return Flow(grad, lead=lines)


def dense_error(stage, ctx) -> Flow:
    """BP1 of a dense last layer: Δ from the rules card's pair."""
    ls, act, net = stage.ls, stage.layer.act, ctx.net
    n = stage.layer.n
    s1 = bp1(ls, act, net.loss, n)
    y = Tensor(ls.y.base, ls.y.matrix, stage.out.dims, stage.out.shape, ("target",))
    stage.claim(ctx, f"Δ{stage.l} (BP1)", s1.free, {ls.r: (1, M), ls.p: (1, ls.n_sym)}, [s1.index],
                stage.delta.source, [stage.out, y, stage.z], matrix=s1.matrix, matrices=stage.mats(y))
    return Flow(grad_of(stage.out), delta=stage.delta, lead=bp1_lines(ls, act, n, net.loss, s1, ctx.t))
