"""Rewrite generated/ from the presets: ``python -m chainrule.regenerate``.

It lives beside the command line because it writes files (through
chainrule.files) from what codegen emits: only this package wires the two."""
from __future__ import annotations

import sys
from pathlib import Path

from chainrule.files import write_output
from codegen import HEADER_PREFIX, emit, generated_files
from derive import load

FOLDER = Path(__file__).resolve().parent.parent / "generated"


def main() -> int:
    for filename, spec in generated_files().items():
        path = write_output(FOLDER / filename, emit(load(spec)), marker=HEADER_PREFIX)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
