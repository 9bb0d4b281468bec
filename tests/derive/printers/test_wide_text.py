"""Groundwork for a second language (issue #13): the text printer measures
display columns (a CJK character takes two), the LaTeX printers keep every
character for XeLaTeX, and an unknown language is refused cleanly (tests/derive/lang)."""
from __future__ import annotations

import textwrap

from derive.printers.tex_escape import escape
from derive.printers.text import columns, fill

CHINESE = "反向传播用链式法则从输出层向前逐层计算误差项 δ⁽ˡ⁾，每一层的梯度都由上一层传来的误差乘以局部导数得到。"


def test_fill_measures_display_columns_and_breaks_between_cjk_characters():
    lines = fill(CHINESE * 3, 40).split("\n")
    assert max(map(columns, lines)) <= 40 and len(lines) >= 6
    assert not any(line[0] in "，。" for line in lines)   # no line starts with closing punctuation
    assert "".join(lines).replace(" ", "") == (CHINESE * 3).replace(" ", "")


def test_fill_leaves_english_to_textwrap():
    text = "The deltas are computed once, from the output back, and reused for every parameter. " * 3
    assert fill(text, 80) == textwrap.fill(text, 80)
    assert columns("abc") == 3 and columns("反向") == 4


def test_xelatex_escaping_keeps_chinese_and_still_neutralises_markup():
    assert escape("第五周：反向传播", "xelatex") == "第五周：反向传播"
    assert set(escape("第五周", "pdflatex")) == {"?"}
    assert escape("\\input{x}", "xelatex") == r"\textbackslash{}input\{x\}"
