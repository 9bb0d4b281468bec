"""The contenders, each built for one case as a zero-argument callable.

Every factory takes (net, params, X, Y) with NumPy arrays and returns a
Competitor whose `run()` is what gets timed and whose `result()` gives
(J, {name: ndarray}) for the gradient check. What `run()` includes:

- generated / handwritten: the full value_and_grad call, J as a Python float;
- torch: forward, loss, torch.autograd.grad (no .grad accumulation), J.item();
  inputs are torch tensors made once (from_numpy: zero-copy), outside the timing;
- jax: the jit-compiled value_and_grad, block_until_ready on J and grads;
  inputs are device arrays made once, outside the timing;
- autograd: autograd.value_and_grad on the same NumPy arrays;
- gemm: the matrix products of one forward+backward pass alone
  (A W^T per layer, delta^T A_prev per layer, delta W per layer but the
  first), on arrays of the right shapes; no bias, activation or loss work.
"""
from __future__ import annotations

import ctypes
import glob
import os
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import handwritten


@dataclass
class Competitor:
    name: str
    run: Callable[[], object]
    result: Callable[[], tuple[float, dict[str, np.ndarray]]]
    note: str = ""


# ------------------------------------------------------------------ threads --
def _openblas():
    libdir = os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs")
    for path in sorted(glob.glob(os.path.join(libdir, "*openblas*"))):
        return ctypes.CDLL(path)
    return None


def _blas_call(suffix, *args):
    lib = _openblas()
    for prefix in ("scipy_openblas_", "openblas_"):
        for tail in ("64_", ""):
            fn = getattr(lib, prefix + suffix + tail, None) if lib else None
            if fn is not None:
                return fn(*args)
    return None


def blas_threads() -> int | None:
    """OpenBLAS threads NumPy uses (None if the library cannot be asked)."""
    return _blas_call("get_num_threads")


# ------------------------------------------------------------------ numpy ----
def generated(compile_spec):
    """compile_spec(spec) -> the generated module (codegen.compile)."""
    modules = {}

    def make(net, params, X, Y):
        if net.spec not in modules:
            modules[net.spec] = compile_spec(net.spec)
        vg = modules[net.spec].value_and_grad
        return Competitor("generated", lambda: vg(params, X, Y), lambda: vg(params, X, Y))
    return make


def make_handwritten(net, params, X, Y):
    vg = handwritten.from_network(net)
    return Competitor("handwritten", lambda: vg(params, X, Y), lambda: vg(params, X, Y))


def make_gemm(net, params, X, Y):
    _, grads = handwritten.from_network(net)(params, X, Y)
    L = net.depth
    m = X.shape[0]
    dt = X.dtype
    rng = np.random.default_rng(1)
    As = [X] + [rng.standard_normal((m, n)).astype(dt) for n in net.sizes[1:]]
    Ds = [None] + [rng.standard_normal((m, n)).astype(dt) for n in net.sizes[1:]]
    Ws = [None] + [params[f"W{l}"] for l in range(1, L + 1)]

    def run():
        for l in range(1, L + 1):
            As[l - 1] @ Ws[l].T
        for l in range(L, 0, -1):
            Ds[l].T @ As[l - 1]
            if l > 1:
                Ds[l] @ Ws[l]

    # the floor computes no gradient; hand the check the baseline's answer
    return Competitor("gemm floor", run, lambda: handwritten.from_network(net)(params, X, Y),
                      note="matrix products only")


# ------------------------------------------------------------------ torch ----
def make_torch(net, params, X, Y):
    import torch
    import torch.nn.functional as F

    L = net.depth
    tp = {k: torch.from_numpy(v.copy()).requires_grad_(True) for k, v in params.items()}
    order = [k for l in range(1, L + 1) for k in (f"W{l}", f"b{l}") if k in tp]
    leaves = [tp[k] for k in order]
    tX, tY = torch.from_numpy(X), torch.from_numpy(Y)
    acts = [a.name for a in net.activations]

    def loss_fn():
        A = tX
        for l in range(1, L + 1):
            Z = F.linear(A, tp[f"W{l}"], tp.get(f"b{l}"))
            name = acts[l - 1]
            if l == L and name == "softmax":
                return F.cross_entropy(Z, tY)  # probability targets, mean over rows
            A = {"sigmoid": torch.sigmoid, "relu": torch.relu, "tanh": torch.tanh,
                 "identity": lambda t: t}[name](Z)
        return F.mse_loss(A, tY)

    def run():
        J = loss_fn()
        gs = torch.autograd.grad(J, leaves)
        return J.item(), gs

    def result():
        J, gs = run()
        return J, {k: g.numpy() for k, g in zip(order, gs)}

    return Competitor("torch eager", run, result)


# ------------------------------------------------------------------ jax ------
def make_jax(net, params, X, Y):
    import jax
    import jax.numpy as jnp

    L = net.depth
    acts = [a.name for a in net.activations]

    def loss_fn(p, X, Y):
        A = X
        for l in range(1, L + 1):
            Z = A @ p[f"W{l}"].T
            if f"b{l}" in p:
                Z = Z + p[f"b{l}"]
            name = acts[l - 1]
            if l == L and name == "softmax":
                return -jnp.sum(Y * jax.nn.log_softmax(Z, axis=1)) / X.shape[0]
            A = {"sigmoid": jax.nn.sigmoid, "relu": jax.nn.relu, "tanh": jnp.tanh,
                 "identity": lambda t: t}[name](Z)
        return jnp.mean((A - Y) ** 2)

    vg = jax.jit(jax.value_and_grad(loss_fn))
    jp = {k: jnp.asarray(v) for k, v in params.items()}
    jX, jY = jnp.asarray(X), jnp.asarray(Y)

    def run():
        return jax.block_until_ready(vg(jp, jX, jY))

    def result():
        J, g = run()
        return float(J), {k: np.asarray(v) for k, v in g.items()}

    return Competitor("jax jit", run, result)


# ------------------------------------------------------------------ autograd -
def make_autograd(net, params, X, Y):
    import autograd
    import autograd.numpy as anp

    L = net.depth
    acts = [a.name for a in net.activations]

    def loss_fn(p):
        A = X
        for l in range(1, L + 1):
            Z = anp.dot(A, p[f"W{l}"].T)
            if f"b{l}" in p:
                Z = Z + p[f"b{l}"]
            name = acts[l - 1]
            if l == L and name == "softmax":
                Zs = Z - anp.max(Z, axis=1, keepdims=True)
                logp = Zs - anp.log(anp.sum(anp.exp(Zs), axis=1, keepdims=True))
                return -anp.sum(Y * logp) / X.shape[0]
            if name == "sigmoid":
                A = 1.0 / (1.0 + anp.exp(-Z))
            elif name == "relu":
                A = anp.maximum(Z, 0.0)
            elif name == "tanh":
                A = anp.tanh(Z)
            else:
                A = Z
        return anp.mean((A - Y) ** 2)

    vg = autograd.value_and_grad(loss_fn)

    def result():
        J, g = vg(params)
        return float(J), g

    return Competitor("autograd", lambda: vg(params), result)


FACTORIES = {
    "handwritten": make_handwritten,
    "torch eager": make_torch,
    "jax jit": make_jax,
    "autograd": make_autograd,
    "gemm floor": make_gemm,
}


def setup_threads(n: int) -> dict[str, str]:
    """Give every library the same n threads; call before JAX is first used.

    NumPy's OpenBLAS is set through its C API, torch through set_num_threads,
    XLA through XLA_FLAGS (read when JAX creates its CPU client). Returns the
    settings actually in force, for the report."""
    _blas_call("set_num_threads", ctypes.c_int(n))
    desc = {"numpy (OpenBLAS) threads": str(blas_threads())}
    try:
        import torch
        torch.set_num_threads(n)
        desc["torch intra-op threads"] = str(torch.get_num_threads())
    except ImportError:
        pass
    if n == 1:
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                                   " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()
        desc["jax (XLA CPU)"] = "1 (XLA_FLAGS=--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1)"
    else:
        desc["jax (XLA CPU)"] = "XLA default pool (one thread per core)"
    try:
        import jax
        jax.config.update("jax_enable_x64", True)  # the float64 cases need it
    except ImportError:
        pass
    return desc
