"""Interleaved timing: warm up, calibrate, then A B C ... A B C ... rounds.

Each round times one batch of calls per competitor (batch sizes calibrated
so a batch lasts about `batch_s`), rotating the starting competitor every
round, so slow drift of the machine (frequency, other load) hits all of them
alike. The reported figure is the median per-call time over rounds.
"""
from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass


@dataclass
class Timing:
    median: float   # seconds per call
    q1: float
    q3: float
    calls: int      # calls per batch
    rounds: int


def _batch(fn, n):
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def calibrate(fn, batch_s: float) -> int:
    n = 1
    while True:
        t = _batch(fn, n) * n
        if t >= batch_s / 4 or n >= 1 << 20:
            return max(1, int(n * batch_s / max(t, 1e-9)))
        n *= 4


def interleaved(fns: dict, rounds: int = 15, batch_s: float = 0.03, warmup: int = 3) -> dict[str, Timing]:
    names = list(fns)
    for name in names:
        for _ in range(warmup):
            fns[name]()
    calls = {name: calibrate(fns[name], batch_s) for name in names}
    samples = {name: [] for name in names}
    gc_was = gc.isenabled()
    gc.disable()  # as timeit does: collection pauses are not the code's cost
    try:
        for r in range(rounds):
            k = r % len(names)
            for name in names[k:] + names[:k]:
                samples[name].append(_batch(fns[name], calls[name]))
    finally:
        if gc_was:
            gc.enable()
    out = {}
    for name in names:
        s = sorted(samples[name])
        q = statistics.quantiles(s, n=4) if len(s) > 1 else [s[0]] * 3
        out[name] = Timing(statistics.median(s), q[0], q[2], calls[name], rounds)
    return out
