"""The document printer: a whole LaTeX document around a derivation.

The Jinja template (``derive/templates/handout.tex.j2``) holds the preamble
and the document's frame; the body is the LaTeX printer's, with numbered
sections at the top level and code set with ``listings``.  The template
holds no sentence: the words it needs come in as values."""
from __future__ import annotations

from pathlib import Path

import jinja2

from .latex import ENGINE, LatexPrinter, has_cjk, literal, needs_xelatex, prose

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LEVELS = ("section", "subsection*", "subsubsection*")


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        block_start_string=r"\BLOCK{", block_end_string="}",
        variable_start_string=r"\VAR{", variable_end_string="}",
        comment_start_string=r"\#{", comment_end_string="}",
        line_statement_prefix="%%", line_comment_prefix="%#",
        trim_blocks=True, lstrip_blocks=True, autoescape=False,
        keep_trailing_newline=True, undefined=jinja2.StrictUndefined)


class DocumentPrinter:
    def __init__(self, names=None, template: str = "handout.tex.j2", levels: tuple = LEVELS):
        self.body = LatexPrinter(names, levels=levels, code_env="lstlisting")
        self.template = template

    def doprint(self, doc, *, header: str, subtitle: str) -> str:
        """``header`` is the first line (a TeX comment); ``subtitle`` prose under the title."""
        self.body.names = doc.names or self.body.names
        chinese = needs_xelatex(doc) or has_cjk(subtitle)
        token = ENGINE.set("xelatex" if chinese else "pdflatex")
        try:
            body = "\n".join(self.body.doprint_fragment(node) for node in doc.body)
            return environment().get_template(self.template).render(
                header=header, title=literal(doc.title), subtitle=prose(subtitle), body=body, chinese=chinese)
        finally:
            ENGINE.reset(token)
