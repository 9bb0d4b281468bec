"""The delta view's matrix forms evaluated in float64 give the scalar graph's
exact numbers: every z, a and delta of every example, every gradient, J."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import derive
from derive import names
from derive.example import random_example
from derive.graph import Graph
from derive.matrix_numbers import MatrixEvaluator, MatrixNumbers, descend
from derive.network import Network
from derive.rules import ACTIVATIONS
from derive.worked import descend as graph_descend, evaluate

HIDDEN = [name for name, card in ACTIVATIONS.items() if card.elementwise]


def agree(net, example) -> None:
    g = Graph(net)
    ev = evaluate(g, example)
    mn = MatrixNumbers(net, example)
    assert mn.J == pytest.approx(float(ev.loss), rel=1e-12, abs=1e-14)
    for p in net.param_names():
        assert mn.gradient(p) == pytest.approx(float(ev.gradients[p]), rel=1e-10, abs=1e-13), p
    for r in range(example.m):
        for l in range(1, net.depth + 1):
            for j in range(1, net.sizes[l] + 1):
                for prefix in "zad":
                    exact = float(ev.at(names.sym(names.plain(prefix, l, j)), r))
                    assert mn.value(prefix, l, j, r) == pytest.approx(exact, rel=1e-10, abs=1e-13), (prefix, l, j, r)


@pytest.mark.parametrize("name", [p for p in derive.PRESETS if derive.PRESETS[p]().is_mlp])
def test_presets_agree_with_the_graph(name):
    """Matrix numbers serve the handouts of large dense networks."""
    net = derive.PRESETS[name]()
    agree(net, net.example)


@st.composite
def dense(draw):
    n_hidden = draw(st.integers(0, 2))
    sizes = [draw(st.integers(1, 3)) for _ in range(n_hidden + 1)]
    acts = [draw(st.sampled_from(HIDDEN)) for _ in range(n_hidden)]
    out = draw(st.sampled_from(["identity/mse", "tanh/se", "relu/half_se", "sigmoid/bce", "softmax/ce", "gelu/mse"]))
    act, loss = out.split("/")
    n_out = draw(st.integers(2, 3)) if act == "softmax" else draw(st.integers(1, 2))
    items = [loss] + (["nobias"] if draw(st.booleans()) else []) + (["sum"] if draw(st.booleans()) else []) + \
        (["l2(0.25)"] if draw(st.booleans()) else [])
    layers = "-".join(f"{n}:{a}" for n, a in zip(sizes[1:], acts))
    spec = f"{sizes[0]}-" + (layers + "-" if layers else "") + f"{n_out}:{act}/" + "/".join(items)
    return Network.parse(spec), draw(st.integers(0, 50))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dense())
def test_drawn_networks_agree_with_the_graph(drawn):
    net, seed = drawn
    agree(net, random_example(net, seed, m=3))


def test_descent_follows_the_graphs():
    net = derive.PRESETS["mlp-2-3-1"]()
    ex = net.example
    states = descend(MatrixNumbers(net, ex), 3, ex.lr)
    g = Graph(net)
    exact = graph_descend(g, ex, 3, ex.lr)
    assert [s.J for s in states] == pytest.approx([float(r.loss) for r in exact], rel=1e-12)
    assert states[3].param("w2_1_3") == pytest.approx(float(exact[3].params["w2_1_3"]), rel=1e-12)


def test_saturated_softmax_gives_a_finite_loss():
    """Logits 1000, 0, -1000 and the target on the last: float64 softmax gives
    yhat_3 = 0, but the card's NumPy loss reads the logits: J = 2000, not inf."""
    from derive.example import example_from_table
    net = Network.parse("2-3:softmax/ce")
    ex = example_from_table(net, {"x": [[1.0, 0.0]], "y": [[0.0, 0.0, 1.0]],
                                  "W1": [[1000.0, 0.0], [0.0, 0.0], [-1000.0, 0.0]], "b1": [0.0, 0.0, 0.0]}, "test")
    mn = MatrixNumbers(net, ex)
    assert mn.A[1][0, 2] == 0.0
    assert mn.J == pytest.approx(2000.0, rel=1e-12)
    assert mn.grads["W1"][2, 0] == pytest.approx(-1.0)


def test_evaluator_knows_the_algebra_of_the_forms():
    import sympy as sp
    m = sp.Symbol("m")
    A, B = sp.MatrixSymbol("A", m, 2), sp.MatrixSymbol("B", m, 2)
    env = {A: np.array([[1.0, 2.0], [3.0, 4.0]]), B: np.array([[0.5, -1.0], [2.0, 0.0]])}
    ev = MatrixEvaluator(env, {m: 2})
    expr = sp.HadamardProduct(A, sp.MatAdd(sp.OneMatrix(m, 2), sp.MatMul(-1, B)))
    assert np.array_equal(ev(expr), env[A] * (1 - env[B]))
    assert np.array_equal(ev(sp.MatMul(1 / m, A.T, B)), env[A].T @ env[B] / 2)
    assert np.array_equal(ev(sp.HadamardPower(A, 2)), env[A] ** 2)
