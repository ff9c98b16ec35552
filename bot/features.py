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
    return words(strip_accents(text))


def word_grams(tokens: Sequence[str]) -> list[str]:
    """Words and pairs of neighbouring words, each tagged as a word feature."""
    grams = [WORD_PREFIX + t for t in tokens]
    grams += [f"{WORD_PREFIX}{a} {b}" for a, b in itertools.pairwise(tokens)]
    return grams


def char_grams(tokens: Sequence[str], seen: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """The 3-5 letter pieces of each space-padded word (a short word: itself, once);
    `seen` remembers each word's pieces while a vectorizer is fitted."""
    if seen is None:
        return [piece for token in tokens for piece in _pieces(token)]
    grams: list[str] = []
    for token in tokens:
        pieces = seen.get(token)
        if pieces is None:
            pieces = seen[token] = _pieces(token)
        grams += pieces
    return grams


def _pieces(token: str) -> tuple[str, ...]:
    """One word's character n-grams."""
    padded = f" {token} "
    if len(padded) <= CHAR_SIZES[0]:
        return (CHAR_PREFIX + padded,)
    return tuple(
        CHAR_PREFIX + padded[i : i + size]
        for size in CHAR_SIZES
        if len(padded) >= size
        for i in range(len(padded) - size + 1)
    )


@dataclass(frozen=True)
class SparseRow:
    """One text as a sparse vector: column numbers (sorted, unique) and their values."""

    columns: npt.NDArray[np.int32]
    values: npt.NDArray[np.float32]
    grams: tuple[str, ...] = ()  # the n-gram of each column, kept only for explanations


class Vectorizer:
    """Maps texts to tf-idf vectors over the n-grams of the texts it was fitted on."""

    def __init__(self, grams: Sequence[str], idf: npt.NDArray[np.float32], chars: bool) -> None:
        """Columns for `grams` (sorted), weighted by `idf`; `chars`: whether texts get a
        character block."""
        self.chars = chars
        self.columns: dict[str, int] = dict(zip(grams, range(len(grams)), strict=True))
        self.idf = idf

    @classmethod
    def fit(
        cls, texts: Iterable[str], max_columns: int | None = None, chars: bool = True
    ) -> tuple[Vectorizer, list[SparseRow]]:
        """A vectorizer learnt from `texts` (the ways of asking), and their rows;
        `chars=False` leaves the character block out (see `bot.matcher.MAX_CHAR_WORK`).
        With `max_columns`, only that many of the most common n-grams get a column.

        The rows are what `row()` gives each text, to the last bit, made for all texts
        at once: n-grams numbered alphabetically, counted per text, then numpy over
        the whole lot (see `_GramCounts`)."""
        counts = _GramCounts.of(texts, chars)
        kept = np.arange(len(counts.names))  # n-grams are numbered alphabetically
        df = np.bincount(counts.grams, minlength=len(counts.names))
        if max_columns is not None and len(kept) > max_columns:
            # the most common first; a stable sort keeps ties in alphabetical order
            kept = np.sort(np.argsort(-df, kind="stable")[:max_columns])
        names = counts.names if len(kept) == len(counts.names) else [counts.names[g] for g in kept]
        idf = np.log((1 + counts.texts) / (1 + df[kept].astype(np.float32))) + np.float32(1.0)
        column = np.full(len(counts.names), -1, dtype=np.int32)
        column[kept] = np.arange(len(kept), dtype=np.int32)
        return cls(names, idf, chars), counts.rows(column, idf)

    @property
    def size(self) -> int:
        return len(self.columns)

    def row(self, text: str, keep_grams: bool = False) -> SparseRow:
        """`text` as a vector: each block's tf-idf scaled to unit length."""
        word_block, char_block = grams_of(text, self.chars)
        return self.vector(Counter(word_block), Counter(char_block), keep_grams=keep_grams)

    def vector(self, *blocks: Counter[str], keep_grams: bool = False) -> SparseRow:
        """The vector of a text's n-gram counts, one Counter per block."""
        columns, values, names = [], [], []
        for counts in blocks:
            known = [g for g in counts if g in self.columns]
            if not known:
                continue
            cols = np.fromiter(map(self.columns.__getitem__, known), np.int32, len(known))
            vals = np.fromiter(map(counts.__getitem__, known), np.float32, len(known))
            vals *= self.idf[cols]
            columns.append(cols)
            # what np.linalg.norm computes for a 1-D array, without its checks
            values.append(vals / np.float32(np.sqrt(vals.dot(vals))))
            names += known
        if not columns:
            return SparseRow(np.zeros(0, np.int32), np.zeros(0, np.float32))
        merged = np.concatenate(columns)
        order = np.argsort(merged)
        return SparseRow(
            merged[order],
            np.concatenate(values)[order],
            tuple(names[i] for i in order) if keep_grams else (),
        )


@dataclass
class _GramCounts:
    """Every text's n-grams, numbered in alphabetical order, and counted.

    `grams` and `counts` hold, text after text and within a text block after block,
    each distinct n-gram of the block (in the order of its first occurrence, as a
    Counter keeps them) and how often it occurs; `blocks[2 * t + b]` is where
    block b (0: words, 1: characters) of text t starts. That order matters: a block's
    length is a float32 dot product, whose rounding depends on the order of the sum,
    and the bulk rows must equal `Vectorizer.row`'s to the last bit."""

    names: list[str]  # n-gram number -> the n-gram
    grams: npt.NDArray[np.intp]
    counts: npt.NDArray[np.float32]
    blocks: npt.NDArray[np.intp]
    texts: int

    @classmethod
    def of(cls, texts: Iterable[str], chars: bool) -> _GramCounts:
        seen: dict[str, tuple[str, ...]] = {}  # each word's pieces, made once
        found: list[str] = []  # each block's distinct n-grams, block after block
        counts: list[int] = []
        blocks = [0]
        for text in texts:
            for block in map(Counter, grams_of(text, chars, seen)):
                found += block.keys()
                counts += block.values()
                blocks.append(len(found))
        names = sorted(set(found))
        number = dict(zip(names, range(len(names)), strict=True))
        return cls(
            names=names,
            grams=np.fromiter(map(number.__getitem__, found), np.intp, len(found)),
            counts=np.array(counts, dtype=np.float32),
            blocks=np.array(blocks, dtype=np.intp),
            texts=len(blocks) // 2,
        )

    def rows(self, column: npt.NDArray[np.int32], idf: npt.NDArray[np.float32]) -> list[SparseRow]:
        """Each text's row, given each n-gram's `column` (-1: none) and the `idf`."""
        block_of = np.repeat(np.arange(len(self.blocks) - 1), np.diff(self.blocks))
        known = column[self.grams] >= 0
        cols = column[self.grams][known]
        block_of = block_of[known]
        values = self.counts[known] * idf[cols]
        bounds = np.searchsorted(block_of, np.arange(len(self.blocks)))
        lengths = np.zeros(len(self.blocks) - 1, dtype=np.float32)
        for k, (start, end) in enumerate(itertools.pairwise(bounds.tolist())):
            if end > start:
                part = values[start:end]
                lengths[k] = part.dot(part)
        values /= np.repeat(np.sqrt(lengths), np.diff(bounds))
        # within each text, by column: one sort of (text, column), unique pairs
        text_of = block_of // 2
        order = np.argsort(text_of.astype(np.int64) * (len(idf) + 1) + cols)
        starts = bounds[::2].tolist()
        cols, values = cols[order], values[order]
        return [
            SparseRow(cols[start:end], values[start:end])
            for start, end in itertools.pairwise(starts)
        ]


def readable(gram: str) -> str:
    """An n-gram as `ask --explain` shows it: a word n-gram quoted, a character piece
    in brackets with `_` for the padding space ("[_fac]")."""
    if gram.startswith(WORD_PREFIX):
        return repr(gram[len(WORD_PREFIX) :])
    return "[" + gram[len(CHAR_PREFIX) :].replace(" ", "_") + "]"


def grams_of(
    text: str, chars: bool = True, seen: dict[str, tuple[str, ...]] | None = None
) -> tuple[list[str], list[str]]:
    """A text's word n-grams and character n-grams (none with `chars=False`)."""
    tokens = folded_words(text)
    return word_grams(tokens), char_grams(tokens, seen) if chars else []
