"""Unicode text for an 80-column terminal."""
from __future__ import annotations

import textwrap

import sympy as sp
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from ..format import fmt
from .base import Printer

WIDTH = 80
_SUP = str.maketrans("0123456789-+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")


def number_text(value) -> str:
    """A number as the text view writes it: 0.4745, 1.5e-07."""
    return fmt(value).plain()


class UnicodeExprPrinter(StrPrinter):
    """SymPy's str printer with network names (w⁽¹⁾₂₁), · and superscripts."""

    def __init__(self, names, **settings):
        # order='none' keeps a chain-rule product in the order it was built.
        super().__init__({"order": "none", **settings})
        self.scheme = names

    def _print_Symbol(self, s):
        return self.scheme.unicode(s.name)

    def _print_Notation(self, n):
        return n.text

    def _print_Value(self, v):
        text = number_text(v.value)
        # bracketed only inside an expression: "= -0.25" on its own, "(-0.25)·x" in a product
        return f"({text})" if text.startswith("-") and self._print_level > 1 else text

    def _print_Mul(self, expr):
        return super()._print_Mul(expr).replace("*", "·")

    def _print_Pow(self, expr, rational=False):
        base, e = expr.as_base_exp()
        if e.is_Integer and 1 < e < 10:
            return self.parenthesize(base, 60) + str(e).translate(_SUP)
        if e == sp.S.Half:
            inner = self._print(base)
            return f"√{inner}" if base.is_Atom and not base.could_extract_minus_sign() else f"√({inner})"
        if base is sp.E:
            return f"exp({self._print(e)})"
        if e.is_Symbol:   # β₁^t: a symbolic power, written as on paper
            return self.parenthesize(base, 60) + "^" + self._print(e)
        # '**' would turn into '··' where products get their dots
        return super()._print_Pow(expr, rational).replace("**", "^")

    def _print_Pi(self, expr):
        return "π"

    def _print_exp(self, expr):
        return f"exp({self._print(expr.args[0])})"

    def _print_Add(self, expr, order=None):
        # Positive terms first: ŷ - y and 1 - a, as written by hand.
        terms = sorted(expr.args, key=lambda t: t.could_extract_minus_sign())
        return super()._print_Add(sp.Add(*terms, evaluate=False), order="none")

    def _print_Partial(self, p):
        return f"∂{self._print(p.num)}/∂{self._print(p.den)}"

    def _print_Shape(self, s):
        return "(" + " × ".join(self._print(d) for d in s.args) + ")"

    def _print_Piecewise(self, expr):
        parts = []
        for e, c in expr.args:
            parts.append(self._print(e) + ("" if c is sp.true else f" if {self._print(c)}"))
        return "{" + "; ".join(p if " if " in p else p + " otherwise" for p in parts) + "}"

    def _print_Relational(self, expr):
        if isinstance(expr, sp.Eq) and type(expr.rhs).__name__ == "Value":
            return f"{self._print(expr.lhs)} = {number_text(expr.rhs.value)}"
        op = {"<=": "≤", ">=": "≥", "!=": "≠", "==": "="}.get(expr.rel_op, expr.rel_op)
        return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

    def _print_And(self, expr):
        return " and ".join(self._print(a) for a in expr.args)

    def _print_KroneckerDelta(self, expr):
        return f"[{self._print(expr.args[0])}={self._print(expr.args[1])}]"

    def _print_Indexed(self, expr):
        return f"{self._print(expr.base.label)}[{','.join(self._print(i) for i in expr.indices)}]"

    # Matrix expressions (the delta view): products juxtapose, transposes
    # are ᵀ, ⊙ is the elementwise product, terms keep the order built.
    def _print_MatMul(self, expr):
        args = list(expr.args)
        sign = ""
        if args[0] == -1:
            sign, args = "-", args[1:]
        return sign + " ".join(self._matrix_factor(a) for a in args)

    def _matrix_factor(self, a):
        text = self._print(a)
        return f"({text})" if isinstance(a, (sp.MatAdd, sp.HadamardProduct, sp.Add)) else text

    def _print_MatAdd(self, expr):
        out = self._print(expr.args[0])
        for term in expr.args[1:]:
            text = self._print(term)
            out += f" - {text[1:]}" if text.startswith("-") else f" + {text}"
        return out

    def _print_Transpose(self, expr):
        text = self._print(expr.arg)
        return (text if isinstance(expr.arg, sp.MatrixSymbol) else f"({text})") + "ᵀ"

    def _print_HadamardProduct(self, expr):
        # A scalar multiple needs no brackets; a matrix product does: (ΔW) ⊙ F.
        def factor(a):
            several = isinstance(a, sp.MatMul) and sum(isinstance(f, sp.MatrixExpr) for f in a.args) > 1
            return f"({self._print(a)})" if isinstance(a, sp.MatAdd) or several else self._print(a)
        return " ⊙ ".join(factor(a) for a in expr.args)

    def _print_HadamardPower(self, expr):
        return self._matrix_factor(expr.base) + "⊙" + str(expr.exp).translate(_SUP)

    def _print_OneMatrix(self, expr):
        return "1"

    def _print_MatrixSymbol(self, expr):
        return expr.name

    def _print_MatrixElement(self, expr):
        return f"({self._print(expr.parent)})[{self._print(expr.i)}, {self._print(expr.j)}]"

    def _print_Sum(self, expr):
        body = self._print(expr.function)
        limits = ",".join(self._print(l[0]) for l in expr.limits)
        return f"Σ_{limits}({body})"

    def _print_Idx(self, expr):
        return self._print(expr.label)

    # Staged expressions (--expr): a gate as written, upstream · local, and +=.
    GATE_INFIX = {"add": " + ", "sub": " - ", "mul": "·", "div": "/"}
    FUNCTION_NAMES = {"sigmoid": "σ"}   # any other function prints under its own name

    def _print_Operation(self, op):
        kind, inputs = op.kind, op.inputs
        args = [self._gate_input(x, kind) for x in inputs]
        if kind in self.GATE_INFIX:
            return args[0] + self.GATE_INFIX[kind] + args[1]
        if kind == "neg":
            return "-" + args[0]
        if kind == "id":
            return args[0]
        if kind == "pow":
            return self._print(sp.Pow(*inputs, evaluate=False))
        if kind == "abs":
            return f"|{args[0]}|"
        return f"{self.FUNCTION_NAMES.get(kind, kind)}({', '.join(self._print(x) for x in inputs)})"

    def _gate_input(self, x, kind):
        # a number beside an operator is bracketed when its sign or fraction bar could misread
        text = self._print(x)
        if x.is_Number and (x.is_negative or (not x.is_Integer and kind not in ("add", "sub", "id"))):
            return f"({text})"
        return text

    def _print_Upstream(self, u):
        if u.local == 1:
            return self._print(u.upstream)
        if u.local == -1:
            return "-" + self._print(u.upstream)
        return f"{self._print(u.upstream)} · {self.parenthesize(u.local, PRECEDENCE['Mul'], strict=True)}"

    def _print_PlusEquals(self, e):
        return f"{self._print(e.args[0])} += {self._print(e.args[1])}"

    def _print_Abs(self, expr):
        return "|" + self._print(expr.args[0]) + "|"

    def _print_ceiling(self, expr):
        return f"⌈{self._print(expr.args[0])}⌉"

    def _print_Product(self, expr):
        (var, lo, hi), = expr.limits
        return f"Π_{self._print(var)}={self._print(lo)}..{self._print(hi)}({self._print(expr.function)})"


def align_numbers(cells: list[str]) -> list[str]:
    """Pad numeric cells so their decimal points line up."""
    def split(c):
        if not c or not (c[0].isdigit() or c[0] in "-.") or any(ch.isalpha() and ch != "e" for ch in c):
            return None
        mant = c.split("e")[0]
        return mant.index(".") if "." in mant else len(mant)
    points = [split(c) for c in cells]
    if any(p is None for p in points if True) or not cells:
        return cells
    left = max(points)
    padded = [" " * (left - p) + c for c, p in zip(cells, points)]
    width = max(len(c) for c in padded)
    return [c.ljust(width) for c in padded]


class TextPrinter(Printer):
    def __init__(self, names=None):
        super().__init__(names)
        self._exprs = UnicodeExprPrinter(self.names)

    def expr(self, e) -> str:
        if isinstance(e, str):
            return e
        if type(e).__name__ == "Value":   # a number standing alone needs no brackets
            return number_text(e.value)
        return self._exprs.doprint(sp.sympify(e))

    def number(self, value) -> str:
        return number_text(value)

    def _print_document(self, d):
        title = _title(d.title)
        out = [title, "═" * min(columns(title), WIDTH), ""]
        for node in d.body:
            piece = self._print(node)
            out.append(piece if piece.endswith("\n") else piece + "\n")
        return "\n".join(out).rstrip() + "\n"

    def _print_Section(self, s):
        title = _title(s.title)
        lines = [title, "─" * min(columns(title), WIDTH)]
        for i, node in enumerate(s.body):
            piece = self._print(node)
            # a blank line after a paragraph, so consecutive paragraphs stay apart
            if type(node).__name__ == "Text" and i + 1 < len(s.body) and not piece.endswith("\n"):
                piece += "\n"
            lines.append(piece)
        return "\n".join(lines) + "\n"

    def _print_Text(self, t):
        return "\n".join(fill(par, WIDTH) if par else "" for par in t.text.split("\n"))

    def _print_Para(self, p):
        text = "".join(part if isinstance(part, str) else self.expr(part) for part in p.parts)
        return fill(text, WIDTH)

    def _print_Items(self, items):
        return "\n".join(fill(self._print(i).strip(), WIDTH, initial_indent="  - ",
                               subsequent_indent="    ") for i in items.items)

    def _print_Box(self, box):
        rule = "┄" * min(columns(box.title) + 4, WIDTH)
        return "\n".join([rule, box.title] + [self._print(n) for n in box.body] + [rule])

    def _print_Exercise(self, e):
        lines = [e.title] + [self._print(n) for n in e.question]
        if e.answer is None:
            lines += [""] * max(1, int(e.space))
        else:
            lines += [e.label] + [self._print(n) for n in e.answer] if e.label else \
                [self._print(n) for n in e.answer]
        return "\n".join(lines) + "\n"

    def _print_Diagram(self, d):
        return "\n".join("  " + line for line in self.diagram_lines(d, self.expr)) + "\n"

    def _print_Code(self, c):
        return "\n".join("    " + line for line in c.text.rstrip("\n").split("\n")) + "\n"

    def _print_Equations(self, eq):
        return "\n".join(self._print(m) for m in eq.lines)

    def _print_Math(self, m):
        parts = [self.expr(p) for p in m.parts]
        label = f"({m.label}) " if m.label else ""
        head = "  " + label + parts[0]
        indent = " " * min(len(head) + 1, 24)
        if not parts[0]:  # a continuation line: "= ..."
            head, indent, parts = "   = " + parts[1], "     ", parts[1:]
        lines = _wrap(head, indent + "  ")
        for p in parts[1:]:
            if columns(lines[-1]) + 3 + columns(p) <= WIDTH:
                lines[-1] += " = " + p
            else:
                lines.extend(_wrap(indent + "= " + p, indent + "  "))
        if m.note:
            note = f"[{m.note}]"
            if columns(lines[-1]) + 3 + columns(note) <= WIDTH:
                lines[-1] += "   " + note
            elif columns(note) != len(note):   # wide characters: wrapped by display width
                lines.extend(fill(note, WIDTH, initial_indent=indent, subsequent_indent=indent).split("\n"))
            else:
                lines.extend(_wrap(indent + note, indent))
        return "\n".join(lines)

    def _print_Plot(self, plot):
        """The plot's points as a table: a terminal cannot draw it."""
        from ..model import Table
        out = []
        for series in plot.series:
            shown = series.points if len(series.points) <= 12 else series.points[::max(1, len(series.points) // 10)]
            out.append(f"  {series.label}:")
            out.append(self._print_Table(Table([plot.xlabel, plot.ylabel],
                                               [[f"{x:.6g}", f"{y:.6g}"] for x, y in shown])))
        return "\n".join(out) + (("\n" + plot.caption) if plot.caption else "")

    def _print_Table(self, t):
        rows = [[self.cell(c) for c in row] for row in t.rows]
        columns = list(zip(*rows)) if rows else []
        columns = [align_numbers(list(col)) for col in columns]
        rows = [list(r) for r in zip(*columns)] if columns else []
        widths = [max(len(str(h)), *(len(r[i]) for r in rows)) if rows else len(str(h))
                  for i, h in enumerate(t.header)]
        fmt_ = "  ".join("{:<%d}" % w for w in widths)
        lines = ["  " + fmt_.format(*t.header).rstrip(), "  " + "  ".join("─" * w for w in widths)]
        lines += ["  " + fmt_.format(*r).rstrip() for r in rows]
        return "\n".join(lines) + "\n"


def columns(text: str) -> int:
    """Display width in a terminal: a wide (CJK) character takes two columns.
    Everything else counts one, as len() does, so text without wide characters
    is measured exactly as before."""
    if text.isascii():
        return len(text)
    from wcwidth import wcwidth
    return sum(2 if wcwidth(c) == 2 else 1 for c in text)


# no line starts with these (Chinese closing punctuation stays on the line before)
_NO_START = set("，。、：；！？）」』》〉%,.:;!?)]")


def fill(text: str, width: int = None, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """textwrap.fill, measured in display columns, and breaking between CJK
    characters (Chinese has no spaces).  Text without wide characters goes to
    textwrap itself, so English output is unchanged."""
    width = width or WIDTH
    if all(columns(c) < 2 for c in text):
        return textwrap.fill(text, width, initial_indent=initial_indent, subsequent_indent=subsequent_indent)
    tokens, word = [], ""
    for c in text:
        if c == " ":
            if word:
                tokens.append(word)
            tokens.append(" ")
            word = ""
        elif columns(c) >= 2 or c in _NO_START:
            if word and c not in _NO_START:
                tokens.append(word)
                word = ""
            if c in _NO_START and (word or tokens):
                if word:
                    word += c
                else:
                    tokens[-1] += c
            else:
                word = c
            if columns(c) >= 2 and c not in _NO_START:
                tokens.append(word)
                word = ""
        else:
            word += c
    if word:
        tokens.append(word)
    lines, line = [], initial_indent
    for tok in tokens:
        if tok == " " and line.strip() == "":
            continue
        if columns(line) + columns(tok) > width and line.strip():
            lines.append(line.rstrip())
            line = subsequent_indent + ("" if tok == " " else tok)
        else:
            line += tok
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(lines)


def _title(text: str) -> str:
    """A title over 80 columns (a long spec) broken at '-' or a space."""
    if columns(text) <= WIDTH:
        return text
    lines = []
    while columns(text) > WIDTH:
        cut = max(text.rfind("-", 0, WIDTH), text.rfind(" ", 0, WIDTH))
        if cut <= 0:
            break
        lines.append(text[:cut + 1].rstrip())
        text = "  " + text[cut + 1:].lstrip()
    return "\n".join(lines + [text])


def _wrap(line: str, indent: str) -> list[str]:
    """Break a long formula at ' = ', ' + ', ' - ', '·' or a space, in that order
    of preference, so it stays in 80 columns."""
    out = []
    while len(line) > WIDTH:
        floor = len(indent) + 4
        for marks in ((" = ",), (" + ", " - "), ("·", "/"), (" ",)):
            cut = max(line.rfind(mark, 0, WIDTH) for mark in marks)
            if cut > floor:
                break
        else:
            break
        out.append(line[:cut].rstrip())
        line = indent + line[cut:].lstrip()
    out.append(line)
    return out
