"""References the staged module does not use: SymPy expressions the tests
build themselves, with their own definitions of the activations."""
from __future__ import annotations

import sympy as sp

ISSUE = "(w2*sigmoid(w1*x + b1) - y)**2/2"
ISSUE_AT = {"x": "1", "w1": "0.5", "b1": "0", "w2": "-1", "y": "1"}


def reference(text: str) -> sp.Expr:
    """The expression built by the test, with its own sigmoid and relu."""
    names = {n: sp.Symbol(n, real=True) for n in "x y z w w1 w2 b1 a b".split()}
    funcs = {"sigmoid": lambda u: 1 / (1 + sp.exp(-u)), "max": sp.Max, "min": sp.Min,
             "relu": lambda u: sp.Piecewise((0, u <= 0), (u, True)), "abs": sp.Abs, "sqrt": sp.sqrt,
             "tanh": sp.tanh, "exp": sp.exp, "log": sp.log, "sin": sp.sin, "cos": sp.cos}
    return sp.sympify(text, locals={**names, **funcs})


def value(s: str | None) -> float:
    return float(sp.sympify(s))


def sym(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)
