"""The core of issue 11: questions held in memory, sent to the team only on request,
anonymous feedback counts, retention, and the replies that carry the buttons."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from telegram import ChatMember

from bot import dialogue, feedback, replies
from bot.dialogue import Turn
from bot.explainer import Explainer
from bot.feedback import PendingQuestion, PendingQuestions, TeamInbox, topic_stats
from bot.i18n import use
from bot.share import deep_link, link_problems
from bot.storage import DATABASE_FILE, HELPFUL, NOT_HELPFUL, SENT, Store
from bot.telegram.permissions import AdminCache

DECLINED_TEXT = "how do I bake sourdough bread at home"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _question(text: str = "q") -> PendingQuestion:
    return PendingQuestion(text, "en", ("ai-act",), feedback.DECLINED)


# ------------------------------------------------------------------ held in memory


def test_a_held_question_is_taken_once() -> None:
    pending = PendingQuestions()
    key = pending.hold_question(_question("first"))
    assert len(key) == 16 and ":" not in key
    taken = pending.take(key)
    assert taken is not None and taken.text == "first"
    assert pending.take(key) is None
    assert pending.take("no-such-key") is None


def test_a_held_question_expires_after_the_hold() -> None:
    clock = FakeClock()
    pending = PendingQuestions(hold=900, clock=clock)
    late, early = pending.hold_question(_question("late")), None
    clock.now += 899
    early = pending.hold_question(_question("early"))
    clock.now += 1
    assert pending.take(late) is None  # exactly 15 minutes old: gone
    assert pending.take(early) is not None


def test_prune_forgets_expired_questions_without_a_press() -> None:
    clock = FakeClock()
    pending = PendingQuestions(hold=60, clock=clock)
    for number in range(5):
        pending.hold_question(_question(str(number)))
    clock.now += 61
    pending.prune()
    assert len(pending) == 0


def test_the_hold_can_be_shortened_never_lengthened() -> None:
    assert PendingQuestions(hold=10 * 3600).hold == feedback.HOLD_SECONDS
    clock = FakeClock()
    instant = PendingQuestions(hold=0, clock=clock)
    assert instant.take(instant.hold_question(_question())) is None


def test_memory_is_bounded_oldest_first() -> None:
    pending = PendingQuestions(capacity=3)
    keys = [pending.hold_question(_question(str(n))) for n in range(4)]
    assert len(pending) == 3
    assert pending.take(keys[0]) is None
    assert pending.take(keys[3]) is not None


def test_every_callback_fits_telegrams_64_bytes(explainer: Explainer) -> None:
    key = PendingQuestions().hold_question(_question())
    longest = max(explainer.knowledge.topics, key=len)
    actions = [feedback.send_action(key), feedback.wrong_action(key)] + [
        feedback.helpful_action(lang, longest, verdict)
        for lang in explainer.languages
        for verdict in (True, False)
    ]
    for action in actions:
        assert len(action.encode()) <= feedback.MAX_CALLBACK_BYTES, action
    assert feedback.parse_helpful(actions[-1][2:]) == (explainer.languages[-1], longest, False)
    assert feedback.parse_helpful("en:x") is None


# ------------------------------------------------------------------ stored only on a press


def _turn(explainer: Explainer, store: Store, *, group: bool = False) -> Turn:
    inbox = TeamInbox(PendingQuestions(), retention_days=30)
    return Turn(explainer, store, chat_id=42, client_code="en", group=group, inbox=inbox)


def _actions(reply: replies.Reply) -> list[str]:
    return [b.action for row in reply.buttons for b in row if b.action]


def test_a_declined_question_is_stored_only_when_sent(explainer: Explainer) -> None:
    store = Store(":memory:")
    turn = _turn(explainer, store)
    reply, _lang = dialogue.question(turn, DECLINED_TEXT)
    assert reply.topic_id in explainer.knowledge.pointers_elsewhere  # declined, pointed on
    [send] = [action for action in _actions(reply) if action.startswith("q:")]
    assert store.question_total() == 0  # asking stores nothing

    answer, _lang, notice = dialogue.press(turn, send)
    assert answer is None
    assert notice == _in(explainer, "en", replies.question_sent, 30)
    [stored] = store.questions()
    assert stored.text == DECLINED_TEXT and stored.lang == "en"
    assert stored.reason in (feedback.DECLINED, feedback.SUGGESTED)
    assert stored.day == feedback.today().isoformat()
    assert (None, "en", SENT, 1) in store.feedback_counts()

    _answer, _lang, again = dialogue.press(turn, send)  # a second press: already gone
    assert again == _in(explainer, "en", replies.question_expired)
    assert store.question_total() == 1


def test_not_what_i_asked_sends_and_counts_against_the_topic(explainer: Explainer) -> None:
    store = Store(":memory:")
    turn = _turn(explainer, store)
    reply, _lang = dialogue.question(turn, "what is facial recognition")
    assert reply.topic_id == "facial-recognition"
    actions = _actions(reply)
    assert "h:en:facial-recognition:y" in actions and "h:en:facial-recognition:n" in actions
    wrong = next(a for a in actions if a.startswith("w:"))
    dialogue.press(turn, wrong)
    [stored] = store.questions()
    assert stored.reason == feedback.WRONG_ANSWER
    assert stored.considered[0] == "facial-recognition"
    counts = store.feedback_counts()
    assert ("facial-recognition", "en", NOT_HELPFUL, 1) in counts
    assert ("facial-recognition", "en", SENT, 1) in counts


def test_helpful_buttons_count_anonymously(explainer: Explainer) -> None:
    store = Store(":memory:")
    turn = _turn(explainer, store)
    dialogue.press(turn, "h:de:fingerprints:y")
    dialogue.press(turn, "h:de:fingerprints:y")
    dialogue.press(turn, "h:de:fingerprints:n")
    for forged in ("h:de:no-such-topic:y", "h:xx-forged:fingerprints:y"):
        _reply, _lang, notice = dialogue.press(turn, forged)
        assert notice == _in(explainer, "en", replies.expired)
    assert store.feedback_counts() == [
        ("fingerprints", "de", HELPFUL, 2),
        ("fingerprints", "de", NOT_HELPFUL, 1),
    ]


def test_groups_get_no_send_buttons_and_the_terminal_no_feedback(explainer: Explainer) -> None:
    store = Store(":memory:")
    group_reply, _lang = dialogue.question(_turn(explainer, store, group=True), "fingerprints?")
    assert not any(a.startswith(("q:", "w:")) for a in _actions(group_reply))
    assert any(a.startswith("h:") for a in _actions(group_reply))
    plain = Turn(explainer, store, chat_id=1)
    for text in ("fingerprints?", DECLINED_TEXT):
        reply, _lang = dialogue.question(plain, text)
        assert not any(feedback.is_feedback_action(a) for a in _actions(reply))


def test_deep_link_answers_carry_helpful_buttons_only(explainer: Explainer) -> None:
    reply, _lang = dialogue.command(_turn(explainer, Store(":memory:")), "start", "de_fingerprints")
    actions = _actions(reply)
    assert "h:de:fingerprints:y" in actions
    assert not any(a.startswith(("q:", "w:")) for a in actions)


def _in(explainer: Explainer, lang: str, build: object, *args: object) -> object:
    with use(explainer.catalogs, lang):
        return build(*args)  # type: ignore[operator]


# ------------------------------------------------------------------ storage and retention


def test_a_stored_question_has_no_column_for_anyone(tmp_path: Path) -> None:
    store = Store(tmp_path / DATABASE_FILE)
    store.add_question(_question("x"), date(2026, 12, 1))
    store.close()
    with sqlite3.connect(tmp_path / DATABASE_FILE) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(team_question)")}
    assert columns == {"id", "text", "lang", "considered", "reason", "day"}


def test_retention_deletes_old_questions_from_the_files(tmp_path: Path) -> None:
    store = Store(tmp_path / DATABASE_FILE)
    store.add_question(_question("old-zebra-question"), date(2026, 8, 1))
    store.add_question(_question("new-question"), date(2026, 11, 30))
    cutoff = feedback.expired_before(90, date(2026, 12, 1))
    assert cutoff == date(2026, 9, 2)
    assert store.delete_questions_before(cutoff) == 1
    assert [q.text for q in store.questions()] == ["new-question"]
    for path in tmp_path.iterdir():  # the database, its WAL and shared memory
        assert b"old-zebra-question" not in path.read_bytes(), path
    assert store.purge_questions() == 1 and store.question_total() == 0
    store.close()


def test_stats_per_topic() -> None:
    rows = topic_stats(
        [("ai-act", "en", 3), ("ai-act", "de", 2), (None, "en", 4), ("eu-law", "fr", 1)],
        [("ai-act", "en", HELPFUL, 2), ("ai-act", "de", NOT_HELPFUL, 1), (None, "en", SENT, 2)],
    )
    assert [(r.topic, r.answered, r.helpful, r.not_helpful, r.sent) for r in rows] == [
        ("ai-act", 5, 2, 1, 0),
        ("eu-law", 1, 0, 0, 0),
        (None, 4, 0, 0, 2),
    ]


@pytest.mark.parametrize("lang", ["en", "de", "fr", "it", "es"])
def test_privacy_and_notices_in_every_language(explainer: Explainer, lang: str) -> None:
    with use(explainer.catalogs, lang):
        text = replies.privacy(45).html
        sent = replies.question_sent(3650)  # the longest retention allowed
        notices = [sent, replies.question_expired(), replies.thanks_for_feedback()]
        notices.append(replies.admins_only())
        buttons = replies.with_send_button(replies.Reply("x"), "k").buttons
    assert "45" in text and "/forget" in text and "3650" in sent
    assert all(len(notice) <= 200 for notice in notices), notices  # Telegram's limit
    if lang != "en":
        assert text != replies.privacy(45).html  # really translated
        assert buttons[0][0].label != "📨 Send this question to the team"


# ------------------------------------------------------------------ sharing


def test_deep_link_and_its_problems(explainer: Explainer) -> None:
    assert deep_link("@RyfBot", "fingerprints", "de") == "https://t.me/RyfBot?start=de_fingerprints"
    assert deep_link("RyfBot", "fingerprints", None) == "https://t.me/RyfBot?start=fingerprints"
    assert link_problems(explainer, "fingerprints", "RyfBot", "de") == []
    assert len(link_problems(explainer, "nope", "not-a-bot", "xx")) == 3
    # the payload is what /start understands
    assert dialogue.deep_link(explainer, "de_fingerprints") == ("fingerprints", "de")


def test_a_signpost_is_a_decline_with_the_send_button_after_its_links(
    explainer: Explainer,
) -> None:
    question = "is my phone listening to me"
    match = explainer.ask(question)
    if match.signpost is None:
        pytest.skip("the signpost no longer wins this question")
    store = Store(":memory:")
    turn = _turn(explainer, store)
    reply, _lang = dialogue.question(turn, question)
    actions = _actions(reply)
    assert actions and actions[-1].startswith("q:")  # after the links it points to
    assert not any(a.startswith(("h:", "w:")) for a in actions)  # not an answer
    dialogue.press(turn, actions[-1])
    [stored] = store.questions()
    assert stored.reason == feedback.DECLINED
    assert match.signpost not in stored.considered  # signposts are never "considered"


@pytest.mark.parametrize(
    ("text", "lang", "topic", "opening"),
    [
        ("thanks, that helped", "en", "thanks", "Glad to help!"),
        ("vielen Dank für die Antwort", "de", "thanks", "Gern!"),
        ("merci beaucoup", "fr", "thanks", "Avec plaisir !"),
        ("grazie mille", "it", "thanks", "Felice di esserti utile!"),
        ("muchas gracias", "es", "thanks", "¡Encantado de ayudar!"),
        ("tschüss", "de", "thanks", "Gern!"),  # once the bot's whole introduction
        # a campaigner trying the bot out: once answered with the country-by-country
        # list, because a trial at Berlin Südkreuz is called a "test"
        ("Test 1 2", "en", "ping", "I'm here and working."),
        ("nur ein Test", "de", "ping", "Ich bin da"),
        ("c'est juste un test", "fr", "ping", "Je suis là"),
        ("prova", "it", "ping", "Ci sono"),
        ("probando", "es", "ping", "Aquí estoy"),
        # a reader telling the bot it missed: once answered with accuracy-errors
        ("that's not right", "en", "criticism", "Sorry, that didn't help."),
        ("das stimmt nicht", "de", "criticism", "Tut mir leid"),
        ("c'est faux", "fr", "criticism", "Désolé"),
        ("risposta sbagliata", "it", "criticism", "Mi dispiace"),
        ("eso está mal", "es", "criticism", "Lo siento"),
        ("fuck this bot", "en", "criticism", "Sorry, that didn't help."),  # was a did-you-mean
        ("che schifo di bot", "it", "criticism", "Mi dispiace"),
        ("bot de mierda", "es", "criticism", "Lo siento"),  # the bot's introduction
        # a follow-up to the last answer, which the bot does not keep: "warum?" was once
        # answered with secrecy, "da bin ich anderer Meinung" with chilling-effect
        ("why?", "en", "follow-up", "I don't keep our conversation"),
        ("warum?", "de", "follow-up", "Ich merke mir unser Gespräch nicht"),
        ("da bin ich anderer Meinung", "de", "follow-up", "Ich merke mir"),
        ("c'est vrai ?", "fr", "follow-up", "Je ne garde pas"),
        ("dimmi di più", "it", "follow-up", "Non conservo"),
        ("¿por qué?", "es", "follow-up", "No guardo"),
        # someone lost after an answer: "no entiendo nada" got the nothing-to-hide answer
        # ("nada"), the others a "did you mean" it (2026-12-08)
        ("no entiendo nada", "es", "follow-up", "No guardo"),
        ("ich verstehe gar nichts", "de", "follow-up", "Ich merke mir"),
        ("I don't understand this", "en", "follow-up", "I don't keep our conversation"),
        ("je ne comprends rien", "fr", "follow-up", "Je ne garde pas"),
        ("non ci capisco niente", "it", "follow-up", "Non conservo"),
        # a "yes" or a number typed in reply to a "did you mean": "yes" got the GDPR answer
        # (a way of asking says "my yes"), "1" the face recognition one ("1:1") (2026-12-08)
        ("yes please", "en", "follow-up", "I don't keep our conversation"),
        ("the second one", "en", "follow-up", "I don't keep our conversation"),
        ("oui oui", "fr", "follow-up", "Je ne garde pas"),
        ("sì, quello", "it", "follow-up", "Non conservo"),
        ("sí, ese", "es", "follow-up", "No guardo"),
        ("1", "en", "follow-up", "I don't keep our conversation"),
        # a puzzled reply: "wtf" alone got the mass-surveillance answer ("wtf is ...")
        ("what??", "en", "follow-up", "I don't keep our conversation"),
        ("weiß ich nicht", "de", "follow-up", "Ich merke mir"),
        ("je ne sais pas", "fr", "follow-up", "Je ne garde pas"),
        ("¿qué??", "es", "follow-up", "No guardo"),
        ("seit wann denn?", "de", "follow-up", "Ich merke mir"),  # "since when?" got the AI Act
        # a language request: once the bot's whole introduction
        ("english please", "en", "languages", "I speak English, German"),
        ("sprichst du Deutsch?", "de", "languages", "Ich spreche Deutsch"),
        ("tu parles français ?", "fr", "languages", "Je parle français"),
        ("parli italiano?", "it", "languages", "Parlo italiano"),
        ("¿hablas español?", "es", "languages", "Hablo español"),
        # a language asked for by name gets the reply in it, whatever the grammar: "in"
        # and "pls" made this English (2026-12-08); two languages named decide nothing
        ("scrivimi in italiano pls", "it", "languages", "Parlo italiano"),
        ("can you answer in Spanish?", "es", "languages", "Hablo español"),
        ("do you speak German or French?", "en", "languages", "I speak English, German"),
        # ... but not one named after a negation: this one got English (a probe, 2026-12-08)
        ("no hablo inglés, ¿me contestas en español?", "es", "languages", "Hablo español"),
        ("je ne parle pas anglais", "fr", "languages", "Je parle français"),
        # a language the bot does not speak, in a script none of its languages uses: was
        # "Sorry, I don't know that one"; the chat's language replies (here English)
        ("Что такое распознавание лиц?", "en", "languages", "I speak English, German"),
        ("人脸识别是什么", "en", "languages", "I speak English, German"),
    ],
)
def test_small_talk_gets_a_short_reply_and_nothing_for_the_team(
    explainer: Explainer, text: str, lang: str, topic: str, opening: str
) -> None:
    store = Store(":memory:")
    reply, reply_lang = dialogue.question(_turn(explainer, store), text)
    assert reply_lang == lang and reply.topic_id == topic
    assert reply.html.startswith(opening) and "<b>" not in reply.html  # no heading
    assert len(reply.html) <= 300
    actions = _actions(reply)
    assert actions and all(a.startswith("t:") for a in actions)  # the related topics only
    assert store.counts() == [(topic, lang, 1)]  # not among the unanswered


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("thanks, but can my employer make me give my fingerprints?", "work-school"),
        ("is face recognition useless?", "facial-recognition"),  # not "this bot is useless"
        ("il riconoscimento facciale è inutile?", "facial-recognition"),
        ("¿es inútil el reconocimiento facial?", "facial-recognition"),
        ("that's wrong, the AI act bans it", "ai-act"),
        ("Test: Gesichtserkennung am Bahnhof Südkreuz", "countries"),
        ("I don't understand what biometric data is", "biometric-data"),
        ("why is facial recognition dangerous?", "facial-recognition"),
        ("Stimmt es, dass die EU Gesichtserkennung verboten hat?", "ai-act"),
        ("è vero che i supermercati usano il riconoscimento facciale?", "shops-venues"),
        # small talk beside a short question, which alone it outweighs
        # (`Explainer.beside_small_talk`): each of these once got the small-talk reply
        ("parli italiano? cos'è il riconoscimento facciale", "facial-recognition"),
        ("erzähl mir mehr über den AI Act", "ai-act"),
        # a greeting beside a question: the bot's introduction, once (a probe, 2026-12-08)
        ("ciao bot, come stai? che cos'è l'ai act?", "ai-act"),
        ("hi bot how are you? what is the ai act", "ai-act"),
        ("dimmi di più sull'AI Act", "ai-act"),
        ("dis-m'en plus sur l'AI Act", "ai-act"),
        ("English please. What is Reclaim Your Face?", "campaign"),
        # the topic ranks fourth after small talk on the whole message ("italiano" pulls
        # countries and national-actions up), and "parli" alone is small talk too: the
        # surest rest is taken
        ("parli italiano? cosa è il riconoscimento facciale", "facial-recognition"),
        ("hablas español? qué es el reconocimiento facial", "facial-recognition"),
        # a greeting is an aside only as a clause of its own: "Schreibe ich einer
        # menschlichen Person" alone is about the bot, and the rest is no question
        ("Schreibe ich einer menschlichen Person oder einer Maschine?", "about-bot"),
    ],
)
def test_small_talk_inside_a_question_does_not_hide_the_question(
    explainer: Explainer, question: str, topic: str
) -> None:
    reply, _lang = dialogue.question(_turn(explainer, Store(":memory:")), question)
    assert reply.topic_id == topic and reply.html.startswith("<b>")  # an answer


@pytest.mark.parametrize(
    "message",
    [
        "why?",
        "tell me more",
        "Quelle?",
        "parli italiano?",
        "thanks a lot, bye",
        "thanks, that helped",
        # praise of the bot: "bot" alone is answered about the bot, less surely than
        # the whole message is thanks (these got about-bot and bot-privacy)
        "merci, super bot",
        "danke, toller Bot",
        "Good work on the bot, thank you",
        # one word left is a piece of the small talk: "rien" alone is answered with
        # nothing-to-hide, "t'es nul tu comprends" is criticism (a helper's probe)
        "t'es nul tu comprends rien",
        "non hai capito niente",
    ],
)
def test_small_talk_alone_keeps_its_reply(explainer: Explainer, message: str) -> None:
    """Nothing beside it to answer: every opening and closing is small talk, or what is
    left gets no answer."""
    match = explainer.ask(message)
    assert match.topic_id is None and match.signpost in explainer.knowledge.smalltalk
    assert explainer.beside_small_talk(message, explainer.matcher.match(message)) is None


class _Members:
    """getChatMember of the Bot API, answering "administrator" and counting requests."""

    def __init__(self) -> None:
        self.asked = 0

    async def get_chat_member(self, chat_id: int, user_id: int) -> object:
        self.asked += 1
        return SimpleNamespace(status=ChatMember.ADMINISTRATOR)


async def test_an_administrator_check_is_remembered_for_its_minute_only() -> None:
    clock = FakeClock()
    admins, members = AdminCache(ttl=60, clock=clock), _Members()
    assert await admins.is_admin(members, -100, 7)  # type: ignore[arg-type]
    clock.now += 30
    admins.prune()
    assert len(admins) == 1
    assert await admins.is_admin(members, -100, 7)  # type: ignore[arg-type]
    assert members.asked == 1  # the second answer came from memory
    clock.now += 31
    admins.prune()
    assert len(admins) == 0  # gone without anyone asking again


async def test_housekeeping_prunes_every_minute_and_deletes_daily(
    explainer: Explainer, tmp_path: Path
) -> None:
    """bot/telegram/maintenance.py with a sleep that returns at once: 3 simulated days."""
    import asyncio

    from bot.telegram.maintenance import housekeeping
    from bot.telegram.services import Services
    from bot.telegram.settings import Settings

    clock = FakeClock()
    store = Store(tmp_path / DATABASE_FILE)
    svc = Services(explainer, store, Settings(token="1:" + "x" * 30))
    svc.inbox = TeamInbox(PendingQuestions(hold=900, clock=clock), retention_days=30)
    held = svc.inbox.pending.hold_question(_question("held"))
    svc.admins = AdminCache(clock=clock)
    assert await svc.admins.is_admin(_Members(), -100, 7)  # type: ignore[arg-type]
    assert len(svc.admins) == 1
    deletions: list[int] = []
    real_delete = store.delete_questions_before

    def counting_delete(day: date) -> int:
        deletions.append(len(deletions))
        return real_delete(day)

    store.delete_questions_before = counting_delete  # type: ignore[method-assign]
    slept: list[float] = []

    async def fast_sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds
        if len(slept) > 3 * 24 * 60:  # the sleep after the third day
            raise asyncio.CancelledError

    forgotten: list[float] = []  # the flood throttle's and sending limits' chat ids

    with pytest.raises(asyncio.CancelledError):
        await housekeeping(svc, sleep=fast_sleep, forget=[lambda: forgotten.append(clock.now)])
    assert set(slept) == {60.0}
    assert len(forgotten) == len(slept) - 1  # after every sleep but the cancelled one
    assert len(deletions) == 1 + 3  # at start, then once a day
    assert svc.inbox.pending.take(held) is None and len(svc.inbox.pending) == 0
    assert len(svc.admins) == 0  # the group member's id is not kept past its minute
    store.close()
