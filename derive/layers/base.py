"""What every layer kind shares: shapes, the activation slot, and the
errors a shape that does not fit gets.

A layer is a small frozen value (as in JAX's stax): its kind, its number l
in the network, and its settings.  It answers questions about itself --
the shape it outputs for an input shape, the parameters it owns and their
shapes -- and the views ask each kind for its own part of the derivation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

from ..errors import SpecError

Shape = tuple[int, ...]   # one example: (n,), (T, F) or (C, H, W)


class Act(NamedTuple):
    """An activation on the rules card, with its parameter when it has one."""
    name: str
    alpha: float | None = None

    def __str__(self) -> str:
        return self.name if self.alpha is None else f"{self.name}({float(self.alpha)!r})"


IDENTITY = Act("identity")


def shape_text(shape: Shape) -> str:
    """(3,) -> '3', (1, 6, 6) -> '1x6x6': as the spec writes shapes."""
    return "x".join(str(n) for n in shape)


def shape_kind(shape: Shape) -> str:
    return {1: "flat", 2: "sequence", 3: "image"}[len(shape)]


@dataclass(frozen=True)
class Layer:
    """Base of every kind.  ``l`` is the layer's number (1-based, in token
    order); ``res`` blocks take none and have l = 0."""
    l: int
    kind: ClassVar[str] = ""
    takes: ClassVar[tuple[str, ...]] = ("flat", "sequence", "image")  # input kinds accepted

    # -- shapes --------------------------------------------------------------
    def check_input(self, shape: Shape) -> None:
        if shape_kind(shape) not in self.takes:
            raise SpecError(self.misfit(shape))

    def misfit(self, shape: Shape) -> str:
        wants = " or ".join({"flat": "a flat vector", "sequence": "a sequence T x F",
                             "image": "an image C x H x W"}[k] for k in self.takes)
        hint = ""
        if "flat" in self.takes and shape_kind(shape) != "flat":
            hint = f"; put 'flatten' before it (giving {_product(shape)})"
        elif self.takes == ("sequence",):
            hint = "; give the input as T x F, e.g. '5x3-" + self.token() + "'"
        return (f"layer {self.l} ({self.token()}) needs {wants} as input, "
                f"but gets {shape_text(shape)} ({shape_kind(shape)}){hint}")

    def out_shape(self, shape: Shape) -> Shape:
        """The output shape for one example; raises SpecError when it does not fit."""
        self.check_input(shape)
        return shape

    def params(self, shape: Shape, bias: bool) -> dict[str, Shape]:
        """Parameter keys (as in the generated module) and their shapes."""
        return {}

    # -- text ------------------------------------------------------------------
    def token(self) -> str:
        raise NotImplementedError

    @property
    def act(self) -> Act | None:
        return None

    @property
    def acts(self) -> tuple[Act, ...]:
        """Every activation the layer applies: its own, and a recurrent
        cell's gate and candidate squashings."""
        return (self.act,) if self.act is not None else ()

    def numbered(self) -> list["Layer"]:
        """This layer and, for a block, the layers inside it, in number order."""
        return [self]

    # -- the scalar graph ------------------------------------------------------
    def scalar(self, b, x):
        """Write this layer's forward definitions into the builder ``b`` for
        the input symbols ``x`` (rows first) and return its output symbols."""
        raise NotImplementedError(f"{self.kind} has no scalar form yet")

    def scalar_cost(self, shape: Shape) -> int:
        """About how many terms ``scalar`` writes per example."""
        return _product(self.out_shape(shape))

    def mults(self, shape: Shape) -> int:
        """Multiplications of one forward pass for one example (the cost model
        of 'why reverse mode')."""
        return _product(self.out_shape(shape))


def _product(shape: Shape) -> int:
    out = 1
    for n in shape:
        out *= n
    return out


def positive(value: int, what: str, token: str) -> int:
    if value < 1:
        raise SpecError(f"{what} in '{token}' is {value}; it must be at least 1")
    return value


def input_shapes(layers, shape: Shape) -> tuple[list[Shape], Shape]:
    """The input shape of every numbered layer in ``layers`` (blocks opened
    up), and the shape that comes out of the last."""
    inputs = []
    for layer in layers:
        inner = getattr(layer, "inner", None)
        if inner is not None:
            inputs += input_shapes(inner, shape)[0]
        else:
            inputs.append(shape)
        shape = layer.out_shape(shape)
    return inputs, shape
