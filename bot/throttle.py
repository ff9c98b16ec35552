"""Per-chat input throttling: a flooding chat gets a few answers, one notice, then silence.

Why: one person (or a script) sending hundreds of questions would otherwise get hundreds
of answers, far over Telegram's "about one message a second per chat", and use the bot's
time that other chats need. Every question that arrives counts, answered or not, so a chat
that keeps sending stays silent until it calms down: fewer than `limit` questions within
the last `window_s` seconds. Nothing is stored: the recent arrival times live in memory,
and a chat is forgotten within a minute of its window passing (`forget_calm`, from the
bot's housekeeping), or at the next sweep of a busy bot, whichever comes first.
"""

from __future__ import annotations

import enum
import time
from collections import deque
from collections.abc import Callable, Hashable

QUESTIONS_PER_WINDOW = 6
WINDOW_S = 10.0
_PRUNE_EVERY = 1024  # arrivals between sweeps of chats whose window has passed


class Admission(enum.Enum):
    ANSWER = "answer"
    NOTICE = "notice"  # the first question over the limit: say once that we pause
    DROP = "drop"


class ChatThrottle:
    """Decides, per chat and in arrival order, whether a question is answered."""

    def __init__(
        self,
        limit: int = QUESTIONS_PER_WINDOW,
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("a throttle needs limit >= 1 and window_s > 0")
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._arrivals: dict[Hashable, deque[float]] = {}
        self._noticed: set[Hashable] = set()
        self._since_prune = 0

    def admit(self, chat: Hashable) -> Admission:
        """Count one question from `chat` and say what to do with it."""
        now = self._clock()
        self._prune()
        recent = self._arrivals.setdefault(chat, deque(maxlen=self.limit))
        busy = len(recent) == self.limit and now - recent[0] < self.window_s
        recent.append(now)  # only the last `limit` arrivals matter
        if not busy:
            self._noticed.discard(chat)
            return Admission.ANSWER
        if chat in self._noticed:
            return Admission.DROP
        self._noticed.add(chat)
        return Admission.NOTICE

    def __len__(self) -> int:
        """Chats remembered right now (bounded by those active within the window)."""
        return len(self._arrivals)

    def forget_calm(self) -> int:
        """Forget every chat that sent nothing for `window_s` seconds; how many were."""
        now = self._clock()
        calm = [c for c, times in self._arrivals.items() if now - times[-1] >= self.window_s]
        for chat in calm:
            del self._arrivals[chat]
            self._noticed.discard(chat)
        return len(calm)

    def _prune(self) -> None:
        """Every `_PRUNE_EVERY` arrivals, `forget_calm`: memory stays bounded however
        many chats write between two housekeeping rounds."""
        self._since_prune += 1
        if self._since_prune >= _PRUNE_EVERY:
            self._since_prune = 0
            self.forget_calm()
