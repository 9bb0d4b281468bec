"""An independent reference for every layer kind: the parsed Network built
as torch modules (nn.Linear, nn.Conv2d, nn.MaxPool2d/AvgPool2d,
nn.BatchNorm1d/2d, nn.LayerNorm, nn.RNN/LSTM/GRU with the weights copied
in, manual dropout with the same masks), the contract's loss written
directly in torch, and autograd for the gradients.  No chainrule code
computes anything here: it reads only the Network's layer values."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from derive.layers import (BatchNorm, Conv, Dense, Dropout, Flatten, LayerNorm, Pool, Recurrent,
                           Residual)

ALPHA_DEFAULT = {"leaky_relu": 0.01, "elu": 1.0}


def activation(act, z):
    name = act.name
    alpha = act.alpha if act.alpha is not None else ALPHA_DEFAULT.get(name)
    return {
        "identity": lambda: z,
        "sigmoid": lambda: torch.sigmoid(z),
        "tanh": lambda: torch.tanh(z),
        "relu": lambda: torch.relu(z),
        "leaky_relu": lambda: F.leaky_relu(z, alpha),
        "elu": lambda: F.elu(z, alpha),
        "softplus": lambda: F.softplus(z),
        "gelu": lambda: F.gelu(z),
        "silu": lambda: F.silu(z),
        "softmax": lambda: z,   # the loss reads the logits
    }[name]()


class Reference:
    """The network in torch, float64, holding a copy of ``params``."""

    def __init__(self, net, params: dict):
        self.net = net
        self.modules: dict[int, nn.Module] = {}
        self.grad_keys: dict[str, tuple[nn.Parameter, str]] = {}
        shape = tuple(net.input)
        self._build(net.layers, shape, params)

    def _build(self, layers, shape, params):
        bias = self.net.bias
        for layer in layers:
            if isinstance(layer, Residual):
                self._build(layer.inner, shape, params)
                continue
            l = layer.l
            t = lambda key: torch.tensor(np.asarray(params[key], dtype=np.float64))
            if isinstance(layer, Dense):
                mod = nn.Linear(shape[0], layer.n, bias=bias, dtype=torch.float64)
                self._set(mod, "weight", t(f"W{l}"), f"W{l}")
                if bias:
                    self._set(mod, "bias", t(f"b{l}"), f"b{l}")
            elif isinstance(layer, Conv):
                mod = nn.Conv2d(shape[0], layer.channels, layer.k, stride=layer.stride, padding=layer.pad,
                                bias=bias, dtype=torch.float64)
                self._set(mod, "weight", t(f"W{l}"), f"W{l}")
                if bias:
                    self._set(mod, "bias", t(f"b{l}"), f"b{l}")
            elif isinstance(layer, Pool):
                mod = nn.MaxPool2d(layer.k) if layer.mode == "max" else nn.AvgPool2d(layer.k)
            elif isinstance(layer, BatchNorm):
                mod = (nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d)(shape[0], eps=1e-5, momentum=0.1,
                                                                             dtype=torch.float64)
                self._set(mod, "weight", t(f"gamma{l}"), f"gamma{l}")
                self._set(mod, "bias", t(f"beta{l}"), f"beta{l}")
            elif isinstance(layer, LayerNorm):
                mod = nn.LayerNorm(list(shape), eps=1e-5, dtype=torch.float64)
                self._set(mod, "weight", t(f"gamma{l}"), f"gamma{l}")
                self._set(mod, "bias", t(f"beta{l}"), f"beta{l}")
            elif isinstance(layer, Recurrent):
                cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[layer.cell]
                mod = cls(shape[1], layer.hidden, batch_first=True, bias=bias, dtype=torch.float64)
                self._set(mod, "weight_ih_l0", t(f"Wx{l}"), f"Wx{l}")
                self._set(mod, "weight_hh_l0", t(f"Wh{l}"), f"Wh{l}")
                if bias and layer.cell == "gru":
                    self._set(mod, "bias_ih_l0", t(f"bx{l}"), f"bx{l}")
                    self._set(mod, "bias_hh_l0", t(f"bh{l}"), f"bh{l}")
                elif bias:
                    # b = b_ih + b_hh: all of it in b_ih, and dJ/db = dJ/db_ih
                    self._set(mod, "bias_ih_l0", t(f"b{l}"), f"b{l}")
                    with torch.no_grad():
                        mod.bias_hh_l0.zero_()
            else:
                mod = None
            if mod is not None:
                self.modules[l] = mod
            shape = layer.out_shape(shape)

    def _set(self, mod, name, value, key):
        with torch.no_grad():
            getattr(mod, name).copy_(value)
        self.grad_keys[key] = (getattr(mod, name), key)

    def set_state(self, state: dict):
        for l, mod in self.modules.items():
            if isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
                with torch.no_grad():
                    mod.running_mean.copy_(torch.tensor(state[f"running_mean{l}"]))
                    mod.running_var.copy_(torch.tensor(state[f"running_var{l}"]))

    def state(self) -> dict:
        out = {}
        for l, mod in self.modules.items():
            if isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
                out[f"running_mean{l}"] = mod.running_mean.detach().numpy().copy()
                out[f"running_var{l}"] = mod.running_var.detach().numpy().copy()
        return out

    # -- the forward pass ------------------------------------------------------------
    def logits(self, X, masks=None, training=True):
        """The output layer's pre-activation (its activation belongs to the loss)."""
        for mod in self.modules.values():
            mod.train(training)
        return self._run(self.net.layers, X, masks or {}, training, top=True)

    def _run(self, layers, x, masks, training, top=False):
        for i, layer in enumerate(layers):
            last = top and i == len(layers) - 1
            act = (lambda a, v: v) if last else activation
            if isinstance(layer, Residual):
                x = act(layer.activation, x + self._run(layer.inner, x, masks, training))
            elif isinstance(layer, (Dense, Conv)):
                x = act(layer.activation, self.modules[layer.l](x))
            elif isinstance(layer, Flatten):
                x = torch.flatten(x, 1)
            elif isinstance(layer, Dropout):
                if training:
                    x = x * masks[f"M{layer.l}"] / (1 - float(layer.p))
            elif isinstance(layer, Recurrent):
                out = self.modules[layer.l](x)[0]
                x = out[:, -1]
            else:
                x = self.modules[layer.l](x)
        return x

    def loss(self, z, Y, params_weights):
        net = self.net
        yhat = activation(net.output_act, z) if net.output_act.name != "softmax" else None
        m, n = Y.shape
        if net.loss == "se":
            per = ((yhat - Y) ** 2).sum()
        elif net.loss == "half_se":
            per = 0.5 * ((yhat - Y) ** 2).sum()
        elif net.loss == "mse":
            per = ((yhat - Y) ** 2).sum() / n
        elif net.loss == "bce":
            # yhat = sigmoid(z): -(y log yhat + (1 - y) log(1 - yhat)), from the logits
            per = F.binary_cross_entropy_with_logits(z, Y, reduction="sum")
        else:
            per = -(Y * torch.log_softmax(z, dim=1)).sum()
        J = per / m if net.reduction == "mean" else per
        if net.l2 is not None:
            J = J + float(net.l2) / 2 * sum((w ** 2).sum() for w in params_weights)
        return J


def reference(net, params, X, Y, masks=None, state=None):
    """(J, grads, new state, inference output) from torch, float64, training mode."""
    ref = Reference(net, params)
    if state is not None:
        ref.set_state(state)
    Xt = torch.tensor(np.asarray(X, dtype=np.float64))
    Yt = torch.tensor(np.asarray(Y, dtype=np.float64))
    mt = {k: torch.tensor(np.asarray(v, dtype=np.float64)) for k, v in (masks or {}).items()}
    z = ref.logits(Xt, mt, training=True)
    weights = [p for key, (p, _) in ref.grad_keys.items() if key[0] == "W"]
    J = ref.loss(z, Yt, weights)
    params_t = [p for p, _ in ref.grad_keys.values()]
    grads = torch.autograd.grad(J, params_t)
    out_grads = {key: g.detach().numpy() for key, g in zip(ref.grad_keys, grads)}
    new_state = ref.state()
    with torch.no_grad():
        zi = ref.logits(Xt, mt, training=False)
        if net.output_act.name == "softmax":
            yhat = torch.softmax(zi, dim=1)
        else:
            yhat = activation(net.output_act, zi)
    return float(J.detach()), out_grads, new_state, yhat.numpy()


def rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.linalg.norm(a), np.linalg.norm(b), 1e-300)
    return float(np.linalg.norm(a - b) / scale)
