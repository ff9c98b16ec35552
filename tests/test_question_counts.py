"""Question counts are written by a thread of their own; /stats must count each once."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest

from bot import storage
from bot.storage import DATABASE_FILE, Store


def test_a_count_being_committed_is_counted_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader arriving while a batch is committed (in the table, not yet out of memory)
    sees the question once, not twice, and never zero times."""
    committed, release = threading.Event(), threading.Event()
    write = storage._write_counts

    def slow_write(db: object, batch: Counter[tuple[str, str]]) -> None:
        write(db, batch)  # type: ignore[arg-type]
        committed.set()
        release.wait()

    monkeypatch.setattr(storage, "_write_counts", slow_write)
    store = Store(tmp_path / DATABASE_FILE)
    try:
        store.count_question("fingerprints", "de")
        assert committed.wait(30)
        seen: list[list[tuple[str | None, str, int]]] = []
        reader = threading.Thread(target=lambda: seen.append(store.counts()))
        reader.start()
        release.set()
        reader.join(30)
        assert seen == [[("fingerprints", "de", 1)]]
        store.count_question(None, "de")
        store.count_question("fingerprints", "de")
        assert sorted(store.counts(), key=str) == sorted(
            [("fingerprints", "de", 2), (None, "de", 1)], key=str
        )
    finally:
        release.set()
        store.close()
    assert sorted(Store(tmp_path / DATABASE_FILE).counts(), key=str) == sorted(
        [("fingerprints", "de", 2), (None, "de", 1)], key=str
    )
