"""Index algebra: KroneckerDelta sums collapsed, and index sums read back as
matrix products.

Two layers of tools.  The first serves the dense view (BP1-BP4), whose
indices are SymPy ``Idx`` objects that carry their ranges:

- ``collapse`` drops the out-of-range branch of the Piecewise that
  ``Sum.doit`` leaves after a KroneckerDelta collapse;
- ``as_matrix`` / ``as_hadamard`` read sums and elementwise products back as
  matrix expressions:

      sum_r X[r,p] Y[r,q]  ->  (X^T Y)[p,q]        (rows contracted: a transpose)
      sum_j X[r,j] Y[j,q]  ->  (X Y)[r,q]
      sum_r X[r,p]         ->  (X^T 1_m)[p]

The second serves every other layer kind, whose index expressions are
linear (a conv reads x[r, c', S(i-1)+u-P, ...]; a recurrent step reads
h[r, t-1, k]).  Indices are plain integer symbols with their ranges in a
dict, and ``collapse_sums`` is a collapse of its own: in a sum over u, a
factor [e = f] with e - f linear in u (coefficient +1 or -1) is solved for
u, u is replaced everywhere, and the range of u becomes an Iverson bracket
[lo <= u* <= hi] unless the ranges of the other indices already guarantee
it.  What such a bracket says is read in the text: a padded pixel, a step
past T, a tap outside the kernel -- the term vanishes.  A window bracket
[lo <= a i + b <= hi] of exactly |a| integers (pooling: one window per
pixel) holds for a single i, the ceiling of its lower end.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .model import Notation, Partial

ONES = Notation("1ₘ", r"\mathbf{1}_m")  # a column of m ones


def collapse(expr: sp.Expr) -> sp.Expr:
    """Drop the out-of-range branch of the Piecewise that Sum.doit leaves
    after a KroneckerDelta collapse.  Only when the condition says nothing
    but 'the index is in its range' (true here: every index is)."""
    def first_branch(pw):
        (value, cond), *rest = pw.args
        if len(rest) != 1 or rest[0][1] is not sp.true or rest[0][0].doit() != 0:
            raise ValueError(f"unexpected Piecewise {pw}")
        for rel in sp.And.make_args(cond):
            idx = [s for s in rel.free_symbols if isinstance(s, sp.Idx)]
            ok = len(idx) == 1 and rel.canonical in {
                sp.Le(idx[0], idx[0].upper).canonical, sp.Ge(idx[0], idx[0].lower).canonical}
            if not ok:
                raise ValueError(f"condition {cond} is not an index range")
        return value
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), first_branch)


def _split(expr):
    """(coefficient without indexed quantities, the rest) of a product."""
    coeff, rest = [], []
    for f in sp.Mul.make_args(expr):
        (rest if f.has(sp.Indexed) else coeff).append(f)
    return sp.Mul(*coeff), sp.Mul(*rest)


def as_matrix(expr: sp.Expr, free: tuple, mats: dict) -> sp.MatrixExpr:
    """Read an index sum as a matrix product (see the module docstring).

    ``free`` are the result's indices (row, column) or (column,) for a
    vector; ``mats`` maps each IndexedBase to its MatrixSymbol."""
    coeff, body = _split(expr)
    if not isinstance(body, sp.Sum) or len(body.limits) != 1:
        raise ValueError(f"not a single index sum: {expr}")
    s, lo, hi = body.limits[0]
    factors = [f for f in sp.Mul.make_args(body.function)]
    if any(not isinstance(f, sp.Indexed) for f in factors):
        raise ValueError(f"not a product of indexed quantities: {body}")

    def oriented(f, row, col):
        mat = mats[f.base]
        if f.indices == (row, col):
            return mat
        if f.indices == (col, row):
            return mat.T
        raise ValueError(f"{f} does not carry indices {row}, {col}")

    if len(factors) == 1 and len(free) == 1:  # sum over rows: a column sum
        ones = sp.MatrixSymbol(ONES.text, hi - lo + 1, 1)
        product = sp.MatMul(oriented(factors[0], free[0], s), ones)
    elif len(free) == 1 and len({f.indices for f in factors}) == 1:   # of an elementwise product
        ones = sp.MatrixSymbol(ONES.text, hi - lo + 1, 1)
        hadamard = sp.HadamardProduct(*[mats[f.base] for f in factors], evaluate=False)
        if factors[0].indices == (s, free[0]):
            hadamard = sp.Transpose(hadamard)
        elif factors[0].indices != (free[0], s):
            raise ValueError(f"{factors[0]} does not carry indices {free[0]}, {s}")
        product = sp.MatMul(hadamard, ones)
    elif len(factors) == 2 and len(free) == 2:
        left = [f for f in factors if free[0] in f.indices]
        if len(left) != 1:
            raise ValueError(f"cannot order {body}")
        right = [f for f in factors if f is not left[0]][0]
        product = sp.MatMul(oriented(left[0], free[0], s), oriented(right, s, free[1]))
    else:
        raise ValueError(f"no matrix pattern for {expr}")
    return product if coeff == 1 else sp.MatMul(coeff, *product.args)


def strip_coeff(mat: sp.MatrixExpr) -> sp.MatrixExpr:
    """The matrix product without its scalar factor (1/m)."""
    if isinstance(mat, sp.MatMul):
        return sp.MatMul(*[a for a in mat.args if isinstance(a, sp.MatrixExpr)])
    return mat


def as_hadamard(expr: sp.Expr, mats: dict, shape) -> sp.MatrixExpr | None:
    """An elementwise expression in X[r,k]'s as a Hadamard expression of
    matrices, or None when it is not a plain polynomial (Piecewise...)."""
    if isinstance(expr, sp.Indexed):
        return mats[expr.base]
    if expr.is_Number:
        return sp.MatMul(expr, sp.OneMatrix(*shape), evaluate=False) if expr != 1 else sp.OneMatrix(*shape)
    if expr.is_Add:
        terms = sorted(expr.as_ordered_terms(), key=lambda t: t.could_extract_minus_sign())
        parts = []
        for t in terms:
            part = as_hadamard(t, mats, shape)
            if part is None:
                return None
            parts.append(part)
        return sp.MatAdd(*parts, evaluate=False)
    if expr.is_Mul:
        coeff, rest = expr.as_coeff_Mul()
        # a factor without quantities (1/(1 - p)) is a scalar too
        scalars = [f for f in sp.Mul.make_args(rest) if not f.has(sp.Indexed)]
        if scalars:
            coeff, rest = coeff * sp.Mul(*scalars), sp.Mul(*[f for f in sp.Mul.make_args(rest) if f.has(sp.Indexed)])
        # the factor with most quantities first: (yhat - y) before yhat(1 - yhat)
        factors = sorted(rest.as_ordered_factors(),
                         key=lambda f: (-len(f.atoms(sp.Indexed)), f.is_Add))
        parts = []
        for f in factors:
            part = as_hadamard(f, mats, shape)
            if part is None:
                return None
            parts.append(part)
        if coeff != 1:
            parts[0] = sp.MatMul(coeff, parts[0], evaluate=False)
        return parts[0] if len(parts) == 1 else sp.HadamardProduct(*parts, evaluate=False)
    if expr.is_Pow and expr.exp.is_Integer and expr.exp > 1:
        base = as_hadamard(expr.base, mats, shape)
        return None if base is None else sp.HadamardPower(base, expr.exp)
    return None


# ------------------------------------------------ linear index expressions --

class Iverson(sp.Expr):
    """The bracket [lo ≤ e ≤ hi]: 1 when it holds, 0 otherwise.  One side may
    be missing (lo or hi None): [t + 1 ≤ T]."""
    is_commutative = True

    def __new__(cls, e, lo=None, hi=None):
        lo = sp.S.NegativeInfinity if lo is None else sp.sympify(lo)
        hi = sp.S.Infinity if hi is None else sp.sympify(hi)
        return sp.Expr.__new__(cls, sp.sympify(e), lo, hi)

    @property
    def e(self):
        return self.args[0]

    @property
    def lo(self):
        return None if self.args[1] is sp.S.NegativeInfinity else self.args[1]

    @property
    def hi(self):
        return None if self.args[2] is sp.S.Infinity else self.args[2]

    def _eval_derivative(self, s):
        return sp.S.Zero   # piecewise constant in the indices

    def _pieces(self, printer, le):
        out = [printer._print(self.lo), le] if self.lo is not None else []
        out.append(printer._print(self.e))
        if self.hi is not None:
            out += [le, printer._print(self.hi)]
        return " ".join(out)

    def _sympystr(self, printer):
        if not hasattr(printer, "scheme"):   # the plain printer (JSON): SymPy-parsable
            return "Iverson(%s)" % ", ".join(printer._print(a) for a in self.args)
        return "[" + self._pieces(printer, "≤") + "]"

    def _latex(self, printer):
        return r"\left[" + self._pieces(printer, r"\le") + r"\right]"


Ranges = dict   # index symbol -> (lo, hi), both inclusive


def index(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True)


def bounds(e, ranges: Ranges):
    """(min, max) of an expression linear in the indices of ``ranges`` whose
    coefficients have a known sign, else None."""
    e = sp.expand(e)
    syms = [s for s in e.free_symbols if s in ranges]
    low, high = {}, {}
    for s in syms:
        c = e.coeff(s)
        if c.free_symbols & set(syms) or (e - c * s).has(s):
            return None
        lo, hi = ranges[s]
        if c.is_nonnegative:
            low[s], high[s] = lo, hi
        elif c.is_nonpositive:
            low[s], high[s] = hi, lo
        else:
            return None
    return e.xreplace(low), e.xreplace(high)


def _sure(fact) -> bool:
    return bool(fact) if fact is not None else False


def in_range(e, lo, hi, ranges: Ranges) -> sp.Expr:
    """[lo ≤ e ≤ hi] with the sides the ranges already guarantee left out:
    1 when both are, 0 when e can never be in range.  A side that is None
    (or infinite) is no condition."""
    lo = None if lo is None or lo is sp.S.NegativeInfinity else lo
    hi = None if hi is None or hi is sp.S.Infinity else hi
    keep_lo, keep_hi = lo is not None, hi is not None
    if isinstance(e, sp.ceiling):       # ⌈f⌉ ≥ lo when f > lo - 1 (lo an integer)
        b = bounds(e.args[0], ranges)
        if b is not None and keep_lo:
            keep_lo = not _sure((b[0] - (lo - 1)).is_positive)
    else:
        b = bounds(e, ranges)
        if b is not None:
            if keep_lo:
                keep_lo = not _sure(sp.simplify(b[0] - lo).is_nonnegative)
                if _sure(sp.simplify(b[1] - lo).is_negative):
                    return sp.S.Zero
            if keep_hi:
                keep_hi = not _sure(sp.simplify(hi - b[1]).is_nonnegative)
                if _sure(sp.simplify(hi - b[0]).is_negative):
                    return sp.S.Zero
    if not keep_lo and not keep_hi:
        return sp.S.One
    return Iverson(e, lo if keep_lo else None, hi if keep_hi else None)


def solve_linear(e, var):
    """var* with e(var*) = 0 when e is linear in var with coefficient ±1, else None.
    The rest of e keeps its written form: S·(i - 1) stays S·(i - 1)."""
    c = sp.expand(e).coeff(var)
    if c not in (1, -1):
        return None
    rest = e - c * var
    if rest.has(var):
        rest = sp.expand(e) - c * var
        if rest.has(var):
            return None
    return -rest if c == 1 else rest


def collapse_sums(expr, ranges: Ranges):
    """Every Sum in ``expr`` with its Kronecker deltas (and pooling windows)
    collapsed; see the module docstring.  ``ranges`` holds the free indices."""
    if isinstance(expr, sp.Sum):
        inner = dict(ranges)
        inner.update({v: (lo, hi) for v, lo, hi in expr.limits})
        body = collapse_sums(expr.function, inner)
        return _collapse(body, list(expr.limits), ranges)
    if isinstance(expr, (sp.Add, sp.Mul, sp.Pow)) or (isinstance(expr, sp.Function) and expr.args):
        return expr.func(*[collapse_sums(a, ranges) for a in expr.args])
    return expr


def _collapse(body, limits, ranges):
    if body.is_Add:
        return sp.Add(*[_collapse(term, limits, ranges) for term in body.args])
    if any(f.is_Add and f.has(sp.KroneckerDelta) for f in sp.Mul.make_args(body)):
        expanded = sp.expand_mul(body)
        if expanded.is_Add:
            return _collapse(expanded, limits, ranges)
    term, remaining = body, list(limits)
    progress = True
    while progress and remaining:
        progress = False
        scope = dict(ranges)
        scope.update({v: (lo, hi) for v, lo, hi in remaining})
        for lim in remaining:
            var, lo, hi = lim
            found = _kronecker(term, var) or _window(term, var)
            if found is None:
                continue
            factor, value = found
            rest = sp.Mul(*[f for f in sp.Mul.make_args(term) if f is not factor]).xreplace({var: value})
            others = {k: v for k, v in scope.items() if k != var}
            term = rest * in_range(value, lo, hi, others)
            remaining.remove(lim)
            progress = True
            break
    for lim in list(remaining):     # a sum whose index no longer appears counts its terms
        var, lo, hi = lim
        if not term.has(var):
            term = (hi - lo + 1) * term
            remaining.remove(lim)
    if not remaining:
        return term
    # factors that do not run with the sum stand outside it: [s + 1 ≤ T]·Σ_j δ·w
    summed = {lim[0] for lim in remaining}
    outside = [f for f in sp.Mul.make_args(term) if not (f.free_symbols & summed)]
    inside = [f for f in sp.Mul.make_args(term) if f.free_symbols & summed]
    return sp.Mul(*outside) * sp.Sum(sp.Mul(*inside), *remaining)


def _kronecker(term, var):
    for f in sp.Mul.make_args(term):
        if isinstance(f, sp.KroneckerDelta) and f.has(var):
            value = solve_linear(f.args[0] - f.args[1], var)
            if value is not None:
                return f, value
    return None


def _window(term, var):
    """[lo ≤ a·var + b ≤ hi] holding for exactly one var: hi - lo + 1 = |a|."""
    for f in sp.Mul.make_args(term):
        if isinstance(f, Iverson) and f.lo is not None and f.hi is not None and f.e.has(var):
            e = sp.expand(f.e)
            a = e.coeff(var)
            b = e - a * var
            if b.has(var) or a.has(var) or a.is_zero:
                continue
            if sp.simplify(f.hi - f.lo + 1 - abs(a)) != 0:
                continue
            value = sp.ceiling((f.lo - b) / a) if a.is_positive else sp.ceiling((b - f.hi) / (-a))
            return f, sp.simplify(value)
    return None


# ------------------------------------------------------ the chain rule --

@dataclass(frozen=True)
class Def:
    """One index-level forward definition: ``out[idx] = expr``.

    ``fprime``: for an activation out = f(arg), f' in its taught form from
    the rules card (at this element), so the local derivative is
    f' · ∂arg/∂x."""
    out: sp.IndexedBase
    idx: tuple
    expr: sp.Expr
    arg: sp.Expr | None = None
    fprime: sp.Expr | None = None

    @property
    def element(self):
        return self.out[self.idx]


def local(d: Def, target) -> sp.Expr:
    """∂ out[idx] / ∂ target by sympy.diff (through the card's f' for an activation)."""
    if d.arg is not None:
        return d.fprime * sp.diff(d.arg, target)
    return sp.diff(d.expr, target)


@dataclass
class Chain:
    """The adjoint of one element, in three forms: the chain rule with
    partials, with sympy.diff's locals (Kronecker deltas), and collapsed."""
    target: sp.Expr
    chain: sp.Expr
    raw: sp.Expr
    result: sp.Expr


def adjoint(target, uses, ranges: Ranges) -> Chain:
    """∂L/∂target = Σ over the uses (Def, its upstream adjoint base) of
    Σ over the Def's elements of upstream · ∂element/∂target.  A Def index
    that also indexes the target (the row r of a row-wise layer) is the same
    element, not summed."""
    fixed = set(target.indices) if isinstance(target, sp.Indexed) else set()
    chain, raw = [], []
    for d, up in uses:
        limits = [(i, *ranges[i]) for i in d.idx if i not in fixed]
        u = up[d.idx] if isinstance(up, sp.IndexedBase) else up
        chain.append(_sum(u * Partial(d.element, target), limits))
        raw.append(_sum(u * local(d, target), limits))
    chain, raw = sp.Add(*chain), sp.Add(*raw)
    return Chain(target, chain, raw, collapse_sums(raw, ranges))


def _sum(body, limits):
    return sp.Sum(body, *limits) if limits else body


# ------------------------------------------------- rewriting an index sum --

def reindex(expr, var, new, old_in_new):
    """The sums over ``var`` in ``expr`` rewritten over ``new``, with
    var = old_in_new (±new + c).  When the body already holds the bracket
    [lo' ≤ new ≤ hi'] (a kernel tap), that bracket becomes the new limits and
    the old limits stay as the bracket [lo ≤ old_in_new ≤ hi]."""
    def rewrite(s):
        limits = list(s.limits)
        pos = next(i for i, lim in enumerate(limits) if lim[0] == var)
        _, lo, hi = limits[pos]
        body = s.function.xreplace({var: old_in_new})
        own = [f for f in sp.Mul.make_args(body) if isinstance(f, Iverson) and f.e == new]
        if own:
            f = own[0]
            body = sp.Mul(*[g for g in sp.Mul.make_args(body) if g is not f]) * Iverson(old_in_new, lo, hi)
            limits[pos] = (new, f.lo, f.hi)
        else:
            c = sp.expand(old_in_new).coeff(new)
            b = sp.expand(old_in_new - c * new)
            limits[pos] = (new, lo - b, hi - b) if c == 1 else (new, b - hi, b - lo)
        return sp.Sum(body, *limits)
    return expr.replace(lambda e: isinstance(e, sp.Sum) and any(l[0] == var for l in e.limits), rewrite)


def absorb(expr, base, padded, dims):
    """δ[.., e, ..]·[1 ≤ e ≤ H] -> δ̄[.., e, ..]: brackets that only say an
    index of ``base`` is in range fold into ``padded``, the same numbers read
    as 0 outside (zero padding).  ``dims``: the size of each axis."""
    def fold(term):
        factors = list(sp.Mul.make_args(term))
        hits = [f for f in factors if isinstance(f, sp.Indexed) and f.base == base]
        if len(hits) != 1:
            return term
        inside = {(e, d) for e, d in zip(hits[0].indices, dims)}
        keep = [f for f in factors if not (isinstance(f, Iverson) and f.lo == 1 and (f.e, f.hi) in inside)]
        keep = [padded[hits[0].indices] if f is hits[0] else f for f in keep]
        return sp.Mul(*keep)
    return expr.replace(lambda e: isinstance(e, sp.Sum),
                        lambda s: sp.Sum(sp.Add(*[fold(t) for t in sp.Add.make_args(s.function)]), *s.limits))
