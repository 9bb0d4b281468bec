"""The scalar form: straight-line code from ``derive.graph.Graph``,
one statement per chain-rule factor, each a column of the batch (one value
per example).  It exists to be read next to the derivation, so it is only
offered for small networks."""
from __future__ import annotations

import sympy as sp

from derive import names, rules
from derive.errors import ChainruleError
from derive.graph import Graph
from derive.network import Network

from .layers.act import forward_code
from .emit import context, note
from .printer import numpy_code

MAX_PARAMS = 60
MAX_WIDTH = 8


def check_size(net: Network) -> None:
    """ChainruleError (one line, exit 2) for what the scalar form does not cover."""
    if not net.is_mlp:
        kinds = sorted({layer.kind for layer in net.numbered} - {"dense"}) or ["a non-flat input"]
        raise ChainruleError(
            f"--form scalar covers small dense networks only, and '{net.spec}' has {', '.join(kinds)}; "
            f"use --form vectorized")
    if net.l2 is not None:
        raise ChainruleError(f"--form scalar does not cover the l2 item of '{net.spec}'; use --form vectorized")
    widest = max(net.sizes)
    if net.n_params > MAX_PARAMS or widest > MAX_WIDTH:
        raise ChainruleError(
            f"'{net.spec}' is too large for --form scalar ({net.n_params} parameters, widest layer "
            f"{widest}; the limit is {MAX_PARAMS} parameters and width {MAX_WIDTH}); use --form vectorized")


def scalar_context(net: Network) -> dict:
    check_size(net)
    g = Graph(net)
    ctx = context(net, "scalar")
    lines: list[str] = []

    def emit(code, comment=None):
        lines.append(note(code, comment) if comment else code)

    emit("# Inputs, targets and parameters, one column or number each.")
    for i, s in enumerate(g.inputs[0], 1):
        emit(f"{s} = X[:, {i - 1}]")
    for k, s in enumerate(g.targets[0], 1):
        emit(f"{s} = Y[:, {k - 1}]")
    for key, shape in net.param_shapes().items():
        for name in names.entries(key, shape):
            idx = names.locate(name, {key: shape})[1]
            emit(f'{name} = params["{key}"][{", ".join(map(str, idx))}]')

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
            emit(f"{d.symbol} = {numpy_code(d.expr)}")
    L = net.depth
    out_z = ", ".join(str(d.act[1]) for d in g.forward if d.symbol in set(g.outputs[0]))
    emit(f"Z{L} = np.stack([{out_z}], axis=1)")
    emit(f"A{L} = np.stack([{', '.join(map(str, g.outputs[0]))}], axis=1)")
    total = rules.LOSSES[net.loss].numpy.format(a=f"A{L}", z=f"Z{L}", n=net.n_out)
    emit(f"J = float({total}){' / m' if net.reduction == 'mean' else ''}")

    emit("# Backward pass: one delta per neuron, d = dl/dz, output layer first.")
    for a in g.teaching_order():
        d = g.by_symbol[a.of]
        code = numpy_code(a.taught if a.taught is not None else a.expr)
        if not (a.taught if a.taught is not None else a.expr).free_symbols:
            code = f"np.full_like({a.of}, {code})"
        what = "BP1" if a.output else "BP2"
        emit(f"{a.symbol} = {code}", f"{what}: dl/d{a.of}")

    emit("# Gradients: delta times dz/dparam, summed over the batch rows.")
    scale = " / m" if net.reduction == "mean" else ""
    for name in net.param_names():
        grad = g.gradients[name]
        product = sp.Add(*[h * loc for h, loc in grad.terms])
        eq = "BP4" if grad.key.startswith("W") else "BP3"
        emit(f"g_{name} = np.sum({numpy_code(product)}){scale}", f"{eq}: delta * dz/d{name}")
    for key, shape in net.param_shapes().items():
        entries = names.entries(key, shape)
        if len(shape) == 2:
            rows = ", ".join("[" + ", ".join(f"g_{e}" for e in entries[j * shape[1]:(j + 1) * shape[1]]) + "]"
                             for j in range(shape[0]))
            emit(f"d{key} = np.array([{rows}])", f"{shape}")
        else:
            emit(f"d{key} = np.array([{', '.join(f'g_{e}' for e in entries)}])", f"{shape}")
    ctx["scalar_lines"] = lines
    return ctx
