"""The network a spec describes: an input shape, a sequence of layers, a
loss and the options.  An immutable, validated value; parsing lives in
``spec.py``, TOML in ``tomlspec.py``."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from fractions import Fraction

from .errors import SpecError, did_you_mean
from .layers import Act, Conv, Dense, Layer, Residual, Shape, input_shapes, shape_text
from .rules import ACTIVATIONS, LOSSES

REDUCTIONS = ("mean", "sum")
MAX_PARAMS = 100_000_000      # 800 MB of float64: past this nothing chainrule does fits in memory
MAX_WIDTH = 10_000_000        # one axis of one layer
MAX_LAYERS = 200


@dataclass(frozen=True)
class Network:
    """``input`` is one example's shape; ``layers`` in order (a residual
    block holds its own).  ``example`` is the worked example, if any."""
    input: Shape
    layers: tuple[Layer, ...]
    loss: str = "mse"
    bias: bool = True
    reduction: str = "mean"
    l2: Fraction | None = None
    name: str | None = field(default=None, compare=False)
    example: "Example | None" = field(default=None, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "input", tuple(self.input))
        object.__setattr__(self, "layers", tuple(self.layers))
        _validate(self)

    # -- construction ------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> "Network":
        """Parse a spec string such as '2-3:sigmoid-1/mse'."""
        from .spec import parse_spec
        return parse_spec(text)

    @classmethod
    def load(cls, source: str) -> "Network":
        """A preset name, a TOML file path, or a spec string."""
        from .loading import load
        return load(source)

    @classmethod
    def dense(cls, sizes, activations=(), loss: str = "mse", bias: bool = True,
              reduction: str = "mean", **kw) -> "Network":
        """A fully connected network from its widths n_0 .. n_L.  Hidden layers
        default to sigmoid and the output to identity."""
        from .spec import as_act
        sizes = tuple(sizes)
        if len(sizes) < 2:
            raise SpecError("a network needs at least two layers, e.g. '2-1'")
        for i, n in enumerate(sizes):
            if not isinstance(n, int) or isinstance(n, bool) or n < 1:
                raise SpecError(f"layer {i} has width {n!r}; widths are whole numbers >= 1")
        acts = list(activations) or ["sigmoid"] * (len(sizes) - 2) + ["identity"]
        if len(acts) != len(sizes) - 1:
            raise SpecError(f"{len(sizes) - 1} layers after the input need {len(sizes) - 1} "
                            f"activations, got {len(acts)}")
        layers = tuple(Dense(l, n, as_act(act)) for l, (n, act) in enumerate(zip(sizes[1:], acts), 1))
        return cls((sizes[0],), layers, loss, bias, reduction, **kw)

    # -- the layers, numbered --------------------------------------------------
    @property
    def numbered(self) -> list[Layer]:
        """Every layer with a number, in order: res blocks opened up."""
        return [x for layer in self.layers for x in layer.numbered()]

    @property
    def depth(self) -> int:
        """L, the number of the last layer."""
        return len(self.numbered)

    def layer(self, l: int) -> Layer:
        return self.numbered[l - 1]

    def shapes(self) -> list[Shape]:
        """Input shape of each numbered layer, then the output shape: len L + 1."""
        inputs, out = input_shapes(self.layers, self.input)
        return inputs + [out]

    @property
    def output_shape(self) -> Shape:
        return self.shapes()[-1]

    @property
    def n_out(self) -> int:
        return self.output_shape[0]

    @property
    def output_act(self) -> Act:
        """The activation of the final layer (identity when it has none)."""
        act = self.layers[-1].act
        return act if act is not None else Act("identity")

    # -- dense networks --------------------------------------------------------
    @property
    def is_mlp(self) -> bool:
        """Only dense layers on a flat input: the classic network of BP1-BP4."""
        return all(isinstance(layer, Dense) for layer in self.layers) and len(self.input) == 1

    @property
    def sizes(self) -> tuple[int, ...]:
        """The widths n_0 .. n_L of a dense network."""
        if not self.is_mlp:
            raise TypeError(f"{self.spec} is not a dense network; it has no widths n_0..n_L")
        return self.input + tuple(layer.n for layer in self.layers)

    @property
    def activations(self) -> tuple[Act, ...]:
        return tuple(layer.act for layer in self.numbered if layer.act is not None)

    def used_activations(self) -> tuple[Act, ...]:
        """Every activation the network applies, each once, in order of
        first use: the layers' own and those inside recurrent cells."""
        out = []
        for layer in self.numbered:
            out += [a for a in layer.acts if a not in out]
        return tuple(out)

    def act(self, l: int) -> Act:
        """The activation of layer l (identity for kinds without one)."""
        act = self.layer(l).act
        return act if act is not None else Act("identity")

    # -- parameters --------------------------------------------------------------
    def param_shapes(self) -> dict[str, Shape]:
        """The generated module's parameter keys and shapes, in layer order."""
        out, shapes = {}, self.shapes()
        for layer, shape in zip(self.numbered, shapes):
            out.update(layer.params(shape, self.bias))
        return out

    @property
    def n_params(self) -> int:
        return sum(math.prod(s) for s in self.param_shapes().values())

    def param_names(self) -> list[str]:
        """Plain names of every scalar parameter, in order: key in lower case
        and 1-based indices (W1[1, 0] -> w1_2_1, gamma2[2] -> gamma2_3)."""
        from . import names
        out = []
        for key, shape in self.param_shapes().items():
            out += names.entries(key, shape)
        return out

    def check_param(self, name: str) -> str:
        """Validate a plain parameter name; SpecError says what would fit."""
        from . import names
        return names.check_param(self, name)

    # -- text ------------------------------------------------------------------------
    @property
    def spec(self) -> str:
        """The normalised spec string: every activation and the loss explicit."""
        items = [self.loss] + (["nobias"] if not self.bias else []) + (
            ["sum"] if self.reduction == "sum" else []) + (
            [f"l2({float(self.l2)!r})"] if self.l2 is not None else [])
        return "-".join([shape_text(self.input)] + [layer.token() for layer in self.layers]) + \
            "".join("/" + i for i in items)

    def with_example(self, example) -> "Network":
        return replace(self, example=example)

    def __str__(self) -> str:
        return self.spec


def _validate(net: Network) -> None:
    if not net.layers:
        raise SpecError(f"'{shape_text(net.input)}' has only an input layer; add an output layer, "
                        f"e.g. '{shape_text(net.input)}-1'")
    if net.loss not in LOSSES:
        raise SpecError(f"unknown loss '{net.loss}'{did_you_mean(net.loss, LOSSES)}; "
                        f"choose from {', '.join(LOSSES)}")
    if net.reduction not in REDUCTIONS:
        raise SpecError(f"reduction must be 'mean' or 'sum', got {net.reduction!r}")
    if net.l2 is not None and not net.l2 >= 0:
        raise SpecError(f"l2({float(net.l2)}) needs a lambda >= 0")
    if len(net.numbered) > MAX_LAYERS:
        raise SpecError(f"the network has {len(net.numbered)} layers; chainrule works with up to {MAX_LAYERS}")
    for n in net.input:
        if n > MAX_WIDTH:
            raise SpecError(f"the input {shape_text(net.input)} has an axis of {n:,}; "
                            f"chainrule works with axes up to {MAX_WIDTH:,}")
    shapes = net.shapes()   # raises with both shapes named when a layer does not fit
    for layer, shape in zip(net.numbered, shapes[1:]):
        if math.prod(shape) > MAX_WIDTH:
            raise SpecError(f"layer {layer.l} ({layer.token()}) would output {shape_text(shape)} = "
                            f"{math.prod(shape):,} values per example; chainrule works with up to {MAX_WIDTH:,}")
    n = net.n_params
    if n > MAX_PARAMS:
        raise SpecError(f"{net.spec if len(net.spec) < 80 else 'the network'} has {n:,} parameters "
                        f"({n * 8 / 2 ** 30:.1f} GiB as float64); chainrule works with up to {MAX_PARAMS:,}")
    for layer in net.numbered:
        if layer.act is not None and ACTIVATIONS[layer.act.name].output_only and layer is not net.layers[-1]:
            raise SpecError(f"{layer.act.name} is for the output layer only (layer {layer.l} is hidden); "
                            f"use relu, tanh or sigmoid there")
    for layer in net.layers:
        if isinstance(layer, Residual) and ACTIVATIONS[layer.act.name].output_only:
            raise SpecError(f"{layer.act.name} cannot end a residual block; put it on the output layer")
    if len(net.output_shape) != 1:
        raise SpecError(f"the network outputs {shape_text(net.output_shape)} per example; the loss needs "
                        f"a flat output: end with 'flatten' (and a dense layer), e.g. '...-flatten-10'")
    out = net.output_act.name
    needs = LOSSES[net.loss].needs
    if needs and out != needs:
        raise SpecError(f"{net.loss} needs a {needs} output, but the output layer is {out}; "
                        f"write '...-{net.n_out}:{needs}/{net.loss}'")
    pair = ACTIVATIONS[out].pairs_with
    if ACTIVATIONS[out].output_only and net.loss != pair:
        raise SpecError(f"a {out} output goes with {pair}, not {net.loss}; write '/{pair}'")
    if out == "softmax" and net.n_out < 2:
        raise SpecError("softmax needs at least 2 outputs (with 1 it is the constant 1); "
                        "use '-1:sigmoid/bce' for two classes")
    if out == "softmax" and not isinstance(net.layers[-1], (Dense, Conv)):
        raise SpecError("softmax goes on a dense output layer, e.g. '...-10:softmax/ce'")


# Plain parameter names: the key in lower case, then 1-based indices.
PARAM_NAME = re.compile(r"^([a-z]+)(\d+)((?:_\d+)+)$")
