"""Markdown with $...$ maths (GitHub and Jupyter render it)."""
from __future__ import annotations

from .latex import tex
from .base import Printer


class MarkdownPrinter(Printer):
    def expr(self, e) -> str:
        return e if isinstance(e, str) else tex(e, self.L)

    def cell(self, value) -> str:
        text = super().cell(value)
        return text.replace("|", r"\|") if isinstance(value, str) else f"${text}$"

    def _print_Derivation(self, d):
        return f"# {d.title}\n\n" + "\n".join(self._print(n) for n in d.body)

    def _print_Section(self, s):
        return f"## {s.title}\n\n" + "\n".join(self._print(n) for n in s.body)

    def _print_Text(self, t):
        return t.text + "\n"

    def _print_Math(self, m):
        parts = [self.expr(p) if not isinstance(p, str) else r"\text{%s}" % p for p in m.parts]
        label = f"**{m.label}** " if m.label else ""
        note = f" — {m.note}" if m.note else ""
        return f"{label}$$ {' = '.join(parts)} $${note}\n"

    def _print_Table(self, t):
        lines = ["| " + " | ".join(t.header) + " |", "|" + "---|" * len(t.header)]
        lines += ["| " + " | ".join(self.cell(c) for c in row) + " |" for row in t.rows]
        return "\n".join(lines) + "\n"
