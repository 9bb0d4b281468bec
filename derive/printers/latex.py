"""LaTeX: a complete document (``doprint``), a fragment, or MathJax pieces."""
from __future__ import annotations

import contextvars
import dataclasses
import re

import sympy as sp
from sympy.printing.latex import LatexPrinter as SympyLatexPrinter
from sympy.printing.precedence import PRECEDENCE

from ..format import fmt
from ..model import Literal
from .base import Printer
from .diagram_tikz import tikz_diagram
from .unicode_math import _RUN, to_latex

from .tex_escape import escape, shown  # noqa: F401  (escape is this module's public name too)


def prose(text: str, math=None, plain=None) -> str:
    """Prose for LaTeX: notation runs (w⁽¹⁾₂₁, ∂J/∂ŷ) and numbers with an
    exponent (1.5e-07) become inline maths, the rest is escaped to print
    literally, and long unbreakable tokens (a spec) may break after - / :.
    ``math`` (TeX -> inline maths) and ``plain`` (text -> escaped text) set
    prose for another host of TeX (HTML with MathJax)."""
    math = math or (lambda tex_: "$" + tex_ + "$")
    plain = plain or _plain
    out, last = [], 0
    for m in _RUN.finditer(text):
        run = m.group(0)
        start, end = m.start(), m.end()
        while run and (run[-1] in ".,;:" or (run[-1] == ")" and run.count(")") > run.count("("))):
            run, end = run[:-1], end - 1   # sentence punctuation and brackets stay outside the maths
        while run and run[0] in "(" and run.count("(") > run.count(")"):
            run, start = run[1:], start + 1
        if not run:
            continue
        out.append(plain(text[last:start]))
        out.append(math(to_latex(run)))
        last = end
    out.append(plain(text[last:]))
    return "".join(out)


_SCIENTIFIC = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?)e([+-]\d+)(?![\w.])")
_LONG = re.compile(r"\S{24,}")


# The engine the document is written for: xelatex for Chinese (every character
# set as written), pdflatex otherwise; set by the printers for one document.
ENGINE: contextvars.ContextVar[str] = contextvars.ContextVar("tex_engine", default="pdflatex")
_CJK = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def needs_xelatex(doc) -> bool:
    """Chinese prose, or CJK in text a user gave (a title, a TOML description):
    pdflatex could only print it as '?', so the document is set with XeLaTeX."""
    if (getattr(doc, "data", None) or {}).get("lang") == "zh":
        return True
    return has_cjk(doc)


def has_cjk(node) -> bool:
    if isinstance(node, str):
        return bool(_CJK.search(node))
    if isinstance(node, (list, tuple)):
        return any(has_cjk(x) for x in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return any(has_cjk(getattr(node, f.name)) for f in dataclasses.fields(node))
    return False


def _plain(text: str) -> str:
    out, last = [], 0
    for m in _SCIENTIFIC.finditer(text):
        out.append(_breakable(escape(text[last:m.start()], ENGINE.get())))
        out.append("$%s \\times 10^{%d}$" % (m.group(1), int(m.group(2))))
        last = m.end()
    out.append(_breakable(escape(text[last:], ENGINE.get())))
    return "".join(out)


def literal(text: str) -> str:
    """User text (a title) printed literally, long tokens allowed to break."""
    return _breakable(escape(text, ENGINE.get()))


def _breakable(tex_: str) -> str:
    """Long tokens (specs, dotted names) may break after - / : , ."""
    return _LONG.sub(lambda m: re.sub(r"([-/:,]|\\_)(?=[^-/:,\s])", r"\1\\allowbreak{}", m.group(0)), tex_)


def latex_number(value) -> str:
    """A number in LaTeX maths: 0.4745, 1.5 \\times 10^{-7}."""
    n = fmt(value)
    return n.mantissa if n.exponent is None else rf"{n.mantissa} \times 10^{{{n.exponent}}}"


class NetworkLatexPrinter(SympyLatexPrinter):
    def __init__(self, scheme, **settings):
        # order='none' keeps a chain-rule product in the order it was built.
        super().__init__({"mul_symbol": None, "order": "none", **settings})
        self.scheme = scheme

    def _print_Symbol(self, s, style="plain"):
        name = self.scheme.latex(s.name)
        if name != s.name:
            return name
        if any(ord(c) > 127 for c in s.name):
            return to_latex(s.name)
        return super()._print_Symbol(s)

    def _print_MatrixSymbol(self, m):
        return to_latex(m.name) if any(ord(c) > 127 for c in m.name) else super()._print_MatrixSymbol(m)

    def _print_Notation(self, n):
        return n.latex

    def _print_Value(self, v):
        text = latex_number(v.value)
        # bracketed only inside an expression: "= -0.25" on its own, "(-0.25) x" in a product
        return rf"\left({text}\right)" if text.startswith("-") and self._print_level > 1 else text

    def _print_Mul(self, expr):
        # A number inside a product built in order (1 · w, (1 - a) · 0.5) gets
        # a dot, or it would read as part of its neighbour (1w).
        if not isinstance(expr, sp.Mul):   # SymPy prints x**-1 through _print_Mul as 1/x
            return super()._print_Mul(expr)
        args = list(expr.args)
        if len(args) > 1 and any(_numeric(a) for a in args[1:]):
            out = ""
            for i, a in enumerate(args):
                text = self.parenthesize(a, PRECEDENCE["Mul"])
                if i == 0 and a == -1:
                    out = "-"
                    continue
                if out and out != "-":
                    out += r" \cdot " if _numeric(a) or _numeric(args[i - 1]) else " "
                out += text
            return out
        return super()._print_Mul(expr)

    def _print_Indexed(self, expr):
        # w^{(l)}_{j,k}: the indices stacked under the layer's superscript
        base = self._print(expr.base.label)
        if _has_subscript(base):   # w_x^{(1)} with indices: brace the base, no double subscript
            base = "{%s}" % base
        return "{%s_{%s}}" % (base, ",".join(self._print(i) for i in expr.indices))

    def _print_Relational(self, expr):
        if isinstance(expr, sp.Eq) and type(expr.rhs).__name__ == "Value":
            return "%s = %s" % (self._print(expr.lhs), latex_number(expr.rhs.value))
        return super()._print_Relational(expr)

    def _print_Add(self, expr, order=None):
        # Positive terms first: ŷ - y and 1 - a, as written by hand.
        terms = sorted(expr.args, key=lambda t: t.could_extract_minus_sign())
        return super()._print_Add(sp.Add(*terms, evaluate=False), order="none")

    # Matrix expressions (the delta view): terms keep the order built.
    def _print_MatAdd(self, expr):
        out = self._print(expr.args[0])
        for term in expr.args[1:]:
            text = self._print(term)
            out += f" - {text[1:].lstrip()}" if text.startswith("-") else f" + {text}"
        return out

    def _print_Transpose(self, expr):
        if isinstance(expr.arg, sp.MatrixSymbol):
            return "{%s}^{\\top}" % self._print(expr.arg)
        return super()._print_Transpose(expr)

    def _print_HadamardProduct(self, expr):
        def factor(a):
            several = isinstance(a, sp.MatMul) and sum(isinstance(f, sp.MatrixExpr) for f in a.args) > 1
            text = self._print(a)
            return r"\left(%s\right)" % text if isinstance(a, sp.MatAdd) or several else text
        return r" \odot ".join(factor(a) for a in expr.args)

    def _print_HadamardPower(self, expr):
        return "{%s}^{\\circ %s}" % (self._print(expr.base), self._print(expr.exp))

    def _print_Partial(self, p):
        return r"\frac{\partial %s}{\partial %s}" % (self._print(p.num), self._print(p.den))

    def _print_Shape(self, s):
        return r"(" + r" \times ".join(self._print(d) for d in s.args) + ")"

    def _print_KroneckerDelta(self, expr, exp=None):
        # Iverson brackets: the Greek delta is already the error term
        return r"[%s = %s]" % (self._print(expr.args[0]), self._print(expr.args[1]))

    def _print_And(self, expr):
        """A long conjunction (max pooling's 'the first maximum of its window'
        over a 3 x 3 window has eight) stacked three to a row, so that the
        cases it sits in fit the line."""
        terms = [self._print(a) for a in expr.args]
        if len(terms) <= AND_ROW:
            return r" \wedge ".join(terms)
        rows = [r" \wedge ".join(terms[i:i + AND_ROW]) for i in range(0, len(terms), AND_ROW)]
        return r"\begin{array}{@{}l@{}}" + r" \wedge \\ ".join(rows) + r"\end{array}"

    def _print_OneMatrix(self, expr):
        return r"\mathbf{1}"

    # Staged expressions (--expr): a gate as written, upstream · local, and +=.
    GATE_INFIX = {"add": " + ", "sub": " - ", "mul": r" \cdot "}
    FUNCTION_NAMES = {"sigmoid": r"\sigma", "log": r"\log", "sin": r"\sin", "cos": r"\cos",
                      "tanh": r"\tanh", "max": r"\max", "min": r"\min"}   # others: \operatorname

    def _print_Operation(self, op):
        kind, inputs = op.kind, op.inputs
        args = [self._gate_input(x, kind) for x in inputs]
        if kind in self.GATE_INFIX:
            return args[0] + self.GATE_INFIX[kind] + args[1]
        if kind == "div":
            return r"\frac{%s}{%s}" % (self._print(inputs[0]), self._print(inputs[1]))
        if kind == "neg":
            return "-" + args[0]
        if kind == "id":
            return args[0]
        if kind == "pow":
            return self._print(sp.Pow(*inputs, evaluate=False))
        if kind == "abs":
            return r"\left|%s\right|" % args[0]
        if kind == "exp":
            return "e^{%s}" % self._print(inputs[0])
        if kind == "sqrt":
            return r"\sqrt{%s}" % self._print(inputs[0])
        name = self.FUNCTION_NAMES.get(kind, r"\operatorname{%s}" % kind.replace("_", r"\_"))
        return r"%s\left(%s\right)" % (name, ", ".join(self._print(x) for x in inputs))

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
        return r"%s \cdot %s" % (self._print(u.upstream), self.parenthesize(u.local, PRECEDENCE["Mul"], strict=True))

    def _print_PlusEquals(self, e):
        return r"%s \mathrel{+}= %s" % (self._print(e.args[0]), self._print(e.args[1]))


def tex(expr, scheme=None) -> str:
    """One expression in the network's notation."""
    from .base import NO_SCHEME
    return NetworkLatexPrinter(scheme or NO_SCHEME).doprint(sp.sympify(expr))


# How much maths a displayed line holds, in characters of its text rendering
# (scripts count less: they are set small).  An 11pt line 17 cm wide holds
# about 85; a part is broken between its terms well before that.
LINE = 74
BREAK_AT = 62   # a part this wide on its own is broken (kept for callers)
NOTE_INLINE = 44   # a note this long or shorter sits beside its equation


PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{lmodern}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{array}
\usepackage{booktabs}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5em}
\setlength{\emergencystretch}{3em}
\sloppy
"""

# Chinese: XeLaTeX with ctex and the Fandol fonts of Debian's texlive-lang-chinese
# (nothing outside the package list); scheme=plain keeps the headings as in English.
PREAMBLE_ZH = PREAMBLE.replace("\\usepackage[T1]{fontenc}\n\\usepackage[utf8]{inputenc}\n",
                               "\\usepackage[fontset=fandol,scheme=plain]{ctex}\n")

# Section commands by depth: a derivation's sections are subsections of its
# title; a handout passes its own (numbered sections at the top).
LEVELS = ("subsection*", "subsubsection*", "paragraph*")

# Code listings are ASCII: pdflatex's verbatim and listings cannot set UTF-8.
_ASCII = {"δ": "delta", "Δ": "Delta", "ŷ": "yhat", "Ŷ": "Yhat", "∂": "d", "⊙": "*", "×": "x", "·": "*",
          "→": "->", "←": "<-", "≤": "<=", "≥": ">=", "σ": "sigma", "Σ": "sum", "—": "--",
          "–": "-", "′": "'", "−": "-", "ℓ": "l", "α": "alpha", "λ": "lambda", "≈": "~", "η": "eta",
          "θ": "theta", "μ": "mu", "γ": "gamma", "β": "beta", "ε": "eps", "…": "..."}


def ascii_code(code: str, env: str) -> str:
    """A code listing made safe for ``env``: ASCII only, and a literal end of
    the environment cannot close it early."""
    out = "".join(_ASCII.get(c, c if ord(c) < 128 else "?") for c in code)
    out = out.replace("\t", "    ").replace("\\end{%s}" % env, "\\end {%s}" % env)
    return out.rstrip() + "\n"


def latex_width(tex_: str) -> float:
    """About how wide LaTeX maths sets, in widths of an average letter: a
    fraction is as wide as its wider half, scripts are set small, a command
    is one symbol.  Good enough to decide where a long line breaks."""
    return _Width(tex_).run()


_SPACES = {",": 0.3, ";": 0.5, ":": 0.4, "!": 0.0, "quad": 2.0, "qquad": 4.0, " ": 0.3}
_WIDE_OPS = {"cdot": 2.0, "times": 2.8, "odot": 2.8, "to": 3.2, "leftarrow": 3.2, "sum": 1.9,
             "le": 2.8, "ge": 2.8, "leq": 2.8, "geq": 2.8, "ne": 2.8, "approx": 2.8, "in": 2.4,
             "mid": 1.0, "circ": 1.0, "top": 1.2}
_ZERO = {"left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big", "displaystyle", "limits",
         "small", "footnotesize", "scriptstyle", "mathbf", "mathrm", "operatorname", "boldsymbol",
         "mathit", "hat", "bar", "tilde", "overline", "textstyle", "mathbb", "begin", "end"}
_NAMED = {"log", "exp", "sin", "cos", "tanh", "sinh", "cosh", "max", "min", "erf", "for", "otherwise"}


class _Width:
    def __init__(self, text):
        self.s, self.i = text, 0

    def run(self, scale=1.0, stop=None) -> float:
        total = 0.0
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == stop:
                self.i += 1
                return total
            self.i += 1
            if c == "{":
                total += self.run(scale, "}")
            elif c in "^_":
                # a superscript and a subscript stack: the wider one counts
                width = self._group(scale * 0.8)
                if self.i < len(self.s) and self.s[self.i] in "^_" and self.s[self.i] != c:
                    self.i += 1
                    width = max(width, self._group(scale * 0.8))
                total += width
            elif c == "\\":
                total += self._command(scale)
            elif c in " &\n":
                continue
            elif c in "+-=<>":
                total += 2.8 * scale
            elif c in "()[]|,":
                total += 0.8 * scale
            else:
                total += scale
        return total

    def _group(self, scale) -> float:
        if self.i < len(self.s) and self.s[self.i] == "{":
            self.i += 1
            return self.run(scale, "}")
        if self.i < len(self.s) and self.s[self.i] == "\\":
            self.i += 1
            return self._command(scale)
        self.i += 1
        return scale

    def _command(self, scale) -> float:
        j = self.i
        while j < len(self.s) and self.s[j].isalpha():
            j += 1
        name = self.s[self.i:j] or self.s[self.i:self.i + 1]
        self.i = j if j > self.i else self.i + 1
        if name in ("frac", "dfrac", "tfrac"):
            top, bottom = self._group(scale), self._group(scale)
            return max(top, bottom) + 0.4 * scale
        if name == "text":
            return self._group(scale) * 0.9
        if name in _SPACES:
            return _SPACES[name] * scale
        if name in _WIDE_OPS:
            return _WIDE_OPS[name] * scale
        if name in _NAMED:
            return len(name) * scale
        if name in _ZERO:
            return 0.0
        return scale


def _is_value(cell) -> bool:
    return type(cell).__name__ == "Value"


def _free_corner(plot) -> str:
    """The corner the legend hides the fewest points in (a descent path ends
    in the bottom middle, a loss curve falls to the bottom right)."""
    points = [p for series in plot.series for p in series.points]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    if not points or max(xs) == min(xs) or max(ys) == min(ys):
        return "north east"
    def hidden(right: bool, top: bool) -> int:
        return sum(1 for x, y in points
                   if ((x - min(xs)) / (max(xs) - min(xs)) > 0.55) == right
                   and ((y - min(ys)) / (max(ys) - min(ys)) > 0.6) == top)
    corners = [("north east", True, True), ("north west", False, True),
               ("south east", True, False), ("south west", False, False)]
    return min(corners, key=lambda c: hidden(c[1], c[2]))[0]   # ties: the first, north east


def _whole_ticks(plot) -> str:
    """A tick every 1, 2, 5, 10, ... steps, so that no tick reads 0.5 steps."""
    if not plot.whole_x:
        return ""
    top = max((x for series in plot.series for x, _ in series.points), default=1)
    step = next(d * 10 ** e for e in range(9) for d in (1, 2, 5) if top / (d * 10 ** e) <= 8)
    return f", xtick distance={step}"


AND_ROW = 3       # terms of a long conjunction per row
WRAP_MIN = 12      # characters: a prose column narrower than this is never wrapped
LONG_TABLE = 32   # rows beyond which a table is set small
WIDE_TABLE = 96   # estimated characters beyond which a table is set small (1.2 times: smaller still)


class LatexPrinter(Printer):
    def __init__(self, names=None, levels: tuple = LEVELS, code_env: str = "verbatim"):
        super().__init__(names)
        self._tex = NetworkLatexPrinter(self.names)
        self.levels = levels
        self.code_env = code_env

    def expr(self, e) -> str:
        if isinstance(e, str):
            return r"\text{%s}" % escape(e, ENGINE.get())
        if _is_value(e):   # a number standing alone needs no brackets
            return latex_number(e.value)
        return self._tex.doprint(sp.sympify(e))

    def number(self, value) -> str:
        return latex_number(value)

    def cell(self, value) -> str:
        if isinstance(value, str):
            return prose(value)
        return f"${super().cell(value)}$"

    def doprint(self, d) -> str:
        chinese = needs_xelatex(d)
        token = ENGINE.set("xelatex" if chinese else "pdflatex")
        try:
            body = self._print(d)
        finally:
            ENGINE.reset(token)
        return (PREAMBLE_ZH if chinese else PREAMBLE) + "\\begin{document}\n" + body + "\\end{document}\n"

    def doprint_fragment(self, node) -> str:
        return self._print(node)

    def _width(self, e) -> float:
        if isinstance(e, str):
            return len(e)
        return latex_width(self.expr(e))

    # -- the document -----------------------------------------------------------
    def _print_document(self, d):
        return f"\\section*{{{literal(d.title)}}}\n\n" + self._body(d.body) + "\n"

    def _heading(self, title: str) -> str:
        level = self.levels[min(self._depth, len(self.levels) - 1)]
        return f"\\{level}{{{prose(title)}}}\n"

    def _math_run(self, run: list) -> str:
        return self._print(run[0]) if len(run) == 1 else self._print_Equations(_Group(run))

    def _print_Section(self, s):
        return self._heading(s.title) + self._nested(s.body) + "\n"

    def _print_Text(self, t):
        return "\n\n".join(prose(p) for p in t.text.split("\n")) + "\n"

    def _print_Para(self, p):
        out = []
        for part in p.parts:
            if isinstance(part, Literal):
                out.append(literal(part))
            elif isinstance(part, str):
                out.append(prose(part))
            else:
                out.append("$" + self.expr(part) + "$")
        return "".join(out) + "\n"

    def _print_Items(self, items):
        body = "\n".join(r"\item " + self._print(i).strip() for i in items.items)
        return "\\begin{itemize}\n" + body + "\n\\end{itemize}\n"

    def _print_Box(self, box):
        inner = self._body(box.body)
        return ("\\par\\medskip\\noindent\\fbox{\\begin{minipage}{\\dimexpr\\linewidth-2\\fboxsep-2\\fboxrule\\relax}\n"
                "\\setlength{\\parskip}{0.4em}\\textbf{%s}\\par\n%s\\end{minipage}}\\par\\medskip\n"
                % (prose(box.title), inner))

    def _print_Exercise(self, e):
        out = self._heading(e.title) + self._body(e.question)
        if e.answer is None:
            return out + "\\par\\vspace*{%.1fcm}\n" % e.space
        label = r"\textbf{%s}\ " % prose(e.label) if e.label else ""
        return out + "\\par\\smallskip\\noindent " + label + self._body(e.answer) + \
            "\\par\\medskip\n"

    def _print_Plot(self, plot):
        """pgfplots: each series from its computed points, printed to 6 digits."""
        styles = ["blue", "red", "black!60", "green!50!black"]
        lines = [r"\begin{center}", r"\begin{tikzpicture}",
                 r"\begin{axis}[width=0.7\linewidth, height=5.5cm, xlabel={%s}, ylabel={%s}, "
                 r"legend pos=%s, legend cell align=left, legend style={font=\footnotesize, fill opacity=0.8, text opacity=1}, "
                 r"tick label style={font=\small}, "
                 r"scaled ticks=false%s]" % (prose(plot.xlabel), prose(plot.ylabel), _free_corner(plot),
                                             _whole_ticks(plot))]
        for i, series in enumerate(plot.series):
            color = styles[i % len(styles)]
            style = f"{color}, mark=*, mark size=1.5pt" if series.marks else f"{color}, no marks, thick"
            if series.marks and not series.line:
                style = f"{color}, only marks, mark=*, mark size=2pt"
            points = " ".join(f"({x:.6g},{y:.6g})" for x, y in series.points)
            lines += [r"\addplot[%s] coordinates {%s};" % (style, points),
                      r"\addlegendentry{%s}" % prose(series.label)]
        lines += [r"\end{axis}", r"\end{tikzpicture}", r"\end{center}"]
        if plot.caption:
            lines.append(prose(plot.caption) + "\n")
        return "\n".join(lines) + "\n"

    def _print_Diagram(self, d):
        return tikz_diagram(d, lambda e: "$" + self.expr(e) + "$", prose)

    def _print_Code(self, c):
        env = self.code_env
        return f"\\begin{{{env}}}\n" + ascii_code(c.text, env) + f"\\end{{{env}}}\n"

    def _print_Math(self, m):
        lhs = self._width(m.parts[0]) if m.parts[0] != "" else 0
        return "\\begin{align*}\n" + self._lines(m, lhs) + "\n\\end{align*}\n"

    def _print_Equations(self, eq):
        lhs = max((self._width(m.parts[0]) for m in eq.lines if m.parts[0] != ""), default=0)
        return "\\begin{align*}\n" + " \\\\\n".join(self._lines(m, lhs) for m in eq.lines) + "\n\\end{align*}\n"

    def _lines(self, m, lhs_width: float = 0) -> str:
        """One chain as align* rows: the first part left of &=, each later part
        on its own row, long sums and products broken between their terms."""
        rows, first = [], True
        lhs = self.expr(m.parts[0]) if m.parts[0] != "" else ""
        budget = max(28, LINE - lhs_width - (7 if m.label else 0))
        for part in m.parts[1:]:
            pieces = self._broken(part, budget)
            for i, piece in enumerate(pieces):
                lead = (lhs if first else "") + (" &= " if i == 0 else r" &\quad {} ")
                rows.append(lead + piece)
                first = False
        if not rows:
            rows = ["&" + lhs]
        tag = f" \\tag*{{({escape(m.label)})}}" if m.label else ""
        rows[0] += tag
        out = " \\\\\n".join("  " + r for r in rows)
        if m.note:
            last = self._width(m.parts[-1]) if len(m.parts) > 1 else 0
            if len(m.note) <= NOTE_INLINE and len(rows) == 1 and last + len(m.note) + 4 < budget:
                out += r" \qquad \text{\small %s}" % prose(m.note)
            elif len(m.note) <= NOTE_INLINE:
                out += " \\\\\n" + r"  &\quad \text{\small %s}" % prose(m.note)
            else:   # a long note is prose: it wraps at the line's width
                out += " \\\\\n" + r"  \intertext{\small %s}" % prose(m.note)
        return out

    def _broken(self, part, budget: float = BREAK_AT) -> list[str]:
        """A part as one or more rows of LaTeX, broken between the terms of
        its sums and the factors of its products (inside brackets too) when
        it is wider than ``budget``."""
        if isinstance(part, str) or self._width(part) <= budget:
            return [self.expr(part)]
        rows, current, width = [], "", 0.0
        for joiner, tex_, w in self._atoms(part, budget):
            if current and width + w > budget:
                rows.append(current)
                current, width = "", 0.0
            if current:
                current += joiner + tex_
            else:
                current = (joiner.strip() + " " if joiner.strip() else "") + tex_
            width += w
        rows.append(current)
        return rows

    def _atoms(self, e, budget) -> list[tuple[str, str, float]]:
        """(joiner, LaTeX, width) pieces of ``e``: the places a line may break
        are between pieces, and each piece's joiner (+, -, \\cdot) leads it."""
        w = self._width(e)
        if w <= budget / 2 or not isinstance(e, (sp.Add, sp.Mul, sp.Sum)):
            return [("", self.expr(e), w)]
        if isinstance(e, sp.Sum):   # a long index sum: the sign and limits, then its body broken
            hole = sp.Symbol("BODYHOLE")
            head = self.expr(sp.Sum(hole, *e.limits)).replace(self.expr(hole), "").rstrip()
            sub = _fold(self._atoms(e.function, budget))
            if isinstance(e.function, sp.Add) and len(sub) > 1:
                sub[0] = (sub[0][0], r"\bigl(" + sub[0][1], sub[0][2] + 1)
                sub[-1] = (sub[-1][0], sub[-1][1] + r"\bigr)", sub[-1][2] + 1)
            sub[0] = (sub[0][0], head + " " + sub[0][1], sub[0][2] + 3)
            return sub
        out = []
        if isinstance(e, sp.Add):
            terms = sorted(e.args, key=lambda t: t.could_extract_minus_sign())
            for i, term in enumerate(terms):
                negative = term.could_extract_minus_sign()
                sub = _fold(self._atoms(-term if negative else term, budget))
                sign = " - " if negative else (" + " if i else "")
                sub[0] = (sign, sub[0][1], sub[0][2] + 2)
                out += sub
            return out
        factors = list(e.args)
        below = [f for f in factors if isinstance(f, sp.Pow) and f.exp == -1 and isinstance(f.base, sp.Add)]
        if below:   # a fraction too wide to stack: numerator / (long denominator), broken inside
            above = [f for f in factors if f not in below]
            out = self._atoms(sp.Mul(*above, evaluate=False), budget) if above else [("", "1", 1.0)]
            for d in below:
                sub = _fold(self._atoms(d.base, budget))
                sub[0] = (r" \big/ ", r"\bigl(" + sub[0][1], sub[0][2] + 2)
                sub[-1] = (sub[-1][0], sub[-1][1] + r"\bigr)", sub[-1][2] + 1)
                out += sub
            return out
        sign = ""
        if factors and factors[0] == -1:
            sign, factors = "-", factors[1:]
        for i, f in enumerate(factors):
            if isinstance(f, sp.Add):
                sub = _fold(self._atoms(f, budget))
                if len(sub) == 1:
                    sub = [("", r"\left(%s\right)" % sub[0][1], sub[0][2] + 2)]
                else:
                    sub[0] = ("", r"\bigl(" + sub[0][1], sub[0][2] + 1)
                    sub[-1] = (sub[-1][0], sub[-1][1] + r"\bigr)", sub[-1][2] + 1)
            elif isinstance(f, (sp.Mul, sp.Sum)) and len(factors) > 1:
                sub = _fold(self._atoms(f, budget))
            else:
                sub = [("", self._factor(f), self._width(f))]
            sub[0] = (r" \cdot " if i else "", sub[0][1], sub[0][2] + (1 if i else 0))
            out += sub
        if sign:
            out[0] = (out[0][0], "-" + out[0][1], out[0][2] + 1)
        return out

    def _factor(self, f) -> str:
        """One factor of a product printed alone, bracketed where a product needs it."""
        text = self.expr(f)
        if isinstance(f, (sp.Add, sp.Piecewise)) or (f.is_Number and f < 0):
            return r"\left(%s\right)" % text
        return text

    def _print_Table(self, t):
        ncol = len(t.header)
        numeric = [any(_is_value(row[i]) for row in t.rows) and
                   all(_is_value(row[i]) or row[i] == "" for row in t.rows) for i in range(ncol)]
        widths = [max([len(str(h)) for h in [t.header[i]]] +
                      [self._cell_width(row[i]) for row in t.rows]) for i in range(ncol)]
        wrap = None
        if sum(widths) + 3 * ncol > 88:   # the widest prose column wraps
            # a column of prose worth wrapping: a short one (a descent's step numbers) would
            # take a quarter of the line and leave the numbers to run off it
            prose_cols = [i for i in range(ncol) if not numeric[i] and widths[i] > WRAP_MIN and
                          all(isinstance(row[i], str) for row in t.rows)]
            if prose_cols:
                wrap = max(prose_cols, key=lambda i: widths[i])
                rest = sum(w for i, w in enumerate(widths) if i != wrap) + 3 * ncol
                fraction = max(0.25, min(0.7, (88 - rest) / 88))
        spec = []
        for i in range(ncol):
            if numeric[i]:
                spec.append("r@{}l")
            elif i == wrap:
                spec.append(r">{\raggedright\arraybackslash}p{%.2f\linewidth}" % fraction)
            else:
                spec.append("l")
        head = " & ".join(r"\multicolumn{2}{c}{%s}" % prose(h) if numeric[i] else prose(h)
                          for i, h in enumerate(t.header)) + r" \\"
        body = []
        for row in t.rows:
            cells = []
            for i, c in enumerate(row):
                if numeric[i]:
                    cells.append(self._aligned(c))
                else:
                    cells.append(self.cell(c))
            body.append(" & ".join(cells) + r" \\")
        table = ("\\begin{center}\n\\begin{tabular}{%s}\n\\toprule\n%s\n\\midrule\n%s\n"
                 "\\bottomrule\n\\end{tabular}\n\\end{center}\n" % ("".join(spec), head, "\n".join(body)))
        # a long table of indexed names (z with three indices) is taller than
        # a page at the body's size; a wide one of numbers (an optimizer's
        # state in scientific notation) wider than the line
        wide = wrap is None and sum(widths) + 3 * ncol
        if len(t.rows) > LONG_TABLE or wide > WIDE_TABLE:
            size, sep = ("footnotesize", 3) if wide > 1.2 * WIDE_TABLE else ("small", 4)
            return "{\\%s\\setlength{\\tabcolsep}{%dpt}\n" % (size, sep) + table + "}\n"
        return table

    def _cell_width(self, c) -> float:
        if isinstance(c, str):
            return len(c)
        if _is_value(c):
            n = fmt(c.args[0])
            return len(n.mantissa) + (5 + len(str(n.exponent)) if n.exponent is not None else 0)   # × 10^e
        return self._width(c)

    def _aligned(self, c) -> str:
        """A number in two cells split at the decimal point, so a column of
        numbers lines up on it."""
        if isinstance(c, str):
            return " & "
        text = latex_number(c.args[0])
        mantissa, _, exponent = text.partition(r" \times ")
        whole, dot, frac = mantissa.partition(".")
        rest = (dot + frac) + (r" \times " + exponent if exponent else "")
        return f"${whole}$ & " + (f"${rest}$" if rest else "")

    # -- MathJax (Jupyter) ------------------------------------------------------------
    def mathjax_chain(self, m) -> str:
        """A Math node as one line of TeX for MathJax: its parts joined by =,
        its label and note as text after them."""
        parts = [self.expr(p) for p in m.parts if not (isinstance(p, str) and p == "")]
        tag = r"\quad\text{(%s)}" % mathjax_text(m.label) if m.label else ""
        note = r"\quad\text{%s}" % mathjax_text(m.note) if m.note else ""
        return " = ".join(parts) + tag + note

    def doprint_mathjax(self, d) -> str:
        """Pieces MathJax renders with its default configuration: one display
        block per equation or table, prose as Markdown-safe text between them."""
        return "\n\n".join(self._mathjax_pieces(d))

    def _mathjax_pieces(self, node) -> list[str]:
        out = []
        if hasattr(node, "title") and hasattr(node, "body"):
            out.append(r"$\textbf{%s}$" % mathjax_text(node.title))
            for child in node.body:
                out += self._mathjax_pieces(child)
        elif hasattr(node, "lines"):
            for m in node.lines:
                out += self._mathjax_pieces(m)
        elif type(node).__name__ == "Para":
            out.append("$" + "".join(r"\text{%s}" % mathjax_text(p) if isinstance(p, str) else self.expr(p)
                                     for p in node.parts) + "$")
        elif type(node).__name__ == "Items":
            for item in node.items:
                out += self._mathjax_pieces(item)
        elif type(node).__name__ == "Exercise":
            out.append(r"$\textbf{%s}$" % mathjax_text(node.title))
            for child in node.question + (node.answer or []):
                out += self._mathjax_pieces(child)
        elif hasattr(node, "parts"):
            out.append("$$" + self.mathjax_chain(node) + "$$")
        elif hasattr(node, "text") and not hasattr(node, "language"):
            out += [r"$\text{%s}$" % mathjax_text(p) for p in node.text.split("\n") if p]
        elif hasattr(node, "rows"):
            cols = "l" * len(node.header)
            head = " & ".join(r"\text{%s}" % mathjax_text(h) for h in node.header)
            body = r" \\ ".join(" & ".join(Printer.cell(self, c) if not isinstance(c, str)
                                          else r"\text{%s}" % mathjax_text(c) for c in row)
                                for row in node.rows)
            out.append(r"$$\begin{array}{%s} %s \\ \hline %s \end{array}$$" % (cols, head, body))
        return out


def mathjax_text(text: str) -> str:
    """Prose inside \\text{} for MathJax: braces and backslashes made safe."""
    return "".join({"\\": "/", "{": "(", "}": ")", "$": "", "#": "", "%": "", "&": "and", "_": " "}.get(c, c)
                   for c in str(text))


def _numeric(e) -> bool:
    return getattr(e, "is_Number", False) or type(e).__name__ == "Value"


def _has_subscript(tex: str) -> bool:
    """Whether ``tex`` carries a subscript at its top level (outside braces)."""
    depth = 0
    for c in tex:
        depth += {"{": 1, "}": -1}.get(c, 0)
        if c == "_" and depth == 0:
            return True
    return False


def _fold(atoms: list) -> list:
    """Pieces whose first joiner (a sign) is moved into its text, so that the
    pieces can be bracketed or joined by an outer operator."""
    joiner, text, width = atoms[0]
    if joiner.strip():
        atoms[0] = ("", joiner.strip() + " " + text, width)
    else:
        atoms[0] = ("", text, width)
    return atoms


class _Group:
    """Displayed equations printed as one block (see LatexPrinter._body)."""

    def __init__(self, lines):
        self.lines = lines
