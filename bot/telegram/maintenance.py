"""Housekeeping while the bot runs: held questions forgotten after their time, stored
ones deleted after the retention period (at start, then daily)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram.ext import Application

from bot.feedback import expired_before, today
from bot.telegram.services import KEY, Services

log = logging.getLogger(__name__)
PRUNE_EVERY = 60.0  # seconds; a held question outlives its 15 minutes by at most this
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


async def _housekeeping(svc: Services) -> None:
    since_retention = 0.0
    delete_expired_questions(svc)
    while True:
        await asyncio.sleep(PRUNE_EVERY)
        svc.inbox.pending.prune()
        since_retention += PRUNE_EVERY
        if since_retention >= RETENTION_EVERY:
            since_retention = 0.0
            delete_expired_questions(svc)


async def start(application: Application) -> None:
    """Run from post_init: retention now, then the periodic work in the background."""
    svc: Services = application.bot_data[KEY]
    application.bot_data[TASK] = asyncio.create_task(_housekeeping(svc), name=TASK)


async def stop(application: Application) -> None:
    """Run from post_shutdown."""
    task = application.bot_data.pop(TASK, None)
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
