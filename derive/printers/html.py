"""HTML: a derivation as one self-contained web page, maths as MathML.

``HtmlPrinter`` walks the model with ``_print_<Node>`` methods like the
other printers; the maths inside is printed by ``NetworkMathMLPrinter``
(SymPy's MathML presentation printer in the network's notation), which
current browsers render without any script.  Diagrams and plots are inline
SVG.  ``doprint`` wraps the body in the page template
(``derive/templates/page.html.j2``): inline CSS, no script, no request, so
the file works offline from ``file://`` and prints cleanly.

All text is HTML-escaped: a title or a TOML description never makes a tag.
"""
from __future__ import annotations

from html import escape
from pathlib import Path

import jinja2
import sympy as sp
from markupsafe import Markup

from ..format import fmt
from ..model import Literal
from .base import Printer
from .mathml import NetworkMathMLPrinter, slot_text
from .svg import diagram_svg, plot_svg

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# A page may load nothing: no script, style or image from anywhere but itself.
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                              undefined=jinja2.StrictUndefined)


def asset(name: str) -> Markup:
    """A stylesheet or script shipped beside the templates, to inline in a page."""
    return Markup((TEMPLATES / name).read_text(encoding="utf-8"))


def _is_value(cell) -> bool:
    return type(cell).__name__ == "Value"


class HtmlPrinter(Printer):
    def __init__(self, names=None, *, level: int = 1, uid: str = "d"):
        super().__init__(names)
        self._mathml = NetworkMathMLPrinter(self.names)
        self.level = level      # the heading level of the document's title
        self.uid = uid          # prefixes ids (diagrams), so that several printed parts can share a page
        self._figures = 0

    @property
    def names(self):
        return self._names

    @names.setter
    def names(self, scheme):   # a nested derivation prints with its own names: the maths printer follows
        self._names = scheme
        if hasattr(self, "_mathml"):
            self._mathml.scheme = scheme

    # -- maths ------------------------------------------------------------------
    def mathml(self, e) -> str:
        """The MathML of one expression, without the <math> element."""
        if isinstance(e, str):
            return f"<mtext>{escape(e)}</mtext>"
        return self._mathml.doprint(sp.sympify(e))

    def expr(self, e) -> str:
        return f"<math>{self.mathml(e)}</math>"

    def number(self, value) -> str:
        return escape(fmt(value).plain())

    @property
    def slots(self) -> dict:
        """Value.of -> slot number: numbers a page fills in again (explore)."""
        return self._mathml.slots

    @slots.setter
    def slots(self, mapping):
        self._mathml.slots = mapping

    def cell(self, value) -> str:
        if isinstance(value, str):
            return escape(value)
        if _is_value(value):
            slot = self.slots.get(value.of) if value.of is not None else None
            if slot is not None:
                return f'<span data-slot="{slot}">{escape(slot_text(value.value))}</span>'
            return self.number(value.value)
        if isinstance(value, sp.Basic) and not value.is_Number:
            return self.expr(value)
        return self.number(value)

    # -- the page ---------------------------------------------------------------
    def doprint(self, d) -> str:
        """A whole page: the template around the document's body."""
        data = getattr(d, "data", None) or {}
        return environment().get_template("page.html.j2").render(
            lang=data.get("lang", "en"), title=getattr(d, "title", ""), csp=CSP, style=asset("page.css"),
            header="", body=Markup(self._print(d)))

    def doprint_fragment(self, node) -> str:
        return self._print(node)

    def _print_document(self, d):
        h = self.level + self._depth
        out = [f'<article class="derivation"><h{h}>{escape(d.title)}</h{h}>']
        out.append(self._nested(d.body))
        out.append("</article>")
        return "\n".join(out) + "\n"

    def _heading(self, title: str, cls: str = "") -> str:
        h = min(self.level + self._depth, 6)
        attr = f' class="{cls}"' if cls else ""
        return f"<h{h}{attr}>{escape(title)}</h{h}>\n"

    def _math_run(self, run: list) -> str:
        return self._equations(run)

    # -- nodes ------------------------------------------------------------------
    def _print_Section(self, s):
        key = f' data-key="{escape(s.key)}"' if s.key else ""
        return f"<section{key}>\n" + self._heading(s.title) + self._nested(s.body) + "</section>\n"

    def _print_Text(self, t):
        return "".join(f"<p>{escape(p)}</p>\n" for p in t.text.split("\n") if p)

    def _print_Para(self, p):
        out = []
        for part in p.parts:
            if isinstance(part, (Literal, str)):
                out.append(escape(part))
            else:
                out.append(self.expr(part))
        return "<p>" + "".join(out) + "</p>\n"

    def _print_Items(self, items):
        body = "".join("<li>" + _unwrap(self._print(i)) + "</li>\n" for i in items.items)
        return "<ul>\n" + body + "</ul>\n"

    def _print_Box(self, box):
        return (f'<div class="box"><p class="box-title"><strong>{escape(box.title)}</strong></p>\n'
                + self._body(box.body) + "</div>\n")

    def _print_Exercise(self, e):
        out = '<section class="exercise">\n' + self._heading(e.title) + self._body(e.question)
        if e.answer is None:
            out += f'<div class="space" style="height:{e.space:.1f}cm"></div>\n'
        else:
            label = escape(e.label) if e.label else "…"
            out += f"<details open><summary>{label}</summary>\n" + self._body(e.answer) + "</details>\n"
        return out + "</section>\n"

    def _print_Code(self, c):
        return f'<pre class="code"><code class="language-{escape(c.language)}">{escape(c.text.rstrip())}</code></pre>\n'

    def _print_Math(self, m):
        return self._equations([m])

    def _print_Equations(self, eq):
        return self._equations(eq.lines)

    def _equations(self, lines) -> str:
        """Chains aligned on their first '=': the left side, then each
        '= part' as a piece that wraps to the next line on a narrow screen,
        the label (BP1) at the right, the note under or beside."""
        rows = []
        for m in lines:
            lhs = "" if m.parts[0] == "" else self.expr(m.parts[0])
            parts = [p for p in m.parts[1:] if not (isinstance(p, str) and p == "")]
            rhs = "".join(self._part(p) for p in parts)
            note = f'<span class="note">{escape(m.note)}</span>' if m.note else ""
            tag = f'<span class="tag">({escape(m.label)})</span>' if m.label else '<span class="tag"></span>'
            rows.append(f'<div class="eq"><span class="lhs">{lhs}</span><span class="rhs">{rhs}{note}</span>{tag}</div>')
        return '<div class="eqs">\n' + "\n".join(rows) + "\n</div>\n"

    def _part(self, p) -> str:
        """'= part': a long sum or product as one piece per term and factor,
        so that it wraps between them on a narrow screen (MathML itself does
        not break lines); a term wraps inside only when it is wider than the
        line."""
        if isinstance(p, str):
            return f'<span class="part"><math><mo form="infix">=</mo>{self.mathml(p)}</math></span>'
        pieces = self._mathml.pieces(p)
        pieces[0][0] = '<mo form="infix">=</mo>' + pieces[0][0]
        if len(pieces) == 1 and len(pieces[0]) == 1:
            return f'<span class="part"><math>{pieces[0][0]}</math></span>'
        terms = ("".join(f'<span class="factor"><math>{x}</math></span>' for x in factors) for factors in pieces)
        return '<span class="part pieces">' + "".join(f'<span class="term">{t}</span>' for t in terms) + "</span>"

    def _print_Table(self, t):
        ncol = len(t.header)
        numeric = [any(_is_value(row[i]) for row in t.rows) and
                   all(_is_value(row[i]) or row[i] == "" for row in t.rows) for i in range(ncol)]
        head = "".join(f'<th{" class=num" if numeric[i] else ""} scope="col">{escape(str(h))}</th>'
                       for i, h in enumerate(t.header))
        body = []
        for row in t.rows:
            cells = "".join(f'<td{" class=num" if numeric[i] else ""}>{self.cell(c)}</td>' for i, c in enumerate(row))
            body.append(f"<tr>{cells}</tr>")
        return ('<div class="table"><table>\n<thead><tr>' + head + "</tr></thead>\n<tbody>\n"
                + "\n".join(body) + "\n</tbody></table></div>\n")

    def _print_Diagram(self, d):
        self._figures += 1
        return f'<figure class="diagram">\n{diagram_svg(d, self.names, uid=f"{self.uid}{self._figures}")}</figure>\n'

    def _print_Plot(self, plot):
        caption = f"<figcaption>{escape(plot.caption)}</figcaption>" if plot.caption else ""
        return f'<figure class="plot">\n{plot_svg(plot)}{caption}</figure>\n'


def _unwrap(html: str) -> str:
    """A list item's paragraph without its <p>."""
    html = html.strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html
