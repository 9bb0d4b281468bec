"""Numerically stable NumPy forms of the forward functions and the losses.

These are values, not derivatives: every derivative the generated code uses
is printed from the derivation.  The formulas here are the library's f(z)
and l(yhat, y) rearranged so that nothing overflows, and
``tests/codegen/test_numerics.py`` checks each one against the library's
SymPy expression.

``{z}``/``{a}`` stand for array names, ``{alpha}`` for the activation's
parameter and ``{n}`` for the output width.
"""
from __future__ import annotations

from derive.rules import ACTIVATIONS

# f(z) on an array.  Helpers named here are defined by HELPERS below.
# ``{out}`` is "" or ", out=Z": where the caller's Z is a fresh temporary
# that nothing reads afterwards, f(Z) overwrites it instead of allocating.
FORWARD = {
    "identity": "{z}",
    "sigmoid": "_sigmoid({z}{out})",
    "tanh": "np.tanh({z}{out})",
    "relu": "np.maximum({z}, 0{out})",
    "leaky_relu": "np.where({z} > 0, {z}, {alpha} * {z})",
    # expm1 only sees z <= 0, so exp cannot overflow in the branch np.where drops.
    "elu": "np.where({z} > 0, {z}, {alpha} * np.expm1(np.minimum({z}, 0)))",
    "softplus": "np.logaddexp(0, {z})",
    "softmax": "_softmax({z})",
}

# The batch total of the per-example loss (sum over rows and outputs);
# the .sum() method skips np.sum's dispatch, which shows on small batches.
# ce and bce are computed from the logits z: log(yhat) never sees 0.
LOSS_TOTAL = {
    "se": "np.square({a} - Y).sum()",
    "half_se": "0.5 * np.square({a} - Y).sum()",
    "mse": "np.square({a} - Y).sum() / {n}",
    "bce": "(np.maximum({z}, 0) - {z} * Y + np.log1p(np.exp(-np.abs({z})))).sum()",
    "ce": "-(Y * _log_softmax({z})).sum()",
}
LOSS_FROM_LOGITS = {"bce", "ce"}

HELPERS = {
    "_sigmoid": '''def _sigmoid(z, out=None):
    """1 / (1 + exp(-z)) as (1 + tanh(z/2)) / 2: tanh saturates where exp would overflow.

    out=z overwrites z (no new array), as NumPy's own ufuncs do.
    """
    a = np.multiply(z, 0.5, out=out)
    np.tanh(a, out=a)
    a += 1
    a *= 0.5
    return a
''',
    "_softmax": '''def _softmax(z):
    """Row-wise softmax, shifted by the row maximum so exp never overflows."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e
''',
    "_log_softmax": '''def _log_softmax(z):
    """log(softmax(z)) by log-sum-exp: finite for every finite z."""
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
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


def helpers_for(code: str) -> list[str]:
    """The helper definitions a piece of generated code calls, in a fixed order."""
    return [HELPERS[name] for name in HELPERS if name + "(" in code]
