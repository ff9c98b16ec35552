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
not helpful / sent to the team) carry no identifier at all. Question counts are
written by a thread of their own, so that a locked or full disk never delays or
loses an answer: they wait in memory until the database takes them.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bot.feedback import PendingQuestion, TeamQuestion

log = logging.getLogger(__name__)

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
KEY_BYTES = 32
BUSY_TIMEOUT_S = 1.0  # a language choice waits this long for a lock held elsewhere
BATCH_S = 1.0  # counts gather this long between two writes
RETRY_S = 5.0  # counts that could not be written are tried again after this


class StorageError(Exception):
    """The data directory or its files cannot be used; the message says what to do."""


def chat_key(secret: bytes, chat_id: int) -> str:
    """What identifies a chat in the database: HMAC-SHA256 of its id, hex."""
    return hmac.new(secret, str(chat_id).encode("ascii"), hashlib.sha256).hexdigest()


def load_secret(data_dir: Path) -> bytes:
    """The installation's random hashing key, made on first use (readable by the owner only).

    A key shorter than KEY_BYTES is refused: with an empty key (left by a first start on a
    full disk) anyone could recompute the stored hashes from chat ids.
    """
    path = data_dir / KEY_FILE
    if not path.exists():
        _create_secret(path)
    key = path.read_bytes()
    if len(key) < KEY_BYTES:
        raise StorageError(
            f"{path} holds {len(key)} bytes, not a {KEY_BYTES}-byte random key: delete it "
            "to make a new one (the stored language choices are then forgotten)"
        )
    return key


def _create_secret(path: Path) -> None:
    """Write the key to a temporary file, then link it into place: the key file is
    either absent or complete, never empty or partial (a full disk, a crash)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{KEY_FILE}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_bytes(KEY_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process made one meanwhile
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


class Store:
    """SQLite under the data directory (or `:memory:`), schema created on open."""

    def __init__(self, path: Path | str, secret: bytes | None = None) -> None:
        self._secret = secret if secret is not None else secrets.token_bytes(32)
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None
        )
        self._lock = threading.Lock()
        with self._lock:
            # WAL with synchronous=NORMAL: a counter update is a cheap append instead
            # of a full sync per question; a power cut may lose the last few counts.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            # deleted rows (/forget, an expired question) are overwritten, not just unlinked
            self._db.execute("PRAGMA secure_delete=ON")
            self._db.executescript(SCHEMA)
        # an in-memory database is counted into at once: nothing else can lock it
        self._counter = None if str(path) == ":memory:" else _CounterWriter(str(path))

    @classmethod
    def in_dir(cls, data_dir: Path) -> Store:
        """The store under BOT_DATA_DIR; StorageError (one line) if it cannot be used."""
        try:
            return cls(data_dir / DATABASE_FILE, load_secret(data_dir))
        except (OSError, sqlite3.Error) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise StorageError(f"the data directory {data_dir} cannot be used: {reason}") from exc

    def _key(self, chat_id: int) -> str:
        return chat_key(self._secret, chat_id)

    def close(self) -> None:
        if self._counter is not None:
            self._counter.close()
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
            if cursor.rowcount > 0:
                # move the overwritten page into the database and empty the write-ahead
                # log, which still holds the chat's hash and language otherwise
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return cursor.rowcount > 0

    def count_question(self, topic_id: str | None, lang: str) -> None:
        """Count a question; returns at once (the write happens in the background)."""
        key = (topic_id or UNANSWERED, lang)
        if self._counter is not None:
            self._counter.add(key)
            return
        with self._lock:
            _write_counts(self._db, Counter({key: 1}))

    def counts(self) -> list[tuple[str | None, str, int]]:
        """(topic or None for unanswered, language, count), most asked first; includes
        counts not written yet."""
        unwritten: Counter[tuple[str, str]] = Counter()
        if self._counter is None:
            rows = self._written_counts()
        else:
            rows, unwritten = self._counter.with_unwritten(self._written_counts)
        total: Counter[tuple[str, str]] = Counter({(topic, lang): n for topic, lang, n in rows})
        total.update(unwritten)
        ordered = sorted(total.items(), key=lambda item: (-item[1], item[0]))
        return [(topic or None, lang, count) for (topic, lang), count in ordered]

    def _written_counts(self) -> list[tuple[str, str, int]]:
        with self._lock:
            return self._db.execute("SELECT topic, lang, count FROM question_count").fetchall()

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


class _CounterWriter:
    """Writes question counts from a thread of its own, off the answer's path.

    Counts gather in memory and are written in one transaction, at most one every
    `BATCH_S` (and at close): the first count after a write wakes the writer, the
    others only add up. Waking it for every question, to write a transaction of one
    count, cost the event loop a sixth of its answers per second under load
    (`benchmarks/throughput.py`: 712 -> 836 updates/s), its thread and the loop
    passing the interpreter back and forth. A crash loses at most the last second's
    counts. When the database is locked or the disk full they stay in memory and are
    tried again later (and once more at close). A batch is committed and dropped from
    memory under `_commit`, so a reader holding it (`with_unwritten`) sees each count
    once: in the table or in memory.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._pending: Counter[tuple[str, str]] = Counter()
        self._writing: Counter[tuple[str, str]] = Counter()
        self._wake = threading.Condition()
        self._commit = threading.Lock()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="counters", daemon=True)
        self._thread.start()

    def add(self, key: tuple[str, str]) -> None:
        with self._wake:
            if not self._pending:  # the writer waits for a first count, not for each
                self._wake.notify()
            self._pending[key] += 1

    def with_unwritten(
        self, read: Callable[[], list[tuple[str, str, int]]]
    ) -> tuple[list[tuple[str, str, int]], Counter[tuple[str, str]]]:
        """`read()` of the written counts and the counts not written yet, taken while no
        batch moves from memory to the table (answering, which only adds, goes on)."""
        with self._commit:
            written = read()
            with self._wake:
                return written, self._pending + self._writing

    def close(self, timeout: float = 3.0) -> None:
        """Write what is pending (one last try) and stop the thread."""
        with self._wake:
            self._closing = True
            self._wake.notify()
        self._thread.join(timeout)

    def _run(self) -> None:
        db = sqlite3.connect(self._path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        failing = False
        try:
            # per connection, as the Store's own: without it every batch was a full sync
            db.execute("PRAGMA synchronous=NORMAL")
            while True:
                with self._wake:
                    while not self._pending and not self._closing:
                        self._wake.wait()
                    closing = self._closing
                    self._writing, self._pending = self._pending, Counter()
                    batch = self._writing
                if batch:
                    with self._commit:
                        failing = not self._flush(db, batch, failing)
                if closing:
                    if failing:
                        log.warning("question counts not written at stop: %d", self._lost())
                    return
                with self._wake:  # a batch a while, not a transaction per question
                    self._wake.wait_for(lambda: self._closing, RETRY_S if failing else BATCH_S)
        finally:
            db.close()

    def _flush(
        self, db: sqlite3.Connection, batch: Counter[tuple[str, str]], failing: bool
    ) -> bool:
        """Write a batch; on failure put it back for later. True if it was written."""
        try:
            _write_counts(db, batch)
        except sqlite3.Error as exc:
            if not failing:
                log.warning("could not write the question counters (%s); keeping them in "
                            "memory and trying again", type(exc).__name__)  # fmt: skip
            with self._wake:
                self._pending.update(self._writing)
                self._writing = Counter()
            return False
        with self._wake:
            self._writing = Counter()
        if failing:
            log.info("question counters written again")
        return True

    def _lost(self) -> int:
        with self._wake:
            return sum(self._pending.values())


def _write_counts(db: sqlite3.Connection, batch: Counter[tuple[str, str]]) -> None:
    db.execute("BEGIN IMMEDIATE")
    try:
        db.executemany(
            "INSERT INTO question_count (topic, lang, count) VALUES (?, ?, ?) "
            "ON CONFLICT(topic, lang) DO UPDATE SET count = count + excluded.count",
            [(topic, lang, n) for (topic, lang), n in batch.items()],
        )
        db.execute("COMMIT")
    except sqlite3.Error:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
