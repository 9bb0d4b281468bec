"""Recurrent layers over a sequence T x F, returning the last hidden state
h_T (as torch's nn.RNN / nn.LSTM / nn.GRU with batch_first=True, h_0 = 0).

rnn:  h_t = tanh(Wx x_t + Wh h_{t-1} + b), b = b_ih + b_hh
lstm: gates (i, f, g, o) stacked in that order, as torch
gru:  gates (r, z, n), with separate input and hidden biases bx, bh
"""
from __future__ import annotations

from dataclasses import dataclass

from .base import Layer, Shape

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


@dataclass(frozen=True)
class Recurrent(Layer):
    cell: str = "rnn"
    hidden: int = 1
    kind = "recurrent"
    takes = ("sequence",)

    def out_shape(self, shape: Shape) -> Shape:
        self.check_input(shape)
        return (self.hidden,)

    def params(self, shape: Shape, bias: bool) -> dict[str, Shape]:
        g, h, l = GATES[self.cell], self.hidden, self.l
        out = {f"Wx{l}": (g * h, shape[1]), f"Wh{l}": (g * h, h)}
        if not bias:   # nobias drops every bias, as torch's bias=False
            return out
        if self.cell == "gru":
            out.update({f"bx{l}": (g * h,), f"bh{l}": (g * h,)})
        else:
            out[f"b{l}"] = (g * h,)
        return out

    def token(self) -> str:
        return f"{self.cell}({self.hidden})"
