"""The exam's versions: every key recomputed independently with torch
(float64 autograd) from the version's own numbers, the numbers never
degenerate, the questions the same in every version and the numbers not."""
from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest

import derive
from derive import names
from derive.views import exam as exam_view

from ...torch_reference import _torch, activation, loss_and_grads, per_example_loss

VERSIONS = 3


@pytest.fixture(scope="module")
def exams():
    return {}


def exam_of(exams, spec, versions=VERSIONS, seed=11):
    key = (spec, versions, seed)
    if key not in exams:
        exams[key] = exam_view.build(derive.load(spec), versions, seed)
    return exams[key]


def arrays(net, example):
    """The example's numbers as float64 arrays: X and Y shaped for torch, params by key."""
    X = np.array([[float(v) for v in row] for row in example.X]).reshape(example.m, *net.input)
    Y = np.array([[float(v) for v in row] for row in example.Y])
    values = dict(example.params)
    params = {}
    for key, shape in net.param_shapes().items():
        flat = [float(values[p]) for p in names.entries(key, shape)]
        params[key] = np.array(flat).reshape(shape)
    return X, Y, params


def gradient(net, X, Y, params, name):
    _, grads = loss_and_grads(net, X, Y, params)
    key, idx = names.locate(name, net.param_shapes())
    return float(grads[key][idx])


def dense_pass(net, X, Y, params):
    """z, a and the per-example errors delta = d(loss of its example)/dz of
    every layer of a dense network, by torch autograd."""
    t = _torch()
    a = t.tensor(X)
    Z, A = {}, {0: a}
    for layer in net.numbered:
        l = layer.l
        W = t.tensor(params[f"W{l}"], requires_grad=True)
        z = a @ W.T + (t.tensor(params[f"b{l}"]) if net.bias else 0)
        z.retain_grad()
        a = activation(net.act(l), z)
        Z[l], A[l] = z, a
    per_example_loss(net, a, t.tensor(Y)).sum().backward()   # row r's loss depends on row r only
    return ({l: z.detach().numpy() for l, z in Z.items()}, {l: x.detach().numpy() for l, x in A.items()},
            {l: z.grad.numpy() for l, z in Z.items()})


def reference(net, version, what) -> float:
    """What the key should be, from the version's numbers, by torch alone."""
    t = _torch()
    kind = what[0]
    if kind in ("z", "a", "d"):
        _, l, j, row, source = what
        Z, A, D = dense_pass(net, *arrays(net, version.examples[source]))
        return float({"z": Z, "a": A, "d": D}[kind][l][row - 1, j - 1])
    if kind == "grad":
        name, source = what[1], what[2]
        other = replace(net, reduction=what[3]) if len(what) > 3 else net
        return gradient(other, *arrays(net, version.examples[source]), name)
    if kind == "example_grad":
        name, row, source = what[1], what[2], what[3]
        X, Y, params = arrays(net, version.examples[source])
        return gradient(replace(net, reduction="sum"), X[row - 1:row], Y[row - 1:row], params, name)
    if kind == "central":
        name, h, source = what[1], float(what[2]), what[3]
        X, Y, params = arrays(net, version.examples[source])
        key, idx = names.locate(name, net.param_shapes())
        J = []
        for sign in (1, -1):
            moved = {k: v.copy() for k, v in params.items()}
            moved[key][idx] += sign * h
            J.append(loss_and_grads(net, X, Y, moved)[0])
        return (J[0] - J[1]) / (2 * h)
    if kind == "sgd":
        name, lr, source = what[1], float(what[2]), what[3]
        X, Y, params = arrays(net, version.examples[source])
        key, idx = names.locate(name, net.param_shapes())
        return float(params[key][idx]) - lr * gradient(net, X, Y, params, name)
    if kind == "fprime":
        _, act, alpha, z0 = what
        z = t.tensor(float(z0), dtype=t.float64, requires_grad=True)
        activation(SimpleNamespace(name=act, alpha=None if alpha is None else float(alpha)), z).backward()
        return float(z.grad)
    if kind == "bn_dx":
        _, i, xs, dys, gamma, eps = what
        x = t.tensor([[float(v)] for v in xs], dtype=t.float64, requires_grad=True)
        y = t.nn.functional.batch_norm(x, None, None, t.tensor([float(gamma)], dtype=t.float64),
                                       t.tensor([0.0], dtype=t.float64), training=True, eps=float(eps))
        (y[:, 0] * t.tensor([float(v) for v in dys], dtype=t.float64)).sum().backward()
        return float(x.grad[i - 1, 0])
    raise AssertionError(f"no reference for {what}")


def value(v) -> float:
    return float(Fraction(v)) if isinstance(v, (Fraction, int)) else float(v)


@pytest.mark.parametrize("spec", list(derive.PRESETS))
def test_every_key_agrees_with_torch(exams, spec):
    """Each answer, computed from the numbers its question prints, is within
    a tenth of its tolerance of torch's value from the version's numbers:
    a student who computes exactly is marked right."""
    exam = exam_of(exams, spec)
    net = replace(derive.load(spec), example=None)
    kinds = set()
    for version in exam.versions:
        for q in version.questions:
            for a in q.asked:
                ref = reference(net, version, a.what)
                kinds.add(a.what[0])
                assert abs(value(a.value) - ref) <= 1e-3 * abs(ref) + 1e-12, (spec, version.number, q.name, a.what,
                                                                              value(a.value), ref)
                assert value(a.tolerance) == pytest.approx(0.01 * abs(value(a.value)), rel=0.2, abs=1e-12)
    assert {"central", "sgd", "grad"} <= kinds
    if derive.load(spec).is_mlp:
        assert {"z", "a", "d"} <= kinds


def test_a_wrong_key_is_caught_by_the_reference(exams):
    """The reference must be able to fail: a key off by 1% is not within a tenth of the tolerance."""
    exam = exam_of(exams, "mlp-2-3-1")
    version = exam.versions[0]
    a = version.questions[1].asked[0]
    ref = reference(replace(derive.load("mlp-2-3-1"), example=None), version, a.what)
    assert abs(value(a.value) * 1.01 - ref) > 1e-3 * abs(ref)


@pytest.mark.parametrize("spec", ["mlp-2-3-1", "softmax-2hidden", "relu-square"])
def test_numbers_are_never_degenerate(exams, spec):
    """No vanishing answer outside the saturation question, no saturated
    sigmoid or tanh unit, no ReLU at its kink, no softmax output near 1
    in either example (checked here with torch), and the numbers short."""
    exam = exam_of(exams, spec)
    net = replace(derive.load(spec), example=None)
    for version in exam.versions:
        for q in version.questions:
            for a in q.asked:
                if a.what[0] != "fprime":
                    assert abs(value(a.value)) >= 1e-4, (q.name, a.what)
        for source, example in version.examples.items():
            assert all((v * 10).denominator == 1 and abs(v) <= 1 for row in example.X for v in row)
            assert all((v * 100).denominator == 1 and abs(v) <= 1 for _, v in example.params)
            Z, A, _ = dense_pass(net, *arrays(net, example))
            for layer in net.numbered:
                act = net.act(layer.l).name
                if act in ("sigmoid", "tanh"):
                    assert np.abs(Z[layer.l]).max() <= 3
                if act == "relu":
                    assert (Z[layer.l] != 0).all()
                if act == "softmax":
                    assert A[layer.l].max() <= 0.99


def test_versions_ask_the_same_questions_with_other_numbers(exams):
    exam = exam_of(exams, "softmax-2hidden")
    first = exam.versions[0]
    for other in exam.versions[1:]:
        assert [q.name for q in other.questions] == [q.name for q in first.questions]
        assert [[a.label for a in q.asked] for q in other.questions] == \
            [[a.label for a in q.asked] for q in first.questions]
        assert [value(a.value) for q in other.questions for a in q.asked] != \
            [value(a.value) for q in first.questions for a in q.asked]
        assert other.examples != first.examples


def test_a_version_does_not_depend_on_how_many_there_are(exams):
    """Version 2 of an exam of 2 is version 2 of an exam of 3 (the seed
    of version v is made from the exam's seed and v)."""
    small = exam_of(exams, "mlp-2-3-1", versions=2)
    large = exam_of(exams, "mlp-2-3-1", versions=VERSIONS)
    for a, b in zip(small.versions, large.versions):
        assert a.examples == b.examples and a.seed == b.seed


def test_another_seed_gives_other_numbers(exams):
    a = exam_of(exams, "mlp-2-3-1", seed=11)
    b = exam_of(exams, "mlp-2-3-1", seed=12)
    assert [v.examples for v in a.versions] != [v.examples for v in b.versions]
    assert [q.name for q in a.versions[0].questions] == [q.name for q in b.versions[0].questions]


def test_tolerance_rounds_up_to_two_digits():
    assert exam_view.tolerance(Fraction(852, 1000)) == Fraction(86, 10000)
    assert exam_view.tolerance(Fraction(-1)) == Fraction(1, 100)
    assert exam_view.tolerance(Fraction(9999, 1000)) == Fraction(1, 10)
    assert exam_view.tolerance(0) == 0


def test_a_network_that_always_saturates_is_refused(monkeypatch):
    """When no draw is fine, one clear error (exit 2 at the command line), not a loop."""
    from derive.errors import ChainruleError
    monkeypatch.setattr(exam_view, "MAX_TRIES", 3)
    monkeypatch.setattr(exam_view, "_unit_fine", lambda act, z, a: act != "sigmoid")
    with pytest.raises(ChainruleError, match="saturated"):
        exam_view.build(derive.load("mlp-2-3-1"), 1, 0)


def test_a_draw_whose_answer_fails_its_check_is_drawn_again(monkeypatch):
    """A central difference across a kink disagrees with backprop (the
    exercise's own check raises): that draw is not a fair question, and the
    next attempt's seed is used."""
    from derive.views import exercises
    real, calls = exercises.gradient_check, []

    def first_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise exercises.AnswerError("across a kink")
        return real(*args, **kwargs)
    monkeypatch.setattr(exercises, "gradient_check", first_fails)
    exam = exam_view.build(derive.load("mlp-2-3-1"), 1, 4)
    assert len(calls) >= 2 and exam.versions[0].seed != exam_view.version_seed(4, 1, 0)


@pytest.mark.parametrize("lang, handout_words", [("en", "worked example"), ("zh", "算例")])
def test_an_exam_words_its_questions_as_an_exam(lang, handout_words):
    """The central difference and the kernel gradient say "the worked
    example's ..." in the handout; an exam has no worked example (nor
    backprop's value to compare with), so it asks in its own words, and the
    handout's sheet keeps its own."""
    from derive.lang import messages
    from derive.printers import render
    t = messages(lang)
    for spec, own in (("mlp-2-3-1", "exam.check_q"), ("small-cnn", "exam.conv_grad_q")):
        exam = exam_view.build(derive.load(spec), 2, 5, lang=lang)
        text = render(exam.sheet, "text") + render(exam.keys, "text")
        assert handout_words not in text
        opening = t.template(own).split("{")[0].strip()
        assert " ".join(text.split()).count(opening) == 2, opening   # once in each version
    words = exam_view.exam_messages(t)
    assert {k: words.template(k) for k in exam_view.EXAM_WORDING} == \
        {k: t.template(v) for k, v in exam_view.EXAM_WORDING.items()}
    # the handout's sheet: the worked example's wording, unchanged
    from derive.handout import render as handout
    opening = t.template("ex.check_q").split("{")[0].strip().replace("'", "\\textquotesingle{}")
    assert opening in " ".join(handout(derive.load("mlp-2-3-1"), lang=lang).split())
