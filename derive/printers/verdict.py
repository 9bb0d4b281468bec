"""``chainrule check``'s verdict as text or JSON.

The verdict (``derive.answer.Verdict``) already holds its sentences in the
requested language; this lays them out: the question and right/wrong, the
answer and the expected result side by side with their shapes, the
quantities the expected result uses, then the diagnosis as a list."""
from __future__ import annotations

import json

from .text import WIDTH, columns, fill


def render_verdict(verdict, fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps(verdict.data(), indent=2, ensure_ascii=False) + "\n"
    return text(verdict)


def text(v) -> str:
    labels = v.labels
    lines = [labels["right"] if v.correct else labels["wrong"]]
    rows = [(labels["answer"], v.answer, v.shapes.get("answer", ""))]
    if not v.correct:
        rows.append((labels["expected"], v.expected, v.shapes.get("expected", "")))
        rows += [(labels["where"] if k == 0 else "", f"{name} = {expr}", "") for k, (name, expr) in enumerate(v.where)]
    head = max(columns(r[0]) for r in rows)
    body = max(columns(r[1]) for r in rows)
    for label, value, shape in rows:
        pad = " " * (head - columns(label))
        line = f"  {label}{pad}  {value}"
        if shape:
            line += " " * (body - columns(value)) + f"  {shape}"
        lines.append(line.rstrip())
    points = v.diagnosis if not v.correct else v.notes
    if points:
        lines.append("")
        lines += [fill(p, WIDTH, initial_indent="  - ", subsequent_indent="    ") for p in points]
    if not v.correct and v.notes:
        lines += [fill(p, WIDTH, initial_indent="  ", subsequent_indent="  ") for p in v.notes]
    lines += ["", fill(v.checked, WIDTH)]
    return "\n".join(lines) + "\n"
