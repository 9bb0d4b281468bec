"""Numbers: exact while short, floats after, and bounded so nothing hangs."""
from __future__ import annotations

import re
import time

import pytest
import sympy as sp

from derive.errors import ChainruleError
from derive.views.staged import derivation
from derive.views.staged.values import MAX_SIZE, as_text, settle


def test_exact_while_rational_and_floats_for_the_rest():
    d = derivation("x/3 + exp(x)", ["x"], {"x": "1/2"})
    fw = d.data["forward"]
    assert fw[0]["value"] == "1/6"                        # exact
    assert fw[1]["value"] == "1.6487212707001281468"    # exp(1/2), 20 digits
    assert d.data["gradients"]["x"]["value"] == "1.9820546040334614802"   # 1/3 + exp(1/2)


def test_long_rationals_become_floats():
    big = sp.Rational(3 ** 2000, 2 ** 2000)    # about 1e352: refused
    with pytest.raises(ChainruleError, match="beyond the limit of 1e300"):
        settle(big, "here")
    long = sp.Rational(3 ** 1500, 2 ** 2300)   # about 5e22 but 4678 bits: carried as a float
    settled = settle(long, "here")
    assert isinstance(settled, sp.Float) and settled == pytest.approx(float(long), rel=1e-15)
    assert settle(sp.Rational(3 ** 1000, 2 ** 1500), "here") == sp.Rational(3 ** 1000, 2 ** 1500)  # 3090 bits: exact


@pytest.mark.parametrize("text, at, message", [
    ("exp(exp(exp(x)))", {"x": "10"}, "step 2 (t2 = exp(t1)) is about 9.38751e+9565"),
    ("exp(x)", {"x": "1e7"}, "overflows: exp of 1e+07"),
    ("sigmoid(x)", {"x": "-1e7"}, "overflows: sigmoid of -1e+07"),
    ("gelu(x)", {"x": "2e6"}, "overflows: gelu of 2000000 (the limit is 1e6 in size)"),
    ("x**y", {"x": "2", "y": "99999"}, "step 1 (J = x**y) is about 4.99501e+30102"),
    ("x**x**x", {"x": "1e100"}, "beyond the limit of 1e300"),
    ("x*y*z", {"x": "1e200", "y": "1e200", "z": "1"}, "beyond the limit of 1e300"),
    ("log(x)", {"x": "-1"}, "not a real number"),
    ("1/x", {"x": "0"}, "undefined"),
])
def test_runaway_values_are_refused_not_hung(text, at, message):
    start = time.perf_counter()
    variables = sorted(at)
    with pytest.raises(ChainruleError, match=re.escape(message)):
        derivation(text, variables, at)
    assert time.perf_counter() - start < 5


def test_a_symbolic_tower_checks_without_hanging():
    d = derivation("exp(exp(exp(exp(exp(x)))))", ["x"])  # the random-point check must not hang either
    assert d.data["gradients"]["x"]["staged"] == "J*t1*t2*t3*t4"


def test_the_largest_allowed_value_is_shown():
    d = derivation("x*y", ["x"], {"x": "1e150", "y": "1e150"})
    assert d.data["forward"][-1]["value"] == str(10 ** 300) and MAX_SIZE == 10 ** 300


def test_json_values():
    assert as_text(None) is None and as_text(sp.Rational(1, 3)) == "1/3"
    assert as_text(sp.Float("0.1", 30)) == "0.10000000000000000000"
