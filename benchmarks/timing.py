"""Interleaved timing: warm up, calibrate, then A B C ... A B C ... rounds.

Each round times one batch of calls per competitor (batch sizes calibrated
so a batch lasts about `batch_s`), rotating the starting competitor every
round, so slow drift of the machine (frequency, other load) hits all of them
alike. The reported figure is the median per-call time over rounds.

The clock is a parameter: wall time (perf_counter) in general, but on a
shared machine with every library held to one thread, the process's CPU
time (process_time: all its threads, none of the time it sat descheduled
while other jobs ran) measures the code rather than the neighbours.
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


def _batch(fn, n, clock=time.perf_counter):
    t0 = clock()
    for _ in range(n):
        fn()
    return (clock() - t0) / n


def calibrate(fn, batch_s: float, clock=time.perf_counter) -> int:
    n = 1
    while True:
        t = _batch(fn, n, clock) * n
        if t >= batch_s / 4 or n >= 1 << 20:
            return max(1, int(n * batch_s / max(t, 1e-9)))
        n *= 4


def interleaved(fns: dict, rounds: int = 15, batch_s: float = 0.03, warmup: int = 3,
                clock=time.perf_counter) -> dict[str, Timing]:
    names = list(fns)
    for name in names:
        for _ in range(warmup):
            fns[name]()
    calls = {name: calibrate(fns[name], batch_s, clock) for name in names}
    samples = {name: [] for name in names}
    gc_was = gc.isenabled()
    gc.disable()  # as timeit does: collection pauses are not the code's cost
    try:
        for r in range(rounds):
            k = r % len(names)
            for name in names[k:] + names[:k]:
                samples[name].append(_batch(fns[name], calls[name], clock))
    finally:
        if gc_was:
            gc.enable()
    out = {}
    for name in names:
        s = sorted(samples[name])
        q = statistics.quantiles(s, n=4) if len(s) > 1 else [s[0]] * 3
        out[name] = Timing(statistics.median(s), q[0], q[2], calls[name], rounds)
    return out
