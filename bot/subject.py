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
finds "face scanner", "biometrisch" also "biometrische". A phrase of twelve letters or
more is also found with about one letter wrong ("Gesichtserkenung"), from the start of a
word ("surface scan" is no face scan).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz, process

from bot.textnorm import folded_words

TYPO_MIN_LEN = 12  # shorter ones only as written: "biometria" (eyes) is no "biometrica"
TYPO_CUTOFF = 90.0  # fuzz.partial_ratio: one letter added or left out in 10 or more


@dataclass(frozen=True)
class Subject:
    """The phrases that name the subject, each as its folded words."""

    phrases: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def of(cls, listed: Iterable[str]) -> Subject:
        """From listed words and phrases (those with no word are left out)."""
        return cls(tuple(dict.fromkeys(tuple(w) for w in map(folded_words, listed) if w)))

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
        """The first phrase `text` has (folded, as listed), or else one it has with a typo
        (`_nearly`), or None."""
        pattern = self._pattern
        if pattern is None:
            return None
        joined = " ".join(folded_words(text))
        found = pattern.search(joined)
        return found.group(0) if found is not None else self._nearly(joined)

    def _nearly(self, joined: str) -> str | None:
        """A phrase of `TYPO_MIN_LEN` letters or more that `joined` (folded words, spaces
        between) has from the start of a word with about one letter wrong, added or left
        out (`fuzz.partial_ratio` >= `TYPO_CUTOFF`): "Gesichtserkenung"."""
        for phrase, _, _ in process.extract(
            joined, self._long, scorer=fuzz.partial_ratio, score_cutoff=TYPO_CUTOFF, limit=None
        ):
            at = fuzz.partial_ratio_alignment(phrase, joined, score_cutoff=TYPO_CUTOFF)
            start = at.dest_start if at is not None else -1  # may be the space before
            if start == 0 or (start > 0 and " " in joined[start - 1 : start + 1]):
                return phrase
        return None

    @cached_property
    def _long(self) -> list[str]:
        """The phrases `_nearly` looks for, as folded words joined by spaces."""
        joined = (" ".join(p) for p in self.phrases)
        return [phrase for phrase in joined if len(phrase) >= TYPO_MIN_LEN]
