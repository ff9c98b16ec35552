"""Writing systems. The bot's languages are written in some scripts (Latin, for the five it
ships); a message whose letters are all of other scripts ("Что такое распознавание лиц?")
is in a language the bot does not speak, and no topic's words can be in it. Such a
message gets the reply of the topic `topics.yaml` marks `which languages: true` (the
`languages` small talk: which languages the bot speaks), not "I don't know that one".

A letter's script is the first word of its Unicode name ("LATIN SMALL LETTER E WITH
ACUTE", "CYRILLIC CAPITAL LETTER A", "CJK UNIFIED IDEOGRAPH-4E2D"): coarse, but it only
has to tell the knowledge's scripts from others.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable


def script(letter: str) -> str:
    """The script of one letter: the first word of its Unicode name ("" without one)."""
    return unicodedata.name(letter, "").split(" ", 1)[0]


def scripts_of(texts: Iterable[str]) -> frozenset[str]:
    """The scripts of the letters in `texts` (digits, marks and emoji are not letters)."""
    letters = set().union(*map(set, texts))
    return frozenset(script(c) for c in letters if c.isalpha())


def in_other_scripts(message: str, known: frozenset[str]) -> bool:
    """Whether `message` has letters and none of them is of a script in `known`."""
    found = scripts_of([message])
    return bool(found) and not found & known
