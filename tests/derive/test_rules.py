"""Every derived form on the rules card is proved with SymPy or against an
independent reference (torch for the functions torch has)."""
import math

import pytest
import sympy as sp

from derive.rules import (ACTIVATIONS, LOSSES, a, fprime, fprime_at_zero, output_delta, softmax,
                          softmax_jacobian, z)

ELEMENTWISE = [n for n, act in ACTIVATIONS.items() if act.elementwise]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_taught_fprime_equals_derivative(name):
    act = ACTIVATIONS[name]
    f, d = act.expr(act.default_alpha), act.derivative(act.default_alpha)
    fp = fprime(name, act.default_alpha)
    if not fp.in_output:
        assert fp.expr == d          # in z: the derivative itself
        return
    r = fp.expr
    assert not r.has(z)
    if isinstance(f, sp.Piecewise):
        # Branch by branch; every branch's condition keeps its sign (a = f(z)).
        for (fe, cond), (de, _), (re_, rcond) in zip(f.args, d.args, r.args):
            assert sp.simplify(de - re_.subs(a, fe)) == 0
            if cond is not sp.true:
                assert rcond == cond.subs(z, a)
    else:
        assert sp.simplify(d - r.subs(a, f)) == 0


def test_taught_forms():
    assert fprime("sigmoid").expr == a * (1 - a)
    assert sp.expand(fprime("tanh").expr - (1 - a ** 2)) == 0
    assert sp.expand(fprime("softplus").expr - (1 - sp.exp(-a))) == 0
    # gelu and silu have no inverse: their f' stays in z, derived, not declared
    assert not fprime("gelu").in_output and not fprime("silu").in_output


@pytest.mark.parametrize("name, at_zero", [("relu", 0), ("leaky_relu", sp.Rational(1, 100)), ("elu", 1)])
def test_piecewise_value_at_zero(name, at_zero):
    act = ACTIVATIONS[name]
    assert fprime_at_zero(name, act.default_alpha) == at_zero
    assert fprime(name, act.default_alpha).expr.subs(a, 0) == at_zero


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_against_torch(name):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    act = ACTIVATIONS[name]
    ref = {"identity": lambda x: x, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": F.relu,
           "leaky_relu": lambda x: F.leaky_relu(x, act.default_alpha or 0.01),
           "elu": lambda x: F.elu(x, act.default_alpha or 1.0), "softplus": F.softplus,
           "gelu": F.gelu, "silu": F.silu}[name]
    f = sp.lambdify(z, act.expr(), "mpmath")
    fp = fprime(name, act.default_alpha)
    for v in [-3.7, -1.0, -0.2, 0.3, 1.1, 4.2]:
        x = torch.tensor(v, dtype=torch.float64, requires_grad=True)
        y = ref(x)
        y.backward()
        assert float(f(v)) == pytest.approx(float(y), rel=1e-12, abs=1e-300)
        av = float(f(v))
        mine = float(sp.N(fp.expr.subs(fp.var, av if fp.in_output else v)))
        assert mine == pytest.approx(float(x.grad), rel=1e-9, abs=1e-12)


def test_softmax_ce_delta_is_yhat_minus_y():
    od = output_delta("softmax", "ce", 3)
    ys = od.ys
    exact = od.exact()
    for j in range(3):
        # exact (in z) equals the in-yhat form for any y ...
        yh = softmax(od.zs)
        diff = exact[j] - od.in_yhat[j].subs(dict(zip(od.yhats, yh)))
        assert sp.simplify(diff) == 0
        # ... and the taught form yhat - y when the targets sum to 1.
        assert od.taught[j] == od.yhats[j] - ys[j]
        constrained = (od.in_yhat[j] - od.taught[j]).subs(ys[2], 1 - ys[0] - ys[1])
        assert sp.simplify(constrained) == 0
    assert od.assumes == "targets_sum_to_one"


def test_sigmoid_bce_delta_is_yhat_minus_y():
    od = output_delta("sigmoid", "bce", 2)
    exact = od.exact()
    for j in range(2):
        assert sp.expand(od.taught[j] - (od.yhats[j] - od.ys[j])) == 0
        f = ACTIVATIONS["sigmoid"].expr()
        assert sp.simplify(exact[j] - od.taught[j].subs(od.yhats[j], f.subs(z, od.zs[j]))) == 0


@pytest.mark.parametrize("act", ["identity", "sigmoid", "tanh", "relu", "gelu", "silu"])
@pytest.mark.parametrize("loss", ["se", "half_se", "mse"])
def test_elementwise_output_delta_matches_diff(act, loss):
    od = output_delta(act, loss, 2)
    f = ACTIVATIONS[act].expr()
    exact = od.exact()
    for j in range(2):
        back = {h: f.subs(z, zz) for h, zz in zip(od.yhats, od.zs)}
        point = {od.zs[0]: sp.Rational(3, 10), od.zs[1]: sp.Rational(-7, 10), od.ys[0]: 1, od.ys[1]: -2}
        assert sp.N((exact[j] - od.taught[j].subs(back)).subs(point)) == pytest.approx(0, abs=1e-12)


def test_softmax_jacobian():
    a1, a2, a5 = sp.symbols("a_1 a_2 a_5", real=True)
    assert softmax_jacobian(3, 1, 1) == a1 * (1 - a1)
    assert softmax_jacobian(3, 1, 2) == -a1 * a2
    # any width: the two derived forms, renamed; checked against sympy.diff at n = 6
    zs = sp.symbols("z_1:7", real=True)
    s = softmax(list(zs))
    point = {zz: sp.Rational(i, 7) for i, zz in enumerate(zs)}
    outs = {sp.Symbol(f"a_{i + 1}", real=True): s[i] for i in range(6)}
    for j, k in [(5, 5), (5, 2), (1, 6)]:
        ref = sp.diff(s[j - 1], zs[k - 1]).subs(point)
        assert sp.N(softmax_jacobian(6, j, k).subs(outs).subs(point) - ref) == pytest.approx(0, abs=1e-14)
    assert softmax_jacobian(6, 5, 5).has(a5)


def test_losses_match_contract():
    p, t = sp.symbols("p t")
    assert sp.simplify(LOSSES["half_se"].per_example([p], [t]) - (p - t) ** 2 / 2) == 0
    assert sp.simplify(LOSSES["mse"].per_example([p, p], [t, t]) - (p - t) ** 2) == 0
    assert sp.simplify(LOSSES["se"].per_example([p], [t]) - (p - t) ** 2) == 0


def test_adding_an_activation_is_one_entry():
    """gelu and silu are single entries: every other fact comes from the formula."""
    for name in ("gelu", "silu"):
        act = ACTIVATIONS[name]
        assert act.numpy and act.init == "he"
        assert math.isclose(float(sp.N(act.derivative().subs(z, 0))), 0.5)
