"""For recurrent networks: how far back the error reaches (issue #11).  The
same sequences go through a tanh RNN and an LSTM of the same width; the
table gives |dJ/dh_t| at every step, from the graph's own backward pass.
In the RNN each step back multiplies by W_hᵀ diag(f'(z_t)) and the norm
falls; the LSTM's cell state carries the error through its forget gate."""
from __future__ import annotations

import math
import random
from dataclasses import replace
from fractions import Fraction

import mpmath
import sympy as sp

from ... import names
from ...evaluate import to_mp
from ...example import random_example
from ...format import fmt
from ...graph import Graph
from ...model import Section, Table, Text, Value
from ...network import Network
from ...worked import evaluate

T, H = 16, 3
FORGET_BIAS = 3   # the usual LSTM initialisation trick: the forget gate starts open (sigmoid(3) = 0.95)


def comparison(seed: int = 0) -> tuple[list[float], list[float]]:
    """|dJ/dh_t| for t = 1..T of a tanh RNN and an LSTM on the same data."""
    norms = []
    for net, example in examples(seed):
        ev = evaluate(Graph(net), example)
        norms.append([float(mpmath.sqrt(sum(to_mp(ev.at(names.sym(names.plain("dh", 1, t, j)), 0)) ** 2
                                            for j in range(1, H + 1)))) for t in range(1, T + 1)])
    return norms[0], norms[1]


def examples(seed: int = 0) -> list:
    """(network, example) of the RNN and the LSTM: one sequence, torch's initialisation."""
    rnn = Network.parse(f"{T}x1-rnn({H})-1/mse")
    lstm = Network.parse(f"{T}x1-lstm({H})-1/mse")
    base = random_example(rnn, seed, m=1)
    out = []
    rng = random.Random(seed)
    bound = 1 / math.sqrt(H)
    for net in (rnn, lstm):
        # torch's initialisation of nn.RNN / nn.LSTM: every weight uniform in ±1/√H (two decimals here)
        params = [(p, Fraction(str(round(rng.uniform(-bound, bound), 2)))) for p in net.param_names()]
        if net is lstm:   # torch's gate order i, f, g, o: the second block of H biases is the forget gate
            params = [(p, Fraction(FORGET_BIAS) if p in {f"b1_{H + j}" for j in range(1, H + 1)} else v)
                      for p, v in params]
        out.append((net, replace(random_example(net, seed, m=1), X=base.X, Y=base.Y, params=tuple(params))))
    return out


def shrink(norms: list[float]) -> tuple[float, float]:
    """From step T-1 down to step 1: the total factor and the factor per step
    (the step next to the output, where the output layer's own weights act, left out)."""
    total = norms[0] / norms[-2]
    return total, total ** (1 / (len(norms) - 2))


def section(src) -> Section | None:
    net, t = src.net, src.t
    if not any(layer.kind == "recurrent" for layer in net.numbered):
        return None
    rnn, lstm = comparison()
    rows = [[str(step), Value(sp.Float(rnn[step - 1], 17)), Value(sp.Float(lstm[step - 1], 17))]
            for step in range(T, 0, -1)]
    (r_total, r_step), (l_total, l_step) = shrink(rnn), shrink(lstm)
    body = [Text(t("handout.bptt_intro", T=T, H=H, bias=FORGET_BIAS)),
            Table([t("handout.bptt_step"), "RNN |dJ/dh_t|", "LSTM |dJ/dh_t|"], rows),
            Text(t("handout.bptt_outro", T=T - 1, rnn=fmt(r_total).plain(), rnn_step=fmt(r_step, 3).plain(),
                   lstm=fmt(l_total).plain(), lstm_step=fmt(l_step, 3).plain()))]
    return Section(t("handout.bptt_title"), body, key="bptt")
