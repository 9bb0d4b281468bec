"""The handout: lecture notes and an exercise sheet for one network, as
sections of the same derivation model that ``chainrule derive`` prints.

Every section is built by the views (scalar, delta, numbers, notes,
exercises) from the graph, the rules card and the evaluation; this package
only chooses and orders them, in the order the story is taught: notation,
the network, the forward pass, the chain rule one parameter at a time,
from scalars to indices and BP1-BP4, the activation box, saturation, a
worked example, why reverse mode, the code with a gradient check, and
exercises.  ``derive.handout.render`` prints it through the document printer.
"""
from __future__ import annotations

from ...lang import messages
from ...model import Derivation, Section, Text
from .. import exercises as exercise_view
from . import batch, box, bptt, chain, code, diagram, forward, learning, notation, notes, worked
from .sources import Sources, sources


def build(net, *, answers: bool = True, seed: int | None = None, title: str | None = None,
          code_listing: str = "", lang: str = "en", optimizer: str | None = None, lr=None, run=None) -> Derivation:
    """The handout of ``net`` as a Derivation: its title and its sections.
    ``optimizer`` adds a section on that optimizer's steps (learning rate ``lr``,
    else the example's).  ``run``: the generated module's trace, for the
    worked example of a recurrent network too large for the scalar graph."""
    t = messages(lang)
    src = sources(net, t, seed, run=run)
    body = [notation.section(src), diagram.section(src), forward.section(src), chain.section(src),
            batch.section(src), bptt.section(src), box.section(src), notes.saturation(src), worked.section(src),
            learning.optimizer_section(src, optimizer, lr), notes.reverse(src), code.section(src, code_listing), exercise_section(src, answers)]
    body = [s for s in body if s is not None]   # a section that does not apply (bptt) is None
    heading = title if title is not None else t("title", name=net.name or net.spec)
    return Derivation(heading, body, names=src.scheme(),
                      data={"spec": net.spec, "answers": answers, **({"lang": lang} if lang != "en" else {})})


def exercise_section(src: Sources, answers: bool) -> Section:
    t = src.t
    items = exercise_view.exercises(src.net, t, seed=src.seed, answers=answers, graph=src.graph,
                                    worked=src.numbers, view=src.delta, example=src.exercise_example)
    intro = t("handout.exercises_intro" if src.dense else "handout.exercises_dense_only")
    if any(layer.kind == "recurrent" for layer in src.net.numbered):
        intro += " " + t("handout.exercises_bptt")
    if any(layer.kind == "recurrent" and layer.cell == "lstm" for layer in src.net.numbered):
        intro += " " + t("handout.exercises_lstm")
    intro = [Text(intro)]
    return Section(t("handout.exercises_title"), intro + items, key="exercises")
