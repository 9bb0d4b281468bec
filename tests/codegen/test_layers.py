"""The vectorized code of every layer kind against torch (float64, training
mode; tests/codegen/torch_reference.py builds the network from the parsed
Network with torch's own modules): J, every gradient, the running
statistics after a step and forward() in inference, on hypothesis-drawn
architectures mixing every kind with m from 1 to 64 and T from 1 to 30;
plus max-pool ties, central differences, float32, and the trace."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import codegen
from derive import PRESETS, load

from .layer_specs import layer_specs
from .torch_reference import reference

TOL = 1e-10


def close(got, want, scale):
    """Relative error ||got - want|| / max(||got||, ||want||), the denominator
    floored at 1e-4 of ``scale`` (the larger of |J| and the largest gradient's
    norm): an array whose true value is 0 (layer norm over one value, say)
    has only rounding noise to compare, and 1e-10 of 1e-4 of the scale is
    still 1e-14 of it."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape
    denom = max(np.linalg.norm(got), np.linalg.norm(want), 1e-4 * scale, 1e-300)
    return float(np.linalg.norm(got - want)) / denom


def data(net, module, m, seed, scale=1.0):
    """Parameters away from their tidy initial values, a batch, keep-masks."""
    rng = np.random.default_rng(seed)
    params = {k: v + 0.3 * rng.normal(size=v.shape) for k, v in module.init_params(seed).items()}
    X = scale * rng.normal(size=(m,) + tuple(net.input))
    n = net.n_out
    if net.loss == "ce":
        Y = np.eye(n)[rng.integers(0, n, size=m)]
    elif net.loss == "bce":
        Y = rng.integers(0, 2, size=(m, n)).astype(float)
    else:
        Y = rng.normal(size=(m, n))
    masks = {key: (rng.random((m,) + shape) >= p).astype(float)
             for key, (shape, p) in getattr(module, "MASKS", {}).items()}
    return params, X, Y, masks


def extra(module, masks, state):
    kw = {}
    if hasattr(module, "MASKS"):
        kw["masks"] = masks
    if hasattr(module, "init_state"):
        kw["state"] = state
    return kw


def check_against_torch(spec, m, seed=0):
    net = load(spec)
    module = codegen.compile(net)
    params, X, Y, masks = data(net, module, m, seed)
    state = module.init_state() if hasattr(module, "init_state") else None
    if state is not None:   # running statistics away from their initial values
        rng = np.random.default_rng(seed + 1)
        state = {k: v + 0.5 * rng.random(v.shape) for k, v in state.items()}
    before = {k: v.copy() for k, v in state.items()} if state else None
    J, grads = module.value_and_grad(params, X, Y, **extra(module, masks, state))
    J_ref, g_ref, state_ref, yhat_ref = reference(net, params, X, Y, masks, before)
    assert sorted(grads) == sorted(params) == sorted(g_ref)
    scale = max([abs(J_ref)] + [np.linalg.norm(g) for g in g_ref.values()])
    assert abs(J - J_ref) <= TOL * max(abs(J_ref), 1e-300), (spec, J, J_ref)
    for key in params:
        assert grads[key].shape == params[key].shape
        assert close(grads[key], g_ref[key], scale) <= TOL, (spec, key)
    if state is not None:
        for key in state:
            assert close(state[key], state_ref[key], 1.0) <= TOL, (spec, key)
    # forward is inference: running statistics, no dropout
    yhat = module.forward(params, X, state) if state is not None else module.forward(params, X)
    assert close(yhat, yhat_ref, np.linalg.norm(yhat_ref)) <= TOL, spec
    return module, params, X, Y, masks, state


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(layer_specs(), st.integers(1, 64), st.integers(0, 3))
def test_drawn_architectures_against_torch(spec, m, seed):
    if "bn" in spec:
        m = max(m, 2)   # torch's batch norm needs two values per channel in training
    check_against_torch(spec, m, seed)


@pytest.mark.parametrize("spec, m", [
    ("1x28x28-conv(6,5):relu-maxpool(2)-conv(16,5):relu-maxpool(2)-flatten-120:relu-84:relu-10:softmax/ce", 8),
    ("64-128:relu-bn-128:relu-ln-res(128:relu-128)-10:softmax/ce", 16),
    ("20x16-lstm(32)-10:softmax/ce", 5),
    ("20x16-gru(32)-1/mse", 5),
    ("1x6x6-conv(2,3):relu-maxpool(2)-flatten-3:softmax/ce", 4),
    ("4-8:relu-bn-3:softmax/ce", 6),
    ("4-res(4:relu-4):relu-2/mse/l2(0.01)", 3),
    ("2-3:relu-dropout(0.5)-1/se", 7),
    ("3x1-rnn(2)-1/mse", 1),
    ("5x3-gru(4)-2/mse", 2),
    # recurrent layers followed by dropout, layer norm and residual dense blocks
    ("6x3-lstm(5)-dropout(0.3)-ln-res(5:tanh-5)-2/mse", 9),
    ("30x2-rnn(4)-ln-res(4:relu-4:identity):tanh-dropout(0.5)-3:softmax/ce", 12),
    ("1x4-gru(3)-res(3:sigmoid-3)-ln-2:sigmoid/bce/l2(0.1)", 64),
    # a recurrent layer numbered 3 or 4: its gate-by-gate view once shadowed dZ3/dZ4
    ("4x4-dropout(0.9)-dropout(0.5)-gru(2)-1:sigmoid/se", 3),
    ("4x4-dropout(0.5)-ln-dropout(0.2)-lstm(2)-1/mse", 3),
    # images: stride, padding, batch norm 2d, layer norm, average pooling, nested blocks
    ("2x7x7-conv(3,3,stride=2,pad=1):tanh-bn-avgpool(2)-ln-flatten-dropout(0.3)-4:sigmoid/bce", 5),
    ("3x9x9-res(conv(3,3,pad=1):relu-res(conv(3,1)-bn):tanh):relu-maxpool(3)-flatten-2:softmax/ce/sum", 3),
    ("2x5x7-maxpool(2)-avgpool(2)-flatten-2/half_se/nobias", 4),
    ("1x5x5-conv(2,2,stride=2):relu-flatten-bn-1:elu(0.5)/se/nobias/l2(0.5)", 2),
])
def test_named_architectures_against_torch(spec, m):
    check_against_torch(spec, m)


@pytest.mark.parametrize("preset", [p for p in PRESETS if not PRESETS[p]().is_mlp])
def test_presets_worked_examples_against_torch(preset):
    """The presets beyond dense layers, on their own worked examples."""
    from derive import names
    net = PRESETS[preset]()
    ex = net.example
    values = ex.param_dict()
    params = {key: np.array([float(values[e]) for e in names.entries(key, shape)]).reshape(shape)
              for key, shape in net.param_shapes().items()}
    X = np.array([[float(v) for v in row] for row in ex.X]).reshape((len(ex.X),) + tuple(net.input))
    Y = np.array([[float(v) for v in row] for row in ex.Y])
    module = codegen.compile(net)
    masks = {key: np.array([[float(v) for v in row] for row in rows]).reshape((len(rows),) + shape)
             for (key, rows), (shape, _) in zip(ex.masks, getattr(module, "MASKS", {}).values())}
    state = module.init_state() if hasattr(module, "init_state") else None
    J, grads = module.value_and_grad(params, X, Y, **extra(module, masks, state))
    J_ref, g_ref, _, _ = reference(net, params, X, Y, masks, module.init_state() if state is not None else None)
    scale = max([abs(J_ref)] + [np.linalg.norm(g) for g in g_ref.values()])
    assert abs(J - J_ref) <= TOL * abs(J_ref)
    for key in params:
        assert close(grads[key], g_ref[key], scale) <= TOL, key


def test_max_pool_ties_go_where_torch_sends_them():
    """Images full of ties: constant, integer steps, one window with two
    maxima.  torch's MaxPool2d backward sends each window's gradient to one
    of its maxima; the generated code must pick the same one.  A 1x1 conv
    with weight 1 in front copies X exactly, so the pool's input gradient
    is computed (trace's dZ1) and can be compared entry by entry."""
    import torch
    spec = "1x6x6-conv(1,1):identity-maxpool(2)-flatten-9/mse"
    net = load(spec)
    module = codegen.compile(net)
    rng = np.random.default_rng(0)
    params = {"W1": np.ones((1, 1, 1, 1)), "b1": np.zeros(1), "W4": rng.normal(size=(9, 9)), "b4": np.zeros(9)}
    X = np.ones((4, 1, 6, 6))
    X[1] = np.arange(36).reshape(6, 6) // 7          # ties inside some windows only
    X[2, 0, :2, :2] = [[5, 1], [5, 5]]                # three maxima in one window
    X[3] = rng.integers(0, 2, size=(6, 6))            # 0/1 noise: ties everywhere
    Y = rng.normal(size=(4, 9))
    J, grads = module.value_and_grad(params, X, Y)
    J_ref, g_ref, _, _ = reference(net, params, X, Y)
    assert abs(J - J_ref) <= 1e-12 * J_ref
    for key in params:
        assert np.allclose(grads[key], g_ref[key], rtol=1e-12, atol=1e-15), key
    t = module.trace(params, X, Y)
    Xt = torch.tensor(X, requires_grad=True)
    torch.nn.MaxPool2d(2)(Xt).backward(torch.tensor(t["dA2"]))
    assert np.array_equal(t["dZ1"], Xt.grad.numpy())
    assert np.count_nonzero(t["dZ1"]) == np.count_nonzero(t["dA2"])   # one pixel per window


def test_max_pool_tie_gradient_flows_to_the_first_maximum():
    """The same through a conv layer, whose input gradient the pool routes."""
    spec = "1x4x4-conv(1,1):identity-maxpool(2)-flatten-4/mse"
    net = load(spec)
    module = codegen.compile(net)
    params = {"W1": np.array([[[[1.0]]]]), "b1": np.zeros(1), "W4": np.eye(4), "b4": np.zeros(4)}
    X = np.ones((2, 1, 4, 4))
    Y = np.zeros((2, 4))
    _, grads = module.value_and_grad(params, X, Y)
    _, g_ref, _, _ = reference(net, params, X, Y)
    for key in params:
        assert np.allclose(grads[key], g_ref[key], rtol=1e-12, atol=1e-15)
    trace = module.trace(params, X, Y)
    dZ1 = trace["dZ1"]
    # every window's gradient at its top-left pixel, none elsewhere
    assert np.all(dZ1[:, :, 1::2, :] == 0) and np.all(dZ1[:, :, :, 1::2] == 0)
    assert np.all(dZ1[:, :, ::2, ::2] != 0)


@pytest.mark.parametrize("spec", [
    "2x5x5-conv(2,3,pad=1):tanh-maxpool(2)-flatten-bn-3:softmax/ce",
    "4x3-lstm(3)-ln-2/half_se/l2(0.1)",
    "5x2-gru(3)-dropout(0.5)-res(3:tanh-3)-1/mse",
    "3-res(3:sigmoid-3):elu-2:softplus/se/sum",
])
def test_central_differences(spec):
    """The module's gradients against finite differences of its own loss,
    with the same masks (loss() is the training J value_and_grad returns)."""
    net = load(spec)
    module = codegen.compile(net)
    params, X, Y, masks = data(net, module, 5, 1)
    kw = {"masks": masks} if masks else {}
    _, grads = module.value_and_grad(params, X, Y, **kw)
    for key, p in params.items():
        num = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + 1e-6
            up = module.loss(params, X, Y, **kw)
            p[idx] = old - 1e-6
            down = module.loss(params, X, Y, **kw)
            p[idx] = old
            num[idx] = (up - down) / 2e-6
        assert np.linalg.norm(num - grads[key]) <= 1e-6 * max(np.linalg.norm(num), 1e-3), key


@pytest.mark.parametrize("spec", [
    "1x8x8-conv(2,3,pad=1):relu-bn-maxpool(2)-conv(2,3):elu-avgpool(2)-flatten-ln-dropout(0.5)-3:softmax/ce",
    "7x3-lstm(4)-bn-res(4:tanh-4)-2:sigmoid/bce",
    "7x3-gru(4)-1/mse/l2(0.01)",
    "7x3-rnn(4)-1/se",
])
def test_float32_in_float32_out(spec):
    net = load(spec)
    module = codegen.compile(net)
    params, X, Y, masks = data(net, module, 6, 2)
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    kw = extra(module, masks, module.init_state() if hasattr(module, "init_state") else None)
    J, grads = module.value_and_grad(p32, X32, Y32, **kw)
    assert type(J) is float
    assert all(g.dtype == np.float32 for g in grads.values())
    state = kw.get("state")
    assert module.forward(p32, X32, *([state] if state is not None else [])).dtype == np.float32
    assert all(v.dtype == np.float32 for k, v in module.trace(p32, X32, Y32, **kw).items() if k != "J")
    J64, g64 = module.value_and_grad(params, X, Y, **{**kw, "state": None} if state is not None else kw)
    assert abs(J - J64) <= 1e-4 * max(1, abs(J64))
    for key in grads:
        assert np.linalg.norm(grads[key] - g64[key]) <= 1e-3 * max(np.linalg.norm(g64[key]), 1e-3)


def test_trace_holds_every_array_and_agrees_with_value_and_grad():
    spec = "1x6x6-conv(2,3):relu-bn-maxpool(2)-flatten-dropout(0.5)-res(8:tanh-8)-3:softmax/ce"
    net = load(spec)
    module = codegen.compile(net)
    params, X, Y, masks = data(net, module, 4, 3)
    J, grads = module.value_and_grad(params, X, Y, masks=masks)
    t = module.trace(params, X, Y, masks=masks)
    assert t["J"] == J
    for key in params:
        assert np.array_equal(t[key], grads[key])
    for key in ["A0", "Z1", "A1", "mu2", "var2", "xhat2", "A2", "A3", "A4", "M5", "A5", "Z6", "A6", "Z7", "A7",
                "Zres1", "Ares1", "Z8", "A8", "dZ8", "dAres1", "dZres1", "dA7", "dZ7", "dA6", "dZ6", "dA5",
                "dA4", "dA3", "dA2", "dA1", "dZ1"]:
        assert key in t, key
    # images come back as (m, C, H, W); the arrays are consistent with each other
    assert t["Z1"].shape == (4, 2, 4, 4) and t["A2"].shape == (4, 2, 4, 4)
    assert np.array_equal(t["A0"], X) and np.array_equal(t["M5"], masks["M5"])
    assert np.allclose(t["A1"], np.maximum(t["Z1"], 0))
    assert np.allclose(t["A5"], t["A4"] * masks["M5"] / 0.5)
    assert np.allclose(t["Zres1"], t["A5"] + t["A7"])
    assert np.allclose(t["dZ8"], (t["A8"] - Y) / 4)
    assert np.allclose(t["dZres1"], t["dA7"]) and np.allclose(t["dZ7"], t["dA7"])
    assert np.allclose(t["xhat2"].mean(axis=(0, 2, 3)), 0, atol=1e-12)
    # value_and_grad pays nothing for the trace
    import inspect
    assert "arrays[" not in inspect.getsource(module.value_and_grad)


def test_trace_of_recurrent_layers():
    spec = "5x2-lstm(3)-1/mse"
    net = load(spec)
    module = codegen.compile(net)
    params, X, Y, _ = data(net, module, 4, 0)
    t = module.trace(params, X, Y)
    assert t["H1"].shape == (4, 5, 3) and t["C1"].shape == (4, 5, 3) and t["G1"].shape == (4, 5, 12)
    i, f, g, o = np.split(t["G1"], 4, axis=2)
    assert np.allclose(t["C1"][:, 1:], f[:, 1:] * t["C1"][:, :-1] + i[:, 1:] * g[:, 1:])
    assert np.allclose(t["H1"], o * np.tanh(t["C1"]))
    assert np.array_equal(t["A1"], t["H1"][:, -1])


def test_dropout_masks_drawn_from_the_seed_as_documented():
    spec = "3-4:relu-dropout(0.5)-4:tanh-dropout(0.25)-2/mse"
    net = load(spec)
    module = codegen.compile(net)
    params, X, Y, _ = data(net, module, 6, 0)
    a = module.value_and_grad(params, X, Y, seed=11)
    b = module.value_and_grad(params, X, Y, seed=11)
    assert a[0] == b[0]
    rng = np.random.default_rng(11)
    masks = {"M2": rng.random((6, 4)) >= 0.5, "M4": rng.random((6, 4)) >= 0.25}
    c = module.value_and_grad(params, X, Y, masks=masks)
    assert a[0] == c[0] and all(np.array_equal(a[1][k], c[1][k]) for k in params)
    assert module.loss(params, X, Y, seed=11) == a[0]
    assert np.array_equal(module.trace(params, X, Y, seed=11)["M4"], masks["M4"])
    # forward is inference: no dropout, the same for any seed
    assert np.array_equal(module.forward(params, X), module.forward(params, X))


def test_running_statistics_are_state_not_parameters():
    spec = "3-4:relu-bn-2/mse"
    module = codegen.compile(spec)
    params = module.init_params(0)
    assert set(params) == {"W1", "b1", "gamma2", "beta2", "W3", "b3"}
    state = module.init_state()
    assert set(state) == {"running_mean2", "running_var2"}
    X, Y = np.random.default_rng(0).normal(size=(5, 3)), np.zeros((5, 2))
    assert np.array_equal(module.forward(params, X), module.forward(params, X, module.init_state()))
    _, grads = module.value_and_grad(params, X, Y, state=state)
    assert set(grads) == set(params)
    assert not np.array_equal(state["running_mean2"], 0)      # updated in place
    with pytest.raises(ValueError, match="at least 2 values"):
        module.value_and_grad(params, X[:1], Y[:1])
    module.forward(params, X[:1], state)                      # inference works for one example


def _scalar_against_torch(spec, m, seed):
    net = load(spec)
    module = codegen.compile(net, form="scalar")
    params, X, Y, masks = data(net, module, m, seed)
    J, grads = module.value_and_grad(params, X, Y, **extra(module, masks, None))
    J_ref, g_ref, _, _ = reference(net, params, X, Y, masks, None)
    scale = max([abs(J_ref)] + [np.linalg.norm(g) for g in g_ref.values()])
    assert abs(J - J_ref) <= TOL * max(abs(J_ref), 1e-300), (spec, J, J_ref)
    for key in params:
        assert grads[key].shape == params[key].shape
        assert close(grads[key], g_ref[key], scale) <= TOL, (spec, key)


@pytest.mark.parametrize("spec, m", [
    ("1x4x4-conv(2,3):relu-maxpool(2)-flatten-2:softmax/ce", 5),
    ("3x1-rnn(2)-1/mse", 4),
    ("2x2-lstm(2)-1/mse", 3),
    ("3x1-gru(2)-dropout(0.5)-1:sigmoid/bce/l2(0.1)", 4),
    ("2-2:tanh-res(2:relu-2)-ln-1/se/sum", 6),
    ("1x3x3-dropout(0.25)-avgpool(3)-flatten-1/half_se", 2),
])
def test_scalar_form_of_small_networks_of_every_kind_against_torch(spec, m):
    _scalar_against_torch(spec, m, 0)


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(layer_specs(), st.integers(1, 6), st.integers(0, 3))
def test_scalar_form_of_drawn_small_networks_against_torch(spec, m, seed):
    from hypothesis import assume
    from codegen.scalar import check_size
    from derive import ChainruleError
    try:
        check_size(load(spec))
    except ChainruleError:
        assume(False)
    _scalar_against_torch(spec, m, seed)


def test_scalar_form_refuses_what_it_cannot_unroll():
    from derive import ChainruleError
    with pytest.raises(ChainruleError) as err:
        codegen.emit(load("4-8:relu-bn-3:softmax/ce"), form="scalar")
    assert "batch norm" in str(err.value) and "--form vectorized" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(ChainruleError, match="too large for --form scalar"):
        codegen.emit(load("1x28x28-conv(6,5):relu-maxpool(2)-flatten-10:softmax/ce"), form="scalar")
    with pytest.raises(ChainruleError, match="dense output layer"):
        codegen.emit(load("2-2-ln/mse"), form="scalar")


@pytest.mark.parametrize("spec", ["1x6x6-conv(2,3):relu-maxpool(2)-flatten-3:softmax/ce",
                                  "3x2-lstm(2)-res(2:relu-2)-bn-1/mse"])
def test_emit_is_deterministic_for_every_kind(spec):
    assert codegen.emit(load(spec)) == codegen.emit(load(spec))


def _manual_fit(module, params, X, Y, epochs, batch_size, lr, seed, state=None):
    """fit's documented algorithm, step by step: shuffle with one generator,
    draw each batch's keep-masks from it, sgd step, running statistics."""
    params = {k: v.copy() for k, v in params.items()}
    rng = np.random.default_rng(seed)
    masks_of = getattr(module, "MASKS", {})
    for _ in range(epochs):
        order = rng.permutation(X.shape[0])
        for start in range(0, X.shape[0], batch_size):
            rows = order[start:start + batch_size]
            kw = {}
            if masks_of:
                kw["masks"] = {key: rng.random((len(rows),) + shape) >= p for key, (shape, p) in masks_of.items()}
            if state is not None:
                kw["state"] = state
            _, grads = module.value_and_grad(params, X[rows], Y[rows], **kw)
            params = {k: params[k] - lr * grads[k] for k in params}
    return params


@pytest.mark.parametrize("spec", [
    "4-6:relu-dropout(0.5)-6:tanh-dropout(0.2)-2/mse",           # fresh masks every batch
    "4-6:relu-bn-3:softmax/ce",                                   # running statistics
    "6x3-gru(4)-dropout(0.25)-ln-2/mse",                          # sequences (m, T, F)
    "1x6x6-conv(2,3):relu-bn-maxpool(2)-flatten-2:sigmoid/bce",  # images
])
def test_fit_trains_every_kind(spec):
    net = load(spec)
    module = codegen.compile(net)
    params, X, Y, _ = data(net, module, 20, 4)
    kw = {}
    state = state_manual = None
    if hasattr(module, "init_state"):
        state, state_manual = module.init_state(), module.init_state()
        kw["state"] = state
    fitted, history = module.fit(params, X, Y, epochs=3, batch_size=6, lr=0.05, seed=9, **kw)
    manual = _manual_fit(module, params, X, Y, 3, 6, 0.05, 9, state_manual)
    for key in params:
        assert np.allclose(fitted[key], manual[key], rtol=1e-12, atol=1e-14), key
    if state is not None:
        for key in state:
            assert np.allclose(state[key], state_manual[key], rtol=1e-12) and not np.all(state[key] == 0)
    assert len(history) == 3 and all(np.isfinite(history))
    again, history2 = module.fit(params, X, Y, epochs=3, batch_size=6, lr=0.05, seed=9,
                                 **({"state": module.init_state()} if state is not None else {}))
    assert history2 == history   # the same arguments give the same numbers
    if hasattr(module, "MASKS"):
        other, _ = module.fit(params, X, Y, epochs=3, batch_size=6, lr=0.05, seed=10)
        key = next(iter(params))
        assert not np.array_equal(other[key], fitted[key])


def test_fit_keeps_integer_labels():
    module = codegen.compile("3-5:relu-dropout(0.5)-4:softmax/ce")
    params = module.init_params(0)
    rng = np.random.default_rng(0)
    X, labels = rng.normal(size=(12, 3)), rng.integers(0, 4, size=12)
    a, ha = module.fit(params, X, labels, epochs=2, batch_size=5, seed=1)
    b, hb = module.fit(params, X, np.eye(4)[labels], epochs=2, batch_size=5, seed=1)
    assert ha == hb and all(np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("spec", ["20x16-lstm(32)-10:softmax/ce", "5x3-gru(4)-2/mse", "2-3:sigmoid-1/mse",
                                  "1x6x6-conv(2,3):relu-maxpool(2)-flatten-3:softmax/ce"])
def test_docstrings_name_a_key_the_module_returns(spec):
    """value_and_grad's and trace's docstrings name a parameter key of this
    network (an LSTM has no W1), and value_and_grad returns its gradient."""
    import re
    net = load(spec)
    module = codegen.compile(net)
    params, X, Y, masks = data(net, module, 3, 0)
    _, grads = module.value_and_grad(params, X, Y)
    for doc in (module.value_and_grad.__doc__, module.trace.__doc__):
        named = set(re.findall(r'grads\["(\w+)"\]', doc))
        assert named and named <= set(grads), (spec, named)
    key = re.search(r'grads\["(\w+)"\] has the shape', module.value_and_grad.__doc__).group(1)
    assert grads[key].shape == params[key].shape
