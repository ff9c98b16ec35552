"""/questions (admins, private chats only): the questions people sent to the team."""

from __future__ import annotations

import logging

from telegram import Chat, Update
from telegram.ext import ContextTypes

from bot import replies
from bot.i18n import use
from bot.telegram.render import send
from bot.telegram.services import services

log = logging.getLogger(__name__)


async def on_questions(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """How many questions wait for the team, and the latest ten; silent for others and
    in groups (the questions are for the team's eyes, not a group's)."""
    svc = services(context)
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None or chat.type != Chat.PRIVATE:
        return
    if user.id not in svc.settings.admin_ids:
        return
    store = svc.store
    with use(svc.explainer.catalogs, svc.turn(update).language()):
        reply = replies.team_questions(store.question_total(), store.questions(10))
    log.info("command: /questions")
    await send(message, reply, quote=False)
