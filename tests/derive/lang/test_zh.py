"""Chinese output (issue #13): the table, the term list, the text layout,
and handouts of every preset compiled with real XeLaTeX, teacher and student,
with every CJK character of the source in the PDF's text."""
from __future__ import annotations

import re
import string
import subprocess
import sys
import unicodedata

import pytest

import derive
from derive import handout
from derive.derivation import build
from derive.lang import LANGUAGES, en, messages, terms, zh
from derive.printers import render
from derive.printers.latex import ENGINE, prose
from derive.printers.tex_escape import MISSING
from derive.printers.text import columns
from tests.tex import compile_all

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"[A-Za-z]{3,}")
LISTING = "def value_and_grad(params, X, Y):\n    return 0.0, {}\n"
PRESETS = list(derive.PRESETS)
# what an English message writes as a word but the Chinese one need not
DROPPED = {"s"}   # the plural ending of 'example{s}'


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_the_chinese_table_has_every_key_with_the_same_values():
    assert set(zh.MESSAGES) == set(en.MESSAGES)
    for key, english in en.MESSAGES.items():
        chinese = zh.MESSAGES[key]
        assert _fields(english) - DROPPED == _fields(chinese) - DROPPED <= _fields(english), key
        assert bool(english) == bool(chinese), key


def test_the_chinese_table_is_chinese():
    """A message with English prose in it has Chinese in its translation, and
    the only Latin words left are the English message's own (names such as
    softmax, torch.nn.Linear, sympy.diff), never an untranslated phrase."""
    for key, english in en.MESSAGES.items():
        chinese = zh.MESSAGES[key]
        if re.search(r"[a-z]{3,} [a-z]{3,}", english):
            assert CJK.search(chinese), key
        leftover = set(WORD.findall(chinese.lower())) - set(WORD.findall(english.lower()))
        assert not leftover, (key, leftover)


@pytest.mark.parametrize("lang, engine", [("en", "pdflatex"), ("zh", "xelatex")])
def test_every_message_prints_in_latex_without_a_missing_character(lang, engine):
    """Notation in prose (⌈h/K⌉, ‖Wₕ‖, x̂, nₗ₋₁) becomes maths; nothing is left for
    the engine to print as '?' (the ceiling brackets once were)."""
    token = ENGINE.set(engine)
    try:
        for key, text in (en if lang == "en" else zh).MESSAGES.items():
            assert prose(text).count(MISSING) == text.count(MISSING), key
    finally:
        ENGINE.reset(token)


def test_the_term_list_is_used_and_its_variants_are_not():
    text = "\n".join(zh.MESSAGES.values())
    for english, chinese, variants in terms.TERMS:
        assert chinese in text, english
        for variant in variants:
            assert variant not in text, (english, variant)


def test_symbols_and_equation_names_are_unchanged():
    for key, english in en.MESSAGES.items():
        for token in re.findall(r"BP[1-4]|[δΔ∂∑Σ⊙ŷ]|\d+(?:\.\d+)?", english):
            assert token in zh.MESSAGES[key], (key, token)


def test_an_unknown_language_is_refused_with_the_known_ones():
    assert LANGUAGES == ("en", "zh")
    with pytest.raises(derive.ChainruleError, match="choose from en, zh"):
        messages("fr")
    for argv in (["derive", "mlp-2-3-1", "--lang", "fr"], ["handout", "mlp-2-3-1", "-o", "never.tex", "--lang", "de"]):
        done = subprocess.run([sys.executable, "-m", "chainrule", *argv], capture_output=True, text=True)
        assert done.returncode == 2, (argv, done.stderr)
        assert done.stderr.startswith("chainrule: error:") and "'en', 'zh'" in done.stderr
        assert "Traceback" not in done.stderr


@pytest.mark.parametrize("name", PRESETS)
def test_text_view_keeps_80_display_columns(name):
    doc = build(derive.load(name), numbers=True, steps=2, lang="zh")
    text = render(doc, "text")
    assert max(columns(line) for line in text.splitlines()) <= 80
    assert CJK.search(text)
    assert "反向传播" in text and "误差项" in text
    # no English heading left behind
    for english in ("Forward pass", "Backward pass", "Conventions", "Worked example", "dependency path"):
        assert english not in text, english


@pytest.mark.parametrize("fmt", ["markdown", "latex", "json"])
def test_every_format_speaks_chinese(fmt):
    doc = build(derive.load("single-weight"), numbers=True, steps=6, lang="zh")
    out = render(doc, fmt)
    assert "梯度下降" in out and "学习率" in out
    assert "Gradient descent" not in out


def test_the_preset_description_is_translated_and_toml_text_is_not(tmp_path):
    doc = render(build(derive.load("single-weight"), numbers=True, lang="zh"), "text")
    assert "梯度下降让 w 走向 y/x = 1/3" in doc.replace("\n", "")
    toml = tmp_path / "net.toml"
    toml.write_text('[network]\nlayers = [1, 1]\nloss = "se"\nbias = false\n'
                    '[example]\nx = [[2.0]]\ny = [[1.0]]\nw1_1_1 = 0.5\ndescription = "教师自己的说明 \\\\input{x}"\n',
                    encoding="utf-8")
    for lang in ("en", "zh"):
        text = render(build(derive.load(str(toml)), numbers=True, lang=lang), "text")
        assert "教师自己的说明 \\input{x}" in text


@pytest.fixture(scope="module")
def handouts(tmp_path_factory):
    """Every preset's Chinese handout, teacher and student, compiled once with XeLaTeX."""
    sources = {}
    for name in PRESETS:
        net = derive.PRESETS[name]()
        sources[f"{name}-teacher"] = handout.render(net, code_listing=LISTING, lang="zh")
        sources[f"{name}-student"] = handout.render(net, answers=False, code_listing=LISTING, lang="zh")
    sources["title"] = handout.render(derive.PRESETS["mlp-2-3-1"](), title="第五周：反向传播 \\input{/etc/passwd} $x$",
                                      lang="zh", answers=False, code_listing=LISTING)
    sources["english-title"] = handout.render(derive.PRESETS["logistic"](), title="第五周：反向传播",
                                              answers=False, code_listing=LISTING)
    return compile_all(sources, tmp_path_factory.mktemp("zh"), engine="xelatex")


@pytest.mark.slow
@pytest.mark.parametrize("name", PRESETS)
@pytest.mark.parametrize("copy", ["teacher", "student"])
def test_chinese_handouts_compile_with_every_character(handouts, name, copy):
    c = handouts[f"{name}-{copy}"]
    assert c.ok, c.errors()
    assert c.overfull() == []
    assert "Missing character" not in c.log
    shown = set(CJK.findall(unicodedata.normalize("NFC", c.text)))
    source = set(CJK.findall(unicodedata.normalize("NFC", c.tex)))
    assert source and source <= shown, sorted(source - shown)[:20]
    for term in ("反向传播", "链式法则", "误差项", "权重", "损失"):
        assert term in c.flat, term
    assert ("解答" in c.flat) == (copy == "teacher")


@pytest.mark.slow
def test_chinese_title_survives_and_injection_prints_literally(handouts):
    c = handouts["title"]
    assert c.ok, c.errors()
    assert "第五周：反向传播 \\input{/etc/passwd} $x$" in c.flat


@pytest.mark.slow
def test_an_english_handout_with_a_chinese_title_keeps_it(handouts):
    """pdflatex could only print '?': CJK in user text sets the document with XeLaTeX."""
    c = handouts["english-title"]
    assert c.ok, c.errors()
    assert "ctex" in c.tex and "第五周：反向传播" in c.flat and "Notation" in c.flat


@pytest.mark.slow
def test_chinese_file_names_work_from_the_command_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "chainrule", "handout", "mlp-2-3-1", "--lang", "zh", "--no-answers",
                           "--title", "第五周：反向传播", "-o", "讲义.tex", "--pdf"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert {p.name for p in tmp_path.iterdir()} == {"讲义.tex", "讲义.pdf"}
    text = subprocess.run(["pdftotext", "讲义.pdf", "-"], cwd=tmp_path, capture_output=True, text=True).stdout
    assert "第五周：反向传播" in text and "前向传播" in text
    again = subprocess.run([sys.executable, "-m", "chainrule", "handout", "mlp-2-3-1", "--lang", "zh", "--no-answers",
                            "--title", "第五周：反向传播", "-o", str(tmp_path / "讲义2.tex")], capture_output=True, text=True)
    assert (tmp_path / "讲义2.tex").read_bytes() == (tmp_path / "讲义.tex").read_bytes()


@pytest.mark.slow
def test_a_chinese_exam_compiles_and_its_moodle_files_are_chinese(tmp_path):
    from derive import exam
    questions = exam.build(derive.load("mlp-2-3-1"), 2, seed=3, lang="zh")
    tex, = exam.render(questions, "tex", "together")
    c = compile_all({"exam": tex}, tmp_path, engine="xelatex")["exam"]
    assert c.ok, c.errors()
    assert "第 2 卷" in c.flat and "答案" in c.flat and "Missing character" not in c.log
    assert set(CJK.findall(c.tex)) <= set(CJK.findall(c.text))
    xml, = exam.render(questions, "xml", "together")
    gift, = exam.render(questions, "gift", "together")
    assert "第 1 卷" in xml and "第 1 卷" in gift
    # the numbers are the language's business no more than the maths: the keys agree
    english = exam.build(derive.load("mlp-2-3-1"), 2, seed=3)
    assert re.findall(r"<text>([-\d.eE+]+)</text>", exam.render(english, "xml", "together")[0]) == \
        re.findall(r"<text>([-\d.eE+]+)</text>", xml)
