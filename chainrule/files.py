"""Writing output files: atomically, and never over a file chainrule did
not write unless --force is given."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from derive.errors import ChainruleError


def write_output(path: str | Path, text: str, marker: str, force: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically.

    An existing file is replaced only when its first line starts with
    ``marker`` (chainrule's header) or when ``force`` is true.
    """
    path = Path(path)
    if path.is_dir():
        raise ChainruleError(f"'{path}' is a directory; give a file name, e.g. '{path}/out{path.suffix or ''}'")
    if path.exists() and not force:
        try:
            with path.open(encoding="utf-8", errors="replace") as fh:
                first = fh.readline()
        except OSError as exc:
            raise ChainruleError(f"cannot read '{path}' to check it: {exc.strerror}") from None
        if not first.startswith(marker):
            raise ChainruleError(f"'{path}' exists and was not written by chainrule; "
                                 f"choose another name or pass --force to overwrite it")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise ChainruleError(f"cannot write '{path}': folder '{parent}' does not exist; create it first")
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ChainruleError(f"cannot write '{path}': {exc.strerror}; choose a writable folder") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise ChainruleError(f"cannot write '{path}': {exc.strerror}; choose a writable path") from None
    return path
