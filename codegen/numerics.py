"""Numerically stable NumPy forms of the forward functions and the losses,
and the helper functions the generated code calls.

These are values, not derivatives: every derivative the generated code uses
is printed from the derivation.  The formulas here are the library's f(z)
and l(yhat, y) rearranged so that nothing overflows and nothing cancels:
each helper is accurate to a few ulps in relative terms, in float64 and
float32, wherever its result is a normal number, and float32 in gives
float32 out.  ``tests/codegen/test_numerics.py`` checks each one against
the library's SymPy expression and against mpmath at 50 digits, and states
the bound per function.

``{z}``/``{a}`` stand for array names, ``{alpha}`` for the activation's
parameter and ``{n}`` for the output width.
"""
from __future__ import annotations

import re

from derive.rules import ACTIVATIONS

# f(z) on an array: each activation's NumPy form is on the rules card
# (``ACTIVATIONS[name].numpy``); the helpers those forms call are defined by
# HELPERS below.  ``{out}`` is "" or ", out=Z": where the caller's Z is a fresh
# temporary that nothing reads afterwards, f(Z) overwrites it instead of allocating.
FORWARD = {name: act.numpy or "{z}" for name, act in ACTIVATIONS.items()}

# The batch total of the per-example loss (sum over rows and outputs);
# the .sum() method skips np.sum's dispatch, which shows on small batches.
# ce and bce are computed from the logits z: log(yhat) never sees 0, and
# log(1 - sigmoid(z)) never appears.  In bce, max(z, 0) - z y comes first:
# for y in {0, 1} it is exact (0 when y = 1 and z > 0), so the small
# log1p(exp(-|z|)) keeps its precision instead of being added to z and
# subtracted again.
LOSS_TOTAL = {
    "se": "np.square({a} - Y).sum()",
    "half_se": "0.5 * np.square({a} - Y).sum()",
    "mse": "np.square({a} - Y).sum() / {n}",
    "bce": "(np.maximum({z}, 0) - {z} * Y + np.log1p(np.exp(-np.abs({z})))).sum()",
    "ce": "-(Y * _log_softmax({z})).sum()",
}
LOSS_FROM_LOGITS = {"bce", "ce"}

# The helper functions, as source, in the order they are emitted.  Each is
# self-contained but for calls to the others (helpers_for adds those).
# _erf, _erfc, _norm_cdf, _norm_pdf, _gelu, _gelu_grad, _silu and _silu_grad
# are for activations the table above does not list yet (gelu, silu); the
# derivatives take z, not the output: neither function is monotonic.
HELPERS = {
    "_sigmoid": '''def _sigmoid(z, out=None):
    """1 / (1 + exp(-z)), accurate to a few ulps in relative terms for every z.

    As e / (1 + e) with e = exp(z): three roundings and nothing cancels, so
    it keeps its relative precision in both tails (sigmoid(-700) is
    9.86e-305, where (1 + tanh(z / 2)) / 2 gives 0), and it is the cheapest
    form.  Only exp(z) can overflow, above z = 709 (float64) or 88 (float32).
    Then, and only then, split on the sign, with e = exp(-|z|) <= 1:
    1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0.

    out=z overwrites z (no new (m, n) array but 1 + e), as NumPy's ufuncs do.
    """
    if z.size and z.max() > (709.0 if z.dtype.itemsize >= 8 else 88.0):
        e = np.exp(-np.abs(z))
        top = np.where(z < 0, e, 1)
        e += 1
        return np.divide(top, e, out=out)
    e = np.exp(z, out=out)
    e /= e + 1
    return e
''',
    "_softplus": '''def _softplus(z, out=None):
    """log(1 + exp(z)) as max(z, 0) + log1p(exp(-|z|)), to a few ulps.

    exp only sees -|z| <= 0, so it never overflows; the two terms are never
    of opposite signs, so nothing cancels; log1p keeps the left tail
    (softplus(-700) = 9.86e-305, where log(1 + exp(z)) gives 0).

    out=z overwrites z (no new array), as NumPy's own ufuncs do.
    """
    e = np.abs(z)
    np.negative(e, out=e)
    np.exp(e, out=e)
    np.log1p(e, out=e)
    a = np.maximum(z, 0, out=out)
    a += e
    return a
''',
    "_exp_shifted": '''def _exp_shifted(z):
    """d = z - max and exp(z - max) row by row: exp never overflows, and is
    accurate to about an ulp.

    d is rounded: an absolute error of up to half an ulp of |z - max|, which
    exp would turn into a relative error as large (250 ulps at |z - max| =
    700).  Knuth's two-sum recovers that rounding error exactly, and it is
    put back to first order: exp(d + err) = exp(d) (1 + err), |err| being
    below 1e-13 there.
    """
    top = z.max(axis=1, keepdims=True)
    d = z - top
    back = d + top
    err = (z - back) - (top + (d - back))
    e = np.exp(d)
    err *= e
    e += err
    return d, e
''',
    "_softmax": '''def _softmax(z):
    """Row-wise softmax, to a few ulps in relative terms, small entries too."""
    _, e = _exp_shifted(z)
    e /= e.sum(axis=1, keepdims=True)
    return e
''',
    "_log_softmax": '''def _log_softmax(z):
    """log(softmax(z)) row-wise, finite for every finite z: (z - max) - log1p(r),
    r the sum of exp(z - max) over every entry but one maximum.

    The usual log(sum(exp(z - max))) adds the maximum's 1 before the log,
    which rounds r away below half an ulp: the top log-probability of a row
    the network is sure of (-1e-20) would come out 0, and so would its loss.
    """
    d, e = _exp_shifted(z)
    e[np.arange(z.shape[0]), z.argmax(axis=1)] = 0
    return d - np.log1p(e.sum(axis=1, keepdims=True))
''',
    "_horner": '''def _horner(coefficients, x):
    """sum(c * x**k for k, c in enumerate(coefficients)), by Horner's rule."""
    p = x * coefficients[-1]
    p += coefficients[-2]
    for c in coefficients[-3::-1]:
        p *= x
        p += c
    return p
''',
    "_exp_neg_square": '''def _exp_neg_square(x, scale=1.0):
    """exp(-scale * x * x) to about an ulp, for float64 x >= 0 and scale a power of 2.

    Rounding x * x makes an absolute error of up to half its ulp, and exp
    turns an absolute error in its argument into a relative error of its
    result: 6e-14 (250 ulps) at x = 26.  So x = hi + lo, hi keeping 26
    significant bits: hi * hi is exact, and x * x = hi * hi + lo * (x + hi),
    whose second term is too small for its rounding to matter.
    """
    hi = (x.view(np.int64) & -(1 << 27)).view(np.float64)
    lo = x - hi
    return np.exp(-scale * hi * hi) * np.exp(-scale * lo * (x + hi))
''',
    "_erf_near_zero": '''# erf(x) / x as a polynomial in t = x * x, for |x| <= 1/2 (python -m codegen.erf_fit).
_ERF_SMALL = (
    1.1283791670955126,
    -0.37612638903183754,
    0.11283791670955123,
    -0.026866170645130034,
    0.005223977625403192,
    -0.0008548327016159163,
    0.00012055332131175981,
    -1.4925586560096415e-05,
    1.6459034327218912e-06,
    -1.6273138761686977e-07,
    1.3214378238338438e-08,
)


def _erf_near_zero(x):
    """erf(x) for float64 |x| <= 1/2, as x * P(x * x).

    Every term of P after the first is small there, so erf keeps its
    relative precision down to the smallest x.
    """
    return x * _horner(_ERF_SMALL, x * x)
''',
    "_erfc_tail": '''# e^(x^2) erfc(x) (x + 3) as a polynomial in v = 3.5 / (x + 3), for x >= 1/2
# (python -m codegen.erf_fit).
_ERFC_TAIL = (
    0.5641895835477563,
    0.4835910716123626,
    0.39147848654333506,
    0.2960761662926653,
    0.20584342997847774,
    0.12809825618865373,
    0.06778973146804557,
    0.026733040666463318,
    0.0035617612102138477,
    -0.005809790825402984,
    -0.005456489049339568,
    -0.006312592283241073,
    0.012218323853376102,
    -0.03216148319320578,
    0.07626816937917513,
    -0.1301485072365658,
    0.175040748906514,
    -0.18071194327086423,
    0.1353667509781494,
    -0.07038133345935034,
    0.024095096026512046,
    -0.004903673018859523,
    0.00045140036036970995,
)


def _erfc_tail(x, gauss):
    """erfc(x) for float64 x >= 1/2, given gauss = exp(-x * x) to about an ulp.

    erfc(x) = exp(-x^2) H(v) / (x + 3) with H bounded (0.56 to 2.2) and
    smooth in v: the exponential carries all the decay, so erfc keeps its
    relative precision down to the smallest normal number (x = 26.5), where
    1 - erf(x) cancels to 0 beyond x = 6.
    """
    d = x + 3.0
    return gauss * _horner(_ERFC_TAIL, 3.5 / d) / d
''',
    "_erf": '''def _erf(x):
    """The error function, to about 2 ulps in relative terms for every real x.

    Near 0 it is x * P(x^2), so erf(1e-300) = 1.13e-300; elsewhere
    sign(x) (1 - erfc(|x|)) with erfc(|x|) < 0.48, where the subtraction
    loses nothing.  float64 inside; float32 in gives float32 out.
    """
    x = np.asarray(x)
    dtype = np.result_type(x, np.float32)
    x = x.astype(np.float64)
    out = np.empty_like(x)
    a = np.abs(x)
    near = a <= 0.5
    out[near] = _erf_near_zero(x[near])
    far = ~near
    a = np.minimum(a[far], 6.0)  # erf(6) already rounds to 1: exp need not underflow
    out[far] = np.copysign(1 - _erfc_tail(a, _exp_neg_square(a)), x[far])
    return out.astype(dtype, copy=False)
''',
    "_erfc": '''def _erfc(x):
    """1 - erf(x), to about 2 ulps in relative terms wherever it is a normal number.

    For x >= 1/2 it never subtracts from 1 (see _erfc_tail); for x <= -1/2
    it is 2 - erfc(-x) >= 1, and near 0, 1 - erf(x) in [0.48, 1.52].
    float64 inside; float32 in gives float32 out.
    """
    x = np.asarray(x)
    dtype = np.result_type(x, np.float32)
    x = x.astype(np.float64)
    out = np.empty_like(x)
    a = np.abs(x)
    near = a <= 0.5
    out[near] = 1 - _erf_near_zero(x[near])
    far = ~near
    a = np.minimum(a[far], 28.0)  # erfc(28) underflows to 0 already
    tail = _erfc_tail(a, _exp_neg_square(a))
    out[far] = np.where(x[far] > 0, tail, 2 - tail)
    return out.astype(dtype, copy=False)
''',
    "_norm_cdf": '''def _norm_cdf(z):
    """Phi(z) = P(N(0, 1) <= z) = erfc(-z / sqrt(2)) / 2, to a few ulps in relative
    terms wherever it is a normal number (z > -37.5 in float64, -13 in float32).

    In the left tail, erfc's Gaussian factor exp(-z^2 / 2) is formed from z
    itself: going through u = z / sqrt(2) would round u first, and exp(-u^2)
    magnifies that into a relative error of u^2 ulps (700 at z = -37).
    float64 inside; float32 in gives float32 out.
    """
    z = np.asarray(z)
    dtype = np.result_type(z, np.float32)
    z = z.astype(np.float64)
    out = np.empty_like(z)
    a = np.abs(z)
    near = a <= 0.7071067811865476  # |z| / sqrt(2) <= 1/2: Phi in [0.24, 0.76]
    out[near] = 0.5 + 0.5 * _erf_near_zero(z[near] * 0.7071067811865476)
    far = ~near
    a = np.minimum(a[far], 40.0)  # Phi(-40) underflows to 0 already
    left = 0.5 * _erfc_tail(a * 0.7071067811865476, _exp_neg_square(a, 0.5))  # Phi(-|z|)
    out[far] = np.where(z[far] < 0, left, 1 - left)
    return out.astype(dtype, copy=False)
''',
    "_norm_pdf": '''def _norm_pdf(z):
    """phi(z) = exp(-z^2 / 2) / sqrt(2 pi), to a few ulps in relative terms
    (exp's argument formed exactly: see _exp_neg_square).
    float64 inside; float32 in gives float32 out.
    """
    z = np.asarray(z)
    dtype = np.result_type(z, np.float32)
    a = np.minimum(np.abs(z.astype(np.float64)), 40.0)  # phi(40) underflows to 0 already
    return (_exp_neg_square(a, 0.5) * 0.3989422804014327).astype(dtype, copy=False)
''',
    "_gelu": '''def _gelu(z):
    """GELU in its exact form (torch's default F.gelu): z * Phi(z), to a few ulps.

    Phi from _norm_cdf keeps the left tail: gelu(-10) = -7.6e-23 to full
    precision, where z (1 + erf(z / sqrt(2))) / 2 loses digits from z = -3
    on and is 0 beyond z = -8.3.  float32 in gives float32 out.
    """
    z = np.asarray(z)
    dtype = np.result_type(z, np.float32)
    z = z.astype(np.float64)
    return (z * _norm_cdf(z)).astype(dtype, copy=False)
''',
    "_gelu_grad": '''def _gelu_grad(z):
    """d gelu / dz = Phi(z) + z phi(z), in z (gelu is not monotonic: its output
    does not determine z).

    Both terms are precise (see _norm_cdf, _norm_pdf).  For z < 0 they have
    opposite signs and cancel where the derivative crosses 0 (z = -0.75);
    the error there is a few ulps of the terms, not of their sum.
    float32 in gives float32 out.
    """
    z = np.asarray(z)
    dtype = np.result_type(z, np.float32)
    z = z.astype(np.float64)
    z_c = np.clip(z, -40.0, 40.0)  # phi is 0 beyond: no inf * 0
    return (_norm_cdf(z) + z_c * _norm_pdf(z_c)).astype(dtype, copy=False)
''',
    "_silu": '''def _silu(z):
    """SiLU (swish): z * sigmoid(z), to a few ulps (_sigmoid keeps both tails)."""
    z = np.asarray(z)
    return z * _sigmoid(z)
''',
    "_silu_grad": '''def _silu_grad(z):
    """d silu / dz = sigmoid(z) (1 + z sigmoid(-z)), in z (silu is not monotonic).

    sigmoid(-z) is 1 - sigmoid(z), but taken from e = exp(-|z|) directly:
    1 - sigmoid(z) would cancel for large z.  Where the derivative crosses 0
    (z = -1.28) the error is a few ulps of the terms, not of their sum.
    """
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    big = 1 / (1 + e)  # sigmoid(|z|)
    small = e * big    # sigmoid(-|z|)
    return np.where(z >= 0, big * (1 + z * small), small * (1 + z * big))
''',
}

# Initial weight scale: He (std sqrt(2 / n_in)) for the ReLU family, whose
# outputs are zero for half the inputs; Xavier/Glorot (std sqrt(2 / (n_in +
# n_out))) for the rest, which are near-linear around 0.
HE = {"relu", "leaky_relu", "elu", "softplus"}


def init_scheme(act: str) -> str:
    return "he" if act in HE else "xavier"


def alpha_of(act) -> float | None:
    card = ACTIVATIONS[act.name]
    if card.default_alpha is None:
        return None
    return float(card.default_alpha if act.alpha is None else act.alpha)


def forward_code(act, z: str, in_place: bool = False) -> str:
    """f(z) as code; in_place=True lets it overwrite z where f allows (z must be a
    temporary nothing reads afterwards)."""
    alpha = alpha_of(act)
    return FORWARD[act.name].format(z=z, alpha=repr(alpha) if alpha is not None else "",
                                    out=f", out={z}" if in_place else "")


def _calls(code: str) -> set[str]:
    return {name for name in HELPERS if re.search(rf"(?<![\w.]){name}\(", code)}


def helpers_for(code: str) -> list[str]:
    """The helper definitions a piece of generated code calls, with the helpers
    those call in turn, in HELPERS' order."""
    needed, todo = set(), _calls(code)
    while todo:
        name = todo.pop()
        needed.add(name)
        todo |= _calls(HELPERS[name]) - needed
    return [HELPERS[name] for name in HELPERS if name in needed]
