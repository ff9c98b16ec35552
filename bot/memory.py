"""Giving freed memory back to the system after the big one-off steps of a start."""

from __future__ import annotations

import ctypes


def return_freed() -> None:
    """Return the memory the process freed to the system, where the C library can.

    Training, reading the meaning vectors and loading the sentence encoder each hold
    tens of MB of small temporary objects for a moment. glibc keeps freed memory for
    later use (its heap is trimmed only from the top), so without this the bot would
    run 60 MB larger than a start that read its model from the cache; `malloc_trim`
    releases it. Other C libraries (musl, macOS): nothing is done."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):
        return
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    trim(0)
