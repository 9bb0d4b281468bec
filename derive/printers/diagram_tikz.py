"""A Diagram drawn with TikZ: columns side by side, each centred on the
middle line, the named weights labelled near their source, where their
arrows part; image layers as stacks of feature maps with the window that
makes one entry of the next stack (``maps_layout`` places them)."""
from __future__ import annotations

from .maps_layout import Stacks, is_empty, is_maps

GAP_Y = 1.35        # between two neurons of a column
GAP_Y_EDGE = 2.0    # ... when an arrow joins two neurons of one column (x_t -> h_t), to leave it room
GAP = 0.6           # between two columns' widest parts, when stacks set the widths
CHAR = 0.19         # width of a character of a caption (\small), cm
BLOCK_CHAR = 0.16   # of a block's text (\footnotesize)
WINDOWS = ("blue", "red")   # one window's colour, the next one's, ...

STYLES = (r"\begin{tikzpicture}[x=1cm,y=1cm,"
          r"neuron/.style={circle,draw,thick,minimum size=10mm,inner sep=0pt,font=\footnotesize},"
          r"block/.style={rectangle,rounded corners,draw,thick,minimum height=8mm,inner sep=3pt,"
          r"font=\footnotesize,align=center},"
          r"map/.style={draw,thick,fill=white},"
          r"wlabel/.style={font=\scriptsize,fill=white,inner sep=1pt}]")


def tikz_diagram(d, math, prose) -> str:
    """``math(e)`` sets an expression inline, ``prose(text)`` typesets text."""
    stacks = Stacks(d.columns) if any(is_maps(n) for c in d.columns for n in c.neurons) else None
    gap_y = GAP_Y_EDGE if any(e.src[0] == e.dst[0] for e in d.edges) else GAP_Y
    xs, low, sink_x = column_places(d, stacks, gap_y)
    lines = [STYLES]
    for i, col in enumerate(d.columns):
        x = xs[i]
        for k, n in enumerate(col.neurons):
            y = column_y(col, k, gap_y)
            if is_empty(n):
                continue
            if n is None:
                lines.append(rf"\node at ({x:.2f},{y:.2f}) {{$\vdots$}};")
            elif is_maps(n):
                lines += _stack(stacks, n, x, f"n{i}_{k}")
            else:
                style, text = ("block", prose(n.label)) if isinstance(n.label, str) else ("neuron", math(n.label))
                if n.shaded:
                    style += ",fill=gray!10"
                lines.append(rf"\node[{style}] (n{i}_{k}) at ({x:.2f},{y:.2f}) {{{text}}};")
    named, windows = {}, 0
    for e in d.edges:
        src, dst = (d.columns[e.src[0]].neurons[e.src[1]], d.columns[e.dst[0]].neurons[e.dst[1]])
        if e.skip:   # over the columns between, leaving the source's top and landing on the target's
            lines.append(rf"\draw[->,thick,orange!80!black] (n{e.src[0]}_{e.src[1]}.north) to[out=50,in=130] "
                         rf"node[wlabel,above] {{$+$}} (n{e.dst[0]}_{e.dst[1]}.north);")
        elif is_maps(src) and is_maps(dst) and dst.kernel is not None:
            lines += _window(stacks, src, xs[e.src[0]], dst, xs[e.dst[0]], WINDOWS[windows % len(WINDOWS)])
            windows += 1
        elif e.label is None:
            lines.append(rf"\draw[->,gray!70] (n{e.src[0]}_{e.src[1]}) -- (n{e.dst[0]}_{e.dst[1]});")
        else:
            named[(e.src, e.dst)] = e.label
    for (src, dst), label in named.items():
        where = "midway,right=2pt" if src[0] == dst[0] else "pos=0.3"   # beside an arrow up a column
        lines.append(rf"\draw[->,thick] (n{src[0]}_{src[1]}) -- node[wlabel,{where}] "
                     rf"{{{math(label)}}} (n{dst[0]}_{dst[1]});")
    for i, col in enumerate(d.columns):
        caption = r"\\ ".join(prose(c) for c in col.caption)
        lines.append(rf"\node[font=\small,align=center,anchor=north] at ({xs[i]:.2f},{low:.2f}) "
                     rf"{{{caption}}};")
    if d.sink:
        last = len(d.columns) - 1
        sink = r"\\ ".join(prose(c) for c in d.sink)
        feeds = [column_y(d.columns[last], k, gap_y) for k, n in enumerate(d.columns[last].neurons)
                 if n is not None and not is_empty(n)]
        sink_y = (max(feeds) + min(feeds)) / 2 if feeds else 0.0   # level with what feeds it
        lines.append(rf"\node[draw,rounded corners,font=\small,align=center] (sink) at ({sink_x:.2f},{sink_y:.2f}) "
                     rf"{{{sink}}};")
        for k, n in enumerate(d.columns[last].neurons):
            if n is not None and not is_empty(n):
                lines.append(rf"\draw[->,gray!70] (n{last}_{k}) -- (sink);")
    lines.append(r"\end{tikzpicture}")
    return ("\\begin{center}\n\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}{%\n"
            + "\n".join(lines) + "%\n}\n\\end{center}\n")


def column_y(col, k: int, gap_y: float) -> float:
    """Where the k-th neuron of a column sits: the column centred on the middle line."""
    return (len(col.neurons) - 1) * gap_y / 2 - k * gap_y


def column_places(d, stacks, gap_y) -> tuple[list[float], float, float]:
    """Each column's x, the top of the captions, and the loss box's x."""
    tall = max(len(c.neurons) for c in d.columns)
    boxes = any(isinstance(n.label, str) for c in d.columns for n in c.neurons
                if n is not None and not is_maps(n) and not is_empty(n))
    if stacks is None:   # neurons and blocks: evenly spaced
        gap_x = 3.4 if boxes else (3.8 if len(d.columns) <= 4 else 2.8)
        xs = [i * gap_x for i in range(len(d.columns))]
        return xs, -(tall - 1) * gap_y / 2 - 0.7, xs[-1] + (2.4 if boxes else 2.0)
    bodies = [max(_body(stacks, n)[0] for n in c.neurons) for c in d.columns]
    widths = [max(b, CHAR * max(map(len, c.caption), default=0)) for b, c in zip(bodies, d.columns)]
    xs, x = [], 0.0
    for i, w in enumerate(widths):
        x = w / 2 if i == 0 else x + widths[i - 1] / 2 + GAP + w / 2
        xs.append(x)
    height = max(max(_body(stacks, n)[1] for n in c.neurons) if len(c.neurons) == 1 else len(c.neurons) * gap_y
                 for c in d.columns)
    sink = CHAR * max(map(len, map(str, d.sink)), default=0) + 0.3
    return xs, -height / 2 - 0.35, xs[-1] + bodies[-1] / 2 + 1.0 + sink / 2


def _body(stacks, n) -> tuple[float, float]:
    """Width and height of what a column draws for ``n``."""
    if n is None or is_empty(n):
        return 0.3, 0.5
    if is_maps(n):
        return stacks.size(n)
    if isinstance(n.label, str):
        return BLOCK_CHAR * len(n.label) + 0.3, 0.8
    return 1.0, 1.0


def _stack(stacks, maps, x, name) -> list[str]:
    """The maps back to front, and an invisible node around them that arrows meet."""
    fill = ",fill=gray!10" if maps.shaded else ""
    out = [rf"\draw[map{fill}] ({r.x0:.2f},{r.y0:.2f}) rectangle ({r.x1:.2f},{r.y1:.2f});"
           for r in stacks.maps(maps, x)]
    out += [rf"\draw[gray!60] ({x0:.2f},{y0:.2f}) -- ({x1:.2f},{y1:.2f});" for x0, y0, x1, y1 in stacks.grid(maps, x)]
    more = stacks.more(maps, x)
    if more is not None:
        out.append(rf"\node[rotate=45,inner sep=0pt,font=\large] at ({more[0]:.2f},{more[1]:.2f}) {{$\cdots$}};")
    w, h = stacks.size(maps)
    out.append(rf"\node[minimum width={w:.2f}cm,minimum height={h:.2f}cm,inner sep=0pt] ({name}) at ({x:.2f},0) {{}};")
    return out


def _window(stacks, src, x_src, dst, x_dst, color) -> list[str]:
    """The window on the input's front map, the entry it makes, and the lines
    from the one to the other."""
    win, cell = stacks.window(src, x_src, dst, x_dst)
    tip = ((cell.x0 + cell.x1) / 2, (cell.y0 + cell.y1) / 2)
    return [rf"\draw[very thick,{color}!70!black,fill={color},fill opacity=0.15] ({win.x0:.2f},{win.y0:.2f}) rectangle ({win.x1:.2f},{win.y1:.2f});",
            rf"\draw[thick,{color}!70!black,fill={color}!50] ({cell.x0:.2f},{cell.y0:.2f}) rectangle ({cell.x1:.2f},{cell.y1:.2f});",
            rf"\draw[{color}!70!black] ({win.x1:.2f},{win.y1:.2f}) -- ({tip[0]:.2f},{tip[1]:.2f}) "
            rf"-- ({win.x1:.2f},{win.y0:.2f});"]
