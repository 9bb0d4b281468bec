"""Unicode notation -> LaTeX maths, by transliteration (no table of names).

The text views write notation in Unicode (w⁽¹⁾₂₁, δ, ∂J/∂ŷ, Δ⁽²⁾ᵀ); the LaTeX
printers turn a run of such notation into the same maths in LaTeX."""
from __future__ import annotations

import re

GREEK = {"α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
         "θ": r"\theta", "λ": r"\lambda", "μ": r"\mu", "σ": r"\sigma", "φ": r"\varphi", "Φ": r"\Phi",
         "Δ": r"\Delta", "Σ": r"\sum", "∂": r"\partial", "η": r"\eta", "π": r"\pi", "ℓ": r"\ell"}
SYMBOLS = {"×": r"\times ", "·": r"\cdot ", "⊙": r"\odot ", "→": r"\to ", "←": r"\leftarrow ",
           "≤": r"\le ", "≥": r"\ge ", "≠": r"\ne ", "≈": r"\approx ", "∈": r"\in ", "−": "-",
           "′": "'", "…": r"\dots ", "⋮": r"\vdots ", "∞": r"\infty ", "√": r"\surd ", "∑": r"\sum ",
           "±": r"\pm ", "⌈": r"\lceil ", "⌉": r"\rceil ", "⌊": r"\lfloor ", "⌋": r"\rfloor ", "‖": r"\| "}
SUP = {**dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾⁻⁺ˡᴸⁿᵏʲ˒ᶠ", "0123456789()-+lLnkj,f")), "ᵀ": r"\top "}
SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉ⱼₖᵢₗₘₙᵣₓₕₒᵤ₋₊₍₎ₚₜₛ", "0123456789jkilmnrxhou-+()pts"))
MARKS = {"\u0302": "hat", "\u0303": "tilde", "\u0304": "bar"}
HATS = {"ŷ": r"\hat{y}", "Ŷ": r"\hat{Y}", "x̂": r"\hat{x}", "X̂": r"\hat{X}", "1ₘ": r"\mathbf{1}_{m}"}


def to_latex(text: str) -> str:
    """One run of Unicode notation as LaTeX maths (no surrounding $)."""
    out, i = [], 0
    base, marks = 0, set()   # where the current base starts, and the scripts it carries
    for hat, tex in HATS.items():
        text = text.replace(hat, "\x00" + tex + "\x01")
    # a letter with a combining mark: δ̄ -> \bar{\delta}, W̃ -> \tilde{W}
    text = re.sub("(\\w)([%s])" % "".join(MARKS),
                  lambda m: "\x00\\%s{%s}\x01" % (MARKS[m.group(2)], to_latex(m.group(1))), text)
    while i < len(text):
        c = text[i]
        for table, mark in ((SUP, "^"), (SUB, "_")):
            if c in table:
                j = i
                while j < len(text) and text[j] in table:
                    j += 1
                inner = "".join(table[ch] for ch in text[i:j])
                if mark in marks:   # wₓ⁽¹⁾₁₁: a second subscript goes on the braced whole
                    out[base:] = ["{" + "".join(out[base:]) + "}"]
                    marks = set()
                out.append(f"{mark}{{{inner}}}")
                marks.add(mark)
                i = j
                break
        else:
            base, marks = len(out), set()
            if c == "\x00":
                j = text.index("\x01", i)
                out.append("{" + text[i + 1:j] + "}")
                i = j + 1
                continue
            out.append(GREEK.get(c, SYMBOLS.get(c, {"{": r"\{", "}": r"\}", "%": r"\%", "#": r"\#",
                                                     "&": r"\&", "$": r"\$", "_": r"\_"}.get(c, c))))
            if c in GREEK and i + 1 < len(text) and text[i + 1].isalpha():
                out.append(" ")
            i += 1
    return "".join(out)


# A run of notation inside prose: anything holding a Greek letter, a sub- or
# superscript, a hat or a maths operator, with the letters and digits glued to it.
_SPECIAL = "".join(GREEK) + "".join(SUP) + "".join(SUB) + "ŷŶ∂×⊙→←≤≥≠≈∈′·∞√∑±⌈⌉⌊⌋‖" + "".join(MARKS)
_RUN = re.compile(r"[A-Za-z0-9()\[\]/^*+\-=.,'_]*[%s][A-Za-z0-9()\[\]/^*+\-=.,'_%s]*" % (_SPECIAL, _SPECIAL))
