"""Giving freed memory back to the system: after the big one-off steps of a start, and
for large arrays as soon as they are freed."""

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


LARGE = 4 << 20  # bytes: an allocation this large gets pages of its own (`own_pages_for_large`)
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


def own_pages_for_large() -> None:
    """From now on, in this process, give every allocation of `LARGE` bytes or more pages
    of its own, returned to the system when it is freed (glibc: `mallopt`; elsewhere
    nothing is done). glibc starts at 128 kB but raises that bound each time a large
    block is freed, up to 32 MB, after which large arrays come from its heap and their
    memory stays with the process when freed: training's, and above all what the second
    look's thread frees (the meaning vectors read at start; a thread's heap is never
    trimmed from the top). The bot sets it at start (`Matcher` with `prepare=True`):
    its peak RSS in `benchmarks/speed.py` 199 -> 195 MB. At 1 MB it made training
    ~0.2 s slower (page faults); set only after training, it saved ~1 MB. No question
    allocates that much: answering costs the same."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):
        return
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    mallopt(_M_MMAP_THRESHOLD, LARGE)
