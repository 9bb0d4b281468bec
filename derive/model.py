"""The derivation model: one tree of small nodes that every printer walks.

A view (scalar, delta, numbers, staged expression, handout sections)
builds nodes; ``derive.printers`` turns them into text, LaTeX, Markdown,
JSON or HTML, the way SymPy's printers turn one expression tree into many
formats.  Mathematical content is always a SymPy expression; numbers and
notation inside it are the atoms ``Value`` and ``Notation``, which carry
everything a printer needs (no registry anywhere).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp
from sympy.core.symbol import Str

from .graph import Partial   # noqa: F401  (part of the model: d num / d den as notation)


class Node:
    pass


@dataclass
class Text(Node):
    """A paragraph of prose; '\\n' separates paragraphs."""
    text: str


@dataclass
class Math(Node):
    """A displayed chain ``parts[0] = parts[1] = ...``.

    ``label`` names the equation (BP1..BP4); ``note`` is a short remark
    printed beside it (shapes, the assumption used, 'at example 1')."""
    parts: list
    label: str = ""
    note: str = ""


@dataclass
class Equations(Node):
    """Several chains set together, aligned on their '=' (one block)."""
    lines: list[Math]


@dataclass
class Table(Node):
    header: list[str]
    rows: list[list]  # cells: str, or SymPy expressions (Value for numbers)


@dataclass
class Code(Node):
    text: str
    language: str = "python"


@dataclass
class Section(Node):
    title: str
    body: list[Node] = field(default_factory=list)
    key: str = ""     # what the section is, for views that pick sections (not the title)


class Literal(str):
    """User text inside prose (a TOML description): printed exactly as given,
    never read as notation."""


@dataclass
class Para(Node):
    """A paragraph of prose with inline maths: ``parts`` are strings (prose)
    and SymPy expressions (set inline, in the network's notation)."""
    parts: list


@dataclass
class Items(Node):
    """A list of points, each a node (usually a Para)."""
    items: list


@dataclass
class Box(Node):
    """A framed block that belongs together on the page (the activation box)."""
    title: str
    body: list[Node] = field(default_factory=list)


@dataclass
class Exercise(Node):
    """An exercise: ``question`` and ``answer`` are lists of nodes.  ``answer``
    None is the student sheet: ``space`` centimetres are left to write in.
    ``label`` introduces the answer (the word for 'Solution')."""
    title: str
    question: list[Node]
    answer: list[Node] | None = None
    space: float = 3.0
    label: str = ""


@dataclass
class Numeric:
    """A number a question asks for.  ``label`` is what it is, as printed
    (SymPy); ``value`` the answer computed from the numbers the question
    gives; ``what`` says the same for machines, a tuple such as
    ("z", l, j, row, "exercise") or ("grad", "w1_1_1", "exercise"), the last
    word naming the example it belongs to; ``tolerance`` is how far an
    answer may miss ``value`` and still count (absolute), set by an exam."""
    label: object
    value: object
    what: tuple = ()
    tolerance: object = None


@dataclass
class Part:
    """One number a question asks for, as a quiz asks it on its own:
    ``category`` is the same in every version (a quiz draws one version of
    it for each student), ``name`` names this version's copy, ``prompt``
    asks for the number (a Para)."""
    category: str
    name: str
    prompt: object
    asked: Numeric


@dataclass
class Question(Node):
    """One question of an exam's version: ``exercise`` holds its text and
    worked solution, ``parts`` the numbers it asks for; ``name`` is short
    and the same in every version ('Q2 Output error (BP1)')."""
    name: str
    exercise: Exercise
    parts: list[Part]

    @property
    def asked(self) -> list[Numeric]:
        return [p.asked for p in self.parts]


@dataclass
class Version(Node):
    """One version of an exam: its questions, drawn from ``seed``;
    ``examples`` are the examples its numbers come from ('exercise',
    'worked'), for checking."""
    number: int
    title: str
    seed: int
    questions: list[Question]
    examples: dict = field(default_factory=dict)


@dataclass
class Exam(Node):
    """An exam: the same questions in every version with other numbers.
    ``context`` is what every question states first (the network);
    ``sheet`` and ``keys`` are the printable documents (a page per
    version, and each version's key); ``data`` holds the spec and the seed."""
    title: str
    versions: list[Version]
    context: list[Node]
    sheet: "Derivation"
    keys: "Derivation"
    diagram: object = None
    names: object = None
    data: dict = field(default_factory=dict)


@dataclass
class Neuron:
    """One circle of a network diagram: its label (SymPy expression or text)."""
    label: object
    shaded: bool = False        # an input
    bias: object = None         # the bias it adds, when the drawing shows biases (a mark by the circle)


@dataclass
class Empty:
    """A place in a column left empty, so that the rows of several columns line
    up (the unrolled RNN: h_t above x_t, h_0 alone in the h row)."""


@dataclass
class FeatureMaps:
    """An image-shaped layer of a network diagram, in a column's place of a
    neuron: ``channels`` feature maps of ``height`` x ``width``, drawn as a
    stack of rectangles the way CNN figures draw them (a printer may draw
    only the first few and mark the rest).  ``kernel``, ``stride`` and ``pad``
    describe the window that produced each output entry from the previous
    column's maps (a conv's kernel, a pooling window); ``kernel`` None: the
    layer has no window (the input, batch norm, dropout).  At most ``shown``
    maps are drawn; the rest are marked as not drawn."""
    channels: int
    height: int
    width: int
    kernel: int | None = None
    stride: int = 1
    pad: int = 0
    shaded: bool = False        # the input
    shown: int = 4

    @property
    def drawn(self) -> int:
        return min(self.channels, self.shown)

    @property
    def shape(self) -> str:
        return f"{self.channels}×{self.height}×{self.width}"


@dataclass
class Column:
    """One layer of a network diagram, drawn top to bottom.  ``neurons`` holds
    Neuron (or one FeatureMaps, for an image), None where a gap stands for
    the neurons not drawn, or Empty; ``caption`` is the lines written under
    the column."""
    neurons: list
    caption: list[str]


@dataclass
class Edge:
    """An arrow from neuron ``src`` to neuron ``dst``, each (column, position
    in its column); ``label`` is the weight it carries when it is named."""
    src: tuple[int, int]
    dst: tuple[int, int]
    label: object = None
    skip: bool = False      # drawn as an arc over the columns between (a residual block's skip)


@dataclass
class Diagram(Node):
    """A layered network drawing, independent of how it is drawn: columns
    left to right, the arrows between them, and an optional box the last
    column feeds (the loss).  The LaTeX printer draws it with TikZ; an
    SVG printer can place the same columns the same way."""
    columns: list[Column]
    edges: list[Edge]
    sink: list[str] = field(default_factory=list)   # lines of the loss box; [] for none


@dataclass
class Series:
    """One line or set of marks of a plot: (x, y) points, already computed."""
    label: str
    points: list            # [(x, y)] as floats
    marks: bool = True      # marks at the points (a trace); False: a smooth curve
    line: bool = True       # the marks joined by a line (a trace); False: marks only (data points)


@dataclass
class Plot(Node):
    """A chart of computed numbers (the loss against the step, J(w) with the
    descent path on it).  The LaTeX printer draws it with pgfplots; the text
    printers list the points."""
    xlabel: str
    ylabel: str
    series: list[Series]
    caption: str = ""
    whole_x: bool = False   # x counts something (steps): ticks only at whole numbers


@dataclass
class Derivation(Node):
    """A whole derivation.  ``names`` is the network's naming scheme
    (how w1_2_1 prints); ``data`` holds the machine-readable content for
    JSON."""
    title: str
    body: list[Node] = field(default_factory=list)
    names: object = None
    data: dict = field(default_factory=dict)
    pending: list = field(default_factory=list)   # callables that fill ``data`` when it is first wanted

    def materialize(self) -> dict:
        """``data``, complete: the JSON content is built only when it is read."""
        while self.pending:
            self.pending.pop(0)(self.data)
        return self.data

    def _repr_latex_(self) -> str:
        from .printers import LatexPrinter
        return LatexPrinter(self.names).doprint_mathjax(self)

    def _repr_markdown_(self) -> str:
        from .printers import MarkdownPrinter
        return MarkdownPrinter(self.names).doprint(self)

    def __str__(self) -> str:
        from .printers import TextPrinter
        return TextPrinter(self.names).doprint(self)


@dataclass
class Program(Node):
    """A straight-line computation a page runs to follow gradient descent: the
    derivation's own definitions (forward, then the deltas), the loss and each
    gradient, in order.  ``constants`` (inputs, targets, dropout masks) stay
    fixed; ``params`` are (plain name, start value) and are stepped by
    ``lr`` times their ``gradients``; ``slots`` are (key, expression): the
    other numbers the page shows (a Value whose ``of`` is the key)."""
    constants: list
    params: list
    steps: list
    loss: object
    gradients: list
    slots: list = field(default_factory=list)
    lr: object = 0


@dataclass
class Explorer(Node):
    """An interactive page: the network drawn, each parameter's derivation
    (shown when the parameter is chosen), the matrix view, and the
    computation that takes gradient-descent steps.  ``words`` are the page's
    controls and headings, from the message table."""
    title: str
    intro: list
    diagram: Diagram
    parameters: list                # [(plain name, [nodes])]
    matrix: list                    # the BP1-BP4 view
    program: Program | None = None  # None: no worked example (the network is too large to evaluate here)
    names: object = None
    words: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)


# --------------------------------------------------- atoms inside maths --

class Notation(sp.Expr):
    """Notation that is not a variable (f'(z), Σ_k, 1/m): its Unicode text and
    its LaTeX, carried by the atom itself."""
    is_commutative = True

    def __new__(cls, text, latex=None):
        text = text.name if isinstance(text, Str) else text
        latex = latex.name if isinstance(latex, Str) else latex
        return sp.Expr.__new__(cls, Str(text), Str(latex if latex is not None else text))

    @property
    def text(self) -> str:
        return self.args[0].name

    @property
    def latex(self) -> str:
        return self.args[1].name

    def _eval_derivative(self, s):
        return sp.S.Zero


class Value(sp.Expr):
    """A number shown as it is and never simplified into its neighbours: the
    value of a symbol at the worked example.  Rational: exact; Float: rounded.

    ``of`` optionally says what the number is the value of, as plain text
    (a plain name, w1_2_1, or a SymPy-parsable expression in plain names):
    a page that recomputes the numbers (chainrule explore) fills it in
    again.  It is text, not an expression, so it adds no symbols."""
    is_commutative = True

    def __new__(cls, value, of=None):
        of = of.name if isinstance(of, Str) else of
        return sp.Expr.__new__(cls, sp.sympify(value), *([] if of is None else [Str(of)]))

    @property
    def value(self) -> sp.Expr:
        return self.args[0]

    @property
    def of(self) -> str | None:
        return self.args[1].name if len(self.args) > 1 else None

    def _eval_derivative(self, s):
        return sp.S.Zero


class Operation(sp.Expr):
    """One gate of a staged expression as the student wrote it: ``kind``
    (add, sub, mul, div, pow, neg, id, or a function such as exp or
    sigmoid) applied to its inputs, in their order.  SymPy would reorder
    w1*x or expand sigmoid; this atom keeps the gate as it is taught."""
    is_commutative = True

    def __new__(cls, kind, *inputs):
        kind = kind.name if isinstance(kind, Str) else kind
        return sp.Expr.__new__(cls, Str(kind), *[sp.sympify(x) for x in inputs])

    @property
    def kind(self) -> str:
        return self.args[0].name

    @property
    def inputs(self) -> tuple:
        return self.args[1:]


class Upstream(sp.Expr):
    """The chain rule at one gate, ``upstream · local``, kept in that order
    (SymPy would sort the factors)."""
    is_commutative = True

    def __new__(cls, upstream, local):
        return sp.Expr.__new__(cls, sp.sympify(upstream), sp.sympify(local))

    @property
    def upstream(self):
        return self.args[0]

    @property
    def local(self):
        return self.args[1]


class PlusEquals(sp.Expr):
    """``gradient += contribution``: a second path into a value that fans out."""
    is_commutative = True

    def __new__(cls, gradient, contribution):
        return sp.Expr.__new__(cls, sp.sympify(gradient), sp.sympify(contribution))


class Shape(sp.Expr):
    """Notation for the shape of a quantity: (rows × cols)."""
    is_commutative = True

    def __new__(cls, *dims):
        return sp.Expr.__new__(cls, *[sp.sympify(d) for d in dims])
