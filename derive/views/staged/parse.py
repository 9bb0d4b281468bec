"""Reading --expr, --wrt and --at, and refusing what cannot be read safely.

Nothing here evaluates the user's text.  Python's ``ast`` module checks
that it holds only names, numbers, + - * / ** and calls of the known
functions, nested at most ``MAX_DEPTH`` deep; only then does SymPy's
``parse_expr`` read it, with explicit namespaces and no builtins, for the
reference the staged result is checked against.

Every number, written in the expression or given with --at, is read exactly
(0.1 is 1/10) and lies between 1e-300 and 1e300 in size, or is 0: the
pattern is checked before the number is built, because '1e999999999' would
otherwise become a billion-digit integer before anything could refuse it.

Text is normalised with NFKC only for fullwidth characters (a fullwidth
'ｘ' is 'x', as Python's own parser reads it); any other character outside
ASCII is refused by name, because NFKC would silently turn 'x²' into the
variable 'x2'.
"""
from __future__ import annotations

import ast
import re
import unicodedata
from fractions import Fraction

import sympy as sp
from sympy.parsing.sympy_parser import parse_expr, rationalize, standard_transformations

from ...errors import ChainruleError, did_you_mean
from . import kinds

MAX_TEXT = 2000       # characters of --expr
MAX_DEPTH = 100       # operators, calls and parentheses inside one another
MAX_EXPONENT = 300    # numbers lie within 1e-300 .. 1e300 in size
MAX_NUMBER = 1000     # characters of one number: Python refuses to read longer integers anyway
EXAMPLE = "'(w*x + b - y)**2/2'"

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+))?")
_FRACTION = re.compile(r"[+-]?\d+/\d+")
# Names the parser itself uses for numbers and symbols; a variable must not shadow them.
_PARSER_NAMES = {"Integer", "Float", "Rational", "Symbol"}
BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}


def _functions() -> dict[str, str]:
    """Spelling in the text -> gate kind."""
    return {**{name: name for name in kinds.function_names()}, **kinds.SPELLINGS}


def _allowed() -> str:
    return ("names, numbers, + - * / ** (or ^), parentheses and the functions "
            + ", ".join(kinds.function_names()))


# ------------------------------------------------------------------ text --

def normalise(text: str, what: str) -> str:
    """Fullwidth characters read as ASCII; anything else outside ASCII is refused."""
    out = []
    for c in str(text):
        if c.isascii():
            out.append(c)
            continue
        plain = unicodedata.normalize("NFKC", c)
        if plain.isascii() and len(plain) == 1 and (unicodedata.name(c, "").startswith("FULLWIDTH")
                                                     or c == "\u3000"):
            out.append(plain)
            continue
        raise ChainruleError(f"{what} contains '{c}' (U+{ord(c):04X}), which is not part of an expression; "
                             f"write it in plain ASCII, e.g. {EXAMPLE}, x**2 for x squared")
    return "".join(out)


def expression_text(text: str) -> str:
    """The --expr text, normalised, with ^ read as a power."""
    if len(str(text)) > MAX_TEXT:
        raise ChainruleError(f"--expr is {len(str(text))} characters long; keep it under {MAX_TEXT}")
    text = normalise(text, "--expr").replace("^", "**").strip()
    if not text:
        raise ChainruleError(f"--expr is empty; write an expression such as {EXAMPLE}")
    return text


# --------------------------------------------------------------- numbers --

def read_number(text: str, describe: str, example: str) -> sp.Rational:
    """``text`` as an exact rational within the allowed range.  ``describe``
    starts the error message ('--at x=...'), ``example`` ends it."""
    raw = str(text).strip()
    shown = raw if len(raw) <= 40 else raw[:37] + "..."
    if len(raw) > MAX_NUMBER:
        raise ChainruleError(f"{describe}: '{shown}' has {len(raw)} characters, too many for a number "
                             f"(at most {MAX_NUMBER}); write e.g. {example}")
    decimal = _DECIMAL.fullmatch(raw)
    if not (decimal or _FRACTION.fullmatch(raw)):
        raise ChainruleError(f"{describe}: '{shown}' is not a number; write e.g. {example}")
    if decimal and decimal.group(1) and abs(int(decimal.group(1))) > MAX_EXPONENT + 60:
        raise ChainruleError(f"{describe}: the exponent in '{shown}' is out of range; numbers lie between "
                             f"1e-{MAX_EXPONENT} and 1e{MAX_EXPONENT} in size (or are 0)")
    try:
        f = Fraction(raw)
    except ZeroDivisionError:
        raise ChainruleError(f"{describe}: '{shown}' divides by zero; write e.g. {example}") from None
    if f and not Fraction(1, 10 ** MAX_EXPONENT) <= abs(f) <= 10 ** MAX_EXPONENT:
        raise ChainruleError(f"{describe}: '{shown}' is out of range; numbers lie between "
                             f"1e-{MAX_EXPONENT} and 1e{MAX_EXPONENT} in size (or are 0)")
    return sp.Rational(f.numerator, f.denominator)


def literal(node: ast.Constant, text: str) -> sp.Rational:
    """A number written in the expression, read from its own characters
    (0.1 stays 1/10; Python would have made it a float)."""
    written = ast.get_source_segment(text, node) or repr(node.value)
    return read_number(written.replace("_", ""), f"the number {written[:40]} in --expr", "0.5, -2 or 1e-3")


# ---------------------------------------------------------------- syntax --

def check_syntax(text: str) -> tuple[ast.expr, list[str]]:
    """The syntax tree of the (normalised) text and its variables, in order of first use."""
    body = parse_tree(text, "--expr", f"write a Python-style expression such as {EXAMPLE}")
    order: list[str] = []
    _check_node(body, order, text)
    if not order:
        raise ChainruleError("--expr has no variables, so there is nothing to differentiate; "
                             "use names such as w, x, b")
    return body, order


def parse_tree(text: str, what: str, hint: str) -> ast.expr:
    """Python's syntax tree of an expression typed as option ``what``, within
    the nesting limit; ``hint`` ends each error (what a well-formed one is)."""
    check_parentheses(text, what)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        col = f" at column {e.offset}" if e.offset else ""
        raise ChainruleError(f"cannot parse {what}{col} ({e.msg}); {hint}") from None
    except (RecursionError, MemoryError):
        raise ChainruleError(f"{what} nests too deeply to read; at most {MAX_DEPTH} operators, calls "
                             f"and parentheses may sit inside one another") from None
    except ValueError:   # a NUL byte
        raise ChainruleError(f"cannot parse {what}; {hint}") from None
    if nesting_depth(tree.body) > MAX_DEPTH:
        raise ChainruleError(f"{what} is nested more than {MAX_DEPTH} levels deep (each operator, call or sign "
                             f"applied to the result of another counts); the limit is {MAX_DEPTH}: write a "
                             f"shorter expression")
    return tree.body


def check_parentheses(text: str, what: str = "--expr") -> None:
    level = deepest = 0
    for c in text:
        if c in "([{":
            level += 1
            deepest = max(deepest, level)
        elif c in ")]}":
            level -= 1
    if deepest > MAX_DEPTH:
        raise ChainruleError(f"{what} nests {deepest} parentheses deep; the limit is {MAX_DEPTH}")


def nesting_depth(tree: ast.AST) -> int:
    """How many expressions sit inside one another (without recursion: the
    tree may be far deeper than the limit)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr))
    return deepest


def _bad(what: str) -> ChainruleError:
    return ChainruleError(f"--expr may not use {what}; use only {_allowed()}")


def _check_node(node, order, text):
    functions = _functions()
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise _bad("strings" if isinstance(node.value, (str, bytes)) else repr(node.value))
        literal(node, text)
        return
    if isinstance(node, ast.Name):
        name = node.id
        if name in functions:
            raise ChainruleError(f"'{name}' is a function; call it, e.g. {name}(x)")
        if name.startswith("_") or not _NAME.match(name):
            raise ChainruleError(f"'{name}' is not allowed as a variable name; variables are "
                                 f"ASCII letters, digits and _, starting with a letter")
        if name in _PARSER_NAMES:
            raise ChainruleError(f"'{name}' is reserved by the parser; rename that variable")
        if name not in order:
            order.append(name)
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        _check_node(node.operand, order, text)
        return
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        _check_node(node.left, order, text)
        _check_node(node.right, order, text)
        return
    if isinstance(node, ast.Call):
        _check_call(node, order, text, functions)
        return
    what = {ast.Attribute: "attribute access ('.')", ast.Lambda: "lambda", ast.Subscript: "indexing ([])",
            ast.Compare: "comparisons", ast.BoolOp: "and/or", ast.IfExp: "if/else",
            ast.JoinedStr: "strings", ast.NamedExpr: "assignment (:=)"}.get(type(node))
    if what is None and isinstance(node, ast.BinOp):
        what = "the operator " + {ast.MatMult: "@", ast.Mod: "%", ast.FloorDiv: "//", ast.BitAnd: "&",
                                  ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<",
                                  ast.RShift: ">>"}.get(type(node.op), type(node.op).__name__)
    raise _bad(what or f"'{type(node).__name__}' syntax")


def _check_call(node: ast.Call, order, text, functions):
    if not isinstance(node.func, ast.Name):
        if isinstance(node.func, ast.Attribute):
            raise _bad("attribute access ('.')")
        raise _bad("calls of anything but a function name")
    fname = node.func.id
    if fname not in functions:
        raise ChainruleError(f"unknown function '{fname[:40]}'{did_you_mean(fname, functions)}; "
                             f"the functions are " + ", ".join(kinds.function_names()))
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        raise ChainruleError(f"{fname}() takes plain arguments only, e.g. {fname}(x)")
    kind = functions[fname]
    fewest, most = kinds.arity(kind)
    n = len(node.args)
    if n < fewest or (most is not None and n > most):
        want = (f"at least {fewest} arguments" if most is None else
                f"{fewest} argument" if fewest == most else f"{fewest} or {most} arguments")
        raise ChainruleError(f"{fname}() takes {want}, got {n}")
    if kinds.has_parameter(kind) and n == 2:
        alpha = node.args[1]
        number = isinstance(alpha, ast.Constant) and type(alpha.value) in (int, float)
        if not number or literal(alpha, text) <= 0:
            raise ChainruleError(f"the second argument of {fname}() is its alpha, a positive number: "
                                 f"{fname}(x, 0.2)")
        _check_node(node.args[0], order, text)
        return
    for arg in node.args:
        _check_node(arg, order, text)


def kind_of_call(node: ast.Call) -> str:
    return _functions()[node.func.id]


# ------------------------------------------------------------- reference --

def reference(text: str, variables: list[str]) -> sp.Expr:
    """The expression as SymPy's own parser reads it (after check_syntax)."""
    local = {n: sp.Symbol(n, real=True) for n in variables}
    for spelling, kind in _functions().items():
        local[spelling] = (lambda k: (lambda *args: _fold(k, list(args))))(kind)
    glob = {"Integer": sp.Integer, "Float": sp.Float, "Rational": sp.Rational,
            "Symbol": sp.Symbol, "__builtins__": {}}
    try:
        expr = parse_expr(text, local_dict=local, global_dict=glob,
                          transformations=standard_transformations + (rationalize,))
    except ChainruleError:
        raise
    except Exception as e:  # the text passed the ast check, so this is rare
        raise ChainruleError(f"SymPy cannot read --expr ({type(e).__name__}); "
                             f"write it like {EXAMPLE}") from None
    if not isinstance(expr, sp.Expr) or expr.has(sp.zoo, sp.nan):
        raise ChainruleError("--expr is undefined as written (division by zero?); fix the constants")
    return expr


def _fold(kind, args):
    if kinds.has_parameter(kind):
        return kinds.formula(kind, args)
    out = kinds.formula(kind, args[:2])
    for extra in args[2:]:
        out = kinds.formula(kind, [out, extra])
    return out


# ----------------------------------------------------------- --wrt, --at --

def wrt_list(wrt, variables: list[str]) -> list[str]:
    """The variables to differentiate, in the order given; all of them when
    ``wrt`` is None or an empty list.  A comma-separated string (as --wrt
    gives it) must name at least one."""
    if not wrt and not isinstance(wrt, str):
        return list(variables)
    if isinstance(wrt, str):
        wrt = wrt.split(",")
    chosen = []
    for name in wrt:
        name = normalise(str(name), "--wrt").strip()
        if not name:
            continue
        if name not in variables:
            raise ChainruleError(f"--wrt {name[:40]}: '{name[:40]}' is not in the expression"
                                 f"{_suggest(name, variables)}; its variables are {', '.join(variables)}")
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        raise ChainruleError(f"--wrt names no variable; give one or more of {', '.join(variables)}, "
                             f"e.g. --wrt {variables[0]}")
    return chosen


def _suggest(name: str, variables: list[str]) -> str:
    # difflib is quadratic in the length: a pasted page gets no suggestion
    return did_you_mean(name, variables) if len(name) <= 100 else ""


def values(at: dict | None, variables: list[str]) -> dict[sp.Symbol, sp.Rational]:
    """--at NAME=VALUE for every variable, or {} when ``at`` is empty."""
    if not at:
        return {}
    out: dict[sp.Symbol, sp.Rational] = {}
    for name, raw in at.items():
        name = normalise(str(name), "--at").strip()
        if name not in variables:
            raise ChainruleError(f"--at {name[:40]}=...: '{name[:40]}' is not a variable of the expression"
                                 f"{_suggest(name, variables)}; its variables are {', '.join(variables)}")
        symbol = sp.Symbol(name, real=True)
        if symbol in out:
            raise ChainruleError(f"--at gives {name} twice; give each variable one value")
        if isinstance(raw, float):
            raw = repr(raw)
        elif isinstance(raw, (int, Fraction)) and not isinstance(raw, bool):
            raw = str(raw)
        text = normalise(str(raw), "--at")
        out[symbol] = read_number(text, f"--at {name}={text.strip()[:40]}",
                                  f"--at {name}=0.5 or --at {name}=1/3")
    missing = [n for n in variables if sp.Symbol(n, real=True) not in out]
    if missing:
        raise ChainruleError(f"--at gives no value for {', '.join(missing)}; give every variable a "
                             f"value, e.g. --at {missing[0]}=1, or leave out --at for symbols only")
    return out
