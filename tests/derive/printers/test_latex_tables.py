"""LaTeX tables: a short prose column is never the one wrapped, so a wide
table of numbers shrinks to fit instead (a diverging descent's trace ran
89-140 pt off the page of a drawn network's handout)."""
from __future__ import annotations

import sympy as sp

from derive.model import Derivation, Section, Table, Value
from derive.names import Scheme
from derive.printers import render
from tests.tex import NEEDS_TEX, compile_all

TRACE = [["0", "-0.08", "0.069", "-0.5", "0.2", "2.21103"],
         ["1", "-0.0981545", "0.0456994", "-0.484602", "0.240815", "1126.85"],
         ["2", "-3.70875", "-2.51421", "-5.71897", "-2.23776", "1.82999e15"],
         ["3", "-1.16506e10", "-8.64432e9", "-1.53537e10", "6.97518e10", "8.55472e75"]]


def trace_document() -> Derivation:
    rows = [[r[0]] + [Value(sp.Float(v, 6)) for v in r[1:]] for r in TRACE]
    table = Table(["step", "w⁽¹⁾₁₁", "w⁽¹⁾₁₂", "b⁽¹⁾₁", "b⁽¹⁾₂", "J"], rows)
    return Derivation("A diverging descent", [Section("Gradient descent", [table])], names=Scheme())


def test_the_step_column_is_not_wrapped():
    tex = render(trace_document(), "latex")
    assert r"p{0.25\linewidth}" not in tex and r"{lr@{}lr@{}l" in tex


@NEEDS_TEX
def test_a_wide_trace_of_numbers_fits_the_line(tmp_path):
    compiled = compile_all({"t": render(trace_document(), "latex")}, tmp_path)["t"]
    assert compiled.ok, compiled.errors()
    assert compiled.overfull() == []
