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
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from bot.textnorm import stop_words, strip_accents, term, words

TYPO_CUTOFF = 80.0
TYPO_MIN_LEN = 4
TYPO_LENGTH = 1
BETA = 1.0
PHRASE_SHARE = 0.7
CONTEXT_SIM = 0.5
STOP_WEIGHT = 0.3  # the most a function word ("what", "is") can weigh
UNKNOWN_SHARE = 0.7  # an unknown word weighs this share of a one-topic word
QUERY_CAP = 2.0  # a long message counts as at most this many phrasings' worth of words
LANG_MARGIN = 3.0  # a language wins only this far ahead of the others, else it is unclear
TYPO_CACHE = 50_000  # typo lookups remembered per language
MAX_QUERY_TERMS = 64  # a long message is judged on its first words


@dataclass(frozen=True)
class Phrasing:
    """One way of asking a topic, in one language."""

    topic_id: str
    lang: str
    text: str


@dataclass
class _LanguageIndex:
    lang: str
    weights: dict[str, float]  # term -> idf
    unknown_weight: float
    stops: frozenset[str]  # terms that only function words give
    function_words: frozenset[str]
    typical_weight: float  # median weight of a phrasing
    surface: dict[str, str]  # every word of the language's texts (no accents) -> its term
    vocabulary: list[str]  # those words sorted by length, for typo lookups by length
    starts: list[int]  # starts[n]: first vocabulary index of a word of length >= n
    phrasings: list[tuple[str, dict[str, int]]]  # (topic, term -> count), kept for totals
    phrase_weight: npt.NDArray[np.float64]
    caps: npt.NDArray[np.float64]  # QUERY_CAP x the phrasing's weight (at least a typical one's)
    postings: dict[str, npt.NDArray[np.intp]]  # term -> phrasing indexes
    phrase_topic: npt.NDArray[np.intp]  # phrasing index -> its topic's number in `topics`
    topics: list[str]  # the language's topics (phrasings or answer), numbered
    term_topics: dict[str, frozenset[str]]  # term -> topics whose phrasings have it
    context_topics: dict[str, frozenset[str]]  # term -> topics whose answer has it
    # term -> numbers of the topics having it, and how much it counts for each: 1 when
    # a phrasing of the topic has it, CONTEXT_SIM when only its answer does
    covers: dict[str, tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]]
    typo_cache: dict[str, dict[str, float]] = field(default_factory=dict)

    def length_starts(self, size: int) -> int:
        return self.starts[min(max(size, 0), len(self.starts) - 1)]


@dataclass(frozen=True)
class LexicalEvidence:
    """What the lexical matcher says about one question."""

    scores: Mapping[str, Mapping[str, float]]  # topic -> language -> 0-100, topics with any
    # The largest share, over the languages, of the question's informative weight
    # (function words aside) that the language's texts know, exactly or as a typo: an
    # off-topic question ("what's the weather") is mostly words no topic uses.
    known_share: float


class LexicalIndex:
    """Scores questions against phrasings in every loaded language."""

    def __init__(
        self,
        phrasings: Iterable[Phrasing],
        context: Iterable[Phrasing] = (),
        function_words: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        """`phrasings`: the ways of asking; `context`: other text about a topic (its
        answer), which counts as weaker evidence for the topic; `function_words`: per
        language, the words that say little ("the", "my"), else the `stopwords` list."""
        listed = function_words or {}
        by_lang: dict[str, list[Phrasing]] = defaultdict(list)
        context_by_lang: dict[str, list[Phrasing]] = defaultdict(list)
        for phrasing in phrasings:
            by_lang[phrasing.lang].append(phrasing)
        for item in context:
            context_by_lang[item.lang].append(item)
        self._indexes = {
            lang: _build(
                lang, items, context_by_lang.get(lang, []), listed.get(lang) or stop_words(lang)
            )
            for lang, items in sorted(by_lang.items())
        }

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._indexes)

    def known_words(self, question: str) -> dict[str, int]:
        """Per language, how many of the question's distinct terms its texts have."""
        tokens = words(question)  # split once, stemmed per language
        return {
            code: len({term(w, code) for w in tokens} & index.weights.keys())
            for code, index in self._indexes.items()
        }

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
        by_topic: dict[str, dict[str, float]] = defaultdict(dict)
        share = 0.0
        for index, asked, known in self._prepared(question, languages):
            resolved = _resolved_terms(index, asked, known)
            share = max(share, _known_share(index, resolved))
            for topic, score in _score(index, resolved).items():
                by_topic[topic][index.lang] = score
        return LexicalEvidence(by_topic, share)

    def _prepared(
        self, question: str, languages: Iterable[str] | None
    ) -> list[tuple[_LanguageIndex, list[str], set[str]]]:
        searched = [
            self._indexes[lang] for lang in languages or self._indexes if lang in self._indexes
        ]
        asked = list(dict.fromkeys(words(question)))[:MAX_QUERY_TERMS]
        # A word that is an exact word of one language is not a typo in another.
        known = {w for w in asked if any(term(w, i.lang) in i.weights for i in searched)}
        return [(index, asked, known) for index in searched]


def _build(
    lang: str, items: list[Phrasing], context: list[Phrasing], function_words: frozenset[str]
) -> _LanguageIndex:
    topic_terms: dict[str, set[str]] = defaultdict(set)
    context_terms: dict[str, set[str]] = defaultdict(set)
    phrasings: list[tuple[str, dict[str, int]]] = []
    split = {item.text: words(item.text) for item in (*items, *context)}  # split once
    for item in items:
        counted = Counter([term(word, lang) for word in split[item.text]])
        if counted:
            phrasings.append((item.topic_id, dict(counted)))
            topic_terms[item.topic_id].update(counted)
    for item in context:
        context_terms[item.topic_id].update([term(word, lang) for word in split[item.text]])
    df: dict[str, int] = defaultdict(int)
    for topic in set(topic_terms) | set(context_terms):
        for found in topic_terms.get(topic, set()) | context_terms.get(topic, set()):
            df[found] += 1
    n_topics = max(len(set(topic_terms) | set(context_terms)), 1)
    # a term is a function word's only when every word it comes from is a function word
    only_function: dict[str, bool] = {}
    surface: dict[str, str] = {}  # a word as written (accents stripped) -> its term
    # each distinct word once, in the order of first occurrence, which is all that
    # decides these two dicts (and the order of their keys)
    for word in dict.fromkeys(w for item in (*items, *context) for w in split[item.text]):
        found = term(word, lang)
        only_function[found] = only_function.get(found, True) and word in function_words
        surface.setdefault(strip_accents(word), found)
    stops = frozenset(found for found, only in only_function.items() if only)
    weights = {
        term: min(math.log(1 + n_topics / count), STOP_WEIGHT if term in stops else math.inf)
        for term, count in df.items()
    }
    postings: dict[str, list[int]] = defaultdict(list)
    phrase_weight = []
    for i, (_, counts) in enumerate(phrasings):
        for found in counts:
            postings[found].append(i)
        phrase_weight.append(sum(weights[t] for t in counts))
    typical = sorted(phrase_weight)[len(phrase_weight) // 2] if phrase_weight else 1.0
    topics = sorted(set(topic_terms) | set(context_terms))
    number = {topic: i for i, topic in enumerate(topics)}
    return _LanguageIndex(
        lang=lang,
        weights=weights,
        unknown_weight=UNKNOWN_SHARE * math.log(1 + n_topics),
        surface=surface,
        # by length, then alphabetically (a stable sort by length of the sorted words)
        vocabulary=(vocabulary := sorted(sorted(surface), key=len)),
        starts=_length_starts(vocabulary),
        stops=stops,
        function_words=function_words,
        typical_weight=typical,
        phrasings=phrasings,
        phrase_weight=np.array(phrase_weight, dtype=np.float64),
        caps=np.array([QUERY_CAP * max(w, typical) for w in phrase_weight], dtype=np.float64),
        postings={found: np.array(at, dtype=np.intp) for found, at in postings.items()},
        phrase_topic=np.array([number[topic] for topic, _ in phrasings], dtype=np.intp),
        topics=topics,
        term_topics=(term_topics := _invert(topic_terms)),
        context_topics=(context_topics := _invert(context_terms)),
        covers=_covers(term_topics, context_topics, number),
    )


def _length_starts(vocabulary: list[str]) -> list[int]:
    """For each length n, the index of the first word of `vocabulary` (sorted by length)
    of n letters or more."""
    lengths = [len(word) for word in vocabulary]
    return [bisect_left(lengths, n) for n in range(max(lengths, default=0) + 2)]


def _covers(
    term_topics: Mapping[str, frozenset[str]],
    context_topics: Mapping[str, frozenset[str]],
    number: Mapping[str, int],
) -> dict[str, tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]]:
    """Each term's topics, once each, with what the term counts for in each: what
    `_topic_coverage` looks up for every question word."""
    covers = {}
    for found in term_topics.keys() | context_topics.keys():
        full = term_topics.get(found, frozenset())
        topics = sorted(full | context_topics.get(found, frozenset()))
        covers[found] = (
            np.array([number[t] for t in topics], dtype=np.intp),
            np.array([1.0 if t in full else CONTEXT_SIM for t in topics], dtype=np.float64),
        )
    return covers


def _invert(by_topic: Mapping[str, set[str]]) -> dict[str, frozenset[str]]:
    inverted: dict[str, set[str]] = defaultdict(set)
    for topic, vocabulary in by_topic.items():
        for found in vocabulary:
            inverted[found].add(topic)
    return {found: frozenset(topics) for found, topics in inverted.items()}


def _resolve(index: _LanguageIndex, term: str, word: str) -> dict[str, float]:
    """Vocabulary terms standing for a question's `word` (its `term`), with similarity 0..1.

    Typos are looked for among the words as written, not their stems: a typo adds,
    drops, swaps or changes a letter, so candidates differ in length by at most
    TYPO_LENGTH ("recogniton" is "recognition", but "define" is not "definition").
    """
    if term in index.weights:
        return {term: 1.0}
    written = strip_accents(word)
    if len(written) < TYPO_MIN_LEN or not index.vocabulary:
        return {}
    cached = index.typo_cache.get(written)
    if cached is None:
        size = len(written)
        lo, hi = (
            index.length_starts(size - TYPO_LENGTH),
            index.length_starts(size + TYPO_LENGTH + 1),
        )
        cached = {}
        for candidate, score, _ in process.extract(
            written, index.vocabulary[lo:hi], scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF, limit=3
        ):
            found = index.surface[candidate]
            cached[found] = max(cached.get(found, 0.0), score / 100.0)
        if len(index.typo_cache) < TYPO_CACHE:
            index.typo_cache[written] = cached
    return cached


Resolved = list[tuple[float, dict[str, float]]]  # per question term: (weight, {term: sim})


def _resolved_terms(index: _LanguageIndex, asked: list[str], known: set[str]) -> Resolved:
    """Each distinct question term with its weight and the vocabulary terms it stands
    for (itself, or typo candidates); `known` words (exact in some language) are no typos."""
    word_of: dict[str, str] = {}
    exact: set[str] = set()
    for word in asked:
        term_ = term(word, index.lang)
        word_of.setdefault(term_, word)
        if word in known:
            exact.add(term_)
    resolved: Resolved = []
    for term_, word in word_of.items():
        if term_ in exact and term_ not in index.weights:
            candidates: dict[str, float] = {}
        else:
            candidates = _resolve(index, term_, word)
        resolved.append((_question_weight(index, term_, word, candidates), candidates))
    return resolved


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


def _known_share(index: _LanguageIndex, resolved: Resolved) -> float:
    """Share of the question's weight, function words aside, that the texts know."""
    total = found = 0.0
    for weight, candidates in resolved:
        if candidates and all(c in index.stops for c in candidates):
            continue
        if not candidates and weight <= STOP_WEIGHT:
            continue
        total += weight
        found += weight * max(candidates.values(), default=0.0)
    return found / total if total else 1.0  # only function words: nothing unknown


def _score(index: _LanguageIndex, resolved: Resolved) -> Mapping[str, float]:
    """Topic scores (0-100) for the question's terms: PHRASE_SHARE of the best
    phrasing's score, the rest from how much of the question the topic explains."""
    query_weight = sum(weight for weight, _ in resolved)
    hits: dict[str, tuple[float, float]] = {}  # vocabulary term -> (weight, sim), the best
    for weight, candidates in resolved:
        for candidate, similarity in candidates.items():
            if candidate not in hits or similarity > hits[candidate][1]:
                hits[candidate] = (weight, similarity)
    if not hits:
        return {}
    phrase_scores = _phrase_scores(index, hits, query_weight)
    covered = _topic_coverage(index, resolved)
    explained = min(query_weight, QUERY_CAP * index.typical_weight)
    scores = 100.0 * (
        PHRASE_SHARE * phrase_scores + (1 - PHRASE_SHARE) * np.minimum(covered / explained, 1.0)
    )
    values = scores.tolist()
    return {index.topics[k]: values[k] for k in (covered > 0.0).nonzero()[0].tolist()}


def _phrase_scores(
    index: _LanguageIndex, hits: Mapping[str, tuple[float, float]], query_weight: float
) -> npt.NDArray[np.float64]:
    """Each topic's best phrasing: the F-beta mean of how much of the question the
    phrasing covers and how much of the phrasing the question covers."""
    # Phrasings sharing only a function word with the question cannot win, so the
    # candidates come from the other words; function words then add to them. One numpy
    # array over the language's phrasings per sum: the same additions, in the same order,
    # as a loop over each phrasing would make, so the same scores to the last bit.
    informative = [t for t in hits if t not in index.stops] or list(hits)
    size = len(index.phrasings)
    found_q, found_p = np.zeros(size), np.zeros(size)
    touched = np.zeros(size, dtype=bool)
    for t in informative:
        _add_term(index, t, hits[t], found_q, found_p)
        if t in index.postings:
            touched[index.postings[t]] = True
    chosen = set(informative)
    for t in hits:
        if t not in chosen:
            _add_term(index, t, hits[t], found_q, found_p)
    best = np.zeros(len(index.topics))
    at = touched.nonzero()[0]  # np.flatnonzero without its Python-level calls
    if not len(at):
        return best
    beta2 = BETA * BETA
    # a long message is judged as if it were only QUERY_CAP times this phrasing
    covered_q = np.minimum(found_q[at] / np.minimum(query_weight, index.caps[at]), 1.0)
    covered_p = found_p[at] / index.phrase_weight[at]
    f = (1 + beta2) * covered_q * covered_p / (beta2 * covered_p + covered_q)
    np.fmax.at(best, index.phrase_topic[at], f)
    return best


def _add_term(
    index: _LanguageIndex,
    found: str,
    hit: tuple[float, float],
    found_q: npt.NDArray[np.float64],
    found_p: npt.NDArray[np.float64],
) -> None:
    """Add what one matched term covers to every phrasing that has it: of the question
    (its weight in the question) and of the phrasing (its idf)."""
    at = index.postings.get(found)
    if at is not None:
        weight, similarity = hit
        found_q[at] += weight * similarity
        found_p[at] += index.weights[found] * similarity


def _topic_coverage(index: _LanguageIndex, resolved: Resolved) -> npt.NDArray[np.float64]:
    """How much of the question each topic explains: each question word once, at its
    best similarity, from the topic's phrasings (full) or its answer (CONTEXT_SIM).
    Zero for a topic that explains none of it."""
    covered = np.zeros(len(index.topics))
    for weight, candidates in resolved:
        if len(candidates) == 1:  # most words: one term, each of its topics once
            [(candidate, similarity)] = candidates.items()
            if candidate in index.covers:
                at, share = index.covers[candidate]
                # an exact word (similarity 1.0): share * 1.0 is share, bit for bit
                covered[at] += weight * (share if similarity == 1.0 else share * similarity)
            continue
        best = np.zeros(len(index.topics))
        for candidate, similarity in candidates.items():
            if candidate in index.covers:
                at, share = index.covers[candidate]
                best[at] = np.maximum(best[at], share * similarity)
        covered += weight * best
    return covered
