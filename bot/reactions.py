"""Messages made of emoji alone. A thumbs-up after an answer means thanks, not a question
the bot failed to understand; `topics.yaml` gives a small-talk topic the emoji that say
it (`emoji: "👍 🙏 ❤️"`), and such a message gets that topic's reply.

An emoji is one character once its variation selector, skin tone and joiners are set
aside ("❤️" is U+2764 U+FE0F, "👍🏽" a thumbs-up with a skin tone), so the comparison is
by character. Spaces and punctuation around them do not count ("👍👍!").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

# What may sit beside an emoji without changing what it says: text and emoji
# presentation selectors, the zero-width joiner, the five skin tones.
MODIFIERS = frozenset("\ufe0e\ufe0f\u200d\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff")


def bare(emoji: str) -> str:
    """`emoji` without its modifiers: "❤️" -> "❤", "👍🏽" -> "👍"."""
    return "".join(char for char in emoji if char not in MODIFIERS)


def is_emoji(char: str) -> bool:
    """Whether `char` is a symbol that may stand for a reaction (Unicode category So or
    Sk), as opposed to a letter, digit or punctuation mark."""
    return len(char) == 1 and unicodedata.category(char) in ("So", "Sk")


def reaction(text: str, reactions: Mapping[str, str]) -> str | None:
    """The topic whose emoji make up `text`, with nothing else but spaces, punctuation
    and modifiers, and all of one topic ("👍🙏" -> thanks); None otherwise ("👍 ok",
    "🦄", "👍👎", "")."""
    found: set[str] = set()
    for char in text:
        if char in MODIFIERS or char.isspace() or unicodedata.category(char).startswith("P"):
            continue
        topic = reactions.get(char)
        if topic is None:
            return None
        found.add(topic)
    return found.pop() if len(found) == 1 else None
