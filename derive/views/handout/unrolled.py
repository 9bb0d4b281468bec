"""The drawing of a recurrent network unrolled over time: one column per
step, x_t below h_t (and the LSTM's cell state c_t above), h_{t-1} -> h_t
along the top, h_0 = 0 on the left, and the layers after the recurrent one
leading from h_T to the loss.  A long sequence shows its first and last
steps with a gap between.  Layers before the recurrent one (dropout, layer
norm on the sequence) act on the whole sequence: they are drawn as blocks
on the left, in the bottom row, and the steps read their output a_t."""
from __future__ import annotations

from ...layers import shape_text
from ...model import Column, Diagram, Edge, Empty, Neuron, Notation
from ..delta_kinds.common import SUB, SUP

STEPS = 5     # steps drawn; a longer sequence shows its first two, a gap, its last two


def applies(net) -> bool:
    """The network has a recurrent layer, and only whole layers (no
    residual block, whose skip this drawing has no room for) before it."""
    from ...layers import Residual
    for layer in net.layers:
        if layer.kind == "recurrent":
            return True
        if isinstance(layer, Residual):
            return False
    return False


def _recurrent(net):
    """The recurrent layer and the layers before it."""
    k = next(i for i, layer in enumerate(net.numbered) if layer.kind == "recurrent")
    return net.numbered[k], net.numbered[:k]


def steps(T: int) -> list:
    return list(range(1, T + 1)) if T <= STEPS else [1, 2, None, T - 1, T]


def _vec(name: str, t) -> Notation:
    sub = str(t).translate(SUB)
    return Notation(f"{name}{sub}", r"\mathbf{%s}_{%s}" % (name, t))


def _weight(kind: str, l: int) -> Notation:
    sup = str(l).translate(SUP)
    return Notation(f"W{'ₓ' if kind == 'x' else 'ₕ'}⁽{sup}⁾", r"W_{%s}^{(%d)}" % (kind, l))


def _input(before, s) -> Notation:
    """What step s reads: x_s, or a^(l-1)_s when layers come before."""
    if not before:
        return _vec("x", s)
    l = before[-1].l
    return Notation(f"a⁽{str(l).translate(SUP)}⁾{str(s).translate(SUB)}", r"\mathbf{a}^{(%d)}_{%s}" % (l, s))


def unrolled_diagram(net, t) -> Diagram:
    layer, before = _recurrent(net)
    T = net.input[0]
    lstm = layer.cell == "lstm"
    rows = (["c"] if lstm else []) + ["h", "x"]
    at = {name: i for i, name in enumerate(rows)}

    def column(cells: dict, caption: list) -> Column:
        return Column([cells.get(name, Empty()) for name in rows], caption)

    shapes = net.shapes()
    columns, edges = [], []
    if before:   # the whole sequence through the layers before, as blocks in the bottom row
        columns.append(column({"x": Neuron("x", shaded=True)}, [t("handout.input"), shape_text(net.input)]))
        for pre in before:
            columns.append(column({"x": Neuron(pre.token())}, [t("handout.layer", l=pre.l), shape_text(shapes[pre.l])]))
            edges.append(Edge((len(columns) - 2, at["x"]), (len(columns) - 1, at["x"])))
    feed = len(columns) - 1   # the last block before the steps, or -1
    start = {"h": Neuron(_vec("h", 0), shaded=True)}
    if lstm:
        start["c"] = Neuron(_vec("c", 0), shaded=True)
    columns.append(column(start, [t("unroll.start_lstm" if lstm else "unroll.start")]))
    last = len(columns) - 1
    for s in steps(T):
        if s is None:
            columns.append(column({}, ["…"]))
            continue
        i = len(columns)
        cells = {"h": Neuron(_vec("h", s)), "x": Neuron(_input(before, s), shaded=not before)}
        if lstm:
            cells["c"] = Neuron(_vec("c", s))
        columns.append(column(cells, [t("unroll.step", t=s)]))
        first = s == 1
        if first and feed >= 0:
            edges.append(Edge((feed, at["x"]), (i, at["x"])))
        edges.append(Edge((i, at["x"]), (i, at["h"]), _weight("x", layer.l) if first else None))
        edges.append(Edge((last, at["h"]), (i, at["h"]), _weight("h", layer.l) if first else None))
        if lstm:
            edges.append(Edge((last, at["c"]), (i, at["c"])))
            edges.append(Edge((i, at["c"]), (i, at["h"])))
        last = i
    after = net.numbered[layer.l:]
    for k, later in enumerate(after):
        columns.append(column({"h": Neuron(later.token())},
                              [t("handout.layer", l=later.l), shape_text(shapes[later.l])]))
        edges.append(Edge((len(columns) - 2 if k else last, at["h"]), (len(columns) - 1, at["h"])))
    if not after:   # the loss reads h_T itself
        columns.append(column({"h": Neuron(Notation("ŷ", r"\hat{\mathbf{y}}"))}, [t("unroll.output")]))
        edges.append(Edge((last, at["h"]), (len(columns) - 1, at["h"])))
    return Diagram(columns, edges, sink=[t("handout.loss"), net.loss])


def caption(net, t) -> str:
    layer, before = _recurrent(net)
    T = net.input[0]
    sup = str(layer.l).translate(SUP)
    if before:
        parts = [t("unroll.columns_pre", cell=layer.cell, T=T, l=layer.l,
                   a=f"a⁽{str(before[-1].l).translate(SUP)}⁾ₜ", layers=", ".join(pre.token() for pre in before))]
    else:
        parts = [t("unroll.columns", cell=layer.cell, T=T)]
    parts.append(t("unroll.shared", l=sup))
    if T > STEPS:
        parts.append(t("unroll.gap", first=3, last=T - 2))
    if layer.cell == "lstm":
        parts.append(t("unroll.lstm"))
    if layer.cell == "gru":
        parts.append(t("unroll.gru"))
    return " ".join(parts)
