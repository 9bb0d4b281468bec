"""chainrule's derivation engine: specs, the rules card, layers, the
symbolic network, chain-rule derivations and their printers.

Names are imported on first use, so that ``chainrule --help`` and argument
errors do not pay for importing SymPy."""
from importlib import import_module

_LAZY = {"Act": "layers", "ChainruleError": "errors", "SpecError": "errors", "Example": "example",
         "random_example": "example", "load": "loading", "Network": "network", "PRESETS": "presets",
         "parse_spec": "spec"}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'derive' has no attribute {name!r}")
