"""Where a value_and_grad spends its time, line by line.

A minimal line profiler: sys.settrace on the one function, charging the time
between two 'line' events to the first line. Calls into helpers (such as
_softmax) are charged to the calling line. The tracer adds about a
microsecond per line, so use it where lines cost far more (the large case).
"""
from __future__ import annotations

import inspect
import sys
import time
from collections import defaultdict


def line_profile(fn, args, calls=20, clock=time.perf_counter):
    """[(lineno, source line, seconds per call, share)] sorted by file order."""
    code = fn.__code__
    spent = defaultdict(float)
    state = {"line": None, "t": 0.0}

    def local(frame, event, arg):
        now = clock()
        if state["line"] is not None:
            spent[state["line"]] += now - state["t"]
        state["line"] = frame.f_lineno if event == "line" else None
        state["t"] = clock()
        return local

    def tracer(frame, event, arg):
        if frame.f_code is code:
            state["line"], state["t"] = None, clock()
            return local
        return None

    fn(*args)  # warm
    sys.settrace(tracer)
    try:
        for _ in range(calls):
            fn(*args)
    finally:
        sys.settrace(None)
    src, first = inspect.getsourcelines(fn)
    total = sum(spent.values()) or 1.0
    rows = []
    for lineno in sorted(spent):
        text = src[lineno - first].strip() if 0 <= lineno - first < len(src) else "?"
        rows.append((lineno, text, spent[lineno] / calls, spent[lineno] / total))
    return rows


def format_profile(rows, top=None) -> str:
    shown = sorted(rows, key=lambda r: -r[2])[:top] if top else rows
    out = [f"  {'time/call':>10} {'share':>6}  line"]
    for lineno, text, t, share in shown:
        out.append(f"  {t * 1e3:8.3f} ms {share:6.1%}  {lineno:>4}: {text}")
    return "\n".join(out)
