"""The delta view of a dense network: BP1-BP4 derived at index level, for any width.

Nothing here types an equation.  Each layer's forward definition is written
with SymPy ``IndexedBase``/``Idx`` over symbolic widths (n_l, m); ``sympy.diff``
of it with respect to one element gives KroneckerDelta terms; ``Sum.doit``
collapses them (``index_algebra.collapse`` drops the out-of-range branch of
the Piecewise it returns after checking that its condition is exactly the
index range); and a small recogniser reads the remaining index sums as
matrix products (``index_algebra.as_matrix``):

    sum_r X[r,p] Y[r,q]  ->  (X^T Y)[p,q]        (rows contracted: a transpose)
    sum_j X[r,j] Y[j,q]  ->  (X Y)[r,q]
    sum_r X[r,p]         ->  (X^T 1_m)[p]

Elementwise factors (f'(Z) from the rules card, BP1's dl/dyhat) become
Hadamard products.  Widths stay symbolic, so a 784-128-10 network costs the
same as a 2-3-1 one; the concrete shapes are only printed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.simplify.simplify import factor_sum

from ...index_algebra import as_hadamard, as_matrix, collapse, strip_coeff
from ...model import Equations, Math, Notation, Partial, Section, Shape, Table, Text
from ...rules import ACTIVATIONS, LOSSES, fprime as rule_fprime, tidy_sign as _tidy, z as Z_SYM

M = sp.Symbol("m", integer=True, positive=True)
INV_M = Notation("(1/m)", r"\frac{1}{m}")
J = sp.Symbol("J")

_SUP = str.maketrans("0123456789l-+", "⁰¹²³⁴⁵⁶⁷⁸⁹ˡ⁻⁺")
_SUB = str.maketrans("0123456789l-+", "₀₁₂₃₄₅₆₇₈₉ₗ₋₊")


def _sym(text: str, latex: str, **assumptions) -> sp.Symbol:
    """A symbol named in Unicode; the LaTeX printers transliterate the name
    (``latex`` documents the intended form)."""
    return sp.Symbol(text, **assumptions)


def width(tag: str) -> sp.Symbol:
    """n_l as a positive integer symbol: 'n₂' or 'nₗ₋₁'."""
    return _sym("n" + tag.translate(_SUB), "n_{%s}" % tag, integer=True, positive=True)


@dataclass
class Quantity:
    """One quantity of a layer: its elements (IndexedBase) and its matrix."""
    base: sp.IndexedBase
    matrix: sp.MatrixSymbol


def _quantity(elem: tuple[str, str], mat: tuple[str, str], rows, cols) -> Quantity:
    base = sp.IndexedBase(_sym(*elem))
    return Quantity(base, sp.MatrixSymbol(mat[0], rows, cols))


class LayerSymbols:
    """Symbols of layer ``tag`` ('2', 'l', 'l-1'): widths, z, a, W, b, delta.

    ``n``/``n_prev`` are the symbolic widths used in index ranges;
    ``shape``/``shape_prev`` the numbers printed in shapes (may be symbolic
    for the general layer l)."""

    def __init__(self, tag: str, prev: str, n, n_prev, *, first=False, last=False):
        sup, psup = "⁽" + tag.translate(_SUP) + "⁾", "⁽" + prev.translate(_SUP) + "⁾"
        lsup, lpsup = "^{(%s)}" % tag, "^{(%s)}" % prev
        self.tag, self.n_sym, self.n_prev_sym = tag, width(tag), width(prev)
        self.n, self.n_prev = n, n_prev
        self.z = _quantity(("z" + sup, "z" + lsup), ("Z" + sup, "Z" + lsup), M, n)
        self.d = _quantity(("δ" + sup, r"\delta" + lsup), ("Δ" + sup, r"\Delta" + lsup), M, n)
        self.w = _quantity(("w" + sup, "w" + lsup), ("W" + sup, "W" + lsup), n, n_prev)
        self.b = _quantity(("b" + sup, "b" + lsup), ("b" + sup, "b" + lsup), n, 1)
        if first:
            self.a_prev = _quantity(("x", "x"), ("X", "X"), M, n_prev)
        else:
            self.a_prev = _quantity(("a" + psup, "a" + lpsup), ("A" + psup, "A" + lpsup), M, n_prev)
        if last:
            self.a = _quantity(("ŷ", r"\hat{y}"), ("Ŷ", r"\hat{Y}"), M, n)
        else:
            self.a = _quantity(("a" + sup, "a" + lsup), ("A" + sup, "A" + lsup), M, n)
        self.y = _quantity(("y", "y"), ("Y", "Y"), M, n)
        self.l = sp.IndexedBase(_sym("l", "l"))  # per-example loss l[r]
        self.fprime = _quantity(("f′(z" + sup + ")", "f'(z" + lsup + ")"),
                                ("f′(Z" + sup + ")", "f'(Z" + lsup + ")"), M, n)
        self.r = sp.Idx("r", (1, M))
        self.j = sp.Idx("j", (1, self.n_sym))
        self.k = sp.Idx("k", (1, self.n_prev_sym))
        self.p = sp.Idx("p", (1, self.n_sym))
        self.q = sp.Idx("q", (1, self.n_prev_sym))

    def matrices(self) -> dict:
        return {q.base: q.matrix for q in (self.z, self.d, self.w, self.b, self.a_prev, self.a,
                                           self.y, self.fprime)}


# ------------------------------------------------------- derivations --

def plain(i: sp.Idx) -> sp.Symbol:
    """An index as a plain symbol, for display (Idx prints its range)."""
    return sp.Symbol(str(i.label))


def element(mat: sp.MatrixExpr, *idx) -> sp.Expr:
    """(M)[r,q] as notation; MatrixElement itself checks 0-based ranges."""
    return MatrixElement(mat, *[plain(i) for i in idx])


@dataclass
class Step:
    """One derived equation: index form (free indices ``free``) and, where the
    recogniser finds one, its matrix form.  ``steps`` are the displayed
    intermediate forms, in order."""
    label: str
    layer: int | str
    lhs: sp.Expr
    index: sp.Expr
    free: tuple
    matrix: sp.Expr | None
    steps: list = field(default_factory=list)
    note: str = ""


def forward_z(ls: LayerSymbols, bias: bool) -> sp.Expr:
    """z[r,j] = sum_k a_prev[r,k] w[j,k] + b[j]  (W is out x in)."""
    r, j, k = ls.r, ls.j, ls.k
    z = sp.Sum(ls.a_prev.base[r, k] * ls.w.base[j, k], (k, 1, ls.n_prev_sym))
    return z + ls.b.base[j] if bias else z


def bp4(ls: LayerSymbols, scale, bias: bool) -> Step:
    r, j, p, q = ls.r, ls.j, ls.p, ls.q
    z = forward_z(ls, bias)
    raw = sp.diff(z, ls.w.base[p, q])              # sum_k a[r,k] [j=p][k=q]
    local = collapse(raw.doit())                   # a[r,q] [j=p]
    chain = sp.Sum(ls.d.base[r, j] * Partial(ls.z.base[r, j], ls.w.base[p, q]), (j, 1, ls.n_sym))
    inner = sp.Sum(ls.d.base[r, j] * local, (j, 1, ls.n_sym))
    collapsed = collapse(inner.doit())             # delta[r,p] a[r,q]
    index = scale * sp.Sum(collapsed, (r, 1, M))
    matrix = as_matrix(index, (p, q), ls.matrices())
    return Step("BP4", ls.tag, Partial(J, ls.w.base[p, q]), index, (p, q), matrix,
                steps=[("dz", Partial(ls.z.base[r, j], ls.w.base[p, q]), raw, local),
                       ("chain", scale * sp.Sum(chain, (r, 1, M)),
                        scale * sp.Sum(inner, (r, 1, M)), index,
                        scale * element(strip_coeff(matrix), p, q))])


def bp3(ls: LayerSymbols, scale) -> Step:
    r, j, p = ls.r, ls.j, ls.p
    z = forward_z(ls, True)
    local = sp.diff(z, ls.b.base[p])               # [j=p]
    inner = sp.Sum(ls.d.base[r, j] * local, (j, 1, ls.n_sym))
    collapsed = collapse(inner.doit())
    index = scale * sp.Sum(collapsed, (r, 1, M))
    matrix = as_matrix(index, (p,), ls.matrices())
    return Step("BP3", ls.tag, Partial(J, ls.b.base[p]), index, (p,), matrix,
                steps=[("dz", Partial(ls.z.base[r, j], ls.b.base[p]), local),
                       ("chain", scale * sp.Sum(inner, (r, 1, M)), index)])


def fprime(ls: LayerSymbols, act) -> tuple[sp.Expr, sp.Expr | None]:
    """f'(z[r,p]) from the rules card, in the layer's output a[r,p]; and its
    Hadamard matrix form when it has one."""
    fp = rule_fprime(act.name, act.alpha)
    base = ls.a.base if fp.in_output else ls.z.base
    element = fp.expr.subs(fp.var, base[ls.r, ls.p])
    return element, as_hadamard(element, ls.matrices(), (M, ls.n))


def bp2(ls: LayerSymbols, nxt: LayerSymbols, act, bias: bool) -> Step:
    """delta[r,p] = sum_j delta_next[r,j] dz_next[r,j]/da[r,p] * f'(z[r,p])."""
    r, j, p = nxt.r, nxt.j, nxt.q  # p runs over this layer = the next one's inputs
    z_next = forward_z(nxt, bias)
    raw = sp.diff(z_next, nxt.a_prev.base[r, p])   # sum_k [k=p] w[j,k]
    local = collapse(raw.doit())                   # w[j,p]
    back = sp.Sum(nxt.d.base[r, j] * local, (j, 1, nxt.n_sym))
    if act is None:  # the general layer l: f' stays a symbol
        f_elem, f_mat = ls.fprime.base[r, p], ls.fprime.matrix
    else:
        f_elem, f_mat = fprime(ls, act)
        f_elem = f_elem.xreplace({ls.p: p})
    index = back * f_elem
    mats = {**ls.matrices(), **nxt.matrices()}
    product = as_matrix(back, (r, p), mats)
    if f_elem == 1:
        matrix = product
    else:
        f_mat = ls.fprime.matrix if f_mat is None else f_mat
        f_args = f_mat.args if isinstance(f_mat, sp.HadamardProduct) else (f_mat,)
        matrix = sp.HadamardProduct(product, *f_args, evaluate=False)
    generic = sp.HadamardProduct(product, ls.fprime.matrix, evaluate=False)
    chain = sp.Sum(nxt.d.base[r, j] * Partial(nxt.z.base[r, j], nxt.a_prev.base[r, p]),
                   (j, 1, nxt.n_sym)) * ls.fprime.base[r, p]
    return Step("BP2", ls.tag, ls.d.base[r, p], index, (r, p), matrix,
                steps=[("dz", Partial(nxt.z.base[r, j], nxt.a_prev.base[r, p]), raw, local),
                       ("chain", chain, back * ls.fprime.base[r, p],
                        element(generic, r, p)),
                       ("generic", generic)])


def loss_term(loss: str, n: int):
    """g(u, v) with l = sum_k g(yhat_k, y_k): the rules card.s loss, split per
    output (every loss here is a sum of identical per-output terms)."""
    u, v = sp.Symbol("u", real=True), sp.Symbol("v", real=True)
    return sp.Lambda((u, v), LOSSES[loss].per_example([u] * n, [v] * n) / n)


def bp1(ls: LayerSymbols, act, loss: str, n: int) -> Step:
    """Output error delta[r,p] = dl_r/dz[r,p] for the network's own f and loss."""
    r, p = ls.r, ls.p
    k = sp.Idx("k", (1, ls.n_sym))
    yhat, y, zb = ls.a.base, ls.y.base, ls.z.base
    g = loss_term(loss, n)
    mats = ls.matrices()
    if act.name == "softmax":
        i = sp.Idx("i", (1, ls.n_sym))
        f = ACTIVATIONS["softmax"].formula
        total = sp.Sum(f.subs(Z_SYM, zb[r, i]), (i, 1, ls.n_sym))
        out_k = f.subs(Z_SYM, zb[r, k]) / total
        l = sp.Sum(g(out_k, y[r, k]), (k, 1, ls.n_sym))
        raw = sp.diff(l, zb[r, p])                  # Kronecker deltas in both sums
        exact = collapse(raw.doit())
        in_yhat = sp.expand(exact.subs(f.subs(Z_SYM, zb[r, p]), yhat[r, p] * total))
        in_yhat = in_yhat.replace(lambda e: isinstance(e, sp.Sum), factor_sum)
        taught = in_yhat.subs(sp.Sum(y[r, k], (k, 1, ls.n_sym)), 1)
        lhs_l = sp.Sum(g(yhat[r, k], y[r, k]), (k, 1, ls.n_sym))
        steps = [("loss", lhs_l, out_k), ("softmax", Partial(ls.l[r], zb[r, p]), exact, in_yhat, taught, raw)]
        note = "rows of Y sum to 1 (one-hot or probabilities)"
        return Step("BP1", ls.tag, ls.d.base[r, p], taught, (r, p),
                    as_hadamard(taught, mats, (M, ls.n)), steps, note)
    l = sp.Sum(g(yhat[r, k], y[r, k]), (k, 1, ls.n_sym))
    raw = sp.diff(l, yhat[r, p])                    # sum_k g'(yhat[r,k]) [k=p]
    dl_dyhat = sp.factor_terms(collapse(raw.doit()))
    f_elem, _ = fprime(ls, act)
    product = dl_dyhat * f_elem
    simpler = sp.factor(sp.simplify(product))
    if sp.count_ops(simpler) < sp.count_ops(product):
        product = _tidy(simpler)
    product = sp.factor_terms(product)
    steps = [("loss", l), ("dyhat", Partial(ls.l[r], yhat[r, p]), raw, dl_dyhat),
             ("chain", dl_dyhat * ls.fprime.base[r, p], product)]
    matrix = as_hadamard(product, mats, (M, ls.n))
    if matrix is None:  # f' is piecewise: keep f'(Z) as a named matrix
        outer = as_hadamard(dl_dyhat, mats, (M, ls.n))
        matrix = sp.HadamardProduct(outer, ls.fprime.matrix, evaluate=False)
    return Step("BP1", ls.tag, ls.d.base[r, p], product, (r, p), matrix, steps)


# ---------------------------------------------------------- the view --

def show(expr):
    """An expression as displayed: plain indices, 1/m as the factor (1/m),
    products in reading order (scalars, errors δ, sums, the rest, Kronecker
    deltas) and 2·(ŷ - y) left undistributed."""
    expr = sp.sympify(expr)
    if isinstance(expr, sp.Idx):
        return plain(expr)
    if expr == 1 / M:
        return INV_M
    if not expr.args or isinstance(expr, (sp.MatrixSymbol, sp.IndexedBase)):
        return expr
    args = [show(a) for a in expr.args]
    if isinstance(expr, (sp.MatAdd, sp.MatMul, sp.HadamardProduct)):
        return sp.Basic.__new__(type(expr), *args)  # as built: 1 - A, 2 (Ŷ - Y)
    if expr.is_Mul:
        return sp.Mul(*sorted(args, key=_reading_order), evaluate=False)
    if expr.is_Add:
        return sp.Add(*args, evaluate=False)
    return expr.func(*args)


def _has_delta(expr) -> bool:
    return any(str(i.base).startswith("δ") for i in expr.atoms(sp.Indexed))


def _reading_order(factor) -> int:
    if not factor.has(sp.Indexed, sp.MatrixExpr):
        return 0
    if isinstance(factor, sp.Indexed) and str(factor.base).startswith("δ"):
        return 1
    if isinstance(factor, sp.Sum):
        return 2 if factor.has(sp.Indexed) and _has_delta(factor) else 3.2
    if isinstance(factor, sp.KroneckerDelta):
        return 5
    if isinstance(factor, sp.Indexed) and str(factor.base).startswith("f′"):
        return 4
    return 3 if not factor.is_Add else 3.5  # (ŷ - y) and (1 - a) after ŷ, a


class DeltaView:
    """BP1-BP4 for every layer of a dense ``net``, derived at index level.

    ``layers[l]`` are layer l's symbols (1-based); ``steps`` the derived
    equations, output layer first, as Step objects (index and matrix form)."""

    def __init__(self, net):
        self.net = net
        L, sizes = net.depth, net.sizes
        self.scale = sp.S.One if net.reduction == "sum" else 1 / M
        self.layers = {l: LayerSymbols(str(l), str(l - 1), sizes[l], sizes[l - 1],
                                       first=l == 1, last=l == L) for l in range(1, L + 1)}
        self.steps: list[Step] = []
        for l in range(L, 0, -1):
            ls = self.layers[l]
            if l == L:
                self.steps.append(bp1(ls, net.act(L), net.loss, sizes[L]))
            else:
                self.steps.append(bp2(ls, self.layers[l + 1], net.act(l), net.bias))
            if net.bias:
                self.steps.append(bp3(ls, self.scale))
            self.steps.append(bp4(ls, self.scale, net.bias))

    def step(self, label: str, layer: int) -> Step:
        return next(s for s in self.steps if s.label == label and s.layer == str(layer))


def _shape(rows, cols) -> str:
    return f"({rows}×{cols})"


def mlp_sections(net, t, params: list[str] | None = None, view: "DeltaView | None" = None) -> list[Section]:
    """The delta view of a dense ``net`` as model sections: conventions and
    shapes, the batch convention, the step from scalars to indices, then
    BP1-BP4 layer by layer.  With ``params``, only the equations that lead to
    them.  ``view`` reuses a DeltaView the caller already built."""
    view = view if view is not None else DeltaView(net)
    L = net.depth
    wanted = None
    if params:
        wanted = {}
        for p in params:
            from ... import names
            key, _ = names.locate(p, net.param_shapes())
            wanted.setdefault(int(key[1:]), set()).add("BP4" if key[0] == "W" else "BP3")
    lowest = min(wanted) if wanted else 1
    intro = Section(t("delta.title", spec=net.spec), [Text(t("delta.intro", spec=net.spec))], key="delta")
    out = [intro, _conventions(view, t), _batch(view, t)]
    if not params:
        out.append(_general(view, t))
    for l in range(L, lowest - 1, -1):
        out.append(_layer(view, l, t, None if wanted is None else wanted.get(l, set())))
    return out


def _conventions(view: DeltaView, t) -> Section:
    net, L = view.net, view.net.depth
    text = Text(t("delta.layout"))
    rows = []
    for l in range(1, L + 1):
        ls = view.layers[l]
        if l == 1:
            rows.append([ls.a_prev.matrix, Shape(M, net.sizes[0]), t("delta.inputs")])
        rows.append([ls.w.matrix, Shape(net.sizes[l], net.sizes[l - 1]), t("delta.weights", l=l)])
        if net.bias:
            rows.append([ls.b.matrix, Shape(net.sizes[l]), t("delta.biases", l=l)])
        rows.append([ls.z.matrix, Shape(M, net.sizes[l]), t("delta.pre")])
        rows.append([ls.a.matrix, Shape(M, net.sizes[l]),
                     t("delta.outputs", act=str(net.act(l))) + (" " + t("delta.prediction") if l == L else "")])
        rows.append([ls.d.matrix, Shape(M, net.sizes[l]), t("delta.errors", l=l)])
    rows.append([view.layers[L].y.matrix, Shape(M, net.sizes[L]), t("delta.targets")])
    return Section(t("delta.shapes_title"), [text, Table([t("delta.quantity"), t("delta.shape"), t("delta.meaning")],
                                                         rows)], key="delta-shapes")


def _batch(view: DeltaView, t) -> Section:
    r = view.layers[1].r
    l_r = view.layers[1].l[r]
    if view.net.reduction == "sum":
        return Section(t("delta.batch_title"), [
            Math([J, show(sp.Sum(l_r, (r, 1, M)))], note=t("delta.reduction_sum")),
            Text(t("delta.batch_sum"))], key="delta-batch")
    return Section(t("delta.batch_title"), [
        Math([J, show(view.scale * sp.Sum(l_r, (r, 1, M)))], note=t("delta.reduction_mean")),
        Text(t("delta.batch_mean"))], key="delta-batch")


def _general(view: DeltaView, t) -> Section:
    """The index-level steps once, for a general layer l."""
    net = view.net
    g = LayerSymbols("l", "l-1", width("l"), width("l-1"))
    nxt = LayerSymbols("l+1", "l", width("l+1"), width("l"))
    r, j = g.r, g.j
    w4 = bp4(g, view.scale, net.bias)
    body = [Text(t("delta.row_r")),
            Math([show(g.z.base[r, j]), show(forward_z(g, net.bias))], note=t("delta.row_note"))]
    (_, dz, raw, local), (_, *chain) = w4.steps
    body += [Text(t("delta.diff_weight")),
             Math([show(dz), show(raw), show(local)]),
             Text(t("delta.sum_rows")),
             Equations([Math([show(w4.lhs)] + [show(c) for c in chain], label="BP4"),
                        Math([Partial(J, g.w.matrix), show(w4.matrix)], label="BP4",
                             note=t("delta.bp4_shape"))])]
    if net.bias:
        b3 = bp3(g, view.scale)
        (_, dzb, localb), (_, *chainb) = b3.steps
        body += [Text(t("delta.diff_bias")),
                 Math([show(dzb), show(localb)]),
                 Equations([Math([show(b3.lhs)] + [show(c) for c in chainb], label="BP3"),
                            Math([Partial(J, g.b.matrix), show(b3.matrix)], label="BP3",
                                 note=t("delta.bp3_shape"))])]
    b2 = bp2(g, nxt, None, net.bias)
    (_, dza, rawa, locala), (_, *chain2), (_, generic) = b2.steps
    body += [Text(t("delta.one_down")),
             Math([show(dza), show(rawa), show(locala)]),
             Equations([Math([show(b2.lhs)] + [show(c) for c in chain2], label="BP2"),
                        Math([g.d.matrix, show(generic)], label="BP2", note=t("delta.bp2_shape"))])]
    return Section(t("delta.general_title"), body, key="delta-general")


def _layer(view: DeltaView, l: int, t, wanted: set | None) -> Section:
    net, ls = view.net, view.layers[l]
    L, act = net.depth, net.act(l)
    n, n_prev = net.sizes[l], net.sizes[l - 1]
    body = []
    if l == L:
        body += _bp1_lines(view, view.step("BP1", l), t)
    else:
        body += _fprime_lines(ls, act, t)
        s2 = view.step("BP2", l)
        n_next = net.sizes[l + 1]
        generic = s2.steps[-1][1]
        parts = [ls.d.matrix, show(generic)]
        if s2.matrix != generic:
            parts.append(show(s2.matrix))
        body.append(Math(parts, label="BP2", note=f"{_shape('m', n_next)}{_shape(n_next, n)} → {_shape('m', n)}"))
    grads = []
    if net.bias and (wanted is None or "BP3" in wanted):
        s3 = view.step("BP3", l)
        grads.append(Math([Partial(J, ls.b.matrix), show(s3.matrix)], label="BP3",
                          note=f"{_shape(n, 'm')}{_shape('m', 1)} → {_shape(n, 1)}"))
    if wanted is None or "BP4" in wanted:
        s4 = view.step("BP4", l)
        grads.append(Math([Partial(J, ls.w.matrix), show(s4.matrix)], label="BP4",
                          note=f"{_shape(n, 'm')}{_shape('m', n_prev)} → {_shape(n, n_prev)}"))
    if grads:
        body.append(Equations(grads))
    kind = t("delta.output_layer") if l == L else t("delta.hidden_layer")
    return Section(t("delta.layer_title", l=l, kind=kind, act=str(act), n_prev=n_prev, n=n), body,
                   key=f"delta-layer:{l}")


def _fprime_lines(ls: LayerSymbols, act, t) -> list:
    element, matrix = fprime(ls, act)
    at0 = ACTIVATIONS[act.name].piecewise
    note = t("delta.fprime_note", name=act.name) + (t("sep.clause") + t("delta.at_zero", name=act.name) if at0 else "")
    if matrix is not None:
        return [Math([ls.fprime.matrix, show(matrix)], note=note)]
    return [Math([show(ls.fprime.base[ls.r, ls.p]), show(element)], note=note)]


def _bp1_lines(view: DeltaView, s1: Step, t) -> list:
    net = view.net
    L = net.depth
    return bp1_lines(view.layers[L], net.act(L), net.sizes[L], net.loss, s1, t)


def bp1_lines(ls: LayerSymbols, act, n: int, loss_name: str, s1: Step, t) -> list:
    """BP1 as displayed: the loss, its derivative, f' and the output error."""
    shape = t("delta.bp1_shape", shape=_shape("m", n))
    if act.name == "softmax":
        (_, loss, out_k), (_, lhs, exact, in_yhat, taught, raw) = s1.steps
        k = [i for i in out_k.atoms(sp.Idx) if str(i.label) == "k"][0]
        return [Text(t("delta.softmax_loss")),
                Math([show(ls.l[ls.r]), show(loss)]),
                Math([show(ls.a.base[ls.r, k]), show(out_k)]),
                Text(t("delta.softmax_diff")),
                Math([show(lhs), show(raw)]),
                Math(["", show(exact), show(in_yhat)], note=t("delta.any_targets")),
                Equations([Math([show(s1.lhs), show(taught)], label="BP1", note=t("assume.targets_sum_to_one")),
                           Math([ls.d.matrix, show(s1.matrix)], label="BP1", note=shape)])]
    (_, loss), (_, lhs, raw, dl), (_, chain, product) = s1.steps
    out = [Text(t("delta.loss_sum", loss=loss_name)),
           Math([show(ls.l[ls.r]), show(loss)]),
           Text(t("delta.loss_diff")),
           Math([show(lhs), show(raw), show(dl)])]
    out += _fprime_lines(ls, act, t)
    out += [Equations([Math([show(s1.lhs), show(chain), show(product)], label="BP1"),
                       Math([ls.d.matrix, show(s1.matrix)], label="BP1", note=shape)])]
    return out
