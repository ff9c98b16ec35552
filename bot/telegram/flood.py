"""Which updates count as questions for the per-chat throttle (bot/throttle.py), and
the one notice a flooding chat gets.

At most `QUESTIONS_PER_WINDOW` (bot/throttle.py) questions per chat (a private chat,
or a whole group) are answered within a 10 s window; what goes beyond Telegram's 20
messages a minute in a group waits in bot/telegram/ratelimit.py, without a slot.
Counted: private messages, button presses (not menu page turns, which only edit the
menu), and group messages addressed to the bot
(a command, an @mention, a reply to the bot). Not counted: inline queries (Telegram
sends one per keystroke, and their answers are not chat messages), edits, and group
chatter the bot ignores anyway. A group question older than `STALE_GROUP_S` (the bot
was down, or far behind) is dropped: answering it now would only confuse the group.
"""

from __future__ import annotations

import datetime as dtm
import logging

from telegram import Message, MessageEntity, Update

from bot.i18n import _, use
from bot.replies import Reply
from bot.telegram.callbacks import MENU_PAGE_ACTION
from bot.telegram.render import send
from bot.telegram.services import KEY, BotApplication, Services
from bot.telegram.updates import chat_key
from bot.throttle import Admission, ChatThrottle

log = logging.getLogger(__name__)
STALE_GROUP_S = 300


class FloodGate:
    def __init__(self, application: BotApplication) -> None:
        self.application = application
        self.throttle = ChatThrottle()

    def admit(self, update: object) -> Admission:
        if not isinstance(update, Update) or not _counted(update):
            return Admission.ANSWER
        message = update.message
        if message is not None and _stale_group_message(message):
            return Admission.DROP
        key = chat_key(update)
        if key is None:
            return Admission.ANSWER
        admission = self.throttle.admit(key)
        if admission is Admission.NOTICE:
            log.info("a chat is sending too fast: pausing its answers")
        return admission

    async def notice(self, update: object) -> None:
        """Tell the chat, once, that its questions are paused for a moment."""
        if not isinstance(update, Update):
            return
        svc: Services = self.application.bot_data[KEY]
        if update.callback_query is not None:
            await update.callback_query.answer()
        message = update.effective_message
        if message is None:
            return
        turn = svc.turn(update)
        with use(svc.explainer.catalogs, turn.language()):
            reply = Reply(
                _("That is a lot of messages at once. Give me a few seconds, then ask again.")
            )
        await send(message, reply, quote=turn.group)


def _counted(update: Update) -> bool:
    if update.callback_query is not None:  # a page turn edits the menu, sends nothing
        return not (update.callback_query.data or "").startswith(MENU_PAGE_ACTION)
    message = update.message
    if message is None or message.chat is None:
        return False
    if message.chat.type == message.chat.PRIVATE:
        return True
    return _addressed(message, update.get_bot().username)


def _addressed(message: Message, username: str | None) -> bool:
    """A cheap, generous test: commands, any mention of the bot, a reply to the bot."""
    text = message.text or ""
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        return (
            "@" not in command
            or command.partition("@")[2].casefold() == (username or "").casefold()
        )
    if (
        username
        and f"@{username}".casefold() in text.casefold()
        and any(e.type == MessageEntity.MENTION for e in message.entities)
    ):
        return True
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == message.get_bot().id)


def _stale_group_message(message: Message) -> bool:
    if message.chat.type == message.chat.PRIVATE:
        return False
    age = dtm.datetime.now(dtm.UTC) - message.date
    return age.total_seconds() > STALE_GROUP_S
