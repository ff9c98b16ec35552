"""`python -m bot run`: the Telegram bot, by long polling or by webhook."""

from __future__ import annotations

import logging
import os
import sys

from telegram import Update

from bot.explainer import Explainer
from bot.problems import DataError
from bot.storage import Store
from bot.telegram.app import build_application
from bot.telegram.settings import Settings, SettingsError

log = logging.getLogger("bot")
EXIT_CONFIG, EXIT_BAD_DATA = 2, 2


def configure_logging() -> None:
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO
    )
    # httpx logs every request URL at INFO, and the URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def run_bot() -> int:
    # Opt in to python-telegram-bot's timedelta values now, so that a 429 does not
    # raise a deprecation warning (the rate limiter handles both forms).
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    configure_logging()
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"Cannot start: the configuration is not usable:\n{exc}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        explainer = Explainer.load(settings.knowledge_dir, settings.locales_dir)
    except DataError as exc:
        print(f"Cannot start: the knowledge or catalogs have errors:\n{exc}", file=sys.stderr)
        return EXIT_BAD_DATA
    store = Store.in_dir(settings.data_dir)
    application = build_application(settings, explainer, store)
    log.info(
        "starting: %d topics, languages %s, %s mode",
        len(explainer.knowledge.topics), ", ".join(explainer.languages),
        "webhook" if settings.webhook_url else "polling",
    )  # fmt: skip
    try:
        if settings.webhook_url:
            application.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=settings.webhook_path,
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    finally:
        store.close()
    log.info("stopped")
    return 0
