"""The worked example in float64 for a recurrent network too large for the
scalar graph: every array of one training pass of the generated module
(its ``trace``), evaluated on the example.

derive never imports codegen: the caller (chainrule/cli.py) hands in
``run(net, params, X, Y, masks) -> arrays``, the generated module's trace
(value_and_grad's own arithmetic, the code derived from the same
derivation and tested against torch), and this class answers the questions
the other routes answer, by plain name: a parameter's value and gradient,
the loss, the same with some parameters changed, a few steps of descent;
and the arrays of the recurrent layer (h_t, c_t, the errors of the gates'
pre-activations at step t).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from . import names
from .matrix_numbers import param_arrays

# gate blocks of the stacked pre-activation, in torch's order, by the
# graph's names of their errors (rnn: one block, the error of z)
GATE_ERRORS = {"rnn": ("d",), "lstm": ("dzi", "dzf", "dzg", "dzo"), "gru": ("dzr", "dzu", "dzn")}
STATES = {"rnn": ("h",), "lstm": ("h", "c"), "gru": ("h",)}


def _array(rows, shape) -> np.ndarray:
    return np.array([[float(v) for v in row] for row in rows]).reshape((len(rows),) + tuple(shape))


class TraceNumbers:
    """The example through ``run``: ``arrays`` holds what the generated
    module's trace returns (H{l}, C{l}, dZ{l}, Z{l}, A{l}, J, and every
    parameter's gradient under the parameter's key)."""
    route = "trace"

    def __init__(self, net, example, run, params: dict | None = None):
        self.net, self.example, self.run = net, example, run
        self.params = params if params is not None else param_arrays(net, example.params)
        self.m = example.m
        shapes = net.shapes()
        self.X = _array(example.X, net.input)
        self.Y = _array(example.Y, (net.n_out,))
        self.masks = {key: _array(rows, shapes[int(key[1:]) - 1]) for key, rows in example.masks}
        with np.errstate(over="ignore", under="ignore"):
            self.arrays = run(net, self.params, self.X, self.Y, self.masks)
        # the per-example errors: the trace's dZ carries the 1/m of a mean
        self.per_example = float(self.m) if net.reduction == "mean" else 1.0
        self.recurrent = next(layer for layer in net.numbered if layer.kind == "recurrent")

    @property
    def loss(self) -> float:
        return float(self.arrays["J"])

    # -- dense-like layers after the recurrent one --------------------------------------
    def value(self, prefix: str, l: int, j: int, row: int = 0) -> float:
        """z, a or d (the per-example error) of layer l's unit j (1-based), example ``row`` (0-based)."""
        if prefix == "d":
            return float(self.arrays[f"dZ{l}"][row, j - 1]) * self.per_example
        return float(self.arrays[f"{prefix.upper()}{l}"][row, j - 1])

    def has(self, prefix: str, l: int) -> bool:
        key = f"dZ{l}" if prefix == "d" else f"{prefix.upper()}{l}"
        return key in self.arrays and np.ndim(self.arrays[key]) == 2

    # -- the recurrent layer ---------------------------------------------------------------
    def state(self, prefix: str, t: int, j: int, row: int = 0) -> float:
        """h (or the LSTM's c) of the recurrent layer at step t, unit j (both 1-based)."""
        return float(self.arrays[f"{prefix.upper()}{self.recurrent.l}"][row, t - 1, j - 1])

    def gate_error(self, gate: int, t: int, j: int, row: int = 0) -> float:
        """The per-example error of gate ``gate``'s pre-activation (0-based, torch's order) at step t, unit j."""
        H = self.recurrent.hidden
        return float(self.arrays[f"dZ{self.recurrent.l}"][row, t - 1, gate * H + j - 1]) * self.per_example

    def errors(self) -> dict[int, np.ndarray]:
        """Every layer's per-example errors dZ{l} (no 1/m), by layer."""
        return {x.l: self.arrays[f"dZ{x.l}"] * self.per_example for x in self.net.numbered
                if f"dZ{x.l}" in self.arrays}

    def step_norms(self) -> list[float]:
        """‖Δ_t‖ for t = 1..T: the norm of the errors of step t's pre-activations,
        every gate, unit and example (per example, no 1/m)."""
        d = self.arrays[f"dZ{self.recurrent.l}"] * self.per_example
        return [float(np.linalg.norm(d[:, t])) for t in range(d.shape[1])]

    # -- by plain name ---------------------------------------------------------------------
    def param(self, name: str) -> float:
        key, idx = names.locate(name, self.net.param_shapes())
        return float(self.params[key][idx])

    def gradient(self, name: str) -> float:
        key, idx = names.locate(name, self.net.param_shapes())
        return float(self.arrays[key][idx])

    def with_params(self, changes: dict) -> "TraceNumbers":
        arrays = {k: v.copy() for k, v in self.params.items()}
        shapes = self.net.param_shapes()
        for name, value in changes.items():
            key, idx = names.locate(name, shapes)
            arrays[key][idx] = float(value)
        return TraceNumbers(self.net, self.example, self.run, arrays)

    def step(self, lr: float) -> "TraceNumbers":
        """One step of gradient descent, p <- p - lr dJ/dp."""
        arrays = {k: v - lr * self.arrays[k] for k, v in self.params.items()}
        return TraceNumbers(self.net, self.example, self.run, arrays)

    def trace(self, steps: int, lr, shown: list[str]) -> list[tuple[int, dict, object]]:
        states = [self]
        for _ in range(steps):
            states.append(states[-1].step(float(Fraction(lr))))
        return [(i, {p: s.param(p) for p in shown}, s.loss) for i, s in enumerate(states)]


def scheme(net):
    """How the worked example's names print: h and c of the recurrent layer
    and its gates' errors carry (step, unit), the other layers' z, a and
    delta one index; a{L} is yhat."""
    from .graph import scheme_for
    layer = next(x for x in net.numbered if x.kind == "recurrent")
    counts = {(prefix, layer.l): 2 for prefix in STATES[layer.cell] + GATE_ERRORS[layer.cell]}
    counts.update({(prefix, x.l): 1 for x in net.numbered if x.l > layer.l for prefix in ("z", "a", "d")})
    return scheme_for(net, counts, L=net.depth if net.depth > layer.l else None, batch=False)
