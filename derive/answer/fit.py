"""Does an answer equal a candidate up to a transpose and a constant factor?

The answer's values S and a candidate's values V are known on the same
batches.  On each batch the best factor c = <S, V>/<V, V> must leave no
residue; the factors of all batches must then be one number s times m to
the power -1, 0 or 1 (a missing or an extra 1/m shows only when m changes,
which is why the batches have several sizes).  A transposed answer is
tried when the plain one does not fit.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RTOL = 1e-7
TINY = 1e-24


@dataclass(frozen=True)
class Fit:
    transposed: bool
    scale: float          # s
    power: int            # S = s * m**power * V (or its transpose)


def fit(S: list, V: list, ms: list[int], transposes: bool = True) -> Fit | None:
    for transposed in ((False, True) if transposes else (False,)):
        if transposed and all(np.ndim(v) < 2 for v in V):
            continue
        found = _fit([np.asarray(v).T if transposed else np.asarray(v) for v in V], S, ms)
        if found is not None:
            return Fit(transposed, *found)
    return None


def _fit(V, S, ms):
    factors = []
    for s, v, m in zip(S, V, ms):
        s = np.asarray(s, dtype=float)
        if s.shape != v.shape or not (np.all(np.isfinite(s)) and np.all(np.isfinite(v))):
            return None
        vv, ss = float((v * v).sum()), float((s * s).sum())
        if vv < TINY:
            if ss < TINY:
                continue       # both zero on this batch: any factor
            return None
        c = float((s * v).sum()) / vv
        if np.sqrt(float(((s - c * v) ** 2).sum())) > RTOL * max(np.sqrt(ss), abs(c) * np.sqrt(vv)):
            return None
        factors.append((m, c))
    if not factors:
        return None
    for power in (0, 1, -1):
        scaled = [c / m ** power for m, c in factors]
        s = scaled[0]
        if all(abs(x - s) <= RTOL * max(abs(x), abs(s)) for x in scaled):
            if power and len({m for m, _ in factors}) < 2:
                continue
            return s, power
    return None


def equal(S: list, V: list) -> bool:
    """The same shapes and numbers on every batch."""
    for s, v in zip(S, V):
        s, v = np.asarray(s, dtype=float), np.asarray(v, dtype=float)
        if s.shape != v.shape or not np.all(np.isfinite(s)):
            return False
        scale = max(float(np.abs(v).max(initial=0)), 1e-300)
        if not np.allclose(s, v, rtol=RTOL, atol=RTOL * scale):
            return False
    return True
