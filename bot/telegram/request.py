"""The HTTP client the bot talks to Telegram with: python-telegram-bot's, plus retries.

A 5xx answer or a connection that failed before any answer came back means the
request was not carried out, so it is sent again (a few times, with a short
pause). A timeout is never retried: the message may have been delivered, and
sending it twice is worse than a late error. 429s are the rate limiter's job.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)
ATTEMPTS = 3
PAUSE_S = 0.5


class RetryingRequest(HTTPXRequest):
    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                code, payload = await super().do_request(*args, **kwargs)
            except TimedOut:
                raise
            except NetworkError as exc:
                never_answered = isinstance(
                    exc.__cause__, (httpx.RemoteProtocolError, httpx.ConnectError)
                )
                if attempt == ATTEMPTS or not never_answered:
                    raise
                log.warning(
                    "connection to the Bot API failed (%s); retrying", type(exc.__cause__).__name__
                )
            else:
                if code < 500 or attempt == ATTEMPTS:
                    return code, payload
                log.warning("the Bot API answered %d; retrying", code)
            await asyncio.sleep(PAUSE_S * attempt)
        raise AssertionError("unreachable")  # pragma: no cover
