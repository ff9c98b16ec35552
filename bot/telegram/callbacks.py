"""Button presses: topics, "did you mean" choices, language choice."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot import dialogue
from bot.telegram.render import send
from bot.telegram.services import services

log = logging.getLogger(__name__)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The answer to a pressed button; every press is acknowledged, old ones kindly."""
    query = update.callback_query
    if query is None:
        return
    svc = services(context)
    reply, lang, notice = dialogue.press(svc.turn(update), query.data or "")
    await query.answer(notice)
    log.info("button: kind=%s lang=%s", (query.data or "?")[:1], lang)
    message = query.message
    if reply is not None and message is not None and message.is_accessible:
        await send(message, reply, quote=False)  # type: ignore[arg-type]
