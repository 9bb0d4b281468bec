"""JSON: the contract's schema from ``Derivation.data``, plus the prose."""
from __future__ import annotations

import json

import sympy as sp

from ..plain import plain
from .base import Printer
from .text import TextPrinter


class JsonPrinter(Printer):
    def expr(self, e) -> str:
        return plain(e)

    def _print_document(self, d):
        out = {k: _plain_tree(v) for k, v in d.materialize().items()}
        out["title"] = d.title
        out["text"] = TextPrinter(d.names).doprint(d)
        return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


def _plain_tree(v):
    if isinstance(v, dict):
        return {k: _plain_tree(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain_tree(x) for x in v]
    if isinstance(v, sp.Basic):
        return plain(v)
    return v
