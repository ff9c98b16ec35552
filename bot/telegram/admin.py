"""Admin commands (/stats, /reload) and reloading knowledge and catalogs."""

from __future__ import annotations

import asyncio
import logging

from telegram import Chat, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot import replies
from bot.explainer import Explainer
from bot.feedback import topic_stats
from bot.i18n import _, use
from bot.markup import escape
from bot.problems import DataError
from bot.telegram.services import BotApplication, Services, services

log = logging.getLogger(__name__)
MAX_LISTED_PROBLEMS = 30
SHARED_FILES = ("topics.yaml", "links.yaml")
LISTED_CHARS = 3000  # escaped, the list stays well under Telegram's 4,096 characters


def _load_ready(svc: Services) -> Explainer:
    """The knowledge and catalogs loaded again, with the second look's meaning index made
    here, in the reload's thread, not by the first question that needs it (in the event
    loop, holding every chat)."""
    fresh = Explainer.load(
        svc.settings.knowledge_dir, svc.settings.locales_dir, svc.settings.cache_dir
    )
    fresh.matcher.prepare()
    return fresh


async def reload_explainer(svc: Services) -> list[str]:
    """Load knowledge and catalogs again; on any error keep serving the old ones.

    Returns the problems (empty when the new version is live).
    """
    try:
        fresh = await asyncio.to_thread(_load_ready, svc)
    except DataError as exc:
        problems = [str(p) for p in exc.errors]
        # the first few only: a file full of problems must not make a huge log record
        log.warning("reload refused, keeping the running knowledge: %d problem(s)\n%s",
                    len(problems), "\n".join(problems[:MAX_LISTED_PROBLEMS]))  # fmt: skip
        return problems
    svc.explainer = fresh
    log.info(
        "reloaded knowledge: %d topics, languages %s",
        len(fresh.knowledge.topics),
        ", ".join(fresh.languages),
    )
    return []


def _is_admin(update: Update, svc: Services) -> bool:
    """An admin, writing in a private chat: the answers (counts, problem lists with
    paths) are for the admin, not for the other members of a group."""
    user = update.effective_user
    chat = update.effective_chat
    return (
        user is not None
        and chat is not None
        and chat.type == Chat.PRIVATE
        and user.id in svc.settings.admin_ids
    )


async def on_reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reload (admins): load knowledge and catalogs again, or list what is broken."""
    svc = services(context)
    message = update.effective_message
    if message is None or not _is_admin(update, svc):
        return
    problems = await reload_explainer(svc)
    lang = svc.turn(update).language()
    with use(svc.explainer.catalogs, lang):
        if problems:
            # problems in the shared files first: they are often the cause of the rest
            first = sorted(problems, key=lambda p: not p.split(":")[0].endswith(SHARED_FILES))
            shown = _fitting(first[:MAX_LISTED_PROBLEMS], LISTED_CHARS)
            listed = "\n".join(escape(p) for p in shown)
            more = len(problems) - len(shown)
            text = (
                _("Reload refused; I keep the running version. Problems:")
                + f"\n<code>{listed}</code>"
            )
            if more > 0:
                text += "\n" + _("… and {count} more.").format(count=more)
        else:
            text = _("Reloaded: {topics} topics in {languages}.").format(
                topics=len(svc.explainer.knowledge.topics),
                languages=", ".join(svc.explainer.languages),
            )
    await message.reply_text(text, parse_mode=ParseMode.HTML)


def _fitting(lines: list[str], limit: int) -> list[str]:
    """The first lines that fit in `limit` characters (whole lines: cutting one
    could split an HTML entity or drop a closing tag)."""
    shown: list[str] = []
    size = 0
    for line in lines:
        size += len(line) + 1
        if size > limit:
            break
        shown.append(line)
    return shown


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats (admins): per topic answered, helpful, not helpful, sent to the team."""
    svc = services(context)
    message = update.effective_message
    if message is None or not _is_admin(update, svc):
        return
    rows = topic_stats(svc.store.counts(), svc.store.feedback_counts())
    lang = svc.turn(update).language()
    with use(svc.explainer.catalogs, lang):
        reply = replies.stats(rows)
    await message.reply_text(reply.html, parse_mode=ParseMode.HTML)


def install_sighup(application: BotApplication) -> None:
    """SIGHUP reloads knowledge and catalogs, like /reload."""
    import signal

    loop = asyncio.get_running_loop()
    svc = application.bot_data["services"]

    def reload_soon() -> None:
        application.create_task(reload_explainer(svc), name="sighup-reload")

    try:
        loop.add_signal_handler(signal.SIGHUP, reload_soon)
    except (NotImplementedError, AttributeError, RuntimeError):  # not on this platform
        log.info("SIGHUP reload is not available here")
