"""The numeric side: value_and_grad of each contender on the issue's cases."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

import derive

from . import competitors
from .timing import Timing, interleaved

CASES = [
    ("2-3:sigmoid-1/mse", 4),
    ("64-128:sigmoid-10/mse", 64),
    ("784-512:relu-256:relu-10:softmax/ce", 256),
]
DTYPES = (np.float64, np.float32)
# the gradient check: float32 sums of 784 products only hold ~4 digits
TOLERANCE = {np.float64: 1e-7, np.float32: 2e-3}


@dataclass
class CaseResult:
    spec: str
    m: int
    dtype: str
    timings: dict[str, Timing]
    max_rel_err: dict[str, float]       # against the reference competitor
    reference: str
    skipped: dict[str, str] = field(default_factory=dict)   # name -> why

    @property
    def label(self):
        return f"{self.spec} m={self.m} {self.dtype}"


def make_data(net, m, dtype, seed=0):
    """Parameters with a He/Glorot-like scale, inputs ~ N(0,1); one-hot
    targets for ce, N(0,1) targets otherwise."""
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, net.depth + 1):
        n_in, n_out = net.sizes[l - 1], net.sizes[l]
        params[f"W{l}"] = (rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)).astype(dtype)
        if net.bias:
            params[f"b{l}"] = (0.1 * rng.standard_normal(n_out)).astype(dtype)
    X = rng.standard_normal((m, net.sizes[0])).astype(dtype)
    if net.loss == "ce":
        Y = np.eye(net.sizes[-1], dtype=dtype)[rng.integers(0, net.sizes[-1], m)]
    else:
        Y = rng.standard_normal((m, net.sizes[-1])).astype(dtype)
    return params, X, Y


def max_rel_error(a, b):
    """max over parameters of max|a-b| / max|b| (J included as 'J')."""
    (Ja, ga), (Jb, gb) = a, b
    errs = {"J": abs(Ja - Jb) / max(abs(Jb), 1e-30)}
    for k in gb:
        if k not in ga:
            raise AssertionError(f"missing gradient {k}")
        if ga[k].shape != gb[k].shape:
            raise AssertionError(f"{k}: shape {ga[k].shape} != {gb[k].shape}")
        scale = max(float(np.max(np.abs(gb[k]))), 1e-30)
        errs[k] = float(np.max(np.abs(np.asarray(ga[k], np.float64) - gb[k]))) / scale
    return max(errs.values())


def run_case(spec, m, dtype, factories, rounds, batch_s, log=print, clock=None) -> CaseResult:
    net = derive.Network.parse(spec)
    params, X, Y = make_data(net, m, dtype)
    comps, skipped = {}, {}
    for name, make in factories.items():
        try:
            comps[name] = make(net, params, X, Y)
        except ImportError as e:
            skipped[name] = f"not installed ({e.name})"
    ref = "generated" if "generated" in comps else "handwritten"
    # the check is in float64 against the reference's own answer
    ref_result = comps[ref].result()
    tol = TOLERANCE[dtype]
    errs = {}
    for name, c in comps.items():
        res = c.result()
        for k, g in res[1].items():
            if np.asarray(g).dtype != dtype and name in ("generated", "handwritten"):
                raise AssertionError(f"{name} returned {k} as {np.asarray(g).dtype} for {dtype.__name__} input")
        errs[name] = max_rel_error(res, ref_result)
        if errs[name] > tol:
            raise AssertionError(f"{spec} {dtype.__name__}: {name} disagrees with {ref} "
                                 f"(max relative error {errs[name]:.2e} > {tol:.0e})")
    # the large case's samples vary more (shared caches), so it gets more rounds
    rounds = rounds * 3 if m >= 256 else rounds
    timings = interleaved({n: c.run for n, c in comps.items()}, rounds=rounds, batch_s=batch_s,
                          clock=clock or time.perf_counter)
    res = CaseResult(spec, m, np.dtype(dtype).name, timings, errs, ref, skipped)
    log(format_case(res))
    return res


def format_case(res: CaseResult) -> str:
    base = res.timings.get("generated")
    lines = [f"\n{res.label}   (gradients agree with {res.reference})",
             f"  {'competitor':<12} {'median':>10} {'IQR':>19}  {'vs generated':>12}  {'max rel err':>11}"]
    for name, t in sorted(res.timings.items(), key=lambda kv: kv[1].median):
        ratio = f"{t.median / base.median:10.2f}x" if base else "         -"
        lines.append(f"  {name:<12} {fmt_time(t.median):>10} {fmt_time(t.q1):>9}-{fmt_time(t.q3):<9}"
                     f"  {ratio:>12}  {res.max_rel_err[name]:11.1e}")
    for name, why in res.skipped.items():
        lines.append(f"  {name:<12} skipped: {why}")
    return "\n".join(lines)


def fmt_time(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.1f} us"
    return f"{s * 1e3:.2f} ms"


def run_all(generated_factory=None, rounds=15, batch_s=0.03, log=print, cases=CASES, clock=None):
    factories = {}
    if generated_factory is not None:
        factories["generated"] = generated_factory
    factories.update(competitors.FACTORIES)
    results = []
    for dtype in DTYPES:
        for spec, m in cases:
            results.append(run_case(spec, m, dtype, factories, rounds, batch_s, log, clock))
    return results
