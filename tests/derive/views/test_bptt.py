"""The handout's |dJ/dh_t| table for a tanh RNN and an LSTM: the graph's
numbers against torch's own nn.RNN / nn.LSTM with the weights copied in."""
from __future__ import annotations

import numpy as np
import pytest

from derive.views.handout import bptt

torch = pytest.importorskip("torch")


def torch_norms(net, example):
    values = dict(example.params)
    H, T = bptt.H, bptt.T

    def array(key, shape):
        from derive import names
        return torch.tensor([float(values[e]) for e in names.entries(key, shape)], dtype=torch.float64).reshape(shape)
    shapes = net.param_shapes()
    cell = net.numbered[0].cell
    # torch's own cells, unrolled by hand so that every h_t is a tensor of the graph
    module = {"rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell}[cell](1, H).double()
    with torch.no_grad():
        module.weight_ih.copy_(array("Wx1", shapes["Wx1"]))
        module.weight_hh.copy_(array("Wh1", shapes["Wh1"]))
        module.bias_ih.copy_(array("b1", shapes["b1"]))
        module.bias_hh.zero_()
    x = torch.tensor([float(v) for v in example.X[0]], dtype=torch.float64).reshape(T, 1, 1)
    h = torch.zeros(1, H, dtype=torch.float64)
    c = torch.zeros(1, H, dtype=torch.float64)
    hs = []
    for t in range(T):
        if cell == "lstm":
            h, c = module(x[t], (h, c))
        else:
            h = module(x[t], h)
        hs.append(h)
    yhat = h @ array("W2", shapes["W2"]).T + array("b2", shapes["b2"])
    J = ((yhat - float(example.Y[0][0])) ** 2).mean()
    # dJ/dh_t as the graph defines it: through the output and through h_{t+1}
    grads = torch.autograd.grad(J, hs)
    return [float(g.norm()) for g in grads]


def test_norms_equal_torchs():
    rnn, lstm = bptt.comparison()
    (rnn_net, rnn_ex), (lstm_net, lstm_ex) = bptt.examples()
    assert np.allclose(rnn, torch_norms(rnn_net, rnn_ex), rtol=1e-9)
    assert np.allclose(lstm, torch_norms(lstm_net, lstm_ex), rtol=1e-9)
    r_total, r_step = bptt.shrink(rnn)
    l_total, l_step = bptt.shrink(lstm)
    assert r_step < 0.6 and l_step > 0.9   # what the handout's sentence says of these numbers
