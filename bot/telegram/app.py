"""One function builds the Application from settings; tests build the same one."""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.explainer import Explainer
from bot.i18n import DEFAULT_LANG, _, use
from bot.storage import Store
from bot.telegram import admin, callbacks, conversation, errors, groups, inline, maintenance, team
from bot.telegram.flood import FloodGate
from bot.telegram.ratelimit import ChatRateLimiter
from bot.telegram.request import AiohttpRequest
from bot.telegram.services import KEY, BotApplication, Services
from bot.telegram.settings import Settings
from bot.telegram.updates import ChatOrderedUpdateProcessor

log = logging.getLogger(__name__)
# an Application's builder, its type arguments left open as `BotApplication`'s
AnyBuilder = ApplicationBuilder[Any, Any, Any, Any, Any, Any]


def build_application(
    settings: Settings,
    explainer: Explainer,
    store: Store,
    *,
    request: BaseRequest | None = None,
    rate_limiter: bool = True,
) -> BotApplication:
    """The bot, ready to run: handlers registered, services in bot_data.

    `rate_limiter=False` (benchmarks, some tests) leaves out both Telegram's sending
    limits (bot/telegram/ratelimit.py) and the per-chat flood throttle
    (bot/telegram/flood.py)."""
    builder = plumbing(ApplicationBuilder().token(settings.token), request)
    builder = builder.base_url(settings.api_base_url).post_init(_post_init)
    builder = builder.post_shutdown(maintenance.stop)
    if rate_limiter:
        builder = builder.rate_limiter(ChatRateLimiter(max_retries=3))
    application = builder.build()
    application.bot_data[KEY] = Services.for_settings(explainer, store, settings)
    processor = application.update_processor
    if rate_limiter and isinstance(processor, ChatOrderedUpdateProcessor):
        processor.gate = FloodGate(application)

    only_new = filters.UpdateType.MESSAGE  # edits and channel posts get no reply
    # Commands: the public ones, then admin-only ones (silently ignored for others).
    application.add_handler(
        CommandHandler(conversation.COMMANDS, conversation.on_command, filters=only_new)
    )
    application.add_handler(CommandHandler("reload", admin.on_reload, filters=only_new))
    application.add_handler(CommandHandler("stats", admin.on_stats, filters=only_new))
    application.add_handler(CommandHandler("questions", team.on_questions, filters=only_new))
    # Free text: every message in a private chat, only addressed ones in groups.
    application.add_handler(
        MessageHandler(only_new & filters.TEXT & ~filters.COMMAND, conversation.on_text)
    )
    # Private chats: unknown commands get the help, stickers/photos/... a short note.
    private = only_new & filters.ChatType.PRIVATE
    application.add_handler(
        MessageHandler(private & filters.COMMAND, conversation.on_unknown_command)
    )
    application.add_handler(
        MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, conversation.on_other)
    )
    # Buttons and inline mode.
    application.add_handler(CallbackQueryHandler(callbacks.on_button))
    application.add_handler(InlineQueryHandler(inline.on_inline_query))
    # Added to a group: a one-time introduction.
    application.add_handler(
        ChatMemberHandler(groups.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_error_handler(errors.on_error)
    return application


def plumbing(builder: AnyBuilder, request: BaseRequest | None = None) -> AnyBuilder:
    """How the bot talks to the Bot API and schedules updates (also measured by
    benchmarks/throughput.py on a bare echo bot): several chats at once, each chat in
    order (bot/telegram/updates.py); aiohttp, retrying what Telegram never carried out
    (bot/telegram/request.py), unless the tests pass their own `request`."""
    builder = builder.concurrent_updates(ChatOrderedUpdateProcessor())
    if request is not None:
        return builder.request(request).get_updates_request(request)
    builder = builder.request(AiohttpRequest(connection_pool_size=256))
    return builder.get_updates_request(AiohttpRequest())


def command_list() -> list[BotCommand]:
    """The command menu, in the language set with `use()`."""
    return [
        BotCommand("topics", _("Everything I can explain")),
        BotCommand("ask", _("Ask a question")),
        BotCommand("watch", _("Documentaries and videos")),
        BotCommand("involved", _("What you can do")),
        BotCommand("language", _("Choose your language")),
        BotCommand("privacy", _("What this bot stores")),
        BotCommand("forget", _("Delete what is stored about this chat")),
        BotCommand("help", _("How to use this bot")),
    ]


def descriptions() -> tuple[str, str]:
    """(description, short description) for the bot's profile, in the current language."""
    return (
        _(
            "I explain biometric mass surveillance in plain words: what biometric data is, "
            "why faces and fingerprints matter, what EU law says, and how to get involved "
            "with Reclaim Your Face. I store no messages."
        ),
        _(
            "Questions about biometric mass surveillance? Ask me. By the Reclaim Your Face campaign."
        ),
    )


async def _post_init(application: BotApplication) -> None:
    """Menu, description and short description in every shipped language."""
    svc: Services = application.bot_data[KEY]
    bot = application.bot
    for lang in svc.explainer.languages:
        code = None if lang == DEFAULT_LANG else lang
        with use(svc.explainer.catalogs, lang):
            commands = command_list()
            description, short = descriptions()
        try:
            await bot.set_my_commands(commands, language_code=code)
            await bot.set_my_description(description, language_code=code)
            await bot.set_my_short_description(short, language_code=code)
        except TelegramError:
            log.warning("could not set the command menu for %s", lang, exc_info=True)
    admin.install_sighup(application)
    await maintenance.start(application)
