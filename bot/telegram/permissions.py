"""Who may change a group's settings: its administrators, asked with getChatMember.

The answer is cached briefly (in memory only), so that a /language and the press
on its menu cost one request, not two, and a busy group does not flood the API.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable

from telegram import Bot, Chat, ChatMember, Message
from telegram.error import TelegramError

from bot.expiry import drop_expired

log = logging.getLogger(__name__)
ADMIN_STATUSES = frozenset({ChatMember.OWNER, ChatMember.ADMINISTRATOR})
CACHE_SECONDS = 60.0
CACHE_SIZE = 1000


class AdminCache:
    """`is_admin(bot, chat_id, user_id)`, remembered for `ttl` seconds."""

    def __init__(
        self, ttl: float = CACHE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._known: OrderedDict[tuple[int, int], tuple[float, bool]] = OrderedDict()

    async def is_admin(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        key = (chat_id, user_id)
        now = self._clock()
        cached = self._known.get(key)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:  # fail closed: no answer, no setting changed
            log.warning("could not check a group administrator: %s", type(exc).__name__)
            return False
        allowed = member.status in ADMIN_STATUSES
        self._known[key] = (now, allowed)
        self._known.move_to_end(key)
        while len(self._known) > CACHE_SIZE:
            self._known.popitem(last=False)
        return allowed

    def prune(self) -> None:
        """Forget the answers older than `ttl` (housekeeping calls this every minute), so
        that a group member's id is not kept past its minute when nobody asks again. The
        oldest answers come first: each is moved to the end when it is stored."""
        drop_expired(self._known, self._clock(), self._ttl)

    def __len__(self) -> int:
        """Answers remembered right now."""
        return len(self._known)


async def may_change_group(
    cache: AdminCache, bot: Bot, chat: Chat, user_id: int | None, message: Message | None
) -> bool:
    """True in private chats; in groups only for the group's administrators (an anonymous
    administrator writes as the group itself)."""
    if chat.type == Chat.PRIVATE:
        return True
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id
    if user_id is None:
        return False
    return await cache.is_admin(bot, chat.id, user_id)
