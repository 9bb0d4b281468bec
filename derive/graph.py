"""The symbolic network, scalar by scalar, and the chain rule over it.

``Graph(net)`` asks each layer to write its forward definitions for one
example (or, with ``rows``, for each row of a batch: batch norm couples the
rows, so its networks are always built over a batch):

    z1_2 = w1_2_1*x1 + w1_2_2*x2 + b1_2        a1_2 = sigmoid(z1_2)     ...

Then one reverse walk over the definitions, latest first, gives every
adjoint as a sum over the consumers of a quantity: upstream adjoint times
the local derivative of that one consumer's definition (sympy.diff, or the
rules card's taught form of f').  Quantities a layer names (the z's of a
dense layer, batch norm's x-hat, mu and sigma^2) get a delta of their own,
computed once and reused; the others are inlined into their consumers'
deltas.  This is backprop exactly as taught, for any layer kind, with
nothing per kind but the forward definitions.

Nothing differentiates the whole J: that is the naive route, kept for
``verify`` and the benchmark.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from . import names
from .layers import Dropout
from .names import Scheme
from .rules import ACTIVATIONS, LOSSES, fprime, output_delta, softmax, softmax_jacobian

GRAPH_LIMIT = 40_000   # terms in the forward definitions; past this the scalar graph is not built


class Partial(sp.Expr):
    """The partial derivative d(num)/d(den) as notation, never evaluated."""
    is_commutative = True

    def __new__(cls, num, den):
        return sp.Expr.__new__(cls, sp.sympify(num), sp.sympify(den))

    @property
    def num(self):
        return self.args[0]

    @property
    def den(self):
        return self.args[1]

    def _eval_derivative(self, s):
        return sp.S.Zero


@dataclass
class Definition:
    """One forward quantity: ``symbol = expr``.  ``act`` is set when expr is
    an activation applied to ``of`` (so f' comes from the rules card);
    ``named``: it gets a delta of its own in the backward pass."""
    symbol: sp.Symbol
    expr: sp.Expr
    layer: int
    role: str
    row: int | None
    act: tuple | None = None        # (Act, the z symbol, softmax siblings or None)
    named: bool = False
    idx: tuple = ()                 # 0-based index within the layer's quantity
    window: tuple | None = None     # max pooling: the inputs in window order


@dataclass
class Adjoint:
    """delta of one named quantity: ``symbol = expr``, with the chain-rule
    form ``chain`` (Partials) and ``local`` (upstream times local factors)."""
    symbol: sp.Symbol
    of: sp.Symbol
    expr: sp.Expr
    chain: sp.Expr
    layer: int
    role: str
    row: int | None
    output: bool = False            # BP1: computed from the (activation, loss) pair
    taught: sp.Expr | None = None   # the classroom form (yhat - y), when it differs
    product: sp.Expr | None = None  # upstream times local, before BP1's pair formula replaces it


@dataclass
class Gradient:
    """dJ/dparam = scale * sum over the consumers c: delta(c) * dc/dparam."""
    param: sp.Symbol
    key: str                  # W1, b1, gamma2 ...
    index: tuple
    layer: int
    expr: sp.Expr             # in deltas and forward quantities
    terms: list               # [(handle, local)] per consumer: handle is a delta symbol or expression
    l2: sp.Expr = sp.S.Zero


class Builder:
    """What a layer's ``scalar`` method writes its definitions into."""

    def __init__(self, graph: "Graph"):
        self.g = graph

    @property
    def rows(self):
        return self.g.rows

    def param(self, key: str, idx: tuple) -> sp.Symbol:
        m = key.rstrip("0123456789")
        l = key[len(m):]
        return names.sym(f"{m.lower()}{l}_" + "_".join(str(i + 1) for i in idx))

    def define(self, prefix: str, layer: int, idx: tuple, row, expr, role: str | None = None,
               act=None, named: bool = False, window: tuple | None = None) -> sp.Symbol:
        name = names.plain(prefix, layer, *[i + 1 for i in idx], row=row)
        s = names.sym(name)
        if s in self.g.by_symbol_so_far:   # two quantities under one plain name would be silently merged
            raise RuntimeError(f"two quantities are both named {name}")
        self.g.by_symbol_so_far.add(s)
        self.g._record(prefix, layer, len(idx))
        self.g.forward.append(Definition(s, expr, layer, role or prefix, row, act, named, idx, window))
        return s

    def weighted_sum(self, pairs, bias=None) -> sp.Expr:
        """bias + sum of w*x, equal to SymPy's own sp.Add(*[w*x ...]) + bias but
        built in canonical order directly: a wide layer makes thousands of
        these, and SymPy's general flatten was most of a wide derive's time."""
        terms = []
        for w, x in pairs:
            if not (isinstance(w, sp.Symbol) and isinstance(x, sp.Symbol) and w != x):
                return _slow_sum(pairs, bias)
            terms.append(sp.Mul._from_args((w, x) if sp.Basic.compare(w, x) < 0 else (x, w)))
        if bias is not None:
            if not isinstance(bias, sp.Symbol):
                return _slow_sum(pairs, bias)
            terms.append(bias)
        if len(set(terms)) != len(terms) or len(terms) < 2:
            return _slow_sum(pairs, bias)
        return sp.Add._from_args(sorted(terms, key=_COMPARE))

    def mask(self, layer: int, idx: tuple, r: int):
        """Dropout's keep-mask entry: the example's number when the graph has
        masks, else a symbol the derivation treats as a given constant."""
        if self.g.masks is not None:
            flat = int(np.ravel_multi_index(idx, self.g.mask_shapes[layer])) if idx else 0
            return sp.Integer(int(self.g.masks[f"M{layer}"][r][flat]))
        row = self.rows[r]
        self.g._record("m", layer, len(idx))
        s = names.sym(names.plain("m", layer, *[i + 1 for i in idx], row=row))
        self.g.constants.append(s)
        return s

    def activate(self, l: int, z: np.ndarray, act, prefix: str = "a") -> np.ndarray:
        """a = f(z) for every row and entry of z (array of symbols, rows first)."""
        out = np.empty(z.shape, dtype=object)
        card = ACTIVATIONS[act.name]
        for r, row in enumerate(self.rows):
            if card.elementwise:
                f = card.expr(act.alpha)
                for idx in np.ndindex(z.shape[1:]):
                    zs = z[(r, *idx)]
                    out[(r, *idx)] = self.define(prefix, l, idx, row, f.subs(_Z, zs), prefix,
                                                 act=(act, zs, None))
            else:
                zs = list(z[r])
                for j, e in enumerate(softmax(zs)):
                    out[r, j] = self.define(prefix, l, (j,), row, e, prefix, act=(act, zs[j], zs))
        return out


_Z = sp.Symbol("z", real=True)


class Graph:
    """The scalar network and its backward pass.  ``rows`` are the batch's row
    tags: [None] for one example (names carry no row), else 1..m."""

    def __init__(self, net, rows: list | None = None, masks: dict | None = None):
        self.net = net
        if rows is None:
            rows = list(range(1, 3)) if couples_rows(net) else [None]
        self.rows = rows
        self.m = len(rows)
        self.masks = masks   # dropout keep-masks {M{l}: rows of numbers}, or None for symbols
        self.mask_shapes = {layer.l: shape for layer, shape in zip(net.numbered, net.shapes())
                            if isinstance(layer, Dropout)}
        self.forward: list[Definition] = []
        self.by_symbol_so_far: set = set()
        self.constants: list[sp.Symbol] = []
        self._counts: dict = {}
        self._linear: dict = {}   # definition symbol -> linear_table of its expression
        self._build()
        self._prepare()

    # ------------------------------------------------------------ forward --
    def _record(self, prefix, layer, n):
        self._counts[(prefix, layer)] = n

    def _build(self):
        net, b = self.net, Builder(self)
        shape = net.input
        x = np.empty((self.m, *shape), dtype=object)
        for r, row in enumerate(self.rows):
            for idx in np.ndindex(shape):
                x[(r, *idx)] = names.sym(names.plain("x", *[i + 1 for i in idx], row=row))
        self.inputs = x
        out = x
        for layer in net.layers:
            out = layer.scalar(b, out)
        self.outputs = out   # (m, n_L): the yhat symbols
        nL = out.shape[1]
        self.targets = np.array([[names.sym(names.plain("y", k + 1, row=row)) for k in range(nL)]
                                 for row in self.rows], dtype=object)
        loss = LOSSES[net.loss]
        self.loss_rows = [loss.per_example(list(out[r]), list(self.targets[r])) for r in range(self.m)]
        self.scale = sp.Integer(1) if net.reduction == "sum" else sp.Rational(1, self.m)
        self.l2 = self._l2()
        self.loss = self.scale * sp.Add(*self.loss_rows) + self.l2
        self.params = {p: names.sym(p) for p in net.param_names()}
        self.by_symbol = {d.symbol: d for d in self.forward}

    def _l2(self) -> sp.Expr:
        lam = self.net.l2
        if lam is None:
            return sp.S.Zero
        weights = [names.sym(p) for p in self.net.param_names() if is_weight(p)]
        return sp.Rational(lam.numerator, lam.denominator) / 2 * sp.Add(*[w ** 2 for w in weights])

    # ----------------------------------------------------------- backward --
    # The backward pass is computed on demand: a wide network's text view shows
    # a few deltas and gradients, and building every one would cost most of
    # the command (issue #9: derive stays flat in width).  ``adjoints``,
    # ``gradients`` and ``handle`` force the whole pass; ``adjoint``,
    # ``gradient`` and ``reaches`` compute only what they need.
    def _prepare(self):
        consumers: dict[sp.Symbol, list[Definition]] = {}
        for d in self.forward:
            for s in symbols_of(d.expr):
                consumers.setdefault(s, []).append(d)
        self.consumers = consumers
        self._outputs = {s: r for r in range(self.m) for s in self.outputs[r]}
        self._position = {d.symbol: i for i, d in enumerate(self.forward)}
        reach = set()
        for d in reversed(self.forward):
            s = d.symbol
            if s in self._outputs or any(c.symbol in reach for c in consumers.get(s, [])):
                reach.add(s)
                if d.named:   # the delta's name is known now, so the scheme prints it
                    self._record(delta_prefix(d.role), d.layer, len(d.idx))
        self._reach = reach   # quantities that feed J (a dropped unit does not)
        self._od = self._output_delta()
        self._entries: dict = {}   # symbol -> (handle, chain handle, Adjoint or None)
        self._gradients: dict = {}
        self._complete = False

    def reaches(self, s: sp.Symbol) -> bool:
        """Whether quantity ``s`` feeds the loss (it has a delta)."""
        return s in self._reach

    def _delta_symbol(self, d: Definition) -> sp.Symbol:
        return names.sym(names.plain(delta_prefix(d.role), d.layer, *[i + 1 for i in d.idx], row=d.row))

    def _handles(self, s: sp.Symbol):
        """How the adjoint of ``s`` is referred to downstream: its delta symbol
        when it is named, else its expression (computed here)."""
        d = self.by_symbol[s]
        if d.named:
            delta = self._delta_symbol(d)
            return delta, delta
        handle, chain, _ = self._entry(s)
        return handle, chain

    def _entry(self, s: sp.Symbol):
        if s in self._entries:
            return self._entries[s]
        # the unnamed quantities downstream of s are needed first, latest first
        need, todo = set(), [s]
        while todo:
            x = todo.pop()
            if x in need or x in self._entries:
                continue
            need.add(x)
            todo += [c.symbol for c in self.consumers.get(x, [])
                     if c.symbol in self._reach and not c.named and c.symbol not in self._entries]
        for x in sorted(need, key=self._position.__getitem__, reverse=True):
            self._entries[x] = self._compute(x)
        return self._entries[s]

    def _compute(self, s: sp.Symbol):
        d = self.by_symbol[s]
        if s in self._outputs:   # dl/dyhat, from the loss
            expr = sp.diff(self.loss_rows[self._outputs[s]], s)
            chain = Partial(sp.Symbol("J"), s)
        else:
            terms, chains = [], []
            for c in self.consumers.get(s, []):
                if c.symbol not in self._reach:
                    continue  # feeds nothing that reaches J (a dropped unit)
                handle, chain_handle = self._handles(c.symbol)
                terms.append(_times(handle, self.local(c, s)))
                chains.append(_times(chain_handle, Partial(c.symbol, s)))
            expr, chain = sp.Add(*terms), sp.Add(*chains, evaluate=False) if len(chains) > 1 else chains[0]
        if not d.named:
            return expr, chain, None
        delta = self._delta_symbol(d)
        od = self._od
        taught, product = None, expr
        if od is not None and s in od:
            expr, taught = od[s]
        adjoint = Adjoint(delta, s, expr, chain, d.layer, d.role, d.row, output=od is not None and s in od,
                          taught=taught, product=product)
        return delta, delta, adjoint

    def adjoint(self, s: sp.Symbol) -> Adjoint:
        """The delta of named quantity ``s`` (which must reach J)."""
        return self._entry(s)[2]

    def gradient(self, p: str) -> Gradient:
        """dJ/d(parameter ``p``), from the deltas of the quantities it feeds."""
        if p in self._gradients:
            return self._gradients[p]
        ps = self.params[p]
        key, idx = names.locate(p, self.net.param_shapes())
        terms = [(self._handles(c.symbol)[0], self.local(c, ps))
                 for c in self.consumers.get(ps, []) if c.symbol in self._reach]
        l2 = sp.diff(self.l2, ps)
        expr = self.scale * sp.Add(*[_times(h, loc) for h, loc in terms]) + l2
        layer = int(key.lstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        self._gradients[p] = Gradient(ps, key, idx, layer, expr, terms, l2)
        return self._gradients[p]

    def _force(self):
        if self._complete:
            return
        for d in reversed(self.forward):
            if d.symbol in self._reach:
                self._entry(d.symbol)
        for p in self.params:
            self.gradient(p)
        self._complete = True

    @property
    def adjoints(self) -> list[Adjoint]:
        """Every delta, in backward order (the forward order reversed)."""
        self._force()
        return [self._entries[d.symbol][2] for d in reversed(self.forward)
                if d.named and d.symbol in self._reach]

    @property
    def handle(self) -> dict:
        """{quantity: how its adjoint is referred to} for everything that reaches J."""
        self._force()
        return {s: e[0] for s, e in self._entries.items()}

    @property
    def gradients(self) -> dict[str, Gradient]:
        self._force()
        return {p: self._gradients[p] for p in self.params}

    def _output_delta(self):
        """BP1 at the output's named pre-activations, from the (activation, loss) pair:
        {z symbol: (exact form in yhat and y, taught form)}."""
        net = self.net
        last = net.layers[-1]
        act = last.act
        zs = {}
        for d in self.forward:
            if d.act is not None and d.symbol in set(self.outputs.flat):
                zs[d.symbol] = d.act[1]
        if act is None or not zs:
            return None
        n = self.outputs.shape[1]
        pair = output_delta(act.name, net.loss, n, act.alpha)
        out = {}
        for r in range(self.m):
            back = {**{h: self.outputs[r, k] for k, h in enumerate(pair.yhats)},
                    **{t: self.targets[r, k] for k, t in enumerate(pair.ys)},
                    **{zz: zs[self.outputs[r, k]] for k, zz in enumerate(pair.zs)}}
            for k in range(n):
                z = zs[self.outputs[r, k]]
                exact = pair.in_yhat[k].xreplace(back)
                taught = pair.taught[k].xreplace(back)
                out[z] = (exact, None if taught == exact else taught)
        self.output_assumes = pair.assumes
        return out

    # ---------------------------------------------------------- locals --
    def local(self, c: Definition, s: sp.Symbol) -> sp.Expr:
        """d c / d s from c's own definition: the rules card's f' for an
        activation (in the output a where that is how it is taught), else
        sympy.diff of the one definition."""
        if c.window is not None:   # max pooling: 1 for the first maximum of the window
            k = c.window.index(s)
            conds = [s > w for w in c.window[:k]] + [s >= w for w in c.window[k + 1:]]
            return sp.Piecewise((1, sp.And(*conds)), (0, True)) if conds else sp.Integer(1)
        if c.act is not None:
            act, z, siblings = c.act
            if siblings is not None:   # softmax: the Jacobian, in the outputs
                j = siblings.index(z)
                k = siblings.index(s)
                n = len(siblings)
                outs = [self._output_of(zz) for zz in siblings]
                jac = softmax_jacobian(n, j + 1, k + 1)
                return jac.xreplace({sp.Symbol(f"a_{i + 1}", real=True): outs[i] for i in range(n)})
            if s == z:
                fp = fprime(act.name, act.alpha)
                return fp.at(z, c.symbol)
        table = self._linear.get(c.symbol, False)
        if table is False:   # a wide z meets one diff per input: read all its coefficients once
            table = self._linear[c.symbol] = linear_table(c.expr)
        if table is not None:
            return table.get(s, sp.Integer(0))
        return linear_diff(c.expr, s)

    def _output_of(self, z: sp.Symbol) -> sp.Symbol:
        for c in self.consumers.get(z, []):
            if c.act is not None and c.act[1] == z:
                return c.symbol
        raise KeyError(z)

    def teaching_order(self, keep=None) -> list[Adjoint]:
        """The deltas as they are taught: output layer first, and inside a layer
        in the order of its neurons (time runs backwards in a recurrent layer).
        ``keep(definition)`` picks some: only those are computed."""
        by_layer: dict[int, list[Definition]] = {}
        for d in reversed(self.forward):
            if d.named and d.symbol in self._reach:
                by_layer.setdefault(d.layer, []).append(d)
        out = []
        for layer in sorted(by_layer, reverse=True):
            group = by_layer[layer]
            if self.net.layer(layer).kind != "recurrent":
                group = sorted(group, key=lambda d: self._position[d.symbol])
            out += [self.adjoint(d.symbol) for d in group if keep is None or keep(d)]
        return out

    # ------------------------------------------------------- utilities --
    def definitions(self) -> list[tuple[sp.Symbol, sp.Expr]]:
        return [(d.symbol, d.expr) for d in self.forward] + [(a.symbol, a.expr) for a in self.adjoints]

    def expand(self, expr: sp.Expr) -> sp.Expr:
        """Substitute the definitions (latest first) to reach base variables."""
        for s, e in reversed(self.definitions()):
            if expr.has(s):
                expr = expr.xreplace({s: e})
        return expr

    def base_symbols(self) -> list[sp.Symbol]:
        return list(self.inputs.flat) + list(self.targets.flat) + list(self.params.values()) + self.constants

    def scheme(self) -> Scheme:
        if getattr(self, "_scheme", None) is None:
            self._scheme = scheme_for(self.net, self._counts, self.output_layer, self.rows != [None])
        return self._scheme

    @property
    def output_layer(self) -> int | None:
        """The layer whose a's are yhat (printed as ŷ), if the outputs are a's."""
        first = self.outputs.flat[0]
        d = self.by_symbol.get(first)
        return d.layer if d is not None and d.role == "a" else None


def scheme_for(net, counts: dict | None = None, L: int | None = None, batch: bool | None = None) -> Scheme:
    """How the plain names of ``net`` print: parameter arrays and the graph's
    quantities, each with its number of indices.  Parameter arrays and batch
    norm's statistics never carry a row."""
    counts, params = dict(counts or {}), set()
    for key, shape in net.param_shapes().items():
        prefix = key.rstrip("0123456789")
        counts[(prefix.lower(), int(key[len(prefix):]))] = len(shape)
        params.add((prefix.lower(), int(key[len(prefix):])))
    for layer in net.numbered:   # batch norm's statistics belong to the whole batch: no row either
        if layer.kind == "bn":
            params |= {(prefix, layer.l) for prefix in ("mu", "var", "dmu", "dvar")}
    return Scheme(counts=counts, inputs=len(net.input), targets=1, L=L, batch=batch, params=frozenset(params))


def symbols_of(expr) -> set:
    """The symbols in ``expr``, by a plain walk (free_symbols is slow on the
    many small sums of a wide layer)."""
    out, todo = set(), [expr]
    while todo:
        e = todo.pop()
        if isinstance(e, sp.Symbol):
            out.add(e)
        elif e.args:
            todo.extend(e.args)
    return out


def linear_diff(expr, s):
    """sympy.diff, with the fast path backprop meets most: a sum of products
    of plain symbols and numbers (a dense or conv z), where the derivative is
    the other factors of the one term that holds s."""
    if expr == s:
        return sp.Integer(1)
    if isinstance(expr, sp.Add):
        terms = []
        for term in expr.args:
            if term.is_Symbol or term.is_Number:
                if term == s:
                    terms.append(sp.Integer(1))
            elif isinstance(term, sp.Mul) and all(f.is_Symbol or f.is_Number for f in term.args):
                if s in term.args:
                    rest = list(term.args)
                    rest.remove(s)
                    if s in rest:
                        return sp.diff(expr, s)
                    terms.append(sp.Mul(*rest))
            else:
                return sp.diff(expr, s)
        return sp.Add(*terms)
    return sp.diff(expr, s)


_COMPARE = functools.cmp_to_key(sp.Basic.compare)


def _slow_sum(pairs, bias):
    e = sp.Add(*[w * x for w, x in pairs])
    return e + bias if bias is not None else e


def linear_table(expr) -> dict | None:
    """{s: d expr / d s} for every symbol of a sum of products of distinct plain
    symbols and numbers (what linear_diff's fast path handles, all at once), or
    None when some symbol appears twice or a term is anything else."""
    out = {}
    for term in (expr.args if isinstance(expr, sp.Add) else (expr,)):
        if term.is_Number:
            continue
        if term.is_Symbol:
            factors = (term,)
        elif isinstance(term, sp.Mul) and all(f.is_Symbol or f.is_Number for f in term.args):
            factors = term.args
        else:
            return None
        syms = [f for f in factors if f.is_Symbol]
        if len(set(syms)) != len(syms) or any(x in out for x in syms):
            return None
        for x in syms:
            rest = list(factors)
            rest.remove(x)
            out[x] = sp.Mul(*rest)
    return out


def _times(upstream, local):
    """upstream * local, kept as a product in that order (1 dropped)."""
    if local == 1:
        return upstream
    if upstream == 1:
        return local
    return sp.Mul(upstream, local, evaluate=False)


def delta_prefix(role: str) -> str:
    """The delta of z is d (Nielsen's delta); others are d + the quantity."""
    return "d" if role == "z" else "d" + role


def is_weight(plain: str) -> bool:
    """Weights carry the L2 penalty: W, Wx, Wh; not biases, gamma or beta."""
    prefix = plain.rstrip("0123456789_")
    return prefix.split("_")[0].rstrip("0123456789") in ("w", "wx", "wh")


def couples_rows(net) -> bool:
    """Batch norm mixes the examples of a batch: its network is built over rows."""
    return any(layer.kind == "bn" for layer in net.numbered)


def graph_cost(net, rows: int = 1) -> int:
    """Terms the forward definitions would hold: the size of the scalar graph."""
    total, shapes = 0, net.shapes()
    for layer, shape in zip(net.numbered, shapes):
        total += layer.scalar_cost(shape)
    return total * rows


def can_build(net, rows: int = 1) -> bool:
    return graph_cost(net, rows) <= GRAPH_LIMIT
