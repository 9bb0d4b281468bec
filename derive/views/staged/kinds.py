"""What each kind of gate computes, as a formula in its input slots.

Three families: the operators (+ - * / ** and unary minus), the
mathematical functions that are not activations (exp, log, sqrt, sin, cos,
abs, max, min), and every elementwise activation on the rules card, whose
SymPy definition is taken from ``derive.rules.ACTIVATIONS`` (so gelu, silu
or any activation added to the card later work here unchanged).  An
activation with a parameter (leaky_relu, elu) takes it as an optional
second argument, a number: ``leaky_relu(x, 0.2)``.
"""
from __future__ import annotations

import sympy as sp

from ...rules import ACTIVATIONS, z as Z

P, Q = sp.Dummy("p", real=True), sp.Dummy("q", real=True)   # a gate's input slots

OPERATORS = {
    "id": P, "add": P + Q, "sub": P - Q, "mul": P * Q, "div": P / Q, "pow": P ** Q, "neg": -P,
}

# The functions that are not activations, as SymPy defines them.  max and
# min take two or more arguments: max(a, b, c) is staged as max(max(a, b), c).
MATH = {
    "exp": sp.exp(P), "log": sp.log(P), "sqrt": sp.sqrt(P), "sin": sp.sin(P), "cos": sp.cos(P),
    "abs": sp.Abs(P), "max": sp.Max(P, Q), "min": sp.Min(P, Q),
}
SPELLINGS = {"Max": "max", "Min": "min"}   # SymPy's names, accepted too
FOLDED = ("max", "min")


def activation_names() -> list[str]:
    """The card's elementwise activations (softmax couples its inputs: not a gate)."""
    return [name for name, act in ACTIVATIONS.items() if act.elementwise]


def function_names() -> list[str]:
    """Every function a user may call in --expr, sorted."""
    return sorted({*MATH, *activation_names()})


def is_activation(kind: str) -> bool:
    return kind in ACTIVATIONS and ACTIVATIONS[kind].elementwise


def has_parameter(kind: str) -> bool:
    """An activation with an alpha (leaky_relu, elu)."""
    return is_activation(kind) and ACTIVATIONS[kind].default_alpha is not None


def arity(kind: str) -> tuple[int, int | None]:
    """(fewest, most) arguments of a call; None: any number."""
    if kind in FOLDED:
        return 2, None
    if has_parameter(kind):
        return 1, 2
    return 1, 1


def formula(kind: str, inputs) -> sp.Expr:
    """The gate's output in terms of its inputs (symbols or numbers)."""
    inputs = list(inputs)
    if is_activation(kind):
        alpha_value = inputs[1] if len(inputs) > 1 else None
        return ACTIVATIONS[kind].expr(alpha_value).xreplace({Z: inputs[0]})
    template = OPERATORS[kind] if kind in OPERATORS else MATH[kind]
    return template.xreplace(dict(zip((P, Q), inputs)))


def transcendental(kind: str) -> bool:
    """exp, sin, tanh, erf ... inside: huge arguments would take unbounded
    time or overflow, so their arguments are bounded."""
    return formula(kind, [P]).has(sp.exp, sp.sin, sp.cos, sp.tan, sp.tanh, sp.sinh, sp.cosh, sp.erf)


__all__ = ["FOLDED", "MATH", "OPERATORS", "P", "Q", "SPELLINGS", "activation_names", "arity",
           "formula", "function_names", "has_parameter", "is_activation", "transcendental"]
