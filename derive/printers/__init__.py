"""Printers for the derivation model, one class per format.

Each printer walks the same ``derive.model`` tree with ``_print_<Node>``
methods and prints the mathematics inside it with a SymPy printer.
Printers import the model's atoms by name only (dispatch is by class
name), never a view."""
from .base import Printer
from .html import HtmlPrinter
from .json import JsonPrinter
from .latex import LatexPrinter, tex
from .markdown import MarkdownPrinter
from .text import TextPrinter

PRINTERS = {"text": TextPrinter, "latex": LatexPrinter, "markdown": MarkdownPrinter,
            "json": JsonPrinter, "html": HtmlPrinter}


def render(derivation, fmt: str = "text") -> str:
    return PRINTERS[fmt](derivation.names).doprint(derivation)


__all__ = ["HtmlPrinter", "JsonPrinter", "LatexPrinter", "MarkdownPrinter", "PRINTERS", "Printer",
           "TextPrinter", "render", "tex"]
