"""Reading --expr, --wrt and --at: the whitelist, the bounds, the numbers."""
from __future__ import annotations

import time

import pytest
import sympy as sp

from derive.errors import ChainruleError
from derive.views.staged import derivation, parse

from .reference import sym


@pytest.mark.parametrize("text, wrt, at, message", [
    ("__import__('os').system('echo hi')", ["x"], None, "attribute access"),
    ("__import__('os')", ["x"], None, "unknown function '__import__'"),
    ("x.__class__", ["x"], None, "attribute access"),
    ("(lambda: 1)()", ["x"], None, "calls of anything but a function name"),
    ("lambda: x", ["x"], None, "lambda"),
    ("'abc' + x", ["x"], None, "strings"),
    ("x[0]", ["x"], None, "indexing"),
    ("x < y", ["x"], None, "comparisons"),
    ("x @ y", ["x"], None, "the operator @"),
    ("_x + 1", ["_x"], None, "not allowed as a variable name"),
    ("sigmod(x)", ["x"], None, "unknown function 'sigmod' (did you mean 'sigmoid'?)"),
    ("exp(x, y)", ["x"], None, "exp() takes 1 argument, got 2"),
    ("leaky_relu(x, 0.1, 2)", ["x"], None, "leaky_relu() takes 1 or 2 arguments, got 3"),
    ("leaky_relu(x, y)", ["x"], None, "the second argument of leaky_relu() is its alpha"),
    ("elu(x, -1)", ["x"], None, "the second argument of elu() is its alpha, a positive number"),
    ("max(x)", ["x"], None, "max() takes at least 2 arguments, got 1"),
    ("softmax(x)", ["x"], None, "unknown function 'softmax'"),
    ("exp", ["x"], None, "'exp' is a function"),
    ("x +", ["x"], None, "cannot parse --expr"),
    ("", ["x"], None, "--expr is empty"),
    ("2 + 3", ["x"], None, "no variables"),
    ("x + 1e999999999", ["x"], None, "the exponent in '1e999999999' is out of range"),
    ("x*" + "9" * 400, ["x"], None, "is out of range"),
    ("x²", ["x"], None, "contains '²' (U+00B2)"),
    ("x − 1", ["x"], None, "contains '−' (U+2212)"),
    ("w1*x", ["w"], None, "'w' is not in the expression (did you mean 'w1'?)"),
    ("w1*x", ",", None, "--wrt names no variable"),
    ("w1*x", ["w1"], {"x": "abc", "w1": "1"}, "'abc' is not a number"),
    ("w1*x", ["w1"], {"x": "1/0", "w1": "1"}, "divides by zero"),
    ("w1*x", ["w1"], {"x": "nan", "w1": "1"}, "'nan' is not a number"),
    ("w1*x", ["w1"], {"x": "1e999999999", "w1": "1"}, "out of range"),
    ("w1*x", ["w1"], {"x": "1e-999999999", "w1": "1"}, "out of range"),
    ("w1*x", ["w1"], {"x": "1e301", "w1": "1"}, "out of range"),
    ("w1*x", ["w1"], {"x": "1", "ｘ": "2", "w1": "1"}, "--at gives x twice"),
    ("w1*x", ["w1"], {"x": "1"}, "--at gives no value for w1"),
    ("w1*x", ["w1"], {"xx": "1", "w1": "1"}, "'xx' is not a variable of the expression (did you mean 'x'?)"),
])
def test_bad_input_is_one_line_chainrule_error(text, wrt, at, message):
    with pytest.raises(ChainruleError) as err:
        derivation(text, wrt, at)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("text, limit", [
    ("-" * 1000 + "x", "the limit is 100"),
    ("+" * 150 + "x", "the limit is 100"),
    ("(" * 150 + "x" + ")" * 150, "nests 150 parentheses deep; the limit is 100"),
    ("(" * 199 + "x" + ")" * 199, "nests 199 parentheses deep"),
    ("exp(" * 120 + "x" + ")" * 120, "nests 120 parentheses deep"),
    ("x" + "**x" * 150, "the limit is 100"),
    ("x" + "+x" * 600, "the limit is 100"),
])
def test_deep_nesting_is_refused_saying_the_limit(text, limit):
    start = time.perf_counter()
    with pytest.raises(ChainruleError, match=limit.replace("(", r"\(")):
        derivation(text, ["x"])
    assert time.perf_counter() - start < 2


def test_nesting_just_under_the_limit_is_read():
    tree, variables = parse.check_syntax("-" * 98 + "x")
    assert variables == ["x"] and parse.nesting_depth(tree) == 99


def test_fullwidth_letters_read_as_ascii():
    d = derivation("ｘ＊２ ＋ ｗ", "ｘ", {"ｘ": "３", "w": "1"})
    assert d.data["expr"] == "w + 2*x" and d.data["wrt"] == ["x"]
    assert d.data["gradients"]["x"]["value"] == "2"
    assert d.title == "Staged backprop for J = x*2 + w"


def test_numbers_are_read_exactly_within_range():
    assert parse.read_number("0.1", "n", "") == sp.Rational(1, 10)
    assert parse.read_number("-1/3", "n", "") == sp.Rational(-1, 3)
    assert parse.read_number("2.5e-3", "n", "") == sp.Rational(1, 400)
    assert parse.read_number("1e300", "n", "") == 10 ** 300
    assert parse.read_number("0", "n", "") == 0
    for bad in ["1e301", "1e-301", "inf", "0x10", "1.5/2", "--1", "1e99999999999999999999"]:
        with pytest.raises(ChainruleError):
            parse.read_number(bad, "n", "")


def test_literals_keep_their_exact_value():
    d = derivation("0.1*x + 1_000*y", ["x", "y"])
    assert d.data["forward"][0]["expr"] == "x/10" and d.data["forward"][1]["expr"] == "1000*y"


def test_wrt_keeps_order_drops_repeats_and_defaults_to_all():
    assert parse.wrt_list("b, a,,b", ["a", "b", "c"]) == ["b", "a"]
    assert parse.wrt_list(None, ["a", "b"]) == ["a", "b"]
    assert parse.wrt_list([], ["a", "b"]) == ["a", "b"]


def test_values_accept_numbers_of_every_python_kind():
    got = parse.values({"a": 0.5, "b": 3, "c": "-2/3"}, ["a", "b", "c"])
    assert got == {sym("a"): sp.Rational(1, 2), sym("b"): 3, sym("c"): sp.Rational(-2, 3)}


def test_activation_names_come_from_the_rules_card():
    from derive.rules import ACTIVATIONS
    from derive.views.staged import kinds
    card = {n for n, act in ACTIVATIONS.items() if act.elementwise}
    assert card <= set(kinds.function_names()) and "softmax" not in kinds.function_names()
    assert {"gelu", "silu", "exp", "log", "sqrt", "sin", "cos", "abs", "max", "min"} <= set(kinds.function_names())
