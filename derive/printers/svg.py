"""SVG: a ``derive.model.Diagram`` drawn as a standalone ``<svg>`` element.

The columns are placed as the LaTeX printer places them with TikZ (the same
gaps, each column centred on the middle line, captions under the columns,
the loss box to the right), one centimetre of the TikZ picture being
``UNIT`` pixels here.  Labels are text in the network's Unicode notation
(w⁽¹⁾₁₁), so the drawing needs no fonts or scripts and works inline in an
HTML page as well as in a file of its own.  Every labelled arrow carries
``data-param`` with the weight's plain name (w1_1_1), every neuron
``data-node`` with its quantity's (a1_1), every bias mark ``data-param``
(b1_1); with ``interactive`` they are also keyboard focusable, for a page
that selects a parameter on click, Enter or Space.

The output is deterministic: the same diagram gives the same bytes.
"""
from __future__ import annotations

import math
from html import escape

import sympy as sp

from .base import NO_SCHEME
from .diagram_tikz import GAP_Y, GAP_Y_EDGE, column_places, column_y
from .maps_layout import Stacks, is_empty, is_maps
from .text import UnicodeExprPrinter, columns as text_columns

UNIT = 50.0          # pixels per TikZ centimetre
RADIUS = 0.5         # a neuron: 10 mm across, as in TikZ
FONT = 13            # neuron labels (TikZ \footnotesize)
SMALL = 11           # weight labels (\scriptsize)
CAPTION = 13         # captions and the loss box (\small)
BIAS = 14            # side of a bias mark, pixels
PAD = 12             # margin around the drawing, pixels
ARROW = "cr-arrow"   # marker id (prefixed by ``uid``)
WINDOWS = ("#1f5fbf", "#c0392b")   # one window's colour, the next one's (as TikZ's blue, red)
LIFT = 0.2           # how high a skip arcs, per unit of the distance it spans
DRAWN_ARROWS = 6     # arrows out of a column this tall or shorter get heads (the handout's six)


def diagram_svg(diagram, names=None, *, interactive: bool = False, uid: str = "cr", spread: float = 1.0) -> str:
    """The diagram as one ``<svg>`` element (with the SVG namespace, so that
    it is also a valid file on its own).  ``names`` is the network's naming
    scheme (how w1_1_1 prints); ``uid`` prefixes the element ids, so that
    several drawings can share a page; ``interactive`` makes every named
    weight and bias focusable (tabindex 0, role button); ``spread`` widens
    the gaps between columns (a tall drawing whose every arrow is drawn)."""
    return _Svg(diagram, names or NO_SCHEME, interactive, uid, spread).draw()


def diagram_rows(diagram, names=None, *, uid: str = "cr", spread: float = 1.0, most: float = 460.0):
    """The diagram for a narrow screen: ``(svg, rows)``, where ``svg`` is the
    drawing with its picture in one group ``#{uid}-all`` and ``rows`` the
    pieces of it, left to right, to show one under the other: ``[(x, width,
    height)]`` in the drawing's pixels, each cut between two columns (never
    through one, nor through a skip's arc when it can be helped) and at most
    ``most`` wide, as few as can be and the widest as narrow as can be.  One
    row when the drawing is narrow enough or cannot be cut so
    (``row_views`` shows the rows)."""
    drawing = _Svg(diagram, names or NO_SCHEME, False, uid, spread)
    svg = drawing.draw(group=f"{uid}-all")
    rows = []
    for x0, x1 in _fewest_rows(drawing.gaps, drawing.width, most):
        inside = [(t, b) for a, b_, t, b in drawing.extents if a < x1 and b_ > x0]
        top = min((t for t, _ in inside), default=0.0)
        bottom = min(drawing.height, max((b for _, b in inside), default=drawing.height))
        rows.append((x0, top, x1 - x0, bottom - top))
    return svg, rows


def _fewest_rows(gaps, width, most) -> list[tuple[float, float]]:
    """[(x0, x1)]: the drawing [0, width] cut at some of ``gaps`` ((x, free)
    pairs, ``free`` when no skip arc crosses there) into the fewest pieces at
    most ``most`` wide, the widest as narrow as can be; cuts across an arc
    only when no other way fits.  The whole when no cut fits."""
    from itertools import combinations
    for usable in ([x for x, free in gaps if free], [x for x, _ in gaps]):
        for k in range(len(usable) + 1):
            best = None
            for chosen in combinations(usable, k):
                edges = [0.0, *chosen, width]
                widest = max(b - a for a, b in zip(edges, edges[1:]))
                if widest <= most and (best is None or widest < best[0]):
                    best = (widest, edges)
            if best is not None:
                return list(zip(best[1], best[1][1:]))
    return [(0.0, width)]


def row_views(uid: str, rows) -> str:
    """Each row of ``diagram_rows`` as an <svg> that shows that part of the
    drawing ``#{uid}-all`` (a <use> of it: nothing is drawn twice, and a
    mark's change shows in every view)."""
    out, widest = [], max(w for _, _, w, _ in rows)
    for x, y, w, h in rows:   # all at one scale: a row as wide as the widest fills the line
        out.append(f'<svg xmlns="http://www.w3.org/2000/svg" class="row" viewBox="{_n(x)} {_n(y)} {_n(w)} {_n(h)}" '
                   f'width="{_n(w)}" height="{_n(h)}" style="width: min({_n(w)}px, {100 * w / widest:.1f}%)">'
                   f'<use href="#{uid}-all"/></svg>')
    return "\n".join(out) + "\n"


def _text_width(text: str, size: float) -> float:
    """About how wide ``text`` sets at ``size`` pixels (no font metrics offline)."""
    return text_columns(text) * size * 0.6


def _n(v: float) -> str:
    """A coordinate, printed short and always the same way."""
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


class _Svg:
    def __init__(self, d, names, interactive, uid, spread=1.0):
        self.d, self.names, self.interactive, self.uid = d, names, interactive, uid
        self.exprs = UnicodeExprPrinter(names)
        self.boxes = any(self.is_box(n) for c in d.columns for n in c.neurons)
        gap_x = 3.8 if len(d.columns) <= 4 else 2.8
        self.gap_x = (3.4 if self.boxes else gap_x) * spread
        # an arrow inside a column (x_t -> h_t of an unrolled RNN) wants more room, as in TikZ
        self.gap_y = GAP_Y_EDGE if any(e.src[0] == e.dst[0] for e in d.edges) else GAP_Y
        self.tall = max((len(c.neurons) for c in d.columns), default=1)
        # stacks of feature maps set the columns' widths: the TikZ printer's places
        self.stacks = Stacks(d.columns) if any(is_maps(n) for c in d.columns for n in c.neurons) else None
        if self.stacks is not None:
            self.xs, self.low, self.sink_x = column_places(d, self.stacks, self.gap_y)
        else:
            self.xs = [i * self.gap_x for i in range(len(d.columns))]
            self.low = -(self.tall - 1) * self.gap_y / 2 - 0.7
            self.sink_x = (self.xs[-1] if self.xs else 0.0) + (2.4 if self.boxes else 2.0)

    @staticmethod
    def is_box(n) -> bool:
        """A block with text in it (a layer), not a neuron, a stack or a gap."""
        return n is not None and not is_maps(n) and not is_empty(n) and isinstance(n.label, str)

    # -- text -----------------------------------------------------------------
    def label(self, x) -> str:
        if isinstance(x, str):
            return x
        if type(x).__name__ == "Value":
            return self.exprs.doprint(x.value)
        return self.exprs.doprint(sp.sympify(x))

    @staticmethod
    def plain(x) -> str:
        """The plain name of a label that is one symbol (w1_1_1), else ''."""
        return x.name if isinstance(x, sp.Symbol) else ""

    # -- geometry (TikZ centimetres, y up) --------------------------------------
    def at(self, i: int, k: int) -> tuple[float, float]:
        return self.xs[i], column_y(self.d.columns[i], k, self.gap_y)

    def half(self, i: int, k: int) -> tuple[float, float]:
        """Half the width and height of neuron (i, k)'s shape, in centimetres."""
        n = self.d.columns[i].neurons[k]
        if is_empty(n):
            return 0.0, 0.0
        if is_maps(n):
            w, h = self.stacks.size(n)
            return w / 2, h / 2
        if self.is_box(n):
            w = max(_text_width(n.label, FONT) / UNIT + 0.3, 1.0)
            return w / 2, 0.4
        return RADIUS, RADIUS

    def boundary(self, i, k, towards) -> tuple[float, float]:
        """Where the line from the centre of (i, k) towards a point leaves its shape."""
        x, y = self.at(i, k)
        dx, dy = towards[0] - x, towards[1] - y
        length = math.hypot(dx, dy) or 1.0
        hw, hh = self.half(i, k)
        n = self.d.columns[i].neurons[k]
        if self.is_box(n) or is_maps(n):   # a rectangle
            scale = min(hw / abs(dx) if dx else math.inf, hh / abs(dy) if dy else math.inf)
            return x + dx * scale, y + dy * scale
        return x + dx / length * hw, y + dy / length * hw

    def sink_at(self) -> tuple[float, float]:
        last = self.d.columns[-1]
        feeds = [column_y(last, k, self.gap_y) for k, n in enumerate(last.neurons) if n is not None and not is_empty(n)]
        return self.sink_x, (max(feeds) + min(feeds)) / 2 if feeds else 0.0   # level with what feeds it

    def sink_half(self) -> tuple[float, float]:
        w = max((_text_width(line, CAPTION) for line in self.d.sink), default=0) / UNIT + 0.4
        return w / 2, (len(self.d.sink) * CAPTION * 1.25) / UNIT / 2 + 0.15

    # -- drawing ---------------------------------------------------------------
    def draw(self, group: str = "") -> str:
        """The <svg>; with ``group``, its picture inside <g id="group"> (for a
        <use> to show parts of it)."""
        d = self.d
        low = self.low      # top of the captions
        caption_lines = max((len(c.caption) for c in d.columns), default=0)
        xs, ys, spans = [], [], []
        for i, col in enumerate(d.columns):
            first, low_y = len(xs), len(ys)
            for k in range(len(col.neurons)):
                x, y = self.at(i, k)
                hw, hh = self.half(i, k)
                xs += [x - hw, x + hw]
                ys += [y - hh, y + hh + (0.3 if self.bias_of(i, k) is not None else 0)]
            w = max((_text_width(c, CAPTION) for c in col.caption), default=0) / UNIT / 2
            xs += [self.xs[i] - w, self.xs[i] + w]
            spans.append((min(xs[first:]), max(xs[first:]), max(ys[low_y:], default=0.0),
                          min(ys[low_y:] + [low - len(col.caption) * CAPTION * 1.3 / UNIT])))
        ys.append(low - caption_lines * CAPTION * 1.3 / UNIT)
        ys += [self.arc_top(e) + 0.3 for e in d.edges if e.skip]
        if d.sink:
            sx, sy = self.sink_at()
            hw, hh = self.sink_half()
            xs += [sx - hw, sx + hw]
            ys += [sy - hh, sy + hh]
        if d.sink:
            spans.append((sx - hw, sx + hw, sy + hh, sy - hh))
        spans += [(self.xs[e.src[0]], self.xs[e.dst[0]]) + (self.arc_top(e) + 0.3,) * 2 for e in d.edges if e.skip]
        self.x0, self.y1 = min(xs), max(ys)
        width = (max(xs) - self.x0) * UNIT + 2 * PAD
        height = (self.y1 - min(ys)) * UNIT + 2 * PAD
        self.width, self.height = width, height
        # where the drawing may be cut (pixels): between two columns, free when no skip arcs over
        arcs = [(self.xs[e.src[0]], self.xs[e.dst[0]]) for e in d.edges if e.skip]
        columns = sorted(spans[:len(d.columns) + bool(d.sink)])
        self.gaps = []
        for (_, right, _, _), (left, _, _, _) in zip(columns, columns[1:]):
            if left > right:
                mid = (left + right) / 2
                self.gaps.append((PAD + (mid - self.x0) * UNIT, not any(a < mid < b for a, b in arcs)))
        # the top and bottom of what is drawn, by where (pixels): a row needs no more height than its own
        self.extents = [(PAD + (a - self.x0) * UNIT, PAD + (b - self.x0) * UNIT, (self.y1 - top) * UNIT,
                         2 * PAD + (self.y1 - bottom) * UNIT) for a, b, top, bottom in spans]
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="network" viewBox="0 0 {_n(width)} {_n(height)}" '
               f'width="{_n(width)}" height="{_n(height)}" role="group" font-family="sans-serif">',
               "<defs>"
               f'<marker id="{self.uid}-{ARROW}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" '
               f'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#444"/>'
               "</marker></defs>"]
        if group:
            out.append(f'<g id="{group}">')
        out += self.skips()
        out += self.neurons()
        out += self.edges()
        out += self.captions(low)
        out += self.sink()
        if group:
            out.append("</g>")
        out.append("</svg>")
        return "\n".join(out) + "\n"

    def px(self, x: float, y: float) -> tuple[str, str]:
        return _n(PAD + (x - self.x0) * UNIT), _n(PAD + (self.y1 - y) * UNIT)

    def focus(self) -> str:
        return ' tabindex="0" role="button"' if self.interactive else ""

    def arc_top(self, e) -> float:
        """The height a skip's arc reaches (its + sits there)."""
        (x1, y1), (x2, y2) = self.at(*e.src), self.at(*e.dst)
        return max(y1 + self.half(*e.src)[1], y2 + self.half(*e.dst)[1]) + 0.75 * LIFT * (x2 - x1)

    def skips(self) -> list[str]:
        """A residual block's skip: an arc over the columns between, from the top
        of its source to the top of its target, marked +."""
        out = []
        for e in self.d.edges:
            if not e.skip:
                continue
            (x1, y1), (x2, y2) = self.at(*e.src), self.at(*e.dst)
            t1, t2 = y1 + self.half(*e.src)[1], y2 + self.half(*e.dst)[1]
            lift = LIFT * (x2 - x1)
            (a, b), (c, d), (f, g), (h, k) = (self.px(x1, t1), self.px(x1 + 0.3 * (x2 - x1), t1 + lift),
                                              self.px(x2 - 0.3 * (x2 - x1), t2 + lift), self.px(x2, t2))
            (mx, my) = self.px((x1 + x2) / 2, self.arc_top(e))
            out.append(f'<g class="skip"><path d="M{a},{b} C{c},{d} {f},{g} {h},{k}" fill="none" stroke="#b35900" '
                       f'stroke-width="1.6" marker-end="url(#{self.uid}-{ARROW})"/>'
                       f'<text x="{mx}" y="{my}" font-size="{CAPTION}" text-anchor="middle" '
                       f'dominant-baseline="central" fill="#b35900">+</text></g>')
        return out

    def window(self, e, color: str) -> list[str]:
        """The window (kernel or pooling) on the source stack's front map, the
        entry of the next stack it makes, and the lines joining them."""
        src, dst = (self.d.columns[e.src[0]].neurons[e.src[1]], self.d.columns[e.dst[0]].neurons[e.dst[1]])
        win, cell = self.stacks.window(src, self.xs[e.src[0]], dst, self.xs[e.dst[0]])
        out = []
        for r, opacity in ((win, "0.15"), (cell, "0.5")):
            (x0, y0), (x1, y1) = self.px(r.x0, r.y1), self.px(r.x1, r.y0)
            out.append(f'<rect class="window" x="{x0}" y="{y0}" width="{_n(float(x1) - float(x0))}" '
                       f'height="{_n(float(y1) - float(y0))}" fill="{color}" fill-opacity="{opacity}" '
                       f'stroke="{color}" stroke-width="2"/>')
        tip = self.px((cell.x0 + cell.x1) / 2, (cell.y0 + cell.y1) / 2)
        for corner in ((win.x1, win.y1), (win.x1, win.y0)):
            a = self.px(*corner)
            out.append(f'<line class="window" x1="{a[0]}" y1="{a[1]}" x2="{tip[0]}" y2="{tip[1]}" '
                       f'stroke="{color}" stroke-width="1"/>')
        return out

    def edges(self) -> list[str]:
        """Unnamed arrows first (grey, thin), then the named ones over them, as in TikZ;
        between two stacks of maps, the window that makes one entry instead."""
        out, windows = [], 0
        for e in self.d.edges:
            src, dst = (self.d.columns[e.src[0]].neurons[e.src[1]], self.d.columns[e.dst[0]].neurons[e.dst[1]])
            if not e.skip and is_maps(src) and is_maps(dst) and dst.kernel is not None:
                out += self.window(e, WINDOWS[windows % len(WINDOWS)])
                windows += 1
        for named in (False, True):
            for e in self.d.edges:
                src, dst = (self.d.columns[e.src[0]].neurons[e.src[1]], self.d.columns[e.dst[0]].neurons[e.dst[1]])
                if e.skip or (is_maps(src) and is_maps(dst) and dst.kernel is not None):
                    continue
                if (e.label is not None) != named:
                    continue
                # from a column of more than DRAWN_ARROWS neurons the heads would merge into a blot
                crowded = len(self.d.columns[e.src[0]].neurons) > DRAWN_ARROWS
                arrow = "" if crowded else f' marker-end="url(#{self.uid}-{ARROW})"'
                a = self.boundary(*e.src, self.at(*e.dst))
                b = self.boundary(*e.dst, self.at(*e.src))
                (x1, y1), (x2, y2) = self.px(*a), self.px(*b)
                line = f'x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"'
                if not named:
                    out.append(f'<line class="edge" {line} stroke="#999" stroke-width="1"{arrow}/>')
                    continue
                text = escape(self.label(e.label))
                param = self.plain(e.label)
                data = f' data-param="{escape(param)}"' if param else ""
                lx, ly = self.px(a[0] + 0.3 * (b[0] - a[0]), a[1] + 0.3 * (b[1] - a[1]))
                out.append(f'<g class="edge named"{data}{self.focus()} aria-label="{text}">'
                           f"<title>{text}</title>"
                           f'<line class="hit" {line} stroke="transparent" stroke-width="12"/>'
                           f'<line class="wire" {line} stroke="#222" stroke-width="1.6"{arrow}/>'
                           f'<text class="elabel" x="{lx}" y="{ly}" font-size="{SMALL}" text-anchor="middle" '
                           f'dominant-baseline="central" paint-order="stroke" stroke="#fff" stroke-width="4" '
                           f'stroke-linejoin="round" fill="#000">{text}</text></g>')
        return out

    def bias_of(self, i, k):
        n = self.d.columns[i].neurons[k]
        return getattr(n, "bias", None)

    def neurons(self) -> list[str]:
        out = []
        for i, col in enumerate(self.d.columns):
            for k, n in enumerate(col.neurons):
                x, y = self.at(i, k)
                cx, cy = self.px(x, y)
                if n is None:
                    out.append(f'<text class="gap" x="{cx}" y="{cy}" font-size="{FONT + 4}" text-anchor="middle" '
                               f'dominant-baseline="central">⋮</text>')
                    continue
                if is_empty(n):
                    continue
                if is_maps(n):
                    out.append(self.stack(n, x))
                    continue
                text = escape(self.label(n.label))
                fill = "#eee" if n.shaded else "#fff"
                node = self.plain(n.label)
                data = f' data-node="{escape(node)}"' if node else ""
                if self.is_box(n):
                    hw, hh = self.half(i, k)
                    rx, ry = self.px(x - hw, y + hh)
                    shape = (f'<rect x="{rx}" y="{ry}" width="{_n(2 * hw * UNIT)}" height="{_n(2 * hh * UNIT)}" '
                             f'rx="6" fill="{fill}" stroke="#222" stroke-width="1.6"/>')
                else:
                    shape = (f'<circle cx="{cx}" cy="{cy}" r="{_n(RADIUS * UNIT)}" fill="{fill}" stroke="#222" '
                             f'stroke-width="1.6"/>')
                out.append(f'<g class="neuron"{data}>{shape}<text x="{cx}" y="{cy}" font-size="{FONT}" '
                           f'text-anchor="middle" dominant-baseline="central">{text}</text></g>')
                bias = self.bias_of(i, k)
                if bias is not None:
                    out.append(self.bias_mark(x, y, bias))
        return out

    def stack(self, maps, x: float) -> str:
        """The maps back to front, a grid on a small front map, dots for the maps not drawn."""
        fill = "#eee" if maps.shaded else "#fff"
        parts = []
        for r in self.stacks.maps(maps, x):
            (x0, y0), (x1, y1) = self.px(r.x0, r.y1), self.px(r.x1, r.y0)
            parts.append(f'<rect x="{x0}" y="{y0}" width="{_n(float(x1) - float(x0))}" '
                         f'height="{_n(float(y1) - float(y0))}" fill="{fill}" stroke="#222" stroke-width="1.6"/>')
        for x0, y0, x1, y1 in self.stacks.grid(maps, x):
            (a, b), (c, d) = self.px(x0, y0), self.px(x1, y1)
            parts.append(f'<line x1="{a}" y1="{b}" x2="{c}" y2="{d}" stroke="#aaa" stroke-width="0.8"/>')
        more = self.stacks.more(maps, x)
        if more is not None:
            mx, my = self.px(*more)
            parts.append(f'<text x="{mx}" y="{my}" font-size="{FONT + 2}" text-anchor="middle" '
                         f'dominant-baseline="central" transform="rotate(-45 {mx} {my})">⋯</text>')
        what = f"{maps.channels}×{maps.height}×{maps.width}"
        return f'<g class="maps" aria-label="{what}"><title>{what}</title>{"".join(parts)}</g>'

    def bias_mark(self, x, y, bias) -> str:
        """A small square on the neuron's upper right rim: the bias it adds."""
        d = RADIUS * math.sqrt(0.5)
        cx, cy = self.px(x + d, y + d)
        text = escape(self.label(bias))
        param = self.plain(bias)
        data = f' data-param="{escape(param)}"' if param else ""
        s = BIAS
        return (f'<g class="bias"{data}{self.focus()} aria-label="{text}"><title>{text}</title>'
                f'<rect x="{_n(float(cx) - s / 2)}" y="{_n(float(cy) - s / 2)}" width="{s}" height="{s}" rx="3" '
                f'fill="#fff" stroke="#222" stroke-width="1.2"/>'
                f'<text x="{cx}" y="{cy}" font-size="10" text-anchor="middle" dominant-baseline="central">b</text></g>')

    def captions(self, low) -> list[str]:
        out = []
        for i, col in enumerate(self.d.columns):
            if not col.caption:
                continue
            x, _ = self.px(self.xs[i], low)
            _, top = self.px(0, low)
            spans = "".join(f'<tspan x="{x}" dy="{_n(CAPTION * (1.0 if j == 0 else 1.3))}">{escape(c)}</tspan>'
                            for j, c in enumerate(col.caption))
            out.append(f'<text class="caption" x="{x}" y="{top}" font-size="{CAPTION}" '
                       f'text-anchor="middle">{spans}</text>')
        return out

    def sink(self) -> list[str]:
        d = self.d
        if not d.sink:
            return []
        sx, sy = self.sink_at()
        hw, hh = self.sink_half()
        rx, ry = self.px(sx - hw, sy + hh)
        cx, cy = self.px(sx, sy)
        out = []
        last = len(d.columns) - 1
        for k, n in enumerate(d.columns[last].neurons):
            if n is None or is_empty(n):
                continue
            a = self.boundary(last, k, (sx - hw, sy))
            (x1, y1), (x2, y2) = self.px(*a), self.px(sx - hw, sy)
            out.append(f'<line class="to-loss" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#999" '
                       f'stroke-width="1" marker-end="url(#{self.uid}-{ARROW})"/>')
        first = float(cy) - (len(d.sink) - 1) * CAPTION * 1.25 / 2
        spans = "".join(f'<tspan x="{cx}" y="{_n(first + j * CAPTION * 1.25)}">{escape(line)}</tspan>'
                        for j, line in enumerate(d.sink))
        out.append(f'<g class="loss"><rect x="{rx}" y="{ry}" width="{_n(2 * hw * UNIT)}" height="{_n(2 * hh * UNIT)}" '
                   f'rx="6" fill="#fff" stroke="#222" stroke-width="1.2"/>'
                   f'<text font-size="{CAPTION}" text-anchor="middle" dominant-baseline="central">{spans}</text></g>')
        return out


# ---------------------------------------------------------------- plots --

PLOT_W, PLOT_H = 560.0, 300.0
PLOT_MARGIN = (56.0, 16.0, 44.0, 16.0)     # left, right, bottom, top
COLOURS = ("#1f5fbf", "#c0392b", "#555", "#2e7d32")


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw)
    first = math.ceil(lo / step - 1e-9) * step
    out, v = [], first
    while v <= hi + 1e-9 * step:
        out.append(0.0 if abs(v) < step * 1e-9 else v)
        v += step
    return out


def plot_svg(plot) -> str:
    """A ``derive.model.Plot`` as an SVG line chart: each series from its
    computed points, marks or a smooth curve, axes with round ticks, a legend."""
    points = [p for s in plot.series for p in s.points]
    if not points:
        return '<svg xmlns="http://www.w3.org/2000/svg" class="plot" viewBox="0 0 10 10" width="10" height="10"/>\n'
    xs, ys = [float(x) for x, _ in points], [float(y) for _, y in points]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    if y1 == y0:
        y0, y1 = y0 - 1, y1 + 1
    pad = (y1 - y0) * 0.05
    y0, y1 = y0 - pad, y1 + pad
    left, right, bottom, top = PLOT_MARGIN
    legend = len(plot.series) * 16
    height = PLOT_H + legend
    w, h = PLOT_W - left - right, PLOT_H - top - bottom

    def X(v):
        return left + (float(v) - x0) / (x1 - x0) * w

    def Y(v):
        return top + legend + (y1 - float(v)) / (y1 - y0) * h

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="plot" viewBox="0 0 {_n(PLOT_W)} {_n(height)}" '
           f'width="{_n(PLOT_W)}" height="{_n(height)}" font-family="sans-serif" font-size="11" role="img" '
           f'aria-label="{escape(plot.ylabel)} / {escape(plot.xlabel)}">',
           f'<rect x="{_n(left)}" y="{_n(top + legend)}" width="{_n(w)}" height="{_n(h)}" fill="none" stroke="#888"/>']
    for v in _ticks(x0, x1):
        out.append(f'<line x1="{_n(X(v))}" y1="{_n(top + legend + h)}" x2="{_n(X(v))}" y2="{_n(top + legend + h + 4)}" '
                   f'stroke="#888"/><text x="{_n(X(v))}" y="{_n(top + legend + h + 16)}" text-anchor="middle">'
                   f"{escape(f'{v:.6g}')}</text>")
    for v in _ticks(y0, y1):
        out.append(f'<line x1="{_n(left - 4)}" y1="{_n(Y(v))}" x2="{_n(left)}" y2="{_n(Y(v))}" stroke="#888"/>'
                   f'<text x="{_n(left - 6)}" y="{_n(Y(v))}" text-anchor="end" dominant-baseline="central">'
                   f"{escape(f'{v:.4g}')}</text>")
    out.append(f'<text x="{_n(left + w / 2)}" y="{_n(height - 6)}" text-anchor="middle">{escape(plot.xlabel)}</text>')
    out.append(f'<text transform="translate(14 {_n(top + legend + h / 2)}) rotate(-90)" text-anchor="middle">'
               f"{escape(plot.ylabel)}</text>")
    for i, s in enumerate(plot.series):
        colour = COLOURS[i % len(COLOURS)]
        pts = " ".join(f"{_n(X(x))},{_n(Y(y))}" for x, y in s.points)
        if s.marks:
            if s.line:
                out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="1"/>')
            out += [f'<circle cx="{_n(X(x))}" cy="{_n(Y(y))}" r="{2.5 if s.line else 3.5}" fill="{colour}"/>'
                    for x, y in s.points]
        else:
            out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>')
        ly = top + 8 + i * 16
        out.append(f'<line x1="{_n(left)}" y1="{_n(ly)}" x2="{_n(left + 20)}" y2="{_n(ly)}" stroke="{colour}" '
                   f'stroke-width="2"/><text x="{_n(left + 26)}" y="{_n(ly)}" dominant-baseline="central">'
                   f"{escape(s.label)}</text>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
