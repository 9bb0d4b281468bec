"""The activation and loss library: chainrule's reference card.

Every function is written down exactly once, here, as a SymPy expression.
Derivatives are never typed: ``sympy.diff`` produces them, and
``in_terms_of_output`` rewrites them in the layer's output ``a`` where that
is how they are taught (sigmoid' = a(1 - a)).  ``tests/derive/test_library.py``
proves every rewrite.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

z = sp.Symbol("z", real=True)
a = sp.Symbol("a", real=True)
alpha = sp.Symbol("alpha", positive=True)


@dataclass(frozen=True)
class Activation:
    name: str
    formula: sp.Expr  # in z (and alpha for the parametrised ones)
    default_alpha: float | None = None
    elementwise: bool = True
    note: str = ""

    def expr(self, alpha_value=None) -> sp.Expr:
        """f(z) with alpha filled in."""
        if self.default_alpha is None:
            return self.formula
        value = self.default_alpha if alpha_value is None else alpha_value
        return self.formula.subs(alpha, sp.nsimplify(value))

    def derivative(self, alpha_value=None) -> sp.Expr:
        """f'(z), straight from sympy.diff."""
        return sp.diff(self.expr(alpha_value), z)


# The reference card.  Piecewise functions put z = 0 in the left branch, so
# sympy.diff states the convention: relu'(0) = 0, leaky_relu'(0) = alpha.
ACTIVATIONS: dict[str, Activation] = {
    act.name: act
    for act in [
        Activation("identity", z),
        Activation("sigmoid", 1 / (1 + sp.exp(-z))),
        Activation("tanh", sp.tanh(z)),
        Activation("relu", sp.Piecewise((0, z <= 0), (z, True)), note="relu'(0) = 0"),
        Activation("leaky_relu", sp.Piecewise((alpha * z, z <= 0), (z, True)), 0.01,
                   note="leaky_relu'(0) = alpha"),
        Activation("elu", sp.Piecewise((alpha * (sp.exp(z) - 1), z <= 0), (z, True)), 1.0,
                   note="elu'(0) = alpha"),
        Activation("softplus", sp.log(1 + sp.exp(z))),
        # softmax is not elementwise: a_j = exp(z_j) / sum_k exp(z_k).  Its
        # Jacobian is taken by sympy.diff on the concrete vector (see softmax()).
        Activation("softmax", sp.exp(z), elementwise=False,
                   note="output layer only, with ce"),
    ]
}


def softmax(zs: list[sp.Expr]) -> list[sp.Expr]:
    """The softmax vector of concrete z's (numerator exp(z_j) from the card)."""
    numerators = [ACTIVATIONS["softmax"].formula.subs(z, zj) for zj in zs]
    total = sp.Add(*numerators)
    return [num / total for num in numerators]


@lru_cache(maxsize=None)
def softmax_jacobian(n: int, j: int, k: int) -> sp.Expr:
    """d a_j / d z_k of an n-way softmax, from sympy.diff, written in the
    outputs a_1..a_n (symbols a_1, ...): a_j*(1 - a_j) or -a_j*a_k."""
    zs = [sp.Symbol(f"z_{i + 1}", real=True) for i in range(n)]
    outs = [sp.Symbol(f"a_{i + 1}", real=True) for i in range(n)]
    d = sp.diff(softmax(zs)[j - 1], zs[k - 1])
    # Shift invariance: z_i = log(a_i) with sum a = 1 loses nothing.
    d = sp.simplify(d.subs({zi: sp.log(ai) for zi, ai in zip(zs, outs)}).subs(sp.Add(*outs), 1))
    return _tidy(sp.factor(d))


def _tidy(expr: sp.Expr) -> sp.Expr:
    """-a*(a - 1) -> a*(1 - a): push a leading minus into a sum factor."""
    if isinstance(expr, sp.Mul) and expr.could_extract_minus_sign():
        rest = -expr
        factors = sp.Mul.make_args(rest)
        for i, factor in enumerate(factors):
            if isinstance(factor, sp.Add):
                flipped = sp.Add(*[-t for t in factor.args], evaluate=False)
                others = factors[:i] + factors[i + 1:]
                return sp.Mul(*others, flipped, evaluate=False)
    return expr


def _rewrite_smooth(f: sp.Expr, d: sp.Expr) -> sp.Expr:
    if not d.has(z):
        return d
    direct = d.subs(f, a)
    if not direct.has(z):
        return direct
    for root in sp.solve(sp.Eq(a, f), z):
        candidates = []
        inner = d.subs(z, root)
        for form in (sp.simplify(inner), sp.expand(sp.simplify(inner)), sp.factor(sp.simplify(inner))):
            if not form.has(z):
                candidates.append(form)
        if candidates:
            # Fewest uses of a; on a tie the factored form, as taught: a(1 - a).
            best = min(candidates, key=lambda e: (e.count(a), not isinstance(e, sp.Mul)))
            return _tidy(best)
    return d


@lru_cache(maxsize=None)
def in_terms_of_output(name: str, alpha_value=None) -> sp.Expr:
    """Rewrite f'(z) in a = f(z), found by inverting f with sympy.solve.

    Piecewise functions are rewritten branch by branch; their conditions keep
    their sign because every branch here is increasing and maps 0 to 0.
    """
    act = ACTIVATIONS[name]
    if not act.elementwise:
        raise ValueError("softmax has a Jacobian, not an elementwise derivative")
    f = act.expr(alpha_value)
    d = sp.diff(f, z)
    if isinstance(f, sp.Piecewise):
        pieces = []
        for (fe, cond), (de, _) in zip(f.args, d.args):
            pieces.append((_rewrite_smooth(fe, de), cond if cond is sp.true else cond.subs(z, a)))
        return sp.Piecewise(*pieces)
    return _rewrite_smooth(f, d)


# ---------------------------------------------------------------- losses ----

@dataclass(frozen=True)
class Loss:
    name: str
    description: str
    needs: str | None = None  # the output activation this loss requires

    def per_example(self, yhat: list[sp.Expr], y: list[sp.Expr]) -> sp.Expr:
        """l(yhat, y) for one example, as in the contract."""
        n = len(yhat)
        pairs = list(zip(yhat, y))
        if self.name == "se":
            return sp.Add(*[(p - t) ** 2 for p, t in pairs])
        if self.name == "half_se":
            return sp.Rational(1, 2) * sp.Add(*[(p - t) ** 2 for p, t in pairs])
        if self.name == "mse":
            return sp.Rational(1, n) * sp.Add(*[(p - t) ** 2 for p, t in pairs])
        if self.name == "bce":
            return -sp.Add(*[t * sp.log(p) + (1 - t) * sp.log(1 - p) for p, t in pairs])
        if self.name == "ce":
            return -sp.Add(*[t * sp.log(p) for p, t in pairs])
        raise KeyError(self.name)


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in [
        Loss("se", "squared error: sum_k (yhat_k - y_k)^2"),
        Loss("half_se", "half squared error: 1/2 sum_k (yhat_k - y_k)^2"),
        Loss("mse", "mean squared error: 1/n_L sum_k (yhat_k - y_k)^2"),
        Loss("bce", "binary cross-entropy (sigmoid output)", needs="sigmoid"),
        Loss("ce", "cross-entropy (softmax output, rows of Y sum to 1)", needs="softmax"),
    ]
}


@lru_cache(maxsize=None)
def output_delta(activation: str, loss: str, n: int, alpha_value=None) -> "OutputDelta":
    """delta_j = dl/dz_j for the output layer, for one example of width n.

    Returns an OutputDelta: zs, ys, yhats and, for each j,
    - exact: sympy.diff of l(f(z), y) in z, for any y;
    - in_yhat: the same written in yhat and y, still for any y;
    - taught: the classroom form, with the assumption that makes it equal
      (rows of Y sum to 1 for softmax + ce) in note.
    The tests prove in_yhat and taught equal to exact.
    """
    zs = [sp.Symbol(f"z_{j + 1}", real=True) for j in range(n)]
    ys = [sp.Symbol(f"y_{j + 1}", real=True) for j in range(n)]
    yh = [sp.Symbol(f"yhat_{j + 1}", real=True) for j in range(n)]
    act = ACTIVATIONS[activation]
    outs = softmax(zs) if activation == "softmax" else [act.expr(alpha_value).subs(z, zj) for zj in zs]
    l = LOSSES[loss].per_example(outs, ys)
    exact = [sp.diff(l, zj) for zj in zs]
    taught, in_yhat_forms, note = [], [], ""
    for j, e in enumerate(exact):
        # Write the exact derivative in yhat: substitute the outputs back in.
        if activation == "softmax":
            # softmax is shift-invariant, so z_k = log(yhat_k) with sum yhat = 1
            # is no loss of generality; it writes the derivative in yhat.
            in_yhat = e.subs({zk: sp.log(yh[k]) for k, zk in enumerate(zs)})
            in_yhat = sp.simplify(in_yhat.subs(sp.Add(*yh), 1))
            form = sp.collect(sp.expand(in_yhat), yh[j])
            in_yhat_forms.append(form)
            taught.append(form.subs(sp.Add(*ys), 1))
            note = "rows of Y sum to 1 (one-hot or probabilities)"
            continue
        dl_dyhat = sp.diff(LOSSES[loss].per_example(yh, ys), yh[j])
        fprime = in_terms_of_output(activation, alpha_value if act.default_alpha is not None else None)
        form = dl_dyhat * fprime.subs(a, yh[j])
        simpler = sp.factor(sp.simplify(form))
        if sp.count_ops(simpler) < sp.count_ops(form):
            form = _tidy(simpler)
        in_yhat_forms.append(form)
        taught.append(form)
    return OutputDelta(zs, ys, yh, exact, in_yhat_forms, taught, note)


@dataclass(frozen=True)
class OutputDelta:
    zs: list
    ys: list
    yhats: list
    exact: list
    in_yhat: list
    taught: list
    note: str

