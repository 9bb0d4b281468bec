"""LaTeX: a complete document (``doprint``) or a fragment for Jupyter."""
from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter as SympyLatexPrinter

from .. import names
from ..model import Partial, Shape, latex_of_notation
from .base import Printer

from .tex_escape import escape, shown  # noqa: F401  (escape is this module's public name too)


def _mathjax_text(text: str) -> str:
    """Prose inside \\text{} for MathJax: braces and backslashes made safe."""
    return "".join({"\\": "/", "{": "(", "}": ")", "$": "", "#": "", "%": "", "&": "and"}.get(c, c)
                   for c in str(text))


class NetworkLatexPrinter(SympyLatexPrinter):
    def __init__(self, L=None, **settings):
        # order='none' keeps a chain-rule product in the order it was built.
        super().__init__({"mul_symbol": None, "order": "none", **settings})
        self.L = L

    def _print_Symbol(self, s, style="plain"):
        special = latex_of_notation(s.name)
        if special is not None:
            return special
        name = names.latex_name(s.name, self.L)
        return name if name != s.name else super()._print_Symbol(s)

    def _print_Add(self, expr, order=None):
        # Positive terms first: ŷ - y and 1 - a, as written by hand.
        terms = sorted(expr.args, key=lambda t: t.could_extract_minus_sign())
        return super()._print_Add(sp.Add(*terms, evaluate=False), order="none")

    # Matrix expressions (the delta view): terms keep the order built.
    def _print_MatAdd(self, expr):
        out = self._print(expr.args[0])
        for term in expr.args[1:]:
            text = self._print(term)
            out += f" - {text[1:].lstrip()}" if text.startswith("-") else f" + {text}"
        return out

    def _print_Transpose(self, expr):
        if isinstance(expr.arg, sp.MatrixSymbol):
            return "{%s}^{\\top}" % self._print(expr.arg)
        return super()._print_Transpose(expr)

    def _print_HadamardProduct(self, expr):
        def factor(a):
            several = isinstance(a, sp.MatMul) and sum(isinstance(f, sp.MatrixExpr) for f in a.args) > 1
            text = self._print(a)
            return r"\left(%s\right)" % text if isinstance(a, sp.MatAdd) or several else text
        return r" \odot ".join(factor(a) for a in expr.args)

    def _print_HadamardPower(self, expr):
        return "{%s}^{\\circ %s}" % (self._print(expr.base), self._print(expr.exp))

    def _print_Partial(self, p: Partial):
        return r"\frac{\partial %s}{\partial %s}" % (self._print(p.num), self._print(p.den))

    def _print_Shape(self, s: Shape):
        return r"(" + r" \times ".join(self._print(d) for d in s.args) + ")"


def tex(expr, L=None) -> str:
    """One expression in the network's notation."""
    return NetworkLatexPrinter(L).doprint(sp.sympify(expr))


PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{lmodern}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{booktabs}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5em}
"""


class LatexPrinter(Printer):
    def expr(self, e) -> str:
        if isinstance(e, str):
            return r"\text{%s}" % escape(e)
        return tex(e, self.L)

    def cell(self, value) -> str:
        text = super().cell(value)
        if isinstance(value, str):
            return escape(value)
        return f"${text}$"

    def doprint(self, d) -> str:
        return (PREAMBLE + "\\begin{document}\n" + self._print(d) + "\\end{document}\n")

    def doprint_fragment(self, d) -> str:
        return self._print(d)

    def doprint_mathjax(self, d) -> str:
        """One MathJax-renderable array: headings bold, prose as text, maths as is."""
        rows = [r"\textbf{%s}" % _mathjax_text(d.title)]

        def walk(nodes):
            for node in nodes:
                if hasattr(node, "body") and hasattr(node, "title"):
                    rows.append(r"\textbf{%s}" % _mathjax_text(node.title))
                    walk(node.body)
                elif hasattr(node, "parts"):
                    parts = [self.expr(p) for p in node.parts]
                    tag = r"\quad\text{(%s)}" % _mathjax_text(node.label) if node.label else ""
                    rows.append(" = ".join(p for p in parts if p not in ("", r"\text{}")) + tag)
                elif hasattr(node, "text"):
                    rows.extend(r"\text{%s}" % _mathjax_text(par) for par in node.text.split("\n") if par)
                elif hasattr(node, "rows"):
                    cols = "l" * len(node.header)
                    body = r" \\ ".join(" & ".join(self.cell(c).strip("$") if not isinstance(c, str)
                                                      else r"\text{%s}" % _mathjax_text(c) for c in row)
                                          for row in node.rows)
                    head = " & ".join(r"\text{%s}" % _mathjax_text(h) for h in node.header)
                    rows.append(r"\begin{array}{%s} %s \\ \hline %s \end{array}" % (cols, head, body))
        walk(d.body)
        return "$$\\begin{array}{l}\n" + " \\\\\n".join(rows) + "\n\\end{array}$$"

    def _print_Derivation(self, d):
        return (f"\\section*{{{escape(d.title)}}}\n\n"
                + "\n".join(self._print(n) for n in d.body) + "\n")

    def _print_Section(self, s):
        return f"\\subsection*{{{escape(s.title)}}}\n" + "\n".join(self._print(n) for n in s.body) + "\n"

    def _print_Text(self, t):
        return "\n\n".join(escape(p) for p in t.text.split("\n")) + "\n"

    def _print_Math(self, m):
        parts = [self.expr(p) for p in m.parts]
        body = parts[0] + ("" if len(parts) == 1 else " &= " + " \\\\\n  &= ".join(parts[1:]))
        if len(parts) == 1:
            body = "&" + body
        tag = f" \\tag{{{escape(m.label)}}}" if m.label else ""
        note = f" \\qquad \\text{{{escape(m.note)}}}" if m.note else ""
        return "\\begin{align*}\n  " + body + note + tag + "\n\\end{align*}\n"

    def _print_Table(self, t):
        cols = "l" * len(t.header)
        head = " & ".join(escape(h) for h in t.header) + r" \\"
        rows = "\n".join(" & ".join(self.cell(c) for c in row) + r" \\" for row in t.rows)
        return ("\\begin{center}\n\\begin{tabular}{%s}\n\\toprule\n%s\n\\midrule\n%s\n"
                "\\bottomrule\n\\end{tabular}\n\\end{center}\n" % (cols, head, rows))
