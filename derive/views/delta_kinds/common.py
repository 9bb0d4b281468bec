"""What every layer kind's index-level derivation shares: tensors (a named
quantity with its symbolic sizes, its printed shape and where its numbers
come from), claims (a derived result and what it must equal), the flow of
the upstream gradient between layers, and display helpers.

Sizes are SymPy symbols (m, n₂, C₁, H₁, T, ...), so a derivation costs the
same at any width; the concrete shapes are only printed.  ``Tensor.source``
names the numbers of a small instance (``check.py`` reads them from the
scalar graph), which is how every claim is proved.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ...index_algebra import Iverson
from ...model import Notation
from .dense import INV_M, J, M, width  # noqa: F401  (shared symbols: the kinds import them from here)

SUP = str.maketrans("0123456789l-+", "⁰¹²³⁴⁵⁶⁷⁸⁹ˡ⁻⁺")
SUB = str.maketrans("0123456789l-+", "₀₁₂₃₄₅₆₇₈₉ₗ₋₊")


def sup(tag) -> str:
    """'⁽²⁾': the layer tag of a quantity."""
    return "⁽" + str(tag).translate(SUP) + "⁾"


def size(letter: str, tag="") -> sp.Symbol:
    """A size as a positive integer symbol: C₁, H₀, T."""
    return sp.Symbol(letter + str(tag).translate(SUB), integer=True, positive=True)


EPS = sp.Symbol("ε", positive=True)
LAMBDA = sp.Symbol("λ", positive=True)
P_DROP = sp.Symbol("p", positive=True)


@dataclass(eq=False)
class Tensor:
    """A quantity of the derivation: elements ``base[r, ...]`` and the whole
    array ``matrix`` (a MatrixSymbol for display and matrix forms).

    ``dims``: symbolic sizes, the batch axis first when it has one;
    ``shape``: as printed ('m', 8); ``source``: where check.py finds its
    numbers; ``zero_outside``: read as 0 past its ranges (zero padding,
    h₀ = 0), as the text says."""
    base: sp.IndexedBase
    matrix: sp.MatrixSymbol
    dims: tuple
    shape: tuple
    source: tuple
    meaning: str = ""
    zero_outside: bool = False
    grad: tuple | None = None    # (element name, array name, source) of its gradient, when not dQ

    def __getitem__(self, idx):
        return self.base[idx]

    @property
    def name(self) -> str:
        return self.matrix.name


def tensor(elem: str, whole: str, dims, shape, source, meaning: str = "", zero_outside=False) -> Tensor:
    dims = tuple(dims)
    cols = sp.Mul(*dims[1:]) if len(dims) > 1 else sp.S.One
    return Tensor(sp.IndexedBase(sp.Symbol(elem)), sp.MatrixSymbol(whole, dims[0], cols), dims,
                  tuple(shape), source, meaning, zero_outside)


@dataclass
class Claim:
    """A derived result: each of ``forms`` (index expressions in ``free``)
    and ``matrix`` (a matrix expression, when there is one) equals the
    numbers ``reference`` names.  ``tensors`` bind the bases inside;
    ``matrices`` bind matrix symbols to (tensor, a time index or None: one
    step of a sequence)."""
    what: str
    free: tuple
    ranges: dict
    forms: list
    reference: tuple
    tensors: list
    matrix: sp.Expr | None = None
    matrices: dict = field(default_factory=dict)
    each: tuple = ()   # indices the matrix form depends on (a time step t)
    values: dict = field(default_factory=dict)   # sizes and constants of the instance


@dataclass
class Flow:
    """The gradient entering a layer from above: ``grad`` = ∂L/∂(its output).
    ``formed``: how the layer above formed it (Δ⁽³⁾ W⁽³⁾), for BP2;
    ``delta``: set when BP1 already gave this layer's error Δ."""
    grad: Tensor
    formed: sp.Expr | None = None
    delta: Tensor | None = None
    shown: bool = True    # False: the layer above left it to this layer to print
    note: str = ""        # the shapes of ``formed``
    lead: list = field(default_factory=list)   # nodes that open the receiving layer's section (BP1)


@dataclass
class Context:
    net: object
    t: object
    scale: sp.Expr
    wanted: dict | None          # layer -> parameter keys; None: every parameter
    values: dict = field(default_factory=dict)   # symbol -> number of the instance (sizes, p, ε, λ)
    claims: list = field(default_factory=list)

    def needs_down(self, below) -> bool:
        """Whether a layer shows the gradient it sends down: always when a layer
        below needs it, and as part of its own lesson unless --param asked for
        the parameters of this layer or above only."""
        return below is not None or self.wanted is None

    def want(self, key: str) -> bool:
        if self.wanted is None:
            return True
        l = int(key.lstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        return key in self.wanted.get(l, set())

    def claim(self, c: Claim) -> Claim:
        self.claims.append(c)
        return c


def shape_text(shape) -> str:
    return "(" + "×".join(str(d) for d in shape) + ")"


def arrow(*shapes, result) -> str:
    """'(m×3)(3×4) → (m×4)'."""
    return "".join(shape_text(s) for s in shapes) + " → " + shape_text(result)


# -------------------------------------------------------------- display --

def display(expr):
    """An expression as displayed: 1/m as the factor (1/m), products in
    reading order (numbers, upstream gradients, sums, the rest, brackets),
    index sums inside brackets with the running index first."""
    expr = sp.sympify(expr)
    if expr == 1 / M:
        return INV_M
    if not expr.args or isinstance(expr, (sp.MatrixSymbol, sp.IndexedBase, Notation)):
        return expr
    if isinstance(expr, sp.Indexed):
        return sp.Indexed(expr.base, *[_index_order(display(i)) for i in expr.indices])
    if isinstance(expr, Iverson):
        return Iverson(_index_order(display(expr.e)), expr.lo, expr.hi)
    if isinstance(expr, sp.KroneckerDelta):   # [s = T]: the running index first
        args = sorted(expr.args, key=lambda a: (not (a.is_Symbol and str(a)[:1].islower()), str(a)))
        return sp.KroneckerDelta(*[_index_order(display(a)) for a in args], evaluate=False)
    if isinstance(expr, sp.Sum) and expr.function == 0:
        return sp.S.Zero
    if expr.is_Mul and 1 / M in expr.args:   # 2·(1/m) reads as (2/m)
        coeff = [a for a in expr.args if a.is_Number and a != 1]
        if coeff:
            c = coeff[0]
            rest = [a for a in expr.args if a is not c and a != 1 / M]
            frac = Notation(f"({c}/m)", r"\frac{%s}{m}" % sp.latex(c))
            return sp.Mul(frac, *sorted([display(a) for a in rest], key=_reading_order), evaluate=False)
    args = [display(a) for a in expr.args]
    if isinstance(expr, (sp.MatAdd, sp.MatMul, sp.HadamardProduct)):
        return sp.Basic.__new__(type(expr), *args)
    if expr.is_Mul:
        return sp.Mul(*sorted(args, key=_reading_order), evaluate=False)
    if expr.is_Add:
        return sp.Add(*args, evaluate=False)
    return expr.func(*args)


def _index_order(e):
    """h + P - S·(i - 1): single-letter indices first, then the rest, minus last."""
    if not isinstance(e, sp.Add):
        return e
    def key(term):
        name = str(term)
        letter = term.is_Symbol and name[:1].islower() and len(name.rstrip("′")) == 1
        kind = 0 if letter else 2 if term.is_Number else 1
        return (term.could_extract_minus_sign(), kind, name)
    return sp.Add(*sorted(e.args, key=key), evaluate=False)


def _reading_order(f) -> float:
    if isinstance(f, (Iverson, sp.KroneckerDelta)):
        return 6
    if not f.has(sp.Indexed, sp.MatrixExpr):
        return 0
    if isinstance(f, sp.Indexed):
        name = str(f.base)
        if name.startswith(("δ", "d", "Δ")):
            return 1
        return 2
    if isinstance(f, sp.Sum):
        return 3
    return 4 if not f.is_Add else 3.5


# ---------------------------------------------------------------- stages --

def dims_of(shape, tag) -> tuple:
    """Symbolic sizes of a batch of ``shape``, the quantity of layer ``tag``:
    (m, nₗ), (m, T, F) or (m, Cₗ, Hₗ, Wₗ)."""
    if len(shape) == 1:
        return (M, width(str(tag)))
    if len(shape) == 2:
        return (M, size("T"), size("F"))
    return (M, size("C", tag), size("H", tag), size("W", tag))


def record(ctx: Context, dims, shape) -> None:
    """The instance's value of each size symbol (check.py reads them)."""
    for d, n in zip(dims[1:], shape):
        if isinstance(d, sp.Symbol):
            ctx.values[d] = n


def output_tensor(l: int, shape, source, last: bool, meaning: str, ctx: Context) -> Tensor:
    dims = dims_of(shape, l)
    record(ctx, dims, shape)
    if last:
        return tensor("ŷ", "Ŷ", dims, ("m", *shape), source, meaning)
    return tensor("a" + sup(l), "A" + sup(l), dims, ("m", *shape), source, meaning)


def grad_of(tn: Tensor, meaning: str = "") -> Tensor:
    """dQ = ∂L/∂Q for the quantity Q: same indices, numbers from the graph's adjoints."""
    if tn.grad is not None:
        elem, whole, source = tn.grad
        return tensor(elem, whole, tn.dims, tn.shape, source, meaning)
    elem = str(tn.base.label)
    return tensor("d" + elem, "d" + tn.name, tn.dims, tn.shape, ("adj", tn.source), meaning)


class Stage:
    """One layer of the walk from the output down.  ``inp`` is its input
    tensor (the output of the layer below, or X); ``out`` its output."""
    kind = ""

    def __init__(self, layer, inp: Tensor, in_shape, ctx: Context, last: bool = False):
        self.layer, self.l, self.inp, self.in_shape, self.last = layer, layer.l, inp, tuple(in_shape), last
        self.out_shape = tuple(layer.out_shape(self.in_shape))
        self.values: dict = {}     # constants of this layer (K, S, P, p, ε) -> the instance's numbers

    def keys(self) -> list[str]:
        return []

    def numbered(self) -> list["Stage"]:
        return [self]

    def rows(self, t) -> list:
        """Rows of the shapes table: [symbol, Shape, meaning]."""
        return []

    def title(self, t) -> str:
        raise NotImplementedError

    def backward(self, ctx: Context, up: Flow, below) -> tuple[list, Flow | None]:
        """This layer's sections, and the gradient it sends down (None when
        nothing below needs one)."""
        raise NotImplementedError

    def label_down(self) -> str:
        """The label of the gradient sent down: dA2, or dX below the first layer (ASCII, for LaTeX tags)."""
        return "dX" if self.inp.name == "X" else f"dA{self.l - 1}"

    def claim(self, ctx: Context, what, free, ranges, forms, reference, tensors, **kw) -> Claim:
        c = Claim(what, tuple(free), dict(ranges), list(forms), reference, list(tensors), **kw)
        c.values = {**ctx.values, **self.values}
        return ctx.claim(c)


def formula(expr, free, ranges: dict, tensors, values: dict) -> tuple:
    """The source of a quantity known by its derived formula (hashable)."""
    return ("formula", expr, tuple(free), tuple(ranges.items()), tuple(tensors), tuple(values.items()))


def marked(name: str, mark: str) -> str:
    """'δ⁽¹⁾' with a combining mark on its letter: 'δ̄⁽¹⁾'."""
    return name[:1] + mark + name[1:]
