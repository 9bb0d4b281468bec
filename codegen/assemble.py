"""The emitter's walk over ``net.layers``: each kind's lines (``codegen.layers``)
strung into the generated module's functions, plus what belongs to the
whole network -- the loss and its output error (BP1), the L2 term, the
input checks, the dropout masks and the running statistics.

Three line kinds travel together: plain code, ``Rec`` (a trace point, kept
only by ``trace``) and ``Upd`` (a running-statistics update, dropped by
``loss``), so value_and_grad and trace are the same lines and
value_and_grad pays nothing for the trace.
"""
from __future__ import annotations

import re
import textwrap

import sympy as sp

from derive import rules
from derive.layers import Act
from derive.network import Network

from . import numerics
from .derivation import LOSS_TEXT, S, array, l2_coefficients, output_error
from .layers import Ctx, Grad, Rec, Upd, build
from .layers.act import alpha_of, forward_code, text as act_text, times
from .layers.base import dims
from .printer import numpy_code
from .text import note


# -- the walk ----------------------------------------------------------------------

def forward(codes, x: str) -> tuple[list, str]:
    """Training-forward lines of a layer sequence from input x; its output's name."""
    lines = []
    for c in codes:
        lines += c.forward(x)
        x = c.out
    return lines, x


def infer(codes, x: str) -> tuple[list, str]:
    """Inference-forward lines (bn: running statistics; dropout: off)."""
    lines = []
    for c in codes:
        lines += c.infer(x)
        x = c.out
    return lines, x


def backward(codes, g: Grad, dx: str | None, top: bool = False) -> tuple[list, Grad | None]:
    """Backward lines of a layer sequence, last layer first.  g: dJ/d(output)
    (dJ/dZ when ``top``: BP1 gave it); dx: the name for dJ/d(input), None
    when it is not needed.  Each layer names its input's gradient as the
    layer below wants it (dZ{l} for a layer with an activation, which then
    multiplies f' in place: BP2)."""
    lines = []
    for i in range(len(codes) - 1, -1, -1):
        target = codes[i - 1].dout if i else dx
        more, g = codes[i].backward(g, target, top and i == len(codes) - 1)
        lines += more
    return lines, g


# -- the output: J and BP1 ---------------------------------------------------------

def _over(k: sp.Rational, mean: bool) -> str:
    """The number k, divided by m when mean, as NumPy source ("2 / m", "1 / (5 * m)")."""
    p, q = int(k.p), int(k.q)
    if not mean:
        return str(p) if q == 1 else f"{p} / {q}"
    return f"{p} / m" if q == 1 else f"{p} / ({q} * m)"


def _scaled(k: sp.Rational) -> str:
    """" * k" as a suffix ("", " / 10", " * 3 / 2")."""
    p, q = int(k.p), int(k.q)
    return ("" if p == 1 else f" * {p}") + ("" if q == 1 else f" / {q}")


class Output:
    """The network's output: yhat's name, the logits' name, and the loss and
    BP1 lines, from the (activation, loss) pair on the rules card."""

    def __init__(self, net: Network, last, L_label: str):
        self.net = net
        act = last.act.act if last.act is not None else Act("identity")
        self.act = act
        self.a = last.out
        self.z = last.z if last.z is not None else last.out
        self.dz = last.dout
        self.label = L_label            # "L" for the comments: n{L} or the width
        n = net.n_out
        self.err = output_error(act.name, net.loss, n, alpha_of(act) if rules.ACTIVATIONS[act.name].default_alpha
                                is not None else None)
        card = rules.LOSSES[net.loss]
        self.from_logits = card.from_logits
        self.total = card.numpy.format(a=self.a, z=self.z, n=n)

    def subs(self) -> dict:
        """The derivation's scalar symbols -> this network's arrays."""
        e = self.err
        out = {e.yhat: array(self.a), e.y: array("Y")}
        if e.z is not None:
            out[e.z] = array(self.z)
        if e.sigmoid:
            out[S] = array(f"S{self.z}")
        return out

    def sigmoid_line(self) -> list[str]:
        """S = sigmoid(Z) when f' is written in it (silu)."""
        if not self.err.sigmoid:
            return []
        return [note(f"S{self.z} = {forward_code(Act('sigmoid'), self.z)}",
                     f"sigmoid({self.z}), which {self.act.name}' is written in")]

    def bp1(self) -> str:
        return numpy_code(self.err.expr.xreplace(self.subs()))

    def lines(self, width: str):
        """(J lines, BP1 lines, loss()'s closing lines).

        For a mean loss the 1/m is folded once into the small output delta,
        so dZ{L} is dJ/dZ{L} = (1/m) dl/dZ{L}; BP2 carries it down and BP3/BP4
        need none.  Squared-error losses share the residual E = A{L} - Y between
        J and BP1; k (in dl/dyhat = k (yhat - y)) comes from the derivation.
        """
        net, err, dZ = self.net, self.err, self.dz
        mean = net.reduction == "mean"
        per_m = " / m" if mean else ""
        act_loss = f"{self.act.name} + {net.loss}"
        bp1 = self.bp1()
        bp1_text = f"{act_loss}, (m, {width})" + ("; see the module docstring" if err.note else "")
        zname = self.z
        if err.residual is not None:
            k, fprime = err.residual
            j_value = f"float(np.vdot(E, E)){_scaled(k / 2)}{per_m}"
            j_lines = [note(f"E = {self.a} - Y", "yhat - y, shared by J and BP1"), f"J = {j_value}"]
            bp1_lines = self.sigmoid_line() + [note(f"{dZ} = E", f"BP1: {bp1_text}: dl/d{zname} = {bp1}")]
            factor = fprime.xreplace(self.subs())
            if factor != 1:
                shown = fprime.xreplace({err.yhat: sp.Symbol("a", real=True)} if err.z is None
                                        else {err.z: sp.Symbol("z", real=True)})
                at = f"a = {self.a}" if err.z is None else f"z = {self.z}"
                if err.sigmoid:
                    at = f"S = sigmoid(z), z = {self.z}"
                bp1_lines.append(note(times(dZ, factor), f"BP1: times {self.act.name}'({zname}) = "
                                                         f"{numpy_code(shown)} with {at}"))
            if k != 1 or mean:
                what = (f"BP1's constant {numpy_code(k)}" if k != 1 else "BP1") + \
                       (" with the batch mean folded in once: dJ/dZ = (1/m) dl/dZ" if mean else "")
                bp1_lines.append(note(f"{dZ} *= {_over(k, mean)}", what))
            return j_lines, bp1_lines, [f"E = {self.a} - Y", f"J = {j_value}"]
        j_lines = [f"J = float({self.total}){per_m}"]
        bp1_lines = self.sigmoid_line() + [note(f"{dZ} = {bp1}", f"BP1: {bp1_text}")]
        if mean:
            fold = "BP1 with the batch mean folded in once: dJ/dZ = (1/m) dl/dZ"
            if err.expr.is_Symbol:  # not a fresh array: do not scale it in place
                bp1_lines = [note(f"{dZ} = {bp1} / m", f"{fold}; {bp1_text}")]
            else:
                bp1_lines.append(note(f"{dZ} *= 1 / m", fold))
        return j_lines, bp1_lines, [f"J = float({self.total}){per_m}"]


# -- the module's context -------------------------------------------------------------

def _shape_tuple(shape) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _text(lines, keep_rec: bool, keep_upd: bool = True) -> list[str]:
    """The lines as source: trace points become arrays["key"] = a copy (or
    vanish), state updates stay or vanish."""
    out = []
    for line in lines:
        if isinstance(line, Rec):
            if keep_rec:
                value = line.code if line.key == "J" else f"np.array({line.code})"
                out.append(f'arrays["{line.key}"] = {value}')
        elif isinstance(line, Upd):
            if keep_upd:
                out.append(line.code)
        else:
            out.append(line)
    return out


def _training_pass(net: Network, ctx: Ctx, codes, out: Output, width: str) -> tuple[list, list, list]:
    """(body, J lines, loss tail): the lines of value_and_grad and trace
    after the checks -- the forward pass, J, BP1 and the backward pass --
    and the lines loss() closes with."""
    L, image, mlp = net.depth, len(net.input) == 3, net.is_mlp
    if image:
        c, h, w = net.input
        body = [note("A0 = np.ascontiguousarray(X.transpose(1, 2, 3, 0))", f"images as ({c}, {h}, {w}, m): the batch last")]
    else:
        body = ["A0 = X"]
    if mlp:
        body += ["# Forward pass; every A{l} is kept, because f' is written in A{l}.",
                 "# Z{l} is a fresh array, so f may overwrite it" +
                 (f" (not Z{L}: J reads it)." if out.from_logits else ".")]
    else:
        body += ["# Forward pass (training): every array the backward pass reads is kept."]
    body += forward(codes, "A0")[0]
    j_lines, bp1_lines, tail = out.lines(width)
    body += j_lines
    if net.l2 is not None:
        c_j, _ = l2_coefficients(net.l2)
        weights = ", ".join(f'params["{w}"]' for w in ctx.weights)
        l2 = note(f"J += {float(c_j)!r} * sum(float(np.vdot(w, w)) for w in ({weights},))",
                  "L2: (lambda/2) times the sum of every weight squared")
        body.append(l2)
        tail = tail + [l2, "return J"]
    else:
        tail = tail[:-1] + ["return " + tail[-1][len("J = "):]]
    body += [Rec("J", "J", "float", "the loss"), "# Backward pass, output layer first."]
    body += bp1_lines
    body += backward(codes, Grad(out.dz, True), None, top=True)[0]
    return body, j_lines, tail


def context(net: Network, form: str = "vectorized") -> dict:
    """Everything the templates print for ``net``."""
    mlp = net.is_mlp
    ctx = Ctx(bias=net.bias, symbolic=mlp, l2=net.l2)
    if net.l2 is not None:
        ctx.l2_grad = l2_coefficients(net.l2)[1]
    codes = build(net.layers, net.input, ctx, keep_last_z=rules.LOSSES[net.loss].from_logits)
    L = net.depth
    out = Output(net, codes[-1], "L")
    width = f"n{L}" if mlp else str(net.n_out)
    body, j_lines, loss_tail = _training_pass(net, ctx, codes, out, width)

    grads = {}
    for c in codes:
        grads.update(c.grads())
    shapes = net.param_shapes()
    assert list(grads) == list(shapes), (grads, shapes)
    has_masks, has_state = bool(ctx.masks), bool(ctx.state)

    # loss(): the inference pass (_logits) when training computes the same,
    # else the training forward pass without trace points or state updates
    inf, logits = infer(codes, "A0")
    loss_body = None
    if has_masks or has_state:
        loss_body = [line for line in body[:body.index(j_lines[0])]
                     if isinstance(line, str) and not line.startswith(("#", "A0 = "))] + loss_tail

    vag_lines, trace_lines = _text(body, keep_rec=False), _text(body, keep_rec=True)
    trace_keys = [("A0", dims(net.input), "X, as given")] + \
                 [(key, dims(shape), "dropout keep-mask, as used") for key, shape, _ in ctx.masks] + \
                 [(line.key, line.shape, line.what or _what(line.key)) for line in body if isinstance(line, Rec)]
    # _logits returns a fresh array, so the output activation may overwrite it
    out_forward = forward_code(out.act, out.z, in_place=True) if out.act.name != "identity" else out.z
    all_code = "\n".join(vag_lines + [str(x) for x in inf] + [out_forward] + (loss_body or loss_tail))
    missing = sorted(set(_called_helpers(all_code)) - set(numerics.HELPERS))
    if missing:
        raise RuntimeError(f"the generated code calls {', '.join(missing)}, which codegen.numerics does not define")
    state_shapes = {key: shape for key, shape, _ in ctx.state}
    return dict(
        spec=net.spec, form=form, mlp=mlp, L=L, image=len(net.input) == 3,
        sizes=net.sizes if mlp else None,
        sizes_tuple=repr(tuple(net.sizes)) if mlp else None,
        acts_tuple=repr(tuple(str(a) for a in net.activations)) if mlp else None,
        layers=[_MlpLayer(c) for c in codes] if mlp else None,
        describe=[line for c in codes for line in c.describe()],
        input_shape=_shape_tuple(net.input), input_dims=dims(net.input), n_out=net.n_out, width=width,
        loss=net.loss, loss_text=LOSS_TEXT[net.loss], reduction=net.reduction, bias=net.bias,
        l2=None if net.l2 is None else float(net.l2), l2_weights=ctx.weights,
        note=bool(out.err.note),
        note_text=f"{out.act.name} + {net.loss}: the output delta d{out.z} = {out.bp1()} assumes {out.err.note}.",
        target_text=_targets_text(net.loss),
        helpers=numerics.helpers_for(all_code),
        shapes=shapes, shapes_repr=_dict_repr(shapes),
        init=[entry for c in codes for entry in c.init()], init_text=[t for c in codes for t in c.init_text()],
        has_masks=has_masks, masks_names=[key for key, _, _ in ctx.masks],
        masks_unpack=f"({ctx.masks[0][0]},)" if len(ctx.masks) == 1 else ", ".join(key for key, _, _ in ctx.masks),
        masks=[(key, _shape_tuple(shape), float(p), len(shape) == 3) for key, shape, p in ctx.masks],
        masks_repr="{" + ", ".join(f'"{key}": ({_shape_tuple(shape)}, {float(p)!r})'
                                   for key, shape, p in ctx.masks) + "}",
        has_state=has_state, state=ctx.state, state_repr=_dict_repr(state_shapes),
        state_check_tuple=_check_tuple(state_shapes, "state"),
        call_extra=(", masks=None, seed=None" if has_masks else "") + (", state=None" if has_state else ""),
        check_tuple=_check_tuple(shapes), n_params=len(shapes), first_key=next(iter(shapes)),
        check_call=("Y = " if net.loss == "ce" else "") + "_check(params, X, Y" +
                   (", state=state" if has_state else "") + ")",
        bp1=out.bp1(), x0="np.ascontiguousarray(X.transpose(1, 2, 3, 0))" if len(net.input) == 3 else "X",
        infer_lines=[str(x) for x in inf], logits=codes[-1].z or logits, out_forward=out_forward,
        out_act=act_text(out.act), out_z=out.z, out_a=out.a,
        loss_from_logits=out.from_logits, loss_body=loss_body, loss_tail=loss_tail,
        trains_differently=has_masks or has_state, loss_mode=_loss_mode(has_masks, has_state),
        vag_lines=vag_lines, trace_lines=trace_lines, trace_keys=trace_keys, grads=grads,
    )


def _loss_mode(has_masks: bool, has_state: bool) -> list[str]:
    """loss()'s docstring lines on what training mode means for this network."""
    parts = (["batch norm uses the batch's statistics (no running statistics are read or updated)"]
             if has_state else []) + \
            (["dropout uses masks, or draws them from seed as value_and_grad does"] if has_masks else [])
    return textwrap.wrap("Training mode, the J value_and_grad returns: " + "; ".join(parts) + ".", 72)


def _what(key: str) -> str:
    """What a trace key holds, from its name."""
    for prefix, what in (("dZres", "dJ/dZres"), ("dAres", "dJ/dAres"), ("Zres", "x + F(x)"),
                         ("Ares", "the block's output"), ("dZ", "dJ/dZ"), ("dA", "dJ/dA"),
                         ("Z", "pre-activation"), ("A", "layer output")):
        if key.startswith(prefix):
            return what
    return ""


def _called_helpers(code: str) -> list[str]:
    return [name for name in re.findall(r"(?<![\w.])(_[a-z][a-z0-9_]*)\(", code)]


def _dict_repr(shapes: dict) -> str:
    return "{" + ", ".join(f'"{k}": {_shape_tuple(v)}' for k, v in shapes.items()) + "}"


def _check_tuple(shapes: dict, name: str = "params") -> tuple[list[str], list[str]]:
    """The two sides of _check's one tuple comparison, the given shapes and
    the expected ones, as lines of at most about 100 characters."""
    return (_wrap([f'{name}["{k}"].shape' for k in shapes]), _wrap([_shape_tuple(v) for v in shapes.values()]))


def _wrap(items: list[str], width: int = 96) -> list[str]:
    lines, line = [], ""
    for item in items:
        if line and len(line) + len(item) + 2 > width:
            lines.append(line + ",")
            line = ""
        line = item if not line else f"{line}, {item}"
    return lines + [line] if line else lines


def _targets_text(loss: str) -> str:
    if loss == "ce":
        return (", each row summing to 1 (one-hot or probabilities),\n"
                "    or integer class labels of shape (m,) (made one-hot here):\n"
                "    the output delta yhat - y relies on rows summing to 1")
    if loss == "bce":
        return ", values in [0, 1]"
    return ""


class _MlpLayer:
    """What the MLP docstring prints for one dense layer."""

    def __init__(self, code):
        self.i, self.n, self.n_in = code.l, code.n, code.n_in
        self.act_text = act_text(code.layer.activation)
