"""Mapping a free-text question to a topic, to a few suggestions, or honestly to none.

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

The best topic over all languages wins. Its language counts as the question's
language when it leads the other languages by `LANG_MARGIN` and no other
language knows as many of the question's words, so a German question is
answered in German but "help" is not taken for Italian. Scores are 0-100. At
or above `ANSWER_AT`, with a lead of `ANSWER_LEAD` over the next topic, the
topic is answered; otherwise topics at or above `SUGGEST_AT` (and within
`SUGGEST_WINDOW` of the best) are offered as "did you mean"; otherwise
nothing. The constants were tuned on the labelled dev questions plus a set of
off-topic and long questions of our own; `benchmarks/` measures the same
matcher on public data sets.

The matcher is pure (no Telegram), deterministic (ties break on topic order)
and immutable once built.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.textnorm import stop_words, strip_accents, term, terms, words

TYPO_CUTOFF = 80.0
TYPO_MIN_LEN = 4
TYPO_LENGTH = 1
BETA = 1.0
PHRASE_SHARE = 0.7
CONTEXT_SIM = 0.5
STOP_WEIGHT = 0.3  # the most a function word ("what", "is") can weigh
UNKNOWN_SHARE = 0.7  # an unknown word weighs this share of a one-topic word
QUERY_CAP = 2.0  # a long message counts as at most this many phrasings' worth of words
ANSWER_AT = 48.0
ANSWER_LEAD = 4.0  # tuned on the dev set and our own blind-written set (see README)
SUGGEST_AT = 35.0
SUGGEST_WINDOW = 20.0
LANG_MARGIN = 3.0  # a language wins only this far ahead of the others, else it is unclear
MAX_SUGGESTIONS = 3
TYPO_CACHE = 50_000  # typo lookups remembered per language
MAX_RANKED = 10  # topics kept in a ranking (inline mode shows up to 10)
MAX_QUERY_TERMS = 64  # a long message is judged on its first words


@dataclass(frozen=True)
class Phrasing:
    """One way of asking a topic, in one language."""

    topic_id: str
    lang: str
    text: str


@dataclass(frozen=True)
class Match:
    """The matcher's verdict on a question."""

    topic_id: str | None  # the topic to answer, or None
    score: float  # 0-100, of the best topic
    lang: str | None  # language the question was written in, when the match makes it clear
    suggestions: tuple[str, ...] = ()  # "did you mean" topics when not confident
    # the best MAX_RANKED topics: (topic, score, language of its best phrasing)
    ranked: tuple[tuple[str, float, str], ...] = field(default=(), repr=False)
    # a signpost topic that won (see Explainer.ask): its text is the reply, no topic is answered
    signpost: str | None = None

    def likely(self, limit: int) -> list[str]:
        """Up to `limit` topics that score at least SUGGEST_AT, best first."""
        return [topic for topic, score, _ in self.ranked[:limit] if score >= SUGGEST_AT]

    @property
    def confident(self) -> bool:
        return self.topic_id is not None


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
    phrase_weight: list[float]
    caps: list[float]  # QUERY_CAP x the phrasing's weight (at least a typical one's)
    postings: dict[str, list[int]]  # term -> phrasing indexes
    term_topics: dict[str, frozenset[str]]  # term -> topics whose phrasings have it
    context_topics: dict[str, frozenset[str]]  # term -> topics whose answer has it
    typo_cache: dict[str, dict[str, float]] = field(default_factory=dict)

    def length_starts(self, size: int) -> int:
        return self.starts[min(max(size, 0), len(self.starts) - 1)]


class Matcher:
    """Scores questions against phrasings in every loaded language."""

    def __init__(
        self,
        phrasings: Iterable[Phrasing],
        topic_order: Iterable[str] = (),
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
        order = list(topic_order)
        self._rank = {topic: i for i, topic in enumerate(order)}
        self._lang_rank = {lang: i for i, lang in enumerate(self._indexes)}  # ties: first wins

    def _written_in(self, question: str, lang: str) -> bool:
        """True unless another language knows as many of the question's words: "help me"
        or "emotion recognition AI" among the Italian phrasings does not make an English
        question Italian. Typos known to no language leave it to the scores."""
        known = {
            code: len(set(terms(question, code)) & index.weights.keys())
            for code, index in self._indexes.items()
        }
        best = known.pop(lang, 0)
        others = max(known.values(), default=0)
        return best > others or best == others == 0

    def _ranked(
        self, question: str, languages: Iterable[str] | None
    ) -> tuple[list[tuple[str, float, str]], dict[str, dict[str, float]]]:
        by_topic: dict[str, dict[str, float]] = defaultdict(dict)
        searched = [
            self._indexes[lang] for lang in languages or self._indexes if lang in self._indexes
        ]
        asked = list(dict.fromkeys(words(question)))[:MAX_QUERY_TERMS]
        # A word that is an exact word of one language is not a typo in another.
        known = {w for w in asked if any(term(w, i.lang) in i.weights for i in searched)}
        for index in searched:
            for topic, score in _score(index, asked, known).items():
                by_topic[topic][index.lang] = score
        last = len(self._rank)
        best = []
        for topic, scores in by_topic.items():
            lang = max(scores, key=lambda code: (scores[code], -self._lang_rank[code]))
            best.append((-round(scores[lang], 2), self._rank.get(topic, last), topic, lang))
        ranked = [
            (topic, -score, lang) for score, _, topic, lang in heapq.nsmallest(MAX_RANKED, best)
        ]
        return ranked, by_topic

    def match(self, question: str, languages: Iterable[str] | None = None) -> Match:
        """The best topic for `question`, searching `languages` (default: all)."""
        ranked, by_topic = self._ranked(question, languages)
        if not ranked:
            return Match(None, 0.0, None)
        top_topic, top_score, best_lang = ranked[0]
        others = [score for lang, score in by_topic[top_topic].items() if lang != best_lang]
        clear = top_score >= SUGGEST_AT and (not others or top_score - max(others) >= LANG_MARGIN)
        top_lang = best_lang if clear and self._written_in(question, best_lang) else None
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if top_score >= ANSWER_AT and top_score - runner_up >= ANSWER_LEAD:
            return Match(top_topic, top_score, top_lang, (), tuple(ranked))
        suggestions = tuple(
            topic for topic, score, _ in ranked[:MAX_SUGGESTIONS]
            if score >= SUGGEST_AT and score >= top_score - SUGGEST_WINDOW
        )  # fmt: skip
        return Match(None, top_score, top_lang, suggestions, tuple(ranked))


def _build(
    lang: str, items: list[Phrasing], context: list[Phrasing], function_words: frozenset[str]
) -> _LanguageIndex:
    topic_terms: dict[str, set[str]] = defaultdict(set)
    context_terms: dict[str, set[str]] = defaultdict(set)
    phrasings: list[tuple[str, dict[str, int]]] = []
    for item in items:
        counts: dict[str, int] = defaultdict(int)
        for found in terms(item.text, lang):
            counts[found] += 1
        if counts:
            phrasings.append((item.topic_id, dict(counts)))
            topic_terms[item.topic_id].update(counts)
    for item in context:
        context_terms[item.topic_id].update(terms(item.text, lang))
    df: dict[str, int] = defaultdict(int)
    for topic in set(topic_terms) | set(context_terms):
        for found in topic_terms.get(topic, set()) | context_terms.get(topic, set()):
            df[found] += 1
    n_topics = max(len(set(topic_terms) | set(context_terms)), 1)
    # a term is a function word's only when every word it comes from is a function word
    only_function: dict[str, bool] = {}
    surface: dict[str, str] = {}  # a word as written (accents stripped) -> its term
    for item in (*items, *context):
        for word in words(item.text):
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
    return _LanguageIndex(
        lang=lang,
        weights=weights,
        unknown_weight=UNKNOWN_SHARE * math.log(1 + n_topics),
        surface=surface,
        vocabulary=(vocabulary := sorted(surface, key=lambda w: (len(w), w))),
        starts=[
            bisect_left([len(t) for t in vocabulary], n)
            for n in range(max(map(len, vocabulary), default=0) + 2)
        ],
        stops=stops,
        function_words=function_words,
        typical_weight=typical,
        phrasings=phrasings,
        phrase_weight=phrase_weight,
        caps=[QUERY_CAP * max(w, typical) for w in phrase_weight],
        postings=dict(postings),
        term_topics=_invert(topic_terms),
        context_topics=_invert(context_terms),
    )


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


def _score(index: _LanguageIndex, asked: list[str], known: set[str]) -> Mapping[str, float]:
    """Topic scores for the question's words `asked`; `known` words are never typos."""
    word_of: dict[str, str] = {}
    for word in asked:
        word_of.setdefault(term(word, index.lang), word)
    query = list(word_of)
    if not query:
        return {}
    exact = {term(w, index.lang) for w in known}
    query_weight = 0.0
    resolved: list[tuple[float, dict[str, float]]] = []  # (weight, {vocabulary term: sim})
    hits: dict[str, tuple[float, float]] = {}  # vocabulary term -> (weight, sim), the best
    for term_ in query:
        if term_ in exact and term_ not in index.weights:
            candidates: dict[str, float] = {}
        else:
            candidates = _resolve(index, term_, word_of[term_])
        if term_ in index.weights:
            weight = index.weights[term_]
        elif candidates:
            weight = max(index.weights[c] for c in candidates)
        elif word_of[term_] in index.function_words:
            weight = STOP_WEIGHT
        else:
            weight = index.unknown_weight
        query_weight += weight
        resolved.append((weight, candidates))
        for candidate, similarity in candidates.items():
            if candidate not in hits or similarity > hits[candidate][1]:
                hits[candidate] = (weight, similarity)
    if not hits:
        return {}
    phrase_scores: dict[str, float] = {}
    beta2 = BETA * BETA
    # Phrasings sharing only a function word with the question cannot win, so the
    # candidates come from the other words; function words then add to them.
    informative = [t for t in hits if t not in index.stops] or list(hits)
    found_q: dict[int, float] = defaultdict(float)
    found_p: dict[int, float] = defaultdict(float)
    for t in informative:
        weight, similarity = hits[t]
        add_q, add_p = weight * similarity, index.weights[t] * similarity
        for i in index.postings.get(t, ()):
            found_q[i] += add_q
            found_p[i] += add_p
    rest = [t for t in hits if t not in set(informative)]
    caps, phrase_weight, phrasings = index.caps, index.phrase_weight, index.phrasings
    for i, q_found in found_q.items():
        topic, counts = phrasings[i]
        p_found = found_p[i]
        for t in rest:
            if t in counts:
                q_found += hits[t][0] * hits[t][1]
                p_found += index.weights[t] * hits[t][1]
        # a long message is judged as if it were only QUERY_CAP times this phrasing
        covered_q = q_found / (query_weight if query_weight < caps[i] else caps[i])
        covered_q = covered_q if covered_q < 1.0 else 1.0
        covered_p = p_found / phrase_weight[i]
        f = (1 + beta2) * covered_q * covered_p / (beta2 * covered_p + covered_q)
        if f > phrase_scores.get(topic, 0.0):
            phrase_scores[topic] = f
    # How much of the question the topic explains: each question word once, at its
    # best similarity, from the topic's phrasings (full) or its answer (CONTEXT_SIM).
    covered: dict[str, float] = defaultdict(float)
    for weight, candidates in resolved:
        best: dict[str, float] = {}
        for candidate, similarity in candidates.items():
            weak = CONTEXT_SIM * similarity
            for topic in index.context_topics.get(candidate, ()):
                if weak > best.get(topic, 0.0):
                    best[topic] = weak
            for topic in index.term_topics.get(candidate, ()):
                if similarity > best.get(topic, 0.0):
                    best[topic] = similarity
        for topic, similarity in best.items():
            covered[topic] += weight * similarity
    topic_cap = QUERY_CAP * index.typical_weight
    return {
        topic: 100.0 * (
            PHRASE_SHARE * phrase_scores.get(topic, 0.0)
            + (1 - PHRASE_SHARE) * min(covered[topic] / min(query_weight, topic_cap), 1.0)
        )
        for topic in covered
    }  # fmt: skip
