"""Several chats served at once, each chat's updates one after another, in order.

Telegram answers each call after a round trip of tens of milliseconds; a bot that
handles one update at a time spends that time waiting, so one busy group slows
every other chat down. python-telegram-bot's own `concurrent_updates` lets updates
overtake each other, and two quick questions in one chat could then be answered
in the wrong order.

Here the first update of a chat is processed in one of `CONCURRENT_CHATS` slots;
updates of the same chat that arrive meanwhile wait in that chat's queue (taking no
slot) and are processed by the same task, in arrival order. A chat whose reply has
to wait for Telegram's rate limits gives its slot back while it waits
(`slot_released`, used by bot/telegram/ratelimit.py), so sixteen slow groups cannot
hold up everybody else. Updates without a chat or user run at once.

When the wait is the chat's own (its limit, a 429 for it), its updates (the one
waiting and those queued behind it) are `parked`: they wait on Telegram, not on the
bot, and polling does not count them against its fetch-ahead (bot/telegram/polling.py),
so chats waiting out long 429s cannot keep other chats' updates from being fetched.
`on_parked` is told when more are parked.

On arrival each update passes the `gate` (bot/telegram/flood.py): a flooding chat's
extra questions are dropped before they queue, so they neither wait nor hold
memory. `on_finished` is told about every update that is done (processed or
dropped), which is how polling knows what it may confirm to Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextvars import ContextVar
from typing import Any, Protocol

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.throttle import Admission

log = logging.getLogger(__name__)
CONCURRENT_CHATS = 16
# PTB's own semaphore only guards the hand-over into a chat's queue; the real limit is
# our slots (bounded again by polling's fetch-ahead and the webhook's connections).
_HAND_OVER = 100_000


class Gate(Protocol):
    def admit(self, update: object) -> Admission: ...

    def notice(self, update: object) -> Awaitable[Any]: ...


class Slot:
    """One processing slot, held by the task processing an update; `waiting` is told
    when the task gives it back to wait out its chat's own limit (True) and when that
    wait is over (False)."""

    def __init__(
        self, semaphore: asyncio.Semaphore, waiting: Callable[[bool], None] | None = None
    ) -> None:
        self._semaphore = semaphore
        self.held = False
        self.waiting = waiting

    async def take(self) -> None:
        await self._semaphore.acquire()
        self.held = True

    def give(self) -> None:
        if self.held:
            self.held = False
            self._semaphore.release()


_SLOT: ContextVar[Slot | None] = ContextVar("processing_slot", default=None)


@contextlib.asynccontextmanager
async def slot_released(*, parked: bool = False) -> AsyncIterator[None]:
    """Give the current task's processing slot back while waiting (for a rate limit).

    `parked`: the wait is this chat's alone (its own limit, a 429 for it), so its updates
    wait on Telegram, not on the bot, while it lasts (`ChatOrderedUpdateProcessor.parked`).
    A wait for the overall limit is not: everybody waits for it, so fetching more
    updates meanwhile would only pile them up in the bot."""
    slot = _SLOT.get()
    if slot is None or not slot.held:
        yield
        return
    slot.give()
    waiting = slot.waiting if parked else None
    if waiting is not None:
        waiting(True)
    try:
        yield
    finally:
        if waiting is not None:
            waiting(False)
        await slot.take()


def chat_key(update: object) -> int | None:
    """The chat an update belongs to; for inline queries (no chat), the user."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


Work = tuple[object, Awaitable[Any]]


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = CONCURRENT_CHATS, gate: Gate | None = None):
        super().__init__(_HAND_OVER)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self.slots = max_concurrent_updates
        self.gate = gate
        self.on_finished: Callable[[object], None] | None = None
        self.on_parked: Callable[[], None] | None = None
        self._waiting: dict[int, deque[Work]] = {}
        self._parked_chats: set[int] = set()  # chats waiting on Telegram (see `parked`)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self._closed:  # stopping: leave it unfinished (and so unconfirmed)
            if isinstance(coroutine, Coroutine):
                coroutine.close()
            return
        work = self._admitted(update, coroutine)
        if work is None:  # dropped: nothing to do, so nothing to wait for
            self._finished(update)
            return
        key = chat_key(update)
        queue = self._waiting.get(key) if key is not None else None
        if queue is not None:  # this chat is being served: wait behind it
            queue.append((update, work))
            if key in self._parked_chats and self.on_parked is not None:
                self.on_parked()
            return
        queue = deque([(update, work)])
        if key is not None:
            self._waiting[key] = queue
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await self._serve(queue, key)
        finally:
            if key is not None:
                del self._waiting[key]
                self._parked_chats.discard(key)
            if task is not None:
                self._tasks.discard(task)
            for _update, left in queue:  # cancelled: do not leak coroutines
                if isinstance(left, Coroutine):
                    left.close()

    def _admitted(self, update: object, coroutine: Awaitable[Any]) -> Awaitable[Any] | None:
        """The work to do for `update`: itself, the flood notice, or None (dropped)."""
        admission = self.gate.admit(update) if self.gate is not None else Admission.ANSWER
        if admission is Admission.ANSWER:
            return coroutine
        if isinstance(coroutine, Coroutine):
            coroutine.close()
        if admission is Admission.NOTICE and self.gate is not None:
            return self.gate.notice(update)
        return None

    def parked(self) -> int:
        """How many updates wait on Telegram rather than on the bot: those of chats whose
        task gave its slot back to wait out a rate limit or a 429, queued ones included."""
        return sum(len(self._waiting[key]) for key in self._parked_chats)

    def _park(self, key: int | None) -> Callable[[bool], None] | None:
        """What a chat's slot tells when the chat starts and stops waiting on Telegram."""
        if key is None:
            return None

        def waiting(parked: bool) -> None:
            if not parked:
                self._parked_chats.discard(key)
                return
            self._parked_chats.add(key)
            if self.on_parked is not None:
                self.on_parked()

        return waiting

    async def _serve(self, queue: deque[Work], key: int | None) -> None:
        waiting = self._park(key)
        while queue:
            update, work = queue[0]
            slot = Slot(self._slots, waiting)
            await slot.take()
            token = _SLOT.set(slot)
            try:
                await work
            except Exception:  # keep serving the chat; PTB's error handlers ran already
                log.exception("an update could not be processed")
            finally:
                _SLOT.reset(token)
                slot.give()
            queue.popleft()
            self._finished(update)

    def _finished(self, update: object) -> None:
        if self.on_finished is not None:
            self.on_finished(update)

    def close(self) -> None:
        """Stopping: updates that arrive from now on are not processed."""
        self._closed = True

    async def wind_down(self, grace_s: float) -> int:
        """Stop taking updates, give those in progress `grace_s` seconds, cancel the
        rest; returns how many chats were interrupted."""
        self.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace_s
        while self._tasks and loop.time() < deadline:
            await asyncio.sleep(0.05)
        return self.cancel_all()

    def cancel_all(self) -> int:
        """Stop every update still being processed or queued (shutdown's deadline passed);
        returns how many chats were interrupted. They stay unconfirmed."""
        for task in self._tasks:
            task.cancel()
        return len(self._tasks)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free: queued updates are processed by their chat's running task."""
