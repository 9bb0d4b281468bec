"""Exact references for the precision tests: each function in mpmath at 50
digits, evaluated at the float inputs themselves (taken as exact), and the
error of a computed array measured in ulps of the exact result.

No chainrule code is involved here: these are the textbook definitions.
"""
from __future__ import annotations

from functools import lru_cache

import mpmath as mp
import numpy as np

DIGITS = 50


def _sigmoid(z):
    return 1 / (1 + mp.exp(-z))


def _softplus(z):
    # log1p, not log(1 + ...): at 50 digits 1 + exp(-700) would round too
    return mp.log1p(mp.exp(z)) if z < 0 else z + mp.log1p(mp.exp(-z))


def _phi(z):
    return mp.exp(-z * z / 2) / mp.sqrt(2 * mp.pi)


def _erfc(z):
    # mpmath overflows computing erfc(1e300); erfc(1e5) < 1e-4e9, zero to any float
    return mp.erfc(z) if z < 1e5 else mp.mpf(0)


def _Phi(z):
    return mp.erfc(-z / mp.sqrt(2)) / 2


# f(z, alpha) and f'(z, alpha), straight from the definitions.
FUNCTIONS = {
    "identity": (lambda z, al: z, lambda z, al: mp.mpf(1)),
    "sigmoid": (lambda z, al: _sigmoid(z), lambda z, al: _sigmoid(z) * _sigmoid(-z)),
    "tanh": (lambda z, al: mp.tanh(z), lambda z, al: 1 / mp.cosh(z) ** 2),
    "relu": (lambda z, al: max(z, mp.mpf(0)), lambda z, al: mp.mpf(1 if z > 0 else 0)),
    "leaky_relu": (lambda z, al: z if z > 0 else al * z, lambda z, al: mp.mpf(1) if z > 0 else al),
    "elu": (lambda z, al: z if z > 0 else al * mp.expm1(z),
            lambda z, al: mp.mpf(1) if z > 0 else al * mp.exp(z)),
    "softplus": (lambda z, al: _softplus(z), lambda z, al: _sigmoid(z)),
    "erf": (lambda z, al: mp.erf(z), lambda z, al: 2 / mp.sqrt(mp.pi) * mp.exp(-z * z)),
    "erfc": (lambda z, al: _erfc(z), None),
    "norm_cdf": (lambda z, al: _Phi(z), lambda z, al: _phi(z)),
    "norm_pdf": (lambda z, al: _phi(z), None),
    "gelu": (lambda z, al: z * _Phi(z), lambda z, al: _Phi(z) + z * _phi(z)),
    "silu": (lambda z, al: z * _sigmoid(z), lambda z, al: _sigmoid(z) * (1 + z * _sigmoid(-z))),
}


def split(values) -> tuple[np.ndarray, np.ndarray]:
    """mpf values as double-doubles hi + lo (hi the float64 nearest)."""
    hi = np.array([float(v) for v in values])
    lo = np.array([float(v - mp.mpf(h)) if np.isfinite(h) else 0.0 for v, h in zip(values, hi)])
    return hi, lo


@lru_cache(maxsize=None)
def reference(name: str, which: int, points: tuple[float, ...], alpha=None):
    """f (which=0) or f' (which=1) at the points, as (hi, lo) float64 arrays."""
    fn = FUNCTIONS[name][which]
    with mp.workdps(DIGITS):
        al = None if alpha is None else mp.mpf(alpha)
        return split([fn(mp.mpf(p), al) for p in points])


def ulp(x, dtype) -> np.ndarray:
    """The spacing of dtype's numbers at |x| (x float64), normal range."""
    fi = np.finfo(dtype)
    _, e = np.frexp(np.abs(x))
    e = np.maximum(e - 1, fi.minexp)
    return np.ldexp(1.0, e - fi.nmant)


def ulps(got, hi, lo, dtype) -> np.ndarray:
    """|got - exact| in ulps (of dtype) of the exact value hi + lo."""
    got = np.asarray(got, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        err = np.abs((got - hi) - lo)
        return np.where(got == hi + lo, 0.0, err / ulp(hi, dtype))


def normal(hi, dtype) -> np.ndarray:
    """Where the exact value is a normal number of dtype (relative error is defined)."""
    fi = np.finfo(dtype)
    return (np.abs(hi) >= fi.tiny) & (np.abs(hi) <= fi.max)
