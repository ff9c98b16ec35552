"""`python -m bot run`: the Telegram bot, by long polling or by webhook."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from urllib.parse import urlsplit

from telegram.error import InvalidToken, TelegramError

from bot.explainer import Explainer
from bot.problems import DataError
from bot.storage import StorageError, Store
from bot.telegram.app import build_application
from bot.telegram.logs import configure_logging
from bot.telegram.polling import DONE_FILE, serve_polling
from bot.telegram.services import BotApplication
from bot.telegram.settings import Settings, SettingsError
from bot.telegram.webhook import serve_webhook

log = logging.getLogger("bot")
EXIT_CONFIG, EXIT_BAD_DATA, EXIT_FAILED = 2, 2, 1


def run_bot(log_level: str | None = None) -> int:
    """`log_level`: the command line's --log-level (else BOT_LOG_LEVEL, else INFO)."""
    # Opt in to python-telegram-bot's timedelta values now, so that a 429 does not
    # raise a deprecation warning (the rate limiter handles both forms).
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    try:
        settings = Settings.from_env(log_level=log_level)
    except SettingsError as exc:
        configure_logging()
        print(f"Cannot start: the configuration is not usable:\n{exc}", file=sys.stderr)
        return EXIT_CONFIG
    # every log line from here on is redacted: no token, no webhook secret
    configure_logging(settings.log_level, [settings.token, settings.webhook_secret])
    try:
        # the second look's encoder loads in the background: answering starts at once
        explainer = Explainer.load(
            settings.knowledge_dir, settings.locales_dir, settings.cache_dir, prepare=True
        )
    except DataError as exc:
        print(f"Cannot start: the knowledge or catalogs have errors:\n{exc}", file=sys.stderr)
        return EXIT_BAD_DATA
    try:
        store = Store.in_dir(settings.data_dir)
    except StorageError as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    application = build_application(settings, explainer, store)
    log.info(
        "starting: %d topics, languages %s, %s mode",
        len(explainer.knowledge.topics), ", ".join(explainer.languages),
        "webhook" if settings.webhook_url else "polling",
    )  # fmt: skip
    try:
        code = _serve(application, settings)
    finally:
        store.close()
    if code == 0:
        log.info("stopped")
    return code


def _serve(application: BotApplication, settings: Settings) -> int:
    """Run until stopped; 0, or EXIT_CONFIG after one line saying what is wrong."""
    listening: socket.socket | None = None
    try:
        if settings.webhook_url:
            # Listen before the webhook is set, so that a port in use stops the start
            # before Telegram is told to send updates here.
            listening = listen_socket(settings.webhook_listen, settings.webhook_port)
        problem = reach_bot_api(application, settings)
        if problem is not None:
            print(f"Cannot start: {problem}", file=sys.stderr)
            return EXIT_CONFIG
        loop = asyncio.get_event_loop()  # the one reach_bot_api initialized the bot in
        try:
            if listening is not None:
                loop.run_until_complete(serve_webhook(application, settings, listening))
            else:
                loop.run_until_complete(serve_polling(application, settings.data_dir / DONE_FILE))
        finally:
            loop.close()
    except InvalidToken:  # refused later on (revoked while running)
        print("Stopped: the Bot API refused TELEGRAM_BOT_TOKEN", file=sys.stderr)
        return EXIT_CONFIG
    except OSError as exc:
        where = f"{settings.webhook_listen}:{settings.webhook_port}"
        print(f"Cannot start: cannot listen on {where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_CONFIG
    finally:
        if listening is not None:
            listening.close()
    return 0


def reach_bot_api(application: BotApplication, settings: Settings) -> str | None:
    """Ask the Bot API who we are (getMe) before anything else, in the event loop the
    Application will then run in; a one-line problem if that fails, else None.

    Without this the first failure surfaces inside python-telegram-bot's start-up as a
    long traceback (and a second one from the HTTP sessions left open)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # PTB logs a body that is not JSON (an HTML error page) with a traceback, then raises
    # the error reported below: one line is enough
    quoted = logging.getLogger("telegram.request.BaseRequest")
    level = quoted.level
    quoted.setLevel(logging.CRITICAL)
    try:
        loop.run_until_complete(application.bot.initialize())
    except InvalidToken:
        problem = "the Bot API refused TELEGRAM_BOT_TOKEN; check it with @BotFather"
    except TelegramError as exc:
        # the exception's text may quote the URL, which holds the token: name its kind only
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(settings.api_base_url))
        problem = (
            f"no usable answer from the Bot API at {origin} ({type(exc).__name__}); "
            "check TELEGRAM_API_BASE_URL and the network"
        )
    else:
        return None
    finally:
        quoted.setLevel(level)
    loop.run_until_complete(_close_requests(application))
    loop.close()
    return problem


async def _close_requests(application: BotApplication) -> None:
    """Close the HTTP sessions of a bot whose start failed (`Bot.shutdown` skips a bot
    that never finished `initialize`; PTB has no public accessor for the getUpdates one)."""
    for request in set(application.bot._request):
        await request.shutdown()


def listen_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket for the webhook server (OSError if the port is taken)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=128)
    sock.setblocking(False)
    return sock
