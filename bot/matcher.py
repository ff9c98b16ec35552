"""Mapping a free-text question to a topic, to a few suggestions, or honestly to none.

One scoring path, in named steps (`Matcher.match`):

1. Model scores (`_model_scores`). A linear classifier (`bot.classifier`),
   trained when the knowledge is loaded on every language's ways of asking
   (label = topic), scores every topic from the question's word 1-2-grams and
   character 3-5-grams (`bot.features`). It generalises past the exact words
   of the phrasings: other word forms, typos, word order.
2. Lexical scores (`_lexical_scores`). The word-level matcher of
   `bot.lexical` scores every topic 0-100 in each language: stems, rare words
   weighing more, typos, exact phrasings. It also says in which language the
   question is written.
3. Ranking (`_ranking`). A topic's combined score is its model score plus
   `LEXICAL_WEIGHT` x its lexical score (0-1); the confidence of each topic
   is the softmax of the combined scores at `TEMPERATURE`, shown as 0-100.
   A question that names the bot's subject ("Gesichtserkennung", `bot.subject`)
   is ranked without the signposts that point elsewhere (`_signposts_barred`).
4. Language (`_language`): the language with the most of the question's
   function words (a mark only it writes, Spanish "¿", counting as one more),
   when one has more than the others and the best topic has
   a lexical score in it (grammar is not borrowed, terms are: "Cos'è l'EES
   (Entry/Exit System)?" is Italian; a tie of two or more words each goes to
   the tied language that knows more of the other words,
   `LexicalIndex.grammar_languages`); else the best topic's language in the
   lexical scores, among the tied languages if the function words tie, when it
   leads the others by `LANG_MARGIN` and no other language knows as many of
   the question's words; else none (the chat's language replies).
5. Decision (`_decide`). A question whose informative words are mostly
   unknown to every language (`KNOWN_MIN`, "what's the weather") is declined
   (in the language its function words say, `_grammar_language`, else none),
   unless it names the subject ("Setzt die Stadtpolizei bei Klimastreiks oder
   Großkundgebungen Gesichtserkennung ein?": compounds the texts lack).
   Otherwise the best topic is answered when the question is a way of asking
   as written, or when `bot.decision` puts the probability that
   it is right high enough, from its confidence, its lexical score, the
   classifier's margin over the runner-up and whether the classifier alone
   agrees. Else up to three topics with a confidence of `SUGGEST_AT` and a
   lexical score of `SUGGEST_LEXICAL_AT` or more (on a second look, or a
   meaning score of `SUGGEST_MEANING_AT`) are offered as "did you mean",
   else nothing.
6. A second look (`_second_look`), only for a question step 5 did not
   answer: the meaning scores of `bot.semantic` (a sentence encoder's cosine
   with each topic's nearest ways of asking, in any language; for the first
   look's best `MEANING_CANDIDATES` topics, the others counting as the weakest
   of them) join the combined scores, `MEANING_WEIGHT` x each topic's distance
   from the best one, and steps 3-5 run again on them, decided by the second
   look's own weights (`bot.decision.SECOND_LOOK`), which weigh the best
   topic's meaning score too. Not for a question in a language the encoder was
   not trained on (`semantic.LANGUAGES`; all of the bot's are): its vectors are
   noise there. Questions the n-grams settle are answered in under a
   millisecond; the encoder (a few milliseconds) is asked only about the
   others, real people's questions worded unlike our ways of asking above all.

The constants were tuned on the labelled dev questions, the blind set and the
tune half of the real questions, the decision's weights fitted on dev and the
tune half (never on the test half; see `bot.decision`); `benchmarks/`
measures the same matcher on public data sets.

The matcher is pure (no Telegram), deterministic (ties break on topic order)
and immutable once built.
"""

from __future__ import annotations

import functools
import gc
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot import decision, memory, modelcache, semantic
from bot.classifier import TRAINING_THREADS, LinearModel, fit_weights
from bot.features import SparseRow, Vectorizer
from bot.lexical import LANG_MARGIN, LexicalEvidence, LexicalIndex, Phrasing, language_of_words
from bot.subject import Subject

__all__ = ["Match", "Matcher", "Phrasing"]

log = logging.getLogger(__name__)

LEXICAL_WEIGHT = 1.5  # how much a full lexical match (1.0) adds to a model score
TEMPERATURE = 3.0  # softmax sharpness over combined scores
SUGGEST_AT = 10.0  # confidence to be offered as "did you mean"
SUGGEST_LEXICAL_AT = 30.0  # lexical score a suggestion needs, or else:
# or the meaning score (second look) that admits it instead: with 0.4 the right topic came
# first for 1.8% more of the tune half as strangers (85.0 -> 86.8), and declined off-topic
# questions were offered topics 86 times in 185 instead of 67 (tune + blind); a lexical
# score of 10 instead gained as much but offered topics for "best pizza topping in naples".
SUGGEST_MEANING_AT = 0.4
KNOWN_MIN = 0.4  # share of the informative words some language must know
MAX_SUGGESTIONS = 3
MAX_RANKED = 10  # topics kept in a ranking (inline mode shows up to 10)
MAX_PUSHES = 6  # n-grams shown per topic by `explain`
MAX_WEIGHTS = 2**25  # model weights (4 bytes each): with many topics, only common n-grams
# Training costs examples x topics x n-grams per example. Above this many examples x
# topics (the shipped knowledge: ~150,000; CLINC150: 2.25 million; 1,000 topics x 5
# languages x 10: 50 million) the model learns from word n-grams alone, ten times fewer
# than with character pieces; typos are then left to the lexical matcher.
MAX_CHAR_WORK = 5_000_000
# The second look (step 6): chosen on the tune half of the real questions, scored as
# strangers (`benchmarks/stranger.py`), with dev and the blind set as floors.
MEANING_WEIGHT = 8.0  # what a topic's meaning score, minus the best topic's, adds
# Topics whose meaning is scored: the first look's best `MEANING_CANDIDATES`, or its best
# quarter of the topics when that is more; the others count as no closer than the weakest
# of them. The shipped knowledge's best 16 of 39 changed no verdict on the labelled sets
# and read 46% of the meaning vectors; CLINC150 (151 topics) needed more than 16.
MEANING_CANDIDATES = 16
MEANING_SHARE = 0.25
# Encoding a way of asking costs ~0.7 ms on a quiet machine, once (then cached; the
# shipped ~19,600 come encoded in `bot/meaning-seed.npz`); above this many the second look
# is left out, which `python -m bot check` warns of from three quarters of it on.
MAX_MEANING_TEXTS = 40_000

# How far below the weakest other topic the signposts are put for a question naming the
# subject: enough that their softmax share is nothing.
SIGNPOST_BAR = 50.0

SENTENCE_MIN = 4  # words an answer's sentence needs to become a training example
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Match:
    """The matcher's verdict on a question."""

    topic_id: str | None  # the topic to answer, or None
    score: float  # 0-100, the confidence in the best topic
    lang: str | None  # language the question was written in, when the match makes it clear
    suggestions: tuple[str, ...] = ()  # "did you mean" topics when not confident
    # the best MAX_RANKED topics: (topic, confidence, language of its best phrasing)
    ranked: tuple[tuple[str, float, str], ...] = field(default=(), repr=False)
    # a signpost topic that won (see Explainer.ask): its text is the reply, no topic is answered
    signpost: str | None = None
    # what the decision weighed (None when the question was declined before: unknown words)
    signals: decision.Signals | None = field(default=None, repr=False, compare=False)
    answer_at: float = decision.FIRST_LOOK.answer_at  # the probability the decision needed

    def likely(self, limit: int) -> list[str]:
        """Up to `limit` topics that score at least SUGGEST_AT, best first."""
        return [topic for topic, score, _ in self.ranked[:limit] if score >= SUGGEST_AT]


@dataclass(frozen=True)
class Candidate:
    """One topic as `Matcher.explain` shows it: the scores and what pushed them."""

    topic_id: str
    confidence: float  # 0-100
    model: float  # the classifier's decision value
    lexical: float  # 0-100, best language
    pushes: tuple[tuple[str, float], ...]  # (n-gram, what it added to the model score)
    meaning: float | None = None  # 0-100, the meaning score (None: no second look)


@dataclass(frozen=True)
class _Evidence:
    """Everything known about one question before deciding."""

    confidence: FloatArray  # per topic, 0-100
    combined: FloatArray  # per topic, what `confidence` is the softmax of
    model: FloatArray  # per topic, the classifier's decision value
    lexical: Mapping[str, Mapping[str, float]]  # topic -> language -> 0-100
    known_share: float
    order: list[int]  # topic numbers, best first
    meaning: FloatArray | None = None  # per topic, cosine (step 6 only)


class Matcher:
    """Scores questions against the knowledge's ways of asking in every language."""

    def __init__(
        self,
        phrasings: Iterable[Phrasing],
        topic_order: Iterable[str] = (),
        context: Iterable[Phrasing] = (),
        function_words: Mapping[str, frozenset[str]] | None = None,
        cache_dir: Path | None = None,
        prepare: bool = False,
        signposts: Iterable[str] = (),
        subject: Subject | None = None,
        marks: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        """Build both scorers: a pure function of the knowledge, run on load and reload.

        `phrasings`: the ways of asking; `context`: other text about a topic (its
        answer), weaker lexical evidence; `function_words`: per language, the words that
        say little ("the", "my"), else the `stopwords` list; `marks`: per language, the
        characters only it writes (Spanish "¿"), which count as its grammar; `cache_dir`: where trained
        models are kept (`bot.modelcache`; None: train every time); `prepare` (the bot's
        start): the second look's index made in a thread while the model trains on one
        core (the compiled loop holds no GIL), then the lexical index there too, and the
        encoder loaded once the first look is built: questions the n-grams settle are
        answered meanwhile, and one that needs the second look waits for it, so no
        answer differs (`prepare()` waits too). The lexical index beside training, after
        the meaning index, built the first look ~0.15 s sooner and made the second ready
        ~0.2 s sooner, the start's peak RSS ~4 MB larger (both indexes beside training at
        once: ~25 MB larger, over 200 MB). Other builds train on two cores, then make
        the lexical index (made beside training there, `ask` was no faster and ~19 MB
        larger).
        Without `prepare` (`ask`, `eval`, a reload, the tests) the second look's index is
        made by the first question that needs it, or by `prepare()`: `ask` about a
        question the n-grams settle reads no meaning vectors and encodes nothing."""
        if prepare:
            memory.own_pages_for_large()  # the bot's process, from its start on
        items = [p for p in phrasings if p.text.strip()]
        context = list(context)
        self._second_looks = _has_meaning(items)
        if items and not self._second_looks:
            log.warning(
                "second look by meaning left out: %d ways of asking, more than %d",
                len(items),
                MAX_MEANING_TEXTS,
            )
        listed = {p.topic_id for p in items}
        order = [t for t in dict.fromkeys(topic_order) if t in listed]
        self._topics = order + sorted(listed - set(order))
        barred = set(signposts)
        self._signposts = np.array([t in barred for t in self._topics], dtype=bool)
        self._subject = subject or Subject()
        examples = [*items, *answer_sentences(context, listed)]
        early = prepare and self._second_looks  # the second look made in the background
        if early:
            _start_table_writer(cache_dir)
        make_index = functools.partial(_meaning_index, items, self._topics, cache_dir)
        index_later: list[_Later] = []  # at a first start (`early`), made by `fitted`
        lexical_later: list[Future[LexicalIndex]] = []  # and this too

        def lexical_index() -> LexicalIndex:
            for index in index_later:
                index.wait()  # one thing at a time on the other core: memory
            return LexicalIndex(items, context, function_words, marks)

        with ThreadPoolExecutor(1) as helper:

            def fitted() -> None:  # the other core's work while the model trains
                index_later.append(_Later(make_index))
                lexical_later.append(helper.submit(lexical_index))

            self._vectorizer, self._model = _trained(
                examples, self._topics, cache_dir, fitted=fitted if early else None
            )
            del examples
            # a thread's result raises what the thread raised
            self._lexical = lexical_later[0].result() if lexical_later else lexical_index()
        self._slots = self._lexical.slots(self._topics)
        self._cache_dir = cache_dir
        if early:  # answering from here on; the second look later
            [index] = index_later
            self._meaning_later = _Later(lambda: self._ready(index))
        else:
            self._meaning_later = _Later(make_index, background=False)

    def match(self, question: str, languages: Iterable[str] | None = None) -> Match:
        """The verdict on `question`; `languages` limits the lexical search (default: all)."""
        verdict, _ = self._verdict(question, languages)
        return verdict

    def uses(self, lang: str, word: str) -> bool:
        """Whether `lang`'s ways of asking, asked questions or answers use `word` (lower
        case, accents as written or not)."""
        return self._lexical.uses(lang, word)

    def prepare(self) -> None:
        """Load what the second look needs now rather than at the first question that
        needs it (a second's wait there would hold every chat), or wait until the
        loading a `prepare=True` build began in the background has ended."""
        if self._meaning is not None:
            semantic.load(self._cache_dir)

    @property
    def _meaning(self) -> semantic.MeaningIndex | None:
        """The ways of asking's meaning vectors by topic (None: no second look); waits
        while a `prepare=True` build still makes them."""
        return self._meaning_later.get()

    def _ready(self, index_later: _Later) -> semantic.MeaningIndex | None:
        """The meaning index (made by `index_later`'s thread, started while the model
        trained), and the encoder loaded: what the second look needs (run in the
        background by a `prepare=True` build; loading the encoder waits for the table
        file `_start_table_writer`'s thread may still be writing)."""
        started = time.perf_counter()
        index = index_later.get()
        semantic.load(self._cache_dir)
        _settle()
        log.info("second look ready %.1f s after the first look", time.perf_counter() - started)
        return index

    def _verdict(
        self, question: str, languages: Iterable[str] | None
    ) -> tuple[Match, _Evidence | None]:
        """The verdict, and the evidence it rests on (None for an empty text)."""
        evidence = self._evidence(question, languages)
        if evidence is None:
            return Match(None, 0.0, None), None
        known = self._lexical.known_words(question)  # for steps 3, 4 and 6, made once
        verdict = self._decided(question, evidence, known)
        if verdict.topic_id is not None or not self._looks_again(verdict, languages):
            return verdict, evidence
        return self._second_look(question, evidence, known)

    def _looks_again(self, first: Match, languages: Iterable[str] | None) -> bool:
        """Whether step 6 can weigh a question the first look decided so: the knowledge
        has a second look, the first look weighed it (it was not declined for unknown
        words), and it is in a language the encoder reads."""
        return (
            self._second_looks
            and first.signals is not None
            and _encoder_reads(languages, first.lang)
        )

    def _decided(self, question: str, evidence: _Evidence, known: Mapping[str, int]) -> Match:
        """Steps 3-5 on `evidence`: rank, find the language, decide."""
        ranked = self._ranking(evidence, known)
        if evidence.known_share < KNOWN_MIN:  # to be declined: only grammar tells its language
            return _decide(evidence, ranked, self._grammar_language(question, known))
        return _decide(evidence, ranked, self._language(question, evidence, known))

    def _grammar_language(self, question: str, known: Mapping[str, int]) -> str | None:
        """The language of a question whose words are mostly unknown, if its function
        words say which ("what's the weather"): the words it has that some language
        knows are often typos of that language's words, not its own ("Yüz tanıma nedir?"
        read as Spanish), and the chat's language replies better to a language the bot
        does not speak."""
        grammar = self._lexical.grammar_languages(question, known)
        return grammar[0] if len(grammar) == 1 else None

    def looks(self, question: str) -> tuple[Match | None, Match | None]:
        """What each look alone would decide: the first look's verdict, and the second
        look's whatever the first decided (None where it has none: an empty text, no
        encoder, or declined for unknown words). The decision's fit weighs both."""
        evidence = self._evidence(question, None)
        if evidence is None:
            return None, None
        known = self._lexical.known_words(question)
        first = self._decided(question, evidence, known)
        if not self._looks_again(first, None):
            return first, None
        return first, self._second_look(question, evidence, known)[0]

    def explain(self, question: str, limit: int = 5) -> list[Candidate]:
        """The best `limit` topics with their scores and the n-grams that pushed each."""
        _, evidence = self._verdict(question, None)
        if evidence is None:
            return []
        row = self._vectorizer.row(question, keep_grams=True)
        out = []
        for number in evidence.order[:limit]:
            topic = self._topics[number]
            pushed = self._model.pushes(row, number)
            strongest = np.argsort(-np.abs(pushed), kind="stable")[:MAX_PUSHES]
            out.append(
                Candidate(
                    topic,
                    float(evidence.confidence[number]),
                    float(self._model.scores(row)[number]),
                    max(evidence.lexical.get(topic, {}).values(), default=0.0),
                    tuple((row.grams[i], float(pushed[i])) for i in strongest),
                    None if evidence.meaning is None else 100.0 * float(evidence.meaning[number]),
                )
            )
        return out

    def _evidence(self, question: str, languages: Iterable[str] | None) -> _Evidence | None:
        """Steps 1-3: both scorers and the combined confidence; None for an empty text."""
        searched = list(languages) if languages is not None else None
        row = self._vectorizer.row(question)
        lexical = self._lexical.judge(question, searched)
        if not len(row.columns) and not lexical.scores:
            return None
        model = self._model_scores(row)
        named = self._subject.named_in(question)
        combined = self._signposts_barred(
            named, model + LEXICAL_WEIGHT * self._lexical_scores(lexical)
        )
        return _Evidence(
            confidence=_softmax(TEMPERATURE * combined.astype(np.float32)) * 100.0,
            combined=combined,
            model=model,
            lexical=lexical.scores,
            # a question naming the subject is never one of unknown words (step 5)
            known_share=1.0 if named else lexical.known_share,
            order=np.argsort(-combined, kind="stable").tolist(),
        )

    def _second_look(
        self, question: str, evidence: _Evidence, known: Mapping[str, int]
    ) -> tuple[Match, _Evidence]:
        """Step 6: the meaning scores join the combined scores; decide again, stricter."""
        assert self._meaning is not None
        vector = semantic.encode([question], self._cache_dir)[0]
        candidates = max(MEANING_CANDIDATES, math.ceil(MEANING_SHARE * len(self._topics)))
        meaning = self._meaning.scores(vector, evidence.order[:candidates])
        combined = evidence.combined + MEANING_WEIGHT * (meaning - meaning.max())
        looked = replace(
            evidence,
            confidence=_softmax(TEMPERATURE * combined.astype(np.float32)) * 100.0,
            combined=combined,
            order=np.argsort(-combined, kind="stable").tolist(),
            meaning=meaning,
        )
        return self._decided(question, looked, known), looked

    def _model_scores(self, row: SparseRow) -> FloatArray:
        """Step 1: the classifier's decision value for every topic."""
        return self._model.scores(row)

    def _lexical_scores(self, lexical: LexicalEvidence) -> FloatArray:
        """Step 2: each topic's best lexical score over the languages, 0-1."""
        # scores are never negative: `initial` changes nothing but allows no languages
        best = lexical.by_slot[self._slots].max(axis=1, initial=0.0) / 100.0
        scores: FloatArray = best.astype(np.float32)
        return scores

    def _signposts_barred(self, named: bool, combined: FloatArray) -> FloatArray:
        """Step 3's combined scores, with the signposts put below every other topic when
        the question names the bot's subject (`named`): "can my landlord put up a face
        recognition camera?" shares "landlord" and "camera" with the off-topic questions a
        signpost learnt from, but face recognition is what the bot is about."""
        if not self._signposts.any() or not named:
            return combined
        below = float(combined.max() - combined.min()) + SIGNPOST_BAR  # their order kept
        barred: FloatArray = np.where(self._signposts, combined - below, combined)
        return barred

    def _ranking(
        self, evidence: _Evidence, known: Mapping[str, int]
    ) -> list[tuple[str, float, str]]:
        """Step 3: the best MAX_RANKED topics with confidence and best language; `known`:
        per language, how many of the question's words it knows."""
        fallback = language_of_words(known) or ""
        best = evidence.order[:MAX_RANKED]
        ranked = []
        for number, confidence in zip(best, evidence.confidence[best].tolist(), strict=True):
            topic = self._topics[number]
            by_lang = evidence.lexical.get(topic, {})
            lang = max(by_lang, key=by_lang.__getitem__) if by_lang else fallback
            ranked.append((topic, round(confidence, 2), lang))
        return ranked

    def _language(self, question: str, evidence: _Evidence, known: Mapping[str, int]) -> str | None:
        """Step 4: the language the question is written in, when that is clear."""
        by_lang = evidence.lexical.get(self._topics[evidence.order[0]], {})
        if not by_lang:  # one word known, as in "netflix" or "spam sms colis", says little
            return language_of_words(known) if max(known.values(), default=0) > 1 else None
        grammar = self._lexical.grammar_languages(question, known)
        if len(grammar) == 1 and grammar[0] in by_lang:
            return grammar[0]
        if len(grammar) > 1:  # a tie: of the languages the grammar allows, the best scored
            by_lang = {code: score for code, score in by_lang.items() if code in grammar}
        if not by_lang:
            return None
        best = max(by_lang, key=lambda code: by_lang[code])
        others = [score for code, score in by_lang.items() if code != best]
        if others and by_lang[best] - max(others) < LANG_MARGIN:
            return None
        return best if self._lexical.written_in(question, best, known) else None


def _start_table_writer(cache_dir: Path | None) -> None:
    """Start writing the encoder's table file into `cache_dir` (a first start) in a
    thread, at a lower priority (`semantic.write_table`), as the build begins: its work is
    zlib's and the disk's, done on the core the vectorizer's fit leaves free, so the file
    is there before the encoder loads. Started when the fit ended, it was the last of a
    first start's work, and the second look's readiness waited for it (by 0.1-0.25 s in
    `python -m benchmarks.speed shipped`); now ready comes ~0.14 s after the first look."""
    threading.Thread(target=semantic.write_table, args=(cache_dir,), daemon=True).start()


def _trained(
    examples: Sequence[Phrasing],
    topics: Sequence[str],
    cache_dir: Path | None,
    fitted: Callable[[], None] | None = None,
) -> tuple[Vectorizer, LinearModel]:
    """The vectorizer and model trained on `examples` (label: the topic's place in
    `topics`): from the cache in `cache_dir` when it has them, else trained and kept.
    `fitted` is called once the vectorizer is (read or) fitted, to start the other
    core's work (a first start's indexes): training then takes one core and needs
    little memory besides what it has."""
    max_columns = MAX_WEIGHTS // max(len(topics), 1)
    chars = len(examples) * len(topics) <= MAX_CHAR_WORK
    key = None
    if cache_dir is not None:
        as_written = [(p.topic_id, p.lang, p.text) for p in examples]
        settings = {"max_columns": max_columns, "chars": chars}
        key = modelcache.training_key(as_written, topics, settings)
    if cache_dir is not None and key is not None:
        cached = modelcache.load(cache_dir, key, len(topics), chars)
        if cached is not None:
            if fitted is not None:
                fitted()
            return cached
    vectorizer, rows = Vectorizer.fit(
        (p.text for p in examples), max_columns=max_columns, chars=chars
    )
    if fitted is not None:
        memory.return_freed()  # the fit's temporaries, before the other core's work begins
        fitted()
    number = {topic: i for i, topic in enumerate(topics)}
    weights = fit_weights(
        rows,
        [number[p.topic_id] for p in examples],
        vectorizer.size,
        len(topics),
        keys=[f"{p.topic_id} {p.lang} {p.text}" for p in examples],
        # one core when `fitted` gave the other one work
        threads=1 if fitted is not None else TRAINING_THREADS,
    )
    del rows  # freed with training's temporaries before the codes are made beside the weights
    memory.return_freed()
    model = LinearModel.from_weights(weights)
    del weights
    if cache_dir is not None and key is not None:
        modelcache.save(cache_dir, key, vectorizer, model)
    memory.return_freed()  # the float weights, and what writing the cache copied
    return vectorizer, model


def _meaning_index(
    items: Sequence[Phrasing], topics: Sequence[str], cache_dir: Path | None
) -> semantic.MeaningIndex | None:
    """The ways of asking's meaning vectors by topic; None above `MAX_MEANING_TEXTS`."""
    if not _has_meaning(items):
        return None
    number = {topic: i for i, topic in enumerate(topics)}
    grouped = sorted(items, key=lambda p: number[p.topic_id])  # the index keeps them so
    vectors: np.ndarray | semantic.RowFile
    vectors = semantic.STORE.vectors([p.text for p in grouped], cache_dir, np.float16)
    if cache_dir is not None:  # read from a file, freed here before the index is made
        vectors = semantic.RowFile.kept(cache_dir, vectors)
    index = semantic.MeaningIndex(vectors, [number[p.topic_id] for p in grouped], len(topics))
    memory.return_freed()  # the vector files' arrays, read and gathered
    return index


def _settle() -> None:
    """Once the bot's start has made everything it keeps (the knowledge, both looks'
    indexes, the encoder), the garbage collector is told that what is alive now stays
    (`gc.freeze`): its full collections no longer walk the start's ~90,000 objects. One
    such collection, every few hundred questions, held the process for 20-50 ms, a
    question's answer with it (`benchmarks/speed.py` shipped: its slowest question).
    The start's garbage is collected first, so none of it is kept for good."""
    gc.collect()
    gc.freeze()


def _encoder_reads(languages: Iterable[str] | None, lang: str | None) -> bool:
    """Whether the question is in a language the encoder knows: one of `languages` when
    the search is limited to them, else the language step 4 found (or none found)."""
    if languages is not None:
        return any(code in semantic.LANGUAGES for code in languages)
    return lang is None or lang in semantic.LANGUAGES


_Index = semantic.MeaningIndex | None


class _Later:
    """The meaning index, made in a thread of its own (`background`) or by the first
    `get`: `get` waits for it. If the thread failed (logged), the next `get` makes it
    again in the caller, which then sees why, and keeps it once made."""

    def __init__(self, make: Callable[[], _Index], background: bool = True) -> None:
        self._make: Callable[[], _Index] | None = make
        self._lock = threading.Lock()  # one `get` makes it, others wait for that one
        self._done = threading.Event()  # the thread has ended (set at once without one)
        self._value: _Index = None
        if background:
            threading.Thread(target=self._run, args=(make,), daemon=True).start()
        else:
            self._done.set()

    def _run(self, make: Callable[[], _Index]) -> None:
        try:
            self._value = make()
            self._make = None  # made: what it needed can go
        except Exception:
            log.exception("the second look could not be prepared")
        finally:
            self._done.set()

    def wait(self) -> None:
        """Wait until the thread has ended (made it or failed), without making it."""
        self._done.wait()

    def get(self) -> _Index:
        self._done.wait()
        with self._lock:
            if self._make is not None:
                self._value = self._make()  # raises again if it still cannot be made
                self._make = None
        return self._value


def _has_meaning(items: Sequence[Phrasing]) -> bool:
    """Whether ways of asking as many as `items` get a second look."""
    return 0 < len(items) <= MAX_MEANING_TEXTS


def answer_sentences(context: Iterable[Phrasing], topics: set[str]) -> list[Phrasing]:
    """The sentences of the answers, as more examples of their topics' vocabulary: real
    questions use words of the subject ("mass surveillance", "consent") that ways of
    asking may lack. An answer's last paragraph is left out: it says what the buttons
    open and which other topics to ask about ("ask me about national actions"), words
    of other topics. Sentences of fewer than `SENTENCE_MIN` words say too little."""
    return [
        Phrasing(item.topic_id, item.lang, sentence)
        for item in context
        if item.topic_id in topics
        for sentence in _SENTENCE_END.split(_without_last_paragraph(item.text))
        if len(sentence.split()) >= SENTENCE_MIN
    ]


def _without_last_paragraph(text: str) -> str:
    paragraphs = [p for p in text.strip().split("\n\n") if p.strip()]
    return "\n\n".join(paragraphs[:-1] if len(paragraphs) > 1 else paragraphs)


def _decide(evidence: _Evidence, ranked: list[tuple[str, float, str]], lang: str | None) -> Match:
    """Step 5: answer, suggest or decline (at the probability of the look `evidence`
    comes from)."""
    top_topic, top_score, _ = ranked[0]
    everything = tuple(ranked)
    if evidence.known_share < KNOWN_MIN:
        return Match(None, top_score, lang, (), everything)
    lexical = max(evidence.lexical.get(top_topic, {}).values(), default=0.0)
    signals = _signals(evidence, lexical)
    at = signals.look.answer_at
    if decision.should_answer(signals):
        return Match(top_topic, top_score, lang, (), everything, signals=signals, answer_at=at)
    suggestions = tuple(
        topic
        for (topic, score, _), number in zip(ranked[:MAX_SUGGESTIONS], evidence.order, strict=False)
        if score >= SUGGEST_AT and _related(evidence, topic, number)
    )
    return Match(None, top_score, lang, suggestions, everything, signals=signals, answer_at=at)


def _related(evidence: _Evidence, topic: str, number: int) -> bool:
    """Whether `topic` (its place: `number`) is related enough to the question to be
    suggested: by its words, or on a second look by its meaning."""
    if max(evidence.lexical.get(topic, {}).values(), default=0.0) >= SUGGEST_LEXICAL_AT:
        return True
    return evidence.meaning is not None and evidence.meaning[number] >= SUGGEST_MEANING_AT


def _signals(evidence: _Evidence, lexical: float) -> decision.Signals:
    """What `bot.decision` weighs about the best topic (`lexical`: its score, 0-100; its
    meaning score on the second look)."""
    best = evidence.order[0]
    runner_up = evidence.order[1] if len(evidence.order) > 1 else best
    return decision.Signals(
        confidence=float(evidence.confidence[best]) / 100.0,
        lexical=lexical / 100.0,
        margin=float(evidence.model[best] - evidence.model[runner_up]),
        agrees=int(np.argmax(evidence.model)) == best,
        meaning=None if evidence.meaning is None else float(evidence.meaning[best]),
    )


def _softmax(values: FloatArray) -> FloatArray:
    shifted = np.exp(values - values.max())
    result: FloatArray = shifted / shifted.sum()
    return result
