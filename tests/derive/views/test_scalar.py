"""The scalar view on networks whose deltas sum over many quantities
(spatial batch norm), and the display form of batch norm's deltas."""
from __future__ import annotations

import random
import time

import pytest
import sympy as sp

import derive
from derive import derivation, names
from derive.graph import Graph
from derive.lang import messages
from derive.printers import render
from derive.views import scalar
from derive.views.plug import tidy

CNN_BN = "3x8x8-conv(4,3,stride=2,pad=1)-bn-avgpool(2)-flatten-2/mse"


def test_spatial_batch_norm_derives_in_seconds_and_says_what_it_leaves_out():
    """dmu of a channel sums over every pixel of every example (33 terms for
    m = 2): factoring it took minutes.  It is named, with a sentence, and the
    deltas that are short still print."""
    net = derive.load(CNN_BN)
    start = time.process_time()
    text = render(derivation.build(net, view="scalar"), "text")
    assert time.process_time() - start < 30
    assert "δμ⁽²⁾₁ sums 33 contributions" in text and "δσ²⁽²⁾₁ sums 32 contributions" in text
    assert "  μ⁽²⁾₁\n" in text and "mu2_1" not in text and "dvar2_1" not in text
    assert "(BP1) δ⁽⁵⁾₁[1]" in text and "δx̂⁽²⁾₁₁₁[1]" in text


def test_the_cutoff_counts_the_terms_of_the_chain_rule():
    """1-d batch norm on a small batch keeps its deltas written out; a batch
    past the cutoff names them."""
    t = messages("en")
    small = Graph(derive.load("2-2:relu-bn-1/mse"), rows=[1, 2, 3])
    lines = scalar.adjoint_lines(small, True, t)
    assert not any(type(x).__name__ == "Text" for x in lines)
    m = scalar.ADJOINT_TERMS   # dmu sums m x-hats and sigma^2: m + 1 terms
    big = Graph(derive.load("2-1:relu-bn-1/mse"), rows=list(range(1, m + 1)))
    named = [x for x in scalar.adjoint_lines(big, True, t) if type(x).__name__ == "Text"]
    assert [x.text.split()[0] for x in named] == ["δμ⁽²⁾₁"]


def test_batch_norm_deltas_keep_epsilon_under_the_root():
    """tidy factors dsigma^2 and dmu without clearing eps's denominator (no
    sqrt(10), no 100000 sigma^2), and the result is the same expression."""
    g = Graph(derive.load("2-2:relu-bn-1/mse"), rows=[1, 2, 3])
    rng = random.Random(0)
    for a in g.adjoints:
        if not a.symbol.name.startswith(("dvar", "dmu")):
            continue
        shown = tidy(a.expr)
        assert sp.sqrt(10) not in shown.atoms(sp.Pow) and sp.Integer(100000) not in shown.atoms(sp.Integer)
        assert sp.Rational(1, 100000) in shown.atoms(sp.Rational)
        for _ in range(3):   # equal as functions: at random points, var > 0
            at = {s: sp.Rational(rng.randint(1, 99), 37) for s in a.expr.free_symbols}
            assert abs(sp.N(shown.xreplace(at) - a.expr.xreplace(at), 30)) < 1e-25


def test_batch_statistics_print_as_mu_and_sigma_squared():
    g = Graph(derive.load("2-2:relu-bn-1/mse"), rows=[1, 2])
    s = g.scheme()
    assert [s.unicode(n) for n in ("mu2_1", "var2_2", "dmu2_1", "dvar2_1", "xhat1_2_1")] == \
        ["μ⁽²⁾₁", "σ²⁽²⁾₂", "δμ⁽²⁾₁", "δσ²⁽²⁾₁", "x̂⁽²⁾₁[1]"]
    assert s.latex("mu2_1") == r"\mu^{(2)}_{1}"


def _at_example(section, t):
    """The numbers of a parameter's section marked 'at example 1': the path
    form's and BP3/BP4's, in order."""
    from derive.model import Equations, Math, Value
    out = []
    for node in section.body:
        for line in (node.lines if isinstance(node, Equations) else [node]):
            if isinstance(line, Math) and line.note == t("scalar.at_example"):
                assert isinstance(line.parts[-1], Value)
                out.append(float(line.parts[-1].value))
    return out


@pytest.mark.parametrize("spec", ["4-res(4:relu-4):relu-2/mse/l2(0.01)", "2-3:tanh-2/se/l2(0.25)",
                                  "2-2:sigmoid-1/mse/l2(0.5)/sum"])
def test_l2_numbers_at_example_1_include_lambda_w_and_equal_torch(spec):
    """Both the path form and BP4 give dJ/dw for example 1 alone, λ w included,
    and print the penalty as λ·w with λ's value in the note."""
    from derive.example import random_example
    from ..test_graph import arrays
    from ...torch_reference import loss_and_grads
    net = derive.load(spec)
    t = messages("en")
    doc = derivation.build(net, view="scalar", numbers=True)
    X, Y, P, M = arrays(net, random_example(net, 0))
    _, grads = loss_and_grads(net, X[:1], Y[:1], P, {k: v[:1] for k, v in M.items()})
    sections = {s.key[len("param:"):]: s for s in doc.body if getattr(s, "key", "").startswith("param:")}
    weights = [p for p in sections if p.startswith("w")]
    assert weights
    for p in sections:
        key, idx = names.locate(p, net.param_shapes())
        numbers = _at_example(sections[p], t)
        assert numbers, p
        for n in numbers:
            assert n == pytest.approx(grads[key][idx], rel=1e-9, abs=1e-12), p
    text = render(doc, "text")
    assert "λ = " + str(float(net.l2)).rstrip("0").rstrip(".") in text
    assert "λ·" + doc.names.unicode(weights[0]) in text and "/100" not in text and "/4" not in text


def test_a_weight_that_feeds_nothing_has_gradient_zero_or_lambda_w():
    """With one time step h_0 = 0, so Wh1 multiplies nothing: its gradient
    line is 0, and λ·w alone under l2 (the handout crashed on it)."""
    t = messages("en")
    plain_line = scalar.gradient_line(Graph(derive.load("1x1-rnn(2)-1/mse")), "wh1_1_1", t)
    assert plain_line.parts[-1] == 0
    g = Graph(derive.load("1x1-rnn(2)-1/mse/l2(0.5)"))
    line = scalar.gradient_line(g, "wh1_1_1", t)
    assert line.parts[-1] == sp.Mul(scalar.LAMBDA, names.sym("wh1_1_1"), evaluate=False)
    assert g.gradient("wh1_1_1").expr == names.sym("wh1_1_1") / 2


@pytest.mark.parametrize("spec", ["bn-mlp", "2-2:tanh-bn-1/mse/l2(0.1)"])
def test_batch_norm_gradient_lines_give_the_batch_gradient_of_torch(spec):
    """A batch graph has no 'example 1': each gradient line ends with J's
    gradient on the worked batch, torch float64's (training mode)."""
    from derive.example import random_example
    from derive.model import Equations, Math, Value
    from ..test_graph import arrays
    from ...torch_reference import loss_and_grads
    net = derive.load(spec)
    t = messages("en")
    doc = derivation.build(net, view="scalar", numbers=True)
    example = net.example if net.example is not None else random_example(net, 0)
    _, grads = loss_and_grads(net, *arrays(net, example))
    sections = [s for s in doc.body if getattr(s, "key", "").startswith("param:")]
    assert sections
    for s in sections:
        p = s.key[len("param:"):]
        key, idx = names.locate(p, net.param_shapes())
        lines = [line for node in s.body if isinstance(node, Equations) for line in node.lines
                 if isinstance(line, Math) and line.note == t("scalar.on_batch", m=example.m)]
        assert len(lines) == 1 and isinstance(lines[0].parts[-1], Value), p
        assert float(lines[0].parts[-1].value) == pytest.approx(grads[key][idx], rel=1e-9, abs=1e-12), p
