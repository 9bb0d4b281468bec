"""Batch norm and layer norm: normalise, then scale by gamma and shift by beta.

bn: statistics over the batch (and, on images, over H and W: torch's
BatchNorm2d), one gamma/beta per feature or channel; biased variance.
ln: statistics over every axis but the batch (torch's LayerNorm with the
whole example as the normalised shape), gamma/beta of the example's shape.
"""
from __future__ import annotations

from dataclasses import dataclass

from .base import Layer, Shape

EPS = "1e-5"   # torch's default eps, kept as text so it prints as written


@dataclass(frozen=True)
class BatchNorm(Layer):
    kind = "bn"
    takes = ("flat", "image")

    def params(self, shape: Shape, bias: bool) -> dict[str, Shape]:
        return {f"gamma{self.l}": shape[:1], f"beta{self.l}": shape[:1]}

    def token(self) -> str:
        return "bn"


@dataclass(frozen=True)
class LayerNorm(Layer):
    kind = "ln"

    def params(self, shape: Shape, bias: bool) -> dict[str, Shape]:
        return {f"gamma{self.l}": shape, f"beta{self.l}": shape}

    def token(self) -> str:
        return "ln"

def _normalise(b, layer, x, groups, stat_idx, stat_row):
    """Shared by bn and ln: for each group of entries (rows and positions that
    share one mean and variance) define mu, sigma^2, x-hat and the output
    gamma x-hat + beta.  ``stat_idx(pos)`` is the index of the statistic,
    ``stat_row(r)`` its row (None for bn: one statistic for the whole batch)."""
    import numpy as np
    import sympy as sp
    eps = sp.Rational(1, 10 ** 5)
    out = np.empty(x.shape, dtype=object)
    for key, members in groups.items():
        r0, pos0 = members[0]
        n = len(members)
        row = stat_row(r0)
        mu = b.define("mu", layer.l, stat_idx(pos0), row,
                      sp.Add(*[x[(r, *p)] for r, p in members]) / n, named=True)
        var = b.define("var", layer.l, stat_idx(pos0), row,
                       sp.Add(*[(x[(r, *p)] - mu) ** 2 for r, p in members]) / n, named=True)
        for r, p in members:
            xhat = b.define("xhat", layer.l, p, b.rows[r], (x[(r, *p)] - mu) / sp.sqrt(var + eps),
                            named=True)
            gidx = layer.gamma_index(p)
            out[(r, *p)] = b.define("a", layer.l, p, b.rows[r],
                                    b.param(f"gamma{layer.l}", gidx) * xhat + b.param(f"beta{layer.l}", gidx),
                                    "norm")
    return out


def _bn_scalar(self, b, x):
    """Statistics per feature (per channel on images) over the batch rows."""
    import numpy as np
    groups = {}
    for r in range(x.shape[0]):
        for p in np.ndindex(x.shape[1:]):
            groups.setdefault(p[0], []).append((r, p))
    return _normalise(b, self, x, groups, lambda p: (p[0],), lambda r: None)


def _ln_scalar(self, b, x):
    """Statistics per example over all its entries."""
    import numpy as np
    groups = {}
    for r in range(x.shape[0]):
        for p in np.ndindex(x.shape[1:]):
            groups.setdefault(r, []).append((r, p))
    # one statistic per example, named with the index 1 (mu{l}_1): a name with no index
    # at all, mu{r}_{l}, would read like batch norm's mu{l}_{j}
    return _normalise(b, self, x, groups, lambda p: (0,), lambda r: b.rows[r])


BatchNorm.scalar = _bn_scalar
BatchNorm.gamma_index = lambda self, p: (p[0],)
LayerNorm.scalar = _ln_scalar
LayerNorm.gamma_index = lambda self, p: p
