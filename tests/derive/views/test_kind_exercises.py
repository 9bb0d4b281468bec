"""The exercises on conv, batch norm and dropout: their answers are checked
inside the view against an independent route; here, that a wrong route is
caught, and that drawn networks get them without error."""
from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import derive
from derive.lang import messages
from derive.views import kind_exercises
from derive.views.handout.sources import sources


def made(spec):
    net = derive.load(spec)
    src = sources(net, messages("en"), None)
    return kind_exercises.exercises(net, messages("en"), src.graph, src.numbers, random.Random(0))


def test_conv_exercises_agree_with_the_graph_gradient():
    keys = [k for k, *_ in made("small-cnn")]
    assert keys == ["conv_shape", "conv_grad"]


def test_a_wrong_conv_gradient_is_caught(monkeypatch):
    """Break the index arithmetic (look one output position off) and the
    check against the graph's gradient must fire."""
    real = kind_exercises.linear_table
    def shifted(expr):   # each weight reads its neighbour's input
        table = real(expr)
        keys, values = list(table), list(table.values())
        return dict(zip(keys, values[1:] + values[:1]))
    monkeypatch.setattr(kind_exercises, "linear_table", shifted)
    with pytest.raises(kind_exercises.AnswerError):
        made("small-cnn")


def test_batch_norm_dx_sums_to_zero_and_matches_diff():
    key, title, question, solution, asked = kind_exercises.batch_norm(messages("en"), random.Random(3))
    assert key == "bn"
    assert abs(sum(a.value for a in asked)) < 1e-20 and len(asked) == 3   # the dx it asks for sum to 0


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(3, 6), st.integers(1, 3), st.integers(1, 2), st.integers(0, 1), st.sampled_from(["mean", "sum"]))
def test_drawn_convs_get_checked_exercises(size, k, stride, pad, reduction):
    pad = min(pad, k - 1)   # torch's rule: padding below the kernel size
    spec = f"1x{size}x{size}-conv(2,{k},stride={stride},pad={pad}):tanh-flatten-2:softmax/ce" + \
        ("/sum" if reduction == "sum" else "")
    keys = [key for key, *_ in made(spec)]
    assert keys[0] == "conv_shape"
