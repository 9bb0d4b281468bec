"""Every rewrite of a derivative in the library is proved with SymPy."""
import pytest
import sympy as sp

from derive.library import (ACTIVATIONS, LOSSES, a, in_terms_of_output, output_delta,
                            softmax, softmax_jacobian, z)

ELEMENTWISE = [n for n, act in ACTIVATIONS.items() if act.elementwise]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_rewrite_in_output_equals_derivative(name):
    act = ACTIVATIONS[name]
    f, d = act.expr(act.default_alpha), act.derivative(act.default_alpha)
    r = in_terms_of_output(name, act.default_alpha)
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
    assert in_terms_of_output("sigmoid") == a * (1 - a)
    assert sp.expand(in_terms_of_output("tanh") - (1 - a ** 2)) == 0
    assert sp.expand(in_terms_of_output("softplus") - (1 - sp.exp(-a))) == 0


@pytest.mark.parametrize("name, at_zero", [("relu", 0), ("leaky_relu", sp.Rational(1, 100)), ("elu", 1)])
def test_piecewise_value_at_zero(name, at_zero):
    act = ACTIVATIONS[name]
    assert act.derivative(act.default_alpha).subs(z, 0) == at_zero
    assert in_terms_of_output(name, act.default_alpha).subs(a, 0) == at_zero


def test_softmax_ce_delta_is_yhat_minus_y():
    od = output_delta("softmax", "ce", 3)
    ys = od.ys
    for j in range(3):
        # exact (in z) equals the in-yhat form for any y ...
        yh = softmax(od.zs)
        diff = od.exact[j] - od.in_yhat[j].subs(dict(zip(od.yhats, yh)))
        assert sp.simplify(diff) == 0
        # ... and the taught form yhat - y when the targets sum to 1.
        assert od.taught[j] == od.yhats[j] - ys[j]
        constrained = (od.in_yhat[j] - od.taught[j]).subs(ys[2], 1 - ys[0] - ys[1])
        assert sp.simplify(constrained) == 0
    assert "sum to 1" in od.note


def test_sigmoid_bce_delta_is_yhat_minus_y():
    od = output_delta("sigmoid", "bce", 2)
    for j in range(2):
        assert sp.expand(od.taught[j] - (od.yhats[j] - od.ys[j])) == 0
        f = ACTIVATIONS["sigmoid"].expr()
        assert sp.simplify(od.exact[j] - od.taught[j].subs(od.yhats[j], f.subs(z, od.zs[j]))) == 0


@pytest.mark.parametrize("act", ["identity", "sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("loss", ["se", "half_se", "mse"])
def test_elementwise_output_delta_matches_diff(act, loss):
    od = output_delta(act, loss, 2)
    f = ACTIVATIONS[act].expr()
    for j in range(2):
        back = {h: f.subs(z, zz) for h, zz in zip(od.yhats, od.zs)}
        point = {od.zs[0]: sp.Rational(3, 10), od.zs[1]: sp.Rational(-7, 10), od.ys[0]: 1, od.ys[1]: -2}
        assert sp.N((od.exact[j] - od.taught[j].subs(back)).subs(point)) == pytest.approx(0, abs=1e-12)


def test_softmax_jacobian():
    a1, a2 = sp.symbols("a_1 a_2", real=True)
    assert softmax_jacobian(3, 1, 1) == a1 * (1 - a1)
    assert softmax_jacobian(3, 1, 2) == -a1 * a2


def test_losses_match_contract():
    p, t = sp.symbols("p t")
    assert LOSSES["half_se"].per_example([p], [t]) == (p - t) ** 2 / 2
    assert LOSSES["mse"].per_example([p, p], [t, t]) == (p - t) ** 2
