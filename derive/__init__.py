"""chainrule's derivation engine: specs, the rules card, layers, the
symbolic network, chain-rule derivations and their printers."""
from .errors import ChainruleError, SpecError
from .example import Example, random_example
from .layers import Act
from .load import load
from .network import Network
from .presets import PRESETS
from .spec import parse_spec

__all__ = ["Act", "ChainruleError", "Example", "Network", "PRESETS", "SpecError",
           "load", "parse_spec", "random_example"]
