"""The binary files `chainrule train` writes, parameters (.npz) and loss plots
(.png), and the rule for writing them: atomically (a temporary file, then
os.replace), and never over a file chainrule did not write unless --force.

chainrule/files.py is becoming one safe write function for text and binary
files; until it lands, the binary half lives here, in ``write_bytes``, so
that swapping it is one import.  A file counts as chainrule's when it
carries chainrule's mark: an .npz the entry ``__chainrule__`` (the generated
module's ``save`` writes the same), a .png the text chunk Software=chainrule.
"""
from __future__ import annotations

import io
import os
import struct
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from derive.errors import ChainruleError

NPZ_MARKER = "__chainrule__"
PNG_SOFTWARE = "chainrule"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A fixed timestamp for every archive member, so the same parameters give the same bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def npz_bytes(arrays: dict[str, np.ndarray], spec: str) -> bytes:
    """An .npz archive (what np.savez writes, readable by np.load) with the
    marker entry holding ``spec``, and no timestamps: deterministic bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in {NPZ_MARKER: np.array(spec), **arrays}.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_TIME)
            info.external_attr = 0o644 << 16
            with archive.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def is_ours(path: Path) -> bool:
    """Does the existing file at ``path`` carry chainrule's mark?"""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
            if head == PNG_SIGNATURE:
                return _png_is_ours(fh)
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return f"{NPZ_MARKER}.npy" in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        pass
    return False


def _png_is_ours(fh) -> bool:
    """Walk the PNG's chunks up to the image data, looking for Software=chainrule."""
    while True:
        head = fh.read(8)
        if len(head) < 8:
            return False
        length, kind = struct.unpack(">I4s", head)
        if kind in (b"IDAT", b"IEND"):
            return False
        body = fh.read(length)
        fh.read(4)  # the CRC
        if kind == b"tEXt" and body.split(b"\0", 1) == [b"Software", PNG_SOFTWARE.encode()]:
            return True


def check_writable(path: str | Path, force: bool = False) -> Path:
    """ChainruleError now, before any work, if ``write_bytes`` would refuse ``path``."""
    path = Path(path)
    if path.is_dir():
        raise ChainruleError(f"'{path}' is a directory; give a file name, e.g. '{path}/out{path.suffix}'")
    if path.exists() and not force and not is_ours(path):
        raise ChainruleError(f"'{path}' exists and was not written by chainrule; "
                             f"choose another name or pass --force to overwrite it")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise ChainruleError(f"cannot write '{path}': folder '{parent}' does not exist; create it first")
    return path


def write_bytes(path: str | Path, data: bytes, force: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically; an existing file only if it is ours or ``force``."""
    path = check_writable(path, force)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ChainruleError(f"cannot write '{path}': {exc.strerror}; choose a writable folder") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise ChainruleError(f"cannot write '{path}': {exc.strerror}; choose a writable path") from None
    return path
