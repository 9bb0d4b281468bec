"""Section 3: the forward pass, staged, one example at a time."""
from __future__ import annotations

import sympy as sp

from ...model import Equations, Math, Notation, Section, Text
from ...rules import ACTIVATIONS, z as Z_SYM
from .. import scalar
from ..delta import LayerSymbols, loss_term, show
from .notation import ELL, J

SMALL = 60   # forward definitions listed one by one up to this many


def section(src) -> Section:
    t, net, g = src.t, src.net, src.graph
    if g is not None:
        staged = scalar.forward_section(g, len(g.forward) <= SMALL, t)
        intro = [] if g.rows != [None] else [Text(t("handout.forward_intro"))]   # batch norm: the view says why
        body = intro + staged.body + [batch_loss(src)]
    elif src.dense:
        body = [Text(t("handout.forward_general"))] + general(src) + [batch_loss(src)]
    else:
        body = [Text(t("handout.no_graph", n=f"{net.n_params:,}"))]
    return Section(t("handout.forward_title"), body, key="forward")


def batch_loss(src) -> Math:
    """J over the batch: the mean (or sum) of the examples' losses."""
    r, m = sp.Symbol("r"), sp.Symbol("m")
    ell_r = sp.Indexed(sp.IndexedBase(sp.Symbol("ℓ")), r)
    total = sp.Sum(ell_r, (r, 1, m))
    if src.net.reduction == "mean":
        total = sp.Mul(Notation("(1/m)", r"\frac{1}{m}"), total, evaluate=False)
    return Math([J, total], note=src.t(f"batch.{src.net.reduction}"))


def general(src) -> list:
    """Each layer's definitions with the neuron index j: a layer too wide to
    write neuron by neuron."""
    net, view = src.net, src.delta
    lines = []
    for l in range(1, net.depth + 1):
        ls = view.layers[l]
        j, k = show(ls.j), show(ls.k)
        a_prev = sp.IndexedBase(ls.a_prev.base.label)
        w, b = sp.IndexedBase(ls.w.base.label), sp.IndexedBase(ls.b.base.label)
        zl, al = sp.IndexedBase(ls.z.base.label), sp.IndexedBase(ls.a.base.label)
        z = sp.Sum(w[j, k] * a_prev[k], (k, 1, net.sizes[l - 1]))
        if net.bias:
            z = sp.Add(z, b[j], evaluate=False)
        lines.append(Math([zl[j], z]))
        act = net.act(l)
        card = ACTIVATIONS[act.name]
        if card.elementwise:
            lines.append(Math([al[j], card.expr(act.alpha).subs(Z_SYM, zl[j])], note=str(act)))
        else:
            i = sp.Symbol("i")
            f = card.formula
            lines.append(Math([al[j], f.subs(Z_SYM, zl[j]) / sp.Sum(f.subs(Z_SYM, zl[i]), (i, 1, net.sizes[l]))],
                              note=str(act)))
    L = net.depth
    k = sp.Symbol("k")
    yhat, y = sp.IndexedBase(view.layers[L].a.base.label), sp.IndexedBase(sp.Symbol("y"))
    term = loss_term(net.loss, net.sizes[L])
    lines.append(Math([ELL, sp.Sum(term(yhat[k], y[k]), (k, 1, net.sizes[L]))], note=src.t(f"loss.{net.loss}")))
    return [Equations(lines)]
