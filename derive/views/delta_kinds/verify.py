"""--verify for the index view: every claim it makes, checked on a small
instance against the scalar graph.

The derivation is symbolic in every size, so checking it on a small
network of the same layers checks the same formulas: a network too large
for the scalar graph is checked on a copy with its widths, channels, steps
and pixels cut down (kernels, strides, padding, p and λ unchanged).
"""
from __future__ import annotations

from dataclasses import replace

from ...errors import SpecError
from ...graph import can_build, couples_rows
from ...model import Section, Text
from .check import Instance, check
from .network import IndexView

WIDTH, CHANNELS, HIDDEN, STEPS, FEATURES = 3, 2, 2, 3, 2


def rows(net) -> int:
    return 3 if couples_rows(net) else 2


def small(net):
    """``net`` itself when its scalar graph is small, else a cut-down copy."""
    if can_build(net, rows(net)):
        return net
    def cut(layer):
        kind = layer.kind
        if kind == "dense":
            return replace(layer, n=min(layer.n, WIDTH))
        if kind == "conv":
            return replace(layer, channels=min(layer.channels, CHANNELS))
        if kind == "recurrent":
            return replace(layer, hidden=min(layer.hidden, HIDDEN))
        if kind == "res":
            return replace(layer, inner=tuple(cut(x) for x in layer.inner))
        return layer
    layers = tuple(cut(x) for x in net.layers)
    shape = net.input
    if len(shape) == 1:
        candidates = [(min(shape[0], WIDTH),)]
    elif len(shape) == 2:
        candidates = [(min(shape[0], STEPS), min(shape[1], FEATURES))]
    else:
        c, h, w = shape
        candidates = [(min(c, CHANNELS), min(h, s), min(w, s)) for s in range(1, max(h, w) + 1)]
    for inp in candidates:
        try:
            copy = type(net)(inp, layers, net.loss, net.bias, net.reduction, net.l2)
        except SpecError:
            continue
        if can_build(copy, rows(copy)):
            return copy
    return None


def section(net, t, params, data: dict) -> Section:
    """The claims of ``net``'s index view, checked; a section saying so."""
    instance_net = small(net)
    if instance_net is None:
        data["verified_index"] = None
        return Section(t("index.verify_title"), [Text(t("index.verify_none"))], key="verify-index")
    view = IndexView(instance_net, t, params)
    inst = Instance(instance_net, m=rows(instance_net), seed=0)
    failures = [f for c in view.claims for f in check(c, inst, c.values)]
    data["verified_index"] = {"claims": len(view.claims), "instance": instance_net.spec, "failed": failures}
    if failures:
        text = t("index.verify_failed", names="; ".join(failures))
    else:
        where = "" if instance_net is net else " " + t("index.verify_smaller", spec=instance_net.spec)
        text = t("index.verify_ok", n=len(view.claims), m=inst.m) + where + "."
    return Section(t("index.verify_title"), [Text(text)], key="verify-index")
