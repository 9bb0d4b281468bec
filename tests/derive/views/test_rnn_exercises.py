"""The BPTT exercises: the tiny RNN's errors ∂ℓ/∂hₜ, its δₜ and the gradient
of the shared weight wₕ equal torch's (nn.RNNCell with the weights copied
in, float64 autograd, the hidden states' own .grad), at full precision from
the graph and to the givens' rounding in the printed answers; the factor
that repeats multiplies out to the ratio of the errors; the exercises come
with every recurrent network and with no other."""
from __future__ import annotations

import random

import pytest

import derive
from derive import names
from derive.lang import messages
from derive.model import Exercise
from derive.printers.text import TextPrinter
from derive.views import rnn_exercises as rx
from derive.views.handout import build

torch = pytest.importorskip("torch")
t = messages("en")


def torch_bptt(xs, w):
    """∂ℓ/∂hₜ, ∂ℓ/∂zₜ and the weight gradients by torch autograd: each step's
    pre-activation zₜ written with the RNN cell's own weights, and checked
    against nn.RNNCell's output."""
    cell = torch.nn.RNNCell(1, 1, bias=False, nonlinearity="tanh").double()
    with torch.no_grad():
        cell.weight_ih.fill_(float(w["Wx1"]))
        cell.weight_hh.fill_(float(w["Wh1"]))
    v = torch.tensor(float(w["W2"]), dtype=torch.float64, requires_grad=True)
    h = torch.zeros((1, 1), dtype=torch.float64)
    hs, zs = [], []
    for x in xs:
        x = torch.tensor([[float(x)]], dtype=torch.float64)
        z = x @ cell.weight_ih.T + h @ cell.weight_hh.T
        z.retain_grad()
        h_next = torch.tanh(z)
        assert torch.allclose(h_next, cell(x, h), rtol=1e-15, atol=0)
        h = h_next
        h.retain_grad()
        hs.append(h)
        zs.append(z)
    loss = 0.5 * (v * h[0, 0] - float(w["y"])) ** 2
    loss.backward()
    return {"h": [h.item() for h in hs], "dh": [h.grad.item() for h in hs], "delta": [z.grad.item() for z in zs],
            "wx": cell.weight_ih.grad.item(), "wh": cell.weight_hh.grad.item(), "v": v.grad.item(),
            "loss": loss.item()}


def close(a, b, rel):
    return abs(float(a) - b) <= rel * max(1.0, abs(b))


@pytest.mark.parametrize("seed", range(6))
def test_answers_are_torchs(seed):
    xs, w = rx.draw(random.Random(seed))
    b = rx.solve(xs, w)
    ref = torch_bptt(xs, w)
    sym = names.sym
    for s in range(1, rx.T + 1):
        h, dh, d = (sym(names.plain(p, 1, s, 1)) for p in ("h", "dh", "d"))
        assert close(b.exact[h], ref["h"][s - 1], 1e-12)
        assert close(b.exact[dh], ref["dh"][s - 1], 1e-10), (s, b.exact[dh], ref["dh"][s - 1])
        assert close(b.exact[d], ref["delta"][s - 1], 1e-10)
        # the printed answers: the same formulas at h rounded to four decimals
        assert close(b.answers[dh], ref["dh"][s - 1], 2e-3)
        assert close(b.answers[d], ref["delta"][s - 1], 2e-3)
    for key, p in (("wx", "wx1_1_1"), ("wh", "wh1_1_1"), ("v", "w2_1_1")):
        assert close(b.exact[rx.grad(p)], ref[key], 1e-10), key
        assert close(b.answers[rx.grad(p)], ref[key], 2e-3), key
    # the factor that repeats: f2 f3 is the ratio of the errors of h1 and h3
    ratio = 1
    for _, value in b.factors.values():
        ratio *= value
    assert close(ratio, ref["dh"][0] / ref["dh"][2], 2e-3)
    assert abs(w["Wh1"]) < 1


def test_the_exercises_print_their_answers():
    rng = random.Random(3)
    xs, w = rx.draw(random.Random(3))
    ref = torch_bptt(xs, w)
    made = rx.exercises(t, rng)
    assert [m[0] for m in made] == ["bptt", "vanish"]
    text = " ".join(" ".join(TextPrinter().doprint(Exercise(title, q, a, 3, "Solution.")).split())
                    for _, title, q, a, _ in made)
    for s in range(1, 4):
        assert f"∂ℓ/∂h{'₀₁₂₃'[s]} = " in text
    b = rx.solve(xs, w)
    printed = rx._shown(b.answers[rx.grad("wh1_1_1")])
    assert TextPrinter().expr(printed) in text and close(b.answers[rx.grad("wh1_1_1")], ref["wh"], 2e-3)
    assert f"{float(abs(w['Wh1'])):g}^20" in text


def test_every_recurrent_network_gets_them():
    for spec in ("tiny-rnn", "4x2-lstm(2)-1/mse", "2x2-gru(1)-2:softmax/ce"):
        titles = [e.title for s in build(derive.load(spec)).body for e in getattr(s, "body", [])
                  if isinstance(e, Exercise)]
        assert any("through time by hand" in x for x in titles) and any("vanishing" in x for x in titles), spec
    titles = [e.title for s in build(derive.load("small-cnn")).body for e in getattr(s, "body", [])
              if isinstance(e, Exercise)]
    assert not any("through time" in x for x in titles)
