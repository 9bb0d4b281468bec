"""Jupyter renders a derivation's _repr_latex_ with MathJax 3 in its default
configuration; every maths segment must typeset there (no 'internal buffer
size exceeded', no unknown macro).  Real MathJax, under node, installed by
.ci/run into .ci/node_modules."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

import derive
from derive.derivation import build

ROOT = Path(__file__).resolve().parents[3]
MATHJAX = ROOT / ".ci" / "node_modules" / "mathjax-full"
SCRIPT = Path(__file__).with_name("mathjax_check.js")
pytestmark = pytest.mark.skipif(shutil.which("node") is None or not MATHJAX.is_dir(),
                                reason="node and mathjax-full (.ci/run installs them) are needed")


def typeset(latex: str) -> dict:
    run = subprocess.run(["node", str(SCRIPT), str(MATHJAX)], input=latex, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


@pytest.mark.parametrize("spec", ["mlp-2-3-1", "softmax-2hidden", "single-weight", "relu-square", "logistic",
                                  "2-5:tanh-4:relu-3:softmax/ce", "4-3:relu-bn-2:softmax/ce",
                                  "3x1-rnn(2)-1/mse"])
def test_repr_latex_typesets_with_default_mathjax(spec):
    doc = build(derive.load(spec), numbers=True)
    result = typeset(doc._repr_latex_())
    assert result["segments"] > 10
    assert result["errors"] == [], result["errors"][:3]


def test_the_check_catches_an_error():
    """The harness itself must fail on bad maths (a test that cannot fail is a defect)."""
    result = typeset(r"$$\frac{1}{$$ and $\undefinedmacro x$")
    assert len(result["errors"]) == 2
