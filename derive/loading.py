"""Whatever the command line accepts as SPEC: a preset name, a TOML file,
or a spec string."""
from __future__ import annotations

import math
import re
import tomllib
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

from .errors import SpecError, did_you_mean
from .example import example_from_table

MAX_FILE = 1 << 20   # bytes of TOML


def load(source):
    """A Network from a preset name, a TOML file path, or a spec string."""
    from .network import Network
    from .presets import PRESETS
    from .spec import parse_spec
    if isinstance(source, Network):
        return source
    if not isinstance(source, str):
        raise SpecError(f"a SPEC is text, got {type(source).__name__}")
    if source in PRESETS:
        return PRESETS[source]()
    if source.endswith(".toml") or ("/" not in source and _is_file(source)):
        return load_toml(source)
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_\-]*", source):
        raise SpecError(f"'{source[:60]}' is not a preset, a TOML file or a spec"
                        f"{did_you_mean(source, PRESETS)}; presets: {', '.join(PRESETS)} "
                        f"(run 'chainrule presets')")
    return parse_spec(source)


def _is_file(source: str) -> bool:
    try:
        return len(source) < 256 and Path(source).is_file()
    except (OSError, ValueError):   # a name too long for the file system, a NUL byte
        return False


def load_toml(path: str):
    from .network import Network
    from .spec import parse_spec
    p = Path(path)
    try:
        if p.is_fifo() or (p.exists() and not p.is_file()):
            raise SpecError(f"'{path}' is not a regular file; give the path of a .toml file")
        if p.is_file() and p.stat().st_size > MAX_FILE:
            raise SpecError(f"'{path}' is {p.stat().st_size:,} bytes; a network file is at most {MAX_FILE:,}")
        data_bytes = p.read_bytes() if p.is_file() else None
    except OSError as exc:
        raise SpecError(f"cannot read '{path}': {exc.strerror or exc}; check the path") from None
    if data_bytes is None:
        raise SpecError(f"cannot read '{path}': no such file; check the path")
    try:
        text = data_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"'{path}' is not UTF-8 text (byte {exc.start + 1}); save it as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"'{path}' is not valid TOML: {exc}") from None
    except (ValueError, OverflowError, RecursionError) as exc:
        raise SpecError(f"'{path}' is not valid TOML: {exc}") from None
    unknown = set(data) - {"network", "example"}
    if unknown:
        key = sorted(unknown)[0]
        raise SpecError(f"'{path}': unknown table [{key}]{did_you_mean(key, ['network', 'example'])}; "
                        f"use [network] and optionally [example]")
    netd = data.get("network")
    if not isinstance(netd, dict):
        raise SpecError(f"'{path}' has no [network] table; add one with layers = [2, 3, 1]")
    allowed = {"layers", "activations", "loss", "bias", "reduction", "name", "spec", "l2"}
    for key in netd:
        if key not in allowed:
            raise SpecError(f"'{path}': unknown key '{key}' in [network]{did_you_mean(key, allowed)}; "
                            f"keys are {', '.join(sorted(allowed))}")
    for key in ("loss", "reduction", "name", "spec"):
        if key in netd and not isinstance(netd[key], str):
            raise SpecError(f"'{path}': [network] {key} must be text, e.g. {key} = \"...\"")
    if "spec" in netd:
        if "layers" in netd:
            raise SpecError(f"'{path}': give either spec or layers in [network], not both")
        net = parse_spec(netd["spec"])
    else:
        net = _from_layers(path, netd)
    if "l2" in netd:
        net = replace(net, l2=_l2(path, netd))
    name = netd.get("name")
    net = replace(net, name=" ".join(str(name).split()) if name is not None else p.stem)
    if "example" in data:
        if not isinstance(data["example"], dict):
            raise SpecError(f"'{path}': [example] must be a table")
        net = net.with_example(example_from_table(net, data["example"], f"'{path}'"))
    return net


def _l2(path, netd) -> Fraction:
    """[network] l2 = 0.01: the penalty's lambda, as the spec's l2(0.01)."""
    value = netd["l2"]
    if "spec" in netd:
        raise SpecError(f"'{path}': give l2 inside spec (\".../l2({value})\") or as l2 = ..., not both")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise SpecError(f"'{path}': [network] l2 must be a number >= 0, e.g. l2 = 0.01")
    return Fraction(str(value))


def _from_layers(path, netd):
    """[network] layers = [2, 3, 1] (widths) or ["1x6x6", "conv(2,3):relu", ...] (tokens)."""
    from .network import Network
    from .spec import parse_spec
    layers = netd.get("layers")
    if not isinstance(layers, list) or len(layers) < 2 or \
            not all(isinstance(n, (int, str)) and not isinstance(n, bool) for n in layers):
        raise SpecError(f"'{path}': [network] layers must be a list of widths, e.g. [2, 3, 1], "
                        f"or of spec tokens, e.g. [\"1x6x6\", \"conv(2,3):relu\", \"flatten\", \"2\"]")
    acts = netd.get("activations", [])
    if isinstance(acts, str):
        acts = [acts] * (len(layers) - 2) + ["identity"] if len(layers) > 2 else [acts]
    if not isinstance(acts, list) or not all(isinstance(a, str) for a in acts):
        raise SpecError(f"'{path}': [network] activations must be a list of names, e.g. [\"relu\", \"identity\"]")
    bias = netd.get("bias", True)
    if not isinstance(bias, bool):
        raise SpecError(f"'{path}': bias must be true or false")
    loss, reduction = netd.get("loss", "mse"), netd.get("reduction", "mean")
    if all(isinstance(n, int) for n in layers):
        if any(n < 1 or n > 10 ** 9 for n in layers):
            raise SpecError(f"'{path}': layer widths must be whole numbers from 1 to 10^9")
        return Network.dense(tuple(layers), tuple(acts), loss, bias, reduction)
    if acts:
        raise SpecError(f"'{path}': with spec tokens in layers, write activations in the tokens "
                        f"(\"8:relu\") instead of an activations list")
    items = f"/{loss}" + ("" if bias else "/nobias") + ("/sum" if reduction == "sum" else "")
    if reduction not in ("mean", "sum"):
        raise SpecError(f"'{path}': reduction must be 'mean' or 'sum', got {reduction!r}")
    return parse_spec("-".join(str(t) for t in layers) + items)
