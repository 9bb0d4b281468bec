"""How a generated line looks: code, then its comment in one column."""
from __future__ import annotations

COMMENT_COLUMN = 36


def note(code: str, comment: str) -> str:
    """A code line with its comment lined up in one column."""
    return f"{code.ljust(COMMENT_COLUMN)}  # {comment}"
