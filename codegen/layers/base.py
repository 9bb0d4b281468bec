"""What every layer kind's code shares: the lines it hands the emitter,
the names it uses, and the gradient it passes down.

A kind's module turns one layer value (``derive.layers``) and its input
shape into three lists of lines -- the training forward pass, the backward
pass and the inference forward pass -- the way CS231n's ``layers.py`` has a
``*_forward`` and a ``*_backward`` per kind.  ``codegen.assemble`` walks
``net.layers`` and strings them together.

Names, the same in every module:
    A{l}     layer l's output (A0 = X);  Z{l} its pre-activation when it has one
    dA{l}    dJ/dA{l};  dZ{l} dJ/dZ{l}  (J's 1/m already inside: see BP1)
    Zres{r}, Ares{r}, dZres{r}, dAres{r}   residual block r (in token order): x + F(x), f(x + F(x))

Images are held as (C, H, W, m) inside the generated functions: channels
first and the batch last, as cuda-convnet kept them.  Then the batch folds
into the columns of one GEMM per conv layer (W (F, C*K*K) @ cols (C*K*K,
OH*OW*m) -> (F, OH, OW, m), already the next layer's layout), every shift
by a kernel or pooling offset moves contiguous runs of OW*m numbers
rather than runs of OW, and batch norm's per-channel statistics are row
sums of a (C, H*W*m) matrix.  What a caller sees (X, masks, trace) is
(m, C, H, W), as torch.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from derive.layers import Shape

from ..text import note  # noqa: F401  (re-exported for the kinds' modules)


@dataclass(frozen=True)
class Rec:
    """A trace point: ``trace()`` stores a copy of ``code``'s value under
    ``key``; ``value_and_grad`` drops the line.  ``shape`` is its shape as
    the caller sees it, for the docstring."""
    key: str
    code: str
    shape: str
    what: str = ""


@dataclass(frozen=True)
class Upd:
    """A line that updates the running statistics (state): kept by
    value_and_grad and trace, dropped by loss."""
    code: str


@dataclass(frozen=True)
class Grad:
    """The name holding dJ/d(some array), and whether that array is ours to
    overwrite (a fresh buffer nothing else reads later) or an alias that an
    in-place update would corrupt (a residual block's dZres feeds two paths)."""
    name: str
    fresh: bool


@dataclass
class Ctx:
    """What one network's emission shares across its layers."""
    bias: bool
    symbolic: bool = False          # dense comments in n{l} (an MLP's docstring defines them)
    l2: object = None               # Fraction or None
    l2_grad: object = None          # c_g: dJ/dW gets c_g * W
    weights: list = field(default_factory=list)      # keys the L2 term covers, in order
    masks: list = field(default_factory=list)        # (key, caller shape, p) of each dropout layer
    state: list = field(default_factory=list)        # (key, shape, initial value) of the running statistics
    helpers: list = field(default_factory=list)      # extra helper sources a kind needs
    res_count: int = 0

    def next_res(self) -> int:
        self.res_count += 1
        return self.res_count


def dims(shape: Shape) -> str:
    """'(m, 6, 24, 24)': an array of examples of this shape, as the caller sees it."""
    return "(m, " + ", ".join(str(n) for n in shape) + ")"


def idims(shape: Shape) -> str:
    """The same array as the generated code holds it: '(6, 24, 24, m)' for images."""
    if len(shape) == 3:
        return f"({shape[0]}, {shape[1]}, {shape[2]}, m)"
    return dims(shape)


# (C, H, W, m) <-> (m, C, H, W)
TO_CALLER, FROM_CALLER = "(3, 0, 1, 2)", "(1, 2, 3, 0)"


def to_caller(var: str, shape: Shape) -> str:
    """Code for var in the caller's layout (an image array is transposed back)."""
    return f"{var}.transpose{TO_CALLER}" if len(shape) == 3 else var


def record(key: str, var: str, shape: Shape, what: str = "") -> Rec:
    return Rec(key, to_caller(var, shape), dims(shape), what)


def num(x) -> str:
    """A float constant as Python source."""
    return repr(float(x))


class LayerCode:
    """One layer's lines.  Subclasses set ``out`` (the output's name) and
    implement the passes.

    forward(x)               training forward; x names the input array
    infer(x)                 inference forward (bn: running statistics; dropout: off)
    backward(g, dx, top)     g: dJ/d(output) (dJ/dZ already when ``top``: BP1
                             gave it); dx: the name to give dJ/d(input), or
                             None when nobody needs it (the input X).  Returns
                             the lines and the Grad of dx.
    """
    out = ""
    z = None            # the pre-activation's name, for kinds with an activation
    act = None          # its Activation

    def __init__(self, layer, shape_in: Shape, ctx: Ctx, output: bool = False):
        self.layer, self.shape_in, self.ctx, self.output = layer, tuple(shape_in), ctx, output
        self.shape_out = tuple(layer.out_shape(tuple(shape_in)))
        self.l = layer.l

    @property
    def dout(self) -> str:
        """The name dJ/d(output) gets when the layer above computes it."""
        return f"dA{self.l}"

    def params(self) -> dict[str, Shape]:
        return self.layer.params(self.shape_in, self.ctx.bias)

    def describe(self) -> list[str]:
        """Docstring lines: what the layer is, in -> out."""
        return [f"layer {self.l}: {self.layer.token()}, {dims(self.shape_in)} -> {dims(self.shape_out)}"]

    def init(self) -> list[tuple[str, str]]:
        """init_params entries: (key, expression)."""
        return []

    def init_text(self) -> list[str]:
        return []

    def forward(self, x: str) -> list:
        raise NotImplementedError

    def infer(self, x: str) -> list:
        return [line for line in self.forward(x) if not isinstance(line, (Rec, Upd))]

    def backward(self, g: Grad, dx: str | None, top: bool = False) -> tuple[list, Grad | None]:
        raise NotImplementedError

    def grads(self) -> dict[str, str]:
        """Parameter key -> the variable holding its gradient."""
        return {key: "d" + key for key in self.params()}

    def codes(self) -> list["LayerCode"]:
        """This layer and, for a block, the layers inside it, in number order."""
        return [self]
