"""The webhook server: Telegram posts updates here (behind the operator's TLS proxy).

Why our own and not python-telegram-bot's: its server reads a whole request body (up
to 100 MB) before looking at the secret, and never times out a slow client; and an
update it cannot parse is logged in full. Here:

* the secret header (and the content type and length) is checked as soon as the
  headers are in, before any of the body is read: 403, or 413 over `MAX_BODY_BYTES`;
* a body larger than that is cut off while it streams in;
* headers must arrive within `HEADER_TIMEOUT_S` and the body within `BODY_TIMEOUT_S`;
* an update that cannot be read is acknowledged (so Telegram does not send it again)
  and logged in one line with its id and the error type only.
"""

from __future__ import annotations

import hmac
import json
import logging
import socket
from typing import Any

import tornado.web
from telegram import Update
from tornado.httpserver import HTTPServer

from bot.telegram.polling import ALLOWED_UPDATES, GRACE_S, read_update, stop_signals
from bot.telegram.services import BotApplication
from bot.telegram.settings import Settings
from bot.telegram.updates import ChatOrderedUpdateProcessor

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1 << 20  # Telegram's updates are a few kilobytes
HEADER_TIMEOUT_S = 10.0
BODY_TIMEOUT_S = 10.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    def initialize(self, bot_application: BotApplication, secret: str) -> None:
        self.bot_application = bot_application
        self.secret = secret
        self.body = bytearray()

    def prepare(self) -> None:
        """Refuse before reading the body: wrong secret, not JSON, too large."""
        if self.request.method != "POST":
            return self._refuse(405)
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return self._refuse(403)
        if self.request.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            return self._refuse(403)
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return self._refuse(413)
        return None

    def _refuse(self, status: int) -> None:
        self.set_status(status)
        self.finish()  # tornado then closes the connection instead of reading the body

    def data_received(self, chunk: bytes) -> None:
        if self._finished:
            return
        self.body += chunk
        if len(self.body) > MAX_BODY_BYTES:
            self._refuse(413)

    async def post(self) -> None:
        update = self._update()
        if update is not None:
            await self.bot_application.update_queue.put(update)
        self.set_status(200)

    def _update(self) -> Update | None:
        try:
            data = json.loads(self.body)
        except ValueError:
            log.warning("webhook: a request body that is not JSON was ignored")
            return None
        return read_update(data, self.bot_application)

    def log_exception(self, *args: Any) -> None:
        """Tornado would log the request with the error; the error type is enough."""
        log.warning("webhook: a request failed (%s)", getattr(args[0], "__name__", "?"))


def webhook_server(application: BotApplication, path: str, secret: str) -> HTTPServer:
    routes = [(rf"/{path}/?", UpdateHandler, {"bot_application": application, "secret": secret})]
    app = tornado.web.Application(routes, log_function=lambda handler: None)
    return HTTPServer(
        app,
        max_body_size=MAX_BODY_BYTES,
        idle_connection_timeout=HEADER_TIMEOUT_S,
        body_timeout=BODY_TIMEOUT_S,
    )


async def serve_webhook(
    application: BotApplication, settings: Settings, listening: socket.socket
) -> None:
    """Run the bot by webhook until SIGINT/SIGTERM on `listening` (bound before the
    webhook is set, so a port in use stops the start before Telegram sends anything)."""
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    stop = stop_signals()
    await application.initialize()
    server = webhook_server(application, settings.webhook_path, settings.webhook_secret)
    try:
        if application.post_init is not None:
            await application.post_init(application)
        server.add_sockets([listening])
        await application.bot.set_webhook(
            settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
        )
        await application.start()
        await stop.wait()
        server.stop()
        processor = application.update_processor
        if isinstance(processor, ChatOrderedUpdateProcessor):
            await processor.wind_down(GRACE_S)
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
    finally:
        server.stop()
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
