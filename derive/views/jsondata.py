"""The contract's JSON content from the graph: definitions, loss, and each
parameter's gradient with its chain-rule factors, in plain names."""
from __future__ import annotations

from ..evaluate import as_sympy
from ..format import full
from ..graph import Graph
from ..plain import plain


def graph_data(g: Graph, params: list[str] | None, example=None) -> dict:
    """Definitions, loss and gradients in plain names.  Dropout keep-masks are
    constants of the derivation: their numbers (the example's, else seed 0's)
    are put in, so every expression is in inputs, targets and parameters."""
    chosen = params or g.net.param_names()
    scheme = g.scheme()
    masks = mask_values(g, example)

    def p_(e):
        return plain(e.xreplace(masks) if masks else e)
    out = {
        "definitions": [{"name": s.name, "expr": p_(e)} for s, e in g.definitions()],
        "loss": p_(g.loss),
        "parameters": [param_entry(g, p, scheme, p_) for p in chosen],
    }
    if masks:
        out["masks"] = {s.name: int(v) for s, v in masks.items()}
    return out


def mask_values(g: Graph, example) -> dict:
    if not g.constants:
        return {}
    if example is None:
        from ..example import random_example
        example = random_example(g.net, 0, m=max(2, g.m))
    import sympy as sp
    import numpy as np
    masks = example.mask_dict()
    scheme = g.scheme()
    out = {}
    for s in g.constants:
        prefix, row, layer, idx = scheme.split(s.name)
        flat = int(np.ravel_multi_index([i - 1 for i in idx], g.mask_shapes[layer]))
        out[s] = sp.Integer(int(masks[f"M{layer}"][(row or 1) - 1][flat]))
    return out


def param_entry(g: Graph, p: str, scheme, p_=plain) -> dict:
    """``steps`` are the chain-rule factors whose product is the gradient:
    [1/m,] upstream delta, local derivative (or their sum over several
    consumers); an L2 term joins the last factor."""
    grad = g.gradient(p)
    import sympy as sp
    steps = [g.scale] if g.scale != 1 else []
    if len(grad.terms) == 1 and grad.l2 == 0:
        steps += list(grad.terms[0])
    else:
        total = sp.Add(*[h * loc for h, loc in grad.terms])
        steps.append(total + (grad.l2 / g.scale if grad.l2 != 0 else 0))
    return {"name": p, "latex": scheme.latex(p), "gradient": p_(grad.expr), "steps": [p_(s) for s in steps]}


def values_data(g_batch: Graph, ev) -> dict:
    """The worked example under the batch graph's plain names."""
    batch_scheme = g_batch.scheme()
    single = ev.graph
    out = {}
    for s in list(g_batch.inputs.flat) + list(g_batch.targets.flat):
        out[s.name] = full(_value_of(s, batch_scheme, single, ev))
    for p, v in ev.graph.params.items():
        out[p] = full(ev.rows[0][v])
    for s, _ in g_batch.definitions():
        out[s.name] = full(_value_of(s, batch_scheme, single, ev))
    return out


def _value_of(s, batch_scheme, single: Graph, ev):
    if not ev.per_row:
        return ev.rows[0][s]
    prefix, row, layer, idx = batch_scheme.split(s.name)
    from .. import names
    nums = ([layer] if layer is not None else []) + list(idx)
    return ev.rows[(row or 1) - 1][names.sym(names.plain(prefix, *nums))]


def number(v) -> str:
    return full(v)


__all__ = ["as_sympy", "graph_data", "number", "param_entry", "values_data"]
