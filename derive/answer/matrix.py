"""Grading a --grad answer: a matrix expression for dJ/dW{l} or dJ/db{l}.

1. The answer is read by the whitelist (``syntax``) and its names are
   checked against the network (``batches.check_names``).
2. It is evaluated with NumPy on random batches of several sizes
   (``arrays``).  Shapes that do not fit inside it are a wrong answer,
   with the operands' shapes named and the transposed product that would
   fit, if one does.
3. It is right when it has the gradient's shape and numbers on every batch
   (a bias gradient of shape (1×n) or (n×1) holding the right numbers is
   accepted with a note).
4. Otherwise it is compared with the known wrong variants of the right
   answer (``variants``), each up to a transpose and a constant factor
   (``fit``); the variant that explains it with the fewest mistakes names
   them.  When none does, a constant factor is still named if there is
   one; else the answer is 'not equal', with one entry that differs.
"""
from __future__ import annotations

import ast
import copy

import numpy as np

from ..errors import ChainruleError
from ..views.delta import DeltaView, fprime as view_fprime
from . import notation
from .arrays import Evaluator, ShapeMismatch, shape_text
from .batches import DRAWS, batch_sizes, check_names, draw_all, symbol_names
from .factors import constant_mistakes, short
from .fit import equal, fit
from .syntax import Answer, read, suggest
from .variants import Change, Gradient
from .verdict import Verdict, labels

EXAMPLE = "dZ1.T @ X / m"
MOST_CHANGES = 2


def refuse_network(net) -> None:
    if not net.is_mlp:
        kinds = sorted({layer.kind for layer in net.numbered if layer.kind != "dense"})
        raise ChainruleError(f"--grad answers are checked for dense networks (dense layers on a flat input, any "
                             f"activation and loss, nobias, sum, l2); {net.spec if len(net.spec) < 60 else 'this network'} "
                             f"has {', '.join(kinds) or 'a non-flat input'}; check one scalar gradient with "
                             f"--param NAME instead (e.g. --param {net.param_names()[0]})")


def check_key(net, key: str) -> str:
    shapes = net.param_shapes()
    if key in shapes:
        return key
    hint = ""
    if key and key[0] in "wbWB" and key[1:] and key[1:].split("_")[0].isdigit() and "_" in key:
        hint = f"; for one entry use --param {key.lower()}"
    raise ChainruleError(f"--grad {key[:40]}: {net.spec if len(net.spec) < 60 else 'the network'} has no parameter "
                         f"array '{key[:40]}'{suggest(key, shapes)}{hint}; its arrays are {', '.join(shapes)}")


class Grader:
    def __init__(self, net, key: str, t):
        refuse_network(net)
        self.net, self.t = net, t
        self.key = check_key(net, key)
        self.view = DeltaView(net)
        self.names = symbol_names(net, self.view)
        self.ms = batch_sizes(net)
        self.batches = None
        self.grad = None
        self.probe = max(self.ms)

    # -- wording helpers -------------------------------------------------------
    @property
    def question(self) -> str:
        return f"dJ/d{self.key}"

    def write(self, expr) -> str:
        return notation.write(expr, self.names)

    def shape(self, shape) -> str:
        return shape_text(tuple(shape), self.probe)

    # -- grading ---------------------------------------------------------------------
    def grade(self, text: str) -> Verdict:
        answer = read(text, matrix=True, example=EXAMPLE)
        check_names(self.net, answer.names)
        if self.grad is None:   # drawn once: a grader may grade many answers
            self.batches = draw_all(self.net, self.view)
            self.grad = Gradient(self.net, self.view, self.key, self.batches)
        t = self.t
        verdict = Verdict(False, self.question, answer.text, self.write(self.grad.expr),
                          where=self.where(), method="numeric",
                          checked=t("check.checked_grad", ms=", ".join(map(str, self.ms)), draws=DRAWS),
                          labels=labels(self.t, self.question))
        verdict.shapes["expected"] = self.shape(self.grad.shape)
        try:
            S = self.values(answer)
        except ShapeMismatch as e:
            self.shape_mistake(answer, e, verdict)
            return verdict
        verdict.shapes["answer"] = self.shape(np.shape(S[-1]))
        if not all(np.all(np.isfinite(s)) for s in S):
            verdict.diagnosis.append(t("check.not_finite"))
            verdict.mistakes.append("not_finite")
            return verdict
        right = self.grad.right_values
        lenient = self.bias_shape(S)
        if equal(lenient, right):
            verdict.correct = True
            if lenient is not S:
                verdict.notes.append(t("check.bias_shape", param=self.key, yours=verdict.shapes["answer"],
                                       shape=verdict.shapes["expected"]))
            return verdict
        self.diagnose(lenient, verdict)
        return verdict

    def values(self, answer) -> list:
        # the largest batch first, so that a shape message speaks of m, not 1
        order = sorted(range(len(self.batches)), key=lambda i: -self.batches[i].m)
        out = [None] * len(self.batches)
        for i in order:
            out[i] = np.asarray(Evaluator(answer, self.batches[i].env)(), dtype=float)
        return out

    def bias_shape(self, S: list) -> list:
        """A bias gradient as a row or column of the right length reads as its vector."""
        if not self.grad.bias:
            return S
        n = self.grad.shape[0]
        if all(s.shape in ((1, n), (n, 1)) for s in S) and n > 0:
            return [s.reshape(-1) for s in S]
        return S

    # -- the diagnosis ---------------------------------------------------------------
    def diagnose(self, S: list, verdict: Verdict) -> None:
        t, grad = self.t, self.grad
        ms = [b.m for b in self.batches]
        best, best_score = None, None

        def consider(changes, values, generic):
            nonlocal best, best_score
            found = fit(S, values, ms)
            if found is None:
                return
            factors = self.factor_mistakes(found, generic)
            if factors is None:
                return
            # a constant factor no known mistake makes counts for more than a named one
            score = len(changes) + sum(1.5 if name == "factor" else 1 for name, _ in factors)
            if best is None or score < best_score:
                best, best_score = (changes, factors), score

        consider((), grad.right_values, True)
        for variant in grad.variants(MOST_CHANGES):
            if best is not None and best_score <= len(variant.changes):
                break
            if grad.evaluate(variant):
                consider(variant.changes, variant.values, False)
        if best is None:
            if np.shape(S[-1]) != np.shape(grad.right_values[-1]):
                verdict.diagnosis.append(t("check.shape", question=self.question, yours=verdict.shapes["answer"],
                                           param=self.key, shape=verdict.shapes["expected"]))
                verdict.mistakes.append("shape")
            verdict.diagnosis.append(self.not_equal(S))
            verdict.mistakes.append("not_equal")
            return
        changes, factors = best
        for change in changes:
            verdict.diagnosis.append(self.change_text(change))
            verdict.mistakes.append(self.change_name(change))
        for name, text in factors:
            verdict.diagnosis.append(text)
            verdict.mistakes.append(name)

    def factor_mistakes(self, found, generic: bool):
        """The mistakes a transpose, a power of m and a constant s stand for:
        [(name, sentence)], or None when s is no factor a known mistake makes
        (``generic``: then it is named as a plain constant factor)."""
        t, net = self.t, self.net
        out = []
        if found.transposed:
            out.append(("transpose", t("check.transposed_bias" if self.grad.bias else "check.transposed",
                                       question=self.question, param=self.key, shape=self.shape(self.grad.shape),
                                       expected=self.write(self.grad.expr))))
        if found.power == 1:
            out.append(("missing_1/m", t("check.missing_m") if net.reduction == "mean" else t("check.extra_m_factor")))
        elif found.power == -1:
            out.append(("extra_1/m", t("check.extra_m") if net.reduction == "mean" else t("check.sum_no_m")))
        s = found.scale
        if abs(s) < 1e-12:
            return None
        named = constant_mistakes(s, net.sizes[-1], net.loss, t)
        if named is None:
            if not generic:
                return None
            out.append(("factor", t("check.factor", factor=short(s))))
            return out
        return out + named

    def change_name(self, c: Change) -> str:
        if c.kind == "fprime":
            return {"none": "missing_fprime", "at_a": "fprime_of_a", "a_form_at_z": "fprime_form_of_z",
                    "act": "wrong_activation", "layer": "fprime_wrong_layer", "extra": "extra_fprime"}[c.how[0]]
        return {"input": "wrong_layer_activation", "delta": "wrong_layer_delta", "nosum": "missing_sum",
                "nol2": "missing_l2"}[c.kind]

    def change_text(self, c: Change) -> str:
        t, net, l = self.t, self.net, self.grad.layer
        if c.kind == "fprime":
            k = c.layer
            act = net.act(k)
            right = self.fprime_text(k)
            what = c.how[0]
            if what == "none":
                return t("check.no_fprime", l=k, act=act.name, fprime=right)
            if what == "at_a":
                return t("check.fprime_at_a", l=k, act=act.name, fprime=right)
            if what == "a_form_at_z":
                ls = self.view.layers[k]
                _, form = view_fprime(ls, act)
                wrong = self.write(form.xreplace({ls.a.matrix: ls.z.matrix}))
                return t("check.fprime_form_at_z", l=k, act=act.name, wrong=wrong, fprime=right)
            if what == "act":
                return t("check.fprime_other_act", l=k, act=act.name, other=c.how[1], fprime=right)
            if what == "layer":
                return t("check.fprime_other_layer", l=k, k=c.how[1], fprime=right)
            L = net.depth
            return t("check.extra_fprime", act=act.name, loss=net.loss,
                     delta=self.write(self.view.step("BP1", L).matrix))
        if c.kind == "input":
            kind, k = c.how
            used = "X" if (kind == "A" and k == 0) else f"{kind}{k}"
            right = "X" if l == 1 else f"A{l - 1}"
            if kind == "Z" and k == l - 1:
                return t("check.z_for_a", used=used, right=right, l=l)
            return t("check.input", used=used, right=right, l=l)
        if c.kind == "delta":
            return t("check.delta", used=f"dZ{c.how[0]}", right=f"dZ{l}")
        if c.kind == "nosum":
            return t("check.no_sum", param=self.key, expected=self.write(self.grad.expr),
                     n=self.grad.shape[0], l=l)
        return t("check.no_l2", lam=f"{float(self.grad.lam):g}", l=l)

    def fprime_text(self, k: int) -> str:
        ls = self.view.layers[k]
        act = self.net.act(k)
        _, form = view_fprime(ls, act)
        if form is None:
            return self.names[ls.fprime.matrix]
        return self.write(form)

    def not_equal(self, S: list) -> str:
        right = self.grad.right_values
        for s, v, b in sorted(zip(S, right, self.batches), key=lambda x: -x[2].m):
            if s.shape == v.shape:
                diff = np.abs(s - v)
                idx = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.size else ()
                return self.t("check.not_equal", question=self.question, m=b.m,
                              entry="[" + ", ".join(str(i) for i in idx) + "]",
                              yours=short(float(s[idx])), value=short(float(v[idx])))
        return self.t("check.not_equal_shape", question=self.question)

    # -- shapes that do not fit inside the answer -------------------------------------
    def shape_mistake(self, answer, e: ShapeMismatch, verdict: Verdict) -> None:
        t = self.t
        part = ast.get_source_segment(answer.text, e.node) or ast.unparse(e.node)
        if e.right is None:
            verdict.diagnosis.append(t("check.mismatch_one", part=part, op=e.op, shape=self.shape(e.left)))
        else:
            left = ast.get_source_segment(answer.text, e.node.left) or ast.unparse(e.node.left)
            right = ast.get_source_segment(answer.text, e.node.comparators[0] if isinstance(e.node, ast.Compare)
                                           else e.node.right) or ""
            verdict.diagnosis.append(t("check.mismatch", part=part, left=left, right=right, op=e.op,
                                       lshape=self.shape(e.left), rshape=self.shape(e.right)))
        verdict.mistakes.append("shape_mismatch")
        fix = self.repair(answer, e)
        if fix is None:
            return
        fixed_text, fixed_part, values = fix
        right = self.grad.right_values
        if equal(self.bias_shape(values), right):
            verdict.diagnosis.append(t("check.mismatch_fixed", fix=fixed_part, answer=fixed_text))
        else:
            verdict.diagnosis.append(t("check.mismatch_fits", fix=fixed_part))

    def repair(self, answer, e: ShapeMismatch):
        """A rearrangement of the operation that does not fit (transposed
        operands, swapped factors) with which the whole answer evaluates:
        (answer, part, values) or None.  One that makes the answer right is
        preferred, then one that gives the gradient's shape."""
        if not isinstance(e.node, ast.BinOp):
            return None
        node = e.node

        def T(x):
            if isinstance(x, ast.Attribute) and x.attr == "T":
                return x.value
            return ast.Attribute(value=x, attr="T", ctx=ast.Load())
        a, b = node.left, node.right
        if isinstance(node.op, ast.MatMult):
            options = [(T(a), b), (a, T(b)), (b, a), (T(b), a), (b, T(a)), (T(a), T(b)), (T(b), T(a))]
        else:
            options = [(T(a), b), (a, T(b))]
        right = self.grad.right_values
        found = []
        for left, right_operand in options:
            new = ast.BinOp(left=left, op=node.op, right=right_operand)
            tree = _replace(answer.tree, node, new)
            candidate = Answer(answer.text, tree, answer.names)
            try:
                values = [np.asarray(Evaluator(candidate, batch.env)(), dtype=float) for batch in self.batches]
            except ShapeMismatch:
                continue
            values = self.bias_shape(values)
            rank = 0 if equal(values, right) else 1 if values[-1].shape == right[-1].shape else 2
            found.append((rank, len(found), ast.unparse(tree), ast.unparse(new), values))
        if not found:
            return None
        return min(found)[2:]

    # -- what 'expected' uses --------------------------------------------------------
    def where(self) -> list[tuple[str, str]]:
        """The errors dZ the expected result uses, from the output layer down."""
        L, l = self.net.depth, int(self.key[1:])
        out = []
        for k in range(L, l - 1, -1):
            step = self.view.step("BP1" if k == L else "BP2", k)
            out.append((f"dZ{k}", self.write(step.matrix)))
        return out


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> ast.AST:
    """A copy of ``tree`` with the node ``old`` replaced by ``new``."""
    if tree is old:
        return new
    copied = copy.copy(tree)
    for name, value in ast.iter_fields(tree):
        if isinstance(value, ast.AST):
            setattr(copied, name, _replace(value, old, new))
        elif isinstance(value, list):
            setattr(copied, name, [_replace(v, old, new) if isinstance(v, ast.AST) else v for v in value])
    return copied


def grade(net, key: str, text: str, t) -> Verdict:
    return Grader(net, key, t).grade(text)
