"""Button presses: topics, "did you mean" choices, language choice."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot import dialogue
from bot.telegram.render import NO_PREVIEW, keyboard, send
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
    message = query.message
    if isinstance(message, Message):
        await send(message, reply, quote=False)
    elif update.effective_chat is not None:  # the button's message is too old to reply to
        await context.bot.send_message(
            update.effective_chat.id, reply.html, parse_mode=ParseMode.HTML,
            reply_markup=keyboard(reply), link_preview_options=NO_PREVIEW,
        )  # fmt: skip
