"""The JSON gradients equal sympy.diff of the JSON loss at random points,
for every preset and for hypothesis-drawn specs (the contract's check)."""
import json
import random

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings, strategies as st

from chainrule.cli import main
from derive import PRESETS, Network
from derive.derivation import build
from derive.printers import render


def check_json(payload: dict, points: int = 2, seed: int = 0) -> int:
    """Each gradient equals sympy.diff(loss, param) at random points.

    Every variable but the parameter is fixed at its random value before
    differentiating: the same partial derivative, without the blow-up of
    expanding nested piecewise activations symbolically."""
    loc = _locals(payload)
    defs = [(sp.Symbol(d["name"], real=True), sp.sympify(d["expr"], locals=loc))
            for d in payload["definitions"]]
    loss = sp.sympify(payload["loss"], locals=loc)
    defined = {s for s, _ in defs}
    base = set().union(*[e.free_symbols for _, e in defs], loss.free_symbols) - defined
    base |= {sp.Symbol(p["name"], real=True) for p in payload["parameters"]}
    needed, frontier = set(), set(loss.free_symbols)
    exprs = dict(defs)
    while frontier:  # the definitions the loss depends on (the forward pass)
        s = frontier.pop()
        if s in exprs and s not in needed:
            needed.add(s)
            frontier |= exprs[s].free_symbols
    rng = random.Random(seed)
    checked = 0
    for p in payload["parameters"]:
        param = sp.Symbol(p["name"], real=True)
        grad = sp.sympify(p["gradient"], locals=loc)
        prod = sp.Mul(*[sp.sympify(f, locals=loc) for f in p["steps"]])
        assert sp.simplify(prod - grad) == 0, p
        for _ in range(points):
            point = {s: sp.Float(rng.uniform(0.1, 0.9) * rng.choice((-1, 1)), 30)
                     for s in sorted(base, key=lambda s: s.name)}
            numeric = dict(point)
            for s, e in defs:
                numeric[s] = sp.N(e.xreplace(numeric), 30)
            got = grad.xreplace(numeric)
            env = {s: v for s, v in point.items() if s != param}
            for s, e in defs:  # what the loss needs becomes a function of param alone
                if s in needed:
                    env[s] = e.xreplace(env)
            ref = sp.diff(loss.xreplace(env), param).xreplace({param: point[param]})
            a, b = complex(sp.N(ref, 30)), complex(sp.N(got, 30))
            assert abs(a - b) <= 1e-12 * max(1, abs(a)), (p["name"], a, b)
        checked += 1
    return checked


def _locals(payload):
    names = {d["name"] for d in payload["definitions"]} | {p["name"] for p in payload["parameters"]}
    return {n: sp.Symbol(n, real=True) for n in names}


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_preset_json_gradients_equal_sympy_diff(preset, capsys):
    assert main(["derive", preset, "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    net = PRESETS[preset]()
    assert payload["spec"] == net.spec
    assert [p["name"] for p in payload["parameters"]] == net.param_names()
    assert check_json(payload) == net.n_params


def test_numbers_json_is_the_worked_batch(capsys):
    """With --numbers the top-level definitions, loss and gradients are the
    worked batch's (the contract), and the values are the example's."""
    assert main(["derive", "mlp-2-3-1", "--numbers", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert any(d["name"] == "z4_1_3" for d in payload["definitions"])  # row 4, layer 1, neuron 3
    assert "a4_2_1" in payload["loss"] and "y4_1" in payload["loss"]
    assert check_json(payload) == 13
    values = payload["numbers"]["values"]
    env = {sp.Symbol(k, real=True): sp.Rational(v) if "e" not in v else sp.Float(v) for k, v in values.items()}
    J = sp.sympify(payload["loss"], locals={k: sp.Symbol(k, real=True) for k in values}).xreplace(env)
    assert float(J) == pytest.approx(float(payload["numbers"]["loss_value"]), rel=1e-6)


act = st.sampled_from(["identity", "sigmoid", "tanh", "relu", "leaky_relu(0.1)", "elu(0.5)", "softplus"])


@st.composite
def specs(draw):
    depth = draw(st.integers(1, 3))
    widths = [draw(st.integers(1, 3)) for _ in range(depth + 1)]
    kind = draw(st.sampled_from(["plain", "bce", "ce"]))
    acts = [draw(act) for _ in range(depth - 1)]
    if kind == "bce":
        out, loss = "sigmoid", "bce"
    elif kind == "ce":
        widths[-1] = max(2, widths[-1])
        out, loss = "softmax", "ce"
    else:
        out, loss = draw(act), draw(st.sampled_from(["se", "half_se", "mse"]))
    layers = str(widths[0]) + "".join(f"-{n}:{a}" for n, a in zip(widths[1:], acts + [out]))
    items = [loss] + (["nobias"] if draw(st.booleans()) else []) + (["sum"] if draw(st.booleans()) else [])
    return layers + "".join("/" + i for i in items)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_drawn_specs_json_gradients_equal_sympy_diff(spec):
    net = Network.parse(spec)
    payload = json.loads(render(build(net, view="scalar"), "json"))
    assert check_json(payload, points=1) == net.n_params


def test_verify_reports_success(capsys):
    assert main(["derive", "relu-square", "--verify", "--view", "scalar"]) == 0
    assert "Verified: all 7 gradients shown equal" in capsys.readouterr().out


@pytest.mark.parametrize("spec", [
    "1x3x3-conv(1,2):relu-maxpool(2)-flatten-2:softmax/ce",
    "3-2:tanh-bn-2/mse", "3-ln-2/half_se", "2-3:relu-dropout(0.5)-1/se",
    "2-res(2:relu-2):tanh-1/mse/l2(0.01)", "2x1-rnn(2)-1/mse", "2x1-lstm(1)-1/mse", "2x1-gru(1)-1/se",
])
def test_other_kinds_json_gradients_equal_sympy_diff(spec):
    """The contract's JSON check for every layer kind: plain names, masks put
    in as numbers, each gradient equal to sympy.diff of the JSON loss."""
    net = Network.parse(spec)
    payload = json.loads(render(build(net, view="scalar"), "json"))
    if "masks" in payload:
        assert set(payload["masks"]) and all(v in (0, 1) for v in payload["masks"].values())
    names = {p["name"] for p in payload["parameters"]}
    assert names == set(net.param_names())
    assert check_json(payload, points=1) == net.n_params


def test_large_network_json_says_why(capsys):
    assert main(["derive", "784-128:relu-10:softmax/ce", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["scalar"] is False and "terms" in payload["reason"]
    labels = [(s["label"], s["layer"]) for s in payload["index_level"]]
    assert ("BP1", "2") in labels and ("BP4", "1") in labels
