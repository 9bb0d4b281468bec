"""The handout's network drawing for networks beyond dense: image layers as
stacks of feature maps whose shapes are torch's, the window drawn on each
stack is the patch of the input torch's conv/pool reads for the entry it
points at, every printer prints the drawing, and CNN handouts compile
cleanly with real pdflatex."""
from __future__ import annotations

import re

import numpy as np
import pytest

import derive
from derive import handout
from derive.lang import messages
from derive.model import FeatureMaps, Neuron
from derive.printers.latex import LatexPrinter
from derive.printers.maps_layout import Stacks
from derive.printers.markdown import MarkdownPrinter
from derive.printers.text import TextPrinter
from derive.views.handout.diagram import block_diagram, caption
from tests.tex import NEEDS_TEX, compile_all

torch = pytest.importorskip("torch")
F = torch.nn.functional

LENET = "1x28x28-conv(6,5):relu-maxpool(2)-conv(16,5):relu-maxpool(2)-flatten-120:relu-84:relu-10:softmax/ce"
CNNS = [LENET, "1x6x6-conv(2,3):relu-maxpool(2)-flatten-3:softmax/ce", "small-cnn",
        "3x8x8-conv(4,3,stride=2,pad=1)-bn-avgpool(2)-flatten-2/mse",
        "2x7x7-conv(5,3,stride=2,pad=1):tanh-avgpool(3)-flatten-2/mse", "4-3:relu-2/mse", "tiny-rnn"]
t = messages("en")


def torch_shapes(net) -> list[tuple]:
    """Each layer's output shape for one example, from torch's own operations."""
    from tests.torch_reference import forward
    shapes = []
    a = torch.zeros((1,) + net.input, dtype=torch.float64)
    params = {k: torch.zeros(s, dtype=torch.float64) for k, s in net.param_shapes().items()}
    masks = {f"M{l.l}": torch.ones(1) for l in net.numbered}
    for layer in net.layers:
        a = forward(net, [layer], a, params, masks)
        shapes.append(tuple(a.shape[1:]))
    return shapes


@pytest.mark.parametrize("spec", CNNS)
def test_image_layers_are_stacks_of_torchs_shape(spec):
    net = derive.load(spec)
    d = block_diagram(net, t)
    items = [c.neurons[0] for c in d.columns]
    assert all(len(c.neurons) == 1 for c in d.columns)
    shapes = [net.input] + torch_shapes(net)
    for item, shape, col in zip(items, shapes, d.columns):
        if len(shape) == 3:
            assert isinstance(item, FeatureMaps) and (item.channels, item.height, item.width) == shape
            assert col.caption[-1] == "×".join(map(str, shape))
        else:
            assert isinstance(item, Neuron)
    assert items[0].shaded
    for layer, item, col in zip(net.numbered, items[1:], d.columns[1:]):
        if isinstance(item, FeatureMaps):
            window = {"conv": (layer.k if layer.kind == "conv" else None, getattr(layer, "stride", 1), getattr(layer, "pad", 0)),
                      "pool": (getattr(layer, "k", None), getattr(layer, "k", None), 0)}.get(layer.kind)
            assert (item.kernel, item.stride, item.pad) == (window or (None, 1, 0))
            if item.kernel is not None:
                assert f"{item.kernel}×{item.kernel}" in " ".join(col.caption)


def test_caption_says_what_the_drawing_shows():
    def says(spec):
        return caption(block_diagram(derive.load(spec), t), t)
    lenet = says(LENET)
    assert "At most 4 maps" in lenet and "up to 16" in lenet and "window" in lenet and "Each block" in lenet
    small = says("small-cnn")
    assert "At most" not in small and "window" in small
    assert "stack" not in says("tiny-rnn") and "Each block" in says("tiny-rnn")
    assert "window" not in says("1x4x4-bn-flatten-2/mse")


@pytest.mark.parametrize("spec", CNNS[:5])
def test_window_is_the_patch_torch_reads(spec):
    """The window drawn on a stack covers exactly the input entries that the
    entry it points at depends on (torch autograd on the layer alone), the
    parts in the padding aside."""
    net = derive.load(spec)
    d = block_diagram(net, t)
    stacks = Stacks(d.columns)
    x = [2.0 * i for i in range(len(d.columns))]
    for i, (layer, col) in enumerate(zip(net.numbered, d.columns[1:])):
        dst, src = col.neurons[0], d.columns[i].neurons[0]
        if not (isinstance(dst, FeatureMaps) and dst.kernel is not None):
            continue
        win, cell = stacks.window(src, x[i], dst, x[i + 1])
        front_in, front_out = stacks.maps(src, x[i])[-1], stacks.maps(dst, x[i + 1])[-1]
        # the cell is the top right entry of the output
        ox, oy = (front_out.x1 - front_out.x0) / dst.width, (front_out.y1 - front_out.y0) / dst.height
        assert (round((cell.x0 - front_out.x0) / ox), round((front_out.y1 - cell.y1) / oy)) == (dst.width - 1, 0)
        # the window in input entries, clipped to the image
        cx, cy = (front_in.x1 - front_in.x0) / src.width, (front_in.y1 - front_in.y0) / src.height
        c0, c1 = round((win.x0 - front_in.x0) / cx), round((win.x1 - front_in.x0) / cx)
        r0, r1 = round((front_in.y1 - win.y1) / cy), round((front_in.y1 - win.y0) / cy)
        drawn = np.zeros((src.height, src.width), bool)
        drawn[max(r0, 0):min(r1, src.height), max(c0, 0):min(c1, src.width)] = True
        a = torch.randn((1, src.channels, src.height, src.width), dtype=torch.float64, requires_grad=True)
        if layer.kind == "conv":
            out = F.conv2d(a, torch.ones((dst.channels, src.channels, layer.k, layer.k), dtype=torch.float64),
                           stride=layer.stride, padding=layer.pad)
        else:
            out = F.avg_pool2d(a, layer.k)
        out[0, 0, 0, dst.width - 1].backward()
        read = (a.grad[0, 0] != 0).numpy()
        assert (read == drawn).all(), (spec, layer.token(), read.astype(int), drawn.astype(int))


def test_stacks_grow_with_the_map_and_columns_do_not_overlap():
    d = block_diagram(derive.load(LENET), t)
    stacks = Stacks(d.columns)
    maps = [c.neurons[0] for c in d.columns if isinstance(c.neurons[0], FeatureMaps)]
    sides = [stacks.side(m.height) for m in maps]
    assert sides == sorted(sides, reverse=True) and sides[0] > sides[-1]
    assert [m.drawn for m in maps] == [1, 4, 4, 4, 4]
    tex = LatexPrinter().doprint_fragment(d)
    assert tex.count(r"\draw[map") == sum(m.drawn for m in maps)
    assert tex.count(r"\cdots") == sum(m.channels > m.drawn for m in maps)
    # each caption node's x, left to right, far enough apart for its lines
    xs = [float(x) for x in re.findall(r"anchor=north\] at \(([-\d.]+),", tex)]
    assert xs == sorted(xs) and min(b - a for a, b in zip(xs, xs[1:])) > 1.0


@pytest.mark.parametrize("spec", [LENET, "small-cnn"])
def test_text_and_markdown_print_a_line_per_column(spec):
    net = derive.load(spec)
    d = block_diagram(net, t)
    text = TextPrinter().doprint(d).splitlines()
    md = MarkdownPrinter().doprint(d).splitlines()
    assert len(text) == len(md) == len(d.columns) + 1
    for line, mline, col in zip(text, md, d.columns):
        item = col.neurons[0]
        if isinstance(item, FeatureMaps):
            assert line.split()[0] == "▦" * item.drawn + ("…" if item.channels > item.drawn else "")
        assert col.caption[-1] in line and mline.startswith("- ") and col.caption[-1] in mline


@NEEDS_TEX
def test_cnn_handouts_compile_with_their_stacks(tmp_path):
    specs = {"lenet": LENET, "conv": CNNS[1], "cnn": "small-cnn", "stride": CNNS[4],
             # max pooling over 3 x 3: its local derivative's eight conditions stack in rows
             "pool3": "1x6x6-conv(1,2):relu-maxpool(3)-flatten-2/mse"}
    compiled = compile_all({k: handout.render(derive.load(s)) for k, s in specs.items()}, tmp_path)
    for name, c in compiled.items():
        assert c.ok, (name, c.errors())
        assert "Overfull" not in c.log, name
        net = derive.load(specs[name])
        for shape in net.shapes()[1:]:
            if len(shape) == 3:
                assert " × ".join(map(str, shape)) in c.text, (name, shape)
    assert "conv 5 × 5" in compiled["lenet"].text and "max pool 2 × 2" in compiled["lenet"].text
    assert "stride 2, pad 1" in compiled["stride"].text


def test_kernel_exercise_when_pooling_drops_the_edge():
    """avgpool(3) on a 4x4 conv output reads rows and columns 1-3 only: the
    entries it drops have no error, and the exercise counts them as 0 (it
    checks its answer against the graph's gradient before printing it)."""
    from derive.model import Exercise
    from derive.views.handout import build
    doc = build(derive.load(CNNS[4]))
    found = [n for s in doc.body for n in getattr(s, "body", []) if isinstance(n, Exercise) and "by hand" in n.title]
    assert len(found) == 1


@pytest.mark.parametrize("spec,arcs", [("residual-mlp", [(0, 2)]),
                                       ("4-res(4:relu-4):relu-2/mse", [(0, 2)]),
                                       ("3-2:tanh-res(2:relu-res(2:tanh-2))-1/mse", [(1, 4), (2, 4)]),
                                       ("1x6x6-conv(2,3,pad=1):relu-res(conv(2,3,pad=1):relu-conv(2,3,pad=1))"
                                        "-flatten-2/mse", [(1, 3)])])
def test_a_residual_block_gets_its_skip(spec, arcs):
    """An arc from the block's input column to its last layer's column, each
    res block (nested ones too); the last column says the input is added."""
    net = derive.load(spec)
    d = block_diagram(net, t)
    skips = sorted((e.src[0], e.dst[0]) for e in d.edges if e.skip)
    assert skips == arcs
    for _, last in arcs:
        assert any(c.startswith("+ skip") for c in d.columns[last].caption)
    assert "The arc over a residual block" in caption(d, t)
    text = TextPrinter().doprint(d)
    assert text.count("↷") == len(arcs)
    tex = LatexPrinter().doprint_fragment(d)
    assert tex.count("to[out=50,in=130]") == len(arcs)
    assert "arc" not in caption(block_diagram(derive.load("small-cnn"), t), t)
