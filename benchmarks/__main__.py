"""python -m benchmarks [--quick] [--threads N] [--only numeric|precision|symbolic] [--no-write]

Prints the tables; writes benchmarks/results.md, numeric.png and symbolic.png.
A partial run (--only) rewrites the tables it measured and carries the
others over from the previous results.md, saying so and when they were measured.
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for this process (and only
it) before NumPy loads OpenBLAS: see blas.py.
"""
from __future__ import annotations

from .blas import unpin

UNPINNED = unpin()  # before anything imports NumPy

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from . import blas, competitors, layers, numeric, precision, profile, report, symbolic, training, variants  # noqa: E402
from . import fit_optimizers  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[2])
    p.add_argument("--quick", action="store_true", help="a fast smoke run: fewer rounds, small symbolic nets")
    p.add_argument("--threads", type=int, default=1, help="threads for every library (default 1)")
    p.add_argument("--only", choices=("numeric", "precision", "symbolic"),
                   help="run one part only (numeric includes precision: the cost of the precise helpers)")
    p.add_argument("--no-write", action="store_true", help="print only; leave results.md and the plots alone")
    args = p.parse_args(argv)
    args.rounds, args.batch_s = (5, 0.005) if args.quick else (31, 0.02)
    # one thread each: process CPU time ignores the time other jobs on a shared
    # machine take from us; with more threads only wall time is meaningful
    args.clock = time.process_time if args.threads == 1 else time.perf_counter
    return args


def generated_factory(log):
    try:
        import codegen
    except ImportError as e:
        log(f"codegen is not importable ({e}); timing without the generated module")
        return None
    return competitors.generated(codegen.compile)


def profiles_of_large(log, clock):
    """Line profiles of the generated module at the largest case."""
    import codegen
    import derive
    import numpy as np
    spec, m = numeric.CASES[-1]
    out = []
    for dtype in numeric.DTYPES:
        net = derive.Network.parse(spec)
        params, X, Y = numeric.make_data(net, m, dtype)
        rows = profile.line_profile(codegen.compile(spec).value_and_grad, (params, X, Y), calls=20, clock=clock)
        label = f"{spec} m={m} {np.dtype(dtype).name}"
        text = profile.format_profile(rows)
        log(f"\nline profile, generated value_and_grad, {label}\n{text}")
        out.append((label, text, rows))
    return out


def analysis(results, profiles, tried) -> list[str]:
    """Why the generated code loses where it does, in numbers from this run."""
    lines = []
    small = [r for r in results if "generated" in r.timings and r.m < 256]
    if small:
        worst = max(small, key=lambda r: r.timings["generated"].median / r.timings["handwritten"].median)
        h = worst.timings["handwritten"].median
        g = worst.timings["generated"].median
        found = variants.causes(worst.spec)
        lines.append(
            f"- Small and medium sizes are bound by per-call overhead, not arithmetic: at "
            f"{worst.label} one value_and_grad is {numeric.fmt_time(g)} (hand-written "
            f"{numeric.fmt_time(h)}), while its matrix products alone take "
            f"{numeric.fmt_time(worst.timings['gemm floor'].median)}. Every NumPy call costs "
            "about a microsecond here, so each extra one shows. "
            + ("What the emitted code does beyond the hand-written one: " + "; ".join(found) + "."
               if found else "No known inefficiency was found in the emitted code for this network."))
    two_way = {r.label: r.times["generated"] / r.times["handwritten"] for r in tried}
    for res in results:
        if "generated" not in res.timings or res.label not in two_way:
            continue
        six = res.timings["generated"].median / res.timings["handwritten"].median
        if (six > 1.05) != (two_way[res.label] > 1.05):
            lines.append(f"- {res.label}: the main table gives generated / hand-written = {six:.2f}, "
                         f"the separate measurement below (fewer contenders) {two_way[res.label]:.2f}. "
                         "The difference between the two is run-to-run noise; read this case as "
                         "borderline.")
    if tried and not any(r.applied for r in tried):
        ratios = [r.times["generated"] / r.times["handwritten"] for r in tried]
        lines.append("- None of the proposed template changes (benchmarks/variants.py) finds anything "
                     "left to change: the emitted code already does all of them. A separate two-way "
                     f"measurement gives generated / hand-written {min(ratios):.2f}-{max(ratios):.2f} "
                     "across the six cases (table below).")
    elif tried:
        before = [r.times["generated"] / r.times["handwritten"] for r in tried]
        after = [r.times[[k for k in r.times if k != "handwritten"][-1]] / r.times["handwritten"] for r in tried]
        lines.append("- The next table applies each proposed template change to the emitted text "
                     "(cumulatively), checks the gradients are unchanged, and times it: with all of "
                     f"them, generated / hand-written goes from {min(before):.2f}-{max(before):.2f} "
                     f"to {min(after):.2f}-{max(after):.2f} across the six cases.")
    for label, _, rows in profiles:
        total = sum(r[2] for r in rows)
        gemm = sum(r[2] for r in rows if "@" in r[1])
        other = sorted((r for r in rows if "@" not in r[1]), key=lambda r: -r[2])[:3]
        lines.append(f"- {label}: the lines with a matrix product take {gemm / total:.0%} of the "
                     f"profiled time ({gemm * 1e3:.2f} of {total * 1e3:.2f} ms per call); the "
                     "costliest other lines: " +
                     "; ".join(f"`{r[1].split('#')[0].strip()}` {r[2] * 1e3:.2f} ms" for r in other) + ".")
    return lines


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    log = print
    t_start = time.perf_counter()
    load_before = report.load_average()
    threads = competitors.setup_threads(args.threads)
    log("threads: " + "; ".join(f"{k}: {v}" for k, v in threads.items()))
    if UNPINNED:
        log("unset for this run: " + ", ".join(f"{k}={v}" for k, v in UNPINNED.items()))
    for lib in blas.libraries():
        log(f"{lib.get('internal_api')} {lib.get('version')}: core type {lib.get('architecture')}, "
            f"{lib.get('num_threads')} threads")

    results, profiles, tried, cost = [], [], [], None
    ran = {"numeric", "precision", "symbolic"} if args.only is None else \
        {"numeric", "precision"} if args.only == "numeric" else {args.only}
    if "precision" in ran:
        cost = precision.run(rounds=args.rounds, batch_s=args.batch_s, clock=args.clock, log=log)
    if "numeric" in ran:
        results = numeric.run_all(generated_factory(log), rounds=args.rounds, batch_s=args.batch_s,
                                  log=log, clock=args.clock)
        if any("generated" in r.timings for r in results):
            profiles = profiles_of_large(log, args.clock)
            log("\nproposed template changes, cumulative (time / generated)")
            tried = variants.run(rounds=max(5, args.rounds // 2), batch_s=args.batch_s, clock=args.clock, log=log)

    widths, depths, scalar = [], [], []
    if "symbolic" in ran:
        log("\nderive + emit (vectorized), seconds: cold / warm")
        try:
            widths, depths = symbolic.emit_scaling(repeats=2 if args.quick else 5)
        except ImportError as e:
            log(f"  skipped: codegen not importable ({e})")
        for t in widths + depths:
            log(f"  {t.label:<24} {t.params:>6} params  {t.cold:8.4f}  {t.warm:8.4f}")
        log("\nscalar derivation vs naive per-weight diff")
        nets = symbolic.SCALAR_NETS[:4] if args.quick else symbolic.SCALAR_NETS
        scalar = symbolic.scalar_scaling(nets, log=log)

    loads = (load_before, report.load_average())
    if not args.no_write:
        if results:
            report.plot_numeric(results, report.HERE / "numeric.png")
        if scalar:
            report.plot_symbolic(widths, depths, scalar, report.HERE / "symbolic.png")
        path = report.HERE / "results.md"
        previous = path.read_text() if path.exists() else ""
        text = report.write(results, [(lab, txt) for lab, txt, _ in profiles], widths, depths, scalar,
                            threads, loads, args, analysis(results, profiles, tried), tried,
                            cost=cost, blas_lines=blas.report(UNPINNED), ran=ran, previous=previous)
        text = training.keep_section(path, text)  # its own run writes it
        text = layers.keep_section(path, text)    # so does python -m benchmarks.layers
        text = fit_optimizers.keep_section(path, text)   # and python -m benchmarks.fit_optimizers
        path.write_text(text)
        log(f"\nwrote {report.HERE / 'results.md'}")
    log(f"total {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
