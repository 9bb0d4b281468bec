"""The factor that repeats in a tanh RNN, with its numbers at each step of
the worked example (issue #11): one step back multiplies the error of the
hidden state by Jₜ = Wₕᵀ diag(f′(zₜ)), so ∂ℓ/∂hₛ = Jₛ₊₁ ∂ℓ/∂hₛ₊₁.

Every entry of Jₜ is the product of the scalar graph's two local
derivatives, ∂zₜⱼ/∂hₜ₋₁,q (sympy.diff of zₜⱼ: wₕ[j, q]) and ∂hₜⱼ/∂zₜⱼ (the
rules card's tanh′), at example 1; each Jₜ times the error of hₜ is checked
against the graph's own backward pass before it is shown."""
from __future__ import annotations

import mpmath
import sympy as sp

from .. import names
from ..evaluate import as_sympy, to_mp, value
from ..model import Section, Table, Value
from .prose import para

WIDEST = 2           # hidden units up to which Jₜ is shown entry by entry
SLOPES = 4           # ... up to which its diagonal f′(zₜ) and the errors are


class FactorError(AssertionError):
    """Jₜ times the error of hₜ disagrees with the graph: a bug in chainrule."""


def applies(net, graph) -> bool:
    first = net.numbered[0]
    return graph is not None and first.kind == "recurrent" and first.cell == "rnn" and graph.rows == [None]


def slopes(graph, ev, T: int, H: int) -> dict:
    """{t: [tanh′(zₜⱼ)]} for t = 2..T, at example 1: the rules card's ∂hₜⱼ/∂zₜⱼ."""
    env = ev.rows[0]
    out = {}
    for step in range(2, T + 1):
        zs = [names.sym(names.plain("z", 1, step, j)) for j in range(1, H + 1)]
        hs = [names.sym(names.plain("h", 1, step, j)) for j in range(1, H + 1)]
        out[step] = [to_mp(value(graph.local(graph.by_symbol[h], z), env)) for z, h in zip(zs, hs)]
    return out


def factors(graph, ev, T: int, H: int) -> dict:
    """{t: Jₜ as rows q of entries j} for t = 2..T, at example 1: each entry
    ∂zₜⱼ/∂hₜ₋₁,q (the graph's sympy.diff of zₜⱼ) times ∂hₜⱼ/∂zₜⱼ."""
    env = ev.rows[0]
    slope = slopes(graph, ev, T, H)
    out = {}
    for step in range(2, T + 1):
        J = []
        for q in range(1, H + 1):
            h_prev = names.sym(names.plain("h", 1, step - 1, q))
            J.append([to_mp(value(graph.local(graph.by_symbol[names.sym(names.plain("z", 1, step, j))], h_prev),
                                  env)) * slope[step][j - 1] for j in range(1, H + 1)])
        out[step] = J
    return out


def errors(ev, T: int, H: int) -> dict:
    """{s: [∂ℓ/∂hₛ,q]} at example 1, from the graph's backward pass."""
    return {s: [to_mp(ev.rows[0][names.sym(names.plain("dh", 1, s, q))]) for q in range(1, H + 1)]
            for s in range(1, T + 1)}


def section(net, graph, ev, t) -> Section | None:
    if not applies(net, graph):
        return None
    layer = net.numbered[0]
    T, H = net.input[0], layer.hidden
    if T < 2:
        return None
    J, dh = factors(graph, ev, T, H), errors(ev, T, H)
    for s in range(1, T):   # Jₛ₊₁ ∂ℓ/∂hₛ₊₁ is the graph's ∂ℓ/∂hₛ
        for q in range(H):
            mine = mpmath.fsum(J[s + 1][q][j] * dh[s + 1][j] for j in range(H))
            if abs(mine - dh[s][q]) > mpmath.mpf(10) ** -12 * max(1, abs(dh[s][q])):
                raise FactorError(f"step {s}, unit {q + 1}: {mine} against the graph's {dh[s][q]}")
    # the factor's numbers: Jₜ entry by entry for a narrow layer, else the
    # diagonal f′(zₜ) (Wₕ is the same at every step), else its norm's effect only
    shown = "J" if H <= WIDEST else ("slope" if H <= SLOPES else "")
    slope = slopes(graph, ev, T, H)
    head = ["s"] + {"J": [f"Jₛ₊₁[{q},{j}]" for q in range(1, H + 1) for j in range(1, H + 1)],
                    "slope": [f"f′(zₛ₊₁)[{j}]" for j in range(1, H + 1)], "": []}[shown] + \
        ([f"∂ℓ/∂hₛ[{q}]" for q in range(1, H + 1)] if shown else []) + ["‖∂ℓ/∂hₛ‖"]
    rows = []
    for s in range(T, 0, -1):
        cells = [Value(sp.Integer(s))]
        if shown == "J":
            cells += [_v(J[s + 1][q][j]) for q in range(H) for j in range(H)] if s < T else [""] * (H * H)
        elif shown == "slope":
            cells += [_v(x) for x in slope[s + 1]] if s < T else [""] * H
        cells += ([_v(x) for x in dh[s]] if shown else []) + [_v(_norm(dh[s]))]
        rows.append(cells)
    ratio = _norm(dh[1]) / _norm(dh[T]) if _norm(dh[T]) else mpmath.mpf(0)
    body = [para(t, "bptt.factor_intro", T=T), Table(head, rows),
            para(t, "bptt.factor_outro", T=T, steps=T - 1, ratio=_v(ratio),
                 per_step=_v(ratio ** (mpmath.mpf(1) / (T - 1)) if ratio else 0))]
    body.insert(1, para(t, {"J": "bptt.factor_entries", "slope": "bptt.factor_slopes"}.get(shown, "bptt.factor_wide"),
                        H=H))
    return Section(t("bptt.factor_title"), body, key="numbers-bptt")


def _norm(v: list):
    return mpmath.sqrt(mpmath.fsum(x * x for x in v))


def _v(x) -> Value:
    return Value(as_sympy(x))
