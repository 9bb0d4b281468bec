"""``codegen.compile``: emit a module once, import it, reuse it.

The cache key is a hash of the normalised spec, the form, and the source of
chainrule's derive and codegen packages (templates included), so a changed
template or library never serves stale code.  Modules live in memory for the
process and as files in a cache folder ($CHAINRULE_CACHE, else
$XDG_CACHE_HOME/chainrule or ~/.cache/chainrule, else the temp folder), so a
new process imports instead of regenerating.
"""
from __future__ import annotations

import builtins
import hashlib
import importlib.util
import os
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from types import ModuleType

from derive.loading import load
from derive.network import Network

stats = {"emitted": 0, "from_disk": 0, "from_memory": 0}
_MEMORY: dict[str, ModuleType] = {}


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    h = hashlib.sha256()
    roots = [Path(__file__).parent, Path(__file__).parent.parent / "derive"]
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".j2") and p.is_file()):
            h.update(path.relative_to(root.parent).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def cache_key(net: Network, form: str) -> str:
    text = "\n".join([net.spec, form, _code_fingerprint()])
    return hashlib.sha256(text.encode()).hexdigest()


def cache_dir() -> Path:
    if os.environ.get("CHAINRULE_CACHE"):
        return Path(os.environ["CHAINRULE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "chainrule"


def _writable(folder: Path) -> Path | None:
    for candidate in (folder, Path(tempfile.gettempdir()) / "chainrule-cache"):
        try:
            candidate.mkdir(parents=True, exist_ok=True)
            if os.access(candidate, os.W_OK):
                return candidate
        except OSError:
            continue
    return None


def compile(spec_or_network, form: str = "vectorized") -> ModuleType:  # noqa: A001 (the contract's name)
    """The generated module for a spec, preset, TOML path or Network, imported."""
    from . import HEADER_PREFIX, emit

    net = spec_or_network if isinstance(spec_or_network, Network) else load(spec_or_network)
    key = cache_key(net, form)
    if key in _MEMORY:
        stats["from_memory"] += 1
        return _MEMORY[key]
    name = f"chainrule_generated_{key[:24]}"
    header = f"{HEADER_PREFIX}{net.spec} -- do not edit.\n"
    folder = _writable(cache_dir())
    path = folder / f"{name}.py" if folder else None
    source = None
    if path is not None and path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
            if text.startswith(header):
                source = text
                stats["from_disk"] += 1
        except OSError:
            pass
    if source is None:
        source = emit(net, form)
        stats["emitted"] += 1
        if path is not None:
            try:
                fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                    fh.write(source)
                os.replace(tmp, path)
            except OSError:
                path = None
    module = _import(name, source, path)
    _MEMORY[key] = module
    return module


def _import(name: str, source: str, path: Path | None) -> ModuleType:
    if path is not None:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    module = ModuleType(name)
    module.__file__ = f"<chainrule {name}>"
    sys.modules[name] = module
    exec(builtins.compile(source, module.__file__, "exec"), module.__dict__)
    return module
