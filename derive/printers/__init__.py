"""Printers for the derivation model, one class per format.

Each printer walks the same ``derive.model`` tree with ``_print_<Node>``
methods and prints the mathematics inside it with a SymPy printer."""
from .base import Printer
from .text import TextPrinter
from .latex import LatexPrinter, tex
from .markdown import MarkdownPrinter
from .json import JsonPrinter

PRINTERS = {"text": TextPrinter, "latex": LatexPrinter, "markdown": MarkdownPrinter,
            "json": JsonPrinter}


def render(derivation, fmt: str = "text") -> str:
    return PRINTERS[fmt](L=derivation.L).doprint(derivation)


__all__ = ["JsonPrinter", "LatexPrinter", "MarkdownPrinter", "PRINTERS", "Printer",
           "TextPrinter", "render", "tex"]
