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
    """Substitute the definitions in order and compare with sympy.diff."""
    defs = [(sp.Symbol(d["name"], real=True), sp.sympify(d["expr"], locals=_locals(payload)))
            for d in payload["definitions"]]

    def expand(e):
        for s, v in reversed(defs):
            e = e.subs(s, v)
        return e

    loss = expand(sp.sympify(payload["loss"], locals=_locals(payload)))
    rng = random.Random(seed)
    syms = sorted(loss.free_symbols, key=lambda s: s.name)
    checked = 0
    for p in payload["parameters"]:
        param = sp.Symbol(p["name"], real=True)
        ref = sp.lambdify(syms, sp.diff(loss, param), "mpmath")
        grad = expand(sp.sympify(p["gradient"], locals=_locals(payload)))
        got = sp.lambdify(syms, grad, "mpmath")
        prod = sp.Mul(*[sp.sympify(f, locals=_locals(payload)) for f in p["steps"]])
        assert sp.simplify(prod - sp.sympify(p["gradient"], locals=_locals(payload))) == 0, p
        for _ in range(points):
            args = [sp.Float(rng.uniform(0.1, 0.9) * rng.choice((-1, 1)), 20) for _ in syms]
            a, b = complex(ref(*args)), complex(got(*args))
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
    assert main(["derive", "mlp-2-3-1", "--numbers", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    numbers = payload["numbers"]
    assert any(d["name"] == "z4_1_3" for d in numbers["definitions"])  # row 4, layer 1, neuron 3
    assert "x4_2" in numbers["loss"] or "z" in numbers["loss"] or "a4_2_1" in numbers["loss"]
    check_json({"definitions": numbers["definitions"], "loss": numbers["loss"],
                "parameters": [{"name": p, "gradient": "0", "steps": ["0"]} for p in []]})


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


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_drawn_specs_json_gradients_equal_sympy_diff(spec):
    net = Network.parse(spec)
    payload = json.loads(render(build(net, view="scalar"), "json"))
    assert check_json(payload, points=1) == net.n_params


def test_verify_reports_success(capsys):
    assert main(["derive", "relu-square", "--verify", "--view", "scalar"]) == 0
    assert "Verified: all 7 gradients equal sympy.diff" in capsys.readouterr().out
