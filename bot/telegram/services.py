"""What handlers share, kept in `application.bot_data` under one key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram import Chat, Update, User
from telegram.ext import Application, ContextTypes

from bot.dialogue import Turn
from bot.explainer import Explainer
from bot.feedback import PendingQuestions, TeamInbox
from bot.storage import Store
from bot.telegram.permissions import AdminCache
from bot.telegram.settings import Settings

KEY = "services"
# the bot's Application, its type arguments left open (its context and data are PTB's)
BotApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass
class Services:
    explainer: Explainer  # replaced whole on reload, never mutated
    store: Store
    settings: Settings
    inbox: TeamInbox = field(default_factory=lambda: TeamInbox(PendingQuestions()))
    admins: AdminCache = field(default_factory=AdminCache)

    @classmethod
    def for_settings(cls, explainer: Explainer, store: Store, settings: Settings) -> Services:
        """Services with the question hold and retention the settings ask for."""
        pending = PendingQuestions(hold=settings.question_hold_seconds)
        inbox = TeamInbox(pending, settings.question_retention_days)
        return cls(explainer, store, settings, inbox)

    def turn(self, update: Update) -> Turn:
        chat: Chat | None = update.effective_chat
        user: User | None = update.effective_user
        return Turn(
            self.explainer,
            self.store,
            chat_id=chat.id if chat else (user.id if user else 0),
            client_code=user.language_code if user else None,
            group=bool(chat and chat.type != Chat.PRIVATE),
            inbox=self.inbox,
        )


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    found = context.bot_data[KEY]
    assert isinstance(found, Services)
    return found
