"""The LSTM cell-state exercise: ∂ℓ/∂h₂, ∂ℓ/∂c₂, ∂ℓ/∂c₁, its cell-state
part and the forget gate's error equal torch's (nn.LSTMCell with the weights
copied in, float64 autograd on the cell's own gates), at full precision from
the graph and to the givens' rounding in the printed answers; the exercise
comes with every network that has an LSTM and with no other."""
from __future__ import annotations

import random

import pytest

import derive
from derive import names
from derive.lang import messages
from derive.model import Exercise
from derive.printers.text import TextPrinter
from derive.views import lstm_exercises as lx
from derive.views.handout import build

torch = pytest.importorskip("torch")
t = messages("en")


def torch_cell(xs, w):
    """Two steps of torch's LSTMCell; every gate written with the cell's own
    weights (checked against the cell's output) so that autograd reaches the
    cell states and the forget gate's pre-activation."""
    cell = torch.nn.LSTMCell(1, 1, bias=False).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor([[float(v)] for v in w["Wx1"]], dtype=torch.float64))
        cell.weight_hh.copy_(torch.tensor([[float(v)] for v in w["Wh1"]], dtype=torch.float64))
    h = torch.zeros((1, 1), dtype=torch.float64)
    c = torch.zeros((1, 1), dtype=torch.float64)
    hs, cs, zfs, fs = [], [], [], []
    for x in xs:
        x = torch.tensor([[float(x)]], dtype=torch.float64)
        z = x @ cell.weight_ih.T + h @ cell.weight_hh.T
        z.retain_grad()
        i, f, g, o = torch.sigmoid(z[:, 0:1]), torch.sigmoid(z[:, 1:2]), torch.tanh(z[:, 2:3]), torch.sigmoid(z[:, 3:4])
        c_next = f * c + i * g
        h_next = o * torch.tanh(c_next)
        h_ref, c_ref = cell(x, (h, c))
        assert torch.allclose(h_next, h_ref, rtol=1e-15, atol=0) and torch.allclose(c_next, c_ref, rtol=1e-15, atol=0)
        h, c = h_next, c_next
        h.retain_grad()
        c.retain_grad()
        hs.append(h)
        cs.append(c)
        zfs.append(z)
        fs.append(f)
    loss = 0.5 * (float(w["W2"]) * h[0, 0] - float(w["y"])) ** 2
    loss.backward()
    return {"h": [v.item() for v in hs], "dh": [v.grad.item() for v in hs], "dc": [v.grad.item() for v in cs],
            "dzf": [z.grad[0, 1].item() for z in zfs], "f": [v.item() for v in fs]}


def close(a, b, rel):
    return abs(float(a) - b) <= rel * abs(b) + 1e-12


@pytest.mark.parametrize("seed", range(8))
def test_answers_are_torchs(seed):
    xs, w = lx.draw(random.Random(seed))
    b = lx.solve(xs, w)
    ref = torch_cell(xs, w)
    q = lambda p, s: names.sym(names.plain(p, 1, s, 1))  # noqa: E731
    for s in (1, 2):
        assert close(b.exact[q("h", s)], ref["h"][s - 1], 1e-12)
        assert close(b.exact[q("dh", s)], ref["dh"][s - 1], 1e-10)
        assert close(b.exact[q("dc", s)], ref["dc"][s - 1], 1e-10)
    assert close(b.exact[q("dzf", 2)], ref["dzf"][1], 1e-10)
    # the printed answers: the graph's formulas at the givens (four decimals)
    for p, s in (("dh", 2), ("dc", 2), ("dc", 1), ("dzf", 2)):
        assert close(b.answers[q(p, s)], ref[p][s - 1], 5e-3), (p, s)
    # the cell-state part is dJ/dc2 times the forget gate, the rest comes through h1
    assert close(b.answers["cell"], ref["dc"][1] * ref["f"][1], 5e-3)


def test_the_exercise_prints_its_answers():
    xs, w = lx.draw(random.Random(5))
    ref = torch_cell(xs, w)
    key, title, question, solution, asked = lx.exercise(t, random.Random(5))
    text = " ".join(TextPrinter().doprint(Exercise(title, question, solution, 3, "Solution.")).split())
    assert key == "lstm" and "∂ℓ/∂c₂ · ∂c₂/∂c₁ = f₂·∂ℓ/∂c₂" in text
    b = lx.solve(xs, w)
    for p, s in (("dc", 1), ("dzf", 2)):
        printed = TextPrinter().expr(lx._shown(b.answers[names.sym(names.plain(p, 1, s, 1))]))
        assert printed in text and close(float(printed), ref[p][s - 1], 5e-3)


def test_only_lstm_networks_get_it():
    def titles(spec):
        return [e.title for s in build(derive.load(spec)).body for e in getattr(s, "body", [])
                if isinstance(e, Exercise)]
    for spec, has in (("4x2-lstm(2)-1/mse", True), ("3x2-dropout(0.5)-lstm(1)-2/mse", True),
                      ("2x2-gru(1)-2:softmax/ce", False), ("tiny-rnn", False)):
        assert any("cell state of an LSTM" in x for x in titles(spec)) == has, spec
