"""An activation on the rules card as lines of NumPy: A = f(Z) forward,
dZ = dA * f'(.) backward.

f is the card's stable NumPy form (``ACTIVATIONS[name].numpy``); f' is the
card's derived form (``rules.fprime``), printed by the NumPy printer, in the
output A where that form exists (so Z may be overwritten by f in place) and
in Z otherwise (gelu, silu: Z is kept).
"""
from __future__ import annotations

import sympy as sp

from derive import rules

from .. import numerics
from derive.layers import Act

from ..derivation import S as _S, array, stable_fprime as fprime
from ..printer import numpy_code
from .base import Grad, note, record


def alpha_of(act: Act) -> float | None:
    card = rules.ACTIVATIONS[act.name]
    if card.default_alpha is None:
        return None
    return float(card.default_alpha if act.alpha is None else act.alpha)


def text(act: Act) -> str:
    """'relu', 'leaky_relu(alpha=0.2)': as the docstrings name it."""
    alpha = alpha_of(act)
    return act.name if alpha is None else f"{act.name}(alpha={alpha!r})"


def forward_code(act: Act, z: str, in_place: bool = False) -> str:
    """f(z) as NumPy source; in_place lets f overwrite z where its form allows.

    The form is the card's NumPy form (its helpers are codegen.numerics',
    held to a few ulps against mpmath); a card entry without one is printed
    from its SymPy definition.
    """
    card = rules.ACTIVATIONS[act.name]
    alpha = alpha_of(act)
    form = card.numpy
    if form is None:
        return numpy_code(card.expr(alpha).subs(rules.z, array(z)))
    return form.format(z=z, alpha=repr(alpha) if alpha is not None else "",
                       out=f", out={z}" if in_place else "")


class Activation:
    """f between a layer's Z and its A."""

    def __init__(self, act: Act, z: str, a: str, shape, keep_z: bool = False):
        self.act, self.zname, self.aname, self.shape = act, z, a, shape
        self.name = act.name
        self.elementwise = rules.ACTIVATIONS[act.name].elementwise
        if self.elementwise:
            self.fp, self.var, self.uses_sigmoid = fprime(act.name, alpha_of(act))
        else:
            self.fp, self.var, self.uses_sigmoid = None, rules.a, False
        self.in_output = self.var == rules.a
        # f may overwrite Z only when nothing reads Z afterwards.
        self.in_place = self.in_output and not keep_z

    @property
    def identity(self) -> bool:
        return self.name == "identity"

    def forward(self, zkey: str, akey: str) -> list:
        """A = f(Z), with the trace points for Z (first: f may overwrite it) and A."""
        code = forward_code(self.act, self.zname, in_place=self.in_place)
        return [record(zkey, self.zname, self.shape), note(f"{self.aname} = {code}", text(self.act)),
                record(akey, self.aname, self.shape)]

    def infer(self) -> str:
        return f"{self.aname} = {forward_code(self.act, self.zname, in_place=self.in_place)}"

    def fprime_text(self) -> str:
        """"(a > 0) with a = A1": f' as printed, and what it is evaluated at."""
        sym = sp.Symbol("a" if self.in_output else "z", real=True)
        expr = self.fp.subs(self.var, sym)
        code = numpy_code(expr)
        if self.uses_sigmoid:
            return f"{code} with S = sigmoid(z), z = {self.zname}"
        return f"{code} with {'a' if self.in_output else 'z'} = {self.aname if self.in_output else self.zname}"

    def factor(self) -> sp.Expr:
        """f' at this layer's arrays, as a SymPy expression in array symbols."""
        at = self.aname if self.in_output else self.zname
        expr = self.fp.subs(self.var, array(at))
        if self.uses_sigmoid:
            expr = expr.subs(_S, array(f"S{self.zname}"))
        return expr

    def backward(self, g: Grad, dz: str, label: str) -> tuple[list, Grad]:
        """dJ/dZ from dJ/dA (in g), into the name dz; in place when g is ours.
        ``label`` names the equation in the comment (BP2 for a dense stack)."""
        lines = []
        if self.identity or self.fp == 1:
            if g.name != dz:
                lines.append(note(f"{dz} = {g.name}", f"{label}: {self.name}'({self.zname}) = 1, "
                                                      f"so dJ/d{self.zname} is dJ/d{self.aname}"))
            else:
                lines.append(f"# {label}: {self.name}'({self.zname}) = 1, nothing to multiply.")
            return lines, Grad(dz, g.fresh)
        if self.uses_sigmoid:
            lines.append(note(f"S{self.zname} = {forward_code(Act('sigmoid'), self.zname)}",
                              f"sigmoid({self.zname}), which {self.name}' is written in"))
        factor = self.factor()
        comment = f"{label}: times {self.name}'({self.zname}) = {self.fprime_text()}"
        if g.fresh and g.name == dz:
            lines.append(note(times(dz, factor), comment))
        else:
            lines.append(note(f"{dz} = {numpy_code(array(g.name) * factor)}", comment))
        return lines, Grad(dz, True)


def times(target: str, factor: sp.Expr) -> str:
    """The statement target *= factor (elementwise)."""
    code = numpy_code(factor)
    if not factor.has(sp.Piecewise) or code.startswith("("):
        return f"{target} *= {code}"
    # A Piecewise that is not a 0/1 mask: pick between scaled copies.
    return f"{target} = {numpy_code(array(target) * factor)}"
