"""The delta view's matrix expressions written as a --grad answer is written.

This is the inverse of the answer's parser, the machine form of BP1-BP4 (as
``derive.plain`` is for scalar expressions): (1/m) Δ⁽¹⁾ᵀ X becomes
``dZ1.T @ X / m``, Δ⁽¹⁾ᵀ 1ₘ becomes ``dZ1.sum(axis=0)``, and f′(Z⁽¹⁾) of a
piecewise activation becomes ``relu_prime(Z1)``.  Every expression it
writes is itself an answer that ``chainrule check`` accepts.
"""
from __future__ import annotations

import sympy as sp

from ..index_algebra import ONES

ATOM, POWER, UNARY, PRODUCT, SUM = 100, 80, 70, 60, 50


def write(expr, names: dict) -> str:
    """``expr`` in answer notation; ``names`` maps each MatrixSymbol to its
    answer name (Δ⁽¹⁾ -> dZ1)."""
    return _write(sp.sympify(expr), names)[0]


def _wrap(text_prec, at_least: int) -> str:
    text, prec = text_prec
    return text if prec >= at_least else f"({text})"


def _is_ones(e) -> bool:
    return isinstance(e, sp.MatrixSymbol) and e.name == ONES.text


def _scalar(e, names) -> tuple[str, int]:
    e = sp.nsimplify(e) if isinstance(e, sp.Float) else e
    if e.is_Integer:
        return (str(e), ATOM) if e >= 0 else (str(e), UNARY)
    if e.is_Rational:
        return f"{e.p}/{e.q}", PRODUCT
    if isinstance(e, sp.Symbol):
        return str(e), ATOM
    if e.is_Pow and e.exp == -1:
        return "1/" + _wrap(_scalar(e.base, names), ATOM), PRODUCT
    return sp.sstr(e), ATOM if e.is_Atom else PRODUCT


def _write(e, names) -> tuple[str, int]:
    if isinstance(e, sp.MatrixSymbol):
        return names[e] if e in names else names.get(e.name, e.name), ATOM
    if isinstance(e, sp.OneMatrix):
        return "1", ATOM
    if isinstance(e, sp.Transpose):
        return _wrap(_write(e.arg, names), ATOM) + ".T", ATOM
    if isinstance(e, sp.MatMul):
        return _product(e, names)
    if isinstance(e, sp.MatAdd):
        return _sum(e.args, names)
    if isinstance(e, sp.HadamardProduct):
        return " * ".join(_wrap(_write(a, names), PRODUCT + 1) for a in e.args), PRODUCT
    if isinstance(e, sp.HadamardPower):
        return _wrap(_write(e.base, names), ATOM) + "**" + _scalar(e.exp, names)[0], POWER
    if not isinstance(e, sp.MatrixExpr):
        return _scalar(e, names)
    raise TypeError(f"no answer notation for {type(e).__name__}")


def _product(e: sp.MatMul, names) -> tuple[str, int]:
    coeff = sp.Mul(*[a for a in e.args if not isinstance(a, sp.MatrixExpr)])
    mats = [a for a in e.args if isinstance(a, sp.MatrixExpr)]
    parts = []
    i = 0
    while i < len(mats):
        a = mats[i]
        if i + 1 < len(mats) and _is_ones(mats[i + 1]) and isinstance(a, sp.Transpose):
            parts.append(_wrap(_write(a.arg, names), ATOM) + ".sum(axis=0)")   # Mᵀ 1ₘ: the column sums
            i += 2
            continue
        if _is_ones(a) and i == len(mats) - 1:
            parts[-1] = parts[-1] + ".sum(axis=1)"
            i += 1
            continue
        parts.append(_wrap(_write(a, names), PRODUCT + 1))
        i += 1
    text = " @ ".join(parts)
    if coeff == 1:
        return text, PRODUCT if len(parts) > 1 else ATOM if parts[0].isidentifier() else PRODUCT
    if coeff.is_Rational and _decimal(coeff):   # λ = 0.1 of an L2 term reads as written
        text = sp.sstr(sp.Float(abs(coeff), 15)).rstrip("0") + " * " + text
        return (("-" + text, UNARY) if coeff < 0 else (text, PRODUCT))
    numer, denom = sp.fraction(coeff)
    sign = ""
    if numer.could_extract_minus_sign():
        sign, numer = "-", -numer
    if numer != 1:
        text = _wrap(_scalar(numer, names), PRODUCT) + " * " + text
    if denom != 1:
        text = text + " / " + _wrap(_scalar(denom, names), ATOM)
    return (sign + text, UNARY) if sign else (text, PRODUCT)


def _decimal(q: sp.Rational) -> bool:
    """A fraction with a short decimal form other than an integer or a half (0.1, 0.25)."""
    d = int(q.q)
    if d in (1, 2):
        return False
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1 and q.q <= 10 ** 6


def _sum(args, names) -> tuple[str, int]:
    # positive terms first, as the derivation displays 1 - A and A - Y
    ordered = sorted(args, key=lambda a: _negative(a))
    out = ""
    for k, a in enumerate(ordered):
        neg = _negative(a)
        body = _wrap(_write(-a if neg else a, names), PRODUCT) if neg else _wrap(_write(a, names), SUM + 1)
        if k == 0:
            out = ("-" + body) if neg else body
        else:
            out += (" - " if neg else " + ") + body
    return out, SUM


def _negative(a) -> bool:
    if isinstance(a, sp.MatMul):
        coeff = sp.Mul(*[x for x in a.args if not isinstance(x, sp.MatrixExpr)])
        return coeff.could_extract_minus_sign()
    return False
