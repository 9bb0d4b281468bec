"""Batch norm and layer norm: x_hat = (x - mu) / sigma, A = gamma x_hat + beta,
with sigma^2 the biased variance plus eps 1e-5 (torch).

Both are written on a matrix whose rows or columns are the groups that
share a mean: batch norm normalises each column of (m, n) over the batch
(BatchNorm1d), or each row of the (C, H*W*m) matrix an image batch already
is here (BatchNorm2d: one row per channel); layer norm normalises each
example's N values: a row of (m, N), or a column of (C*H*W, m) for images.  The backward pass is the simplified
form (CS231n; Ioffe & Szegedy), with sum dy = dJ/dbeta and
sum(dy x_hat) = dJ/dgamma reused:

    dx = (gamma / (N sigma)) (N dy - sum dy - x_hat sum(dy x_hat))     N values per group
"""
from __future__ import annotations

import math

from derive.layers.norm import EPS

from .base import Grad, LayerCode, Rec, Upd, dims, idims, note, record

MOMENTUM = 0.1   # torch's default for the running statistics


class BatchNormCode(LayerCode):
    def __init__(self, layer, shape_in, ctx, output=False):
        super().__init__(layer, shape_in, ctx, output)
        l = self.l
        self.out = f"A{l}"
        self.image = len(shape_in) == 3
        self.n = shape_in[0]
        ctx.state += [(f"running_mean{l}", (self.n,), "zeros"), (f"running_var{l}", (self.n,), "ones")]
        # values per group: m (BatchNorm1d) or m*H*W (BatchNorm2d), as a factor and as a divisor
        self.count = f"m * {shape_in[1] * shape_in[2]}" if self.image else "m"
        self.div = f"({self.count})" if self.image else "m"

    def describe(self):
        kind = "BatchNorm2d over (m, H, W) per channel" if self.image else "BatchNorm1d over the batch"
        return [f"layer {self.l}: bn ({kind}), {dims(self.shape_in)} -> {dims(self.shape_out)}"]

    def init(self):
        return [(f"gamma{self.l}", f"np.ones({self.n})"), (f"beta{self.l}", f"np.zeros({self.n})")]

    def init_text(self):
        return [f"gamma{self.l}, beta{self.l}: 1 and 0 (batch norm starts as a plain normalisation)"]

    def forward(self, x):
        l, n, c = self.l, self.n, self.count
        g, b = f'params["gamma{l}"]', f'params["beta{l}"]'
        if self.image:
            h, w = self.shape_in[1:]
            lines = [note(f"X{l} = {x}.reshape({n}, -1)", f"({n}, {h}*{w}*m): one row per channel")]
            x, axis, col = f"X{l}", "axis=1, keepdims=True", "[:, None]"
            vec = f"({n}, 1)"
        else:
            lines, axis, col, vec = [], "axis=0", "", f"({n},)"
        lines += [
            f"if {c} < 2:",
            f'    raise ValueError("batch norm (layer {l}) needs at least 2 values per channel in a training '
            f'batch, as torch")',
            note(f"mu{l} = {x}.mean({axis})", f"batch mean {vec}"),
            note(f"xc{l} = {x} - mu{l}", "centred"),
            note(f"var{l} = np.square(xc{l}).mean({axis})", f"biased batch variance {vec}, as torch normalises"),
            note(f"rstd{l} = 1 / np.sqrt(var{l} + {EPS})", "1 / sigma, eps = 1e-5"),
            note(f"xhat{l} = xc{l} * rstd{l}", "normalised: mean 0, variance 1 per group"),
            note(f"A{l} = xhat{l} * {g}{col}", "gamma x_hat + beta"),
            f"A{l} += {b}{col}",
        ]
        if self.image:
            h, w = self.shape_in[1:]
            lines.append(note(f"A{l} = A{l}.reshape({n}, {h}, {w}, m)", idims(self.shape_in)))
        mean, var = (f"mu{l}[:, 0]", f"var{l}[:, 0]") if self.image else (f"mu{l}", f"var{l}")
        keep = 1 - MOMENTUM
        lines += [
            Upd(note("if state is not None:", f"the running statistics, momentum {MOMENTUM}, as torch")),
            Upd(f'    state["running_mean{l}"] = {keep!r} * state["running_mean{l}"] + {MOMENTUM!r} * {mean}'),
            Upd(note(f'    state["running_var{l}"] = {keep!r} * state["running_var{l}"] + '
                     f'{MOMENTUM!r} * {self.div} / ({c} - 1) * {var}',
                     "from the unbiased variance, var N / (N - 1)")),
            Rec(f"mu{l}", mean, f"({n},)", "batch mean"),
            Rec(f"var{l}", var, f"({n},)", "biased batch variance"),
            Rec(f"xhat{l}", f"xhat{l}.reshape({n}, {self.shape_in[1]}, {self.shape_in[2]}, -1).transpose(3, 0, 1, 2)"
                if self.image else f"xhat{l}", dims(self.shape_in), "normalised input"),
            record(f"A{l}", f"A{l}", self.shape_out),
        ]
        return lines

    def infer(self, x):
        l = self.l
        tail = "[:, None, None, None]" if self.image else ""   # per channel of (C, H, W, m)
        return [f'A{l} = ({x} - state["running_mean{l}"]{tail}) / np.sqrt(state["running_var{l}"]{tail} + {EPS})',
                f'A{l} *= params["gamma{l}"]{tail}', f'A{l} += params["beta{l}"]{tail}']

    def backward(self, g, dx, top=False):
        l, n = self.l, self.n
        lines = [record(f"dA{l}", g.name, self.shape_out)]
        if self.image:
            lines.append(note(f"dY{l} = {g.name}.reshape({n}, -1)", f"({n}, H*W*m), as X{l}"))
            dy, axis, col = f"dY{l}", "axis=1", "[:, None]"
        else:
            dy, axis, col = g.name, "axis=0", ""
        lines += [
            note(f"dbeta{l} = {dy}.sum({axis})", f"dJ/dbeta = sum dy ({n},)"),
            note(f"dgamma{l} = ({dy} * xhat{l}).sum({axis})", f"dJ/dgamma = sum(dy x_hat) ({n},)"),
        ]
        if dx is None:
            return lines, None
        target = f"dX{l}" if self.image else dx
        lines.append(note(f'{target} = (params["gamma{l}"]{col} * rstd{l} / {self.div}) * '
                          f"({self.div} * {dy} - dbeta{l}{col} - xhat{l} * dgamma{l}{col})",
                          "simplified backward: (gamma / (N sigma)) (N dy - sum dy - x_hat sum(dy x_hat))"))
        if self.image:
            h, w = self.shape_in[1:]
            lines.append(note(f"{dx} = dX{l}.reshape({n}, {h}, {w}, m)", idims(self.shape_in)))
        return lines, Grad(dx, True)


class LayerNormCode(LayerCode):
    """Each example's N values normalised together.  Flat and sequence
    inputs are the (m, N) matrix of one example per row (axis 1); an image
    batch, held (C, H, W, m), is the (N, m) matrix of one example per column
    (axis 0), so no transpose is needed either way."""

    def __init__(self, layer, shape_in, ctx, output=False):
        super().__init__(layer, shape_in, ctx, output)
        self.out = f"A{self.l}"
        self.size = math.prod(shape_in)
        self.image = len(shape_in) == 3
        self.axis = 0 if self.image else 1

    def describe(self):
        return [f"layer {self.l}: ln (LayerNorm over each example's {self.size} values), "
                f"{dims(self.shape_in)} -> {dims(self.shape_out)}"]

    def init(self):
        shape = self.shape_in if len(self.shape_in) > 1 else self.shape_in[0]
        return [(f"gamma{self.l}", f"np.ones({shape})"), (f"beta{self.l}", f"np.zeros({shape})")]

    def init_text(self):
        return [f"gamma{self.l}, beta{self.l}: 1 and 0 (layer norm starts as a plain normalisation)"]

    def _matrix(self, x: str, name: str) -> tuple[list, str]:
        """x as the matrix of one example per row (or per column, for images)."""
        s, N = self.shape_in, self.size
        if len(s) == 1:
            return [], x
        if self.image:
            return [note(f"{name} = {x}.reshape({N}, m)", f"({N}, m): one example per column")], name
        return [note(f"{name} = {x}.reshape(m, {N})", f"(m, {N}): one example per row")], name

    def _back(self, mat: str, name: str) -> list:
        """name = mat in the layout of x."""
        s = self.shape_in
        if len(s) == 1:
            return [] if mat == name else [f"{name} = {mat}"]
        if self.image:
            return [note(f"{name} = {mat}.reshape({s[0]}, {s[1]}, {s[2]}, m)", idims(s))]
        return [note(f"{name} = {mat}.reshape(m, {s[0]}, {s[1]})", dims(s))]

    def _vec(self, key: str) -> str:
        if len(self.shape_in) == 1:
            return f'params["{key}"]'
        return f'params["{key}"].reshape({self.size}, 1)' if self.image else f'params["{key}"].reshape({self.size})'

    def forward(self, x):
        l, ax = self.l, self.axis
        lines, x = self._matrix(x, f"X{l}")
        out = f"A{l}" if len(self.shape_in) == 1 else f"Y{l}"
        stat = "(1, m)" if self.image else "(m, 1)"
        lines += [
            note(f"mu{l} = {x}.mean(axis={ax}, keepdims=True)", f"each example's mean {stat}"),
            note(f"xc{l} = {x} - mu{l}", "centred"),
            note(f"var{l} = np.square(xc{l}).mean(axis={ax}, keepdims=True)", f"each example's biased variance {stat}"),
            note(f"rstd{l} = 1 / np.sqrt(var{l} + {EPS})", "1 / sigma, eps = 1e-5"),
            note(f"xhat{l} = xc{l} * rstd{l}", "normalised"),
            note(f"{out} = xhat{l} * {self._vec(f'gamma{l}')}", "gamma x_hat + beta, per position"),
            f"{out} += {self._vec(f'beta{l}')}",
        ]
        lines += self._back(out, f"A{l}")
        if self.image:
            s = self.shape_in
            xhat = f"xhat{l}.reshape({s[0]}, {s[1]}, {s[2]}, m).transpose(3, 0, 1, 2)"
        else:
            xhat = f"xhat{l}.reshape(m, {', '.join(map(str, self.shape_in))})"
        return lines + [Rec(f"mu{l}", f"mu{l}.ravel()", "(m,)", "each example's mean"),
                        Rec(f"var{l}", f"var{l}.ravel()", "(m,)", "each example's biased variance"),
                        Rec(f"xhat{l}", xhat, dims(self.shape_in), "normalised input"),
                        record(f"A{l}", f"A{l}", self.shape_out)]

    def backward(self, g, dx, top=False):
        l, N, ax = self.l, self.size, self.axis
        s = self.shape_in
        lines = [record(f"dA{l}", g.name, self.shape_out)]
        more, dy = self._matrix(g.name, f"dY{l}")
        lines += more
        batch = 1 - ax          # the axis that runs over the examples
        shape = "" if len(s) == 1 else f".reshape({', '.join(map(str, s))})"
        lines += [
            note(f"dbeta{l} = {dy}.sum(axis={batch}){shape}", "dJ/dbeta = sum over the batch of dy"),
            note(f"dgamma{l} = ({dy} * xhat{l}).sum(axis={batch}){shape}", "dJ/dgamma = sum over the batch of dy x_hat"),
        ]
        if dx is None:
            return lines, None
        mat = dx if len(s) == 1 else f"dX{l}"
        lines += [
            note(f"dxhat{l} = {dy} * {self._vec(f'gamma{l}')}", "dJ/dx_hat"),
            note(f"{mat} = (rstd{l} / {N}) * ({N} * dxhat{l} - dxhat{l}.sum(axis={ax}, keepdims=True)"
                 f" - xhat{l} * (dxhat{l} * xhat{l}).sum(axis={ax}, keepdims=True))",
                 "simplified backward, per example: (1 / (N sigma)) (N g - sum g - x_hat sum(g x_hat)), g = gamma dy"),
        ]
        lines += self._back(mat, dx)
        return lines, Grad(dx, True)
