"""The honest baseline: backprop for an MLP written by hand in NumPy.

This is what a careful engineer would write without any code generator:
one matrix product per Z, one per weight gradient, one per upstream error;
activations applied in place; the 1/m (and 2/n) factors folded into the
small output error rather than into every gradient; float32 stays float32
(Python scalars are "weak" under NumPy 2, so they never upcast).

The derivatives here are typed by hand on purpose: this module is the
reference the generated code must match and beat, not part of the product.
Only the benchmark cases' activations and losses are supported.
"""
from __future__ import annotations

import numpy as np

FORWARD = ("identity", "sigmoid", "tanh", "relu", "softmax")
LOSSES = ("mse", "ce")


def _activate(Z, name):
    """f(Z), in place."""
    if name == "sigmoid":
        np.negative(Z, out=Z)
        np.exp(Z, out=Z)
        Z += 1.0
        np.reciprocal(Z, out=Z)
    elif name == "relu":
        np.maximum(Z, 0.0, out=Z)
    elif name == "tanh":
        np.tanh(Z, out=Z)
    elif name == "softmax":
        Z -= Z.max(axis=1, keepdims=True)
        np.exp(Z, out=Z)
        Z /= Z.sum(axis=1, keepdims=True)


def _times_fprime(D, A, name):
    """D *= f'(Z), with f' written in the layer's output A, in place."""
    if name == "sigmoid":
        g = 1.0 - A
        g *= A
        D *= g
    elif name == "relu":
        # multiplying by the boolean mask beats np.copyto(where=) and
        # boolean indexing by a wide margin
        D *= A > 0
    elif name == "tanh":
        g = A * A
        np.subtract(1.0, g, out=g)
        D *= g


def make_value_and_grad(sizes, activations, loss, bias=True):
    """value_and_grad(params, X, Y) -> (J, grads) for one architecture.

    sizes: (n0, ..., nL); activations: names of f_1..f_L; loss: 'mse'|'ce'
    (mean over the batch, as in the contract). Keys are precomputed because at
    m=4 the whole call costs a few microseconds and every f-string shows.
    """
    L = len(sizes) - 1
    acts = tuple(activations)
    if len(acts) != L or any(a not in FORWARD for a in acts) or loss not in LOSSES:
        raise ValueError(f"handwritten baseline does not cover {sizes} {acts} {loss}")
    if loss == "ce" and acts[-1] != "softmax":
        raise ValueError("ce needs a softmax output")
    Wk = [f"W{l}" for l in range(1, L + 1)]
    bk = [f"b{l}" for l in range(1, L + 1)]
    out_act = acts[-1]

    def value_and_grad(params, X, Y):
        As = [X]
        A = X
        for l in range(L):
            Z = A @ params[Wk[l]].T
            if bias:
                Z += params[bk[l]]
            _activate(Z, acts[l])
            As.append(Z)
            A = Z
        m = X.shape[0]
        D = A - Y
        if loss == "mse":
            J = float(np.vdot(D, D)) / D.size
            D *= 2.0 / D.size
            _times_fprime(D, A, out_act)
        else:
            # softmax + ce: delta = (yhat - y)/m, exact for rows of Y summing to 1
            J = -float(np.vdot(Y, np.log(A))) / m
            D *= 1.0 / m
        grads = {}
        for l in range(L - 1, -1, -1):
            A_prev = As[l]
            grads[Wk[l]] = D.T @ A_prev
            if bias:
                grads[bk[l]] = D.sum(axis=0)
            if l:
                D = D @ params[Wk[l]]
                _times_fprime(D, A_prev, acts[l - 1])
        return J, grads

    return value_and_grad


def from_network(net):
    """The baseline for a derive.Network."""
    return make_value_and_grad(net.sizes, [a.name for a in net.activations], net.loss, net.bias)
