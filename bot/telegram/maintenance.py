"""Housekeeping while the bot runs: held questions, group administrator checks and the
chat ids the flood throttle and the sending limits keep forgotten after their time,
stored questions deleted after the retention period (at start, then daily)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.feedback import expired_before, today
from bot.telegram.flood import FloodGate
from bot.telegram.ratelimit import ChatRateLimiter
from bot.telegram.services import KEY, BotApplication, Services

log = logging.getLogger(__name__)
PRUNE_EVERY = 60.0  # seconds; a held question or a chat id outlives its time by at most this
RETENTION_EVERY = 24 * 60 * 60.0
TASK = "maintenance-task"


def delete_expired_questions(svc: Services) -> int:
    """Delete stored questions past the retention period; log how many (only a number)."""
    cutoff = expired_before(svc.inbox.retention_days, today())
    deleted = svc.store.delete_questions_before(cutoff)
    log.info(
        "retention: deleted %d stored question(s) older than %d days",
        deleted, svc.inbox.retention_days,
    )  # fmt: skip
    return deleted


async def housekeeping(
    svc: Services,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    prune_every: float = PRUNE_EVERY,
    retention_every: float = RETENTION_EVERY,
    forget: Sequence[Callable[[], object]] = (),
) -> None:
    """Retention now and every `retention_every` seconds; held questions and administrator
    checks pruned, and each of `forget` called (`chat_memories`), every `prune_every`
    seconds. Runs until cancelled (`sleep` is injectable for the tests)."""
    since_retention = 0.0
    delete_expired_questions(svc)
    memories = (svc.inbox.pending.prune, svc.admins.prune, *forget)
    while True:
        await sleep(prune_every)
        for forget_old in memories:
            forget_old()
        since_retention += prune_every
        if since_retention >= retention_every:
            since_retention = 0.0
            delete_expired_questions(svc)


async def start(application: BotApplication) -> None:
    """Run from post_init: retention now, then the periodic work in the background."""
    svc: Services = application.bot_data[KEY]
    work = housekeeping(svc, forget=chat_memories(application))
    application.bot_data[TASK] = asyncio.create_task(work, name=TASK)


def chat_memories(application: BotApplication) -> list[Callable[[], object]]:
    """What forgets the chats that went quiet in the application's flood throttle
    (`bot.throttle`) and its sending limits (`bot.telegram.ratelimit`), where it has them
    (`build_application(rate_limiter=False)` has neither). Each keeps a chat's id only
    while it matters: seconds after its last question or reply."""
    memories: list[Callable[[], object]] = []
    gate = getattr(application.update_processor, "gate", None)
    if isinstance(gate, FloodGate):
        memories.append(gate.throttle.forget_calm)
    limiter = application.bot.rate_limiter
    if isinstance(limiter, ChatRateLimiter):
        memories.append(limiter.forget_idle)
    return memories


async def stop(application: BotApplication) -> None:
    """Run from post_shutdown."""
    task = application.bot_data.pop(TASK, None)
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
