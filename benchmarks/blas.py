"""The BLAS a user gets.

OpenBLAS picks its kernels for the CPU it finds when it is loaded (with
NumPy), unless the environment pins it: OPENBLAS_CORETYPE forces a core
type (a machine may set it to an older one, e.g. Haswell on an AVX-512 CPU)
and OPENBLAS_L2_SIZE overrides the cache size it tunes for.  A user who has
not set them gets the kernels for their CPU, so the benchmark run unsets
both, for its own process only, before NumPy is imported; threadpoolctl
then says which kernel actually runs.

This module must not import NumPy at import time.
"""
from __future__ import annotations

import json
import os
import sys

PINS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# what a re-executed run was started without (set for the child only)
_UNSET_NOTE = "CHAINRULE_BENCH_UNSET_PINS"


def unpin(module: str = "benchmarks") -> dict[str, str]:
    """Remove PINS from this process's environment before OpenBLAS loads.

    If NumPy is already imported (OpenBLAS has chosen its kernels), run
    ``python -m module`` again with the same arguments, without them.
    Returns the variables that were unset, with their values.
    """
    found = {k: os.environ[k] for k in PINS if k in os.environ}
    if not found:
        return json.loads(os.environ.pop(_UNSET_NOTE, "{}"))
    if "numpy" in sys.modules:
        env = {k: v for k, v in os.environ.items() if k not in PINS}
        env[_UNSET_NOTE] = json.dumps(found)
        sys.stdout.flush()
        os.execve(sys.executable, [sys.executable, "-m", module, *sys.argv[1:]], env)
    for k in found:
        del os.environ[k]
    return found


def libraries() -> list[dict]:
    """Every BLAS and OpenMP pool loaded in this process, as threadpoolctl sees it
    (call after the libraries are imported and their threads set)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return threadpool_info()


def report(unset: dict[str, str]) -> list[str]:
    """The results.md section: which BLAS runs, with which kernel and threads."""
    rows = []
    for lib in libraries():
        rows.append(f"| {lib.get('internal_api', '?')} | {lib.get('version') or '-'} | "
                    f"{lib.get('architecture') or '-'} | {lib.get('num_threads', '?')} | "
                    f"{lib.get('threading_layer') or '-'} | `{os.path.basename(lib.get('filepath', ''))}` |")
    lines = ["| library | version | core type (kernel) | threads | threading | file |",
             "|---|---|---|---:|---|---|"] + rows if rows else \
        ["threadpoolctl is not installed (`pip install -e \".[bench]\"`): the kernel in use is unknown."]
    if unset:
        what = ", ".join(f"`{k}={v}`" for k, v in unset.items())
        lines += ["", f"The environment pinned OpenBLAS ({what}); the benchmark run unset "
                      f"{' and '.join(f'`{k}`' for k in unset)} for its own process only (before "
                      "NumPy loads OpenBLAS), so it measures the kernel a user without the pin gets. "
                      "Nothing outside the benchmark run is changed."]
    else:
        lines += ["", f"Neither {' nor '.join(f'`{k}`' for k in PINS)} was set for this run (the "
                      "benchmark run unsets them for its own process if they are), so OpenBLAS "
                      "chose its kernel for this CPU itself."]
    return lines
