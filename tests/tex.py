"""LaTeX in tests: compile many documents side by side with pdflatex and
read back what a reader sees (the PDF's text) and what TeX complained
about (the log's overfull boxes)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

HAVE_TEX = shutil.which("pdflatex") is not None and shutil.which("pdftotext") is not None
NEEDS_TEX = pytest.mark.skipif(not HAVE_TEX, reason="pdflatex/pdftotext not installed "
                                                    "(CI installs TeX Live and poppler-utils)")
OVERFULL = re.compile(r"Overfull \\hbox \(([\d.]+)pt too wide\)")


@dataclass
class Compiled:
    tex: str
    text: str      # pdftotext -layout, NFC
    log: str
    ok: bool

    @property
    def flat(self) -> str:
        return " ".join(self.text.split())

    def overfull(self, above: float = 10.0) -> list[float]:
        return [w for w in map(float, OVERFULL.findall(self.log)) if w > above]

    def errors(self) -> list[str]:
        return [line for line in self.log.splitlines() if line.startswith("!")]


def compile_all(sources: dict[str, str], folder: Path, engine: str = "pdflatex") -> dict[str, Compiled]:
    """Each source compiled once (no references to settle), several at a time."""
    folder.mkdir(parents=True, exist_ok=True)
    names = list(sources)
    for name in names:
        (folder / f"{name}.tex").write_text(sources[name], encoding="utf-8")
    running, done = {}, {}
    queue = list(names)
    width = max(1, min(4, os.cpu_count() or 1))
    while queue or running:
        while queue and len(running) < width:
            name = queue.pop(0)
            running[name] = subprocess.Popen(
                [engine, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
                cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        name, proc = next(iter(running.items()))
        proc.wait(timeout=300)
        del running[name]
        done[name] = proc.returncode
    out = {}
    for name in names:
        pdf = folder / f"{name}.pdf"
        text = ""
        if done[name] == 0 and pdf.exists():
            text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                  check=True).stdout
        log = (folder / f"{name}.log").read_text(encoding="latin-1")
        out[name] = Compiled(sources[name], unicodedata.normalize("NFC", text), log, done[name] == 0)
    return out
