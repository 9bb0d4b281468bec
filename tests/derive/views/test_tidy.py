"""tidy() of a long sum with nothing to factor (the error of a recurrent
hidden state: δ·w over every gate and unit) gives what sp.factor gives, and
without sp.factor's seconds: the scalar view of a mid-size LSTM took minutes."""
from __future__ import annotations

import time

import pytest
import sympy as sp

import derive
from derive.derivation import build
from derive.graph import Graph
from derive.printers import render
from derive.views.plug import tidy


def nested_sum(n: int, gates: int = 2):
    """Σ δ_k·(r_k·w_k) and Σ δ_k·w_k, the products left unevaluated as the graph leaves them."""
    terms = []
    for k in range(n):
        d, w, r = sp.symbols(f"d{k} w{k} r{k}", real=True)
        terms.append(sp.Mul(d, sp.Mul(r, w, evaluate=False), evaluate=False) if k % gates else sp.Mul(d, w))
    return sp.Add(*terms, evaluate=False)


@pytest.mark.parametrize("n", [7, 9, 12])
def test_same_as_sympy_factor(n):
    e = nested_sum(n)
    assert sp.srepr(tidy(e)) == sp.srepr(sp.factor(e))
    negative = sp.Add(*[-a for a in e.args], evaluate=False)   # every sign -: factor takes out -1
    assert sp.srepr(tidy(negative)) == sp.srepr(sp.factor(negative))
    shared = sp.Add(*[2 * a for a in e.args], evaluate=False)   # a common factor 2
    assert sp.srepr(tidy(shared)) == sp.srepr(sp.factor(shared))


def test_the_hidden_state_error_of_an_lstm():
    net = derive.load("4x4-lstm(6)-2/mse")
    g = Graph(net)
    dh = g.adjoint(derive.names.sym("h1_3_1")).expr
    assert len(dh.args) == 24
    assert sp.srepr(tidy(dh)) == sp.srepr(sp.factor(dh))   # sp.factor: seconds, for the reference


def test_a_mid_size_lstm_is_derived_in_seconds():
    """6x8-lstm(12): about 200 s of sp.factor before; a few seconds now."""
    start = time.process_time()
    text = render(build(derive.load("6x8-lstm(12)-2/mse")), "text")
    assert "δh⁽¹⁾" in text
    assert time.process_time() - start < 60
