"""The worked example of a recurrent network too large for the scalar graph
(derive.trace_numbers, fed by the generated module's trace through
chainrule.cli): every number the handout prints against torch float64 --
J and the gradients from torch autograd on torch's own nn.RNN / nn.LSTM /
nn.GRU, h_t from the same modules, c_t from nn.LSTMCell, and the errors of
each step's gate pre-activations from autograd on an unrolled cell whose
h_t agree with torch's module."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import derive
from derive import names
from chainrule.cli import _trace_runner
from derive.lang import messages
from derive.printers.text import TextPrinter
from derive.views.handout import build, worked
from derive.views.handout.sources import sources
from tests.torch_reference import forward, loss_and_grads, per_example_loss, recurrent

torch = pytest.importorskip("torch")
t = messages("en")
RTOL = 1e-10


def inputs(net, nums):
    P = {k: torch.tensor(v) for k, v in nums.params.items()}
    M = {k: torch.tensor(v) for k, v in nums.masks.items()}
    layer = nums.recurrent
    before = [x for x in net.layers if x.l < layer.l]   # the layers before it are numbered and top-level here
    x = forward(net, before, torch.tensor(nums.X), P, M)
    return P, M, x


def unrolled(layer, x, P, bias):
    """The cell written out in torch (torch's equations and gate order), every
    gate pre-activation a leaf of the graph: (h_t list, c_t list, z_t list)."""
    l, H = layer.l, layer.hidden
    Wx, Wh = P[f"Wx{l}"], P[f"Wh{l}"]
    m = x.shape[0]
    h = torch.zeros(m, H, dtype=torch.float64)
    c = torch.zeros(m, H, dtype=torch.float64)
    hs, cs, zs = [], [], []
    for s in range(x.shape[1]):
        if layer.cell == "gru":
            gx = x[:, s] @ Wx.T + (P[f"bx{l}"] if bias else 0)
            gh = h @ Wh.T + (P[f"bh{l}"] if bias else 0)
            zx = torch.cat([gx[:, :2 * H] + gh[:, :2 * H], gx[:, 2 * H:]], dim=1)
            zx.retain_grad()
            r, u = torch.sigmoid(zx[:, :H]), torch.sigmoid(zx[:, H:2 * H])
            # z_n as the graph names it: W_in x + b_in + r (W_hn h + b_hn); its error is dZ's n block
            zn = zx[:, 2 * H:] + r * gh[:, 2 * H:]
            n = torch.tanh(zn)
            h = (1 - u) * n + u * h
            z = zx
        else:
            z = x[:, s] @ Wx.T + h @ Wh.T + (P[f"b{l}"] if bias else 0)
            z.retain_grad()
            if layer.cell == "rnn":
                h = torch.tanh(z)
            else:
                i, f = torch.sigmoid(z[:, :H]), torch.sigmoid(z[:, H:2 * H])
                g, o = torch.tanh(z[:, 2 * H:3 * H]), torch.sigmoid(z[:, 3 * H:])
                c = f * c + i * g
                h = o * torch.tanh(c)
        hs.append(h)
        cs.append(c)
        zs.append(z)
    return hs, cs, zs


@pytest.mark.parametrize("spec", ["20x16-lstm(32)-10:softmax/ce", "20x16-gru(32)-1/mse",
                                  "30x8-rnn(40)-3:softmax/ce", "10x20-dropout(0.5)-lstm(24)-16:tanh-2/mse/sum"])
def test_every_number_is_torchs(spec):
    net = derive.load(spec)
    run = _trace_runner(net)
    assert run is not None
    src = sources(net, t, 0, run=run)
    nums = src.numbers
    assert nums.route == "trace"
    layer = nums.recurrent
    J, grads = loss_and_grads(net, nums.X, nums.Y, nums.params, nums.masks)
    assert nums.loss == pytest.approx(J, rel=RTOL)
    for name in worked.shown_parameters(net):
        key, idx = names.locate(name, net.param_shapes())
        assert nums.gradient(name) == pytest.approx(grads[key][idx], rel=RTOL, abs=1e-14), name
    P, M, x = inputs(net, nums)
    # h_t: torch's own module, run on the first s steps
    hs_mod = []
    for s in range(1, x.shape[1] + 1):
        hs_mod.append(recurrent(net, layer, x[:, :s], P).detach().numpy())
    for s in (1, 2, x.shape[1]):
        for j in (1, 2):
            for r in range(nums.m):
                assert nums.state("h", s, j, r) == pytest.approx(hs_mod[s - 1][r, j - 1], rel=RTOL, abs=1e-15)
    # the unrolled cell agrees with the module, then gives c_t and the errors of z_t
    Pg = {k: v.clone().requires_grad_(True) for k, v in P.items()}
    x = forward(net, [y for y in net.layers if y.l < layer.l], torch.tensor(nums.X), Pg, M)
    hs, cs, zs = unrolled(layer, x, Pg, net.bias)
    assert np.allclose(hs[-1].detach().numpy(), hs_mod[-1], rtol=1e-12, atol=1e-15)
    a = hs[-1]
    yhat = forward(net, [y for y in net.layers if y.l > layer.l], a, Pg, M)
    per = per_example_loss(net, yhat, torch.tensor(nums.Y))
    per.sum().backward()   # per-example errors: the sum, no 1/m
    if layer.cell == "lstm":
        for s in (1, x.shape[1]):
            assert nums.state("c", s, 1, 0) == pytest.approx(float(cs[s - 1][0, 0].detach()), rel=RTOL, abs=1e-15)
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[layer.cell]
    H = layer.hidden
    for s in (1, 2, x.shape[1]):
        for gate in range(gates):
            for r in range(nums.m):
                want = float(zs[s - 1].grad[r, gate * H])
                assert nums.gate_error(gate, s, 1, r) == pytest.approx(want, rel=1e-9, abs=1e-15), (s, gate)
    norms = [float(z.grad.norm()) for z in zs]
    assert np.allclose(nums.step_norms(), norms, rtol=1e-9, atol=1e-15)
    # one step of descent: J at the new parameters, from torch
    step = nums.trace(1, Fraction(1, 10), [])
    moved = {k: v - 0.1 * grads[k] for k, v in nums.params.items()}
    assert step[1][2] == pytest.approx(loss_and_grads(net, nums.X, nums.Y, moved, nums.masks)[0], rel=RTOL)


def test_the_handout_prints_it():
    net = derive.load("20x16-lstm(32)-10:softmax/ce")
    doc = build(net, run=_trace_runner(net))
    text = " ".join(TextPrinter(doc.names).doprint(doc).split())
    assert "too large for the exact worked example" not in text
    assert "the numbers come from the generated module" in text and "at the steps 1, 2, 19, 20" in text
    assert "h⁽¹⁾₂₀,₁" in text or "h⁽¹⁾_20,1" in text
    assert "How far back the error reaches in this network" in text
    assert "Checking a gradient numerically" in text and "What changes if" in text


def test_without_the_code_it_says_so():
    net = derive.load("20x16-lstm(32)-10:softmax/ce")
    text = " ".join(TextPrinter().doprint(build(net)).split())
    assert "too large for the exact worked example" in text
