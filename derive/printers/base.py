"""The printer base class: dispatch on the node's class name, SymPy-style."""
from __future__ import annotations

import sympy as sp

from ..format import fmt
from ..names import Scheme

NO_SCHEME = Scheme()


class Printer:
    """Subclasses define ``_print_<NodeClass>`` and ``expr``.  ``names`` is the
    network's naming scheme (how w1_2_1 prints)."""

    def __init__(self, names: Scheme | None = None):
        self.names = names or NO_SCHEME

    def doprint(self, node) -> str:
        return self._print(node)

    def _print(self, node):
        for cls in type(node).__mro__:
            method = getattr(self, f"_print_{cls.__name__}", None)
            if method is not None:
                return method(node)
        raise TypeError(f"{type(self).__name__} cannot print {type(node).__name__}")

    def _print_Derivation(self, d):
        # a derivation inside another (a handout section) prints with its own names
        saved, self.names = self.names, d.names or self.names
        try:
            return self._print_document(d)
        finally:
            self.names = saved

    def expr(self, e) -> str:
        raise NotImplementedError

    # -- documents with sections (LaTeX, HTML) ------------------------------------
    _depth = 0   # how many sections deep the printer is

    def _nested(self, nodes) -> str:
        """``nodes`` printed one section level deeper."""
        self._depth += 1
        try:
            return self._body(nodes)
        finally:
            self._depth -= 1

    def _body(self, nodes) -> str:
        """Nodes in order; consecutive displayed equations share one block,
        aligned on '=' (a run of definitions reads as one group)."""
        out, run = [], []
        for n in list(nodes) + [None]:
            if type(n).__name__ == "Math":
                run.append(n)
                continue
            if run:
                out.append(self._math_run(run))
                run = []
            if n is not None:
                out.append(self._print(n))
        return "\n".join(out)

    def _math_run(self, run: list) -> str:
        """Consecutive Math nodes, as one block."""
        raise NotImplementedError

    def diagram_lines(self, d, label) -> list[str]:
        """A Diagram as lines of text, one per column, for printers that do not
        draw: the column's neurons (``label(x)`` sets a neuron's label), a stack
        of feature maps as one square per map drawn, then its caption."""
        lines = []
        for col in d.columns:
            cells = []
            for n in col.neurons:
                if n is None:
                    cells.append("⋮")
                elif type(n).__name__ == "Empty":
                    continue
                elif type(n).__name__ == "FeatureMaps":
                    cells.append("▦" * n.drawn + ("…" if n.channels > n.drawn else ""))
                else:
                    cells.append(n.label if isinstance(n.label, str) else label(n.label))
            lines.append(" ".join(cells) + "   [" + ", ".join(col.caption) + "]")
        for e in d.edges:
            if e.skip:
                lines.append(f"↷ {d.columns[e.src[0]].caption[0]} → {d.columns[e.dst[0]].caption[0]} (+)")
        if d.sink:
            lines.append("→ " + " ".join(d.sink))
        return lines

    def number(self, value) -> str:
        return fmt(value).plain()

    def cell(self, value) -> str:
        """A table cell: text as it is, numbers by the formatter, maths by expr."""
        if isinstance(value, str):
            return value
        if type(value).__name__ == "Value":   # a number in a table: no brackets, aligned
            return self.number(value.args[0])
        if isinstance(value, sp.Basic) and not value.is_Number:
            return self.expr(value)
        return self.number(value)
