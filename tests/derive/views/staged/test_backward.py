"""The reverse walk: += at fan-out, only the branches that lead to --wrt."""
from __future__ import annotations

from derive.printers import render
from derive.views.staged import derivation

from .reference import ISSUE


def test_fork_adds_up_with_plus_equals():
    d = derivation("x*x", ["x"], {"x": "3"})
    back = d.data["backward"]
    assert [(b["name"], b["accumulate"], b["value"]) for b in back] == [("x", False, "3"), ("x", True, "6")]
    assert d.data["gradients"]["x"] == {"expr": "2*x", "staged": "2*x", "value": "6"}
    text = render(d, "text")
    assert "(backward 1) ∂J/∂x += ∂J/∂J · x = 3\n" in text
    assert "[mul gate swaps its inputs; fork: total 6]" in text


def test_without_at_there_are_no_numbers_and_only_needed_branches():
    d = derivation(ISSUE, ["w1"])
    assert all(f["value"] is None for f in d.data["forward"])
    assert [b["name"] for b in d.data["backward"]] == ["t6", "t5", "t4", "t3", "t2", "t1", "w1"]
    assert "not w2, x, b1, y" in render(d, "text")


def test_a_variable_that_does_not_reach_J_has_gradient_zero():
    d = derivation("x*0 + y", ["x", "y"], {"x": "2", "y": "5"})
    assert d.data["gradients"]["x"]["value"] == "0" and d.data["gradients"]["y"]["value"] == "1"
