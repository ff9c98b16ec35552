"""Questions people choose to send to the team, and their feedback on answers.

The privacy promise, in code:

- A question the bot could not answer (or answered wrongly) is held *in memory
  only*, under a random key, for at most `HOLD_SECONDS` (15 minutes). The button
  offering to send it carries that key in its callback data, never the text.
- Only when the asker presses the button is anything written: the text, its
  language, the topics the matcher considered, the reason and the day (no time).
  Never a user id, chat id, username or message id: `PendingQuestion` has no
  field for any of them, so there is nothing that could be written by mistake.
- Stored questions are deleted after the retention period (`expired_before`).
- "Helpful? yes / no" only increments anonymous counters per topic and language.

Callback data (Telegram allows 64 bytes; see `MAX_CALLBACK_BYTES`):
`q:<key>` send a declined question, `w:<key>` "not what I asked",
`h:<lang>:<topic>:y|n` helpful or not.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from threading import Lock

from bot.expiry import drop_expired

RETENTION_DAYS = 90  # default for BOT_QUESTION_RETENTION_DAYS
HOLD_SECONDS = 15 * 60  # the longest a question may wait in memory for the asker's choice
MAX_HELD = 20_000  # ~30 questions/s for 15 minutes with room to spare; oldest go first
MAX_CALLBACK_BYTES = 64
KEY_BYTES = 12  # 16 URL-safe characters: unguessable, and short in callback data

SEND, WRONG, HELPFUL = "q", "w", "h"
DECLINED, SUGGESTED, WRONG_ANSWER = "declined", "suggested", "wrong"
YES, NO = "y", "n"


@dataclass(frozen=True)
class PendingQuestion:
    """What may be sent to the team if the asker chooses to; nothing about the asker."""

    text: str
    lang: str
    considered: tuple[str, ...]  # topic ids the matcher weighed, best first
    reason: str  # DECLINED, SUGGESTED or WRONG_ANSWER
    answered: str | None = None  # the topic answered, for "not what I asked"


@dataclass(frozen=True)
class TeamQuestion:
    """A stored question, as the team sees it."""

    text: str
    lang: str
    considered: tuple[str, ...]
    reason: str
    day: str  # ISO date, UTC


class PendingQuestions:
    """Questions waiting for the asker's choice, in memory, each for at most `hold` seconds.

    `clock` is injectable so tests can expire a question without waiting.
    """

    def __init__(
        self,
        hold: float = HOLD_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        capacity: int = MAX_HELD,
    ) -> None:
        self.hold = min(hold, HOLD_SECONDS)
        self._clock = clock
        self._capacity = capacity
        self._held: OrderedDict[str, tuple[float, PendingQuestion]] = OrderedDict()
        self._lock = Lock()

    def __len__(self) -> int:
        return len(self._held)

    def hold_question(self, question: PendingQuestion) -> str:
        """Keep `question` for a while; returns the key the button carries."""
        key = secrets.token_urlsafe(KEY_BYTES)
        with self._lock:
            self._prune_locked()
            while len(self._held) >= self._capacity:
                self._held.popitem(last=False)
            self._held[key] = (self._clock(), question)
        return key

    def take(self, key: str) -> PendingQuestion | None:
        """The question for `key`, removed from memory; None if expired, taken or unknown."""
        with self._lock:
            self._prune_locked()
            found = self._held.pop(key, None)
        return found[1] if found else None

    def prune(self) -> None:
        """Forget every question held longer than allowed (also run every minute)."""
        with self._lock:
            self._prune_locked()

    def _prune_locked(self) -> None:
        drop_expired(self._held, self._clock(), self.hold)


def send_action(key: str) -> str:
    return f"{SEND}:{key}"


def wrong_action(key: str) -> str:
    return f"{WRONG}:{key}"


def helpful_action(lang: str, topic_id: str, helpful: bool) -> str:
    return f"{HELPFUL}:{lang}:{topic_id}:{YES if helpful else NO}"


def parse_helpful(rest: str) -> tuple[str, str, bool] | None:
    """`<lang>:<topic>:y|n` (after `h:`) -> (lang, topic, helpful), or None if malformed."""
    lang, _, tail = rest.partition(":")
    topic_id, _, verdict = tail.rpartition(":")
    if not lang or not topic_id or verdict not in (YES, NO):
        return None
    return lang, topic_id, verdict == YES


def today() -> date:
    """The day a question is stored under (UTC, no time of day)."""
    return datetime.now(UTC).date()


def expired_before(retention_days: int, now: date) -> date:
    """Questions stored on a day before this one are past their retention period."""
    return now - timedelta(days=retention_days)


@dataclass
class TeamInbox:
    """Where the bot holds questions for the asker's choice, and how long stored ones last."""

    pending: PendingQuestions
    retention_days: int = RETENTION_DAYS


def is_feedback_action(action: str) -> bool:
    """Buttons that belong to the feedback row (removed once one of them is pressed)."""
    return action[:2] in (f"{SEND}:", f"{WRONG}:", f"{HELPFUL}:")


@dataclass
class TopicStats:
    """Everything counted about one topic (None: questions without an answer)."""

    topic: str | None
    answered: int = 0  # questions (for None: declined ones)
    helpful: int = 0
    not_helpful: int = 0
    sent: int = 0  # questions sent to the team


def topic_stats(
    questions: list[tuple[str | None, str, int]],
    feedback: list[tuple[str | None, str, str, int]],
) -> list[TopicStats]:
    """Per topic, over all languages, from `Store.counts()` and `Store.feedback_counts()`;
    most asked first, the declined questions (topic None) last."""
    by_topic: dict[str | None, TopicStats] = {}
    for topic, _lang, count in questions:
        by_topic.setdefault(topic, TopicStats(topic)).answered += count
    for topic, _lang, kind, count in feedback:
        stats = by_topic.setdefault(topic, TopicStats(topic))
        if kind in ("helpful", "not_helpful", "sent"):
            setattr(stats, kind, getattr(stats, kind) + count)
    return sorted(by_topic.values(), key=lambda s: (s.topic is None, -s.answered, s.topic or ""))
