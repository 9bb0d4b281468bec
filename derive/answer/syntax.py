"""Reading a student's --answer, and refusing what cannot be read safely.

Nothing here evaluates the text.  Python's ``ast`` module parses it, and a
whitelist walk accepts only:

- numbers (read exactly, within 1e-300 .. 1e300, as ``derive --expr`` reads them);
- names (ASCII letters, digits and ``_``, not starting with ``_``; which
  names exist is the grader's business: ``scalar`` or ``matrix``);
- ``+ - * /``, unary minus, ``**`` with a number of size at most
  ``MAX_POWER`` as the exponent (so ``x**10**9`` never meets SymPy);
- calls of the listed functions with plain arguments (``leaky_relu(z, 0.2)``
  takes its alpha as a number);
- one comparison of an expression with a number, ``(Z1 > 0)``: 1 where it
  holds, 0 elsewhere (the NumPy idiom for relu');
- matrix answers only: ``@``, ``.T`` and ``.sum()``, ``.sum(axis=0)``
  (or 1, and ``keepdims=True``).

Everything else (attribute access, subscripts, lambdas, strings, keyword
arguments, starred arguments, chained comparisons ...) is refused by
name, with the text's limits from ``derive --expr``: at most ``MAX_TEXT``
characters and ``MAX_DEPTH`` levels of nesting.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from fractions import Fraction

from ..errors import ChainruleError, did_you_mean
from ..views.staged import kinds
from ..views.staged.parse import (MAX_TEXT, normalise, parse_tree, read_number)

MAX_POWER = 16
WHAT = "--answer"
COMPARE = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<="}
BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@"}
PRIME = "_prime"


def suggest(name: str, known) -> str:
    """' (did you mean 'X'?)': a name that differs only in case first, then a close one."""
    same = [k for k in known if k.casefold() == name.casefold()]
    if same:
        return f" (did you mean '{same[0]}'?)"
    return did_you_mean(name, known) if len(name) <= 100 else ""


def activations() -> list[str]:
    """The rules card's elementwise activations (each also as NAME_prime)."""
    return kinds.activation_names()


def functions(matrix: bool) -> list[str]:
    """Every function an answer may call: the card's activations, their
    derivatives NAME_prime (f' as the card teaches it, applied to the
    argument), exp and log; softmax (row by row) in matrix answers."""
    names = activations()
    out = names + [n + PRIME for n in names] + ["exp", "log"]
    return sorted(out + (["softmax"] if matrix else []))


def activation_of(function: str) -> tuple[str, bool]:
    """('sigmoid', True) for 'sigmoid_prime'; ('exp', False) for 'exp'."""
    if function.endswith(PRIME):
        return function[:-len(PRIME)], True
    return function, False


def takes_alpha(function: str) -> bool:
    name, _ = activation_of(function)
    return kinds.has_parameter(name)


@dataclass
class Answer:
    """The checked syntax tree, its text, and its names in order of first use."""
    text: str
    tree: ast.expr
    names: list[str]

    def number(self, node: ast.AST) -> Fraction:
        """A number in the tree, read exactly from its own characters."""
        return _number(node, self.text)


def read(text, matrix: bool, example: str) -> Answer:
    """The answer's syntax tree after the whitelist (``matrix``: NumPy
    syntax with @, .T, .sum).  ``example`` shows a well-formed answer in
    error messages."""
    raw = "" if text is None else str(text)
    if len(raw) > MAX_TEXT:
        raise ChainruleError(f"{WHAT} is {len(raw)} characters long; keep it under {MAX_TEXT}")
    text = normalise(raw, WHAT).replace("^", "**").strip()
    if not text:
        raise ChainruleError(f"{WHAT} is empty; write the gradient, e.g. {WHAT} \"{example}\"")
    body = parse_tree(text, WHAT, f"write an expression such as \"{example}\"")
    names: list[str] = []
    _Walk(text, matrix, names).check(body)
    return Answer(text, body, names)


def _number(node, text) -> Fraction:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _number(node.operand, text)
        return -inner if isinstance(node.op, ast.USub) else inner
    written = ast.get_source_segment(text, node) or repr(node.value)
    value = read_number(written.replace("_", ""), f"the number {written[:40]} in {WHAT}", "0.5, -2 or 1e-3")
    return Fraction(int(value.p), int(value.q))


def _is_number(node) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _is_number(node.operand)
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


class _Walk:
    def __init__(self, text: str, matrix: bool, names: list[str]):
        self.text, self.matrix, self.names = text, matrix, names
        self.functions = functions(matrix)

    def allowed(self) -> str:
        ops = "+ - * / ** @ .T .sum(axis=0)" if self.matrix else "+ - * / **"
        return f"names, numbers, {ops}, parentheses and the functions " + ", ".join(self.functions)

    def bad(self, what: str) -> ChainruleError:
        return ChainruleError(f"{WHAT} may not use {what}; use only {self.allowed()}")

    def check(self, node) -> None:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or type(node.value) not in (int, float):
                raise self.bad("strings" if isinstance(node.value, (str, bytes)) else repr(node.value)[:20])
            _number(node, self.text)
            return
        if isinstance(node, ast.Name):
            self.name(node.id)
            return
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            self.check(node.operand)
            return
        if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
            if isinstance(node.op, ast.MatMult) and not self.matrix:
                raise ChainruleError(f"{WHAT} for --param is one number's expression: '@' belongs to "
                                     f"--grad answers; write products with *")
            self.check(node.left)
            if isinstance(node.op, ast.Pow):
                self.exponent(node.right)
            else:
                self.check(node.right)
            return
        if isinstance(node, ast.Call):
            self.call(node)
            return
        if isinstance(node, ast.Attribute):
            self.attribute(node)
            return
        if isinstance(node, ast.Compare):
            self.compare(node)
            return
        what = {ast.Lambda: "lambda", ast.Subscript: "indexing ([])", ast.BoolOp: "and/or",
                ast.IfExp: "if/else", ast.JoinedStr: "strings", ast.NamedExpr: "assignment (:=)",
                ast.List: "lists", ast.Tuple: "tuples", ast.Dict: "dicts", ast.Set: "sets",
                ast.ListComp: "comprehensions", ast.GeneratorExp: "generators", ast.Starred: "*args",
                ast.Await: "await"}.get(type(node))
        if what is None and isinstance(node, ast.BinOp):
            what = "the operator " + {ast.Mod: "%", ast.FloorDiv: "//", ast.BitAnd: "&", ast.BitOr: "|",
                                      ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>"}.get(
                type(node.op), type(node.op).__name__)
        if what is None and isinstance(node, ast.UnaryOp):
            what = {ast.Not: "not", ast.Invert: "~"}.get(type(node.op), type(node.op).__name__)
        raise self.bad(what or f"'{type(node).__name__}' syntax")

    def name(self, name: str) -> None:
        if name in self.functions:
            raise ChainruleError(f"'{name}' is a function; call it, e.g. {name}({'Z1' if self.matrix else 'z1_1'})")
        if name.startswith("_") or not name.isidentifier() or not name.isascii():
            raise ChainruleError(f"'{name[:40]}' is not allowed as a name in {WHAT}")
        if name not in self.names:
            self.names.append(name)

    def exponent(self, node) -> None:
        if not _is_number(node):
            raise ChainruleError(f"{WHAT}: the exponent of ** must be a number (at most {MAX_POWER} in size), "
                                 f"e.g. a**2; write exp(...) or repeat the factor otherwise")
        value = _number(node, self.text)
        if abs(value) > MAX_POWER:
            raise ChainruleError(f"{WHAT}: the exponent {float(value):g} is too large; exponents are numbers "
                                 f"of size at most {MAX_POWER}")

    def call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute):
            if node.func.attr == "sum" and self.matrix:
                self.sum_call(node)
                return
            self.attribute(node.func, called=True)
        if not isinstance(node.func, ast.Name):
            raise self.bad("calls of anything but a function name")
        fname = node.func.id
        if fname not in self.functions:
            hint = ""
            if fname == "sum" and self.matrix:
                hint = "; sum a matrix's rows with M.sum(axis=0)"
            raise ChainruleError(f"{WHAT}: unknown function '{fname[:40]}'{did_you_mean(fname, self.functions)}"
                                 f"{hint}; the functions are " + ", ".join(self.functions))
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise ChainruleError(f"{WHAT}: {fname}() takes plain arguments only, e.g. {fname}(z)")
        most = 2 if takes_alpha(fname) else 1
        if not 1 <= len(node.args) <= most:
            want = "1 or 2 arguments (the second is alpha, a number)" if most == 2 else "1 argument"
            raise ChainruleError(f"{WHAT}: {fname}() takes {want}, got {len(node.args)}")
        if len(node.args) == 2:
            alpha = node.args[1]
            if not _is_number(alpha) or _number(alpha, self.text) <= 0:
                raise ChainruleError(f"{WHAT}: the second argument of {fname}() is its alpha, a positive "
                                     f"number: {fname}(z, 0.2)")
        self.check(node.args[0])

    def sum_call(self, node: ast.Call) -> None:
        """M.sum(), M.sum(axis=0), M.sum(0), M.sum(axis=0, keepdims=True)."""
        usage = "write M.sum(axis=0) (down the rows), M.sum(axis=1) or M.sum()"
        if len(node.args) > 1 or any(isinstance(a, ast.Starred) for a in node.args):
            raise ChainruleError(f"{WHAT}: .sum() takes at most the axis; {usage}")
        axis = node.args[0] if node.args else None
        for kw in node.keywords:
            if kw.arg == "axis" and axis is None:
                axis = kw.value
            elif kw.arg == "keepdims":
                if not (isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, bool)):
                    raise ChainruleError(f"{WHAT}: keepdims is True or False")
            else:
                raise ChainruleError(f"{WHAT}: .sum() takes axis and keepdims only; {usage}")
        if axis is not None and not (isinstance(axis, ast.Constant) and type(axis.value) is int
                                     and axis.value in (0, 1)):
            raise ChainruleError(f"{WHAT}: the axis of .sum() is 0 or 1; {usage}")
        self.check(node.func.value)

    def attribute(self, node: ast.Attribute, called: bool = False) -> None:
        if self.matrix and node.attr == "T" and not called:
            self.check(node.value)
            return
        base = node.value.id if isinstance(node.value, ast.Name) else None
        if base in ("np", "numpy", "torch", "math") and node.attr in self.functions:
            raise ChainruleError(f"{WHAT}: write {node.attr}(...), without '{base}.'")
        if base in ("np", "numpy") and node.attr in ("sum", "dot", "matmul", "transpose"):
            raise ChainruleError(f"{WHAT}: write M.sum(axis=0), A @ B and M.T instead of {base}.{node.attr}")
        allowed = "only .T and .sum(axis=0)" if self.matrix else "no attributes ('.') in a --param answer"
        raise ChainruleError(f"{WHAT} may not use attribute access '.{node.attr[:40]}'; it allows {allowed}")

    def compare(self, node: ast.Compare) -> None:
        if len(node.ops) != 1 or type(node.ops[0]) not in COMPARE:
            raise ChainruleError(f"{WHAT}: only one comparison with <, <=, > or >= is allowed, e.g. (Z1 > 0)")
        left, right = node.left, node.comparators[0]
        if not (_is_number(left) or _is_number(right)):
            raise ChainruleError(f"{WHAT}: compare with a number, e.g. ({'Z1' if self.matrix else 'z1_1'} > 0)")
        self.check(left)
        self.check(right)
