"""JavaScript: a ``derive.model.Program`` as one function a page calls.

Each statement is SymPy's JavaScript code printer applied to one of the
derivation's own expressions (a definition of the forward pass or of a
delta, the loss, a gradient), with every quantity kept in one array ``v``.
Nothing is derived here: the page evaluates exactly what chainrule emitted.
"""
from __future__ import annotations

import json

import sympy as sp
from sympy.printing.jscode import JavascriptCodePrinter


class ProgramJsPrinter(JavascriptCodePrinter):
    """jscode with the program's quantities as entries of ``v`` and one-line
    conditionals (a ReLU's Piecewise as a ternary)."""

    def __init__(self, index: dict):
        super().__init__({"strict": True})
        self.index = index   # Symbol -> position in v

    def _print_Symbol(self, s):
        return f"v[{self.index[s]}]"

    def _print_Piecewise(self, e):
        out = self._print(e.args[-1].expr)
        if e.args[-1].cond is not sp.true:
            out = f"({self._print(e.args[-1].cond)} ? {out} : NaN)"
        for value, cond in reversed(e.args[:-1]):
            out = f"({self._print(cond)} ? {self._print(value)} : {out})"
        return out

    def _print_erf(self, e):
        return f"erf({self._print(e.args[0])})"   # the runtime's erf (JavaScript has none)

    def _print_Heaviside(self, e):
        x = self._print(e.args[0])
        half = self._print(e.args[1]) if len(e.args) > 1 else "0.5"
        return f"({x} > 0 ? 1 : ({x} < 0 ? 0 : {half}))"

    def _print_BooleanTrue(self, e):
        return "true"

    def _print_BooleanFalse(self, e):
        return "false"


def _number(v) -> str:
    """A start value or constant as a JavaScript literal (round-trip float)."""
    return repr(float(v))


def program_js(program, name: str = "run") -> str:
    """``const PROGRAM = {...}; function run(P) {...}``: ``run`` takes the
    parameters (in ``PROGRAM.params`` order) and returns the loss ``J``, the
    gradients ``G`` (same order) and the shown numbers ``S`` (in
    ``program.slots`` order)."""
    index, order = {}, []

    def place(s):
        if s not in index:
            index[s] = len(order)
            order.append(s)
    for s, _ in program.constants:
        place(s)
    for p, _ in program.params:
        place(sp.Symbol(p, real=True))
    for s, _ in program.steps:
        place(s)
    printer = ProgramJsPrinter(index)
    lines = [f"function {name}(P) {{", f"  const v = new Float64Array({len(order)});"]
    for s, value in program.constants:
        lines.append(f"  v[{index[s]}] = {_number(value)};")
    for k, (p, _) in enumerate(program.params):
        lines.append(f"  v[{index[sp.Symbol(p, real=True)]}] = P[{k}];")
    for s, e in program.steps:
        lines.append(f"  v[{index[s]}] = {printer.doprint(e)};")
    lines.append(f"  const J = {printer.doprint(program.loss)};")
    lines.append("  const G = [" + ", ".join(printer.doprint(g) for _, g in program.gradients) + "];")
    lines.append("  const S = [" + ", ".join(printer.doprint(e) for _, e in program.slots) + "];")
    lines.append("  return {J: J, G: G, S: S};")
    lines.append("}")
    head = {"params": [p for p, _ in program.params], "start": [float(_number(v)) for _, v in program.params],
            "lr": float(program.lr)}
    return "const PROGRAM = " + json.dumps(head, separators=(",", ":")) + ";\n" + "\n".join(lines) + "\n"
