"""The one exception type users see, and the 'did you mean' helper."""
from __future__ import annotations

import difflib


class ChainruleError(ValueError):
    """Bad input.  The message is one line: what is wrong and how to fix it."""


class SpecError(ChainruleError):
    pass


def did_you_mean(word: str, choices) -> str:
    """' (did you mean 'sigmoid'?)' or '' when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class EvaluationError(ArithmeticError):
    """A value the example cannot have (log of 0, division by zero, overflow):
    the example's numbers, not a bug.  Here, beside ChainruleError, so that
    the command line can name it without importing SymPy."""
