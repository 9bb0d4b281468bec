"""Staging into gates, and each gate's local derivative."""
from __future__ import annotations

import pytest
import sympy as sp

from derive.errors import ChainruleError
from derive.rules import ACTIVATIONS
from derive.views.staged import derivation, kinds, parse
from derive.views.staged.gates import local_derivative, names_for, stage, written_out

from .reference import sym, value


def gates_of(text: str, variables=None):
    tree, found = parse.check_syntax(text)
    prefix, out = names_for(found)
    return stage(tree, text, found, prefix, out)


def test_gates_follow_the_order_written():
    gates = gates_of("(w2*sigmoid(w1*x + b1) - y)**2/2")
    assert [(g.kind, tuple(map(str, g.inputs))) for g in gates] == [
        ("mul", ("w1", "x")), ("add", ("t1", "b1")), ("sigmoid", ("t2",)), ("mul", ("w2", "t3")),
        ("sub", ("t4", "y")), ("pow", ("t5", "2")), ("div", ("t6", "2"))]
    assert str(gates[-1].out) == "J"


def test_repeated_subexpression_is_one_node():
    d = derivation("(x + y)*(x + y)", ["x"], {"x": "1", "y": "2"})
    assert [f["expr"] for f in d.data["forward"]] == ["x + y", "t1**2"]
    assert d.data["gradients"]["x"]["value"] == "6"


def test_constants_fold_and_a_bare_variable_is_one_identity_gate():
    gates = gates_of("x*(2**3 - 1/4)")
    assert len(gates) == 1 and gates[0].inputs == (sym("x"), sp.Rational(31, 4))
    gates = gates_of("x")
    assert [(g.kind, g.inputs) for g in gates] == [("id", (sym("x"),))]


def test_max_of_three_folds_into_two_gates():
    gates = gates_of("max(x, y, z)")
    assert [(g.kind, tuple(map(str, g.inputs))) for g in gates] == [("max", ("x", "y")), ("max", ("t1", "z"))]


def test_names_do_not_clash_with_user_variables():
    d = derivation("t1*t2 + J", ["t1"], {"t1": "2", "t2": "3", "J": "1"})
    names = [f["name"] for f in d.data["forward"]]
    assert names == ["u1", "f"] and d.data["gradients"]["t1"]["value"] == "3"
    taken = ["t1", "u1", "v1", "s1", "h1", "q1", "tt1", "J", "f", "L", "out", "result"]
    prefix, out = names_for(taken)
    assert prefix == "ttt" and out not in taken


@pytest.mark.parametrize("text, message", [
    ("x**99999", "constant exponents are limited to 1000"),
    ("x**x**x**x**x**99999", "constant exponents are limited to 1000"),
    ("x**(10**9)", "constant exponents are limited to 1000"),
    ("2**10**10*x", "too large to compute"),
    ("x + 9**9**9", "too large to compute"),
    ("x + 2**1000", "larger than 1e300"),
    ("x + exp(exp(exp(10)))", "larger than 1e300"),
    ("x + exp(10**7)", "overflows: exp of 1e"),
    ("x + gelu(-10**7)", "overflows: gelu of -1e"),
    ("x + log(0)", "undefined"),
    ("x + sqrt(-1)", "undefined"),
    ("x" + "+x" * 90, "more than 80 gates"),
])
def test_huge_or_undefined_constants_are_refused(text, message):
    with pytest.raises(ChainruleError, match=message):
        derivation(text, ["x"])


# ---------------------------------------------------- local derivatives --

@pytest.mark.parametrize("name", [n for n, act in ACTIVATIONS.items() if act.elementwise])
def test_every_activation_on_the_card_is_a_gate_with_its_taught_derivative(name):
    """f' from the card (in a or z), equal to the test's own sympy.diff of the card's f."""
    gates = gates_of(f"{name}(w*x)")
    g = gates[-1]
    assert g.kind == name and g.formula == ACTIVATIONS[name].expr().subs(sp.Symbol("z", real=True), g.inputs[0])
    local = local_derivative(g, 0)
    t1 = g.inputs[0]
    by_hand = sp.diff(ACTIVATIONS[name].expr().subs(sp.Symbol("z", real=True), t1), t1)
    for point in (-2.5, -0.5, 0, 0.75, 3):
        at = {t1: sp.Rational(point)}
        out = g.formula.xreplace(at)
        assert sp.N(local.xreplace({**at, g.out: out}), 25) == pytest.approx(float(by_hand.xreplace(at)), abs=1e-15)


def test_sigmoid_and_tanh_are_written_in_their_output():
    g = gates_of("sigmoid(x)")[-1]
    assert local_derivative(g, 0) == g.out * (1 - g.out)
    g = gates_of("tanh(x)")[-1]
    assert sp.expand(local_derivative(g, 0)) == 1 - g.out ** 2


def test_leaky_relu_takes_its_alpha_as_a_number():
    g = gates_of("leaky_relu(x, 0.2)")[-1]
    assert g.inputs == (sym("x"), sp.Rational(1, 5)) and [s for s, _ in g.slots] == [0]
    d = derivation("leaky_relu(x, 0.2)", ["x"], {"x": "-3"})
    assert d.data["forward"][-1]["value"] == "-3/5" and d.data["gradients"]["x"]["value"] == "1/5"
    d = derivation("leaky_relu(x)", ["x"], {"x": "-3"})   # the card's default alpha, 0.01
    assert d.data["gradients"]["x"]["value"] == "1/100"


def test_exp_log_and_sqrt_local_derivatives_in_the_output():
    d = derivation("exp(log(x)) + sqrt(x)*x", ["x"], {"x": "4"})
    locals_ = {b["gate"]: b["local"] for b in d.data["backward"]}
    assert locals_["exp"] == "t2" and locals_["log"] == "1/x" and locals_["sqrt"] == "1/(2*t3)"
    # d/dx (x + x^1.5) = 1 + 1.5 sqrt(x) = 4 at x = 4
    assert value(d.data["gradients"]["x"]["value"]) == pytest.approx(4, rel=1e-15)


def test_relu_is_one_gate_with_zero_derivative_at_zero():
    d = derivation("relu(w*x)", ["w"], {"w": "0", "x": "2"})
    assert [f["gate"] for f in d.data["forward"]] == ["mul", "relu"]
    assert d.data["gradients"]["w"]["value"] == "0"
    d = derivation("relu(w*x)", ["w"], {"w": "1", "x": "2"})
    assert d.data["gradients"]["w"]["value"] == "2"
    # the condition on relu's output reads on its input once expanded
    assert d.data["gradients"]["w"]["expr"] == "x*Piecewise((0, w*x <= 0), (1, True))"


def test_kinds_bound_only_the_transcendental_functions():
    assert kinds.transcendental("exp") and kinds.transcendental("gelu") and kinds.transcendental("sigmoid")
    assert not kinds.transcendental("relu") and not kinds.transcendental("abs")


def test_the_written_out_size_is_counted_without_writing_it_out():
    gates = gates_of("gelu(gelu(x))")
    nodes, depth = written_out(gates)[gates[-1].out]
    full = parse.reference("gelu(gelu(x))", ["x"])
    # an estimate: SymPy merges a few terms once the gates are substituted
    assert sum(1 for _ in sp.preorder_traversal(full)) <= nodes <= 1.25 * sum(1 for _ in sp.preorder_traversal(full))
    assert _depth(full) <= depth <= _depth(full) + 2
    deep = gates_of("relu(" * 30 + "x" + ")" * 30)
    assert written_out(deep)[deep[-1].out][0] > 2 ** 30      # relu uses its input twice


def _depth(e):
    return 1 + max((_depth(a) for a in e.args), default=0)


@pytest.mark.parametrize("text, message", [
    ("elu(" * 5 + "x" + ")" * 5, "has about 1,332 symbols and operations"),
    ("sigmoid(" * 40 + "x" + ")" * 40, "nests 161 levels deep"),
    ("**".join(["x"] * 50), "∂J/∂x written out in its variables has about 87,363"),
])
def test_expressions_too_large_once_written_out_are_refused(text, message):
    with pytest.raises(ChainruleError, match=message):
        derivation(text, ["x"])
