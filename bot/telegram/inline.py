"""Inline mode: `@bot <question>` in any chat offers answers to share."""

from __future__ import annotations

import logging

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot import replies
from bot.i18n import _, use
from bot.markup import to_plain
from bot.telegram.render import NO_PREVIEW, keyboard
from bot.telegram.services import services

log = logging.getLogger(__name__)
MAX_RESULTS = 10
DESCRIPTION_CHARS = 120


async def on_inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The best matching answers as shareable articles; an empty query lists all topics."""
    query = update.inline_query
    if query is None:
        return
    svc = services(context)
    ex = svc.explainer
    text = query.query.strip()
    match = ex.ask(text) if text else None
    turn = svc.turn(update)
    lang = turn.language(match.lang if match else None)
    asked = None  # the query when it is a question: the part of an answer it names first
    if not text:
        topic_ids = list(ex.knowledge.menu_topics)
    elif (shared := ex.topic_for_id(text)) is not None:  # the share button sends the id
        topic_ids = [shared]
    else:
        topic_ids = match.likely(MAX_RESULTS) if match else []
        asked = text
    results = []
    with use(ex.catalogs, lang):
        for topic_id in topic_ids[: 50 if not text else MAX_RESULTS]:
            shown = replies.answer_text(ex, topic_id, lang, asked)  # as the message starts
            reply = replies.answer_with_text(ex, topic_id, lang, shown, share=False)
            entry = ex.knowledge.entry(topic_id, lang)
            results.append(
                InlineQueryResultArticle(
                    id=f"{lang}:{topic_id}",
                    title=entry.question,
                    description=to_plain(shown)[:DESCRIPTION_CHARS].strip() + "…",
                    input_message_content=InputTextMessageContent(
                        reply.html, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
                    ),
                    reply_markup=keyboard(reply, callbacks=False),
                )
            )
        button = InlineQueryResultsButton(
            text=_("Ask me in a private chat"), start_parameter="inline"
        )
    log.info("inline query: %d result(s) lang=%s", len(results), lang)
    await query.answer(results, cache_time=60, is_personal=True, button=button)
