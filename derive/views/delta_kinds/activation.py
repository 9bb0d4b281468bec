"""An elementwise activation a = f(z) between a layer's pre-activation and its
output: Δ = dA ⊙ f'(Z), with f' from the rules card (shared by conv and the
residual block's activation)."""
from __future__ import annotations

import sympy as sp

from ...index_algebra import Def, adjoint, as_hadamard
from ...model import Math
from ...rules import ACTIVATIONS, fprime as rule_fprime
from .common import M, Tensor, arrow, display


def error(stage, ctx, up, z: Tensor, a: Tensor, delta: Tensor, act, idx, ranges) -> list:
    """Lines deriving ``delta`` = ∂L/∂z from ``up.grad`` = ∂L/∂a; a claim
    for it.  ``idx``: the element's indices (r first).  Each z feeds only
    its own a, so the chain rule has one term."""
    t = ctx.t
    fp = rule_fprime(act.name, act.alpha)
    at = fp.expr.subs(fp.var, (a if fp.in_output else z)[idx])
    d = Def(a.base, idx, sp.Function(act.name)(z[idx]), arg=z[idx], fprime=at)
    ch = adjoint(z[idx], [(d, up.grad.base)], ranges)
    mats = {up.grad.base: up.grad.matrix, a.base: a.matrix, z.base: z.matrix}
    shape = (M, a.matrix.shape[1])
    matrix = up.grad.matrix if act.name == "identity" else as_hadamard(ch.result, mats, shape)
    note = t("delta.fprime_note", name=act.name)
    if ACTIVATIONS[act.name].piecewise:
        note += t("sep.clause") + t("delta.at_zero", name=act.name)
    lines = [Math([display(delta[idx]), display(ch.chain), display(ch.result)], note=note)]
    if matrix is not None:
        lines.append(Math([delta.matrix, display(matrix)], note=arrow(a.shape, result=delta.shape)))
    stage.claim(ctx, f"{delta.name}", idx, ranges, [ch.result], delta.source, [up.grad, a, z], matrix=matrix,
                matrices={up.grad.matrix: (up.grad, None), a.matrix: (a, None), z.matrix: (z, None)})
    return lines
