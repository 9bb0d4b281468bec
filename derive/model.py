"""The derivation model: one tree of small nodes that every printer walks.

A view (scalar, delta, numbers, staged expression) builds a ``Derivation``;
``derive.printers`` turns it into text, LaTeX, Markdown or JSON, the way
SymPy's printers turn one expression tree into many formats.  Mathematical
content is always a SymPy expression, so each format prints it with SymPy.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp


class Node:
    pass


@dataclass
class Text(Node):
    """A paragraph of prose.  ``math`` are inline expressions appended."""
    text: str


@dataclass
class Math(Node):
    """A displayed chain ``parts[0] = parts[1] = ...``.

    ``label`` names the equation (BP1..BP4, "forward 3"); ``note`` is a short
    remark printed beside it (shapes, the assumption used, the number)."""
    parts: list
    label: str = ""
    note: str = ""


@dataclass
class Table(Node):
    header: list[str]
    rows: list[list]  # cells: str, int/float, or SymPy expressions


@dataclass
class Section(Node):
    title: str
    body: list[Node] = field(default_factory=list)


@dataclass
class Derivation(Node):
    """A whole derivation.  ``L`` is the output layer (so a{L} prints as
    yhat); ``data`` holds the machine-readable content for JSON."""
    title: str
    body: list[Node] = field(default_factory=list)
    L: int | None = None
    data: dict = field(default_factory=dict)

    def _repr_latex_(self) -> str:
        """For Jupyter: MathJax renders maths only, so prose becomes \\text."""
        from .printers import LatexPrinter
        return LatexPrinter(L=self.L).doprint_mathjax(self)

    def _repr_markdown_(self) -> str:
        from .printers import MarkdownPrinter
        return MarkdownPrinter(L=self.L).doprint(self)

    def __str__(self) -> str:
        from .printers import TextPrinter
        return TextPrinter(L=self.L).doprint(self)


# ------------------------------------------------- notation inside maths --

_LATEX: dict[str, str] = {}


def notation(text: str, latex: str) -> sp.Symbol:
    """A symbol that prints as ``text`` in Unicode and ``latex`` in LaTeX,
    for notation that is not a variable: f'(z), Σ_k, 1/m."""
    _LATEX[text] = latex
    return sp.Symbol(text)


def latex_of_notation(name: str) -> str | None:
    return _LATEX.get(name)


class Partial(sp.Expr):
    """The partial derivative d(num)/d(den) as notation, never evaluated."""

    def __new__(cls, num, den):
        return sp.Expr.__new__(cls, sp.sympify(num), sp.sympify(den))

    @property
    def num(self):
        return self.args[0]

    @property
    def den(self):
        return self.args[1]

    is_commutative = True

    def _eval_derivative(self, s):  # notation only
        return sp.S.Zero


class Shape(sp.Expr):
    """Notation for the shape of a quantity: (rows × cols)."""

    def __new__(cls, *dims):
        return sp.Expr.__new__(cls, *[sp.sympify(d) for d in dims])

    is_commutative = True
