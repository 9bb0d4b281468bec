"""python -m benchmarks.layers [--quick] [--no-write] [--profile]

The generated value_and_grad for layer kinds beyond dense, against torch
eager (forward + backward) on the same parameters and batch, one thread
each, interleaved rounds, process CPU time:

- LeNet-style conv net and a bn/ln/residual MLP at m = 64 (issue #10);
- lstm and gru at m = 32, torch running its own nn.LSTM / nn.GRU (issue #11);
- the cost of the input checks at 64-128-10, m = 64 (issue #8, section 6).

The measurement runs in a child process whose environment has
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed (so OpenBLAS picks its own
kernel for this CPU) and every thread count set to 1; the parent process
and the rest of chainrule are untouched.  Writes its section of
benchmarks/results.md between the markers below.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BEGIN, END = "<!-- layers: begin -->", "<!-- layers: end -->"
LENET = "1x28x28-conv(6,5):relu-maxpool(2)-conv(16,5):relu-maxpool(2)-flatten-120:relu-84:relu-10:softmax/ce"
BNMLP = "64-128:relu-bn-128:relu-ln-res(128:relu-128)-10:softmax/ce"
LSTM = "20x16-lstm(32)-10:softmax/ce"
GRU = "20x16-gru(32)-1/mse"
CASES = [(LENET, 64, "at most 1.0x torch eager (moonshot); at least within 1.5x"),
         (BNMLP, 64, "at most 1.0x torch eager"),
         (LSTM, 32, "at most 1.0x torch's nn.LSTM; at least within 1.5x"),
         (GRU, 32, "at most 1.0x torch's nn.GRU; at least within 1.5x")]
CHECKS = ("64-128:relu-10:softmax/ce", 64)
CLEAN = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def child_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in CLEAN}
    env.update(ONE_THREAD)
    env["CHAINRULE_BENCH_CHILD"] = "1"
    return env


# ------------------------------------------------------------------ the child --
def torch_model(net, params, dtype):
    """torch eager modules for the four cases, with the generated module's
    parameters copied in, and a step() that runs forward, loss and backward
    (torch.autograd.grad) as a torch user writes it."""
    import numpy as np
    import torch
    from torch import nn
    from derive.layers import BatchNorm, Conv, Dense, Flatten, LayerNorm, Pool, Recurrent, Residual

    tdt = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    keys = {}

    def setp(mod, name, key):
        with torch.no_grad():
            getattr(mod, name).copy_(torch.from_numpy(params[key]))
        keys[key] = getattr(mod, name)

    def build(layers, shape):
        seq = []
        for layer in layers:
            if isinstance(layer, Residual):
                inner = build(layer.inner, shape)
                seq.append(("res", inner))
                continue
            l = layer.l
            if isinstance(layer, Dense):
                mod = nn.Linear(shape[0], layer.n, dtype=tdt)
                setp(mod, "weight", f"W{l}"), setp(mod, "bias", f"b{l}")
                seq.append(("mod", mod))
                if layer.activation.name == "relu":
                    seq.append(("fn", torch.relu))
            elif isinstance(layer, Conv):
                mod = nn.Conv2d(shape[0], layer.channels, layer.k, dtype=tdt)
                setp(mod, "weight", f"W{l}"), setp(mod, "bias", f"b{l}")
                seq += [("mod", mod), ("fn", torch.relu)]
            elif isinstance(layer, Pool):
                seq.append(("mod", nn.MaxPool2d(layer.k)))
            elif isinstance(layer, Flatten):
                seq.append(("fn", lambda x: torch.flatten(x, 1)))
            elif isinstance(layer, BatchNorm):
                mod = nn.BatchNorm1d(shape[0], dtype=tdt)
                setp(mod, "weight", f"gamma{l}"), setp(mod, "bias", f"beta{l}")
                seq.append(("mod", mod))
            elif isinstance(layer, LayerNorm):
                mod = nn.LayerNorm(shape[0], dtype=tdt)
                setp(mod, "weight", f"gamma{l}"), setp(mod, "bias", f"beta{l}")
                seq.append(("mod", mod))
            elif isinstance(layer, Recurrent):
                cls = nn.LSTM if layer.cell == "lstm" else nn.GRU
                mod = cls(shape[1], layer.hidden, batch_first=True, dtype=tdt)
                setp(mod, "weight_ih_l0", f"Wx{l}"), setp(mod, "weight_hh_l0", f"Wh{l}")
                if layer.cell == "gru":
                    setp(mod, "bias_ih_l0", f"bx{l}"), setp(mod, "bias_hh_l0", f"bh{l}")
                else:
                    setp(mod, "bias_ih_l0", f"b{l}")
                    with torch.no_grad():
                        mod.bias_hh_l0.zero_()
                seq.append(("rnn", mod))
            shape = layer.out_shape(shape)
        return seq

    seq = build(net.layers, tuple(net.input))

    def run(seq, x):
        for kind, f in seq:
            if kind == "res":
                x = x + run(f, x)
            elif kind == "rnn":
                x = f(x)[1]
                x = (x[0] if isinstance(x, tuple) else x)[0]
            else:
                x = f(x)
        return x

    plist = list(keys.values())
    return run, seq, plist, keys


def child(quick: bool, profile: bool) -> dict:
    import numpy as np
    import torch
    import torch.nn.functional as F
    import threadpoolctl

    import codegen
    import derive
    from benchmarks.timing import interleaved

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1) if hasattr(torch, "set_num_interop_threads") else None
    rounds, batch_s = (5, 0.01) if quick else (21, 0.05)
    out = {"blas": threadpoolctl.threadpool_info(), "torch_threads": torch.get_num_threads(), "cases": []}
    for spec, m, goal in CASES:
        net = derive.load(spec)
        module = codegen.compile(net)
        for dtype in (np.float32, np.float64):
            rng = np.random.default_rng(0)
            params = {k: v.astype(dtype) for k, v in module.init_params(0).items()}
            X = rng.normal(size=(m,) + tuple(net.input)).astype(dtype)
            labels = rng.integers(0, net.n_out, size=m)
            Y = np.eye(net.n_out, dtype=dtype)[labels] if net.loss == "ce" else rng.normal(size=(m, net.n_out)).astype(dtype)
            run, seq, plist, keys = torch_model(net, params, dtype)
            Xt, Yt, lt = torch.from_numpy(X), torch.from_numpy(Y), torch.from_numpy(labels)

            def torch_step():
                z = run(seq, Xt)
                J = F.cross_entropy(z, lt) if net.loss == "ce" else F.mse_loss(z, Yt)
                grads = torch.autograd.grad(J, plist)
                return J.item(), grads

            def gen_step():
                return module.value_and_grad(params, X, Y)

            # the two agree before anything is timed
            Jg, gg = gen_step()
            Jt, gt = torch_step()
            worst = max(float(np.abs(gg[k] - g.numpy()).max() / max(np.abs(g.numpy()).max(), 1e-30))
                        for k, g in zip(keys, gt))
            tol = 2e-3 if dtype == np.float32 else 1e-8
            assert abs(Jg - Jt) <= tol * max(1, abs(Jt)) and worst < tol, (spec, dtype, Jg, Jt, worst)
            t = interleaved({"generated": gen_step, "torch": torch_step}, rounds=rounds, batch_s=batch_s,
                            clock=time.process_time)
            row = {"spec": spec, "m": m, "dtype": np.dtype(dtype).name, "goal": goal,
                   "generated": t["generated"].median, "torch": t["torch"].median,
                   "generated_iqr": [t["generated"].q1, t["generated"].q3],
                   "torch_iqr": [t["torch"].q1, t["torch"].q3], "max_rel_diff": worst}
            if profile:
                row["profile"] = line_profile(module.value_and_grad, (params, X, Y))
            out["cases"].append(row)
            print(f"{spec} m={m} {row['dtype']}: generated {row['generated'] * 1e3:.3f} ms, "
                  f"torch {row['torch'] * 1e3:.3f} ms, ratio {row['generated'] / row['torch']:.2f}", flush=True)
    # the recurrent loops: time per step, and where it goes
    out["per_step"] = []
    for spec, m, _ in CASES:
        if "lstm" not in spec and "gru" not in spec:
            continue
        for dtype in (np.float32, np.float64):
            times = {}
            for T in (1, 20):
                net = derive.load(spec.replace("20x16", f"{T}x16"))
                module = codegen.compile(net)
                rng = np.random.default_rng(0)
                params = {k: v.astype(dtype) for k, v in module.init_params(0).items()}
                X = rng.normal(size=(m,) + tuple(net.input)).astype(dtype)
                labels = rng.integers(0, net.n_out, size=m)
                Y = np.eye(net.n_out, dtype=dtype)[labels] if net.loss == "ce" else rng.normal(size=(m, net.n_out)).astype(dtype)
                run, seq, plist, _ = torch_model(net, params, dtype)
                Xt, Yt, lt = torch.from_numpy(X), torch.from_numpy(Y), torch.from_numpy(labels)

                def torch_step():
                    z = run(seq, Xt)
                    J = F.cross_entropy(z, lt) if net.loss == "ce" else F.mse_loss(z, Yt)
                    return J.item(), torch.autograd.grad(J, plist)
                t = interleaved({"generated": lambda: module.value_and_grad(params, X, Y), "torch": torch_step},
                                rounds=rounds, batch_s=batch_s, clock=time.process_time)
                times[T] = (t["generated"].median, t["torch"].median)
                if T == 20:
                    loop = loop_profile(module.value_and_grad, (params, X, Y))
            row = {"spec": spec, "dtype": np.dtype(dtype).name,
                   "generated": (times[20][0] - times[1][0]) / 19, "torch": (times[20][1] - times[1][1]) / 19,
                   **loop}
            out["per_step"].append(row)
            print(f"per step {spec} {row['dtype']}: generated {row['generated'] * 1e6:.1f} us "
                  f"(profile: forward {row['forward'] * 1e6:.1f} us of which GEMM {row['forward_gemm'] * 1e6:.1f}, "
                  f"{row['forward_lines']} lines; backward {row['backward'] * 1e6:.1f} us of which GEMM "
                  f"{row['backward_gemm'] * 1e6:.1f}, {row['backward_lines']} lines), torch {row['torch'] * 1e6:.1f} us",
                  flush=True)
    # the input checks' share of value_and_grad
    spec, m = CHECKS
    module = codegen.compile(spec)
    rng = np.random.default_rng(0)
    params = module.init_params(0)
    X = rng.normal(size=(m, 64))
    Y = np.eye(10)[rng.integers(0, 10, size=m)]
    t = interleaved({"value_and_grad": lambda: module.value_and_grad(params, X, Y),
                     "_check": lambda: module._check(params, X, Y)}, rounds=rounds, batch_s=batch_s,
                    clock=time.process_time)
    out["checks"] = {"spec": spec, "m": m, "value_and_grad": t["value_and_grad"].median,
                     "check": t["_check"].median}
    print(f"checks at {spec} m={m}: {t['_check'].median * 1e6:.2f} us of "
          f"{t['value_and_grad'].median * 1e6:.1f} us", flush=True)
    return out


def alone(which: str, spec: str, m: int, dtype_name: str, reps: int) -> dict:
    """One contender by itself in this (fresh) process: ms per call and minor
    page faults per call.  Without torch in the process, malloc keeps its
    default thresholds, which is what a NumPy-only user of the module gets."""
    import resource

    import numpy as np
    import derive
    net = derive.load(spec)
    dtype = np.dtype(dtype_name).type
    rng = np.random.default_rng(0)
    if which == "generated":
        import codegen
        module = codegen.compile(net)
        params = {k: v.astype(dtype) for k, v in module.init_params(0).items()}
        X = rng.normal(size=(m,) + tuple(net.input)).astype(dtype)
        labels = rng.integers(0, net.n_out, size=m)
        Y = np.eye(net.n_out, dtype=dtype)[labels] if net.loss == "ce" else rng.normal(size=(m, net.n_out)).astype(dtype)
        step = lambda: module.value_and_grad(params, X, Y)
    else:
        import torch
        import torch.nn.functional as F
        import codegen
        torch.set_num_threads(1)
        module = codegen.compile(net)
        params = {k: v.astype(dtype) for k, v in module.init_params(0).items()}
        run, seq, plist, _ = torch_model(net, params, dtype)
        Xt = torch.from_numpy(rng.normal(size=(m,) + tuple(net.input)).astype(dtype))
        lt = torch.from_numpy(rng.integers(0, net.n_out, size=m))
        Yt = torch.from_numpy(rng.normal(size=(m, net.n_out)).astype(dtype))

        def step():
            z = run(seq, Xt)
            J = F.cross_entropy(z, lt) if net.loss == "ce" else F.mse_loss(z, Yt)
            return J.item(), torch.autograd.grad(J, plist)
    for _ in range(5):
        step()
    times = []
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    for _ in range(7):
        t0 = time.process_time()
        for _ in range(reps):
            step()
        times.append((time.process_time() - t0) / reps)
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    times.sort()
    return {"time": times[len(times) // 2], "faults": (r1.ru_minflt - r0.ru_minflt) / (7 * reps),
            "sys": (r1.ru_stime - r0.ru_stime) / (7 * reps)}


# glibc's malloc gives freed memory back to the OS once the free space at
# the top of the heap passes a threshold it derives from the largest array
# freed so far; a NumPy pass that frees several times that per call then
# page-faults the same memory back in on every call.  This setting keeps a
# 64 MiB pad instead, so the same pages are reused.
MALLOC_PAD = {"MALLOC_TOP_PAD_": str(64 << 20)}


def run_alone(quick: bool, repeats: int = 3) -> list[dict]:
    """Each contender of each case in its own fresh process (the child's
    environment), then again with MALLOC_PAD; the processes alternate
    (generated, torch, generated, ...) ``repeats`` times and the median of
    their medians is kept, so a change in the machine's load hits both."""
    rows = []
    reps = 5 if quick else 20
    for spec, m, _ in CASES:
        for dtype in ("float32", "float64"):
            row = {"spec": spec, "m": m, "dtype": dtype}
            for suffix, extra in (("", {}), ("_pad", MALLOC_PAD)):
                runs = {"generated": [], "torch": []}
                for _ in range(1 if quick else repeats):
                    for which in ("generated", "torch"):
                        proc = subprocess.run([sys.executable, "-m", "benchmarks.layers", "--alone", which, spec,
                                               str(m), dtype, str(reps)], env={**child_env(), **extra},
                                              cwd=HERE.parent, stdout=subprocess.PIPE, text=True)
                        line = [x for x in proc.stdout.splitlines() if x.startswith("JSON ")]
                        if line:
                            runs[which].append(json.loads(line[-1][5:]))
                for which, got in runs.items():
                    got.sort(key=lambda r: r["time"])
                    row[which + suffix] = got[len(got) // 2] if got else None
            rows.append(row)
            g, t, gp, tp = row["generated"], row["torch"], row["generated_pad"], row["torch_pad"]
            if g and t and gp and tp:
                print(f"alone: {spec} m={m} {dtype}: generated {g['time'] * 1e3:.3f} ms ({g['faults']:.0f} faults/call; "
                      f"padded {gp['time'] * 1e3:.3f} ms), torch {t['time'] * 1e3:.3f} ms ({t['faults']:.0f} faults/call; "
                      f"padded {tp['time'] * 1e3:.3f} ms)", flush=True)
    return rows


def loop_profile(fn, args, calls=50, T=20) -> dict:
    """Per step of the two time loops of a recurrent value_and_grad, from
    line_profiler: the time of the loop bodies' lines, how much of it is the
    GEMM line, and how many statements a step runs."""
    import inspect
    rows = line_profile(fn, args, calls)
    times = {}
    for line, t in rows:
        times[line] = times.get(line, 0.0) + t
    src = inspect.getsource(fn).splitlines()
    loops, current, depth = [], None, None
    for line in src:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if current is not None and stripped and indent <= depth:
            loops.append(current)
            current = None
        if stripped.startswith("for t in range("):
            current, depth = [], indent
        elif current is not None and stripped and not stripped.startswith(("if ", "else", "#")):
            current.append(stripped)
    if current is not None:
        loops.append(current)
    out = {}
    for name, body in zip(("forward", "backward"), loops):
        total = sum(times.get(line, 0.0) for line in body) / T
        gemm = sum(times.get(line, 0.0) for line in body if " @ " in line or "matmul" in line) / T
        out[name], out[name + "_gemm"], out[name + "_lines"] = total, gemm, len(body)
    return out


def line_profile(fn, args, calls=20):
    """[(line, seconds per call)] with line_profiler, or [] when it is not installed."""
    try:
        from line_profiler import LineProfiler
    except ImportError:
        return []
    lp = LineProfiler()
    wrapped = lp(fn)
    for _ in range(3):
        fn(*args)
    for _ in range(calls):
        wrapped(*args)
    stats = lp.get_stats()
    rows = []
    import linecache
    for (filename, _, _), timings in stats.timings.items():
        for lineno, nhits, total in timings:
            rows.append((linecache.getline(filename, lineno).strip(), total * stats.unit / calls))
    return rows


# ------------------------------------------------------------------ the report --
def fmt(s: float) -> str:
    return f"{s * 1e6:.0f} us" if s < 1e-3 else f"{s * 1e3:.2f} ms"


def section(res: dict, cmd: str) -> str:
    blas = "; ".join(f"{b.get('internal_api')} {b.get('version')} ({b.get('architecture')}), "
                     f"{b.get('num_threads')} thread(s)" for b in res["blas"])
    L = [BEGIN, "## Layers beyond dense: generated value_and_grad against torch eager", "",
         f"Written by `{cmd}`. The measuring process runs with `OPENBLAS_CORETYPE` and "
         "`OPENBLAS_L2_SIZE` removed from its environment (OpenBLAS then picks its kernel "
         f"itself: {blas}) and one thread everywhere (`OMP_NUM_THREADS=1`, "
         f"`torch.set_num_threads(1)`: torch reports {res['torch_threads']}); the clock is "
         "`time.process_time`; the two contenders alternate in rounds (benchmarks/timing.py). "
         "torch runs eager `nn` modules (its own `nn.LSTM`/`nn.GRU`, fused kernels) with "
         "`F.cross_entropy` on class indices or `F.mse_loss`, then `torch.autograd.grad` and "
         "`J.item()`; the generated module gets one-hot targets. Both start from the same "
         "parameters and batch, and their gradients are checked to agree before timing.", "",
         "| network | m | dtype | generated | torch eager | generated / torch | goal | met |",
         "|---|---:|---|---:|---:|---:|---|:---:|"]
    for r in res["cases"]:
        ratio = r["generated"] / r["torch"]
        target = 1.0
        loose = 1.5 if "1.5x" in r["goal"] else None
        met = "yes" if ratio <= target else ("within 1.5x" if loose and ratio <= loose else "no")
        L.append(f"| `{r['spec']}` | {r['m']} | {r['dtype']} | {fmt(r['generated'])} | {fmt(r['torch'])} | "
                 f"{ratio:.2f}x | {r['goal']} | {met} |")
    L += ["", "Each contender alone in a fresh process (no torch beside the generated module, no NumPy "
              "work beside torch: what a user of either gets), the same environment; median of 7 "
              "batches, process time, three processes each, alternating, the median kept; with the minor page faults per call (`getrusage`); then both "
              "again with `MALLOC_TOP_PAD_=67108864` (glibc keeps a 64 MiB pad at the top of the heap "
              "instead of returning freed memory to the OS after every call):", "",
          "| network | m | dtype | generated alone | page faults/call | torch alone | page faults/call | "
          "generated / torch | padded: generated | padded: torch | padded: generated / torch |",
          "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in res.get("alone", []):
        g, t, gp, tp = r["generated"], r["torch"], r.get("generated_pad"), r.get("torch_pad")
        if g and t and gp and tp:
            L.append(f"| `{r['spec']}` | {r['m']} | {r['dtype']} | {fmt(g['time'])} | {g['faults']:.0f} | "
                     f"{fmt(t['time'])} | {t['faults']:.0f} | {g['time'] / t['time']:.2f}x | {fmt(gp['time'])} | "
                     f"{fmt(tp['time'])} | {gp['time'] / tp['time']:.2f}x |")
    if res.get("per_step"):
        L += ["", "The recurrent loops, per time step: (time at T = 20 - time at T = 1) / 19, both contenders "
                  "measured as above; the forward and backward loop bodies' share from line_profiler (its "
                  "per-line overhead inflates these a little), split into the one GEMM line and the "
                  "elementwise lines:", "",
              "| network | dtype | generated per step | forward loop: GEMM + elementwise (statements) | "
              "backward loop: GEMM + elementwise (statements) | torch per step |",
              "|---|---|---:|---|---|---:|"]
        for r in res["per_step"]:
            us = lambda x: f"{x * 1e6:.1f} us"
            L.append(f"| `{r['spec']}` | {r['dtype']} | {us(r['generated'])} | {us(r['forward_gemm'])} + "
                     f"{us(r['forward'] - r['forward_gemm'])} ({r['forward_lines']}) | {us(r['backward_gemm'])} + "
                     f"{us(r['backward'] - r['backward_gemm'])} ({r['backward_lines']}) | {us(r['torch'])} |")
    c = res["checks"]
    share = c["check"] / c["value_and_grad"]
    L += ["", f"Input checks (issue #8, section 6): at `{c['spec']}`, m = {c['m']}, float64, `_check` "
              f"(the fast path every call takes) costs {c['check'] * 1e6:.2f} us of value_and_grad's "
              f"{c['value_and_grad'] * 1e6:.1f} us: **{share:.1%}** (goal: under 2%).", ""]
    L += ["", "### Where the generated code loses, and why", ""] + analysis(res) + [""]
    alone = {(a["spec"], a["dtype"]): a for a in res.get("alone", [])}
    for r in res["cases"]:
        a = alone.get((r["spec"], r["dtype"]))
        loses_alone = a and a["generated"] and a["torch"] and a["generated"]["time"] > a["torch"]["time"]
        if r.get("profile") and (r["generated"] > r["torch"] or loses_alone):
            total = sum(t for _, t in r["profile"]) or 1
            top = sorted(r["profile"], key=lambda x: -x[1])[:12]
            L += [f"Line profile (line_profiler) of value_and_grad, `{r['spec']}` m={r['m']} {r['dtype']}, "
                  f"the 12 costliest lines:", "", "```"]
            L += [f"{t * 1e6:9.1f} us {t / total:6.1%}  {line}" for line, t in top]
            L += ["```", ""]
    L.append(END)
    return "\n".join(L)


def keep_section(path, text: str) -> str:
    """``text`` (a new results.md from python -m benchmarks) with this
    benchmark's section from the old file, if it had one."""
    try:
        old = Path(path).read_text()
    except OSError:
        return text
    if BEGIN not in old or END not in old or BEGIN in text:
        return text
    return text.rstrip("\n") + "\n\n" + old[old.index(BEGIN):old.index(END) + len(END)] + "\n"


def analysis(res: dict) -> list[str]:
    """Bullets from this run's numbers: every case the generated code loses
    (side by side, or alone), and what its time goes to."""
    out = []
    alone = {(r["spec"], r["dtype"]): r for r in res.get("alone", [])}
    steps = {(r["spec"], r["dtype"]): r for r in res.get("per_step", [])}
    for r in res["cases"]:
        key = (r["spec"], r["dtype"])
        side = r["generated"] / r["torch"]
        a = alone.get(key)
        lone = a["generated"]["time"] / a["torch"]["time"] if a and a["generated"] and a["torch"] else None
        pad = (a["generated_pad"]["time"] / a["torch_pad"]["time"]
               if a and a.get("generated_pad") and a.get("torch_pad") else None)
        if side <= 1 and (lone is None or lone <= 1):
            continue
        name = f"`{r['spec']}` {r['dtype']}"
        text = f"- {name}: generated / torch = {side:.2f}x side by side"
        if lone is not None:
            text += f", {lone:.2f}x each alone"
        if pad is not None:
            text += f", {pad:.2f}x alone with the heap pad"
        text += "."
        if a and a["generated"]["faults"] > 10 * max(a["torch"]["faults"], 1):
            g = a["generated"]
            text += (f" Alone, the generated module takes {g['faults']:.0f} page faults per call "
                     f"({g['sys'] * 1e3:.1f} ms of system time): glibc returns the freed temporaries "
                     "to the OS after every call (they exceed its trim threshold, which it sets from "
                     "the largest array freed), and the next call faults them back in; "
                     "`MALLOC_TOP_PAD_` removes that (the padded column).")
        if "conv" in r["spec"] and r["dtype"] == "float32":
            text += (" Its arithmetic is im2col GEMMs with a short side (6 or 16 output channels, "
                     "25 or 150 rows per window) that OpenBLAS runs far below its peak (see the "
                     "profile below: the GEMM lines lead), plus the im2col copies; torch runs "
                     "float32 convolutions with oneDNN's direct kernels, which need no column "
                     "matrix, so float32 is where it is strongest (in float64 it falls back to "
                     "im2col too, and loses).")
        elif "conv" in r["spec"]:
            text += (" In float64 torch has no oneDNN kernel and falls back to im2col too; the "
                     "generated module loses only to its own page faults.")
        if key in steps:
            st = steps[key]
            other_f = st["forward"] - st["forward_gemm"]
            other_b = st["backward"] - st["backward_gemm"]
            text += (f" Per time step the generated loop costs {st['generated'] * 1e6:.0f} us against "
                     f"torch's {st['torch'] * 1e6:.0f} us: the profile gives the forward step "
                     f"{st['forward_gemm'] * 1e6:.0f} us of GEMM and {other_f * 1e6:.0f} us in "
                     f"{st['forward_lines'] - 1} elementwise NumPy calls, the backward step "
                     f"{st['backward_gemm'] * 1e6:.0f} us of GEMM and {other_b * 1e6:.0f} us in "
                     f"{st['backward_lines'] - 1} calls; each call on a (m, 4H) = (32, 128) block is a "
                     "microsecond or two, most of it NumPy's per-call overhead and strided gate "
                     "slices, where torch's fused LSTM cell makes one pass.")
        out.append(text)
    if not out:
        out.append("- Nowhere in this run.")
    for key, st in steps.items():
        if st["generated"] <= st["torch"]:
            out.append(f"- Recurrent loop of `{key[0]}` {key[1]}: {st['generated'] * 1e6:.0f} us per step "
                       f"against torch's {st['torch'] * 1e6:.0f} us (forward: {st['forward_gemm'] * 1e6:.0f} us "
                       f"GEMM + {(st['forward'] - st['forward_gemm']) * 1e6:.0f} us elementwise; backward: "
                       f"{st['backward_gemm'] * 1e6:.0f} us GEMM + {(st['backward'] - st['backward_gemm']) * 1e6:.0f} "
                       "us elementwise, from the profile).")
    return out


def write_section(text: str, path: Path = HERE / "results.md") -> None:
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    if BEGIN in old and END in old:
        new = old[:old.index(BEGIN)] + text + old[old.index(END) + len(END):]
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(new)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.layers", description=__doc__.splitlines()[2])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--no-write", action="store_true")
    p.add_argument("--profile", action="store_true", help="line-profile the generated value_and_grad of each case")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--alone", nargs=5, help=argparse.SUPPRESS)
    p.add_argument("--render", metavar="JSON", help="write the section from a saved run's numbers")
    args = p.parse_args(argv)
    if args.render:
        text = section(json.loads(Path(args.render).read_text()), "python -m benchmarks.layers --profile")
        print(text)
        if not args.no_write:
            write_section(text)
        return 0
    if args.child:
        print("JSON " + json.dumps(child(args.quick, args.profile)), flush=True)
        return 0
    if args.alone:
        which, spec, m, dtype, reps = args.alone
        print("JSON " + json.dumps(alone(which, spec, int(m), dtype, int(reps))), flush=True)
        return 0
    cmd = ["python", "-m", "benchmarks.layers"] + (["--quick"] if args.quick else []) + \
          (["--profile"] if args.profile else [])
    proc = subprocess.run([sys.executable, "-m", "benchmarks.layers", "--child"] + cmd[3:], env=child_env(),
                          cwd=HERE.parent, stdout=subprocess.PIPE, text=True)
    result = None
    for line in proc.stdout.splitlines():
        if line.startswith("JSON "):
            result = json.loads(line[5:])
        else:
            print(line)
    if proc.returncode or result is None:
        print("the benchmark process failed", file=sys.stderr)
        return 1
    result["alone"] = run_alone(args.quick)
    # the numbers themselves, so the section can be re-rendered (--render) without measuring again
    (Path(os.environ.get("TMPDIR", "/tmp")) / "chainrule-benchmarks-layers.json").write_text(json.dumps(result))
    text = section(result, " ".join(cmd))
    print(text)
    if not args.no_write:
        write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
