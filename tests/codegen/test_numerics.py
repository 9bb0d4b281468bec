"""Numerics of the generated code: the stable forward forms equal the
library's functions, nothing overflows or warns at |z| up to 1e4, no NaN,
and float32 stays float32."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import sympy as sp

import codegen
from codegen import numerics
from derive import PRESETS, load
from derive.rules import ACTIVATIONS, LOSSES, softmax as sym_softmax, z as Z

from .reference import batch

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


@pytest.mark.parametrize("preset", sorted(PRESETS))
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
