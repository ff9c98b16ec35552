"""A conversation turn, independent of Telegram: text or command in, Reply out.

The Telegram handlers and `python -m bot chat` both call these functions, so the
terminal shows exactly what the bot would say. The caller says who is asking
(chat id, the client's language code, whether it is a group) and where state
lives; the functions decide the reply language and build the reply.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import feedback, replies, storage
from bot.explainer import Explainer
from bot.feedback import PendingQuestion, TeamInbox
from bot.i18n import use
from bot.language import reply_language
from bot.matcher import Match
from bot.replies import Reply
from bot.storage import Store

ABOUT_TOPICS = {"involved": "get-involved"}
CONSIDERED = 3  # how many of the matcher's best topics a sent question records


@dataclass(frozen=True)
class Turn:
    """Who is talking to the bot, as far as the reply needs to know."""

    explainer: Explainer
    store: Store
    chat_id: int
    client_code: str | None = None  # Telegram's language_code of the sender
    group: bool = False
    inbox: TeamInbox | None = None  # feedback buttons only where someone can press them

    def language(self, question_lang: str | None = None) -> str:
        return reply_language(
            self.explainer.languages,
            question_lang=question_lang,
            chosen=lambda: self.store.language(self.chat_id),
            client_code=self.client_code,
        )


FOLLOW_UP = "follow-up"  # the small talk of "why?", "source?", "tell me more"


def question(
    turn: Turn, text: str, replied: tuple[str, str | None] | None = None
) -> tuple[Reply, str]:
    """Answer free text; returns the reply and its language. `replied`: the topic and
    language of the bot's answer that the message replies to (Telegram's reply), if
    any: a follow-up ("source?") then gets that answer's sources and related topics
    again, in its language, since the bot keeps no conversation of its own."""
    ex = turn.explainer
    match = ex.ask(text)
    if match.signpost == FOLLOW_UP and replied and replied[0] in ex.knowledge.menu_topics:
        topic_id, answer_lang = replied
        lang = answer_lang if answer_lang in ex.languages else turn.language(match.lang)
        turn.store.count_question(FOLLOW_UP, lang)
        with use(ex.catalogs, lang):
            return replies.more_on(ex, topic_id, lang), lang
    return reply_to(turn, match, text)


def sticker(turn: Turn, emoji: str | None) -> tuple[Reply, str] | None:
    """The reply to a sticker whose emoji a topic lists (a 👍 sticker is thanks, as the
    emoji sent as text is: `Explainer.reacted`), and its language; None for any other
    sticker, which gets the note that only text is read."""
    match = turn.explainer.reacted(emoji) if emoji else None
    return None if match is None else reply_to(turn, match, emoji)


def reply_to(turn: Turn, match: Match, text: str | None = None) -> tuple[Reply, str]:
    """The reply to a question the matcher has already judged, and its language.

    With `text` and an inbox, in a private chat, the question is held in memory so
    that its asker may choose to send it to the team (bot/feedback.py).
    """
    ex = turn.explainer
    lang = turn.language(match.lang)
    smalltalk = match.signpost in ex.knowledge.smalltalk
    turn.store.count_question(match.signpost if smalltalk else match.topic_id, lang)
    with use(ex.catalogs, lang):
        reply = replies.for_match(ex, match, lang, brief=turn.group, question=text)
        if turn.inbox is None or smalltalk:  # nothing for the team in a "thank you"
            return reply, lang
        key = _hold(turn.inbox, match, text, lang) if text and not turn.group else None
        if match.topic_id is not None:
            return replies.with_answer_feedback(reply, lang, match.topic_id, key), lang
        return replies.with_send_button(reply, key), lang


def _hold(inbox: TeamInbox, match: Match, text: str, lang: str) -> str:
    """Keep the question in memory for the asker's choice; the key for the button."""
    if match.topic_id is not None:
        reason = feedback.WRONG_ANSWER
    else:
        reason = feedback.SUGGESTED if match.suggestions else feedback.DECLINED
    considered = tuple(topic for topic, _score, _lang in match.ranked[:CONSIDERED])
    pending = PendingQuestion(text, lang, considered, reason, answered=match.topic_id)
    return inbox.pending.hold_question(pending)


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
                return _answer(turn, topic_id, lang), lang
    if name == "forget":
        had_data = turn.store.forget(turn.chat_id)
        lang = turn.language()
        with use(ex.catalogs, lang):
            return replies.forgotten(had_data), lang
    lang = turn.language()
    with use(ex.catalogs, lang):
        if name in ABOUT_TOPICS:
            return _answer(turn, ABOUT_TOPICS[name], lang), lang
        if name == "privacy":
            days = turn.inbox.retention_days if turn.inbox else feedback.RETENTION_DAYS
            return replies.privacy(days), lang
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
    if feedback.is_feedback_action(action) and turn.inbox is not None:
        return None, *feedback_press(turn, turn.inbox, kind, rest)
    if (shown := replies.topic_of_action(action)) is not None:
        lang, topic_id = shown
        if topic_id in ex.knowledge.topics:
            lang = lang if lang in ex.languages else turn.language()
            with use(ex.catalogs, lang):
                return _answer(turn, topic_id, lang), lang, None
    elif kind == "m":
        lang, _, page = rest.partition(":")
        known = lang in ex.languages and page.isascii() and page.isdigit() and len(page) < 5
        if known and int(page) < replies.menu_pages(ex):
            with use(ex.catalogs, lang):
                return replies.topics(ex, lang, int(page)), lang, None
    elif kind == "l" and rest in ex.languages:
        turn.store.set_language(turn.chat_id, rest)
        with use(ex.catalogs, rest):
            return replies.language_set(rest), rest, None
    lang = turn.language()
    with use(ex.catalogs, lang):
        return None, lang, replies.expired()


def _answer(turn: Turn, topic_id: str, lang: str) -> Reply:
    """A topic's answer, with "helpful? yes / no" where feedback is collected."""
    reply = replies.answer(turn.explainer, topic_id, lang)
    if turn.inbox is None:
        return reply
    return replies.with_answer_feedback(reply, lang, topic_id, None)


def feedback_press(turn: Turn, inbox: TeamInbox, kind: str, rest: str) -> tuple[str, str]:
    """A press on a feedback button: (language, the short notice to show)."""
    lang = turn.language()
    with use(turn.explainer.catalogs, lang):
        if kind == feedback.HELPFUL:
            parsed = feedback.parse_helpful(rest)
            ex = turn.explainer
            if (
                parsed is None
                or parsed[0] not in ex.languages
                or parsed[1] not in ex.knowledge.topics
            ):
                return lang, replies.expired()  # forged or from an older knowledge
            topic_lang, topic_id, helpful = parsed
            kind_counted = storage.HELPFUL if helpful else storage.NOT_HELPFUL
            turn.store.count_feedback(topic_id, topic_lang, kind_counted)
            return lang, replies.thanks_for_feedback()
        pending = inbox.pending.take(rest)
        if pending is None:
            return lang, replies.question_expired()
        turn.store.add_question(pending, feedback.today())
        turn.store.count_feedback(pending.answered, pending.lang, storage.SENT)
        if pending.answered is not None:  # "not what I asked": the answer was wrong
            turn.store.count_feedback(pending.answered, pending.lang, storage.NOT_HELPFUL)
        return lang, replies.question_sent(inbox.retention_days)


def deep_link(ex: Explainer, payload: str) -> tuple[str | None, str | None]:
    """`fingerprints` or `de_fingerprints` -> (topic id, language or None)."""
    payload = payload.strip()
    lang, sep, rest = payload.partition("_")
    if sep and lang in ex.languages and rest in ex.knowledge.topics:
        return rest, lang
    if payload in ex.knowledge.topics:
        return payload, None
    return None, None
