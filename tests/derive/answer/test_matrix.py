"""--grad answers graded on the presets and on drawn dense networks: right
answers in several forms, wrong ones each with the mistake a teacher would
name; the right values themselves against torch autograd (float64)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import derive
from derive.answer.matrix import Grader
from derive.lang import messages
from derive.network import Network

T = messages("en")


@lru_cache(maxsize=None)
def grader(spec: str, key: str) -> Grader:
    return Grader(derive.load(spec), key, T)


def grade(spec, key, answer):
    return grader(spec, key).grade(answer)


RIGHT = [
    ("mlp-2-3-1", "W1", "dZ1.T @ X / m"),
    ("mlp-2-3-1", "W1", "((dZ2 @ W2) * A1 * (1 - A1)).T @ X / m"),
    ("mlp-2-3-1", "W1", "((2*(A2 - Y) @ W2) * sigmoid_prime(Z1)).T @ X / m"),
    ("mlp-2-3-1", "W1", "(dZ1 / m).T @ X"),
    ("mlp-2-3-1", "b1", "dZ1.sum(axis=0) / m"),
    ("mlp-2-3-1", "b1", "dZ1.T.sum(axis=1) / m"),
    ("mlp-2-3-1", "W2", "2 * (A2 - Y).T @ A1 / m"),
    ("mlp-2-3-1", "b2", "2 * (A2 - Y).sum(axis=0) / m"),
    ("softmax-2hidden", "W3", "(A3 - Y).T @ A2 / m"),
    ("softmax-2hidden", "W3", "(softmax(Z3) - Y).T @ A2 / m"),
    ("softmax-2hidden", "W1", "((dZ2 @ W2) * (Z1 > 0)).T @ X / m"),
    ("softmax-2hidden", "W2", "((dZ3 @ W3) * relu_prime(Z2)).T @ A1 / m"),
    ("relu-square", "W1", "((dZ2 @ W2) * relu_prime(Z1)).T @ X / m"),
    ("relu-square", "W1", "((dZ2 @ W2) * relu_prime(A1)).T @ X / m"),   # relu'(a) = relu'(z): no mistake
    ("relu-square", "W2", "(A2 - Y).T @ A1 / m"),
    ("logistic", "W1", "(A1 - Y).T @ X / m"),
    ("logistic", "b1", "(A1 - Y).sum(axis=0) / m"),
    ("single-weight", "W1", "2 * (A1 - Y).T @ X / m"),
    ("single-weight", "W1", "2 * X.T @ (A1 - Y) / m"),   # 1 x 1: the transpose is the same number
]


@pytest.mark.parametrize("spec,key,answer", RIGHT)
def test_right_answers(spec, key, answer):
    v = grade(spec, key, answer)
    assert v.correct, v.diagnosis
    assert v.diagnosis == [] and v.mistakes == []


WRONG = [
    ("mlp-2-3-1", "W1", "X.T @ dZ1 / m", ["transpose"]),
    ("mlp-2-3-1", "W1", "dZ1.T @ X", ["missing_1/m"]),
    ("mlp-2-3-1", "W1", "X.T @ dZ1", ["transpose", "missing_1/m"]),
    ("mlp-2-3-1", "W1", "dZ1.T @ X / m / m", ["extra_1/m"]),
    ("mlp-2-3-1", "W1", "-dZ1.T @ X / m", ["sign"]),
    ("mlp-2-3-1", "W1", "(dZ2 @ W2).T @ X / m", ["missing_fprime"]),
    ("mlp-2-3-1", "W1", "((dZ2 @ W2) * sigmoid_prime(A1)).T @ X / m", ["fprime_of_a"]),
    ("mlp-2-3-1", "W1", "((dZ2 @ W2) * Z1 * (1 - Z1)).T @ X / m", ["fprime_form_of_z"]),
    ("mlp-2-3-1", "W1", "(((A2 - Y) @ W2) * A1 * (1 - A1)).T @ X / m", ["factor_1/2"]),
    ("mlp-2-3-1", "W1", "dZ1.T @ A1 / m", ["wrong_layer_activation"]),
    ("mlp-2-3-1", "W1", "dZ1.T @ X @ W1.T @ W1 / m", ["not_equal"]),
    ("mlp-2-3-1", "W1", "X @ dZ1 / m", ["shape_mismatch"]),
    ("mlp-2-3-1", "b1", "dZ1 / m", ["missing_sum"]),
    ("mlp-2-3-1", "b1", "dZ1.sum(axis=0)", ["missing_1/m"]),
    ("mlp-2-3-1", "W2", "dZ2.T @ X / m", ["wrong_layer_activation"]),
    ("mlp-2-3-1", "W2", "(A2 - Y).T @ A1 / m", ["factor_1/2"]),
    ("softmax-2hidden", "W3", "(A3 - Y).T @ A2", ["missing_1/m"]),
    ("softmax-2hidden", "W3", "A2.T @ (A3 - Y) / m", ["transpose"]),
    ("softmax-2hidden", "W3", "dZ3.T @ Z2 / m", ["wrong_layer_activation"]),
    ("softmax-2hidden", "W1", "(dZ2 @ W2).T @ X / m", ["missing_fprime"]),
    ("softmax-2hidden", "W2", "dZ2.T @ A2 / m", ["wrong_layer_activation"]),
    ("softmax-2hidden", "W2", "dZ3.T @ A1 / m", ["wrong_layer_delta"]),
    ("softmax-2hidden", "b3", "(A3 - Y).sum(axis=0)", ["missing_1/m"]),
    ("relu-square", "W2", "2 * (A2 - Y).T @ A1 / m", ["factor_2"]),
    ("relu-square", "W1", "(dZ2 @ W2).T @ X / m", ["missing_fprime"]),
    ("relu-square", "W1", "X.T @ dZ1 / m", ["transpose"]),
    ("logistic", "W1", "((A1 - Y) * A1 * (1 - A1)).T @ X / m", ["extra_fprime"]),
    ("logistic", "W1", "(Y - A1).T @ X / m", ["sign"]),
    ("logistic", "W1", "X.T @ (A1 - Y) / m", ["transpose"]),
    ("logistic", "b1", "(A1 - Y) / m", ["missing_sum"]),
    ("single-weight", "W1", "(A1 - Y).T @ X / m", ["factor_1/2"]),
    ("single-weight", "W1", "dZ1.T @ X", ["missing_1/m"]),
    ("2-3:tanh-2/mse/sum", "W2", "dZ2.T @ A1 / m", ["extra_1/m"]),
    ("2-3:tanh-2/mse", "W2", "2 * (A2 - Y).T @ A1 / m", ["missing_1/n"]),
    ("2-3:tanh-2/se/l2(0.1)", "W1", "dZ1.T @ X / m", ["missing_l2"]),
    ("2-3:tanh-2/se/l2(0.1)", "W1", "((dZ2 @ W2) * (1 - Z1**2)).T @ X / m + 0.1 * W1", ["fprime_form_of_z"]),
    ("2-3:tanh-3:sigmoid-1/se", "W1", "((dZ2 @ W2) * sigmoid_prime(Z1)).T @ X / m", ["wrong_activation"]),
]


@pytest.mark.parametrize("spec,key,answer,mistakes", WRONG)
def test_wrong_answers_name_the_mistake(spec, key, answer, mistakes):
    v = grade(spec, key, answer)
    assert not v.correct
    assert v.mistakes == mistakes, v.diagnosis
    assert len(v.diagnosis) >= len(mistakes)


def test_the_issue_examples_say_it_in_words():
    v = grade("mlp-2-3-1", "W1", "X.T @ dZ1 / m")
    assert v.shapes == {"expected": "(3×2)", "answer": "(2×3)"}
    assert "transposed" in v.diagnosis[0] and "dZ1.T @ X / m" in v.diagnosis[0]
    v = grade("softmax-2hidden", "W3", "(A3 - Y).T @ A2")
    assert "1/m" in v.diagnosis[0] and v.expected == "dZ3.T @ A2 / m"
    assert v.where == [("dZ3", "A3 - Y")]


def test_a_shape_that_does_not_fit_is_named_with_the_product_that_would():
    v = grade("mlp-2-3-1", "W1", "X @ dZ1 / m")
    assert v.diagnosis[0] == "The shapes do not fit in X @ dZ1: X is (m×2) and dZ1 is (m×3)."
    assert v.diagnosis[1].startswith("dZ1.T @ X would fit, and with it your answer is right")
    v = grade("mlp-2-3-1", "W1", "dZ1 * X")
    assert "(m×3)" in v.diagnosis[0] and "(m×2)" in v.diagnosis[0]


def test_a_bias_row_with_the_right_numbers_is_right_with_a_note():
    v = grade("mlp-2-3-1", "b1", "dZ1.sum(axis=0, keepdims=True) / m")
    assert v.correct and v.shapes["answer"] == "(1×3)" and "(3)" in v.notes[0]


def test_an_answer_undefined_somewhere_is_wrong_not_an_error():
    v = grade("mlp-2-3-1", "W1", "log(dZ1).T @ X / m")
    assert not v.correct and v.mistakes == ["not_finite"]


PARAMS = [("mlp-2-3-1", "W1"), ("mlp-2-3-1", "b1"), ("mlp-2-3-1", "W2"), ("softmax-2hidden", "W1"),
          ("softmax-2hidden", "b2"), ("softmax-2hidden", "W3"), ("relu-square", "W1"), ("logistic", "W1"),
          ("single-weight", "W1"), ("2-3:tanh-2/se/l2(0.1)", "W1"), ("2-2:elu(0.5)-2/half_se/nobias/sum", "W1")]


@pytest.mark.parametrize("spec,key", PARAMS)
def test_the_expected_result_and_its_deltas_are_answers_themselves(spec, key):
    """What check prints as expected, and each dZ it uses written out, grade as right."""
    v = grade(spec, key, "X")
    assert grade(spec, key, v.expected).correct
    answer = v.expected
    for name, expr in v.where:   # the lowest layer's dZ replaced by its formula, and so on down
        answer = answer.replace(name, f"({expr})")
        assert grade(spec, key, answer).correct, answer


@pytest.mark.parametrize("spec,key", PARAMS)
def test_the_right_values_are_torchs(spec, key):
    """The numbers every answer is compared with: torch autograd (float64) on the same batches."""
    pytest.importorskip("torch")
    from tests.torch_reference import loss_and_grads
    g = grader(spec, key)
    g.grade("X")
    assert len({b.m for b in g.batches}) == 3 and min(b.m for b in g.batches) == 1
    for batch, value in zip(g.batches, g.grad.right_values):
        nums = batch.numbers
        _, grads = loss_and_grads(g.net, nums.X, nums.Y, nums.params)
        assert value.shape == grads[key].shape
        np.testing.assert_allclose(value, grads[key], rtol=1e-9, atol=1e-12)


# -- drawn networks ---------------------------------------------------------------

HIDDEN = ["sigmoid", "tanh", "relu", "softplus", "elu(0.5)"]


@st.composite
def dense(draw):
    depth = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 3)) for _ in range(depth)]
    out = draw(st.sampled_from(["identity/mse", "identity/se", "tanh/half_se", "sigmoid/bce", "softmax/ce"]))
    act, loss = out.split("/")
    n_out = draw(st.integers(2, 3)) if act == "softmax" else draw(st.integers(1, 2))
    hidden = "".join(f"-{n}:{draw(st.sampled_from(HIDDEN))}" for n in sizes[1:])
    items = [loss] + (["nobias"] if draw(st.booleans()) else []) + (["sum"] if draw(st.booleans()) else [])
    net = Network.parse(f"{sizes[0]}{hidden}-{n_out}:{act}/" + "/".join(items))
    l = draw(st.integers(1, net.depth))
    return net.spec, l


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dense())
def test_drawn_networks(drawn):
    spec, l = drawn
    net = derive.load(spec)
    prev = "X" if l == 1 else f"A{l - 1}"
    scale = " / m" if net.reduction == "mean" else ""
    right = f"dZ{l}.T @ {prev}{scale}"
    assert grade(spec, f"W{l}", right).correct
    assert grade(spec, f"W{l}", f"-({right})").mistakes == ["sign"]
    if net.reduction == "mean":
        assert grade(spec, f"W{l}", f"dZ{l}.T @ {prev}").mistakes == ["missing_1/m"]
    else:
        assert grade(spec, f"W{l}", f"dZ{l}.T @ {prev} / m").mistakes == ["extra_1/m"]
    n, n_prev = net.sizes[l], net.sizes[l - 1]
    transposed = grade(spec, f"W{l}", f"{prev}.T @ dZ{l}{scale}")
    if n == n_prev == 1:
        assert transposed.correct
    else:
        assert transposed.mistakes == ["transpose"]
    if net.bias:
        assert grade(spec, f"b{l}", f"dZ{l}.sum(axis=0){scale}").correct
        assert grade(spec, f"b{l}", f"dZ{l}{scale}").mistakes == ["missing_sum"]
