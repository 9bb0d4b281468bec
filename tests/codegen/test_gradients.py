"""Every generated module's gradients against three independent references:
central finite differences, HIPS autograd on the contract's loss, and the
scalar (unrolled) form."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import codegen
from codegen.scalar import MAX_PARAMS, MAX_WIDTH
from derive import PRESETS, load

from .reference import batch, reference_value_and_grad, rel, specs

# the dense presets; the others are checked against torch in test_layers
DENSE_PRESETS = sorted(p for p in PRESETS if PRESETS[p]().is_mlp)

FD_TOL, AUTOGRAD_TOL, SCALAR_TOL = 1e-6, 1e-10, 1e-12


def _check_all(net, X, Y, params=None, scalar=True):
    module = codegen.compile(net)
    params = module.init_params(7) if params is None else params
    before = ({k: v.copy() for k, v in params.items()}, X.copy(), Y.copy())
    J, grads = module.value_and_grad(params, X, Y)
    assert type(J) is float
    assert sorted(grads) == sorted(params)
    for name, g in grads.items():
        assert g.shape == params[name].shape, name
        assert np.all(np.isfinite(g)), name

    # 1. the module's own loss, differentiated numerically
    errors = codegen.gradcheck(module, params, X, Y)
    assert max(errors.values()) < FD_TOL, errors

    # 2. autograd on an independent implementation of the contract's loss
    J_ref, g_ref = reference_value_and_grad(net, params, X, Y)
    assert rel(J, J_ref) < AUTOGRAD_TOL
    assert rel(module.loss(params, X, Y), J_ref) < AUTOGRAD_TOL
    for name in params:
        assert rel(grads[name], g_ref[name]) < AUTOGRAD_TOL, (name, grads[name], g_ref[name])

    # 3. the scalar form, statement per chain-rule factor
    if scalar and net.n_params <= MAX_PARAMS and max(net.sizes) <= MAX_WIDTH:
        unrolled = codegen.compile(net, form="scalar")
        J_s, g_s = unrolled.value_and_grad(params, X, Y)
        assert rel(J_s, J) < SCALAR_TOL
        for name in params:
            assert rel(g_s[name], grads[name]) < SCALAR_TOL, name
            assert g_s[name].shape == params[name].shape

    # 4. the in-place steps (activations, output delta) only touch temporaries
    module.forward(params, X)
    assert all(np.array_equal(params[k], v) for k, v in before[0].items())
    assert np.array_equal(X, before[1]) and np.array_equal(Y, before[2])


@pytest.mark.parametrize("preset", DENSE_PRESETS)
def test_preset_gradients_random_data(preset):
    net = PRESETS[preset]()
    X, Y = batch(net, seed=1, m=5)
    _check_all(net, X, Y)


@pytest.mark.parametrize("preset", DENSE_PRESETS)
def test_preset_gradients_on_worked_example(preset):
    net = PRESETS[preset]()
    ex = net.example
    X = np.array([[float(v) for v in row] for row in ex.X])
    Y = np.array([[float(v) for v in row] for row in ex.Y])
    values = ex.param_dict()
    params = {}
    for l in range(1, net.depth + 1):
        params[f"W{l}"] = np.array([[float(values[f"w{l}_{j}_{k}"]) for k in range(1, net.sizes[l - 1] + 1)]
                                    for j in range(1, net.sizes[l] + 1)])
        if net.bias:
            params[f"b{l}"] = np.array([float(values[f"b{l}_{j}"]) for j in range(1, net.sizes[l] + 1)])
    _check_all(net, X, Y, params)


def test_single_weight_gradient_is_two_error_times_x():
    """TEACHING.md: dJ/dw = 2 (yhat - y) x at x = 1.5, y = 0.5, w = 0.8."""
    module = codegen.compile("single-weight")
    J, g = module.value_and_grad({"W1": np.array([[0.8]])}, np.array([[1.5]]), np.array([[0.5]]))
    assert J == pytest.approx((1.2 - 0.5) ** 2)
    assert g["W1"][0, 0] == pytest.approx(2 * (1.2 - 0.5) * 1.5)


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_drawn_architectures(spec):
    net = load(spec)
    X, Y = batch(net, seed=len(spec), m=4)
    _check_all(net, X, Y)


@pytest.mark.parametrize("spec", [
    "3-4:leaky_relu(0.2)-4:elu(0.5)-2:softplus/mse/sum",
    "2-3:tanh-3:sigmoid-3:relu-2:softmax/ce/nobias",
    "4-1:sigmoid/bce/sum",
    "2-5:softplus-3:leaky_relu/half_se/nobias",
])
def test_every_activation_against_references(spec):
    net = load(spec)
    X, Y = batch(net, seed=3, m=6)
    _check_all(net, X, Y)


def test_wide_network_against_autograd():
    """Beyond the scalar form's limit: vectorized code for any width."""
    net = load("30-40:relu-20:tanh-10:softmax/ce")
    module = codegen.compile(net)
    params = module.init_params(1)
    X, Y = batch(net, seed=2, m=16)
    _, grads = module.value_and_grad(params, X, Y)
    _, ref = reference_value_and_grad(net, params, X, Y)
    for name in params:
        assert rel(grads[name], ref[name]) < AUTOGRAD_TOL
