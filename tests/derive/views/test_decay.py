"""L2 in the loss against decoupled weight decay: the four descents of the
comparison are torch.optim's, step by step, with the decay on the weights
only (two parameter groups): SGD(weight_decay=λ), Adam(weight_decay=λ) and
AdamW(weight_decay=λ), float64; SGD's two forms coincide and Adam's differ;
the first steps SymPy composes are one torch step; the section is in the
handout's optimizer section and in derive --optimizer adam/adamw."""
from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest
import sympy as sp

import derive
from derive import names
from derive.derivation import build
from derive.evaluate import to_mp
from derive.example import random_example
from derive.graph import Graph, is_weight
from derive.lang import messages
from derive.optimizers import OPTIMIZERS, SGD_DECOUPLED, eps, g, lr, theta, wd
from derive.printers.text import TextPrinter
from derive.views import decay
from derive.views.handout import build as build_handout

from ...torch_reference import loss_and_grads
from ..test_graph import arrays

torch = pytest.importorskip("torch")
t = messages("en")
STEPS = 5


def torch_run(net, example, make, steps, lam):
    """Each step's parameters under torch.optim, the decay on the weights only."""
    base = replace(net, l2=None)
    X, Y, P, M = arrays(net, example)
    params = {k: torch.tensor(v, requires_grad=True) for k, v in P.items()}
    weights = [v for k, v in params.items() if k.startswith(("W", "Wx", "Wh"))]
    others = [v for k, v in params.items() if not k.startswith(("W", "Wx", "Wh"))]
    opt = make([{"params": weights, "weight_decay": float(lam)}, {"params": others, "weight_decay": 0.0}])
    out = [{k: v.detach().numpy().copy() for k, v in params.items()}]
    for _ in range(steps):
        _, grads = loss_and_grads(base, X, Y, {k: v.detach().numpy() for k, v in params.items()}, M)
        for k, v in params.items():
            v.grad = torch.tensor(grads[k])
        opt.step()
        out.append({k: v.detach().numpy().copy() for k, v in params.items()})
    return out


@pytest.mark.parametrize("spec", ["mlp-2-3-1", "4-res(4:relu-4):relu-2/mse/l2(0.05)", "3x1-rnn(2)-1/mse/l2(0.1)"])
def test_the_four_descents_are_torch_optims(spec):
    net = derive.load(spec)
    example = net.example or random_example(net, 1)
    rate = Fraction(1, 10)
    c = decay.compare(net, example, STEPS, rate)
    assert c.lam == (Fraction(net.l2) if net.l2 is not None else Fraction(1, 100))
    assert c.decayed == {p for p in net.param_names() if is_weight(p)} and c.decayed
    lr_ = float(rate)
    refs = {"sgd_l2": lambda p: torch.optim.SGD(p, lr=lr_),
            "sgd_decoupled": lambda p: torch.optim.SGD(p, lr=lr_),   # with torch's lr in the decay, the same
            "adam_l2": lambda p: torch.optim.Adam(p, lr=lr_),
            "adamw": lambda p: torch.optim.AdamW(p, lr=lr_)}
    for run, make in refs.items():
        ref = torch_run(net, example, make, STEPS, c.lam)
        for k, row in enumerate(c.traces[run]):
            for p, value in row.params.items():
                key, idx = names.locate(p, net.param_shapes())
                assert float(to_mp(value)) == pytest.approx(float(ref[k][key][idx]), rel=1e-11, abs=1e-13), \
                    (run, k, p)
    sgd_gap, _ = decay.gap(c, "sgd_l2", "sgd_decoupled")
    adam_gap, _ = decay.gap(c, "adam_l2", "adamw")
    assert sgd_gap < 1e-25 and adam_gap > 1e-4


def test_first_steps_are_one_torch_step():
    """θ₁ from SymPy's composition at numbers, against one torch.optim step on
    one parameter."""
    th, grad, lam, rate = 0.7, 0.003, 0.2, 0.05
    at = {theta: th, g: grad, wd: lam, lr: rate, eps: 1e-8}
    for rule, make in [(OPTIMIZERS["adam"], lambda p: torch.optim.Adam(p, lr=rate, weight_decay=lam)),
                       (OPTIMIZERS["adamw"], lambda p: torch.optim.AdamW(p, lr=rate, weight_decay=lam)),
                       (OPTIMIZERS["sgd"], lambda p: torch.optim.SGD(p, lr=rate, weight_decay=lam)),
                       (SGD_DECOUPLED, lambda p: torch.optim.SGD(p, lr=rate, weight_decay=lam))]:
        w = torch.tensor([th], dtype=torch.float64, requires_grad=True)
        opt = make([w])
        w.grad = torch.tensor([grad], dtype=torch.float64)
        opt.step()
        mine = float(decay.first_step(rule).xreplace({k: sp.Float(v, 30) for k, v in at.items()}))
        assert mine == pytest.approx(w.item(), rel=1e-13), rule.name
    # and symbolically: SGD's two forms are one expression, Adam's are not
    assert sp.expand(decay.first_step(OPTIMIZERS["sgd"]) - decay.first_step(SGD_DECOUPLED)) == 0
    assert sp.simplify(decay.first_step(OPTIMIZERS["adam"]) - decay.first_step(OPTIMIZERS["adamw"])) != 0


def test_section_in_the_handout_and_in_derive():
    net = derive.load("mlp-2-3-1")
    doc = build_handout(net, optimizer="adam", lr=Fraction(1, 10))
    opt = next(s for s in doc.body if getattr(s, "key", "") == "optimizer")
    inner = [s for s in opt.body if getattr(s, "key", "") == "decay"]
    assert len(inner) == 1
    text = " ".join(TextPrinter(doc.names).doprint(inner[0]).split())
    assert "λ = 0.01 (AdamW's default; the spec has no l2)" in text and "Under SGD the two columns agree" in text
    for name, present in (("adamw", True), ("adam", True), ("momentum", False)):
        d = build(net, numbers=True, steps=2, optimizer=name)
        assert any(getattr(s, "key", "") == "decay" for s in d.body) == present, name
