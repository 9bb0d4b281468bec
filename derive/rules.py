"""The rules card: every activation and loss chainrule knows, one entry each.

An entry says what the function *is* (its SymPy definition) and a few facts
no derivation can give (how weights are initialised in front of it, which
loss it pairs with, a NumPy spelling where the printed one is not stable).
Everything else follows from the definition and is derived, never typed:

- ``derivative``: f'(z) by ``sympy.diff``;
- ``fprime``: f' in the form it is taught, in the output a = f(z) where that
  form exists (sigmoid' = a(1 - a)), found by inverting f and proved equal
  numerically, else in z (gelu' = Phi(z) + z phi(z));
- ``output_delta``: dl/dz at the output for an (activation, loss) pair, with
  the classroom simplification (softmax + ce -> yhat - y) and the assumption
  that makes it hold.

Adding an activation is one entry in ``ACTIVATIONS``; the views, printers
and code generator read the table.  ``tests/derive/test_rules.py`` proves
every derived form.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

z = sp.Symbol("z", real=True)
a = sp.Symbol("a", real=True)
alpha = sp.Symbol("alpha", positive=True)


@dataclass(frozen=True)
class Activation:
    name: str
    formula: sp.Expr            # f(z); alpha for the parametrised ones
    default_alpha: float | None = None
    init: str = "xavier"        # "he" for the ReLU family: it zeroes half its inputs
    numpy: str | None = None    # NumPy form when the printed one is not stable ({z}, {alpha}, {out})
    numpy_fprime: str | None = None  # f' in NumPy when NumPy lacks a function of the printed one (erf)
    pairs_with: str | None = None   # the loss whose output delta simplifies with it
    output_only: bool = False
    elementwise: bool = True

    def expr(self, alpha_value=None) -> sp.Expr:
        """f(z) with alpha filled in."""
        if self.default_alpha is None:
            return self.formula
        value = self.default_alpha if alpha_value is None else alpha_value
        return self.formula.subs(alpha, sp.nsimplify(value))

    def derivative(self, alpha_value=None) -> sp.Expr:
        """f'(z), straight from sympy.diff."""
        return sp.diff(self.expr(alpha_value), z)

    @property
    def piecewise(self) -> bool:
        return isinstance(self.formula, sp.Piecewise)


# Piecewise functions put z = 0 in the left branch, so sympy.diff states the
# convention: relu'(0) = 0, leaky_relu'(0) = alpha, as torch does.
ACTIVATIONS: dict[str, Activation] = {act.name: act for act in [
    Activation("identity", z, numpy="{z}"),
    Activation("sigmoid", 1 / (1 + sp.exp(-z)), numpy="_sigmoid({z}{out})", pairs_with="bce"),
    Activation("tanh", sp.tanh(z), numpy="np.tanh({z}{out})"),
    Activation("relu", sp.Piecewise((0, z <= 0), (z, True)), init="he", numpy="np.maximum({z}, 0{out})"),
    Activation("leaky_relu", sp.Piecewise((alpha * z, z <= 0), (z, True)), 0.01, init="he",
               numpy="np.where({z} > 0, {z}, {alpha} * {z})"),
    Activation("elu", sp.Piecewise((alpha * (sp.exp(z) - 1), z <= 0), (z, True)), 1.0, init="he",
               numpy="np.where({z} > 0, {z}, {alpha} * np.expm1(np.minimum({z}, 0)))"),
    Activation("softplus", sp.log(1 + sp.exp(z)), init="he", numpy="_softplus({z}{out})"),
    Activation("gelu", z / 2 * (1 + sp.erf(z / sp.sqrt(2))), init="he", numpy="_gelu({z})",
               numpy_fprime="_gelu_grad({z})"),
    Activation("silu", z / (1 + sp.exp(-z)), init="he", numpy="_silu({z})", numpy_fprime="_silu_grad({z})"),
    # softmax is not elementwise: a_j = exp(z_j) / sum_k exp(z_k).  Its
    # Jacobian comes from sympy.diff on a concrete vector (softmax_jacobian).
    Activation("softmax", sp.exp(z), numpy="_softmax({z})", pairs_with="ce", output_only=True,
               elementwise=False),
]}


def softmax(zs: list[sp.Expr]) -> list[sp.Expr]:
    """The softmax vector of concrete z's (numerator exp(z_j) from the card)."""
    numerators = [ACTIVATIONS["softmax"].formula.subs(z, zj) for zj in zs]
    total = sp.Add(*numerators)
    return [num / total for num in numerators]


def apply(name: str, zs: list[sp.Expr], alpha_value=None) -> list[sp.Expr]:
    """f applied to a layer's z's: elementwise, or the softmax vector."""
    act = ACTIVATIONS[name]
    if not act.elementwise:
        return softmax(zs)
    f = act.expr(alpha_value)
    return [f.subs(z, zj) for zj in zs]


@lru_cache(maxsize=None)
def _softmax_jacobian_forms() -> tuple[sp.Expr, sp.Expr]:
    """d a_1/d z_1 and d a_1/d z_2 of a 3-way softmax, from sympy.diff, written
    in the outputs a_1, a_2 (symbols a_1, a_2).  softmax treats its inputs
    symmetrically and each entry involves only the two indices, so these two
    forms give every entry at every width."""
    zs = [sp.Symbol(f"z_{i + 1}", real=True) for i in range(3)]
    outs = [sp.Symbol(f"a_{i + 1}", real=True) for i in range(3)]
    forms = []
    for k in (0, 1):
        d = sp.diff(softmax(zs)[0], zs[k])
        # Shift invariance: z_i = log(a_i) with sum a = 1 loses nothing.
        d = sp.simplify(d.subs({zi: sp.log(ai) for zi, ai in zip(zs, outs)}).subs(sp.Add(*outs), 1))
        forms.append(tidy_sign(sp.factor(d)))
    return forms[0], forms[1]


def softmax_jacobian(n: int, j: int, k: int) -> sp.Expr:
    """d a_j / d z_k of an n-way softmax in the outputs (symbols a_1 .. a_n):
    a_j*(1 - a_j) on the diagonal, -a_j*a_k off it."""
    same, cross = _softmax_jacobian_forms()
    a1, a2 = sp.Symbol("a_1", real=True), sp.Symbol("a_2", real=True)
    aj, ak = sp.Symbol(f"a_{j}", real=True), sp.Symbol(f"a_{k}", real=True)
    if j == k:
        return same.xreplace({a1: aj})
    return cross.xreplace({a1: aj, a2: ak})


def tidy_sign(expr: sp.Expr) -> sp.Expr:
    """-a*(a - 1) -> a*(1 - a): push a leading minus into a sum factor."""
    if isinstance(expr, sp.Mul) and expr.could_extract_minus_sign():
        factors = sp.Mul.make_args(-expr)
        for i, factor in enumerate(factors):
            if isinstance(factor, sp.Add):
                flipped = sp.Add(*[-t for t in factor.args], evaluate=False)
                return sp.Mul(*factors[:i], *factors[i + 1:], flipped, evaluate=False)
    return expr


# ------------------------------------------------- f' in its taught form --

@dataclass(frozen=True)
class FPrime:
    """f' as it is taught: ``expr`` in ``var`` (the symbol ``a`` = f(z), or ``z``)."""
    expr: sp.Expr
    var: sp.Symbol

    @property
    def in_output(self) -> bool:
        return self.var == a

    def at(self, z_value: sp.Expr, a_value: sp.Expr) -> sp.Expr:
        """f' at one neuron, given both its z and its a."""
        return self.expr.subs(self.var, a_value if self.in_output else z_value)


def _agrees(candidate: sp.Expr, f: sp.Expr, d: sp.Expr) -> bool:
    """candidate(a = f(z)) == f'(z) at a spread of points (a numeric proof
    that a rewrite found by sympy.solve holds on the whole domain tried)."""
    rng = random.Random(0)
    for _ in range(12):
        point = sp.Float(rng.uniform(-6, 6), 30)
        lhs = sp.N(candidate.subs(a, f.subs(z, point)), 30)
        rhs = sp.N(d.subs(z, point), 30)
        if not (lhs.is_real and rhs.is_real) or abs(lhs - rhs) > 1e-20 * max(1, abs(rhs)):
            return False
    return True


_EXOTIC = (sp.LambertW, sp.RootOf, sp.erfinv, sp.Piecewise)


def _rewrite_smooth(f: sp.Expr, d: sp.Expr) -> sp.Expr | None:
    """f' written in a = f(z), or None when no such form is simpler and proved."""
    if not d.has(z):
        return d
    direct = d.subs(f, a)
    if not direct.has(z):
        return direct
    try:
        roots = sp.solve(sp.Eq(a, f), z)
    except (NotImplementedError, ValueError, TypeError):
        return None  # f has no inverse SymPy can write (gelu, silu)
    for root in roots:
        inner = sp.simplify(d.subs(z, root))
        candidates = [form for form in (inner, sp.expand(inner), sp.factor(inner))
                      if not form.has(z) and not form.has(*_EXOTIC)]
        if candidates:
            # Fewest uses of a; on a tie the factored form, as taught: a(1 - a).
            best = tidy_sign(min(candidates, key=lambda e: (e.count(a), not isinstance(e, sp.Mul))))
            if sp.count_ops(best) <= sp.count_ops(d) + 2 and _agrees(best, f, d):
                return best
    return None


@lru_cache(maxsize=None)
def fprime(name: str, alpha_value=None) -> FPrime:
    """f' in its taught form: in a where that form exists, else in z.

    Piecewise functions are rewritten branch by branch; their conditions keep
    their sign because every branch here is increasing and maps 0 to 0.
    """
    act = ACTIVATIONS[name]
    if not act.elementwise:
        raise ValueError("softmax has a Jacobian (softmax_jacobian), not an elementwise derivative")
    f = act.expr(alpha_value)
    d = sp.diff(f, z)
    if isinstance(f, sp.Piecewise):
        pieces = []
        for (fe, cond), (de, _) in zip(f.args, d.args):
            form = _rewrite_smooth(fe, de)
            if form is None:
                return FPrime(d, z)
            pieces.append((form, cond if cond is sp.true else cond.subs(z, a)))
        return FPrime(sp.Piecewise(*pieces), a)
    form = _rewrite_smooth(f, d)
    return FPrime(d, z) if form is None else FPrime(form, a)


def fprime_at_zero(name: str, alpha_value=None) -> sp.Expr | None:
    """f'(0) for a piecewise function (the convention), else None."""
    act = ACTIVATIONS[name]
    return act.derivative(alpha_value).subs(z, 0) if act.piecewise else None


def init_scheme(name: str) -> str:
    return ACTIVATIONS[name].init


# ---------------------------------------------------------------- losses ----

@dataclass(frozen=True)
class Loss:
    """l(yhat, y) for one example = scale * sum_k term(yhat_k, y_k)."""
    name: str
    term: sp.Expr                # in u = yhat_k and v = y_k
    per_output_mean: bool = False  # mse: 1/n_L of the sum
    needs: str | None = None     # the output activation this loss requires
    numpy: str = ""              # the batch total, stable ({a}, {z}, {n})
    from_logits: bool = False    # numpy reads the output's z, not yhat

    def per_example(self, yhat: list[sp.Expr], y: list[sp.Expr]) -> sp.Expr:
        total = sp.Add(*[self.term.subs({U: p, V: t}, simultaneous=True) for p, t in zip(yhat, y)])
        return sp.Rational(1, len(yhat)) * total if self.per_output_mean else total


U, V = sp.Symbol("u", real=True), sp.Symbol("v", real=True)

# The .sum() method skips np.sum's dispatch, which shows on small batches;
# ce and bce read the logits z, so log(yhat) never sees 0.
LOSSES: dict[str, Loss] = {loss.name: loss for loss in [
    Loss("se", (U - V) ** 2, numpy="np.square({a} - Y).sum()"),
    Loss("half_se", (U - V) ** 2 / 2, numpy="0.5 * np.square({a} - Y).sum()"),
    Loss("mse", (U - V) ** 2, per_output_mean=True, numpy="np.square({a} - Y).sum() / {n}"),
    Loss("bce", -(V * sp.log(U) + (1 - V) * sp.log(1 - U)), needs="sigmoid", from_logits=True,
         numpy="(np.maximum({z}, 0) - {z} * Y + np.log1p(np.exp(-np.abs({z})))).sum()"),
    Loss("ce", -V * sp.log(U), needs="softmax", from_logits=True, numpy="-(Y * _log_softmax({z})).sum()"),
]}


# ------------------------------------------------------ the output delta --

@dataclass(frozen=True)
class OutputDelta:
    """delta_j = dl/dz_j at the output, for one example of width n.

    in_yhat: dl/dz_j written in yhat and y, exact for any y (the chain rule
    through the card's f' or softmax Jacobian); taught: the classroom form,
    equal to in_yhat under ``assumes`` (a key of the message table, or "")."""
    activation: str
    loss: str
    alpha: float | None
    zs: list
    ys: list
    yhats: list
    in_yhat: list
    taught: list
    assumes: str

    def exact(self) -> list:
        """sympy.diff of l(f(z), y) in z: the reference in_yhat is proved against."""
        outs = apply(self.activation, self.zs, self.alpha)
        l = LOSSES[self.loss].per_example(outs, self.ys)
        return [sp.diff(l, zj) for zj in self.zs]


@lru_cache(maxsize=None)
def output_delta(activation: str, loss: str, n: int, alpha_value=None) -> OutputDelta:
    """The output error of a pair.  Derived for output 1 and carried to output
    j by renaming: every loss here is a sum of one term per output, and
    softmax treats its outputs symmetrically."""
    zs = [sp.Symbol(f"z_{j + 1}", real=True) for j in range(n)]
    ys = [sp.Symbol(f"y_{j + 1}", real=True) for j in range(n)]
    yh = [sp.Symbol(f"yhat_{j + 1}", real=True) for j in range(n)]
    act = ACTIVATIONS[activation]
    l = LOSSES[loss].per_example(yh, ys)
    assumes = ""
    if not act.elementwise:
        # chain rule through the Jacobian (in the outputs), then expanded:
        # the 1/yhat of the log cancels against the Jacobian's yhat.
        jac = {sp.Symbol(f"a_{i + 1}", real=True): yh[i] for i in range(n)}
        first = sp.expand(sp.Add(*[sp.diff(l, yh[k]) * softmax_jacobian(n, k + 1, 1).xreplace(jac)
                                   for k in range(n)]))
        first = sp.collect(first, yh[0])
        taught_first = first.subs(sp.Add(*ys), 1)
        assumes = "targets_sum_to_one"
    else:
        fp = fprime(activation, alpha_value if act.default_alpha is not None else None)
        local = fp.expr.subs(a, yh[0]) if fp.in_output else fp.expr.subs(z, zs[0])
        first = sp.diff(l, yh[0]) * local
        simpler = sp.factor(sp.simplify(first))
        # shorter, and in the same functions (simplify likes to trade exp for cosh)
        same_functions = {type(f) for f in simpler.atoms(sp.Function)} <= {type(f) for f in first.atoms(sp.Function)}
        if sp.count_ops(simpler) < sp.count_ops(first) and same_functions:
            first = tidy_sign(simpler)
        taught_first = first
    in_yhat, taught = [], []
    for j in range(n):
        swap = {yh[0]: yh[j], yh[j]: yh[0], ys[0]: ys[j], ys[j]: ys[0], zs[0]: zs[j], zs[j]: zs[0]}
        in_yhat.append(first.xreplace(swap))
        taught.append(taught_first.xreplace(swap))
    return OutputDelta(activation, loss, alpha_value, zs, ys, yh, in_yhat, taught, assumes)


def names_for_help() -> tuple[str, str]:
    """The activation and loss lists as the CLI and README print them."""
    acts = " ".join(n + ("(alpha)" if act.default_alpha is not None else "") for n, act in ACTIVATIONS.items())
    return acts, " ".join(LOSSES)
