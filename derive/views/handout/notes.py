"""Sections 7 and 9: saturation and vanishing gradients, and why reverse mode."""
from __future__ import annotations

from fractions import Fraction

import sympy as sp

from ... import names
from ...evaluate import to_mp
from ...format import fmt
from ...model import Section
from ...rules import ACTIVATIONS
from .. import notes
from ..prose import para

SATURATED = Fraction(1, 1000)   # f'(z) below this: the example's unit is saturated


def saturation(src) -> Section:
    body = notes.saturation(src.net, src.t, compare=True)
    body += saturated_units(src)
    return Section(src.t("handout.saturation_title"), body, key="saturation")


def saturated_units(src) -> list:
    """A sentence for each layer whose first neuron the worked example drives
    into saturation: its z, and f'(z) computed from the rules card."""
    nums, net = src.numbers, src.net
    if nums is None or not src.dense:
        return []
    out = []
    z = sp.Symbol("z", real=True)
    for l in range(1, net.depth + 1):
        act = net.act(l)
        if act.name not in notes.SATURATING:
            continue
        zv = nums.value("z", l, 1, 0)
        slope = sp.N(ACTIVATIONS[act.name].derivative().subs(z, sp.Float(str(to_mp(zv)), 30)), 20)
        if abs(slope) >= float(SATURATED):
            continue
        error = nums.value("d", l, 1, 0)
        values = dict(act=act.name, z=fmt(zv).plain(), slope=fmt(slope).plain(), neuron=names.node("z", l, 1),
                      delta=names.node("d", l, 1), error=fmt(error).plain())
        if l == net.depth and ACTIVATIONS[act.name].pairs_with == net.loss and abs(to_mp(error)) >= to_mp(SATURATED):
            # the loss cancels f' at the output (sigmoid + bce): the error is computed, not assumed
            out.append(para(src.t, "handout.saturated_output", loss=net.loss, **values))
        else:
            out.append(para(src.t, "handout.saturated_here", **values))
    return out


def reverse(src) -> Section:
    return Section(src.t("handout.reverse_title"), [notes.reverse_mode(src.net, src.t)], key="reverse")
