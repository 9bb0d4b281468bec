"""Plain names (the contract's) and how each output format displays them.

Plain: w{l}_{j}_{k}, b{l}_{j}, x{i}, y{k}, z{l}_{j}, a{l}_{j}, d{l}_{j};
in a batch the row comes first: x{r}_{i}, z{r}_{l}_{j}.
"""
from __future__ import annotations

import re
from functools import lru_cache

import sympy as sp

_SUP = str.maketrans("0123456789()-+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾⁻⁺")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")

# kind -> (number of indices without row, unicode letter, latex letter)
_KINDS = {"w": (3, "w", "w"), "b": (2, "b", "b"), "z": (2, "z", "z"), "a": (2, "a", "a"),
          "d": (2, "δ", r"\delta"), "x": (1, "x", "x"), "y": (1, "y", "y")}
_NAME = re.compile(r"^([wbzadxy])(\d+(?:_\d+)*)$")


@lru_cache(maxsize=None)
def sym(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


def w(l, j, k, row=None): return sym(f"w{l}_{j}_{k}")
def b(l, j): return sym(f"b{l}_{j}")


def node(kind: str, l: int, j: int, row=None) -> sp.Symbol:
    """z, a or d of layer l, neuron j (and batch row)."""
    return sym(f"{kind}{'' if row is None else f'{row}_'}{l}_{j}")


def x(i, row=None): return sym(f"x{'' if row is None else f'{row}_'}{i}")
def y(k, row=None): return sym(f"y{'' if row is None else f'{row}_'}{k}")


def parse(name: str):
    """('w', row, [l, j, k]) or None for names that are not network names."""
    m = _NAME.match(name)
    if not m:
        return None
    kind, nums = m.group(1), [int(t) for t in m.group(2).split("_")]
    want = _KINDS[kind][0]
    if len(nums) == want:
        return kind, None, nums
    if len(nums) == want + 1 and kind in "zadxy":
        return kind, nums[0], nums[1:]
    return None


def _index_text(nums) -> str:
    return "".join(str(n) for n in nums) if all(n < 10 for n in nums) else ",".join(map(str, nums))


@lru_cache(maxsize=None)
def unicode_name(name: str, L: int | None = None) -> str:
    """w1_2_1 -> w⁽¹⁾₂₁ ; a{L}_1 -> ŷ₁ when L is the output layer."""
    p = parse(name)
    if p is None:
        return name.replace("alpha", "α").replace("delta", "δ")
    kind, row, nums = p
    letter = _KINDS[kind][1]
    rowtag = "" if row is None else f"[{row}]"
    if kind in "xy":
        return f"{letter}{_subs(nums)}{rowtag}"
    l, rest = nums[0], nums[1:]
    if kind == "a" and L is not None and l == L:
        return f"ŷ{_subs(rest)}{rowtag}"
    return f"{letter}{('(' + str(l) + ')').translate(_SUP)}{_subs(rest)}{rowtag}"


def _subs(nums) -> str:
    text = _index_text(nums)
    return text.translate(_SUB) if text.isdigit() else "_" + text


@lru_cache(maxsize=None)
def latex_name(name: str, L: int | None = None) -> str:
    """w1_2_1 -> w^{(1)}_{21}; rows show as a superscript [r]."""
    p = parse(name)
    if p is None:
        return {"alpha": r"\alpha"}.get(name, name)
    kind, row, nums = p
    letter = _KINDS[kind][2]
    rowtag = "" if row is None else f"^{{[{row}]}}"
    if kind in "xy":
        return f"{letter}_{{{_index_text(nums)}}}{rowtag}"
    l, rest = nums[0], nums[1:]
    if kind == "a" and L is not None and l == L:
        return rf"\hat{{y}}_{{{_index_text(rest)}}}{rowtag}"
    sup = f"({l})" if row is None else f"({l})[{row}]"
    return f"{letter}^{{{sup}}}_{{{_index_text(rest)}}}"
