"""The symbolic side: how long deriving and emitting take, and how the
backprop-shaped scalar derivation scales against naive per-weight diff."""
from __future__ import annotations

import importlib
import statistics
import time
from dataclasses import dataclass

import sympy as sp

import derive
from derive.graph import Graph as Backprop

# derive+emit against width (one hidden layer) and depth (hidden width 8)
WIDTHS = (2, 8, 32, 128, 512, 2048)
DEPTHS = (1, 2, 4, 8, 16)
# scalar derivation against naive diff: growing networks, the last is issue 2's target
SCALAR_NETS = ("2-2:sigmoid-1/mse", "2-3:sigmoid-1/mse", "4-4:sigmoid-1/mse",
               "4-8:sigmoid-2/mse", "8-8:sigmoid-4/mse", "8-16:sigmoid-4/mse")
TARGET_NET = "8-16:sigmoid-4/mse"

_CACHED_MODULES = ("derive.rules", "codegen.derivation")
# SymPy runs on one thread, so CPU time is its cost, minus what other jobs on a
# shared machine take from it
_clock = time.process_time


def width_spec(w):
    return f"4-{w}:sigmoid-2/mse"


def depth_spec(d):
    return "4" + "-8:sigmoid" * d + "-2/mse"


def clear_caches():
    """Forget memoised derivations, so each timing derives from scratch
    (module imports and the loaded Jinja templates are kept)."""
    for name in _CACHED_MODULES:
        mod = importlib.import_module(name)
        for value in vars(mod).values():
            clear = getattr(value, "cache_clear", None)
            if callable(clear) and getattr(value, "__module__", None) == name:
                clear()


@dataclass
class EmitTiming:
    spec: str
    label: str
    params: int
    cold: float    # seconds, caches cleared
    warm: float    # seconds, memoised per-activation derivations reused
    lines: int


def time_emit(spec, label, repeats=3) -> EmitTiming:
    import codegen
    colds, warms = [], []
    for _ in range(repeats):
        clear_caches()
        t0 = _clock()
        src = codegen.emit(derive.Network.parse(spec))
        colds.append(_clock() - t0)
        t0 = _clock()
        codegen.emit(derive.Network.parse(spec))
        warms.append(_clock() - t0)
    net = derive.Network.parse(spec)
    return EmitTiming(spec, label, len(net.param_names()), statistics.median(colds),
                      statistics.median(warms), src.count("\n"))


def emit_scaling(repeats=3):
    import codegen
    codegen.emit(derive.Network.parse(width_spec(2)))  # imports, templates
    return ([time_emit(width_spec(w), f"4-{w}-2 (width {w})", repeats) for w in WIDTHS],
            [time_emit(depth_spec(d), f"4-8x{d}-2 (depth {d + 1})", repeats) for d in DEPTHS])


@dataclass
class ScalarTiming:
    spec: str
    params: int
    backprop: float      # Backprop(net): forward defs, deltas, every gradient, from scratch
    backprop_warm: float # the same with the library's f' and loss derivations memoised
    expand: float        # naive route, step 1: J in the parameters alone
    diff: float          # naive route, step 2: sympy.diff(J, w) for every w
    checked: bool        # the two routes agree at a random point

    @property
    def naive(self):
        return self.expand + self.diff

    @property
    def ratio(self):
        return self.naive / self.backprop


def time_scalar(spec, check=True) -> ScalarTiming:
    """One measurement each (the big ones take seconds; sympy caches are
    cleared first so neither route profits from the other's work)."""
    net = derive.Network.parse(spec)
    sp.core.cache.clear_cache()
    clear_caches()
    t0 = _clock()
    bp = Backprop(net)
    t_bp = _clock() - t0
    sp.core.cache.clear_cache()
    t0 = _clock()
    Backprop(net)
    t_warm = _clock() - t0
    sp.core.cache.clear_cache()
    t0 = _clock()
    J = bp.expand(bp.loss)
    t_exp = _clock() - t0
    t0 = _clock()
    naive = {name: sp.diff(J, s) for name, s in bp.params.items()}
    t_diff = _clock() - t0
    ok = _agree(bp, naive) if check else False
    return ScalarTiming(net.spec, len(bp.params), t_bp, t_warm, t_exp, t_diff, ok)


def _agree(bp, naive, seed=0, tol=1e-9):
    """Both routes' gradients at one random point (floats, all parameters)."""
    import random
    rnd = random.Random(seed)
    point = {s: rnd.uniform(-1, 1) for s in bp.base_symbols()}
    defs = {}
    for s, e in bp.definitions():
        defs[s] = float(e.xreplace(point).xreplace(defs))
    for name, g in bp.gradients.items():
        a = float(g.expr.xreplace(point).xreplace(defs))
        b = float(naive[name].xreplace(point))
        if abs(a - b) > tol * max(1.0, abs(b)):
            return False
    return True


def scalar_scaling(nets=SCALAR_NETS, log=print):
    out = []
    for spec in nets:
        t = time_scalar(spec)
        log(f"  {t.spec:<24} {t.params:>4} params  backprop {t.backprop:7.3f} s (warm {t.backprop_warm:.3f})  "
            f"naive {t.naive:8.3f} s (expand {t.expand:.3f} + diff {t.diff:.3f})  "
            f"{t.ratio:6.1f}x  agree={t.checked}")
        out.append(t)
    return out
