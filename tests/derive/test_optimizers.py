"""derive's optimizer equations (the descent trace of --optimizer) against
torch.optim, step by step, on a network's real gradients."""
from fractions import Fraction

import pytest

import derive
from derive.evaluate import to_mp
from derive.graph import Graph
from derive.worked import descend

from ..torch_reference import loss_and_grads
from .test_graph import arrays

torch = pytest.importorskip("torch")


def torch_trace(net, example, make, steps):
    X, Y, P, M = arrays(net, example)
    params = {k: torch.tensor(v, requires_grad=True) for k, v in P.items()}
    opt = make(list(params.values()))
    for _ in range(steps):
        _, grads = loss_and_grads(net, X, Y, {k: v.detach().numpy() for k, v in params.items()})
        for k, v in params.items():
            v.grad = torch.tensor(grads[k])
        opt.step()
    return {k: v.detach().numpy() for k, v in params.items()}


@pytest.mark.parametrize("name, hyper, make", [
    ("momentum", {}, lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    ("momentum", {"weight_decay": 0.2}, lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.2)),
    ("nesterov", {}, lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)),
    ("rmsprop", {}, lambda p: torch.optim.RMSprop(p, lr=0.1)),
    ("rmsprop", {"weight_decay": 0.05}, lambda p: torch.optim.RMSprop(p, lr=0.1, weight_decay=0.05)),
    ("adam", {}, lambda p: torch.optim.Adam(p, lr=0.1)),
    ("adam", {"weight_decay": 0.1}, lambda p: torch.optim.Adam(p, lr=0.1, weight_decay=0.1)),
    ("adamw", {}, lambda p: torch.optim.AdamW(p, lr=0.1)),
])
def test_trace_equals_torch_optim(name, hyper, make):
    from derive import names
    net = derive.load("mlp-2-3-1")
    trace = descend(Graph(net), net.example, 6, Fraction(1, 10), optimizer=name, **hyper)
    ref = torch_trace(net, net.example, make, 6)
    for p, value in trace[-1].params.items():
        key, idx = names.locate(p, net.param_shapes())
        assert float(to_mp(value)) == pytest.approx(float(ref[key][idx]), rel=1e-12, abs=1e-14), p


def test_adam_first_step_moves_by_the_learning_rate(capsys):
    from chainrule.cli import main
    assert main(["derive", "single-weight", "--numbers", "--steps", "6", "--optimizer", "adam", "--lr", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "m̂ = m/(1 - β₁^t)" in out and "moved it by 1, " in out.replace("\n", " ")
