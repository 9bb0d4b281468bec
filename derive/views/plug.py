"""Display helpers shared by the views: the taught form of an expression,
and numbers put in place of symbols without disturbing the order."""
from __future__ import annotations

import sympy as sp

from ..evaluate import as_sympy
from ..model import Value
from ..plain import plain


def tidy(expr: sp.Expr) -> sp.Expr:
    """Display form: factored, with the signs taught: 2(ŷ - y)·a(1 - a)."""
    if not isinstance(expr, sp.Expr) or expr.has(sp.Piecewise) or expr.has(sp.Max):
        return expr
    if _nothing_to_factor(expr) or _too_big_to_factor(expr):
        return _shared_out(expr)
    hidden = _rooted_constants(expr)
    try:
        factored = sp.factor(expr.xreplace(hidden))
    except (sp.PolynomialError, NotImplementedError, TypeError):
        return expr
    if hidden:
        factored = factored.xreplace({d: c for c, d in hidden.items()})
    coeff, factors = factored.as_coeff_mul()
    out = []
    for f in factors:
        base, power = f.as_base_exp()
        if isinstance(base, sp.Add) and power.is_Integer and _wants_flip(base):
            base = sp.Add(*[-t for t in base.args], evaluate=False)
            coeff = coeff * (-1) ** power
        out.append(base if power == 1 else sp.Pow(base, power, evaluate=False))
    return sp.Mul(coeff, *out, evaluate=False) if coeff != 1 else sp.Mul(*out, evaluate=False)


FACTOR_TERMS, FACTOR_OPS = 8, 48    # the presets' largest: 5 terms, 32 operations


def _shared_out(expr: sp.Expr) -> sp.Expr:
    """The terms flattened, in SymPy's order, with what they all share taken out
    (factor_terms: cheap, no polynomial factoring), a common minus sign left in."""
    flat = sp.Add(*[sp.Mul(*t.args) if isinstance(t, sp.Mul) else t for t in sp.Add.make_args(expr)])
    shared = sp.factor_terms(flat)
    return flat if shared.as_coeff_Mul()[0].is_negative else shared


def _too_big_to_factor(expr) -> bool:
    """sp.factor's time grows steeply with the terms that share symbols (a
    first-layer weight of a deep network sums a product per path: 13 terms
    about a second, 28 terms 18 s, 49 more than ten minutes; a drawn network's 12-term delta
    with exponentials ran for minutes too): past this size
    the sum is shown as it is."""
    return len(sp.Add.make_args(expr)) > FACTOR_TERMS or sp.count_ops(expr) > FACTOR_OPS


def _rooted_constants(expr: sp.Expr) -> dict:
    """{number: Dummy} for the fractions under a root, such as batch norm's
    ε in √(σ² + 1/100000): factor would clear the denominator and print
    √10·√(1 + 100000σ²).  Held as symbols while factoring, they stay put."""
    out = {}
    for p in expr.atoms(sp.Pow):
        if p.exp.is_Integer or not isinstance(p.base, sp.Add):
            continue
        for term in p.base.args:
            if term.is_Rational and not term.is_Integer and term not in out:
                out[term] = sp.Dummy(real=True, positive=True)
    return out


def _nothing_to_factor(expr) -> bool:
    """A long sum of terms that share no symbol, each with coefficient ±1 (not
    all -1): nothing to take out, and no sign to flip.  sp.factor would take
    seconds to find that out on the error of an LSTM's hidden state (a sum
    over four gates and every unit of δ·w), minutes on a wider one."""
    if not isinstance(expr, sp.Add) or len(expr.args) <= 6:
        return False
    seen, signs = set(), set()
    for term in expr.args:
        coeff, _ = term.as_coeff_Mul()
        symbols = term.free_symbols
        if abs(coeff) != 1 or not symbols or symbols & seen:
            return False
        seen |= symbols
        signs.add(coeff)
    return signs != {-1}


def _wants_flip(add: sp.Add) -> bool:
    """(a - 1) -> (1 - a); (y - ŷ) -> (ŷ - y): constants and predictions lead."""
    number = [t for t in add.args if t.is_Number]
    if number:
        return number[0] < 0
    targets = [t for t in add.args if any(s.name.startswith("y") for s in t.free_symbols)]
    others = [t for t in add.args if t not in targets]
    return bool(targets) and all(not t.could_extract_minus_sign() for t in targets) and \
        all(t.could_extract_minus_sign() for t in others)


def plug(expr, values: dict):
    """``expr`` with each symbol that has a value replaced by that number, as
    a Value atom, rebuilt without evaluation so the numbers stand exactly
    where their symbols stood.  Each Value says what it is the value of."""
    if isinstance(expr, sp.Symbol):
        return Value(as_sympy(values[expr]), of=expr.name) if expr in values else expr
    if not isinstance(expr, sp.Basic) or not expr.args or isinstance(expr, Value):
        return expr
    if isinstance(expr, sp.Piecewise):
        from ..evaluate import value
        return Value(as_sympy(value(expr, values)), of=plain(expr))
    args = [plug(a, values) for a in expr.args]
    if isinstance(expr, (sp.Add, sp.Mul, sp.Pow)):
        return expr.func(*args, evaluate=False)
    try:
        return expr.func(*args, evaluate=False)
    except TypeError:
        return expr.func(*args)
