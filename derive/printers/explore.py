"""The explore page: a ``derive.model.Explorer`` as one self-contained HTML file.

The page holds the network drawn as SVG (every weight and bias a focusable
mark with ``data-param``), each parameter's derivation printed by
``HtmlPrinter`` into an inert ``<template>``, the matrix view, and the
derivation's computation printed as JavaScript (``derive.printers.js``).
The small script shipped beside the template (``explore.js``) only shows
and hides what was printed here, calls that computation and writes its
numbers into the marked places: it derives nothing.
"""
from __future__ import annotations

import re

from markupsafe import Markup

from .html import CSP, HtmlPrinter, asset, environment
from .js import program_js
from .mathml import slot_text
from .svg import diagram_rows, diagram_svg, row_views

PHONE_ROW = 460   # pixels: a drawing's row on a phone (about 355 px) shrinks to no less than 3/4


def _min_width(svg: str) -> int:
    """The narrowest the drawing may be shown (pixels): on a phone it scrolls
    sideways rather than shrinking its labels below reading size."""
    m = re.search(r'width="([\d.]+)"', svg)
    return int(float(m.group(1)) * 0.62) if m else 0


class ExplorePrinter(HtmlPrinter):
    def __init__(self, names=None):
        super().__init__(names, level=2, uid="x")

    def doprint(self, e, header: str = "") -> str:
        self.names = e.names or self.names
        program = e.program
        self.slots = {key: i for i, (key, _) in enumerate(program.slots)} if program is not None else {}
        templates = []
        for name, section in e.parameters:
            templates.append((name, Markup(self._print(section))))
        matrix = Markup(self._body(e.matrix))
        loss = self.slots.get("J")
        loss_text = slot_text(e.data["loss"]) if "loss" in e.data else "—"
        options = [(name, self._mathml_text(name)) for name, _ in e.parameters]
        tall = max((len(c.neurons) for c in e.diagram.columns), default=1)
        spread = min(2.0, max(1.0, tall / 8))
        # marks to click only where there are derivations to show
        svg = diagram_svg(e.diagram, self.names, interactive=bool(e.parameters), uid="net", spread=spread)
        rows = ""
        if "data-param" not in svg:   # nothing to click in it: on a phone, in rows one under the other
            whole, parts = diagram_rows(e.diagram, self.names, uid="net", spread=spread, most=PHONE_ROW)
            if len(parts) > 1:
                svg, rows = whole, Markup(row_views("net", parts))
        return environment().get_template("explore.html.j2").render(
            lang=e.data.get("lang", "en"), title=e.title, csp=CSP, header=Markup(header),
            style=asset("page.css"), explore_style=asset("explore.css"), words=e.words,
            intro=Markup("".join(self._print(n) for n in e.intro)),
            drawing=Markup(svg), min_width=_min_width(svg), rows=rows,
            chips=[] if _all_drawn(e) else self._chips(e),
            options=options, templates=templates, matrix=matrix,
            program=Markup(program_js(program)) if program is not None else "",
            runtime=asset("explore.js"), has_program=program is not None, loss_slot=loss, loss_text=loss_text)

    def _mathml_text(self, name: str) -> str:
        """A parameter's name as the text printer writes it (w⁽¹⁾₂₁), for the list."""
        return self.names.unicode(name)

    def _chips(self, e) -> list:
        """Parameters of a drawing without edges (blocks), grouped by array:
        [(array label, [(plain name, shown name)])]."""
        groups, order = {}, []
        for name, _ in e.parameters:
            key = name.split("_")[0]
            if key not in groups:
                groups[key] = []
                order.append(key)
            groups[key].append((name, self.names.unicode(name)))
        return [(key, groups[key]) for key in order]


def _all_drawn(e) -> bool:
    """Whether every parameter is a mark of the drawing (a dense network's
    arrows and bias squares); else they get buttons under it."""
    marks = {str(x.label) for x in e.diagram.edges if x.label is not None}
    marks |= {str(n.bias) for c in e.diagram.columns for n in c.neurons if getattr(n, "bias", None) is not None}
    return all(name in marks for name, _ in e.parameters)
