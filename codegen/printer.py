"""SymPy's NumPy printer, tuned for the code chainrule emits.

Four changes to ``sympy.printing.numpy.NumPyPrinter``:
- ``np.`` instead of ``numpy.``, as people write it;
- comparisons print infix (``A1 > 0``), which NumPy evaluates elementwise;
- a Piecewise that selects 0 or 1 prints as a boolean mask (``(A1 > 0)``):
  multiplying by a mask is the fast way to apply relu', where ``np.select``
  would build two full arrays first.  Other Piecewise print as ``np.where``;
- erf prints as the module's own ``_erf`` (NumPy has none; gelu' needs it).
``exp(x) - 1`` and ``log(1 + x)`` are rewritten to ``expm1``/``log1p`` first
(SymPy's own optimisations), which keeps small values accurate.
"""
from __future__ import annotations

import sympy as sp
from sympy.codegen.rewriting import expm1_opt, log1p_opt, optimize
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import precedence

_OPS = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!="}


class NumpyCodePrinter(NumPyPrinter):
    def _module_format(self, fqn, register=True):
        text = super()._module_format(fqn, register)
        return "np." + text[len("numpy."):] if text.startswith("numpy.") else text

    def _print_Relational(self, expr):
        op = _OPS.get(expr.rel_op)
        if op is None:
            return super()._print_Relational(expr)
        lhs = self.parenthesize(expr.lhs, precedence(expr))
        rhs = self.parenthesize(expr.rhs, precedence(expr))
        return f"{lhs} {op} {rhs}"

    def _print_Max(self, expr):
        # a max-pool window: the elementwise maximum of its entries' columns
        return f"np.maximum.reduce([{', '.join(self._print(a) for a in expr.args)}])"

    def _print_Min(self, expr):
        return f"np.minimum.reduce([{', '.join(self._print(a) for a in expr.args)}])"

    def _print_erf(self, expr):
        # NumPy has no erf; the generated module defines _erf (codegen.numerics).
        return f"_erf({self._print(expr.args[0])})"

    def _print_Piecewise(self, expr):
        (value, cond), rest = expr.args[0], expr.args[1:]
        if not rest:
            return self._print(value)
        otherwise = sp.Piecewise(*rest) if len(rest) > 1 or rest[0].cond is not sp.true else rest[0].expr
        if value == 0 and otherwise == 1:
            return f"({self._print(_negated(cond))})"
        if value == 1 and otherwise == 0:
            return f"({self._print(cond)})"
        if value == 0:
            # 0 where cond, else e: e times the mask of the other branch.
            return f"{self.parenthesize(otherwise, precedence(sp.Mul(2, 3, evaluate=False)))}*({self._print(_negated(cond))})"
        return f"np.where({self._print(cond)}, {self._print(value)}, {self._print(otherwise)})"


def _negated(cond):
    """not cond: a comparison flips (a > 0 -> a <= 0); a max-pool window's
    conjunction of comparisons becomes a logical not."""
    return cond.negated if isinstance(cond, sp.core.relational.Relational) else sp.Not(cond)


_PRINTER = NumpyCodePrinter({"fully_qualified_modules": True, "allow_unknown_functions": False})


def numpy_code(expr: sp.Expr) -> str:
    """One SymPy expression as NumPy source."""
    # Folding moves factors into the branches, so np.where picks between
    # arrays of the input's dtype rather than between float64 constants.
    expr = sp.sympify(expr)
    if expr.has(sp.exp, sp.log):  # the rewrite factors, which is slow: only when it can apply
        expr = optimize(expr, [expm1_opt, log1p_opt])
    # factor_terms undoes SymPy's 2*(a - y) -> 2*a - 2*y: one array temporary fewer.
    expr = sp.factor_terms(sp.piecewise_fold(expr))
    return _PRINTER.doprint(expr)
