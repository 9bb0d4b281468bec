"""The scalar graph (one generic reverse walk over the layers' definitions)
against torch autograd, for every layer kind, on drawn architectures."""
from __future__ import annotations

import numpy as np
import sympy as sp
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import derive
from derive import names
from derive.evaluate import to_mp
from derive.example import random_example
from derive.graph import Graph, can_build, couples_rows
from derive.worked import evaluate

from ..torch_reference import loss_and_grads

torch = pytest.importorskip("torch")

ACTS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu(0.1)", "elu(0.5)", "softplus", "gelu", "silu"]


def arrays(net, example):
    """The example as the arrays a module (or torch) takes."""
    X = np.array([[float(v) for v in row] for row in example.X]).reshape(example.m, *net.input)
    Y = np.array([[float(v) for v in row] for row in example.Y])
    values = dict(example.params)
    P = {key: np.array([float(values[p]) for p in names.entries(key, shape)]).reshape(shape)
         for key, shape in net.param_shapes().items()}
    shapes = dict(zip([layer.l for layer in net.numbered], net.shapes()))
    M = {key: np.array([[float(v) for v in row] for row in rows]).reshape(example.m, *shapes[int(key[1:])])
         for key, rows in example.masks}
    return X, Y, P, M


def compare(spec, seed=0):
    net = derive.load(spec)
    example = random_example(net, seed, m=3 if couples_rows(net) else 2)
    rows = list(range(1, example.m + 1)) if couples_rows(net) else None
    g = Graph(net, rows=rows)
    ev = evaluate(g, example)
    kinks = [d for d in g.forward if d.act is not None and d.act[0].name in ("relu", "leaky_relu", "elu")
             and any(env.get(d.act[1]) == 0 for env in ev.rows)]
    if kinks:   # z exactly 0 in exact arithmetic: f'(0) by convention, but torch's float z is a rounding off 0
        return False
    X, Y, P, M = arrays(net, example)
    J, grads = loss_and_grads(net, X, Y, P, M)
    assert float(to_mp(ev.loss)) == pytest.approx(J, rel=1e-10, abs=1e-12)
    for p in net.param_names():
        key, idx = names.locate(p, net.param_shapes())
        assert float(to_mp(ev.gradients[p])) == pytest.approx(grads[key][idx], rel=1e-9, abs=1e-11), p
    return True


@pytest.mark.parametrize("spec", [
    "mlp-2-3-1", "softmax-2hidden", "logistic", "relu-square",
    "1x4x4-conv(2,3):relu-maxpool(2)-flatten-3:softmax/ce",
    "2x5x5-conv(2,3,stride=2,pad=1):tanh-flatten-2/mse",
    "1x4x4-avgpool(2)-flatten-2:sigmoid/bce",
    "4-3:relu-bn-2:softmax/ce",
    "1x3x3-conv(2,2):relu-bn-flatten-2/half_se",
    "3-ln-2/mse", "1x2x3-ln-flatten-2/se",
    "2-3:relu-dropout(0.5)-1/se",
    "4-res(4:relu-4):relu-2/mse/l2(0.01)",
    "3x1-rnn(2)-1/mse", "2x2-lstm(2)-1/mse", "3x2-gru(2)-2:softmax/ce",
    "2x2-lstm(2)-ln-res(2:tanh-2)-dropout(0.25)-1:sigmoid/bce",
    "2-3:gelu-2:silu/mse/sum/nobias",
])
def test_graph_equals_torch(spec):
    assert compare(spec)


def _dense(draw, n):
    return f"{draw(st.integers(1, 3))}:{draw(st.sampled_from(ACTS))}"


@st.composite
def specs(draw):
    """Small networks mixing every kind, valid by construction."""
    kind = draw(st.sampled_from(["flat", "image", "sequence"]))
    tokens = []
    if kind == "image":
        c, h = draw(st.integers(1, 2)), draw(st.integers(3, 5))
        head = f"{c}x{h}x{h}"
        k = draw(st.integers(1, 2))
        tokens.append(f"conv({draw(st.integers(1, 2))},{k}):{draw(st.sampled_from(ACTS))}")
        size = h - k + 1
        if size >= 2 and draw(st.booleans()):
            tokens.append(draw(st.sampled_from(["maxpool(2)", "avgpool(2)"])))
        if draw(st.booleans()):
            tokens.append(draw(st.sampled_from(["bn", "ln"])))
        tokens.append("flatten")
    elif kind == "sequence":
        head = f"{draw(st.integers(1, 3))}x{draw(st.integers(1, 2))}"
        width = draw(st.integers(1, 2))
        tokens.append(f"{draw(st.sampled_from(['rnn', 'lstm', 'gru']))}({width})")
    else:
        width = draw(st.integers(1, 3))
        head = str(width)
    if kind == "image":
        width = 2
    for _ in range(draw(st.integers(0, 2))):
        choice = draw(st.sampled_from(["dense", "bn", "ln", "dropout", "res"]))
        if choice == "ln" and width == 1:
            # layer norm over one value is exactly 0 after centring; torch's rounding
            # noise there, amplified by 1/sqrt(eps), decides later ReLU kinks at random
            continue
        if choice == "dense":
            width = draw(st.integers(1, 3))
            tokens.append(f"{width}:{draw(st.sampled_from(ACTS))}")
        elif choice == "dropout":
            tokens.append(f"dropout({draw(st.sampled_from(['0.25', '0.5']))})")
        elif choice == "res":
            n = width = draw(st.integers(1, 3))
            tokens += [f"{n}:{draw(st.sampled_from(ACTS))}",
                       f"res({n}:{draw(st.sampled_from(ACTS))}-{n}):{draw(st.sampled_from(ACTS))}"]
        else:
            tokens.append(choice)
    out = draw(st.sampled_from(["plain", "bce", "ce"]))
    if out == "ce":
        tokens.append(f"{draw(st.integers(2, 3))}:softmax")
        loss = "ce"
    elif out == "bce":
        tokens.append(f"{draw(st.integers(1, 2))}:sigmoid")
        loss = "bce"
    else:
        tokens.append(f"{draw(st.integers(1, 2))}:{draw(st.sampled_from(ACTS))}")
        loss = draw(st.sampled_from(["se", "half_se", "mse"]))
    items = [loss] + draw(st.lists(st.sampled_from(["nobias", "sum", "l2(0.05)"]), unique=True, max_size=2))
    return head + "-" + "-".join(tokens) + "".join("/" + i for i in items)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs(), st.integers(0, 3))
def test_drawn_networks_equal_torch(spec, seed):
    net = derive.Network.parse(spec)
    assume(can_build(net, 3))
    assume(compare(spec, seed))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(1, 40), st.integers(1, 40),
                          st.sampled_from(["x", "a", "h", "d"]), st.integers(1, 12), st.integers(1, 30)),
                min_size=1, max_size=12),
       st.one_of(st.none(), st.tuples(st.integers(1, 9), st.integers(1, 30))))
def test_weighted_sum_is_sympys_own_sum(terms, bias):
    """The fast canonical-order sum the dense layer builds is SymPy's sum, argument
    for argument (so printing and hashing cannot tell them apart)."""
    from derive import names
    from derive.graph import Builder, _slow_sum
    pairs = [(names.sym(f"w{l}_{j}_{k}"), names.sym(f"{p}{q}_{r}" if p != "x" else f"x{r}"))
             for l, j, k, p, q, r in terms]
    b = names.sym(f"b{bias[0]}_{bias[1]}") if bias else None
    fast, slow = Builder(None).weighted_sum(pairs, b), _slow_sum(pairs, b)
    assert fast == slow and fast.args == slow.args and sp.srepr(fast) == sp.srepr(slow)
