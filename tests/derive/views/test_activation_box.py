"""The activation box and the saturation note name every activation the
network applies, a recurrent cell's gates included: the reference is the
scalar graph, whose definitions record the activation each unit applies
(the graph is tested against torch's nn.RNN / nn.LSTM / nn.GRU)."""
from __future__ import annotations

import pytest

import derive
from derive.graph import Graph
from derive.lang import messages
from derive.printers.text import TextPrinter
from derive.views import notes, scalar

t = messages("en")


def applied(net) -> set[str]:
    """The activations the scalar graph's definitions apply."""
    return {d.act[0].name for d in Graph(net).forward if d.act is not None}


@pytest.mark.parametrize("spec", ["3x1-rnn(2)-1/mse", "2x1-lstm(1)-1/mse", "2x2-gru(1)-2:softmax/ce",
                                  "3x2-dropout(0.5)-rnn(2)-2:sigmoid/bce", "2x2-lstm(2)-ln-res(2:relu-2)-1/mse",
                                  "2-3:relu-1/mse"])
def test_the_box_lists_what_the_graph_applies(spec):
    net = derive.load(spec)
    box = " ".join(TextPrinter().doprint(scalar.activation_box(net, t)).split())
    want = applied(net)
    listed = {name for name in ("identity", "relu", "sigmoid", "tanh", "softmax")
              if f"{name}′(z)" in box or (name == "softmax" and "softmax" in box)}
    assert listed == want, (spec, listed, want)
    said = " ".join(" ".join(TextPrinter().doprint(p).split()) for p in notes.saturation(net, t, compare=True))
    saturating = want & set(notes.SATURATING)
    assert ("no sigmoid or tanh unit" in said) == (not saturating)
    for name in saturating:
        assert f"Saturation: {name}′ is at most" in said
