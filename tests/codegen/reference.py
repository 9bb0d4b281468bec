"""An independent reference for the generated modules: the contract's loss,
written directly in autograd.numpy (no chainrule code involved), plus the
random architectures and data the tests draw."""
from __future__ import annotations

import autograd.numpy as anp
import numpy as np
from autograd import grad
from hypothesis import strategies as st

ELEMENTWISE = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus"]
ALPHA_DEFAULT = {"leaky_relu": 0.01, "elu": 1.0}


def _act(name, alpha, z):
    if name == "identity":
        return z
    if name == "sigmoid":
        return 1 / (1 + anp.exp(-z))
    if name == "tanh":
        return anp.tanh(z)
    if name == "relu":
        return anp.where(z > 0, z, 0.0 * z)
    if name == "leaky_relu":
        return anp.where(z > 0, z, alpha * z)
    if name == "elu":
        return anp.where(z > 0, z, alpha * (anp.exp(anp.minimum(z, 0.0)) - 1))
    if name == "softplus":
        return anp.log(1 + anp.exp(z))
    if name == "softmax":
        e = anp.exp(z - anp.max(z, axis=1, keepdims=True))
        return e / anp.sum(e, axis=1, keepdims=True)
    raise KeyError(name)


def reference_loss(net, params, X, Y):
    """J straight from the contract: Z = A W^T + b, per-example loss, 1/m."""
    A = X
    for l in range(1, net.depth + 1):
        Z = anp.dot(A, params[f"W{l}"].T)
        if net.bias:
            Z = Z + params[f"b{l}"]
        act = net.act(l)
        alpha = act.alpha if act.alpha is not None else ALPHA_DEFAULT.get(act.name)
        A = _act(act.name, alpha, Z)
    n = net.sizes[-1]
    if net.loss == "se":
        per = anp.sum((A - Y) ** 2)
    elif net.loss == "half_se":
        per = 0.5 * anp.sum((A - Y) ** 2)
    elif net.loss == "mse":
        per = anp.sum((A - Y) ** 2) / n
    elif net.loss == "bce":
        per = -anp.sum(Y * anp.log(A) + (1 - Y) * anp.log(1 - A))
    elif net.loss == "ce":
        per = -anp.sum(Y * anp.log(A))
    else:
        raise KeyError(net.loss)
    return per / X.shape[0] if net.reduction == "mean" else per


def reference_value_and_grad(net, params, X, Y):
    names = list(params)

    def f(values):
        return reference_loss(net, dict(zip(names, values)), X, Y)
    grads = grad(f)([params[k] for k in names])
    return f([params[k] for k in names]), dict(zip(names, grads))


def batch(net, seed, m=4, scale=1.0):
    rng = np.random.default_rng(seed)
    X = scale * rng.normal(size=(m, net.sizes[0]))
    n = net.sizes[-1]
    if net.loss == "ce":
        Y = np.eye(n)[rng.integers(0, n, size=m)]
    elif net.loss == "bce":
        Y = rng.integers(0, 2, size=(m, n)).astype(float)
    else:
        Y = rng.normal(size=(m, n))
    return X, Y


def rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(np.linalg.norm(a), np.linalg.norm(b), 1e-12)
    return float(np.linalg.norm(a - b) / scale)


@st.composite
def specs(draw, max_depth=4, max_width=8):
    """Spec strings: depth 1-4, widths 1-8, every activation and loss."""
    depth = draw(st.integers(1, max_depth))
    widths = [draw(st.integers(1, max_width)) for _ in range(depth + 1)]
    layers = [str(widths[0])]
    for w in widths[1:-1]:
        act = draw(st.sampled_from(ELEMENTWISE + ["leaky_relu(0.2)", "elu(0.5)"]))
        layers.append(f"{w}:{act}")
    loss = draw(st.sampled_from(["se", "half_se", "mse", "bce", "ce"]))
    if loss == "ce":
        out = "softmax"
        widths[-1] = max(widths[-1], 2)  # a softmax of one output is the constant 1
    elif loss == "bce":
        out = "sigmoid"
    else:
        out = draw(st.sampled_from(ELEMENTWISE))
    layers.append(f"{widths[-1]}:{out}")
    items = [loss]
    if draw(st.booleans()):
        items.append("nobias")
    if draw(st.booleans()):
        items.append("sum")
    return "-".join(layers) + "".join("/" + i for i in items)
