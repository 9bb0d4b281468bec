"""The answer's whitelist: every attempt at anything but an expression is
refused with one ChainruleError (exit 2), never evaluated and never graded
as a wrong answer."""
from __future__ import annotations

import pytest

import derive
from derive.answer import check
from derive.answer.syntax import read
from derive.errors import ChainruleError

MATRIX_ATTEMPTS = [
    ("__import__('os').system('echo hacked')", "attribute access '.system'"),
    ("__import__('os')", "unknown function '__import__'"),
    ("open('/etc/passwd')", "unknown function"),
    ("eval('X')", "unknown function"),
    ("exec('import os')", "unknown function"),
    ("X.__class__", "attribute"),
    ("().__class__.__bases__[0].__subclasses__()", "attribute"),
    ("X.T.__class__", "attribute"),
    ("dZ1.T.dot(X)", "attribute"),
    ("np.exp(Z1)", "without 'np.'"),
    ("np.sum(dZ1, axis=0)", "M.sum(axis=0)"),
    ("X.mean(axis=0)", "attribute"),
    ("X[0]", "indexing"),
    ("X[:, 0]", "indexing"),
    ("lambda: X", "lambda"),
    ("[X, Y]", "lists"),
    ("(X, Y)", "tuples"),
    ("'X'", "strings"),
    ("f'{X}'", "strings"),
    ("X if m else Y", "if/else"),
    ("X and Y", "and/or"),
    ("(y := X)", "assignment"),
    ("[x for x in X]", "comprehensions"),
    ("X % 2", "%"),
    ("X // 2", "//"),
    ("X ** 10 ** 9", "exponent"),
    ("X ** 1000", "too large"),
    ("X ** Y", "exponent"),
    ("exp(X, 2)", "takes 1 argument"),
    ("sigmoid(Z1, alpha=2)", "plain arguments"),
    ("leaky_relu(Z1, -1)", "positive number"),
    ("X.sum(axis=5)", "axis"),
    ("X.sum(axis=m)", "axis"),
    ("X.sum(dtype=int)", "axis and keepdims"),
    ("sum(X)", "unknown function"),
    ("0 < X < 1", "one comparison"),
    ("X > Y", "compare with a number"),
    ("1e999999999", "out of range"),
    ("9" * 1500, "too many"),
    ("X" + " + X" * 1000, "characters long"),
    ("(" * 150 + "X" + ")" * 150, "parentheses deep"),
    ("-" * 120 + "X", "nested"),
    ("dZ1.T @ X / m; import os", "cannot parse"),
    ("dZ1.T @ X / m\nimport os", "cannot parse"),
    ("X\x00", "cannot parse"),
    ("X²", "U+00B2"),
    ("", "empty"),
    ("   ", "empty"),
    (None, "empty"),
    ("sigmoid", "is a function"),
    ("_X", "not allowed"),
    ("True", "True"),
]


@pytest.mark.parametrize("text,words", MATRIX_ATTEMPTS)
def test_matrix_answers_refuse_everything_but_expressions(text, words):
    with pytest.raises(ChainruleError) as e:
        read(text, matrix=True, example="dZ1.T @ X / m")
    assert words in str(e.value)


@pytest.mark.parametrize("text,words", [
    ("d1_2 @ x1", "'@' belongs to --grad"),
    ("d1_2.T * x1", "no attributes"),
    ("x1.real", "no attributes"),
    ("__import__('os')", "unknown function"),
    ("softmax(z1_1)", "unknown function"),
])
def test_scalar_answers_refuse_matrix_syntax_and_the_rest(text, words):
    with pytest.raises(ChainruleError) as e:
        read(text, matrix=False, example="d1_2*x1")
    assert words in str(e.value)


MLP = derive.load("mlp-2-3-1")


@pytest.mark.parametrize("answer,words", [
    ("dZ7.T @ X / m", "layers 1 to 2 only (no layer 7)"),
    ("A7", "no layer 7"),
    ("A0", "write X"),
    ("dW1", "the gradient being asked for"),
    ("dA1.T @ X", "the errors are dZ{l}"),
    ("Yhat - Y", "write the prediction as A2"),
    ("x.T @ dZ1", "did you mean 'X'"),
    ("ｘ.T @ dZ1", "did you mean 'X'"),    # fullwidth x reads as x
    ("foo", "unknown name 'foo'"),
])
def test_grad_answers_name_only_what_the_network_has(answer, words):
    with pytest.raises(ChainruleError) as e:
        check(MLP, answer, grad="W1")
    assert words in str(e.value)


@pytest.mark.parametrize("answer,words", [
    ("d3_1*x1", "layers 1 to 2 (no layer 3)"),
    ("w3_1_1", "no layer 3"),
    ("d1_7*x1", "layer 1 has d1_1, d1_2, d1_3"),
    ("d1_2*x3", "it has x1, x2"),
    ("d1_2*x1/m", "one example (m = 1)"),
    ("delta1_2*x1", "unknown name 'delta1_2'"),
    ("D1_2*x1", "did you mean 'd1_2'"),
])
def test_param_answers_name_only_what_the_network_has(answer, words):
    with pytest.raises(ChainruleError) as e:
        check(MLP, answer, param="w1_2_1")
    assert words in str(e.value)


def test_numbers_are_read_exactly():
    answer = read("0.1 * X + 1/3", matrix=True, example="X")
    from fractions import Fraction
    numbers = [answer.number(n) for n in __import__("ast").walk(answer.tree)
               if type(n).__name__ == "Constant"]
    assert numbers == [Fraction(1, 10), Fraction(1), Fraction(3)]
