"""Staged expressions (``chainrule derive --expr``), CS231n style.

The expression is cut into gates, one forward line each (t1 = w1·x,
t2 = t1 + b1, ..., J = t6/2); the backward pass visits the gates in
reverse, and each line multiplies the upstream gradient by the gate's
local derivative.  One job per module:

    parse     the text, --wrt and --at: a safe syntax whitelist, bounded sizes
    kinds     what each gate kind computes (operators, functions, the rules card)
    gates     staging into gates; each gate's local derivative
    values    the numbers: exact while short, bounded always
    backward  the reverse walk, += where a value fans out
    check     every result against sympy.diff
    view      the derivation model nodes, with prose from the message table
"""
from .view import derivation

__all__ = ["derivation"]
