"""The worked example through the scalar graph, and gradient descent from it.

``evaluate`` runs every definition (forward, deltas, gradients) at the
example's numbers.  A network whose rows do not interact is evaluated
through the one-example graph, row by row, so a batch costs m small passes;
a batch-norm network's graph already holds every row.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp

from . import names
from .evaluate import EvaluationError, Program, exact, short, to_mp
from .graph import Graph


@dataclass
class Evaluation:
    graph: Graph
    rows: list[dict]      # per example row: symbol -> value (one env when the graph holds the batch)
    loss: object          # J of the batch
    gradients: dict       # plain name -> dJ/dparam for the batch
    per_row: bool         # True: rows[r] is example r through the one-example graph

    def at(self, symbol: sp.Symbol, row: int = 0):
        """A value: of example ``row`` (0-based) for a one-example graph."""
        return self.rows[row if self.per_row else 0][symbol]

    def first(self) -> dict:
        """Values of example 1, under the graph's own names."""
        return self.rows[0]


def _compiled(graph: Graph):
    cached = getattr(graph, "_program", None)
    if cached is None:
        grads = [(names.sym("__grad_" + p), g.expr - g.l2) for p, g in graph.gradients.items()]
        l2s = [(names.sym("__l2_" + p), g.l2) for p, g in graph.gradients.items()]
        rows = [(names.sym(f"__loss_{r}"), l) for r, l in enumerate(graph.loss_rows)]
        cached = (Program.of(graph.definitions() + grads + rows), Program.of(l2s + [(names.sym("__l2"), graph.l2)]))
        graph._program = cached
    return cached


def _base(graph: Graph, params: dict) -> dict:
    return {graph.params[p]: v for p, v in params.items()}


def evaluate(graph: Graph, example, params: dict | None = None) -> Evaluation:
    """Every quantity of ``graph`` at the example (params: plain name -> value)."""
    params = dict(example.params) if params is None else params
    program, l2 = _compiled(graph)
    base = _base(graph, params)
    masks = example.mask_dict()
    per_row = graph.rows == [None]
    batches = [[r] for r in range(example.m)] if per_row else [list(range(example.m))]
    rows, loss = [], Fraction(0)
    totals = {p: Fraction(0) for p in graph.gradients}
    for batch in batches:
        env = dict(base)
        for gr, r in enumerate(batch):
            for s, v in zip(graph.inputs[gr].flat, example.X[r]):
                env[s] = v
            for k, s in enumerate(graph.targets[gr]):
                env[s] = example.Y[r][k]
        for s in graph.constants:   # dropout keep-masks
            prefix, row, layer, idx = graph.scheme().split(s.name)
            r = batch[0] if row is None else batch[row - 1]
            flat = int(np.ravel_multi_index([i - 1 for i in idx], graph.mask_shapes[layer]))
            env[s] = masks[f"M{layer}"][r][flat]
        program.run(env)
        for r in range(len(graph.loss_rows)):
            loss = _plus(loss, env[names.sym(f"__loss_{r}")])
        for p in totals:
            totals[p] = _plus(totals[p], env[names.sym("__grad_" + p)])
        rows.append(env)
    if per_row:
        scale = Fraction(1, example.m) if graph.net.reduction == "mean" else Fraction(1)
        loss = _times(loss, scale)
        totals = {p: _times(v, scale) for p, v in totals.items()}
    else:
        # the batch graph's gradients already carry 1/m; its loss rows do not
        loss = _times(loss, Fraction(graph.scale.p, graph.scale.q))
    penalties = l2.run(dict(base))
    loss = _plus(loss, penalties[names.sym("__l2")])
    gradients = {p: _plus(totals[p], penalties[names.sym("__l2_" + p)]) for p in totals}
    return Evaluation(graph, rows, loss, gradients, per_row)


def _plus(a, b):
    return short(Fraction(a) + b) if exact(a) and exact(b) else to_mp(a) + to_mp(b)


def _times(a, b):
    return short(Fraction(a) * b) if exact(a) and exact(b) else to_mp(a) * to_mp(b)


@dataclass
class TraceRow:
    step: int
    params: dict   # plain name -> value before this step's update
    loss: object
    state: dict | None = None   # the optimizer's state after this step, for optimizers that keep one


def descend(graph: Graph, example, steps: int, lr, start: Evaluation | None = None,
            optimizer=None, decayed: set | None = None, **hyper) -> list[TraceRow]:
    """Gradient descent from the example's parameters, recording J before each
    step: plain p <- p - lr * dJ/dp, or one of derive.optimizers' rules (a
    name, or an Optimizer; its state after each step is recorded too).
    ``decayed`` limits weight decay to those parameters (None: all).

    Values stay exact while they are short; after that they are carried at
    fixed precision (evaluate.DIGITS), so each step costs the same."""
    lr = Fraction(lr)
    params = dict(example.params)
    stepper = None
    if optimizer not in (None, "sgd") or hyper:
        from .optimizers import OPTIMIZERS, Stepper
        rule = OPTIMIZERS[optimizer or "sgd"] if not hasattr(optimizer, "steps") else optimizer
        stepper = Stepper(rule, rule.hyper(lr, **hyper), decayed)
    out, state = [], None
    for step in range(steps + 1):
        try:
            ev = start if step == 0 and start is not None else evaluate(graph, example, params)
        except EvaluationError as exc:
            if step == 0:
                raise
            stopped = EvaluationError(f"after {step} step{'s' * (step != 1)} of gradient descent with learning "
                                      f"rate {float(lr):g}: {exc}")
            stopped.step = step   # where the trace stops, for a view that shows what came before
            raise stopped from None
        out.append(TraceRow(step, dict(params), ev.loss, state))
        if step < steps:
            if stepper is None:
                params = {p: _plus(v, _times(-lr, ev.gradients[p])) for p, v in params.items()}
            else:
                params, state = stepper.step(params, ev.gradients, step + 1)
                state = {p: {**s, "g": ev.gradients[p]} for p, s in state.items()}
    return out
