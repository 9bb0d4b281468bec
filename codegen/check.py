"""Gradient checking for users: the module's gradients against central
finite differences of its own loss, in float64."""
from __future__ import annotations

import numpy as np

TOLERANCE = 1e-6


def relative_error(g: np.ndarray, ref: np.ndarray, floor: float = 1e-8) -> float:
    """||g - ref|| / max(||g||, ||ref||, floor): 0 when both are 0."""
    g, ref = np.asarray(g, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    scale = max(float(np.linalg.norm(g)), float(np.linalg.norm(ref)), floor)
    return float(np.linalg.norm(g - ref)) / scale


def numeric_gradient(module, params, X, Y, name, eps=1e-6, entries=None, masks=None):
    """(J(p + eps) - J(p - eps)) / (2 eps) for each entry (or the given ones);
    ``masks``: the dropout keep-masks, the same for every evaluation."""
    p = params[name]
    out = np.zeros_like(p)
    kw = {} if masks is None else {"masks": masks}
    for idx in (np.ndindex(p.shape) if entries is None else entries):
        old = p[idx]
        p[idx] = old + eps
        up = module.loss(params, X, Y, **kw)
        p[idx] = old - eps
        down = module.loss(params, X, Y, **kw)
        p[idx] = old
        out[idx] = (up - down) / (2 * eps)
    return out


def gradcheck(module, params, X, Y, eps: float = 1e-6, samples: int | None = None, seed: int = 0):
    """Relative error of module.value_and_grad against central differences.

    Everything is copied to float64 first.  Returns {name: relative error}
    per parameter array: ||g - numeric|| / max(||g||, ||numeric||, floor),
    where floor is 1e-3 times the largest gradient array's norm (at least
    1e-8), because an array whose true gradient is 0 has only
    finite-difference noise to compare.  With ``samples``, only that many random entries of
    each array are checked (a full check of a big network needs two loss
    evaluations per parameter).
    """
    params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    # dropout: one set of keep-masks for every evaluation, or the loss moves under the differences
    masks = None
    if hasattr(module, "MASKS"):
        draw = np.random.default_rng(seed)
        masks = {key: draw.random((X.shape[0],) + shape) >= p for key, (shape, p) in module.MASKS.items()}
    _, grads = module.value_and_grad(params, X, Y, **({} if masks is None else {"masks": masks}))
    rng = np.random.default_rng(seed)
    floor = max(1e-8, 1e-3 * max(float(np.linalg.norm(g)) for g in grads.values()))
    errors = {}
    for name, p in params.items():
        entries = None
        if samples is not None and p.size > samples:
            flat = rng.choice(p.size, size=samples, replace=False)
            entries = [np.unravel_index(i, p.shape) for i in sorted(flat)]
        num = numeric_gradient(module, params, X, Y, name, eps, entries, masks)
        g = grads[name]
        if entries is not None:
            picked = tuple(np.array(ix) for ix in zip(*entries))
            g, num = g[picked], num[picked]
        errors[name] = relative_error(g, num, floor)
    return errors


def random_batch(sizes, loss, m=5, seed=0):
    """Random X and valid Y: one-hot rows for ce, 0/1 for bce.  ``sizes``:
    (input shape, output width), or an MLP's widths n0..nL."""
    rng = np.random.default_rng(seed)
    shape = sizes[0] if isinstance(sizes[0], tuple) else (sizes[0],)
    X = rng.normal(size=(m,) + shape)
    n = sizes[-1]
    if loss == "ce":
        Y = np.eye(n)[rng.integers(0, n, size=m)]
    elif loss == "bce":
        Y = rng.integers(0, 2, size=(m, n)).astype(np.float64)
    else:
        Y = rng.normal(size=(m, n))
    return X, Y


def check_report(module, seed: int = 0, m: int = 5, samples: int = 30) -> str:
    """Run gradcheck on random data of the module's shapes; a table as text."""
    X, Y = random_batch((module.INPUT_SHAPE, module.OUTPUT_SIZE), module.LOSS, m, seed)
    params = module.init_params(seed)
    big = any(p.size > samples for p in params.values())
    errors = gradcheck(module, params, X, Y, samples=samples if big else None, seed=seed)
    rows = [("parameter", "shape", "relative error", "ok")]
    for name, err in errors.items():
        rows.append((name, "x".join(map(str, params[name].shape)), f"{err:.2e}",
                     "yes" if err < TOLERANCE else "NO"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"gradient check of {module.SPEC}: central differences (eps = 1e-06), float64, "
             f"m = {m} random examples, seed {seed}"
             + (f", {samples} random entries per array" if big else "")]
    for r in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    worst = max(errors.values())
    verdict = "all gradients agree" if worst < TOLERANCE else "GRADIENT MISMATCH"
    lines.append(f"{verdict}: largest relative error {worst:.2e} (tolerance {TOLERANCE:g})")
    return "\n".join(lines) + "\n"


def report_ok(report: str) -> bool:
    return "GRADIENT MISMATCH" not in report
