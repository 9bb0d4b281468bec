"""Section 2: the network drawn: a dense network neuron by neuron, the
weights into each layer's first neuron named; a recurrent one unrolled over
time (``unrolled``); any other one block by block, its image layers as
stacks of feature maps."""
from __future__ import annotations

from ... import names
from ...layers import Conv, Pool, Residual
from ...model import Column, Diagram, Edge, FeatureMaps, Neuron, Section, Text
from ..delta_kinds.common import SUB
from . import unrolled

DRAWN = 6     # neurons drawn per layer; a wider layer shows its first three, a gap, its last two
NAMED = 3     # weights named into each layer's first neuron


def section(src) -> Section:
    t, net = src.t, src.net
    if src.dense:
        body = [dense_diagram(net, t), Text(t("handout.diagram_caption") +
                                            (" " + t("handout.diagram_bias") if net.bias else ""))]
    elif unrolled.applies(net):
        body = [unrolled.unrolled_diagram(net, t), Text(unrolled.caption(net, t))]
    else:
        blocks = block_diagram(net, t)
        body = [blocks, Text(caption(blocks, t))]
    return Section(t("handout.diagram_title"), body, key="diagram")


def drawing(net, t) -> Diagram:
    """The network drawn as the handout draws it: neuron by neuron when it is
    dense, unrolled over time when it is recurrent, else block by block."""
    if net.is_mlp:
        return dense_diagram(net, t)
    return unrolled.unrolled_diagram(net, t) if unrolled.applies(net) else block_diagram(net, t)


def caption(drawing: Diagram, t) -> str:
    """What the drawing shows, sentence by sentence as it applies: blocks,
    stacks of maps (with the ones not drawn), windows."""
    items = [n for c in drawing.columns for n in c.neurons]
    stacks = [n for n in items if isinstance(n, FeatureMaps)]
    out = [t("handout.diagram_blocks")] if len(stacks) < len(items) else []
    if any(e.skip for e in drawing.edges):
        out.append(t("diagram.skip"))
    if stacks:
        out.append(t("diagram.maps"))
        widest = max(stacks, key=lambda n: n.channels)
        if widest.channels > widest.drawn:
            out.append(t("diagram.maps_more", shown=widest.drawn, c=widest.channels))
        if any(n.kernel is not None for n in stacks):
            out.append(t("diagram.window"))
    return " ".join(out)


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
    """Any network: one block per layer with what it outputs; a layer whose
    output is an image is a stack of its feature maps instead, with the
    window (kernel or pooling) that makes each entry."""
    shapes = net.shapes()
    first = _maps(net.input, None, shaded=True) or Neuron("x", shaded=True)
    columns = [Column([first], [t("handout.input"), _shape(net.input)])]
    for layer, shape in zip(net.numbered, shapes[1:]):
        maps = _maps(shape, layer)
        what = _what(layer, t) if maps else []      # a block carries its token already
        columns.append(Column([maps or Neuron(layer.token())], [t("handout.layer", l=layer.l)] + what + [_shape(shape)]))
    edges = [Edge((i, 0), (i + 1, 0)) for i in range(len(columns) - 1)]
    for first, last, act in _blocks(net.layers):   # column l holds layer l's output
        edges.append(Edge((first - 1, 0), (last, 0), skip=True))
        columns[last].caption.insert(-1, t("diagram.skip_add") if act.name == "identity" else
                                     t("diagram.skip_add_act", act=str(act)))   # the shape stays last
    return Diagram(columns, edges, sink=[t("handout.loss"), net.loss])


def _blocks(layers) -> list[tuple]:
    """(first layer, last layer, activation) of every residual block, nested ones too."""
    out = []
    for layer in layers:
        if isinstance(layer, Residual):
            inside = layer.numbered()
            out.append((inside[0].l, inside[-1].l, layer.activation))
            out += _blocks(layer.inner)
    return out


def _maps(shape, layer, shaded: bool = False) -> FeatureMaps | None:
    """An image-shaped output as a stack of maps, with the window that made it."""
    if len(shape) != 3:
        return None
    c, h, w = shape
    if isinstance(layer, Conv):
        return FeatureMaps(c, h, w, layer.k, layer.stride, layer.pad)
    if isinstance(layer, Pool):
        return FeatureMaps(c, h, w, layer.k, layer.k)
    return FeatureMaps(c, h, w, shaded=shaded)


def _what(layer, t) -> list[str]:
    """A stack's caption lines: the layer, its window written out ('conv 3×3',
    'relu'), else its token."""
    if isinstance(layer, Conv):
        window = t("diagram.conv", k=layer.k) + (t("diagram.stride", s=layer.stride) if layer.stride != 1 else "") + \
            (t("diagram.pad", p=layer.pad) if layer.pad else "")
        return [window] + ([] if layer.activation.name == "identity" else [str(layer.activation)])
    if isinstance(layer, Pool):
        return [t(f"diagram.{layer.mode}pool", k=layer.k)]
    return [layer.token()]


def _shape(shape) -> str:
    return "×".join(str(n) for n in shape)


def _sub(l: int) -> str:
    return str(l).translate(SUB)
