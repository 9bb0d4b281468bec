"""Section 10: the matching NumPy code (the caller's listing) and a
centred-difference gradient check on the worked example."""
from __future__ import annotations

from ...model import Code, Section, Text
from .. import notes
from ..exercises import checkable_param


def section(src, listing: str) -> Section:
    t, net = src.t, src.net
    body = [Text(t("handout.code_intro")), Code(listing)] if listing.strip() else \
        [Text(t("handout.code_how", spec=net.spec))]
    body.append(Text(t("handout.check_advice")))
    name = checked_parameter(src)
    if name is not None:
        nums = src.numbers
        plus, minus = notes.shifted_losses(nums, name)
        body.append(notes.check_text(plus, minus, notes.H, nums.gradient(name), src.scheme().unicode(name), t))
    return Section(t("handout.code_title"), body, key="code")


def checked_parameter(src) -> str | None:
    """The parameter the section checks: the first (W1 first) whose check,
    on the worked example, shows what the advice says (see checkable_param)."""
    if src.numbers is None or not src.net.n_params:
        return None
    return checkable_param(src.net, src.numbers)
