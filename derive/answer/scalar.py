"""Grading a --param answer: one scalar gradient, dJ/dw1_2_1, in plain names.

The answer may use the derivation's own quantities (z1_2, a1_2, d1_2 for
delta, yhat1 for the output), the inputs x, the targets y and the
parameters, with the rules card's functions.  It is compared with the
scalar graph's gradient (``Graph.gradient``) in two ways:

- numerically, at ``POINTS`` random points: random inputs, targets and
  parameters, every quantity then computed from its definition (the
  worked-example machinery, exact or at 30 digits), the answer evaluated on
  those values.  It is right when it agrees at every point (relative
  difference under 1e-15).  This is what decides, because a piecewise f'
  (relu) defeats simplification;
- symbolically, for a right answer: the deltas and activations of both
  sides are replaced by their definitions (down to the z's) and SymPy
  simplifies the difference to 0 when it can; the verdict says so.

A wrong answer is compared with the known wrong variants of the right one,
each computed by the same graph with one ingredient changed (a layer's f'
left out, taken at a, written with z, another activation's; the output's
f' put in where it cancels), with the other parameters' gradients (swapped
indices), and with the gradient with another quantity in place of the
input or the error; a constant factor (sign, 2, the 1/n of mse) is found on
top.  When none fits, a factor of the chain rule that is missing or extra
is named where there is one.
"""
from __future__ import annotations

import ast
import re

import mpmath
import sympy as sp

from ..errors import ChainruleError
from ..example import random_example
from ..graph import Graph, can_build, couples_rows
from ..names import NO_LAYER, LETTERS
from ..plain import plain
from ..rules import ACTIVATIONS, fprime, z as Z_SYM
from ..views.staged import kinds
from ..worked import evaluate
from .factors import constant_mistakes, short
from .syntax import activation_of, read, suggest
from .verdict import Verdict, labels

POINTS = 6
DIGITS = 30
RTOL = mpmath.mpf("1e-12")


def refuse_network(net) -> None:
    if couples_rows(net):
        raise ChainruleError("--param answers are checked one example at a time; batch norm couples the "
                             "examples of a batch, so this network's scalar gradients are not per example")
    if not can_build(net):
        raise ChainruleError("--param answers are checked on the scalar graph, and this network is too large "
                             "for it; use a narrower network" + (", or --grad KEY" if net.is_mlp else ""))


class Names:
    """The names a --param answer may use, as the graph's symbols."""

    def __init__(self, g: Graph):
        self.g = g
        table = {s.name: s for s in g.base_symbols()}
        for d in g.forward:
            table[d.symbol.name] = d.symbol
        for a in g.adjoints:
            table[a.symbol.name] = a.symbol
        for k, s in enumerate(g.outputs[0], 1):
            table[f"yhat{k}"] = s
        self.table = table

    def symbol(self, name: str) -> sp.Symbol:
        if name in self.table:
            return self.table[name]
        raise ChainruleError(self.unknown(name))

    def unknown(self, name: str) -> str:
        net, shown = self.g.net, name[:40]
        L = net.depth
        forms = ("the parameters (" + ", ".join(sorted({re.sub(r"_\d+", "_..", p) for p in net.param_names()}))
                 + "), inputs x.., targets y.., z.., a.., d.. (delta) and yhat..")
        if name == "m":
            return ("--answer uses m, but a --param answer is the gradient for one example (m = 1); leave m out, "
                    "or check the batch form with --grad KEY")
        match = re.fullmatch(r"([a-z]+?)(\d+)((?:_\d+)*)", name)
        if match and match.group(1) in LETTERS and match.group(1) not in NO_LAYER:
            layer = int(match.group(2))
            if layer == 0 or layer > L:
                return (f"--answer uses {shown}, but {net.spec if len(net.spec) < 60 else 'the network'} has "
                        f"layers 1 to {L} (no layer {layer}); the names are {forms}")
            same = sorted(n for n in self.table if n.startswith(match.group(1) + match.group(2) + "_")
                          or n == match.group(1) + match.group(2))
            if same:
                listed = ", ".join(same[:6]) + (" ..." if len(same) > 6 else "")
                return f"--answer uses {shown}, which this network does not have; layer {layer} has {listed}"
        if match and match.group(1) in NO_LAYER:
            same = sorted(n for n in self.table if re.fullmatch(match.group(1) + r"\d+(_\d+)*", n))
            return (f"--answer uses {shown}, which this network does not have; it has "
                    f"{', '.join(same[:6])}{' ...' if len(same) > 6 else ''}")
        close = suggest(name, self.table)
        return f"--answer uses the unknown name '{shown}'{close}; the names are {forms}"


def to_sympy(answer, names: Names) -> sp.Expr:
    """The answer's tree as a SymPy expression (numbers exact)."""
    def walk(node):
        if isinstance(node, ast.Constant):
            return sp.Rational(answer.number(node))
        if isinstance(node, ast.Name):
            return names.symbol(node.id)
        if isinstance(node, ast.UnaryOp):
            value = walk(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp):
            left = walk(node.left)
            if isinstance(node.op, ast.Pow):
                return left ** sp.Rational(answer.number(node.right))
            right = walk(node.right)
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            if right == 0:
                raise ChainruleError("--answer divides by the number 0")
            return left / right
        if isinstance(node, ast.Compare):
            left, right = walk(node.left), walk(node.comparators[0])
            rel = {ast.Gt: sp.Gt, ast.GtE: sp.Ge, ast.Lt: sp.Lt, ast.LtE: sp.Le}[type(node.ops[0])]
            return sp.Piecewise((1, rel(left, right)), (0, True))
        if isinstance(node, ast.Call):
            fname = node.func.id
            arg = walk(node.args[0])
            if fname == "exp":
                return sp.exp(arg)
            if fname == "log":
                return sp.log(arg)
            name, prime = activation_of(fname)
            alpha = sp.Rational(answer.number(node.args[1])) if len(node.args) > 1 else None
            if not prime:
                return kinds.formula(name, [arg] + ([alpha] if alpha is not None else []))
            return ACTIVATIONS[name].derivative(alpha).xreplace({Z_SYM: arg})
        raise TypeError(type(node).__name__)
    return walk(answer.tree)


def draw(net, seed: int):
    """One random example with its parameters: random_example's (its class
    targets for ce and bce, its dropout masks), with inputs, regression
    targets and parameters of four decimals and never 0, so that no factor
    of the gradient vanishes by chance."""
    import random
    from dataclasses import replace
    from fractions import Fraction
    rng = random.Random(seed)

    def dec(lo, hi):
        while True:
            v = Fraction(round(rng.uniform(lo, hi), 4)).limit_denominator(10 ** 4)
            if v:
                return v
    base = random_example(net, seed, m=1)
    X = tuple(tuple(dec(-1, 1) for _ in row) for row in base.X)
    Y = base.Y if net.loss in ("ce", "bce") else tuple(tuple(dec(-1, 1) for _ in row) for row in base.Y)
    params = tuple((p, dec(0.5, 1.5) if p.startswith("gamma") else dec(-1, 1)) for p, _ in base.params)
    return replace(base, X=X, Y=Y, params=params)


class Points:
    """The graph's values at random points (one example each)."""

    def __init__(self, g: Graph, points: int = POINTS):
        self.g = g
        self.examples = [draw(g.net, 1000 + seed) for seed in range(points)]
        self.evaluations = [evaluate(g, example) for example in self.examples]

    def rows(self) -> list[dict]:
        return [ev.rows[0] for ev in self.evaluations]

    def values(self, expr: sp.Expr, rows: list[dict] | None = None) -> list | None:
        """``expr`` at every point (the graph's symbols take the point's
        values), or None where it is undefined."""
        rows = self.rows() if rows is None else rows
        symbols = sorted(expr.free_symbols, key=lambda s: s.name)
        try:
            f = sp.lambdify(symbols, expr, "mpmath")
        except Exception:   # noqa: BLE001  (SymPy cannot write it: treat as undefined)
            return None
        out = []
        with mpmath.workdps(DIGITS):
            for row in rows:
                try:
                    v = f(*[_mp(row[s]) for s in symbols])
                    v = mpmath.mpmathify(v)
                except (ZeroDivisionError, ValueError, TypeError, OverflowError, KeyError):
                    return None
                if not isinstance(v, mpmath.mpf) or not mpmath.isfinite(v):
                    return None
                out.append(v)
        return out


def _mp(v):
    if hasattr(v, "numerator") and hasattr(v, "denominator"):
        return mpmath.mpf(v.numerator) / v.denominator
    return mpmath.mpf(v)


def same(S, E) -> bool:
    return all(abs(s - e) <= RTOL * max(abs(s), abs(e)) + mpmath.mpf("1e-25") for s, e in zip(S, E))


def ratio(S, E):
    """The one number c with S = c E at every point, or None; never 0 (an
    answer that is 0 wherever it was tried is no multiple of the right one)."""
    cs = [s / e for s, e in zip(S, E) if abs(e) > mpmath.mpf("1e-25")]
    if not cs or any(abs(s) > mpmath.mpf("1e-25") for s, e in zip(S, E) if abs(e) <= mpmath.mpf("1e-25")):
        return None
    c = cs[0]
    if abs(c) <= mpmath.mpf("1e-25"):
        return None
    if all(abs(x - c) <= mpmath.mpf("1e-12") * max(abs(c), abs(x)) for x in cs):
        return c
    return None


class ChangedGraph(Graph):
    """The graph with layer ``layer``'s activation derivative changed: how =
    ('none',), ('at_a',), ('a_form_at_z',), ('act', name, alpha) or ('extra',).
    At the output the loss's pair formula is not used, so the change shows."""

    def __init__(self, net, layer: int, how: tuple):
        self.change = (layer, how)
        super().__init__(net)

    def _output_delta(self):
        if self.change[0] == self.net.depth:
            return None
        return super()._output_delta()

    def local(self, c, s):
        layer, how = self.change
        if c.act is None or c.act[2] is not None or s != c.act[1] or c.layer != layer:
            return super().local(c, s)
        act, z, a = c.act[0], c.act[1], c.symbol
        what = how[0]
        if what == "none":
            return sp.Integer(1)
        if what == "at_a":
            return ACTIVATIONS[act.name].derivative(act.alpha).xreplace({Z_SYM: a})
        if what == "a_form_at_z":
            fp = fprime(act.name, act.alpha)
            return fp.expr.xreplace({fp.var: z})
        if what == "act":
            return ACTIVATIONS[how[1]].derivative(how[2]).xreplace({Z_SYM: z})
        right = super().local(c, s)
        return right * right      # 'extra': dl/dyhat * f' * f' = the right delta times f'


class ScalarGrader:
    def __init__(self, net, param: str, t):
        refuse_network(net)
        self.net, self.t = net, t
        self.param = net.check_param(param)
        self.g = Graph(net)
        self.names = Names(self.g)
        self.grad = self.g.gradient(self.param)
        self.points = None

    @property
    def question(self) -> str:
        return f"dJ/d{self.param}"

    def grade(self, text: str) -> Verdict:
        t = self.t
        answer = read(text, matrix=False, example=plain(self.grad.expr))
        for name in answer.names:
            self.names.symbol(name)
        expr = to_sympy(answer, self.names)
        if self.points is None:   # drawn once: a grader may grade many answers
            self.points = Points(self.g)
            self.E = [_mp(ev.gradients[self.param]) for ev in self.points.evaluations]
            self._structures = None
        points, E = self.points, self.E
        verdict = Verdict(False, self.question, answer.text, answer_text(self.grad.expr), where=self.where(),
                          checked=t("check.checked_param", points=POINTS), labels=labels(self.t, self.question))
        S = points.values(expr)
        if S is None:
            verdict.diagnosis.append(t("check.not_finite"))
            verdict.mistakes.append("not_finite")
            return verdict
        if same(S, E):
            verdict.correct = True
            if self.proved(expr):
                verdict.method = "symbolic"
                verdict.notes.append(t("check.proved"))
            return verdict
        self.diagnose(S, verdict)
        return verdict

    # -- a right answer, proved -------------------------------------------------------
    def canonical(self, expr: sp.Expr) -> sp.Expr:
        """Deltas and activation outputs replaced by their definitions, down to the z's."""
        g = self.g
        table = {a.symbol: a.expr for a in g.adjoints}
        table.update({d.symbol: d.expr for d in g.forward if d.act is not None})
        for _ in range(4 * g.net.depth + 4):
            if not (expr.free_symbols & table.keys()):
                break
            expr = expr.xreplace(table)
        return expr

    def proved(self, expr: sp.Expr) -> bool:
        diff = self.canonical(expr) - self.canonical(self.grad.expr)
        if diff == 0 or sp.expand(diff) == 0:
            return True
        if sp.count_ops(diff) > 300 or diff.has(sp.Piecewise):
            return False
        return sp.simplify(diff) == 0

    # -- a wrong answer ---------------------------------------------------------------
    def diagnose(self, S, verdict: Verdict) -> None:
        t = self.t
        found = self.explain(S, self.E)
        if found is not None:
            verdict.diagnosis += [text for _, text in found]
            verdict.mistakes += [name for name, _ in found]
            return
        for candidate, mistakes in self.variants():
            c = ratio(S, candidate)
            if c is None:
                continue
            factors = self.constant(c)
            if factors is None:
                continue
            verdict.diagnosis += [text for _, text in mistakes + factors]
            verdict.mistakes += [name for name, _ in mistakes + factors]
            return
        factor = self.chain_factor(S)
        if factor is not None:
            verdict.diagnosis.append(factor[1])
            verdict.mistakes.append(factor[0])
            return
        k = max(range(len(S)), key=lambda i: abs(S[i] - self.E[i]))
        verdict.diagnosis.append(t("check.not_equal_scalar", question=self.question, yours=short(S[k]),
                                   value=short(self.E[k])))
        verdict.mistakes.append("not_equal")

    def explain(self, S, E):
        """A constant factor between the answer and the right one."""
        c = ratio(S, E)
        if c is None:
            return None
        named = self.constant(c)
        if named is not None:
            return named
        return [("factor", self.t("check.factor", factor=short(c)))]

    def constant(self, c):
        return constant_mistakes(c, self.net.n_out, self.net.loss, self.t)

    def variants(self):
        """``structures``, each computed once however many answers are graded."""
        if self._structures is None:
            self._structures = ([], self.structures())
        done, pending = self._structures
        yield from list(done)
        for item in pending:
            done.append(item)
            yield item

    def structures(self):
        """(values, mistakes) of each wrong variant, most likely first."""
        t, g, p = self.t, self.g, self.param
        evs = self.points.evaluations
        # another parameter's gradient
        key, idx = _locate(self.net, p)
        for q in self.net.param_names():
            if q == p:
                continue
            values = [_mp(ev.gradients[q]) for ev in evs]
            qkey, qidx = _locate(self.net, q)
            if qkey == key and len(idx) == 2 and qidx == (idx[1], idx[0]):
                text = t("check.param_swapped", other=q, param=p, l=int(re.sub(r"\D", "", key)),
                         prev=int(re.sub(r"\D", "", key)) - 1, expected=plain(self.grad.expr))
                yield values, [("swapped_indices", text)]
            else:
                yield values, [("other_parameter", t("check.param_other", other=q, param=p,
                                                     expected_other=plain(g.gradient(q).expr)))]
        # another quantity in place of the input, or of the error
        if len(self.grad.terms) == 1 and self.grad.l2 == 0:
            handle, local = self.grad.terms[0]
            rows = self.points.rows()
            if isinstance(local, sp.Symbol):
                for d in g.forward:
                    if d.symbol != local and d.role in ("a", "z"):
                        values = self.points.values(g.scale * handle * d.symbol, rows)
                        if values is not None:
                            key_ = "check.z_for_a" if d.role == "z" and _pair(d.symbol, local) else "check.input"
                            yield values, [("wrong_layer_activation", t(key_, used=d.symbol.name,
                                                                        right=local.name, l=self.grad.layer))]
            if isinstance(handle, sp.Symbol):
                for a in g.adjoints:
                    if a.symbol != handle:
                        values = self.points.values(g.scale * a.symbol * local, rows)
                        if values is not None:
                            yield values, [("wrong_layer_delta", t("check.delta", used=a.symbol.name,
                                                                   right=handle.name))]
        # a layer's f' changed
        for layer, how, mistake in self.fprime_changes():
            try:
                changed = ChangedGraph(self.net, layer, how)
                values = [_mp(evaluate(changed, example).gradients[p]) for example in self.points.examples]
            except (ArithmeticError, ValueError, TypeError):
                continue
            if same(values, self.E):
                continue
            yield values, [mistake]

    def fprime_changes(self):
        t, net, g = self.t, self.net, self.g
        L = net.depth
        layer = self.grad.layer
        acts = []
        for k in range(1, L + 1):
            a = net.act(k)
            if ACTIVATIONS[a.name].elementwise and a not in acts:
                acts.append(a)
        for k in range(L, layer - 1, -1):
            act = net.act(k)
            if not ACTIVATIONS[act.name].elementwise or not any(d.act is not None and d.layer == k
                                                                for d in g.forward):
                continue
            right = self.fprime_text(k)
            from ..rules import LOSSES
            if k == L and LOSSES[net.loss].needs:
                out = next(a for a in g.adjoints if a.output)
                delta = answer_text(out.taught if out.taught is not None else out.expr)
                yield k, ("extra",), ("extra_fprime", t("check.extra_fprime", act=act.name, loss=net.loss,
                                                        delta=delta))
                continue
            yield k, ("none",), ("missing_fprime", t("check.no_fprime", l=k, act=act.name, fprime=right))
            yield k, ("at_a",), ("fprime_of_a", t("check.fprime_at_a", l=k, act=act.name, fprime=right))
            fp = fprime(act.name, act.alpha)
            if fp.in_output:
                z, a = self.unit(k)
                wrong = plain(fp.expr.xreplace({fp.var: z}))
                yield k, ("a_form_at_z",), ("fprime_form_of_z", t("check.fprime_form_at_z", l=k,
                                                                  act=act.name, wrong=wrong, fprime=right))
            for other in acts:
                if other != act:
                    yield k, ("act", other.name, other.alpha), ("wrong_activation", t(
                        "check.fprime_other_act", l=k, act=act.name, other=other.name, fprime=right))

    def unit(self, k: int):
        """The z and a of layer ``k``'s unit on this gradient's path, or of a
        general unit j (z{k}_j, a{k}_j) when several units of the layer are on it."""
        on_path = {name for name, _ in self.where()}
        units = [d for d in self.g.forward if d.act is not None and d.layer == k and d.act[2] is None
                 and self.g.reaches(d.act[1])]
        chosen = [d for d in units if "d" + d.act[1].name[1:] in on_path]
        if len(chosen) == 1:
            return chosen[0].act[1], chosen[0].symbol
        return sp.Symbol(f"z{k}_j", real=True), sp.Symbol(f"a{k}_j", real=True)

    def fprime_text(self, k: int) -> str:
        z, a = self.unit(k)
        act = self.net.act(k)
        return answer_text(fprime(act.name, act.alpha).at(z, a))

    def chain_factor(self, S):
        """A factor of the chain rule that the answer has too many or misses."""
        E = self.E
        cs = [s / e for s, e in zip(S, E) if abs(e) > mpmath.mpf("1e-25")]
        if len(cs) < len(E):
            return None
        singles = sorted(set(self.names.table.values()), key=lambda s: s.name)
        for factor in self.factors(self.grad.expr) + [s for s in singles if s not in self.factors(self.grad.expr)]:
            F = self.points.values(factor)
            if F is None or any(abs(f) < mpmath.mpf("1e-20") for f in F):
                continue
            if same(cs, F):
                return "extra_factor", self.t("check.scalar_extra", factor=plain(factor))
            if same(cs, [1 / f for f in F]):
                return "missing_factor", self.t("check.scalar_missing", factor=plain(factor))
        return None

    def factors(self, expr, seen=None):
        """The factors of the chain rule inside ``expr``: its product's factors,
        and those of each delta it uses."""
        seen = set() if seen is None else seen
        adjoint = {a.symbol: a for a in self.g.adjoints}
        out = []
        for f in sp.Mul.make_args(expr):
            if f.is_Number or f in seen:
                continue
            seen.add(f)
            out.append(f)
            if f in adjoint:
                out += self.factors(adjoint[f].expr, seen)
            elif isinstance(f, sp.Mul):
                out += self.factors(f, seen)
        return out

    def where(self) -> list[tuple[str, str]]:
        """The deltas the expected gradient uses, down to the output's."""
        adjoint = {a.symbol: a for a in self.g.adjoints}
        out, todo, seen = [], [self.grad.expr], set()
        while todo:
            e = todo.pop(0)
            for s in sorted(e.free_symbols & adjoint.keys(), key=lambda s: s.name):
                if s not in seen:
                    seen.add(s)
                    a = adjoint[s]
                    out.append((s.name, answer_text(a.taught if a.taught is not None else a.expr)))
                    todo.append(a.expr)
        return out


def answer_text(expr) -> str:
    """``plain(expr)``, with a 0/1 Piecewise (relu's derivative) written as
    the comparison an answer uses: (a1_1 > 0)."""
    def mask(pw):
        (v1, c1), (v2, c2) = pw.args if len(pw.args) == 2 else ((None, None), (None, None))
        if c2 is not sp.true or {v1, v2} != {0, 1}:
            return pw
        cond = c1 if v1 == 1 else c1.negated
        return sp.Symbol(f"({sp.sstr(cond)})", real=True)
    return plain(expr.replace(lambda e: isinstance(e, sp.Piecewise), mask))


def _pair(z: sp.Symbol, a: sp.Symbol) -> bool:
    """z1_2 and a1_2: the same unit before and after its activation."""
    return z.name[1:] == a.name[1:] and z.name[0] == "z" and a.name[0] == "a"


def _locate(net, p):
    from ..names import locate
    return locate(p, net.param_shapes())


def grade(net, param: str, text: str, t) -> Verdict:
    return ScalarGrader(net, param, t).grade(text)
