"""A stop must reach the update fetcher however the timing falls (SIGTERM tests hung)."""

from __future__ import annotations

import asyncio

import pytest

from bot.telegram.polling import UpdateFetcher


async def test_a_cancel_arriving_with_progress_is_not_lost() -> None:
    """On Python 3.11 `asyncio.wait_for` returned normally when it was cancelled in the
    same loop turn as the awaited event was set: the fetcher then kept polling after
    SIGTERM until the process was killed."""
    fetcher = UpdateFetcher.__new__(UpdateFetcher)  # only the progress event is needed
    fetcher._progress = asyncio.Event()
    waiting = asyncio.create_task(fetcher._wait_for_progress(5.0))
    for _ in range(3):
        await asyncio.sleep(0)  # the task is now waiting for progress
    fetcher._progress.set()
    waiting.cancel()  # the same turn: the stop and the progress arrive together
    with pytest.raises(asyncio.CancelledError):
        await waiting
