"""A large generated knowledge: 1,000 topics x 5 languages x 10 phrasings.

Everything comes from a seeded `random.Random`, so every run sees the same
data. Each language gets its own vocabulary of `VOCABULARY` pseudo-words
built from that language's syllables. Word use follows a Zipf law, as in real
text: a few words ("what", "is") are everywhere and most are rare. Each topic
has `KEYWORDS` words of its own per language (drawn outside the most common
words); a phrasing is 2-3 of them plus 4-7 Zipf-drawn words, ~8 words.

Questions: three in four are a phrasing varied (a word dropped, a common word
added, in half of them a typo in a word); one in four is off-topic (common
words plus a word from no vocabulary).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

LANGS = ("en", "de", "fr", "it", "nl")
TOPICS = 1000
PHRASINGS = 10
VOCABULARY = 30_000
KEYWORDS = 4
COMMON = 200  # topic keywords are drawn from below the COMMON most frequent words
ZIPF_S = 1.1

_SYLLABLES = {  # (onsets, vowels, codas): enough to make each language look different
    "en": ("b c d f g h l m n p r s t w th sh st tr", "a e i o u ea oo ai", "- - - n r s t ck ng"),
    "de": ("b d f g h k l m n p r s t w z sch st", "a e i o u au ei ie", "- - n r s t ch ng nd"),
    "fr": ("b c d f g j l m n p r s t v ch qu", "a e i o u ou oi ai", "- - - - n r s l"),
    "it": ("b c d f g l m n p r s t v z gi sc", "a e i o u ia io", "- - - - - n l r"),
    "nl": ("b d g h k l m n p r s t v w z sch", "a e i o u aa ee oe ij", "- - n r s t k l"),
}
_FOREIGN = ("x q y kv zx", "y ae uy", "- x q")


@dataclass(frozen=True)
class Topic:
    topic_id: str
    keywords: dict[str, list[str]]  # lang -> the topic's own words
    phrasings: dict[str, list[str]]  # lang -> ways of asking


@dataclass(frozen=True)
class Knowledge:
    topics: list[Topic]
    vocabulary: dict[str, list[str]]  # lang -> words, most frequent first
    cumulative: dict[str, list[float]]  # lang -> Zipf cumulative weights


@dataclass(frozen=True)
class Question:
    text: str
    lang: str
    topic_id: str | None  # None: off-topic


def pseudo_words(rng: random.Random, syllables: tuple[str, str, str], n: int) -> list[str]:
    onsets, vowels, codas = (part.split() for part in syllables)
    seen: dict[str, None] = {}
    while len(seen) < n:
        length = rng.choices((1, 2, 3, 4), weights=(2, 5, 4, 1))[0]
        word = "".join(
            rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas).strip("-")
            for _ in range(length)
        )
        seen.setdefault(word, None)
    return list(seen)


def generate(seed: int = 1) -> Knowledge:
    rng = random.Random(seed)
    vocabulary = {lang: pseudo_words(rng, _SYLLABLES[lang], VOCABULARY) for lang in LANGS}
    cumulative = {
        lang: list(itertools.accumulate(1 / (rank + 1) ** ZIPF_S for rank in range(len(words))))
        for lang, words in vocabulary.items()
    }
    topics = []
    for i in range(TOPICS):
        keywords = {lang: rng.sample(vocabulary[lang][COMMON:], KEYWORDS) for lang in LANGS}
        phrasings = {
            lang: [
                _phrasing(rng, keywords[lang], vocabulary[lang], cumulative[lang])
                for _ in range(PHRASINGS)
            ]
            for lang in LANGS
        }
        topics.append(Topic(f"topic-{i:04d}", keywords, phrasings))
    return Knowledge(topics, vocabulary, cumulative)


def _phrasing(
    rng: random.Random, keywords: list[str], vocabulary: list[str], cumulative: list[float]
) -> str:
    words = rng.sample(keywords, rng.randint(2, 3))
    words += rng.choices(vocabulary, cum_weights=cumulative, k=rng.randint(4, 7))
    rng.shuffle(words)
    return " ".join(words)


def questions(knowledge: Knowledge, n: int, seed: int = 7) -> list[Question]:
    rng = random.Random(seed)
    foreign = pseudo_words(rng, _FOREIGN, 500)
    out = []
    for _ in range(n):
        lang = rng.choice(LANGS)
        vocabulary, cumulative = knowledge.vocabulary[lang], knowledge.cumulative[lang]
        if rng.random() < 0.25:
            words = rng.choices(vocabulary, cum_weights=cumulative, k=rng.randint(3, 7))
            words.insert(rng.randrange(len(words) + 1), rng.choice(foreign))
            out.append(Question(" ".join(words), lang, None))
            continue
        topic = rng.choice(knowledge.topics)
        words = rng.choice(topic.phrasings[lang]).split()
        words.pop(rng.randrange(len(words)))
        words.insert(
            rng.randrange(len(words) + 1), rng.choices(vocabulary, cum_weights=cumulative)[0]
        )
        if rng.random() < 0.5:
            long_words = [i for i, w in enumerate(words) if len(w) >= 4]
            if long_words:
                i = rng.choice(long_words)
                j = rng.randrange(len(words[i]) - 1)
                w = words[i]
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        out.append(Question(" ".join(words), lang, topic.topic_id))
    return out
