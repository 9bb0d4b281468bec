"""Prose with inline maths: a message whose values may be SymPy expressions."""
from __future__ import annotations

import string

import sympy as sp

from ..model import Literal, Para


def para(t, key: str, **values) -> Para:
    """The message ``key`` as a Para: values that are SymPy expressions become
    inline maths (printed in the document's notation), a list of them a list
    separated by commas, the others text."""
    parts, text = [], ""
    for literal, field, spec, conversion in string.Formatter().parse(t.template(key)):
        text += literal
        if field is None:
            continue
        value = values[field]
        if isinstance(value, list):   # several expressions, one after another
            if text:
                parts.append(text)
            text = ""
            for i, item in enumerate(value):
                parts += ([", "] if i else []) + [item]
            continue
        if isinstance(value, Literal):   # user text: its own part, printed literally
            if text:
                parts.append(text)
            parts.append(value)
            text = ""
            continue
        if isinstance(value, sp.Basic):
            if text:
                parts.append(text)
            parts.append(value)
            text = ""
        else:
            text += format(value, spec or "")
    if text:
        parts.append(text)
    return Para(parts)
