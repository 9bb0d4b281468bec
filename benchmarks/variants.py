"""What proposed changes to the codegen template would buy, measured.

Each variant rewrites the emitted module's text the way a template change
would, cumulatively, and the result is timed against the unchanged module and
the hand-written baseline (after checking it still gives the same gradients).
A rewrite that finds nothing to change (the template already does it, or has
moved on) is reported as such. This is evidence for the codegen engineer, not
a second code generator: nothing here is used outside the benchmark.
"""
from __future__ import annotations

import re
import time
import types
from dataclasses import dataclass

import numpy as np

import derive

from . import handwritten, numeric
from .timing import interleaved


def fold_1_over_m(src):
    """Scale the small output delta by 1/m once (BP1) instead of every dW and db."""
    out = re.sub(r"^(\s+d[Wb]\d+ = [^#\n]*?) / m\b", r"\1", src, flags=re.M)
    if out == src:
        return src
    return re.sub(r"^(\s+)(dZ\d+) = ([^#\n]*?)(\s+# BP1[^\n]*)$", r"\1\2 = \3\4\n\1\2 *= 1 / m",
                  out, count=1, flags=re.M)


def reuse_residual(src):
    """Squared-error losses: compute E = A - Y once, J by np.vdot(E, E), delta in place on E."""
    j = re.search(r"^(\s+)J = (?:np\.sum\()?np\.square\((A\d+) - Y\)\)?(?:\.sum\(\))?(.*)$", src, flags=re.M)
    if not j:
        return src
    indent, A, rest = j.groups()
    src = src[:j.start()] + f"{indent}E = {A} - Y\n{indent}J = float(np.vdot(E, E)){rest}" + src[j.end():]
    src = re.sub(rf"^(\s+)(dZ\d+) = (?:\(?([^()#\n]*?)\)?\*)?\({A} - Y\)(\s+#[^\n]*)$",
                 lambda m: f"{m[1]}{m[2]} = E{m[4]}" + (f"\n{m[1]}{m[2]} *= {m[3]}" if m[3] else ""),
                 src, count=1, flags=re.M)
    # with 1/m already folded into BP1: one scaling, not two
    return re.sub(r"^(\s+)(dZ\d+) \*= (.+)\n\1\2 \*= 1 / m$", r"\1\2 *= (\3) / m", src, flags=re.M)


def sigmoid_in_place(src):
    """_sigmoid overwrites its argument (Z is not needed once A is known)."""
    src = src.replace("a = np.tanh(0.5 * z)", "a = np.tanh(np.multiply(z, 0.5, out=z), out=z)")
    return src.replace("a = np.multiply(z, 0.5)\n", "a = np.multiply(z, 0.5, out=z)\n")


def relu_in_place(src):
    """np.maximum(Z, 0, out=Z): no new (m, n) array per ReLU layer."""
    return re.sub(r"np\.maximum\((Z\d+), 0\)", r"np.maximum(\1, 0, out=\1)", src)


VARIANTS = [
    ("fold 1/m into BP1", fold_1_over_m),
    ("mse: reuse A - Y, vdot", reuse_residual),
    ("sigmoid in place", sigmoid_in_place),
    ("relu in place", relu_in_place),
]

# what each rewrite removes, for the report's "why"
WHY = {
    "fold 1/m into BP1": "`/ m` on every dW and db: two extra array operations per layer (and, at "
                         "the large size, a second dW-sized array per layer), where scaling the small "
                         "(m, n_L) output delta once would do",
    "mse: reuse A - Y, vdot": "`A - Y` computed twice for a squared-error loss (once for J, once for "
                              "BP1), and J as `np.square(...).sum()` (two calls, a temporary) where "
                              "`np.vdot(E, E)` is one BLAS call",
    "sigmoid in place": "`_sigmoid` allocates a new array although Z is not needed afterwards",
    "relu in place": "`np.maximum(Z, 0)` allocates a new array although Z is not needed afterwards",
}


def causes(spec) -> list[str]:
    """The inefficiencies the variants find in today's emitted code for spec."""
    import codegen
    src = codegen.emit(derive.Network.parse(spec))
    return [WHY[name] for name, rewrite in VARIANTS if rewrite(src) != src]


@dataclass
class VariantResult:
    label: str
    applied: list[str]          # variant names that changed the source, in order
    not_applicable: list[str]
    times: dict[str, float]     # name -> median seconds ("generated", "+ ...", "handwritten")


def _load(src, name):
    mod = types.ModuleType(name)
    exec(compile(src, f"<{name}>", "exec"), mod.__dict__)  # noqa: S102 (our own emitted text)
    return mod


def run(rounds=21, batch_s=0.01, clock=time.perf_counter, log=print, cases=numeric.CASES):
    import codegen
    out = []
    for dtype in numeric.DTYPES:
        for spec, m in cases:
            net = derive.Network.parse(spec)
            src = codegen.emit(net)
            mods, applied, skipped = {"generated": _load(src, "generated")}, [], []
            for name, rewrite in VARIANTS:
                new = rewrite(src)
                if new == src:
                    skipped.append(name)
                    continue
                src = new
                applied.append(name)
                mods["+ " + name] = _load(src, name)
            params, X, Y = numeric.make_data(net, m, dtype)
            ref = mods["generated"].value_and_grad(params, X, Y)
            for name, mod in mods.items():
                err = numeric.max_rel_error(mod.value_and_grad(params, X, Y), ref)
                if err > numeric.TOLERANCE[dtype]:
                    raise AssertionError(f"variant '{name}' changes the gradients of {spec} ({err:.1e})")
            hw = handwritten.from_network(net)
            fns = {name: (lambda mod=mod: mod.value_and_grad(params, X, Y)) for name, mod in mods.items()}
            fns["handwritten"] = lambda: hw(params, X, Y)
            t = interleaved(fns, rounds=rounds * 2 if m >= 256 else rounds, batch_s=batch_s, clock=clock)
            res = VariantResult(f"{spec} m={m} {np.dtype(dtype).name}", applied, skipped,
                                {k: v.median for k, v in t.items()})
            g = res.times["generated"]
            log(f"  {res.label}: " + "  ".join(f"{k} {v / g:.2f}" for k, v in res.times.items()))
            out.append(res)
    return out


def table(results) -> list[str]:
    names = ["generated"] + ["+ " + n for n, _ in VARIANTS] + ["handwritten"]
    names = [n for n in names if any(n in r.times for r in results)]
    lines = ["| case | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for r in results:
        g = r.times["generated"]
        cells = [f"{r.times[n] / g:.2f}" if n in r.times else "n/a" for n in names]
        lines.append(f"| {r.label} | " + " | ".join(cells) + " |")
    return lines


def example_diff(spec="64-128:sigmoid-10/mse") -> str:
    """The emitted value_and_grad body before and after every variant, as a unified diff."""
    import difflib

    import codegen
    src = codegen.emit(derive.Network.parse(spec))
    new = src
    for _, rewrite in VARIANTS:
        new = rewrite(new)
    a = src.split("def value_and_grad", 1)[1].split("\ndef ", 1)[0].splitlines()
    b = new.split("def value_and_grad", 1)[1].split("\ndef ", 1)[0].splitlines()
    return "\n".join(difflib.unified_diff(a, b, "generated", "with the variants", lineterm="", n=0))
