"""The notes of ``chainrule derive --numbers``: the gradient check is of a
parameter where it shows what it should."""
from __future__ import annotations

import pytest

import derive
from derive import derivation
from derive.example import random_example
from derive.printers import render

from .test_handout import assert_check_shows_the_advice


@pytest.mark.parametrize("spec", ["small-cnn", "4-8:relu-bn-3:softmax/ce", "mlp-2-3-1",
                                  "4-res(4:relu-4):relu-2/mse/l2(0.01)"])
def test_derive_numbers_checks_a_parameter_with_a_gradient_and_no_kink(spec):
    """small-cnn's first weight crossed a max-pool switch between θ ± h
    (relative difference 0.68), bn's had gradient 0 (0 against 0)."""
    net = derive.load(spec)
    doc = derivation.build(net, numbers=True)
    notes = next(s for s in doc.body if getattr(s, "key", "") == "notes")
    text = next(n.text for n in notes.body if getattr(n, "text", "").startswith("Gradient check"))
    example = net.example if net.example is not None else random_example(net, 0)
    name = next(p for p in net.param_names() if f"θ = {doc.names.unicode(p)}," in text)
    assert_check_shows_the_advice(net, example, name, text, doc.names)
    assert "Gradient check" in render(doc, "text")
