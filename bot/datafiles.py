"""Reading translator-owned data files safely: regular files inside their directory, of
a bounded size, read without blocking.

Knowledge and catalogs are reloaded by a running bot (/reload, SIGHUP). A file there
could be a FIFO (reading it would hang forever), a symlink to `/dev/zero` (it never
ends) or to a file outside the directory (its content would be quoted in problems,
logs and the admin's chat), or simply huge (parsing 50 MB of YAML takes minutes and
gigabytes). Each of these is refused here with one problem, before anything is parsed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_FILE_BYTES = 2_000_000  # the shipped knowledge files are under 100 kB each
CHUNK_BYTES = 1 << 16


class UnsafeFile(Exception):
    """A data file that is not read; the message says why (never its content)."""


def read_data_file(path: Path, root: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of `path`, a regular file inside `root` (symlinks are followed only
    when they stay inside), at most `limit` bytes; UnsafeFile otherwise."""
    try:
        real = path.resolve(strict=True)
        inside = real.is_relative_to(root.resolve(strict=True))
    except (OSError, RuntimeError) as exc:  # missing, a symlink loop
        raise UnsafeFile(f"cannot read: {_reason(exc)}") from exc
    if not inside:
        raise UnsafeFile("is a symlink to a file outside its directory; copy the file in instead")
    try:
        # O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer
        descriptor = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise UnsafeFile(f"cannot read: {_reason(exc)}") from exc
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFile("is not a regular file (a FIFO, a device or a directory)")
        if info.st_size > limit:
            raise UnsafeFile(f"is {info.st_size:,} bytes; the limit is {limit:,}")
        chunks: list[bytes] = []
        size = 0
        while chunk := handle.read(CHUNK_BYTES):
            size += len(chunk)
            if size > limit:  # it grew while being read
                raise UnsafeFile(f"is over the limit of {limit:,} bytes")
            chunks.append(chunk)
    return b"".join(chunks)


def data_file_lines(path: Path, limit: int = MAX_FILE_BYTES) -> list[str]:
    """The lines of the data file at `path`, read as above inside its own directory;
    none when it cannot be read now (for pointing at a line of a file already loaded)."""
    try:
        return read_data_file(path, path.parent, limit).decode("utf-8").splitlines()
    except (UnsafeFile, UnicodeDecodeError):
        return []


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or type(exc).__name__
