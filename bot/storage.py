"""The only state the bot keeps: a chat's chosen language and anonymous counters.

No message text and no user id is ever written. A chat's row exists only after
someone in it chooses a language with /language, and /forget deletes it; the row
is keyed by a keyed hash (HMAC-SHA256) of the chat id, not by the id itself (in
a private chat the chat id is the user's id). The key is random, made on first
start and kept beside the database. The counters (questions per topic and
language, unanswered questions) carry no identifier at all.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS chat_language (
    chat TEXT PRIMARY KEY,  -- chat_key(): a keyed hash of the chat id
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


KEY_FILE = "chat-key"


def chat_key(secret: bytes, chat_id: int) -> str:
    """What identifies a chat in the database: HMAC-SHA256 of its id, hex."""
    return hmac.new(secret, str(chat_id).encode("ascii"), hashlib.sha256).hexdigest()


def load_secret(data_dir: Path) -> bytes:
    """The installation's random hashing key, made on first use (readable by the owner only)."""
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_bytes(32))
    return path.read_bytes()


class Store:
    """SQLite under the data directory (or `:memory:`), schema created on open."""

    def __init__(self, path: Path | str, secret: bytes | None = None) -> None:
        self._secret = secret if secret is not None else secrets.token_bytes(32)
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
        return cls(data_dir / "bot.sqlite3", load_secret(data_dir))

    def _key(self, chat_id: int) -> str:
        return chat_key(self._secret, chat_id)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def language(self, chat_id: int) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT lang FROM chat_language WHERE chat = ?", (self._key(chat_id),)
            ).fetchone()
        return row[0] if row else None

    def set_language(self, chat_id: int, lang: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO chat_language (chat, lang) VALUES (?, ?) "
                "ON CONFLICT(chat) DO UPDATE SET lang = excluded.lang",
                (self._key(chat_id), lang),
            )

    def forget(self, chat_id: int) -> bool:
        """Delete everything stored about a chat; True if there was something."""
        with self._lock:
            cursor = self._db.execute(
                "DELETE FROM chat_language WHERE chat = ?", (self._key(chat_id),)
            )
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
