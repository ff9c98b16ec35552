"""The trained model kept on disk, so that a start with unchanged knowledge skips training.

Training (`bot.features`, `bot.classifier`) is a pure function of the training
examples, the topics and a few settings, and it is most of what starting
`python -m bot ask`, the bot or a `/reload` costs. So the result (the n-gram
columns, their idf and the weights) is kept in one file per training input,
named by a hash of everything the result depends on (`training_key`): the
examples (topic, language, text: texts, labels and the keys that order the
passes), the topics in order, the settings, the source of the modules that
tokenise and train, and the numpy and Unicode versions (float32 sums and word
splitting could differ between them). Any change to any of these gives another
name, so a file is never used for an input it was not trained on.

The file is a numpy `.npz` read with `allow_pickle=False`: no file anyone could
put in the cache directory can make the bot run code, only give it numbers,
and those are checked for type and shape first. A missing, unreadable, corrupt
or mismatched file is trained anew and replaced; a directory that cannot be
written only means training at every start. Each is one INFO log line without
any question or knowledge text. Writing goes through a temporary file and a
rename (a reader never sees half a file), in a directory and with files only
the bot's user can read. A file is marked used (its modification time) when it
is read; when a new one is written, all but the `KEEP` most recently used are
deleted, so a bot and a translator's `chat` with edited knowledge, or two
branches, do not replace each other's model at every start (about 15 MB each
for the shipped knowledge).

Where: `BOT_CACHE_DIR` (empty: no cache), else `$XDG_CACHE_HOME/reclaim-your-face-bot`,
else `~/.cache/reclaim-your-face-bot`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from bot import classifier, features, textnorm
from bot.classifier import LinearModel
from bot.features import Vectorizer

log = logging.getLogger(__name__)

APP_DIR = "reclaim-your-face-bot"
FORMAT = 4  # bump when the file's layout changes
MAX_BYTES = 512 * 2**20  # a larger file (or member) is not read: not one we wrote
_PREFIX, _SUFFIX = "model-", ".npz"
KEEP = 3  # models kept: the most recently used
_STALE_SECONDS = 3600  # a temporary file this old was left by a crash: deleted
# the code that decides the trained numbers
_TRAINING_CODE = (
    features.__file__,
    classifier.__file__,
    textnorm.__file__,
    __file__,
    *classifier.trainer_files(),
)


def cache_dir_from_env(env: Mapping[str, str] | None = None) -> Path | None:
    """The cache directory the environment asks for; None when the cache is off
    (`BOT_CACHE_DIR` set but empty) or there is no home to put it in."""
    env = os.environ if env is None else env
    if "BOT_CACHE_DIR" in env:
        chosen = env["BOT_CACHE_DIR"].strip()
        return Path(chosen).expanduser() if chosen else None
    xdg = env.get("XDG_CACHE_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():  # the XDG spec: a relative path is to be ignored
        return Path(xdg) / APP_DIR
    try:
        return Path.home() / ".cache" / APP_DIR
    except RuntimeError:  # no home directory (some service accounts)
        return None


def training_key(
    examples: Sequence[tuple[str, str, str]], topics: Sequence[str], settings: Mapping[str, object]
) -> str | None:
    """A hash of everything training depends on; None if the code cannot be read (then
    nothing is cached). `examples`: (topic, language, text), in training order."""
    digest = hashlib.blake2b(digest_size=20)
    try:
        for source in _TRAINING_CODE:
            digest.update(Path(str(source)).read_bytes())
    except (OSError, TypeError):
        return None
    context = {
        "format": FORMAT,
        "numpy": np.__version__,
        "unicode": unicodedata.unidata_version,
        "settings": dict(settings),
        "topics": list(topics),
    }
    digest.update(json.dumps(context, sort_keys=True).encode())
    digest.update(json.dumps(list(examples), ensure_ascii=False).encode())
    return digest.hexdigest()


def load(
    directory: Path, key: str, n_classes: int, chars: bool
) -> tuple[Vectorizer, LinearModel] | None:
    """The model cached under `key`, if there is a sound one."""
    path = directory / f"{_PREFIX}{key}{_SUFFIX}"
    try:
        arrays = read_arrays(path)
        found = _model(arrays, key, n_classes, chars)
        _mark_used(path)
        return found
    except FileNotFoundError:
        log.info("no cached model for this knowledge: training it")
    except Exception as exc:  # a damaged or foreign file, whatever the damage: train
        log.info("cached model %s not used (%s): training again", path.name, type(exc).__name__)
    return None


def save(directory: Path, key: str, vectorizer: Vectorizer, model: LinearModel) -> None:
    """Keep the model under `key` and delete all but the `KEEP` most recently used
    models; a directory that cannot be written is only logged."""
    arrays = {
        "format": np.array(FORMAT),
        "key": np.array(key),
        "grams": np.frombuffer("\n".join(vectorizer.columns).encode(), dtype=np.uint8),
        "idf": vectorizer.idf,
        "chars": np.array(vectorizer.chars),
        "codes": model.codes,
        "steps": model.steps,
    }
    if write_arrays(directory, f"{_PREFIX}{key}{_SUFFIX}", arrays):
        _delete_unused(directory, key)
    else:
        log.info("model cache not written: training again at the next start")


def write_arrays(directory: Path, name: str, arrays: Mapping[str, np.ndarray]) -> bool:
    """Write `arrays` (plain: nothing pickled) to `directory`/`name` whole or not at all,
    readable by this user only; False when the directory cannot be written."""
    try:
        with atomic_file(directory, name) as temporary, temporary.open("wb") as out:
            np.savez(out, allow_pickle=False, **arrays)
        return True
    except OSError:
        return False


@contextlib.contextmanager
def atomic_file(directory: Path, name: str) -> Iterator[Path]:
    """A new temporary file in `directory` (created, like the directory, readable by
    this user only) for the block to write; renamed to `name` when the block ends, so a
    reader never sees half a file; deleted if it fails. OSError: cannot be written."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{_PREFIX}", suffix=".tmp", dir=directory)
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, directory / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of the file, refusing pickled objects and sizes no file of ours has."""
    with open_archive(path) as archive:
        arrays = {}
        for member in archive.namelist():
            if not member.endswith(".npy"):
                raise ValueError("not an array")
            with archive.open(member) as stream:
                arrays[member.removesuffix(".npy")] = np.lib.format.read_array(
                    stream, allow_pickle=False
                )
        return arrays


def open_archive(path: Path) -> zipfile.ZipFile:
    """The .npz file `path` opened as the archive it is, once its size and its members'
    are sizes a file of ours has (ValueError otherwise)."""
    if path.stat().st_size > MAX_BYTES:
        raise ValueError("file too large")
    archive = zipfile.ZipFile(path)
    if any(member.file_size > MAX_BYTES for member in archive.infolist()):
        archive.close()
        raise ValueError("member too large")
    return archive


def _model(
    arrays: Mapping[str, np.ndarray], key: str, n_classes: int, chars: bool
) -> tuple[Vectorizer, LinearModel]:
    """The vectorizer and model in `arrays`, once they are checked to be what `save`
    wrote for `key`: types, shapes, and one column per distinct n-gram."""
    if int(arrays["format"]) != FORMAT or str(arrays["key"]) != key:
        raise ValueError("another format or key")
    blob, idf, codes, steps = arrays["grams"], arrays["idf"], arrays["codes"], arrays["steps"]
    if blob.dtype != np.uint8 or blob.ndim != 1 or bool(arrays["chars"]) != chars:
        raise ValueError("n-grams")
    grams = blob.tobytes().decode().split("\n") if len(blob) else []
    if idf.dtype != np.float32 or idf.shape != (len(grams),):
        raise ValueError("idf")
    if codes.dtype != np.int16 or codes.shape != (len(grams) + 1, n_classes):
        raise ValueError("codes")
    if steps.dtype != np.float32 or steps.shape != (len(grams) + 1,):
        raise ValueError("steps")
    vectorizer = Vectorizer(grams, idf, chars)
    if vectorizer.size != len(grams):
        raise ValueError("repeated n-grams")
    return vectorizer, LinearModel(np.ascontiguousarray(codes), steps)


def _mark_used(path: Path) -> None:
    """Make `path` the most recently used model; a read-only directory is no error."""
    with contextlib.suppress(OSError):
        os.utime(path)


def _delete_unused(directory: Path, key: str) -> None:
    """Models beyond the `KEEP` most recently used (`key`'s, just written, among them),
    and temporary files a crash left behind."""
    models = []
    for path in directory.glob(f"{_PREFIX}*{_SUFFIX}"):
        if path.name == f"{_PREFIX}{key}{_SUFFIX}":
            continue
        try:
            models.append((path.stat().st_mtime, path.name, path))
        except OSError:  # deleted meanwhile by another process
            continue
    for _, _, path in sorted(models, reverse=True)[KEEP - 1 :]:
        path.unlink(missing_ok=True)
    for path in directory.glob(f".{_PREFIX}*.tmp"):
        try:
            if time.time() - path.stat().st_mtime > _STALE_SECONDS:
                path.unlink(missing_ok=True)
        except OSError:
            continue
