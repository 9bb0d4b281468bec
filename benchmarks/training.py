"""One epoch of training: the generated fit against torch eager and jax.jit.

    python -m benchmarks.training [--rounds N] [--no-write]

784-128:relu-10:softmax/ce, 24,576 examples, batch 128, float32, plain SGD
(lr 0.1), one thread per library, process time, interleaved rounds (see
timing.py).  Every contender runs the same epoch: the same initial weights,
the same shuffled order (np.random.default_rng(0).permutation), the same
192 steps, and keeps the mean loss of the epoch; before timing, their final
weights are compared.

- generated:   module.fit(params, X, Y, epochs=1, batch_size=128, lr=0.1)
- torch eager: nn.Sequential(nn.Linear, nn.ReLU, nn.Linear), F.cross_entropy
               with class indices, torch.optim.SGD; zero_grad, backward, step,
               loss.item() per batch
- jax jit:     one jax.jit train step (value_and_grad, then p - lr * g); the
               batches are NumPy slices; the losses are summed on the device
- gemm floor:  the five matrix products of each step alone (2 forward,
               2 for dW, 1 for dZ1), 192 times, on arrays of the right shapes

Writes its section of results.md (between the markers below); the other
sections are left as they are.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time

import numpy as np

from . import competitors, report, sections
from .timing import interleaved

SPEC = "784-128:relu-10:softmax/ce"
M, BATCH, LR, SEED = 24_576, 128, 0.1, 0
DTYPE = np.float32
BEGIN, END = "<!-- training: begin -->", "<!-- training: end -->"
PINS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def make_data():
    """MNIST-sized inputs in [0, 1) and labels that depend on them (learnable)."""
    rng = np.random.default_rng(1)
    X = rng.random((M, 784), dtype=np.float64).astype(DTYPE)
    labels = (X[:, :10] * np.arange(1, 11)).argmax(axis=1)
    Y = np.eye(10, dtype=DTYPE)[labels]
    return X, Y, labels


def generated_epoch(module, params, X, Y, optimizer="sgd", lr=LR):
    def run():
        return module.fit(params, X, Y, epochs=1, batch_size=BATCH, optimizer=optimizer, lr=lr, seed=SEED)
    return run, lambda: run()[0]


def torch_epoch(params, X, labels, make_opt=None):
    """``make_opt(parameters)``: the torch.optim optimizer (default SGD(lr=LR)), made afresh each round."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    start = {k: torch.from_numpy(params[k].copy()) for k in ("W1", "b1", "W2", "b2")}
    tX, tlabels = torch.from_numpy(X), torch.from_numpy(labels)
    order = torch.from_numpy(np.random.default_rng(SEED).permutation(M))

    def run():
        with torch.no_grad():   # every round starts from the same weights
            for layer, l in ((model[0], 1), (model[2], 2)):
                layer.weight.copy_(start[f"W{l}"])
                layer.bias.copy_(start[f"b{l}"])
        opt = torch.optim.SGD(model.parameters(), lr=LR) if make_opt is None else make_opt(model.parameters())
        total = 0.0
        for s in range(0, M, BATCH):
            rows = order[s:s + BATCH]
            opt.zero_grad()
            loss = F.cross_entropy(model(tX[rows]), tlabels[rows])
            loss.backward()
            opt.step()
            total += loss.item() * len(rows)
        return total / M

    def result():
        run()
        return {"W1": model[0].weight.detach().numpy(), "b1": model[0].bias.detach().numpy(),
                "W2": model[2].weight.detach().numpy(), "b2": model[2].bias.detach().numpy()}
    return run, result


def jax_epoch(params, X, Y):
    import jax
    import jax.numpy as jnp

    def loss_fn(p, Xb, Yb):
        A1 = jax.nn.relu(Xb @ p["W1"].T + p["b1"])
        Z2 = A1 @ p["W2"].T + p["b2"]
        return -jnp.sum(Yb * jax.nn.log_softmax(Z2, axis=1)) / Xb.shape[0]

    @jax.jit
    def step(p, Xb, Yb):
        J, g = jax.value_and_grad(loss_fn)(p, Xb, Yb)
        return {k: p[k] - LR * g[k] for k in p}, J

    start = {k: jnp.asarray(v) for k, v in params.items()}
    order = np.random.default_rng(SEED).permutation(M)
    state = {}

    def run():
        p, total = start, 0.0
        for s in range(0, M, BATCH):
            rows = order[s:s + BATCH]
            p, J = step(p, X[rows], Y[rows])
            total = total + J * len(rows)
        state["p"] = jax.block_until_ready(p)
        return float(total) / M

    def result():
        run()
        return {k: np.asarray(v) for k, v in state["p"].items()}
    return run, result


def gemm_epoch(params, X):
    rng = np.random.default_rng(2)
    W1, W2 = params["W1"], params["W2"]
    Xb = X[:BATCH].copy()
    A1, dZ1 = (rng.standard_normal((BATCH, 128)).astype(DTYPE) for _ in range(2))
    dZ2 = rng.standard_normal((BATCH, 10)).astype(DTYPE)

    def run():
        for _ in range(M // BATCH):
            Xb @ W1.T
            A1 @ W2.T
            dZ2.T @ A1
            dZ2 @ W2
            dZ1.T @ Xb
    return run


def measure(rounds: int, log=print):
    import codegen
    module = codegen.compile(SPEC)
    X, Y, labels = make_data()
    params = {k: v.astype(DTYPE) for k, v in module.init_params(SEED).items()}
    contenders = {"generated": generated_epoch(module, params, X, Y)}
    skipped = {}
    for name, make in (("torch eager", lambda: torch_epoch(params, X, labels)),
                       ("jax jit", lambda: jax_epoch(params, X, Y))):
        try:
            contenders[name] = make()
        except ImportError as e:
            skipped[name] = f"not installed ({e.name})"
    # The same epoch everywhere: the final weights agree to float32 rounding.
    ours = contenders["generated"][1]()
    agreement = {}
    for name, (_, result) in contenders.items():
        theirs = result()
        agreement[name] = max(float(np.max(np.abs(theirs[k] - ours[k]))) / float(np.max(np.abs(ours[k])))
                              for k in ours)
        if agreement[name] > 1e-3:
            raise AssertionError(f"{name} ends the epoch elsewhere (relative difference {agreement[name]:.1e})")
    fns = {name: run for name, (run, _) in contenders.items()}
    fns["gemm floor"] = gemm_epoch(params, X)
    timings = interleaved(fns, rounds=rounds, batch_s=0.0, warmup=1, clock=time.process_time)
    for name, t in sorted(timings.items(), key=lambda kv: kv[1].median):
        log(f"  {name:<12} {t.median * 1e3:8.1f} ms/epoch  IQR {t.q1 * 1e3:.1f}-{t.q3 * 1e3:.1f}  "
            f"{M / t.median:>10,.0f} examples/s")
    return timings, agreement, skipped


def profile_fit() -> tuple[dict[str, tuple[float, float]], str]:
    """Where one epoch of the generated fit spends its time: cProfile with the
    process clock; {function: (own seconds, seconds with callees)} and the table."""
    import cProfile
    import io
    import pstats

    import codegen
    module = codegen.compile(SPEC)
    X, Y, _ = make_data()
    params = {k: v.astype(DTYPE) for k, v in module.init_params(SEED).items()}
    module.fit(params, X, Y, epochs=1, batch_size=BATCH, lr=LR)
    prof = cProfile.Profile(time.process_time)
    prof.enable()
    module.fit(params, X, Y, epochs=1, batch_size=BATCH, lr=LR)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).sort_stats("tottime")
    stats.print_stats(8)
    by_name = {}
    for (_, _, name), (_, _, own, total, _) in stats.stats.items():
        if name in ("fit", "value_and_grad"):
            by_name[name] = (own, total)
    return by_name, out.getvalue()


def section(timings, agreement, skipped, pins, threads, loads, rounds, profile) -> str:
    gen = timings["generated"].median
    floor = timings["gemm floor"].median
    lines = [BEGIN, "## Training: one epoch of fit", "",
             f"Written by `python -m benchmarks.training` (the rest of this file by `python -m benchmarks`).",
             "",
             f"`{SPEC}`, {M:,} examples, batch {BATCH} (192 steps), float32, SGD lr {LR}; "
             f"{rounds} interleaved rounds of one epoch each, median; clock `time.process_time`; "
             "one thread per library (" + "; ".join(f"{k}: {v}" for k, v in threads.items()) + "). "
             f"Load average before / after: {loads[0]} / {loads[1]}.",
             "",
             "OpenBLAS environment: " + pins + ".",
             "",
             "| contender | ms per epoch | IQR | examples/s | time / generated |",
             "|---|---:|---:|---:|---:|"]
    for name, t in sorted(timings.items(), key=lambda kv: kv[1].median):
        lines.append(f"| {name} | {t.median * 1e3:.1f} | {t.q1 * 1e3:.1f}-{t.q3 * 1e3:.1f} | "
                     f"{M / t.median:,.0f} | {t.median / gen:.2f} |")
    lines += [""]
    for name, why in skipped.items():
        lines.append(f"- {name}: skipped, {why}.")
    goals = []
    if "jax jit" in timings:
        r = timings["jax jit"].median / gen
        goals.append(f"| at least as fast as jax.jit | jax takes {r:.2f}x | {'yes' if r >= 1 else 'no'} |")
    if "torch eager" in timings:
        r = timings["torch eager"].median / gen
        goals.append(f"| at least 1.3x torch eager | torch takes {r:.2f}x | {'yes' if r >= 1.3 else 'no'} |")
    lines += ["| goal | measured | met |", "|---|---:|:---:|"] + goals + [
        "",
        f"- Fraction of the GEMM floor: the matrix products alone take {floor / gen:.0%} of the "
        f"generated epoch ({floor * 1e3:.1f} of {gen * 1e3:.1f} ms).",
        f"- Where the generated epoch goes (cProfile, process time, one epoch): value_and_grad "
        f"{profile['value_and_grad'][1] * 1e3:.0f} ms over its 192 calls, of which the matrix products "
        f"are about {floor * 1e3:.0f} ms (the floor above) and the rest is bias, ReLU, softmax and the "
        f"loss; fit's own lines {profile['fit'][0] * 1e3:.0f} ms: mostly the gather of each shuffled "
        "batch (X[rows], Y[rows]: 400 KB per step, the same copy torch and JAX make) and the in-place "
        "SGD update.",
        "- The contenders end the epoch at the same weights: max relative difference from the "
        "generated fit's " + ", ".join(f"{k} {v:.1e}" for k, v in agreement.items() if k != "generated") +
        " (float32 rounding).",
        END]
    return "\n".join(lines) + "\n"


def keep_section(path, text: str) -> str:
    return sections.keep(path, text, BEGIN, END)


def write_section(path, block: str) -> None:
    sections.write(path, block, BEGIN, END)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.training", description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=11, help="interleaved rounds (default 11)")
    p.add_argument("--profile", action="store_true", help="also print a cProfile of one generated epoch")
    p.add_argument("--no-write", action="store_true", help="print only; leave results.md alone")
    args = p.parse_args(argv)
    pins = ", ".join(f"{k}={os.environ[k]}" for k in PINS if k in os.environ)
    pins = f"set: {pins}" if pins else f"{' and '.join(PINS)} unset"
    threads = competitors.setup_threads(1)
    print(f"threads: {threads}; {pins}")
    load_before = report.load_average()
    timings, agreement, skipped = measure(args.rounds)
    loads = (load_before, report.load_average())
    profile, table = profile_fit()
    if args.profile:
        print(table)
    if not args.no_write:
        write_section(report.HERE / "results.md",
                      section(timings, agreement, skipped, pins, threads, loads, args.rounds, profile))
        print(f"wrote {report.HERE / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
