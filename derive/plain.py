"""Plain names in, SymPy-parsable text out: the machine form of an
expression (JSON, --verify records).  Shared by views and the JSON printer."""
from __future__ import annotations

import sympy as sp


def plain(e) -> str:
    """A SymPy-parsable string in plain names."""
    return e if isinstance(e, str) else sp.sstr(e)
