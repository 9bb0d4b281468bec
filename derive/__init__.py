"""chainrule's derivation engine: specs, the activation and loss library,
the symbolic network, chain-rule derivations and their printers."""
from .errors import ChainruleError, SpecError
from .spec import Act, Example, Network, load, parse_spec
from .presets import PRESETS, random_example

__all__ = ["Act", "ChainruleError", "Example", "Network", "PRESETS", "SpecError",
           "load", "parse_spec", "random_example"]
