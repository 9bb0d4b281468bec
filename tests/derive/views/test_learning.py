"""Pictures of learning in handouts (issue #12): the plotted coordinates are
the trace's numbers, and the optimizer section compiles."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

import derive
from derive import handout
from derive.graph import Graph
from derive.worked import descend

from ...tex import NEEDS_TEX, compile_all


def plots(tex: str) -> list[list[tuple[float, float]]]:
    return [[tuple(map(float, pair.split(","))) for pair in re.findall(r"\(([^()]*)\)", body)]
            for body in re.findall(r"\\addplot\[[^\]]*\] coordinates \{([^}]*)\};", tex)]


def test_plotted_points_are_the_trace():
    net = derive.load("single-weight")
    tex = handout.render(net)
    trace = descend(Graph(net), net.example, net.example.steps, net.example.lr)
    loss, curve, path = plots(tex)[:3]
    assert loss == [(r.step, pytest.approx(float(r.loss), rel=1e-5)) for r in trace]
    # the path sits on the curve: seed 001's 0.8, 0.59, 0.4745, ...
    assert [w for w, _ in path][:3] == [0.8, 0.59, 0.4745]
    # J = (x w - y)^2 with x = 1.5, y = 0.5; w is printed to 6 digits
    assert all(j == pytest.approx((1.5 * w - 0.5) ** 2, rel=1e-4, abs=1e-8) for w, j in path + curve)


def test_relu_square_fit_improves():
    tex = handout.render(derive.load("relu-square"))
    data, before, after = plots(tex)[1:4]
    def error(curve):   # squared distance to the examples, the plotted curve read by linear interpolation
        import numpy as np
        xs, ys = zip(*curve)
        return sum((np.interp(x, xs, ys) - y) ** 2 for x, y in data)
    assert error(after) < error(before) / 2


@NEEDS_TEX
def test_optimizer_section_compiles(tmp_path):
    sources = {"adam": handout.render(derive.load("single-weight"), optimizer="adam", lr=0.1),
               "adamw": handout.render(derive.load("relu-square"), optimizer="adamw")}
    for name, c in compile_all(sources, tmp_path).items():
        assert c.ok, c.errors()
        assert c.overfull() == []
    assert "first steps move each parameter by about the learning rate" in " ".join(
        compile_all({"a": sources["adam"]}, tmp_path / "again")["a"].flat.split())


def test_lr_without_optimizer_is_refused(tmp_path):
    done = subprocess.run([sys.executable, "-m", "chainrule", "handout", "single-weight", "--lr", "0.1",
                           "-o", str(tmp_path / "h.tex")], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.startswith("chainrule: error: --lr")
    assert not (tmp_path / "h.tex").exists()


def test_plot_legend_avoids_the_points_and_step_ticks_are_whole():
    from derive.model import Plot, Series
    from derive.printers.latex import LatexPrinter
    falling = Plot("step", "J", [Series("loss", [(0, 1.0), (1, 0.3), (2, 0.1), (3, 0.05)])], whole_x=True)
    u_shape = Plot("w", "J", [Series("J(w)", [(x / 10, (x / 10 - 0.3) ** 2) for x in range(12)], marks=False)])
    out = LatexPrinter().doprint_fragment(falling)
    assert "legend pos=north east" in out and "xtick distance=1" in out
    out = LatexPrinter().doprint_fragment(u_shape)
    assert "legend pos=north west" in out and "xtick distance" not in out
    many = Plot("step", "J", [Series("loss", [(k, 1 / (k + 1)) for k in range(201)])], whole_x=True)
    assert "xtick distance=50" in LatexPrinter().doprint_fragment(many)
