"""The index view of every layer kind (derive/views/delta_kinds), proved.

Each derived result of the view is a Claim: index forms (and a matrix form
where one is shown) that must equal numbers of a small instance.  The
instance's numbers come from the scalar graph (derive.graph, one generic
reverse walk, itself tested against torch in test_graph.py).  Here every
claim is checked on drawn and fixed networks of every kind, and the
results that matter most are also checked against references that do not
go through the graph at all: torch autograd for input gradients, and
sympy.diff of a concrete batch-norm layer for the simplified backward.
"""
from __future__ import annotations

import random
import re
import shutil
import subprocess
import time

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings, strategies as st

import derive
from derive.derivation import build
from derive.graph import can_build
from derive.index_algebra import Def, Iverson, adjoint, collapse_sums, in_range, index, reindex
from derive.lang import messages
from derive.printers import render
from derive.views import delta
from derive.views.delta_kinds.check import Evaluator, Instance, check
from derive.views.delta_kinds.network import IndexView

from .test_graph import arrays, specs

T = messages("en")


def claims_hold(spec, seed=1):
    net = derive.load(spec)
    view = IndexView(net, T)
    inst = Instance(net, m=3 if any(x.kind == "bn" for x in net.numbered) else 2, seed=seed)
    failures = [f for c in view.claims for f in check(c, inst, c.values)]
    assert not failures, (spec, failures)
    return view


KINDS = [
    "1x4x4-conv(2,3):relu-maxpool(2)-flatten-3:softmax/ce",          # conv, max pool, flatten
    "2x5x5-conv(2,3,stride=2,pad=1):tanh-flatten-2/mse",              # stride and padding: dilated error
    "1x5x5-conv(1,2,pad=1)-conv(2,2,stride=2):sigmoid-flatten-2/se",  # a conv below a conv
    "1x5x5-avgpool(2)-flatten-2:sigmoid/bce",                         # a partial window dropped
    "4-8:relu-bn-3:softmax/ce",                                       # bn over the batch
    "1x3x3-conv(2,2):relu-bn-flatten-2/half_se",                      # BatchNorm2d: m·H·W
    "1x2x3-ln-flatten-2/se/sum",                                      # ln per example
    "2-3:relu-dropout(0.5)-1/se",
    "4-res(4:relu-4):relu-2/mse/l2(0.01)", "3-res(3:tanh):sigmoid/bce",
    "3x1-rnn(2)-1/mse", "3x2-gru(2)-1/se/nobias",
    "2x2-lstm(2)-ln-res(2:tanh-2)-dropout(0.25)-1:sigmoid/bce",
    "3x2-dropout(0.5)-rnn(2)-2/mse",                                   # below a recurrent layer
]


@pytest.mark.parametrize("spec", KINDS)
def test_every_result_equals_the_scalar_graph(spec):
    view = claims_hold(spec)
    assert len(view.claims) >= 4


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs(), st.integers(0, 3))
def test_drawn_networks(spec, seed):
    net = derive.Network.parse(spec)
    if net.is_mlp or not can_build(net, 3):
        return
    claims_hold(spec, seed)


def test_a_wrong_form_is_caught():
    """The check can fail: each claim, perturbed, is reported."""
    net = derive.load("2x2-lstm(2)-ln-res(2:tanh-2)-dropout(0.25)-1:sigmoid/bce")
    view = IndexView(net, T)
    inst = Instance(net, 2, 1)
    for c in view.claims:
        c.forms = [f * sp.Rational(1001, 1000) for f in c.forms]
        c.matrix = sp.MatMul(2, c.matrix) if isinstance(c.matrix, sp.MatrixExpr) else None
        assert check(c, inst, c.values), c.what


SHOWN = ["20x16-lstm(32)-10:softmax/ce", "1x6x6-conv(2,3):relu-maxpool(2)-flatten-3:softmax/ce",
         "4-8:relu-bn-3:softmax/ce", "4-res(4:relu-4):relu-2/mse/l2(0.01)"]
OTHERS = ["2x5x5-conv(2,3,stride=2,pad=1):tanh-flatten-2/mse", "1x5x5-avgpool(2)-flatten-2:sigmoid/bce",
          "2-3:relu-dropout(0.5)-1/se", "3x1-rnn(2)-1/mse", "3x2-gru(2)-2:softmax/ce", "1x2x3-ln-flatten-2/se",
          "1x3x3-conv(2,2):relu-bn-flatten-2/half_se"]


@pytest.fixture(scope="module")
def text():
    return {s: render(build(derive.load(s), view="delta"), "text") for s in SHOWN + OTHERS}


def test_text_fits_80_columns_and_is_deterministic(text):
    for spec, out in text.items():
        assert max(len(line) for line in out.splitlines()) <= 80, spec
    assert render(build(derive.load(SHOWN[0]), view="delta"), "text") == text[SHOWN[0]]


def test_every_kind_is_derived(text):
    """Each layer kind shows what the issue asks of it."""
    flat = {s: " ".join(v.split()) for s, v in text.items()}
    conv = flat["1x6x6-conv(2,3):relu-maxpool(2)-flatten-3:softmax/ce"]
    assert "(1/m)·Σ_r,i,j(δ⁽¹⁾[r, p, i, j]·x[r, q, s + S·(i - 1) - P, e + S·(j - 1) - P])" in conv
    assert "[1 ≤ h + P - S·(i - 1) ≤ K]" in conv                       # the linear collapse's bracket
    assert "w̃⁽¹⁾[c, q, u′, v′]" in conv and "δ̄⁽¹⁾[r, c, h + u′ + P - K" in conv   # full conv, flipped
    assert "I⁽²⁾[r, q, h, g]" in conv and "⌈h/K⌉" in conv                 # max routes to the argmax
    assert "da⁽³⁾[r, g + H₂·W₂·(q - 1) + W₂·(h - 1)]" in conv or "reshape(dA⁽³⁾" in conv
    assert "δ̃⁽¹⁾" in flat["2x5x5-conv(2,3,stride=2,pad=1):tanh-flatten-2/mse"]     # dilated error
    assert "1/K²" in flat["1x5x5-avgpool(2)-flatten-2:sigmoid/bce"] or "/K²" in flat[
        "1x5x5-avgpool(2)-flatten-2:sigmoid/bce"]
    bn = flat["4-8:relu-bn-3:softmax/ce"]
    assert ("(γ⁽²⁾[q]/(m·σ⁽²⁾[q]))·(m·da⁽²⁾[p, q] - Σ_r(da⁽²⁾[r, q]) - x̂⁽²⁾[p, q]·Σ_r(da⁽²⁾[r, q]·x̂⁽²⁾[r, q]))"
            in bn)
    assert "= 0 [the deviations from the mean sum to 0" in bn                      # the μ path through σ²
    assert "SymPy: equal to the three paths" in bn
    assert "(1/m) (dA⁽²⁾ ⊙ X̂⁽²⁾)ᵀ 1ₘ" in bn and "(1/m) dA⁽²⁾ᵀ 1ₘ" in bn      # dγ, dβ
    assert "N = m" in bn
    assert "N = m·H₁·W₁ = m · 2 · 2" in flat["1x3x3-conv(2,2):relu-bn-flatten-2/half_se"]
    assert "N = C₀·H₀·W₀ = 1 · 2 · 3" in flat["1x2x3-ln-flatten-2/se"]
    res = flat["4-res(4:relu-4):relu-2/mse/l2(0.01)"]
    assert "dX = dS⁽²⁾ + dXᶠ" in res and "+ λ W⁽¹⁾" in res and "= λ·w[p, q]" in res
    assert "(dA1) dA⁽¹⁾ = 1/(1 - p) M⁽²⁾ ⊙ dA⁽²⁾" in flat["2-3:relu-dropout(0.5)-1/se"]
    rnn = flat["3x1-rnn(2)-1/mse"]
    assert "da⁽¹⁾[r, q]·[s=T] + Σ_j(δ⁽¹⁾[r, s + 1, j]·wₕ⁽¹⁾[j, q])·[s + 1 ≤ T]" in rnn
    assert "dH⁽¹⁾ₛ = [s=T] dA⁽¹⁾ + [s + 1 ≤ T] Δ⁽¹⁾ₛ₊₁ Wₕ⁽¹⁾" in rnn
    assert "Π_u=s + 1..T(Wₕ⁽¹⁾ᵀ diag(f′(z⁽¹⁾ᵤ)))" in rnn and "Σ_t((1/m) Δ⁽¹⁾ₜᵀ H⁽¹⁾ₜ₋₁)" in rnn
    lstm = flat["20x16-lstm(32)-10:softmax/ce"]
    assert "dc⁽¹⁾[r, s + 1, q]·f⁽¹⁾[r, s + 1, q]·[s + 1 ≤ T]" in lstm
    assert "(1 - tanh(c⁽¹⁾[r, s, q])²)" in lstm and "[the f block]" in lstm
    gru = flat["3x2-gru(2)-2:softmax/ce"]
    assert "δₕ⁽¹⁾[r, s, q + 2·n₁] = dn⁽¹⁾[r, s, q]·gᵣ⁽¹⁾[r, s, q]·(1 - n⁽¹⁾[r, s, q]²)" in gru


def test_input_gradients_equal_torch():
    """dX of the first layer, not through the graph: torch autograd of L = Σ ℓᵣ."""
    torch = pytest.importorskip("torch")
    from tests.torch_reference import forward
    for spec in ("2x5x5-conv(2,3,stride=2,pad=1):tanh-flatten-2/mse", "1x5x5-avgpool(2)-flatten-2:sigmoid/bce",
                 "3-ln-2/mse", "3x2-dropout(0.5)-rnn(2)-2/mse", "4-res(4:relu-4):relu-2/mse/l2(0.01)"):
        net = derive.load(spec)
        view = IndexView(net, T)
        inst = Instance(net, 2, 3)
        X, Y, P, M = arrays(net, inst.example)
        x = torch.tensor(X, requires_grad=True)
        Pt = {k: torch.tensor(v) for k, v in P.items()}
        yhat = forward(net, net.layers, x, Pt, {k: torch.tensor(v) for k, v in M.items()})
        y = torch.tensor(Y)
        per = {"mse": lambda: ((yhat - y) ** 2).sum(1) / y.shape[1], "se": lambda: ((yhat - y) ** 2).sum(1),
               "bce": lambda: -(y * torch.log(yhat) + (1 - y) * torch.log(1 - yhat)).sum(1),
               "ce": lambda: -(y * torch.log(yhat)).sum(1)}[net.loss]()
        (dx,) = torch.autograd.grad(per.sum(), x)
        mine = [c for c in view.claims if c.reference == ("adj", ("input",))]
        assert mine, spec
        for c in mine:
            ev = Evaluator(inst, c.values)
            for form in c.forms:
                got = ev.table(form, c.free, c.ranges, c.tensors)
                np.testing.assert_allclose(got, dx.numpy(), rtol=1e-9, atol=1e-12, err_msg=f"{spec}: {c.what}")


def test_batch_norm_simplified_form_equals_sympy_diff():
    """The simplified dx, evaluated, against sympy.diff of a concrete batch-norm
    layer written out entry by entry (m = 3 examples, one feature)."""
    net = derive.load("1-bn-1/se")
    view = IndexView(net, T)
    claim = next(c for c in view.claims if c.what.startswith("dx (norm"))
    simplified = claim.forms[3]     # (γ/(m σ))·(m da - Σ da - x̂ Σ da x̂)
    m = 3
    xs, dys = sp.symbols("x1:4", real=True), sp.symbols("dy1:4", real=True)
    g, b = sp.symbols("gamma beta", real=True)
    eps = sp.Rational(1, 10 ** 5)
    mu = sum(xs) / m
    var = sum((x - mu) ** 2 for x in xs) / m
    L = sum(dy * (g * (x - mu) / sp.sqrt(var + eps) + b) for x, dy in zip(xs, dys))
    rng = random.Random(4)
    point = {s: sp.Rational(rng.randint(-90, 90), 37) for s in (*xs, *dys, g)}
    reference = [float(sp.diff(L, x).subs(point)) for x in xs]
    # the same numbers as tensors of the view: x, dy (= da), μ, σ², σ, x̂, γ
    stage = next(s for s in IndexView(net, T).stages if s.kind == "norm")
    xv = np.array([[float(point[x])] for x in xs])
    muv = xv.mean()
    varv = ((xv - muv) ** 2).mean()
    numbers = {stage.x.base: xv, stage.mu.base: np.array([muv]), stage.var.base: np.array([varv]),
               stage.std.base: np.array([np.sqrt(varv + 1e-5)]), stage.xhat.base: (xv - muv) / np.sqrt(varv + 1e-5),
               stage.gamma.base: np.array([float(point[g])])}
    da = [tn for tn in claim.tensors if str(tn.base.label).startswith("da")][0]
    numbers[da.base] = np.array([[float(point[d])] for d in dys])

    class Fixed(Evaluator):
        def bind(self, tensors):
            return {base: (arr, False) for base, arr in numbers.items()}
    inst = type("I", (), {"m": m})()
    ev = Fixed(inst, {**claim.values})
    got = ev.table(simplified, claim.free, claim.ranges, claim.tensors)
    np.testing.assert_allclose(got[:, 0], reference, rtol=1e-9)


# ------------------------------------------------------------ index algebra --

def test_linear_collapse_keeps_the_range_as_a_bracket():
    K, S, H = (sp.Symbol(n, integer=True, positive=True) for n in "KSH")
    P = sp.Symbol("P", integer=True, nonnegative=True)
    u, i, h = index("u"), index("i"), index("h")
    w = sp.IndexedBase("w")
    ranges = {u: (1, K), i: (1, H), h: (1, 9)}
    body = sp.Sum(w[u] * sp.KroneckerDelta(h, S * (i - 1) + u - P), (u, 1, K))
    out = collapse_sums(body, ranges)
    assert out == w[h + P - S * (i - 1)] * Iverson(h + P - S * (i - 1), 1, K)
    # SymPy's own Sum.doit gives the same value (as a Piecewise) at concrete numbers
    for vals in ({K: 3, S: 2, P: 1, H: 4, i: 2, h: 3}, {K: 3, S: 2, P: 1, H: 4, i: 1, h: 5}):
        ref = body.xreplace(vals).doit()
        mine = out.xreplace(vals)
        mine = mine.replace(lambda e: isinstance(e, Iverson),
                            lambda e: sp.S.One if e.lo <= e.e <= e.hi else sp.S.Zero)
        assert sp.simplify(ref - mine) == 0


def test_window_collapse_and_trivial_ranges():
    K, H = sp.Symbol("K", integer=True, positive=True), sp.Symbol("H", integer=True, positive=True)
    i, h = index("i"), index("h")
    a = sp.IndexedBase("a")
    ranges = {i: (1, H), h: (1, 20)}
    out = collapse_sums(sp.Sum(a[i] * Iverson(h - K * (i - 1), 1, K), (i, 1, H)), ranges)
    assert out == a[sp.ceiling(h / K)] * Iverson(sp.ceiling(h / K), None, H)
    t, T = index("t"), sp.Symbol("T", integer=True, positive=True)
    assert in_range(t + 1, 1, T, {t: (1, T)}) == Iverson(t + 1, None, T)    # [t + 1 ≤ T]
    assert in_range(t, 1, T, {t: (1, T)}) == 1
    assert in_range(t + T, 1, T, {t: (1, T)}) == 0


def test_chain_rule_and_reindex():
    n = sp.Symbol("n", integer=True, positive=True)
    r, j, k, q = (index(c) for c in "rjkq")
    x, w, z, d = (sp.IndexedBase(c) for c in "xwzd")
    zdef = Def(z, (r, j), sp.Sum(w[j, k] * x[r, k], (k, 1, n)))
    ch = adjoint(x[r, q], [(zdef, d)], {r: (1, 5), j: (1, n), k: (1, n), q: (1, n)})
    assert ch.result == sp.Sum(d[r, j] * w[j, q], (j, 1, n))
    u = index("u")
    flipped = reindex(sp.Sum(x[r, j], (j, 1, n)), j, u, n + 1 - u)
    assert flipped == sp.Sum(x[r, n + 1 - u], (u, 1, n))


# --------------------------------------------------------------- output --

def test_any_size_is_quick():
    start = time.perf_counter()
    render(build(derive.load("20x16-lstm(32)-10:softmax/ce"), view="delta"), "text")
    assert time.perf_counter() - start < 3.0


def test_param_shows_only_what_leads_to_it():
    text = render(build(derive.load("4-8:relu-bn-3:softmax/ce"), view="delta", params=["gamma2_1"]), "text")
    assert "∂J/∂γ⁽²⁾" in text and "∂J/∂β⁽²⁾" not in text
    assert "Layer 1" not in text and "∂J/∂W⁽³⁾" not in text and "three ways" not in text
    text = render(build(derive.load("4-res(4:relu-4):relu-2/mse/l2(0.01)"), view="delta", params=["w2_1_1"]), "text")
    assert "∂J/∂W⁽²⁾" in text and "Layer 1" not in text and "adds along the skip" not in text
    view = IndexView(derive.load("1x6x6-conv(2,3):relu-maxpool(2)-flatten-3:softmax/ce"), T, ["b1_1"])
    assert {c.reference for c in view.claims if c.reference[0] == "grad"} == {("grad", "b1")}


def test_dense_networks_keep_their_view():
    """A dense network still gets BP1-BP4 (its output is checked line by line in test_delta.py)."""
    from derive.views.delta_kinds.dense import mlp_sections
    net = derive.load("mlp-2-3-1")
    assert delta.sections(net, T) == mlp_sections(net, T)


def test_verify_checks_the_index_view_even_when_large():
    doc = build(derive.load("20x16-lstm(32)-10:softmax/ce"), view="delta", verify=True)
    text = " ".join(render(doc, "text").split())
    assert "Verified: all" in text and "3x2-lstm(2)-3:softmax/ce" in text
    record = doc.materialize()["verified_index"]
    assert record["failed"] == [] and record["claims"] > 10


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
@pytest.mark.parametrize("spec", SHOWN)
def test_latex_compiles_without_overfull_boxes(spec, tmp_path):
    tex = render(build(derive.load(spec), view="delta"), "latex")
    (tmp_path / "d.tex").write_text(tex)
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "d.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    log = (tmp_path / "d.log").read_text(errors="replace")
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt", log)]
    assert all(w <= 10 for w in widths), widths
