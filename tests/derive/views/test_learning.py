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


def test_relu_square_fit_is_drawn_against_x_squared():
    """The fit picture draws y = x^2 itself (the preset's target), the examples as
    marks only, and the trained function is closer to x^2 on the plotted range."""
    import numpy as np
    tex = handout.render(derive.load("relu-square"))
    data, before, after, target = plots(tex)[1:5]
    assert data == [(-1, 1), (0.5, 0.25), (1, 1), (2, 4)]
    assert re.search(r"\\addplot\[blue, only marks[^\]]*\] coordinates \{\(-1,1\)", tex)
    assert r"\addlegendentry{y = $x^{2}$}" in tex
    xs = np.array([x for x, _ in target])
    assert [y for _, y in target] == pytest.approx(list(xs ** 2), rel=2e-5, abs=1e-9)   # 6 digits printed
    assert xs.min() < -1 and xs.max() > 2     # the whole range of the examples, and beyond
    def gap(curve):
        return float(np.mean([(y - x * x) ** 2 for x, y in curve]))
    assert gap(after) < gap(before) / 2


def test_toml_target(tmp_path):
    import sympy as sp
    from derive.errors import SpecError
    body = ('[network]\nspec = "1-3:tanh-1/half_se"\n[example]\nx = [[0.0], [1.0]]\ny = [[0.0], [0.84]]\n'
            'W1 = [[1.0], [0.5], [-1.0]]\nb1 = [0.0, 0.0, 0.0]\nW2 = [[0.5, 0.5, 0.5]]\nb2 = [0.0]\n'
            'steps = 2\n')
    (tmp_path / "ok.toml").write_text(body + 'target = "sin(x)"\n')
    net = derive.load(str(tmp_path / "ok.toml"))
    tex = handout.render(net)
    target = plots(tex)[-1]
    assert [y for _, y in target] == pytest.approx([float(sp.sin(x)) for x, _ in target], rel=2e-5, abs=1e-6)
    for bad, message in [('target = "x + y"', "uses y; it is a function of x alone"),
                         ('target = "__import__(x)"', "unknown function '__import__'"),
                         ('target = "x.real"', "may not use attribute access"),
                         ('target = 2', "must be a function of x as text")]:
        (tmp_path / "bad.toml").write_text(body + bad + "\n")
        with pytest.raises(SpecError, match=re.escape(message)):
            derive.load(str(tmp_path / "bad.toml"))
    two = body.replace('spec = "1-3:tanh-1/half_se"', 'spec = "2-3:tanh-1/half_se"').replace(
        "[[0.0], [1.0]]", "[[0.0, 1.0], [1.0, 0.0]]").replace("[[1.0], [0.5], [-1.0]]", "[[1.0, 0], [0.5, 0], [-1.0, 0]]")
    (tmp_path / "two.toml").write_text(two + 'target = "x**2"\n')
    with pytest.raises(SpecError, match="needs a network of one input and one output"):
        derive.load(str(tmp_path / "two.toml"))
