"""Worked examples: a small batch, the parameters, dropout masks and the
gradient-descent settings, as exact Fractions so printed arithmetic hides
nothing.  From a TOML-like table, or drawn reproducibly from a seed."""
from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from fractions import Fraction

from . import names
from .errors import SpecError
from .layers import Dropout

MAX_STEPS = 10_000
MAX_ROWS = 64
MAX_VALUE = 10 ** 6       # |a number| in an example
MAX_LR = 10 ** 3


@dataclass(frozen=True)
class Example:
    """``X`` and ``Y`` hold one row per example, each row flat in row-major
    order of the example's shape; ``params`` are (plain name, value) in the
    network's order; ``masks`` are (key M{l}, rows) for dropout layers."""
    X: tuple[tuple[Fraction, ...], ...]
    Y: tuple[tuple[Fraction, ...], ...]
    params: tuple[tuple[str, Fraction], ...]
    lr: Fraction = Fraction(1, 10)
    steps: int = 3
    description: str = ""
    masks: tuple[tuple[str, tuple[tuple[Fraction, ...], ...]], ...] = ()
    description_key: str = ""   # a preset's description is a message, so that it is translated
    target: str = ""            # the function of x the examples sample (one input, one output), e.g. "x**2"

    def described(self, t) -> str:
        """The description in the reader's language ('' when there is none)."""
        return t(self.description_key) if self.description_key else self.description

    @property
    def m(self) -> int:
        return len(self.X)

    def param_dict(self) -> dict[str, Fraction]:
        return dict(self.params)

    def mask_dict(self) -> dict[str, tuple[tuple[Fraction, ...], ...]]:
        return dict(self.masks)


def _conv(v, what: str, hint: str) -> Fraction:
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise SpecError(f"{what}: {str(v)[:30]!r} is not a number; {hint}")
    text = str(v)
    if len(text) > 40:
        raise SpecError(f"{what}: '{text[:20]}...' is too long for a number; {hint}")
    try:
        f = Fraction(text)
    except (ValueError, ZeroDivisionError, OverflowError):
        raise SpecError(f"{what}: {text!r} is not a finite number; {hint}") from None
    if abs(f) > MAX_VALUE:
        raise SpecError(f"{what}: {text} is too large (|value| <= {MAX_VALUE:,}); {hint}")
    return f


def _flat(value, what: str, hint: str, depth: int) -> list[Fraction]:
    """Flatten nested lists of exactly ``depth`` levels (0: one number)."""
    if depth == 0:
        return [_conv(value, what, hint)]
    if not isinstance(value, list) or not value:
        raise SpecError(f"{what}: expected a non-empty list; {hint}")
    out = []
    for v in value:
        out += _flat(v, what, hint, depth - 1)
    return out


def _depth(value) -> int:
    d = 0
    while isinstance(value, list) and value:
        d, value = d + 1, value[0]
    return d


def _rows(value, shape: tuple[int, ...], what: str, hint: str) -> tuple[tuple[Fraction, ...], ...]:
    """Rows of a batch: a list of examples, each nested like ``shape`` or (an
    image, a sequence) one flat row in row-major order, as torch.flatten; a
    single example (one level less deep) is a batch of one."""
    if not isinstance(value, list) or not value:
        raise SpecError(f"{what}: expected a list of examples; {hint}")
    size = math.prod(shape)
    depth = len(shape)
    if depth > 1 and _depth(value) in (1, 2):   # an image or sequence as one flat row (row-major)
        examples, depth = (value if _depth(value) == 2 else [value]), 1
    else:
        examples = value if _depth(value) == depth + 1 else [value]
    if len(examples) > MAX_ROWS:
        raise SpecError(f"{what}: {len(examples)} examples; a worked example has at most {MAX_ROWS}")
    rows = []
    for r, ex in enumerate(examples, 1):
        flat = _flat(ex, what, hint, depth)
        if len(flat) != size:
            raise SpecError(f"{what}: example {r} has {len(flat)} numbers but the shape "
                            f"{'x'.join(map(str, shape))} needs {size}; {hint}")
        rows.append(tuple(flat))
    return tuple(rows)


KNOWN = {"x", "y", "lr", "steps", "description", "params", "target"}


def target_function(text: str, where: str = "target"):
    """The example's target, a function of x, as a SymPy expression: read by
    the --expr parser's AST whitelist (numbers, x, + - * / **, the known
    functions), never evaluated by Python."""
    import sympy as sp

    from .errors import ChainruleError
    from .views.staged import parse
    hint = 'write a function of x such as "x**2" or "sin(x)"'
    if not isinstance(text, str) or not text.strip() or len(text) > parse.MAX_TEXT:
        raise SpecError(f"{where} must be a function of x as text; {hint}")
    try:
        written = parse.normalise(text, where).replace("^", "**").strip()
        order: list[str] = []
        parse._check_node(parse.parse_tree(written, where, hint), order, written)
        if set(order) - {"x"}:
            raise SpecError(f"{where} uses {', '.join(sorted(set(order) - {'x'}))}; it is a function of x "
                            f"alone; {hint}")
        expr = parse.reference(written, order)
    except SpecError:
        raise
    except ChainruleError as exc:
        raise SpecError(f"{where}: " + str(exc).replace("--expr", "the target")) from None
    return expr.xreplace({sp.Symbol("x", real=True): sp.Symbol("x")})


def example_from_table(net, table: dict, where: str) -> Example:
    """Build and check an Example from a TOML-like table."""
    shape_in, n_out = net.input, net.n_out
    if "x" not in table or "y" not in table:
        raise SpecError(f"{where}: [example] needs x and y, e.g. x = [[1.0, 2.0]] and y = [[0.5]]")
    in_text = "x".join(map(str, shape_in))
    X = _rows(table["x"], shape_in, f"{where}: example x", f"write one row of {in_text} numbers per example"
              + (" (flat in row-major order, or nested as the shape)" if len(shape_in) > 1 else ""))
    Y = _rows(table["y"], (n_out,), f"{where}: example y", f"write one row of {n_out} numbers per example")
    if len(X) != len(Y):
        raise SpecError(f"{where}: example x has {len(X)} rows but y has {len(Y)}")
    shapes = net.param_shapes()
    masks_wanted = {f"M{layer.l}": s for layer, s in zip(net.numbered, net.shapes()) if isinstance(layer, Dropout)}
    params, masks = {}, {}
    raw = table.get("params", {})
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: [example] params must be a table of name = value")
    raw = dict(raw)
    raw.update({k: v for k, v in table.items() if k not in KNOWN})
    for key, value in raw.items():
        if key in shapes:   # a whole array: W2 = [[...]], b2 = [...]
            shape = shapes[key]
            hint = f"{key} has shape {' x '.join(map(str, shape))}"
            flat = _flat(value, f"{where}: {key}", hint, len(shape))
            if len(flat) != math.prod(shape) or _depth(value) != len(shape):
                raise SpecError(f"{where}: {key} must have shape {' x '.join(map(str, shape))} "
                                f"({math.prod(shape)} numbers)")
            params.update(zip(names.entries(key, shape), flat))
            continue
        if key in masks_wanted:
            masks[key] = _rows(value, masks_wanted[key], f"{where}: {key}", "a 0/1 keep-mask per example")
            if any(v not in (0, 1) for row in masks[key] for v in row):
                raise SpecError(f"{where}: {key} is a keep-mask: every entry is 0 or 1")
            if len(masks[key]) != len(X):
                raise SpecError(f"{where}: {key} has {len(masks[key])} rows but x has {len(X)}")
            continue
        if re.fullmatch(r"[A-Za-z]+\d+", key):
            raise SpecError(f"{where}: {net.spec} has no parameter block '{key}'; its blocks are "
                            f"{', '.join(shapes)}" + (f" and masks {', '.join(masks_wanted)}" if masks_wanted else ""))
        try:
            net.check_param(key)
        except SpecError as exc:
            raise SpecError(f"{where}: [example] {exc}") from None
        params[key] = _conv(value, f"{where}: {key}", "give one number")
    order = net.param_names()
    missing = [p for p in order if p not in params]
    if missing:
        raise SpecError(f"{where}: the example gives no value for {', '.join(missing[:4])}"
                        f"{' ...' if len(missing) > 4 else ''}; give every parameter "
                        f"(w1_1_1 = 0.5, or W1 = [[...]] and b1 = [...])")
    for key in masks_wanted:
        if key not in masks:
            masks[key] = draw_masks(net, key, len(X), random.Random(0))
    lr = _conv(table.get("lr", 0.1), f"{where}: lr", "give one positive number, e.g. lr = 0.1")
    if not 0 < lr <= MAX_LR:
        raise SpecError(f"{where}: lr = {table.get('lr')} must be positive (and at most {MAX_LR}); "
                        f"gradient descent steps against the gradient with a positive rate")
    steps = table.get("steps", 3)
    if not isinstance(steps, int) or isinstance(steps, bool) or not 0 <= steps <= MAX_STEPS:
        raise SpecError(f"{where}: steps must be a whole number from 0 to {MAX_STEPS}")
    description = table.get("description", "")
    if not isinstance(description, str):
        raise SpecError(f"{where}: description must be text")
    target = table.get("target", "")
    if target != "":
        if shape_in != (1,) or n_out != 1:
            raise SpecError(f"{where}: target (the function of x the examples sample) needs a network of "
                            f"one input and one output; {net.spec} has {in_text} and {n_out}")
        target_function(target, f"{where}: target")
    return Example(X, Y, tuple((p, params[p]) for p in order), lr, steps, description,
                   tuple(sorted(masks.items())), target=target)


def draw_masks(net, key: str, m: int, rng: random.Random) -> tuple[tuple[Fraction, ...], ...]:
    """Keep-masks for the dropout layer ``key`` (M{l}): 1 with probability 1 - p."""
    l = int(key[1:])
    layer = net.layer(l)
    size = math.prod(net.shapes()[l - 1])
    return tuple(tuple(Fraction(int(rng.random() >= layer.p)) for _ in range(size)) for _ in range(m))


def random_example(net, seed: int, m: int | None = None) -> Example:
    """A reproducible example with short decimals a student can follow."""
    rng = random.Random(seed)
    if m is None:
        m = 3 if any(layer.kind == "bn" for layer in net.numbered) else 2

    def dec(lo=-1.0, hi=1.0, places=1):
        return Fraction(str(round(rng.uniform(lo, hi), places)))

    size_in, n_out = math.prod(net.input), net.n_out
    X = tuple(tuple(dec() for _ in range(size_in)) for _ in range(m))
    if net.loss == "ce":
        rows = []
        for _ in range(m):
            hot = rng.randrange(n_out)
            rows.append(tuple(Fraction(int(k == hot)) for k in range(n_out)))
        Y = tuple(rows)
    elif net.loss == "bce":
        Y = tuple(tuple(Fraction(rng.randrange(2)) for _ in range(n_out)) for _ in range(m))
    else:
        Y = tuple(tuple(dec() for _ in range(n_out)) for _ in range(m))
    params = []
    for key, shape in net.param_shapes().items():
        for p in names.entries(key, shape):
            if key.startswith("gamma"):
                value = dec(0.5, 1.5, 1)
            elif key.startswith(("b", "beta")):
                value = dec(-0.5, 0.5, 1)
            else:
                value = dec(-1.0, 1.0, 2)
            params.append((p, value))
    masks = tuple((f"M{layer.l}", draw_masks(net, f"M{layer.l}", m, rng))
                  for layer in net.numbered if isinstance(layer, Dropout))
    return Example(X, Y, tuple(params), Fraction(1, 10), 3, f"random example, seed {seed}", masks)
