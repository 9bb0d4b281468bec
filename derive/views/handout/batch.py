"""Section 5: from scalars to indices, then BP1-BP4 for a batch, layer by
layer: the delta view's one derivation."""
from __future__ import annotations

from ...model import Section
from .. import delta


def section(src) -> Section:
    t, net = src.t, src.net
    if not src.dense:   # the index view of every layer kind, as `derive --view delta` prints it
        intro, *rest = delta.sections(net, t)
        return Section(t("handout.bp_title"), intro.body + rest, key="bp")
    intro, shapes, batch, general, *layers = delta.sections(net, t, view=src.delta)
    body = intro.body + [shapes, batch, general] + layers
    return Section(t("handout.bp_title"), body, key="bp")
