"""The drawing of a recurrent network unrolled over time: one column per
step, x_t below h_t (and the LSTM's cell state c_t above), h_{t-1} -> h_t
along the top, h_0 = 0 on the left, and the layers after the recurrent one
leading from h_T to the loss.  A long sequence shows its first and last
steps with a gap between."""
from __future__ import annotations

from ...layers import shape_text
from ...model import Column, Diagram, Edge, Empty, Neuron, Notation
from ..delta_kinds.common import SUB, SUP

STEPS = 5     # steps drawn; a longer sequence shows its first two, a gap, its last two


def applies(net) -> bool:
    """The first layer reads the input sequence and is recurrent."""
    return net.numbered[0].kind == "recurrent"


def steps(T: int) -> list:
    return list(range(1, T + 1)) if T <= STEPS else [1, 2, None, T - 1, T]


def _vec(name: str, t) -> Notation:
    sub = str(t).translate(SUB)
    return Notation(f"{name}{sub}", r"\mathbf{%s}_{%s}" % (name, t))


def _weight(kind: str, l: int) -> Notation:
    sup = str(l).translate(SUP)
    return Notation(f"W{'ₓ' if kind == 'x' else 'ₕ'}⁽{sup}⁾", r"W_{%s}^{(%d)}" % (kind, l))


def unrolled_diagram(net, t) -> Diagram:
    layer = net.numbered[0]
    T = net.input[0]
    lstm = layer.cell == "lstm"
    rows = (["c"] if lstm else []) + ["h", "x"]
    at = {name: i for i, name in enumerate(rows)}

    def column(cells: dict, caption: list) -> Column:
        return Column([cells.get(name, Empty()) for name in rows], caption)

    start = {"h": Neuron(_vec("h", 0), shaded=True)}
    if lstm:
        start["c"] = Neuron(_vec("c", 0), shaded=True)
    columns = [column(start, [t("unroll.start_lstm" if lstm else "unroll.start")])]
    edges = []
    last = 0
    for s in steps(T):
        if s is None:
            columns.append(column({}, ["…"]))
            continue
        i = len(columns)
        cells = {"h": Neuron(_vec("h", s)), "x": Neuron(_vec("x", s), shaded=True)}
        if lstm:
            cells["c"] = Neuron(_vec("c", s))
        columns.append(column(cells, [t("unroll.step", t=s)]))
        first = s == 1
        edges.append(Edge((i, at["x"]), (i, at["h"]), _weight("x", layer.l) if first else None))
        edges.append(Edge((last, at["h"]), (i, at["h"]), _weight("h", layer.l) if first else None))
        if lstm:
            edges.append(Edge((last, at["c"]), (i, at["c"])))
            edges.append(Edge((i, at["c"]), (i, at["h"])))
        last = i
    shapes = net.shapes()
    after = net.numbered[1:]
    for k, later in enumerate(after):
        columns.append(column({"h": Neuron(later.token())},
                              [t("handout.layer", l=later.l), shape_text(shapes[later.l])]))
        edges.append(Edge((len(columns) - 2 if k else last, at["h"]), (len(columns) - 1, at["h"])))
    if not after:   # the loss reads h_T itself
        columns.append(column({"h": Neuron(Notation("ŷ", r"\hat{\mathbf{y}}"))}, [t("unroll.output")]))
        edges.append(Edge((last, at["h"]), (len(columns) - 1, at["h"])))
    return Diagram(columns, edges, sink=[t("handout.loss"), net.loss])


def caption(net, t) -> str:
    layer = net.numbered[0]
    T = net.input[0]
    parts = [t("unroll.caption", cell=layer.cell, T=T, l=str(layer.l).translate(SUP))]
    if T > STEPS:
        parts.append(t("unroll.gap", first=3, last=T - 2))
    if layer.cell == "lstm":
        parts.append(t("unroll.lstm"))
    if layer.cell == "gru":
        parts.append(t("unroll.gru"))
    return " ".join(parts)
