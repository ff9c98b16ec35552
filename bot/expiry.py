"""Forgetting by age, for the small in-memory holds (questions waiting for a press, group
administrator checks): an insertion-ordered mapping of key -> (since, value), whose
entries are stored (or moved to the end) when their time starts, so the oldest come first."""

from __future__ import annotations

from collections import OrderedDict
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def drop_expired(entries: OrderedDict[K, tuple[float, V]], now: float, ttl: float) -> None:
    """Delete the entries whose time (`now` minus their `since`) has reached `ttl`, oldest
    first, stopping at the first one still within it."""
    while entries:
        key, (since, _) = next(iter(entries.items()))
        if now - since < ttl:
            return
        del entries[key]
