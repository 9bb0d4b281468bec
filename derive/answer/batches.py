"""Random batches of a dense network, and every quantity an answer may name.

A --grad answer is compared with the derivation at several random points:
random parameters, inputs and targets, for batch sizes 1 and two others
(``batch_sizes``: m = 1 alone cannot tell a missing sum over the batch or a
missing 1/m).  Each batch goes through ``MatrixNumbers``, the delta view's
own BP1-BP4 evaluated with NumPy, which gives Z, A, the per-example errors
Δ (dZ) and the gradients.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import sympy as sp

from ..errors import ChainruleError
from ..index_algebra import ONES
from ..matrix_numbers import MatrixEvaluator, MatrixNumbers, derivative
from ..rules import ACTIVATIONS
from ..views.delta import M, DeltaView
from .syntax import suggest

DRAWS = 2            # random draws per batch size
BATCH_SIZES = 3      # 1 and two more


def batch_sizes(net) -> list[int]:
    """1, then the two smallest odd sizes that are no width of the network
    (so a shape that holds m is never mistaken for a width)."""
    widths = set(net.sizes)
    others = [m for m in (3, 5, 7, 9, 11, 13, 15, 17, 19, 23, 29, 31) if m not in widths]
    return [1] + others[:BATCH_SIZES - 1]


def answer_names(net) -> dict[str, tuple[str, int | None]]:
    """Every name a --grad answer may use: name -> (kind, layer)."""
    out = {"X": ("X", 0), "Y": ("Y", None), "m": ("m", None)}
    for l in range(1, net.depth + 1):
        out.update({f"Z{l}": ("Z", l), f"A{l}": ("A", l), f"dZ{l}": ("dZ", l), f"W{l}": ("W", l)})
        if net.bias:
            out[f"b{l}"] = ("b", l)
    return out


def check_names(net, used: list[str]) -> None:
    """ChainruleError for the first name the network does not have, saying why."""
    known = answer_names(net)
    L = net.depth
    for name in used:
        if name in known:
            continue
        shown = name[:40]
        import re
        m = re.fullmatch(r"(dZ|Z|A|W|b|dW|db|dA)(\d+)", name)
        what = (f"X, Y, m and, for each layer l = 1..{L}, Z{{l}}, A{{l}}, dZ{{l}}, W{{l}}"
                + (", b{l}" if net.bias else ""))
        if m and m.group(1) in ("dW", "db"):
            raise ChainruleError(f"--answer uses {shown}, the gradient being asked for; write it in terms of "
                                 f"{what}")
        if m and m.group(1) == "dA":
            raise ChainruleError(f"--answer uses {shown}; the errors are dZ{{l}} (delta = dJ/dZ, one row per "
                                 f"example); the names are {what}")
        if m and int(m.group(2)) == 0:
            raise ChainruleError(f"--answer uses {shown}: layer 0 is the input; write X")
        if m and m.group(1) == "b" and not net.bias:
            raise ChainruleError(f"--answer uses {shown}, but {net.spec} has no biases (nobias)")
        if m and int(m.group(2)) > L:
            raise ChainruleError(f"--answer uses {shown}, but {net.spec} has layers 1 to {L} only (no layer "
                                 f"{int(m.group(2))}); the names are {what}")
        if name.lower() in ("yhat", "y_hat", "ŷ"):
            raise ChainruleError(f"--answer uses {shown}; write the prediction as A{L}")
        raise ChainruleError(f"--answer uses the unknown name '{shown}'{suggest(name, known)}; "
                             f"the names are {what}")


@dataclass
class Batch:
    """One random batch: ``numbers`` (Z, A, D, grads), ``env`` (answer name ->
    array) and ``mats`` (the delta view's matrix symbols -> arrays)."""
    m: int
    numbers: MatrixNumbers
    env: dict
    mats: dict     # by the MatrixSymbol's name, so that a change replaces it

    def evaluate(self, expr, changes: dict | None = None):
        """A delta-view matrix expression's value; ``changes`` replace arrays
        (by MatrixSymbol name) for this evaluation only."""
        mats = {**self.mats, **changes} if changes else self.mats
        return MatrixEvaluator(mats, {M: self.m})(expr)


def draw(net, view: DeltaView, m: int, seed: int) -> Batch:
    """A batch of ``m`` random examples with random parameters: weights of
    about 1/sqrt(fan-in), so no unit saturates; targets as the loss expects
    them (one-hot for ce, 0/1 for bce)."""
    rng = np.random.default_rng([seed, m, 2026])
    sizes = net.sizes
    X = rng.normal(size=(m, sizes[0]))
    n = sizes[-1]
    if net.loss == "ce":
        Y = np.eye(n)[rng.integers(0, n, size=m)]
    elif net.loss == "bce":
        Y = rng.integers(0, 2, size=(m, n)).astype(float)
    else:
        Y = rng.normal(size=(m, n))
    arrays = {}
    for key, shape in net.param_shapes().items():
        if key.startswith("W"):
            arrays[key] = rng.normal(size=shape) * 1.2 / np.sqrt(shape[1])
        else:
            arrays[key] = rng.normal(size=shape) * 0.5
    numbers = MatrixNumbers(net, SimpleNamespace(X=X.tolist(), Y=Y.tolist()), arrays, view)
    env = {"X": numbers.X, "Y": numbers.Y, "m": float(m)}
    mats = {ONES.text: np.ones((m, 1)), view.layers[net.depth].y.matrix.name: numbers.Y}
    for l in range(1, net.depth + 1):
        ls = view.layers[l]
        W = numbers.params[f"W{l}"]
        b = numbers.params.get(f"b{l}", np.zeros(sizes[l]))
        env.update({f"Z{l}": numbers.Z[l], f"A{l}": numbers.A[l], f"dZ{l}": numbers.D[l], f"W{l}": W})
        if net.bias:
            env[f"b{l}"] = b
        for q, value in ((ls.a_prev, numbers.A[l - 1]), (ls.w, W), (ls.b, b.reshape(-1, 1)), (ls.z, numbers.Z[l]),
                         (ls.a, numbers.A[l]), (ls.d, numbers.D[l])):
            mats[q.matrix.name] = value
        act = net.act(l)
        if ACTIVATIONS[act.name].elementwise:
            mats[ls.fprime.matrix.name] = derivative(act.name, act.alpha)(numbers.Z[l], numbers.A[l])
    return Batch(m, numbers, env, mats)


def draw_all(net, view: DeltaView) -> list[Batch]:
    return [draw(net, view, m, seed) for m in batch_sizes(net) for seed in range(DRAWS)]


def symbol_names(net, view: DeltaView) -> dict:
    """The delta view's matrix symbols -> answer names (Δ⁽¹⁾ -> dZ1, Ŷ -> A{L})."""
    out = {view.layers[1].a_prev.matrix: "X", view.layers[net.depth].y.matrix: "Y"}
    for l in range(1, net.depth + 1):
        ls = view.layers[l]
        out.update({ls.z.matrix: f"Z{l}", ls.a.matrix: f"A{l}", ls.d.matrix: f"dZ{l}", ls.w.matrix: f"W{l}",
                    ls.b.matrix: f"b{l}"})
        act = net.act(l)
        if ACTIVATIONS[act.name].elementwise:
            alpha = "" if act.alpha is None else f", {float(act.alpha)!r}"
            out[ls.fprime.matrix] = f"{act.name}_prime(Z{l}{alpha})"
    return out


def l2_slope(net) -> sp.Rational | None:
    """The λ of dJ/dW's L2 term λ·W, from sympy.diff of λ/2 w²."""
    lam = net.l2
    if lam is None:
        return None
    w = sp.Symbol("w", real=True)
    return sp.diff(sp.Rational(lam.numerator, lam.denominator) / 2 * w ** 2, w).coeff(w)
