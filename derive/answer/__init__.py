"""Grading a student's gradient (``chainrule check``).

    check(net, answer, param=NAME | grad=KEY, lang)  ->  Verdict

A --param answer is a scalar expression in plain names (``scalar``); a
--grad answer a NumPy-syntax matrix expression (``matrix``).  Both are read
by the same whitelist (``syntax``), never evaluated by Python.
"""
from __future__ import annotations

from ..errors import ChainruleError
from ..lang import messages
from .verdict import Verdict


def check(net, answer: str, *, param: str | None = None, grad: str | None = None, lang: str = "en") -> Verdict:
    t = messages(lang)
    if (param is None) == (grad is None):
        raise ChainruleError("check needs one of --param NAME (e.g. w1_2_1) or --grad KEY (e.g. W1)")
    if grad is not None:
        from .matrix import grade
        return grade(net, grad, answer, t)
    from .scalar import grade
    return grade(net, param, answer, t)


__all__ = ["Verdict", "check"]
