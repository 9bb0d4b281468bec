"""Plain names (the contract's) and how each output format displays them.

A plain name is a prefix, the layer number, then 1-based indices:
w{l}_{j}_{k}, b{l}_{j}, gamma{l}_{j}, wx{l}_{j}_{k}, z{l}_{j}, a{l}_{j},
d{l}_{j} (delta); inputs x{i} (x{c}_{h}_{w} for images, x{t}_{f} for
sequences) and targets y{k}.  In a batch the row comes first: x{r}_{i},
z{r}_{l}_{j}.

Which numbers are the row, the layer and the indices depends on the
network (a conv layer's z has three indices, a dense one's one), so the
display functions take a ``Scheme`` built from the network.  No name is
registered anywhere: everything is computed from the name and the scheme.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache

import sympy as sp

from .errors import SpecError, did_you_mean

_SUP = str.maketrans("0123456789()-+,", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾⁻⁺˒")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")

# prefix -> (unicode letter, latex letter); quantities without a layer number
# (x, y) are marked in NO_LAYER.
LETTERS = {
    "w": ("w", "w"), "b": ("b", "b"), "z": ("z", "z"), "a": ("a", "a"), "d": ("δ", r"\delta"),
    "x": ("x", "x"), "y": ("y", "y"), "gamma": ("γ", r"\gamma"), "beta": ("β", r"\beta"),
    "wx": ("wₓ", "w_x"), "wh": ("wₕ", "w_h"), "bx": ("bₓ", "b_x"), "bh": ("bₕ", "b_h"),
    "mu": ("μ", r"\mu"), "var": ("σ²", r"\sigma^2"), "xhat": ("x̂", r"\hat{x}"), "h": ("h", "h"),
    "c": ("c", "c"), "m": ("M", "M"), "s": ("s", "s"), "r": ("r", "r"),
    "zi": ("zᵢ", "z_{i}"), "zf": ("z_f", "z_{f}"), "zg": ("z_g", "z_{g}"), "zo": ("zₒ", "z_{o}"),
    "gi": ("i", "i"), "gf": ("f", "f"), "gg": ("g", "g"), "go": ("o", "o"),
    "zr": ("zᵣ", "z_{r}"), "zu": ("zᵤ", "z_{u}"), "zn": ("zₙ", "z_{n}"),
    "gr": ("r", "r"), "gu": ("u", "u"), "gn": ("n", "n"),
    "dxhat": ("δx̂", r"\delta\hat{x}"), "dvar": ("δσ²", r"\delta\sigma^2"), "dmu": ("δμ", r"\delta\mu"),
    "ds": ("δs", r"\delta s"), "dh": ("δh", r"\delta h"), "dc": ("δc", r"\delta c"),
    "dzi": ("δzᵢ", r"\delta z_{i}"), "dzf": ("δz_f", r"\delta z_{f}"), "dzg": ("δz_g", r"\delta z_{g}"),
    "dzo": ("δzₒ", r"\delta z_{o}"), "dzr": ("δzᵣ", r"\delta z_{r}"), "dzu": ("δzᵤ", r"\delta z_{u}"),
    "dzn": ("δzₙ", r"\delta z_{n}"),
}
NO_LAYER = {"x", "y"}
_NAME = re.compile(r"^([a-z]+?)(\d+(?:_\d+)*)$")


@lru_cache(maxsize=None)
def sym(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


def plain(prefix: str, *nums, row=None) -> str:
    return prefix + "_".join(str(n) for n in ([row] if row is not None else []) + list(nums))


def w(l, j, k): return sym(f"w{l}_{j}_{k}")
def b(l, j): return sym(f"b{l}_{j}")


def node(kind: str, l: int, j: int, row=None) -> sp.Symbol:
    """z, a or d of layer l, neuron j (and batch row)."""
    return sym(plain(kind, l, j, row=row))


def x(i, row=None): return sym(plain("x", i, row=row))
def y(k, row=None): return sym(plain("y", k, row=row))


def entries(key: str, shape: tuple[int, ...]) -> list[str]:
    """Plain names of every entry of the array ``key`` (W1 (2, 3) -> w1_1_1 ...)."""
    m = re.fullmatch(r"([A-Za-z]+)(\d+)", key)
    prefix, l = m.group(1).lower(), m.group(2)
    return [f"{prefix}{l}_" + "_".join(str(i + 1) for i in idx)
            for idx in itertools.product(*[range(n) for n in shape])]


def locate(name: str, shapes: dict[str, tuple[int, ...]]) -> tuple[str, tuple[int, ...]] | None:
    """('W1', (1, 0)) for 'w1_2_1' given the parameter shapes; None if no such entry."""
    m = re.fullmatch(r"([a-z]+)(\d+)((?:_\d+)+)", name)
    if not m:
        return None
    for key, shape in shapes.items():
        if key.lower() == m.group(1) + m.group(2):
            idx = tuple(int(t) - 1 for t in m.group(3)[1:].split("_"))
            if len(idx) == len(shape) and all(0 <= i < n for i, n in zip(idx, shape)) \
                    and m.group(3)[1:] == "_".join(str(i + 1) for i in idx):
                return key, idx
    return None


def check_param(net, name: str) -> str:
    """Validate a plain parameter name; SpecError says what would fit."""
    shapes = net.param_shapes()
    if isinstance(name, str) and len(name) < 200 and locate(name, shapes) is not None:
        return name
    shown = str(name)[:40] + ("..." if len(str(name)) > 40 else "")
    forms = ", ".join(key.lower() + "".join("_<%s>" % "jkuvst"[i] for i in range(len(s)))
                      for key, s in shapes.items())
    ranges = "; ".join(f"{key} is {' x '.join(map(str, s))}" for key, s in shapes.items())
    if len(ranges) > 200:
        ranges = ranges[:200] + " ..."
    close = did_you_mean(str(name), net.param_names()) if net.n_params <= 20000 else ""
    bias = "" if net.bias else "; it has no biases (nobias)"
    return _raise(f"{net.spec if len(net.spec) < 60 else 'this network'} has no parameter '{shown}'{close}; "
                  f"its parameters are {forms} with 1-based indices ({ranges}){bias}")


def _raise(msg):
    raise SpecError(msg)


# --------------------------------------------------------------- display --

@dataclass(frozen=True)
class Scheme:
    """How plain names of one network print.  ``counts`` maps (prefix, layer)
    to the number of indices after the layer; ``inputs``/``targets`` give
    x's and y's index counts; ``L`` is the output layer (a{L} prints as yhat);
    ``batch`` says whether names carry a row."""
    counts: dict = field(default_factory=dict)
    inputs: int = 1
    targets: int = 1
    L: int | None = None
    batch: bool | None = None   # None: decide per name by its length
    params: frozenset = frozenset()   # (prefix, layer) of arrays that never carry a row (parameters, bn's mu, var)

    def split(self, name: str):
        """(prefix, row, layer, indices) or None for a name that is not a network name."""
        m = _NAME.match(name)
        if not m or m.group(1) not in LETTERS:
            return None
        prefix, nums = m.group(1), [int(t) for t in m.group(2).split("_")]
        if prefix in NO_LAYER:
            want = self.inputs if prefix == "x" else self.targets
            if len(nums) == want and self.batch is not True:
                return prefix, None, None, nums
            if len(nums) == want + 1 and self.batch is not False:
                return prefix, nums[0], None, nums[1:]
            return None
        plain_fit = len(nums) >= 1 and len(nums) - 1 == self._count(prefix, nums[0])
        if plain_fit and (prefix, nums[0]) in self.params:
            return prefix, None, nums[0], nums[1:]
        row_fit = len(nums) >= 2 and len(nums) - 2 == self._count(prefix, nums[1])
        if plain_fit and self.batch is not True:
            return prefix, None, nums[0], nums[1:]
        if row_fit and self.batch is not False:
            return prefix, nums[0], nums[1], nums[2:]
        return None

    def _count(self, prefix, layer):
        if (prefix, layer) in self.counts:
            return self.counts[(prefix, layer)]
        return {"w": 2}.get(prefix, 1) if not self.counts else -1

    def unicode(self, name: str) -> str:
        """w1_2_1 -> w⁽¹⁾₂₁ ; a{L}_1 -> ŷ₁ ; x2_1 in a batch -> x₁[2]."""
        parts = self.split(name)
        if parts is None:
            return name.replace("alpha", "α").replace("delta", "δ")
        prefix, row, layer, nums = parts
        rowtag = "" if row is None else f"[{row}]"
        if prefix == "a" and layer is not None and layer == self.L:
            return f"ŷ{_subs(nums)}{rowtag}"
        letter = LETTERS[prefix][0]
        if layer is None:
            return f"{letter}{_subs(nums)}{rowtag}"
        return f"{letter}{('(' + str(layer) + ')').translate(_SUP)}{_subs(nums)}{rowtag}"

    def latex(self, name: str) -> str:
        """w1_2_1 -> w^{(1)}_{21}; rows show as a superscript [r]."""
        parts = self.split(name)
        if parts is None:
            return {"alpha": r"\alpha"}.get(name, name)
        prefix, row, layer, nums = parts
        idx = _index_text(nums)
        if prefix == "a" and layer is not None and layer == self.L:
            return rf"\hat{{y}}_{{{idx}}}" + ("" if row is None else f"^{{[{row}]}}")
        letter = LETTERS[prefix][1]
        if layer is None:
            return f"{letter}_{{{idx}}}" + ("" if row is None else f"^{{[{row}]}}")
        sup = f"({layer})" if row is None else f"({layer})[{row}]"
        base = f"{{{letter}}}" if "_" in letter or "^" in letter else letter
        return f"{base}^{{{sup}}}_{{{idx}}}"


def _index_text(nums) -> str:
    return "".join(str(n) for n in nums) if all(n < 10 for n in nums) else ",".join(map(str, nums))


def _subs(nums) -> str:
    text = _index_text(nums)
    return text.translate(_SUB) if text.isdigit() else "_" + text


DENSE = Scheme()   # w has two indices, everything else one: the classic network


def unicode_name(name: str, L: int | None = None) -> str:
    return Scheme(L=L).unicode(name)


def latex_name(name: str, L: int | None = None) -> str:
    return Scheme(L=L).latex(name)


def parse(name: str):
    """(prefix, row, [layer, *indices]) in the classic dense scheme, or None."""
    parts = DENSE.split(name)
    if parts is None:
        return None
    prefix, row, layer, nums = parts
    return prefix, row, ([] if layer is None else [layer]) + list(nums)
