"""Mapping a free-text question to a topic, to a few suggestions, or honestly to none.

How a question is scored, for each language that has phrasings:

1. Terms. The question is split into words, stemmed with that language's
   Snowball stemmer and stripped of accents (`bot.textnorm`), exactly like
   every phrasing ("ways of asking") of that language.
2. Weights. A term's weight is its inverse document frequency over topics:
   `log(1 + N / df)`, where N is the number of topics with phrasings in the
   language and df the number of those whose phrasings contain the term. Words
   in most topics ("what", "is") weigh little, words of one topic
   ("fingerprint", "Belgrade") a lot. A question word that appears in no
   phrasing (and is not a typo of one) gets the weight of a one-topic word:
   unexplained words are what makes an off-topic question score low.
3. Typos. A question word missing from the vocabulary is compared with
   rapidfuzz (`fuzz.ratio`) to the vocabulary; a close enough term (at least
   `TYPO_CUTOFF`, words of 4+ letters) counts with similarity ratio/100.
4. Phrasing score. For a phrasing p and question q, with matched weights:
   `covered_q` = share of the question's weight found in p, and `covered_p`
   = share of p's weight found in the question. The phrasing score is their
   weighted harmonic mean (F-beta, `BETA` > 1 favours covering the question,
   so that a short question matching part of a long phrasing still scores).
5. Topic score. `PHRASE_SHARE` of the best phrasing score plus the rest from
   `covered_q` against the whole topic (all its phrasings together), which
   rewards questions that mix words from several phrasings of one topic.

The best topic over all languages wins and the match remembers the language of
the phrasing that won, so a German question is answered in German. Scores are
0-100. At or above `ANSWER_AT`, with a lead of `ANSWER_LEAD` over the next
topic, the topic is answered; otherwise topics at or above `SUGGEST_AT` (and
within `SUGGEST_WINDOW` of the best) are offered as "did you mean"; otherwise
nothing. The thresholds were tuned on the labelled dev questions.

The matcher is pure (no Telegram), deterministic (ties break on topic order)
and immutable once built.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.textnorm import terms

TYPO_CUTOFF = 80.0
TYPO_MIN_LEN = 4
BETA = 1.5
PHRASE_SHARE = 0.7
ANSWER_AT = 52.0
ANSWER_LEAD = 4.0
SUGGEST_AT = 35.0
SUGGEST_WINDOW = 20.0
LANG_MARGIN = 3.0  # a language wins only this far ahead of the others, else it is unclear
MAX_SUGGESTIONS = 3
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
    ranked: tuple[tuple[str, float, str], ...] = field(default=(), repr=False)

    @property
    def confident(self) -> bool:
        return self.topic_id is not None


@dataclass
class _LanguageIndex:
    lang: str
    weights: dict[str, float]  # term -> idf
    unknown_weight: float
    vocabulary: list[str]
    phrasings: list[tuple[str, dict[str, int]]]  # (topic, term -> count), kept for totals
    phrase_weight: list[float]
    postings: dict[str, list[int]]  # term -> phrasing indexes
    topic_terms: dict[str, frozenset[str]]


class Matcher:
    """Scores questions against phrasings in every loaded language."""

    def __init__(self, phrasings: Iterable[Phrasing], topic_order: Iterable[str] = ()) -> None:
        by_lang: dict[str, list[Phrasing]] = defaultdict(list)
        for phrasing in phrasings:
            by_lang[phrasing.lang].append(phrasing)
        self._indexes = {lang: _build(lang, items) for lang, items in sorted(by_lang.items())}
        order = list(topic_order)
        self._rank = {topic: i for i, topic in enumerate(order)}

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._indexes)

    def match(self, question: str, languages: Iterable[str] | None = None) -> Match:
        """The best topic for `question`, searching `languages` (default: all)."""
        by_topic: dict[str, dict[str, float]] = defaultdict(dict)
        for lang in languages or self._indexes:
            index = self._indexes.get(lang)
            if index is None:
                continue
            for topic, score in _score(index, question).items():
                by_topic[topic][lang] = score
        best = {
            topic: max(sorted(scores.items()), key=lambda item: item[1])[::-1]
            for topic, scores in by_topic.items()
        }
        ranked = sorted(
            ((topic, round(score, 2), lang) for topic, (score, lang) in best.items()),
            key=lambda item: (-item[1], self._rank.get(item[0], len(self._rank)), item[0]),
        )
        if not ranked:
            return Match(None, 0.0, None)
        top_topic, top_score, top_lang = ranked[0]
        others = [score for lang, score in by_topic[top_topic].items() if lang != top_lang]
        if others and top_score - max(others) < LANG_MARGIN:
            top_lang = None
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if top_score >= ANSWER_AT and top_score - runner_up >= ANSWER_LEAD:
            return Match(top_topic, top_score, top_lang, (), tuple(ranked[:5]))
        suggestions = tuple(
            topic for topic, score, _ in ranked[:MAX_SUGGESTIONS]
            if score >= SUGGEST_AT and score >= top_score - SUGGEST_WINDOW
        )  # fmt: skip
        return Match(None, top_score, top_lang, suggestions, tuple(ranked[:5]))


def _build(lang: str, items: list[Phrasing]) -> _LanguageIndex:
    topic_terms: dict[str, set[str]] = defaultdict(set)
    phrasings: list[tuple[str, dict[str, int]]] = []
    for item in items:
        counts: dict[str, int] = defaultdict(int)
        for term in terms(item.text, lang):
            counts[term] += 1
        if counts:
            phrasings.append((item.topic_id, dict(counts)))
            topic_terms[item.topic_id].update(counts)
    df: dict[str, int] = defaultdict(int)
    for vocabulary in topic_terms.values():
        for term in vocabulary:
            df[term] += 1
    n_topics = max(len(topic_terms), 1)
    weights = {term: math.log(1 + n_topics / count) for term, count in df.items()}
    postings: dict[str, list[int]] = defaultdict(list)
    phrase_weight = []
    for i, (_, counts) in enumerate(phrasings):
        for term in counts:
            postings[term].append(i)
        phrase_weight.append(sum(weights[t] for t in counts))
    return _LanguageIndex(
        lang=lang,
        weights=weights,
        unknown_weight=math.log(1 + n_topics),
        vocabulary=sorted(weights),
        phrasings=phrasings,
        phrase_weight=phrase_weight,
        postings=dict(postings),
        topic_terms={t: frozenset(v) for t, v in topic_terms.items()},
    )


def _resolve(index: _LanguageIndex, term: str) -> dict[str, float]:
    """Vocabulary terms standing for a question term, with their similarity 0..1."""
    if term in index.weights:
        return {term: 1.0}
    if len(term) < TYPO_MIN_LEN or not index.vocabulary:
        return {}
    found = process.extract(
        term, index.vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF, limit=3
    )
    return {candidate: score / 100.0 for candidate, score, _ in found}


def _score(index: _LanguageIndex, question: str) -> Mapping[str, float]:
    query = list(dict.fromkeys(terms(question, index.lang)))[:MAX_QUERY_TERMS]
    if not query:
        return {}
    resolved = [(term, _resolve(index, term)) for term in query]
    query_weight = 0.0
    # vocabulary term -> (question term weight, similarity), keeping the best
    hits: dict[str, tuple[float, float]] = {}
    for term, candidates in resolved:
        if term in index.weights:
            weight = index.weights[term]
        elif candidates:
            weight = max(index.weights[c] for c in candidates)
        else:
            weight = index.unknown_weight
        query_weight += weight
        for candidate, similarity in candidates.items():
            if candidate not in hits or similarity > hits[candidate][1]:
                hits[candidate] = (weight, similarity)
    if not hits:
        return {}
    phrase_scores: dict[str, float] = {}
    beta2 = BETA * BETA
    for i in {i for term in hits for i in index.postings.get(term, ())}:
        topic, counts = index.phrasings[i]
        found_q = found_p = 0.0
        for term in counts:
            hit = hits.get(term)
            if hit is not None:
                found_q += hit[0] * hit[1]
                found_p += index.weights[term] * hit[1]
        covered_q = found_q / query_weight
        covered_p = found_p / index.phrase_weight[i]
        if covered_q <= 0 or covered_p <= 0:
            continue
        f = (1 + beta2) * covered_q * covered_p / (beta2 * covered_p + covered_q)
        if f > phrase_scores.get(topic, 0.0):
            phrase_scores[topic] = f
    scores: dict[str, float] = {}
    for topic, best_phrase in phrase_scores.items():
        vocabulary = index.topic_terms[topic]
        covered = sum(w * s for term, (w, s) in hits.items() if term in vocabulary)
        # one question term can hit several typo candidates; never count it twice
        covered_topic = min(covered / query_weight, 1.0)
        scores[topic] = 100.0 * (PHRASE_SHARE * best_phrase + (1 - PHRASE_SHARE) * covered_topic)
    return scores
