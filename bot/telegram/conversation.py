"""Handlers for messages and commands in private chats and groups."""

from __future__ import annotations

import logging

from telegram import Message, MessageEntity, Update
from telegram.ext import ContextTypes

from bot import dialogue
from bot.i18n import _, use
from bot.replies import Reply, admins_only, topic_of_action
from bot.telegram.permissions import may_change_group
from bot.telegram.render import send
from bot.telegram.services import services

log = logging.getLogger(__name__)

COMMANDS = ("start", "help", "topics", "watch", "involved", "language", "privacy", "forget", "ask")
GROUP_SETTINGS = frozenset({"language", "forget"})  # in groups: administrators only


def addressed_question(message: Message, username: str, bot_id: int) -> str | None:
    """The question in a group message when it is addressed to the bot, else None.

    Addressed means: it @mentions the bot, or it replies to one of the bot's
    messages. The mention itself is removed from the question.
    """
    text = message.text or ""
    mention = f"@{username}".casefold()
    mentions = [
        entity
        for entity in message.entities
        if entity.type == MessageEntity.MENTION
        and _utf16_slice(text, entity.offset, entity.length).casefold() == mention
    ]
    replied = message.reply_to_message
    to_bot = bool(replied and replied.from_user and replied.from_user.id == bot_id)
    if not mentions and not to_bot:
        return None
    for entity in sorted(mentions, key=lambda e: e.offset, reverse=True):
        text = _cut_utf16(text, entity.offset, entity.length)
    return text.strip()


def answered_topic(replied: Message | None, bot_id: int) -> tuple[str, str | None] | None:
    """The topic of the bot's answer a message replies to, and the answer's language:
    the topic its share button offers and the language of its related-topic buttons
    (`replies.answer`), read from the message itself, so nothing is kept."""
    if replied is None or replied.from_user is None or replied.from_user.id != bot_id:
        return None
    buttons = (
        [b for row in replied.reply_markup.inline_keyboard for b in row]
        if replied.reply_markup
        else []
    )
    topic = next((b.switch_inline_query for b in buttons if b.switch_inline_query), None)
    if topic is None:
        return None
    shown = (topic_of_action(b.callback_data) for b in buttons if isinstance(b.callback_data, str))
    lang = next((found[0] for found in shown if found is not None), None)
    return topic, lang


def _utf16_slice(text: str, offset: int, length: int) -> str:
    """An entity's text. Telegram counts in UTF-16 units; unlike PTB's parse_entities
    this never raises on an entity that splits a surrogate pair."""
    encoded = text.encode("utf-16-le")
    return encoded[2 * offset : 2 * (offset + length)].decode("utf-16-le", errors="ignore")


def _cut_utf16(text: str, offset: int, length: int) -> str:
    encoded = text.encode("utf-16-le")
    return (
        encoded[: 2 * offset] + " ".encode("utf-16-le") + encoded[2 * (offset + length) :]
    ).decode("utf-16-le", errors="ignore")


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A question typed in a private chat, or addressed to the bot in a group."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    svc = services(context)
    turn = svc.turn(update)
    text: str | None = message.text
    if turn.group:
        text = addressed_question(message, context.bot.username, context.bot.id)
        if text is None:
            return  # a group conversation that is not meant for us
    if not text:
        reply, lang = dialogue.command(turn, "help")
    else:
        replied = answered_topic(message.reply_to_message, context.bot.id)
        reply, lang = dialogue.question(turn, text, replied)
    log.info("question: topic=%s lang=%s", reply.topic_id or "-", lang)
    await send(message, reply, quote=turn.group)


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start, /help, /topics, /watch, /involved, /language, /privacy, /forget, /ask."""
    message = update.effective_message
    if message is None or not message.text:
        return
    svc = services(context)
    turn = svc.turn(update)
    name = message.text.split()[0][1:].split("@")[0].lower()
    argument = " ".join(context.args or [])
    if name == "ask":  # keep the question's own spacing and line breaks
        argument = command_argument(message.text)
    if name in GROUP_SETTINGS and not await _may_change(update, context):
        with use(svc.explainer.catalogs, turn.language()):
            await send(message, Reply(admins_only()), quote=True)
        return
    reply, lang = dialogue.command(turn, name, argument)
    log.info("command: /%s lang=%s", name, lang)
    await send(message, reply, quote=turn.group)


def command_argument(text: str) -> str:
    """What follows `/command` (or `/command@bot`), whatever whitespace separates them:
    `/ask\nfingerprints please` asks about fingerprints, not about `please`."""
    parts = text.split(None, 1)
    return parts[1] if len(parts) > 1 else ""


async def _may_change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return False
    return await may_change_group(
        services(context).admins, context.bot, chat, user.id if user else None,
        update.effective_message,
    )  # fmt: skip


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A sticker, photo, voice note... in a private chat: say that only text is read,
    unless it is a sticker whose emoji says thanks (`dialogue.sticker`)."""
    message = update.effective_message
    if message is None:
        return
    svc = services(context)
    turn = svc.turn(update)
    answered = dialogue.sticker(turn, message.sticker.emoji if message.sticker else None)
    if answered is not None:
        await send(message, answered[0], quote=False)
        return
    lang = turn.language()
    with use(svc.explainer.catalogs, lang):
        reply = Reply(
            _("I can only read text. Type a question, or send /topics to see what I can explain.")
        )
    await send(message, reply, quote=False)


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot does not have, in a private chat: show the help."""
    message = update.effective_message
    if message is None:
        return
    reply, _lang = dialogue.command(services(context).turn(update), "help")
    await send(message, reply, quote=False)
