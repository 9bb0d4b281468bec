"""Prose, one message table per language.

Views never write a sentence themselves: they call ``t(key, **values)``
with ``t = messages(lang)``.  A message is a ``str.format`` template; the
symbols, equation names and numbers inside it are the same in every
language.  ``terms.py`` lists the technical terms each table must use."""
from __future__ import annotations

from functools import lru_cache

from ..errors import ChainruleError, did_you_mean

LANGUAGES = ("en", "zh")


class Messages:
    def __init__(self, lang: str, table: dict[str, str], fallback: dict[str, str]):
        self.lang, self.table, self.fallback = lang, table, fallback

    def __call__(self, key: str, **values) -> str:
        template = self.table.get(key)
        if template is None:
            template = self.fallback[key]
        return template.format(**values) if values else template

    def template(self, key: str) -> str:
        """The message before its values are put in (for prose with inline maths)."""
        template = self.table.get(key)
        return template if template is not None else self.fallback[key]

    def has(self, key: str) -> bool:
        return key in self.table or key in self.fallback


@lru_cache(maxsize=None)
def messages(lang: str = "en") -> Messages:
    if lang not in LANGUAGES:
        raise ChainruleError(f"unknown language '{lang}'{did_you_mean(str(lang), LANGUAGES)}; "
                             f"choose from {', '.join(LANGUAGES)}")
    from . import en
    if lang == "en":
        return Messages("en", en.MESSAGES, en.MESSAGES)
    from . import zh
    return Messages(lang, zh.MESSAGES, en.MESSAGES)
