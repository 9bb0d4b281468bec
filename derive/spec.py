"""The spec grammar: text -> Network.

    SPEC   := INPUT ("-" LAYER)+ ("/" ITEM)*
    INPUT  := INT | INT "x" INT | INT "x" INT "x" INT     (n_0, T x F, C x H x W)
    LAYER  := INT [":" ACT]                               dense
            | "conv(" INT "," INT ["," "stride=" INT] ["," "pad=" INT] ")" [":" ACT]
            | "maxpool(" INT ")" | "avgpool(" INT ")" | "flatten"
            | "bn" | "ln" | "dropout(" NUMBER ")"
            | "res(" LAYER ("-" LAYER)* ")" [":" ACT]
            | "rnn(" INT ")" | "lstm(" INT ")" | "gru(" INT ")"
    ACT    := NAME ["(" NUMBER ")"]
    ITEM   := LOSS | "nobias" | "sum" | "l2(" NUMBER ")"

Spaces are ignored; every error names the position in the text as typed.
Dense layers without an activation are sigmoid, except the network's last
layer and the last layer inside a residual block (its F(x)), which are
identity; conv and res default to identity.
"""
from __future__ import annotations

import math
import re
import unicodedata
from fractions import Fraction

from .errors import SpecError, did_you_mean
from .layers import (Act, BatchNorm, Conv, Dense, Dropout, Flatten, LayerNorm, Pool, Recurrent,
                     Residual)
from .rules import ACTIVATIONS, LOSSES

ITEMS = ("nobias", "sum", "l2")
KINDS = ("conv", "maxpool", "avgpool", "flatten", "bn", "ln", "dropout", "res", "rnn", "lstm", "gru")
MAX_TEXT = 10_000
MAX_INT = 10 ** 9


def _number(text: str, what: str) -> Fraction:
    """A finite decimal number, exactly."""
    if len(text) > 40 or not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?", text):
        raise ValueError(what)
    value = Fraction(text)
    if abs(value) > 10 ** 12:
        raise ValueError(what)
    return value


def as_act(x) -> Act:
    """An Act from a name, 'leaky_relu(0.1)', a tuple or an Act; checked against the card."""
    if isinstance(x, Act):
        act = x
    elif isinstance(x, tuple):
        act = Act(*x)
    elif isinstance(x, str):
        act = _parse_act(x.replace(" ", ""), 1, x)
    else:
        raise SpecError(f"activation {x!r} is not a name such as 'sigmoid' or 'leaky_relu(0.1)'")
    if act.name not in ACTIVATIONS:
        raise SpecError(f"unknown activation '{act.name}'{did_you_mean(act.name, ACTIVATIONS)}; "
                        f"choose from {', '.join(ACTIVATIONS)}")
    default = ACTIVATIONS[act.name].default_alpha
    if default is None and act.alpha is not None:
        raise SpecError(f"activation '{act.name}' takes no parameter; only "
                        f"{' and '.join(n for n, a in ACTIVATIONS.items() if a.default_alpha is not None)} do")
    if default is not None:
        value = default if act.alpha is None else float(act.alpha)
        if not (value > 0 and math.isfinite(value)):
            raise SpecError(f"{act.name} needs a positive finite alpha, got {act.alpha}")
        act = Act(act.name, value)
    return act


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
            alpha = float(_number(arg, arg))
        except ValueError:
            raise SpecError(f"'{arg}' in '{token}' at position {pos} of '{original}' is not a number; "
                            f"write e.g. {name}(0.1)") from None
    return as_act(Act(name, alpha)) if alpha is None or alpha > 0 else _bad_alpha(name, arg)


def _bad_alpha(name, arg):
    raise SpecError(f"{name} needs a positive finite alpha, got {arg}")


class _Scanner:
    """Characters of the spec without spaces, each with its 1-based position."""

    def __init__(self, text: str):
        self.original = text
        self.chars = [(c, i) for i, c in enumerate(text) if not c.isspace()]
        self.i = 0

    def peek(self, n: int = 1) -> str:
        return "".join(c for c, _ in self.chars[self.i:self.i + n])

    def pos(self) -> int:
        return self.chars[self.i][1] + 1 if self.i < len(self.chars) else len(self.original) + 1

    def take(self, pattern: str) -> tuple[str, int]:
        start, out = self.pos(), []
        while self.i < len(self.chars) and re.fullmatch(pattern, self.chars[self.i][0]):
            out.append(self.chars[self.i][0])
            self.i += 1
        return "".join(out), start

    def expect(self, char: str, what: str):
        if self.peek() != char:
            got = self.peek()
            self.fail(f"expected '{char}' {what}" + (f", found '{got}'" if got else ""))
        self.i += 1

    def fail(self, what: str, at: int | None = None):
        at = self.pos() if at is None else at
        raise SpecError(f"{what} at position {at} of '{self.original}'")

    def integer(self, what: str) -> int:
        digits, at = self.take(r"\d")
        if not digits:
            got = self.peek()
            self.fail(f"expected {what} (a whole number)" + (f", found '{got}'" if got else ""))
        if len(digits) > 10 or int(digits) > MAX_INT:
            self.fail(f"{what} {digits[:12]}{'...' if len(digits) > 12 else ''} is too large", at)
        if int(digits) < 1:
            self.fail(f"{what} {digits} must be at least 1", at)
        return int(digits)

    def argument(self) -> tuple[str, int]:
        """Raw text up to the next ',' or ')' (a number or key=value)."""
        return self.take(r"[^,()/]")


class _Parser:
    def __init__(self, text: str):
        self.s = _Scanner(text)
        self.count = 0   # layer numbers handed out so far

    def number(self) -> int:
        self.count += 1
        return self.count

    def input(self) -> tuple[int, ...]:
        s = self.s
        if s.peek() == ":":
            s.fail("the input layer takes no activation; start with a width such as '2-'")
        dims = [s.integer("the input size")]
        while s.peek() == "x":
            s.i += 1
            dims.append(s.integer("an input size"))
        if len(dims) > 3:
            s.fail("an input is n, T x F or C x H x W; this one has more than three sizes")
        if s.peek() == ":":
            s.fail("the input layer takes no activation; start with a width such as '2-'")
        return tuple(dims)

    def layers(self, inside: bool) -> list:
        s, out = self.s, []
        while True:
            out.append(self.layer())
            if s.peek() == "-":
                s.i += 1
                continue
            end = ")" if inside else "/"
            if s.peek() in (end, "") or (not inside and s.peek() == ""):
                return out
            got = s.peek()
            s.fail(f"unexpected '{got}'; layers are joined by '-'" + ("" if inside else ", options follow '/'"))

    def layer(self):
        s = self.s
        if s.peek().isdigit():
            at = s.pos()
            n = s.integer("a layer width")
            if s.peek() == "x":
                s.fail("only the input may be T x F or C x H x W", at)
            return ("dense", self.number(), n, self.activation())
        word, at = s.take(r"[A-Za-z_0-9]")
        if not word:
            got = s.peek()
            s.fail(f"expected a layer (a width or {', '.join(KINDS)})" + (f", found '{got}'" if got else
                                                                           " after '-'"))
        if word not in KINDS:
            s.fail(f"unknown layer '{word}'{did_you_mean(word, KINDS)}; layers are a width (dense) or "
                   f"{', '.join(KINDS)}", at)
        if word == "res":
            s.expect("(", "after 'res'")
            inner = self.layers(inside=True)
            s.expect(")", "to close 'res('")
            return ("res", 0, inner, self.activation(default=Act("identity")))
        if word in ("flatten", "bn", "ln"):
            if s.peek() == "(":
                s.fail(f"'{word}' takes no arguments")
            return (word, self.number())
        s.expect("(", f"after '{word}'")
        args = []
        while True:
            arg, a_at = s.argument()
            if not arg:
                s.fail(f"expected an argument of {word}(...)")
            args.append((arg, a_at))
            if s.peek() == ",":
                s.i += 1
                continue
            s.expect(")", f"to close '{word}('")
            break
        l = self.number()
        if word == "conv":
            return ("conv", l, self._conv_args(args), self.activation(default=Act("identity")))
        if len(args) != 1:
            s.fail(f"{word}(...) takes one argument, got {len(args)}", at)
        arg, a_at = args[0]
        if word == "dropout":
            try:
                p = _number(arg, arg)
            except ValueError:
                s.fail(f"'{arg}' in dropout(...) is not a number; write e.g. dropout(0.5)", a_at)
            if not 0 <= p < 1:
                s.fail(f"dropout({arg}) needs a drop probability p in [0, 1)", a_at)
            return ("dropout", l, p)
        if not re.fullmatch(r"\d+", arg):
            s.fail(f"'{arg}' in {word}(...) is not a whole number", a_at)
        n = int(arg[:11])
        if n < 1 or n > MAX_INT:
            s.fail(f"{word}({arg}) needs a size from 1 to {MAX_INT}", a_at)
        if s.peek() == ":":
            s.fail(f"{word} takes no activation")
        return (word, l, n)

    def _conv_args(self, args) -> dict:
        s = self.s
        out, positional = {"stride": 1, "pad": 0}, []
        for arg, at in args:
            key, eq, value = arg.partition("=")
            if not eq:
                if len(positional) == 2:
                    s.fail("conv(C, K, stride=S, pad=P) takes two plain numbers: channels and kernel size", at)
                positional.append((key, at))
                continue
            if key not in ("stride", "pad"):
                s.fail(f"unknown conv option '{key}'{did_you_mean(key, ['stride', 'pad'])}; "
                       f"write conv(C, K, stride=S, pad=P)", at)
            if not re.fullmatch(r"\d{1,9}", value):
                s.fail(f"{key}={value} needs a whole number", at)
            out[key] = int(value)
        if len(positional) != 2:
            s.fail("conv needs the output channels and the kernel size, e.g. conv(6,5)")
        for (text, at), key in zip(positional, ("channels", "k")):
            if not re.fullmatch(r"\d{1,9}", text) or int(text) < 1:
                s.fail(f"the {'output channels' if key == 'channels' else 'kernel size'} in conv(...) "
                       f"must be a whole number >= 1, got '{text}'", at)
            out[key] = int(text)
        if out["stride"] < 1:
            s.fail("conv stride must be at least 1")
        return out

    def activation(self, default=None):
        s = self.s
        if s.peek() != ":":
            return default
        s.i += 1
        start = s.i
        name, at = s.take(r"[A-Za-z_0-9]")
        if not name:
            s.fail("expected an activation name after ':'")
        token = name
        if s.peek() == "(":
            s.i += 1
            arg, _ = s.take(r"[^()]")
            s.expect(")", f"to close '{name}('")
            token = f"{name}({arg})"
        del start
        return _parse_act(token, at, s.original)

    def items(self):
        s = self.s
        loss, bias, reduction, l2, seen = None, True, "mean", None, set()
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
            elif item == "l2":
                s.expect("(", "after 'l2'")
                arg, a_at = s.argument()
                s.expect(")", "to close 'l2('")
                try:
                    l2 = _number(arg, arg)
                except ValueError:
                    s.fail(f"'{arg}' in l2(...) is not a number; write e.g. l2(0.01)", a_at)
                if l2 < 0:
                    s.fail(f"l2({arg}) needs a lambda >= 0", a_at)
            else:
                raise SpecError(f"unknown loss or option '{item}'{did_you_mean(item, [*LOSSES, *ITEMS])} "
                                f"at position {at} of '{s.original}'; choose a loss ({', '.join(LOSSES)}), "
                                f"'nobias', 'sum' or 'l2(lambda)'")
            if s.peek() not in ("/", ""):
                s.fail(f"unexpected '{s.peek()}' after '{item}'")
        return loss or "mse", bias, reduction, l2


def _build(raw, last: bool):
    """Layer values from the parser's tuples; ``last``: this layer's output is
    the network's output or a residual block's F(x), so a dense layer there
    defaults to identity (hidden dense layers default to sigmoid)."""
    kind, l = raw[0], raw[1]
    if kind == "dense":
        act = raw[3] or Act("identity" if last else "sigmoid")
        return Dense(l, raw[2], act)
    if kind == "conv":
        a = raw[2]
        return Conv(l, a["channels"], a["k"], a["stride"], a["pad"], raw[3])
    if kind == "res":
        inner = tuple(_build(r, i == len(raw[2]) - 1) for i, r in enumerate(raw[2]))
        return Residual(0, inner, raw[3])
    if kind in ("maxpool", "avgpool"):
        return Pool(l, kind[:3], raw[2])
    if kind == "flatten":
        return Flatten(l)
    if kind == "bn":
        return BatchNorm(l)
    if kind == "ln":
        return LayerNorm(l)
    if kind == "dropout":
        return Dropout(l, raw[2])
    return Recurrent(l, kind, raw[2])


def parse_spec(text: str):
    from .network import Network
    if isinstance(text, str):
        # fullwidth digits and letters (２-３) are the same spec; anything else non-ASCII is not grammar
        text = unicodedata.normalize("NFKC", text)
        odd = next((c for c in text if not c.isascii()), None)
        if odd is not None:
            raise SpecError(f"the spec contains '{odd}' (U+{ord(odd):04X}), which is not part of the grammar; "
                            f"write widths, layer names and '-', ':', '/' in plain ASCII, e.g. '2-3:sigmoid-1/mse'")
    if not isinstance(text, str) or not text.strip():
        raise SpecError("empty spec; write layer widths joined by '-', e.g. '2-3:sigmoid-1/mse'")
    if len(text) > MAX_TEXT:
        raise SpecError(f"the spec is {len(text):,} characters long; chainrule reads specs of up to {MAX_TEXT:,}")
    p = _Parser(text)
    s = p.s
    shape = p.input()
    if s.peek() in ("", "/"):
        raise SpecError(f"'{text}' has only an input layer; add an output layer, e.g. '{shape[0]}-1'")
    s.expect("-", "between layers")
    raw = p.layers(inside=False)
    loss, bias, reduction, l2 = p.items()
    if s.peek():
        s.fail(f"unexpected '{s.peek()}'")
    layers = tuple(_build(r, i == len(raw) - 1) for i, r in enumerate(raw))
    return Network(shape, layers, loss, bias, reduction, l2)
