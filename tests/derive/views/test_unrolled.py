"""The unrolled drawing of a recurrent network: a column per step drawn,
every arrow of the recurrence (x_t -> h_t, h_{t-1} -> h_t from h_0, the
LSTM's c_{t-1} -> c_t -> h_t), the weights named once, the layers after h_T
to the loss, a gap for a long sequence; the caption says what is true of
the network; the issue's recurrent handouts compile cleanly."""
from __future__ import annotations

import pytest

import derive
from derive import handout
from derive.lang import messages
from derive.model import Empty, Neuron
from derive.printers.text import TextPrinter
from derive.views.handout import unrolled
from tests.tex import NEEDS_TEX, compile_all

t = messages("en")


def labels(d):
    return [[TextPrinter().expr(n.label) if isinstance(n, Neuron) and not isinstance(n.label, str)
             else (n.label if isinstance(n, Neuron) else None) for n in c.neurons] for c in d.columns]


@pytest.mark.parametrize("spec", ["tiny-rnn", "5x3-gru(4)-2/mse", "20x16-lstm(32)-10:softmax/ce",
                                  "4x2-rnn(3)-dropout(0.5)-ln-2/mse", "2x1-lstm(1)-1/mse", "6x1-rnn(2)-1/mse"])
def test_every_arrow_of_the_recurrence(spec):
    net = derive.load(spec)
    d = unrolled.unrolled_diagram(net, t)
    T = net.input[0]
    lstm = net.numbered[0].cell == "lstm"
    rows = (["c"] if lstm else []) + ["h", "x"]
    drawn = unrolled.steps(T)
    assert (None in drawn) == (T > unrolled.STEPS) and drawn[-1] == T and drawn[0] == 1
    assert len(d.columns) == 1 + len(drawn) + max(1, net.depth - 1)
    text = labels(d)
    where = {}
    for i, col in enumerate(text):
        for k, label in enumerate(col):
            if label is not None:
                where[label] = (i, k)
    edges = {(e.src, e.dst) for e in d.edges}
    named = {TextPrinter().expr(e.label) for e in d.edges if e.label is not None}
    assert named == {"Wₓ⁽¹⁾", "Wₕ⁽¹⁾"}
    sub = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    steps = [s for s in drawn if s is not None]
    for before, s in zip([0] + steps, steps):
        h, x = (f"{p}{str(s).translate(sub)}" for p in ("h", "x"))
        assert where[h][1] == rows.index("h") and where[x][1] == rows.index("x")
        assert (where[x], where[h]) in edges
        assert (where[f"h{str(before).translate(sub)}"], where[h]) in edges
        if lstm:
            c = f"c{str(s).translate(sub)}"
            assert (where[f"c{str(before).translate(sub)}"], where[c]) in edges and (where[c], where[h]) in edges
    # h_T leads on, through every later layer, to the loss
    last_h = where[f"h{str(T).translate(sub)}"]
    after = [i for i in range(last_h[0] + 1, len(d.columns))]
    assert ((last_h, (after[0], rows.index("h"))) in edges) and d.sink[-1] == net.loss
    for i in after:
        assert all(isinstance(n, Empty) for k, n in enumerate(d.columns[i].neurons) if k != rows.index("h"))
    caption = unrolled.caption(net, t)
    assert f"T = {T} steps" in caption
    assert ("cell state" in caption) == lstm and ("reset gate" in caption) == (net.numbered[0].cell == "gru")
    assert ("not drawn" in caption) == (T > unrolled.STEPS)


def test_only_a_recurrent_network_is_unrolled():
    assert unrolled.applies(derive.load("tiny-rnn"))
    assert unrolled.applies(derive.load("4x4-dropout(0.5)-lstm(2)-1/mse"))
    assert not unrolled.applies(derive.load("small-cnn"))
    assert not unrolled.applies(derive.load("4-3:relu-2/mse"))


@pytest.mark.parametrize("spec", ["3x2-dropout(0.5)-rnn(2)-2/mse", "12x3-ln-dropout(0.2)-lstm(3)-2:softmax/ce",
                                  "4x4-dropout(0.9)-dropout(0.5)-gru(2)-1:sigmoid/se"])
def test_layers_before_the_recurrent_one(spec):
    """The layers before it are blocks in the bottom row, from x to the
    first step's input a^(l-1)_1; each step reads a^(l-1)_t; the weights
    named are the recurrent layer's own, with its number."""
    net = derive.load(spec)
    l = next(x.l for x in net.numbered if x.kind == "recurrent")
    d = unrolled.unrolled_diagram(net, t)
    T = net.input[0]
    lstm = net.numbered[l - 1].cell == "lstm"
    rows = (["c"] if lstm else []) + ["h", "x"]
    bottom = rows.index("x")
    drawn = unrolled.steps(T)
    assert len(d.columns) == 1 + (l - 1) + 1 + len(drawn) + max(1, net.depth - l)
    text = labels(d)
    blocks = [text[i][bottom] for i in range(l)]
    assert blocks == ["x"] + [net.layer(k).token() for k in range(1, l)]
    edges = {(e.src, e.dst) for e in d.edges}
    for i in range(l - 1):
        assert ((i, bottom), (i + 1, bottom)) in edges
    sup, sub = str(l - 1).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")), str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    where = {lab: (i, k) for i, col in enumerate(text) for k, lab in enumerate(col) if lab is not None}
    first = where[f"a⁽{sup}⁾₁"]
    assert ((l - 1, bottom), first) in edges   # the sequence the earlier layers made enters at step 1
    for s in [s for s in drawn if s is not None]:
        a, h = where[f"a⁽{sup}⁾{str(s).translate(sub)}"], where[f"h{str(s).translate(sub)}"]
        assert a[1] == bottom and (a, h) in edges
    named = {TextPrinter().expr(e.label) for e in d.edges if e.label is not None}
    lsup = str(l).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
    assert named == {f"Wₓ⁽{lsup}⁾", f"Wₕ⁽{lsup}⁾"}
    caption = unrolled.caption(net, t)
    assert f"Layer {l}, " in caption and f"T = {T} steps" in caption
    assert ", ".join(net.layer(k).token() for k in range(1, l)) in caption and "xₜ" not in caption


@NEEDS_TEX
def test_recurrent_handouts_compile(tmp_path):
    specs = {"lstm": "20x16-lstm(32)-10:softmax/ce", "gru": "5x3-gru(4)-2/mse", "rnn": "tiny-rnn",
             "rnn3": "4x2-rnn(3)-1/mse"}
    compiled = compile_all({k: handout.render(derive.load(s)) for k, s in specs.items()}, tmp_path)
    for name, c in compiled.items():
        assert c.ok, (name, c.errors())
        assert "Overfull" not in c.log, name
        assert "unrolled over its T = " in c.flat and "Backpropagation through time by hand" in c.flat
    assert "Steps 3 to 18 are not drawn" in compiled["lstm"].flat
    assert "the factor that repeats" in compiled["rnn"].flat
