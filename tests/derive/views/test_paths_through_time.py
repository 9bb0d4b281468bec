"""The scalar view of a small recurrent network lists every dependency path
through time: as many as the unrolled network has (a weight of step t's
input reaches h_T along H^(T - t) routes, one per choice of unit at each
later step), each a chain of definitions that read one another."""
from __future__ import annotations

import re

import pytest

import derive
from derive.graph import Graph
from derive.lang import messages
from derive.views import scalar

t = messages("en")


@pytest.mark.parametrize("spec, T, H", [("3x1-rnn(2)-1/mse", 3, 2), ("4x1-rnn(2)-1/mse", 4, 2),
                                        ("2x1-rnn(3)-1/se", 2, 3)])
def test_every_path_through_time_is_listed(spec, T, H):
    net = derive.load(spec)
    g = Graph(net)
    scheme = g.scheme()
    reads = {d.symbol: {s for s in d.expr.free_symbols} for d in g.forward}
    section = scalar.parameter_section(g, "wx1_1_1", None, t)
    text = section.body[0].text   # the listing, before the printer wraps it
    lines = [line.strip() for line in text.splitlines() if line.strip().endswith("→ J")]
    want = sum(H ** (T - s) for s in range(1, T + 1))   # the input weight enters z at every step
    assert len(lines) == len(set(lines)) == want, (len(lines), want)
    assert f"{want} dependency paths" in text
    by_text = {scheme.unicode(s.name): s for s in reads}
    by_text.update({scheme.unicode("wx1_1_1"): derive.names.sym("wx1_1_1")})
    for line in lines:
        steps = [p.strip() for p in line.split("→")][:-1]
        assert steps[0] == scheme.unicode("wx1_1_1")
        # each quantity reads the one before it; the last is the output
        for a, b in zip(steps, steps[1:]):
            assert by_text[a] in reads[by_text[b]], (a, b)
        assert re.match(r"ŷ", steps[-1])
