"""Lexical evidence: how well a question's words match each topic's phrasings.

This is the matcher the bot used before the trained model (`bot.classifier`); it
stays as the evidence a model cannot give: whether the knowledge knows the
question's words at all, exact phrasings, typos of rare words, and which
language the question is written in.

How a question is scored, for each language that has phrasings:

1. Terms. The question is split into words, stemmed with that language's
   Snowball stemmer and stripped of accents (`bot.textnorm`), exactly like
   every phrasing ("way of asking") and answer of that language.
2. Weights. A term's weight is its inverse document frequency over topics,
   `log(1 + N / df)`: df counts the topics whose phrasings or answer contain
   it. Words of one topic ("fingerprint", "Belgrade") weigh a lot, words of
   many topics little, and the language's function words ("what", "is", from
   the `stopwords` lists) at most `STOP_WEIGHT`. A question word known to no
   topic weighs `UNKNOWN_SHARE` of a one-topic word: unexplained words are
   what makes an off-topic question score low.
3. Typos. A question word whose term is missing from the vocabulary is
   compared with rapidfuzz (`fuzz.ratio`) to the words of the language as
   written (not their stems), of a length within `TYPO_LENGTH`; a close enough
   word (at least `TYPO_CUTOFF`, words of 4+ letters) counts for its term with
   similarity ratio/100. A word known exactly in another language is no typo.
   (`bot.typos` searches every language's words at once.)
4. Phrasing score. For a phrasing p and question q: `covered_q` = share of
   the question's weight found in p, `covered_p` = share of p's weight found
   in q; the score is their F-beta mean (`BETA`). A long message is measured
   as if it were at most `QUERY_CAP` phrasings long, so chatter around a
   question does not drown it.
5. Topic score. `PHRASE_SHARE` of the best phrasing score plus the rest from
   how much of the question the topic explains as a whole: each question word
   once, fully if a phrasing of the topic has it, at `CONTEXT_SIM` if only its
   answer does. This rewards questions that mix words from several phrasings.

`LexicalIndex.judge` gives every topic's score per language (0-100) and the
share of the question's informative words the knowledge knows;
`bot.matcher` combines it with the trained model's scores and decides.

The matcher is pure (no Telegram), deterministic (ties break on topic order)
and immutable once built.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from bot.textnorm import stop_words, strip_accents, term, words
from bot.typos import TypoFinder

BETA = 1.0
PHRASE_SHARE = 0.7
CONTEXT_SIM = 0.5
STOP_WEIGHT = 0.3  # the most a function word ("what", "is") can weigh
UNKNOWN_SHARE = 0.7  # an unknown word weighs this share of a one-topic word
QUERY_CAP = 2.0  # a long message counts as at most this many phrasings' worth of words
LANG_MARGIN = 3.0  # a language wins only this far ahead of the others, else it is unclear
# question words remembered, with how each language reads them and what they add to the
# sums (~3-5 KB a word: a flood of made-up words must not grow the bot by hundreds of MB)
WORD_CACHE = 4_096
MAX_QUERY_TERMS = 64  # a long message is judged on its first words
# a run of two to four capitalised words: a name, when every language's answers have it
NAME = re.compile(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){1,3}")


@dataclass(frozen=True)
class Phrasing:
    """One way of asking a topic, in one language."""

    topic_id: str
    lang: str
    text: str


@dataclass
class _LanguageIndex:
    lang: str
    position: int  # the language's number among the index's languages
    weights: dict[str, float]  # term -> idf
    unknown_weight: float
    stops: frozenset[str]  # terms that only function words give
    function_words: frozenset[str]
    typical_weight: float  # median weight of a phrasing
    surface: dict[str, str]  # every word of the language's texts (no accents) -> its term
    phrase_weight: npt.NDArray[np.float64]
    caps: npt.NDArray[np.float64]  # QUERY_CAP x the phrasing's weight (at least a typical one's)
    # Phrasings and topics are numbered over all languages (`_Layout`): this language's
    # phrasings from `first_phrasing`, its topics from `first_slot`.
    first_phrasing: int
    first_slot: int
    postings: dict[str, npt.NDArray[np.intp]]  # term -> numbers of the phrasings having it
    phrase_topic: npt.NDArray[np.intp]  # phrasing (from 0) -> its topic's number in `topics`
    topics: list[str]  # the language's topics (phrasings or answer), numbered
    # term -> slots (numbers over all languages) of the topics having it, and how much it
    # counts for each: 1 when a phrasing of the topic has it, CONTEXT_SIM when only its
    # answer does
    covers: dict[str, tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]]


_NO_PHRASINGS = np.zeros(0, dtype=np.intp)  # a term only answers have


class _Hit(NamedTuple):
    """A vocabulary term a question term stands for, with what it adds to the phrasings
    having it (`_Additions._add_phrasings`)."""

    found: str  # the vocabulary term
    similarity: float  # 0..1
    postings: npt.NDArray[np.intp]  # the phrasings having it (none: only answers do)
    to_question: float  # question term's weight x similarity: its part of the question
    to_phrasing: float  # the vocabulary term's idf x similarity: its part of a phrasing
    stop: bool  # only a function word's term


class _Term(NamedTuple):
    """A question term in one language, as the scores use it. What it adds to the sums
    is worked out once with the rest (`_term_of`): a term is remembered with the
    question word it comes from (`LexicalIndex._read`), and most words repeat."""

    weight: float
    informative: bool  # counted in the known share: not only a function word
    best: float  # its best similarity (0: unknown)
    hits: tuple[_Hit, ...]  # the vocabulary terms it stands for (itself, or typo candidates)
    # the slots of the topics it covers, and what it adds to each (`_coverage_of`)
    cover: tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]] | None


class _Typos:
    """A question word's typo candidates in every language, found for all of them the
    first time one language needs them (`TypoFinder`)."""

    __slots__ = ("_finder", "_found", "_written")

    def __init__(self, finder: TypoFinder, word: str) -> None:
        self._finder, self._written = finder, strip_accents(word)
        self._found: list[list[tuple[str, float]]] | None = None

    def of(self, position: int) -> list[tuple[str, float]]:
        """The candidates in the language at `position`, best first."""
        if self._found is None:
            self._found = self._finder.candidates(self._written)
        return self._found[position]


class _Reading:
    """One question word in one language: its term, and that term as the scores use it.
    Each reading is worked out when first needed: a word that is exact in another
    language is never looked up as a typo, and most words are never read `alone`."""

    __slots__ = ("_alone", "_as_typo", "_typos", "exact", "term", "word")

    def __init__(self, index: _LanguageIndex, word: str, typos: _Typos) -> None:
        """`typos`: the word's typo candidates in every language, shared by its readings."""
        self.word = word
        self.term = term(word, index.lang)
        self.exact = self.term in index.weights
        self._typos = typos
        self._alone: _Term | None = None
        self._as_typo: _Term | None = None

    def alone(self, index: _LanguageIndex) -> _Term:
        """The term as a word of no typo (a word exact in another language, not here)."""
        if self._alone is None:
            self._alone = _term_of(index, self.term, self.word, {})
        return self._alone

    def as_typo(self, index: _LanguageIndex) -> _Term:
        """The term with its typo candidates (the word itself when exact); `index`: the
        language the word was read in."""
        if self._as_typo is None:
            candidates = _resolve(index, self.term, self._typos)
            self._as_typo = _term_of(index, self.term, self.word, candidates)
        return self._as_typo


@dataclass(frozen=True)
class LexicalEvidence:
    """What the lexical matcher says about one question."""

    scores: Mapping[str, Mapping[str, float]]  # topic -> language -> 0-100, topics with any
    # The largest share, over the languages, of the question's informative weight
    # (function words aside) that the language's texts know, exactly or as a typo: an
    # off-topic question ("what's the weather") is mostly words no topic uses.
    known_share: float
    # `scores` as an array over every language's topics (`LexicalIndex.slots`): 0 where
    # a topic has no score, and one 0 more at the end for the topics a language lacks
    by_slot: npt.NDArray[np.float64] = field(
        default_factory=lambda: np.zeros(1), repr=False, compare=False
    )


class LexicalIndex:
    """Scores questions against phrasings in every loaded language."""

    def __init__(
        self,
        phrasings: Iterable[Phrasing],
        context: Iterable[Phrasing] = (),
        function_words: Mapping[str, frozenset[str]] | None = None,
        marks: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        """`phrasings`: the ways of asking; `context`: other text about a topic (its
        answer), which counts as weaker evidence for the topic; `function_words`: per
        language, the words that say little ("the", "my"), else the `stopwords` list;
        `marks`: per language, characters only it writes (Spanish "¿")."""
        listed = function_words or {}
        self._marks = {lang: found for lang, found in (marks or {}).items() if found}
        by_lang: dict[str, list[Phrasing]] = defaultdict(list)
        context_by_lang: dict[str, list[Phrasing]] = defaultdict(list)
        for phrasing in phrasings:
            by_lang[phrasing.lang].append(phrasing)
        for item in context:
            context_by_lang[item.lang].append(item)
        self._indexes: dict[str, _LanguageIndex] = {}
        phrasings_before = slots_before = 0
        for position, (lang, items) in enumerate(sorted(by_lang.items())):
            index = _build(
                lang, items, context_by_lang.get(lang, []), listed.get(lang) or stop_words(lang),
                _Offsets(position, phrasings_before, slots_before),
            )  # fmt: skip
            self._indexes[lang] = index
            phrasings_before += len(index.phrase_topic)
            slots_before += len(index.topics)
        self._layout = _Layout.of(list(self._indexes.values()))
        self._typos = TypoFinder([index.surface for index in self._indexes.values()])
        self._names = _names_pattern(context_by_lang)
        # question word -> how each language reads it (by position), remembered: words
        # repeat a lot, and each is read in every language for every question
        self._words: dict[str, tuple[_Reading, ...]] = {}

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._indexes)

    def uses(self, lang: str, word: str) -> bool:
        """Whether `lang`'s texts have `word` (lower case) as written, accents aside."""
        index = self._indexes.get(lang)
        return index is not None and strip_accents(word) in index.surface

    def known_words(self, question: str) -> dict[str, int]:
        """Per language, how many of the question's distinct terms its texts have."""
        read = [self._read(w) for w in words(question)]  # split once, read per language
        return {
            code: len({row[index.position].term for row in read if row[index.position].exact})
            for code, index in self._indexes.items()
        }

    def _read(self, word: str) -> tuple[_Reading, ...]:
        """How each language reads a question word (in the languages' order)."""
        found = self._words.get(word)
        if found is None:
            typos = _Typos(self._typos, word)
            found = tuple(_Reading(index, word, typos) for index in self._indexes.values())
            if len(self._words) >= WORD_CACHE:
                self._words.clear()  # bounded: the words of recent questions
            self._words[word] = found
        return found

    def grammar_languages(
        self, question: str, known: Mapping[str, int] | None = None
    ) -> tuple[str, ...]:
        """The languages the question's grammar allows: the ones with the most of its
        function words (none when it has none). In "Cos'è l'EES (Entry/Exit System)?"
        English knows more of the words, but "è" and "l" are Italian (terms are
        borrowed, grammar is not). Of a tie of two or more words each, the one whose
        texts know more of the question's other words: "que", "es" and "la" are Spanish
        and French, "policia predictiva" Spanish. A tie of one word stays a tie: "okay"
        is every language's, and the "ai" of "emotion recognition AI" French and
        Italian. One function word of one language alone is no grammar when another
        language knows more of the question's words: in keyword messages it is often
        another language's word or a name ("como telecamere garante": the city of Como;
        "uber eats selfie livreur"; the "eu" of "eu entry exit system").
        Names every language's answers use as written ("Reclaim Your Face") are left
        out: "Was fordert Reclaim Your Face?" has one German function word, not one
        German and one English ("your"). `known`: the question's `known_words`, when
        the caller has them already."""
        distinct = set(words(self._names.sub(" ", question) if self._names else question))
        count = {code: len(distinct & i.function_words) for code, i in self._indexes.items()}
        for code, marks in self._marks.items():  # a mark counts as one more function word
            if code in count:
                count[code] += len(marks.intersection(question))
        most = max(count.values(), default=0)
        leaders = tuple(code for code, n in count.items() if most and n == most)
        if most == 1 and len(leaders) == 1:
            known = self.known_words(question) if known is None else known
            mine = known.get(leaders[0], 0)
            return () if any(n > mine for n in known.values()) else leaders
        if len(leaders) < 2 or most < 2:  # one short word may be a name: "AI"
            return leaders
        grammar = set().union(*(self._indexes[code].function_words for code in leaders))
        known = self.known_words(" ".join(distinct - grammar))
        best = language_of_words({code: known[code] for code in leaders})
        return (best,) if best else leaders

    def written_in(self, question: str, lang: str, known: Mapping[str, int] | None = None) -> bool:
        """True unless another language knows as many of the question's words: "help me"
        or "emotion recognition AI" among the Italian phrasings does not make an English
        question Italian. Typos known to no language leave it to the scores. `known`:
        the question's `known_words`, when the caller has them already."""
        known = dict(self.known_words(question) if known is None else known)
        best = known.pop(lang, 0)
        others = max(known.values(), default=0)
        return best > others or best == others == 0

    def judge(self, question: str, languages: Iterable[str] | None = None) -> LexicalEvidence:
        """Every topic's score in each language searched, and how much of the question
        the knowledge knows."""
        share = 0.0
        additions = _Additions(len(self._indexes))
        for index, asked, known in self._prepared(question, languages):
            resolved = _resolved_terms(index, asked, known)
            share = max(share, _known_share(resolved))
            additions.add_language(index, resolved)
        scores, by_slot = _scores(self._layout, additions)
        return LexicalEvidence(scores, share, by_slot)

    def slots(self, topics: Sequence[str]) -> npt.NDArray[np.intp]:
        """For each of `topics`, where each language's score for it is in
        `LexicalEvidence.by_slot` (its last place when the language lacks the topic):
        `by_slot[slots].max(axis=1)` is every topic's best score in one step."""
        table = np.full((len(topics), len(self._indexes)), len(self._layout.slot_topic))
        number = {topic: n for n, topic in enumerate(topics)}
        for slot, topic in enumerate(self._layout.slot_topic):
            if topic in number:
                table[number[topic], self._indexes[self._layout.slot_language[slot]].position] = (
                    slot
                )
        return table.astype(np.intp)

    def _prepared(
        self, question: str, languages: Iterable[str] | None
    ) -> list[tuple[_LanguageIndex, list[tuple[_Reading, ...]], set[str]]]:
        searched = [
            self._indexes[lang]
            for lang in dict.fromkeys(languages or self._indexes)  # each language once
            if lang in self._indexes
        ]
        distinct = list(dict.fromkeys(words(question)))[:MAX_QUERY_TERMS]
        asked = [self._read(w) for w in distinct]
        # A word that is an exact word of one language is not a typo in another.
        positions = [i.position for i in searched]
        known = {
            word
            for word, row in zip(distinct, asked, strict=True)
            if any(row[p].exact for p in positions)
        }
        return [(index, asked, known) for index in searched]


@dataclass(frozen=True)
class _Offsets:
    """Where a language's numbers start among all languages' (see `_Layout`)."""

    position: int  # the language's own number
    phrasing: int  # its first phrasing's
    slot: int  # its first topic's


@dataclass(frozen=True)
class _Layout:
    """Every language's phrasings and topics numbered in one sequence (a topic in a
    language is a "slot"), so that a question is scored in all languages at once: one
    numpy call per step over all of them instead of a dozen small ones per language."""

    phrase_slot: npt.NDArray[np.intp]  # phrasing -> its topic's slot
    phrase_language: npt.NDArray[np.intp]  # phrasing -> its language's position
    phrase_weight: npt.NDArray[np.float64]
    caps: npt.NDArray[np.float64]
    slot_topic: list[str]
    slot_language: list[str]
    slot_position: npt.NDArray[np.intp]  # slot -> its language's position
    topic_slots: dict[str, dict[int, int]]  # topic -> language position -> slot

    @classmethod
    def of(cls, indexes: list[_LanguageIndex]) -> _Layout:
        def joined(parts: list[npt.NDArray[Any]], dtype: type) -> npt.NDArray[Any]:
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

        numbered = [(i.position, topic) for i in indexes for topic in i.topics]  # by slot
        topic_slots: dict[str, dict[int, int]] = defaultdict(dict)
        for slot, (position, topic) in enumerate(numbered):
            topic_slots[topic][position] = slot
        return cls(
            phrase_slot=joined([i.phrase_topic + i.first_slot for i in indexes], np.intp),
            phrase_language=joined(
                [np.full(len(i.phrase_topic), i.position) for i in indexes], np.intp
            ),
            phrase_weight=joined([i.phrase_weight for i in indexes], np.float64),
            caps=joined([i.caps for i in indexes], np.float64),
            slot_topic=[topic for i in indexes for topic in i.topics],
            slot_language=[i.lang for i in indexes for _ in i.topics],
            slot_position=joined([np.full(len(i.topics), i.position) for i in indexes], np.intp),
            topic_slots=dict(topic_slots),
        )


def _build(
    lang: str,
    items: list[Phrasing],
    context: list[Phrasing],
    function_words: frozenset[str],
    offsets: _Offsets,
) -> _LanguageIndex:
    """One language's index of its phrasings (`items`) and answers (`context`)."""
    split = {item.text: words(item.text) for item in (*items, *context)}  # split once
    # each distinct word once, in the order of first occurrence (which decides the order
    # of `surface`'s keys below), stemmed once
    distinct = dict.fromkeys(w for item in (*items, *context) for w in split[item.text])
    stem = {word: term(word, lang) for word in distinct}

    def terms_of(item: Phrasing) -> list[str]:  # distinct, in the order of first occurrence
        return list(dict.fromkeys(map(stem.__getitem__, split[item.text])))

    phrasings = [(item.topic_id, its) for item in items if (its := terms_of(item))]
    topic_terms = _vocabularies(phrasings)
    context_terms = _vocabularies((item.topic_id, terms_of(item)) for item in context)
    topics = sorted(topic_terms.keys() | context_terms.keys())
    covers = _covers(topic_terms, context_terms, topics, offsets.slot)
    n_topics = max(len(topics), 1)
    # a term is a function word's only when every word it comes from is a function word
    only_function: dict[str, bool] = {}
    surface: dict[str, str] = {}  # a word as written (accents stripped) -> its term
    for word, found in stem.items():
        only_function[found] = only_function.get(found, True) and word in function_words
        surface.setdefault(strip_accents(word), found)
    stops = frozenset(found for found, only in only_function.items() if only)
    weights = {  # a term's document frequency: the number of topics it covers
        term: min(math.log(1 + n_topics / len(at)), STOP_WEIGHT if term in stops else math.inf)
        for term, (at, _) in covers.items()
    }
    phrase_weight = [sum(map(weights.__getitem__, its)) for _, its in phrasings]
    typical = sorted(phrase_weight)[len(phrase_weight) // 2] if phrase_weight else 1.0
    number = {topic: i for i, topic in enumerate(topics)}
    return _LanguageIndex(
        lang=lang,
        position=offsets.position,
        weights=weights,
        unknown_weight=UNKNOWN_SHARE * math.log(1 + n_topics),
        surface=surface,
        stops=stops,
        function_words=function_words,
        typical_weight=typical,
        phrase_weight=np.array(phrase_weight, dtype=np.float64),
        caps=np.array([QUERY_CAP * max(w, typical) for w in phrase_weight], dtype=np.float64),
        postings=_postings([its for _, its in phrasings], offsets.phrasing),
        first_phrasing=offsets.phrasing,
        first_slot=offsets.slot,
        phrase_topic=np.array([number[topic] for topic, _ in phrasings], dtype=np.intp),
        topics=topics,
        covers=covers,
    )


def _vocabularies(terms: Iterable[tuple[str, list[str]]]) -> dict[str, set[str]]:
    """Each topic's terms, from (topic, terms) pairs."""
    by_topic: dict[str, set[str]] = defaultdict(set)
    for topic, found in terms:
        by_topic[topic].update(found)
    return by_topic


def _postings(terms: list[list[str]], first: int) -> dict[str, npt.NDArray[np.intp]]:
    """Each term's phrasings, in order (phrasing i has `terms[i]`, distinct; numbered
    from `first`): one sort of every (term, phrasing) pair, each term's part a view."""
    numbers = np.repeat(
        np.arange(first, first + len(terms), dtype=np.intp),
        np.array([len(t) for t in terms], dtype=np.intp),
    )
    grouped = _grouped([found for each in terms for found in each], numbers)
    return {found: at for found, (at,) in grouped.items()}


def _covers(
    topic_terms: Mapping[str, set[str]],
    context_terms: Mapping[str, set[str]],
    topics: list[str],
    first_slot: int,
) -> dict[str, tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]]:
    """Each term's topics (as slots, `first_slot` for `topics[0]`), in their order, and
    what the term counts for in each: 1 when a phrasing of the topic has it,
    `CONTEXT_SIM` when only its answer does. What `_topic_coverage` looks up for every
    question word."""
    found: list[str] = []
    slots: list[int] = []
    shares: list[float] = []
    for slot, topic in enumerate(topics, start=first_slot):
        full = topic_terms.get(topic, set())
        only_answer = context_terms.get(topic, set()) - full
        found += full
        found += only_answer
        slots += [slot] * (len(full) + len(only_answer))
        shares += [1.0] * len(full) + [CONTEXT_SIM] * len(only_answer)
    grouped = _grouped(found, np.array(slots, dtype=np.intp), np.array(shares, dtype=np.float64))
    return {term: (at, share) for term, (at, share) in grouped.items()}


def _grouped(
    keys: list[str], *columns: npt.NDArray[Any]
) -> dict[str, tuple[npt.NDArray[Any], ...]]:
    """The `columns` (one value per key in each) grouped by `keys`: each key's values in
    their order, as views of one sorted copy of each column."""
    number = {key: n for n, key in enumerate(dict.fromkeys(keys))}
    ids = np.fromiter(map(number.__getitem__, keys), np.intp, len(keys))
    order = np.argsort(ids, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(ids, minlength=len(number)))))
    ordered = [column[order] for column in columns]
    return {
        key: tuple(column[bounds[n] : bounds[n + 1]] for column in ordered)
        for key, n in number.items()
    }


def _resolve(index: _LanguageIndex, term: str, typos: _Typos) -> dict[str, float]:
    """Vocabulary terms standing for a question word (its `term` in `index`'s language),
    with similarity 0..1: the term itself when the language has it, else the terms of
    the words it may be a typo of (`bot.typos`; "recogniton" is "recognition", but
    "define" is not "definition")."""
    if term in index.weights:
        return {term: 1.0}
    found: dict[str, float] = {}
    for candidate, score in typos.of(index.position):
        stands_for = index.surface[candidate]
        found[stands_for] = max(found.get(stands_for, 0.0), score / 100.0)
    return found


Resolved = list[_Term]  # per distinct question term


def _resolved_terms(
    index: _LanguageIndex, asked: list[tuple[_Reading, ...]], known: set[str]
) -> Resolved:
    """Each distinct question term with its weight and the vocabulary terms it stands
    for (itself, or typo candidates); `asked`: the question's words as `_read` gives
    them; `known` words (exact in some language) are no typos. A term is read as its
    first word."""
    first: dict[str, _Reading] = {}
    exact: set[str] = set()
    position = index.position
    for row in asked:
        reading = row[position]
        first.setdefault(reading.term, reading)
        if reading.word in known:
            exact.add(reading.term)
    return [
        r.alone(index) if r.term in exact and not r.exact else r.as_typo(index)
        for r in first.values()
    ]


def _term_of(index: _LanguageIndex, term_: str, word: str, candidates: dict[str, float]) -> _Term:
    weight = _question_weight(index, term_, word, candidates)
    if candidates:
        informative = not all(c in index.stops for c in candidates)
    else:
        informative = weight > STOP_WEIGHT
    hits = tuple(
        _Hit(
            found,
            similarity,
            index.postings.get(found, _NO_PHRASINGS),
            weight * similarity,
            index.weights[found] * similarity,
            found in index.stops,
        )
        for found, similarity in candidates.items()
    )
    return _Term(
        weight,
        informative,
        max(candidates.values(), default=0.0),
        hits,
        _coverage_of(index, weight, candidates),
    )


def _coverage_of(
    index: _LanguageIndex, weight: float, candidates: Mapping[str, float]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]] | None:
    """The slots of the topics a question term covers, and what it adds to each: its
    weight x the share the topic gives its vocabulary term (`_covers`) x the term's
    similarity, at the best candidate's for a typo with several readings; None when it
    covers none. The products are the ones a question's sums add (`_topic_coverage`)."""
    if not candidates:
        return None
    if len(candidates) == 1:  # most words: one term, each of its topics once
        [(candidate, similarity)] = candidates.items()
        if candidate not in index.covers:
            return None
        at, share = index.covers[candidate]
        return at, _parts(weight, share, similarity)
    best: dict[int, float] = {}  # a typo with several readings: each topic at the best one
    for candidate, similarity in candidates.items():
        if candidate in index.covers:
            at, share = index.covers[candidate]
            for slot, value in zip(at.tolist(), (share * similarity).tolist(), strict=True):
                best[slot] = max(best.get(slot, 0.0), value)
    if not best:
        return None
    slots = np.fromiter(best.keys(), np.intp, len(best))
    return slots, _parts(weight, np.fromiter(best.values(), np.float64), 1.0)


def _parts(
    weight: float, share: npt.NDArray[np.float64], similarity: float
) -> npt.NDArray[np.float64]:
    """weight x (share x similarity), multiplied in this order: the order a question's
    coverage was always computed in, so the sums stay the same to the last bit."""
    parts: npt.NDArray[np.float64] = weight * (share * similarity)
    return parts


def _question_weight(
    index: _LanguageIndex, term_: str, word: str, candidates: Mapping[str, float]
) -> float:
    """A question term's weight: its idf, its typo candidates' best, a function word's
    STOP_WEIGHT, or, known to no topic, `unknown_weight`."""
    if term_ in index.weights:
        return index.weights[term_]
    if candidates:
        return max(index.weights[c] for c in candidates)
    if word in index.function_words:
        return STOP_WEIGHT
    return index.unknown_weight


def _known_share(resolved: Resolved) -> float:
    """Share of the question's weight, function words aside, that the texts know."""
    total = found = 0.0
    for term_ in resolved:
        if term_.informative:
            total += term_.weight
            found += term_.weight * term_.best
    return found / total if total else 1.0  # only function words: nothing unknown


class _Additions:
    """What a question adds to each phrasing's and each slot's sums, language after
    language, term after term, collected so that one numpy call per sum makes them all,
    in the same order, so to the same last bit as adding them one term at a time."""

    def __init__(self, languages: int) -> None:
        self.searched: list[str] = []  # the languages with any match, in the order searched
        self.positions: list[int] = []  # their positions in the layout
        self.query_weight = np.ones(languages)  # per language position
        self.explained = np.ones(languages)
        # The matched terms having phrasings: first those whose phrasings can win (the
        # informative ones), then the others (function words). A phrasing belongs to one
        # language, so gathering every language's first ones ahead of all the others
        # leaves the order of each phrasing's own sums as language after language.
        self.touching: list[_Hit] = []
        self.others: list[_Hit] = []
        # per question term covering any topic: the slots, and what it adds to each
        self.covers: list[tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]] = []

    def add_language(self, index: _LanguageIndex, resolved: Resolved) -> None:
        """The question's terms in one language (`_resolved_terms`), in one pass."""
        query_weight = 0.0  # added term by term: as `sum` adds them
        hits: dict[str, _Hit] = {}  # vocabulary term -> the hit of the best similarity
        covers = []  # each question word once, for every topic having it (`_coverage_of`)
        for term_ in resolved:
            query_weight += term_.weight
            for hit in term_.hits:
                before = hits.get(hit.found)
                if before is None or hit.similarity > before.similarity:
                    hits[hit.found] = hit
            if term_.cover is not None:
                covers.append(term_.cover)
        if not hits:  # nor any cover: a term covers topics only through its candidates
            return
        self.searched.append(index.lang)
        self.positions.append(index.position)
        self.query_weight[index.position] = query_weight
        self.explained[index.position] = min(query_weight, QUERY_CAP * index.typical_weight)
        self._add_phrasings(hits)
        self.covers.extend(covers)

    def _add_phrasings(self, hits: Mapping[str, _Hit]) -> None:
        """Each matched term's part of the question and of every phrasing having it."""
        # Phrasings sharing only a function word with the question cannot win, so the
        # candidates come from the other words; function words then add to them.
        informative = [hit for hit in hits.values() if not hit.stop]
        stops = [hit for hit in hits.values() if hit.stop]
        if not informative:
            informative, stops = stops, []
        self.touching.extend(hit for hit in informative if len(hit.postings))
        self.others.extend(hit for hit in stops if len(hit.postings))


def _scores(
    layout: _Layout, additions: _Additions
) -> tuple[Mapping[str, Mapping[str, float]], npt.NDArray[np.float64]]:
    """Topic scores (0-100) per language: PHRASE_SHARE of the best phrasing's score,
    the rest from how much of the question the topic explains. Topics explaining none
    of it are left out. Also as an array (`LexicalEvidence.by_slot`)."""
    if not additions.searched:
        return {}, np.zeros(len(layout.slot_topic) + 1)
    covered = _topic_coverage(layout, additions)
    explained = additions.explained[layout.slot_position]
    scores = 100.0 * (
        PHRASE_SHARE * _phrase_scores(layout, additions)
        + (1 - PHRASE_SHARE) * np.minimum(covered / explained, 1.0)
    )
    by_slot = np.append(np.where(covered > 0.0, scores, 0.0), 0.0)
    return _TopicScores(layout, by_slot, covered > 0.0, additions.positions), by_slot


class _TopicScores(Mapping[str, Mapping[str, float]]):
    """Topic -> language -> score (0-100), for the topics that explain any of the
    question, each worked out when asked: a question touches a hundred slots or so, and
    the matcher reads the scores of about ten topics. Languages come in the order they
    were searched (`positions`: those with any match)."""

    def __init__(
        self,
        layout: _Layout,
        by_slot: npt.NDArray[np.float64],
        covered: npt.NDArray[np.bool_],
        positions: list[int],
    ) -> None:
        self._layout, self._by_slot, self._covered = layout, by_slot, covered
        self._positions = positions
        # as Python numbers: a topic's few scores are read one by one, and reading one
        # from a list costs a tenth of reading it from an array
        self._scores: list[float] = by_slot.tolist()
        self._has: list[bool] = covered.tolist()

    def __getitem__(self, topic: str) -> Mapping[str, float]:
        found = self._of(topic)
        if not found:
            raise KeyError(topic)
        return found

    def get(self, topic: str, default: Any = None) -> Any:
        """`self[topic]`, or `default` for a topic without a score (most of them: asked
        without raising KeyError for each)."""
        return self._of(topic) or default

    def __contains__(self, topic: object) -> bool:
        return isinstance(topic, str) and bool(self._of(topic))

    def _of(self, topic: str) -> dict[str, float]:
        """The topic's scores by language (empty: none)."""
        at = self._layout.topic_slots.get(topic)
        if at is None:
            return {}
        found = {}
        for position in self._positions:
            slot = at.get(position)
            if slot is not None and self._has[slot]:
                found[self._layout.slot_language[slot]] = self._scores[slot]
        return found

    def __iter__(self) -> Iterator[str]:
        rank = {position: n for n, position in enumerate(self._positions)}
        slots = sorted(  # stable: topic order within a language
            self._covered.nonzero()[0].tolist(),
            key=lambda slot: rank[int(self._layout.slot_position[slot])],
        )
        return iter(dict.fromkeys(self._layout.slot_topic[slot] for slot in slots))

    def __len__(self) -> int:
        return len({self._layout.slot_topic[slot] for slot in self._covered.nonzero()[0]})


def _phrase_scores(layout: _Layout, additions: _Additions) -> npt.NDArray[np.float64]:
    """Each slot's best phrasing: the F-beta mean of how much of the question the
    phrasing covers and how much of the phrasing the question covers."""
    size = len(layout.phrase_slot)
    best = np.zeros(len(layout.slot_topic))
    if not additions.touching:
        return best
    hits = additions.touching + additions.others
    phrasings = np.concatenate([hit.postings for hit in hits])
    lengths = [len(hit.postings) for hit in hits]
    to_question = [hit.to_question for hit in hits]
    to_phrasing = [hit.to_phrasing for hit in hits]
    found_q = _sums(phrasings, np.repeat(np.array(to_question), lengths), size)
    # A term found as written adds its idf to both (weight = idf, similarity 1): the
    # same parts in the same order make the same sums, made once.
    if to_phrasing == to_question:
        found_p = found_q
    else:
        found_p = _sums(phrasings, np.repeat(np.array(to_phrasing), lengths), size)
    # The phrasings the informative terms touch, some more than once: each copy gets
    # the same score, and the best of equal scores is the same, so they need no sifting.
    at = phrasings[: sum(lengths[: len(additions.touching)])]
    query_weight = additions.query_weight[layout.phrase_language[at]]
    beta2 = BETA * BETA
    # a long message is judged as if it were only QUERY_CAP times this phrasing
    covered_q = np.minimum(found_q[at] / np.minimum(query_weight, layout.caps[at]), 1.0)
    covered_p = found_p[at] / layout.phrase_weight[at]
    f = (1 + beta2) * covered_q * covered_p / (beta2 * covered_p + covered_q)
    np.fmax.at(best, layout.phrase_slot[at], f)
    return best


def _topic_coverage(layout: _Layout, additions: _Additions) -> npt.NDArray[np.float64]:
    """How much of the question each slot explains (zero: none of it)."""
    size = len(layout.slot_topic)
    if not additions.covers:
        return np.zeros(size)
    slots = np.concatenate([at for at, _ in additions.covers])
    return _sums(slots, np.concatenate([parts for _, parts in additions.covers]), size)


def _sums(
    at: npt.NDArray[np.intp], parts: npt.NDArray[np.float64], size: int
) -> npt.NDArray[np.float64]:
    """For each of `size` places, the sum of the `parts` at it, added in the order given
    (as `+=` term by term would add them: the same result to the last bit)."""
    summed: npt.NDArray[np.float64] = np.bincount(at, parts, minlength=size).astype(
        np.float64, copy=False
    )
    return summed


def _names_pattern(context_by_lang: Mapping[str, Sequence[Phrasing]]) -> re.Pattern[str] | None:
    """The names every language's answers use as written (runs of two to four capitalised
    words: "Reclaim Your Face", "The Good Lobby"), as one case-blind pattern; None with
    fewer than two languages or no such name. A phrase the translators kept in every
    language is a name, and its words ("your", "the") say nothing of the language a
    question is written in."""
    if len(context_by_lang) < 2:
        return None
    shared: set[str] | None = None
    for items in context_by_lang.values():
        found = {m.group(0) for item in items for m in NAME.finditer(item.text)}
        shared = found if shared is None else shared & found
    if not shared:
        return None
    alternatives = "|".join(re.escape(name) for name in sorted(shared, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)


def language_of_words(known: Mapping[str, int]) -> str | None:
    """The one language that knows the most of the question's words (`known`: per
    language, how many it knows), if any."""
    ranked = sorted(known.values(), reverse=True)
    if not ranked or ranked[0] == 0 or (len(ranked) > 1 and ranked[0] == ranked[1]):
        return None
    return max(known, key=lambda code: known[code])
