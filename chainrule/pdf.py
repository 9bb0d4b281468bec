"""Compiling a handout to PDF with the TeX Live on this machine.

LaTeX runs without shell escape, stops at the first error, and keeps its
working files in a temporary folder; only FILE.pdf lands beside FILE.tex.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from derive.errors import ChainruleError

TIMEOUT = 180  # seconds for the whole compilation
INSTALL = ("pdflatex not found; install TeX Live (Debian: apt-get install texlive-latex-base "
           "texlive-latex-recommended texlive-pictures latexmk) or drop --pdf and compile the .tex yourself")
FLAGS = ["-no-shell-escape", "-halt-on-error", "-interaction=nonstopmode"]


def compile_pdf(tex_path, timeout: float = TIMEOUT) -> Path:
    """Compile ``tex_path`` and return the path of the PDF written beside it."""
    tex_path = Path(tex_path).resolve()
    if not tex_path.is_file():
        raise ChainruleError(f"cannot compile '{tex_path}': no such file; write the handout first")
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise ChainruleError(INSTALL)
    latexmk = shutil.which("latexmk")
    job = tex_path.stem
    env = {**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "0"),
           "FORCE_SOURCE_DATE": "1"}  # the same .tex gives the same PDF
    with tempfile.TemporaryDirectory(prefix="chainrule-tex-") as work:
        if latexmk:
            runs = [[latexmk, "-pdf", "-norc", "-silent", f"-outdir={work}",
                     f"-pdflatex={pdflatex} %O %S", *FLAGS, str(tex_path)]]
        else:  # twice, so that references settle
            run = [pdflatex, *FLAGS, f"-output-directory={work}", str(tex_path)]
            runs = [run, run]
        for cmd in runs:
            try:
                done = subprocess.run(cmd, cwd=work, env=env, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      timeout=timeout)
            except subprocess.TimeoutExpired:
                raise ChainruleError(f"LaTeX took longer than {timeout:g} s on '{tex_path.name}' "
                                     f"and was stopped; compile it by hand to see why") from None
            except OSError as exc:
                raise ChainruleError(f"cannot run LaTeX: {exc.strerror}; check the TeX Live install") from None
            if done.returncode != 0:
                log = Path(work, job + ".log")
                text = log.read_text(encoding="latin-1") if log.exists() else done.stdout.decode("latin-1")
                raise ChainruleError(f"LaTeX failed on '{tex_path.name}': {first_error(text)}")
        built = Path(work, job + ".pdf")
        if not built.exists():
            raise ChainruleError(f"LaTeX wrote no PDF for '{tex_path.name}'; compile it by hand to see why")
        target = tex_path.with_suffix(".pdf")
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        try:
            shutil.copyfile(built, tmp)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise ChainruleError(f"cannot write '{target}': {exc.strerror}; choose a writable folder") from None
    return target


_FILE_LINE = re.compile(r"^(?:\S*?):(\d+): (.*)$")


def first_error(log: str) -> str:
    """The first LaTeX error of a log, with its line: '! Undefined control
    sequence. (l.12 \\foo)'."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        m = _FILE_LINE.match(line)
        if line.startswith("!") or (m and ".tex:" in line):
            message = ("! " + m.group(2)) if m and not line.startswith("!") else line
            where = next((l.strip() for l in lines[i + 1:i + 12] if re.match(r"^l\.\d+", l)), "")
            if not where and m:
                where = f"l.{m.group(1)}"
            return f"{message.strip()} ({where})" if where else message.strip()
    tail = [l for l in lines if l.strip()][-1:] or ["no log"]
    return f"no error line in the log; last line: {tail[0].strip()}"
