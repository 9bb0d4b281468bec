"""Section 2: the network drawn, neurons by layer, the weights into each
layer's first neuron named."""
from __future__ import annotations

from ... import names
from ...layers import shape_text
from ...model import Column, Diagram, Edge, Neuron, Section, Text

DRAWN = 6     # neurons drawn per layer; a wider layer shows its first three, a gap, its last two
NAMED = 3     # weights named into each layer's first neuron


def section(src) -> Section:
    t, net = src.t, src.net
    if src.dense:
        body = [drawing(net, t), Text(t("handout.diagram_caption") +
                                      (" " + t("handout.diagram_bias") if net.bias else ""))]
    else:
        body = [drawing(net, t), Text(t("handout.diagram_blocks"))]
    return Section(t("handout.diagram_title"), body, key="diagram")


def drawing(net, t) -> Diagram:
    """The network drawn: neuron by neuron when it is dense, else block by block."""
    return dense_diagram(net, t) if net.is_mlp else block_diagram(net, t)


def _drawn(n: int) -> list:
    return list(range(1, n + 1)) if n <= DRAWN else [1, 2, 3, None, n - 1, n]


def dense_diagram(net, t, full: bool = False) -> Diagram:
    """The handout's drawing: six neurons a layer at most, the weights into
    each layer's first neuron named.  ``full``: every neuron, every weight
    named and every bias marked (a page where each one can be chosen)."""
    L, sizes = net.depth, net.sizes
    drawn = (lambda n: list(range(1, n + 1))) if full else _drawn
    columns, where = [], {}
    for l, n in enumerate(sizes):
        neurons = []
        for pos, j in enumerate(drawn(n)):
            if j is None:
                neurons.append(None)
                continue
            label = names.x(j) if l == 0 else names.node("a", l, j)
            bias = names.b(l, j) if full and l > 0 and net.bias else None
            neurons.append(Neuron(label, shaded=l == 0, bias=bias))
            where[(l, j)] = (l, pos)
        what = t("handout.input") if l == 0 else str(net.act(l))
        columns.append(Column(neurons, [t("handout.layer", l=l), what, f"n{_sub(l)} = {n}"]))
    edges = []
    for l in range(1, L + 1):
        sources = [j for j in drawn(sizes[l - 1]) if j is not None]
        for k in sources:
            for j in [q for q in drawn(sizes[l]) if q is not None]:
                named = full or (j == 1 and k in sources[:NAMED])
                edges.append(Edge(where[(l - 1, k)], where[(l, j)], names.w(l, j, k) if named else None))
    return Diagram(columns, edges, sink=[t("handout.loss"), net.loss])


def block_diagram(net, t) -> Diagram:
    """Any network: one block per layer, with what it outputs."""
    shapes = net.shapes()
    columns = [Column([Neuron("x", shaded=True)], [t("handout.input"), shape_text(net.input)])]
    for layer, shape in zip(net.numbered, shapes[1:]):
        columns.append(Column([Neuron(layer.token())], [t("handout.layer", l=layer.l), shape_text(shape)]))
    edges = [Edge((i, 0), (i + 1, 0)) for i in range(len(columns) - 1)]
    return Diagram(columns, edges, sink=[t("handout.loss"), net.loss])


def _sub(l: int) -> str:
    return str(l).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
