"""Telegram's sending limits, per chat, without one chat pausing the others.

Why not python-telegram-bot's `AIORateLimiter`: when Telegram answers 429 for one
chat it pauses *every* request of the bot for `retry_after`, so one flooding chat
delays everybody; and a request waiting for its chat's limit keeps its processing
slot. Here:

* a request to a chat first reserves a start time in that chat's limit (about 1 a
  second in a private chat with a short burst, 20 a minute in a group); reservations
  are taken in call order, so nobody polls and a chat's messages keep their order;
* then it takes its turn in Telegram's overall limit (30 a second): when requests
  have to wait for it, they go one chat after another (`FairTurns`), so sixteen busy
  groups delay a private answer by a few turns, not by their whole backlog;
* while it waits, the request gives its processing slot back
  (`bot.telegram.updates.slot_released`); while it waits for its chat's own limit
  (or a 429), polling does not count its chat's updates against its fetch-ahead;
* a 429 delays that chat only (its next reservation starts after `retry_after`) and
  the request is tried again, at most `max_retries` times; a 429 for a request
  without a chat delays that request only. A wait longer than `MAX_WAIT_S` is not
  waited for: the request fails at once, so no update is held for minutes.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.telegram.updates import slot_released

log = logging.getLogger(__name__)
OVERALL_PER_S, OVERALL_BURST = 30.0, 30
PRIVATE_PER_S, PRIVATE_BURST = 1.0, 3
GROUP_PER_S, GROUP_BURST = 20 / 60, 20
# longer waits are not worth holding an update (and its place in polling's fetch-ahead) for
MAX_WAIT_S = 60.0
_FORGET_AFTER = 1024  # new chats between sweeps of idle ones


class Pace:
    """A rate with a burst, as reservations (the generic cell rate algorithm)."""

    def __init__(self, per_s: float, burst: int) -> None:
        self.interval = 1.0 / per_s
        self.tolerance = (burst - 1) * self.interval
        self.next_at = 0.0  # theoretical arrival time of the next request

    def earliest(self, at: float) -> float:
        start = self.next_at - self.tolerance
        # within a microsecond is now: next_at is a sum of intervals, whose rounding could
        # put a burst's last request a hair after `at` and cut the burst by one; the hair
        # grows with the clock (a nanosecond was too little once it read over ~1e6 s, after
        # 12 days up), a microsecond covers years and is far below any interval
        return start if start > at + 1e-6 else at

    def book(self, start: float) -> None:
        self.next_at = max(self.next_at, start) + self.interval

    def idle(self, now: float) -> bool:
        return self.next_at <= now


class FairTurns:
    """The overall limit, shared out chat by chat: requests that have to wait for it are
    let through at its pace, one from each waiting chat in turn, so that a chat with
    one message does not wait behind another chat's dozens (and the wait takes no
    processing slot)."""

    def __init__(self, pace: Pace, clock: Callable[[], float]) -> None:
        self.pace = pace
        self._clock = clock
        self._waiting: OrderedDict[int | str | None, deque[asyncio.Future[None]]] = OrderedDict()
        self._dispatcher: asyncio.Task[None] | None = None

    async def turn(self, chat: int | str | None) -> None:
        now = self._clock()
        if not self._waiting and self.pace.earliest(now) <= now:
            self.pace.book(now)
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(chat, deque()).append(turn)
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="overall-limit")
        async with slot_released():
            await turn

    async def _dispatch(self) -> None:
        while self._waiting:
            now = self._clock()
            start = self.pace.earliest(now)
            if start > now:
                await asyncio.sleep(start - now)
                continue
            chat, queue = next(iter(self._waiting.items()))
            turn = queue.popleft()
            if queue:
                self._waiting.move_to_end(chat)  # the other chats first
            else:
                del self._waiting[chat]
            if not turn.done():  # its request was cancelled meanwhile: no booking
                turn.set_result(None)
                self.pace.book(now)


class ChatRateLimiter(BaseRateLimiter[None]):
    def __init__(self, max_retries: int = 3, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_retries = max_retries
        self._clock = clock
        self._overall = FairTurns(Pace(OVERALL_PER_S, OVERALL_BURST), clock)
        self._chats: dict[int | str, Pace] = {}
        self._booked = 0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat = data.get("chat_id")
        chat = chat if isinstance(chat, int | str) else None
        attempt = 0
        while True:
            # the chat's turn first, then the overall one: booking the overall limit for
            # a time far ahead (a chat paused by a 429) would hold everybody up
            delay = self.reserve_chat(chat)
            if delay > MAX_WAIT_S:  # paused for long by Telegram: give up, free the update
                raise RetryAfter(dtm.timedelta(seconds=round(delay)))
            if delay > 0:
                async with slot_released(parked=True):
                    await asyncio.sleep(delay)
            await self._overall.turn(chat)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                attempt += 1
                pause = _seconds(exc.retry_after)
                if attempt > self.max_retries or pause > MAX_WAIT_S:
                    raise
                log.warning("Telegram asked to slow down for %.0f s (%s)", pause, endpoint)
                if chat is None:
                    async with slot_released(parked=True):
                        await asyncio.sleep(pause)
                else:
                    self.pause(chat, pause)

    def reserve_chat(self, chat: int | str | None) -> float:
        """Book the earliest start `chat`'s limit allows; seconds to wait."""
        if chat is None:
            return 0.0
        now = self._clock()
        pace = self._pace(chat, now)
        start = pace.earliest(now)
        pace.book(start)
        return start - now

    def pause(self, chat: int | str, seconds: float) -> None:
        """Telegram said 429 for `chat`: nothing more goes there for `seconds`."""
        pace = self._pace(chat, self._clock())
        pace.next_at = max(pace.next_at, self._clock() + seconds + pace.tolerance)

    def _pace(self, chat: int | str, now: float) -> Pace:
        pace = self._chats.get(chat)
        if pace is None:
            self._sweep()
            group = isinstance(chat, str) or chat < 0
            pace = Pace(GROUP_PER_S, GROUP_BURST) if group else Pace(PRIVATE_PER_S, PRIVATE_BURST)
            self._chats[chat] = pace
        return pace

    def forget_idle(self) -> int:
        """Forget every chat whose limit is back to a full burst (as a new chat's would
        be, so nothing changes for it); how many were. The bot's housekeeping calls this
        every minute."""
        now = self._clock()
        idle = [chat for chat, pace in self._chats.items() if pace.idle(now)]
        for chat in idle:
            del self._chats[chat]
        return len(idle)

    def _sweep(self) -> None:
        """Every `_FORGET_AFTER` new chats, `forget_idle`: memory stays bounded however
        many chats are answered between two housekeeping rounds."""
        self._booked += 1
        if self._booked >= _FORGET_AFTER:
            self._booked = 0
            self.forget_idle()


def _seconds(value: int | float | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)
