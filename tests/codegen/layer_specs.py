"""Hypothesis strategies for specs that mix every layer kind, built so that
every shape fits: an image, sequence or flat input; conv / pooling / bn /
ln / dropout / residual blocks on images; ln / dropout / residual blocks
and then rnn / lstm / gru on sequences; dense / bn / ln / dropout /
residual dense blocks on flat vectors; every activation on the rules card
whose NumPy helpers exist, every loss, nobias, sum and l2."""
from __future__ import annotations

from hypothesis import strategies as st

from codegen import numerics
from derive.rules import ACTIVATIONS


def activations() -> list[str]:
    """Elementwise activations the generated code can run now (gelu and silu
    need numerics' _gelu/_silu/_erf)."""
    names = [n for n, a in ACTIVATIONS.items() if a.elementwise]
    have = set(numerics.HELPERS)
    return [n for n in names if n not in ("gelu", "silu") or {"_gelu", "_silu", "_erf"} <= have]


def act(draw) -> str:
    name = draw(st.sampled_from(activations() + ["leaky_relu(0.2)", "elu(0.5)"]))
    return name


P = st.sampled_from(["0", "0.25", "0.5", "0.9"])


def _image_layer(draw, shape, inside_res=False):
    """(token, new shape) for one layer on an image (C, H, W), or None."""
    c, h, w = shape
    kind = draw(st.sampled_from(["conv", "conv", "maxpool", "avgpool", "bn", "ln", "dropout"]
                                + ([] if inside_res else ["res"])))
    if kind == "conv":
        if inside_res:   # keep the shape: odd kernel, same padding, stride 1
            k = draw(st.sampled_from([1, 3]))
            return f"conv({c},{k},pad={(k - 1) // 2}):{act(draw)}", shape
        k = draw(st.integers(1, 3))
        pad = draw(st.integers(0, k - 1))
        stride = draw(st.integers(1, 2))
        if k > h + 2 * pad or k > w + 2 * pad:
            return None
        co = draw(st.integers(1, 3))
        oh, ow = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
        opts = (f",stride={stride}" if stride > 1 else "") + (f",pad={pad}" if pad else "")
        return f"conv({co},{k}{opts}):{act(draw)}", (co, oh, ow)
    if kind in ("maxpool", "avgpool"):
        if inside_res:
            return None
        k = draw(st.integers(1, 3))
        if k > min(h, w):
            return None
        return f"{kind}({k})", (c, h // k, w // k)
    if kind == "res":
        inner = []
        for _ in range(draw(st.integers(1, 2))):
            got = _image_layer(draw, shape, inside_res=True)
            if got:
                inner.append(got[0])
        if not inner:
            return None
        tail = draw(st.sampled_from(["", ":relu", ":tanh"]))
        return f"res({'-'.join(inner)}){tail}", shape
    if kind == "dropout":
        return f"dropout({draw(P)})", shape
    if kind == "ln" and c * h * w == 1:
        return None   # see _flat_layer
    return kind, shape


def _flat_layer(draw, n, inside_res=False, last_in_res=False):
    kind = draw(st.sampled_from(["dense", "dense", "bn", "ln", "dropout"] + ([] if inside_res else ["res"])))
    if kind == "dense":
        width = n if inside_res else draw(st.integers(1, 6))
        return f"{width}:{act(draw)}", width
    if kind == "res":
        inner = [_flat_layer(draw, n, inside_res=True)[0] for _ in range(draw(st.integers(1, 2)))]
        tail = draw(st.sampled_from(["", ":relu", ":tanh", ":sigmoid"]))
        return f"res({'-'.join(inner)}){tail}", n
    if kind == "dropout":
        return f"dropout({draw(P)})", n
    if kind == "ln" and n == 1:
        # layer norm over one value is the constant beta; torch's rounding
        # noise there is amplified by 1/sqrt(eps), so there is nothing to compare
        return f"{n}:{act(draw)}", n
    return kind, n


def _sequence_layer(draw, shape):
    kind = draw(st.sampled_from(["ln", "dropout", "res"] if shape[0] * shape[1] > 1 else ["dropout"]))
    if kind == "dropout":
        return f"dropout({draw(P)})"
    if kind == "res":
        return f"res({draw(st.sampled_from(['ln', 'dropout(0.5)', 'ln-dropout(0.25)']))})"
    return "ln"


@st.composite
def layer_specs(draw, max_t=30):
    """A spec string that mixes the layer kinds and always parses."""
    start = draw(st.sampled_from(["flat", "image", "sequence"]))
    tokens = []
    if start == "image":
        shape = (draw(st.integers(1, 3)), draw(st.integers(3, 8)), draw(st.integers(3, 8)))
        head = "x".join(map(str, shape))
        for _ in range(draw(st.integers(1, 3))):
            got = _image_layer(draw, shape)
            if got:
                tokens.append(got[0])
                shape = got[1]
        tokens.append("flatten")
        n = shape[0] * shape[1] * shape[2]
    elif start == "sequence":
        T, F = draw(st.integers(1, max_t)), draw(st.integers(1, 4))
        head = f"{T}x{F}"
        for _ in range(draw(st.integers(0, 2))):
            tokens.append(_sequence_layer(draw, (T, F)))
        H = draw(st.integers(1, 5))
        tokens.append(f"{draw(st.sampled_from(['rnn', 'lstm', 'gru']))}({H})")
        n = H
    else:
        n = draw(st.integers(1, 6))
        head = str(n)
    for _ in range(draw(st.integers(0, 3))):
        token, n = _flat_layer(draw, n)
        tokens.append(token)
    loss = draw(st.sampled_from(["se", "half_se", "mse", "bce", "ce"]))
    width = draw(st.integers(1, 4))
    if loss == "ce":
        tokens.append(f"{max(width, 2)}:softmax")
    elif loss == "bce":
        tokens.append(f"{width}:sigmoid")
    else:
        tokens.append(f"{width}:{act(draw)}")
    items = [loss]
    if draw(st.booleans()):
        items.append("nobias")
    if draw(st.booleans()):
        items.append("sum")
    if draw(st.booleans()):
        items.append(f"l2({draw(st.sampled_from(['0.01', '0.1', '0']))})")
    return "-".join([head] + tokens) + "".join("/" + i for i in items)
