"""MathML: SymPy's presentation printer in the network's notation.

``NetworkMathMLPrinter`` is ``sympy.printing.mathml.MathMLPresentationPrinter``
with the same additions the LaTeX printer makes: plain names print through
the network's naming scheme (w1_2_1 as w with (1) above and 21 below,
exactly the LaTeX printer's w^{(1)}_{21}), the model's atoms (Notation,
Value, Partial, Shape, Operation, Upstream, PlusEquals) print as the
LaTeX printer prints them, products keep the order they were built in and
sums put their positive terms first.

The scheme's and the Notation atoms' LaTeX is read by ``tex_mathml``, a
reader for the small part of LaTeX they use (scripts, \\frac, \\hat,
Greek letters, \\sum, \\mathrm, \\text, brackets, spaces), so that each
name is written once, in ``derive.names``, and not again here.
"""
from __future__ import annotations

import re
from xml.dom.minidom import Document

import sympy as sp
from sympy.printing.mathml import MathMLPresentationPrinter
from sympy.printing.precedence import PRECEDENCE, precedence_traditional

from ..format import fmt
from .unicode_math import GREEK, to_latex

# ------------------------------------------------------ LaTeX -> MathML --

_LETTERS = {cmd.lstrip("\\"): ch for ch, cmd in GREEK.items() if ch not in "Σ∂"}
_LETTERS.update({"varepsilon": "ε", "epsilon": "ϵ", "varphi": "φ", "phi": "ϕ", "ell": "ℓ", "partial": "∂",
                 "top": "⊤", "infty": "∞", "omega": "ω", "rho": "ρ", "tau": "τ", "nu": "ν", "xi": "ξ",
                 "kappa": "κ", "psi": "ψ", "chi": "χ", "Gamma": "Γ", "Lambda": "Λ", "Theta": "Θ",
                 "Omega": "Ω", "Psi": "Ψ", "Pi": "Π", "Sigma": "Σ"})
_OPERATORS = {"cdot": "·", "times": "×", "odot": "⊙", "to": "→", "leftarrow": "←", "rightarrow": "→",
              "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "approx": "≈", "in": "∈",
              "mid": "∣", "circ": "∘", "pm": "±", "dots": "…", "ldots": "…", "cdots": "⋯", "vdots": "⋮",
              "surd": "√", "sum": "∑", "prod": "∏", "mathrel": "", "{": "{", "}": "}", "|": "‖",
              "lbrace": "{", "rbrace": "}", "langle": "⟨", "rangle": "⟩"}
_SPACES = {",": "0.167em", ";": "0.278em", ":": "0.222em", " ": "0.25em", "quad": "1em", "qquad": "2em",
           "!": "0em"}
_SIZES = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
          "displaystyle", "textstyle", "scriptstyle", "limits", "small", "footnotesize", "allowbreak"}
_ACCENTS = {"hat": "^", "bar": "‾", "tilde": "~", "overline": "‾", "vec": "→", "dot": "˙"}
_NAMED = {"log", "exp", "sin", "cos", "tanh", "sinh", "cosh", "max", "min", "erf", "ln", "arg"}
_TOKEN = re.compile(r"\\([A-Za-z]+|.)|(\d+(?:\.\d+)?)|(\s+)|(.)", re.S)


class TexReader:
    """LaTeX maths (the subset the scheme and the Notation atoms use) -> MathML
    elements of ``dom``.  An unknown command prints as its name, never fails."""

    def __init__(self, dom: Document):
        self.dom = dom

    def read(self, tex: str):
        self.tokens = [m for m in _TOKEN.finditer(tex) if not m.group(3)]
        self.i = 0
        return self._row(self._sequence(None))

    # elements
    def el(self, tag, *children, text=None, **attrs):
        e = self.dom.createElement(tag)
        for k, v in attrs.items():
            e.setAttribute(k.rstrip("_").replace("_", "-"), v)
        if text is not None:
            e.appendChild(self.dom.createTextNode(text))
        for c in children:
            e.appendChild(c)
        return e

    def _row(self, items):
        return items[0] if len(items) == 1 else self.el("mrow", *items)

    # parsing
    def _peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _sequence(self, stop):
        items = []
        while True:
            tok = self._peek()
            if tok is None:
                break
            if tok.group(4) == stop and stop is not None:
                self.i += 1
                break
            atom = self._atom()
            if atom is None:
                continue
            items.append(self._scripts(atom))
        return items or [self.el("mrow")]

    def _scripts(self, base):
        sub = sup = None
        while True:
            tok = self._peek()
            if tok is None or tok.group(4) not in ("^", "_"):
                break
            self.i += 1
            arg = self._argument()
            if tok.group(4) == "^":
                if sup is not None:   # a second superscript: stack on what is there
                    base = self._attach(base, sub, sup)
                    sub = None
                sup = arg
            else:
                if sub is not None:
                    base = self._attach(base, sub, sup)
                    sup = None
                sub = arg
        return self._attach(base, sub, sup)

    def _attach(self, base, sub, sup):
        big = base.tagName == "mo" and base.firstChild is not None and base.firstChild.data in "∑∏"
        if sub is not None and sup is not None:
            return self.el("munderover" if big else "msubsup", base, sub, sup)
        if sub is not None:
            return self.el("munder" if big else "msub", base, sub)
        if sup is not None:
            return self.el("mover" if big else "msup", base, sup)
        return base

    def _argument(self):
        """One argument: a braced group, one command or one character."""
        tok = self._peek()
        if tok is None:
            return self.el("mrow")
        if tok.group(4) == "{":
            self.i += 1
            return self._row(self._sequence("}"))
        if tok.group(2):   # a number as an argument is its first digit (x^23 is x^2 3); the names use braces
            self.i += 1
            digits = tok.group(2)
            if len(digits) > 1:
                self.tokens.insert(self.i, _Fake(digits[1:], 2))
            return self.el("mn", text=digits[0])
        return self._atom() or self.el("mrow")

    def _raw_group(self) -> str:
        """The text of a braced group, taken literally (\\text, \\mathrm)."""
        tok = self._peek()
        if tok is None or tok.group(4) != "{":
            return self._argument_text()
        self.i += 1
        depth, out = 1, []
        while self.i < len(self.tokens):
            tok = self.tokens[self.i]
            self.i += 1
            ch = tok.group(4)
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    break
            out.append(tok.group(0))
        return "".join(out).replace("\\_", "_").replace("\\", "")

    def _argument_text(self) -> str:
        tok = self._peek()
        if tok is None:
            return ""
        self.i += 1
        return tok.group(1) or tok.group(0)

    def _atom(self):
        tok = self._peek()
        self.i += 1
        if tok.group(2):
            return self.el("mn", text=tok.group(2))
        ch = tok.group(4)
        if ch is not None:
            if ch == "{":
                return self._row(self._sequence("}"))
            if ch == "}":
                return None
            if ch.isalpha():
                return self.el("mi", text=ch)
            if ch == "'":
                return self.el("mo", text="′")
            if ch == "~":
                return self.el("mspace", width="0.25em")
            if ch == "&":
                return None
            return self.el("mo", text={"-": "−"}.get(ch, ch), **({"stretchy": "false"} if ch in "()[]|" else {}))
        name = tok.group(1)
        if name in _SIZES:
            return None
        if name in _SPACES:
            return self.el("mspace", width=_SPACES[name])
        if name in _LETTERS:   # capitals upright, as TeX sets them
            upright = {"mathvariant": "normal"} if _LETTERS[name].isupper() else {}
            return self.el("mi", text=_LETTERS[name], **upright)
        if name in ("sum", "prod"):
            return self.el("mo", text=_OPERATORS[name], largeop="true", movablelimits="true")
        if name in _OPERATORS:
            return self.el("mo", text=_OPERATORS[name]) if _OPERATORS[name] else None
        if name in ("frac", "dfrac", "tfrac"):
            top = self._argument()
            return self.el("mfrac", top, self._argument())
        if name == "sqrt":
            return self.el("msqrt", self._argument())
        if name in _ACCENTS:
            return self.el("mover", self._argument(), self.el("mo", text=_ACCENTS[name]), accent="true")
        if name in ("text", "textrm", "mbox"):
            return self.el("mtext", text=self._raw_group())
        if name in ("mathrm", "operatorname", "mathit"):
            return self.el("mi", text=self._raw_group(), **({"mathvariant": "normal"} if name != "mathit" else {}))
        if name in ("mathbf", "boldsymbol"):
            return self.el("mi", text=self._raw_group(), mathvariant="bold")
        if name in _NAMED:
            return self.el("mi", text=name)
        return self.el("mi", text=name)


class _Fake:
    """A token put back: the rest of a number after its first digit."""

    def __init__(self, text, group):
        self.text, self.g = text, group

    def group(self, n):
        return self.text if n in (0, self.g) else None


def tex_mathml(tex: str) -> str:
    """A piece of LaTeX maths as a MathML element (a string, no <math>)."""
    return TexReader(Document()).read(tex).toxml()


# ------------------------------------------------------------ the printer --

_SUPERSCRIPT = str.maketrans("0123456789-+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")


def slot_text(value, inner: bool = False) -> str:
    """A number as one piece of text: −0.4, 1.5×10⁻⁷, bracketed when negative
    inside an expression.  The explore page's script writes numbers exactly
    so (its ``text`` function), from the same formatter's rules."""
    n = fmt(value)
    text = n.mantissa.replace("-", "−") + ("" if n.exponent is None else "×10" + str(n.exponent).translate(_SUPERSCRIPT))
    return f"({text})" if inner and n.negative else text


def _numeric(e) -> bool:
    return getattr(e, "is_Number", False) or type(e).__name__ == "Value"


_BREAKS = ("+", "−", "·", "\u2062", "⊙")   # operators a line may break before


def _is_break(node) -> bool:
    return getattr(node, "tagName", None) == "mo" and node.firstChild is not None \
        and node.firstChild.data in _BREAKS


def _plain_bracket(node) -> bool:
    """(...) with brackets of a fixed size (a stretched pair cannot be cut)."""
    kids = node.childNodes if getattr(node, "tagName", None) == "mrow" else []
    return len(kids) == 3 and all(getattr(k, "tagName", None) == "mo" and k.getAttribute("stretchy") == "false"
                                  for k in (kids[0], kids[2]))


def _cut(node) -> list[list]:
    """A row's children cut before each operator between its items (not a
    leading sign): [[item], [op, item], ...]; a sum or call around a plain
    bracket, ∑ (a b c), cut inside the bracket, the '(' with the first piece
    and the ')' with the last; anything else is one piece."""
    kids = list(node.childNodes) if getattr(node, "tagName", None) == "mrow" else []
    if not any(_is_break(k) for k in kids[1:]):
        if len(kids) > 1 and _plain_bracket(kids[-1]):
            left, inner, right = kids[-1].childNodes
            pieces = _cut(inner)
            if len(pieces) > 1:
                pieces[0] = kids[:-1] + [left] + pieces[0]
                pieces[-1] = pieces[-1] + [right]
                return pieces
        return [[node]]
    out = [[]]
    for i, k in enumerate(kids):
        if i and _is_break(k) and out[-1]:
            out.append([])
        out[-1].append(k)
    return out


def _piece_xml(nodes) -> str:
    """One piece as MathML: a leading operator set as infix (its spaces kept
    in a <math> of its own), an invisible times dropped."""
    if len(nodes) > 1 and _is_break(nodes[0]):
        if nodes[0].firstChild.data == "\u2062":
            nodes = nodes[1:]
        else:
            nodes[0].setAttribute("form", "infix")
            nodes[0].setAttribute("rspace", "0.22em")
    return "".join(n.toxml() for n in nodes)


class NetworkMathMLPrinter(MathMLPresentationPrinter):
    """SymPy's MathML presentation printer in the network's notation."""

    def __init__(self, scheme, **settings):
        # order='none' keeps a chain-rule product in the order it was built.
        super().__init__({"order": "none", **settings})
        self.scheme = scheme
        self.slots = {}   # Value.of -> slot number, for a page that fills numbers in again

    def doprint(self, expr) -> str:
        self.dom = Document()
        self.reader = TexReader(self.dom)
        return self._print(sp.sympify(expr)).toxml()

    def pieces(self, expr) -> list[list[str]]:
        """The expression's MathML cut where a line may break (MathML Core
        does not break lines itself): its terms, and each term as its
        factors, [[factor, ...], ...].  The expression is printed once and
        only then cut, so every piece prints as in the whole; a piece after
        the first starts with its operator (+, −, ·, ⊙), the invisible times
        of a product written without dots is dropped."""
        self.dom = Document()
        self.reader = TexReader(self.dom)
        out = []
        for term in _cut(self._print(sp.sympify(expr))):
            factors = _cut(term[-1])
            if len(factors) > 1:
                factors[0] = term[:-1] + factors[0]
            else:
                factors = [term]
            out.append([_piece_xml(f) for f in factors])
        return out

    # -- helpers ----------------------------------------------------------------
    def el(self, tag, *children, text=None, **attrs):
        return TexReader.el(self, tag, *children, text=text, **attrs)

    def mo(self, text, **attrs):
        return self.el("mo", text=text, **attrs)

    def row(self, *items):
        return self.el("mrow", *items)

    def bracketed(self, inner, left="(", right=")"):
        """Brackets around ``inner``: stretching only around something tall
        (Chromium sets stretchy brackets apart from a short content)."""
        tall = any(inner.getElementsByTagName(tag) for tag in ("mfrac", "munder", "munderover", "mtable")) \
            or inner.tagName in ("mfrac", "munder", "munderover", "mtable")
        attrs = {} if tall else {"stretchy": "false"}
        return self.row(self.mo(left, **attrs), inner, self.mo(right, **attrs))

    def tex(self, tex_: str):
        return TexReader(self.dom).read(tex_)

    def _l_paren(self):
        return self.mo("(", stretchy="false")

    def _r_paren(self):
        return self.mo(")", stretchy="false")

    # -- names and atoms --------------------------------------------------------
    def _print_Symbol(self, s, style="plain"):
        name = self.scheme.latex(s.name)
        if name != s.name:
            return self.tex(name)
        if any(ord(c) > 127 for c in s.name):
            return self.tex(to_latex(s.name))
        if s.name in _LETTERS:   # alpha, eta ...
            return self.tex("\\" + s.name)
        return super()._print_Symbol(s, style)

    def _print_MatrixSymbol(self, m):
        if any(ord(c) > 127 for c in m.name):
            return self.tex(to_latex(m.name))
        return self._print_Symbol(m)

    def _print_Dummy(self, s):
        return self._print_Symbol(s)

    def _print_Notation(self, n):
        return self.tex(n.latex)

    def number(self, value):
        """A number: 0.4745, or 1.5 × 10⁻⁷ with the power as a superscript."""
        n = fmt(value)
        negative = n.mantissa.startswith("-")
        mant = self.el("mn", text=n.mantissa.lstrip("-"))
        body = mant if n.exponent is None else self.row(
            mant, self.mo("×"), self.el("msup", self.el("mn", text="10"), self.el("mn", text=str(n.exponent))))
        return self.row(self.mo("−"), body) if negative else body

    def _print_Value(self, v):
        inner = self._print_level > 1
        slot = self.slots.get(v.of) if v.of is not None else None
        if slot is not None:   # a number a page fills in again: one element, its text as the page writes it
            attrs = {"data-slot": str(slot), **({"data-inner": "1"} if inner else {})}
            return self.el("mn", text=slot_text(v.value, inner), **attrs)
        text = self.number(v.value)
        # bracketed only inside an expression: "= -0.25" on its own, "(-0.25) x" in a product
        if fmt(v.value).mantissa.startswith("-") and self._print_level > 1:
            return self.bracketed(text)
        return text

    def _print_Integer(self, e):
        return self.number(e) if e < 0 else self.el("mn", text=str(e))

    def _print_Float(self, e):
        return self.number(e)

    def _print_Rational(self, e):
        if e.q == 1:
            return self._print_Integer(sp.Integer(e.p))
        frac = self.el("mfrac", self.el("mn", text=str(abs(e.p))), self.el("mn", text=str(e.q)))
        return self.row(self.mo("−"), frac) if e.p < 0 else frac

    def _print_Half(self, e):
        return self._print_Rational(e)

    def _print_Exp1(self, e):
        return self.el("mi", text="e", mathvariant="normal")

    def _print_Pi(self, e):
        return self.el("mi", text="π")

    def _print_Partial(self, p):
        return self.el("mfrac", self.row(self.mo("∂", rspace="0"), self._print(p.num)),
                       self.row(self.mo("∂", rspace="0"), self._print(p.den)))

    def _print_Shape(self, s):
        items = []
        for i, d in enumerate(s.args):
            if i:
                items.append(self.mo("×"))
            items.append(self._print(d))
        return self.bracketed(self.row(*items))

    def _print_KroneckerDelta(self, e, exp=None):
        # Iverson brackets: the Greek delta is already the error term
        return self.bracketed(self.row(self._print(e.args[0]), self.mo("="), self._print(e.args[1])), "[", "]")

    def _print_Iverson(self, e):
        """[lo ≤ e ≤ hi], a side left out when it is open (as the LaTeX printer)."""
        items = [self._print(e.lo), self.mo("≤")] if e.lo is not None else []
        items.append(self._print(e.e))
        if e.hi is not None:
            items += [self.mo("≤"), self._print(e.hi)]
        return self.bracketed(self.row(*items), "[", "]")

    def _print_Infinity(self, e):
        return self.el("mi", text="∞")

    def _print_NegativeInfinity(self, e):
        return self.row(self.mo("−"), self.el("mi", text="∞"))

    def _print_OneMatrix(self, e):
        return self.el("mn", text="1", mathvariant="bold")

    def _print_Idx(self, e):
        return self._print(e.label)

    def _print_Str(self, s):
        return self.el("mi", text=s.name)

    # -- sums and products ------------------------------------------------------
    def _print_Add(self, expr, order=None):
        # Positive terms first: ŷ - y and 1 - a, as written by hand.
        terms = sorted(expr.args, key=lambda t: t.could_extract_minus_sign())
        items = [self._print(terms[0])]
        for t in terms[1:]:
            if t.could_extract_minus_sign():
                items += [self.mo("−"), self._print(-t)]
            else:
                items += [self.mo("+"), self._print(t)]
        return self.row(*items)

    def _print_Mul(self, expr):
        if not isinstance(expr, sp.Mul):
            return super()._print_Mul(expr)
        if expr.could_extract_minus_sign() and expr.args[0] == -1:
            rest = sp.Mul(*expr.args[1:], evaluate=False) if len(expr.args) > 2 else expr.args[1]
            return self.row(self.mo("−"), self._print(rest) if isinstance(rest, sp.Mul)
                            else self.parenthesize(rest, PRECEDENCE["Mul"]))
        args = list(expr.args)
        if not any(_numeric(a) for a in args[1:]):
            numer, denom = sp.fraction(expr, exact=True)
            if denom is not sp.S.One:
                return self.el("mfrac", self._print(numer), self._print(denom))
        ordered = any(_numeric(a) for a in args[1:])
        items = []
        for i, a in enumerate(args):
            if i:   # a number inside a product built in order gets a dot (1 · w), or it reads as 1w
                dot = ordered and (_numeric(a) or _numeric(args[i - 1]))
                items.append(self.mo("·") if dot else self.mo("\u2062"))
            items.append(self.parenthesize(a, PRECEDENCE["Mul"]))
        return self.row(*items)

    def _print_Pow(self, e):
        base, exp = e.base, e.exp
        if exp == -1 and not isinstance(base, sp.Pow):
            return self.el("mfrac", self.el("mn", text="1"), self._print(base))
        if base is sp.E:
            return self.el("msup", self._print_Exp1(None), self._print(exp))
        return super()._print_Pow(e)

    def _print_exp(self, e):
        return self.el("msup", self._print_Exp1(None), self._print(e.args[0]))

    def _print_Function(self, e):
        name = type(e).__name__
        names = {"sigmoid": "σ", "log": "log", "exp": "exp"}
        head = self.el("mi", text=names.get(name, name), **({"mathvariant": "normal"} if len(name) == 1 else {}))
        args = [self._print(a) for a in e.args]
        inner = []
        for i, a in enumerate(args):
            if i:
                inner.append(self.mo(","))
            inner.append(a)
        return self.row(head, self.mo("\u2061"), self.bracketed(self.row(*inner)))

    def _print_Sum(self, e):
        var = e.limits[0][0]
        head = self.el("munder", self.mo("∑", largeop="true", movablelimits="true"),
                       self.row(*[self._print(l[0]) for l in e.limits]) if len(e.limits) > 1 else self._print(var))
        return self.row(head, self.bracketed(self._print(e.function)))

    def _print_Product(self, e):
        (var, lo, hi), = e.limits
        head = self.el("munderover", self.mo("∏", largeop="true", movablelimits="true"),
                       self.row(self._print(var), self.mo("="), self._print(lo)), self._print(hi))
        return self.row(head, self.bracketed(self._print(e.function)))

    def _print_Piecewise(self, e):
        rows = []
        for value, cond in e.args:
            when = self.el("mtext", text="otherwise") if cond is sp.true else self._condition(cond)
            rows.append(self.el("mtr", self.el("mtd", self._print(value), columnalign="left"),
                                self.el("mtd", when, columnalign="left")))
        return self.row(self.mo("{"), self.el("mtable", *rows, columnalign="left"))

    def _condition(self, cond):
        """'if' and the condition; a condition of several parts one part a
        line ('if a ≥ b', 'and a ≥ c', ...: a max pool's would be wider than
        a phone on one line)."""
        parts = cond.args if isinstance(cond, sp.And) else (cond,)
        rows = [self.row(self.el("mtext", text=("and" if i else "if") + "\u00a0"), self._print(a))
                for i, a in enumerate(parts)]
        if len(rows) == 1:
            return rows[0]
        return self.el("mtable", *[self.el("mtr", self.el("mtd", r, columnalign="left")) for r in rows],
                       columnalign="left")

    def _print_Relational(self, e):
        op = {"==": "=", "<=": "≤", ">=": "≥", "!=": "≠", "<": "<", ">": ">"}.get(e.rel_op, e.rel_op)
        return self.row(self._print(e.lhs), self.mo(op), self._print(e.rhs))

    def _print_And(self, e):
        items = []
        for i, a in enumerate(e.args):
            if i:
                items.append(self.el("mtext", text="\u00a0and\u00a0"))
            items.append(self._print(a))
        return self.row(*items)

    def _print_Max(self, e):
        return self._call("max", e.args)

    def _print_Min(self, e):
        return self._call("min", e.args)

    def _print_Abs(self, e):
        return self.row(self.mo("|"), self._print(e.args[0]), self.mo("|"))

    def _print_ceiling(self, e):
        return self.row(self.mo("⌈"), self._print(e.args[0]), self.mo("⌉"))

    def _print_floor(self, e):
        return self.row(self.mo("⌊"), self._print(e.args[0]), self.mo("⌋"))

    def _call(self, name, args):
        inner = []
        for i, a in enumerate(args):
            if i:
                inner.append(self.mo(","))
            inner.append(self._print(a))
        return self.row(self.el("mi", text=name), self.mo("\u2061"), self.bracketed(self.row(*inner)))

    def _print_Indexed(self, e):
        # w^{(l)}_{j,k}: the indices under the layer's superscript
        base = self._print(e.base.label)
        idx = []
        for i, x in enumerate(e.indices):
            if i:
                idx.append(self.mo(","))
            idx.append(self._print(x))
        if base.tagName == "msup":   # w^{(l)} -> msubsup
            return self.el("msubsup", base.childNodes[0], self.row(*idx), base.childNodes[1])
        return self.el("msub", base, self.row(*idx))

    def _print_IndexedBase(self, e):
        return self._print(e.label)

    def _print_MatrixElement(self, e):
        return self.row(self.parenthesize(e.parent, PRECEDENCE["Atom"], strict=True),
                        self.bracketed(self.row(self._print(e.i), self.mo(","), self._print(e.j)), "[", "]"))

    def _print_Tuple(self, e):
        items = []
        for i, a in enumerate(e.args):
            if i:
                items.append(self.mo(","))
            items.append(self._print(a))
        return self.bracketed(self.row(*items))

    # -- matrix expressions (the delta view): terms keep the order built -------
    def _print_MatAdd(self, expr):
        items = [self._print(expr.args[0])]
        for term in expr.args[1:]:
            if term.could_extract_minus_sign():
                items += [self.mo("−"), self._print(-term)]
            else:
                items += [self.mo("+"), self._print(term)]
        return self.row(*items)

    def _print_MatMul(self, expr):
        args = list(expr.args)
        items = []
        if args and args[0] == -1:
            items.append(self.mo("−"))
            args = args[1:]
        for i, a in enumerate(args):
            if i:
                items.append(self.mo("\u2062"))
            several = isinstance(a, (sp.MatAdd, sp.HadamardProduct, sp.Add))
            items.append(self.bracketed(self._print(a)) if several else self._print(a))
        return self.row(*items)

    def _print_Transpose(self, expr):
        inner = self._print(expr.arg)
        if not isinstance(expr.arg, sp.MatrixSymbol):
            inner = self.bracketed(inner)
        return self.el("msup", inner, self.el("mi", text="⊤", mathvariant="normal"))

    def _print_HadamardProduct(self, expr):
        items = []
        for i, a in enumerate(expr.args):
            if i:
                items.append(self.mo("⊙"))
            several = isinstance(a, sp.MatMul) and sum(isinstance(f, sp.MatrixExpr) for f in a.args) > 1
            items.append(self.bracketed(self._print(a)) if isinstance(a, sp.MatAdd) or several else self._print(a))
        return self.row(*items)

    def _print_HadamardPower(self, expr):
        return self.el("msup", self.parenthesize(expr.base, PRECEDENCE["Pow"]),
                       self.row(self.mo("∘"), self._print(expr.exp)))

    # -- staged expressions (--expr): a gate as written, upstream · local, += --
    GATE_INFIX = {"add": "+", "sub": "−", "mul": "·"}
    FUNCTION_NAMES = {"sigmoid": "σ"}

    def _print_Operation(self, op):
        kind, inputs = op.kind, op.inputs
        args = [self._gate_input(x, kind) for x in inputs]
        if kind in self.GATE_INFIX:
            return self.row(args[0], self.mo(self.GATE_INFIX[kind]), args[1])
        if kind == "div":
            return self.el("mfrac", self._print(inputs[0]), self._print(inputs[1]))
        if kind == "neg":
            return self.row(self.mo("−"), args[0])
        if kind == "id":
            return args[0]
        if kind == "pow":
            return self._print(sp.Pow(*inputs, evaluate=False))
        if kind == "abs":
            return self.row(self.mo("|"), args[0], self.mo("|"))
        if kind == "exp":
            return self.el("msup", self._print_Exp1(None), self._print(inputs[0]))
        if kind == "sqrt":
            return self.el("msqrt", self._print(inputs[0]))
        return self._call(self.FUNCTION_NAMES.get(kind, kind), inputs)

    def _gate_input(self, x, kind):
        # a number beside an operator is bracketed when its sign or fraction bar could misread
        out = self._print(x)
        if x.is_Number and (x.is_negative or (not x.is_Integer and kind not in ("add", "sub", "id"))):
            return self.bracketed(out)
        return out

    def _print_Upstream(self, u):
        if u.local == 1:
            return self._print(u.upstream)
        if u.local == -1:
            return self.row(self.mo("−"), self._print(u.upstream))
        return self.row(self._print(u.upstream), self.mo("·"),
                        self.parenthesize(u.local, PRECEDENCE["Mul"], strict=True))

    def _print_PlusEquals(self, e):
        return self.row(self._print(e.args[0]), self.mo("+="), self._print(e.args[1]))

    def parenthesize(self, item, level, strict=False):
        prec = precedence_traditional(item)
        if type(item).__name__ == "Value":
            return self._print(item)   # a Value brackets itself when negative
        if prec < level or (not strict and prec <= level):
            return self.bracketed(self._print(item))
        return self._print(item)

    def emptyPrinter(self, expr):
        return self.el("mtext", text=str(expr))
