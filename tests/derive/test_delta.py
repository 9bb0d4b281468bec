"""The delta view (BP1-BP4 at index level) against the scalar network.

The matrix and index forms that derive.delta derives are evaluated on random
numbers and compared with derive.network.Backprop (deltas and gradients) and
with central finite differences of the expanded loss."""
from __future__ import annotations

import itertools
import shutil
import subprocess
import time

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

import derive
from derive.views import delta
from derive.rules import ACTIVATIONS, z as Z_SYM
from derive.graph import Graph as Backprop
from derive.derivation import build
from derive.printers import render


# ------------------------------------------------------------- helpers --

def numbers(net, m, seed):
    """Random inputs, targets and parameters; targets fit the loss."""
    rng = np.random.default_rng(seed)
    n0, nL = net.sizes[0], net.sizes[-1]
    X = rng.uniform(-1, 1, (m, n0))
    if net.loss == "ce":
        Y = np.eye(nL)[rng.integers(0, nL, m)]
    elif net.loss == "bce":
        Y = rng.uniform(0.05, 0.95, (m, nL))
    else:
        Y = rng.uniform(-1, 1, (m, nL))
    params = {p: float(rng.uniform(-1, 1)) for p in net.param_names()}
    return X, Y, params


def base_values(net, X, Y, params):
    from derive import names
    vals = {names.sym(p): v for p, v in params.items()}
    for r in range(X.shape[0]):
        vals.update({names.x(i + 1, r + 1): X[r, i] for i in range(X.shape[1])})
        vals.update({names.y(k + 1, r + 1): Y[r, k] for k in range(Y.shape[1])})
    return vals


def scalar_reference(net, X, Y, params):
    """Backprop with one row per example, evaluated definition by definition."""
    from derive import names
    m = X.shape[0]
    bp = Backprop(net, rows=list(range(1, m + 1)))
    vals = base_values(net, X, Y, params)
    for s, e in bp.definitions():
        vals[s] = float(e.xreplace(vals))
    grads = {name: float(g.expr.xreplace(vals)) for name, g in bp.gradients.items()}
    L = net.depth

    def mat(kind, l):
        return np.array([[vals[names.node(kind, l, j, r)] for j in range(1, net.sizes[l] + 1)]
                         for r in range(1, m + 1)])
    Z = {l: mat("z", l) for l in range(1, L + 1)}
    A = {l: mat("a", l) for l in range(1, L + 1)}
    D = {l: mat("d", l) for l in range(1, L + 1)}
    return bp, Z, A, D, grads


def finite_differences(net, bp, X, Y, params, h=1e-6):
    from derive import names
    loss = bp.expand(bp.loss)
    syms = [names.sym(p) for p in net.param_names()]
    others = {k: v for k, v in base_values(net, X, Y, params).items() if k not in syms}
    f = sp.lambdify(syms, loss.xreplace(others), "math")
    point = [params[p] for p in net.param_names()]
    out = {}
    for i, p in enumerate(net.param_names()):
        up, down = list(point), list(point)
        up[i] += h
        down[i] -= h
        out[p] = (f(*up) - f(*down)) / (2 * h)
    return out


def weight_matrix(net, params, l):
    return np.array([[params[f"w{l}_{j}_{k}"] for k in range(1, net.sizes[l - 1] + 1)]
                     for j in range(1, net.sizes[l] + 1)])


def matrix_values(view, l, X, Y, Z, A, D, params):
    """MatrixSymbol -> numbers for layer l of the delta view."""
    net, ls = view.net, view.layers[l]
    m = X.shape[0]
    out = {ls.a_prev.matrix: X if l == 1 else A[l - 1], ls.z.matrix: Z[l], ls.a.matrix: A[l],
           ls.w.matrix: weight_matrix(net, params, l), ls.d.matrix: D[l], ls.y.matrix: Y,
           sp.MatrixSymbol(delta.ONES.text, delta.M, 1): np.ones((m, 1))}
    act = net.act(l)
    if act.name != "softmax":
        # f'(z) straight from sympy.diff of the library's f: independent of
        # the rewrite in the output a that the view prints.
        fp = sp.lambdify(Z_SYM, ACTIVATIONS[act.name].derivative(act.alpha), "numpy")
        out[ls.fprime.matrix] = np.vectorize(lambda v: float(fp(v)))(Z[l])
    if l < net.depth:
        nxt = view.layers[l + 1]
        out[nxt.w.matrix] = weight_matrix(net, params, l + 1)
        out[nxt.d.matrix] = D[l + 1]
    return out


def evaluate_matrix(expr, values, m):
    subs = {k: sp.ImmutableMatrix(v) for k, v in values.items()}
    subs[delta.M] = m
    result = expr.xreplace(subs).doit()
    return np.array(sp.ImmutableMatrix(result).evalf(), dtype=float)


def evaluate_index(step, tables, widths, m):
    """The index form, element by element: indices -> numbers, sums done."""
    free = step.free
    ranges = [range(1, int(i.upper.xreplace({**widths, delta.M: m})) + 1) for i in free]
    out = np.zeros([len(r) for r in ranges])
    for combo in itertools.product(*ranges):
        # free indices first: Idx objects carry their ranges, which hold m and widths
        e = step.index.xreplace(dict(zip(free, combo))).xreplace({**widths, delta.M: m}).doit()
        e = e.replace(lambda x: isinstance(x, sp.Indexed),
                      lambda x: sp.Float(tables[x.base][tuple(int(i) - 1 for i in x.indices)]))
        out[tuple(c - 1 for c in combo)] = float(e)
    return out


def index_tables(view, l, values):
    """IndexedBase -> numbers (biases are not needed by BP1-BP4)."""
    ls = view.layers[l]
    pairs = [ls.a_prev, ls.z, ls.a, ls.w, ls.d, ls.y]
    if l < view.net.depth:
        nxt = view.layers[l + 1]
        pairs += [nxt.w, nxt.d]
    return {q.base: values[q.matrix] for q in pairs}


def widths_of(net):
    return {delta.width(str(l)): n for l, n in enumerate(net.sizes)}


def check_against_backprop(spec, m=3, seed=0):
    net = derive.load(spec)
    view = delta.DeltaView(net)
    X, Y, params = numbers(net, m, seed)
    bp, Z, A, D, grads = scalar_reference(net, X, Y, params)
    widths = widths_of(net)
    mine = {}  # the deltas the view propagates, from its own BP1/BP2
    for l in range(net.depth, 0, -1):
        values = matrix_values(view, l, X, Y, Z, A, {**D, **mine}, params)
        tables = index_tables(view, l, values)
        first = view.step("BP1" if l == net.depth else "BP2", l)
        by_matrix = evaluate_matrix(first.matrix, values, m)
        by_index = evaluate_index(first, tables, widths, m)
        np.testing.assert_allclose(by_matrix, D[l], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(by_index, D[l], rtol=1e-9, atol=1e-12)
        mine[l] = by_matrix
        values = matrix_values(view, l, X, Y, Z, A, {**D, **mine}, params)
        tables = index_tables(view, l, values)
        w4 = view.step("BP4", l)
        dW = np.array([[grads[f"w{l}_{j}_{k}"] for k in range(1, net.sizes[l - 1] + 1)]
                       for j in range(1, net.sizes[l] + 1)])
        np.testing.assert_allclose(evaluate_matrix(w4.matrix, values, m), dW, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(evaluate_index(w4, tables, widths, m), dW, rtol=1e-9, atol=1e-12)
        if net.bias:
            b3 = view.step("BP3", l)
            db = np.array([[grads[f"b{l}_{j}"]] for j in range(1, net.sizes[l] + 1)])
            np.testing.assert_allclose(evaluate_matrix(b3.matrix, values, m), db, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(evaluate_index(b3, tables, widths, m)[:, None], db,
                                       rtol=1e-9, atol=1e-12)
        else:
            assert not [s for s in view.steps if s.label == "BP3"]
    return net, bp, X, Y, params, grads


# --------------------------------------------------------------- tests --

@pytest.mark.parametrize("spec", [
    "mlp-2-3-1",
    "2-4:relu-3:softmax/ce",
    "2-3:tanh-2:sigmoid/bce",
    "2-3:leaky_relu-2/half_se/sum",
    "3-2:elu-2:relu/se/nobias",
    "2-2:softplus-2:tanh/mse/sum/nobias",
    "1-1/se/nobias",
])
def test_matrix_and_index_forms_agree_with_backprop(spec):
    check_against_backprop(spec)


def test_gradients_agree_with_finite_differences():
    net, bp, X, Y, params, grads = check_against_backprop("2-3:sigmoid-2:softmax/ce", m=2, seed=3)
    fd = finite_differences(net, bp, X, Y, params)
    for p in net.param_names():
        assert grads[p] == pytest.approx(fd[p], rel=1e-5, abs=1e-7), p


@settings(max_examples=6, deadline=None)
@given(sizes=st.lists(st.integers(1, 3), min_size=2, max_size=4),
       hidden=st.sampled_from(["sigmoid", "tanh", "relu", "softplus"]),
       out=st.sampled_from(["identity/mse", "sigmoid/bce", "softmax/ce", "tanh/half_se"]),
       extra=st.sampled_from(["", "/sum", "/nobias"]), seed=st.integers(0, 1000))
def test_drawn_architectures_agree_with_backprop(sizes, hidden, out, extra, seed):
    layers = [str(sizes[0])] + [f"{n}:{hidden}" for n in sizes[1:-1]]
    width = max(2, sizes[-1]) if out.startswith("softmax") else sizes[-1]  # softmax needs 2 outputs
    spec = "-".join(layers) + f"-{width}:{out}{extra}"
    check_against_backprop(spec, m=2, seed=seed)


def test_kronecker_delta_collapses():
    net = derive.load("mlp-2-3-1")
    view = delta.DeltaView(net)
    w4 = view.step("BP4", 1)
    (_, lhs, raw, local), (_, chain, inner, index, element) = w4.steps
    # sympy.diff gives the deltas inside a sum over k ...
    assert isinstance(raw, sp.Sum) and raw.has(sp.KroneckerDelta)
    assert len(raw.atoms(sp.KroneckerDelta)) == 2
    # ... the sum collapses at k = q, leaving [j = p] times a_{r,q} ...
    assert not local.has(sp.Sum) and local.atoms(sp.KroneckerDelta)
    ls = view.layers[1]
    assert local == sp.KroneckerDelta(ls.j, ls.p) * ls.a_prev.base[ls.r, ls.q]
    # ... and the sum over j collapses at j = p: no delta, no Piecewise left.
    assert not index.has(sp.KroneckerDelta) and not index.has(sp.Piecewise)
    assert index == sp.Sum(ls.d.base[ls.r, ls.p] * ls.a_prev.base[ls.r, ls.q], (ls.r, 1, delta.M)) / delta.M
    # rows contracted: the transpose is on Delta
    assert w4.matrix == sp.MatMul(1 / delta.M, ls.d.matrix.T, ls.a_prev.matrix)


def test_collapse_only_drops_range_conditions():
    i = sp.Idx("i", (1, delta.width("3")))
    x = sp.Symbol("x")
    assert delta.collapse(sp.Piecewise((x, i <= delta.width("3")), (0, True))) == x
    with pytest.raises(ValueError):
        delta.collapse(sp.Piecewise((x, x > 0), (0, True)))


def test_recogniser_patterns():
    n, k = delta.width("2"), delta.width("1")
    r, p, q = sp.Idx("r", (1, delta.M)), sp.Idx("p", (1, n)), sp.Idx("q", (1, k))
    j = sp.Idx("j", (1, n))
    X, Y = sp.IndexedBase("X"), sp.IndexedBase("Y")
    MX, MY = sp.MatrixSymbol("X", delta.M, n), sp.MatrixSymbol("Y", delta.M, k)
    mats = {X: MX, Y: MY}
    assert delta.as_matrix(sp.Sum(X[r, p] * Y[r, q], (r, 1, delta.M)), (p, q), mats) == MX.T * MY
    MW = sp.MatrixSymbol("W", n, k)
    W = sp.IndexedBase("W")
    assert delta.as_matrix(sp.Sum(X[r, j] * W[j, q], (j, 1, n)), (r, q), {X: MX, W: MW}) == MX * MW
    with pytest.raises(ValueError):
        delta.as_matrix(X[r, p] * Y[r, q], (p, q), mats)


def test_softmax_exact_form_holds_for_any_targets():
    """Before 'rows of Y sum to 1', the derived delta is exact for any Y."""
    net = derive.load("2-3:sigmoid-3:softmax/ce")
    view = delta.DeltaView(net)
    m = 2
    X, _, params = numbers(net, m, 5)
    Y = np.random.default_rng(6).uniform(0, 2, (m, 3))  # rows do not sum to 1
    bp, Z, A, D, grads = scalar_reference(net, X, Y, params)
    s1 = view.step("BP1", 2)
    exact = s1.steps[1][3]
    ls = view.layers[2]
    step = delta.Step("BP1", "2", None, exact, s1.free, None)
    tables = {ls.a.base: A[2], ls.y.base: Y, ls.z.base: Z[2]}
    np.testing.assert_allclose(evaluate_index(step, tables, widths_of(net), m), D[2], rtol=1e-9)
    # and the taught form is yhat - y: different here, equal for one-hot rows
    taught = evaluate_matrix(s1.matrix, {ls.a.matrix: A[2], ls.y.matrix: Y}, m)
    assert not np.allclose(taught, D[2])
    assert s1.note == "rows of Y sum to 1 (one-hot or probabilities)"


def test_batch_convention_follows_the_reduction():
    mean = render(build(derive.load("2-2:sigmoid-1/mse"), view="delta"), "text")
    total = render(build(derive.load("2-2:sigmoid-1/mse/sum"), view="delta"), "text")
    assert "(BP4) ∂J/∂W⁽¹⁾ = (1/m) Δ⁽¹⁾ᵀ X" in mean
    assert "(BP4) ∂J/∂W⁽¹⁾ = Δ⁽¹⁾ᵀ X" in total and "(1/m)" not in total
    assert "no 1/m" in mean and "rows are examples" in mean.lower()


def test_text_shows_shapes_and_the_layout():
    text = render(build(derive.load("mlp-2-3-1"), view="delta"), "text")
    for line in [
        "(BP2) Δ⁽¹⁾ = (Δ⁽²⁾ W⁽²⁾) ⊙ f′(Z⁽¹⁾) = (Δ⁽²⁾ W⁽²⁾) ⊙ A⁽¹⁾ ⊙ (1 - A⁽¹⁾)",
        "(BP4) ∂J/∂W⁽¹⁾ = (1/m) Δ⁽¹⁾ᵀ X   [(3×m)(m×2) → (3×2)]",
        "(BP3) ∂J/∂b⁽²⁾ = (1/m) Δ⁽²⁾ᵀ 1ₘ",
        "(BP1) Δ⁽²⁾ = 2 (Ŷ - Y)",
        "∂z⁽ˡ⁾[r, j]/∂w⁽ˡ⁾[p, q] = Σ_k([j=p]·[k=q]·a⁽ˡ⁻¹⁾[r, k]) = [j=p]·a⁽ˡ⁻¹⁾[r, q]",
        "W⁽¹⁾      (3 × 2)",
    ]:
        assert line in text, line
    assert "w⁽ˡ⁾ⱼₖ connects neuron k of layer l-1 to neuron j of layer l" in text.replace("\n", " ")


@pytest.mark.parametrize("spec", ["mlp-2-3-1", "softmax-2hidden", "2-3:tanh-2:sigmoid/bce/sum/nobias",
                                  "3-2:leaky_relu-2:relu/mse", "784-128:relu-10:softmax/ce"])
def test_text_fits_80_columns_and_is_deterministic(spec):
    net = derive.load(spec)
    text = render(build(net, view="delta"), "text")
    assert max(len(line) for line in text.splitlines()) <= 80
    assert render(build(net, view="delta"), "text") == text


def test_any_width_is_instant():
    start = time.perf_counter()
    text = render(build(derive.load("784-128:relu-10:softmax/ce"), view="delta"), "text")
    assert time.perf_counter() - start < 2.0
    assert "(BP4) ∂J/∂W⁽¹⁾ = (1/m) Δ⁽¹⁾ᵀ X   [(128×m)(m×784) → (128×784)]" in text
    assert "(BP1) Δ⁽²⁾ = Ŷ - Y" in text


def test_latex_output():
    tex = render(build(derive.load("2-3:tanh-2:sigmoid/bce"), view="delta"), "latex")
    assert tex.startswith(r"\documentclass")
    for piece in [r"{\Delta^{(1)}}^{\top} X", r"\odot", r"\tag*{(BP4)}", r"[j = p]",
                  r"\mathbf{1}_{m}", r"{A^{(1)}}^{\circ 2}"]:
        assert piece in tex, piece
    # only ASCII or characters the LaTeX escape maps may remain
    assert all(ord(c) < 128 for c in tex), sorted({c for c in tex if ord(c) >= 128})


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_compiles(tmp_path):
    tex = render(build(derive.load("2-4:relu-3:softmax/ce"), view="delta"), "latex")
    (tmp_path / "d.tex").write_text(tex)
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "d.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout[-2000:]
