"""What handlers share, kept in `application.bot_data` under one key."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Chat, Update, User
from telegram.ext import ContextTypes

from bot.dialogue import Turn
from bot.explainer import Explainer
from bot.storage import Store
from bot.telegram.settings import Settings

KEY = "services"


@dataclass
class Services:
    explainer: Explainer  # replaced whole on reload, never mutated
    store: Store
    settings: Settings

    def turn(self, update: Update) -> Turn:
        chat: Chat | None = update.effective_chat
        user: User | None = update.effective_user
        return Turn(
            self.explainer,
            self.store,
            chat_id=chat.id if chat else (user.id if user else 0),
            client_code=user.language_code if user else None,
            group=bool(chat and chat.type != Chat.PRIVATE),
        )


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    found = context.bot_data[KEY]
    assert isinstance(found, Services)
    return found
