"""Words that name what the bot is about, so that a signpost never wins a question with one.

A signpost topic ("other privacy questions: ask your data protection authority") is
learnt from real off-topic questions, many of them about cameras, landlords and
neighbours. A question about a landlord's *face recognition* camera shares those words
and went to the signpost: "outside what I know", about the bot's very subject. Each
knowledge file may list the words and phrases that name the subject ("Gesichtserkennung",
"reconnaissance faciale"); a question that has one of them, in any language, is ranked
without the signposts (`bot.matcher`), so it gets an answer or a "did you mean" instead.
Words with an everyday meaning besides ours stay off the lists ("biometría" at the eye
doctor's): the signpost's own ways of asking are written for those questions.

Words are compared case-, accent- and punctuation-blind; every word of a phrase must be
there as listed and in that order, except the last, which may go on: "face scan" also
finds "face scanner", "biometrisch" also "biometrische".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from bot.textnorm import strip_accents, words


def folded(text: str) -> tuple[str, ...]:
    """`text`'s words as they are compared: lower case, without accents."""
    return tuple(strip_accents(word) for word in words(text))


@dataclass(frozen=True)
class Subject:
    """The phrases that name the subject, each as its folded words."""

    phrases: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def of(cls, listed: Iterable[str]) -> Subject:
        """From listed words and phrases (those with no word are left out)."""
        return cls(tuple(dict.fromkeys(p for p in map(folded, listed) if p)))

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        """One expression for every phrase, over the folded words joined by spaces: a
        phrase starts a word and may end inside one."""
        if not self.phrases:
            return None
        either = "|".join(sorted(re.escape(" ".join(p)) for p in self.phrases))
        return re.compile(f"(?<![^ ])(?:{either})")

    def named_in(self, text: str) -> bool:
        """Whether `text` has one of the phrases."""
        return self.naming(text) is not None

    def naming(self, text: str) -> str | None:
        """The first phrase `text` has (folded, as listed), or None."""
        pattern = self._pattern
        found = pattern.search(" ".join(folded(text))) if pattern is not None else None
        return found.group(0) if found is not None else None
