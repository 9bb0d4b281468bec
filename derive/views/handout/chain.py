"""Section 4: the chain rule one parameter at a time: the deltas of the
backward pass, one gradient followed along its paths, and every gradient
as upstream delta times local derivative."""
from __future__ import annotations

from ...model import Equations, Section, Text
from .. import scalar

GROUPED = 16   # gradient lines set in one block


def section(src) -> Section:
    t, net, g = src.t, src.net, src.graph
    if g is None:
        body = [Text(t("handout.chain_general", n=f"{net.n_params:,}")),
                Text(t("handout.gates") + " " + t("handout.fan_out"))]
        return Section(t("handout.chain_title"), body, key="chain")
    full = len(g.forward) <= 60
    backward = scalar.backward_section(g, full, t)
    shown, representative = scalar.chosen_parameters(net, None)
    first = shown[0]
    values = src.numbers.ev.rows[0] if src.numbers is not None else None
    example = scalar.parameter_section(g, first, values, t)
    lines = [scalar.gradient_line(g, p, t, note=False) for p in shown[:GROUPED]]
    params = Section(t("handout.parameters_title"),
                     [Text(t("handout.one_parameter", name=g.scheme().unicode(first)))] + example.body +
                     [Text(t("handout.every_parameter") if not representative else
                           t("handout.representatives", n=f"{net.n_params:,}")),
                      Equations(lines)], key="chain-parameters")
    # the backward pass names a quantity that fans out, when there is one
    gates = t("handout.gates") + ("" if scalar.fan_out(g) else " " + t("handout.fan_out"))
    body = backward.body + [Text(gates), params]
    return Section(t("handout.chain_title"), body, key="chain")
