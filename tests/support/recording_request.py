"""A python-telegram-bot request backend that answers from a FakeBotApi, without any network.

    api = FakeBotApi()
    app = recording_application_builder(api).build()
    async with app:
        await app.process_update(make_update(api, text_message("/start"), app.bot))
    assert api.sent_texts()

Answers, validation, recording and injected faults are exactly those of the HTTP stand-in
(both use FakeBotApi). Parameters are taken from `RequestData.json_parameters` — the very
strings HTTPXRequest would put on the wire — and decoded the same way the stand-in decodes
them, so in-process tests see what Telegram would see.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import urlsplit

from telegram import Update
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest, RequestData

from .botapi import DEFAULT_TOKEN, FakeBotApi, UploadedFile, decode_params

__all__ = ["RecordingRequest", "make_update", "recording_application_builder"]

_PATH = re.compile(r"/bot([^/]*)/([^/]+)/?$")


def _params(request_data: RequestData | None) -> dict[str, Any]:
    if request_data is None:
        return {}
    params = decode_params(request_data.json_parameters)
    files: dict[str, UploadedFile] = {}
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        data = content if isinstance(content, bytes) else content.read()
        files[name] = UploadedFile(filename or name, data, mimetype or "application/octet-stream")
        params.setdefault(name, files[name])
    if files:
        params["_files"] = files
    return params


class RecordingRequest(BaseRequest):
    """BaseRequest answering from `api` (a FakeBotApi, or a BotApiStandIn to share its state)."""

    def __init__(
        self,
        api: FakeBotApi | None = None,
        *,
        token: str = DEFAULT_TOKEN,
        read_timeout: float | None = 5.0,
        **api_options: Any,
    ):
        self.api = api if api is not None else FakeBotApi(token=token, **api_options)
        self._read_timeout = read_timeout
        self.initialized = False

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        self.initialized = True

    async def shutdown(self) -> None:
        self.initialized = False

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
        match = _PATH.search(urlsplit(url).path)
        if not match:
            return 404, b'{"ok": false, "error_code": 404, "description": "Not Found"}'
        token, api_method = match.groups()
        params = _params(request_data)
        timeout = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        try:
            response = await asyncio.wait_for(self.api.aserve(token, api_method, params), timeout)
        except TimeoutError as exc:  # like httpx.ReadTimeout -> TimedOut in HTTPXRequest
            raise TimedOut from exc
        if response.drop:
            raise NetworkError("httpx.HTTPError: Server disconnected without sending a response.")
        return response.status, response.body()


def make_update(api: FakeBotApi, update: dict[str, Any], bot: Any) -> Update:
    """Register a factory-made update with `api` (ids, messages, queries) and de-json it for `bot`."""
    api.register(update)
    parsed = Update.de_json(update, bot)
    assert parsed is not None
    return parsed


def recording_application_builder(api: FakeBotApi) -> ApplicationBuilder:  # type: ignore[type-arg]
    """Application.builder() wired to `api` for both the normal and the getUpdates requests."""
    return (
        Application.builder()
        .token(api.token)
        .request(RecordingRequest(api))
        .get_updates_request(RecordingRequest(api))
    )
