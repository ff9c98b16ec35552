"""Typo candidates for a question word, in every language at once.

A question word that no language knows exactly is compared with rapidfuzz
(`fuzz.ratio`) to the words of each language as written (not their stems) of a
length within `TYPO_LENGTH`; the best `LIMIT` of each language that reach
`TYPO_CUTOFF` are its candidates (`bot.lexical` step 3). The words of all languages
are searched together: one sift by letters and one call of rapidfuzz for a word,
where one per language cost five times the fixed part of each (most of the time of
a question's new words).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

TYPO_CUTOFF = 80.0
TYPO_MIN_LEN = 4
TYPO_LENGTH = 1
LIMIT = 3  # candidates kept per language
SIFT_FROM = 300  # typo candidates sifted by their letters first from this many on
MASK_WORDS = 4096  # words whose letter masks are made at once (`letter_masks`)

Candidates = list[tuple[str, float]]  # (word as written, fuzz.ratio), best first


class TypoFinder:
    """The words of every language, to find the ones a question word may be a typo of."""

    def __init__(self, vocabularies: Sequence[Mapping[str, object]]) -> None:
        """`vocabularies`: per language (in the index's order), its words as written
        (accents stripped), as the keys of a mapping."""
        # by length, then language, then alphabetically: each language's words keep the
        # order rapidfuzz broke ties in when each language was searched on its own (a
        # stable sort by length of the languages' words, each sorted alphabetically)
        each = [sorted(vocabulary) for vocabulary in vocabularies]
        words = [word for sorted_words in each for word in sorted_words]
        lengths = np.fromiter(map(len, words), np.intp, len(words))
        order = np.argsort(lengths, kind="stable")
        self.words = np.array(words, dtype=object)[order]
        self.language = np.repeat(np.arange(len(each)), [len(w) for w in each])[order].tolist()
        self._languages = len(vocabularies)
        # starts[n]: the first word of n letters or more
        top = int(lengths.max(initial=0))
        self._starts: list[int] = np.searchsorted(lengths[order], np.arange(top + 2)).tolist()
        self._letters = letter_masks(self.words.tolist())

    def candidates(self, written: str) -> list[Candidates]:
        """Per language, the best `LIMIT` words that `written` (accents stripped) may be
        a typo of, with their `fuzz.ratio`, best first (ties: shorter, then
        alphabetically); none for a word shorter than `TYPO_MIN_LEN`."""
        found: list[Candidates] = [[] for _ in range(self._languages)]
        size = len(written)
        if size < TYPO_MIN_LEN:
            return found
        lo, hi = self._start(size - TYPO_LENGTH), self._start(size + TYPO_LENGTH + 1)
        near = self._near_enough(written, lo, hi)
        for word, score, at in process.extract(
            written,
            self.words[near].tolist(),
            scorer=fuzz.ratio,
            score_cutoff=TYPO_CUTOFF,
            limit=None,
        ):
            kept = found[self.language[int(near[at])]]
            if len(kept) < LIMIT:
                kept.append((word, score))
        return found

    def _start(self, size: int) -> int:
        return self._starts[min(max(size, 0), len(self._starts) - 1)]

    def _near_enough(self, written: str, lo: int, hi: int) -> npt.NDArray[np.intp]:
        """The places from `lo` to `hi`, in order, of the words that could score
        `TYPO_CUTOFF` with `written`; rapidfuzz is spared the others (its time per word
        is mostly Python's, not the comparison's). `fuzz.ratio` is 100 x (1 - d / (a +
        b)) for words of a and b letters, d the fewest insertions and deletions that
        turn one into the other. A letter bucket that only one of the two words has
        takes at least one of them, so d is at least the number of such buckets (the
        bits that differ in the words' `letter_masks`); a word with more than the cutoff
        allows the slice's longest words cannot reach it. A short slice is passed
        whole: looking is dearer."""
        if hi - lo < SIFT_FROM:
            return np.arange(lo, hi)
        mine = 0
        for code in map(ord, written):
            mine |= 1 << (code % 64)
        apart = np.bitwise_count(self._letters[lo:hi] ^ np.uint64(mine))
        allowed = (1 - TYPO_CUTOFF / 100) * (2 * len(written) + TYPO_LENGTH)
        near: npt.NDArray[np.intp] = np.flatnonzero(apart <= allowed + 0.5) + lo
        return near


def letter_masks(words: Sequence[str]) -> npt.NDArray[np.uint64]:
    """Per word, which of 64 buckets its letters fall in (by code point), as the bits of
    one number: what `TypoFinder._near_enough` compares. `MASK_WORDS` words at a time:
    all of 50,000 words' letters at once took ~15 MB for a moment."""
    masks = np.zeros(len(words), dtype=np.uint64)
    for start in range(0, len(words), MASK_WORDS):
        part = words[start : start + MASK_WORDS]
        codes = np.frombuffer("".join(part).encode("utf-32-le"), dtype=np.uint32)
        owner = np.repeat(np.arange(start, start + len(part)), [len(word) for word in part])
        bits = np.left_shift(np.uint64(1), (codes % 64).astype(np.uint64))
        np.bitwise_or.at(masks, owner, bits)
    return masks
