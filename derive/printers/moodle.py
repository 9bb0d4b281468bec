"""An exam as Moodle XML and as GIFT: numerical questions with a tolerance.

A question that asks for several numbers (z and a) becomes one numerical
question per number, each with the whole question text and a sentence
asking for its number.  Each such part gets a category of its own that
holds its copy from every version ($course$/top/<exam>/Q1a Forward pass):
a Moodle quiz adds "a random question" from each category, so that every
student gets the same questions with other numbers, and Moodle grades them.
The worked solution is the question's general feedback.

Moodle XML: https://docs.moodle.org/en/Moodle_XML_format (numerical:
<answer fraction="100"><text>value</text><tolerance>t</tolerance>, the
tolerance absolute).  GIFT: https://docs.moodle.org/en/GIFT_format
(::name::[html]text{#value:tolerance####feedback}, with ~ = # { } : escaped
by a backslash).
"""
from __future__ import annotations

import base64
import html
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from ..format import DIGITS, fmt
from .quiz_html import QuizHtmlPrinter

IMAGE = "network.svg"


def decimal(value) -> str:
    """A number as Moodle reads it, as the printed key gives it: at most
    DIGITS significant digits, plain decimal digits, no exponent."""
    d = Decimal(fmt(value, 17).plain())
    if d == 0:
        return "0"
    return format(Decimal(format(d, f".{DIGITS}g")).normalize(), "f")


def category_path(exam_title: str, part_category: str) -> str:
    """The category of one part; '/' inside a name is written '//' (Moodle's rule)."""
    return "$course$/top/" + "/".join(p.replace("/", "//") for p in (exam_title, part_category))


def _diagram_image(diagram, names) -> str | None:
    """The network drawn as SVG for the question text, or None for none."""
    from .svg import diagram_svg
    return diagram_svg(diagram, names)


class _Quiz:
    """What both formats print: per part of each question, its text,
    feedback and key, grouped by category in question order."""

    def __init__(self, names=None):
        self.html = QuizHtmlPrinter(names)

    def items(self, exam, inline: bool = False):
        """(category path, [(name, text html, feedback html, numeric), ...]) per category,
        and the drawing; ``inline`` puts the drawing into the text as a data URI
        (GIFT carries no files), else the text refers to the file Moodle XML embeds."""
        self.html.names = exam.names or self.html.names
        image = _diagram_image(exam.diagram, exam.names) if exam.diagram is not None else None
        context = "".join(self.html.doprint(n) for n in exam.context)
        if image is not None:
            src = ("data:image/svg+xml;base64," + base64.b64encode(image.encode("utf-8")).decode("ascii")
                   if inline else f"@@PLUGINFILE@@/{IMAGE}")
            context += '<p><img src="%s" alt="%s"></p>' % (src, html.escape(exam.data.get("spec", "")))
        groups: dict[str, list] = {}
        for version in exam.versions:
            for q in version.questions:
                body = self.html.doprint(q.exercise)
                feedback = "".join(self.html.doprint(n) for n in q.exercise.answer or [])
                for part in q.parts:
                    text = context + body + self.html.doprint(part.prompt)
                    groups.setdefault(category_path(exam.title, part.category), []).append(
                        (part.name, text, feedback, part.asked))
        return list(groups.items()), image


class MoodleXmlPrinter(_Quiz):
    def doprint(self, exam, header: str) -> str:
        """``header``: the XML declaration and chainrule's comment, one per line."""
        groups, image = self.items(exam)
        quiz = ET.Element("quiz")
        for path, items in groups:
            cat = ET.SubElement(quiz, "question", type="category")
            _text(ET.SubElement(cat, "category"), path)
            _text(ET.SubElement(cat, "info", format="moodle_auto_format"), "")
            for name, text, feedback, asked in items:
                q = ET.SubElement(quiz, "question", type="numerical")
                _text(ET.SubElement(q, "name"), name)
                qt = ET.SubElement(q, "questiontext", format="html")
                _text(qt, text)
                if image is not None:
                    f = ET.SubElement(qt, "file", name=IMAGE, path="/", encoding="base64")
                    f.text = base64.b64encode(image.encode("utf-8")).decode("ascii")
                _text(ET.SubElement(q, "generalfeedback", format="html"), feedback)
                ET.SubElement(q, "defaultgrade").text = "1"
                ET.SubElement(q, "penalty").text = "0"
                ET.SubElement(q, "hidden").text = "0"
                answer = ET.SubElement(q, "answer", fraction="100", format="moodle_auto_format")
                _text(answer, decimal(asked.value))
                _text(ET.SubElement(answer, "feedback", format="html"), "")
                ET.SubElement(answer, "tolerance").text = decimal(asked.tolerance)
                ET.SubElement(q, "unitgradingtype").text = "0"
                ET.SubElement(q, "unitpenalty").text = "0"
                ET.SubElement(q, "showunits").text = "3"    # no units
                ET.SubElement(q, "unitsleft").text = "0"
        ET.indent(quiz, "  ")
        return header + ET.tostring(quiz, encoding="unicode", short_empty_elements=False) + "\n"


def _text(parent, value: str) -> None:
    ET.SubElement(parent, "text").text = value


# GIFT: these are special everywhere in a question; a backslash escapes them
GIFT_SPECIAL = "~=#{}:"
# A backslash that GIFT would read as an escape (before a special character,
# 'n' for a new line, or another backslash) is written as the HTML entity
# &#92; (its '#' escaped in turn): the browser, and so MathJax, sees '\'.
_GIFT_BACKSLASH = re.compile(r"\\(?=[~=#{}:n\\])")
_MARK = "\0"


def gift_escape(text: str) -> str:
    """Text for a GIFT file that Moodle reads back as ``text`` (as HTML)."""
    text = _GIFT_BACKSLASH.sub(_MARK, text.replace(_MARK, ""))
    text = "".join("\\" + c if c in GIFT_SPECIAL else c for c in text)
    text = text.replace(_MARK, "&\\#92;")
    return " ".join(text.split("\n"))   # a question is one paragraph: no blank line inside


class GiftPrinter(_Quiz):
    def doprint(self, exam, header: str) -> str:
        groups, _ = self.items(exam, inline=True)
        out = [header.rstrip("\n"), ""]
        for path, items in groups:
            out += [f"$CATEGORY: {path}", ""]
            for name, text, feedback, asked in items:
                out += ["::%s::[html]%s{#%s:%s####%s}" % (gift_escape(name), gift_escape(text),
                                                          decimal(asked.value), decimal(asked.tolerance),
                                                          gift_escape(feedback)), ""]
        return "\n".join(out)
