"""Handout exercises with numbers drawn from ``random.Random(seed)``.

Each exercise is a dict: ``title``, ``question`` (LaTeX), ``solution``
(LaTeX: the formula from the derivation, the numbers plugged in, the value)
and ``space`` (room to leave on the student sheet).  Every solution is
computed from the symbolic network; nothing is typed.
"""
from __future__ import annotations

import random
from fractions import Fraction

import sympy as sp

from . import names
from .library import ACTIVATIONS, output_delta, z as Z_SYM
from .model import Partial
from .printers.latex import escape
from .handout import ELL, J, num, scaled, shown
from .numbers import evaluate



def exercises(h) -> list[dict]:
    """``h`` is the derive.handout.Handout being rendered."""
    rng = random.Random(h.seed)
    out = [forward(h, rng), output_error(h, rng)]
    if h.L >= 2:
        out.append(hidden_error(h, rng))
    grad = weight_gradient(h, rng)
    out.append(grad)
    out.append(shapes(h, rng))
    out.append(what_changes(h, rng, grad))
    out.append(gradient_check(h, rng))
    return out


# ------------------------------------------------------------- helpers --

def dec(rng, lo=-1.0, hi=1.0, places=1) -> sp.Rational:
    v = Fraction(str(round(rng.uniform(lo, hi), places)))
    v = v if v != 0 else Fraction(1, 10 ** places)  # zeros make dull sums
    return sp.Rational(v.numerator, v.denominator)


def activation_value(h, l: int, rng) -> sp.Rational:
    """A plausible a^(l) for layer l's activation."""
    name = h.net.act(l).name
    lo, hi = {"sigmoid": (0.05, 0.95), "tanh": (-0.9, 0.9), "softmax": (0.05, 0.9)}.get(name, (0.1, 1.5))
    return dec(rng, lo, hi, 2)


def plug(h, expr, values: dict) -> str:
    """expr with the numbers written in, unevaluated."""
    return h.tex.plugged(expr.xreplace({s: shown(v) for s, v in values.items()}))


def value(expr, values: dict):
    return sp.sympify(expr).xreplace(values).evalf(30)


def chain(*parts: str) -> str:
    """An align* body: first = second = ..., one per line."""
    return parts[0] + " &= " + r" \\ &= ".join(parts[1:])


def given(h, values: dict) -> str:
    return ", ".join(f"${h.tex(s)} = {num(v)}$" for s, v in values.items())


# ------------------------------------------------------------ exercises --

def forward(h, rng) -> dict:
    net, t = h.net, h.tex
    n0 = net.sizes[0]
    j = rng.randint(1, min(net.sizes[1], 4))
    used = list(range(1, min(n0, 3) + 1))
    vals = {names.x(k): dec(rng) for k in used}
    vals.update({names.w(1, j, k): dec(rng, places=1) for k in used})
    if net.bias:
        vals[names.b(1, j)] = dec(rng, -0.5, 0.5)
    zero = {names.x(k): 0 for k in range(len(used) + 1, n0 + 1)}
    defs = dict(h.bp.forward)
    zj, aj = names.node("z", 1, j), names.node("a", 1, j)
    zexpr = defs[zj].xreplace(zero)
    zval = value(zexpr, vals)
    act = net.act(1)
    rest = f" (all other inputs are 0)" if zero else ""
    lines = [chain(t(zj), t(zexpr), plug(h, zexpr, vals), num(zval))]
    if act.name == "softmax":
        others = {names.node("z", 1, q): dec(rng, -1, 1, 1) for q in range(1, net.sizes[1] + 1) if q != j}
        aval = value(defs[aj], {**others, zj: zval})
        question = (f"The inputs are {given(h, {k: v for k, v in vals.items() if k.name.startswith('x')})}"
                    f"{rest}; the weights and bias into neuron {j} of layer 1 are "
                    f"{given(h, {k: v for k, v in vals.items() if not k.name.startswith('x')})}. "
                    f"Compute ${t(zj)}$. The other outputs' inputs are {given(h, others)}; compute ${t(aj)}$.")
        lines.append(chain(t(aj), t(defs[aj]), plug(h, defs[aj], {**others, zj: zval}), num(aval)))
    else:
        aval = value(defs[aj], {zj: zval})
        question = (f"The inputs are {given(h, {k: v for k, v in vals.items() if k.name.startswith('x')})}"
                    f"{rest}; the weights{' and bias' if net.bias else ''} into neuron {j} of layer 1 are "
                    f"{given(h, {k: v for k, v in vals.items() if not k.name.startswith('x')})}. "
                    f"Compute ${t(zj)}$ and ${t(aj)}$ ({escape(str(act))}).")
        f = defs[aj]
        if isinstance(f, sp.Piecewise):
            lines.append(chain(t(aj), f"\\mathrm{{{escape(act.name)}}}({num(zval)})", num(aval)))
        else:
            lines.append(chain(t(aj), t(f), plug(h, f, {zj: zval}), num(aval)))
    return {"title": "Forward pass", "question": question, "solution": lines, "space": "4cm"}


def output_error(h, rng) -> dict:
    net, t, L = h.net, h.tex, h.L
    n = net.sizes[L]
    act = net.act(L)
    od = output_delta(act.name, net.loss, n, act.alpha)
    back = {**{s: names.node("a", L, k) for k, s in enumerate(od.yhats, 1)},
            **{s: names.y(k) for k, s in enumerate(od.ys, 1)}}
    taught = od.taught[0].xreplace(back)
    vals = {}
    if act.name == "softmax":
        weights = [rng.randint(1, 9) for _ in range(n)]
        total = sum(weights)
        probs = [sp.Rational(round(100 * w_ / total), 100) for w_ in weights[:-1]]
        probs.append(1 - sum(probs))
        hot = rng.randrange(n)
        vals[names.node("a", L, 1)] = probs[0]
        vals[names.y(1)] = sp.Integer(int(hot == 0))
        question = (f"The network's output for one example is ${t(sp.Symbol('yhat'))} = ({', '.join(num(p) for p in probs)})$ "
                    f"and the target is one-hot in class {hot + 1}. Compute the output error "
                    f"${t(names.node('d', L, 1))}$.")
    else:
        lo, hi = (0.05, 0.95) if act.name == "sigmoid" else (-1.0, 1.5)
        vals[names.node("a", L, 1)] = dec(rng, lo, hi, 2)
        vals[names.y(1)] = (sp.Integer(rng.randrange(2)) if net.loss == "bce" else dec(rng, -1, 1, 1))
        others = taught.free_symbols - set(vals)
        question = (f"For one example, {given(h, vals)}"
                    f"{' (other outputs do not enter)' if n > 1 and not others else ''}. "
                    f"Compute the output error ${t(names.node('d', L, 1))}$ "
                    f"({escape(str(act))} output, {escape(net.loss)} loss).")
    lines = [chain(t(names.node("d", L, 1)), t(taught), plug(h, taught, vals), num(value(taught, vals)))]
    return {"title": "Output error (BP1)", "question": question, "solution": lines, "space": "3cm"}


def hidden_error(h, rng) -> dict:
    net, t = h.net, h.tex
    l = h.L - 1
    k = 1
    nxt = min(net.sizes[l + 1], 4)
    vals = {}
    for j in range(1, nxt + 1):
        vals[names.node("d", l + 1, j)] = dec(rng, -0.6, 0.6, 2)
        vals[names.w(l + 1, j, k)] = dec(rng, -1, 1, 1)
    a_val = activation_value(h, l, rng)
    ak = names.node("a", l, k)
    defs = dict(h.bp.backward)
    d = names.node("d", l, k)
    zero = {names.node("d", l + 1, j): 0 for j in range(nxt + 1, net.sizes[l + 1] + 1)}
    expr = defs[d].xreplace(zero)
    fp = h.bp.fprime(l, k, None)
    upstream = sp.Add(*[names.node("d", l + 1, j) * names.w(l + 1, j, k) for j in range(1, nxt + 1)])
    if isinstance(fp, sp.Piecewise):
        fval = fp.xreplace({ak: a_val})
        plugged = plug(h, upstream, vals) + r" \cdot " + num(fval)
    else:
        plugged = r"\left(" + plug(h, upstream, vals) + r"\right) \cdot " + plug(h, fp, {ak: a_val})
    result = value(expr, {**vals, ak: a_val})
    question = (f"In layer {l} ({escape(str(net.act(l)))}), neuron {k} has ${t(ak)} = {num(a_val)}$. "
                f"The errors and weights of layer {l + 1} are {given(h, vals)}"
                f"{' (the other errors are 0)' if zero else ''}. Compute ${t(d)}$ with BP2.")
    lines = [chain(t(d), t(expr), plugged, num(result))]
    return {"title": "Sending the error back (BP2)", "question": question, "solution": lines,
            "space": "4cm"}


def weight_gradient(h, rng) -> dict:
    net, t = h.net, h.tex
    l = rng.randint(1, h.L)
    name = f"w{l}_1_1"
    g = h.bp.gradients[name]
    rows = [1, 2]
    d, local = g.factors
    scale = sp.Rational(1, len(rows)) if net.reduction == "mean" else sp.Integer(1)
    per = {r: {d: names.node("d", l, 1, r), local: local if local.is_Number else
               (names.x(1, r) if l == 1 else names.node("a", l - 1, 1, r))} for r in rows}
    total = sp.Add(*[g.expr.xreplace(per[r]) for r in rows])
    expr = scale * total
    vals = {}
    for r in rows:
        vals[names.node("d", l, 1, r)] = dec(rng, -0.6, 0.6, 2)
        src = names.x(1, r) if l == 1 else names.node("a", l - 1, 1, r)
        vals[src] = dec(rng) if l == 1 else activation_value(h, l - 1, rng) + sp.Rational(r - 1, 10)
    result = value(expr, vals)
    lines = [chain(t(Partial(J, g.param)), scaled(t, scale, total),
                   scaled(t, scale, total, plug(h, total, vals)), num(result))]
    extra = ""
    if net.bias:
        bsum = sp.Add(*[names.node("d", l, 1, r) for r in rows])
        lines.append(chain(t(Partial(J, names.b(l, 1))), scaled(t, scale, bsum),
                           scaled(t, scale, bsum, plug(h, bsum, vals)), num(value(scale * bsum, vals))))
        extra = f" and ${t(Partial(J, names.b(l, 1)))}$"
    question = (f"A batch of $m = 2$ examples (superscript $[r]$ is the row) gives {given(h, vals)}. "
                f"Compute ${t(Partial(J, g.param))}${extra} "
                f"(the loss is {'the mean' if net.reduction == 'mean' else 'the sum'} over the batch).")
    return {"title": "A weight gradient over a batch (BP4" + (", BP3)" if net.bias else ")"), "question": question,
            "solution": lines, "space": "4cm", "value": result, "scale": scale, "m": len(rows),
            "layer": l}


def shapes(h, rng) -> dict:
    net = h.net
    m = rng.choice([8, 16, 32, 64, 100])
    l = rng.randint(1, h.L)
    n, p = net.sizes[l], net.sizes[l - 1]
    prev = "X" if l == 1 else f"A^{{({l - 1})}}"
    prevT = "X^T" if l == 1 else f"A^{{({l - 1})T}}"
    question = (f"Take a batch of $m = {m}$ examples. Give the shapes of $\\Delta^{{({l})}}$, ${prev}$, "
                f"$\\partial J / \\partial W^{{({l})}}$"
                + (f" and $\\partial J / \\partial b^{{({l})}}$" if net.bias else "")
                + f". Why is BP4 $\\Delta^{{({l})T}} {prev}$ and not ${prevT} \\Delta^{{({l})}}$?")
    lines = [f"\\Delta^{{({l})}} &: ({m} \\times {n}), \\qquad {prev} : ({m} \\times {p})",
             f"\\Delta^{{({l})T}} {prev} &: ({n} \\times {m})({m} \\times {p}) = ({n} \\times {p}) "
             f"\\text{{, the shape of }} W^{{({l})}}",
             f"{prevT} \\Delta^{{({l})}} &: ({p} \\times {m})({m} \\times {n}) = ({p} \\times {n}) "
             f"\\text{{, the transpose: wrong for }} W^{{({l})}}"]
    if net.bias:
        lines.append(f"\\partial J / \\partial b^{{({l})}} &: ({n}), \\text{{ a sum over the {m} rows}}")
    return {"title": "Shapes", "question": question, "solution": lines, "space": "3.5cm",
            "explain": f"Only $\\Delta^{{({l})T}} {prev}$ has the shape of $W^{{({l})}}$: "
                       f"the transpose goes on the error, and the sum over the batch is the product's "
                       f"inner dimension $m$."}


def what_changes(h, rng, grad: dict) -> dict:
    net, t = h.net, h.tex
    m = grad["m"]
    other = "sum" if net.reduction == "mean" else "mean"
    # the batch gradient scales with the reduction; computed, not asserted
    new_scale = sp.Integer(1) if other == "sum" else sp.Rational(1, m)
    new_value = (grad["value"] / grad["scale"] * new_scale).evalf(30)
    factor = new_scale / grad["scale"]
    parts = [f"(a) the loss is the {other} over the batch instead of the {net.reduction}: what is "
             f"your answer to the weight-gradient exercise then, and do the errors $\\delta$ change?"]
    lines = [f"\\text{{(a)}}\\quad {t(Partial(J, names.w(grad['layer'], 1, 1)))} &= "
             f"{num(grad['value'])} \\cdot {t(factor)} = {num(new_value)}"]
    explain = [f"(a) The factor changes from ${t(grad['scale'])}$ to ${t(new_scale)}$. The errors "
               f"$\\delta$ of each example are unchanged: the factor sits on "
               f"$\\partial J/\\partial W$ and $\\partial J/\\partial b$ only."]
    hidden = [l for l in range(1, h.L + 1) if net.act(l).name in ("relu", "leaky_relu", "sigmoid", "tanh")]
    if hidden:
        l = hidden[0]
        act = net.act(l)
        fp = h.bp.fprime(l, 1, None)
        a1, z1 = names.node("a", l, 1), names.node("z", l, 1)
        f = ACTIVATIONS[act.name].expr(act.alpha)
        if act.name in ("relu", "leaky_relu"):
            zv = -dec(rng, 0.1, 2.0, 1)
            av = f.xreplace({Z_SYM: zv})
        else:
            zv = sp.Integer(rng.choice([6, 8, 10, 12]))
            av = f.xreplace({Z_SYM: zv}).evalf(30)
        fv = fp.xreplace({a1: av}).evalf(30)
        parts.append(f"(b) ${t(z1)} = {num(zv)}$ ({escape(str(act))}): by what factor is "
                     f"${t(names.node('d', l, 1))}$ multiplied, and what happens to the gradients "
                     f"of the weights into that neuron?")
        lines.append(f"\\text{{(b)}}\\quad {t(a1)} &= {num(av)}, \\qquad "
                     f"f'({t(z1)}) = {t(fp)}\\Big|_{{{t(a1)} = {num(av)}}} = {num(fv)}")
        verdict = ("this path is switched off for this example" if fv == 0 else
                   "the gradient all but vanishes (saturation)" if fv < sp.Float("0.01") else
                   "the error shrinks")
        explain.append(f"(b) ${t(names.node('d', l, 1))}$ and every "
                       f"${t(Partial(ELL, names.w(l, 1, 1)))}$ into that neuron are multiplied by "
                       f"${num(fv)}$: {verdict}.")
    question = "What changes if " + " ".join(parts)
    return {"title": "What changes if ...", "question": question, "solution": lines,
            "explain": " ".join(explain), "space": "4cm"}


def gradient_check(h, rng) -> dict:
    w = h.worked_data()
    bp, ex = w["bp"], h.example
    name = h.net.param_names()[rng.randrange(len(h.net.param_names()))]
    params = {p: sp.Rational(v.numerator, v.denominator) for p, v in ex.params}
    eps = sp.Rational(1, 10 ** 4)
    up = evaluate(bp, ex, {**params, name: params[name] + eps}, grads=False).loss
    down = evaluate(bp, ex, {**params, name: params[name] - eps}, grads=False).loss
    estimate = ((up - down) / (2 * eps)).evalf(30)
    exact = w["values"].gradients[name]
    p = names.sym(name)
    t = h.tex
    question = (f"With the worked example's parameters and $h = 10^{{-4}}$, the loss is "
                f"$J({t(p)} + h) = {num(up)}$ and $J({t(p)} - h) = {num(down)}$. "
                f"Estimate ${t(Partial(J, p))}$ by a central difference and compare it with backprop's value.")
    lines = [f"\\frac{{J({t(p)} + h) - J({t(p)} - h)}}{{2h}} &= {num(estimate)}",
             f"{t(Partial(J, p))} &= {num(exact)} \\quad \\text{{(backprop)}}"]
    diff = abs(estimate - exact)
    explain = (f"They differ by ${num(diff)}$, a relative difference of "
               f"${num(diff / max(abs(exact), sp.Float(1e-300)))}$: the error of a central "
               f"difference shrinks like $h^2$.")
    return {"title": "Checking a gradient numerically", "question": question, "solution": lines,
            "explain": explain, "space": "3cm"}
