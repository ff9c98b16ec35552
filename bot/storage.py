"""The only state the bot keeps: a chat's chosen language and anonymous counters.

No message text and no user id is ever written. A chat's row exists only after
someone in it chooses a language with /language, and /forget deletes it. The
counters (questions per topic and language, unanswered questions) carry no
identifier at all.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS chat_language (
    chat_id INTEGER PRIMARY KEY,
    lang TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS question_count (
    topic TEXT NOT NULL,  -- '' for questions without an answer
    lang TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (topic, lang)
);
"""
UNANSWERED = ""


class Store:
    """SQLite under the data directory (or `:memory:`), schema created on open."""

    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            # WAL with synchronous=NORMAL: a counter update is a cheap append instead
            # of a full sync per question; a power cut may lose the last few counts.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)

    @classmethod
    def in_dir(cls, data_dir: Path) -> Store:
        return cls(data_dir / "bot.sqlite3")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def language(self, chat_id: int) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT lang FROM chat_language WHERE chat_id = ?", (chat_id,)
            ).fetchone()
        return row[0] if row else None

    def set_language(self, chat_id: int, lang: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO chat_language (chat_id, lang) VALUES (?, ?) "
                "ON CONFLICT(chat_id) DO UPDATE SET lang = excluded.lang",
                (chat_id, lang),
            )

    def forget(self, chat_id: int) -> bool:
        """Delete everything stored about a chat; True if there was something."""
        with self._lock:
            cursor = self._db.execute("DELETE FROM chat_language WHERE chat_id = ?", (chat_id,))
        return cursor.rowcount > 0

    def count_question(self, topic_id: str | None, lang: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO question_count (topic, lang, count) VALUES (?, ?, 1) "
                "ON CONFLICT(topic, lang) DO UPDATE SET count = count + 1",
                (topic_id or UNANSWERED, lang),
            )

    def counts(self) -> list[tuple[str | None, str, int]]:
        """(topic or None for unanswered, language, count), most asked first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT topic, lang, count FROM question_count ORDER BY count DESC, topic, lang"
            ).fetchall()
        return [(topic or None, lang, count) for topic, lang, count in rows]
