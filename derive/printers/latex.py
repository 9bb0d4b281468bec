"""LaTeX: a complete document (``doprint``), a fragment, or MathJax pieces."""
from __future__ import annotations

import re

import sympy as sp
from sympy.printing.latex import LatexPrinter as SympyLatexPrinter

from ..format import fmt
from .base import Printer
from .unicode_math import _RUN, to_latex

from .tex_escape import escape, shown  # noqa: F401  (escape is this module's public name too)


def prose(text: str) -> str:
    """Prose for LaTeX: notation runs (w⁽¹⁾₂₁, ∂J/∂ŷ) become inline maths,
    the rest is escaped to print literally."""
    out, last = [], 0
    for m in _RUN.finditer(text):
        run = m.group(0)
        start, end = m.start(), m.end()
        while run and run[-1] in ".,;:" :   # sentence punctuation stays outside the maths
            run, end = run[:-1], end - 1
        while run and run[0] in "(" and run.count("(") > run.count(")"):
            run, start = run[1:], start + 1
        if not run:
            continue
        out.append(escape(text[last:start]))
        out.append("$" + to_latex(run) + "$")
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


def latex_number(value) -> str:
    """A number in LaTeX maths: 0.4745, 1.5 \\times 10^{-7}."""
    n = fmt(value)
    return n.mantissa if n.exponent is None else rf"{n.mantissa} \times 10^{{{n.exponent}}}"


class NetworkLatexPrinter(SympyLatexPrinter):
    def __init__(self, scheme, **settings):
        # order='none' keeps a chain-rule product in the order it was built.
        super().__init__({"mul_symbol": None, "order": "none", **settings})
        self.scheme = scheme

    def _print_Symbol(self, s, style="plain"):
        name = self.scheme.latex(s.name)
        if name != s.name:
            return name
        if any(ord(c) > 127 for c in s.name):
            return to_latex(s.name)
        return super()._print_Symbol(s)

    def _print_MatrixSymbol(self, m):
        return to_latex(m.name) if any(ord(c) > 127 for c in m.name) else super()._print_MatrixSymbol(m)

    def _print_Notation(self, n):
        return n.latex

    def _print_Value(self, v):
        text = latex_number(v.value)
        return rf"\left({text}\right)" if text.startswith("-") else text

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

    def _print_Partial(self, p):
        return r"\frac{\partial %s}{\partial %s}" % (self._print(p.num), self._print(p.den))

    def _print_Shape(self, s):
        return r"(" + r" \times ".join(self._print(d) for d in s.args) + ")"

    def _print_KroneckerDelta(self, expr, exp=None):
        # Iverson brackets: the Greek delta is already the error term
        return r"[%s = %s]" % (self._print(expr.args[0]), self._print(expr.args[1]))

    def _print_OneMatrix(self, expr):
        return r"\mathbf{1}"


def tex(expr, scheme=None) -> str:
    """One expression in the network's notation."""
    from .base import NO_SCHEME
    return NetworkLatexPrinter(scheme or NO_SCHEME).doprint(sp.sympify(expr))


# Roughly how wide a part may be, in characters of its text rendering,
# before it is broken across lines (a page holds ~90 at 11pt in maths).
BREAK_AT = 62


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
    def __init__(self, names=None):
        super().__init__(names)
        self._tex = NetworkLatexPrinter(self.names)

    def expr(self, e) -> str:
        if isinstance(e, str):
            return r"\text{%s}" % escape(e)
        return self._tex.doprint(sp.sympify(e))

    def number(self, value) -> str:
        return latex_number(value)

    def cell(self, value) -> str:
        if isinstance(value, str):
            return prose(value)
        return f"${super().cell(value)}$"

    def doprint(self, d) -> str:
        return PREAMBLE + "\\begin{document}\n" + self._print(d) + "\\end{document}\n"

    def doprint_fragment(self, node) -> str:
        return self._print(node)

    # -- the document -----------------------------------------------------------
    def _print_document(self, d):
        return f"\\section*{{{_breakable(prose(d.title))}}}\n\n" + "\n".join(self._print(n) for n in d.body) + "\n"

    def _print_Section(self, s):
        return f"\\subsection*{{{_breakable(prose(s.title))}}}\n" + "\n".join(self._print(n) for n in s.body) + "\n"

    def _print_Text(self, t):
        return "\n\n".join(prose(p) for p in t.text.split("\n")) + "\n"

    def _print_Code(self, c):
        from .text import TextPrinter  # noqa: F401  (listings are ASCII; see handout)
        return "\\begin{verbatim}\n" + c.text.rstrip("\n") + "\n\\end{verbatim}\n"

    def _print_Math(self, m):
        return "\\begin{align*}\n" + self._lines(m) + "\n\\end{align*}\n"

    def _print_Equations(self, eq):
        return "\\begin{align*}\n" + " \\\\\n".join(self._lines(m) for m in eq.lines) + "\n\\end{align*}\n"

    def _lines(self, m) -> str:
        """One chain as align* rows: the first part left of &=, each later part
        on its own row, long sums and products broken between their terms."""
        from .text import TextPrinter
        text = TextPrinter(self.names)
        rows, first = [], True
        lhs = self.expr(m.parts[0]) if m.parts[0] != "" else ""
        for part in m.parts[1:]:
            pieces = self._broken(part, text)
            for i, piece in enumerate(pieces):
                lead = (lhs if first else "") + (" &= " if i == 0 else r" &\quad ")
                rows.append(lead + piece)
                first = False
        if not rows:
            rows = ["&" + lhs]
        tag = f" \\tag*{{({escape(m.label)})}}" if m.label else ""
        if m.note:
            note = r"\text{\small %s}" % prose(m.note)
            width = len(text.expr(m.parts[-1])) + len(m.note)
            if width < BREAK_AT and len(rows) == 1:
                rows[-1] += r" \qquad " + note
            else:
                rows.append(r" &\quad " + note)
        rows[0] += tag
        return " \\\\\n".join("  " + r for r in rows)

    def _broken(self, part, text) -> list[str]:
        """A part as one or more pieces of LaTeX, split at top-level + or · when long."""
        if isinstance(part, str) or len(text.expr(part)) <= BREAK_AT:
            return [self.expr(part)]
        if _index_sum(part):
            return self._broken_sum(part, text)
        if isinstance(part, sp.Add):
            terms = sorted(part.args, key=lambda t: t.could_extract_minus_sign())
            joiner = "+"
        elif isinstance(part, sp.Mul):
            terms, joiner = list(part.args), r"\cdot"
        else:
            return [self.expr(part)]
        items = []   # (operator, LaTeX, width in text characters)
        for term in terms:
            if _index_sum(term) and len(text.expr(term)) > BREAK_AT:   # a long index sum: its body breaks
                pieces = self._broken_sum(term, text)
                items += [(joiner, pieces[0], BREAK_AT)] + [("", p, BREAK_AT) for p in pieces[1:]]
                continue
            if joiner == "+" and term.could_extract_minus_sign():
                op, body = "-", self.expr(-term)
            else:
                op, body = joiner, self.expr(term)
                if joiner == r"\cdot" and isinstance(term, sp.Add):
                    body = rf"\left({body}\right)"
            items.append((op, body, len(text.expr(term)) + 3))
        chunks, current, width = [], [], 0
        for item in items:
            if current and width + item[2] > BREAK_AT:
                chunks.append(current)
                current, width = [], 0
            current.append(item)
            width += item[2]
        chunks.append(current)
        out = []
        for i, chunk in enumerate(chunks):
            body = ""
            for j, (op, tex_, _) in enumerate(chunk):
                if i == 0 and j == 0:
                    body = ("-" + tex_) if op == "-" else tex_
                elif not op:      # a piece of a broken sum: it carries its own operator
                    body += f" {tex_}" if body else tex_
                else:
                    body += f" {op} {tex_}" if body else f"{op} {tex_}"
            out.append(body)
        return out

    def _broken_sum(self, part, text) -> list[str]:
        """An index sum whose body is too long for a line: Σ and the first
        factors, then the rest on rows of their own (\\bigl( ... \\bigr) around a sum)."""
        hole = sp.Symbol("BODYHOLE")
        head = self.expr(sp.Sum(hole, *part.limits)).replace(self.expr(hole), "").rstrip()
        body = part.function
        pieces = self._broken(body, text) if isinstance(body, (sp.Add, sp.Mul)) else [self.expr(body)]
        if isinstance(body, sp.Add):
            pieces[0], pieces[-1] = r"\bigl(" + pieces[0], pieces[-1] + r"\bigr)"
        pieces[0] = head + " " + pieces[0]
        return pieces

    def _print_Table(self, t):
        cols = "l" * len(t.header)
        head = " & ".join(prose(h) for h in t.header) + r" \\"
        rows = "\n".join(" & ".join(self.cell(c) for c in row) + r" \\" for row in t.rows)
        return ("\\begin{center}\n\\begin{tabular}{%s}\n\\toprule\n%s\n\\midrule\n%s\n"
                "\\bottomrule\n\\end{tabular}\n\\end{center}\n" % (cols, head, rows))

    # -- MathJax (Jupyter) ------------------------------------------------------------
    def doprint_mathjax(self, d) -> str:
        """Pieces MathJax renders with its default configuration: one display
        block per equation or table, prose as Markdown-safe text between them."""
        return "\n\n".join(self._mathjax_pieces(d))

    def _mathjax_pieces(self, node) -> list[str]:
        out = []
        if hasattr(node, "title") and hasattr(node, "body"):
            out.append(r"$\textbf{%s}$" % _mathjax_text(node.title))
            for child in node.body:
                out += self._mathjax_pieces(child)
        elif hasattr(node, "lines"):
            for m in node.lines:
                out += self._mathjax_pieces(m)
        elif hasattr(node, "parts"):
            parts = [self.expr(p) for p in node.parts if not (isinstance(p, str) and p == "")]
            tag = r"\quad\text{(%s)}" % _mathjax_text(node.label) if node.label else ""
            note = r"\quad\text{%s}" % _mathjax_text(node.note) if node.note else ""
            out.append("$$" + " = ".join(parts) + tag + note + "$$")
        elif hasattr(node, "text") and not hasattr(node, "language"):
            out += [r"$\text{%s}$" % _mathjax_text(p) for p in node.text.split("\n") if p]
        elif hasattr(node, "rows"):
            cols = "l" * len(node.header)
            head = " & ".join(r"\text{%s}" % _mathjax_text(h) for h in node.header)
            body = r" \\ ".join(" & ".join(Printer.cell(self, c) if not isinstance(c, str)
                                          else r"\text{%s}" % _mathjax_text(c) for c in row)
                                for row in node.rows)
            out.append(r"$$\begin{array}{%s} %s \\ \hline %s \end{array}$$" % (cols, head, body))
        return out


def _breakable(tex: str) -> str:
    """A title whose spec (a word that starts with its input size) runs past a line,
    over 40 characters without a space, may break after its '-', '/' and ':'
    (stretchable glue there, so the line before fills)."""
    def fix(m):
        word = m.group(0)
        if len(word) <= 40 or "$" in word or not word[0].isdigit():
            return word
        return re.sub(r"([-/:])", r"\1\\hskip 0pt plus 4em\\relax{}", word)
    return re.sub(r"\S+", fix, tex)


def _index_sum(e) -> bool:
    """A sum of the index view beyond dense layers (tensor indices or range brackets): the
    kind whose body may be broken across rows."""
    return isinstance(e, sp.Sum) and (any(len(i.indices) >= 3 for i in e.atoms(sp.Indexed)) or
                                      any(type(a).__name__ == "Iverson" for a in sp.preorder_traversal(e)))


def _mathjax_text(text: str) -> str:
    """Prose inside \\text{} for MathJax: braces and backslashes made safe."""
    return "".join({"\\": "/", "{": "(", "}": ")", "$": "", "#": "", "%": "", "&": "and", "_": " "}.get(c, c)
                   for c in str(text))
