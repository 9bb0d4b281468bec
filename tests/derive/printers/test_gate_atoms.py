"""The staged view's display atoms, printed by the text and LaTeX expression printers."""
from __future__ import annotations

import pytest
import sympy as sp

from derive.model import Operation, Partial, PlusEquals, Upstream, Value
from derive.names import Scheme
from derive.printers.latex import NetworkLatexPrinter
from derive.printers.text import UnicodeExprPrinter

t1, t2, x, J = (sp.Symbol(n, real=True) for n in ("t1", "t2", "x", "J"))


def text(e):
    return UnicodeExprPrinter(Scheme()).doprint(e)


def latex(e):
    return NetworkLatexPrinter(Scheme()).doprint(e)


@pytest.mark.parametrize("op, want_text, want_latex", [
    (Operation("add", t1, x), "t1 + x", r"t_{1} + x"),
    (Operation("sub", x, 3), "x - 3", r"x - 3"),
    (Operation("mul", sp.Rational(1, 2), x), "(1/2)·x", r"(\frac{1}{2}) \cdot x"),
    (Operation("mul", -2, x), "(-2)·x", r"(-2) \cdot x"),
    (Operation("div", t1, 2), "t1/2", r"\frac{t_{1}}{2}"),
    (Operation("pow", t1, 2), "t1²", r"t_{1}^{2}"),
    (Operation("neg", x), "-x", "-x"),
    (Operation("id", x), "x", "x"),
    (Operation("abs", t1), "|t1|", r"\left|t_{1}\right|"),
    (Operation("exp", t1), "exp(t1)", r"e^{t_{1}}"),
    (Operation("sqrt", x), "sqrt(x)", r"\sqrt{x}"),
    (Operation("sigmoid", t2), "σ(t2)", r"\sigma\left(t_{2}\right)"),
    (Operation("tanh", t2), "tanh(t2)", r"\tanh\left(t_{2}\right)"),
    (Operation("max", t1, sp.Rational(1, 2)), "max(t1, 1/2)", r"\max\left(t_{1}, \frac{1}{2}\right)"),
    (Operation("gelu", t1), "gelu(t1)", r"\operatorname{gelu}\left(t_{1}\right)"),
    (Operation("leaky_relu", t1, sp.Rational(1, 5)), "leaky_relu(t1, 1/5)",
     r"\operatorname{leaky\_relu}\left(t_{1}, \frac{1}{5}\right)"),
])
def test_a_gate_prints_as_written(op, want_text, want_latex):
    assert text(op) == want_text
    assert latex(op) == want_latex
    assert op.kind == str(op.args[0]) and op.inputs == op.args[1:]


def test_upstream_keeps_its_order_and_drops_a_factor_of_one():
    up = Partial(J, t2)
    assert text(Upstream(up, 1)) == "∂J/∂t2" and text(Upstream(up, -1)) == "-∂J/∂t2"
    assert text(Upstream(up, t1 * (1 - t1))) == "∂J/∂t2 · t1·(1 - t1)"
    assert text(Upstream(up, 1 - t1)) == "∂J/∂t2 · (1 - t1)"
    assert latex(Upstream(up, x)) == r"\frac{\partial J}{\partial t_{2}} \cdot x"


def test_plus_equals():
    e = PlusEquals(Partial(J, x), Upstream(Partial(J, t1), x))
    assert text(e) == "∂J/∂x += ∂J/∂t1 · x"
    assert latex(e) == r"\frac{\partial J}{\partial x} \mathrel{+}= \frac{\partial J}{\partial t_{1}} \cdot x"


def test_a_negative_value_is_bracketed_only_inside_an_expression():
    v = Value(sp.Rational(-1, 4))
    assert text(v) == "-0.25" and latex(v) == "-0.25"
    assert text(sp.Mul(v, x, evaluate=False)) == "(-0.25)·x"
    assert latex(sp.Mul(v, x, evaluate=False)) == r"\left(-0.25\right) x"
