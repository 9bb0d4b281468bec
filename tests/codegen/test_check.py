"""The user-facing gradient check finds real errors, and reports."""
from __future__ import annotations

import types

import numpy as np

import codegen
from codegen.check import random_batch


def test_check_report_on_a_preset():
    report = codegen.check_report(codegen.compile("softmax-2hidden"), seed=1)
    assert "all gradients agree" in report
    for name in ["W1", "b1", "W2", "b2", "W3", "b3"]:
        assert f"\n{name} " in report
    assert "2-4:relu-4:relu-3:softmax/ce" in report


def test_random_batch_gives_valid_targets():
    _, Y = random_batch((2, 4), "ce", m=50, seed=0)
    assert np.all(Y.sum(axis=1) == 1) and set(np.unique(Y)) == {0.0, 1.0}
    _, Y = random_batch((2, 3), "bce", m=50, seed=0)
    assert set(np.unique(Y)) <= {0.0, 1.0}


def _broken(module, name, factor):
    def value_and_grad(params, X, Y):
        J, g = module.value_and_grad(params, X, Y)
        return J, {**g, name: g[name] * factor}
    fake = types.SimpleNamespace(**{k: getattr(module, k) for k in dir(module) if not k.startswith("__")})
    fake.value_and_grad = value_and_grad
    return fake


def test_gradcheck_catches_a_wrong_gradient():
    module = codegen.compile("mlp-2-3-1")
    params = module.init_params(0)
    X, Y = random_batch(module.SIZES, module.LOSS, m=5, seed=0)
    good = codegen.gradcheck(module, params, X, Y)
    assert max(good.values()) < 1e-6
    bad = codegen.gradcheck(_broken(module, "b1", 1.01), params, X, Y)
    assert bad["b1"] > 1e-3 and bad["W1"] < 1e-6
    report = codegen.check_report(_broken(module, "W2", -1.0))
    assert "GRADIENT MISMATCH" in report and "NO" in report


def test_gradcheck_does_not_change_params():
    module = codegen.compile("2-3:tanh-2/mse")
    params = module.init_params(0)
    before = {k: v.copy() for k, v in params.items()}
    X, Y = random_batch(module.SIZES, module.LOSS, m=3, seed=0)
    codegen.gradcheck(module, params, X, Y)
    assert all(np.array_equal(params[k], before[k]) for k in params)


def test_check_report_samples_large_networks():
    report = codegen.check_report(codegen.compile("300-64:relu-10:softmax/ce"))
    assert "random entries per array" in report and "all gradients agree" in report
