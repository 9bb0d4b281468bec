"""The numbers of one example through whichever route fits the network.

A small network goes through the scalar graph (``derive.worked``: exact
while values are short, else fixed precision); a dense network too wide
for it goes through the delta view's matrix forms in float64
(``derive.matrix_numbers``).  Both answer the same questions, by plain
name: the value of z, a or delta of a neuron in an example, a parameter's
value and gradient, the loss, and the same with some parameters changed.
"""
from __future__ import annotations

from fractions import Fraction

from . import names
from .graph import Graph
from .matrix_numbers import MatrixNumbers, descend as matrix_descend
from .worked import Evaluation, descend as graph_descend, evaluate


class GraphNumbers:
    route = "graph"

    def __init__(self, graph: Graph, example, params: dict | None = None, ev: Evaluation | None = None):
        self.graph, self.example, self.net = graph, example, graph.net
        self.ev = ev if ev is not None else evaluate(graph, example, params)
        self.params = dict(example.params) if params is None else params
        self.m = example.m

    @property
    def loss(self):
        return self.ev.loss

    def symbol(self, prefix: str, l: int | None, j: int, row: int = 0):
        """The graph's symbol of a neuron's quantity in example ``row`` (0-based)."""
        nums = ([] if l is None else [l]) + [j]
        if self.graph.rows == [None]:
            return names.sym(names.plain(prefix, *nums))
        return names.sym(names.plain(prefix, *nums, row=self.graph.rows[row]))

    def value(self, prefix: str, l: int, j: int, row: int = 0):
        if prefix == "a" and l == 0:
            return self.x(j, row)
        s = self.symbol(prefix, l, j, row)
        return self.ev.at(s, row) if self.ev.per_row else self.ev.rows[0][s]

    def x(self, i: int, row: int = 0):
        return self.example.X[row][i - 1]

    def y(self, k: int, row: int = 0):
        return self.example.Y[row][k - 1]

    def param(self, name: str):
        return self.params[name]

    def gradient(self, name: str):
        return self.ev.gradients[name]

    def layer_matrices(self, l: int):
        """(Delta, A of the layer before, dJ/dW, W) of dense layer l as arrays."""
        import numpy as np
        n, p = self.net.sizes[l], self.net.sizes[l - 1]
        rows = range(self.m)
        D = np.array([[float(self.value("d", l, j, r)) for j in range(1, n + 1)] for r in rows])
        A = np.array([[float(self.value("a", l - 1, k, r)) for k in range(1, p + 1)] for r in rows])
        G = np.array([[float(self.gradient(f"w{l}_{j}_{k}")) for k in range(1, p + 1)] for j in range(1, n + 1)])
        W = np.array([[float(self.param(f"w{l}_{j}_{k}")) for k in range(1, p + 1)] for j in range(1, n + 1)])
        return D, A, G, W

    def with_params(self, changes: dict) -> "GraphNumbers":
        return GraphNumbers(self.graph, self.example, {**self.params, **changes})

    def trace(self, steps: int, lr, shown: list[str]) -> list[tuple[int, dict, object]]:
        rows = graph_descend(self.graph, self.example, steps, lr, self.ev)
        return [(r.step, {p: r.params[p] for p in shown}, r.loss) for r in rows]


class DenseNumbers:
    """MatrixNumbers behind the same questions (values are floats)."""
    route = "matrix"

    def __init__(self, net, example, mn: MatrixNumbers | None = None):
        self.net, self.example = net, example
        self.mn = mn if mn is not None else MatrixNumbers(net, example)
        self.m = example.m

    @property
    def loss(self):
        return self.mn.J

    def value(self, prefix: str, l: int, j: int, row: int = 0):
        return self.mn.value(prefix, l, j, row)

    def x(self, i: int, row: int = 0):
        return self.example.X[row][i - 1]

    def y(self, k: int, row: int = 0):
        return self.example.Y[row][k - 1]

    def param(self, name: str):
        return self.mn.param(name)

    def gradient(self, name: str):
        return self.mn.gradient(name)

    def layer_matrices(self, l: int):
        mn = self.mn
        return mn.D[l], mn.A[l - 1], mn.grads[f"W{l}"], mn.params[f"W{l}"]

    def with_params(self, changes: dict) -> "DenseNumbers":
        return DenseNumbers(self.net, self.example, self.mn.with_params(changes))

    def trace(self, steps: int, lr, shown: list[str]) -> list[tuple[int, dict, object]]:
        states = matrix_descend(self.mn, steps, Fraction(lr))
        return [(i, {p: s.param(p) for p in shown}, s.J) for i, s in enumerate(states)]


def numbers_for(net, example, graph: Graph | None, view=None, run=None):
    """The example's numbers: through ``graph`` when there is one, else
    (dense networks) through the matrix forms of the delta view ``view``
    (built when not given), else (recurrent networks) through ``run``, the
    generated module's trace, when the caller gives it; None when none applies."""
    if graph is not None:
        return GraphNumbers(graph, example)
    if net.is_mlp:
        return DenseNumbers(net, example, MatrixNumbers(net, example, view=view))
    if run is not None and any(layer.kind == "recurrent" for layer in net.numbered):
        from .trace_numbers import TraceNumbers
        return TraceNumbers(net, example, run)
    return None
