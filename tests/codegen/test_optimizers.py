"""The generated optimizers against torch.optim (float64, 20 steps, the same
gradients), and their promises: pure, state starts as {}, float32 kept."""
from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import codegen

torch = pytest.importorskip("torch")

SPEC = "3-4:tanh-2/mse"
STEPS = 20
RTOL = 1e-12


@pytest.fixture(scope="module")
def module():
    return codegen.compile(SPEC)


def gradient_sequence(params, steps=STEPS, seed=1):
    """Gradients of varied sizes (some coordinates tiny, some large), the same for both sides."""
    rng = np.random.default_rng(seed)
    return [{name: rng.standard_normal(p.shape) * 10.0 ** rng.uniform(-3, 1, p.shape)
             for name, p in params.items()} for _ in range(steps)]


TORCH = {"momentum": torch.optim.SGD, "rmsprop": torch.optim.RMSprop,
         "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}
TORCH_STATE = {"momentum": ("momentum_buffer",), "rmsprop": ("square_avg",),
               "adam": ("exp_avg", "exp_avg_sq"), "adamw": ("exp_avg", "exp_avg_sq")}


def run_both(module, name, hyper, torch_hyper=None):
    """20 steps of the generated optimizer and of torch.optim; both final parameters and states."""
    params = module.init_params(3)
    params = {k: v + 0.1 for k, v in params.items()}  # biases nonzero too: weight decay acts on them
    grads = gradient_sequence(params)
    step = getattr(module, f"{name}_step")
    ours, state = params, {}
    for g in grads:
        ours, state = step(ours, g, state, **hyper)
    tensors = {k: torch.tensor(v, dtype=torch.float64) for k, v in params.items()}
    opt = TORCH[name](list(tensors.values()), **(torch_hyper or hyper))
    for g in grads:
        for k, t in tensors.items():
            t.grad = torch.tensor(g[k], dtype=torch.float64)
        opt.step()
    theirs = {k: t.detach().numpy() for k, t in tensors.items()}
    their_state = {key: {k: opt.state[t][key].numpy() for k, t in tensors.items()}
                   for key in TORCH_STATE[name] if opt.state[tensors["W1"]].get(key) is not None}
    return ours, theirs, state, their_state, opt.state[tensors["W1"]]


def assert_close(ours, theirs, what):
    for k, ref in theirs.items():
        err = np.max(np.abs(ours[k] - ref)) / np.max(np.abs(ref))
        assert err <= RTOL, f"{what}[{k}]: relative error {err:.1e}"


CASES = [
    ("momentum", dict(lr=0.05, momentum=0.9)),
    ("momentum", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("momentum", dict(lr=0.01, momentum=0.5, weight_decay=0.1)),
    ("momentum", dict(lr=0.01, momentum=0.8, nesterov=True, weight_decay=0.01)),
    ("momentum", dict(lr=0.02, momentum=0.0, weight_decay=0.3)),      # plain SGD with L2
    ("rmsprop", dict(lr=0.01)),
    ("rmsprop", dict(lr=0.003, alpha=0.9, eps=1e-6, weight_decay=0.05)),
    ("adam", dict(lr=1e-3)),
    ("adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("adamw", dict(lr=1e-3)),
    ("adamw", dict(lr=0.05, betas=(0.5, 0.9), eps=1e-7, weight_decay=0.2)),
    ("adamw", dict(lr=0.01, weight_decay=0.0)),
]


@pytest.mark.parametrize("name, hyper", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_optimizer_equals_torch_over_20_steps(module, name, hyper):
    ours, theirs, state, their_state, raw = run_both(module, name, hyper)
    assert_close(ours, theirs, "params")
    assert set(state) - {"step"} == set(their_state)
    for key, values in their_state.items():
        assert_close(state[key], values, key)
    if "step" in state:
        assert state["step"] == STEPS == int(raw["step"])


@pytest.mark.parametrize("name", ["rmsprop", "adam", "adamw"])
def test_defaults_are_torchs(module, name):
    """Called with lr and nothing else, each equals torch.optim with torch's defaults."""
    ours, theirs, *_ = run_both(module, name, {}, torch_hyper={})
    assert_close(ours, theirs, "params")
    ours_sig = inspect.signature(getattr(module, f"{name}_step")).parameters
    torch_sig = inspect.signature(TORCH[name]).parameters
    for hyper in module.HYPERPARAMETERS[name] + ("lr",):
        assert ours_sig[hyper].default == torch_sig[hyper].default, hyper


def test_momentum_signature_is_the_contracts(module):
    sig = inspect.signature(module.momentum_step)
    assert str(sig) == "(params, grads, state, lr, momentum=0.9, nesterov=False, weight_decay=0.0)"


@settings(max_examples=12, deadline=None)
@given(lr=st.floats(1e-4, 0.5), beta1=st.floats(0.0, 0.99), beta2=st.floats(0.5, 0.9999),
       eps=st.sampled_from([1e-8, 1e-6, 1e-3]), wd=st.sampled_from([0.0, 1e-4, 0.05, 0.5]),
       name=st.sampled_from(["adam", "adamw"]))
def test_drawn_adam_hyperparameters(module, lr, beta1, beta2, eps, wd, name):
    hyper = dict(lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=wd)
    ours, theirs, *_ = run_both(module, name, hyper)
    assert_close(ours, theirs, "params")


@settings(max_examples=12, deadline=None)
@given(lr=st.floats(1e-4, 0.2), momentum=st.floats(0.0, 0.99), nesterov=st.booleans(),
       alpha=st.floats(0.5, 0.999), wd=st.sampled_from([0.0, 1e-3, 0.1]),
       name=st.sampled_from(["momentum", "rmsprop"]))
def test_drawn_momentum_and_rmsprop_hyperparameters(module, lr, momentum, nesterov, alpha, wd, name):
    if name == "momentum":
        nesterov = nesterov and momentum > 0   # torch refuses Nesterov without momentum
        hyper = dict(lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=wd)
    else:
        hyper = dict(lr=lr, alpha=alpha, weight_decay=wd)
    ours, theirs, *_ = run_both(module, name, hyper)
    assert_close(ours, theirs, "params")


def _frozen(tree):
    """A deep copy of a dict of arrays (or of dicts of arrays), read-only."""
    if isinstance(tree, dict):
        return {k: _frozen(v) for k, v in tree.items()}
    if isinstance(tree, tuple):
        return tuple(_frozen(v) for v in tree)
    if isinstance(tree, np.ndarray):
        out = tree.copy()
        out.flags.writeable = False
        return out
    return tree


def _equal(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return np.array_equal(a, b)


def _arrays(tree):
    if isinstance(tree, (dict, tuple)):
        for v in (tree.values() if isinstance(tree, dict) else tree):
            yield from _arrays(v)
    elif isinstance(tree, np.ndarray):
        yield tree


@pytest.mark.parametrize("name, hyper", [
    ("sgd", dict(lr=0.1)),
    ("momentum", dict(lr=0.1)), ("momentum", dict(lr=0.1, momentum=0.0)),
    ("momentum", dict(lr=0.1, nesterov=True, weight_decay=0.1)),
    ("rmsprop", dict()), ("adam", dict()), ("adam", dict(weight_decay=0.1)), ("adamw", dict()),
])
def test_steps_never_write_to_their_arguments(module, name, hyper):
    params = _frozen(module.init_params(0))
    grads_seq = [_frozen(g) for g in gradient_sequence(params, steps=3)]
    state = {}
    for grads in grads_seq:
        before = _frozen((params, grads, state))
        if name == "sgd":
            new, new_state = module.sgd_step(params, grads, **hyper), {}
        else:
            new, new_state = getattr(module, f"{name}_step")(params, grads, state, **hyper)
        assert all(_equal(x, y) for x, y in zip((params, grads, state), before))
        # nothing returned is (a view of) an argument: the caller may write to it freely
        assert len(list(_arrays((new, new_state)))) >= len(params)
        for out in _arrays((new, new_state)):
            for arg in _arrays((params, grads, state)):
                assert not np.shares_memory(out, arg)
        params, state = _frozen(new), _frozen(new_state)


@pytest.mark.parametrize("name", ["momentum", "rmsprop", "adam", "adamw"])
def test_float32_stays_float32(module, name):
    params = {k: v.astype(np.float32) for k, v in module.init_params(0).items()}
    step = getattr(module, f"{name}_step")
    state = {}
    for grads in gradient_sequence(params, steps=3):
        grads = {k: g.astype(np.float32) for k, g in grads.items()}
        params, state = step(params, grads, state, lr=np.float64(0.01), weight_decay=0.01)
    dtypes = [a.dtype for a in _arrays((params, state))]
    assert len(dtypes) > len(params) and set(dtypes) == {np.dtype(np.float32)}


def test_docstrings_cite_each_rule(module):
    adam = module.adam_step.__doc__
    assert "m_hat =  m / (1 - beta1^t)" in adam and "v_hat =  v / (1 - beta2^t)" in adam
    assert "p * (1 - lr * weight_decay)" in module.adamw_step.__doc__
    assert "b <- momentum * b + g" in module.momentum_step.__doc__
    assert "v <- alpha * v + (1 - alpha) * g^2" in module.rmsprop_step.__doc__
    for name in ["momentum", "rmsprop", "adam", "adamw"]:
        assert "torch.optim" in getattr(module, f"{name}_step").__doc__
