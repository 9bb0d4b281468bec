"""Network specs: the spec string, TOML files and presets, all parsed into one
validated, immutable ``Network`` value.

    SPEC   := LAYERS ("/" ITEM)*
    LAYERS := INT ("-" INT [":" ACT])+
    ACT    := NAME ["(" NUMBER ")"]
    ITEM   := LOSS | "nobias" | "sum"
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

from .errors import SpecError, did_you_mean
from .library import ACTIVATIONS, LOSSES

ITEMS = ("nobias", "sum")
PARAM_RE = re.compile(r"^(w)(\d+)_(\d+)_(\d+)$|^(b)(\d+)_(\d+)$")


class Act(NamedTuple):
    name: str
    alpha: float | None = None

    def __str__(self) -> str:
        return self.name if self.alpha is None else f"{self.name}({_num(self.alpha)})"


def _num(x: float) -> str:
    return repr(float(x))


@dataclass(frozen=True)
class Example:
    """A worked example: a batch (rows are examples), parameters by plain
    name, and the gradient-descent settings.  Values are exact Fractions so
    that printed arithmetic hides nothing."""
    X: tuple[tuple[Fraction, ...], ...]
    Y: tuple[tuple[Fraction, ...], ...]
    params: tuple[tuple[str, Fraction], ...]
    lr: Fraction = Fraction(1, 10)
    steps: int = 3
    description: str = ""

    @property
    def m(self) -> int:
        return len(self.X)

    def param_dict(self) -> dict[str, Fraction]:
        return dict(self.params)


@dataclass(frozen=True)
class Network:
    """A fully connected network.  ``sizes`` are the widths n_0 .. n_L;
    ``activations`` has one entry per layer 1 .. L."""
    sizes: tuple[int, ...]
    activations: tuple[Act, ...] = ()
    loss: str = "mse"
    bias: bool = True
    reduction: str = "mean"
    name: str | None = field(default=None, compare=False)
    example: Example | None = field(default=None, compare=False)

    def __post_init__(self):
        sizes = tuple(self.sizes)
        if len(sizes) < 2:
            raise SpecError("a network needs at least two layers, e.g. '2-1'")
        for i, n in enumerate(sizes):
            if not isinstance(n, int) or isinstance(n, bool) or n < 1:
                raise SpecError(f"layer {i} has width {n!r}; widths are whole numbers >= 1")
        acts = list(self.activations)
        if not acts:
            acts = ["sigmoid"] * (len(sizes) - 2) + ["identity"]
        if len(acts) != len(sizes) - 1:
            raise SpecError(f"{len(sizes) - 1} layers after the input need {len(sizes) - 1} "
                            f"activations, got {len(acts)}")
        acts = tuple(_as_act(x) for x in acts)
        object.__setattr__(self, "sizes", sizes)
        object.__setattr__(self, "activations", acts)
        _validate(self)

    # -- construction ------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> "Network":
        """Parse a spec string such as '2-3:sigmoid-1/mse'."""
        return parse_spec(text)

    @classmethod
    def load(cls, source: str) -> "Network":
        """A preset name, a TOML file path, or a spec string."""
        return load(source)

    # -- views -------------------------------------------------------------
    @property
    def depth(self) -> int:
        return len(self.sizes) - 1

    @property
    def spec(self) -> str:
        """The normalised spec string: every activation and the loss explicit."""
        layers = str(self.sizes[0]) + "".join(
            f"-{n}:{act}" for n, act in zip(self.sizes[1:], self.activations))
        items = [self.loss] + (["nobias"] if not self.bias else []) + (
            ["sum"] if self.reduction == "sum" else [])
        return layers + "".join("/" + i for i in items)

    def act(self, layer: int) -> Act:
        """Activation of layer 1..L."""
        return self.activations[layer - 1]

    def param_names(self) -> list[str]:
        """Plain names in order: w1_1_1, w1_1_2, ..., b1_1, ..., then layer 2."""
        names = []
        for l in range(1, self.depth + 1):
            names += [f"w{l}_{j}_{k}" for j in range(1, self.sizes[l] + 1)
                      for k in range(1, self.sizes[l - 1] + 1)]
            if self.bias:
                names += [f"b{l}_{j}" for j in range(1, self.sizes[l] + 1)]
        return names

    @property
    def n_params(self) -> int:
        return sum(self.sizes[l] * self.sizes[l - 1] + (self.sizes[l] if self.bias else 0)
                   for l in range(1, self.depth + 1))

    def check_param(self, name: str) -> str:
        """Validate a plain parameter name; SpecError says what would fit."""
        m = PARAM_RE.match(name)
        hint = (f"parameters of {self.spec} are w<l>_<j>_<k> (l in 1..{self.depth}, j = to-neuron, "
                f"k = from-neuron)" + (" and b<l>_<j>" if self.bias else "; it has no biases (nobias)"))
        if not m:
            return _raise(f"unknown parameter '{name}'{did_you_mean(name, self.param_names())}; {hint}")
        if m.group(1):
            l, j, k = int(m.group(2)), int(m.group(3)), int(m.group(4))
            ok = 1 <= l <= self.depth and 1 <= j <= self.sizes[l] and 1 <= k <= self.sizes[l - 1]
        else:
            l, j = int(m.group(6)), int(m.group(7))
            ok = self.bias and 1 <= l <= self.depth and 1 <= j <= self.sizes[l]
        if not ok:
            _raise(f"{self.spec} has no parameter '{name}'; {hint}")
        return name

    def with_example(self, example: Example | None) -> "Network":
        return replace(self, example=example)

    def __str__(self) -> str:
        return self.spec


def _raise(msg):
    raise SpecError(msg)


def _as_act(x) -> Act:
    if isinstance(x, Act):
        act = x
    elif isinstance(x, tuple):
        act = Act(*x)
    elif isinstance(x, str):
        act = _parse_act(x.replace(" ", ""), 0, x)
    else:
        raise SpecError(f"activation {x!r} is not a name such as 'sigmoid' or 'leaky_relu(0.1)'")
    if act.name not in ACTIVATIONS:
        raise SpecError(f"unknown activation '{act.name}'{did_you_mean(act.name, ACTIVATIONS)}; "
                        f"choose from {', '.join(ACTIVATIONS)}")
    default = ACTIVATIONS[act.name].default_alpha
    if default is None and act.alpha is not None:
        raise SpecError(f"activation '{act.name}' takes no parameter; only leaky_relu and elu do")
    if default is not None:
        alpha = default if act.alpha is None else float(act.alpha)
        if not alpha > 0 or alpha != alpha or alpha == float("inf"):
            raise SpecError(f"{act.name} needs a positive finite alpha, got {act.alpha}")
        act = Act(act.name, alpha)
    return act


def _validate(net: Network) -> None:
    if net.loss not in LOSSES:
        raise SpecError(f"unknown loss '{net.loss}'{did_you_mean(net.loss, LOSSES)}; "
                        f"choose from {', '.join(LOSSES)}")
    if net.reduction not in ("mean", "sum"):
        raise SpecError(f"reduction must be 'mean' or 'sum', got {net.reduction!r}")
    L = net.depth
    for l in range(1, L):
        if net.act(l).name == "softmax":
            raise SpecError(f"softmax is for the output layer only (layer {l} is hidden); "
                            f"use relu, tanh or sigmoid there")
    out = net.act(L).name
    needs = LOSSES[net.loss].needs
    if needs and out != needs:
        raise SpecError(f"{net.loss} needs a {needs} output, but the output layer is {out}; "
                        f"write '...-{net.sizes[-1]}:{needs}/{net.loss}'")
    if out == "softmax" and net.loss != "ce":
        raise SpecError(f"a softmax output goes with ce, not {net.loss}; write '/ce'")
    if out == "softmax" and net.sizes[-1] < 2:
        raise SpecError("softmax needs at least 2 outputs (with 1 it is the constant 1); "
                        "use '-1:sigmoid/bce' for two classes")


# ------------------------------------------------------------ the parser ----

class _Scanner:
    def __init__(self, text: str):
        self.original = text
        # Spaces are ignored, but positions refer to the text as typed.
        self.chars = [(c, i) for i, c in enumerate(text) if not c.isspace()]
        self.i = 0

    def peek(self) -> str:
        return self.chars[self.i][0] if self.i < len(self.chars) else ""

    def pos(self) -> int:
        return self.chars[self.i][1] + 1 if self.i < len(self.chars) else len(self.original) + 1

    def take(self, pattern: str) -> tuple[str, int]:
        start = self.pos()
        out = []
        while self.i < len(self.chars) and re.fullmatch(pattern, self.chars[self.i][0]):
            out.append(self.chars[self.i][0])
            self.i += 1
        return "".join(out), start

    def fail(self, what: str, at: int | None = None):
        at = self.pos() if at is None else at
        raise SpecError(f"{what} at position {at} of '{self.original}'")


def _parse_act(token: str, pos: int, original: str) -> Act:
    m = re.fullmatch(r"([A-Za-z_][A-Za-z_0-9]*)(?:\((.*)\))?", token)
    if not m:
        raise SpecError(f"malformed activation '{token}' at position {pos} of '{original}'; "
                        f"write NAME or NAME(NUMBER), e.g. relu or leaky_relu(0.1)")
    name, arg = m.group(1), m.group(2)
    if name not in ACTIVATIONS:
        raise SpecError(f"unknown activation '{name}'{did_you_mean(name, ACTIVATIONS)} at position "
                        f"{pos} of '{original}'; choose from {', '.join(ACTIVATIONS)}")
    alpha = None
    if arg is not None:
        try:
            alpha = float(arg)
        except ValueError:
            raise SpecError(f"'{arg}' in '{token}' at position {pos} of '{original}' is not a number; "
                            f"write e.g. {name}(0.1)") from None
    return Act(name, alpha)


def parse_spec(text: str) -> Network:
    if not isinstance(text, str) or not text.strip():
        raise SpecError("empty spec; write layer widths joined by '-', e.g. '2-3:sigmoid-1/mse'")
    s = _Scanner(text)
    sizes, acts = [], []
    while True:
        width, at = s.take(r"\d")
        if not width:
            got = s.peek()
            s.fail(f"expected a layer width (a whole number), found '{got}'" if got
                   else "expected a layer width (a whole number) after '-'")
        if int(width) < 1:
            s.fail(f"layer width {width} must be at least 1", at)
        sizes.append(int(width))
        if s.peek() == ":":
            if len(sizes) == 1:
                s.fail("the input layer takes no activation; start with a width such as '2-'")
            s.i += 1
            token, at = s.take(r"[A-Za-z_0-9().eE+\-]")
            # A '-' inside the activation belongs to it only within parentheses.
            if "(" not in token and "-" in token:
                cut = token.index("-")
                s.i -= len(token) - cut
                token = token[:cut]
            elif "(" in token and ")" in token:
                end = token.index(")") + 1
                s.i -= len(token) - end
                token = token[:end]
            if not token:
                s.fail("expected an activation name after ':'")
            acts.append(_parse_act(token, at, text))
        elif len(sizes) > 1:
            acts.append(None)
        nxt = s.peek()
        if nxt == "-":
            s.i += 1
            continue
        if nxt in ("/", ""):
            break
        s.fail(f"unexpected '{nxt}'; layers are joined by '-', options follow '/'")
    if len(sizes) < 2:
        raise SpecError(f"'{text}' has only an input layer; add an output layer, e.g. '{sizes[0]}-1'")
    loss, bias, reduction, seen = None, True, "mean", set()
    while s.peek() == "/":
        s.i += 1
        item, at = s.take(r"[A-Za-z_0-9]")
        if not item:
            s.fail("expected a loss or option after '/'" + (f", found '{s.peek()}'" if s.peek() else ""))
        if item in seen:
            s.fail(f"'{item}' is given twice", at)
        seen.add(item)
        if item in LOSSES:
            if loss is not None:
                s.fail(f"two losses ('{loss}' and '{item}'); give one", at)
            loss = item
        elif item == "nobias":
            bias = False
        elif item == "sum":
            reduction = "sum"
        else:
            raise SpecError(f"unknown loss or option '{item}'{did_you_mean(item, [*LOSSES, *ITEMS])} "
                            f"at position {at} of '{text}'; choose a loss ({', '.join(LOSSES)}), "
                            f"'nobias' or 'sum'")
        if s.peek() not in ("/", ""):
            s.fail(f"unexpected '{s.peek()}' after '{item}'")
    L = len(sizes) - 1
    full = [act if act is not None else Act("sigmoid" if l < L else "identity")
            for l, act in enumerate(acts, start=1)]
    return Network(tuple(sizes), tuple(full), loss or "mse", bias, reduction)


# ------------------------------------------------------------- loading ------

def load(source: str) -> Network:
    """Whatever the command line accepts as SPEC: preset, TOML file, spec."""
    from .presets import PRESETS
    if isinstance(source, Network):
        return source
    if source in PRESETS:
        return PRESETS[source]()
    if source.endswith(".toml") or ("/" not in source and Path(source).is_file()) \
            or (Path(source).suffix and Path(source).exists()):
        return load_toml(source)
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_\-]*", source) and not source[0].isdigit():
        raise SpecError(f"'{source}' is not a preset, a TOML file or a spec"
                        f"{did_you_mean(source, PRESETS)}; presets: {', '.join(PRESETS)} "
                        f"(run 'chainrule presets')")
    return parse_spec(source)


def _fractions(value, what: str, shape_hint: str):
    def conv(v):
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            raise SpecError(f"{what}: {v!r} is not a number; {shape_hint}")
        try:
            f = Fraction(str(v))
        except (ValueError, ZeroDivisionError):
            raise SpecError(f"{what}: {v!r} is not a number; {shape_hint}") from None
        return f
    if not isinstance(value, list):
        value = [value]
    if value and not isinstance(value[0], list):
        value = [value]
    return tuple(tuple(conv(v) for v in row) if isinstance(row, list) else
                 _raise(f"{what}: rows must all be lists; {shape_hint}") for row in value)


def example_from_table(net: Network, table: dict, where: str) -> Example:
    """Build and check an Example from a TOML-like table."""
    known = {"x", "y", "lr", "steps", "description", "params"}
    n0, nL = net.sizes[0], net.sizes[-1]
    if "x" not in table or "y" not in table:
        raise SpecError(f"{where}: [example] needs x and y, e.g. x = [[1.0, 2.0]] and y = [[0.5]]")
    X = _fractions(table["x"], f"{where}: example x", f"write one row of {n0} numbers per example")
    Y = _fractions(table["y"], f"{where}: example y", f"write one row of {nL} numbers per example")
    if any(len(r) != n0 for r in X):
        raise SpecError(f"{where}: example x rows must have {n0} numbers (the input width)")
    if any(len(r) != nL for r in Y):
        raise SpecError(f"{where}: example y rows must have {nL} numbers (the output width)")
    if len(X) != len(Y):
        raise SpecError(f"{where}: example x has {len(X)} rows but y has {len(Y)}")
    params = {}
    raw = dict(table.get("params", {}))
    raw.update({k: v for k, v in table.items() if k not in known})
    for key, value in raw.items():
        m = re.fullmatch(r"([Wb])(\d+)", key)
        if m:  # a whole matrix W2 = [[...]] or vector b2 = [...]
            l = int(m.group(2))
            if not 1 <= l <= net.depth or (m.group(1) == "b" and not net.bias):
                raise SpecError(f"{where}: {net.spec} has no parameter block '{key}'")
            if m.group(1) == "W":
                rows = _fractions(value, f"{where}: {key}", f"{key} is {net.sizes[l]} rows of {net.sizes[l-1]}")
                if len(rows) != net.sizes[l] or any(len(r) != net.sizes[l - 1] for r in rows):
                    raise SpecError(f"{where}: {key} must be {net.sizes[l]} rows of "
                                    f"{net.sizes[l - 1]} numbers (shape n_{l} x n_{l-1})")
                for j, row in enumerate(rows, 1):
                    for k, v in enumerate(row, 1):
                        params[f"w{l}_{j}_{k}"] = v
            else:
                vec = _fractions(value, f"{where}: {key}", f"{key} is a list of {net.sizes[l]} numbers")[0]
                if len(vec) != net.sizes[l]:
                    raise SpecError(f"{where}: {key} must have {net.sizes[l]} numbers")
                for j, v in enumerate(vec, 1):
                    params[f"b{l}_{j}"] = v
            continue
        try:
            net.check_param(key)
        except SpecError as exc:
            raise SpecError(f"{where}: [example] {exc}") from None
        params[key] = _fractions(value, f"{where}: {key}", "give one number")[0][0]
    missing = [p for p in net.param_names() if p not in params]
    if missing:
        raise SpecError(f"{where}: the example gives no value for {', '.join(missing[:4])}"
                        f"{' ...' if len(missing) > 4 else ''}; give every parameter "
                        f"(w1_1_1 = 0.5, or W1 = [[...]] and b1 = [...])")
    lr = _fractions(table.get("lr", 0.1), f"{where}: lr", "give one number")[0][0]
    steps = table.get("steps", 3)
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
        raise SpecError(f"{where}: steps must be a whole number >= 0")
    return Example(X, Y, tuple((p, params[p]) for p in net.param_names()), lr, steps,
                   str(table.get("description", "")))


def load_toml(path: str) -> Network:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read '{path}': {exc.strerror or exc}; check the path") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"'{path}' is not valid TOML: {exc}") from None
    unknown = set(data) - {"network", "example"}
    if unknown:
        key = sorted(unknown)[0]
        raise SpecError(f"'{path}': unknown table [{key}]{did_you_mean(key, ['network', 'example'])}; "
                        f"use [network] and optionally [example]")
    netd = data.get("network")
    if not isinstance(netd, dict):
        raise SpecError(f"'{path}' has no [network] table; add one with layers = [2, 3, 1]")
    allowed = {"layers", "activations", "loss", "bias", "reduction", "name", "spec"}
    for key in netd:
        if key not in allowed:
            raise SpecError(f"'{path}': unknown key '{key}' in [network]{did_you_mean(key, allowed)}; "
                            f"keys are {', '.join(sorted(allowed))}")
    if "spec" in netd:
        net = parse_spec(str(netd["spec"]))
    else:
        layers = netd.get("layers")
        if not isinstance(layers, list) or not all(isinstance(n, int) for n in layers):
            raise SpecError(f"'{path}': [network] layers must be a list of widths, e.g. [2, 3, 1]")
        acts = netd.get("activations", [])
        if isinstance(acts, str):
            acts = [acts] * (len(layers) - 2) + ["identity"] if len(layers) > 2 else [acts]
        bias = netd.get("bias", True)
        if not isinstance(bias, bool):
            raise SpecError(f"'{path}': bias must be true or false")
        net = Network(tuple(layers), tuple(acts), str(netd.get("loss", "mse")), bias,
                      str(netd.get("reduction", "mean")))
    name = netd.get("name")
    net = replace(net, name=str(name) if name is not None else Path(path).stem)
    if "example" in data:
        if not isinstance(data["example"], dict):
            raise SpecError(f"'{path}': [example] must be a table")
        net = net.with_example(example_from_table(net, data["example"], f"'{path}'"))
    return net
