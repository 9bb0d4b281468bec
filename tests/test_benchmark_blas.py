"""The benchmark run measures the BLAS a user gets: an OPENBLAS_CORETYPE pin
in the environment is removed before NumPy loads OpenBLAS, for that process
only, and threadpoolctl then reports the kernel that really runs."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import json
from benchmarks.blas import unpin
unset = unpin()
import numpy
from threadpoolctl import threadpool_info
arch = [lib.get("architecture") for lib in threadpool_info() if lib.get("internal_api") == "openblas"]
print(json.dumps({"unset": unset, "arch": arch}))
"""


def _probe(env):
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_pins_are_unset_before_openblas_loads():
    pytest.importorskip("threadpoolctl")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS_")}
    free = _probe(env)
    if not free["arch"]:
        pytest.skip("NumPy is not linked against OpenBLAS here")
    # Nehalem (2008) is a core type no current CPU gets by itself
    pinned = _probe({**env, "OPENBLAS_CORETYPE": "Nehalem", "OPENBLAS_L2_SIZE": "262144"})
    assert pinned["unset"] == {"OPENBLAS_CORETYPE": "Nehalem", "OPENBLAS_L2_SIZE": "262144"}
    assert pinned["arch"] == free["arch"] and free["arch"] != ["Nehalem"]
    assert free["unset"] == {}


def test_the_pin_would_take_effect_without_unpin():
    """The check above can fail: without unpin(), the pin decides the kernel."""
    pytest.importorskip("threadpoolctl")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS_")}
    probe = PROBE.replace("unset = unpin()", "unset = {}")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                         env={**env, "OPENBLAS_CORETYPE": "Nehalem"}, timeout=60, check=True)
    arch = json.loads(out.stdout.strip().splitlines()[-1])["arch"]
    if not arch:
        pytest.skip("NumPy is not linked against OpenBLAS here")
    assert arch == ["Nehalem"]
