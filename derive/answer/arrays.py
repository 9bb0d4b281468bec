"""A matrix answer's value, computed by walking its syntax tree with NumPy.

Nothing is evaluated by Python: each node of the (already whitelisted)
tree is one NumPy operation on the arrays of a batch (X, Z1, dZ1 ...).
Before each operation the shapes are checked, so that an answer whose
shapes do not fit gets a ``ShapeMismatch`` naming both operands and their
shapes, not a NumPy traceback.  The activation functions and their
derivatives are the rules card's (``derive.matrix_numbers``).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

import numpy as np

from ..matrix_numbers import activation, derivative
from .syntax import COMPARE, Answer, activation_of


class ShapeMismatch(Exception):
    """Two operands whose shapes do not fit: ``node`` is the operation."""

    def __init__(self, node: ast.AST, op: str, left: tuple, right: tuple | None = None):
        super().__init__(op)
        self.node, self.op, self.left, self.right = node, op, left, right


def shape_text(shape: tuple, m: int | None) -> str:
    """(3×2), with the batch size written m: (m×3); a vector (3); a number ()."""
    if shape == ():
        return "(1×1)"
    dims = ["m" if m is not None and d == m and m > 1 else str(d) for d in shape]
    return "(" + "×".join(dims) + ")"


@dataclass
class Evaluator:
    """Values of one answer on one batch: ``env`` maps each name to its array
    (or number, m)."""
    answer: Answer
    env: dict

    def __call__(self, node: ast.AST | None = None):
        with np.errstate(all="ignore"):
            return self.value(self.answer.tree if node is None else node)

    def value(self, node):
        if isinstance(node, ast.Constant):
            return float(self.answer.number(node))
        if isinstance(node, ast.Name):
            return self.env[node.id]
        if isinstance(node, ast.UnaryOp):
            v = self.value(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.Attribute):   # .T
            v = np.asarray(self.value(node.value))
            return v.T
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):   # .sum(...)
                return self.summed(node)
            return self.call(node)
        if isinstance(node, ast.Compare):
            left, right = self.value(node.left), self.value(node.comparators[0])
            self.broadcast(node, COMPARE[type(node.ops[0])], left, right)
            op = {ast.Gt: np.greater, ast.GtE: np.greater_equal, ast.Lt: np.less,
                  ast.LtE: np.less_equal}[type(node.ops[0])]
            return op(left, right).astype(float)
        raise TypeError(f"unchecked node {type(node).__name__}")   # the syntax whitelist prevents this

    def binary(self, node: ast.BinOp):
        left = self.value(node.left)
        if isinstance(node.op, ast.Pow):
            return np.power(left, float(self.answer.number(node.right)))
        right = self.value(node.right)
        if isinstance(node.op, ast.MatMult):
            a, b = np.shape(left), np.shape(right)
            if a == () or b == ():
                raise ShapeMismatch(node, "@", a, b)
            inner_a = a[-1]
            inner_b = b[0] if len(b) == 1 else b[-2]
            if inner_a != inner_b or len(a) > 2 or len(b) > 2:
                raise ShapeMismatch(node, "@", a, b)
            return np.asarray(left) @ np.asarray(right)
        symbol = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}[type(node.op)]
        self.broadcast(node, symbol, left, right)
        if isinstance(node.op, ast.Add):
            return np.add(left, right)
        if isinstance(node.op, ast.Sub):
            return np.subtract(left, right)
        if isinstance(node.op, ast.Mult):
            return np.multiply(left, right)
        return np.divide(left, right)

    def broadcast(self, node, symbol, left, right):
        a, b = np.shape(left), np.shape(right)
        try:
            np.broadcast_shapes(a, b)
        except ValueError:
            raise ShapeMismatch(node, symbol, a, b) from None

    def call(self, node: ast.Call):
        fname = node.func.id
        arg = np.asarray(self.value(node.args[0]), dtype=float)
        if fname == "exp":
            return np.exp(arg)
        if fname == "log":
            return np.log(arg)
        if fname == "softmax":
            if arg.ndim != 2:
                raise ShapeMismatch(node, "softmax", arg.shape)
            return activation("softmax")(arg)
        name, prime = activation_of(fname)
        alpha = float(self.answer.number(node.args[1])) if len(node.args) > 1 else None
        shaped = np.atleast_1d(arg)
        if prime:
            out = derivative(name, alpha)(shaped, activation(name, alpha)(shaped))
        else:
            out = activation(name, alpha)(shaped)
        return out.reshape(arg.shape)

    def summed(self, node: ast.Call):
        v = np.asarray(self.value(node.func.value))
        axis = node.args[0].value if node.args else None
        keepdims = False
        for kw in node.keywords:
            if kw.arg == "axis":
                axis = kw.value.value
            else:
                keepdims = bool(kw.value.value)
        if axis is not None and axis >= v.ndim:
            raise ShapeMismatch(node, f".sum(axis={axis})", v.shape)
        return v.sum(axis=axis, keepdims=keepdims)
