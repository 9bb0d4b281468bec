"""One derivation model, four printers: each format carries the same content."""
import json
from fractions import Fraction

import pytest

import derive
from derive.derivation import build
from derive.printers import render
from derive.format import fmt
from derive.printers.latex import escape


@pytest.fixture(scope="module")
def doc():
    return build(derive.load("mlp-2-3-1"), numbers=True, steps=2)


def test_text_fits_80_columns(doc):
    text = render(doc, "text")
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "δ⁽¹⁾₂" in text and "(BP4)" in text


def test_latex_and_markdown_print_the_same_maths(doc):
    latex, markdown = render(doc, "latex"), render(doc, "markdown")
    for fragment in [r"\delta^{(1)}_{2}", r"\frac{\partial J}{\partial w^{(1)}_{21}}"]:
        assert fragment in latex and fragment in markdown


def test_json_holds_schema_and_numbers(doc):
    payload = json.loads(render(doc, "json"))
    assert set(payload) >= {"spec", "definitions", "loss", "parameters", "numbers", "trace"}
    assert len(payload["trace"]) == 3 and payload["trace"][0]["parameters"]["w1_1_1"] == "0.5"


def test_jupyter_reprs(doc):
    assert r"\frac{\partial J}" in doc._repr_latex_()
    assert doc._repr_markdown_().startswith("# Backpropagation")


@pytest.mark.parametrize("value, text", [(0.1 + 0.2, "0.3"), (2, "2"), (1 / 3, "0.333333"),
                                         (-0.0, "0"), (1e-22, "1e-22"), (Fraction(949, 2000), "0.4745"),
                                         (Fraction(1, 3), "0.333333"), (Fraction(16439, 40000), "0.410975")])
def test_numbers_exact_when_short_else_six_digits(value, text):
    assert fmt(value).plain() == text


def test_escape_prints_user_text_literally():
    assert escape(r"\input{/etc/passwd} $ & # % ^ ~ \ ") == (
        r"\textbackslash{}input\{/etc/passwd\} \$ \& \# \% \textasciicircum{} "
        r"\textasciitilde{} \textbackslash{} ")


def test_latex_prints_the_rules_card_as_sympy_does():
    """Where the network printer adds nothing (plain symbols), it prints what
    SymPy prints: a reciprocal stays a fraction (it once came out as
    '(1 + e^{-z}) \\cdot (-1)', read from the Pow's arguments)."""
    import sympy as sp
    from derive.names import Scheme
    from derive.printers.latex import NetworkLatexPrinter
    from derive.rules import ACTIVATIONS, z

    printer = NetworkLatexPrinter(Scheme({}))
    exprs = []
    for act in ACTIVATIONS.values():
        f = act.formula.subs({s: sp.Rational(1, 2) for s in act.formula.free_symbols if s != z})
        exprs += [f, sp.diff(f, z)]
    exprs += [1 / (1 + sp.exp(-z)), z ** -2, 3 / (z + 1), sp.sqrt(z) ** -1]
    def positive_first(e):   # the printer's one deliberate change: ŷ - y, not -y + ŷ
        if not e.args:
            return e
        args = [positive_first(a) for a in e.args]
        if e.is_Add:
            return sp.Add(*sorted(args, key=lambda t: t.could_extract_minus_sign()), evaluate=False)
        return e.func(*args, evaluate=False) if isinstance(e, (sp.Mul, sp.Pow)) else e.func(*args)

    for e in exprs:
        assert printer.doprint(e) == sp.latex(positive_first(e), order="none"), e
    assert printer.doprint(1 / (1 + sp.exp(-z))) == r"\frac{1}{1 + e^{- z}}"
