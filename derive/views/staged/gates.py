"""Cutting an expression into gates, and each gate's local derivative.

The gates are laid out from Python's syntax tree, so the staging follows
the order the user wrote (``w1*x + b1`` stages ``w1·x`` first; SymPy's own
tree would reorder the arguments).  A subexpression written twice is one
gate whose output fans out, and parts without variables fold into one
constant.

A gate's local derivative is ``sympy.diff`` of its own formula, never a
table.  For an activation it is the rules card's f' in its taught form (in
the gate's output, sigmoid' = a(1 - a), where that form exists; else in
its input), checked against ``sympy.diff`` of the gate.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from ...errors import ChainruleError
from ...rules import a as A, fprime, z as Z
from . import kinds
from .parse import BINARY, kind_of_call, literal
from .values import MAX_SIZE, check_argument, exact_power_too_large

MAX_GATES = 80
MAX_POWER = 1000    # a larger constant exponent (x**99999) teaches nothing a small one does not
# Written out in its variables (as sympy.diff sees it), an expression may
# be far larger than its gates: elu(elu(elu(x))) repeats x 27 times, and
# SymPy recurses once or more per level of the tree.  Past these bounds
# SymPy's own work (Piecewise folding, diff, simplify) takes minutes or
# overflows the stack.
MAX_WRITTEN_OUT = 1000      # symbols and operations of the expression
MAX_GRADIENT = 60_000       # ... of one gradient, the chain rule's products included
MAX_NESTING = 150           # levels of the tree


@dataclass
class Gate:
    step: int
    kind: str
    inputs: tuple           # Symbols (variables or earlier outputs) or constants (2, sqrt(2), an alpha)
    out: sp.Symbol
    formula: sp.Expr        # the gate's value in its inputs

    @property
    def slots(self) -> list[tuple[int, sp.Symbol]]:
        """(position, input) for the inputs a gradient flows back into."""
        return [(i, x) for i, x in enumerate(self.inputs) if isinstance(x, sp.Symbol)]

    def describe(self) -> str:
        """The gate in plain text for an error message: 'step 3 (t3 = log(t2))'."""
        if kinds.is_activation(self.kind) or self.kind in kinds.MATH:
            shown = f"{self.kind}({', '.join(map(sp.sstr, self.inputs))})"
        else:
            shown = sp.sstr(self.formula)
        return f"step {self.step} ({self.out} = {shown})"


def names_for(variables: list[str]) -> tuple[str, str]:
    """The prefix of the gate outputs (t1, t2, ...) and the name of the
    result (J), chosen so that neither clashes with a variable."""
    used = set(variables)
    prefixes = ["t", "u", "v", "s", "h", "q"] + ["t" * k for k in range(2, len(used) + 3)]
    prefix = next(p for p in prefixes if not any(re.fullmatch(re.escape(p) + r"\d+", n) for n in used))
    outs = ["J", "f", "L", "out", "result"] + ["J" + "_" * k for k in range(1, len(used) + 2)]
    return prefix, next(n for n in outs if n not in used and not re.fullmatch(re.escape(prefix) + r"\d+", n))


def stage(tree: ast.expr, text: str, variables: list[str], prefix: str, out_name: str) -> list[Gate]:
    """The gates of a checked syntax tree, the last one's output named ``out_name``."""
    stager = _Stager(text, variables, prefix)
    top = stager.stage(tree)
    gates = stager.gates
    if not (gates and top == gates[-1].out):   # J = x, or J = an earlier gate: one identity gate
        gates.append(Gate(len(gates) + 1, "id", (top,), None, top))
    J = sp.Symbol(out_name, real=True)
    final = gates[-1]
    rename = {final.out: J} if final.out is not None else {}
    final.out = J
    for g in gates:
        g.inputs = tuple(rename.get(x, x) for x in g.inputs)
        g.formula = g.formula.xreplace(rename)
    return gates


class _Stager:
    def __init__(self, text, variables, prefix):
        self.text = text
        self.vars = {n: sp.Symbol(n, real=True) for n in variables}
        self.prefix = prefix
        self.gates: list[Gate] = []
        self.seen: dict[tuple, sp.Symbol] = {}  # (kind, inputs) -> output: reuse makes a fork

    def stage(self, node) -> sp.Expr:
        if isinstance(node, ast.Constant):
            return literal(node, self.text)
        if isinstance(node, ast.Name):
            return self.vars[node.id]
        if isinstance(node, ast.UnaryOp):
            inner = self.stage(node.operand)
            return inner if isinstance(node.op, ast.UAdd) else self.gate("neg", [inner])
        if isinstance(node, ast.BinOp):
            return self.gate(BINARY[type(node.op)], [self.stage(node.left), self.stage(node.right)])
        kind = kind_of_call(node)
        if kinds.has_parameter(kind):   # the alpha is a number, not an input to differentiate
            alpha = [literal(node.args[1], self.text)] if len(node.args) > 1 else []
            return self.gate(kind, [self.stage(node.args[0])] + alpha)
        args = [self.stage(a) for a in node.args]
        out = self.gate(kind, args[:2])
        for extra in args[2:]:          # max(a, b, c) = max(max(a, b), c)
            out = self.gate(kind, [out, extra])
        return out

    def gate(self, kind, inputs) -> sp.Expr:
        if not any(x.free_symbols for x in inputs):   # 2**3, sqrt(2), exp(10): one constant
            return constant(kind, inputs)
        if kind == "pow" and not inputs[1].free_symbols and abs(inputs[1]) > MAX_POWER:
            raise ChainruleError(f"--expr raises to the power {sp.sstr(inputs[1])[:40]}; constant exponents are "
                                 f"limited to {MAX_POWER} in size, so write a smaller power")
        key = (kind, tuple(inputs))
        if key in self.seen:
            return self.seen[key]
        if len(self.gates) >= MAX_GATES:
            raise ChainruleError(f"--expr needs more than {MAX_GATES} gates; stage a smaller expression")
        out = sp.Symbol(f"{self.prefix}{len(self.gates) + 1}", real=True)
        self.gates.append(Gate(len(self.gates) + 1, kind, tuple(inputs), out, kinds.formula(kind, inputs)))
        self.seen[key] = out
        return out


def constant(kind: str, inputs) -> sp.Expr:
    """A gate of numbers only, folded into one exact constant (2**10 = 1024)."""
    shown = ", ".join(map(sp.sstr, inputs))
    if kind == "pow" and exact_power_too_large(*inputs):
        raise ChainruleError(f"the constant {inputs[0]}**{inputs[1]} in --expr is too large to compute; "
                             f"keep constants small")
    check_argument(kind, inputs[0], f"the constant {kind}({shown}) in --expr")
    value = kinds.formula(kind, inputs)
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or not value.is_real:
        raise ChainruleError(f"a constant part of --expr is undefined ({kind} of {shown}); fix that constant")
    if abs(value) > MAX_SIZE:
        raise ChainruleError(f"a constant part of --expr ({kind} of {shown}) is larger than 1e300; "
                             f"keep constants small")
    return value


def written_out(gates: list[Gate]) -> dict[sp.Symbol, tuple[int, int]]:
    """For each gate output, (nodes, depth) of its tree written out in the
    variables, as SymPy would hold it, counted without writing it out:
    gelu(gelu(...)) doubles at every level, since gelu uses its input twice."""
    sizes: dict[sp.Symbol, tuple[int, int]] = {}
    for g in gates:
        sizes[g.out] = tree_size(g.formula, sizes)
    return sizes


def check_written_out(nodes: int, depth: int, what: str, limit: int = MAX_WRITTEN_OUT) -> None:
    """Refuse an expression too large or too deep for SymPy to handle in seconds."""
    if depth > MAX_NESTING:
        raise ChainruleError(f"{what} written out in its variables nests {depth} levels deep (sigmoid(x) alone "
                             f"is 1/(1 + exp(-x))); the limit is {MAX_NESTING}: nest fewer functions")
    if nodes > limit:
        raise ChainruleError(f"{what} written out in its variables has about {nodes:,} symbols and operations "
                             f"(relu, elu or gelu of a gelu ... doubles at every level, as each uses its input "
                             f"twice); the limit is {limit:,}: nest fewer functions or powers")


def tree_size(expr: sp.Expr, sizes: dict) -> tuple[int, int]:
    """(nodes, depth) of ``expr`` with each symbol in ``sizes`` written out."""
    nodes = deepest = 0
    stack = [(expr, 1)]
    while stack:
        node, level = stack.pop()
        if node in sizes:          # an earlier gate's output: its whole tree hangs here
            nodes += sizes[node][0]
            deepest = max(deepest, level + sizes[node][1] - 1)
            continue
        nodes += 1
        deepest = max(deepest, level)
        stack.extend((arg, level + 1) for arg in node.args)
    return nodes, deepest


# ------------------------------------------------------ local derivatives --

@lru_cache(maxsize=None)
def _slot_derivative(kind: str, slot: int) -> sp.Expr:
    return sp.diff(kinds.formula(kind, [kinds.P, kinds.Q]), (kinds.P, kinds.Q)[slot])


def local_derivative(g: Gate, slot: int) -> sp.Expr:
    """∂(gate output)/∂(input ``slot``): for an activation the card's taught
    f' (in the output where that is how it is taught), for exp and sqrt
    written in the output where that is shorter (exp' = exp), else
    sympy.diff of the gate's formula."""
    d = sympy_diff(g, slot)
    if kinds.is_activation(g.kind):
        alpha = g.inputs[1] if len(g.inputs) > 1 else None
        taught = fprime(g.kind, alpha)
        local = taught.expr.xreplace({A: g.out} if taught.in_output else {Z: g.inputs[0]})
        _prove(local.xreplace({g.out: g.formula}), d, g)
        return local
    if g.kind in ("exp", "sqrt"):
        in_out = d.subs(g.formula, g.out)
        if in_out != d and sp.count_ops(in_out) <= sp.count_ops(d):
            return in_out
    return d


def sympy_diff(g: Gate, slot: int) -> sp.Expr:
    """sympy.diff of the gate's formula with respect to input ``slot``."""
    if kinds.is_activation(g.kind):   # one input to differentiate; an alpha is a number
        return sp.diff(g.formula, g.inputs[0])
    return _slot_derivative(g.kind, slot).xreplace(dict(zip((kinds.P, kinds.Q), g.inputs)))


def conditions_on_inputs(expr: sp.Expr, gates: list[Gate]) -> sp.Expr:
    """``expr`` with each piecewise condition on an activation's output (a ≤ 0)
    read on its input (z ≤ 0) instead.  The card's piecewise activations are
    increasing and map 0 to 0, so both say the same; written in the input,
    the condition stays readable once the gates are expanded."""
    swap = {g.out: g.inputs[0] for g in gates if kinds.is_activation(g.kind) and g.formula.has(sp.Piecewise)}
    if not swap:
        return expr
    return expr.replace(lambda e: isinstance(e, sp.core.relational.Relational), lambda r: r.xreplace(swap))


_POINTS = [sp.Rational(n, 7) for n in (-17, -5, -1, 0, 2, 9, 20)]   # both signs, and 0 for the convention


def _prove(taught: sp.Expr, diff: sp.Expr, g: Gate) -> None:
    """The card's f' agrees with sympy.diff of this gate at a spread of points."""
    x = g.inputs[0]
    for point in _POINTS:
        lhs, rhs = sp.N(taught.xreplace({x: point}), 30), sp.N(diff.xreplace({x: point}), 30)
        if not (lhs.is_Number and rhs.is_Number) or abs(lhs - rhs) > 1e-20 * (1 + abs(rhs)):
            raise AssertionError(f"internal error: the rules card's {g.kind}' does not match sympy.diff "
                                 f"at {x} = {point}")
