"""The worked example in float64 for a dense network too wide for the scalar
graph: the delta view's own matrix forms, evaluated with NumPy.

The forward map is Z = A W^T + 1 b^T and A = f(Z), with f lambdified from
the rules card; the backward pass evaluates each equation the delta view
derived (``DeltaView.steps``: BP1 .. BP4 as SymPy matrix expressions), so
the numbers a handout prints for a 784-128-10 network come from the same
derivation it prints, at the cost of a few matrix products.  The small
evaluator below knows the matrix algebra those forms use: products,
transposes, sums, Hadamard products and powers, scalar factors, ones, and
f'(Z) for the activations whose derivative has no Hadamard form.
"""
from __future__ import annotations

import math
from functools import lru_cache

import mpmath
import numpy as np
import sympy as sp

from .rules import ACTIVATIONS, LOSSES, fprime, z as Z_SYM
from .views.delta import M, ONES, DeltaView


def _lambdify(var, expr):
    """A function of one array, entry by entry in mpmath: f and f' of a layer
    are m x n numbers, and mpmath neither overflows (softplus at z = 1000) nor
    turns inf/inf into nan (silu' at z = -1000) where float64 would."""
    f = sp.lambdify(var, expr, "mpmath")
    entry = np.frompyfunc(lambda x: float(f(mpmath.mpf(float(x)))), 1, 1)

    def apply(x):
        with mpmath.workdps(30):
            return np.asarray(entry(x), dtype=float).reshape(x.shape)
    return apply


@lru_cache(maxsize=None)
def activation(name: str, alpha=None):
    """f as a NumPy function of Z (rows are examples): the card's formula;
    softmax row by row, shifted by the row's maximum, which cancels."""
    card = ACTIVATIONS[name]
    if not card.elementwise:
        numerator = _lambdify(Z_SYM, card.formula)

        def softmax(Z):
            E = numerator(Z - Z.max(axis=1, keepdims=True))
            return E / E.sum(axis=1, keepdims=True)
        return softmax
    return _lambdify(Z_SYM, card.expr(alpha))


@lru_cache(maxsize=None)
def derivative(name: str, alpha=None):
    """f' as the card teaches it, as a NumPy function of (Z, A)."""
    fp = fprime(name, alpha)
    f = _lambdify(fp.var, fp.expr)
    return (lambda Z, A: f(A)) if fp.in_output else (lambda Z, A: f(Z))


def _log_softmax(Z):
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def batch_loss(name: str, Z, A, Y) -> float:
    """The sum of the examples' losses, by the rules card's NumPy form: ce and
    bce read the logits Z, so a saturated output gives a large loss, not log 0."""
    code = LOSSES[name].numpy.format(a="A", z="Z", n=A.shape[1])
    return float(eval(code, {"np": np, "_log_softmax": _log_softmax}, {"A": A, "Z": Z, "Y": Y}))


class MatrixEvaluator:
    """Values of matrix expressions: ``env`` maps each MatrixSymbol (or its
    name) to an array, ``scalars`` each scalar symbol (m, widths) to a number."""

    def __init__(self, env: dict, scalars: dict):
        self.env, self.scalars = env, scalars

    def scalar(self, e) -> float:
        return float(sp.sympify(e).xreplace(self.scalars))

    def __call__(self, e):
        if isinstance(e, sp.MatrixSymbol):
            if e in self.env:
                return self.env[e]
            return self.env[e.name]
        if isinstance(e, sp.Transpose):
            return self(e.arg).T
        if isinstance(e, sp.OneMatrix):
            return np.ones((int(self.scalar(e.shape[0])), int(self.scalar(e.shape[1]))))
        if isinstance(e, sp.ZeroMatrix):
            return np.zeros((int(self.scalar(e.shape[0])), int(self.scalar(e.shape[1]))))
        if isinstance(e, sp.MatMul):
            factor, out = 1.0, None
            for a in e.args:
                if isinstance(a, sp.MatrixExpr):
                    value = self(a)
                    out = value if out is None else out @ value
                else:
                    factor *= self.scalar(a)
            return factor * out
        if isinstance(e, sp.MatAdd):
            return sum(self(a) for a in e.args)
        if isinstance(e, sp.HadamardProduct):
            out = self(e.args[0])
            for a in e.args[1:]:
                out = out * self(a)
            return out
        if isinstance(e, sp.HadamardPower):
            return self(e.base) ** self.scalar(e.exp)
        if isinstance(e, sp.MatrixExpr):
            raise TypeError(f"cannot evaluate the matrix expression {type(e).__name__}: {e}")
        return self.scalar(e)


def param_arrays(net, params) -> dict[str, np.ndarray]:
    """Plain name -> value pairs (the example's) as float arrays by key (W1, b1 ...)."""
    values = np.fromiter((float(v) for _, v in params), dtype=float, count=len(params))
    out, start = {}, 0
    for key, shape in net.param_shapes().items():
        size = math.prod(shape)
        out[key] = values[start:start + size].reshape(shape)
        start += size
    return out


class MatrixNumbers:
    """The example through a dense network: ``Z[l]``, ``A[l]`` (``A[0]`` = X),
    ``D[l]`` (Delta: one row of per-example errors per example), gradients
    ``grads[key]`` in the parameters' shapes, and the loss ``J`` of the batch."""

    def __init__(self, net, example, arrays: dict[str, np.ndarray] | None = None, view: DeltaView | None = None):
        if not net.is_mlp:
            raise TypeError(f"{net.spec} is not a dense network")
        self.net, self.example = net, example
        self.view = view if view is not None else DeltaView(net)
        self.params = arrays if arrays is not None else param_arrays(net, example.params)
        X = np.array([[float(v) for v in row] for row in example.X])
        Y = np.array([[float(v) for v in row] for row in example.Y])
        self.m = X.shape[0]
        self.X, self.Y = X, Y
        with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
            self._forward()
            self._backward()

    def _forward(self):
        net, view = self.net, self.view
        L = net.depth
        self.A, self.Z = {0: self.X}, {}
        env = {ONES.text: np.ones((self.m, 1))}
        scalars = {M: self.m}
        for l in range(1, L + 1):
            ls = view.layers[l]
            b = self.params.get(f"b{l}", np.zeros(net.sizes[l]))
            env.update({ls.a_prev.matrix: self.A[l - 1], ls.w.matrix: self.params[f"W{l}"],
                        ls.b.matrix: b.reshape(-1, 1)})
            ones = sp.MatrixSymbol(ONES.text, M, 1)
            forward = ls.a_prev.matrix * ls.w.matrix.T + ones * ls.b.matrix.T
            self.Z[l] = MatrixEvaluator(env, scalars)(forward)
            act = net.act(l)
            self.A[l] = activation(act.name, act.alpha)(self.Z[l])
        scale = 1.0 if net.reduction == "sum" else 1.0 / self.m
        self.J = scale * batch_loss(net.loss, self.Z[L], self.A[L], self.Y) + self.penalty()

    def penalty(self) -> float:
        lam = self.net.l2
        if lam is None:
            return 0.0
        return float(lam) / 2 * sum(float((self.params[f"W{l}"] ** 2).sum()) for l in range(1, self.net.depth + 1))

    def _backward(self):
        net, view = self.net, self.view
        L = net.depth
        env = {ONES.text: np.ones((self.m, 1))}
        for l in range(1, L + 1):
            ls = view.layers[l]
            act = net.act(l)
            env.update({ls.a_prev.matrix: self.A[l - 1], ls.w.matrix: self.params[f"W{l}"],
                        ls.z.matrix: self.Z[l], ls.a.matrix: self.A[l]})
            if ACTIVATIONS[act.name].elementwise:
                env[ls.fprime.matrix] = derivative(act.name, act.alpha)(self.Z[l], self.A[l])
        env[view.layers[L].y.matrix] = self.Y
        evaluate = MatrixEvaluator(env, {M: self.m})
        self.D, self.grads = {}, {}
        for step in view.steps:   # output layer first, as derived
            l = int(step.layer)
            ls = view.layers[l]
            if step.label in ("BP1", "BP2"):
                self.D[l] = evaluate(step.matrix)
                env[ls.d.matrix] = self.D[l]
            elif step.label == "BP3":
                self.grads[f"b{l}"] = evaluate(step.matrix).reshape(-1)
            else:
                self.grads[f"W{l}"] = evaluate(step.matrix) + self._penalty_gradient(l)

    def _penalty_gradient(self, l: int):
        lam = self.net.l2
        if lam is None:
            return 0.0
        w = sp.Symbol("w", real=True)
        slope = sp.diff(sp.Rational(lam.numerator, lam.denominator) / 2 * w ** 2, w)   # lambda * w
        return float(slope.coeff(w)) * self.params[f"W{l}"]

    # -- entries by plain name ---------------------------------------------------
    def value(self, prefix: str, l: int, j: int, row: int = 0) -> float:
        """z, a or d (delta) of layer l, neuron j (1-based), example ``row`` (0-based);
        layer 0's a is the input."""
        table = {"z": self.Z, "a": self.A, "d": self.D}[prefix]
        return float(table[l][row, j - 1])

    def gradient(self, name: str) -> float:
        from . import names
        key, idx = names.locate(name, self.net.param_shapes())
        return float(self.grads[key][idx])

    def param(self, name: str) -> float:
        from . import names
        key, idx = names.locate(name, self.net.param_shapes())
        return float(self.params[key][idx])

    def with_params(self, changes: dict) -> "MatrixNumbers":
        """The same example with some parameters (plain name -> value) changed."""
        from . import names
        arrays = {k: v.copy() for k, v in self.params.items()}
        shapes = self.net.param_shapes()
        for name, value in changes.items():
            key, idx = names.locate(name, shapes)
            arrays[key][idx] = float(value)
        return MatrixNumbers(self.net, self.example, arrays, self.view)

    def step(self, lr: float) -> "MatrixNumbers":
        """One step of gradient descent, p <- p - lr dJ/dp."""
        arrays = {k: v - lr * self.grads[k] for k, v in self.params.items()}
        return MatrixNumbers(self.net, self.example, arrays, self.view)


def descend(start: MatrixNumbers, steps: int, lr) -> list[MatrixNumbers]:
    """The states before each of ``steps`` steps of gradient descent, and after the last."""
    out = [start]
    for _ in range(steps):
        out.append(out[-1].step(float(lr)))
    return out
