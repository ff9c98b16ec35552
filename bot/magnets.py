"""Typo magnets: ways of asking that misspell a word their language uses all the time.

The matcher finds typos itself (`bot.typos`): a question saying "gesichtserkenung" reaches
every topic whose ways of asking say "gesichtserkennung". A way of asking that spells the
typo itself draws every question with that typo to its own topic instead: with
"gesichtserkenung in schweden" among the ways of asking of `more-countries`,
"gesichtserkenung verbot eu" got a "did you mean" led by it rather than the AI Act's
answer. The native editors found such lines in every language (`languages.md` of the
December 2026 reviews); `python -m bot check` warns about new ones (`typo_magnets`).

A word of a way of asking is taken for a misspelling of a common word when the common
word is in at least `COMMON` ways of asking of one language and in some of this
language's too (so names and borrowed terms count: "clearveiw" in four languages,
"predicitve policing divieto" in Italian; a word of another language alone does not:
Italian "collegio" is not Spanish "colegio" misspelt), the word in
at most `RARE` and in none of its answers (which are spelt right), it is at least
`MIN_LENGTH` letters long, it is the common word with one slip of the keyboard (`_one_slip`:
a letter dropped or doubled, two neighbours swapped), and the two are not forms of one
word: not the same stem, neither inside the other ("ausweise", "gesichtserkennungs").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from rapidfuzz.distance import OSA, Hamming

from bot.knowledge import KnowledgeBase, Language
from bot.phrasing_lines import PhrasingLines
from bot.problems import Problem
from bot.textnorm import folded_words, term

COMMON = 25  # ways of asking in the language that use a word for it to be common
RARE = 3  # ... and at most this many that use a word taken for its misspelling
MIN_LENGTH = 7


def typo_magnets(kb: KnowledgeBase) -> list[Problem]:
    """A warning for each way of asking that spells a misspelling of a common word."""
    found: list[Problem] = []
    users = {lang: _users(language) for lang, language in kb.languages.items()}
    anywhere = {
        word for used in users.values() for word, places in used.items() if len(places) >= COMMON
    }
    for lang, language in kb.languages.items():
        common = sorted(word for word in anywhere if word in users[lang])
        at = PhrasingLines(language)
        found += [
            at.warning(
                topic_id,
                phrasing,
                f"topic {topic_id!r}: the way of asking {phrasing!r} misspells {right!r} as "
                f"{word!r}; if that is meant, take it out: the bot finds typos itself, and "
                "this line draws every question with the typo to this topic",
            )
            for word, right, topic_id, phrasing in _misspellings(
                lang, language, users[lang], common
            )
        ]
    return found


def _users(language: Language) -> dict[str, list[tuple[str, str]]]:
    """Each word of the language's ways of asking: the (topic, way of asking) using it."""
    users: defaultdict[str, list[tuple[str, str]]] = defaultdict(list)
    for topic_id, entry in language.entries.items():
        for phrasing in entry.ask:
            for word in set(folded_words(phrasing)):
                users[word].append((topic_id, phrasing))
    return users


def _misspellings(
    lang: str, language: Language, users: dict[str, list[tuple[str, str]]], common: list[str]
) -> Iterator[tuple[str, str, str, str]]:
    """(word, common word, topic, way of asking) for each suspected misspelling: a rare
    word of the language's ways of asking (`users`) one slip from one of `common`."""
    answered = {word for entry in language.entries.values() for word in folded_words(entry.answer)}
    for word, places in users.items():
        if len(places) > RARE or len(word) < MIN_LENGTH or word in answered:
            continue
        for other in common:
            if _one_slip(word, other) and not _same_word(word, other, lang):
                for topic_id, phrasing in places:
                    yield word, other, topic_id, phrasing
                break


def _one_slip(word: str, common: str) -> bool:
    """Whether `word` is `common` with one slip of the keyboard: a letter dropped, a
    letter doubled, or two neighbours swapped. (A letter changed or added is as often
    another word: "gedicht" and "gesicht", "dürften" and "dürfen".)"""
    if len(word) == len(common) - 1:
        return any(common[:i] + common[i + 1 :] == word for i in range(len(common)))
    if len(word) == len(common) + 1:
        return any(
            word[i] == word[i + 1] and word[:i] + word[i + 1 :] == common
            for i in range(len(word) - 1)
        )
    return (  # the same length: two neighbours swapped
        len(word) == len(common)
        and Hamming.distance(word, common) == 2
        and OSA.distance(word, common, score_cutoff=1) == 1
    )


def _same_word(word: str, other: str, lang: str) -> bool:
    """Whether two words are forms of one word rather than one a misspelling of the other."""
    return word in other or other in word or term(word, lang) == term(other, lang)
