"""Several chats served at once, each chat's updates one after another, in order.

Telegram answers each call after a round trip of tens of milliseconds; a bot that
handles one update at a time spends that time waiting, so one busy group slows
every other chat down. python-telegram-bot's own `concurrent_updates` lets updates
overtake each other, and two quick questions in one chat could then be answered
in the wrong order.

Here the first update of a chat is processed in its slot; updates of the same chat
that arrive meanwhile wait in that chat's queue (taking no slot) and are processed
by the same task, in arrival order. Updates without a chat or user run at once.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)
CONCURRENT_CHATS = 16


def chat_key(update: object) -> int | None:
    """The chat an update belongs to; for inline queries (no chat), the user."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = CONCURRENT_CHATS):
        super().__init__(max_concurrent_updates)
        self._waiting: dict[int, deque[Awaitable[Any]]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            await coroutine
            return
        queue = self._waiting.get(key)
        if queue is not None:  # this chat is being served: wait behind it
            queue.append(coroutine)
            return
        queue = self._waiting[key] = deque([coroutine])
        try:
            while queue:
                try:
                    await queue[0]
                except Exception:  # keep serving the chat; PTB's error handlers ran already
                    log.exception("an update could not be processed")
                queue.popleft()
        finally:
            del self._waiting[key]
            for left in queue:  # cancelled while others waited: do not leak coroutines
                if isinstance(left, Coroutine):
                    left.close()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free: queued updates are processed by their chat's running task."""
