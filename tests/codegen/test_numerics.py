"""Numerics of the generated code: the stable forward forms equal the
library's functions, nothing overflows or warns at |z| up to 1e4, no NaN,
and float32 stays float32.  Then precision: every activation, the
derivative the generated code evaluates, the losses, the output delta and
the erf/gelu/silu helpers, in ulps against mpmath at 50 digits (and against
torch float64 where torch is installed), with the limits of the derivative
forms written in the output stated and measured; and a deep saturated
sigmoid network whose 1e-150 gradients must survive."""
from __future__ import annotations

import re
import warnings
from contextlib import contextmanager

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import codegen
from codegen import numerics
from codegen.emit import context
from codegen.layers import Grad
from codegen.layers.act import Activation
from derive import PRESETS, load
from derive.rules import ACTIVATIONS, LOSSES, softmax as sym_softmax, z as Z

from . import exact
from .reference import batch

# the dense presets; the others are checked against torch in test_layers
DENSE_PRESETS = sorted(p for p in PRESETS if PRESETS[p]().is_mlp)

SAFE = dict(over="raise", invalid="raise", divide="raise")


def _run(code: str, **arrays):
    namespace = {"np": np, **arrays}
    for helper in numerics.HELPERS.values():
        exec(helper, namespace)
    return eval(code, namespace)


@pytest.mark.parametrize("name", [n for n, a in ACTIVATIONS.items() if a.elementwise])
@pytest.mark.parametrize("alpha", [None, 0.3])
def test_forward_forms_equal_the_library(name, alpha):
    act = load(f"1-1:{name}" + (f"({alpha})" if alpha and ACTIVATIONS[name].default_alpha else "")).act(1)
    f = sp.lambdify(Z, ACTIVATIONS[name].expr(act.alpha), "numpy")
    zs = np.linspace(-6, 6, 241)
    got = _run(numerics.forward_code(act, "z"), z=zs)
    assert np.allclose(got, np.vectorize(lambda v: float(f(v)))(zs), rtol=1e-13, atol=1e-15)


def test_softmax_form_equals_the_library():
    zs = np.array([[0.3, -1.2, 2.0], [5.0, 5.0, -5.0]])
    syms = sp.symbols("z1:4", real=True)
    f = sp.lambdify(syms, sym_softmax(list(syms)), "numpy")
    want = np.array([f(*row) for row in zs])
    assert np.allclose(_run("_softmax(z)", z=zs), want, rtol=1e-14)
    assert np.allclose(_run("_log_softmax(z)", z=zs), np.log(want), rtol=1e-14)


@pytest.mark.parametrize("loss", list(LOSSES))
def test_loss_forms_equal_the_library(loss):
    n, m = 3, 4
    rng = np.random.default_rng(0)
    Zv = rng.normal(size=(m, n))
    if loss == "ce":
        A, Y = _run("_softmax(z)", z=Zv), np.eye(n)[[0, 2, 1, 1]]
    elif loss == "bce":
        A, Y = 1 / (1 + np.exp(-Zv)), rng.integers(0, 2, size=(m, n)).astype(float)
    else:
        A, Y = Zv, rng.normal(size=(m, n))
    yh, ys = sp.symbols(f"yh1:{n + 1}", real=True), sp.symbols(f"y1:{n + 1}", real=True)
    per = sp.lambdify([yh, ys], LOSSES[loss].per_example(list(yh), list(ys)), "numpy")
    want = sum(per(A[r], Y[r]) for r in range(m))
    got = _run(numerics.LOSS_TOTAL[loss].format(a="A", z="Zv", n=n), A=A, Zv=Zv, Y=Y)
    assert got == pytest.approx(want, rel=1e-12)


SATURATING = [
    "2-3:sigmoid-2:sigmoid/bce",
    "2-3:tanh-3:softplus-3:softmax/ce",
    "2-3:elu-2:leaky_relu/mse",
    "2-3:relu-2:softplus/se/sum",
    "2-2:sigmoid-1:tanh/half_se",
]


@pytest.mark.parametrize("spec", SATURATING)
@pytest.mark.parametrize("form", ["vectorized", "scalar"])
def test_no_overflow_no_warning_no_nan_at_large_z(spec, form):
    net = load(spec)
    module = codegen.compile(net, form)
    params = module.init_params(0)
    # Scale so that |z| reaches ~1e4 in every layer, of both signs.
    params = {k: (v / np.abs(v).max() * 100 if k.startswith("W") else v) for k, v in params.items()}
    X, Y = batch(net, seed=0, m=6)
    X = X / np.abs(X).max(axis=1, keepdims=True) * 100
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(**SAFE):
            J, grads = module.value_and_grad(params, X, Y)
            out = module.forward(params, X)
            J2 = module.loss(params, X, Y)
    assert np.isfinite(J) and np.isfinite(J2) and J == pytest.approx(J2)
    assert np.all(np.isfinite(out))
    for g in grads.values():
        assert np.all(np.isfinite(g))


def test_bce_saturated_output_is_finite_and_correct():
    """yhat = sigmoid(1e4) rounds to 1; with y = 0 the loss is 1e4, not inf."""
    module = codegen.compile("1-1:sigmoid/bce/sum")
    params = {"W1": np.array([[1.0]]), "b1": np.array([0.0])}
    X, Y = np.array([[1e4], [-1e4]]), np.array([[0.0], [1.0]])
    with warnings.catch_warnings(), np.errstate(**SAFE):
        warnings.simplefilter("error")
        J, g = module.value_and_grad(params, X, Y)
    assert J == pytest.approx(2e4)
    assert g["W1"][0, 0] == pytest.approx(1e4 + 1e4)  # (yhat - y) x summed: 1*1e4 + (-1)(-1e4)


def test_ce_with_extreme_logits():
    module = codegen.compile("1-3:softmax/ce")
    params = {"W1": np.array([[1.0], [-1.0], [0.0]]), "b1": np.zeros(3)}
    X, Y = np.array([[1e4]]), np.array([[0.0, 1.0, 0.0]])
    with warnings.catch_warnings(), np.errstate(**SAFE):
        warnings.simplefilter("error")
        J, g = module.value_and_grad(params, X, Y)
    assert J == pytest.approx(2e4)
    assert np.allclose(g["b1"], [1.0, -1.0, 0.0])


@pytest.mark.parametrize("preset", DENSE_PRESETS)
@pytest.mark.parametrize("form", ["vectorized", "scalar"])
def test_float32_in_float32_out(preset, form):
    net = PRESETS[preset]()
    module = codegen.compile(net, form)
    params = {k: v.astype(np.float32) for k, v in module.init_params(3).items()}
    X, Y = batch(net, seed=3, m=5)
    X, Y = X.astype(np.float32), Y.astype(np.float32)
    assert module.forward(params, X).dtype == np.float32
    assert type(module.loss(params, X, Y)) is float  # the contract: J is a Python float
    J, grads = module.value_and_grad(params, X, Y)
    assert type(J) is float
    for name, g in grads.items():
        assert g.dtype == np.float32, name
    stepped = module.sgd_step(params, grads, 0.1)
    assert all(v.dtype == np.float32 for v in stepped.values())
    # float32 results are the float64 ones, rounded
    J64, g64 = module.value_and_grad({k: v.astype(np.float64) for k, v in params.items()},
                                     X.astype(np.float64), Y.astype(np.float64))
    assert float(J) == pytest.approx(float(J64), rel=1e-4, abs=1e-5)


def test_float32_kept_by_piecewise_derivatives():
    """leaky_relu'/elu' choose between arrays, never float64 constants."""
    module = codegen.compile("3-4:leaky_relu-4:elu-2:leaky_relu(0.2)/mse")
    params = {k: v.astype(np.float32) for k, v in module.init_params(0).items()}
    X = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    Y = np.zeros((5, 2), dtype=np.float32)
    _, grads = module.value_and_grad(params, X, Y)
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}


def test_sgd_step_moves_downhill_and_keeps_inputs():
    module = codegen.compile("mlp-2-3-1")
    params = module.init_params(0)
    before = {k: v.copy() for k, v in params.items()}
    X, Y = batch(load("mlp-2-3-1"), seed=0, m=8)
    J0, grads = module.value_and_grad(params, X, Y)
    new = module.sgd_step(params, grads, 0.1)
    assert module.loss(new, X, Y) < J0
    for k in params:
        assert np.array_equal(params[k], before[k])
        assert np.allclose(new[k], before[k] - 0.1 * grads[k])


# ------------------------------------------------------------- precision ----
# Relative error against mpmath at 50 digits (tests/codegen/exact.py), in
# ulps of the exact result, over z in [-700, 700]: a dense grid (every
# integer, every 0.1 in [-40, 40], and points down to 1e-12 around 0) plus
# hypothesis-drawn points.  float32 is checked on the same inputs rounded to
# float32; relative precision is asserted wherever the exact result is a
# normal number of the dtype, and elsewhere (results below the smallest
# normal number) the error must stay below the smallest normal number.
# Nothing may overflow, divide by zero or produce NaN anywhere; underflow is
# also an error wherever the results are normal numbers.

GRID = np.unique(np.concatenate([
    np.linspace(-700, 700, 1401), np.linspace(-40, 40, 801),
    np.geomspace(1e-12, 4, 60), -np.geomspace(1e-12, 4, 60), [0.0]]))
DTYPES = [np.float64, np.float32]
EPS = {np.float64: 2.0 ** -52, np.float32: 2.0 ** -23}
FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ANY_Z = st.lists(st.floats(-700, 700, allow_subnormal=False), min_size=1, max_size=8)


@contextmanager
def strict(under=True):
    """Every floating-point exception and every warning is an error."""
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise",
                                                under="raise" if under else "ignore"):
        warnings.simplefilter("error")
        yield


def _points(z, dtype):
    """The inputs as dtype, and as the exact float64 values the reference takes."""
    z = np.asarray(z, dtype=np.float64).astype(dtype)
    return z, tuple(float(v) for v in z)


def _assert_ulps(got, ref, dtype, tol_ulps, scale=None, what="", z=None):
    """|got - exact| <= tol_ulps ulps of the exact value, plus 3 eps * scale where a
    form in a can only keep absolute precision (scale: the size of the terms that
    cancel); below the smallest normal number, an absolute error below it."""
    hi, lo = ref
    got = np.asarray(got)
    assert got.dtype == dtype, (what, got.dtype)
    err = np.abs((got.astype(np.float64) - hi) - lo)
    absolute = 0.0 if scale is None else 3 * EPS[dtype] * np.abs(scale)
    normal = exact.normal(hi, dtype)
    bad = np.where(normal, err > tol_ulps * exact.ulp(hi, dtype) + absolute,
                   err > np.maximum(np.finfo(dtype).tiny, absolute))
    assert not bad.any(), (f"{what} {np.dtype(dtype).name}: {bad.sum()} points off, worst "
                           f"{exact.ulps(got, hi, lo, dtype)[bad].max():.3g} ulps, at "
                           f"{(np.flatnonzero(bad) if z is None else np.asarray(z)[bad])[:5]}")


def _act(name, alpha=None):
    return load(f"1-1:{name}" + (f"({alpha})" if alpha is not None else "") + "-1").act(1)


def _forward(name, alpha, z):
    """f(z) exactly as the generated code computes it (in place on a temporary)."""
    return _run(numerics.forward_code(_act(name, alpha), "Z", in_place=True), Z=z.copy())


def _fprime(name, alpha, a):
    """f'(z) exactly as the generated code computes it: the emitted BP2 statement
    (in the layer output a) applied to dZ = 1."""
    act = Activation(_act(name, alpha), "Z1", "A1", (1,))
    lines, _ = act.backward(Grad("dZ1", True), "dZ1", "BP2")
    namespace = {"np": np, "A1": a, "dZ1": np.ones_like(a)}
    for helper in numerics.HELPERS.values():
        exec(helper, namespace)
    exec("\n".join(lines), namespace)
    return namespace["dZ1"]


def _alpha(name, alpha):
    return alpha if alpha is not None else ACTIVATIONS[name].default_alpha


# name, alpha, forward tolerance (ulps), derivative tolerance (ulps), and the
# scale of the terms that cancel in f'(a), where the form in a keeps only
# absolute precision (None: relative precision everywhere).
ELEMENTWISE = [
    ("identity", None, 0, 0, None),
    ("relu", None, 0, 0, None),
    ("leaky_relu", None, 1, 1, None),
    ("leaky_relu", 0.2, 1, 1, None),
    ("elu", None, 2, 2, lambda z, a: a),      # a + alpha for z <= 0
    ("elu", 0.5, 2, 2, lambda z, a: a),
    ("tanh", None, 2, 4, lambda z, a: a * a),  # 1 - a**2
    ("sigmoid", None, 3, 4, lambda z, a: a),  # a*(1 - a)
    ("softplus", None, 3, 3, None),           # -expm1(-a): relative everywhere
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, alpha, f_ulps, d_ulps, cancels", ELEMENTWISE)
def test_activation_and_its_derivative_against_mpmath(name, alpha, f_ulps, d_ulps, cancels, dtype):
    """f to f_ulps over the grid; f' as the generated code computes it (from the
    accurate a) to d_ulps, except where the form in a cancels: there the error is
    a few eps times the cancelling terms, which is relative precision lost in the
    saturated tails (see the torch comparisons below for where, and by how much)."""
    z, pts = _points(GRID, dtype)
    al = _alpha(name, alpha)
    in_range = np.abs(z) <= (700 if dtype == np.float64 else 87)
    with strict(under=False):
        a = _forward(name, alpha, z)
        fp = _fprime(name, alpha, a)
    with strict():
        _forward(name, alpha, z[in_range])
        _fprime(name, alpha, a[in_range])
    _assert_ulps(a, exact.reference(name, 0, pts, al), dtype, f_ulps, what=f"{name} forward", z=z)
    scale = None if cancels is None else cancels(z.astype(np.float64), a.astype(np.float64))
    _assert_ulps(fp, exact.reference(name, 1, pts, al), dtype, d_ulps, scale, what=f"{name}'", z=z)
    if cancels is not None:
        # where the terms do not cancel, the error is relative (sigmoid: the left
        # tail, where the issue's 1e-149 gradients come from)
        keep = {"sigmoid": z <= 0, "tanh": np.abs(z) <= 1, "elu": z >= -1}[name]
        hi, lo = exact.reference(name, 1, pts, al)
        _assert_ulps(fp[keep], (hi[keep], lo[keep]), dtype, d_ulps, what=f"{name}' (relative side)", z=z[keep])


@FAST
@given(zs=ANY_Z, which=st.sampled_from(ELEMENTWISE), dtype=st.sampled_from(DTYPES))
def test_activations_at_drawn_points(zs, which, dtype):
    name, alpha, f_ulps, d_ulps, cancels = which
    z, pts = _points(zs, dtype)
    al = _alpha(name, alpha)
    with strict(under=False):
        a = _forward(name, alpha, z)
        fp = _fprime(name, alpha, a)
    _assert_ulps(a, exact.reference(name, 0, pts, al), dtype, f_ulps, what=name)
    scale = None if cancels is None else cancels(z.astype(np.float64), a.astype(np.float64))
    _assert_ulps(fp, exact.reference(name, 1, pts, al), dtype, d_ulps, scale, what=f"{name}'")


def test_sigmoid_tail_from_the_issue():
    """#16.3: (1 + tanh(z/2)) / 2 gave sigmoid(-30) 1.7e-4 off and sigmoid(-40) = 0."""
    got = _forward("sigmoid", None, np.array([-30.0, -40.0, -700.0]))
    assert got[0] == pytest.approx(9.357622968839299e-14, rel=4e-16, abs=0)
    assert got[1] == pytest.approx(4.248354255291589e-18, rel=4e-16, abs=0)
    assert got[2] == pytest.approx(9.859676543759770e-305, rel=4e-16, abs=0)


@pytest.mark.parametrize("name", ["sigmoid", "softplus"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_in_place_form_equals_the_fresh_one(name, dtype):
    """out=Z (as value_and_grad calls it) computes the same numbers, into Z, on
    both the direct and the sign-split path (a z beyond exp's overflow)."""
    helper = {"sigmoid": "_sigmoid", "softplus": "_softplus"}[name]
    for z in (np.linspace(-30, 30, 61), np.array([-1e4, -800.0, -5.0, 0.0, 5.0, 800.0, 1e4])):
        z = z.astype(dtype).reshape(-1, 1)
        with strict(under=False):
            fresh = _run(f"{helper}(Z)", Z=z.copy())
            buf = z.copy()
            inplace = _run(f"{helper}(Z, out=Z)", Z=buf)
        assert inplace is buf and inplace.dtype == dtype
        assert np.array_equal(fresh, inplace)
    assert np.array_equal(_run("_sigmoid(Z)", Z=np.array([-1e4, 1e4])), [0.0, 1.0])


# --------------------------------------------------------------- torch ----
# torch (float64) computes every one of these derivatives itself; where the
# generated form in a loses precision, the question is whether torch does too.

def _torch_grad(fn, z):
    torch = pytest.importorskip("torch")
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    y = fn(t)
    (g,) = torch.autograd.grad(y.sum(), t)
    return y.detach().numpy(), g.numpy()


def _ours_and_torch(name, torch_fn):
    """f' on the grid (float64): ours (the emitted form, from the accurate a) and
    torch's autograd, each with its error in ulps and the reference."""
    z, pts = _points(GRID, np.float64)
    a = _forward(name, None, z)
    ours = _fprime(name, None, a)
    _, theirs = _torch_grad(torch_fn, z)
    ref = exact.reference(name, 1, pts, _alpha(name, None))
    return z, a, ours, theirs, ref


def test_sigmoid_derivative_tail_matches_torch():
    """Finding: torch's sigmoid backward is (1 - y) y, the same form as ours.
    For z <= 0 both are exact to a few ulps down to z = -700 (torch's ~1e-149
    gradients, and now ours).  For z > 0 both keep only absolute precision,
    a few eps, which is about eps e^z relative: 2e4 ulps at z = 10, 1e8 at
    z = 20, and from z = 37 on, where y rounds to 1 (or to 1 - eps/2 in
    ours), f' is 0 or eps/2 against the true e^-z."""
    torch = pytest.importorskip("torch")
    z, a, ours, theirs, ref = _ours_and_torch("sigmoid", torch.sigmoid)
    for got in (ours, theirs):
        _assert_ulps(got, ref, np.float64, 4, scale=a, what="sigmoid'", z=z)
        _assert_ulps(got[z <= 0], (ref[0][z <= 0], ref[1][z <= 0]), np.float64, 4, what="sigmoid' z <= 0")
    for got in (ours, theirs):  # both lose the same
        assert np.median(exact.ulps(got, *ref, np.float64)[(z >= 10) & (z <= 20)]) > 1e4
        assert np.all(got[z >= 37] <= 2.0 ** -53)


def test_tanh_derivative_tail_matches_torch():
    """Finding: torch's tanh backward is 1 - y^2, the same form as ours: both
    keep only absolute precision, a few eps, which is about eps e^(2|z|) / 4
    relative (around 10 ulps at |z| = 3, 1e7 at |z| = 10), and both are
    exactly 0 from |z| = 19.1 on, where y rounds to +-1, against the true
    4 e^(-2|z|).  1/cosh(z)^2 would keep it, but it needs z, and the
    generated code keeps A, not Z."""
    torch = pytest.importorskip("torch")
    z, a, ours, theirs, ref = _ours_and_torch("tanh", torch.tanh)
    for got in (ours, theirs):
        _assert_ulps(got, ref, np.float64, 4, scale=a * a, what="tanh'", z=z)
        assert np.median(exact.ulps(got, *ref, np.float64)[(np.abs(z) >= 9) & (np.abs(z) <= 11)]) > 1e6
        assert np.all(got[np.abs(z) >= 19.1] == 0)


def test_softplus_is_more_precise_than_torch():
    """Finding: torch's F.softplus (threshold=20) returns z itself for z > 20
    and a gradient of exactly 1 there: 4e3 ulps off at z = 25 (forward) and
    1e5 ulps (gradient).  Ours, max(z, 0) + log1p(exp(-|z|)) and
    -expm1(-a), stays within 3 ulps everywhere."""
    torch = pytest.importorskip("torch")
    z, a, ours, theirs, ref = _ours_and_torch("softplus", torch.nn.functional.softplus)
    _assert_ulps(ours, ref, np.float64, 3, what="softplus'", z=z)
    assert exact.ulps(theirs, *ref, np.float64)[z == 25].min() > 1e4


def test_elu_derivative_tail_is_less_precise_than_torch():
    """Finding, and the one place where the generated code is worse than torch:
    elu' for z <= 0 is printed as a + alpha (in the output), and a = alpha
    expm1(z) tends to -alpha, so a + alpha = alpha e^z keeps only absolute
    precision, a few eps: about eps / e^z relative (1e4 ulps at z = -10), and
    0 below z = -37.4.  torch's F.elu differentiates from its input
    (alpha exp(z)) and stays within an ulp; only its in-place F.elu_ uses the
    output form, as we do.  Writing elu' in z needs Z kept, which the
    generated code does not do (A is kept, Z is overwritten)."""
    torch = pytest.importorskip("torch")
    z, a, ours, theirs, ref = _ours_and_torch("elu", torch.nn.functional.elu)
    _assert_ulps(theirs, ref, np.float64, 2, what="torch elu'", z=z)
    _assert_ulps(ours, ref, np.float64, 2, scale=a, what="elu'", z=z)
    assert np.median(exact.ulps(ours, *ref, np.float64)[(z <= -9) & (z >= -11)]) > 1e3


# ------------------------------------------------------ losses and BP1 ----

def _loss_each(loss, z=None, a=None, y=None, n=1):
    """LOSS_TOTAL for each point on its own (one example, one output)."""
    code = compile(numerics.LOSS_TOTAL[loss].format(a="A", z="Z", n=n), "<loss>", "eval")
    ns = {"np": np}
    for h in numerics.helpers_for(numerics.LOSS_TOTAL[loss]):
        exec(h, ns)
    out = []
    for k in range(len(y)):
        ns.update(Z=None if z is None else z[k:k + 1].reshape(1, -1),
                  A=None if a is None else a[k:k + 1].reshape(1, -1), Y=y[k:k + 1].reshape(1, -1))
        out.append(eval(code, ns))
    return np.array(out, dtype=y.dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("target", [0.0, 1.0, 0.5, 0.25])
def test_bce_from_logits_against_mpmath(target, dtype):
    """bce = max(z, 0) - z y + log1p(exp(-|z|)): within 3 ulps for hard
    targets and for y = 1/2, 1/4 (its terms never cancel there)."""
    z, pts = _points(GRID[::3], dtype)
    y = np.full_like(z, target)
    with strict(under=False):
        got = _loss_each("bce", z=z, y=y)
    with mp.workdps(50):
        t = mp.mpf(target)
        # -(y log s + (1 - y) log(1 - s)) = y softplus(-z) + (1 - y) softplus(z)
        want = exact.split([t * exact._softplus(-mp.mpf(p)) + (1 - t) * exact._softplus(mp.mpf(p))
                            for p in pts])
    _assert_ulps(got, want, dtype, 3, what=f"bce y={target}")


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_bce_output_delta_keeps_tiny_yhat(dtype):
    """BP1 for sigmoid + bce is yhat - y, computed from the accurate yhat: for
    y = 0 it is yhat itself, relative to 3 ulps down to 1e-304; for y = 1 it is
    -(1 - yhat), which keeps absolute precision only (torch's
    BCEWithLogits backward, sigmoid(z) - y, is the same)."""
    net = load("1-1:sigmoid/bce")
    bp1 = context(net, "vectorized")["bp1"]
    assert bp1.replace(" ", "") == "A1-Y"
    z, pts = _points(GRID, dtype)
    a = _forward("sigmoid", None, z)
    for target in (0.0, 1.0):
        got = _run(bp1, A1=a, Y=np.full_like(a, target))
        hi, lo = exact.reference("sigmoid", 0, pts)
        _assert_ulps(got, (hi - target, lo), dtype, 3, scale=None if target == 0 else np.ones_like(hi),
                     what=f"sigmoid+bce delta, y={target}", z=z)


@pytest.mark.parametrize("spec", ["2-1:sigmoid/bce", "2-3:tanh-2:sigmoid/bce/sum", "3-4:relu-3:softmax/ce"])
@pytest.mark.parametrize("form", ["vectorized", "scalar"])
def test_no_log_of_one_minus_sigmoid(spec, form):
    """The losses take the logits: no log(1 - ...) or log(yhat) in the emitted code."""
    src = codegen.emit(load(spec), form=form)
    assert not re.search(r"log\(\s*1\s*-", src)
    assert not re.search(r"np\.log\(\s*A\d", src)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loss", ["se", "half_se", "mse"])
def test_squared_error_losses_against_mpmath(loss, dtype):
    rng = np.random.default_rng(1)
    a, _ = _points(rng.uniform(-700, 700, 300), dtype)
    y, _ = _points(rng.uniform(-700, 700, 300), dtype)
    got = _loss_each(loss, a=a, y=y, n=1)
    k = {"se": 1, "half_se": mp.mpf(1) / 2, "mse": 1}[loss]
    with mp.workdps(50):
        want = exact.split([k * (mp.mpf(float(p)) - mp.mpf(float(q))) ** 2 for p, q in zip(a, y)])
    _assert_ulps(got, want, dtype, 2, what=loss)


def _softmax_reference(rows):
    """softmax and log-softmax entries at 50 digits; log1p keeps the top one."""
    probs, logs = [], []
    with mp.workdps(50):
        for row in rows:
            r = [mp.mpf(float(v)) for v in row]
            top = max(range(len(r)), key=r.__getitem__)
            rest = mp.log1p(mp.fsum(mp.exp(v - r[top]) for i, v in enumerate(r) if i != top))
            logs += [(v - r[top]) - rest for v in r]
            probs += [mp.exp(lg) for lg in logs[-len(r):]]
    return exact.split(probs), exact.split(logs)


SOFTMAX_ROWS = st.integers(2, 5).flatmap(
    lambda n: st.lists(st.lists(st.floats(-700, 700, allow_subnormal=False), min_size=n, max_size=n),
                       min_size=1, max_size=6))


def _check_softmax(rows, dtype):
    Z = np.asarray(rows, dtype=np.float64).astype(dtype)
    with strict(under=False):
        sm = _run("_softmax(Z)", Z=Z)
        ls = _run("_log_softmax(Z)", Z=Z)
        eye = np.eye(Z.shape[1], dtype=dtype)
        # the loss of the least likely class, and of the most likely (a confident row's tiny loss)
        ce = [_loss_each("ce", z=Z, y=eye[pick(Z, axis=1)], n=Z.shape[1]) for pick in (np.argmin, np.argmax)]
    probs, logs = _softmax_reference(Z)
    _assert_ulps(sm.ravel(), probs, dtype, 4, what="softmax")
    _assert_ulps(ls.ravel(), logs, dtype, 3, what="log_softmax")
    for loss, pick in zip(ce, (np.argmin, np.argmax)):
        k = pick(Z, axis=1) + Z.shape[1] * np.arange(len(Z))
        _assert_ulps(loss, (-logs[0][k], -logs[1][k]), dtype, 3, what="ce")


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_log_softmax_and_ce_against_mpmath(dtype):
    """Every entry to a few ulps, the small ones too (the exponent z - max is
    rounded, and its rounding error is put back), and the top log-probability
    of a confident row (-9.4e-14 for [0, -30]), which log(sum(exp)) rounds to 0."""
    rng = np.random.default_rng(2)
    rows = [[0.0, -30.0], [0.0, -50.0, -60.0], [10.3, -20.1], [700.0, -700.0, 0.1], [5.0, 5.0, -3.0]]
    rows += rng.uniform(-700, 700, (40, 4)).tolist() + rng.uniform(-30, 30, (40, 3)).tolist()
    for row in rows:
        _check_softmax([row], dtype)
    top = _run("_log_softmax(Z)", Z=np.array([[0.0, -30.0]]))[0, 0]
    assert top == pytest.approx(-9.357622968839737e-14, rel=1e-15, abs=0)


@FAST
@given(rows=SOFTMAX_ROWS, dtype=st.sampled_from(DTYPES))
def test_softmax_at_drawn_rows(rows, dtype):
    _check_softmax(rows, dtype)


# --------------------------------------- erf, gelu, silu (for the table) ----
# name in exact.FUNCTIONS, f or f', helper, tolerance (ulps), the terms that
# cancel (None: relative precision everywhere), and where the claim holds.
SPECIAL = [
    ("erf", 0, "_erf", 2, None),
    ("erfc", 0, "_erfc", 5, None),   # 4.74 ulps at z = 1.1, where hypothesis found the worst point
    ("norm_cdf", 0, "_norm_cdf", 4, None),
    ("norm_pdf", 0, "_norm_pdf", 3, None),
    ("gelu", 0, "_gelu", 4, None),
    ("gelu", 1, "_gelu_grad", 4, "gelu"),   # Phi + z phi: 0 at z = -0.75
    ("silu", 0, "_silu", 3, None),
    ("silu", 1, "_silu_grad", 4, "silu"),   # s (1 + z s(-z)): 0 at z = -1.28
]
# the whole real line: tiny and huge magnitudes too, for erf and erfc
WIDE = np.unique(np.concatenate([GRID, np.geomspace(1e-300, 1e-12, 40), -np.geomspace(1e-300, 1e-12, 40),
                                 np.geomspace(700, 1e300, 20), -np.geomspace(700, 1e300, 20)]))


def _terms(kind, z):
    """The size of the terms whose sum is the derivative."""
    with mp.workdps(30):
        if kind == "gelu":
            vals = [abs(exact._Phi(mp.mpf(v))) + abs(v * exact._phi(mp.mpf(v))) for v in z]
        else:
            vals = [abs(exact._sigmoid(mp.mpf(v))) * (1 + abs(v * exact._sigmoid(-mp.mpf(v)))) for v in z]
    return np.array([float(v) for v in vals])


def _trustworthy(name, z, dtype):
    """Where a normal intermediate carries the result: gelu and silu multiply
    Phi(z) or sigmoid(z) by z, and below the smallest normal number those have
    lost digits while z times them has not yet."""
    tiny = np.finfo(dtype).tiny
    if name in ("gelu", "norm_cdf"):
        return exact.reference("norm_cdf", 0, tuple(float(v) for v in z))[0] >= tiny
    if name == "silu":
        return exact.reference("sigmoid", 0, tuple(float(v) for v in z))[0] >= tiny
    return np.ones(len(z), bool)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, which, helper, tol, cancels", SPECIAL)
def test_special_functions_against_mpmath(name, which, helper, tol, cancels, dtype):
    """float64 and float32 (computed in float64 inside, returned as float32)."""
    grid = WIDE[np.abs(WIDE) <= np.finfo(dtype).max] if name.startswith("erf") else GRID
    z, pts = _points(grid, dtype)
    with strict(under=False):
        got = _run(f"{helper}(Z)", Z=z)
    ok = _trustworthy(name, z, dtype)
    hi, lo = exact.reference(name, which, pts)
    scale = None if cancels is None else _terms(cancels, z.astype(np.float64))[ok]
    _assert_ulps(got[ok], (hi[ok], lo[ok]), dtype, tol, scale, what=helper, z=z[ok])


@FAST
@given(zs=st.lists(st.floats(-1e6, 1e6, allow_subnormal=False), min_size=1, max_size=8),
       which=st.sampled_from(SPECIAL), dtype=st.sampled_from(DTYPES))
def test_special_functions_at_drawn_points(zs, which, dtype):
    name, f, helper, tol, cancels = which
    z, pts = _points(zs, dtype)
    with strict(under=False):
        got = _run(f"{helper}(Z)", Z=z)
    ok = _trustworthy(name, z, dtype)
    hi, lo = exact.reference(name, f, pts)
    scale = None if cancels is None else _terms(cancels, z.astype(np.float64))[ok]
    _assert_ulps(got[ok], (hi[ok], lo[ok]), dtype, tol, scale, what=helper)


def test_gelu_left_tail_from_the_issue():
    """gelu(-10) keeps its relative precision (Phi through erfc, not 1 + erf)."""
    got = _run("_gelu(Z)", Z=np.array([-10.0]))[0]
    assert got == pytest.approx(-7.619853024160526e-23, rel=1e-15, abs=0)


def test_special_functions_against_torch():
    """torch float64: torch.special.erf, F.gelu (exact form) and F.silu, and
    their autograd derivatives.  Ours is never worse than torch's by more than
    a few ulps.  Finding: torch's F.gelu is 0.5 z (1 + erf(z / sqrt(2))), which
    cancels in the left tail: 1.8% off at z = -8, exactly 0 from z = -8.3 on
    (true gelu(-10) = -7.6e-23), with its gradient 1% off at z = -10; its
    silu gradient uses 1 - sigmoid(z), ~10 ulps off at z = 30."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    z, pts = _points(GRID, np.float64)
    erf_t = torch.special.erf(torch.tensor(z)).numpy()
    hi, lo = exact.reference("erf", 0, pts)
    assert exact.ulps(erf_t, hi, lo, np.float64).max() <= 2
    assert exact.ulps(_run("_erf(Z)", Z=z), hi, lo, np.float64).max() <= 2
    for name, fn, ours_f, ours_d in [("gelu", F.gelu, "_gelu", "_gelu_grad"),
                                     ("silu", F.silu, "_silu", "_silu_grad")]:
        y_t, g_t = _torch_grad(fn, z)
        for which, theirs, ours in [(0, y_t, _run(f"{ours_f}(Z)", Z=z)), (1, g_t, _run(f"{ours_d}(Z)", Z=z))]:
            hi, lo = exact.reference(name, which, pts)
            ok = _trustworthy(name, z, np.float64) & exact.normal(hi, np.float64)
            e_ours = exact.ulps(ours, hi, lo, np.float64)[ok]
            e_theirs = exact.ulps(theirs, hi, lo, np.float64)[ok]
            near_root = np.abs(z[ok] - (-0.75 if name == "gelu" else -1.28)) < 0.1
            assert np.all((e_ours <= e_theirs + 4) | near_root), (name, which)


# --------------------------------------------------- end to end: deep tail ----

def _deep_tail_reference(params, X, Y):
    """J and the gradients of 1-1:sigmoid-1:sigmoid-1:sigmoid/bce by the chain
    rule in mpmath at 50 digits (rows summed, then / m)."""
    with mp.workdps(50):
        P = {k: mp.mpf(float(v.ravel()[0])) for k, v in params.items()}
        m = len(X)
        g = {k: mp.mpf(0) for k in P}
        J = mp.mpf(0)
        for x, y in zip(X[:, 0], Y[:, 0]):
            x, y = mp.mpf(float(x)), mp.mpf(float(y))
            z1 = P["W1"] * x + P["b1"]; a1 = exact._sigmoid(z1)
            z2 = P["W2"] * a1 + P["b2"]; a2 = exact._sigmoid(z2)
            z3 = P["W3"] * a2 + P["b3"]; a3 = exact._sigmoid(z3)
            J += y * exact._softplus(-z3) + (1 - y) * exact._softplus(z3)
            d3 = a3 - y
            d2 = d3 * P["W3"] * a2 * (1 - a2)
            d1 = d2 * P["W2"] * a1 * (1 - a1)
            for k, v in [("W3", d3 * a2), ("b3", d3), ("W2", d2 * a1), ("b2", d2), ("W1", d1 * x), ("b1", d1)]:
                g[k] += v
        return float(J / m), {k: float(v / m) for k, v in g.items()}


DEEP = "1-1:sigmoid-1:sigmoid-1:sigmoid/bce"
DEEP_PARAMS = {"W1": [[-150.0]], "b1": [-50.0], "W2": [[30.0]], "b2": [-150.0], "W3": [[40.0]], "b3": [1.0]}
DEEP_X, DEEP_Y = np.array([[1.0], [2.0], [1.5]]), np.array([[0.0], [1.0], [1.0]])


@pytest.mark.parametrize("form", ["vectorized", "scalar"])
def test_deep_saturated_sigmoid_network_keeps_tiny_gradients(form):
    """z1 = -200..-350 and z2 = -150: the gradients below layer 3 are 1e-66
    (b2) to 1e-150 (W1), which the tanh form of sigmoid made exactly 0.  Against the
    chain rule in mpmath (always) and torch autograd float64 (when installed),
    to 1e-10 relative, entry by entry."""
    module = codegen.compile(DEEP, form)
    params = {k: np.array(v) for k, v in DEEP_PARAMS.items()}
    with strict():
        J, grads = module.value_and_grad(params, DEEP_X, DEEP_Y)
    J_ref, g_ref = _deep_tail_reference(params, DEEP_X, DEEP_Y)
    assert J == pytest.approx(J_ref, rel=1e-12, abs=0)
    assert min(abs(v) for v in g_ref.values()) < 1e-140
    for k, v in g_ref.items():
        assert grads[k].ravel()[0] == pytest.approx(v, rel=1e-10, abs=0), k
    torch = pytest.importorskip("torch")
    tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    A = torch.tensor(DEEP_X)
    for l in (1, 2, 3):
        Z = torch.nn.functional.linear(A, tp[f"W{l}"], tp[f"b{l}"])
        A = torch.sigmoid(Z)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(Z, torch.tensor(DEEP_Y))
    tg = dict(zip(tp, torch.autograd.grad(loss, list(tp.values()))))
    assert J == pytest.approx(loss.item(), rel=1e-12, abs=0)
    for k, v in tg.items():
        assert np.allclose(grads[k], v.numpy(), rtol=1e-10, atol=0), (k, grads[k], v)
        assert np.all(grads[k] != 0)


# ------------------------------------------------------------- coefficients --

def test_erf_tables_are_the_fit():
    """The polynomial tables in the helpers are exactly what codegen.erf_fit
    computes from mpmath (so they can be refitted, and cannot drift)."""
    from codegen import erf_fit
    ns = {"np": np}
    exec(numerics.HELPERS["_erf_near_zero"], ns)
    exec(numerics.HELPERS["_erfc_tail"], ns)
    for name, coefs in erf_fit.tables().items():
        assert ns["_" + name] == coefs, name


def test_helpers_pull_in_what_they_call():
    """An activation that names only _gelu gets every helper _gelu needs, and
    _softmax inside _log_softmax is not mistaken for a call of _softmax."""
    names = lambda code: [h.split("def ", 1)[1].split("(", 1)[0] for h in numerics.helpers_for(code)]
    assert names("A1 = _gelu(Z1)") == ["_horner", "_exp_neg_square", "_erf_near_zero", "_erfc_tail",
                                      "_norm_cdf", "_gelu"]
    assert names("_log_softmax(Z)") == ["_exp_shifted", "_log_softmax"]
    assert names("_silu_grad(Z)") == ["_silu_grad"]
    ns = {"np": np}
    for h in numerics.helpers_for("_gelu(Z) + _gelu_grad(Z) + _silu(Z) + _silu_grad(Z) + _erf(Z) + _erfc(Z)"):
        exec(h, ns)
    assert np.isfinite(ns["_gelu_grad"](np.linspace(-5, 5, 11))).all()
