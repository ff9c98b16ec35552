"""Question counts are written by a thread of their own; /stats must count each once."""

from __future__ import annotations

import threading
import time
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


def test_counts_gather_between_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A burst of questions is one write, not a transaction per question: after a write the
    writer waits `BATCH_S` (here: until close) while counts add up in memory, where
    /stats sees them at once."""
    batches: list[Counter[tuple[str, str]]] = []
    first_written = threading.Event()
    write = storage._write_counts

    def recording_write(db: object, batch: Counter[tuple[str, str]]) -> None:
        write(db, batch)  # type: ignore[arg-type]
        batches.append(Counter(batch))
        first_written.set()

    monkeypatch.setattr(storage, "_write_counts", recording_write)
    monkeypatch.setattr(storage, "BATCH_S", 3600.0)
    store = Store(tmp_path / DATABASE_FILE)
    try:
        store.count_question("fingerprints", "de")
        assert first_written.wait(30)
        for _ in range(20):
            store.count_question("ai-act", "fr")
            time.sleep(0)  # lets a writer woken by this count run (it must not be woken)
        assert sorted(store.counts(), key=str) == sorted(
            [("fingerprints", "de", 1), ("ai-act", "fr", 20)], key=str
        )
        assert batches == [Counter({("fingerprints", "de"): 1})]
    finally:
        store.close()
    assert batches == [Counter({("fingerprints", "de"): 1}), Counter({("ai-act", "fr"): 20})]
    assert sorted(Store(tmp_path / DATABASE_FILE).counts(), key=str) == sorted(
        [("fingerprints", "de", 1), ("ai-act", "fr", 20)], key=str
    )
