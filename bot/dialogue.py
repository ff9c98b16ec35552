"""A conversation turn, independent of Telegram: text or command in, Reply out.

The Telegram handlers and `python -m bot chat` both call these functions, so the
terminal shows exactly what the bot would say. The caller says who is asking
(chat id, the client's language code, whether it is a group) and where state
lives; the functions decide the reply language and build the reply.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import replies
from bot.explainer import Explainer
from bot.i18n import use
from bot.language import reply_language
from bot.matcher import Match
from bot.replies import Reply
from bot.storage import Store

ABOUT_TOPICS = {"involved": "get-involved", "privacy": "bot-privacy"}


@dataclass(frozen=True)
class Turn:
    """Who is talking to the bot, as far as the reply needs to know."""

    explainer: Explainer
    store: Store
    chat_id: int
    client_code: str | None = None  # Telegram's language_code of the sender
    group: bool = False

    def language(self, question_lang: str | None = None) -> str:
        return reply_language(
            self.explainer.languages,
            question_lang=question_lang,
            chosen=self.store.language(self.chat_id),
            client_code=self.client_code,
        )


def question(turn: Turn, text: str) -> tuple[Reply, str]:
    """Answer free text; returns the reply and its language."""
    return reply_to(turn, turn.explainer.ask(text))


def reply_to(turn: Turn, match: Match) -> tuple[Reply, str]:
    """The reply to a question the matcher has already judged, and its language."""
    ex = turn.explainer
    lang = turn.language(match.lang)
    turn.store.count_question(match.topic_id, lang)
    with use(ex.catalogs, lang):
        return replies.for_match(ex, match, lang, brief=turn.group), lang


def command(turn: Turn, name: str, argument: str = "") -> tuple[Reply, str]:
    """Reply to a known command (`name` without the slash or @bot)."""
    ex = turn.explainer
    if name == "ask":
        if not argument.strip():
            lang = turn.language()
            with use(ex.catalogs, lang):
                return replies.empty_ask(), lang
        return question(turn, argument)
    if name == "start" and argument:
        topic_id, payload_lang = deep_link(ex, argument)
        if topic_id is not None:
            lang = turn.language(payload_lang)
            with use(ex.catalogs, lang):
                return replies.answer(ex, topic_id, lang), lang
    if name == "forget":
        had_data = turn.store.forget(turn.chat_id)
        lang = turn.language()
        with use(ex.catalogs, lang):
            return replies.forgotten(had_data), lang
    lang = turn.language()
    with use(ex.catalogs, lang):
        if name in ABOUT_TOPICS:
            return replies.answer(ex, ABOUT_TOPICS[name], lang), lang
        builders = {
            "start": replies.welcome,
            "help": replies.help_text,
            "topics": replies.topics,
            "watch": replies.watch,
        }
        if name == "language":
            return replies.language_menu(ex, turn.store.language(turn.chat_id)), lang
        return builders.get(name, replies.help_text)(ex, lang), lang


def press(turn: Turn, action: str) -> tuple[Reply | None, str, str | None]:
    """A button press: (reply to send or None, its language, a short notice or None)."""
    ex = turn.explainer
    kind, _, rest = action.partition(":")
    if kind == "t":
        lang, _, topic_id = rest.partition(":")
        if topic_id in ex.knowledge.topics:
            lang = lang if lang in ex.languages else turn.language()
            with use(ex.catalogs, lang):
                return replies.answer(ex, topic_id, lang), lang, None
    elif kind == "l" and rest in ex.languages:
        turn.store.set_language(turn.chat_id, rest)
        with use(ex.catalogs, rest):
            return replies.language_set(rest), rest, None
    lang = turn.language()
    with use(ex.catalogs, lang):
        return None, lang, replies.expired()


def deep_link(ex: Explainer, payload: str) -> tuple[str | None, str | None]:
    """`fingerprints` or `de_fingerprints` -> (topic id, language or None)."""
    payload = payload.strip()
    lang, sep, rest = payload.partition("_")
    if sep and lang in ex.languages and rest in ex.knowledge.topics:
        return rest, lang
    if payload in ex.knowledge.topics:
        return payload, None
    return None, None
