"""The text of a quiz question as HTML with its maths in MathJax TeX.

Moodle shows a question's text as HTML and typesets TeX between \\( \\)
(inline) and \\[ \\] (displayed) with its MathJax filter.  Prose is
HTML-escaped; the maths is the LaTeX printer's, so a question reads the
same as on the printed exam.  The exam's Moodle XML and GIFT printers use
this for the question, the prompt and the worked solution (feedback)."""
from __future__ import annotations

import html

from ..model import Literal
from .latex import LatexPrinter, latex_number, mathjax_text, prose


def inline(tex_: str) -> str:
    return r"\(" + html.escape(tex_, quote=False) + r"\)"


def prose_html(text: str) -> str:
    """Prose: notation runs (w⁽¹⁾₂₁, ∂J/∂ŷ) as inline maths, the rest escaped."""
    return prose(text, math=inline, plain=lambda s: html.escape(s, quote=False))


class QuizHtmlPrinter(LatexPrinter):
    """Question nodes as HTML; maths as MathJax TeX."""

    def doprint(self, node) -> str:
        return self._print(node)

    def expr(self, e) -> str:
        if isinstance(e, str):
            return r"\text{%s}" % mathjax_text(e)
        return super().expr(e)

    def _body(self, nodes) -> str:
        return "".join(self._print(n) for n in nodes)

    def _print_Para(self, p):
        out = []
        for part in p.parts:
            if isinstance(part, Literal):
                out.append(html.escape(part, quote=False))
            elif isinstance(part, str):
                out.append(prose_html(part))
            else:
                out.append(inline(self.expr(part)))
        return "<p>" + "".join(out) + "</p>"

    def _print_Text(self, t):
        return "".join("<p>" + prose_html(p) + "</p>" for p in t.text.split("\n") if p)

    def _print_Math(self, m):
        return r"<p>\[" + html.escape(self.mathjax_chain(m), quote=False) + r"\]</p>"

    def _print_Equations(self, eq):
        return "".join(self._print_Math(m) for m in eq.lines)

    def _print_Items(self, items):
        return "<ul>" + "".join("<li>" + self._print(i) + "</li>" for i in items.items) + "</ul>"

    def _print_Table(self, t):
        head = "".join("<th>" + prose_html(h) + "</th>" for h in t.header)
        rows = "".join("<tr>" + "".join("<td>" + self._cell_html(c) + "</td>" for c in row) + "</tr>"
                       for row in t.rows)
        return "<table><tr>" + head + "</tr>" + rows + "</table>"

    def _cell_html(self, c) -> str:
        if isinstance(c, str):
            return prose_html(c)
        if type(c).__name__ == "Value":
            return inline(latex_number(c.value))
        return inline(self.expr(c))

    def _print_Diagram(self, d):
        return ""   # a picture goes in as an image, by the quiz printer

    def _print_Exercise(self, e):
        return self._body(e.question)

    def _print_Section(self, s):
        return "<h4>" + prose_html(s.title) + "</h4>" + self._body(s.body)
