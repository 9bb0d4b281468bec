"""Section 1: the notation table, the layout and this network at a glance."""
from __future__ import annotations

import sympy as sp

from ...graph import Partial
from ...layers import shape_text
from ...model import Notation, Section, Table, Text
from ..delta import LayerSymbols, forward_z, show, width

ELL = Notation("ℓ", r"\ell")
J = sp.Symbol("J")


def section(src) -> Section:
    t = src.t
    body = [notation_table(src)]
    if src.dense:
        body.append(Text(t("handout.layout")))
    body.append(network_table(src))
    return Section(t("handout.notation_title"), body, key="notation")


def notation_table(src) -> Table:
    t, net = src.t, src.net
    g = LayerSymbols("l", "l-1", width("l"), width("l-1"))
    j, k = show(g.j), show(g.k)
    rows = []
    if any(layer.kind == "dense" for layer in net.numbered):
        w = g.w.base[g.j, g.k]
        one = sp.IndexedBase(g.a_prev.base.label)   # one example: a vector, one index
        z = show(forward_z(g, net.bias)).xreplace({g.a_prev.base[show(g.r), k]: one[k]})
        rows += [[show(w), t("handout.n_weight")],
                 [g.w.matrix, t("handout.n_matrix")],
                 [sp.Eq(show(sp.IndexedBase(g.z.base.label)[j]), z, evaluate=False), t("handout.n_z")],
                 [show(sp.IndexedBase(g.a.base.label)[j]), t("handout.n_a")]]
    rows += [[Notation("(l)", "(l)"), t("handout.n_superscript")],
             [sp.Eq(show(sp.IndexedBase(g.d.base.label)[j]), Partial(ELL, sp.IndexedBase(g.z.base.label)[j]),
                    evaluate=False), t("handout.n_delta")],
             [Notation("ℓ, J", r"\ell,\ J"), t("handout.n_loss")],
             [Notation("X, Y", r"X,\ Y"), t("handout.n_batch", n0=shape_text(net.input))]]
    return Table([t("handout.symbol"), t("handout.meaning")], rows)


def network_table(src) -> Table:
    t, net = src.t, src.net
    rows = [[t("handout.spec"), net.spec]]
    if net.name:
        rows.append([t("handout.name"), net.name])
    shapes = net.shapes()
    for layer, (shape_in, shape_out) in zip(net.numbered, zip(shapes, shapes[1:])):
        params = ", ".join(f"{key} ({' × '.join(map(str, s))})"
                           for key, s in layer.params(shape_in, net.bias).items())
        rows.append([t("handout.layer", l=layer.l),
                     t("handout.layer_row", token=layer.token(), shape_in=shape_text(shape_in),
                       shape_out=shape_text(shape_out), params=params or t("handout.no_params"))])
    rows.append([t("handout.loss"), t(f"loss.{net.loss}")])
    rows.append([t("handout.batch"), t(f"batch.{net.reduction}") + t("sep.clause") +
                 t("handout.example_m", m=src.example.m)])
    rows.append([t("handout.parameters"), f"{net.n_params:,}"])
    return Table([t("handout.this_network"), ""], rows)
