"""An independent reference for J and every gradient: the network rebuilt
from its parsed layers with torch's own operations and modules (float64,
training mode), differentiated by torch autograd."""
from __future__ import annotations

import numpy as np

torch = None


def _torch():
    global torch
    if torch is None:
        import torch as t
        torch = t
    return torch


def activation(act, z):
    t = _torch()
    F = t.nn.functional
    name, alpha = act.name, act.alpha
    return {"identity": lambda: z, "sigmoid": lambda: t.sigmoid(z), "tanh": lambda: t.tanh(z),
            "relu": lambda: F.relu(z), "leaky_relu": lambda: F.leaky_relu(z, alpha),
            "elu": lambda: F.elu(z, alpha), "softplus": lambda: F.softplus(z),
            "gelu": lambda: F.gelu(z), "silu": lambda: F.silu(z),
            "softmax": lambda: t.softmax(z, dim=1)}[name]()


def forward(net, layers, a, P, masks):
    t = _torch()
    F = t.nn.functional
    from derive.layers import (BatchNorm, Conv, Dense, Dropout, Flatten, LayerNorm, Pool, Recurrent,
                               Residual)
    for layer in layers:
        l = layer.l
        if isinstance(layer, Dense):
            a = activation(layer.act, a @ P[f"W{l}"].T + (P[f"b{l}"] if net.bias else 0))
        elif isinstance(layer, Conv):
            z = F.conv2d(a, P[f"W{l}"], P.get(f"b{l}") if net.bias else None, stride=layer.stride,
                         padding=layer.pad)
            a = activation(layer.act, z)
        elif isinstance(layer, Pool):
            a = F.max_pool2d(a, layer.k) if layer.mode == "max" else F.avg_pool2d(a, layer.k)
        elif isinstance(layer, Flatten):
            a = t.flatten(a, 1)
        elif isinstance(layer, BatchNorm):
            a = F.batch_norm(a, None, None, P[f"gamma{l}"], P[f"beta{l}"], training=True, eps=1e-5)
        elif isinstance(layer, LayerNorm):
            a = F.layer_norm(a, tuple(a.shape[1:]), P[f"gamma{l}"], P[f"beta{l}"], eps=1e-5)
        elif isinstance(layer, Dropout):
            a = a * masks[f"M{l}"] / (1 - float(layer.p))
        elif isinstance(layer, Residual):
            a = activation(layer.act, a + forward(net, layer.inner, a, P, masks))
        elif isinstance(layer, Recurrent):
            a = recurrent(net, layer, a, P)
        else:
            raise TypeError(layer)
    return a


def recurrent(net, layer, x, P):
    """torch's own nn.RNN / nn.LSTM / nn.GRU with our weights copied in."""
    t = _torch()
    l, H, F_ = layer.l, layer.hidden, x.shape[2]
    cls = {"rnn": t.nn.RNN, "lstm": t.nn.LSTM, "gru": t.nn.GRU}[layer.cell]
    module = cls(F_, H, batch_first=True, bias=net.bias).double()
    params = {"weight_ih_l0": P[f"Wx{l}"], "weight_hh_l0": P[f"Wh{l}"]}
    if net.bias:
        if layer.cell == "gru":
            params.update(bias_ih_l0=P[f"bx{l}"], bias_hh_l0=P[f"bh{l}"])
        else:   # b = b_ih + b_hh: put it all in b_ih
            params.update(bias_ih_l0=P[f"b{l}"], bias_hh_l0=t.zeros_like(P[f"b{l}"]))
    out, _ = t.func.functional_call(module, params, (x,))
    return out[:, -1, :]


def per_example_loss(net, yhat, y):
    """Each example's loss (a vector), torch's operations."""
    t = _torch()
    if net.loss in ("se", "half_se", "mse"):
        return ((yhat - y) ** 2).sum(dim=1) * {"se": 1.0, "half_se": 0.5, "mse": 1.0 / y.shape[1]}[net.loss]
    if net.loss == "bce":
        return -(y * t.log(yhat) + (1 - y) * t.log(1 - yhat)).sum(dim=1)
    return -(y * t.log(yhat)).sum(dim=1)


def loss_and_grads(net, X, Y, params: dict, masks: dict | None = None):
    """J and dJ/dparam for numpy inputs (float64): (float, {key: ndarray})."""
    t = _torch()
    P = {k: t.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for k, v in params.items()}
    M = {k: t.tensor(np.asarray(v, dtype=np.float64)) for k, v in (masks or {}).items()}
    x = t.tensor(np.asarray(X, dtype=np.float64))
    y = t.tensor(np.asarray(Y, dtype=np.float64))
    yhat = forward(net, net.layers, x, P, M)
    per = per_example_loss(net, yhat, y)
    J = per.sum() if net.reduction == "sum" else per.mean()
    if net.l2 is not None:
        J = J + float(net.l2) / 2 * sum((P[k] ** 2).sum() for k in P if k.startswith(("W", "Wx", "Wh")))
    J.backward()
    return float(J.detach()), {k: v.grad.numpy() for k, v in P.items()}
