"""Every LaTeX package a .tex written by chainrule loads comes from a Debian
package in chainrule.pdf.DEBIAN_PACKAGES (which .ci/run installs) or one of
their dependencies, so a fresh machine that follows .ci/run compiles it.
The machine running the tests may have more TeX than that: this checks
where each file comes from, not only that it is found."""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

import codegen
import derive
from chainrule import pdf
from derive import exam, handout
from derive.derivation import build
from derive.printers import render

pytestmark = pytest.mark.skipif(shutil.which("dpkg") is None,
                                reason="not a Debian system: no dpkg to say which package a file is from")

ROOT = Path(__file__).resolve().parents[1]
LOADS = re.compile(r"\\(usepackage|RequirePackage|documentclass|usetikzlibrary)\s*(?:\[[^\]]*\])?\s*\{([^}]*)\}")


@functools.lru_cache(maxsize=None)
def closure() -> frozenset[str]:
    """The listed packages and everything they depend on (not recommends)."""
    out = subprocess.run(["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
                          "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances",
                          *pdf.DEBIAN_PACKAGES], capture_output=True, text=True, check=True).stdout
    names = {line.split(":", 1)[-1].strip().strip("<>") for line in out.splitlines()}
    return frozenset(names | set(pdf.DEBIAN_PACKAGES))


def owners(paths: list[str]) -> dict[str, set[str]]:
    """dpkg -S for many files at once: path -> the packages that own it."""
    out = subprocess.run(["dpkg", "-S", *paths], capture_output=True, text=True).stdout
    found: dict[str, set[str]] = {}
    for line in out.splitlines():
        packages, _, path = line.partition(": ")
        if path in paths:
            found.setdefault(path, set()).update(p.strip().split(":")[0] for p in packages.split(","))
    return found


@functools.lru_cache(maxsize=None)
def documents() -> dict[str, str]:
    """Every kind of .tex chainrule writes: each preset's handout, teacher
    and student, and each preset's `derive --format latex`."""
    docs = {}
    for name in derive.PRESETS:
        net = derive.PRESETS[name]()
        listing = codegen.emit(net)
        for answers in (True, False):
            docs[f"handout {name} {'teacher' if answers else 'student'}"] = handout.render(
                net, answers=answers, code_listing=listing)
        docs[f"derive {name} --format latex"] = render(build(net), "latex")
    for name in ("mlp-2-3-1", "small-cnn"):   # an exam: the handout's preamble, its own frame
        docs[f"exam {name}"] = exam.render(exam.build(derive.PRESETS[name](), 1), "tex")[0]
    return docs


def loaded_files(source: str) -> set[str]:
    files = set()
    for command, names in LOADS.findall(source):
        for name in (n.strip() for n in names.split(",")):
            if name:
                files.add({"documentclass": f"{name}.cls", "usetikzlibrary": f"tikzlibrary{name}.code.tex"}
                          .get(command, f"{name}.sty"))
    return files


def test_the_list_is_where_the_install_hint_and_ci_read_it():
    assert "lmodern" in pdf.DEBIAN_PACKAGES and "texlive-pictures" in pdf.DEBIAN_PACKAGES
    assert " ".join(pdf.DEBIAN_PACKAGES) in pdf.install_hint()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "DEBIAN_PACKAGES" in ci and "chainrule/pdf.py" in ci
    # .ci/run always installs: no apt step hidden behind "pdflatex exists"
    assert not re.search(r"command -v pdflatex", ci)
    assert ci.rstrip().endswith("python3 -m pytest")


def test_every_loaded_package_comes_from_a_listed_debian_package():
    needed = set().union(*(loaded_files(src) for src in documents().values()))
    assert {"article.cls", "lmodern.sty", "tikz.sty", "listings.sty", "booktabs.sty"} <= needed
    found = subprocess.run(["kpsewhich", *sorted(needed)], capture_output=True, text=True).stdout.split()
    by_name = {os.path.basename(p): p for p in found}
    missing = sorted(needed - set(by_name))
    assert not missing, f"not found by kpsewhich on this machine: {missing}"
    owned = owners(sorted(by_name.values()))
    wrong = {name: sorted(owned.get(path, {"no package"})) for name, path in by_name.items()
             if not owned.get(path, set()) & closure()}
    assert not wrong, f"loaded from Debian packages that .ci/run does not install: {wrong}"


# What a Chinese handout (XeLaTeX, ctex) will load, until chainrule writes one.
CTEX = "\\documentclass[UTF8]{ctexart}\n\\begin{document}\n反向传播 backpropagation $\\delta$\n\\end{document}\n"


@pytest.mark.parametrize("which, engine", [("handout mlp-2-3-1 teacher", "pdflatex"), ("exam mlp-2-3-1", "pdflatex"),
                                           ("derive softmax-2hidden --format latex", "pdflatex"),
                                           ("ctexart", "xelatex")])
def test_every_file_latex_reads_comes_from_a_listed_debian_package(which, engine):
    """What the packages load in turn, and the fonts: LaTeX's own record of
    every file it read.  A font made on the fly by mktexpk (no Type 1
    font installed for it) counts as missing."""
    if shutil.which(engine) is None:
        pytest.skip(f"{engine} not installed (.ci/run installs it)")
    with tempfile.TemporaryDirectory() as work:
        Path(work, "doc.tex").write_text(CTEX if which == "ctexart" else documents()[which], encoding="utf-8")
        done = subprocess.run([engine, "-recorder", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                              cwd=work, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout[-1500:]
        assert "mktexpk" not in done.stdout, "a bitmap font was generated: its Type 1 font is not installed"
        read = {line[6:] for line in Path(work, "doc.fls").read_text().splitlines() if line.startswith("INPUT ")}
    # formats and texmf.cnf are made at install time from the packages' files
    system = sorted({os.path.realpath(p) for p in read if os.path.isabs(p)
                     and not p.startswith(("/var/lib/texmf", "/etc/texmf/web2c", work))})
    if engine == "pdflatex":
        assert any(p.endswith("lmodern.sty") for p in system) and any(p.endswith(".pfb") for p in system)
    else:
        assert any(p.endswith("ctex-fontset-fandol.def") for p in system)
    owned = owners(system)
    wrong = {p: sorted(owned.get(p, {"no package"})) for p in system if not owned.get(p, set()) & closure()}
    assert not wrong, f"read from files that .ci/run does not install: {dict(list(wrong.items())[:8])}"


def test_ci_installs_exactly_the_pdf_package_list():
    """.ci/run spells out chainrule/pdf.py's DEBIAN_PACKAGES on its apt-get line
    (so tools that read the script see them); the two must agree."""
    import re
    from pathlib import Path
    from chainrule.pdf import DEBIAN_PACKAGES
    script = (Path(__file__).parent.parent / ".ci" / "run").read_text()
    lines = [line for line in script.splitlines() if "apt-get install" in line and not line.lstrip().startswith("#")]
    words = set(re.findall(r"(?<![-\w$])([a-z0-9][a-z0-9.+-]+)", " ".join(lines)))
    assert set(DEBIAN_PACKAGES) <= words, set(DEBIAN_PACKAGES) - words
