"""Markdown with $...$ maths (GitHub and Jupyter render it)."""
from __future__ import annotations

from .base import Printer
from .latex import NetworkLatexPrinter, latex_number


class MarkdownPrinter(Printer):
    def __init__(self, names=None):
        super().__init__(names)
        self._tex = NetworkLatexPrinter(self.names)

    def expr(self, e) -> str:
        return e if isinstance(e, str) else self._tex.doprint(e)

    def number(self, value) -> str:
        return latex_number(value)

    def cell(self, value) -> str:
        text = super().cell(value)
        return text.replace("|", r"\|") if isinstance(value, str) else f"${text}$"

    def _print_document(self, d):
        return f"# {d.title}\n\n" + "\n".join(self._print(n) for n in d.body)

    def _print_Section(self, s):
        return f"## {s.title}\n\n" + "\n".join(self._print(n) for n in s.body)

    def _print_Text(self, t):
        return t.text + "\n"

    def _print_Para(self, p):
        return "".join(part if isinstance(part, str) else f"${self.expr(part)}$" for part in p.parts) + "\n"

    def _print_Items(self, items):
        return "\n".join("- " + self._print(i).strip() for i in items.items) + "\n"

    def _print_Box(self, box):
        return f"**{box.title}**\n\n" + "\n".join(self._print(n) for n in box.body)

    def _print_Exercise(self, e):
        out = f"### {e.title}\n\n" + "\n".join(self._print(n) for n in e.question)
        if e.answer is not None:
            out += (f"\n**{e.label}**\n\n" if e.label else "\n") + "\n".join(self._print(n) for n in e.answer)
        return out

    def _print_Diagram(self, d):
        return "\n".join("- " + line for line in self.diagram_lines(d, lambda e: f"${self.expr(e)}$")) + "\n"

    def _print_Code(self, c):
        return f"```{c.language}\n{c.text.rstrip()}\n```\n"

    def _print_Equations(self, eq):
        return "\n".join(self._print(m) for m in eq.lines)

    def _print_Math(self, m):
        parts = [self.expr(p) if not isinstance(p, str) else r"\text{%s}" % p for p in m.parts]
        parts = [p for p in parts if p != r"\text{}"]
        label = f"**{m.label}** " if m.label else ""
        note = f" — {m.note}" if m.note else ""
        return f"{label}$$ {' = '.join(parts)} $${note}\n"

    def _print_Plot(self, plot):
        from ..model import Table
        out = []
        for series in plot.series:
            out.append(f"*{series.label}*\n")
            out.append(self._print_Table(Table([plot.xlabel, plot.ylabel],
                                               [[f"{x:.6g}", f"{y:.6g}"] for x, y in series.points])))
        return "\n".join(out)

    def _print_Table(self, t):
        lines = ["| " + " | ".join(t.header) + " |", "|" + "---|" * len(t.header)]
        lines += ["| " + " | ".join(self.cell(c) for c in row) + " |" for row in t.rows]
        return "\n".join(lines) + "\n"
