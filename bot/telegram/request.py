"""The HTTP client the bot talks to the Bot API with: aiohttp, plus retries.

Why not python-telegram-bot's default (httpx): a sendMessage with an answer costs
the bot's process about 0.5 ms of CPU with aiohttp against 1.1 ms with httpx,
python-telegram-bot's own encoding and decoding included (`python
benchmarks/clients.py`, on the local stand-in), and that call is most of what the
bot does per question.

What is sent again (a few times, with a short pause): a request whose connection
could not even be made (nothing was sent), and, for requests that do the same
thing when repeated (reading, setting the menu, answering a button), a 5xx answer
or a connection closed before the answer. A message (`send*`, `copy*`,
`forward*`) is not sent again after a 5xx or a dropped connection: Telegram may
well have delivered it before failing, and a duplicate is worse than the error
(the user gets the apology instead). A timeout is never retried, for the same
reason. 429s are the rate limiter's job.

Timeouts follow python-telegram-bot's meaning: `pool_timeout` waits for a free
connection, `connect_timeout` for the TCP/TLS connection, `read_timeout` for each
read of the answer. aiohttp has no write timeout; `write_timeout` is accepted and
not used.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

import aiohttp
from aiohttp.payload import BytesPayload
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)
ATTEMPTS = 3
PAUSE_S = 0.5
# python-telegram-bot's HTTPXRequest defaults
READ_S, CONNECT_S, POOL_S = 5.0, 5.0, 1.0
# the request was never sent: the connection could not be made
NEVER_SENT = (aiohttp.ClientConnectorError,)
# the request may have been carried out, but no answer came back
NO_ANSWER = (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)
# methods that deliver something each time they are called
_DELIVERING = ("send", "copy", "forward")
# Bot API URLs carry the token in their path; aiohttp puts URLs in some messages
_URL_PATH = re.compile(r"\b([a-z][a-z0-9+.-]*://[^/\s'\"]+)/[^\s'\"]*", re.IGNORECASE)


class NotCarriedOut(NetworkError):
    """The connection could not be made: safe to send again."""


class NoAnswer(NetworkError):
    """The connection closed before the answer: safe to repeat only if repeating is harmless."""


class AiohttpRequest(BaseRequest):
    """A BaseRequest on one aiohttp session, created in `initialize` (inside the loop)."""

    def __init__(
        self,
        connection_pool_size: int = 1,
        *,
        read_timeout: float | None = READ_S,
        connect_timeout: float | None = CONNECT_S,
        pool_timeout: float | None = POOL_S,
        attempts: int = ATTEMPTS,
    ):
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._attempts = attempts
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        timeout = self._timeout(read_timeout, connect_timeout, pool_timeout)
        repeatable = not url.rsplit("/", 1)[-1].startswith(_DELIVERING)
        for attempt in range(1, self._attempts + 1):
            try:
                code, payload = await self._once(url, method, request_data, timeout)
            except (NotCarriedOut, NoAnswer) as exc:
                if attempt == self._attempts or not (repeatable or isinstance(exc, NotCarriedOut)):
                    raise
                log.warning("connection to the Bot API failed (%s); retrying", exc.message)
            else:
                if code < 500 or attempt == self._attempts or not repeatable:
                    return code, payload
                log.warning("the Bot API answered %d; retrying", code)
            await asyncio.sleep(PAUSE_S * attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _timeout(self, read: Any, connect: Any, pool: Any) -> aiohttp.ClientTimeout:
        read = self._read_timeout if isinstance(read, DefaultValue) else read
        connect = self._connect_timeout if isinstance(connect, DefaultValue) else connect
        pool = self._pool_timeout if isinstance(pool, DefaultValue) else pool
        # aiohttp's `connect` covers waiting for the pool *and* connecting
        both = None if pool is None or connect is None else pool + connect
        return aiohttp.ClientTimeout(total=None, connect=both, sock_connect=connect, sock_read=read)

    async def _once(
        self,
        url: str,
        method: str,
        request_data: RequestData | None,
        timeout: aiohttp.ClientTimeout,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        # `from None`: aiohttp's own exception may quote the URL, and with it the token
        except TimeoutError as exc:  # also aiohttp's ServerTimeoutError
            raise TimedOut(_describe(exc)) from None
        except NEVER_SENT as exc:
            raise NotCarriedOut(_describe(exc)) from None
        except NO_ANSWER as exc:
            raise NoAnswer(_describe(exc)) from None
        except aiohttp.ClientError as exc:
            raise NetworkError(_describe(exc)) from None


def _describe(exc: BaseException) -> str:
    """The error's class and message, with URL paths (and so the token) left out."""
    return f"aiohttp.{type(exc).__name__}: " + _URL_PATH.sub(r"\1/...", str(exc))


def _body(request_data: RequestData | None) -> aiohttp.FormData | BytesPayload | None:
    """Parameters as one JSON object (the Bot API reads `application/json`), multipart
    with files, like python-telegram-bot's own client.

    Why not a form, as python-telegram-bot's httpx client sends: percent-encoding an
    answer of a thousand characters and its keyboard cost urllib ~0.13 ms a message,
    more than a tenth of the bot's work per question; `json.dumps` takes ~0.01 ms."""
    if request_data is None:
        return None
    if not request_data.multipart_data:
        parameters = request_data.parameters
        if not parameters:
            return None
        body = json.dumps(parameters, ensure_ascii=False).encode("utf-8")
        return BytesPayload(body, content_type="application/json")
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
