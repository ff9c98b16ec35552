"""What the bot says, independent of Telegram: text in Telegram HTML plus buttons.

Handlers and the terminal chat both render these `Reply` objects, so `python -m
bot chat` shows exactly what the bot would send. Every string goes through
`_()`; call these inside `i18n.use(catalogs, lang)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from bot import feedback
from bot.explainer import Explainer
from bot.feedback import TeamQuestion, TopicStats
from bot.focus import focused
from bot.freshness import last_checked, month_name
from bot.i18n import _, language_name
from bot.markup import escape
from bot.matcher import Match

MAX_RELATED = 3
MENU_COLUMNS = 2
MENU_PAGE = 20  # topics per menu page


@dataclass(frozen=True)
class Button:
    label: str
    url: str | None = None  # opens a page
    action: str | None = None  # callback: see `actions` below
    share: str | None = None  # opens inline mode with this query

    # actions: "t:<lang>:<topic>" show a topic, "l:<lang>" choose a language;
    # "q:", "w:", "h:" feedback (bot/feedback.py)


@dataclass(frozen=True)
class Reply:
    html: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    topic_id: str | None = None  # the topic answered, if any


def topic_action(lang: str, topic_id: str) -> str:
    return f"t:{lang}:{topic_id}"


def topic_of_action(action: str) -> tuple[str, str] | None:
    """(language, topic id) of a `topic_action`, None for any other action."""
    kind, _, rest = action.partition(":")
    lang, sep, topic_id = rest.partition(":")
    return (lang, topic_id) if kind == "t" and sep else None


def answer(
    ex: Explainer, topic_id: str, lang: str, *, share: bool = True, question: str | None = None
) -> Reply:
    """A topic's answer with its links, related topics and a share button; small talk
    ("thanks") without its question as a heading. Given the `question` it answers, the
    part of the answer that the question is about comes first (`bot.focus`)."""
    text = answer_text(ex, topic_id, lang, question)
    return answer_with_text(ex, topic_id, lang, text, share=share)


def answer_with_text(
    ex: Explainer, topic_id: str, lang: str, text: str, *, share: bool = True
) -> Reply:
    """`answer` around an answer text already made by `answer_text` (inline mode shows
    its start as the result's description too, so it makes the text once)."""
    kb = ex.knowledge
    entry = kb.entry(topic_id, lang)
    topic = kb.topics[topic_id]
    rows: list[tuple[Button, ...]] = [
        (Button(kb.link_label(link_id, lang), url=kb.links[link_id].url_for(lang)),)
        for link_id in topic.links
    ]
    rows.extend(
        (Button("➜ " + kb.entry(related, lang).question, action=topic_action(lang, related)),)
        for related in topic.related[:MAX_RELATED]
    )
    if share:
        rows.append((Button(_("Share this answer"), share=topic_id),))
    if not topic.smalltalk:
        text = f"<b>{escape(entry.question)}</b>\n\n{text}"
    return Reply(text, tuple(rows), topic_id)


def answer_text(ex: Explainer, topic_id: str, lang: str, question: str | None = None) -> str:
    """A topic's answer text (Telegram HTML, no heading); given the `question` it answers,
    with the part the question is about first (`bot.focus`)."""
    kb = ex.knowledge
    entry = kb.entry(topic_id, lang)
    if question is None:
        return entry.answer.strip()
    language = kb.languages.get(lang)
    words = language.function_words if language is not None else frozenset()
    # a name's forms are for the language's own answers, not the English standing in
    if language is None or topic_id not in language.entries:
        return focused(entry.answer.strip(), question, lang, entry.question, words)
    return focused(
        entry.answer.strip(),
        question,
        lang,
        entry.question,
        words,
        language.name_forms,
        partial(ex.matcher.uses, lang),  # a word the language uses is no typo of a form
    )


def more_on(ex: Explainer, topic_id: str, lang: str) -> Reply:
    """The reply to "source?" or "tell me more" sent as a reply to one of the bot's
    answers: that answer's links (its sources) and related topics, again as buttons."""
    kb = ex.knowledge
    rows = tuple(answer(ex, topic_id, lang, share=False).buttons)
    text = _(
        "More on <b>{question}</b>: the buttons below open the sources of that answer and "
        "related topics. To ask something else about it, write your whole question."
    ).format(question=escape(kb.entry(topic_id, lang).question))
    return Reply(text, rows)


def menu_action(lang: str, page: int) -> str:
    return f"m:{lang}:{page}"


def menu_pages(ex: Explainer) -> int:
    return max(1, -(-len(ex.knowledge.menu_topics) // MENU_PAGE))


def topic_menu(ex: Explainer, lang: str, page: int = 0) -> tuple[tuple[Button, ...], ...]:
    """One page of the topic menu, with buttons to the previous and next pages.

    Telegram refuses inline keyboards of more than about 100 buttons, and a long one
    is hard to use on a phone: MENU_PAGE topics a page, in menu order."""
    pages = menu_pages(ex)
    page = min(max(page, 0), pages - 1)
    shown = ex.knowledge.menu_topics[page * MENU_PAGE : (page + 1) * MENU_PAGE]
    buttons = [
        Button(ex.knowledge.entry(topic_id, lang).question, action=topic_action(lang, topic_id))
        for topic_id in shown
    ]
    rows = [tuple(buttons[i : i + MENU_COLUMNS]) for i in range(0, len(buttons), MENU_COLUMNS)]
    turns = []  # arrows and page numbers: the same in every language
    if page > 0:
        turns.append(Button(f"◀ {page}/{pages}", action=menu_action(lang, page - 1)))
    if page < pages - 1:
        turns.append(Button(f"{page + 2}/{pages} ▶", action=menu_action(lang, page + 1)))
    if turns:
        rows.append(tuple(turns))
    return tuple(rows)


def did_you_mean(ex: Explainer, suggestions: tuple[str, ...], lang: str) -> Reply:
    rows = tuple(
        (Button(ex.knowledge.entry(t, lang).question, action=topic_action(lang, t)),)
        for t in suggestions
    )
    one = len(suggestions) == 1  # "one of these" over a single button reads oddly
    return Reply(_("Did you mean this?") if one else _("Did you mean one of these?"), rows)


def not_understood(ex: Explainer, lang: str, *, brief: bool = False) -> Reply:
    """The honest "I don't know that one"; in groups one short line without the menu."""
    if brief:
        return Reply(_("Sorry, I don't know that one. Send /topics to see what I can explain."))
    text = _(
        "Sorry, I don't know that one. I only know about biometric mass surveillance "
        "and the Reclaim Your Face campaign.\n\n"
        "Try a short question such as <i>What is facial recognition?</i>, "
        "or pick a topic:"
    )
    return Reply(text, topic_menu(ex, lang))


def for_match(
    ex: Explainer, match: Match, lang: str, *, brief: bool = False, question: str | None = None
) -> Reply:
    """The reply to a free-text `question`, given what the matcher found."""
    if match.topic_id is not None:
        return answer(ex, match.topic_id, lang, question=question)
    if match.signpost is not None:
        return answer(ex, match.signpost, lang, share=False)
    if match.suggestions:
        return did_you_mean(ex, match.suggestions, lang)
    return not_understood(ex, lang, brief=brief)


def welcome(ex: Explainer, lang: str) -> Reply:
    text = _(
        "Hi! I explain biometric mass surveillance: what biometric data is, why your "
        "face and fingerprints matter, what EU law says and how you can help "
        "<b>Reclaim Your Face</b>.\n\n"
        "Ask me anything in your own words, or pick a topic:"
    )
    return Reply(text, topic_menu(ex, lang))


def help_text(ex: Explainer, lang: str) -> Reply:
    text = _(
        "<b>How to use me</b>\n\n"
        "Just type a question, for example <i>Is my voice biometric data?</i>\n\n"
        "/topics: everything I can explain\n"
        "/watch: documentaries and videos\n"
        "/involved: what you can do\n"
        "/language: choose your language\n"
        "/privacy: what I store (almost nothing)\n"
        "/forget: delete what I stored about this chat\n"
        "/ask: ask a question (useful in groups)\n\n"
        "In a group, mention me or reply to one of my messages. In any chat, type "
        "my @username and a question to share an answer."
    )
    return Reply(text + currency_note(ex, lang))


def currency_note(ex: Explainer, lang: str) -> str:
    """How current the answers are: the month of the oldest English fact check."""
    month = last_checked(ex.knowledge)
    if month is None:
        return ""
    note = _("The facts in my answers were last checked in {month}.")
    return "\n\n" + note.format(month=escape(month_name(month, lang)))


def topics(ex: Explainer, lang: str, page: int = 0) -> Reply:
    return Reply(_("Here is everything I can explain. Pick a topic:"), topic_menu(ex, lang, page))


def watch(ex: Explainer, lang: str) -> Reply:
    films = ("documentary-belgrade", "video-surveillance-industry")
    rows = tuple(
        (Button("🎬 " + ex.knowledge.entry(t, lang).question, action=topic_action(lang, t)),)
        for t in films
        if t in ex.knowledge.topics
    )
    return Reply(_("Films and videos about biometric mass surveillance. Pick one:"), rows)


def language_menu(ex: Explainer, current: str | None) -> Reply:
    buttons = [
        Button(("✓ " if code == current else "") + language_name(code), action=f"l:{code}")
        for code in ex.languages
    ]
    rows = tuple(tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3))
    return Reply(_("Which language should I use?"), rows)


def language_set(lang: str) -> Reply:
    return Reply(
        _(
            "Done: I will answer in {language}. Questions in another language still get an answer in that language."
        ).format(language=escape(language_name(lang)))
    )


def forgotten(had_data: bool) -> Reply:
    if had_data:
        return Reply(
            _("Done: I deleted everything I stored about this chat (its language choice).")
        )
    return Reply(_("I had nothing stored about this chat, so there was nothing to delete."))


def expired() -> str:
    return _("This button has expired. Send /topics to start again.")


def empty_ask() -> Reply:
    return Reply(_("Ask me something after the command, for example: /ask what is biometric data?"))


# ------------------------------------------------------------------ feedback and the team


def with_send_button(reply: Reply, key: str | None) -> Reply:
    """A decline, "did you mean" or signpost reply, plus the button that sends the question
    to the team: first, so that a long topic menu does not hide it, but after a signpost's
    own links (the help it points to comes first). Unchanged without a key."""
    if key is None:
        return reply
    button = Button("📨 " + _("Send this question to the team"), action=feedback.send_action(key))
    if reply.topic_id is not None:  # a signpost
        return Reply(reply.html, (*reply.buttons, (button,)), reply.topic_id)
    return Reply(reply.html, ((button,), *reply.buttons), reply.topic_id)


def with_answer_feedback(reply: Reply, lang: str, topic_id: str, key: str | None) -> Reply:
    """An answer plus "helpful? yes / no" and, when the question is held, "not what I asked"."""
    rows: list[tuple[Button, ...]] = [
        (
            Button("👍 " + _("Helpful"), action=feedback.helpful_action(lang, topic_id, True)),
            Button("👎 " + _("Not helpful"), action=feedback.helpful_action(lang, topic_id, False)),
        )
    ]
    if key is not None:
        rows.append(
            (Button(_("Not what I asked: send it to the team"), action=feedback.wrong_action(key)),)
        )
    return Reply(reply.html, (*reply.buttons, *rows), reply.topic_id)


def question_sent(retention_days: int) -> str:
    """The notice after "send": at most 200 characters (Telegram's limit for it)."""
    return _(
        "Sent, thank you! The team gets your question without your name or any ID, "
        "and deletes it after {days} days."
    ).format(days=retention_days)


def question_expired() -> str:
    return _(
        "Too late: I keep a question for 15 minutes at most, and this one is gone. "
        "Ask it again to send it."
    )


def thanks_for_feedback() -> str:
    return _("Thank you for your feedback!")


def privacy(retention_days: int) -> Reply:
    """/privacy: exactly what is kept, why and for how long."""
    text = _(
        "<b>What this bot stores</b>\n\n"
        "<b>Your messages:</b> not stored. I read a question, answer it and forget it. "
        "When I cannot answer, or my answer missed, I keep the question in memory for at most "
        "15 minutes, so that you can choose to send it to the team.\n\n"
        "<b>Questions you send to the team</b> (only when you press the button): the text, "
        "its language, the topics I considered, why it was sent (no answer, only suggestions, "
        "or a wrong answer) and the day, never your name, user ID or chat. "
        "The team reads them to improve my answers. They are deleted after {days} days.\n\n"
        "<b>Your language choice</b> (/language): kept for this chat under a scrambled key, "
        "until you send /forget.\n\n"
        "<b>Anonymous counters</b>: questions per topic and language, unanswered questions, "
        "and the helpful / not helpful buttons, with no identifier, so the team sees which "
        "answers fail."
    ).format(days=retention_days)
    return Reply(text)


MAX_STATS_ROWS = 60  # ~45 characters a row keeps the message far below 4,096


def stats(rows: list[TopicStats]) -> Reply:
    """/stats for admins: per topic answered, helpful, not helpful, sent to the team."""
    lines = [
        _("<b>Since the counters started</b> (no identifiers are kept)"),
        _("Per topic: answered / helpful / not helpful / sent to the team"),
    ]
    table = [
        f"{s.answered:>5} {s.helpful:>4} {s.not_helpful:>4} {s.sent:>4}  {escape(s.topic)}"
        for s in rows
        if s.topic is not None
    ][:MAX_STATS_ROWS]
    if table:
        lines.append("<code>" + "\n".join(table) + "</code>")
    declined = next((s for s in rows if s.topic is None), TopicStats(None))
    lines.append(
        _("Declined: {count} (sent to the team: {sent})").format(
            count=declined.answered, sent=declined.sent
        )
    )
    return Reply("\n".join(lines))


LISTED_QUESTIONS = 10
QUESTION_CHARS = 300  # ten of them stay far below Telegram's 4,096 characters


def team_questions(total: int, latest: list[TeamQuestion]) -> Reply:
    """/questions for admins: how many are waiting and the latest ones."""
    if total == 0:
        return Reply(_("No questions are waiting."))
    lines = [
        _("<b>Questions sent to the team: {count}</b>").format(count=total),
        _("Export them all with: python -m bot questions export FILE"),
    ]
    for item in latest[:LISTED_QUESTIONS]:
        text = item.text if len(item.text) <= QUESTION_CHARS else item.text[:QUESTION_CHARS] + "…"
        considered = ", ".join(item.considered) or "-"
        lines.append(
            f"\n<i>{escape(item.day)} [{escape(item.lang)}] {escape(item.reason)}: "
            f"{escape(considered)}</i>\n{escape(text)}"
        )
    return Reply("\n".join(lines))


def admins_only() -> str:
    """To a group member who tried to change a group-wide setting (one line)."""
    return _("Only this group's administrators can change its settings.")


def group_intro(username: str) -> Reply:
    """What the bot says once when it is added to a group."""
    text = _(
        "Hello! I answer questions about biometric mass surveillance and the Reclaim Your Face "
        "campaign, in plain words and with sources.\n\n"
        "I only speak when addressed: mention me (@{username}), reply to one of my messages, "
        "or use /ask followed by your question. /topics shows everything I can explain."
    ).format(username=escape(username))
    return Reply(text)
