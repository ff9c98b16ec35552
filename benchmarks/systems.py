"""The systems compared: the project's matcher and three simple baselines.

Every system answers a question with a `Prediction`: the best topic (argmax,
even when the system would decline) and its score on the system's own scale.
Declining is decided later, by a threshold tuned on validation data.

Baselines (all over the same phrasings the matcher gets, each predicting the
topic of its best phrasing):

- `wratio`: rapidfuzz `process.extractOne` with `fuzz.WRatio`, texts put
  through rapidfuzz's `utils.default_process` (lower case, no punctuation).
- `token_set`: the same with `fuzz.token_set_ratio`.
- `bm25`: `rank_bm25.BM25Okapi` over lowercase word tokens. Its scores are
  summed through an inverted index from the model's own `idf`, `doc_freqs`,
  `doc_len`, `k1` and `b`, which gives the numbers `get_scores` gives (checked
  on a sample at build time) but without scanning every phrasing per query
  word, which would take minutes on CLINC150.
- `linearsvc`: the textbook classifier issue 9 measured, with scikit-learn:
  tf-idf of word 1-2-grams and `char_wb` 3-5-grams (accents stripped, lower
  case) side by side, `LinearSVC(C=1)` trained on every phrasing (label =
  topic); its score is the best class's decision value. The matcher's own
  model (`bot.classifier`) is trained the same way with numpy alone, with
  its classes half balanced (`bot.classifier.BALANCE`).
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rank_bm25 import BM25Okapi
from rapidfuzz import fuzz, process, utils

from bot import decision
from bot.matcher import Match, Matcher

_TOKEN = re.compile(r"\w+")
DECLINED = -1.0  # the score of a question a signpost won: below every threshold tried


@dataclass(frozen=True)
class Prediction:
    topic: str | None  # the best topic, even if the system would decline
    score: float  # on the system's own scale (0-100, BM25 unbounded)
    answered: str | None = None  # the matcher's own decision (bot.decision); baselines: None


class System(Protocol):
    name: str

    def predict(self, question: str) -> Prediction: ...


class MatcherSystem:
    """The project's matcher; `languages` restricts the languages searched.

    A signpost topic (`signposts`, see `benchmarks.kb`) is never a prediction,
    as in `Explainer.without_signposts`: when one ranks first the question is
    declined (score `DECLINED`, nothing answered: the bot cannot answer any
    other topic then), and its best other topic is what accuracy without
    declining counts.

    Its score is the probability, as `bot.decision` estimates it, that the best
    topic is right (1.0 for a way of asking as written): the matcher's own
    calibrated signal for declining, where its softmax confidence is not (the
    confidence of a question the second look re-ranked is on another footing
    than the first look's). It ranks CLINC150 validation questions for
    declining better: in-scope accuracy 0.927 vs 0.924 at 0.60 oos recall."""

    def __init__(
        self,
        matcher: Matcher,
        languages: Sequence[str] | None = None,
        name: str = "matcher",
        signposts: Collection[str] = (),
    ) -> None:
        self.name = name
        self.matcher = matcher
        self.languages = tuple(languages) if languages else None
        self.signposts = frozenset(signposts)

    def predict(self, question: str) -> Prediction:
        match = self.matcher.match(question, self.languages)
        ranked = [r for r in match.ranked if r[0] not in self.signposts]
        if not ranked:
            return Prediction(None, 0.0, None)
        topic = ranked[0][0]
        if match.ranked[0][0] in self.signposts:
            return Prediction(topic, DECLINED, None)
        return Prediction(topic, _chance(match), match.topic_id)


def _chance(match: Match) -> float:
    """The decision's probability that `match`'s best topic is right (0 when it was
    declined before weighing: words no language knows)."""
    signals = match.signals
    if signals is None:
        return 0.0
    return 1.0 if signals.lexical >= decision.EXACT else decision.probability(signals)


class FuzzSystem:
    """rapidfuzz extractOne over all phrasings with one scorer."""

    def __init__(self, name: str, scorer: Any, phrasings: Sequence[tuple[str, str]]) -> None:
        self.name = name
        self.scorer = scorer
        self.topics = [topic for topic, _ in phrasings]
        self.choices = [utils.default_process(text) for _, text in phrasings]

    def predict(self, question: str) -> Prediction:
        found = process.extractOne(
            utils.default_process(question), self.choices, scorer=self.scorer
        )
        if found is None or found[1] <= 0:
            return Prediction(None, 0.0)
        return Prediction(self.topics[found[2]], float(found[1]))


class BM25System:
    """BM25Okapi over lowercase word tokens; the topic of the best phrasing."""

    name = "bm25"

    def __init__(self, phrasings: Sequence[tuple[str, str]]) -> None:
        self.topics = [topic for topic, _ in phrasings]
        corpus = [tokens(text) or ["\0"] for _, text in phrasings]  # BM25Okapi needs no empty docs
        self.model = BM25Okapi(corpus)
        m = self.model
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, freqs in enumerate(m.doc_freqs):
            norm = m.k1 * (1 - m.b + m.b * m.doc_len[i] / m.avgdl)
            for term, tf in freqs.items():
                postings[term].append((i, tf * (m.k1 + 1) / (tf + norm)))
        self.postings = dict(postings)
        self._self_check(phrasings)

    def scores(self, question: str) -> dict[int, float]:
        out: dict[int, float] = defaultdict(float)
        for term in tokens(question):  # repeats count, as in get_scores
            idf = self.model.idf.get(term) or 0.0
            for i, part in self.postings.get(term, ()):
                out[i] += idf * part
        return out

    def predict(self, question: str) -> Prediction:
        scores = self.scores(question)
        if not scores:
            return Prediction(None, 0.0)
        best = max(scores.items(), key=lambda item: (item[1], -item[0]))  # first best, like argmax
        return Prediction(self.topics[best[0]], best[1])

    def _self_check(self, phrasings: Sequence[tuple[str, str]]) -> None:
        for _, text in list(phrasings)[:: max(len(phrasings) // 5, 1)][:5]:
            full = self.model.get_scores(tokens(text))
            fast = self.scores(text)
            for i, value in enumerate(full):
                if abs(value - fast.get(i, 0.0)) > 1e-6:
                    raise AssertionError("inverted-index BM25 differs from rank_bm25.get_scores")


class LinearSVCSystem:
    """scikit-learn's TfidfVectorizer (words 1-2, char_wb 3-5) + LinearSVC(C=1)."""

    name = "linearsvc"

    def __init__(self, phrasings: Sequence[tuple[str, str]]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_pipeline, make_union
        from sklearn.svm import LinearSVC

        started = time.perf_counter()
        self.model = make_pipeline(
            make_union(
                TfidfVectorizer(ngram_range=(1, 2), strip_accents="unicode"),
                TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), strip_accents="unicode"),
            ),
            LinearSVC(C=1.0),
        )
        topics = [topic for topic, _ in phrasings]
        self.single = topics[0] if len(set(topics)) == 1 else None
        if self.single is None:
            self.model.fit([text for _, text in phrasings], topics)
        self.build_s = time.perf_counter() - started

    def predict(self, question: str) -> Prediction:
        if self.single is not None:
            return Prediction(self.single, 0.0)
        scores = self.model.decision_function([question])[0]
        best = int(scores.argmax())
        return Prediction(str(self.model.classes_[best]), float(scores[best]))


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def baselines(phrasings: Sequence[tuple[str, str]], trained: bool = True) -> list[System]:
    """The baselines over `phrasings`; `trained=False` leaves out LinearSVC (minutes to
    train on the 1,000-topic knowledge)."""
    systems: list[System] = [
        FuzzSystem("wratio", fuzz.WRatio, phrasings),
        FuzzSystem("token_set", fuzz.token_set_ratio, phrasings),
        BM25System(phrasings),
    ]
    return [*systems, LinearSVCSystem(phrasings)] if trained else systems


def predict_all(system: System, questions: Iterable[str]) -> list[Prediction]:
    return [system.predict(q) for q in questions]


BASELINE_NAMES = ("wratio", "token_set", "bm25", "linearsvc")
