"""What the vectorized code takes from the derivation: the output error
(BP1) and the loss, as elementwise SymPy expressions whose symbols stand
for whole arrays (A2, Y), all from the rules card (``derive.rules``).

Nothing here is per-parameter or per-neuron: one expression per layer, so
emitting a 784-512-256-10 network is as quick as emitting 2-3-1.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from derive import rules
from derive.rules import ACTIVATIONS, LOSSES

# What each loss is, for the generated docstrings (the definition itself is
# the card's SymPy term).
LOSS_TEXT = {
    "se": "squared error: sum_k (yhat_k - y_k)^2",
    "half_se": "half squared error: 1/2 sum_k (yhat_k - y_k)^2",
    "mse": "mean squared error: 1/n_L sum_k (yhat_k - y_k)^2",
    "bce": "binary cross-entropy (sigmoid output)",
    "ce": "cross-entropy (softmax output, rows of Y sum to 1)",
}

# The card names the assumption a taught output delta needs by a key.
ASSUMPTIONS = {"targets_sum_to_one": "rows of Y sum to 1 (one-hot or probabilities)"}


def array(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


S = sp.Symbol("S", positive=True)   # sigmoid(z), for an f' that the card writes with exp(+-z)


@lru_cache(maxsize=None)
def stable_fprime(name: str, alpha=None) -> tuple[sp.Expr, sp.Symbol, bool]:
    """The card's f' as the code evaluates it: (expression, the symbol it is
    in -- rules.a or rules.z --, whether it also reads S = sigmoid(z)).

    An f' in z that holds exp(+-z) (silu) overflows for large |z| when printed
    as it stands; written in S = sigmoid(z) (exp(-z) = (1 - S)/S, exactly)
    it is bounded.  The rewrite is kept only when it removes every exp.
    """
    fp = rules.fprime(name, alpha)
    if fp.in_output or not fp.expr.has(sp.exp):
        return fp.expr, fp.var, False
    z = rules.z
    in_s = sp.factor(sp.simplify(fp.expr.subs(sp.exp(-z), (1 - S) / S).subs(sp.exp(z), S / (1 - S))))
    if in_s.has(sp.exp):
        return fp.expr, fp.var, False
    return rules.tidy_sign(in_s), z, True


@dataclass(frozen=True)
class OutputError:
    expr: sp.Expr   # delta^L in yhat and y (and z when f' is written in z), one element
    yhat: sp.Symbol
    y: sp.Symbol
    note: str       # the assumption under which expr is the derivative
    # Squared-error losses, dl/dyhat_j = k (yhat_j - y_j): (k, f'), so that
    # expr = k * (yhat - y) * f' and the per-example loss is k/2 sum (yhat - y)^2.
    # The residual yhat - y is then computed once, for J and for BP1.
    residual: tuple[sp.Rational, sp.Expr] | None = None
    z: sp.Symbol | None = None   # the output's pre-activation, when f' reads it
    sigmoid: bool = False        # f' reads S = sigmoid(z) too (silu)


@lru_cache(maxsize=None)
def output_error(act: str, loss: str, n: int, alpha=None) -> OutputError:
    """delta^L_j = dl/dz_j for one element j, in yhat_j and y_j.

    softmax + ce: the card's classroom form (yhat_j - y_j, valid when the
    rows of Y sum to 1).  It has the same shape at every width, so it is
    taken at width 2, which keeps emitting fast for wide outputs.
    Elementwise outputs: dl/dyhat_j (sympy.diff of the card's loss at the
    real width n; only element j's terms survive) times the card's f'
    (in yhat_j, or in z_j for gelu and silu), simplified when f' cancels.
    """
    if not ACTIVATIONS[act].elementwise:
        od = rules.output_delta(act, loss, 2, alpha)
        return OutputError(od.taught[0], od.yhats[0], od.ys[0], ASSUMPTIONS.get(od.assumes, od.assumes))
    yh = [sp.Symbol(f"yhat_{k + 1}", real=True) for k in range(n)]
    ys = [sp.Symbol(f"y_{k + 1}", real=True) for k in range(n)]
    z1 = sp.Symbol("z_1", real=True)
    dl_dyhat = sp.factor(sp.diff(LOSSES[loss].per_example(yh, ys), yh[0]))
    expr, var, sigmoid = stable_fprime(act, alpha)
    in_output = var == rules.a
    fprime = expr.subs(rules.a, yh[0]) if in_output else expr.subs(rules.z, z1)
    form = dl_dyhat * fprime
    residual = _squared_error(loss, yh, ys, dl_dyhat, fprime)
    # Simplify only when f' cancels against dl/dyhat (sigmoid + bce -> yhat - y).
    if in_output:
        simpler = sp.factor(sp.simplify(form))
        if simpler.count(yh[0]) < form.count(yh[0]):
            form = rules.tidy_sign(simpler)
    return OutputError(form, yh[0], ys[0], "", residual, None if in_output else z1, sigmoid)


def _squared_error(loss, yh, ys, dl_dyhat, fprime):
    """(k, f') when dl/dyhat_j = k (yhat_j - y_j) with k a number and the loss is
    exactly k/2 sum_j (yhat_j - y_j)^2 (checked by SymPy, not assumed); else None."""
    k = sp.cancel(dl_dyhat / (yh[0] - ys[0]))
    if not k.is_Rational:
        return None
    squares = sp.Add(*[(p - q) ** 2 for p, q in zip(yh, ys)])
    if sp.expand(LOSSES[loss].per_example(yh, ys) - k / 2 * squares) != 0:
        return None
    return k, fprime


def l2_coefficients(lam) -> tuple[sp.Rational, sp.Rational]:
    """(c_J, c_g): the L2 term adds c_J * sum W^2 to J and c_g * W to dJ/dW,
    from sympy.diff of (lambda/2) w^2."""
    w = sp.Symbol("w", real=True)
    lam = sp.Rational(lam.numerator, lam.denominator) if hasattr(lam, "numerator") else sp.nsimplify(lam)
    penalty = lam / 2 * w ** 2
    return sp.cancel(penalty / w ** 2), sp.cancel(sp.diff(penalty, w) / w)
