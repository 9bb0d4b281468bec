"""Handouts: every preset compiles with real pdflatex and its PDF text holds
the items of the handout; student and teacher differ only in the solutions;
user text is escaped; output is deterministic; LaTeX errors are one line."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

import derive
from derive import handout
from derive.errors import ChainruleError

ROOT = Path(__file__).resolve().parents[2]
NEEDS_TEX = pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
                               reason="pdflatex/pdftotext not installed (CI installs TeX Live and poppler-utils)")
INJECTION = "\\input{/etc/passwd} $ & # % ^ ~ \\"
LISTING = "def value_and_grad(params, X, Y):\n    # δ = ŷ - y, the output error\n    return 0.0, {}\n"


def pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True)
    return unicodedata.normalize("NFC", out.stdout)  # ŷ may come out as y + combining hat


def build(folder: Path, name: str, **kwargs) -> tuple[str, str]:
    """(tex source, PDF text) of a handout compiled in folder."""
    from chainrule.pdf import compile_pdf
    net = derive.PRESETS[name]() if name in derive.PRESETS else derive.load(name)
    tex = handout.render(net, code_listing=LISTING, **kwargs)
    path = folder / f"{re.sub(r'[^a-z0-9]+', '-', name)}-{len(list(folder.iterdir()))}.tex"
    path.write_text(tex, encoding="utf-8")
    pdf = compile_pdf(path)
    assert pdf == path.with_suffix(".pdf") and pdf.stat().st_size > 10_000
    assert sorted(p.suffix for p in folder.glob(path.stem + ".*")) == [".pdf", ".tex"]  # no aux files
    return tex, pdf_text(pdf)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """Each preset's teacher handout compiled once."""
    if shutil.which("pdflatex") is None or shutil.which("pdftotext") is None:
        pytest.skip("pdflatex/pdftotext not installed (CI installs TeX Live and poppler-utils)")
    folder = tmp_path_factory.mktemp("handouts")
    return {name: build(folder, name) for name in derive.PRESETS}


# --------------------------------------------------- an independent forward pass --

def numpy_loss(net, params: dict) -> float:
    """J of the worked example in float64, written from the contract."""
    ex = net.example
    A = np.array(ex.X, dtype=float)
    Y = np.array(ex.Y, dtype=float)
    for l in range(1, net.depth + 1):
        W = np.array([[params[f"w{l}_{j}_{k}"] for k in range(1, net.sizes[l - 1] + 1)]
                      for j in range(1, net.sizes[l] + 1)])
        Z = A @ W.T
        if net.bias:
            Z = Z + np.array([params[f"b{l}_{j}"] for j in range(1, net.sizes[l] + 1)])
        act = net.act(l).name
        if act == "sigmoid":
            A = 1 / (1 + np.exp(-Z))
        elif act == "relu":
            A = np.maximum(Z, 0)
        elif act == "softmax":
            E = np.exp(Z - Z.max(axis=1, keepdims=True))
            A = E / E.sum(axis=1, keepdims=True)
        else:
            assert act == "identity"
            A = Z
    per = {"se": lambda: ((A - Y) ** 2).sum(1), "half_se": lambda: 0.5 * ((A - Y) ** 2).sum(1),
           "mse": lambda: ((A - Y) ** 2).mean(1),
           "bce": lambda: -(Y * np.log(A) + (1 - Y) * np.log(1 - A)).sum(1),
           "ce": lambda: -(Y * np.log(A)).sum(1)}[net.loss]()
    return float(per.mean() if net.reduction == "mean" else per.sum())


def example_params(net) -> dict:
    return {p: float(v) for p, v in net.example.params}


# ----------------------------------------------------------------- contents --

@NEEDS_TEX
@pytest.mark.parametrize("name", list(derive.PRESETS))
def test_pdf_holds_every_item(compiled, name):
    tex, text = compiled[name]
    net = derive.PRESETS[name]()
    flat = " ".join(text.split())
    assert tex.startswith(f"{handout.HEADER_PREFIX}{net.spec} -- do not edit.\n")
    # 1. notation
    for words in ("Notation", "to neuron j", "not an exponent", "one example per row", "Batch convention"):
        assert words in flat, words
    assert "1/m" in flat
    # 2. the diagram's layer captions
    for l, n in enumerate(net.sizes):
        assert re.search(rf"n{l}\s*=\s*{n}", flat), (l, n)
    # 3.-5. forward pass, chain rule, BP1..BP4 with shapes
    for words in ("Forward pass", "upstream", "local", "BP1", "BP2" if net.depth > 1 else "BP1", "BP4"):
        assert words in flat, words
    assert ("(BP3)" in flat) == net.bias
    # 6. activation box
    assert "Activation derivatives" in flat
    if any(a.name == "relu" for a in net.activations):
        assert re.search(r"relu\s*['′’]\s*\(0\)\s*=\s*0", flat)
    if any(a.name == "sigmoid" for a in net.activations):
        assert "Saturation" in flat and re.search(r"a\s*\(1\s*[−-]\s*a\)", flat)
    # 7. the worked example's loss, against a float64 forward pass
    shown = float(re.search(r"The loss of the batch is J = (-?[\d.]+)", flat).group(1).rstrip("."))
    assert shown == pytest.approx(numpy_loss(net, example_params(net)), rel=1e-9)
    # 8. reverse mode counts, 9. the code listing, 10. exercises with answers
    costs = handout.mode_costs(net)
    assert f"= {costs['forward_mode']}" in flat and f"= {costs['reverse']}" in flat
    assert "value_and_grad(params, X, Y)" in flat and "delta = yhat - y" in flat
    assert "central difference" in flat
    assert flat.count("Exercise ") >= 6 and flat.count("Solution.") >= 6
    assert "What changes if" in flat


@NEEDS_TEX
def test_softmax_output_error_is_yhat_minus_y(compiled):
    _, text = compiled["softmax-2hidden"]
    line = next(l for l in text.splitlines() if "softmax + ce (this network)" in l)
    assert re.search(r"ŷ\s*j\s*[−-]\s*y\s*j", line), line
    assert "rows of Y sum to 1" in line


def test_reverse_mode_counts_for_mlp():
    # by hand for 2-3-1: F = 2*3 + 3*1 = 9 products; a tangent pass 2F + (3 + 1) = 22;
    # 13 parameters; backward = dW (9) + delta W for layer 2 (3) + f' (4) = 16.
    c = handout.mode_costs(derive.PRESETS["mlp-2-3-1"]())
    assert (c["F"], c["tangent"], c["P"], c["forward_mode"], c["backward"], c["reverse"]) == \
        (9, 22, 13, 286, 16, 25)
    assert c["central"] == 2 * 13 * 9


@pytest.mark.parametrize("name", ["mlp-2-3-1", "softmax-2hidden", "relu-square"])
def test_worked_gradients_match_central_differences(name):
    net = derive.PRESETS[name]()
    h = handout.Handout(net, True, None, None, "")
    values = h.worked_data()["values"]
    base = example_params(net)
    for p in net.param_names():
        up, down = dict(base), dict(base)
        up[p] += 1e-6
        down[p] -= 1e-6
        fd = (numpy_loss(net, up) - numpy_loss(net, down)) / 2e-6
        assert float(values.gradients[p]) == pytest.approx(fd, abs=1e-7, rel=1e-6), p


# ---------------------------------------------------------- student/teacher --

def strip_solutions(tex: str) -> str:
    return re.sub(r"\\begin\{solution\}.*?\\end\{solution\}\n", "SOLUTION\n", tex, flags=re.S)


def strip_space(tex: str) -> str:
    return re.sub(r"\\answerspace\{[^}]*\}\n", "SOLUTION\n", tex)


@pytest.mark.parametrize("name", list(derive.PRESETS))
def test_student_and_teacher_differ_exactly_in_the_solutions(name):
    net = derive.PRESETS[name]()
    teacher = handout.render(net, answers=True, seed=3)
    student = handout.render(net, answers=False, seed=3)
    assert teacher != student
    assert teacher.count(r"\begin{solution}") == student.count(r"\answerspace{") >= 6
    assert r"\begin{solution}" not in student and r"\answerspace{" not in teacher
    assert strip_solutions(teacher) == strip_space(student)


@NEEDS_TEX
def test_student_pdf_has_room_but_no_solutions(tmp_path):
    _, text = build(tmp_path, "mlp-2-3-1", answers=False)
    assert "Exercise 1" in text and "Solution." not in text


# -------------------------------------------------------------- escaping --

@NEEDS_TEX
def test_title_injection_prints_literally(tmp_path):
    tex, text = build(tmp_path, "logistic", title=INJECTION)
    assert INJECTION in text
    assert "\\input{/etc/passwd}" not in tex  # only its escaped form


def test_user_text_is_escaped():
    from dataclasses import replace
    net = replace(derive.PRESETS["logistic"](), name="my_net & 100% #1")
    tex = handout.render(net, title="Week 5: x_1 & {braces}")
    assert r"my\_net \& 100\% \#1" in tex
    assert r"Week 5: x\_1 \& \{braces\}" in tex
    assert "my_net &" not in tex


# ------------------------------------------------------------ determinism --

def test_render_is_deterministic_across_processes():
    net = derive.PRESETS["softmax-2hidden"]()
    first = handout.render(net, seed=7, title="T", code_listing=LISTING)
    assert first == handout.render(net, seed=7, title="T", code_listing=LISTING)
    code = ("import sys, derive; from derive import handout; "
            "sys.stdout.write(handout.render(derive.PRESETS['softmax-2hidden'](), seed=7, title='T', "
            f"code_listing={LISTING!r}))")
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    other = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=True).stdout
    assert other.decode("utf-8") == first


def test_seed_draws_the_exercise_numbers():
    net = derive.PRESETS["mlp-2-3-1"]()
    a, b = handout.render(net, seed=7), handout.render(net, seed=8)
    assert a != b
    before = a.split(r"\section{Exercises}")[0]
    assert before == b.split(r"\section{Exercises}")[0]  # only the exercises change


def test_spec_without_example_uses_a_seeded_random_one():
    net = derive.load("2-2:tanh-2:softmax/ce")
    assert net.example is None
    tex = handout.render(net, seed=5)
    assert tex == handout.render(net, seed=5)
    assert "random example, seed 5" in tex


# ------------------------------------------------------------------- pdf --

def test_missing_latex_says_how_to_install(tmp_path, monkeypatch):
    from chainrule import pdf
    path = tmp_path / "x.tex"
    path.write_text("x", encoding="utf-8")
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(ChainruleError) as err:
        pdf.compile_pdf(path)
    message = str(err.value)
    assert message.startswith("pdflatex not found") and "\n" not in message
    for package in (*pdf.DEBIAN_PACKAGES, "texlive-latex-base", "texlive-pictures", "lmodern"):
        assert package in message


BROKEN = "\\documentclass{article}\n\\begin{document}\nHello.\n\\undefinedmacro\n\\end{document}\n"


@NEEDS_TEX
@pytest.mark.parametrize("latexmk", [True, False], ids=["latexmk", "pdflatex-twice"])
def test_latex_failure_shows_the_first_error_line(tmp_path, monkeypatch, latexmk):
    from chainrule import pdf
    if not latexmk:
        real = shutil.which
        monkeypatch.setattr(pdf.shutil, "which", lambda name: None if name == "latexmk" else real(name))
    path = tmp_path / "broken.tex"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ChainruleError) as err:
        pdf.compile_pdf(path, timeout=60)
    message = str(err.value)
    assert "! Undefined control sequence." in message and "l.4 \\undefinedmacro" in message
    assert "\n" not in message and len(message) < 300
    assert not path.with_suffix(".pdf").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.tex"]


@NEEDS_TEX
def test_pdflatex_twice_without_latexmk(tmp_path, monkeypatch):
    from chainrule import pdf
    real = shutil.which
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None if name == "latexmk" else real(name))
    path = tmp_path / "ok.tex"
    path.write_text(BROKEN.replace("\\undefinedmacro\n", ""), encoding="utf-8")
    assert pdf.compile_pdf(path) == tmp_path / "ok.pdf"
    assert "Hello." in pdf_text(tmp_path / "ok.pdf")
