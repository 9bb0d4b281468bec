"""The explore page's model: the network drawn, every parameter's
derivation, the matrix view, and the computation a page runs to take
gradient-descent steps (``chainrule explore``).

Everything comes from the existing views and the graph: each parameter's
section is the scalar view's (``scalar.parameter_section``, what
``derive --param NAME [--numbers]`` prints), the matrix view is the delta
view's, and the page's computation is the batch graph's own definitions,
loss and gradients (what ``derive --format json --numbers`` lists as
``definitions`` and ``gradient``), never a derivative written here.
"""
from __future__ import annotations

import sympy as sp
from sympy.parsing.sympy_parser import parse_expr

from .. import names
from ..derivation import build_graph, choose_example
from ..errors import ChainruleError
from ..graph import GRAPH_LIMIT, Graph, graph_cost
from ..lang import messages
from ..model import Explorer, Math, Partial, Program, Table, Text, Value
from ..worked import evaluate
from . import delta, numbers as worked_numbers, scalar
from .handout.diagram import dense_diagram, drawing
from .jsondata import mask_values

DRAW_LIMIT = 200        # neurons drawn one by one
PARAM_LIMIT = 1000      # parameters whose derivations a page carries
J = sp.Symbol("J")


def neurons(net) -> int:
    return sum(net.sizes) if net.is_mlp else 0


def explorer(net, *, numbers: bool = False, seed: int | None = None, lr=None, lang: str = "en") -> Explorer:
    t = messages(lang)
    if net.is_mlp and neurons(net) > DRAW_LIMIT:
        raise ChainruleError(f"{net.spec if len(net.spec) < 60 else 'this network'} has {neurons(net)} neurons; "
                             f"explore draws at most {DRAW_LIMIT}: try a narrower network, or "
                             f"'chainrule derive SPEC --view delta' for the matrix form at any width")
    example = choose_example(net, True, seed)
    g = build_graph(net, example) if net.n_params <= PARAM_LIMIT else None
    title = t("title", name=(net.name + " = " if net.name else "") + net.spec)
    names_ = g.scheme() if g is not None else names.Scheme(L=net.depth if net.is_mlp else None)
    diagram = dense_diagram(net, t, full=True) if net.is_mlp else drawing(net, t)
    words = {key: t(f"explore.{key}") for key in WORDS}
    if not net.is_mlp:
        words["choose"] = t("explore.choose_blocks")
    matrix = delta.sections(net, t)
    intro = [Text(t("explore.intro_dense" if net.is_mlp else "explore.intro_blocks"))]
    if g is None:
        why = t("explore.too_many_params", n=net.n_params, limit=PARAM_LIMIT) if net.n_params > PARAM_LIMIT else \
            t("explore.too_large", n=graph_cost(net), limit=GRAPH_LIMIT)
        intro = [Text(why)]   # nothing to click, nothing to step: the page says only what it shows
        return Explorer(title, intro, diagram, [], matrix, None, names_, words, {"spec": net.spec, "lang": lang})
    ev = evaluate(g, example)
    values = (ev.first() if ev.per_row else ev.rows[0]) if numbers else None
    rate = sp.Rational(str(lr)) if lr is not None else sp.Rational(example.lr.numerator, example.lr.denominator)
    parameters = []
    for p in net.param_names():
        section = scalar.parameter_section(g, p, values, t)
        section.body.insert(0, live_table(g, p, ev, rate, t))
        parameters.append((p, section))
    if numbers:   # the matrix view's numbers: derive --numbers --view delta's worked example, refilled on a step
        matrix = matrix + matrix_numbers(net, g, example, ev, t)
    program = build_program(net, g, example, parameters + [(None, s) for s in matrix], rate)
    described = example.described(t) or t("numbers.the_example")
    intro.append(Text(t("explore.example", m=example.m, s="" if example.m == 1 else "s", lr=_short(rate),
                        described=described if described.rstrip().endswith((".", "!", "?", "。", "！", "？")) else described + t("sep.end"))))
    return Explorer(title, intro, diagram, parameters, matrix, program, names_, words,
                    {"spec": net.spec, "lang": lang, "loss": ev.loss})


WORDS = ("step", "reset", "steps_done", "loss", "scalar", "matrix", "choose", "pick", "parameters", "view",
         "drawing", "derivation_of")


def _short(q) -> str:
    from ..format import fmt
    return fmt(q).plain()


def matrix_numbers(net, g: Graph, example, ev, t) -> list:
    """The worked example as ``derive --numbers --view delta`` prints it (the
    data, the forward pass, the deltas, the gradients), each number keyed
    with what it is the value of, so that a step fills it in again: a
    quantity of example r is "row:r:NAME" (one example's graph, evaluated
    row by row), else its own name (the graph of the whole batch)."""
    def key(s, r):
        return f"row:{r + 1}:{s.name}" if ev.per_row else s.name
    return [worked_numbers.data_section(net, example, g, t, keyed=True),
            worked_numbers.forward_section(net, ev, t, key=key),
            worked_numbers.delta_section(net, ev, t, key=key),
            worked_numbers.gradient_section(net, ev, net.param_names(), t, keyed=True)]


def live_table(g: Graph, p: str, ev, rate, t) -> Table:
    """The parameter's current value, its gradient over the batch and its
    value after one more step: the numbers a step changes."""
    from ..evaluate import as_sympy
    s = names.sym(p)
    grad = Partial(J, s)
    start, slope = as_sympy(ev.rows[0][g.params[p]]), as_sympy(ev.gradients[p])
    rows = [[s, Value(start, of=p)],
            [grad, Value(slope, of=f"grad:{p}")],
            [t("explore.after_step", lr=_short(rate)), Value(start - rate * slope, of=f"next:{p}")]]
    return Table([t("explore.quantity"), t("explore.value")], rows)


# ------------------------------------------------------------ the program --

def batch_graph(net, g: Graph, example) -> Graph:
    """The graph of the whole batch (rows first in the names): the one the
    page runs, as ``derive --format json --numbers`` lists it."""
    return g if g.rows != [None] else Graph(net, rows=list(range(1, example.m + 1)))


def row_map(g: Graph, batch: Graph, row: int = 1) -> dict:
    """The one-example graph's symbols -> the batch graph's symbols of that row."""
    if g is batch:
        return {}
    scheme, out = g.scheme(), {}
    for s in list(g.inputs.flat) + list(g.targets.flat) + [d.symbol for d in g.forward] + \
            [a.symbol for a in g.adjoints]:
        parts = scheme.split(s.name)
        if parts is None:
            continue
        prefix, _, layer, idx = parts
        nums = ([] if layer is None else [layer]) + list(idx)
        out[s] = names.sym(names.plain(prefix, *nums, row=row))
    return out


def build_program(net, g: Graph, example, parameters, rate) -> Program:
    batch = batch_graph(net, g, example)
    masks = mask_values(batch, example)
    constants = []
    for r, (x, y) in enumerate(zip(example.X, example.Y)):
        constants += list(zip(batch.inputs[r].flat, x))
        constants += list(zip(batch.targets[r], y))
    constants += [(s, v) for s, v in masks.items()]
    steps = [(s, e.xreplace(masks) if masks else e) for s, e in batch.definitions()]
    loss = batch.loss.xreplace(masks) if masks else batch.loss
    gradients = [(p, batch.gradient(p).expr.xreplace(masks) if masks else batch.gradient(p).expr)
                 for p in net.param_names()]
    grads = dict(gradients)
    to_batch = row_map(g, batch)
    table = {s.name: s for s in g.base_symbols() + [s for s, _ in g.definitions()]}
    slots = [("J", loss)]
    for key in _keys(parameters):
        if key == "J":
            continue
        if key.startswith("grad:"):
            expr = grads[key[5:]]
        elif key.startswith("next:"):
            expr = names.sym(key[5:]) - rate * grads[key[5:]]
        elif key.startswith("row:"):   # a quantity of example r: row:r:NAME
            _, row, name = key.split(":", 2)
            expr = parse_expr(name, local_dict=dict(table), evaluate=True).xreplace(row_map(g, batch, int(row)))
            if masks:
                expr = expr.xreplace(masks)
        else:
            expr = parse_expr(key, local_dict=dict(table), evaluate=True).xreplace(to_batch)
            if masks:
                expr = expr.xreplace(masks)
        slots.append((key, expr))
    return Program(constants, [(p, v) for p, v in example.params], steps, loss, gradients, slots, rate)


def _keys(parameters) -> list[str]:
    """Every ``of`` key in the (parameter, section) pairs' sections, in order of appearance."""
    seen = {}
    for _, section in parameters:
        for node in section.body:
            for e in _expressions(node):
                for v in sp.preorder_traversal(e):
                    if isinstance(v, Value) and v.of is not None:
                        seen.setdefault(v.of, None)
    return list(seen)


def _expressions(node):
    if isinstance(node, sp.Basic):
        yield node
    elif isinstance(node, Math):
        for p in node.parts:
            yield from _expressions(p)
    elif isinstance(node, (list, tuple)):
        for x in node:
            yield from _expressions(x)
    elif isinstance(node, Table):
        for row in node.rows:
            yield from _expressions(row)
    elif hasattr(node, "lines"):
        yield from _expressions(node.lines)
    elif hasattr(node, "body"):
        yield from _expressions(node.body)
    elif hasattr(node, "parts"):
        yield from _expressions([p for p in node.parts if not isinstance(p, str)])

