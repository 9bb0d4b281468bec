"""The index view of a network of any kinds: each layer's own index-level
derivation, walked from the output down.

Every layer receives ∂L/∂(its output) from the layer above (L = Σᵣ ℓᵣ, the
per-example losses summed: no 1/m travels down), derives what it needs for
its parameters, and sends ∂L/∂(its input) down.  The last layer's comes
from BP1.  Each derived result is also a Claim, which ``check.py`` proves
on a small instance against the scalar graph.
"""
from __future__ import annotations

from types import SimpleNamespace

import sympy as sp

from ... import names
from ...model import Section, Shape, Table, Text
from . import l2, output
from .common import M, Context, dims_of, record, tensor
from .dense import LayerSymbols, _batch, _general
from .conv import ConvStage
from .dense_layer import DenseStage
from .dropout import DropoutStage
from .flatten import FlattenStage
from .norm import NormStage
from .pool import PoolStage
from .recurrent import RecurrentStage
from .residual import ResidualStage


def make_stage(layer, inp, shape, ctx, last):
    kind = layer.kind
    if kind == "dense":
        return DenseStage(layer, inp, shape, ctx, last)
    if kind == "flatten":
        return FlattenStage(layer, inp, shape, ctx, last)
    if kind == "conv":
        return ConvStage(layer, inp, shape, ctx, last)
    if kind == "pool":
        return PoolStage(layer, inp, shape, ctx, last)
    if kind in ("bn", "ln"):
        return NormStage(layer, inp, shape, ctx, last)
    if kind == "dropout":
        return DropoutStage(layer, inp, shape, ctx, last)
    if kind == "res":
        return ResidualStage(layer, inp, shape, ctx, last, make=make_stage)
    if kind == "recurrent":
        return RecurrentStage(layer, inp, shape, ctx, last)
    raise NotImplementedError(kind)


def input_tensor(net, ctx):
    dims = dims_of(net.input, 0)
    record(ctx, dims, net.input)
    return tensor("x", "X", dims, ("m", *net.input), ("input",))


def build(net, ctx) -> list:
    """The top-level stages, in order; each stage's input is the last one's output."""
    inp, shape, out = input_tensor(net, ctx), tuple(net.input), []
    for i, layer in enumerate(net.layers):
        stage = make_stage(layer, inp, shape, ctx, i == len(net.layers) - 1)
        out.append(stage)
        inp, shape = stage.out, stage.out_shape
    return out


class IndexView:
    """The derivation of ``net`` (sections) and everything it claims (claims)."""

    def __init__(self, net, t, params: list[str] | None = None):
        wanted = None
        if params:
            wanted = {}
            for p in params:
                key, _ = names.locate(p, net.param_shapes())
                wanted.setdefault(int(key.lstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")),
                                  set()).add(key)
        scale = sp.S.One if net.reduction == "sum" else 1 / M
        self.ctx = ctx = Context(net, t, scale, wanted)
        self.net, self.t = net, t
        self.stages = build(net, ctx)
        self.sections = self._sections(params)

    @property
    def claims(self):
        return self.ctx.claims

    def _sections(self, params) -> list:
        net, t, ctx = self.net, self.t, self.ctx
        first = LayerSymbols("1", "0", 1, 1, first=True)
        fake = SimpleNamespace(net=net, scale=ctx.scale, layers={1: first})
        out = [Section(t("delta.title", spec=net.spec), [Text(t("index.intro", spec=net.spec))], key="delta"),
               self._conventions(), _batch(fake, t)]
        dense = any(s.kind == "dense" for st in self.stages for s in st.numbered())
        if dense and not params:
            out.append(_general(fake, t))
        lowest = 0
        if ctx.wanted:
            low = min(ctx.wanted)
            lowest = max(i for i, st in enumerate(self.stages) if min(s.l for s in st.numbered()) <= low) \
                if any(min(s.l for s in st.numbered()) <= low for st in self.stages) else 0
        flow = output.start(self.stages[-1], ctx)
        for i in range(len(self.stages) - 1, lowest - 1, -1):
            below = self.stages[i - 1] if i > lowest else None
            secs, flow = self.stages[i].backward(ctx, flow, below)
            out += secs
        penalty = l2.section(ctx, self.stages)
        if penalty is not None:
            out.append(penalty)
        return out

    def _conventions(self) -> Section:
        t, net = self.t, self.net
        rows = [[sp.MatrixSymbol("X", M, 1), Shape(M, *net.input), t("delta.inputs")]]
        for st in self.stages:
            for s in st.numbered():
                rows += s.rows(t)
        rows.append([sp.MatrixSymbol("Y", M, 1), Shape(M, net.n_out), t("delta.targets")])
        sizes = ", ".join(f"{s} = {v}" for s, v in self.ctx.values.items())
        return Section(t("delta.shapes_title"), [Text(t("index.layout")),
                                                 Table([t("delta.quantity"), t("delta.shape"), t("delta.meaning")],
                                                       rows),
                                                 Text(t("index.sizes", sizes=sizes))], key="delta-shapes")


def sections(net, t, params: list[str] | None = None) -> list:
    return IndexView(net, t, params).sections


__all__ = ["IndexView", "sections"]
