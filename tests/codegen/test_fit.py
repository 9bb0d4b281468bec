"""fit, predict, save and load of the generated module: they learn, they
are deterministic, they match a loop written out by hand, and they refuse
bad arguments with a ValueError that says what is allowed."""
from __future__ import annotations

import numpy as np
import pytest

import codegen


@pytest.fixture(scope="module")
def square():
    return codegen.compile("1-16:tanh-1/half_se")


@pytest.fixture(scope="module")
def xor():
    return codegen.compile("2-8:tanh-1:sigmoid/bce")


def square_data(m=64):
    X = np.linspace(-1, 1, m)[:, None]
    return X, X ** 2


XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=float)


def test_fit_learns_x_squared(square):
    """Adam, lr 0.01, batch 16, 300 epochs over 64 points of [-1, 1]."""
    X, Y = square_data()
    params, history = square.fit(square.init_params(0), X, Y, epochs=300, batch_size=16,
                                 optimizer="adam", lr=0.01)
    assert len(history) == 300
    assert square.loss(params, X, Y) < 2e-3
    assert history[-1] < 2e-3 < history[0]


def test_fit_learns_xor(xor):
    """Adam, lr 0.05, full batch, 300 epochs: all four points right."""
    params, history = xor.fit(xor.init_params(0), XOR_X, XOR_Y, epochs=300, batch_size=4,
                              optimizer="adam", lr=0.05)
    assert np.array_equal(xor.predict(params, XOR_X), XOR_Y.astype(int))
    assert history[-1] < 0.05


def test_fit_is_deterministic_and_follows_the_seed(square):
    X, Y = square_data(50)
    runs = [square.fit(square.init_params(0), X, Y, epochs=5, batch_size=8, optimizer="momentum",
                       lr=0.05, seed=seed) for seed in (7, 7, 8)]
    (p1, h1), (p2, h2), (p3, _) = runs
    assert all(p1[k].tobytes() == p2[k].tobytes() for k in p1) and h1 == h2
    assert not np.array_equal(p1["W1"], p3["W1"])


def reference_fit(module, params, X, Y, epochs, batch_size, step, seed, mean=True):
    """The loop fit's docstring describes, written out with the public steps and loss()."""
    rng = np.random.default_rng(seed)
    m = X.shape[0]
    state, history = {}, []
    for _ in range(epochs):
        order = rng.permutation(m)
        seen = 0.0
        for start in range(0, m, batch_size):
            rows = order[start:start + batch_size]
            J = module.loss(params, X[rows], Y[rows])
            seen += J * len(rows) if mean else J
            _, grads = module.value_and_grad(params, X[rows], Y[rows])
            params, state = step(params, grads, state)
        history.append(seen / m)
    return params, history


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("spec", ["1-16:tanh-1/half_se", "2-3:relu-1/mse/sum"])
def test_fit_is_the_loop_it_documents(spec, optimizer):
    """10 examples in batches of 4 (4, 4, then the 2 left over); sgd bit for bit."""
    module = codegen.compile(spec)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((10, module.SIZES[0]))
    Y = rng.standard_normal((10, module.SIZES[-1]))
    if optimizer == "sgd":
        def step(p, g, s): return module.sgd_step(p, g, 0.05), s
    else:
        def step(p, g, s): return module.adam_step(p, g, s, lr=0.05)
    params, history = module.fit(module.init_params(1), X, Y, epochs=3, batch_size=4,
                                 optimizer=optimizer, lr=0.05, seed=4)
    ref_params, ref_history = reference_fit(module, module.init_params(1), X, Y, 3, 4, step, seed=4,
                                            mean=module.REDUCTION == "mean")
    for k in params:
        if optimizer == "sgd":
            assert params[k].tobytes() == ref_params[k].tobytes()
        else:
            np.testing.assert_allclose(params[k], ref_params[k], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(history, ref_history, rtol=1e-12)


def test_fit_passes_hyperparameters_on(square):
    X, Y = square_data(20)
    ref, _ = reference_fit(square, square.init_params(0), X, Y, 2, 5,
                           lambda p, g, s: square.momentum_step(p, g, s, 0.05, momentum=0.5, nesterov=True),
                           seed=0)
    params, _ = square.fit(square.init_params(0), X, Y, 2, 5, optimizer="momentum", lr=0.05,
                           momentum=0.5, nesterov=True)
    for k in params:
        np.testing.assert_allclose(params[k], ref[k], rtol=1e-13, atol=1e-15)


def test_fit_never_writes_to_its_arguments_and_keeps_float32(square):
    X, Y = square_data(33)
    X, Y = X.astype(np.float32), Y.astype(np.float32)
    params = {k: v.astype(np.float32) for k, v in square.init_params(0).items()}
    for a in [X, Y, *params.values()]:
        a.flags.writeable = False
    copies = {k: v.copy() for k, v in params.items()}
    for optimizer in ["sgd", "rmsprop"]:
        out, history = square.fit(params, X, Y, epochs=2, batch_size=8, optimizer=optimizer, lr=0.01)
        assert all(np.array_equal(params[k], copies[k]) for k in params)
        assert {v.dtype for v in out.values()} == {np.dtype(np.float32)}
        assert all(isinstance(h, float) for h in history)


def test_fit_reports_progress_after_every_batch(square):
    X, Y = square_data(10)
    calls = []
    _, history = square.fit(square.init_params(0), X, Y, epochs=2, batch_size=4, lr=0.01,
                            callback=lambda *a: calls.append(a))
    assert [(e, done) for e, done, _ in calls] == [(0, 4), (0, 8), (0, 10), (1, 4), (1, 8), (1, 10)]
    assert calls[2][2] == history[0] and calls[5][2] == history[1]


def test_zero_epochs_returns_a_copy(square):
    X, Y = square_data(4)
    p0 = square.init_params(0)
    params, history = square.fit(p0, X, Y, epochs=0, batch_size=2)
    assert history == [] and all(np.array_equal(params[k], p0[k]) and params[k] is not p0[k] for k in p0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(optimizer="adagrad"), "unknown optimizer 'adagrad'; use one of 'sgd', 'momentum', 'rmsprop', "
                                "'adam', 'adamw'"),
    (dict(batch_size=0), "batch_size must be a whole number >= 1, got 0"),
    (dict(batch_size=2.5), "batch_size must be a whole number >= 1"),
    (dict(epochs=-1), "epochs must be a whole number >= 0, got -1"),
    (dict(optimizer="sgd", momentum=0.9), "optimizer 'sgd' takes no hyperparameter 'momentum'; it takes none"),
    (dict(optimizer="adam", momentum=0.9), "it takes only betas, eps, weight_decay"),
    (dict(optimizer="rmsprop", betas=(0.9, 0.99)), "it takes only alpha, eps, weight_decay"),
    (dict(optimizer="momentum", momentum=0.0, nesterov=True), "nesterov needs momentum > 0"),
    (dict(optimizer="adam", betas=(0.9, 1.0)), "betas must be two numbers in [0, 1)"),
    (dict(optimizer="adamw", weight_decay=-0.1), "weight_decay must be >= 0"),
    (dict(lr=-0.1), "lr must be >= 0"),
    (dict(Y=np.zeros((3, 1))), "X has 4 rows but Y has 3"),
    (dict(params={"W1": np.zeros((16, 1))}), "params has the keys ['W1'], expected"),
    (dict(params={"W1": np.zeros((1, 16)), "b1": np.zeros(16), "W2": np.zeros((1, 16)), "b2": np.zeros(1)}),
     "params['W1'] is (1, 16), expected (16, 1)"),
])
def test_fit_refuses_bad_arguments(square, kwargs, message):
    args = dict(params=square.init_params(0), X=np.zeros((4, 1)), Y=np.zeros((4, 1)), epochs=1, batch_size=2)
    args.update(kwargs)
    with pytest.raises(ValueError) as err:
        square.fit(**args)
    assert message in str(err.value)


def test_optimizer_tables_match_the_signatures(square):
    import inspect
    for name, step in square.OPTIMIZERS.items():
        params = list(inspect.signature(step).parameters)
        assert step is getattr(square, f"{name}_step")
        assert tuple(p for p in params if p not in ("params", "grads", "state", "lr")) == \
            square.HYPERPARAMETERS[name]


def test_predict_for_each_kind_of_output():
    ce = codegen.compile("2-5:relu-3:softmax/ce")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 2))
    p = ce.init_params(2)
    labels = ce.predict(p, X)
    assert labels.shape == (20,) and labels.dtype.kind == "i"
    probs = ce.forward(p, X)
    assert np.array_equal(labels, [int(np.argmax(row)) for row in probs])
    assert len(set(labels.tolist())) > 1

    bce = codegen.compile("2-4:tanh-2:sigmoid/bce")
    p = bce.init_params(0)
    yhat = bce.forward(p, X)
    assert np.array_equal(bce.predict(p, X), np.where(yhat >= 0.5, 1, 0))
    assert bce.predict(p, X).shape == (20, 2)

    reg = codegen.compile("2-3-2/mse")
    p = reg.init_params(0)
    assert np.array_equal(reg.predict(p, X), reg.forward(p, X))


def test_save_and_load_round_trip(tmp_path, square):
    params = square.fit(square.init_params(0), *square_data(8), epochs=1, batch_size=4)[0]
    params["b2"] = params["b2"].astype(np.float32)  # dtypes are kept
    square.save(params, tmp_path / "p.npz")
    loaded = square.load(tmp_path / "p.npz")
    assert list(loaded) == ["W1", "b1", "W2", "b2"]
    assert all(loaded[k].tobytes() == params[k].tobytes() and loaded[k].dtype == params[k].dtype
               for k in params)
    with np.load(tmp_path / "p.npz") as raw:
        assert str(raw["__chainrule__"]) == square.SPEC


def test_load_names_what_differs(tmp_path, square):
    params = square.init_params(0)
    np.savez(tmp_path / "missing.npz", W1=params["W1"], b1=params["b1"], W2=params["W2"], c=np.ones(1))
    with pytest.raises(ValueError, match=r"missing \['b2'\], unexpected \['c'\]"):
        square.load(tmp_path / "missing.npz")
    other = codegen.compile("1-8:tanh-1/half_se").init_params(0)
    other_mod = codegen.compile("1-8:tanh-1/half_se")
    other_mod.save(other, tmp_path / "narrow.npz")
    with pytest.raises(ValueError) as err:
        square.load(tmp_path / "narrow.npz")
    assert "W1 is (8, 1), expected (16, 1)" in str(err.value) and "b1 is (8,), expected (16,)" in str(err.value)
    np.save(tmp_path / "one.npy", params["W1"])
    with pytest.raises(ValueError, match="not an .npz archive"):
        square.load(tmp_path / "one.npy")


TORCH_FIT_CASES = [
    ("momentum", {}), ("momentum", dict(momentum=0.5, nesterov=True, weight_decay=0.01)),
    ("rmsprop", {}), ("rmsprop", dict(alpha=0.9, eps=1e-6, weight_decay=0.02)),
    ("adam", {}), ("adam", dict(betas=(0.8, 0.99), weight_decay=0.1)),
    ("adamw", {}), ("adamw", dict(weight_decay=0.3, eps=1e-7)),
]


@pytest.mark.parametrize("optimizer, hyper", TORCH_FIT_CASES,
                         ids=[f"{o}-{i}" for i, (o, _) in enumerate(TORCH_FIT_CASES)])
def test_fit_trains_as_torch_optim_does(xor, optimizer, hyper):
    """fit over 3 epochs of shuffled batches (8, 8, 8, 8, 5) equals a torch loop
    over the same batches with torch.optim's class and the same settings
    (torch's own defaults for what is not given), in float64."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    X = rng.standard_normal((37, 2))
    Y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    lr = 0.05
    start = xor.init_params(3)
    params, history = xor.fit(start, X, Y, epochs=3, batch_size=8, optimizer=optimizer, lr=lr, seed=11, **hyper)
    make = {"momentum": lambda ps: torch.optim.SGD(ps, lr=lr, **{"momentum": 0.9, **hyper}),
            "rmsprop": lambda ps: torch.optim.RMSprop(ps, lr=lr, **hyper),
            "adam": lambda ps: torch.optim.Adam(ps, lr=lr, **hyper),
            "adamw": lambda ps: torch.optim.AdamW(ps, lr=lr, **hyper)}[optimizer]
    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in start.items()}
    opt = make(list(p.values()))
    order_rng, tX, tY, ref_history = np.random.default_rng(11), torch.tensor(X), torch.tensor(Y), []
    for _ in range(3):
        order, total = order_rng.permutation(len(X)), 0.0
        for s in range(0, len(X), 8):
            rows = torch.tensor(order[s:s + 8])
            yhat = torch.sigmoid(torch.tanh(tX[rows] @ p["W1"].T + p["b1"]) @ p["W2"].T + p["b2"])
            J = torch.nn.functional.binary_cross_entropy(yhat, tY[rows])
            opt.zero_grad()
            J.backward()
            opt.step()
            total += J.item() * len(rows)
        ref_history.append(total / len(X))
    for k, v in p.items():
        np.testing.assert_allclose(params[k], v.detach().numpy(), rtol=1e-12, atol=1e-14, err_msg=k)
    np.testing.assert_allclose(history, ref_history, rtol=1e-12)
    assert all(np.array_equal(start[k], xor.init_params(3)[k]) for k in start)   # fit's arguments untouched
