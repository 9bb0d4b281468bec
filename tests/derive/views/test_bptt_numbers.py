"""The factor that repeats, with its numbers: each Jₜ the section shows is
torch's Jacobian ∂hₜ/∂hₜ₋₁ of nn.RNNCell (transposed, as it multiplies a
column of errors), and the errors it carries back are torch's ∂ℓ/∂hₜ, on
the tiny-rnn preset and on a drawn rnn; other cells get no such section."""
from __future__ import annotations

import pytest

import derive
from derive.derivation import build
from derive.example import random_example
from derive.graph import Graph
from derive.lang import messages
from derive.printers.text import TextPrinter
from derive.views import bptt_numbers
from derive.worked import evaluate

torch = pytest.importorskip("torch")
t = messages("en")


def torch_factors(net, example):
    """{t: (∂hₜ/∂hₜ₋₁)ᵀ} and {t: ∂ℓ/∂hₜ} for example 1, torch float64: nn.RNNCell
    with the weights copied in, stepped by hand so that each hₜ keeps its .grad."""
    import numpy as np
    from derive.matrix_numbers import param_arrays
    from tests.torch_reference import forward
    H = net.numbered[0].hidden
    P = {k: torch.tensor(v, dtype=torch.float64) for k, v in param_arrays(net, example.params).items()}
    cell = torch.nn.RNNCell(net.input[1], H, nonlinearity="tanh").double()
    with torch.no_grad():
        cell.weight_ih.copy_(P["Wx1"])
        cell.weight_hh.copy_(P["Wh1"])
        cell.bias_ih.copy_(P["b1"])
        cell.bias_hh.zero_()
    X = torch.tensor(np.array(example.X[0], dtype=np.float64).reshape(net.input))
    h = torch.zeros((1, H), dtype=torch.float64)
    hs, J = [], {}
    for step in range(net.input[0]):
        x = X[step:step + 1]
        if step:
            J[step + 1] = torch.autograd.functional.jacobian(lambda hp: cell(x, hp), h.detach())[0, :, 0, :].T
        h = cell(x, h)
        h.retain_grad()
        hs.append(h)
    out = forward(net, net.layers[1:], h, P, {})
    Y = torch.tensor(np.array(example.Y[0], dtype=np.float64)).reshape(1, -1)
    ((out - Y) ** 2).mean().backward()   # mse, one example
    return J, {s + 1: hs[s].grad[0] for s in range(len(hs))}


@pytest.mark.parametrize("spec,seed", [("tiny-rnn", None), ("4x2-rnn(3)-1/mse", 2)])
def test_factors_and_errors_are_torchs(spec, seed):
    net = derive.load(spec)
    example = net.example if seed is None else random_example(net, seed, m=1)
    g = Graph(net)
    ev = evaluate(g, example)
    T, H = net.input[0], net.numbered[0].hidden
    mine, errors = bptt_numbers.factors(g, ev, T, H), bptt_numbers.errors(ev, T, H)
    J, dh = torch_factors(net, example)
    for step in range(2, T + 1):
        for q in range(H):
            for j in range(H):
                assert abs(float(mine[step][q][j]) - J[step][q, j].item()) < 1e-12, (step, q, j)
    for s in range(1, T + 1):
        for q in range(H):
            assert abs(float(errors[s][q]) - dh[s][q].item()) < 1e-12 * max(1, abs(dh[s][q].item()))
    section = bptt_numbers.section(net, g, ev, t)
    text = TextPrinter(g.scheme()).doprint(section)
    assert f"step {T} to step 1" in text and ("Jₛ₊₁[1,2]" in text) == (H <= bptt_numbers.WIDEST) and ("f′(zₛ₊₁)[1]" in text) == (H > bptt_numbers.WIDEST)


def test_only_tanh_rnns_get_the_section():
    def titles(spec):
        doc = build(derive.load(spec), numbers=True)
        return [getattr(s, "title", "") for s in doc.body]
    assert any("factor that repeats" in x for x in titles("tiny-rnn"))
    assert not any("factor that repeats" in x for x in titles("2x1-lstm(1)-1/mse"))
    assert not any("factor that repeats" in x for x in titles("2-2:tanh-1/mse"))
