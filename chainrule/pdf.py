"""Compiling chainrule's LaTeX to PDF with the TeX Live on this machine.

``build_pdf(source)`` compiles in a temporary folder and returns the PDF's
bytes; the caller writes them (``chainrule.files``), together with the .tex,
only when LaTeX succeeded.  LaTeX runs without shell escape, may read no
file outside its folder and TeX Live (openin_any=p), and stops at the first
error.  The PDF's /Creator is "chainrule": that is how chainrule knows a
PDF it wrote from a user's.  The same source gives the same bytes.

``DEBIAN_PACKAGES`` is the one list of what PDF output needs; the install
hint below and .ci/run (which reads this file's text, without importing it)
both use it.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from derive.errors import ChainruleError

# Debian packages that compile every .tex chainrule writes, with both engines.
DEBIAN_PACKAGES = (
    "texlive-latex-base",         # pdflatex, article, fontenc, inputenc, amsmath, geometry
    "texlive-latex-recommended",  # booktabs, xcolor, listings, fontspec
    "lmodern",                    # \usepackage{lmodern}: T1 Latin Modern
    "texlive-pictures",           # tikz (the network diagram), pgfplots (the pictures of learning)
    "texlive-xetex",              # xelatex, for handouts in Chinese
    "texlive-lang-chinese",       # ctex and the Fandol fonts (pulls texlive-lang-cjk: xeCJK)
)
ENGINES = ("pdflatex", "xelatex")
TIMEOUT = 180  # seconds for the whole compilation
MAX_RUNS = 3   # LaTeX reruns while it says that references changed
JOB = "chainrule"  # a fixed job name, so that the PDF does not depend on the file's name
FLAGS = ["-no-shell-escape", "-halt-on-error", "-interaction=nonstopmode"]
# Set before the document loads; see files.PDF_CREATOR.  xdvipdfmx takes the
# Info entries from a special, pdfTeX from a primitive.
PRETEX = {"pdflatex": r"\pdfinfo{/Creator (chainrule)}",
          "xelatex": r"\AtBeginDocument{\special{pdf:docinfo<</Creator (chainrule)>>}}"}


class LatexError(RuntimeError):
    """LaTeX failed on chainrule's own output: a bug in chainrule (exit 1)."""


def install_hint(engine: str = "pdflatex") -> str:
    return (f"{engine} not found; install TeX Live (Debian: apt-get install --no-install-recommends "
            f"{' '.join(DEBIAN_PACKAGES)}) or drop --pdf and compile the .tex yourself")


INSTALL = install_hint()

_XETEX_ONLY = re.compile(r"^\s*(?:%\s*!TEX\s+(?:TS-)?program\s*=\s*xelatex"
                         r"|\\documentclass(?:\[[^\]]*\])?\{ctex"
                         r"|\\(?:usepackage|RequirePackage)(?:\[[^\]]*\])?\{[^}]*\b(?:ctex|xeCJK|fontspec)\b)",
                         re.M | re.I)


def engine_for(source: str) -> str:
    """xelatex for a document that needs it (ctex, xeCJK, fontspec, or a
    '% !TEX program = xelatex' line), pdflatex otherwise."""
    return "xelatex" if _XETEX_ONLY.search(source) else "pdflatex"


def build_pdf(source: str, engine: str | None = None, timeout: float = TIMEOUT) -> bytes:
    """The PDF of the LaTeX ``source``, compiled in a temporary folder.

    ChainruleError when the engine is not installed (the user can fix that);
    LatexError when LaTeX fails or takes too long on the source."""
    engine = engine or engine_for(source)
    if engine not in ENGINES:
        raise ValueError(f"unknown TeX engine {engine!r}; expected one of {ENGINES}")
    program = shutil.which(engine)
    if program is None:
        raise ChainruleError(install_hint(engine))
    env = {**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "0"),
           "FORCE_SOURCE_DATE": "1",   # the same source gives the same PDF
           "openin_any": "p", "openout_any": "p", "shell_escape": "f"}
    with tempfile.TemporaryDirectory(prefix="chainrule-tex-") as work:
        Path(work, JOB + ".tex").write_text(source, encoding="utf-8")
        cmd = [program, *FLAGS, f"-jobname={JOB}", PRETEX[engine] + r"\input{" + JOB + ".tex}"]
        log = Path(work, JOB + ".log")
        for _ in range(MAX_RUNS):
            try:
                done = subprocess.run(cmd, cwd=work, env=env, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
            except subprocess.TimeoutExpired:
                raise LatexError(f"{engine} took longer than {timeout:g} s and was stopped") from None
            except OSError as exc:
                raise ChainruleError(f"cannot run {engine}: {exc.strerror}; check the TeX Live install") from None
            text = log.read_text(encoding="latin-1") if log.exists() else done.stdout.decode("latin-1")
            if done.returncode != 0:
                raise LatexError(f"{engine} failed: {first_error(text)}")
            if not re.search(r"Rerun to get|Label\(s\) may have changed", text):
                break
        built = Path(work, JOB + ".pdf")
        if not built.exists():
            raise LatexError(f"{engine} wrote no PDF: {first_error(text)}")
        return built.read_bytes()


def compile_pdf(tex_path, timeout: float = TIMEOUT, force: bool = False) -> Path:
    """Compile the .tex file at ``tex_path`` and write the PDF beside it
    (never over a PDF chainrule did not write, unless ``force``); returns
    the PDF's path.  The file is the caller's, so a LaTeX failure here is
    bad input (ChainruleError), with LaTeX's first error."""
    from chainrule.files import check_target, write_file
    tex_path = Path(tex_path)
    target = tex_path.with_suffix(".pdf")
    if not tex_path.is_file():
        raise ChainruleError(f"cannot compile '{tex_path}': no such file; write the handout first")
    check_target(target, "pdf", force)
    source = tex_path.read_text(encoding="utf-8", errors="replace")
    try:
        data = build_pdf(source, timeout=timeout)
    except LatexError as exc:
        raise ChainruleError(f"LaTeX failed on '{tex_path.name}': {exc}") from None
    write_file(target, data, "pdf", force)
    return target


_FILE_LINE = re.compile(r"^(?:\S*?):(\d+): (.*)$")


def first_error(log: str) -> str:
    """The first LaTeX error of a log, with its line, on one line:
    '! Undefined control sequence. (l.12 \\foo)'."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        m = _FILE_LINE.match(line)
        if line.startswith("!") or (m and ".tex:" in line):
            message = ("! " + m.group(2)) if m and not line.startswith("!") else line
            where = next((l.strip() for l in lines[i + 1:i + 12] if re.match(r"^l\.\d+", l)), "")
            if not where and m:
                where = f"l.{m.group(1)}"
            text = f"{message.strip()} ({where})" if where else message.strip()
            return " ".join(text.split())
    tail = [l for l in lines if l.strip()][-1:] or ["no log"]
    return " ".join(f"no error line in the log; last line: {tail[0].strip()}".split())
