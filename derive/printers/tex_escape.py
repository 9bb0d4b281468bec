"""Text made safe for LaTeX: whatever a user types prints literally.

``escape(text, engine)`` is for every field: titles, TOML names, example
descriptions, prose.  It never ends a paragraph (line breaks become spaces),
never lets a command, a catcode trick or an unbalanced brace take effect, and
breaks the ligatures LaTeX would otherwise make of ``--``, ``,,``, ``<<``, ...

What survives depends on the engine.  pdflatex (T1 fonts, utf8 inputenc)
can set ASCII and the Latin letters and symbols in ``PDFLATEX_KEEPS``:
each of them compiles and comes back from ``pdftotext`` as itself (the test
suite checks every one).  XeLaTeX (a Chinese document) sets those too, and
every CJK character the Fandol fonts have (``fandol.py``), so Chinese text
survives.  Greek and the notation of the text views (δ, ∂, ŷ, ⁽¹⁾, ...)
become LaTeX maths on both.  What cannot be set becomes a visible '?';
control and format characters, which show nothing, are dropped.

``shown(text, engine)`` is what a reader then sees, for tests.
"""
from __future__ import annotations

import unicodedata

from . import fandol

ENGINES = ("pdflatex", "xelatex")
MISSING = "?"  # stands for a character the engine cannot set

# ASCII that LaTeX would read as markup, ligatures or curly quotes.
_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
            "#": r"\#", "%": r"\%", "^": r"\textasciicircum{}", "_": r"\_",
            "~": r"\textasciitilde{}", "'": r"\textquotesingle{}", "`": r"\textasciigrave{}",
            '"': r"\textquotedbl{}",
            # inside an optional argument a bare ] would end it
            "[": "{[}", "]": "{]}"}
# A pair of these is a ligature (-- is a dash, << is a guillemet, ,, a low
# quote); an empty group between them keeps both characters, in pdfTeX and
# in XeTeX's TeX mapping alike.
_LIGATURE_HALVES = "-,<>"

# Greek and notation: (LaTeX, what pdftotext reads back when that differs).
_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "varepsilon",
          "ϵ": "epsilon", "ζ": "zeta", "η": "eta", "θ": "theta", "ϑ": "vartheta",
          "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi",
          "π": "pi", "ϖ": "varpi", "ρ": "rho", "ϱ": "varrho", "σ": "sigma", "ς": "varsigma",
          "τ": "tau", "υ": "upsilon", "φ": "varphi", "ϕ": "phi", "χ": "chi", "ψ": "psi",
          "ω": "omega", "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Ξ": "Xi",
          "Π": "Pi", "Σ": "Sigma", "Υ": "Upsilon", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega"}
_NOTATION: dict[str, tuple[str, str | None]] = {
    **{g: (f"$\\{name}$", None) for g, name in _GREEK.items()},
    "Δ": (r"$\Delta$", "∆"), "∂": (r"$\partial$", None), "ŷ": (r"$\hat y$", None),
    "×": (r"$\times$", None), "→": (r"$\to$", None), "←": (r"$\leftarrow$", None),
    "·": (r"$\cdot$", None), "≤": (r"$\le$", None), "≥": (r"$\ge$", None),
    "≠": (r"$\ne$", "\u0338="), "⊙": (r"$\odot$", None), "ᵀ": (r"$^{\top}$", "⊤"),
    "ℓ": (r"$\ell$", None), "∞": (r"$\infty$", None), "≈": (r"$\approx$", None),
    "∇": (r"$\nabla$", None), "∈": (r"$\in$", None), "±": (r"$\pm$", None), "√": (r"$\surd$", None),
    "⋮": (r"$\vdots$", "..."), "…": (r"\dots{}", "..."),
    "—": (r"\textemdash{}", None), "–": (r"\textendash{}", None),
    "′": (r"\textquotesingle{}", "'"),
    # braced, so that a hyphen typed next to them cannot make a dash
    "−": ("{-}", "-"), "─": ("{-}", "-"), "═": ("=", "="),
}
_SUPERSCRIPT = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾⁻⁺ˡᴸ", "0123456789()-+lL"))
_SUBSCRIPT = dict(zip("₀₁₂₃₄₅₆₇₈₉ⱼₖᵢₗ₋₊", "0123456789jkil-+"))

# Line and paragraph separators: a field never ends a paragraph.
_BREAKS = set("\n\r\t\v\f\x1c\x1d\x1e\x1f\x85\u2028\u2029")

# Beyond ASCII, what pdflatex with T1 fonts and utf8 inputenc sets and
# pdftotext reads back unchanged (measured: t1/ts1/ot1/oms .dfu candidates,
# each compiled and extracted).  Letters such as ş (cedilla) are in;
# ș (comma below) compiles but comes back as "s,", so it is out.
_PDFLATEX_RANGES = (
    (0x00A1, 0x00AC), (0x00AE, 0x010F), (0x0111, 0x0121), (0x0124, 0x0125), (0x0128, 0x0128),
    (0x012A, 0x012A), (0x012C, 0x012C), (0x0130, 0x0134), (0x0139, 0x013A), (0x013D, 0x013E),
    (0x0141, 0x0144), (0x0147, 0x0148), (0x014A, 0x0155), (0x0158, 0x0165), (0x0168, 0x0171),
    (0x0174, 0x017E), (0x0192, 0x0192), (0x01C4, 0x01CF), (0x01D1, 0x01D4), (0x01E2, 0x01E3),
    (0x01E6, 0x01E9), (0x01F4, 0x01F5), (0x0232, 0x0233), (0x0237, 0x0237), (0x02C7, 0x02C7),
    (0x02D8, 0x02D9), (0x02DD, 0x02DD), (0x1E02, 0x1E03), (0x1E1E, 0x1E21), (0x1E30, 0x1E31),
    (0x1E45, 0x1E45), (0x1E8E, 0x1E8F), (0x1E91, 0x1E91), (0x1EF2, 0x1EF3), (0x2016, 0x2016),
    (0x2018, 0x201A), (0x201C, 0x201E), (0x2020, 0x2022), (0x2030, 0x2030), (0x2039, 0x203B),
    (0x203D, 0x203D), (0x2044, 0x2044), (0x20A1, 0x20A1), (0x20A4, 0x20A4), (0x20A9, 0x20A9),
    (0x20AB, 0x20AC), (0x2103, 0x2103), (0x2116, 0x2116), (0x2122, 0x2122), (0x212E, 0x212E),
    (0x2190, 0x2193), (0x2329, 0x232A), (0x2423, 0x2423), (0x25E6, 0x25E6), (0x266A, 0x266A),
    (0x3008, 0x3009), (0xFB00, 0xFB06))
PDFLATEX_KEEPS = frozenset(chr(c) for lo, hi in _PDFLATEX_RANGES for c in range(lo, hi + 1))


def _check(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"unknown TeX engine {engine!r}; expected one of {ENGINES}")


def _kind(c: str, engine: str) -> str:
    """How one character (not ASCII special, not notation) is printed:
    'keep', 'space', 'drop' or 'missing'."""
    if c in _BREAKS:
        return "space"
    cat = unicodedata.category(c)
    if cat in ("Cc", "Cf"):
        return "drop"
    if cat in ("Cs", "Co", "Cn"):
        return "missing"
    if cat[0] == "Z":
        return "space"
    if " " <= c <= "~":
        return "keep"
    if engine == "xelatex" and fandol.in_cjk_range(c):   # set by ctex in Fandol Song, where it has one
        return "keep" if fandol.has_glyph(c) else "missing"
    return "keep" if c in PDFLATEX_KEEPS else "missing"   # Latin Modern, with either engine


def _runs(text: str):
    """(kind, piece): super/subscript runs together, everything else alone."""
    i = 0
    while i < len(text):
        c = text[i]
        for table, kind in ((_SUPERSCRIPT, "sup"), (_SUBSCRIPT, "sub")):
            if c in table:
                j = i
                while j < len(text) and text[j] in table:
                    j += 1
                yield kind, text[i:j]
                i = j
                break
        else:
            yield "char", c
            i += 1


def escape(text, engine: str = "pdflatex") -> str:
    """``text`` as LaTeX that prints it literally, on one line."""
    _check(engine)
    out: list[str] = []
    previous = ""
    # NFC first, so that e + combining acute is the é that pdflatex can set.
    for kind, piece in _runs(unicodedata.normalize("NFC", str(text))):
        if kind == "sup":
            out.append(r"\textsuperscript{%s}" % "".join(_SUPERSCRIPT[c] for c in piece))
        elif kind == "sub":
            out.append(r"\textsubscript{%s}" % "".join(_SUBSCRIPT[c] for c in piece))
        elif piece in _SPECIAL:
            out.append(_SPECIAL[piece])
        elif piece in _NOTATION:
            out.append(_NOTATION[piece][0])
        else:
            how = _kind(piece, engine)
            if how == "keep":
                if piece in _LIGATURE_HALVES and previous == piece:
                    out.append("{}")
                out.append(piece)
            elif how == "space":
                out.append(" ")
            elif how == "missing":
                out.append(MISSING)
            piece = piece if how == "keep" else ""
        previous = piece if kind == "char" else ""
    return "".join(out)


def shown(text, engine: str = "pdflatex") -> str:
    """What a reader of the PDF sees of ``escape(text, engine)``, as
    pdftotext reads it back (before normalising whitespace and NFKC)."""
    _check(engine)
    out = []
    for kind, piece in _runs(unicodedata.normalize("NFC", str(text))):
        if kind == "sup":
            out.append("".join(_SUPERSCRIPT[c] for c in piece))
        elif kind == "sub":
            out.append("".join(_SUBSCRIPT[c] for c in piece))
        elif piece in _SPECIAL:
            out.append(piece)
        elif piece in _NOTATION:
            out.append(_NOTATION[piece][1] or piece)
        else:
            out.append({"keep": piece, "space": " ", "drop": "", "missing": MISSING}[_kind(piece, engine)])
    return "".join(out)
