"""The only state the bot keeps: a chat's chosen language, questions people chose
to send to the team, and anonymous counters.

No user id, chat id, username or message id is ever written. A chat's row exists
only after someone in it chooses a language with /language, and /forget deletes
it; the row is keyed by a keyed hash (HMAC-SHA256) of the chat id, not by the id
itself (in a private chat the chat id is the user's id). The key is random, made
on first start and kept beside the database.

A question's text is written only when its asker presses "send this question to
the team" (bot/feedback.py): the text, its language, the topics considered, the
reason and the day, nothing else, deleted after the retention period. Deleted
rows are overwritten (`secure_delete`) and the write-ahead log is emptied after a
deletion, so a deleted question does not linger in the files.

The counters (questions per topic and language, unanswered questions, helpful /
not helpful / sent to the team) carry no identifier at all.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
from datetime import date
from pathlib import Path

from bot.feedback import PendingQuestion, TeamQuestion

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
CREATE TABLE IF NOT EXISTS team_question (
    id INTEGER PRIMARY KEY,
    text TEXT NOT NULL,
    lang TEXT NOT NULL,
    considered TEXT NOT NULL,  -- JSON list of topic ids
    reason TEXT NOT NULL,  -- declined, suggested or wrong
    day TEXT NOT NULL  -- ISO date (UTC), never a time
);
CREATE TABLE IF NOT EXISTS feedback_count (
    topic TEXT NOT NULL,  -- '' for questions without an answer
    lang TEXT NOT NULL,
    kind TEXT NOT NULL,  -- helpful, not_helpful or sent
    count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (topic, lang, kind)
);
"""
UNANSWERED = ""
HELPFUL, NOT_HELPFUL, SENT = "helpful", "not_helpful", "sent"


KEY_FILE = "chat-key"
DATABASE_FILE = "bot.sqlite3"


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
            # deleted rows (an expired question) are overwritten, not just unlinked
            self._db.execute("PRAGMA secure_delete=ON")
            self._db.executescript(SCHEMA)

    @classmethod
    def in_dir(cls, data_dir: Path) -> Store:
        return cls(data_dir / DATABASE_FILE, load_secret(data_dir))

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

    # ---------------------------------------------------------------- feedback

    def count_feedback(self, topic_id: str | None, lang: str, kind: str) -> None:
        """One more `kind` (HELPFUL, NOT_HELPFUL, SENT) for a topic (None: unanswered)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO feedback_count (topic, lang, kind, count) VALUES (?, ?, ?, 1) "
                "ON CONFLICT(topic, lang, kind) DO UPDATE SET count = count + 1",
                (topic_id or UNANSWERED, lang, kind),
            )

    def feedback_counts(self) -> list[tuple[str | None, str, str, int]]:
        """(topic or None, language, kind, count)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT topic, lang, kind, count FROM feedback_count ORDER BY topic, lang, kind"
            ).fetchall()
        return [(topic or None, lang, kind, count) for topic, lang, kind, count in rows]

    # ---------------------------------------------------------------- questions for the team

    def add_question(self, question: PendingQuestion, day: date) -> None:
        """Store a question its asker chose to send; the fields are all there is."""
        with self._lock:
            self._db.execute(
                "INSERT INTO team_question (text, lang, considered, reason, day) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    question.text,
                    question.lang,
                    json.dumps(list(question.considered)),
                    question.reason,
                    day.isoformat(),
                ),
            )

    def question_total(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM team_question").fetchone()
        return int(row[0])

    def questions(self, limit: int | None = None) -> list[TeamQuestion]:
        """Stored questions, latest first (all of them without `limit`)."""
        sql = "SELECT text, lang, considered, reason, day FROM team_question ORDER BY id DESC"
        with self._lock:
            rows = self._db.execute(
                sql + (" LIMIT ?" if limit is not None else ""),
                (limit,) if limit is not None else (),
            ).fetchall()
        return [
            TeamQuestion(text, lang, tuple(json.loads(considered)), reason, day)
            for text, lang, considered, reason, day in rows
        ]

    def delete_questions_before(self, day: date) -> int:
        """Delete questions stored before `day`; returns how many."""
        return self._delete_questions("DELETE FROM team_question WHERE day < ?", (day.isoformat(),))

    def purge_questions(self) -> int:
        """Delete every stored question; returns how many."""
        return self._delete_questions("DELETE FROM team_question", ())

    def _delete_questions(self, sql: str, params: tuple[str, ...]) -> int:
        with self._lock:
            deleted = self._db.execute(sql, params).rowcount
            if deleted:
                # copy the overwritten pages into the database and empty the log, so
                # the deleted text survives in neither file
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return int(deleted)
