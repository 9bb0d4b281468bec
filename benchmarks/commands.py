"""The symbolic side stays flat in width: whole commands, timed as a user
runs them, before and after the redesign.

    python -m benchmarks.commands [--before DIR] [--rounds N] [--no-write]

Each command runs in a fresh process (imports included, as a user pays
them); the clock is the child's CPU time (user + system, from
``resource.getrusage``), so other jobs on a shared machine do not inflate
it.  ``--before`` names a checkout of the code before the redesign (for
example ``git worktree add --detach ../before 26c9e42``); its commands run
from that folder, interleaved round by round with the current ones.  A
command the old code cannot run (a handout it fails on, a timeout) is
marked as such.  Writes the "Commands" section of results.md and
commands.png (log-log: CPU seconds against the parameter count).
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TIMEOUT = 240

# (command, spec, parameters): the sizes issue #9 names, and the steps between
DERIVE = ["2-3-1", "8-16-4", "16-32-8", "32-64-10", "64-128-10", "784-128:relu-10:softmax/ce"]
VERIFY = ["2-3-1", "4-8-4", "8-16-4", "8-16-16-4"]
HANDOUT = ["2-3-1", "16-32-10", "64-128-10", "784-128:relu-10:softmax/ce",
           "784-512:relu-256:relu-10:softmax/ce"]


def n_params(spec: str) -> int:
    sizes = [int(s.split(":")[0]) for s in spec.split("/")[0].split("-")]
    return sum(a * b + b for a, b in zip(sizes, sizes[1:]))


def cases():
    out = [("help", "--help", ["--help"])]
    out += [("derive", s, ["derive", s]) for s in DERIVE]
    out += [("verify", s, ["derive", s, "--verify", "--view", "scalar"]) for s in VERIFY]
    out += [("handout", s, ["handout", s, "-o", "{tmp}/h.tex", "--force"]) for s in HANDOUT]
    return out


def run(folder: Path, args: list[str], tmp: str) -> float | None:
    """CPU seconds of ``python -m chainrule ARGS`` run from ``folder``; None if it failed."""
    env = dict(os.environ, PYTHONPATH=str(folder))
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        done = subprocess.run([sys.executable, "-m", "chainrule", *[a.format(tmp=tmp) for a in args]],
                              cwd=folder, env=env, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        return None
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(before: Path | None, rounds: int, log=print) -> dict:
    """{(kind, spec): {"after": [...], "before": [...]}}, interleaved by round."""
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            for kind, spec, args in cases():
                for side, folder in (("after", ROOT), ("before", before)):
                    if folder is None:
                        continue
                    if side == "before" and r > 0 and results[(kind, spec)]["before"] == [None]:
                        continue   # the old code failed once: no need to wait for it again
                    t = run(folder, args, tmp)
                    results.setdefault((kind, spec), {"after": [], "before": []})[side].append(t)
                    log(f"  round {r + 1} {side:<6} {kind:<8} {spec:<40} "
                        f"{'failed' if t is None else f'{t:.2f} s'}")
    return results


def median(values):
    ok = [v for v in values if v is not None]
    return statistics.median(ok) if ok and len(ok) == len(values) else None


def section(results: dict, before_label: str | None) -> str:
    lines = ["## Commands: the symbolic side stays flat in width", "",
             "Each command in a fresh process, as a user runs it; CPU time of the child (user + system), "
             "median of the rounds; `python -m benchmarks.commands`"
             + (f" with the pre-redesign code ({before_label}) run from its own checkout, interleaved."
                if before_label else "."), "",
             "| command | network | parameters | before (s) | after (s) | after / smallest |",
             "|---|---|---:|---:|---:|---:|"]
    smallest = {}
    for (kind, spec), sides in results.items():
        after = median(sides["after"])
        if after is not None and kind not in smallest:
            smallest[kind] = after
        b = median(sides["before"]) if sides["before"] else None
        b_text = "—" if not sides["before"] else ("failed" if b is None else f"{b:.2f}")
        a_text = "failed" if after is None else f"{after:.2f}"
        rel = "" if after is None or kind not in smallest else f"{after / smallest[kind]:.2f}x"
        params = "" if kind == "help" else f"{n_params(spec):,}"
        lines.append(f"| `{kind}` | `{spec}` | {params} | {b_text} | {a_text} | {rel} |")
    lines += ["", "Targets (issue #9): `handout 784-128:relu-10:softmax/ce` at most 3x `handout 2-3-1`; "
              "`--verify` at most 3x the derivation it checks; `derive` at most 1.5x from 2-3-1 to "
              "32-64-10; `--help` without SymPy.", ""]
    return "\n".join(lines)


def plot(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for kind, marker in (("derive", "o"), ("verify", "s"), ("handout", "^")):
        for side, style in (("before", "--"), ("after", "-")):
            pts = [(n_params(spec), median(s[side])) for (k, spec), s in results.items() if k == kind and s[side]]
            pts = [(n, t) for n, t in pts if t is not None]
            if pts:
                ax.plot(*zip(*pts), style, marker=marker, label=f"{kind} ({side})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("parameters")
    ax.set_ylabel("CPU seconds (fresh process)")
    ax.set_title("chainrule commands against network size")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


def write(results: dict, before_label: str | None) -> None:
    path = HERE / "results.md"
    text = path.read_text() if path.exists() else ""
    new = section(results, before_label)
    pattern = re.compile(r"## Commands: the symbolic side stays flat in width.*?(?=\n## |\Z)", re.S)
    text = pattern.sub(new.rstrip() + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + new
    path.write_text(text)
    plot(results, HERE / "commands.png")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.commands", description=__doc__.splitlines()[0])
    p.add_argument("--before", type=Path, help="a checkout of the code before the redesign")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)
    results = measure(args.before, args.rounds)
    label = None
    if args.before:
        label = subprocess.run(["git", "-C", str(args.before), "rev-parse", "--short", "HEAD"],
                               capture_output=True, text=True).stdout.strip() or str(args.before)
    print(section(results, label))
    if not args.no_write:
        write(results, label)
    return 0


if __name__ == "__main__":
    sys.exit(main())
