"""Ways of asking that two topics share: the same words, in any order.

The classifier learns each topic from its ways of asking. A line that two topics both
hold (as written, or with its words in another order: "are the police here about to
start using face recognition?" in `countries`, "are the police about to start using face
recognition here?" in `police-protests`) teaches the same words to both, so a question
in those words lands on either by chance, and most often as a "did you mean". Such
pairs come from writing ways of asking in batches, each batch for one topic;
`python -m bot check` names the later line of each pair (`shared_ways_of_asking`), with
the line of the topic that has it too, so the writer keeps it in the topic that
answers it.

Words are compared casefolded and without accents (`bot.textnorm.folded_words`), every
word counted: "how can I help" (`get-involved`) and "help" (`about-bot`) are different
questions, though they differ only in words the matcher weighs little.
"""

from __future__ import annotations

from bot.knowledge import KnowledgeBase, Language
from bot.phrasing_lines import PhrasingLines
from bot.problems import Problem
from bot.textnorm import folded_words

# (topic, phrasing) of a way of asking and of the one of another topic it repeats
_Pair = tuple[str, str, str, str]


def shared_ways_of_asking(kb: KnowledgeBase) -> list[Problem]:
    """A warning for each way of asking whose words another topic's way of asking has."""
    found: list[Problem] = []
    for language in kb.languages.values():
        at = PhrasingLines(language)
        found += [
            at.warning(
                topic_id,
                phrasing,
                f"topic {topic_id!r}: the way of asking {phrasing!r} has the same words as "
                f"{other!r} of topic {other_id!r} (line {at.line(other_id, other)}); a "
                "question in those words is taught to both topics, so keep it in the one "
                "that answers it",
            )
            for topic_id, phrasing, other_id, other in _pairs(language)
        ]
    return found


def _pairs(language: Language) -> list[_Pair]:
    """Each way of asking (or a topic's own question) whose words, in any order, an
    earlier one of another topic has, with that one."""
    first: dict[tuple[str, ...], tuple[str, str]] = {}
    pairs: list[_Pair] = []
    for topic_id, entry in language.entries.items():
        for phrasing in entry.phrasings:
            key = tuple(sorted(folded_words(phrasing)))
            other_id, other = first.setdefault(key, (topic_id, phrasing))
            if key and other_id != topic_id:
                pairs.append((topic_id, phrasing, other_id, other))
    return pairs
