"""Generated modules refuse arrays of the wrong shape with a ValueError that
names the expected and the given shapes (issue #8, section 6), instead of
letting NumPy broadcast them into a silently wrong loss."""
from __future__ import annotations

import numpy as np
import pytest

import codegen


@pytest.fixture(scope="module")
def half_se():
    module = codegen.compile("1-8:tanh-1/half_se")
    rng = np.random.default_rng(0)
    return module, module.init_params(0), rng.normal(size=(6, 1)), rng.normal(size=(6, 1))


def test_flattened_targets_are_refused_not_broadcast(half_se):
    module, params, X, Y = half_se
    with pytest.raises(ValueError) as err:
        module.loss(params, X, Y.ravel())
    msg = str(err.value)
    assert "(6,)" in msg and "(m, 1)" in msg and "reshape(-1, 1)" in msg
    for fn in (module.value_and_grad, module.trace):
        with pytest.raises(ValueError, match=r"Y has shape \(6,\)"):
            fn(params, X, Y.ravel())


@pytest.mark.parametrize("bad, expect", [
    (lambda X: X.ravel(), r"X has shape \(6,\), expected \(m, 1\)"),
    (lambda X: np.hstack([X, X]), r"X has shape \(6, 2\), expected \(m, 1\)"),
    (lambda X: X[:0], "the batch is empty"),
    (lambda X: X.tolist(), "must be a NumPy array"),
])
def test_wrong_X(half_se, bad, expect):
    module, params, X, Y = half_se
    for call in (lambda: module.forward(params, bad(X)), lambda: module.value_and_grad(params, bad(X), Y),
                 lambda: module.loss(params, bad(X), Y)):
        with pytest.raises(ValueError, match=expect):
            call()


def test_rows_of_X_and_Y_must_match(half_se):
    module, params, X, Y = half_se
    with pytest.raises(ValueError, match=r"Y has shape \(5, 1\), expected \(m, 1\) = \(6, 1\).*X has 6 rows"):
        module.value_and_grad(params, X, Y[:5])


def test_params_missing_extra_or_misshapen(half_se):
    module, params, X, Y = half_se
    missing = {k: v for k, v in params.items() if k != "b2"}
    with pytest.raises(ValueError, match=r"missing keys \['b2'\]"):
        module.value_and_grad(missing, X, Y)
    with pytest.raises(ValueError, match=r"unexpected keys \['W3'\]"):
        module.forward({**params, "W3": np.ones(2)}, X)
    with pytest.raises(ValueError, match=r"params\['W2'\] has shape \(8, 1\), expected \(1, 8\)"):
        module.loss({**params, "W2": params["W2"].T}, X, Y)


def test_ce_takes_integer_labels_and_refuses_float_ones():
    module = codegen.compile("3-4:relu-3:softmax/ce")
    params = module.init_params(0)
    rng = np.random.default_rng(1)
    X, labels = rng.normal(size=(5, 3)), np.array([0, 2, 1, 1, 0])
    J, g = module.value_and_grad(params, X, labels)
    J1, g1 = module.value_and_grad(params, X, np.eye(3)[labels])
    assert J == J1 and all(np.array_equal(g[k], g1[k]) for k in g)
    assert module.loss(params, X, labels) == J1
    with pytest.raises(ValueError, match=r"np.eye\(3\)\[labels\]"):
        module.value_and_grad(params, X, labels.astype(float))
    with pytest.raises(ValueError, match="class labels must be 0..2"):
        module.value_and_grad(params, X, np.array([0, 3, 1, 1, 0]))


def test_masks_and_state_of_the_wrong_shape():
    module = codegen.compile("1x4x4-conv(2,3):relu-bn-flatten-dropout(0.5)-2/mse")
    params = module.init_params(0)
    X, Y = np.ones((3, 1, 4, 4)), np.zeros((3, 2))
    good = {"M4": np.ones((3, 8))}
    module.value_and_grad(params, X, Y, masks=good)
    with pytest.raises(ValueError, match=r"masks\['M4'\] has shape \(3, 7\), expected \(3, 8\)"):
        module.value_and_grad(params, X, Y, masks={"M4": np.ones((3, 7))})
    with pytest.raises(ValueError, match="masks must be a dict with exactly the keys"):
        module.value_and_grad(params, X, Y, masks={"M3": np.ones((3, 8))})
    state = module.init_state()
    with pytest.raises(ValueError, match=r"state\['running_var2'\] has shape \(3,\), expected \(2,\)"):
        module.value_and_grad(params, X, Y, masks=good, state={**state, "running_var2": np.ones(3)})
    with pytest.raises(ValueError, match="exactly the keys"):
        module.forward(params, X, {"running_mean2": np.zeros(2)})


def test_image_input_shape_is_named():
    module = codegen.compile("1x4x4-conv(2,3):relu-flatten-2/mse")
    params = module.init_params(0)
    with pytest.raises(ValueError, match=r"X has shape \(3, 4, 4\), expected \(m, 1, 4, 4\)"):
        module.forward(params, np.ones((3, 4, 4)))
    with pytest.raises(ValueError, match=r"X\[None\]"):
        module.forward(params, np.ones((1, 4, 4)))
