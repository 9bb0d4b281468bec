"""The backward pass over the gates: reverse order, += where a value fans out.

Each contribution is the upstream gradient ∂J/∂(gate output) times the
gate's local derivative, as micrograd's ``_backward`` closures compute it;
a value that feeds several gates collects one contribution from each.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .gates import Gate, local_derivative
from .values import DIGITS, safe_inputs, settle


@dataclass
class Contribution:
    """One backward line: ``gate``'s share of the gradient of ``input``."""
    gate: Gate
    slot: int
    input: sp.Symbol
    local: sp.Expr                  # ∂(gate output)/∂input
    accumulate: bool                # a second path into ``input``: +=
    total: sp.Expr                  # ∂J/∂input so far, symbolic
    value: sp.Expr | None = None    # this contribution at the --at values
    total_value: sp.Expr | None = None


@dataclass
class Backward:
    contributions: list[Contribution] = field(default_factory=list)
    grad: dict = field(default_factory=dict)     # symbol -> ∂J/∂symbol, in the gate outputs
    value: dict = field(default_factory=dict)    # symbol -> its number (with --at)


def leading_to(gates: list[Gate], wanted: set) -> set:
    """The wanted variables and every gate output that depends on one of them:
    only these branches carry a gradient worth following."""
    leads = set(wanted)
    for g in gates:
        if any(x in leads for _, x in g.slots):
            leads.add(g.out)
    return leads


def backward(gates: list[Gate], leads: set, fval: dict | None, digits: int = DIGITS) -> Backward:
    """Visit the gates latest first; ``fval`` (the forward values) adds numbers."""
    J = gates[-1].out
    result = Backward(grad={J: sp.Integer(1)}, value={J: sp.Integer(1)} if fval is not None else {})
    grad, gval = result.grad, result.value
    for g in reversed(gates):
        if g.out not in leads:
            continue
        for slot, x in g.slots:
            if x not in leads:
                continue
            local = local_derivative(g, slot)
            again = x in grad
            contribution = grad[g.out] * local
            grad[x] = grad[x] + contribution if again else contribution
            step = Contribution(g, slot, x, local, again, grad[x])
            if fval is not None:
                where = f"backward step {g.step}"
                step.value = settle(gval[g.out] * local.xreplace(safe_inputs(g, fval, digits)), where, digits)
                gval[x] = settle(gval[x] + step.value, where, digits) if again else step.value
                step.total_value = gval[x]
            result.contributions.append(step)
    return result
