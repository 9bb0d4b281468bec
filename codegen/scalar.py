"""The scalar form: straight-line code from ``derive.network.Backprop``,
one statement per chain-rule factor, each a column of the batch (one value
per example).  It exists to be read next to the derivation, so it is only
offered for small networks."""
from __future__ import annotations

import sympy as sp

from derive.errors import ChainruleError
from derive.backprop import Backprop
from derive import names
from derive.network import Network

from derive import rules

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


def _cse_block(exprs: list[sp.Expr], prefix: str) -> tuple[list[tuple[sp.Symbol, sp.Expr]], list[sp.Expr]]:
    """sympy.cse over one group of statements (temporaries named prefix0...)."""
    temps, reduced = sp.cse(exprs, symbols=sp.numbered_symbols(prefix, real=True), optimizations=None)
    return temps, reduced


def scalar_context(net: Network) -> dict:
    check_size(net)
    bp = Backprop(net)
    L = net.depth
    ctx = context(net, "scalar")
    lines: list[str] = []

    def emit(code, comment=None):
        lines.append(note(code, comment) if comment else code)

    emit("# Inputs, targets and parameters, one column or number each.")
    for i in range(1, net.sizes[0] + 1):
        emit(f"x{i} = X[:, {i - 1}]")
    for k in range(1, net.sizes[L] + 1):
        emit(f"y{k} = Y[:, {k - 1}]")
    for l in range(1, L + 1):
        for j in range(1, net.sizes[l] + 1):
            for k in range(1, net.sizes[l - 1] + 1):
                emit(f'w{l}_{j}_{k} = params["W{l}"][{j - 1}, {k - 1}]')
            if net.bias:
                emit(f'b{l}_{j} = params["b{l}"][{j - 1}]')

    emit("# Forward pass, neuron by neuron.")
    defs = dict(bp.forward)
    for l in range(1, L + 1):
        act = net.act(l)
        zs = [names.node("z", l, j) for j in range(1, net.sizes[l] + 1)]
        for zj in zs:
            emit(f"{zj} = {numpy_code(defs[zj])}")
        a_names = [str(names.node("a", l, j)) for j in range(1, net.sizes[l] + 1)]
        if act.name == "softmax":
            stacked = f"np.stack([{', '.join(map(str, zs))}], axis=1)"
            emit(f"{', '.join(a_names)}{',' if len(a_names) == 1 else ''} = "
                 f"{forward_code(act, stacked)}.T", "softmax over the layer")
        else:
            for zj, aj in zip(zs, a_names):
                emit(f"{aj} = {forward_code(act, str(zj))}", act.name)
    out_z = ", ".join(str(names.node("z", L, j)) for j in range(1, net.sizes[L] + 1))
    out_a = ", ".join(str(names.node("a", L, j)) for j in range(1, net.sizes[L] + 1))
    emit(f"Z{L} = np.stack([{out_z}], axis=1)")
    emit(f"A{L} = np.stack([{out_a}], axis=1)")
    total = rules.LOSSES[net.loss].numpy.format(a=f"A{L}", z=f"Z{L}", n=net.sizes[L])
    emit(f"J = float({total}){' / m' if net.reduction == 'mean' else ''}")

    emit("# Backward pass: one delta per neuron, d = dl/dz, output layer first.")
    act_L = net.act(L)
    bp1 = [bp.output_taught[(j, None)] for j in range(1, net.sizes[L] + 1)]
    temps, bp1 = _cse_block(bp1, "t")
    for t, e in temps:
        emit(f"{t} = {numpy_code(e)}", "shared subexpression")
    for j, e in enumerate(bp1, 1):
        d = names.node("d", L, j)
        code = numpy_code(e) if e.free_symbols else f"np.full_like(z{L}_{j}, {numpy_code(e)})"
        emit(f"{d} = {code}", f"BP1: dl/d{names.node('z', L, j)} ({act_L.name} + {net.loss})")
    counter = len(temps)
    for l in range(L - 1, 0, -1):
        act = net.act(l)
        ups, fps = [], []
        for k in range(1, net.sizes[l] + 1):
            ups.append(sp.Add(*[names.node("d", l + 1, j) * bp.dz_da(l + 1, j, k, None)
                                for j in range(1, net.sizes[l + 1] + 1)]))
            fps.append(bp.fprime(l, k, None))
        temps, reduced = _cse_block(ups + fps, "t")
        renamed = {t: sp.Symbol(f"t{counter + i}", real=True) for i, (t, _) in enumerate(temps)}
        counter += len(temps)
        for t, e in temps:
            emit(f"{renamed[t]} = {numpy_code(e.xreplace(renamed))}", "shared subexpression")
        reduced = [e.xreplace(renamed) for e in reduced]
        n = net.sizes[l]
        for k in range(1, n + 1):
            up, fp = reduced[k - 1], reduced[n + k - 1]
            upstream = sp.Symbol(f"up{l}_{k}", real=True)
            d = names.node("d", l, k)
            emit(f"{upstream} = {numpy_code(up)}", f"BP2: sum over the neurons a{l}_{k} feeds")
            if fp == 1:
                emit(f"{d} = {upstream}", f"BP2: {act.name}'(z{l}_{k}) = 1")
                continue
            factor = numpy_code(fp)
            if not fp.has(sp.Piecewise) or factor.startswith("("):
                emit(f"fp{l}_{k} = {factor}", f"{act.name}'(z{l}_{k}), written in a{l}_{k}")
                emit(f"{d} = {upstream}*fp{l}_{k}", "BP2: upstream times local")
            else:
                emit(f"{d} = {numpy_code(upstream * fp)}", f"BP2: upstream times {act.name}'(z{l}_{k})")

    emit("# Gradients: delta times dz/dparam, summed over the batch rows.")
    scale = " / m" if net.reduction == "mean" else ""
    for name in net.param_names():
        g = bp.gradients[name]
        product = sp.Mul(*g.factors)
        eq = "BP4" if g.k is not None else "BP3"
        emit(f"g_{name} = np.sum({numpy_code(product)}){scale}",
             f"{eq}: d{g.layer}_{g.j} * dz{g.layer}_{g.j}/d{name}")
    for l in range(1, L + 1):
        rows = ", ".join("[" + ", ".join(f"g_w{l}_{j}_{k}" for k in range(1, net.sizes[l - 1] + 1)) + "]"
                         for j in range(1, net.sizes[l] + 1))
        emit(f"dW{l} = np.array([{rows}])", f"(n{l}, n{l - 1})")
        if net.bias:
            emit(f"db{l} = np.array([{', '.join(f'g_b{l}_{j}' for j in range(1, net.sizes[l] + 1))}])",
                 f"(n{l},)")
    ctx["scalar_lines"] = lines
    return ctx
