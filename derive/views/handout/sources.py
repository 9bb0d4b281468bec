"""What every section of a handout draws on, computed once: the network, the
message table, the scalar graph (when the network is small enough to show
weight by weight), the worked example and its numbers."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ...example import random_example
from ...example_numbers import numbers_for
from ...graph import Graph, can_build, couples_rows
from ...names import Scheme

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
        base = self.graph.scheme() if self.graph is not None else \
            Scheme(L=self.net.depth if self.dense else None)
        return replace(base, batch=None)


def shows_weights(net) -> bool:
    """Whether the handout builds the scalar graph for ``net``."""
    if net.is_mlp:
        return can_build(net) and net.n_params <= GRAPH_PARAMS and max(net.sizes) <= GRAPH_WIDTH
    return can_build(net)


def sources(net, t, seed: int | None) -> Sources:
    example = net.example if net.example is not None and seed is None else random_example(net, seed or 0)
    graph = None
    if shows_weights(net):
        if couples_rows(net):
            graph = Graph(net, rows=list(range(1, example.m + 1))) if can_build(net, example.m) else None
        else:
            graph = Graph(net)
    numbers = numbers_for(net, example, graph)
    return Sources(net, t, example, graph, numbers, seed or 0)
