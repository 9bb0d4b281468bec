"""chainrule.pdf: a missing TeX says how to install it; a LaTeX error is one
line naming the first error; no working files are left beside the .tex."""
from __future__ import annotations

import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from derive.errors import ChainruleError

NEEDS_TEX = pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
                               reason="pdflatex/pdftotext not installed (CI installs TeX Live and poppler-utils)")


def pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True)
    return unicodedata.normalize("NFC", out.stdout)


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
