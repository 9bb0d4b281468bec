"""An exam: the exercise sheet's questions in N versions, each with its
own numbers and its key.

Every question is an exercise of the sheet (``exercises.sheet``) that asks
for numbers: the forward pass, the output error, the error sent back, a
weight and a bias gradient over a batch, one step of gradient descent, what
changes with the other reduction or a saturated unit, a central difference,
and for other layer kinds a kernel gradient or the batch-norm backward.
Each answer is computed from the numbers the question prints and checked
there against the network's own evaluation.

Version v draws its numbers from a seed made of the exam's seed and v (a
hash, the same in every process), so version 3 is the same in an exam of
5 versions and one of 30; the choices that shape the questions (which
neuron, which layer) come from the exam's seed alone, so every version
asks the same questions.  A draw that is degenerate (an answer that is 0
or too small to print without an exponent, a gradient the question needs
that vanishes, a saturated sigmoid or tanh unit, a ReLU exactly at its
kink, a softmax output near 1, a central difference across a kink, or the
same numbers as an earlier version) is drawn again with the next attempt's seed, so the redraws are
deterministic too.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import replace
from fractions import Fraction

from ..errors import ChainruleError
from ..evaluate import as_sympy, to_mp
from ..example_numbers import numbers_for
from ..format import fmt
from ..lang import Messages, messages
from ..model import Derivation, Exam, Exercise, Literal, Part, Question, Section, Table, Text, Value, Version
from . import exercises as sheet_view, kind_exercises
from .handout.diagram import drawing
from .handout.sources import sources
from .prose import para

MAX_VERSIONS = 500
MAX_TRIES = 200          # draws per version before the network is declared unusable
RELATIVE = Fraction(1, 100)   # an answer within 1% of the key counts
SMALLEST = Fraction(1, 10 ** 4)   # an answer smaller than this prints with an exponent: redrawn
Z_SATURATED = 3          # |z| beyond this saturates a sigmoid or tanh unit (f' < 0.05)
P_EXTREME = Fraction(1, 100)   # a softmax output this close to 1 is saturated
PARTS = "abcdefghijklmnopqrstuvwxyz"


# The sheet's messages that point at the handout's worked example (which an exam has not), and the
# exam's own wording for each
EXAM_WORDING = {"ex.check_q": "exam.check_q", "kx.conv_grad_q": "exam.conv_grad_q",
                "kx.conv_grad_batch": "exam.conv_grad_batch"}


def exam_messages(t: Messages) -> Messages:
    """``t`` with the exam's own wording in place of the sheet's where the
    sheet's refers to the handout's worked example; the handout is unchanged."""
    return Messages(t.lang, {**t.table, **{key: t.template(own) for key, own in EXAM_WORDING.items()}},
                    t.fallback)


def version_seed(seed: int, version: int, attempt: int) -> int:
    """The seed of version ``version``'s numbers at draw ``attempt``: the
    same in every process (a hash, not Python's)."""
    digest = hashlib.sha256(f"chainrule exam {seed} {version} {attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def tolerance(value) -> Fraction:
    """RELATIVE of |value|, rounded up to two significant digits (0 for 0)."""
    v = abs(Fraction(fmt(value, 17).plain())) * RELATIVE
    if v == 0:
        return v
    e = math.floor(math.log10(v))
    unit = Fraction(10) ** (e - 1)
    if v / unit >= 100:   # log10 rounded down across a power of ten
        unit *= 10
    return math.ceil(v / unit) * unit


def build(net, versions: int, seed: int = 0, lang: str = "en") -> Exam:
    """The exam of ``net``: ``versions`` versions drawn from ``seed``."""
    if not 1 <= versions <= MAX_VERSIONS:
        raise ChainruleError(f"--versions {versions}: an exam has from 1 to {MAX_VERSIONS} versions")
    t = exam_messages(messages(lang))
    drawn_net = replace(net, example=None)   # every version draws its own numbers, not the preset's
    name = net.name or net.spec
    title = t("exam.title", name=name)
    context = [para(t, "exam.network", spec=Literal(net.spec)),
               Text(t("exam.instructions", tol=f"{fmt(RELATIVE * 100).plain()}%"))]
    seen: set = set()
    made_versions, scheme, shape = [], None, None
    src = None
    for v in range(1, versions + 1):
        version, src = _draw(drawn_net, t, seed, v, seen, shape, title, src)
        shape = [q.name for q in version.questions]
        scheme = scheme or src.scheme()
        made_versions.append(version)
    diagram = drawing(net, t)
    sheet = Derivation(title, [_page(t, version, context, diagram) for version in made_versions], names=scheme,
                       data={"spec": net.spec, "seed": seed, **({"lang": lang} if lang != "en" else {})})
    keys = Derivation(t("exam.keys_title", title=title), [_key(t, version, title) for version in made_versions],
                      names=scheme, data=dict(sheet.data))
    return Exam(title, made_versions, context, sheet, keys, diagram=diagram, names=scheme,
                data={"spec": net.spec, "seed": seed, "versions": versions, "lang": lang,
                      "relative_tolerance": str(RELATIVE)})


def _draw(net, t, seed: int, v: int, seen: set, shape, title: str, shared=None):
    """Version ``v``: the first draw that is not degenerate, and its sources."""
    for attempt in range(MAX_TRIES):
        vseed = version_seed(seed, v, attempt)
        src = sources(net, t, vseed, shared)
        shared = shared or src
        examples = {"worked": src.example}
        if src.exercise_example is not None:
            examples["exercise"] = src.exercise_example
        mark = tuple((k, e.X, e.Y, e.params) for k, e in sorted(examples.items()))
        if mark in seen or not _units_fine(src, examples):
            continue
        try:
            made = sheet_view.sheet(net, t, seed=vseed, pick=seed, graph=src.graph, worked=src.numbers,
                                    view=src.delta, example=src.exercise_example, descent=True)
        except (sheet_view.AnswerError, kind_exercises.AnswerError):
            # an answer its check refused: a central difference across a kink (a ReLU or a max
            # pooling window switching inside θ ± h) disagrees with backprop; not a fair question
            continue
        made = [m for m in made if m[4]]   # the questions that ask for numbers
        if not _answers_fine(made, src):
            continue
        questions = [_question(t, n, m, v) for n, m in enumerate(made, 1)]
        if shape is not None and [q.name for q in questions] != shape:
            continue   # a draw that changed which questions are asked
        seen.add(mark)
        return Version(v, t("exam.version", title=title, n=v), vseed, questions, examples), src
    raise ChainruleError(f"{net.spec}: {MAX_TRIES} draws of version {v} all gave a saturated unit or a "
                         f"vanishing answer; an exam needs a smaller network (narrower layers, fewer of them)")


def _question(t, n: int, made, v: int) -> Question:
    key, title, question, solution, asked = made
    exercise = sheet_view.exercise(t, n, made, answers=True, title_key="exam.question")
    parts = []
    for i, a in enumerate(asked):
        part = _letter(i, len(asked))
        parts.append(Part(t("exam.short", n=n, part=part, title=title),
                          t("exam.moodle_name", n=n, part=part, title=title, v=v),
                          para(t, "exam.enter", what=a.label), replace(a, tolerance=tolerance(a.value))))
    return Question(t("exam.short", n=n, part="", title=title), exercise, parts)


def _letter(i: int, count: int) -> str:
    """The letter of part i of a question that asks for ``count`` numbers ('' for one)."""
    return PARTS[i] if count > 1 else ""


def _answers_fine(made, src) -> bool:
    """No answer, and no gradient a question gives, too small to print plainly."""
    for m in made:
        for a in m[4]:
            if a.what[0] != "fprime" and abs(to_mp(_number(a.value))) < to_mp(SMALLEST):
                return False
            if a.what[0] in ("sgd", "central") and abs(to_mp(_number(src.numbers.gradient(a.what[1])))) < \
                    to_mp(SMALLEST):
                return False
    return True


def _units_fine(src, examples) -> bool:
    """No saturated unit, and no ReLU at its kink, in either example."""
    numbers = [src.numbers]
    if "exercise" in examples:
        numbers.append(numbers_for(src.net, examples["exercise"], src.graph, src.delta))
    return all(_unit_fine(act, z, a) for nums in numbers for act, z, a in _units(nums))


def _number(v):
    return Fraction(fmt(v, 17).plain()) if not isinstance(v, (Fraction, int)) else v


def _units(nums):
    """(activation name, z, a) of every unit with an activation, in every example."""
    if nums.route == "graph":
        ev = nums.ev
        rows = ev.rows if ev.per_row else ev.rows[:1]
        for d in nums.graph.forward:
            if d.act is None:
                continue
            for row in rows:
                yield d.act[0].name, row[d.act[1]], row[d.symbol]
        return
    net, mn = nums.net, nums.mn
    for l in range(1, net.depth + 1):
        for z, a in zip(mn.Z[l].ravel(), mn.A[l].ravel()):
            yield net.act(l).name, z, a


def _unit_fine(act: str, z, a) -> bool:
    z, a = to_mp(_number(z)), to_mp(_number(a))
    if act in ("sigmoid", "tanh"):
        return abs(z) <= Z_SATURATED
    if act in ("relu", "leaky_relu"):
        return z != 0
    if act == "elu":
        return z >= -Z_SATURATED
    if act == "softmax":   # one class taking all but 1% of the mass: every error is near 0
        return a <= 1 - to_mp(P_EXTREME)
    return True


def _page(t, version: Version, context, diagram) -> Section:
    body = [Text(t("exam.name_line")), *context, diagram]
    for q in version.questions:
        e = q.exercise
        body.append(Exercise(e.title, e.question, None, e.space, e.label))
    return Section(version.title, body, key="version")


def _key(t, version: Version, title: str) -> Section:
    rows = []
    for n, q in enumerate(version.questions, 1):
        for i, a in enumerate(q.asked):
            rows.append([f"{n}{_letter(i, len(q.asked))}", a.label, sheet_view.answer(a.value), Value(as_sympy(a.tolerance))])
    table = Table([t("exam.key_question"), t("exam.key_asked"), t("exam.key_answer"), t("exam.key_tolerance")],
                  rows)
    solutions = [Exercise(q.exercise.title, [], q.exercise.answer, q.exercise.space, q.exercise.label)
                 for q in version.questions]
    return Section(t("exam.key_title", title=title, n=version.number),
                   [table, *solutions], key="key")
