"""Every staged result is checked against sympy.diff; a mismatch is an internal error."""
from __future__ import annotations

import pytest
import sympy as sp

from derive.errors import ChainruleError
from derive.views.staged import derivation
from derive.views.staged.check import agree, simplify

from .reference import sym


def test_a_wrong_local_derivative_is_caught(monkeypatch):
    import derive.views.staged.backward as backward
    right = backward.local_derivative
    monkeypatch.setattr(backward, "local_derivative",
                        lambda g, slot: right(g, slot) * (2 if g.kind == "add" else 1))
    with pytest.raises(AssertionError, match="internal error"):
        derivation("(x + y)*z", ["x"])
    with pytest.raises(AssertionError, match="internal error"):
        derivation("(x + y)*z", ["x"], {"x": "1", "y": "2", "z": "3"})


def test_agreement_says_how_it_was_found():
    x = sym("x")
    assert agree(x ** 2, x ** 2, [x], []).how == "identical"
    assert agree((x ** 2 - 1) / (x - 1), x + 1, [x], []).how == "cancels"
    found = agree(sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1) + 0 * x, [x], [])
    assert found.how in ("cancels", "points")
    with pytest.raises(AssertionError):
        agree(sp.sin(x), sp.cos(x), [x], [])


def test_a_max_tie_is_reported_not_failed():
    d = derivation("max(x, y)", ["x"], {"x": "2", "y": "2"})
    assert d.data["ties"] == [1]


def test_simplify_picks_the_shortest_form():
    x = sym("x")
    assert simplify(x * (1 + x) - x) == x ** 2


def test_cancellation_at_random_points_is_not_an_internal_error():
    # at w*x + b near 56, 1 - sigmoid cancels 25 of 30 digits; 90 digits show both sides agree
    d = derivation("-(y*log(sigmoid(w*x+b)) + (1-y)*log(1-sigmoid(w*x+b)))", ["y"])
    assert d.data["gradients"]["y"]["expr"] == "-b - w*x"


def test_cancellation_at_the_given_values_is_refused_saying_why():
    d = derivation("log(1 - sigmoid(x))", ["x"], {"x": "20"})
    assert d.data["gradients"]["x"]["value"].startswith("-0.9999999979388463818")
    with pytest.raises(ChainruleError, match="loses more than 18 of its 30 digits to cancellation"):
        derivation("log(1 - sigmoid(x))", ["x"], {"x": "60"})


def test_compiled_and_sympy_evaluation_agree_where_lambdify_is_used():
    from derive.views.staged.check import Compiled
    x, y = sym("x"), sym("y")
    exprs = [sp.erf(x) * sp.exp(-y ** 2) + sp.Max(x, y), sp.sqrt(x ** 2 + 1) * sp.tanh(y) + sp.Abs(x)]
    both = Compiled(exprs, [x, y])
    assert both.function is not None
    point = [sp.Rational(3, 7), sp.Rational(-5, 3)]
    fast, slow = both.at(point, 30), both.at(point, 30, by_sympy=True)
    assert all(abs(a - b) < 1e-25 for a, b in zip(fast, slow))
    assert Compiled([sp.Heaviside(x - y)], [x, y]).function is None   # left to SymPy
    assert float(both.at([sp.Integer(1), sp.Integer(0)], 30)[1]) == 1.0     # sqrt(2)*tanh(0) + |1|
    assert Compiled([sp.log(x)], [x]).at([sp.Integer(-1)], 30) is None   # not real
