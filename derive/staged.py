"""Staged expressions (``chainrule derive --expr``), CS231n style.

The expression is cut into gates, one forward line each (t1 = w1·x,
t2 = t1 + b1, ..., J = t6/2); the backward pass visits the gates in
reverse, and each line multiplies the upstream gradient ∂J/∂(gate output)
by the gate's local derivative.  The local derivatives come from
``sympy.diff`` of the gate's own formula, never from a table.

Parsing is safe: Python's ``ast`` module checks that the text holds only
names, numbers, + - * / ** and calls to the whitelisted functions, and
only then does SymPy's ``parse_expr`` read it, with explicit dictionaries
and no builtins.  The gates are laid out from that same syntax tree, so the
staging follows the order the user wrote (``w1*x + b1`` stages ``w1·x``
first); SymPy's own tree reorders arguments.  The staged graph is checked
against ``parse_expr``'s result, and every gradient against ``sympy.diff``.

With ``at`` the lines get numbers.  ``at`` must give every variable a value
(a partial ``at`` is an error that lists the missing names): a staged line
has a number only when everything below it has one, so a partial table of
numbers would mostly be blank.
"""
from __future__ import annotations

import ast
import random
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import sympy as sp
from sympy.parsing.sympy_parser import parse_expr, rationalize, standard_transformations

from .errors import ChainruleError, did_you_mean
from .rules import ACTIVATIONS, a as A_SYM, fprime, z as Z_SYM
from .model import Derivation, Math, Partial, Section, Text
from .format import plain as number

MAX_TEXT = 2000
MAX_GATES = 80
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# Names the parser itself uses for numbers and symbols; a variable must not shadow them.
_PARSER_NAMES = {"Integer", "Float", "Rational", "Symbol"}
_P = (sp.Dummy("p0", real=True), sp.Dummy("p1", real=True))  # a gate's input slots


def _library(name):
    f = ACTIVATIONS[name].expr()
    return lambda u: f.subs(Z_SYM, u)


# name -> (number of arguments, gate kind); "2+" folds max(a, b, c) into max(max(a, b), c).
FUNCTIONS = {
    "exp": (1, "exp"), "log": (1, "log"), "sqrt": (1, "sqrt"), "sin": (1, "sin"),
    "cos": (1, "cos"), "tanh": (1, "tanh"), "sigmoid": (1, "sigmoid"), "relu": (1, "relu"),
    "abs": (1, "abs"), "max": ("2+", "max"), "Max": ("2+", "max"), "min": ("2+", "min"),
    "Min": ("2+", "min"),
}

# gate kind -> its formula in the input slots.  sigmoid and relu are the
# library's definitions, so the reference card is the only place they live.
FORMULAS = {
    "id": lambda p, q: p,
    "add": lambda p, q: p + q,
    "sub": lambda p, q: p - q,
    "mul": lambda p, q: p * q,
    "div": lambda p, q: p / q,
    "pow": lambda p, q: p ** q,
    "neg": lambda p, q: -p,
    "exp": lambda p, q: sp.exp(p),
    "log": lambda p, q: sp.log(p),
    "sqrt": lambda p, q: sp.sqrt(p),
    "sin": lambda p, q: sp.sin(p),
    "cos": lambda p, q: sp.cos(p),
    "tanh": lambda p, q: _library("tanh")(p),
    "sigmoid": lambda p, q: _library("sigmoid")(p),
    "relu": lambda p, q: _library("relu")(p),
    "abs": lambda p, q: sp.Abs(p),
    "max": lambda p, q: sp.Max(p, q),
    "min": lambda p, q: sp.Min(p, q),
}
_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
_ALLOWED = "names, numbers, + - * / ** (or ^), parentheses and the functions " + \
    ", ".join(sorted({k for k in FUNCTIONS if k.islower()}))


def _parse_namespace(names_: set[str]) -> tuple[dict, dict]:
    """The only names parse_expr can see: the variables and the functions."""
    local = {n: sp.Symbol(n, real=True) for n in names_}
    for fname, (_, kind) in FUNCTIONS.items():
        local[fname] = (lambda k: (lambda *args: _fold(k, list(args))))(kind)
    glob = {"Integer": sp.Integer, "Float": sp.Float, "Rational": sp.Rational,
            "Symbol": sp.Symbol, "__builtins__": {}}
    return local, glob


def _fold(kind, args):
    out = FORMULAS[kind](args[0], args[1] if len(args) > 1 else None)
    for extra in args[2:]:
        out = FORMULAS[kind](out, extra)
    return out


# ------------------------------------------------------------ validation --

def _bad(what: str) -> ChainruleError:
    return ChainruleError(f"--expr may not use {what}; use only {_ALLOWED}")


def _check_syntax(text: str) -> tuple[ast.AST, list[str]]:
    """The parsed tree and the variable names, in order of first use."""
    if not text.strip():
        raise ChainruleError("--expr is empty; write an expression such as '(w*x + b - y)**2'")
    if len(text) > MAX_TEXT:
        raise ChainruleError(f"--expr is {len(text)} characters long; keep it under {MAX_TEXT}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        col = f" at column {e.offset}" if e.offset else ""
        raise ChainruleError(f"cannot parse --expr{col} ({e.msg}); write a Python-style "
                             f"expression such as '(w*x + b - y)**2/2'") from None
    except (ValueError, RecursionError, MemoryError):
        raise ChainruleError("cannot parse --expr; write a shorter Python-style expression "
                             "such as '(w*x + b - y)**2/2'") from None
    order: list[str] = []
    _check_node(tree.body, order)
    return tree.body, order


def _check_node(node, order):
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            kind = "strings" if isinstance(node.value, (str, bytes)) else repr(node.value)
            raise _bad(kind)
        return
    if isinstance(node, ast.Name):
        name = node.id
        if name in FUNCTIONS:
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
        _check_node(node.operand, order)
        return
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        _check_node(node.left, order)
        _check_node(node.right, order)
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            if isinstance(node.func, ast.Attribute):
                raise _bad("attribute access ('.')")
            raise _bad("calls of anything but a function name")
        fname = node.func.id
        if fname not in FUNCTIONS:
            raise ChainruleError(f"unknown function '{fname}'{did_you_mean(fname, FUNCTIONS)}; "
                                 f"the functions are " + ", ".join(sorted(k for k in FUNCTIONS if k.islower())))
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise ChainruleError(f"{fname}() takes plain arguments only, e.g. {fname}(x)")
        arity = FUNCTIONS[fname][0]
        n = len(node.args)
        if (arity == "2+" and n < 2) or (arity != "2+" and n != arity):
            want = "at least 2 arguments" if arity == "2+" else "1 argument"
            raise ChainruleError(f"{fname}() takes {want}, got {n}")
        for arg in node.args:
            _check_node(arg, order)
        return
    what = {ast.Attribute: "attribute access ('.')", ast.Lambda: "lambda", ast.Subscript: "indexing ([])",
            ast.Compare: "comparisons", ast.BoolOp: "and/or", ast.IfExp: "if/else",
            ast.JoinedStr: "strings", ast.NamedExpr: "assignment (:=)"}.get(type(node))
    if what is None and isinstance(node, ast.BinOp):
        what = "the operator " + {ast.MatMult: "@", ast.Mod: "%", ast.FloorDiv: "//", ast.BitAnd: "&",
                                  ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<",
                                  ast.RShift: ">>"}.get(type(node.op), type(node.op).__name__)
    raise _bad(what or f"'{type(node).__name__}' syntax")


def _number(text: str) -> sp.Rational:
    """A literal read exactly: 0.1 is 1/10."""
    try:
        f = Fraction(text.replace("_", ""))
    except (ValueError, ZeroDivisionError):
        raise ChainruleError(f"'{text}' is not a number; write e.g. 0.5, -2 or 1/3") from None
    return sp.Rational(f.numerator, f.denominator)


# --------------------------------------------------------------- staging --

@dataclass
class Gate:
    step: int
    kind: str
    inputs: tuple           # Symbols (variables or earlier outputs) or Numbers
    out: sp.Symbol
    formula: sp.Expr        # the gate's value in its inputs

    @property
    def slots(self):
        return [(i, x) for i, x in enumerate(self.inputs) if isinstance(x, sp.Symbol)]


class _Stager:
    def __init__(self, text, variables, prefix):
        self.text = text
        self.vars = {n: sp.Symbol(n, real=True) for n in variables}
        self.prefix = prefix
        self.gates: list[Gate] = []
        self.seen: dict[tuple, sp.Symbol] = {}  # (kind, inputs) -> output: reuse = a fork

    def stage(self, node) -> sp.Expr:
        if isinstance(node, ast.Constant):
            return _number(ast.get_source_segment(self.text, node) or repr(node.value))
        if isinstance(node, ast.Name):
            return self.vars[node.id]
        if isinstance(node, ast.UnaryOp):
            inner = self.stage(node.operand)
            return inner if isinstance(node.op, ast.UAdd) else self.gate("neg", [inner])
        if isinstance(node, ast.BinOp):
            return self.gate(_BINOPS[type(node.op)], [self.stage(node.left), self.stage(node.right)])
        kind = FUNCTIONS[node.func.id][1]
        args = [self.stage(a) for a in node.args]
        out = self.gate(kind, args[:2])
        for extra in args[2:]:
            out = self.gate(kind, [out, extra])
        return out

    def gate(self, kind, inputs) -> sp.Expr:
        if all(x.is_Number for x in inputs):  # constants fold into one number
            return _constant(kind, inputs)
        key = (kind, tuple(inputs))
        if key in self.seen:
            return self.seen[key]
        if len(self.gates) >= MAX_GATES:
            raise ChainruleError(f"--expr needs more than {MAX_GATES} gates; stage a smaller expression")
        out = sp.Symbol(f"{self.prefix}{len(self.gates) + 1}", real=True)
        formula = _apply(kind, inputs)
        self.gates.append(Gate(len(self.gates) + 1, kind, tuple(inputs), out, formula))
        self.seen[key] = out
        return out


def _apply(kind, inputs):
    formula = FORMULAS[kind](*_P)
    return formula.xreplace({p: x for p, x in zip(_P, inputs)})


def _constant(kind, inputs):
    if kind == "pow" and inputs[0].is_Rational and inputs[1].is_Rational:
        base, e = inputs
        if abs(e) * (base.p.bit_length() + base.q.bit_length()) > 100_000:
            raise ChainruleError(f"the constant {base}**{e} in --expr is too large to compute; "
                                 f"keep constants small")
    value = _apply(kind, inputs)
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or not value.is_real:
        raise ChainruleError(f"a constant part of --expr is undefined ({kind} of "
                             f"{', '.join(map(str, inputs))}); fix that constant")
    return value


# ------------------------------------------------ local derivatives -------

NOTE_WIDTH = 54  # a note beside a wrapped line still fits in 80 columns


@lru_cache(maxsize=None)
def _slot_derivative(kind, slot):
    return sp.diff(FORMULAS[kind](*_P), _P[slot])


def local_derivative(g: Gate, slot: int) -> sp.Expr:
    """∂out/∂input from sympy.diff, written in the gate's output where that is
    the teaching form (σ' = σ(1 - σ), tanh' = 1 - tanh², exp' = exp)."""
    d = _slot_derivative(g.kind, slot).xreplace({p: x for p, x in zip(_P, g.inputs)})
    if g.kind in ("sigmoid", "tanh"):
        taught = fprime(g.kind).expr.xreplace({A_SYM: g.out})
        _prove(taught.xreplace({g.out: g.formula}) - d, f"{g.kind}' rewrite")
        return taught
    if g.kind in ("exp", "sqrt"):
        in_out = d.subs(g.formula, g.out)
        if in_out != d and sp.count_ops(in_out) <= sp.count_ops(d):
            return in_out
    return d


def _prove(difference, what):
    if sp.cancel(difference) != 0 and sp.simplify(difference) != 0:  # one gate: small
        raise AssertionError(f"internal error: {what} does not match sympy.diff")


# -------------------------------------------------------- display forms --

class _Shown(sp.Expr):
    """Display only: a line's right-hand side as written, not as SymPy
    would reorder it.  Printed by the text and LaTeX expression printers."""
    is_commutative = True
    how = ""

    def __new__(cls, *args):
        return sp.Expr.__new__(cls, *args)

    def _parts(self, p):
        return [_atom(p, x, self.how) for x in self.args]

    def _sympystr(self, p):
        a = self._parts(p)
        how = self.how
        if how in _TEXT_INFIX:
            return a[0] + _TEXT_INFIX[how] + a[1]
        if how == "neg":
            return "-" + a[0]
        if how == "id":
            return a[0]
        if how == "pow":
            return p._print(sp.Pow(*self.args, evaluate=False))
        if how == "abs":
            return f"|{a[0]}|"
        return f"{_TEXT_NAMES.get(how, how)}({', '.join(a)})"

    def _latex(self, p):
        a = self._parts(p)
        how = self.how
        if how in _LATEX_INFIX:
            return a[0] + _LATEX_INFIX[how] + a[1]
        if how == "div":
            return r"\frac{%s}{%s}" % (p._print(self.args[0]), p._print(self.args[1]))
        if how == "neg":
            return "-" + a[0]
        if how == "id":
            return a[0]
        if how == "pow":
            return p._print(sp.Pow(*self.args, evaluate=False))
        if how == "abs":
            return r"\left|%s\right|" % a[0]
        if how == "exp":
            return "e^{%s}" % p._print(self.args[0])
        if how == "sqrt":
            return r"\sqrt{%s}" % p._print(self.args[0])
        return r"%s\left(%s\right)" % (_LATEX_NAMES.get(how, r"\operatorname{%s}" % how), ", ".join(a))


_TEXT_INFIX = {"add": " + ", "sub": " - ", "mul": "·", "div": "/"}
_LATEX_INFIX = {"add": " + ", "sub": " - ", "mul": r" \cdot "}
_TEXT_NAMES = {"sigmoid": "σ"}
_LATEX_NAMES = {"sigmoid": r"\sigma", "log": r"\log", "sin": r"\sin", "cos": r"\cos",
                "tanh": r"\tanh", "max": r"\max", "min": r"\min"}


def _atom(p, x, how=""):
    text = p._print(x)
    if x.is_Number and (x.is_negative or (not x.is_Integer and how not in ("add", "sub", "id"))):
        return f"({text})" if not text.startswith(r"\left(") else text
    return text


@lru_cache(maxsize=None)
def _shown_class(how):
    return type(f"Shown_{how}", (_Shown,), {"how": how})


def shown(how, *args):
    return _shown_class(how)(*args)


class Upstream(sp.Expr):
    """upstream · local, kept in that order, the local factor bracketed if needed."""
    is_commutative = True

    def _sympystr(self, p):
        up, local = self.args
        if local == 1:
            return p._print(up)
        if local == -1:
            return "-" + p._print(up)
        return f"{p._print(up)} · {p.parenthesize(local, 50, strict=True)}"

    def _latex(self, p):
        up, local = self.args
        if local == 1:
            return p._print(up)
        if local == -1:
            return "-" + p._print(up)
        return r"%s \cdot %s" % (p._print(up), p.parenthesize(local, 50, strict=True))


class PlusEquals(sp.Expr):
    """``lhs += rhs``: a second path into a value that fans out."""
    is_commutative = True

    def _sympystr(self, p):
        return f"{p._print(self.args[0])} += {p._print(self.args[1])}"

    def _latex(self, p):
        return r"%s \mathrel{+}= %s" % (p._print(self.args[0]), p._print(self.args[1]))


class Num(sp.Expr):
    """A worked number, printed to 10 significant digits in every format."""
    is_commutative = True

    def _sympystr(self, p):
        return number(self.args[0])

    def _latex(self, p):
        return number(self.args[0])


def _unicode(e) -> str:
    from .printers.text import UnicodeExprPrinter
    from .names import Scheme
    return UnicodeExprPrinter(Scheme()).doprint(e)


# ------------------------------------------------------------- numbers ----

def _settle(value, where: str):
    """Exact when rational, otherwise a 30-digit float; never a complex or infinite value."""
    value = sp.sympify(value)
    if value.is_Rational:
        if value.p.bit_length() + value.q.bit_length() < 4000:
            return value
        return sp.Float(value, 30)
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ChainruleError(f"{where} is undefined at the --at values (division by zero or "
                             f"log of 0?); choose other values")
    num = sp.N(value, 30)
    if not num.is_Number or not num.is_real:
        raise ChainruleError(f"{where} is not a real number at the --at values (log or sqrt "
                             f"of a negative?); choose other values")
    return num


def _safe(g: Gate, fval: dict) -> dict:
    """The values to plug into gate g: floats instead of exact rationals when
    a power has a huge exponent, where exact arithmetic would never finish."""
    if g.kind == "pow":
        base, e = (fval.get(x, x) for x in g.inputs)
        if e.is_Rational and base.is_Rational and abs(e) * (base.p.bit_length() + base.q.bit_length()) > 100_000:
            return {k: (sp.Float(v, 30) if v.is_Rational else v) for k, v in fval.items()}
    return fval


# exp(exp(exp(10))) has about 10^9565 digits before the point: refuse it
# rather than hang.  A teaching example never gets near this bound.  (Huge
# powers are fine: _safe turns them into floats, and mpmath's exponents are
# unbounded.)
_BIG_ARGUMENT = 10 ** 6      # exp, sigmoid, sin, cos, tanh of more than this


def gate_value(g: Gate, fval: dict, where: str):
    """The gate's output at these input values, refusing runaway sizes."""
    ins = [fval.get(x, x) for x in g.inputs]
    if g.kind in ("exp", "sigmoid", "sin", "cos", "tanh") and abs(ins[0]) > _BIG_ARGUMENT:
        raise ChainruleError(f"{where} overflows: {g.kind} of {number(ins[0])}; choose smaller --at values")
    return _settle(g.formula.xreplace(_safe(g, fval)), where)


def _value_str(v) -> str | None:
    if v is None:
        return None
    return sp.sstr(v) if v.is_Rational else sp.sstr(sp.Float(v, 20))


def _parse_values(at, variables) -> dict[sp.Symbol, sp.Expr]:
    if not at:
        return {}
    values = {}
    for name, raw in at.items():
        name = str(name).strip()
        if name not in variables:
            raise ChainruleError(f"--at {name}=...: '{name}' is not a variable of the expression"
                                 f"{did_you_mean(name, variables)}; its variables are {', '.join(variables)}")
        if isinstance(raw, (int, Fraction)) and not isinstance(raw, bool):
            f = Fraction(raw)
        elif isinstance(raw, float):
            f = Fraction(repr(raw))
        else:
            text = str(raw).strip()
            try:
                f = Fraction(text)
            except (ValueError, ZeroDivisionError):
                raise ChainruleError(f"--at {name}={text}: '{text}' is not a number; "
                                     f"write e.g. --at {name}=0.5 or --at {name}=1/3") from None
        values[sp.Symbol(name, real=True)] = sp.Rational(f.numerator, f.denominator)
    missing = [n for n in variables if sp.Symbol(n, real=True) not in values]
    if missing:
        raise ChainruleError(f"--at gives no value for {', '.join(missing)}; give every variable a "
                             f"value, e.g. --at {missing[0]}=1, or leave out --at for symbols only")
    return values


# ----------------------------------------------------------- derivation --

def _names_for(variables):
    used = set(variables)
    prefix = next(p for p in ("t", "u", "v", "s", "h", "q", "tt")
                  if not any(re.fullmatch(re.escape(p) + r"\d+", n) for n in used))
    out = next(n for n in ("J", "f", "L", "out", "result") if n not in used)
    return prefix, out


def _wrt_list(wrt, variables) -> list[str]:
    if isinstance(wrt, str):
        wrt = wrt.split(",")
    chosen = []
    for name in wrt or []:
        name = str(name).strip()
        if not name:
            continue
        if name not in variables:
            raise ChainruleError(f"--wrt {name}: '{name}' is not in the expression"
                                 f"{did_you_mean(name, variables)}; its variables are {', '.join(variables)}")
        if name not in chosen:
            chosen.append(name)
    return chosen or list(variables)


def _ties(gates, fval) -> list[int]:
    """Steps whose max/min inputs are equal at these values: there the
    gradient is only a convention (Heaviside(0) = 1/2 splits it), and two
    correct routes (the staged one, sympy.diff) may split it differently."""
    out = []
    for g in gates:
        if g.kind in ("max", "min"):
            a, b = (fval.get(x, x) for x in g.inputs)
            if abs(sp.N(a - b, 30)) <= 1e-25 * (1 + abs(a) + abs(b)):
                out.append(g.step)
    return out


def _values_at(gates, point):
    fval = dict(point)
    for g in gates:
        fval[g.out] = gate_value(g, fval, f"step {g.step}")
    return fval


def _agree(a, b, symbols, what, gates):
    """Prove a == b with cancel, else at random points; raise if not."""
    if a == b:
        return f"identical to sympy.diff{what}"
    if sp.count_ops(a) + sp.count_ops(b) <= 200:
        # cancel decides equality of rational functions in the atoms (exp(-u),
        # tanh(u), ...) and stays fast; see _SLOW for why not simplify.
        try:
            if sp.cancel(sp.together(a - b)) == 0:
                return f"sympy.diff{what} minus this cancels to 0"
        except Exception:  # cancel refuses some Piecewise forms; sample instead
            pass
    rng = random.Random(0)
    checked = tied = 0
    for i in range(15):
        # three ranges, so log(log(x)) and sqrt(x - 2) get points too
        low, high = [(-1, 1), (0, 3), (1, 10)][i % 3]
        point = {s: sp.Float(sp.Rational(rng.randint(low * 10**6, high * 10**6), 10**6 + 3), 30)
                 for s in symbols}
        try:
            at_point = _values_at(gates, point)  # refuses runaway sizes first
            va, vb = sp.N(a.xreplace(point), 30), sp.N(b.xreplace(point), 30)
        except Exception:  # undefined or too large here: try another point
            continue
        if not (va.is_Number and vb.is_Number and va.is_real and vb.is_real):
            continue
        if abs(va - vb) > 1e-12 * (1 + abs(va) + abs(vb)):
            if _ties(gates, at_point):
                tied += 1
                continue
            raise AssertionError(f"internal error: the staged result disagrees with sympy.diff{what} at {point}")
        checked += 1
        if checked == 5:
            break
    if checked:
        return f"agrees with sympy.diff{what} at {checked} random points"
    if tied:
        return f"sympy.diff{what} splits max/min ties differently (a convention)"
    return f"not compared with sympy.diff{what}: undefined at every random point"


def derivation(expr_text: str, wrt: list[str] | str | None = None,
               at: dict[str, str] | None = None) -> Derivation:
    """The staged forward and backward pass of ``expr_text``.

    ``wrt``: the variables to differentiate (all of them when empty).
    ``at``: NAME -> number text ('0.5', '-1', '1/3'); every variable needs a
    value, and then every line gets its number (exact where rational).
    Raises ChainruleError for bad input.

    ``data`` (JSON): expr (the parsed expression), wrt, at, forward [{step,
    name, gate, expr, value}], backward [{step, gate, name, upstream, local,
    accumulate, expr, value}], gradients {name: {expr, staged, value}} and
    ties (steps where max/min inputs are equal at ``at``).  Expressions are
    sympy.sstr strings; values are exact rationals or 20-digit floats.
    """
    text = str(expr_text).replace("^", "**")
    tree, variables = _check_syntax(text)
    if not variables:
        raise ChainruleError("--expr has no variables, so there is nothing to differentiate; "
                             "use names such as w, x, b")
    prefix, out_name = _names_for(variables)
    # Stage first: the stager refuses constants such as 2**10**10, which
    # parse_expr would otherwise try to compute.
    stager = _Stager(text.strip(), variables, prefix)
    top = stager.stage(tree)
    try:
        local, glob = _parse_namespace(set(variables))
        reference = parse_expr(text.strip(), local_dict=local, global_dict=glob,
                               transformations=standard_transformations + (rationalize,))
    except ChainruleError:
        raise
    except Exception as e:  # the text passed the ast check, so this is rare
        raise ChainruleError(f"SymPy cannot read --expr ({type(e).__name__}); "
                             f"write it like '(w*x + b - y)**2/2'") from None
    if not isinstance(reference, sp.Expr) or reference.has(sp.zoo, sp.nan):
        raise ChainruleError("--expr is undefined as written (division by zero?); fix the constants")
    wrt = _wrt_list(wrt, variables)
    values = _parse_values(at, variables)
    if not (stager.gates and top == stager.gates[-1].out):  # J = x: one identity gate
        stager.gates.append(Gate(len(stager.gates) + 1, "id", (top,), None, top))
    gates = stager.gates
    J = sp.Symbol(out_name, real=True)
    final = gates[-1]
    rename = {final.out: J} if final.out is not None else {}
    final.out = J
    for g in gates:
        g.inputs = tuple(rename.get(x, x) for x in g.inputs)
        g.formula = g.formula.xreplace(rename)
    syms = [sp.Symbol(n, real=True) for n in variables]

    # The staged graph must be the expression SymPy's parser read.
    expanded: dict[sp.Symbol, sp.Expr] = {}
    for g in gates:
        expanded[g.out] = g.formula.xreplace(expanded)
    _agree(expanded[J], reference, syms, "", gates)

    # ---- forward values
    fval: dict[sp.Symbol, sp.Expr] = dict(values)
    if values:
        for g in gates:
            fval[g.out] = gate_value(g, fval, f"step {g.step} ({g.out} = {_unicode(_show(g))})")

    ties = _ties(gates, fval) if values else []

    # ---- which nodes lead to a --wrt variable
    wanted = {sp.Symbol(n, real=True) for n in wrt}
    leads = set(wanted)
    for g in gates:
        if any(x in leads for _, x in g.slots):
            leads.add(g.out)

    forward_lines, forward_data = [], []
    for g in gates:
        parts = [g.out, _show(g)]
        if values:
            parts.append(Num(fval[g.out]))
        forward_lines.append(Math(parts, label=f"forward {g.step}", note=_forward_note(g)))
        forward_data.append({"step": g.step, "name": g.out.name, "gate": g.kind,
                             "expr": sp.sstr(g.formula), "value": _value_str(fval.get(g.out))})

    # ---- backward pass: reverse order, += where a value fans out
    grad = {J: sp.Integer(1)}
    gval = {J: sp.Integer(1)} if values else {}
    backward_lines = [Math([Partial(J, J), sp.Integer(1)], label="seed",
                           note="the gradient of the output with respect to itself")]
    backward_data = []
    for g in reversed(gates):
        if g.out not in leads:
            continue
        up = Partial(J, g.out)
        for slot, x in g.slots:
            if x not in leads:
                continue
            local = local_derivative(g, slot)
            contribution = grad[g.out] * local
            again = x in grad
            grad[x] = grad[x] + contribution if again else contribution
            rhs = Upstream(up, local)
            parts = [PlusEquals(Partial(J, x), rhs) if again else Partial(J, x), rhs]
            if values:
                step_value = _settle(gval[g.out] * local.xreplace(_safe(g, fval)), f"backward step {g.step}")
                gval[x] = _settle(gval[x] + step_value, f"backward step {g.step}") if again else step_value
                parts.append(Num(step_value))
            if again:
                parts = [parts[0]] + parts[2:]
            note = _backward_note(g, slot, x, local, fval if values else None)
            if again:
                note = _fork_note(note, gval[x] if values else None)
            backward_lines.append(Math(parts, label=f"backward {g.step}", note=note))
            backward_data.append({"step": g.step, "gate": g.kind, "name": x.name, "upstream": g.out.name,
                                  "local": sp.sstr(local), "accumulate": again,
                                  "expr": sp.sstr(grad[x]), "value": _value_str(gval.get(x))})

    # ---- results, each checked against sympy.diff of the parsed expression
    result_lines, gradients_data = [], {}
    for name in wrt:
        s = sp.Symbol(name, real=True)
        staged_form = grad.get(s, sp.Integer(0))
        in_vars = staged_form.xreplace(expanded)
        simple = _simplify(in_vars)
        reference_grad = sp.diff(reference, s)
        how = _agree(simple, reference_grad, syms, f"({out_name}, {name})", gates)
        parts = [Partial(J, s), staged_form]
        if simple != staged_form:
            parts.append(simple)
        value = None
        if values:
            value = gval.get(s, sp.Integer(0))
            # floats: an exact power with a huge exponent would never finish
            check = _settle(reference_grad.xreplace({k: sp.Float(v, 30) for k, v in values.items()}),
                            f"sympy.diff(J, {name})")
            if abs(sp.N(check - value, 30)) <= 1e-12 * (1 + abs(check) + abs(value)):
                pass
            elif ties:
                how = (f"a max/min tie (step {', '.join(map(str, ties))}): sympy.diff splits it "
                       f"differently, {number(check)}")
            else:
                raise AssertionError(f"internal error: ∂J/∂{name} = {value} but sympy.diff gives {check}")
            if not parts[-1].is_Number:  # not "= 1 = 1"
                parts.append(Num(value))
        result_lines.append(Math(parts,
                                 note=f"check: {how}"))
        gradients_data[name] = {"expr": sp.sstr(simple), "staged": sp.sstr(staged_form),
                                "value": _value_str(value)}

    return Derivation(
        title=f"Staged backprop for {out_name} = {expr_text.strip()}" if len(expr_text) < 50
        else "Staged backprop for an expression",
        body=_intro(expr_text, variables, wrt, values, out_name, prefix, leads, syms)
        + [Section("Forward pass", forward_lines),
           Section("Backward pass", [_backward_intro(out_name, wrt, leads, syms)] + backward_lines),
           Section("Gradients", result_lines)],
        data={"expr": sp.sstr(reference), "wrt": wrt,
              "at": {n.name: sp.sstr(v) for n, v in values.items()} or None,
              "forward": forward_data, "backward": backward_data, "gradients": gradients_data,
              "ties": ties},
    )


# SymPy's simplify is fast on rational functions of exp but can run for
# many minutes once trig/hyperbolic functions or Max/Heaviside appear (its
# trig pass factors over Gaussian integers).  The choice depends only on the
# expression, never on a clock, so output stays deterministic.
_SLOW = (sp.sin, sp.cos, sp.tan, sp.tanh, sp.sinh, sp.cosh, sp.Max, sp.Min, sp.Heaviside,
         sp.Piecewise, sp.Abs, sp.sign)


def _simplify(e):
    """A simpler form when one is cheap to find; else the chain-rule product as it is."""
    candidates = [e, sp.factor_terms(e)]
    if sp.count_ops(e) <= 80 and not e.has(*_SLOW):
        try:
            candidates.append(sp.simplify(e))
        except Exception:  # simplify gives up on some forms; the product is still right
            pass
    return min(candidates, key=sp.count_ops)


def _show(g: Gate):
    return shown(g.kind, *g.inputs)


def _forward_note(g: Gate) -> str:
    return "" if g.kind == "id" else f"{g.kind} gate"


def _backward_note(g: Gate, slot, x, local, fval) -> str:
    """The gate's rule in a few words; the local derivative is in the line itself."""
    kind = g.kind
    short = f"{kind} gate"
    if kind == "add":
        return "add gate distributes"
    if kind == "id":
        return "identity: local derivative 1"
    if kind == "mul":
        return "mul gate swaps its inputs"
    if kind in ("sub", "neg"):
        return f"{short}: local derivative {'-1' if kind == 'neg' or slot == 1 else '+1'}"
    if kind in ("max", "min"):
        side = "larger" if kind == "max" else "smaller"
        if fval is None:
            return f"{short} routes to the {side} input"
        a, b = (fval.get(i, i) for i in g.inputs)
        if a == b:
            return f"{short}: a tie, each input gets half"
        winner = g.inputs[0] if (a > b) == (kind == "max") else g.inputs[1]
        return f"{short} routes to the {side} input, {_unicode(winner)}"
    if kind == "relu":
        return f"relu gate passes it only where {_unicode(g.inputs[0])} > 0"
    if kind == "sigmoid":
        return f"sigmoid gate: σ' = σ(1 - σ) with σ = {_unicode(g.out)}"
    if kind == "tanh":
        return f"tanh gate: tanh' = 1 - tanh² with tanh = {_unicode(g.out)}"
    full = f"{short}: local derivative {_unicode(local)}"
    return full if len(full) <= NOTE_WIDTH - 20 else short


def _fork_note(note: str, total) -> str:
    """A += line: say that the value fans out, and the running total."""
    tail = "fork: gradients add up" if total is None else f"fork: total {number(total)}"
    for head in (note, note.split(":")[0]):
        if len(head) + 2 + len(tail) <= NOTE_WIDTH:
            return f"{head}; {tail}"
    return tail


def _intro(expr_text, variables, wrt, values, out_name, prefix, leads, syms):
    lines = [f"{out_name} = {expr_text.strip()}",
             f"Variables: {', '.join(variables)}.  Differentiate with respect to {', '.join(wrt)}.",
             f"Each forward line is one gate with output {prefix}1, {prefix}2, ...; the backward "
             f"lines visit the gates in reverse and multiply the upstream gradient "
             f"∂{out_name}/∂(gate output) by the gate's local derivative, which comes from "
             f"sympy.diff of the gate alone."]
    if values:
        lines.append("At " + ", ".join(f"{k} = {number(v)}" for k, v in values.items())
                     + " (exact arithmetic where the values are rational).")
    return [Text(line) for line in lines[:-1]] + [Text(lines[-1] + "\n")]


def _backward_intro(out_name, wrt, leads, syms):
    skipped = [s.name for s in syms if s not in leads]
    text = ("Backward lines carry the numbers of their forward gates.  Where a value fans out "
            "into several gates its gradients add up: the later lines use +=.")
    if skipped:
        text += f"  Only the branches that lead to {', '.join(wrt)} are followed (not {', '.join(skipped)})."
    return Text(text)
