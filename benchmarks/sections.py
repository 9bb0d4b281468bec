"""A benchmark that runs on its own keeps its section of results.md between
two marker comments: written in place, and carried over when
``python -m benchmarks`` rewrites the rest of the file."""
from __future__ import annotations

import re
from pathlib import Path


def _pattern(begin: str, end: str):
    return re.compile(re.escape(begin) + ".*?" + re.escape(end) + "\n?", re.S)


def keep(path, text: str, begin: str, end: str) -> str:
    """``text`` (a new results.md) with the section from the old file, if it had one."""
    try:
        old = Path(path).read_text()
    except OSError:
        return text
    found = _pattern(begin, end).search(old)
    return text if found is None or begin in text else text.rstrip("\n") + "\n\n" + found.group(0).rstrip("\n") + "\n"


def write(path, block: str, begin: str, end: str) -> None:
    """The section replaced by ``block`` (or added at the end)."""
    path = Path(path)
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = _pattern(begin, end)
    block = block.rstrip("\n") + "\n"
    new = pattern.sub(lambda _: block, old, count=1) if pattern.search(old) else old.rstrip("\n") + "\n\n" + block
    path.write_text(new)
