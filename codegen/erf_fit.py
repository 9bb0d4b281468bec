"""The polynomial tables behind the generated ``_erf`` family, refitted from
mpmath: ``python -m codegen.erf_fit`` prints them as they appear in
``codegen/numerics.py``, and ``tests/codegen/test_numerics.py`` checks that
the tables there are exactly these.

Two smooth functions are fitted, each by interpolation at Chebyshev points
(near-minimax) in 60-digit arithmetic, then written as plain monomials for
Horner's rule, rounded to float64 once:

- ``ERF_SMALL``: erf(x) / x as a polynomial in t = x^2, for |x| <= 1/2.
  All its terms but the first are small there (|t| <= 1/4), so Horner's rule
  adds well under an ulp.
- ``ERFC_TAIL``: e^(x^2) erfc(x) (x + 3) as a polynomial in v = 3.5 / (x + 3),
  for x >= 1/2 (v in (0, 1]).  The scaled erfc is smooth and bounded, and as
  x grows v -> 0, so the far tail is carried by the first two coefficients.
  The map x -> v puts x = infinity at v = 0 instead of at an end of an
  x-interval, which is why one polynomial covers [1/2, infinity).
"""
from __future__ import annotations

from math import comb

import mpmath as mp

DIGITS = 60
ERF_SMALL_TERMS = 11     # |error| / |f| < 1e-21 on t in [0, 1/4]
ERFC_TAIL_TERMS = 23     # |error| / |f| < 6e-18 on v in (0, 1]
X_SPLIT = mp.mpf(1) / 2  # below: erf from ERF_SMALL; above: erfc from ERFC_TAIL
SHIFT = 3                # v = (X_SPLIT + SHIFT) / (x + SHIFT)


def _chebyshev(f, n):
    """Coefficients c_j of sum c_j T_j(s) interpolating f at n Chebyshev points of [-1, 1]."""
    nodes = [mp.cos(mp.pi * (k + mp.mpf(1) / 2) / n) for k in range(n)]
    values = [f(s) for s in nodes]
    return [(2 if j else 1) * mp.fsum(values[k] * mp.cos(mp.pi * j * (k + mp.mpf(1) / 2) / n)
                                      for k in range(n)) / n for j in range(n)]


def _monomials_in_s(c):
    """sum c_j T_j(s) as sum a_i s^i."""
    n = len(c)
    T = [[mp.mpf(1)] + [mp.mpf(0)] * (n - 1), [mp.mpf(0), mp.mpf(1)] + [mp.mpf(0)] * (n - 2)]
    for k in range(2, n):
        T.append([2 * (T[k - 1][i - 1] if i else 0) - T[k - 2][i] for i in range(n)])
    return [mp.fsum(c[k] * T[k][i] for k in range(n)) for i in range(n)]


def _rescale(a, lo, hi):
    """sum a_i s^i with s = (2u - lo - hi) / (hi - lo), as sum b_i u^i."""
    p, q = 2 / (hi - lo), -(lo + hi) / (hi - lo)   # s = p u + q
    n = len(a)
    return [mp.fsum(a[k] * comb(k, i) * p ** i * q ** (k - i) for k in range(i, n)) for i in range(n)]


def _erf_over_x(t):
    if t == 0:
        return 2 / mp.sqrt(mp.pi)
    x = mp.sqrt(t)
    return mp.erf(x) / x


def _scaled_erfc_tail(v):
    if v == 0:
        return 1 / mp.sqrt(mp.pi)
    x = (X_SPLIT + SHIFT) / v - SHIFT
    return mp.exp(x * x) * mp.erfc(x) * (x + SHIFT)


def fit(f, lo, hi, terms):
    """Monomial coefficients (lowest first) of f's Chebyshev interpolant on [lo, hi]."""
    lo, hi = mp.mpf(lo), mp.mpf(hi)
    c = _chebyshev(lambda s: f((s * (hi - lo) + lo + hi) / 2), terms)
    return _rescale(_monomials_in_s(c), lo, hi)


def tables() -> dict[str, tuple[float, ...]]:
    with mp.workdps(DIGITS):
        return {
            "ERF_SMALL": tuple(float(a) for a in fit(_erf_over_x, 0, X_SPLIT ** 2, ERF_SMALL_TERMS)),
            "ERFC_TAIL": tuple(float(a) for a in fit(_scaled_erfc_tail, 0, 1, ERFC_TAIL_TERMS)),
        }


def main() -> int:
    for name, coefs in tables().items():
        print(f"_{name} = (")
        for a in coefs:
            print(f"    {a!r},")
        print(")")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
