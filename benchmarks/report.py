"""results.md and the PNG plots, from one run's measurements."""
from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from pathlib import Path

from .numeric import fmt_time

HERE = Path(__file__).resolve().parent
ORDER = ("generated", "handwritten", "gemm floor", "torch eager", "jax jit", "autograd")


# ------------------------------------------------------------------ machine --
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                return " ".join(f for f in ("avx2", "fma", "avx512f") if f in flags)
    except OSError:
        pass
    return ""


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine(threads: dict, load_before, load_after) -> list[str]:
    import numpy as np
    rows = [("CPU", f"{cpu_model()} ({cpu_flags()})"),
            ("cores (os.cpu_count)", str(os.cpu_count())),
            ("load average before / after", f"{load_before} / {load_after}"),
            ("Python", sys.version.split()[0]),
            ("numpy", f"{np.__version__} (BLAS: {blas_name()})")]
    rows += [(d, version(d)) for d in ("sympy", "torch", "jax", "jaxlib", "autograd")]
    rows += list(threads.items())
    return ["| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]


def blas_name() -> str:
    import numpy as np
    try:
        cfg = np.show_config(mode="dicts")
        b = cfg["Build Dependencies"]["blas"]
        return f"{b.get('name')} {b.get('version')}"
    except Exception:  # older numpy: no dict mode
        return "unknown"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


# ------------------------------------------------------------------ numeric --
def ratio(res, name):
    g = res.timings.get("generated")
    t = res.timings.get(name)
    return t.median / g.median if g and t else None


def case_table(res) -> list[str]:
    head = ["| competitor | median | IQR | time / generated | max rel. gradient error |",
            "|---|---:|---:|---:|---:|"]
    rows = []
    for name in ORDER:
        t = res.timings.get(name)
        if t is None:
            if name in res.skipped:
                rows.append(f"| {name} | skipped: {res.skipped[name]} | | | |")
            continue
        r = ratio(res, name)
        rows.append(f"| {name} | {fmt_time(t.median)} | {fmt_time(t.q1)} – {fmt_time(t.q3)} | "
                    f"{'%.2fx' % r if r else '-'} | {res.max_rel_err[name]:.1e} |")
    return head + rows


def summary_table(results) -> list[str]:
    names = [n for n in ORDER if any(n in r.timings for r in results)]
    head = ["| case | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    rows = []
    for res in results:
        cells = []
        for n in names:
            r = ratio(res, n)
            cells.append("-" if r is None else ("**1**" if n == "generated" else f"{r:.2f}"))
        rows.append(f"| `{res.spec}` m={res.m} {res.dtype} | " + " | ".join(cells) + " |")
    return head + rows


def goals(results) -> tuple[list[str], list[str]]:
    """The issue's three goals, checked; and one line per miss."""
    rows, misses = [], []
    if not any("generated" in r.timings for r in results):
        return ["generated code was not available: no goal could be measured"], []
    large = max(r.m for r in results)
    for res in results:
        g = res.timings["generated"].median
        h = res.timings["handwritten"].median
        hw = g / h
        ok = hw <= 1.05
        rows.append((f"within 1.05x of hand-written: {res.label}", f"{hw:.2f}x", ok))
        if not ok:
            misses.append(f"{res.label}: generated takes {hw:.2f}x the hand-written time")
        if res.m == large:
            fl = g / res.timings["gemm floor"].median
            ok = fl <= 1.25
            rows.append((f"within 1.25x of the GEMM floor: {res.label}", f"{fl:.2f}x", ok))
            if not ok:
                misses.append(f"{res.label}: generated takes {fl:.2f}x the GEMM floor")
        elif "torch eager" in res.timings:
            tr = res.timings["torch eager"].median / g
            ok = tr > 1
            rows.append((f"faster than torch eager: {res.label}", f"torch takes {tr:.2f}x", ok))
            if not ok:
                misses.append(f"{res.label}: torch eager is faster ({1 / tr:.2f}x of generated's time)")
    lines = ["| goal | measured | met |", "|---|---:|:---:|"]
    lines += [f"| {g} | {m} | {'yes' if ok else '**no**'} |" for g, m, ok in rows]
    return lines, misses


# ------------------------------------------------------------------ plots ----
def plot_numeric(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = [n for n in ORDER if any(n in r.timings for r in results)]
    fig, ax = plt.subplots(figsize=(10, 4.8))
    width = 0.8 / len(names)
    x = np.arange(len(results))
    ref = "generated" if "generated" in names else "handwritten"
    for i, n in enumerate(names):
        vals = [r.timings[n].median / r.timings[ref].median if n in r.timings else np.nan for r in results]
        ax.bar(x + (i - (len(names) - 1) / 2) * width, vals, width, label=n)
    ax.axhline(1.0, color="black", lw=0.8)
    ax.set_yscale("log")
    ax.set_xticks(x, [f"{r.spec.split('/')[0]}\nm={r.m} {r.dtype}" for r in results], fontsize=7)
    ax.set_ylabel(f"median time / {ref} (log)")
    ax.set_title("value_and_grad, one thread per library (lower is faster)")
    ax.legend(fontsize=8, ncol=3)
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


def plot_symbolic(widths, depths, scalar, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    if widths:
        ax1.loglog([t.params for t in widths], [t.cold for t in widths], "o-", label="vs width (4-w-2), cold")
        ax1.loglog([t.params for t in widths], [t.warm for t in widths], "o--", label="vs width, warm")
        ax1.loglog([t.params for t in depths], [t.cold for t in depths], "s-", label="vs depth (4-8x d-2), cold")
        ax1.loglog([t.params for t in depths], [t.warm for t in depths], "s--", label="vs depth, warm")
        ax1.set_xlabel("parameters")
        ax1.set_ylabel("derive + emit (s)")
        ax1.set_title("vectorized codegen.emit")
        ax1.legend(fontsize=8)
    p = [t.params for t in scalar]
    ax2.loglog(p, [t.backprop for t in scalar], "o-", label="Backprop(net): deltas once")
    ax2.loglog(p, [t.backprop_warm for t in scalar], "o--", label="Backprop(net), library memoised")
    ax2.loglog(p, [t.naive for t in scalar], "s-", label="naive: expand J, sympy.diff per weight")
    for t in scalar:
        ax2.annotate(t.spec.split("/")[0].replace(":sigmoid", "").replace(":identity", ""),
                     (t.params, t.naive), fontsize=7, textcoords="offset points", xytext=(3, 3))
    ax2.set_xlabel("parameters")
    ax2.set_ylabel("seconds")
    ax2.set_title("scalar derivation vs naive per-weight diff")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


# ------------------------------------------------------------------ markdown -
# Which part of a run writes which "## " section; the others describe the run itself.
PARTS = {
    "numeric": ("Goals", "Where the generated code loses, and why",
                "value_and_grad: time relative to the generated module"),
    "precision": ("Precise numerics: what they cost",),
    "symbolic": ("Symbolic side",),
}
PART_TEXT = {"numeric": "numeric side (goals, value_and_grad tables, line profiles, template changes)",
             "precision": "precise numerics: what they cost",
             "symbolic": "symbolic side"}


def sections(text: str) -> dict[str, list[str]]:
    """A results.md split at its "## " headings: heading -> its lines (heading first)."""
    out, current = {}, None
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            out[current] = []
        if current is not None:
            out[current].append(line)
    return out


def _previous_runs(previous: str) -> dict[str, str]:
    """part -> when it was measured, from the previous results.md's run table, or
    from git (the commit that last wrote it)."""
    when = {}
    for line in sections(previous).get("Runs", []):
        cells = [c.strip() for c in line.strip("|").split("|")]
        for part, text in PART_TEXT.items():
            if len(cells) == 2 and cells[0] == text:
                when[part] = cells[1].replace(", this run", "").replace(", carried over", "")
    if len(when) < len(PART_TEXT):
        import subprocess
        try:
            last = subprocess.run(["git", "log", "-1", "--format=%cs (commit %h)", "--", "results.md"],
                                  cwd=HERE, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            last = ""
        for part in PART_TEXT:
            when.setdefault(part, f"{last or 'an earlier run'}")
    return when


def write(results, profiles, widths, depths, scalar, threads, loads, args, analysis, tried=(),
          cost=None, blas_lines=(), ran=("numeric", "precision", "symbolic"), previous="") -> str:
    import datetime
    today = datetime.date.today().isoformat()
    before = sections(previous)
    earlier = _previous_runs(previous)
    only = f" --only {args.only}" if getattr(args, "only", None) else ""
    L = ["# Benchmarks", "",
         f"Written by `python -m benchmarks{' --quick' if args.quick else ''}"
         f"{f' --threads {args.threads}' if args.threads != 1 else ''}{only}`. "
         "Do not edit by hand; rerun instead. Plots: "
         "[numeric.png](numeric.png), [symbolic.png](symbolic.png).", "",
         "## Runs", "",
         "A partial run (`--only`) measures some parts and carries the others over from the "
         "previous results.md unchanged.", "",
         "| part | measured |", "|---|---|"]
    for part, text in PART_TEXT.items():
        L.append(f"| {text} | {today + ', this run' if part in ran else earlier[part] + ', carried over'} |")
    L += ["", "## BLAS", ""] + list(blas_lines) + ["", "## Machine", ""]
    L += machine(threads, *loads)
    L += ["", "## Method", "",
          "- Every contender computes J and the gradient of every parameter for the same "
          "parameters and batch; before any timing, each one's gradients are checked against "
          "the generated module's (max over parameters of max|diff| / max|reference|; "
          "tolerance 1e-7 in float64, 2e-3 in float32).",
          "- Each contender is warmed up (JAX compiles then), its batch size calibrated to "
          f"about {args.batch_s * 1e3:.0f} ms, then {args.rounds} rounds time one batch of each "
          "in turn, rotating who goes first (A B C ... B C A ...), so drift hits all alike. "
          "Reported: the median per call over rounds, and the inter-quartile range. "
          "The large case gets three times the rounds: its calls take milliseconds and share "
          "memory bandwidth and caches with whatever else runs, so its ratios vary most between "
          "runs (a few percent on a quiet machine, up to about 10% on a busy one: compare the "
          "load average above). Read differences smaller than the IQRs as ties.",
          f"- Clock: `{'time.process_time' if args.threads == 1 else 'time.perf_counter'}`. "
          + ("With every library on one thread, the process's CPU time (all its threads) is the "
             "cost of the code itself and leaves out the time the process waited while other "
             "jobs on this shared machine ran; wall time was dominated by that waiting."
             if args.threads == 1 else "Wall time, since several threads run at once."),
          "- One thread per library by default: the machine has few cores and is shared, and "
          "several libraries' spinning worker threads on the same cores slow each other down "
          "unpredictably. See the thread settings above.",
          "- The BLAS a user gets: `OPENBLAS_CORETYPE` and `OPENBLAS_L2_SIZE`, which pin "
          "OpenBLAS to a given core type and cache size, are unset for the benchmark run only "
          "(before NumPy loads OpenBLAS); the kernel that runs is the one reported above.",
          "- torch: `F.linear`, `torch.sigmoid`/`relu`, `F.mse_loss` / `F.cross_entropy` with "
          "probability targets, `torch.autograd.grad`, `J.item()`. JAX: `jit(value_and_grad)`, "
          "`block_until_ready`. autograd: `autograd.value_and_grad` on `autograd.numpy`. "
          "GEMM floor: only the matrix products of one pass (A W^T per layer, delta^T A_prev "
          "per layer, delta W for every layer but the first), with NumPy `@`.",
          "- Data: N(0, 1) inputs, He-scaled weights, N(0, 1) targets for mse, one-hot for ce.",
          ""]
    fresh = {}
    if "numeric" in ran:
        fresh.update(_numeric_sections(results, profiles, analysis, tried))
    if "precision" in ran and cost is not None:
        fresh["Precise numerics: what they cost"] = _precision_section(*cost)
    if "symbolic" in ran:
        fresh["Symbolic side"] = _symbolic_section(widths, depths, scalar)
    for part, names in PARTS.items():
        for name in names:
            if name in fresh:
                L += fresh[name] + [""]
            elif name in before:
                old = [line for line in before[name] if not line.startswith("_Not re-run")]
                L += old[:1] + ["", f"_Not re-run: carried over from the previous results.md "
                                    f"(measured {earlier[part]})._"] + _strip(old[1:]) + [""]
    return "\n".join(L).rstrip("\n") + "\n"


def _strip(lines):
    """Drop leading and trailing blank lines."""
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return [""] + lines if lines else lines


def _numeric_sections(results, profiles, analysis, tried) -> dict[str, list[str]]:
    out = {}
    glines, misses = goals(results)
    out["Goals"] = ["## Goals", ""] + glines
    L = ["## Where the generated code loses, and why", ""]
    if misses:
        L += [f"- {m}" for m in misses] + [""]
    else:
        L += ["Nowhere in this run: every goal above is met.", ""]
    L += analysis
    if tried and not any(r.applied for r in tried):
        from . import variants
        L += ["", "### Generated against hand-written, measured on their own", "",
              "Median time divided by the generated module's; every proposed template change "
              "in benchmarks/variants.py is already in the emitted code.", ""]
        L += variants.table(tried)
    elif tried:
        from . import variants
        L += ["", "### What the proposed template changes would buy", "",
              "Median time divided by the unchanged generated module's, each column adding one "
              "change to the previous (n/a: the change does not apply to that network).", ""]
        L += variants.table(tried) + ["", "The changes, on the emitted `64-128:sigmoid-10/mse` module:",
                                      "", "```diff", variants.example_diff(), "```"]
    out["Where the generated code loses, and why"] = L
    L = ["## value_and_grad: time relative to the generated module", "",
         "Median time divided by the generated module's (below 1: faster than generated).", ""]
    L += summary_table(results) + [""]
    for res in results:
        L += [f"### `{res.spec}`, m={res.m}, {res.dtype}", ""] + case_table(res) + [""]
    for label, text in profiles:
        L += [f"### Line profile of the generated value_and_grad: {label}", "",
              "Time per call charged to each source line (a settrace profiler; helpers "
              "called from a line are charged to it). Lines containing `@` are matrix products.",
              "", "```", text, "```", ""]
    out["value_and_grad: time relative to the generated module"] = L[:-1]
    return out


def _precision_section(helper_rows, module_rows, new_rows=()) -> list[str]:
    from . import precision
    return ["## Precise numerics: what they cost", "",
            "Issue #16.3 made the generated helpers accurate to a few ulps in both tails "
            "(tests/codegen/test_numerics.py measures it). Here each new helper is timed against "
            "the one it replaced, interleaved, one thread, process time: first `_sigmoid` alone "
            "(in place on a fresh array, as value_and_grad calls it; the copy is included in every "
            "contender), then whole value_and_grad calls of modules that differ in that helper "
            "only (the old helper text put back into today's emitted module). The alternative "
            "column: for `_sigmoid`, the sign split applied always, as the issue suggests; for "
            "softmax, the new log-softmax's log1p without the two-sum.", ""] + \
        precision.table(helper_rows, module_rows) + [""] + precision.findings(helper_rows, module_rows) + \
        (["", "### The helpers for gelu and silu (not wired to an activation yet)", "",
          "What a gelu or silu layer will cost per call on a 64x128 array, next to np.tanh on "
          "the same array. `_erf` and the normal cdf are polynomials of degree 10 and 22 "
          "evaluated in float64 (float32 input included) with NumPy, one call per term, so they "
          "cost tens of NumPy calls where np.tanh is one.", ""] + precision.new_table(new_rows)
         if new_rows else [])


def _symbolic_section(widths, depths, scalar) -> list[str]:
    L = ["## Symbolic side", "",
         "### Derive and emit the vectorized module: flat in width", "",
         "`codegen.emit(derive.Network.parse(spec))`. Cold: the memoised per-activation "
         "derivations are cleared first; warm: they are reused (as in a long session). "
         "Median of several runs; all symbolic timings are process CPU time.", "",
         "| network | parameters | cold | warm | lines emitted |", "|---|---:|---:|---:|---:|"]
    for t in widths + depths:
        L.append(f"| `{t.label}` | {t.params} | {t.cold * 1e3:.1f} ms | {t.warm * 1e3:.1f} ms | {t.lines} |")
    L += ["", "### Scalar derivation against naive per-weight diff", "",
          "Backprop-shaped: `derive.network.Backprop(net)` (forward definitions, each delta "
          "once, every gradient in deltas; from scratch, caches cleared; 'warm' reuses the "
          "library's memoised f' and loss derivations, as a session does after its first network). "
          "The ratio uses the from-scratch time. Naive: "
          "`J = Backprop(net).expand(loss)` then `sympy.diff(J, w)` for every parameter "
          "(the time to build the definitions it expands is not charged to it). Both routes "
          "are checked to agree at a random point.", "",
          "| spec | parameters | Backprop(net) | warm | naive total | of which expand | of which diff | naive / backprop | agree |",
          "|---|---:|---:|---:|---:|---:|---:|---:|:---:|"]
    for t in scalar:
        L.append(f"| `{t.spec}` | {t.params} | {t.backprop:.3f} s | {t.backprop_warm:.3f} s | {t.naive:.3f} s | {t.expand:.3f} s "
                 f"| {t.diff:.3f} s | {t.ratio:.1f}x | {'yes' if t.checked else '**no**'} |")
    target = [t for t in scalar if t.spec.startswith("8-16:sigmoid-4")]
    if target:
        t = target[0]
        L += ["", f"At `{t.spec}` ({t.params} parameters) the backprop-shaped derivation is "
              f"**{t.ratio:.1f}x** faster than the naive route (issue 2's target: at least 5x)."]
    return L
