"""The scalar form: straight-line code from ``derive.graph.Graph``,
one statement per chain-rule factor, each a column of the batch (one value
per example).  It exists to be read next to the derivation, so it is only
offered for small networks."""
from __future__ import annotations

import numpy as np
import sympy as sp

from derive import names, rules
from derive.errors import ChainruleError
from derive.graph import Graph, couples_rows, graph_cost
from derive.layers import Dropout
from derive.network import Network

from . import numerics
from .layers.act import forward_code
from .emit import context, note
from .printer import numpy_code

MAX_PARAMS = 60
MAX_WIDTH = 8
MAX_TERMS = 600   # beyond dense layers: the scalar graph's size (a tiny conv or rnn)


def check_size(net: Network) -> None:
    """ChainruleError (one line, exit 2) for what the scalar form does not cover."""
    if couples_rows(net):
        raise ChainruleError(
            f"--form scalar computes one example at a time, and batch norm in '{net.spec}' couples the "
            f"examples of a batch; use --form vectorized")
    if net.layers[-1].kind != "dense":
        raise ChainruleError(f"--form scalar needs a dense output layer, and '{net.spec}' ends in "
                             f"{net.layers[-1].kind}; use --form vectorized")
    if net.is_mlp:
        widest = max(net.sizes)
        if net.n_params > MAX_PARAMS or widest > MAX_WIDTH:
            raise ChainruleError(
                f"'{net.spec}' is too large for --form scalar ({net.n_params} parameters, widest layer "
                f"{widest}; the limit is {MAX_PARAMS} parameters and width {MAX_WIDTH}); use --form vectorized")
        return
    terms = graph_cost(net)
    if net.n_params > MAX_PARAMS or terms > MAX_TERMS:
        raise ChainruleError(
            f"'{net.spec}' is too large for --form scalar ({net.n_params} parameters, about {terms} terms "
            f"unrolled; the limit is {MAX_PARAMS} parameters and {MAX_TERMS} terms); use --form vectorized")


def _column(array: str, idx: tuple, image: bool) -> str:
    """One entry of every example: X[:, 0, 2] for X (m, ...); an image mask is (C, H, W, m)."""
    if image:
        return f"{array}[{', '.join(map(str, idx))}]"
    return f"{array}[:, {', '.join(map(str, idx))}]"


def scalar_context(net: Network) -> dict:
    check_size(net)
    g = Graph(net)
    ctx = context(net, "scalar")
    lines: list[str] = []

    def emit(code, comment=None):
        lines.append(note(code, comment) if comment else code)

    emit("# Inputs, targets and parameters, one column or number each.")
    for idx in np.ndindex(net.input):
        emit(f"{g.inputs[(0, *idx)]} = {_column('X', idx, False)}")
    for k, s in enumerate(g.targets[0], 1):
        emit(f"{s} = Y[:, {k - 1}]")
    for key, shape in net.param_shapes().items():
        for name in names.entries(key, shape):
            idx = names.locate(name, {key: shape})[1]
            emit(f'{name} = params["{key}"][{", ".join(map(str, idx))}]')
    for layer, shape in zip(net.numbered, net.shapes()):
        if isinstance(layer, Dropout):   # the keep-masks, as _masks lays them out
            emit(f"# Dropout keep-masks of layer {layer.l} (1 keeps, 0 drops).")
            for idx in np.ndindex(shape):
                mask = names.plain("m", layer.l, *[i + 1 for i in idx])
                emit(f"{mask} = {_column(f'M{layer.l}', idx, len(shape) == 3)}")

    emit("# Forward pass, one quantity at a time.")
    for d in g.forward:
        if d.act is not None and d.act[2] is not None:   # softmax: over the whole layer at once
            siblings = d.act[2]
            if d.act[1] != siblings[0]:
                continue
            outs = [g._output_of(z) for z in siblings]
            stacked = f"np.stack([{', '.join(map(str, siblings))}], axis=1)"
            emit(f"{', '.join(map(str, outs))}{',' if len(outs) == 1 else ''} = "
                 f"{forward_code(d.act[0], stacked)}.T", "softmax over the layer")
        elif d.act is not None:
            emit(f"{d.symbol} = {forward_code(d.act[0], str(d.act[1]))}", d.act[0].name)
        else:
            emit(f"{d.symbol} = {numpy_code(d.expr)}", None if d.window is None else "max of the window")
    L = net.depth
    out_z = ", ".join(str(d.act[1]) for d in g.forward if d.symbol in set(g.outputs[0]))
    emit(f"Z{L} = np.stack([{out_z}], axis=1)")
    emit(f"A{L} = np.stack([{', '.join(map(str, g.outputs[0]))}], axis=1)")
    total = rules.LOSSES[net.loss].numpy.format(a=f"A{L}", z=f"Z{L}", n=net.n_out)
    penalty = f" + {numpy_code(g.l2)}" if g.l2 != 0 else ""
    emit(f"J = float({total}){' / m' if net.reduction == 'mean' else ''}{penalty}",
         "plus the L2 penalty" if penalty else None)

    emit("# Backward pass: one delta per quantity, d = dl/dz, output layer first.")
    # a dense network in the order it is taught; others in reverse forward order,
    # where every delta's consumers come first
    adjoints = g.teaching_order() if net.is_mlp else g.adjoints
    for a in adjoints:
        form = a.taught if a.taught is not None else a.expr
        code = numpy_code(form)
        if not form.free_symbols:
            code = f"np.full_like({a.of}, {code})"
        what = "BP1" if a.output else ("BP2" if net.is_mlp else "from its consumers")
        emit(f"{a.symbol} = {code}", f"{what}: dl/d{a.of}")

    emit("# Gradients: delta times dz/dparam, summed over the batch rows.")
    scale = " / m" if net.reduction == "mean" else ""
    for name in net.param_names():
        grad = g.gradients[name]
        product = sp.Add(*[h * loc for h, loc in grad.terms])
        eq = ("BP4" if grad.key.startswith("W") else "BP3") if net.is_mlp else "the sum over its uses"
        l2 = f" + {numpy_code(grad.l2)}" if grad.l2 != 0 else ""
        emit(f"g_{name} = np.sum({numpy_code(product)}){scale}{l2}", f"{eq}: delta * dz/d{name}"
             + (", plus lambda*w" if l2 else ""))
    for key, shape in net.param_shapes().items():
        entries = names.entries(key, shape)
        if len(shape) == 2:
            rows = ", ".join("[" + ", ".join(f"g_{e}" for e in entries[j * shape[1]:(j + 1) * shape[1]]) + "]"
                             for j in range(shape[0]))
            emit(f"d{key} = np.array([{rows}])", f"{shape}")
        elif len(shape) == 1:
            emit(f"d{key} = np.array([{', '.join(f'g_{e}' for e in entries)}])", f"{shape}")
        else:
            emit(f"d{key} = np.array([{', '.join(f'g_{e}' for e in entries)}]).reshape({shape})", f"{shape}")
    ctx["scalar_lines"] = lines
    # a gate's sigmoid (LSTM, GRU) is called here though no layer names it
    ctx["helpers"] = ctx["helpers"] + [h for h in numerics.helpers_for("\n".join(lines)) if h not in ctx["helpers"]]
    return ctx
