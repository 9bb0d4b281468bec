"""What every section of a handout draws on, computed once: the network, the
message table, the scalar graph (when the network is small enough to show
weight by weight), the worked example and its numbers."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction

from ...example import random_example
from ...example_numbers import numbers_for
from ...graph import Graph, can_build, couples_rows
from ...names import Scheme
from ..exercises import zero_inputs

# A dense network is shown weight by weight (and its example evaluated
# exactly, through the scalar graph) up to this size; beyond it, the index
# view and float64 matrix numbers carry the handout, and the cost stays flat.
GRAPH_PARAMS = 200
GRAPH_WIDTH = 16


@dataclass
class Sources:
    net: object
    t: object
    example: object
    graph: object = None
    numbers: object = None
    seed: int = 0
    exercise_example: object = None
    _delta: object = field(default=None, repr=False)

    @property
    def dense(self) -> bool:
        return self.net.is_mlp

    @property
    def delta(self):
        """The delta view's derivation (dense networks), built once."""
        if self._delta is None and self.dense:
            from ..delta import DeltaView
            self._delta = DeltaView(self.net)
        return self._delta

    def scheme(self) -> Scheme:
        """How plain names print; rows allowed, for the batch exercises."""
        if self.graph is not None:
            base = self.graph.scheme()
        elif getattr(self.numbers, "route", None) == "trace":
            from ...trace_numbers import scheme
            base = scheme(self.net)
        else:
            base = Scheme(L=self.net.depth if self.dense else None)
        return replace(base, batch=None)


def shows_weights(net) -> bool:
    """Whether the handout builds the scalar graph for ``net``."""
    if net.is_mlp:
        return can_build(net) and net.n_params <= GRAPH_PARAMS and max(net.sizes) <= GRAPH_WIDTH
    return can_build(net)


WIDE_FAN_IN = 16   # inputs per neuron beyond which a drawn example's weights are scaled down


def sources(net, t, seed: int | None, shared: Sources | None = None, run=None) -> Sources:
    """The worked example is the network's own (a preset's, a TOML file's),
    else one drawn from ``seed``; the exercises always draw from ``seed``.
    ``shared``: the sources of another draw for the same network, whose
    graph and delta view (which do not depend on the numbers) are reused.
    ``run``: the generated module's trace (see derive.trace_numbers), which
    gives a recurrent network too large for the graph its numbers."""
    drawn = net.example is None
    example = net.example if not drawn else scaled(net, random_example(net, seed or 0), t)
    graph = None
    if shared is not None and shared.example.m == example.m:
        graph = shared.graph
    elif shows_weights(net):
        if couples_rows(net):
            graph = Graph(net, rows=list(range(1, example.m + 1))) if can_build(net, example.m) else None
        else:
            graph = Graph(net)
    src = Sources(net, t, example, graph, None, seed or 0,
                  _delta=shared._delta if shared is not None and shared.net == net else None)
    src.numbers = numbers_for(net, example, graph, src.delta, run=run)
    if net.is_mlp:
        # the exercises' two examples: the worked example's when it was drawn
        # from the same seed as two examples, else their own draw
        base = example if drawn and example.m == 2 else scaled(net, random_example(net, seed or 0, m=2), t)
        src.exercise_example = zero_inputs(base)
    return src


def scaled(net, example, t):
    """A drawn example for a dense network with wide layers: weights in
    [-1, 1] would drive every unit of a 784-wide layer into saturation, so
    layer l's weights are scaled by 3/sqrt(n_{l-1}) (z then has a spread of
    about 1), rounded to three decimals."""
    if not net.is_mlp:
        return scaled_recurrent(net, example, t)
    if max(net.sizes[:-1]) <= WIDE_FAN_IN:
        return example
    factors = {f"w{l}": min(1.0, 3 / math.sqrt(net.sizes[l - 1])) for l in range(1, net.depth + 1)}
    return _scale(example, factors, t("handout.scaled"), t)


def scaled_recurrent(net, example, t):
    """A drawn example for a recurrent network too large for the graph:
    the recurrent layer's weights and biases scaled to torch's own initial
    range, within 1/sqrt(H), and each dense layer's weights by
    3/sqrt(fan-in), rounded to three decimals; any other network as it is."""
    layer = next((x for x in net.numbered if x.kind == "recurrent"), None)
    if layer is None or shows_weights(net):
        return example
    shapes = net.shapes()
    factors = {p: 1 / math.sqrt(layer.hidden) for p in (f"wx{layer.l}", f"wh{layer.l}", f"b{layer.l}",
                                                          f"bx{layer.l}", f"bh{layer.l}")}
    factors.update({f"w{x.l}": min(1.0, 3 / math.sqrt(math.prod(shapes[x.l - 1])))
                    for x in net.numbered if x.kind == "dense"})
    return _scale(example, factors, t("handout.scaled_recurrent"), t)


def _scale(example, factors: dict, why: str, t):
    """The example with each parameter array's entries times its factor (by
    the array's lower-case key: w1, wx2, b2; a factor of 1 or more leaves
    them), rounded to three decimals, and ``why`` added to its description."""
    params = []
    for name, value in example.params:
        factor = factors.get(name.split("_")[0], 1.0)
        if factor < 1:
            value = Fraction(round(value.numerator * factor * 1000 / value.denominator), 1000)
        params.append((name, value))
    own = example.described(t)
    return replace(example, params=tuple(params), description_key="",
                   description=(own + t("sep.clause") if own else "") + why)
