"""Button presses: topics, "did you mean" choices, language choice."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot import dialogue
from bot.telegram.render import send_to_chat
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
    if reply is None:
        return
    if update.effective_chat is not None:  # also when the button's message is too old
        await send_to_chat(context.bot, update.effective_chat.id, reply)
