"""The stand-in served over HTTP (`BotApiStandIn`) and a webhook helper."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from .common import DEFAULT_BOT_USERNAME, DEFAULT_TOKEN, ApiError, Response, _bad, _decode_body
from .state import FakeBotApi

# --------------------------------------------------------------------------------------------
# HTTP transport
# --------------------------------------------------------------------------------------------

_PATH = re.compile(r"/bot([^/]*)/([^/?]*)/?")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 1024  # socketserver's default backlog of 5 resets bursts of connections

    def __init__(self, address: tuple[str, int], api: FakeBotApi):
        self.api = api
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self.connections_lock:
            sockets = list(self.connections)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "BotApiStandIn/1.0"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, response: Response) -> None:
        body = response.body()
        try:
            phrase = HTTPStatus(response.status).phrase
        except ValueError:
            phrase = ""
        head = (
            f"HTTP/1.1 {response.status} {phrase}\r\n"
            f"Server: {self.server_version}\r\n"
            f"Date: {self.date_time_string()}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        # one write: two small writes + Nagle + delayed ACK would cost 40 ms per call
        self.wfile.write(head.encode("ascii") + body)

    def _serve(self) -> None:
        try:
            body = self._read_body()
            parts = urlsplit(self.path)
            match = _PATH.fullmatch(parts.path)
            if not match:
                self._send(
                    Response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                )
                return
            token, method = match.groups()
            try:
                params = _decode_body(self.headers.get("Content-Type") or "", body, parts.query)
            except ApiError as err:
                self._send(Response(err.code, err.payload()))
                return
            except (ValueError, UnicodeDecodeError):
                failure = _bad("can't parse request parameters")
                self._send(Response(failure.code, failure.payload()))
                return
            response = self.server.api.serve(token, method, params)
            if response.drop:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            self._send(response)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    do_POST = _serve
    do_GET = _serve


class BotApiStandIn(FakeBotApi):
    """A FakeBotApi served over HTTP on 127.0.0.1 (background thread).

    with BotApiStandIn() as api:
        bot = telegram.Bot(api.token, base_url=api.base_url)
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = DEFAULT_BOT_USERNAME,
        bot_id: int | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        **options: Any,
    ):
        super().__init__(token, bot_username, bot_id, **options)
        self.host = host
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the stand-in is not running; call start()")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:PORT"""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For PTB's base_url / TELEGRAM_API_BASE_URL: http://127.0.0.1:PORT/bot"""
        return self.url + "/bot"

    def env(self) -> dict[str, str]:
        """Environment for a bot process talking to this stand-in."""
        return {"TELEGRAM_BOT_TOKEN": self.token, "TELEGRAM_API_BASE_URL": self.base_url}

    def start(self) -> BotApiStandIn:
        """Start serving (again: a restarted stand-in keeps its port and its state)."""
        if self._server is not None:
            raise RuntimeError("already running")
        self.reopen()
        self._server = _Server((self.host, self._requested_port), self)
        self._requested_port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"bot-api-stand-in:{self._requested_port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; long polls are woken, open connections are closed."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self.close()
        server.shutdown()
        server.drop_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> BotApiStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> BotApiStandIn:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)


# --------------------------------------------------------------------------------------------
# webhook helper
# --------------------------------------------------------------------------------------------


def post_webhook(
    url: str, update: Mapping[str, Any], secret_token: str | None = None, timeout: float = 10.0
) -> int:
    """POST an update as Telegram does; returns the HTTP status. Blocking (see apost_webhook)."""
    headers = {"Content-Type": "application/json"}
    if secret_token is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
    data = json.dumps(update, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as err:
        with err:
            err.read()
            return int(err.code)


async def apost_webhook(
    url: str, update: Mapping[str, Any], secret_token: str | None = None, timeout: float = 10.0
) -> int:
    """post_webhook from a thread, for coroutines whose loop also runs the bot's webhook server."""
    return await asyncio.to_thread(post_webhook, url, update, secret_token, timeout)
