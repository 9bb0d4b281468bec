"""The staged derivation end to end: the issue's example, gate patterns, drawn
expressions, the activations of the rules card, and every output format.

Every gradient is compared with references the module does not use: SymPy
expressions the test builds itself, HIPS autograd, torch, and plain float maths.
"""
from __future__ import annotations

import json
import math
import random
import re

import autograd
import autograd.numpy as anp
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings, strategies as st

from derive.errors import ChainruleError
from derive.printers import render
from derive.views.staged import derivation

from .reference import ISSUE, ISSUE_AT, reference, value


@pytest.fixture(scope="module")
def issue():
    return derivation(ISSUE, ["w1", "b1"], ISSUE_AT)


# ------------------------------------------------------- the issue's example --

def test_issue_example_forward_numbers_by_hand(issue):
    t1 = 0.5 * 1
    t2 = t1 + 0
    t3 = 1 / (1 + math.exp(-t2))
    t4 = -1 * t3
    t5 = t4 - 1
    t6 = t5 ** 2
    J = t6 / 2
    fw = issue.data["forward"]
    assert [f["name"] for f in fw] == ["t1", "t2", "t3", "t4", "t5", "t6", "J"]
    assert [f["gate"] for f in fw] == ["mul", "add", "sigmoid", "mul", "sub", "pow", "div"]
    for f, want in zip(fw, [t1, t2, t3, t4, t5, t6, J]):
        assert value(f["value"]) == pytest.approx(want, rel=1e-13, abs=1e-15)
    assert fw[0]["value"] == "1/2"  # exact while the arithmetic is rational
    assert fw[2]["expr"] == "1/(1 + exp(-t2))"  # the library's sigmoid, as one gate


def test_issue_example_gradients_by_hand_and_autograd(issue):
    t3 = 1 / (1 + math.exp(-0.5))
    t5 = -t3 - 1
    db1 = t5 * -1 * t3 * (1 - t3)
    dw1 = db1 * 1
    g = issue.data["gradients"]
    assert value(g["w1"]["value"]) == pytest.approx(dw1, rel=1e-13)
    assert value(g["b1"]["value"]) == pytest.approx(db1, rel=1e-13)

    def J(p):
        return (-1.0 / (1 + anp.exp(-(p[0] * 1.0 + p[1]))) - 1.0) ** 2 / 2
    auto = autograd.grad(J)(anp.array([0.5, 0.0]))
    assert value(g["w1"]["value"]) == pytest.approx(auto[0], rel=1e-12)
    assert value(g["b1"]["value"]) == pytest.approx(auto[1], rel=1e-12)


def test_issue_example_symbolic_gradient_is_sympy_diff(issue):
    ref = reference(ISSUE)
    for name in ("w1", "b1"):
        got = sp.sympify(issue.data["gradients"][name]["expr"],
                         locals={n: sp.Symbol(n, real=True) for n in ("w1", "w2", "b1", "x", "y")})
        assert sp.simplify(got - sp.diff(ref, sp.Symbol(name, real=True))) == 0
    assert sp.simplify(sp.sympify(issue.data["expr"]) - ref.subs({s: sp.Symbol(s.name) for s in ref.free_symbols})) == 0


def test_issue_example_text_reads_like_cs231n(issue):
    text = render(issue, "text")
    for line in ["(forward 1) t1 = w1·x = 0.5", "(forward 2) t2 = t1 + b1 = 0.5",
                 "(forward 3) t3 = σ(t2) = 0.622459", "(forward 5) t5 = t4 - y = -1.62246",
                 "(forward 6) t6 = t5² = 2.63237", "(forward 7) J = t6/2 = 1.31619",
                 "(backward 6) ∂J/∂t5 = ∂J/∂t6 · 2·t5 = -1.62246   [pow gate]",
                 "(backward 3) ∂J/∂t2 = ∂J/∂t3 · t3·(1 - t3) = 0.381284\n"
                 "                      [sigmoid gate: local derivative in terms of its output t3]",
                 "(backward 2) ∂J/∂b1 = ∂J/∂t2 = 0.381284   [add gate distributes]",
                 "(backward 1) ∂J/∂w1 = ∂J/∂t1 · x = 0.381284   [mul gate swaps its inputs]",
                 "(backward 5) ∂J/∂t4 = ∂J/∂t5 = -1.62246   [sub gate: local derivative +1]",
                 "  ∂J/∂w1 = t3·t5·w2·x·(1 - t3)\n", "[check: sympy.diff(J, b1) minus this cancels to 0]"]:
        assert line in text, line
    # backward lines come in reverse order of the forward steps
    steps = [int(l.split("(backward ")[1].split(")")[0]) for l in text.splitlines() if "(backward " in l]
    assert steps == sorted(steps, reverse=True) and steps[0] == 7
    assert max(len(l) for l in text.splitlines()) <= 80


def test_issue_example_all_formats(issue):
    out = json.loads(render(issue, "json"))
    assert out["gradients"]["w1"]["value"] and out["forward"][-1]["name"] == "J"
    assert {"expr", "forward", "backward", "gradients"} <= set(out)
    latex = render(issue, "latex")
    assert r"\sigma\left(t_{2}\right)" in latex and r"\frac{\partial J}{\partial t_{5}}" in latex
    md = render(issue, "markdown")
    assert "**backward 6**" in md and "mul gate swaps its inputs" in md
    # deterministic: same input, same bytes
    assert render(derivation(ISSUE, ["w1", "b1"], ISSUE_AT), "json") == render(issue, "json")


# ------------------------------------------------------------- gate patterns --

def test_max_against_a_constant_names_its_value():
    d = derivation("max(3**0.5, w) + x", ["w"], {"x": "-7", "w": "-1"})
    assert "max gate routes to the larger input, 1.73205" in render(d, "text")
    assert d.data["gradients"]["w"]["value"] == "0"


def test_max_routes_the_gradient():
    d = derivation("max(x, y)*z", ["x", "y", "z"], {"x": "2", "y": "3", "z": "-1"})
    g = d.data["gradients"]
    assert (value(g["x"]["value"]), value(g["y"]["value"]), value(g["z"]["value"])) == (0, -1, 3)
    text = render(d, "text")
    assert "max gate routes to the larger input, y" in text
    assert max(len(l) for l in text.splitlines()) <= 80


# ------------------------------------------------ drawn expressions vs SymPy --

LEAVES = ["x", "y", "z", "2", "3", "0.5"]


@st.composite
def expressions(draw, depth=3):
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(LEAVES))
    kind = draw(st.sampled_from(["+", "-", "*", "/", "**", "f", "max", "neg", "pos"]))
    a = draw(expressions(depth=depth - 1))
    if kind == "f":
        return f"{draw(st.sampled_from(['exp', 'tanh', 'sigmoid', 'sin', 'cos', 'relu', 'abs']))}({a})"
    if kind == "pos":  # functions that need a positive argument
        return f"{draw(st.sampled_from(['log', 'sqrt']))}(1 + ({a})**2)"
    if kind == "neg":
        return f"-({a})"
    if kind == "**":
        return f"({a})**{draw(st.sampled_from(['2', '3']))}"
    b = draw(expressions(depth=depth - 1))
    if kind == "/":
        return f"({a})/(1 + ({b})**2)"
    if kind == "max":
        return f"{draw(st.sampled_from(['max', 'min']))}({a}, {b})"
    return f"({a}) {kind} ({b})"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(), st.lists(st.integers(-9, 9), min_size=3, max_size=3))
def test_drawn_expressions_agree_with_sympy_diff(text, nums):
    ref = reference(text)
    used = sorted(set(re.findall(r"\b[xyz]\b", text)))  # y - y keeps y, though SymPy drops it
    if not used:
        with pytest.raises(ChainruleError):
            derivation(text, [], None)
        return
    point = {n: sp.Rational(v, 4) for n, v in zip(["x", "y", "z"], nums)}
    at = {n: str(point[n]) for n in used}
    d = derivation(text, used, at)
    for name in used:
        s = sp.Symbol(name, real=True)
        want = sp.N(sp.diff(ref, s).subs({sp.Symbol(k, real=True): v for k, v in point.items()}), 30)
        got = sp.sympify(d.data["gradients"][name]["value"])
        if not d.data["ties"]:  # at a max/min tie the gradient is only a convention
            assert abs(got - want) <= 1e-12 * (1 + abs(want)), (text, name)
        # the symbolic result, at another point
        expr = sp.sympify(d.data["gradients"][name]["expr"],
                          locals={n: sp.Symbol(n, real=True) for n in "xyz"})
        rng = random.Random(text)  # large denominators: no max/min ties
        other = {sp.Symbol(n, real=True): sp.Rational(rng.randint(-10**6, 10**6), 999979) for n in "xyz"}
        assert abs(sp.N(expr.subs(other) - sp.diff(ref, s).subs(other), 30)) <= 1e-12 * (
            1 + abs(sp.N(sp.diff(ref, s).subs(other), 30))), (text, name)


def test_finite_differences_on_a_fork_heavy_expression():
    text = "tanh(x*y) / (1 + x**2) + x*x - max(x, y) + exp(log(y))"
    at = {"x": 0.7, "y": 1.3}
    d = derivation(text, ["x", "y"], {k: str(v) for k, v in at.items()})

    def f(x, y):
        return math.tanh(x * y) / (1 + x ** 2) + x * x - max(x, y) + math.exp(math.log(y))
    h = 1e-6
    fd_x = (f(0.7 + h, 1.3) - f(0.7 - h, 1.3)) / (2 * h)
    fd_y = (f(0.7, 1.3 + h) - f(0.7, 1.3 - h)) / (2 * h)
    assert value(d.data["gradients"]["x"]["value"]) == pytest.approx(fd_x, rel=1e-7)
    assert value(d.data["gradients"]["y"]["value"]) == pytest.approx(fd_y, rel=1e-7)


# ------------------------------------------------ the rules card's activations --

TORCH = {"gelu": "F.gelu", "silu": "F.silu", "sigmoid": "torch.sigmoid", "tanh": "torch.tanh",
         "relu": "F.relu", "leaky_relu": "F.leaky_relu", "elu": "F.elu", "softplus": "F.softplus"}


@pytest.mark.parametrize("name", sorted(TORCH))
def test_activations_through_expr_match_torch(name):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional   # noqa: F841  (named in TORCH)
    f = eval(TORCH[name])
    for w in ("0.5", "-1.25"):
        d = derivation(f"{name}(w*x)*y", ["w"], {"x": "1.5", "w": w, "y": "2"})
        W = torch.tensor(float(w), dtype=torch.float64, requires_grad=True)
        out = f(W * 1.5) * 2
        out.backward()
        assert value(d.data["forward"][-1]["value"]) == pytest.approx(out.item(), rel=1e-13, abs=1e-15)
        assert value(d.data["gradients"]["w"]["value"]) == pytest.approx(W.grad.item(), rel=1e-13, abs=1e-15)


def test_gelu_in_every_format():
    d = derivation("gelu(w*x)", ["w"], {"x": "1", "w": "0.5"})
    text = render(d, "text")
    assert "(forward 2) J = gelu(t1) = 0.345731   [gelu gate]" in text
    assert "[gelu gate: local derivative in terms of its input t1]" in text
    assert r"\operatorname{gelu}\left(t_{1}\right)" in render(d, "latex")
    assert r"\operatorname{gelu}\left(t_{1}\right)" in render(d, "markdown")
    assert json.loads(render(d, "json"))["forward"][-1]["gate"] == "gelu"


def test_negative_values_print_without_brackets_when_alone():
    d = derivation("-x", ["x"], {"x": "0.25"})
    assert "(forward 1) J = -x = -0.25" in render(d, "text")
    assert "J &= -x \\tag*{(forward 1)} \\\\\n   &= -0.25 \\\\\n" in render(d, "latex")


def test_no_registry_grows_with_staged_derivations():
    from tests.test_layering import _mutable_state
    for fmt in ("text", "latex", "json"):      # warm every module up
        render(derivation(ISSUE, ["w1", "b1"], ISSUE_AT), fmt)
    before = _mutable_state()
    for text in ("gelu(a*b) + max(a, b, 2)", "leaky_relu(a - b, 0.3)*exp(a)", "abs(a)**3/sqrt(b + 5)"):
        for fmt in ("text", "latex", "json"):
            render(derivation(text, ["a"], {"a": "0.5", "b": "-1.5"}), fmt)
    after = _mutable_state()
    grown = {k: (before.get(k), v) for k, v in after.items() if k in before and v > before[k]}
    assert not grown, grown
