"""What the vectorized code takes from the derivation: the output error
(BP1) and each layer's f' written in its output, as elementwise SymPy
expressions whose symbols stand for whole arrays (A2, Y).

Nothing here is per-parameter or per-neuron: one expression per layer, so
emitting a 784-512-256-10 network is as quick as emitting 2-3-1.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from derive import rules
from derive.rules import ACTIVATIONS, LOSSES


def array(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


@dataclass(frozen=True)
class OutputError:
    expr: sp.Expr   # delta^L in yhat and y (scalar symbols, one element)
    yhat: sp.Symbol
    y: sp.Symbol
    note: str       # the assumption under which expr is the derivative
    # Squared-error losses, dl/dyhat_j = k (yhat_j - y_j): (k, f'), so that
    # expr = k * (yhat - y) * f' and the per-example loss is k/2 sum (yhat - y)^2.
    # The residual yhat - y is then computed once, for J and for BP1.
    residual: tuple[sp.Rational, sp.Expr] | None = None


@lru_cache(maxsize=None)
def output_error(act: str, loss: str, n: int, alpha=None) -> OutputError:
    """delta^L_j = dl/dz_j for one element j, in yhat_j and y_j.

    softmax + ce: the library's classroom form (yhat_j - y_j, valid when the
    rows of Y sum to 1).  It has the same shape at every width, so it is
    taken at width 2, which keeps emitting fast for wide outputs.
    Elementwise outputs: dl/dyhat_j (sympy.diff of the library loss at the
    real width n; only element j's terms survive) times f'(z_j) written in
    yhat_j, simplified when that is shorter, exactly as the library does.
    """
    if not ACTIVATIONS[act].elementwise:
        od = rules.output_delta(act, loss, 2, alpha)
        return OutputError(od.taught[0], od.yhats[0], od.ys[0], _ASSUMES.get(od.assumes, ""))
    yh = [sp.Symbol(f"yhat_{k + 1}", real=True) for k in range(n)]
    ys = [sp.Symbol(f"y_{k + 1}", real=True) for k in range(n)]
    dl_dyhat = sp.factor(sp.diff(LOSSES[loss].per_example(yh, ys), yh[0]))
    fp = rules.fprime(act, alpha)
    fprime = fp.expr.subs(rules.a, yh[0]) if fp.in_output else fp.expr.subs(rules.z, sp.Symbol("z_1", real=True))
    form = dl_dyhat * fprime
    residual = _squared_error(loss, yh, ys, dl_dyhat, fprime)
    # Simplify only when f' cancels against dl/dyhat (sigmoid + bce -> yhat - y).
    simpler = sp.factor(sp.simplify(form))
    if simpler.count(yh[0]) < form.count(yh[0]):
        form = rules.tidy_sign(simpler)
    return OutputError(form, yh[0], ys[0], "", residual)


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


def fprime_in_output(act: str, alpha=None) -> sp.Expr:
    """f'(z) in the layer output ``a`` (the rules card's rewrite)."""
    return rules.fprime(act, alpha).expr


# the assumption behind a pair's classroom output delta, as the module docstring says it
_ASSUMES = {"targets_sum_to_one": "the rows of Y sum to 1 (one-hot or probabilities)"}
