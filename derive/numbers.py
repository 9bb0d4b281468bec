"""Worked numbers: plug an example into the derivation and run gradient descent.

Arithmetic is exact where it can be (the example's decimals are Fractions,
so single-weight's trace is exact) and 30-digit SymPy floats otherwise; the
printers show up to 10 significant digits, so no digit is hidden by noise.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from . import names
from .network import Backprop, batch_rows, to_sympy
from .spec import Example, Network

DIGITS = 30


def _value(expr: sp.Expr, values: dict) -> sp.Expr:
    v = expr.xreplace(values)
    if not v.is_Rational:
        v = sp.Float(v.evalf(DIGITS), DIGITS)
    return v


@dataclass
class Evaluation:
    bp: Backprop
    values: dict      # Symbol -> number for inputs, targets, params, z, a, d
    loss: sp.Expr
    gradients: dict   # plain name -> number


def inputs_of(bp: Backprop, example: Example, params: dict[str, sp.Expr]) -> dict:
    values = {}
    for r, (xrow, yrow) in zip(bp.rows, zip(example.X, example.Y)):
        values.update({names.x(i, r): to_sympy(v) for i, v in enumerate(xrow, 1)})
        values.update({names.y(k, r): to_sympy(v) for k, v in enumerate(yrow, 1)})
    values.update({names.sym(p): v for p, v in params.items()})
    return values


def evaluate(bp: Backprop, example: Example, params: dict[str, sp.Expr] | None = None) -> Evaluation:
    """Every definition's value, in order, then J and every gradient."""
    if params is None:
        params = {p: to_sympy(v) for p, v in example.params}
    values = inputs_of(bp, example, params)
    for s, e in bp.definitions():
        values[s] = _value(e, values)
    loss = _value(bp.loss, values)
    grads = {p: _value(g.expr, values) for p, g in bp.gradients.items()}
    return Evaluation(bp, values, loss, grads)


@dataclass
class TraceRow:
    step: int
    params: dict   # plain name -> value before this step's update
    loss: sp.Expr


def descend(net: Network, example: Example, steps: int, lr, bp: Backprop | None = None,
            start: Evaluation | None = None) -> list[TraceRow]:
    """Plain gradient descent, p <- p - lr * dJ/dp, recording J at each step.

    ``bp`` is the batch's Backprop and ``start`` its evaluation at the
    example's parameters, when the caller has them already."""
    bp = bp or Backprop(net, batch_rows(example.m))
    lr = to_sympy(Fraction(lr)) if not isinstance(lr, sp.Basic) else lr
    params = {p: to_sympy(v) for p, v in example.params}
    rows = []
    for step in range(steps + 1):
        ev = start if step == 0 and start is not None else evaluate(bp, example, params)
        rows.append(TraceRow(step, dict(params), ev.loss))
        params = {p: _value(params[p] - lr * ev.gradients[p], {}) for p in params}
    return rows
