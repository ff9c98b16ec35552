"""The error handler: log with the traceback, apologise, keep running."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import ContextTypes

from bot.i18n import _, use
from bot.telegram.services import services

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error with its traceback; tell the user something went wrong."""
    if update is None and isinstance(context.error, NetworkError):
        # fetching updates failed; python-telegram-bot retries by itself
        log.warning("network error while fetching updates: %s", context.error)
        return
    if isinstance(context.error, InvalidToken):
        # revoked while running: fetching updates stops the bot with one line (bot.telegram.run);
        # a reply refused meanwhile is the same event, not a bug, and any apology would be too
        log.error("the Bot API refused the token while answering an update")
        return
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_message is None:
        return
    if isinstance(context.error, TimedOut):
        return  # the reply may well have arrived: an apology would only confuse
    try:
        svc = services(context)
        lang = svc.turn(update).language()
        with use(svc.explainer.catalogs, lang):
            text = _("Sorry, something went wrong on my side. Please try again.")
        await update.effective_message.reply_text(text)
    except (TelegramError, KeyError, AttributeError):
        log.warning("could not tell the user about the error", exc_info=True)
