"""Section 5: from scalars to indices, then BP1-BP4 for a batch, layer by
layer: the delta view's one derivation."""
from __future__ import annotations

from ...model import Section, Text
from .. import delta


def section(src) -> Section:
    t, net = src.t, src.net
    if not src.dense:
        return Section(t("handout.bp_title"), [Text(t("handout.dense_only"))], key="bp")
    intro, shapes, batch, general, *layers = delta.sections(net, t, view=src.delta)
    body = intro.body + [shapes, batch, general] + layers
    return Section(t("handout.bp_title"), body, key="bp")
