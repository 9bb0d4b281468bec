"""User text in LaTeX prints literally: any --title, TOML name or example
description either compiles and reads back from the PDF as typed (with the
characters the engine cannot set shown as '?', invisible ones dropped), or
is refused with exit 2.  No ligature, command, catcode trick or brace in it
takes effect."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from chainrule.cli import main
from chainrule.pdf import build_pdf
from derive.printers.latex import escape, has_cjk
from derive.printers.tex_escape import MISSING, PDFLATEX_KEEPS, shown

NEEDS_TEX = pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
                               reason="pdflatex/pdftotext not installed (.ci/run installs them)")
# The handout's fonts, so that what is kept is what a handout can set.
PREAMBLE = ("\\documentclass[11pt]{article}\n\\usepackage[T1]{fontenc}\n\\usepackage[utf8]{inputenc}\n"
            "\\usepackage{lmodern}\n\\usepackage[margin=1.5cm]{geometry}\n\\usepackage{amsmath,amssymb}\n"
            "\\setlength{\\parindent}{0pt}\n\\begin{document}\n\\small\n")
LIGATURES = ["--", "---", "``", "''", "<<", ">>", ",,", "!`", "?`", "-", "'", "`", '"', "<", ">", "|"]
INJECTIONS = ["\\input{/etc/hostname}", "\\write18{touch pwned}", "\\immediate\\write18{touch pwned}",
              "\\catcode`\\@=0", "^^5cinput{/etc/hostname}", "^^M", "^^7b", "\\def\\x{y}\\x",
              "{", "}", "}}{", "\\end{document}", "\\par", "\\csname relax\\endcsname", "$x$", "#1",
              "% comment", "a & b", "~", "\\\\", "\\verb|x|", "\\makeatletter\\@gobble x", "]", "[",
              "\\iffalse", "\\fi", "\\begin{verbatim}", "\\newcommand{\\a}{b}"]
CONTROLS = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\u200b\u200e\ufeff"

TRICKY = list("\\{}$&#%^_~'`\"[]-,<>!?|\n\t\r\x00\x07\x7f") + ["\u2028", "δ", "中", "ș", "é", "ﬁ", "€"]
TEXT = st.text(alphabet=st.one_of(st.characters(blacklist_categories=("Cs",)), st.sampled_from(TRICKY)),
               max_size=18)


def norm(text: str) -> str:
    """Compare as a reader would: compatibility forms unified, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def pdf_text(pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as work:
        Path(work, "x.pdf").write_bytes(pdf)
        return subprocess.run(["pdftotext", str(Path(work, "x.pdf")), "-"], capture_output=True,
                              text=True, check=True).stdout


def reads(expected: str, text: str) -> bool:
    """``expected`` appears in the PDF's text, allowing for a word that
    LaTeX hyphenated at a line's end."""
    want = norm(expected)
    return want in norm(text) or want in norm(re.sub(r"-\n", "", text))


def compile_fields(fields: list[str]) -> str:
    """One pdflatex document showing each escaped field in the places
    chainrule puts user text; the PDF's text."""
    body = []
    for i, f in enumerate(fields):
        e = escape(f)
        body.append(f"\\section*{{S{i}Q{e}Z}}\n\\begin{{tabular}}{{lp{{14cm}}}}name & T{i}Q{e}Z \\\\\n"
                    f"\\end{{tabular}}\n\nP{i}Q{e}Z\n\\begin{{align*}}x &= 1 \\quad \\text{{M{i}Q{e}Z}}\\end{{align*}}\n")
    return pdf_text(build_pdf(PREAMBLE + "\n".join(body) + "\\end{document}\n", engine="pdflatex"))


def assert_reads_literally(fields: list[str], text: str) -> None:
    for i, f in enumerate(fields):
        for where in "STPM":
            assert reads(f"{where}{i}Q{shown(f)}Z", text), (where, f, shown(f), text[:3000])


# ------------------------------------------------------------- escape --

def test_escape_output_has_only_our_commands_and_balanced_braces():
    """Whatever commands the input spells, the output holds only the
    escaper's own: the input's backslashes are printed, not run."""
    ours = {"textbackslash", "textasciicircum", "textasciitilde", "textquotesingle", "textasciigrave",
            "textquotedbl", "{", "}", "$", "&", "#", "%", "_"}
    for text in INJECTIONS + LIGATURES + [CONTROLS]:
        out = escape(text)
        assert set(re.findall(r"\\([A-Za-z]+|.)", out)) <= ours, out
        depth = 0
        for token in re.findall(r"\\.|[{}]", out):
            depth += {"{": 1, "}": -1}.get(token, 0)
            assert depth >= 0, out
        assert depth == 0, out
        assert "^" not in out.replace(r"\textasciicircum{}", "") and "\n" not in out


def test_each_ligature_is_broken():
    assert escape("--") == "-{}-" and escape("---") == "-{}-{}-"
    assert escape("<<") == "<{}<" and escape(">>") == ">{}>" and escape(",,") == ",{},"
    assert escape("``") == r"\textasciigrave{}\textasciigrave{}"
    assert escape("''") == r"\textquotesingle{}\textquotesingle{}"
    assert escape("!`") == r"!\textasciigrave{}" and escape("?`") == r"?\textasciigrave{}"
    assert escape("−-") == "{-}-"   # a mapped minus next to a typed hyphen


def test_the_handouts_own_notation_is_set_not_replaced():
    """The example descriptions write 3/√nₗ₋₁ and 1/√H: nothing of it becomes '?'."""
    for text in ("3/√nₗ₋₁", "1/√H", "aₗ₊₁"):
        assert MISSING not in escape(text), text
    assert shown("3/√nₗ₋₁") == "3/√nl-1"


def test_control_characters_are_dropped_and_line_breaks_are_spaces():
    assert escape("a\x07b\x7fc\x00d\u200be\ufefff") == "abcdef"
    assert escape("two\n\nparagraphs\r\nand\u2028more\tend") == "two  paragraphs  and more end"
    assert shown("a\x07b") == "ab"


def test_what_pdflatex_cannot_set_is_visibly_replaced_but_xelatex_keeps_chinese():
    assert escape("ș 中文 \ue000 \U000e0001x \ud800") == "? ?? ? x ?"
    # XeLaTeX (a Chinese document) sets the CJK characters Fandol has, and the Latin ones pdflatex sets
    assert escape("中文 ș é 㼢", engine="xelatex") == "中文 ? é ?"
    assert escape("é ß Ł œ € ‰") == "é ß Ł œ € ‰"
    assert escape("e\u0301") == "é"   # composed first, so pdflatex can set it
    with pytest.raises(ValueError):
        escape("x", engine="lualatex")


# ------------------------------------------------------------ compiled --

@NEEDS_TEX
def test_ligatures_injections_and_controls_print_literally(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fields = LIGATURES + INJECTIONS + [f"a{CONTROLS}b", "two\n\nparagraphs"]
    text = compile_fields(fields)
    assert_reads_literally(fields, text)
    assert "pwned" not in [p.name for p in tmp_path.iterdir()]
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""
    assert not hostname or norm(hostname) not in norm(text.replace("/etc/hostname", ""))


@NEEDS_TEX
def test_every_kept_character_compiles_and_reads_back():
    """PDFLATEX_KEEPS is what T1 + utf8 inputenc set and pdftotext reads
    back: checked here one by one, with the handout's fonts."""
    kept = sorted(PDFLATEX_KEEPS)
    body = "\n\n".join(f"K{ord(c):04X}Q{escape(c)}Z" for c in kept)
    text = norm(pdf_text(build_pdf(PREAMBLE + body + "\n\\end{document}\n", engine="pdflatex")))
    bad = [c for c in kept if f"K{ord(c):04X}Q{norm(c)}Z" not in text]
    assert not bad, bad
    assert [c for c in kept if MISSING in escape(c)] == []   # none of them is replaced


@NEEDS_TEX
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXT, min_size=1, max_size=8))
def test_any_text_reads_back_literally(fields):
    assert_reads_literally(fields, compile_fields(fields))


# ------------------------------------------------- through the command --

def toml_string(text: str) -> str:
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def single_weight_toml(name: str, description: str) -> str:
    return ("[network]\nlayers = [1, 1]\nactivations = [\"identity\"]\nloss = \"se\"\nbias = false\n"
            f"name = {toml_string(name)}\n\n[example]\nx = [[1.5]]\ny = [[0.5]]\nw1_1_1 = 0.8\nlr = 0.1\n"
            f"description = {toml_string(description)}\n")


def handout_text(tmp: Path, args: list[str]) -> tuple[int, str]:
    out = tmp / "h.tex"
    code = main(["handout", *args, "-o", str(out), "--pdf", "--force"])
    return code, pdf_text(out.with_suffix(".pdf").read_bytes()) if code == 0 else ""


@NEEDS_TEX
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT | st.text(alphabet=st.characters(whitelist_categories=("Cs",)), min_size=1, max_size=3))
@example("中")
@example("中㼢")   # Fandol has no glyph for 㼢 (CJK Extension A): a visible '?', never a blank
def test_any_title_compiles_and_shows_literally(title):
    with tempfile.TemporaryDirectory() as work:
        code, text = handout_text(Path(work), ["1-1/se/nobias", "--title", f"TQ{title}Z"])
    assert code in (0, 2)
    if code == 0:
        # CJK in a title sets the handout with XeLaTeX (pdflatex could only print '?')
        engine = "xelatex" if has_cjk(title) else "pdflatex"
        assert reads(f"TQ{shown(title, engine)}Z", text), (title, text[:800])


@NEEDS_TEX
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, TEXT)
@example("", "中")
@example("λ", "中㼢")
def test_any_toml_name_and_description_compile_and_show_literally(name, description):
    from derive.printers import render
    with tempfile.TemporaryDirectory() as work:
        toml = Path(work, "net.toml")
        toml.write_text(single_weight_toml(f"NQ{name}Z", f"DQ{description}Z"), encoding="utf-8")
        code, text = handout_text(Path(work), [str(toml)])
        assert code in (0, 2)
        # CJK anywhere in the user's text sets the document with XeLaTeX (pdflatex could only print '?')
        engine = "xelatex" if has_cjk(name + description) else "pdflatex"
        if code == 0:
            assert reads(f"NQ{shown(name, engine)}Z", text) and reads(f"DQ{shown(description, engine)}Z", text), \
                text[:800]
        # the same file through derive --format latex: its title holds the name
        import derive
        from derive.derivation import build
        tex = render(build(derive.load(str(toml)), numbers=True), "latex")
        latex = pdf_text(build_pdf(tex))
        assert reads(f"NQ{shown(name, engine)}Z", latex)


@NEEDS_TEX
def test_blank_lines_in_a_toml_name_and_description(tmp_path, capsys):
    toml = tmp_path / "net.toml"
    toml.write_text(single_weight_toml("two\n\nparagraphs", "a\n\nb -- c"), encoding="utf-8")
    assert main(["derive", str(toml), "--format", "latex"]) == 0
    tex = capsys.readouterr().out
    assert "two paragraphs" in " ".join(tex.split())
    assert reads("Backpropagation through two paragraphs", pdf_text(build_pdf(tex)))
    code, text = handout_text(tmp_path, [str(toml)])
    assert code == 0 and reads("a b -- c", text) and reads("two paragraphs", text)
    assert MISSING not in shown("two\n\nparagraphs")


FANDOL = Path("/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol")


@pytest.mark.skipif(not (FANDOL / "FandolSong-Regular.otf").exists(), reason="Fandol fonts not installed")
def test_the_fandol_table_is_the_fonts_coverage():
    """derive/printers/fandol.py's table says which CJK characters XeLaTeX can set:
    exactly what both Fandol Song fonts have."""
    pytest.importorskip("fontTools")
    from derive.printers import fandol
    assert fandol.bitmap(fandol.coverage(FANDOL)) == fandol._BITMAP
    assert fandol.has_glyph("反") and fandol.has_glyph("，") and not fandol.has_glyph("㼢")
    assert escape("反向传播㼢", "xelatex") == "反向传播" + MISSING
