"""The bot's Bot API client (aiohttp) against a small local server that misbehaves on purpose.

What the client must do: send parameters the way Telegram reads them (a JSON object, multipart
with files), retry what could not have been carried out (a refused connection) and, for calls that
are harmless to repeat, 5xx answers and dropped connections; never resend a message
after those, never retry a timeout, and raise python-telegram-bot's own errors.
"""

from __future__ import annotations

import asyncio
import json
import traceback
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram import request as request_module
from bot.telegram.request import AiohttpRequest
from tests.support.botapi import UploadedFile, _decode_body


class Server:
    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.content_types: dict[str, str] = {}
        self.url = ""

    async def handle(self, req: web.Request) -> web.StreamResponse:
        name = req.match_info["name"]
        self.hits[name] = self.hits.get(name, 0) + 1
        self.content_types[name] = req.content_type
        if name == "slow":
            await asyncio.sleep(2)
        if name in ("fail", "sendFail"):
            return web.json_response({"ok": False, "error_code": 500}, status=500)
        if name in ("drop", "sendDrop"):
            assert req.transport is not None
            req.transport.close()  # closed before any answer
            return web.Response()
        params = _decode_body(req.headers.get("Content-Type", ""), await req.read(), "")
        shown = {
            k: (
                {"filename": v.filename, "size": len(v.content)}
                if isinstance(v, UploadedFile)
                else v
            )
            for k, v in params.items()
            if k != "_files"
        }
        return web.json_response({"ok": True, "result": shown})


@pytest.fixture
async def server(unused_tcp_port: int) -> AsyncIterator[Server]:
    srv = Server()
    app = web.Application()
    app.router.add_post("/{name}", srv.handle)
    app.router.add_post("/bot{token}/{name}", srv.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    srv.url = f"http://127.0.0.1:{unused_tcp_port}"
    yield srv
    await runner.cleanup()


@pytest.fixture
async def client(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[AiohttpRequest]:
    monkeypatch.setattr(request_module, "PAUSE_S", 0.01)
    request = AiohttpRequest(read_timeout=0.5)
    await request.initialize()
    await request.initialize()  # shared by two roles in some setups: must be idempotent
    yield request
    await request.shutdown()
    await request.shutdown()


def _data(**values: Any) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in values.items()])


async def test_parameters_are_sent_as_json(server: Server, client: AiohttpRequest) -> None:
    markup = {"inline_keyboard": [[{"text": "Ä & <b>", "callback_data": "x"}]]}
    code, body = await client.do_request(
        f"{server.url}/echo", "POST", _data(chat_id=5, text="é & ü <b>", reply_markup=markup)
    )
    assert code == 200
    assert server.content_types["echo"] == "application/json"
    result = json.loads(body)["result"]
    # decoded the way the stand-in (like Telegram) decodes a request
    assert result == {"chat_id": 5, "text": "é & ü <b>", "reply_markup": markup}


async def test_files_are_sent_as_multipart(server: Server, client: AiohttpRequest) -> None:
    document = InputFile(b"\x00\x01 binary", filename="notes.txt")
    code, body = await client.do_request(
        f"{server.url}/echo", "POST", _data(chat_id=5, caption="ça", document=document)
    )
    assert code == 200
    result = json.loads(body)["result"]
    assert result["caption"] == "ça"
    assert result["document"] == {"filename": "notes.txt", "size": 9}


async def test_a_5xx_is_retried_then_returned(server: Server, client: AiohttpRequest) -> None:
    code, _body = await client.do_request(f"{server.url}/fail", "POST", _data(chat_id=5))
    assert code == 500
    assert server.hits["fail"] == request_module.ATTEMPTS


async def test_a_dropped_connection_is_retried_then_raised(
    server: Server, client: AiohttpRequest
) -> None:
    with pytest.raises(NetworkError) as raised:
        await client.do_request(f"{server.url}/drop", "POST", _data(chat_id=5))
    assert not isinstance(raised.value, TimedOut)
    assert server.hits["drop"] == request_module.ATTEMPTS


@pytest.mark.parametrize("method", ["sendFail", "sendDrop"])
async def test_a_message_is_not_resent_after_a_5xx_or_a_dropped_connection(
    server: Server, client: AiohttpRequest, method: str
) -> None:
    """Telegram may have delivered it before failing: a second copy is worse (F14)."""
    try:
        code, _body = await client.do_request(f"{server.url}/{method}", "POST", _data(chat_id=5))
    except NetworkError:
        code = 0
    assert code in (0, 500)
    assert server.hits[method] == 1


async def test_a_timeout_is_never_retried(server: Server, client: AiohttpRequest) -> None:
    with pytest.raises(TimedOut):
        await client.do_request(f"{server.url}/slow", "POST", _data(chat_id=5))
    assert server.hits["slow"] == 1  # the message may have been delivered: not sent twice


async def test_a_refused_connection_is_a_network_error(
    client: AiohttpRequest, unused_tcp_port: int
) -> None:
    with pytest.raises(NetworkError) as raised:
        await client.do_request(f"http://127.0.0.1:{unused_tcp_port}/x", "POST", _data(a=1))
    assert "aiohttp.ClientConnectorError" in str(raised.value)


async def test_using_it_before_initialize_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:9/x", "POST")


async def test_errors_never_carry_the_token(server: Server) -> None:
    """aiohttp's pool/connect timeout quotes the URL, and Bot API URLs hold the token."""
    token = "123456:NotARealTokenButSecretAnyway"
    client = AiohttpRequest(connection_pool_size=1, pool_timeout=0.1, connect_timeout=0.1)
    await client.initialize()
    try:
        busy = asyncio.create_task(client.do_request(f"{server.url}/bot{token}/slow", "POST"))
        while not server.hits.get("slow"):  # until the only connection is taken
            await asyncio.sleep(0.005)
        with pytest.raises(TimedOut) as raised:
            await client.do_request(f"{server.url}/bot{token}/echo", "POST")
        busy.cancel()
    finally:
        await client.shutdown()
    error = raised.value
    assert "aiohttp." in error.message
    logged = "".join(traceback.format_exception(error))  # what log.exception would print
    assert "TimedOut" in logged and token not in logged
