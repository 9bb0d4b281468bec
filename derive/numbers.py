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
from .backprop import Backprop, to_sympy
from .example import Example

DIGITS = 30


def _value(expr: sp.Expr, values: dict) -> sp.Expr:
    v = expr.xreplace(values)
    if not v.is_Rational:
        v = sp.Float(v.evalf(DIGITS), DIGITS)
    return v


@dataclass
class Evaluation:
    rows: list[dict]  # per example: Symbol -> number for inputs, targets, params, z, a, d
    loss: sp.Expr     # J of the batch
    gradients: dict   # plain name -> dJ/dparam for the batch


def evaluate(bp: Backprop, example: Example, params: dict[str, sp.Expr] | None = None,
             grads: bool = True) -> Evaluation:
    """The example through the one-example network ``bp``, row by row.

    Each row gets every definition's value, in order; J and the gradients of
    the batch are the per-example ones summed, times 1/m for a mean.  One
    symbolic network serves every row, so wide layers stay affordable."""
    if params is None:
        params = {p: to_sympy(v) for p, v in example.params}
    scale = sp.Rational(1, example.m) if bp.net.reduction == "mean" else sp.Integer(1)
    base = {names.sym(p): v for p, v in params.items()}
    definitions = bp.definitions() if grads else bp.forward
    rows, loss = [], sp.Integer(0)
    totals = {p: sp.Integer(0) for p in bp.gradients} if grads else {}
    for xrow, yrow in zip(example.X, example.Y):
        values = dict(base)
        values.update({names.x(i): to_sympy(v) for i, v in enumerate(xrow, 1)})
        values.update({names.y(k): to_sympy(v) for k, v in enumerate(yrow, 1)})
        for s, e in definitions:
            values[s] = _value(e, values)
        loss += _value(bp.loss, values)
        for p in totals:
            totals[p] += _value(bp.gradients[p].expr, values)
        rows.append(values)
    return Evaluation(rows, _value(scale * loss, {}), {p: _value(scale * g, {}) for p, g in totals.items()})


def batch_values(batch: Backprop, ev: Evaluation) -> dict[str, sp.Expr]:
    """The evaluation under the batch's plain names (x{r}_{i}, z{r}_{l}_{j})."""
    out = {}
    for r, values in zip(batch.rows, ev.rows):
        out.update({names.x(i, r).name: values[names.x(i)] for i in range(1, batch.net.sizes[0] + 1)})
        out.update({names.y(k, r).name: values[names.y(k)] for k in range(1, batch.net.sizes[-1] + 1)})
    out.update({p: ev.rows[0][names.sym(p)] for p in batch.net.param_names()})
    for s, _ in batch.definitions():
        kind, row, nums = names.parse(s.name)
        out[s.name] = ev.rows[(row or 1) - 1][names.node(kind, *nums)]
    return out


@dataclass
class TraceRow:
    step: int
    params: dict   # plain name -> value before this step's update
    loss: sp.Expr


def descend(bp: Backprop, example: Example, steps: int, lr,
            start: Evaluation | None = None) -> list[TraceRow]:
    """Plain gradient descent, p <- p - lr * dJ/dp, recording J at each step.

    ``bp`` is the one-example network; ``start`` its evaluation at the
    example's parameters, when the caller has it already."""
    lr = to_sympy(Fraction(lr)) if not isinstance(lr, sp.Basic) else lr
    params = {p: to_sympy(v) for p, v in example.params}
    rows = []
    for step in range(steps + 1):
        ev = start if step == 0 and start is not None else evaluate(bp, example, params)
        rows.append(TraceRow(step, dict(params), ev.loss))
        params = {p: _value(params[p] - lr * ev.gradients[p], {}) for p in params}
    return rows
