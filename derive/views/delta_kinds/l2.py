"""l2(lambda): J gains (λ/2) Σ w² over every weight (W, Wx, Wh; not biases, γ
or β), and each weight's gradient gains λ w -- sympy.diff of the penalty
with its Kronecker deltas collapsed."""
from __future__ import annotations

import sympy as sp

from ...graph import is_weight
from ...index_algebra import collapse_sums, index
from ...model import Math, Partial, Section, Text
from .common import LAMBDA, Claim, J, display, tensor


def section(ctx, stages) -> Section | None:
    net, t = ctx.net, ctx.t
    if net.l2 is None:
        return None
    shapes = net.param_shapes()
    keys = [k for k in shapes if is_weight(k.lower() + "_1")]
    j, k, p, q = (index(c) for c in "j k p q".split())
    rows, cols = sp.Symbol("R", integer=True, positive=True), sp.Symbol("Q", integer=True, positive=True)
    w = tensor("w", "W", (rows, cols), ("R", "Q"), None)
    penalty = LAMBDA / 2 * sp.Sum(w[j, k] ** 2, (j, 1, rows), (k, 1, cols))
    ranges = {j: (1, rows), k: (1, cols), p: (1, rows), q: (1, cols)}
    raw = sp.diff(penalty, w[p, q])
    result = collapse_sums(raw, ranges)
    lam = sp.Rational(net.l2.numerator, net.l2.denominator)
    for key in keys:
        if not ctx.want(key) or len(shapes[key]) != 2:
            continue
        own = tensor("w", "W", (rows, cols), shapes[key], ("param", key))
        ctx.claim(Claim(f"L2 share of ∂J/∂{key}", (p, q), ranges, [result], ("l2", key), [own],
                        values={rows: shapes[key][0], cols: shapes[key][1], LAMBDA: lam}))
    body = [Text(t("index.l2_intro", lam=float(net.l2), keys=", ".join(keys))),
            Math([sp.Symbol("J_L2"), display(penalty)], note=t("index.l2_any")),
            Math([display(Partial(J, w[p, q])), display(raw), display(result)], note=t("index.l2_collapse")),
            Text(t("index.l2_where"))]
    return Section(t("index.l2_title", lam=float(net.l2)), body, key="delta-l2")
