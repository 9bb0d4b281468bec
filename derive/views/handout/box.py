"""Section 6: the activation box: f' of every activation used (in a where it
is taught so), the output pairs whose error is yhat - y, and the softmax
Jacobian that makes softmax + cross-entropy collapse."""
from __future__ import annotations

import sympy as sp

from ...model import Box, Math, Notation, Section, Text
from ...rules import ACTIVATIONS, output_delta
from .. import scalar
from ..plug import tidy

PAIRS = (("softmax", "ce"), ("sigmoid", "bce"))


def section(src) -> Section:
    t, net = src.t, src.net
    used = scalar.activation_box(net, t).body
    body = [Text(t("handout.box_intro"))] + used
    body.append(Text(t("handout.pairs_intro")))
    body += pair_lines(net, t)
    if all(layer.act is None or ACTIVATIONS[layer.act.name].elementwise for layer in net.numbered):
        body.append(Text(t("handout.jacobian_intro")))
        body += scalar.softmax_lines(t)
    return Section(t("handout.box_title"), [Box(t("scalar.box"), body)], key="box")


def pair_lines(net, t) -> list[Math]:
    """delta_j at the output for this network's pair and the two classic ones,
    from the rules card's output_delta (its taught form and assumption)."""
    out_act = net.output_act
    own = (out_act.name, net.loss)
    pairs = [own] + [p for p in PAIRS if p != own]
    d = Notation("δ⁽ᴸ⁾ⱼ", r"\delta^{(L)}_j")
    yj, tj, zj = Notation("ŷⱼ", r"\hat y_j"), Notation("yⱼ", "y_j"), Notation("zⱼ", "z_j")
    lines = []
    for act, loss in pairs:
        n = net.n_out if (act, loss) == own else (3 if act == "softmax" else 1)
        alpha = out_act.alpha if (act, loss) == own else None
        od = output_delta(act, loss, n, alpha)
        form = tidy(od.taught[0]).xreplace({od.yhats[0]: yj, od.ys[0]: tj, od.zs[0]: zj})
        note = t("handout.pair", act=act, loss=loss)
        if od.assumes:
            note += t("sep.clause") + t(f"assume.{od.assumes}")
        if (act, loss) == own:
            note += " " + t("handout.this_network")
        lines.append(Math([d, form], note=note))
    return lines
