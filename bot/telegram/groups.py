"""The bot added to a group: it introduces itself once, in the group's language."""

from __future__ import annotations

import logging

from telegram import Chat, ChatMember, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot import replies
from bot.i18n import use
from bot.telegram.services import services

log = logging.getLogger(__name__)
OUTSIDE = frozenset({ChatMember.LEFT, ChatMember.BANNED})


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Added to a group (not promoted, not restricted): say what the bot does, once."""
    change = update.my_chat_member
    if change is None or change.chat.type not in (Chat.GROUP, Chat.SUPERGROUP):
        return
    was_in = change.old_chat_member.status not in OUTSIDE
    now_in = change.new_chat_member.status not in OUTSIDE
    if was_in or not now_in:
        return
    svc = services(context)
    lang = svc.turn(update).language()  # the group's choice, else the adder's language
    with use(svc.explainer.catalogs, lang):
        reply = replies.group_intro(context.bot.username)
    log.info("added to a group: lang=%s", lang)
    await context.bot.send_message(change.chat.id, reply.html, parse_mode=ParseMode.HTML)
