"""The right dJ/dW{l} or dJ/db{l} of a dense network, and its known wrong variants.

Nothing here is typed per network or per preset.  The right answer is the
delta view's BP4 (or BP3) matrix, evaluated on each batch.  Each wrong
variant changes one ingredient of that same computation and evaluates it
again:

- the derivative f' of a layer (``fprime`` changes): left out, taken at A
  instead of Z, its taught form in A written with Z, another activation's,
  another layer's Z, or (at an output whose f' cancels against the loss)
  put in anyway; the errors Δ of every layer below are then recomputed from
  the delta view's BP2 products;
- what multiplies the errors in BP4: another layer's A or Z instead of A{l-1};
- another layer's errors Δ instead of layer l's;
- the column of ones of BP3 (the sum over the batch) replaced by the
  identity: the bias gradient left unsummed;
- the L2 term λ·W left out.

A transposed result and constant factors (1/m, a sign, 2, the 1/n of mse)
need no variant of their own: ``fit`` finds them when it compares an answer
with a variant.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..index_algebra import ONES
from ..layers import IDENTITY
from ..matrix_numbers import activation, derivative
from ..rules import ACTIVATIONS, LOSSES, fprime
from ..views.delta import DeltaView, bp1
from .batches import Batch, l2_slope


@dataclass(frozen=True)
class Change:
    """One changed ingredient: ``kind`` and what it needs (layer, name ...)."""
    kind: str                 # fprime, input, delta, nosum, nol2
    layer: int | None = None
    how: tuple = ()           # fprime: (what, ...); input: ('A'|'Z', k); delta: (k,)

    @property
    def category(self) -> str:
        return f"fprime{self.layer}" if self.kind == "fprime" else self.kind


@dataclass
class Variant:
    changes: tuple[Change, ...]
    values: list = field(default_factory=list)   # one array per batch


class Gradient:
    """dJ/d``key`` (W{l} or b{l}) of a dense network: the derivation's matrix
    form, its values on the batches, and its wrong variants."""

    def __init__(self, net, view: DeltaView, key: str, batches: list[Batch]):
        self.net, self.view, self.key, self.batches = net, view, key, batches
        self.layer = int(key[1:])
        self.bias = key.startswith("b")
        self.ls = view.layers[self.layer]
        self.step = view.step("BP3" if self.bias else "BP4", self.layer)
        lam = None if self.bias else l2_slope(net)
        self.expr = self.step.matrix if lam is None else sp.MatAdd(self.step.matrix, lam * self.ls.w.matrix)
        self.lam = lam
        self.shape = net.param_shapes()[key]
        self._base = {}

    # -- values ------------------------------------------------------------------
    def value(self, batch: Batch, changes: tuple[Change, ...] = ()):
        """The gradient on ``batch`` with ``changes`` made (None when a change
        does not apply to this network)."""
        ls = self.ls
        swap = {}
        fchanges = {c.layer: c.how for c in changes if c.kind == "fprime"}
        if fchanges:
            deltas = self.deltas(batch, fchanges)
            if deltas is None:
                return None
            swap[ls.d.matrix.name] = deltas[self.layer]
        expr = self.expr
        for c in changes:
            if c.kind == "input":
                kind, k = c.how
                source = batch.numbers.A if kind == "A" else batch.numbers.Z
                swap[ls.a_prev.matrix.name] = source[k]
            elif c.kind == "delta":
                swap[ls.d.matrix.name] = batch.numbers.D[c.how[0]]
            elif c.kind == "nosum":
                swap[ONES.text] = np.eye(batch.m)
            elif c.kind == "nol2":
                expr = self.step.matrix
        try:
            out = batch.evaluate(expr, swap)
        except ValueError:      # the change leaves shapes that do not add up (another A plus λW)
            return None
        if any(c.kind == "nosum" for c in changes):
            return out.T          # one row per example, as the errors dZ are laid out
        if self.bias and out.ndim == 2 and out.shape[1] == 1:
            out = out.reshape(-1)
        return out

    def right(self, batch: Batch):
        return self.value(batch)

    def deltas(self, batch: Batch, fchanges: dict) -> dict | None:
        """Δ of every layer from L down to this one, with the f' changes made;
        BP2's product Δ⁽ˡ⁺¹⁾W⁽ˡ⁺¹⁾ from the delta view itself."""
        net, view, nums = self.net, self.view, batch.numbers
        L = net.depth
        out = {}
        if L in fchanges:
            out[L] = self.output_delta(batch, fchanges[L])
            if out[L] is None:
                return None
        else:
            out[L] = nums.D[L]
        for l in range(L - 1, self.layer - 1, -1):
            step = view.step("BP2", l)
            product = step.matrix.args[0] if isinstance(step.matrix, sp.HadamardProduct) else step.matrix
            back = batch.evaluate(product, {view.layers[l + 1].d.matrix.name: out[l + 1]})
            if l in fchanges:
                f = self.fvalue(batch, l, fchanges[l])
                if f is None:
                    return None
            else:
                f = self.fright(batch, l)
            out[l] = back * f
        return out

    def _cached(self, key, compute):
        if key not in self._base:
            self._base[key] = compute()
        return self._base[key]

    def fright(self, batch: Batch, l: int):
        act = self.net.act(l)
        return self._cached(("fright", id(batch), l), lambda: derivative(act.name, act.alpha)(
            batch.numbers.Z[l], batch.numbers.A[l]))

    def fvalue(self, batch: Batch, l: int, how: tuple):
        """f' of layer ``l`` changed as ``how`` says, or None when that change
        does not exist for this layer."""
        return self._cached(("f", id(batch), l, how), lambda: self._fvalue(batch, l, how))

    def _fvalue(self, batch: Batch, l: int, how: tuple):
        net, nums = self.net, batch.numbers
        act = net.act(l)
        if not ACTIVATIONS[act.name].elementwise:
            return None
        Z, A = nums.Z[l], nums.A[l]
        what = how[0]
        if what == "none":
            return np.ones_like(Z)
        if what == "at_a":
            return derivative(act.name, act.alpha)(A, activation(act.name, act.alpha)(A))
        if what == "a_form_at_z":
            return derivative(act.name, act.alpha)(Z, Z) if fprime(act.name, act.alpha).in_output else None
        if what == "act":
            name, alpha = how[1], how[2]
            return derivative(name, alpha)(Z, activation(name, alpha)(Z))
        if what == "layer":
            k = how[1]
            if nums.Z[k].shape != Z.shape:
                return None
            return derivative(act.name, act.alpha)(nums.Z[k], nums.A[k])
        return None

    def output_delta(self, batch: Batch, how: tuple):
        """Δ at the output with its f' changed.  An output whose f' cancels
        against the loss (sigmoid with bce, softmax with ce) has only one
        mistake here: f' put in anyway."""
        net, nums = self.net, batch.numbers
        L = net.depth
        act = net.act(L)
        if not ACTIVATIONS[act.name].elementwise:
            return None
        if LOSSES[net.loss].needs:   # the pair: dl/dyhat is not a product form
            if how[0] != "extra":
                return None
            return nums.D[L] * self.fright(batch, L)
        if how[0] == "extra":
            return None
        f = self.fvalue(batch, L, how)
        if f is None:
            return None
        return self.dl_dyhat(batch) * f

    def dl_dyhat(self, batch: Batch):
        """dl/dŶ per example: BP1 of the same loss with an identity output."""
        L = self.net.depth
        expr = self._cached("dl", lambda: bp1(self.view.layers[L], IDENTITY, self.net.loss, self.net.sizes[L]).matrix)
        return self._cached(("dl", id(batch)), lambda: batch.evaluate(expr))

    # -- the variants --------------------------------------------------------------
    def changes(self) -> list[Change]:
        """Every single change that applies to this gradient."""
        net, l, L = self.net, self.layer, self.net.depth
        out = []
        acts = []
        for k in range(1, L + 1):
            a = net.act(k)
            if ACTIVATIONS[a.name].elementwise and a not in acts:
                acts.append(a)
        for k in range(L, l - 1, -1):
            act = net.act(k)
            if not ACTIVATIONS[act.name].elementwise:
                continue
            if k == L and LOSSES[net.loss].needs:
                out.append(Change("fprime", k, ("extra",)))
                continue
            out += [Change("fprime", k, ("none",)), Change("fprime", k, ("at_a",))]
            if fprime(act.name, act.alpha).in_output:
                out.append(Change("fprime", k, ("a_form_at_z",)))
            out += [Change("fprime", k, ("act", a.name, a.alpha)) for a in acts if a != act]
            out += [Change("fprime", k, ("layer", j)) for j in range(1, L + 1)
                    if j != k and net.sizes[j] == net.sizes[k]]
        if not self.bias:
            out += [Change("input", l, ("A", k)) for k in range(0, L + 1) if k != l - 1]
            out += [Change("input", l, ("Z", k)) for k in range(1, L + 1)]
            if self.lam is not None:
                out.append(Change("nol2", l))
        else:
            out.append(Change("nosum", l))
        out += [Change("delta", l, (k,)) for k in range(1, L + 1) if k != l]
        return out

    def variants(self, most: int) -> list[Variant]:
        """Variants with 1 .. ``most`` changes, each change from a different
        category (two f' changes are in different layers).  Combinations
        leave out the rarer f' changes (another activation's, another
        layer's), which would multiply their number in a deep network."""
        singles = self.changes()
        common = [c for c in singles if not (c.kind == "fprime" and c.how[0] in ("act", "layer"))]
        out = [Variant((c,)) for c in singles]
        for n in range(2, most + 1):
            for combo in itertools.combinations(common, n):
                if len({c.category for c in combo}) == n:
                    out.append(Variant(combo))
        return out

    def evaluate(self, variant: Variant) -> bool:
        """Fill in the variant's values; False when it does not apply, or
        equals the right answer everywhere (then it is no mistake here).
        Computed once per variant, however many answers are graded."""
        key = ("variant", variant.changes)
        if key not in self._base:
            self._base[key] = self._evaluate(variant.changes)
        variant.values = self._base[key] or []
        return self._base[key] is not None

    def _evaluate(self, changes) -> list | None:
        values = []
        same = True
        for batch in self.batches:
            v = self.value(batch, changes)
            if v is None:
                return None
            right = self.right_values[len(values)]
            if v.shape != right.shape or not np.allclose(v, right, rtol=1e-9, atol=1e-12):
                same = False
            values.append(v)
        return None if same else values

    @property
    def right_values(self) -> list:
        if "right" not in self._base:
            self._base["right"] = [self.right(b) for b in self.batches]
        return self._base["right"]
