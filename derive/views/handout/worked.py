"""Section 8: the worked example, every number computed: through the scalar
graph for a small network (the numbers view's tables), else through the
delta view's matrix forms in float64, showing the first neurons."""
from __future__ import annotations

import sympy as sp

from ... import names
from ...evaluate import EvaluationError, as_sympy
from ...format import fmt
from ...model import Math, Section, Table, Text, Value
from ...trace_numbers import GATE_ERRORS, STATES
from .. import bptt_numbers, notes, numbers
from . import learning

SHOWN_NEURONS = 2    # neurons per layer in the tables of a wide network
SHOWN_INPUTS = 6     # inputs per example in its data table
SHOWN_ROWS = 4       # examples shown of a larger batch (the loss is the whole batch's)
PER_ARRAY = 2        # gradients shown per parameter array


def _v(x):
    return Value(as_sympy(x) if not isinstance(x, float) else sp.Float(x, 17))


def section(src) -> Section:
    t = src.t
    if src.numbers is None:
        return Section(t("handout.worked_title"), [Text(t("handout.no_numbers"))], key="worked")
    if src.numbers.route == "graph":
        body = graph_route(src)
    elif src.numbers.route == "trace":
        body = trace_route(src)
    else:
        body = matrix_route(src)
    return Section(t("handout.worked_title"), body, key="worked")


def shown_parameters(net) -> list[str]:
    """The first entries of each parameter array."""
    out = []
    for key, shape in net.param_shapes().items():
        out += names.entries(key, tuple(min(n, PER_ARRAY) if i == len(shape) - 1 else 1
                                        for i, n in enumerate(shape)))[:PER_ARRAY]
    return out


def graph_route(src) -> list:
    t, net, ex, g = src.t, src.net, src.example, src.graph
    ev = src.numbers.ev
    shown = net.param_names() if net.n_params <= 30 else shown_parameters(net)
    out = numbers.data_section(net, ex, g, t).body
    seed = notes.one_weight(net, g, ex, t)
    if seed is not None:
        out += seed
    out += [numbers.forward_section(net, ev, t), numbers.delta_section(net, ev, t)]
    out += [s for s in [bptt_numbers.section(net, g, ev, t)] if s is not None]
    out.append(numbers.gradient_section(net, ev, shown, t))
    if ex.steps:
        # every parameter takes the step; the table shows the first few of all of them
        try:
            section, trace = numbers.trace_section(net, g, ex, ex.steps, ex.lr, ev, net.param_names(), t)
        except EvaluationError as exc:   # a saturated unit's loss became log 0 on the way: no trace
            out.append(Text(t("handout.trace_stopped", step=getattr(exc, "step", "?"), lr=fmt(ex.lr).plain())))
        else:
            out.append(section)
            out += learning.pictures(src, trace)
    return out


def matrix_route(src) -> list:
    t, net, ex, nums = src.t, src.net, src.example, src.numbers
    scheme = src.scheme()
    m = min(ex.m, SHOWN_ROWS)
    out = [Text(t("handout.worked_float", m=ex.m, n=SHOWN_NEURONS)), data_section(src)]
    L = net.depth
    forward = []
    for l in range(1, L + 1):
        for prefix in ("z", "a"):
            forward += [names.node(prefix, l, j) for j in range(1, min(net.sizes[l], SHOWN_NEURONS) + 1)]
    deltas = [names.node("d", l, j) for l in range(L, 0, -1) for j in range(1, min(net.sizes[l], SHOWN_NEURONS) + 1)]

    def at(symbol, row):
        prefix, _, l, idx = scheme.split(symbol.name)
        return nums.value(prefix, l, idx[0], row)
    fwd = numbers.value_tables(forward, m, at, t("numbers.quantity"), t)
    fwd.append(Math([sp.Symbol("J"), _v(nums.loss)], note=t("numbers.batch_loss")))
    out.append(Section(t("numbers.forward_title"), fwd, key="numbers-forward"))
    out.append(Section(t("numbers.delta_title"), numbers.value_tables(deltas, m, at, "δ", t), key="numbers-deltas"))
    return out + gradients_and_descent(src)


def trace_route(src) -> list:
    """A recurrent network too wide for the graph: the generated code's
    arrays, h (and c) of the first units at the steps the drawing shows,
    the layers after it, the errors of the first unit's gates, and the size
    of each step's error."""
    from .unrolled import steps as drawn_steps
    t, net, ex, nums = src.t, src.net, src.example, src.numbers
    scheme = src.scheme()
    m = min(ex.m, SHOWN_ROWS)
    layer = nums.recurrent
    l, H, T = layer.l, layer.hidden, net.input[0]
    shown_steps = [s for s in drawn_steps(T) if s is not None]
    units = range(1, min(H, SHOWN_NEURONS) + 1)
    out = [Text(t("handout.worked_trace", m=ex.m, n=SHOWN_NEURONS, steps=", ".join(map(str, shown_steps)))),
           data_section(src)]
    values = {}
    forward = []
    for prefix in STATES[layer.cell]:
        for s in shown_steps:
            for j in units:
                name = names.sym(names.plain(prefix, l, s, j))
                forward.append(name)
                values[name] = (nums.state, (prefix, s, j))
    later = [x.l for x in net.numbered if x.l > l]
    for k in later:
        for prefix in ("z", "a"):
            if nums.has(prefix, k):
                for j in range(1, min(nums.arrays[f"{prefix.upper()}{k}"].shape[1], SHOWN_NEURONS) + 1):
                    name = names.node(prefix, k, j)
                    forward.append(name)
                    values[name] = (nums.value, (prefix, k, j))
    deltas = []
    for k in reversed(later):
        if nums.has("d", k):
            for j in range(1, min(nums.arrays[f"dZ{k}"].shape[1], SHOWN_NEURONS) + 1):
                name = names.node("d", k, j)
                deltas.append(name)
                values[name] = (nums.value, ("d", k, j))
    for s in reversed(shown_steps):
        for gate, prefix in enumerate(GATE_ERRORS[layer.cell]):
            name = names.sym(names.plain(prefix, l, s, 1))
            deltas.append(name)
            values[name] = (nums.gate_error, (gate, s, 1))

    def at(symbol, row):
        how, args = values[symbol]
        return how(*args, row)
    fwd = numbers.value_tables(forward, m, at, t("numbers.quantity"), t)
    fwd.append(Math([sp.Symbol("J"), _v(nums.loss)], note=t("numbers.batch_loss")))
    out.append(Section(t("numbers.forward_title"), fwd, key="numbers-forward"))
    out.append(Section(t("numbers.delta_title"), numbers.value_tables(deltas, m, at, "δ", t), key="numbers-deltas"))
    out.append(reach_section(src))
    return out + gradients_and_descent(src)


def reach_section(src) -> Section:
    """‖Δ_t‖ at every step of this network's example: how far back its error reaches."""
    t, nums = src.t, src.numbers
    norms = nums.step_norms()
    T = len(norms)
    rows = [[str(s), _v(norms[s - 1])] for s in range(T, 0, -1)]
    body = [Text(t("handout.reach_intro", l=nums.recurrent.l)),
            Table([t("numbers.step"), "‖Δₜ‖"], rows)]
    if T > 1 and norms[-1] > 0:
        ratio = norms[0] / norms[-1]
        body.append(Text(t("handout.reach_outro", T=T, ratio=fmt(sp.Float(ratio, 6)).plain(),
                           per=fmt(sp.Float(abs(ratio) ** (1 / (T - 1)), 6)).plain())))
    return Section(t("handout.reach_title"), body, key="numbers-reach")


def data_section(src) -> Section:
    """The batch: the first inputs and targets of each example shown."""
    t, net, ex = src.t, src.net, src.example
    rows = []
    for r in range(min(ex.m, SHOWN_ROWS)):
        xs = ", ".join(fmt(v).plain() for v in ex.X[r][:SHOWN_INPUTS]) + (" ..." if len(ex.X[r]) > SHOWN_INPUTS else "")
        ys = ", ".join(fmt(v).plain() for v in ex.Y[r][:SHOWN_INPUTS]) + (" ..." if len(ex.Y[r]) > SHOWN_INPUTS else "")
        rows.append([str(r + 1), xs, ys])
    return Section(t("numbers.data_title"), [
        numbers.data_intro(net, ex, t),
        Table([t("numbers.row"), "x", "y"], rows)], key="data")


def gradients_and_descent(src) -> list:
    """The first gradients of each parameter array, and the descent steps, in float64."""
    t, net, ex, nums = src.t, src.net, src.example, src.numbers
    scheme = src.scheme()
    out = []
    shown = shown_parameters(net)
    grads = Table([t("numbers.parameter"), t("numbers.value"), "∂J/∂θ"],
                  [[scheme.unicode(p), _v(nums.param(p)), _v(nums.gradient(p))] for p in shown])
    out.append(Section(t("numbers.gradient_title"), [Text(t("handout.first_entries", k=PER_ARRAY)), grads],
                       key="numbers-gradients"))
    if ex.steps:
        cols = shown[:numbers.TRACE_PARAMS]
        trace = nums.trace(ex.steps, ex.lr, cols)
        out.append(Section(t("numbers.descent_title", steps=ex.steps, lr=fmt(ex.lr).plain()),
                           [Text(t("numbers.descent_rule", lr=fmt(ex.lr).plain()) + " " +
                                 t("numbers.first_params", k=len(cols), n=f"{net.n_params:,}") + " " +
                                 t("handout.float64")),
                            numbers.trace_table(trace, cols, scheme, t)], key="descent"))
    return out
