"""Text as sparse tf-idf vectors: word 1-2-grams and character 3-5-grams, accents folded.

The classifier (`bot.classifier`) learns from these vectors. Two blocks, each
scaled to unit length on its own, as two scikit-learn `TfidfVectorizer`s in a
`FeatureUnion` would give:

- words: every word and every pair of neighbouring words ("facial",
  "facial recognition"), so phrasings that share word order count more;
- characters: the 3-, 4- and 5-letter pieces of each word padded with a space
  (scikit-learn's `char_wb`: " fac", "cial "), so a typo ("recogniton") or
  another form of a word ("Gesichtserkennung", "erkennen") still shares most
  of its pieces with the phrasings.

Text is casefolded and stripped of accents first ("Überwachung" and
"uberwachung" are one word). Weights are `tf * idf` with scikit-learn's smooth
idf, `ln((1 + n) / (1 + df)) + 1`, over the training texts. A piece that no
training text has gets no column: it could only ever weigh zero.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.textnorm import strip_accents, words

CHAR_SIZES = (3, 4, 5)
WORD_PREFIX, CHAR_PREFIX = "w ", "c "  # keeps a word and a character piece apart


def folded_words(text: str) -> list[str]:
    """Casefolded words without accents: the unit both blocks are made of."""
    return [strip_accents(w) for w in words(text)]


def word_grams(tokens: Sequence[str]) -> list[str]:
    """Words and pairs of neighbouring words, each tagged as a word feature."""
    grams = [WORD_PREFIX + t for t in tokens]
    grams += [f"{WORD_PREFIX}{a} {b}" for a, b in itertools.pairwise(tokens)]
    return grams


def char_grams(tokens: Sequence[str]) -> list[str]:
    """The 3-5 letter pieces of each space-padded word (a short word: itself, once)."""
    grams = []
    for token in tokens:
        padded = f" {token} "
        if len(padded) <= CHAR_SIZES[0]:
            grams.append(CHAR_PREFIX + padded)
            continue
        for size in CHAR_SIZES:
            if len(padded) < size:
                break
            grams += [CHAR_PREFIX + padded[i : i + size] for i in range(len(padded) - size + 1)]
    return grams


@dataclass(frozen=True)
class SparseRow:
    """One text as a sparse vector: column numbers (sorted, unique) and their values."""

    columns: npt.NDArray[np.int32]
    values: npt.NDArray[np.float32]
    grams: tuple[str, ...] = ()  # the n-gram of each column, kept only for explanations


class Vectorizer:
    """Maps texts to tf-idf vectors over the n-grams of the texts it was fitted on."""

    def __init__(self, texts: Iterable[str]) -> None:
        """Learn the columns and their idf from `texts` (the ways of asking)."""
        df: Counter[str] = Counter()
        count = 0
        for text in texts:
            count += 1
            tokens = folded_words(text)
            df.update(set(word_grams(tokens)) | set(char_grams(tokens)))
        self.columns: dict[str, int] = {gram: i for i, gram in enumerate(sorted(df))}
        self.idf = np.array(
            [math.log((1 + count) / (1 + df[gram])) + 1.0 for gram in sorted(df)], dtype=np.float32
        )

    @property
    def size(self) -> int:
        return len(self.columns)

    def row(self, text: str, keep_grams: bool = False) -> SparseRow:
        """`text` as a vector: each block's tf-idf scaled to unit length."""
        tokens = folded_words(text)
        columns: list[int] = []
        values: list[float] = []
        names: list[str] = []
        for grams in (word_grams(tokens), char_grams(tokens)):
            known = Counter(g for g in grams if g in self.columns)
            if not known:
                continue
            block = [
                (self.columns[g], n * float(self.idf[self.columns[g]]), g) for g, n in known.items()
            ]
            norm = math.sqrt(sum(v * v for _, v, _ in block))
            for column, value, gram in block:
                columns.append(column)
                values.append(value / norm)
                names.append(gram)
        order = np.argsort(np.array(columns, dtype=np.int32), kind="stable")
        return SparseRow(
            np.array(columns, dtype=np.int32)[order],
            np.array(values, dtype=np.float32)[order],
            tuple(names[i] for i in order) if keep_grams else (),
        )
