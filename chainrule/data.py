"""Training data for `chainrule train`: read an .npz or .csv file and check it
against the network, so that every problem is one line naming where it is.

    .npz   arrays X (m, n0) and Y (m, nL), as np.savez(FILE, X=X, Y=Y) writes them
    .csv   a header row, then one example per line: n0 inputs, then nL targets

For a ce (softmax) network the targets may also be one integer class label
0..nL-1 (a 1-D Y in an .npz, one last column in a .csv); it is one-hot encoded.

Reading is vectorized (np.loadtxt, np.isfinite over the whole array).  Only
when something is wrong does a Python loop walk the file to find the line.
"""
from __future__ import annotations

import csv
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from derive.errors import ChainruleError

FORMATS = (".npz", ".csv")
NUMERIC_KINDS = "biuf"   # bool, int, unsigned, float


@dataclass(frozen=True)
class Fit:
    """What the network expects of the data."""
    n_in: int
    n_out: int
    loss: str
    spec: str
    shape: tuple = ()      # one example's input shape (C, H, W) or (T, F); () for a flat input

    @property
    def labels_allowed(self) -> bool:
        return self.loss == "ce" and self.n_out > 1


@dataclass(frozen=True)
class Data:
    X: np.ndarray          # (m, n0) float64
    Y: np.ndarray          # (m, nL) float64, one-hot when labels were given
    from_labels: bool      # Y was one integer label per row


def load(path: str | Path, fit: Fit) -> Data:
    """X and Y from ``path``, checked against ``fit``; ChainruleError otherwise."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ChainruleError(f"--data '{path}' should end in .npz or .csv (see 'chainrule train --help')")
    if path.is_dir():
        raise ChainruleError(f"--data '{path}' is a folder; give the .npz or .csv file in it")
    if not path.is_file():
        raise ChainruleError(f"cannot read --data '{path}': no such file")
    return _read_npz(path, fit) if suffix == ".npz" else _read_csv(path, fit)


# ---------------------------------------------------------------- .npz -----
def _read_npz(path: Path, fit: Fit) -> Data:
    with path.open("rb") as fh:
        magic = fh.read(6)
    if not zipfile.is_zipfile(path) and magic != b"\x93NUMPY":
        raise ChainruleError(f"'{path}' is not an .npz archive (not a zip file); "
                             f"write it with np.savez('{path.name}', X=X, Y=Y)")
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ChainruleError(f"cannot read '{path}' as .npz ({_short(exc)}); "
                             f"write it with np.savez('{path.name}', X=X, Y=Y)") from None
    if not hasattr(archive, "files"):
        raise ChainruleError(f"'{path}' holds one array, not an .npz archive; "
                             f"write it with np.savez('{path.name}', X=X, Y=Y)")
    with archive:
        arrays = {}
        for name in ("X", "Y"):
            if name not in archive.files:
                has = ", ".join(archive.files) or "no arrays"
                raise ChainruleError(f"'{path}' has no array '{name}' (it has: {has}); "
                                     f"write it with np.savez('{path.name}', X=X, Y=Y)")
            try:
                arrays[name] = archive[name]
            except ValueError:
                raise ChainruleError(f"'{path}': array '{name}' holds Python objects; "
                                     f"save numbers (e.g. X.astype(float))") from None
    X, Y = arrays["X"], arrays["Y"]
    for name, a in arrays.items():
        if a.dtype.kind not in NUMERIC_KINDS:
            raise ChainruleError(f"'{path}': {name} is not numeric (dtype {a.dtype}); "
                                 f"save numbers (e.g. {name}.astype(float))")
    if X.ndim == 1 and fit.n_in == 1:
        X = X[:, None]
    if len(fit.shape) > 1 and X.ndim == len(fit.shape) + 1 and X.shape[1:] == fit.shape:
        X = X.reshape(X.shape[0], -1)   # images and sequences are checked as rows, then reshaped back
    if X.ndim != 2 or X.shape[1] != fit.n_in:
        raise ChainruleError(f"'{path}': X is {_shape(X)}, but {fit.spec} takes {fit.n_in} "
                             f"input{'s' * (fit.n_in != 1)}: X should be (m, {fit.n_in})")
    labels = Y.ndim == 1 and fit.labels_allowed
    if Y.ndim == 1 and fit.n_out == 1:
        Y = Y[:, None]
    if not labels and (Y.ndim != 2 or Y.shape[1] != fit.n_out):
        also = f", or (m,) integer class labels 0..{fit.n_out - 1}" if fit.labels_allowed else ""
        raise ChainruleError(f"'{path}': Y is {_shape(Y)}, but {fit.spec} has {fit.n_out} "
                             f"output{'s' * (fit.n_out != 1)}: Y should be (m, {fit.n_out}){also}")
    if X.shape[0] != Y.shape[0]:
        raise ChainruleError(f"'{path}': X has {X.shape[0]} rows but Y has {Y.shape[0]}; "
                             f"one row per example in both")
    if X.shape[0] == 0:
        raise ChainruleError(f"'{path}': X and Y have no rows; nothing to train on")

    def where(name, row, col=None):
        if col is None:
            return f"'{path}': {name}[{row}] (row {row + 1})"
        return f"'{path}': {name}[{row}, {col}] (row {row + 1}, column {col + 1})"
    X = X.astype(np.float64)
    _finite(X, "X", where)
    if labels:
        Y = _one_hot(Y, fit, lambda row: where("Y", row))
    else:
        Y = Y.astype(np.float64)
        _finite(Y, "Y", where)
        _targets(Y, fit, lambda row: where("Y", row))
    return Data(X, Y, labels)


# ---------------------------------------------------------------- .csv -----
def _read_csv(path: Path, fit: Fit) -> Data:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            first = fh.readline()
    except UnicodeDecodeError:
        raise ChainruleError(f"'{path}' is not UTF-8 text; save the CSV as UTF-8") from None
    except OSError as exc:
        raise ChainruleError(f"cannot read --data '{path}': {exc.strerror}") from None
    if not first.strip():
        raise ChainruleError(f"'{path}' is empty or starts with a blank line; a CSV needs a header "
                             f"row (e.g. x1,...,y1) and one example per line")
    header = [_cell(c) for c in first.rstrip("\r\n").split(",")]
    if all(_is_number(c) for c in header):
        raise ChainruleError(f"'{path}' line 1 is numbers, not a header; add a header row naming "
                             f"the columns (e.g. x1,x2,y1) so no example is lost")
    with_targets, with_label = fit.n_in + fit.n_out, fit.n_in + 1
    labels = fit.labels_allowed and len(header) == with_label
    if len(header) != with_targets and not labels:
        inputs = f"{fit.n_in} input{'s' * (fit.n_in != 1)}"
        also = (f" (or {with_label}: {inputs}, then one integer class label 0..{fit.n_out - 1})"
                if fit.labels_allowed else "")
        other = next((f"; its cells look separated by {name}, but a CSV here separates them by commas"
                      for c, name in ((";", "';'"), ("\t", "tabs"), ("|", "'|'")) if len(header) == 1 and c in first),
                     "; the header ends in a comma (an empty last column)" if header[-1] == "" else "")
        raise ChainruleError(f"'{path}': the header has {len(header)} column{'s' * (len(header) != 1)}, but "
                             f"{fit.spec} needs {with_targets}: {inputs}, then {fit.n_out} "
                             f"target{'s' * (fit.n_out != 1)}{also}{other}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # "input contained no data": said below, in one line
            data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2, comments=None, quotechar='"',
                              dtype=np.float64, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ChainruleError(_locate_bad_cell(path, header) or f"'{path}': {_short(exc)}") from None
    if data.size == 0:
        raise ChainruleError(f"'{path}' has a header but no data rows; add one example per line")
    if data.shape[1] != len(header):
        line = _line_of_row(path, 0)
        raise ChainruleError(f"'{path}' line {line} has {data.shape[1]} cells, but the header has "
                             f"{len(header)}; every line needs one cell per header column")

    def where(name, row, col=None):
        text = f"'{path}' line {_line_of_row(path, row)}"
        if col is not None:
            j = col if name == "X" else fit.n_in + col
            text += f", column {j + 1} ('{header[j]}')"
        return text
    _finite(data, "data", lambda _, row, col: where("X", row, col) if col < fit.n_in
            else where("Y", row, col - fit.n_in))
    X, Y = data[:, :fit.n_in], data[:, fit.n_in:]
    if labels:
        Y = _one_hot(Y[:, 0], fit, lambda row: where("Y", row, 0))
    else:
        _targets(Y, fit, lambda row: where("Y", row))
    return Data(np.ascontiguousarray(X), np.ascontiguousarray(Y), labels)


def _cell(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    return text


def _is_number(text: str) -> bool:
    """What np.loadtxt reads as a number (Python's float() also takes '1_000'; NumPy does not)."""
    if "_" in text:
        return False
    try:
        float(text)
    except ValueError:
        return False
    return True


def _lines(path: Path):
    """(line number, text) of the data lines np.loadtxt reads: after the header, not blank."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        fh.readline()
        for number, line in enumerate(fh, start=2):
            if line.strip():
                yield number, line.rstrip("\r\n")


def _cells(line: str) -> list[str]:
    """One line's cells as np.loadtxt(quotechar='"') splits them: a quoted "1,5" is one cell."""
    return next(csv.reader([line]), [])


def _line_of_row(path: Path, row: int) -> int:
    """The file line of data row ``row`` (0-based); walks the file, so only for errors."""
    for i, (number, _) in enumerate(_lines(path)):
        if i == row:
            return number
    return row + 2


def _locate_bad_cell(path: Path, header: list[str]) -> str | None:
    """The first line np.loadtxt could not read, said for a person; None if not found."""
    for number, line in _lines(path):
        cells = _cells(line)
        if len(cells) != len(header):
            return (f"'{path}' line {number} has {len(cells)} cells, but the header has {len(header)}; "
                    f"every line needs one cell per header column")
        for j, cell in enumerate(cells):
            if not _is_number(_cell(cell)):
                shown = _cell(cell)
                what = "is empty" if not shown else f"is '{shown[:20]}', not a number"
                if shown and _is_number(shown.replace(",", ".", 1)):
                    what += " (write the decimal point as '.')"
                return (f"'{path}' line {number}, column {j + 1} ('{header[j]}') {what}; "
                        f"every cell after the header must be a number")
    return None


# ---------------------------------------------------------------- checks ---
def _finite(a: np.ndarray, name: str, where) -> None:
    bad = np.flatnonzero(~np.isfinite(a))
    if bad.size:
        row, col = divmod(int(bad[0]), a.shape[1])
        raise ChainruleError(f"{where(name, row, col)} is {a[row, col]}; every value must be a finite "
                             f"number: fill or drop the {bad.size} missing or infinite value"
                             f"{'s' * (bad.size != 1)}")


def _targets(Y: np.ndarray, fit: Fit, where) -> None:
    """The targets the loss needs: rows summing to 1 for ce, values in [0, 1] for bce."""
    if fit.loss == "ce":
        bad = np.flatnonzero((Y < 0).any(axis=1) | (np.abs(Y.sum(axis=1) - 1) > 1e-6))
        if bad.size:
            row = int(bad[0])
            raise ChainruleError(f"{where(row)}: the targets {_row(Y[row])} are not one-hot or "
                                 f"probabilities summing to 1, which ce (softmax) needs")
    elif fit.loss == "bce":
        bad = np.flatnonzero(((Y < 0) | (Y > 1)).any(axis=1))
        if bad.size:
            row = int(bad[0])
            raise ChainruleError(f"{where(row)}: the targets {_row(Y[row])} are outside [0, 1], "
                                 f"which bce (a sigmoid output) needs")


def _one_hot(labels: np.ndarray, fit: Fit, where) -> np.ndarray:
    labels = labels.astype(np.float64)
    ok = np.isfinite(labels) & (labels == np.round(labels)) & (labels >= 0) & (labels < fit.n_out)
    bad = np.flatnonzero(~ok)
    if bad.size:
        row = int(bad[0])
        raise ChainruleError(f"{where(row)}: the class label {labels[row]:g} is not a whole number "
                             f"0..{fit.n_out - 1}, one per output of {fit.spec}")
    return np.eye(fit.n_out)[labels.astype(np.intp)]


def _row(values: np.ndarray) -> str:
    shown = ", ".join(f"{v:g}" for v in values[:6])
    return f"[{shown}{', ...' if values.size > 6 else ''}]"


def _shape(a: np.ndarray) -> str:
    return "(" + ", ".join(map(str, a.shape)) + ("," if a.ndim == 1 else "") + ")"


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:160]
