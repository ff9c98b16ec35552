"""Turning a domain `Reply` into Telegram objects and sending it."""

from __future__ import annotations

from typing import Any

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
_NO_PREVIEW_DATA = {"is_disabled": True}  # NO_PREVIEW as the Bot API reads it


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


def keyboard_data(reply: Reply) -> dict[str, Any] | None:
    """`keyboard(reply)` as the Bot API reads it (what `InlineKeyboardMarkup.to_dict()`
    gives), built directly: a reply's ten or so buttons cost several times more as
    python-telegram-bot objects, and the bot sends one with almost every message."""
    rows = []
    for row in reply.buttons:
        buttons = [b for b in map(_button_data, row) if b is not None]
        if buttons:
            rows.append(buttons)
    return {"inline_keyboard": rows} if rows else None


def _button_data(button: Button) -> dict[str, str] | None:
    """A button's fields in the order python-telegram-bot writes them (alphabetical)."""
    if button.url:
        return {"text": button.label, "url": button.url}
    if button.action:
        return {"callback_data": button.action, "text": button.label}
    if button.share is not None:
        return {"switch_inline_query": button.share, "text": button.label}
    return None


async def send(message: Message, reply: Reply, *, quote: bool) -> None:
    """Reply to `message`; in groups as a reply to the asking message, which is sent
    anyway if that message is gone (deleted by its author or an anti-spam bot).

    The same request as `message.reply_text(reply.html, parse_mode=HTML, reply_markup=
    keyboard(reply), link_preview_options=NO_PREVIEW, do_quote=quote,
    allow_sending_without_reply=True)`, through the same Bot (its rate limiter
    included), but the Bot API's answer is not read back into a `Message`: nothing
    uses it, and parsing it cost about a tenth of the bot's work per question."""
    data: dict[str, Any] = {
        "chat_id": message.chat_id,
        "text": reply.html,
        "parse_mode": ParseMode.HTML.value,
        "link_preview_options": _NO_PREVIEW_DATA,
    }
    markup = keyboard_data(reply)
    if markup is not None:
        data["reply_markup"] = markup
    if quote:
        data["reply_parameters"] = {
            "allow_sending_without_reply": True,
            "message_id": message.message_id,
        }
    data.update(_same_place(message))
    await message.get_bot()._post("sendMessage", data)


def _same_place(message: Message) -> dict[str, Any]:
    """Where `reply_text` would answer besides the chat: the forum topic, the business
    connection and the direct messages topic of `message`."""
    place: dict[str, Any] = {}
    if message.is_topic_message and message.message_thread_id is not None:
        place["message_thread_id"] = message.message_thread_id
    if message.business_connection_id is not None:
        place["business_connection_id"] = message.business_connection_id
    if message.direct_messages_topic is not None:
        place["direct_messages_topic_id"] = message.direct_messages_topic.topic_id
    return place


async def send_to_chat(bot: Bot, chat_id: int, reply: Reply) -> Message:
    """Send `reply` to a chat, not as a reply to any message."""
    return await bot.send_message(
        chat_id,
        reply.html,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(reply),
        link_preview_options=NO_PREVIEW,
    )
