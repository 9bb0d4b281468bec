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


TORCH_CLASS = {"sgd": "SGD", "momentum": "SGD", "nesterov": "SGD", "rmsprop": "RMSprop", "adam": "Adam",
               "adamw": "AdamW"}


@pytest.mark.parametrize("name", list(TORCH_CLASS))
def test_trace_states_the_hyperparameters_it_ran_with(capsys, name):
    """The trace names every hyperparameter its rule uses, with torch.optim's own
    defaults (read from torch's signatures) and the learning rate given; the
    state of row t is what step t + 1 leaves (torch's state after that step)."""
    import inspect
    import json

    from chainrule.cli import main
    assert main(["derive", "single-weight", "--steps", "3", "--optimizer", name, "--lr", "0.1",
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    torch_defaults = {k: p.default for k, p in inspect.signature(getattr(torch.optim, TORCH_CLASS[name]))
                      .parameters.items()}
    stated = data["hyperparameters"]
    assert float(stated.pop("lr")) == 0.1
    if name in ("momentum", "nesterov"):   # torch's SGD has momentum 0; the momentum rule's default is 0.9
        assert float(stated.pop("momentum")) == 0.9
    if name == "nesterov":
        assert stated.pop("nesterov") is True
    assert stated, name   # weight decay at least
    for key, value in stated.items():
        want = torch_defaults[key]
        got = [float(v) for v in value] if key == "betas" else float(value)
        assert got == (list(want) if key == "betas" else want), key
    if name in ("adam", "rmsprop"):
        w = torch.tensor([0.8], dtype=torch.float64, requires_grad=True)
        opt = getattr(torch.optim, TORCH_CLASS[name])([w], lr=0.1)
        w.grad = torch.tensor([4.5 * 0.8 - 1.5], dtype=torch.float64)   # dJ/dw of (1.5 w - 0.5)^2 at 0.8
        opt.step()
        key = "exp_avg_sq" if name == "adam" else "square_avg"
        assert float(data["trace"][0]["state"]["w1_1_1"]["v"]) == pytest.approx(opt.state[w][key].item(),
                                                                             rel=1e-15)


def test_trace_text_lists_the_hyperparameters(capsys):
    from chainrule.cli import main
    assert main(["derive", "single-weight", "--steps", "2", "--optimizer", "rmsprop", "--lr", "0.1"]) == 0
    out = capsys.readouterr().out
    rows = {tuple(line.split()[:3]) for line in out.splitlines() if line.startswith("  ")}
    assert {("η", "lr", "0.1"), ("α", "alpha", "0.99"), ("ε", "eps", "1e-08"),
            ("λ", "weight_decay", "0")} <= rows
