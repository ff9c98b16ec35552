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

import bisect
import itertools
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
import numpy.typing as npt

from bot.textnorm import folded_words

try:  # the fit's compiled steps, built with the package where a compiler was at hand
    from bot import _grams  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - a build without a compiler
    _grams = None

CHAR_SIZES = (3, 4, 5)
WORD_PREFIX, CHAR_PREFIX = "w ", "c "  # keeps a word and a character piece apart
WORD_CACHE = 4_096  # question words whose columns a vectorizer remembers (recent ones)


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


class Rows(Sequence[SparseRow]):
    """Texts' rows one after another in two flat arrays (`columns`, `values`), text t's
    from `bounds[t]` to `bounds[t + 1]`: what `Vectorizer.fit` makes for all texts at
    once. A row is a view, made when asked for; the classifier trains on the flat arrays
    as they are (`bot.classifier`), without a copy or an object per text."""

    def __init__(
        self,
        columns: npt.NDArray[np.int32],
        values: npt.NDArray[np.float32],
        bounds: npt.NDArray[np.int64],
    ) -> None:
        self.columns, self.values, self.bounds = columns, values, bounds

    @classmethod
    def of(cls, rows: Sequence[SparseRow]) -> Rows:
        """`rows` as `Rows`: as they are if they are, else copied into flat arrays."""
        if isinstance(rows, Rows):
            return rows
        sizes = np.fromiter((len(r.columns) for r in rows), dtype=np.int64, count=len(rows))
        bounds = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(sizes)])
        columns = np.zeros(int(bounds[-1]), dtype=np.int32)
        values = np.zeros(int(bounds[-1]), dtype=np.float32)
        for row, start, end in zip(rows, bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            columns[start:end] = row.columns
            values[start:end] = row.values
        return cls(columns, values, bounds)

    def __len__(self) -> int:
        return len(self.bounds) - 1

    @overload
    def __getitem__(self, index: int) -> SparseRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[SparseRow]: ...

    def __getitem__(self, index: int | slice) -> SparseRow | list[SparseRow]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        text = index % len(self)
        start, end = self.bounds[text], self.bounds[text + 1]
        return SparseRow(self.columns[start:end], self.values[start:end])


class Columns:
    """The columns of the n-grams: the i-th of the sorted `grams` has column i, found by
    bisection (what a dict's `get`, `[]`, `in`, `len` and iteration give), or many at
    once by their hashes (`many`). A dict took ~8 MB more for the shipped knowledge's
    ~130,000 n-grams (its table, and an int object per column); the hashes take 1.5."""

    __slots__ = ("_grams", "_hashes", "_order")

    def __init__(self, grams: Sequence[str], in_order: bool = False) -> None:
        """ValueError unless `grams` are sorted and distinct (a damaged cache file);
        `in_order`: they are (`Vectorizer.fit` sorted them), not checked again."""
        self._grams = list(grams)
        if not in_order and any(a >= b for a, b in itertools.pairwise(self._grams)):
            raise ValueError("n-grams not sorted")
        # each n-gram's hash (Python's, for this process), sorted, and its column
        hashes = np.fromiter(map(hash, self._grams), np.int64, len(self._grams))
        order = np.argsort(hashes, kind="stable")
        self._hashes, self._order = hashes[order], order.astype(np.int32)

    def many(self, grams: Sequence[str]) -> list[int]:
        """Each n-gram's column (-1 when it has none), looked up together: one numpy
        search for all of them, where a bisection each cost a microsecond apiece. A
        hash found is confirmed by the n-gram itself (two may share a hash: then the
        bisection decides)."""
        if not self._grams or not grams:
            return [-1] * len(grams)
        hashes = np.fromiter(map(hash, grams), np.int64, len(grams))
        at = np.minimum(np.searchsorted(self._hashes, hashes), len(self._hashes) - 1)
        found = np.where(self._hashes[at] == hashes, self._order[at], -1).tolist()
        column_of, table = self.column, self._grams
        return [
            c if c < 0 or table[c] == gram else column_of(gram)
            for c, gram in zip(found, grams, strict=True)
        ]

    def column(self, gram: str) -> int:
        """The n-gram's column, -1 when it has none."""
        grams = self._grams
        at = bisect.bisect_left(grams, gram)
        return at if at < len(grams) and grams[at] == gram else -1

    def get(self, gram: str, default: int | None = None) -> int | None:
        column = self.column(gram)
        return default if column < 0 else column

    def __getitem__(self, gram: str) -> int:
        column = self.get(gram)
        if column is None:
            raise KeyError(gram)
        return column

    def __contains__(self, gram: object) -> bool:
        return isinstance(gram, str) and self.get(gram) is not None

    def __len__(self) -> int:
        return len(self._grams)

    def __iter__(self) -> Iterator[str]:
        return iter(self._grams)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Columns) and self._grams == other._grams

    __hash__ = None  # type: ignore[assignment]


class Vectorizer:
    """Maps texts to tf-idf vectors over the n-grams of the texts it was fitted on."""

    def __init__(
        self,
        grams: Sequence[str],
        idf: npt.NDArray[np.float32],
        chars: bool,
        in_order: bool = False,
    ) -> None:
        """Columns for `grams` (sorted: checked unless `in_order`), weighted by `idf`;
        `chars`: whether texts get a character block."""
        self.chars = chars
        self.columns = Columns(grams, in_order)
        self.idf = idf
        # word -> its column as a word n-gram (-1: none) and its pieces' columns
        self._word_columns: dict[str, tuple[int, tuple[int, ...]]] = {}

    @classmethod
    def fit(
        cls, texts: Iterable[str], max_columns: int | None = None, chars: bool = True
    ) -> tuple[Vectorizer, Rows]:
        """A vectorizer learnt from `texts` (the ways of asking), and their rows;
        `chars=False` leaves the character block out (see `bot.matcher.MAX_CHAR_WORK`).
        With `max_columns`, only that many of the most common n-grams get a column.

        The rows are what `row()` gives each text, to the last bit, made for all texts
        at once: Python only splits the texts into words and each distinct word into
        pieces; numpy lays out every text's n-grams, counts them with one sort, and
        weighs and scales them (see `_GramCounts`). One `row()` per text, with a Counter
        per block, took three times as long."""
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
        return cls(names, idf, chars, in_order=True), counts.rows(column, idf)

    @property
    def size(self) -> int:
        return len(self.columns)

    def row(self, text: str, keep_grams: bool = False) -> SparseRow:
        """`text` as a vector: each block's tf-idf scaled to unit length."""
        if keep_grams:
            word_block, char_block = grams_of(text, self.chars)
            return self.vector(Counter(word_block), Counter(char_block), keep_grams=True)
        # The same vector from each word's remembered columns: counting columns instead
        # of n-grams gives the same counts in the same order (an n-gram has one column),
        # without making the n-grams of words seen before.
        tokens = folded_words(text)
        known = self._columns_of(tokens)
        pairs = [f"{WORD_PREFIX}{a} {b}" for a, b in itertools.pairwise(tokens)]
        words_ = [column for column, _ in known if column >= 0]
        words_ += [column for column in self.columns.many(pairs) if column >= 0]
        pieces = [column for _, columns in known for column in columns]
        return self._vector_of_columns(Counter(words_), Counter(pieces))

    def _columns_of(self, tokens: Sequence[str]) -> list[tuple[int, tuple[int, ...]]]:
        """Each word's column as a word (-1 when it has none) and its pieces' columns, in
        order, repeats kept (pieces without a column left out); the words not seen
        before looked up together."""
        remembered = self._word_columns
        new = [token for token in dict.fromkeys(tokens) if token not in remembered]
        fresh = dict(zip(new, self._looked_up(new), strict=True))
        found = [fresh[token] if token in fresh else remembered[token] for token in tokens]
        for token, columns in fresh.items():
            if len(remembered) >= WORD_CACHE:
                remembered.clear()  # bounded: the words of recent questions
            remembered[token] = columns
        return found

    def _looked_up(self, tokens: Sequence[str]) -> list[tuple[int, tuple[int, ...]]]:
        """`_columns_of` for words not seen before, in one lookup of all their n-grams."""
        grams: list[str] = []
        sizes = []
        for token in tokens:
            pieces = _pieces(token) if self.chars else ()
            grams.append(WORD_PREFIX + token)
            grams += pieces
            sizes.append(len(pieces))
        columns = self.columns.many(grams)
        looked_up, at = [], 0
        for size in sizes:
            pieces_at = columns[at + 1 : at + 1 + size]
            looked_up.append((columns[at], tuple(c for c in pieces_at if c >= 0)))
            at += 1 + size
        return looked_up

    def _vector_of_columns(self, *blocks: Counter[int]) -> SparseRow:
        """Each block's tf-idf scaled to unit length (a block's counts keyed by column, in
        the order of first occurrence), merged and sorted by column."""
        columns, values = [], []
        for counts in blocks:
            if not counts:
                continue
            cols = np.fromiter(counts.keys(), np.int32, len(counts))
            vals = np.fromiter(counts.values(), np.float32, len(counts))
            vals *= self.idf[cols]
            columns.append(cols)
            # what np.linalg.norm computes for a 1-D array, without its checks
            values.append(vals / np.float32(np.sqrt(vals.dot(vals))))
        if not columns:
            return SparseRow(np.zeros(0, np.int32), np.zeros(0, np.float32))
        merged = np.concatenate(columns)
        order = np.argsort(merged)
        return SparseRow(merged[order], np.concatenate(values)[order])

    def vector(self, *blocks: Counter[str], keep_grams: bool = False) -> SparseRow:
        """The vector of a text's n-gram counts, one Counter per block (n-grams without
        a column left out); `keep_grams` names each column's n-gram."""
        by_column = [
            Counter({self.columns[g]: n for g, n in counts.items() if g in self.columns})
            for counts in blocks
        ]
        row = self._vector_of_columns(*by_column)
        if not keep_grams:
            return row
        name_of = {self.columns[g]: g for counts in blocks for g in counts if g in self.columns}
        return SparseRow(row.columns, row.values, tuple(name_of[int(c)] for c in row.columns))


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
    grams: npt.NDArray[np.int32]
    counts: npt.NDArray[np.float32]
    blocks: npt.NDArray[np.intp]
    texts: int
    # the entries (places in `grams`) text after text, each text's by n-gram number: its
    # character block's, then its word block's (every "c " n-gram sorts before every "w "
    # one), each block's as `_distinct`'s sort left them
    by_number: npt.NDArray[np.int32]

    @classmethod
    def of(cls, texts: Iterable[str], chars: bool) -> _GramCounts:
        """Python splits each text into words and each distinct word into pieces; numpy
        does the rest: every text's n-gram sequence, then its distinct n-grams."""
        tokens: list[str] = []
        lengths: list[int] = []
        for text in texts:
            found = folded_words(text)
            tokens += found
            lengths.append(len(found))
        words = list(dict.fromkeys(tokens))
        token = _numbered(tokens, words)
        del tokens  # a string per word of every text: freed before the big arrays
        text_of = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
        names, (word_grams, word_text) = _word_block(words, token, text_of, lengths)
        pieces = _char_pieces(words, len(names)) if chars else None
        if pieces is not None:
            names += pieces.names
        order = sorted(range(len(names)), key=names.__getitem__)  # number n-grams alphabetically
        rank = np.empty(len(names), dtype=np.int32)
        rank[order] = np.arange(len(names), dtype=np.int32)
        if _grams is not None:  # each block as its n-grams and each text's number of them
            words_ = (rank[word_grams], np.bincount(word_text, minlength=len(lengths)))
            del word_grams, word_text
            chars_ = None if pieces is None else pieces.per_text(rank, token, text_of, len(lengths))
            grams, counts, blocks, by_number = _counted_in_c(words_, chars_, len(names))
            del words_, chars_
        else:
            # one block at a time, its raw sequence dropped as soon as it is counted: the
            # character block of the shipped knowledge is three quarters of a million pieces
            distinct: list[list[_Distinct] | None] = [
                _distinct_in_parts(rank[word_grams], word_text, len(names))
            ]
            del word_grams, word_text
            if pieces is not None:
                char_grams, char_text = pieces.sequence(rank, token, text_of)
                distinct.append(_distinct_in_parts(char_grams, char_text, len(names)))
                del char_grams, char_text
            grams, counts, blocks, by_number = _interleave(distinct, len(lengths))
        return cls(
            names=[names[i] for i in order],
            grams=grams,
            counts=counts.astype(np.float32),
            blocks=blocks,
            texts=len(lengths),
            by_number=by_number,
        )

    def rows(self, column: npt.NDArray[np.int32], idf: npt.NDArray[np.float32]) -> Rows:
        """Each text's row, given each n-gram's `column` (-1: none) and the `idf`."""
        if _grams is not None:
            return self._rows_in_c(column, idf)
        # Temporaries of one entry per n-gram of every text (over two million for the
        # shipped knowledge) are int32 and freed as soon as used: the peak RSS of a start
        # is reached here.
        block_of = np.repeat(np.arange(len(self.blocks) - 1, dtype=np.int32), np.diff(self.blocks))
        cols = column[self.grams]
        known = cols >= 0
        cols, block_of = cols[known], block_of[known]
        values = self.counts[known] * idf[cols]
        bounds = np.searchsorted(block_of, np.arange(len(self.blocks), dtype=np.int32))
        lengths = _block_lengths(values, bounds)
        values /= np.repeat(np.sqrt(lengths), np.diff(bounds))
        del block_of
        # within each text, by column: columns are numbered in the n-grams' order, so
        # `by_number` without the entries that have no column (no sort needed)
        place = np.cumsum(known, dtype=np.int32)  # an entry's place among the known, + 1
        place -= 1
        order = place[self.by_number[known[self.by_number]]]
        del known, place
        cols, values = cols[order], values[order]
        return Rows(cols, values, bounds[::2].astype(np.int64))

    def _rows_in_c(self, column: npt.NDArray[np.int32], idf: npt.NDArray[np.float32]) -> Rows:
        """`rows` by the compiled steps (`bot/_grams.c`): the entries' tf-idf values
        laid out, their blocks' lengths by numpy's dot products as above (what
        `Vectorizer.row` computes), then each text's entries by column, scaled, in one
        pass: no temporary of one entry per n-gram but the values laid out."""
        laid = (
            self.grams, self.counts, np.ascontiguousarray(self.blocks, dtype=np.int64),
            np.ascontiguousarray(column, dtype=np.int32), np.ascontiguousarray(idf, np.float32),
            len(self.blocks) // 2, len(column), len(idf),
        )  # fmt: skip
        values_, bounds_ = _grams.weighed(*laid)
        bounds = np.frombuffer(bounds_, np.int64)
        lengths = _block_lengths(np.frombuffer(values_, np.float32), bounds)
        del values_
        columns = np.empty(int(bounds[-1]), dtype=np.int32)
        scaled = np.empty(int(bounds[-1]), dtype=np.float32)
        _grams.by_column(*laid, self.by_number, lengths, columns, scaled)
        return Rows(columns, scaled, bounds[::2].copy())


def _block_lengths(
    values: npt.NDArray[np.float32], bounds: npt.NDArray[np.integer]
) -> npt.NDArray[np.float32]:
    """Each block's squared length, block k's values from `bounds[k]` to `bounds[k + 1]`:
    numpy's dot product of the block with itself, as `Vectorizer.row` computes it for a
    question (a float32 sum whose rounding depends on the order of its terms)."""
    lengths = np.zeros(len(bounds) - 1, dtype=np.float32)
    for k, (start, end) in enumerate(itertools.pairwise(bounds.tolist())):
        if end > start:
            part = values[start:end]
            lengths[k] = part.dot(part)
    return lengths


def _numbered(items: list[str], distinct: list[str]) -> npt.NDArray[np.int64]:
    """Each item's place in `distinct`."""
    number = dict(zip(distinct, range(len(distinct)), strict=True))
    return np.fromiter(map(number.__getitem__, items), np.int64, len(items))


def _word_block(
    words: list[str],
    token: npt.NDArray[np.int64],
    text_of: npt.NDArray[np.int32],
    lengths: list[int],
) -> tuple[list[str], tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]]:
    """The word n-grams' names (each word, then each pair of neighbouring words) and
    every text's word block in `word_grams`' order: its words, then its pairs."""
    together = text_of[1:] == text_of[:-1]  # neighbours in one text
    at = np.flatnonzero(together)  # a pair's first word
    codes = token[at] * len(words) + token[at + 1]
    pairs, pair_number = np.unique(codes, return_inverse=True)
    names = [WORD_PREFIX + word for word in words]
    names += [
        f"{WORD_PREFIX}{words[code // len(words)]} {words[code % len(words)]}"
        for code in pairs.tolist()
    ]
    size = np.asarray(lengths, dtype=np.int64)
    block = size + np.maximum(size - 1, 0)  # words and pairs of each text
    block_start = np.cumsum(block) - block
    token_start = np.cumsum(size) - size
    grams = np.empty(int(block.sum()), dtype=np.int64)
    local = np.arange(len(token)) - token_start[text_of]
    grams[block_start[text_of] + local] = token
    pair_text = text_of[at]
    grams[block_start[pair_text] + size[pair_text] + at - token_start[pair_text]] = len(
        words
    ) + pair_number.reshape(-1)
    return names, (grams, np.repeat(np.arange(len(lengths), dtype=np.int32), block))


@dataclass
class _CharPieces:
    """The distinct words' character pieces: their names (numbered from `first`), each
    word's pieces as numbers, one word after another, and how many each word has."""

    names: list[str]
    numbered: npt.NDArray[np.int64]
    per_word: npt.NDArray[np.int64]

    def sequence(
        self,
        rank: npt.NDArray[np.int32],
        token: npt.NDArray[np.int64],
        text_of: npt.NDArray[np.int32],
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
        """Every text's character block (`grams`), and the text of each piece."""
        return self.grams(rank, token), np.repeat(text_of, self.per_word[token])

    def per_text(
        self,
        rank: npt.NDArray[np.int32],
        token: npt.NDArray[np.int64],
        text_of: npt.NDArray[np.int32],
        n_texts: int,
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
        """Every text's character block (`grams`), and how many pieces each text has
        (instead of the text of each piece: 7 MB for the shipped knowledge)."""
        per_text = np.bincount(text_of, weights=self.per_word[token], minlength=n_texts)
        return self.grams(rank, token), per_text.astype(np.int64)

    def grams(
        self, rank: npt.NDArray[np.int32], token: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.int32]:
        """Every text's character block: the pieces of each of its words (`token`), in
        order, as `rank`s."""
        ranked = rank[self.numbered]
        start = (np.cumsum(self.per_word) - self.per_word).astype(np.int32)
        per_token = self.per_word[token]
        # each token's pieces: its word's run in `ranked`, one after another
        offset = np.repeat(
            start[token] - (np.cumsum(per_token) - per_token).astype(np.int32), per_token
        )
        offset += np.arange(len(offset), dtype=np.int32)
        return ranked[offset]


def _char_pieces(words: list[str], first: int) -> _CharPieces:
    """Each piece numbered as it is made: a repeated piece's string is dropped at once
    (a list of every word's pieces held ~800,000 strings at a start's peak). The
    compiled loop (`bot/_grams.c`) makes the same strings and numbers."""
    if _grams is not None:
        names, numbered_, count_ = _grams.char_pieces(words, CHAR_PREFIX, CHAR_SIZES)
        per_word = np.frombuffer(count_, dtype=np.int64)
        return _CharPieces(names, np.frombuffer(numbered_, dtype=np.int64) + first, per_word)
    number: dict[str, int] = {}
    numbered = array("q")  # no int object per piece
    count: list[int] = []
    for word in words:
        own = _pieces(word)
        numbered.extend([number.setdefault(piece, len(number)) for piece in own])
        count.append(len(own))
    pieces = np.frombuffer(numbered, dtype=np.int64) + first
    return _CharPieces(list(number), pieces, np.asarray(count, dtype=np.int64))


_Distinct = tuple[
    npt.NDArray[np.integer], npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.int32]
]


PART = 1 << 19  # n-grams counted at a time (`_distinct_in_parts`)


def _distinct_in_parts(
    grams: npt.NDArray[np.integer], text_of: npt.NDArray[np.int32], n_grams: int
) -> list[_Distinct]:
    """`_distinct` of a block (its `text_of` in order), about `PART` n-grams at a time,
    cut where a text begins: a text's n-grams are counted apart from the others', so
    the parts' results one after the other are the whole block's. A start's memory
    peaks here: the temporaries of a part are a fraction of the whole's (the shipped
    character block: ~1.8 million pieces)."""
    cuts = np.searchsorted(text_of, text_of[PART::PART]).tolist()  # where those texts begin
    bounds = sorted({0, *cuts, len(grams)})
    return [
        _distinct(grams[start:end], text_of[start:end], n_grams)
        for start, end in itertools.pairwise(bounds)
    ] or [_distinct(grams, text_of, n_grams)]


def _distinct(
    grams: npt.NDArray[np.integer], text_of: npt.NDArray[np.int32], n_grams: int
) -> _Distinct:
    """Each text's distinct n-grams in the order of their first occurrence (what a
    Counter keeps), how often each occurs, their texts, and the order that sorts them
    by (text, n-gram) (places in the first three). In place where it can be: the
    arrays are as long as all the texts' n-grams together."""
    n = len(grams)
    if n == 0:
        return grams, np.zeros(0, dtype=np.int32), text_of, np.zeros(0, dtype=np.int32)
    group = text_of.astype(np.int64) * n_grams
    group += grams
    if int(text_of[-1] + 1) * n_grams * n < 2**62:
        # one sort of plain numbers: a group, then its positions in order
        group *= n
        group += np.arange(n, dtype=np.int32)
        group.sort()
        # the positions fit in int32: half the memory at the peak of a start
        position = np.remainder(group, n, out=np.empty(n, dtype=np.int32), casting="unsafe")
        group //= n
    else:
        position = np.argsort(group, kind="stable")
        group = group[position]
    starts = np.flatnonzero(np.concatenate(([True], group[1:] != group[:-1])))
    del group
    first = position[starts]  # each distinct n-gram's first place, by (text, n-gram)
    del position
    count = np.zeros(n, dtype=np.int32)
    count[first] = np.diff(np.append(starts, n))
    keep = count > 0
    place = np.cumsum(keep, dtype=np.int32)  # a place's among the kept, + 1
    place -= 1
    by_number = place[first]
    del place, first
    return grams[keep], count[keep], text_of[keep], by_number


_Block = tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]  # n-grams, each text's count
_TYPES = (np.int32, np.int64)  # a block's n-grams, its texts' numbers of them


def _counted_in_c(
    words: _Block, chars: _Block | None, n_names: int
) -> tuple[
    npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.intp], npt.NDArray[np.int32]
]:
    """What `_distinct_in_parts` and `_interleave` give, from the compiled counting
    (`bot/_grams.c`): one pass per block with a table of the n-grams seen and a counting
    sort, instead of sorts of the whole sequences; each block is given as its n-grams
    (text after text) and each text's number of them. The arrays are the same to the
    last number (`tests/test_classifier.py`)."""
    n_texts = len(words[1])
    if chars is None:
        chars = (np.zeros(0, dtype=np.int32), np.zeros(n_texts, dtype=np.int64))
    given = [
        np.ascontiguousarray(a, dtype=t) for a, t in zip((*words, *chars), _TYPES * 2, strict=True)
    ]
    grams, counts, by_number, starts = _grams.distinct_layout(*given, n_texts, n_names)
    return (
        np.frombuffer(grams, dtype=np.int32),
        np.frombuffer(counts, dtype=np.int32),
        np.frombuffer(starts, dtype=np.int64).astype(np.intp),
        np.frombuffer(by_number, dtype=np.int32),
    )


def _interleave(
    blocks: list[list[_Distinct] | None], n_texts: int
) -> tuple[
    npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.intp], npt.NDArray[np.int32]
]:
    """The blocks' distinct n-grams (each block in parts, `_distinct_in_parts`) laid out
    text after text, block after block, where each (text, block) starts (two blocks a
    text, the second empty without characters), and the order that sorts each text's
    n-grams by number: its character block's sorted, then its word block's
    (`_GramCounts.by_number`). `blocks` is emptied on the way, each part freed once
    laid out. Places are int32: these arrays are as long as all the texts' n-grams."""
    sizes = np.zeros((n_texts, 2), dtype=np.int64)
    for b, parts in enumerate(blocks):
        assert parts is not None
        for part in parts:
            sizes[:, b] += np.bincount(part[2], minlength=n_texts)
    bounds = np.concatenate(([0], np.cumsum(sizes.reshape(-1))))
    grams = np.empty(int(bounds[-1]), dtype=np.int32)  # n-gram numbers fit in int32
    counts = np.empty(int(bounds[-1]), dtype=np.int32)
    by_number = np.empty(int(bounds[-1]), dtype=np.int32)
    text_first = bounds[:-1:2]  # where each text starts
    for b in range(len(blocks)):
        parts, blocks[b] = blocks[b], None
        assert parts is not None
        text_start = np.cumsum(sizes[:, b]) - sizes[:, b]  # a text's first in the block
        # an n-gram's place: its text's block's start + its own place in that block
        placed = (bounds[2 * np.arange(n_texts) + b] - text_start).astype(np.int32)
        # sorted, a text's character pieces come first, then its words
        ahead = text_first + sizes[:, 1] if b == 0 else text_first
        sorted_placed = (ahead - text_start).astype(np.int32)
        done = 0  # the block's n-grams in the parts before
        while parts:
            block_grams, block_counts, text_of, sorted_order = parts.pop(0)
            at = np.arange(done, done + len(text_of), dtype=np.int32)
            at += placed[text_of]
            grams[at] = block_grams
            counts[at] = block_counts
            del block_grams, block_counts
            texts = text_of[sorted_order]  # the texts of the part's n-grams, sorted
            into = np.arange(done, done + len(texts), dtype=np.int32)
            into += sorted_placed[texts]
            del texts
            by_number[into] = at[sorted_order]
            done += len(text_of)
            del at, into, text_of, sorted_order
    return grams, counts, bounds.astype(np.intp), by_number


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
