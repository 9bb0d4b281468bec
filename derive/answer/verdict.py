"""What ``chainrule check`` found: right or wrong, the expected result in
the answer's own notation, and what is wrong in a teacher's words.

Every sentence in it comes from the message table, already in the
requested language; ``derive.printers.verdict`` lays it out as text or JSON.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Verdict:
    correct: bool
    question: str                 # dJ/dW1 or dJ/dw1_2_1
    answer: str                   # the answer as read
    expected: str                 # the right result, in the answer's notation
    diagnosis: list[str] = field(default_factory=list)   # what is wrong, one point each
    notes: list[str] = field(default_factory=list)       # remarks on a right answer (a bias's shape)
    where: list[tuple[str, str]] = field(default_factory=list)   # the quantities 'expected' uses
    shapes: dict = field(default_factory=dict)           # answer / expected shapes (matrix answers)
    method: str = "numeric"       # how it was decided: numeric, symbolic
    checked: str = ""             # a sentence saying how
    labels: dict = field(default_factory=dict)           # translated headings for the text layout
    mistakes: list[str] = field(default_factory=list)    # machine names of the mistakes found

    def data(self) -> dict:
        """The JSON object: the contract's three fields first."""
        out = {"correct": self.correct, "expected": self.expected, "diagnosis": list(self.diagnosis),
               "question": self.question, "answer": self.answer, "mistakes": list(self.mistakes)}
        if self.where:
            out["where"] = {name: expr for name, expr in self.where}
        if self.shapes:
            out["shapes"] = dict(self.shapes)
        if self.notes:
            out["notes"] = list(self.notes)
        out["method"] = self.method
        out["checked"] = self.checked
        return out


def labels(t, question: str) -> dict:
    """The headings of the text layout, in the verdict's language."""
    return {"right": t("check.right", question=question), "wrong": t("check.wrong", question=question),
            "answer": t("check.your_answer"), "expected": t("check.expected"), "where": t("check.where")}
