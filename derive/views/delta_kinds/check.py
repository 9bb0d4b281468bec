"""Proof by numbers: every claim of the index view, evaluated on a small
instance, against the scalar graph.

The graph (``derive.graph``: one generic reverse walk over the layers'
scalar definitions, itself tested against torch) gives exact values of
every forward quantity, every adjoint ∂L/∂q (L = Σᵣ ℓᵣ) and every gradient
∂J/∂θ of the instance.  A claim's index forms are evaluated element by
element (sums looped, brackets tested, 1-based indices), its matrix form
with NumPy, and both must equal the graph's numbers.  Quantities the graph
does not name (a GRU's two GEMM outputs, a dilated error) are evaluated from
their own derived formulas, so a claim built on them checks the chain of
derivations that leads to it.
"""
from __future__ import annotations

import math
import random
import re
from fractions import Fraction
from functools import reduce

import numpy as np
import sympy as sp

from ...evaluate import compile_expr, to_mp
from ...example import random_example
from ...graph import Graph
from ...index_algebra import ONES, Iverson
from ...worked import evaluate

RTOL, ATOL = 1e-9, 1e-11
SAMPLE = 48      # entries checked of a claim larger than this


class Instance:
    """A network's scalar graph over a batch of ``m`` rows, evaluated at a
    random example: the numbers every source names."""

    def __init__(self, net, m: int = 3, seed: int = 0):
        self.net, self.m = net, m
        self.example = random_example(net, seed, m)
        self.graph = g = Graph(net, rows=list(range(1, m + 1)))
        ev = evaluate(g, self.example)
        self.env = ev.rows[0]
        self.gradients = ev.gradients
        cells: dict = {}
        for d in g.forward:
            prefix = re.match(r"[a-z]+", d.symbol.name).group(0)
            # a batch statistic (batch norm's mu, sigma^2) has no row
            key = tuple(d.idx) if d.row is None else (d.row - 1, *d.idx)
            cells.setdefault((prefix, d.layer), {})[key] = d.symbol
        self.symbols = {}
        for key, items in cells.items():
            shape = tuple(max(i[k] for i in items) + 1 for k in range(len(next(iter(items)))))
            arr = np.empty(shape, dtype=object)
            for i, s in items.items():
                arr[i] = s
            self.symbols[key] = arr
        self._cache: dict = {}

    def number(self, v) -> float:
        return float(to_mp(v))

    def fetch(self, source) -> np.ndarray:
        key = ("v", source)
        if key not in self._cache:
            self._cache[key] = self._fetch(source)
        return self._cache[key]

    def _fetch(self, source) -> np.ndarray:
        kind = source[0]
        net, ex = self.net, self.example
        if kind == "fwd":
            return self._values(self.symbols[(source[1], source[2])])
        if kind == "input":
            return np.array([[float(v) for v in row] for row in ex.X]).reshape(self.m, *net.input)
        if kind == "target":
            return np.array([[float(v) for v in row] for row in ex.Y])
        if kind == "param":
            key = source[1]
            shape = net.param_shapes()[key]
            values = ex.param_dict()
            from ... import names
            return np.array([float(values[p]) for p in names.entries(key, shape)]).reshape(shape)
        if kind == "grad":
            key = source[1]
            shape = net.param_shapes()[key]
            from ... import names
            return np.array([self.number(self.gradients[p]) for p in names.entries(key, shape)]).reshape(shape)
        if kind == "mask":
            l = source[1]
            shape = net.shapes()[l - 1]
            rows = ex.mask_dict()[f"M{l}"]
            return np.array([[float(v) for v in row] for row in rows]).reshape(self.m, *shape)
        if kind == "adj":
            return self.adjoint(source[1])
        if kind == "adj_inner":   # the share of a residual block's input through its inner layers
            return self._adjoints(self._symbols_of(source[1]), inputs=True, skip="s")
        if kind == "l2":          # the penalty's share of a weight's gradient
            key = source[1]
            shape = net.param_shapes()[key]
            from ... import names
            g = self.graph
            return np.array([self.number(compile_expr(g.gradients[p].l2)(self.env))
                             for p in names.entries(key, shape)]).reshape(shape)
        if kind == "reshape":
            return self.fetch(source[1]).reshape(self.m, *source[2])
        if kind == "last":
            return self.fetch(source[1])[:, -1]
        if kind == "head":       # every time step but the last
            return self.fetch(source[1])[:, :-1]
        if kind == "concat":
            return np.concatenate([self.fetch(s) for s in source[1]], axis=-1)
        if kind == "flip":
            return self.fetch(source[1])[:, :, ::-1, ::-1].copy()
        if kind == "dilate":
            a, s = self.fetch(source[1]), source[2]
            out = np.zeros(a.shape[:2] + (s * (a.shape[2] - 1) + 1, s * (a.shape[3] - 1) + 1))
            out[:, :, ::s, ::s] = a
            return out
        if kind == "argmax":   # the first maximum of each K×K window, in window order (torch's tie rule)
            x, k = self.fetch(source[1]), source[2]
            out = np.zeros_like(x)
            m, c, h, w = x.shape
            for r, ch, i, j in np.ndindex(m, c, h // k, w // k):
                window = x[r, ch, i * k:(i + 1) * k, j * k:(j + 1) * k].ravel()
                u, v = divmod(int(np.argmax(window)), k)
                out[r, ch, i * k + u, j * k + v] = 1.0
            return out
        if kind == "formula":   # a quantity the graph does not name, from its own derived formula
            _, expr, free, ranges, tensors, values = source
            return Evaluator(self, dict(values)).table(expr, free, dict(ranges), tensors)
        raise ValueError(f"unknown source {source!r}")

    def adjoint(self, source) -> np.ndarray:
        """∂L/∂(the quantity ``source`` names), L the sum of the rows' losses."""
        key = ("a", source)
        if key in self._cache:
            return self._cache[key]
        kind = source[0]
        if kind == "fwd":
            out = self._adjoints(self.symbols[(source[1], source[2])])
        elif kind == "input":
            out = self._adjoints(self.graph.inputs, inputs=True)
        elif kind == "reshape":
            out = self.adjoint(source[1]).reshape(self.m, *source[2])
        elif kind == "last":
            out = self.adjoint(source[1])[:, -1]
        elif kind == "concat":
            out = np.concatenate([self.adjoint(s) for s in source[1]], axis=-1)
        else:
            raise ValueError(f"no adjoint for {source!r}")
        self._cache[key] = out
        return out

    def _values(self, symbols) -> np.ndarray:
        return np.vectorize(lambda s: self.number(self.env[s]), otypes=[float])(symbols)

    def _symbols_of(self, source) -> np.ndarray:
        if source[0] == "fwd":
            return self.symbols[(source[1], source[2])]
        if source[0] == "input":
            return self.graph.inputs
        if source[0] == "reshape":
            return self._symbols_of(source[1]).reshape(self.m, *source[2])
        if source[0] == "last":
            return self._symbols_of(source[1])[:, -1]
        raise ValueError(f"no symbols for {source!r}")

    def _adjoints(self, symbols, inputs=False, skip=None) -> np.ndarray:
        g = self.graph

        def one(s):
            if inputs:   # one more step of the graph's own walk: its consumers (but ``skip``'s)
                terms = [sp.Mul(g.handle[c.symbol], g.local(c, s)) for c in g.consumers.get(s, [])
                         if c.symbol in g.handle and not (skip and re.match(r"[a-z]+", c.symbol.name).group(0) == skip)]
                expr = sp.Add(*terms)
            else:
                expr = g.handle.get(s, sp.S.Zero)
            return self.number(compile_expr(expr)(self.env))
        return np.vectorize(one, otypes=[float])(symbols)


class Evaluator:
    """Index and matrix expressions of the view at the instance's numbers.
    ``values``: the instance's sizes and constants (symbol -> number)."""

    def __init__(self, inst: Instance, values: dict):
        from .common import M
        self.inst = inst
        self.values = {**values, M: inst.m}

    def size(self, e) -> int:
        v = sp.sympify(e).xreplace(self.values)
        return int(v)

    def bind(self, tensors) -> dict:
        out = {}
        for tn in tensors:
            out[tn.base] = (self.inst.fetch(tn.source), tn.zero_outside)
        return out

    def table(self, expr, free, ranges, tensors, only=None) -> np.ndarray:
        """The expression at every assignment of ``free`` (or at the positions
        ``only``; the others stay NaN)."""
        arrays = self.bind(tensors)
        spans = [range(self.size(ranges[i][0]), self.size(ranges[i][1]) + 1) for i in free]
        out = np.full([len(s) for s in spans], np.nan)
        for combo in (only if only is not None else np.ndindex(*out.shape)):
            env = {i: s[c] for i, s, c in zip(free, spans, combo)}
            out[combo] = self.value(expr, env, arrays)
        return out

    def value(self, e, env, arrays):
        if isinstance(e, sp.Idx):
            return env[e.label] if e.label in env else env[e]
        if isinstance(e, sp.Symbol):
            if e in env:
                return env[e]
            return float(self.values[e]) if not isinstance(self.values[e], int) else self.values[e]
        if e.is_Integer:
            return int(e)
        if e.is_Number or isinstance(e, sp.NumberSymbol):   # π in gelu′
            return float(e)
        if isinstance(e, sp.Indexed):
            arr, zero = arrays[e.base]
            idx = tuple(int(self.value(i, env, arrays)) - 1 for i in e.indices)
            if any(i < 0 or i >= n for i, n in zip(idx, arr.shape)):
                if zero:
                    return 0.0
                raise IndexError(f"{e} at {env}: outside {arr.shape}")
            return float(arr[idx])
        if isinstance(e, sp.Sum):
            return self._sum(e.function, list(e.limits), env, arrays)
        if isinstance(e, sp.Add):
            return sum(self.value(a, env, arrays) for a in e.args)
        if isinstance(e, sp.Mul):
            out = 1
            # brackets first: a term they switch off is not evaluated (its indices may be out of range)
            for a in sorted(e.args, key=lambda f: not isinstance(f, (Iverson, sp.KroneckerDelta))):
                out *= self.value(a, env, arrays)
                if out == 0:
                    return 0
            return out
        if isinstance(e, sp.Pow):
            return self.value(e.base, env, arrays) ** self.value(e.exp, env, arrays)
        if isinstance(e, sp.KroneckerDelta):
            return int(self.value(e.args[0], env, arrays) == self.value(e.args[1], env, arrays))
        if isinstance(e, Iverson):
            v = self.value(e.e, env, arrays)
            ok = (e.lo is None or self.value(e.lo, env, arrays) <= v) and \
                 (e.hi is None or v <= self.value(e.hi, env, arrays))
            return int(ok)
        if isinstance(e, (sp.ceiling, sp.floor)):
            num, den = e.args[0].as_numer_denom()
            ratio = Fraction(int(self.value(num, env, arrays)), int(self.value(den, env, arrays)))
            return math.ceil(ratio) if isinstance(e, sp.ceiling) else math.floor(ratio)
        if isinstance(e, sp.Piecewise):
            for value, cond in e.args:
                if cond is sp.true or self.value(cond, env, arrays):
                    return self.value(value, env, arrays)
            raise ValueError(f"no branch of {e} applies")
        if isinstance(e, sp.core.relational.Relational):
            return _RELS[e.rel_op](self.value(e.lhs, env, arrays), self.value(e.rhs, env, arrays))
        if isinstance(e, sp.And):
            return all(self.value(a, env, arrays) for a in e.args)
        if e.func in _FUNCS:
            return _FUNCS[e.func](self.value(e.args[0], env, arrays))
        raise TypeError(f"cannot evaluate {type(e).__name__}: {e}")

    def _sum(self, body, limits, env, arrays):
        (var, lo, hi), rest = limits[0], limits[1:]
        var = var.label if isinstance(var, sp.Idx) else var
        total = 0
        for v in range(int(self.value(lo, env, arrays)), int(self.value(hi, env, arrays)) + 1):
            inner = {**env, var: v}
            total += self._sum(body, rest, inner, arrays) if rest else self.value(body, inner, arrays)
        return total

    # -- matrix forms ------------------------------------------------------------
    def matrix(self, e, env, mats) -> np.ndarray | float:
        if isinstance(e, sp.MatrixSymbol):
            if e.name == ONES.text:
                return np.ones((self.inst.m, 1))
            tn, step = mats[e]
            arr = self.inst.fetch(tn.source)
            if step is not None:
                t = int(self.value(step, env, {}))
                if not 1 <= t <= arr.shape[1]:
                    return np.zeros(arr.shape[:1] + arr.shape[2:])
                arr = arr[:, t - 1]
            return arr
        if isinstance(e, sp.Transpose):
            return np.asarray(self.matrix(e.arg, env, mats)).T
        if isinstance(e, sp.MatMul):
            scalars = [a for a in e.args if not isinstance(a, sp.MatrixExpr)]
            factors = [self.matrix(a, env, mats) for a in e.args if isinstance(a, sp.MatrixExpr)]
            coeff = reduce(lambda x, y: x * y, [self.value(s, env, {}) for s in scalars], 1.0)
            out = factors[0]
            for f in factors[1:]:
                out = out @ f if np.ndim(out) == 2 and np.ndim(f) == 2 and not np.isscalar(f) else out * f
            return coeff * out
        if isinstance(e, sp.HadamardProduct):
            return reduce(lambda x, y: x * y, [self.matrix(a, env, mats) for a in e.args])
        if isinstance(e, sp.MatAdd):
            return reduce(lambda x, y: x + y, [self.matrix(a, env, mats) for a in e.args])
        if isinstance(e, sp.HadamardPower):
            return self.matrix(e.base, env, mats) ** self.value(e.exp, env, {})
        if isinstance(e, sp.OneMatrix):
            return 1.0
        if isinstance(e, sp.Sum):    # a sum of matrices over time steps
            (var, lo, hi), = e.limits
            total = 0
            for v in range(int(self.value(lo, env, {})), int(self.value(hi, env, {})) + 1):
                total = total + self.matrix(e.function, {**env, var: v}, mats)
            return total
        if isinstance(e, sp.MatrixExpr) and e.func in _FUNCS:
            return np.vectorize(_FUNCS[e.func])(self.matrix(e.args[0], env, mats))
        return self.value(e, env, {})


_RELS = {"<=": lambda a, b: a <= b, "<": lambda a, b: a < b, ">=": lambda a, b: a >= b,
         ">": lambda a, b: a > b, "==": lambda a, b: a == b}
_FUNCS = {sp.tanh: math.tanh, sp.exp: math.exp, sp.log: math.log, sp.sqrt: math.sqrt,
          sp.Abs: abs, sp.sinh: math.sinh, sp.cosh: math.cosh, sp.erf: math.erf}


def check(claim, inst: Instance, values: dict) -> list[str]:
    """The ways ``claim`` fails on ``inst`` (empty when every form holds)."""
    ev = Evaluator(inst, values)
    ref = np.asarray(inst.fetch(claim.reference), dtype=float)
    scale = max(1.0, float(np.max(np.abs(ref)))) if ref.size else 1.0
    bad = []
    only = None
    if ref.size > SAMPLE:   # a large claim is checked at a fixed random sample of its entries
        cells = list(np.ndindex(*ref.shape))
        only = random.Random(0).sample(cells, SAMPLE)
    for n, form in enumerate(claim.forms):
        got = ev.table(form, claim.free, claim.ranges, claim.tensors, only)
        seen = ~np.isnan(got)
        if got.shape != ref.shape or not np.allclose(got[seen], ref[seen], rtol=RTOL, atol=ATOL * scale):
            bad.append(f"{claim.what}: index form {n + 1}")
    if claim.matrix is not None:
        each = list(claim.each)
        spans = [range(ev.size(claim.ranges[i][0]), ev.size(claim.ranges[i][1]) + 1) for i in each]
        for combo in (np.ndindex(*[len(s) for s in spans]) if each else [()]):
            env = {i: s[c] for i, s, c in zip(each, spans, combo)}
            sel = tuple(env[i] - 1 if i in env else slice(None) for i in claim.free)
            want = ref[sel]
            got = np.asarray(ev.matrix(claim.matrix, env, claim.matrices), dtype=float)
            if got.size != want.size or not np.allclose(got.reshape(want.shape), want, rtol=RTOL,
                                                         atol=ATOL * scale):
                bad.append(f"{claim.what}: matrix form" + (f" at {env}" if env else ""))
                break
    return bad
