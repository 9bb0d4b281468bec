"""--param answers graded on the presets and on drawn networks: right answers
in the derivation's quantities or written out, wrong ones each with the
mistake named; the gradient they are compared with against torch autograd."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import derive
from derive.answer.scalar import ScalarGrader
from derive.lang import messages
from derive.network import Network

T = messages("en")


@lru_cache(maxsize=None)
def grader(spec: str, param: str) -> ScalarGrader:
    return ScalarGrader(derive.load(spec), param, T)


def grade(spec, param, answer):
    return grader(spec, param).grade(answer)


RIGHT = [
    ("mlp-2-3-1", "w1_2_1", "d1_2*x1", "symbolic"),
    ("mlp-2-3-1", "w1_2_1", "a1_2*(1 - a1_2)*d2_1*w2_1_2*x1", "symbolic"),
    ("mlp-2-3-1", "w1_2_1", "sigmoid(z1_2)*(1 - sigmoid(z1_2))*2*(yhat1 - y1)*w2_1_2*x1", "symbolic"),
    ("mlp-2-3-1", "w1_2_1", "sigmoid_prime(z1_2)*d2_1*w2_1_2*x1", "symbolic"),
    ("mlp-2-3-1", "w2_1_2", "2*(yhat1 - y1)*a1_2", "symbolic"),
    ("mlp-2-3-1", "b1_3", "d1_3", "symbolic"),
    ("relu-square", "w1_1_1", "(yhat1 - y1)*w2_1_1*(z1_1 > 0)*x1", "numeric"),
    ("relu-square", "w1_1_1", "d2_1*w2_1_1*relu_prime(z1_1)*x1", "numeric"),
    ("softmax-2hidden", "w3_1_1", "(yhat1 - y1)*a2_1", "numeric"),    # uses y1 + y2 + y3 = 1
    ("softmax-2hidden", "w1_1_1", "d1_1*x1", "symbolic"),
    ("logistic", "w1_1_2", "(yhat1 - y1)*x2", "symbolic"),
    ("single-weight", "w1_1_1", "2*(yhat1 - y1)*x1", "symbolic"),
    ("small-cnn", "w4_1_1", "d4_1*a2_1_1_1", "symbolic"),
    ("small-cnn", "b1_1", "d1_1_1_1 + d1_1_1_2 + d1_1_2_1 + d1_1_2_2", "symbolic"),   # shared: summed over positions
    ("residual-mlp", "w3_1_1", "2*(yhat1 - y1)*s2_1", "symbolic"),
    ("residual-mlp", "w1_1_1", "d1_1*x1", "symbolic"),
    ("tiny-rnn", "w2_1_1", "d2_1*h1_3_1", "symbolic"),
    ("tiny-rnn", "wx1_1_1", "d1_3_1*x3_1 + d1_2_1*x2_1 + d1_1_1*x1_1", "symbolic"),   # summed over time
]


@pytest.mark.parametrize("spec,param,answer,method", RIGHT)
def test_right_answers(spec, param, answer, method):
    v = grade(spec, param, answer)
    assert v.correct, v.diagnosis
    assert v.method == method


WRONG = [
    ("mlp-2-3-1", "w1_2_1", "d1_1*x2", ["swapped_indices"]),
    ("mlp-2-3-1", "w1_2_1", "d1_2*x2", ["other_parameter"]),
    ("mlp-2-3-1", "w1_2_1", "d1_2", ["other_parameter"]),
    ("mlp-2-3-1", "w1_2_1", "2*d1_2*x1", ["factor_2"]),
    ("mlp-2-3-1", "w1_2_1", "-d1_2*x1", ["sign"]),
    ("mlp-2-3-1", "w1_2_1", "d2_1*w2_1_2*x1", ["missing_fprime"]),
    ("mlp-2-3-1", "w1_1_1", "d2_1*w2_1_1*x1", ["missing_fprime"]),     # the example
    ("mlp-2-3-1", "w1_2_1", "sigmoid_prime(a1_2)*d2_1*w2_1_2*x1", ["fprime_of_a"]),
    ("mlp-2-3-1", "w1_2_1", "z1_2*(1 - z1_2)*d2_1*w2_1_2*x1", ["fprime_form_of_z"]),
    ("mlp-2-3-1", "w1_2_1", "d1_2*a1_1", ["wrong_layer_activation"]),
    ("mlp-2-3-1", "w1_2_1", "d1_2*x1*w1_2_1", ["extra_factor"]),
    ("mlp-2-3-1", "w1_2_1", "d1_2*x1/a1_2", ["missing_factor"]),
    ("mlp-2-3-1", "w1_2_1", "d1_2*x1 + x2", ["not_equal"]),
    ("mlp-2-3-1", "w2_1_2", "(yhat1 - y1)*a1_2", ["factor_1/2"]),
    ("mlp-2-3-1", "w2_1_2", "d2_1*z1_2", ["wrong_layer_activation"]),
    ("relu-square", "w1_1_1", "(yhat1 - y1)*w2_1_1*x1", ["missing_fprime"]),
    ("relu-square", "w1_1_1", "2*(yhat1 - y1)*w2_1_1*(z1_1 > 0)*x1", ["factor_2"]),
    ("softmax-2hidden", "w3_1_1", "(y1 - yhat1)*a2_1", ["sign"]),
    ("softmax-2hidden", "w1_1_1", "(d2_1*w2_1_1 + d2_2*w2_2_1 + d2_3*w2_3_1 + d2_4*w2_4_1)*x1",
     ["missing_fprime"]),
    ("logistic", "w1_1_2", "(yhat1 - y1)*yhat1*(1 - yhat1)*x2", ["extra_fprime"]),
    ("logistic", "w1_1_2", "(yhat1 - y1)*x1", ["other_parameter"]),
    ("single-weight", "w1_1_1", "(yhat1 - y1)*x1", ["factor_1/2"]),
    ("single-weight", "w1_1_1", "2*(yhat1 - y1)", ["missing_factor"]),
    ("2-2:tanh-1:sigmoid/se", "w1_1_1", "d2_1*w2_1_1*sigmoid_prime(z1_1)*x1", ["wrong_activation"]),
    ("mlp-2-3-1", "w1_2_1", "0", ["not_equal"]),          # not "the right one times 0"
    ("mlp-2-3-1", "w1_2_1", "0*d1_2*x1", ["not_equal"]),
    # the other layer kinds' presets: conv, residual, recurrent
    ("small-cnn", "w4_1_1", "-d4_1*a2_1_1_1", ["sign"]),
    ("small-cnn", "w4_1_1", "2*d4_1*a2_1_1_1", ["factor_2"]),
    ("small-cnn", "w4_1_1", "d4_1", ["other_parameter"]),
    ("residual-mlp", "w3_1_1", "(yhat1 - y1)*s2_1", ["factor_1/2"]),
    ("residual-mlp", "w3_1_1", "d3_1*a2_1", ["wrong_layer_activation"]),
    ("residual-mlp", "w1_1_1", "d1_1*x2", ["other_parameter"]),
    ("tiny-rnn", "w2_1_1", "(yhat1 - y1)*h1_3_1", ["factor_1/2"]),
    ("tiny-rnn", "w2_1_1", "-d2_1*h1_3_1", ["sign"]),
    ("tiny-rnn", "w2_1_1", "d2_1", ["other_parameter"]),
]


@pytest.mark.parametrize("spec,param,answer,mistakes", WRONG)
def test_wrong_answers_name_the_mistake(spec, param, answer, mistakes):
    v = grade(spec, param, answer)
    assert not v.correct
    assert v.mistakes == mistakes, v.diagnosis


def test_the_diagnosis_speaks_of_the_unit_on_the_path():
    v = grade("mlp-2-3-1", "w1_2_1", "z1_2*(1 - z1_2)*d2_1*w2_1_2*x1")
    assert "z1_2*(1 - z1_2) instead of a1_2*(1 - a1_2)" in v.diagnosis[0]
    v = grade("relu-square", "w1_1_1", "(yhat1 - y1)*w2_1_1*x1")
    assert "(a1_1 > 0)" in v.diagnosis[0]
    v = grade("mlp-2-3-1", "w1_2_1", "d1_1*x2")
    assert "dJ/dw1_2_1 = d1_2*x1" in v.diagnosis[0]


@pytest.mark.parametrize("spec,param", [("mlp-2-3-1", "w1_2_1"), ("softmax-2hidden", "w1_3_2"),
                                        ("relu-square", "b1_2"), ("logistic", "b1_1"), ("small-cnn", "w4_2_2"),
                                        ("residual-mlp", "w1_2_1"), ("tiny-rnn", "wh1_1_2"),
                                        ("2-3:tanh-dropout(0.5)-1/mse", "w1_2_2")])
def test_the_expected_result_and_its_deltas_are_answers_themselves(spec, param):
    v = grade(spec, param, param)
    assert grade(spec, param, v.expected).correct
    answer = v.expected
    for name, expr in v.where:
        answer = answer.replace(name, f"({expr})") if len(answer) < 1500 else answer
    assert grade(spec, param, answer).correct


@pytest.mark.parametrize("spec,param", [("mlp-2-3-1", "w1_2_1"), ("softmax-2hidden", "w2_3_4"),
                                        ("relu-square", "w1_2_1"), ("logistic", "w1_1_1"), ("small-cnn", "w1_1_1_2_2"),
                                        ("2-3:tanh-2/se/l2(0.25)", "w1_1_2"), ("residual-mlp", "w2_1_2"),
                                        ("tiny-rnn", "wx1_2_1"), ("2-3:tanh-dropout(0.5)-1/mse", "w1_3_1")])
def test_the_gradient_compared_with_is_torchs(spec, param):
    pytest.importorskip("torch")
    from tests.torch_reference import loss_and_grads
    from derive import names
    g = grader(spec, param)
    g.grade(param)
    net = g.net
    key, idx = names.locate(param, net.param_shapes())
    for example, value in zip(g.points.examples, g.E):
        X = np.array([[float(v) for v in row] for row in example.X]).reshape((example.m, *net.input))
        Y = np.array([[float(v) for v in row] for row in example.Y])
        arrays = {}
        values = dict(example.params)
        for k, shape in net.param_shapes().items():
            arrays[k] = np.array([float(values[p]) for p in names.entries(k, shape)]).reshape(shape)
        masks = {k: np.array([[float(v) for v in row] for row in rows]) for k, rows in example.masks}
        _, grads = loss_and_grads(net, X, Y, arrays, masks)
        assert float(value) == pytest.approx(grads[key][idx], rel=1e-9, abs=1e-12)


def test_batch_norm_is_refused_with_the_reason():
    from derive.errors import ChainruleError
    with pytest.raises(ChainruleError, match="batch norm couples the examples"):
        ScalarGrader(derive.load("bn-mlp"), "w1_1_1", T)


# -- drawn networks ---------------------------------------------------------------

HIDDEN = ["sigmoid", "tanh", "softplus", "elu(0.5)", "gelu"]


@st.composite
def dense(draw):
    depth = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 3)) for _ in range(depth)]
    out = draw(st.sampled_from(["identity/mse", "identity/se", "tanh/half_se", "sigmoid/bce", "softmax/ce"]))
    act, loss = out.split("/")
    n_out = draw(st.integers(2, 3)) if act == "softmax" else draw(st.integers(1, 2))
    hidden = "".join(f"-{n}:{draw(st.sampled_from(HIDDEN))}" for n in sizes[1:])
    items = [loss] + (["nobias"] if draw(st.booleans()) else [])
    net = Network.parse(f"{sizes[0]}{hidden}-{n_out}:{act}/" + "/".join(items))
    return net.spec, draw(st.sampled_from(net.param_names()))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dense())
def test_drawn_networks(drawn):
    spec, param = drawn
    v = grade(spec, param, "x1")
    assert grade(spec, param, v.expected).correct
    assert grade(spec, param, f"-({v.expected})").mistakes == ["sign"]
    doubled = grade(spec, param, f"2*({v.expected})").mistakes
    net = derive.load(spec)
    # mse over two outputs: 2 is also the missing 1/n of the mean over the outputs
    assert doubled == ["factor_2"] or (net.loss == "mse" and net.n_out == 2 and doubled == ["missing_1/n"])
