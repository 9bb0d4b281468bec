"""Every staged result is checked against sympy.diff; a mismatch is an internal error."""
from __future__ import annotations

import pytest
import sympy as sp

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
