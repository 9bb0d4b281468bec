"""The SVG printer draws a Diagram: well-formed XML, one shape per neuron,
one arrow per edge, the named weights carrying their plain names."""
import re
import xml.etree.ElementTree as ET

import pytest

import derive
from derive.derivation import build
from derive.lang import messages
from derive.model import Column, Diagram, Edge, Neuron
from derive.names import b, w, x
from derive.printers.svg import diagram_svg
from derive.views.handout.diagram import block_diagram, dense_diagram

NS = {"s": "http://www.w3.org/2000/svg"}
t = messages("en")


def _parse(svg):
    return ET.fromstring(svg)


def _classes(el):
    return (el.get("class") or "").split()


@pytest.mark.parametrize("spec", ["mlp-2-3-1", "4-8-8-3:softmax/ce"])
def test_dense_diagram_counts(spec):
    net = derive.load(spec)
    d = dense_diagram(net, t)
    root = _parse(diagram_svg(d, build(net, view="scalar", params=["w1_1_1"]).names))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    circles = root.findall(".//s:g[@class='neuron']/s:circle", NS)
    assert len(circles) == sum(n is not None for c in d.columns for n in c.neurons)
    edges = [e for e in root.iter() if "edge" in _classes(e)]
    assert len(edges) == len(d.edges)
    named = sorted(e.get("data-param") for e in edges if e.get("data-param"))
    assert named == sorted(e.label.name for e in d.edges if e.label is not None)
    # one arrow into the loss box from every drawn output neuron
    assert len(root.findall(".//s:line[@class='to-loss']", NS)) == \
        sum(n is not None for n in d.columns[-1].neurons)


def test_labels_in_the_network_notation():
    net = derive.load("mlp-2-3-1")
    svg = diagram_svg(dense_diagram(net, t), build(net, view="scalar", params=["w1_1_1"]).names)
    assert "w⁽¹⁾₁₁" in svg and "ŷ₁" in svg and "a⁽¹⁾₂" in svg and 'data-node="a1_2"' in svg


def test_block_diagram_boxes_and_determinism():
    net = derive.load("1x6x6-conv(2,3):relu-maxpool(2)-flatten-3:softmax/ce")
    d = block_diagram(net, t)
    svg = diagram_svg(d)
    assert svg == diagram_svg(block_diagram(net, t))
    root = _parse(svg)
    # the image layers as stacks of maps (input 1, conv 2, pool 2 maps), flatten and dense as blocks
    stacks = root.findall(".//s:g[@class='maps']", NS)
    assert [len(g.findall("s:rect", NS)) for g in stacks] == [1, 2, 2]
    assert [g.get("aria-label") for g in stacks] == ["1×6×6", "2×4×4", "2×2×2"]
    assert len(root.findall(".//s:g[@class='neuron']/s:rect", NS)) == 2
    # a window on each stack that a conv or pool reads: the window and the entry it makes
    assert len(root.findall(".//s:rect[@class='window']", NS)) == 4
    assert not root.findall(".//s:circle", NS)
    assert "conv 3×3" in svg and "max pool 2×2" in svg


def test_a_residual_skip_is_an_arc_inside_the_drawing():
    d = block_diagram(derive.load("residual-mlp"), t)
    root = _parse(diagram_svg(d))
    arcs = root.findall(".//s:g[@class='skip']/s:path", NS)
    assert len(arcs) == sum(e.skip for e in d.edges) == 1
    height = float(root.get("height"))
    ys = [float(v) for v in re.findall(r"-?[\d.]+", arcs[0].get("d"))[1::2]]
    assert len(ys) == 4 and 0 <= min(ys) and max(ys) < height   # the curve lies within its control points


def test_interactive_marks_are_focusable_and_text_is_escaped():
    d = Diagram([Column([Neuron(x(1), shaded=True)], ["<b>in</b>"]),
                 Column([Neuron("<script>", bias=b(1, 1))], ["a & b"])],
                [Edge((0, 0), (1, 0), w(1, 1, 1))], sink=["loss", '"mse"'])
    svg = diagram_svg(d, interactive=True, uid="t")
    root = _parse(svg)
    assert "<script>" not in svg and "<b>" not in svg
    focusable = [e for e in root.iter() if e.get("tabindex") == "0"]
    assert sorted(e.get("data-param") for e in focusable) == ["b1_1", "w1_1_1"]
    assert 'id="t-cr-arrow"' in svg
    assert all(e.get("tabindex") is None for e in _parse(diagram_svg(d)).iter())


@pytest.mark.parametrize("spec", ["small-cnn", "bn-mlp", "residual-mlp", "tiny-rnn",
                                  "3x8x8-conv(4,3):relu-conv(4,3):relu-maxpool(2)-flatten-10:softmax/ce"])
def test_rows_for_a_phone_cut_between_columns(spec):
    """A drawing too wide for a phone, cut into rows: the rows tile the
    drawing left to right, none wider than asked, no cut through a shape or a
    caption, and each row as tall as every shape and text inside it."""
    from derive.printers.svg import diagram_rows, row_views
    from derive.views.handout.diagram import drawing
    d = drawing(derive.load(spec), t)
    svg, rows = diagram_rows(d, uid="net", most=460)
    root = _parse(svg)
    width = float(root.get("width"))
    assert width > 460 and len(rows) >= 2
    assert rows[0][0] == 0 and abs(rows[-1][0] + rows[-1][2] - width) < 0.1
    assert all(abs(a[0] + a[2] - b[0]) < 1e-6 for a, b in zip(rows, rows[1:]))
    assert all(w <= 460 for _, _, w, _ in rows)
    shapes = []   # (x0, x1, y0, y1) of every box, map, neuron and (about) every text
    for r in root.iter("{http://www.w3.org/2000/svg}rect"):
        if "window" not in _classes(r):
            x0, y0 = float(r.get("x")), float(r.get("y"))
            shapes.append((x0, x0 + float(r.get("width")), y0, y0 + float(r.get("height"))))
    for c in root.iter("{http://www.w3.org/2000/svg}circle"):
        cx, cy, rad = float(c.get("cx")), float(c.get("cy")), float(c.get("r"))
        shapes.append((cx - rad, cx + rad, cy - rad, cy + rad))
    for tx in root.iter("{http://www.w3.org/2000/svg}text"):
        if tx.text and tx.text.strip() and "elabel" not in _classes(tx):
            half = len(tx.text) * float(tx.get("font-size", 13)) * 0.3
            x, y = float(tx.get("x")), float(tx.get("y"))
            shapes.append((x - half, x + half, y - 8, y + 4))
    for x0, y0, w, h in rows:
        for a, b, top, bottom in shapes:
            assert not (a < x0 < b and x0 > 0), f"a cut at {x0} goes through a shape at {a}..{b}"
            if a >= x0 - 1e-6 and b <= x0 + w + 1e-6:
                assert y0 - 1 <= top and bottom <= y0 + h + 1, (spec, (x0, y0, w, h), (a, b, top, bottom))
    assert root.find("s:g[@id='net-all']", NS) is not None and 'id="net-all"' not in diagram_svg(d, uid="net")
    views = _parse(f'<div>{row_views("net", rows)}</div>')
    assert [v.find("s:use", NS).get("href") for v in views] == ["#net-all"] * len(rows)
    assert diagram_rows(d, uid="net", most=460) == (svg, rows)   # deterministic


def test_a_narrow_drawing_is_one_row():
    from derive.printers.svg import diagram_rows
    from derive.views.handout.diagram import drawing
    svg, rows = diagram_rows(drawing(derive.load("logistic"), t), most=460)
    assert len(rows) == 1 and rows[0][2] == float(_parse(svg).get("width"))
