"""Turning a domain `Reply` into Telegram objects and sending it."""

from __future__ import annotations

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
)
from telegram.constants import ParseMode

from bot.replies import Button, Reply

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def keyboard(reply: Reply, *, callbacks: bool = True) -> InlineKeyboardMarkup | None:
    """The inline keyboard of a reply; `callbacks=False` keeps only link buttons
    (for messages shared through inline mode, which other people see)."""
    rows = []
    for row in reply.buttons:
        buttons = [b for b in (_button(button, callbacks) for button in row) if b is not None]
        if buttons:
            rows.append(buttons)
    return InlineKeyboardMarkup(rows) if rows else None


def _button(button: Button, callbacks: bool) -> InlineKeyboardButton | None:
    if button.url:
        return InlineKeyboardButton(button.label, url=button.url)
    if not callbacks:
        return None
    if button.action:
        return InlineKeyboardButton(button.label, callback_data=button.action)
    if button.share is not None:
        return InlineKeyboardButton(button.label, switch_inline_query=button.share)
    return None


async def send(message: Message, reply: Reply, *, quote: bool) -> Message:
    """Reply to `message`; in groups as a reply to the asking message, which is sent
    anyway if that message is gone (deleted by its author or an anti-spam bot)."""
    return await message.reply_text(
        reply.html,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(reply),
        link_preview_options=NO_PREVIEW,
        do_quote=quote,
        allow_sending_without_reply=True,
    )


async def send_to_chat(bot: Bot, chat_id: int, reply: Reply) -> Message:
    """Send `reply` to a chat, not as a reply to any message."""
    return await bot.send_message(
        chat_id,
        reply.html,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(reply),
        link_preview_options=NO_PREVIEW,
    )
