"""End to end: the real bot process (`python -m bot run`) against a Bot API stand-in over HTTP.

One polling bot serves most tests of this module (module-scoped, in file order; the last test
stops it with SIGTERM and checks its exit code and its log). Webhook mode, a broken knowledge
file and reloading each get their own process and their own stand-in. Every test uses its own
chat ids, so replies are counted per chat. See tests/e2e_helpers.py for the helpers and for
the "barrier" used to check that something got no reply.
"""

from __future__ import annotations

import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import replies
from bot.explainer import Explainer
from bot.i18n import DEFAULT_LANG, _, use
from bot.paths import KNOWLEDGE_DIR
from bot.storage import chat_key, load_secret
from tests.e2e_helpers import (
    ADMIN_ID,
    ROOT,
    START_TIMEOUT,
    BotProcess,
    buttons,
    callback_data,
    first,
    free_port,
    new_user_id,
    running_bot,
    to_chat,
)
from tests.support.botapi import (
    DEFAULT_BOT_USERNAME,
    DEFAULT_CHANNEL_ID,
    DEFAULT_GROUP_ID,
    BotApiStandIn,
    callback_query,
    channel_post,
    edited_message,
    inline_query,
    photo_message,
    post_webhook,
    sticker_message,
    text_message,
)
from tests.support.vague import UNSURE, first_that

BOT = DEFAULT_BOT_USERNAME
SECRET_TEXT = "zebra-secret-question fingerprints"


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def standin() -> Iterator[BotApiStandIn]:
    with BotApiStandIn(bot_username=BOT) as api:
        yield api


@pytest.fixture(scope="module")
def bot(
    standin: BotApiStandIn, tmp_path_factory: pytest.TempPathFactory, explainer: Explainer
) -> Iterator[BotProcess]:
    yield from running_bot(standin, tmp_path_factory, explainer, "e2e-polling")


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """A writable copy of the whole shipped knowledge (every language)."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


def title(explainer: Explainer, topic: str, lang: str = "en") -> str:
    return explainer.knowledge.entry(topic, lang).question


def ui(explainer: Explainer, lang: str, build: Any, *args: Any) -> Any:
    """What the bot's own reply builders produce in `lang` (expected texts)."""
    with use(explainer.catalogs, lang):
        return build(*args)


def not_sending_errors(standin: BotApiStandIn, since: int = 0) -> list[str]:
    return [
        f"{c.method}: {c.description}"
        for c in standin.calls()[since:]
        if not c.ok and c.method != "getUpdates"
    ]


# ------------------------------------------------------------------ 1. start-up


def test_start_sets_menu_and_descriptions_in_every_language(
    bot: BotProcess, standin: BotApiStandIn, explainer: Explainer
) -> None:
    languages = set(explainer.languages)
    assert {"en", "de", "fr", "it", "es"} <= languages
    for method in ("setMyCommands", "setMyDescription", "setMyShortDescription"):
        calls = [c for c in standin.calls(method) if c.ok]
        codes = sorted(c.params.get("language_code") or "" for c in calls)
        expected = sorted("" if lang == DEFAULT_LANG else lang for lang in languages)
        assert codes == expected, bot.describe(f"{method} per language: {codes}")
    english = standin.commands()
    assert {c["command"] for c in english} >= {"topics", "ask", "language", "forget", "help"}
    for lang in languages - {DEFAULT_LANG}:
        assert standin.commands(language_code=lang), lang
        assert standin.description(lang) and standin.short_description(lang), lang
    # the translations are really used (German differs from English)
    assert standin.description("de") != standin.description("")
    assert standin.commands(language_code="de") != english


# ------------------------------------------------------------------ 2.-4. private chat


def test_english_question_gets_the_topic_answer_with_buttons(
    bot: BotProcess, explainer: Explainer
) -> None:
    sent = bot.ask_one(text_message("what is facial recognition", user_id=new_user_id()))
    assert sent["parse_mode"] == "HTML"
    assert sent["text"].startswith(f"<b>{title(explainer, 'facial-recognition')}</b>")
    found = buttons(sent)
    assert any(b.get("url", "").startswith("https://") for b in found), found
    related = [d for d in callback_data(sent) if d.startswith("t:en:")]
    assert related and all(d.split(":")[2] in explainer.knowledge.topics for d in related)
    assert any(b.get("switch_inline_query") == "facial-recognition" for b in found), found
    # what Telegram shows: the same keyboard on the delivered message
    assert sent["result"]["reply_markup"] == sent["reply_markup"]


def test_message_text_never_reaches_the_log(bot: BotProcess, explainer: Explainer) -> None:
    bot.ask_one(text_message(SECRET_TEXT, user_id=new_user_id()))
    assert "zebra-secret" not in bot.log(), bot.describe("the question's text was logged")


def test_german_question_from_an_english_client_is_answered_in_german(
    bot: BotProcess, explainer: Explainer
) -> None:
    sent = bot.ask_one(
        text_message("Was ist Gesichtserkennung?", user_id=new_user_id(), language_code="en")
    )
    assert sent["text"].startswith(f"<b>{title(explainer, 'facial-recognition', 'de')}</b>")
    share = first(buttons(sent), lambda b: "switch_inline_query" in b, "share button")
    assert share["text"] == ui(explainer, "de", lambda: _("Share this answer"))


def test_deep_links(bot: BotProcess, explainer: Explainer) -> None:
    user = new_user_id()
    sent = bot.ask_one(text_message("/start fingerprints", user_id=user))
    assert sent["text"].startswith(f"<b>{title(explainer, 'fingerprints')}</b>")
    sent = bot.ask_one(text_message("/start de_fingerprints", user_id=user))
    assert sent["text"].startswith(f"<b>{title(explainer, 'fingerprints', 'de')}</b>")
    sent = bot.ask_one(text_message("/start", user_id=user))
    assert sent["text"] == ui(explainer, "en", replies.welcome, explainer, "en").html
    menu = callback_data(sent)
    first_page = explainer.knowledge.menu_topics[: replies.MENU_PAGE]
    assert [d.split(":")[2] for d in menu if d.startswith("t:")] == list(first_page)
    more = len(explainer.knowledge.menu_topics) > replies.MENU_PAGE
    assert [d for d in menu if d.startswith("m:")] == (["m:en:1"] if more else [])


# ------------------------------------------------------------------ 5. groups


def test_group_answers_only_when_addressed(
    bot: BotProcess, standin: BotApiStandIn, explainer: Explainer
) -> None:
    group = {"chat_id": DEFAULT_GROUP_ID, "chat_type": "group", "user_id": new_user_id()}
    mark = standin.mark()
    standin.push_update(text_message("what is facial recognition", **group))
    asking = text_message(f"@{BOT} what is biometric data", **group)
    standin.push_update(asking)
    # the barrier: the group's updates are processed in order, so a reply to the unaddressed
    # message would have been sent before the answer to the addressed one
    answer = title(explainer, "biometric-data")
    bot.wait_for(lambda c: to_chat(c, DEFAULT_GROUP_ID) and answer in c.params["text"], since=mark)
    sent = bot.only_send(DEFAULT_GROUP_ID, mark)
    asked_id = asking["message"]["message_id"]
    quoted = (sent.get("reply_parameters") or {}).get("message_id", sent.get("reply_to_message_id"))
    assert quoted == asked_id, sent
    assert sent["result"]["reply_to_message"]["message_id"] == asked_id

    # a reply to the bot's own message is addressed to it
    reply = text_message("and fingerprints?", reply_to=sent["result"], **group)
    sent = bot.ask_one(reply)
    assert title(explainer, "fingerprints") in sent["text"]

    # a command for another bot is ignored, one for this bot is answered
    mark = standin.mark()
    standin.push_update(text_message("/topics@some_other_bot", **group))
    standin.push_update(text_message(f"/topics@{BOT}", **group))
    bot.wait_sends(DEFAULT_GROUP_ID, since=mark)
    sent = bot.only_send(DEFAULT_GROUP_ID, mark)
    assert sent["text"] == ui(explainer, "en", replies.topics, explainer, "en").html


# ------------------------------------------------------------------ 6. inline mode


def _inline(bot: BotProcess, standin: BotApiStandIn, query: str) -> dict[str, Any]:
    update = inline_query(query, user_id=new_user_id())
    query_id = update["inline_query"]["id"]
    mark = standin.mark()
    standin.push_update(update)
    [call] = bot.wait_for(
        lambda c: c.method == "answerInlineQuery" and c.params.get("inline_query_id") == query_id,
        since=mark,
    )
    assert call.ok, bot.describe(f"answerInlineQuery rejected: {call.description}")
    return call.params


def test_inline_query_offers_shareable_answers(
    bot: BotProcess, standin: BotApiStandIn, explainer: Explainer
) -> None:
    params = _inline(bot, standin, "fingerprints")
    results = params["results"]
    assert 1 <= len(results) <= 10
    for result in results:
        assert result["type"] == "article" and result["title"], result
        assert result["input_message_content"]["message_text"], result
    assert results[0]["title"] == title(explainer, "fingerprints")
    assert results[0]["id"].endswith(":fingerprints")
    assert params["button"]["start_parameter"]

    everything = _inline(bot, standin, "")["results"]
    assert len(everything) == len(explainer.knowledge.menu_topics)
    assert [r["title"] for r in everything] == [
        title(explainer, t) for t in explainer.knowledge.menu_topics
    ]


# ------------------------------------------------------------------ 7. buttons


def _vague_question(explainer: Explainer) -> str:
    def unsure(question: str) -> bool:
        match = explainer.ask(question)
        return match.topic_id is None and len(match.suggestions) >= 2

    return first_that(UNSURE, unsure, "'did you mean' with two topics or more")


def test_did_you_mean_button_and_an_expired_button(
    bot: BotProcess, standin: BotApiStandIn, explainer: Explainer
) -> None:
    user = new_user_id()
    question = _vague_question(explainer)
    suggestions = explainer.ask(question).suggestions
    menu = bot.ask_one(text_message(question, user_id=user))
    assert (
        menu["text"] == ui(explainer, "en", replies.did_you_mean, explainer, suggestions, "en").html
    )
    choices = [d for d in callback_data(menu) if d.startswith("t:")]
    assert choices == [f"t:en:{t}" for t in suggestions]
    assert callback_data(menu)[0].startswith("q:")  # send this question to the team
    chosen = choices[-1]

    press = callback_query(chosen, menu["result"], user_id=user)
    query_id = press["callback_query"]["id"]
    sent = bot.ask_one(press)
    assert sent["text"].startswith(f"<b>{title(explainer, chosen.split(':')[2])}</b>")
    answers = [
        c for c in standin.calls("answerCallbackQuery") if c.params["callback_query_id"] == query_id
    ]
    assert len(answers) == 1 and answers[0].ok, answers

    # a forged or stale button: acknowledged with the "expired" notice, nothing sent, no crash
    stale = callback_query("t:en:no-such-topic", menu["result"], user_id=user, forged=True)
    stale_id = stale["callback_query"]["id"]
    mark = standin.mark()
    standin.push_update(stale)
    standin.push_update(text_message("what is biometric data", user_id=user))
    bot.wait_sends(user, since=mark)
    assert title(explainer, "biometric-data") in bot.only_send(user, mark)["text"]
    answers = [
        c for c in standin.calls("answerCallbackQuery") if c.params["callback_query_id"] == stale_id
    ]
    assert len(answers) == 1 and answers[0].ok, answers
    assert answers[0].params.get("text") == ui(explainer, "en", replies.expired)


# ------------------------------------------------------------------ 8. language choice


def _db_language(bot: BotProcess, chat_id: int) -> str | None:
    with sqlite3.connect(bot.data_dir / "bot.sqlite3") as db:
        key = chat_key(load_secret(bot.data_dir), chat_id)
        row = db.execute("SELECT lang FROM chat_language WHERE chat = ?", (key,)).fetchone()
    return row[0] if row else None


def _languageless_question(explainer: Explainer) -> str:
    for question in ("AI Act", "GDPR", "Clearview", "DNA", "biometrics", "EDRi"):
        match = explainer.ask(question)
        if match.topic_id is not None and match.lang is None:
            return question
    raise AssertionError("no candidate question is answered without a clear language any more")


def test_language_choice_is_stored_used_and_forgotten(
    bot: BotProcess, explainer: Explainer
) -> None:
    user = new_user_id()
    menu = bot.ask_one(text_message("/language", user_id=user))
    assert "l:de" in callback_data(menu), menu
    deutsch = first(buttons(menu), lambda b: b.get("callback_data") == "l:de", "Deutsch button")
    assert "Deutsch" in deutsch["text"]

    confirmation = bot.ask_one(callback_query("l:de", menu["result"], user_id=user))
    assert confirmation["text"] == ui(explainer, "de", replies.language_set, "de").html
    assert _db_language(bot, user) == "de"

    question = _languageless_question(explainer)
    topic = explainer.ask(question).topic_id
    assert topic is not None
    sent = bot.ask_one(text_message(question, user_id=user, language_code="en"))
    assert sent["text"].startswith(f"<b>{title(explainer, topic, 'de')}</b>"), sent["text"][:120]

    forgotten = bot.ask_one(text_message("/forget", user_id=user, language_code="en"))
    assert forgotten["text"] == ui(explainer, "en", replies.forgotten, True).html
    assert _db_language(bot, user) is None
    again = bot.ask_one(text_message("/forget", user_id=user, language_code="en"))
    assert again["text"] == ui(explainer, "en", replies.forgotten, False).html


# ------------------------------------------------------------------ 9. flood control


def test_429_on_send_message_is_retried_and_answered_once(
    bot: BotProcess, standin: BotApiStandIn, explainer: Explainer
) -> None:
    user = new_user_id()
    attempts_before = len(standin.attempts)
    standin.fail_next("sendMessage", "429", retry_after=1)
    mark = standin.mark()
    standin.push_update(text_message("what is facial recognition", user_id=user))
    bot.wait_sends(user, since=mark, timeout=15)
    refused = [a for a in standin.attempts[attempts_before:] if a.method == "sendMessage"]
    assert [a.status for a in refused] == [429], refused
    # barrier: a second question's answer comes after anything the first one still caused
    standin.push_update(text_message("what is biometric data", user_id=user))
    sent = bot.wait_sends(user, 2, since=mark)
    texts = [c.params["text"] for c in bot.sends_to(user, mark)]
    assert len(texts) == 2, texts
    assert texts[0].startswith(f"<b>{title(explainer, 'facial-recognition')}</b>")
    assert texts[1].startswith(f"<b>{title(explainer, 'biometric-data')}</b>")
    assert sent


# ------------------------------------------------------------------ 10. other updates


def test_stickers_photos_edits_and_channel_posts(
    bot: BotProcess, standin: BotApiStandIn, explainer: Explainer
) -> None:
    user = new_user_id()
    note = ui(
        explainer,
        "en",
        lambda: _(
            "I can only read text. Type a question, or send /topics to see what I can explain."
        ),
    )
    assert bot.ask_one(sticker_message(emoji="🦄", user_id=user))["text"] == note
    thanks = explainer.knowledge.entry("thanks", "en").answer.splitlines()[0]
    assert bot.ask_one(sticker_message(emoji="👍", user_id=user))["text"].startswith(thanks)
    assert bot.ask_one(photo_message(user_id=user))["text"] == note

    original = text_message("what is facial recognition", user_id=user)
    mark = standin.mark()
    standin.push_update(edited_message("what is biometric data", original=original["message"]))
    post = standin.push_update(channel_post("what is biometric data"))
    standin.push_update(text_message("what are fingerprints", user_id=user))
    bot.wait_sends(user, since=mark)
    sent = bot.only_send(user, mark)
    assert title(explainer, "fingerprints") in sent["text"]
    # the channel is another chat, so the barrier above does not cover it; but the bot asks
    # for no channel posts (F20), and the poll that brought the question, pushed after the
    # post, dropped it: it never reached the bot, so nothing can be sent to the channel
    handed = {u["update_id"] for c in standin.calls("getUpdates") for u in c.result or []}
    assert post["update_id"] not in handed
    assert bot.sends_to(DEFAULT_CHANNEL_ID, 0) == []


# ------------------------------------------------------------------ 11. hostile text


def test_long_text_and_markup_in_questions(
    bot: BotProcess, standin: BotApiStandIn, explainer: Explainer
) -> None:
    rng = random.Random(4096)
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < 4200:
        words.append(
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyzäéß") for _ in range(rng.randint(2, 11)))
        )
    long_text = " ".join(words)[:4096].strip()
    assert len(long_text) >= 4090
    user = new_user_id()
    mark = standin.mark()
    bot.ask_one(text_message(long_text, user_id=user))
    sent = bot.ask_one(text_message("what is <b>biometric</b> data & why?", user_id=user))
    assert "<b>biometric</b> data &" not in sent["text"]  # user text is never echoed as markup
    assert not_sending_errors(standin, mark) == [], bot.describe("Telegram would have refused")
    sent = bot.ask_one(text_message("/ask what is <i>facial recognition</i> & co", user_id=user))
    assert not_sending_errors(standin, mark) == []
    assert bot.alive


# ------------------------------------------------------------------ 12. admin


def test_stats_only_for_admins(bot: BotProcess, standin: BotApiStandIn) -> None:
    # counted by this test itself, so that it passes alone or in any order
    bot.ask_one(text_message("what is facial recognition", user_id=new_user_id()))
    sent = bot.ask_one(text_message("/stats", user_id=ADMIN_ID))
    assert sent["parse_mode"] == "HTML"
    shown = sent["result"]["text"]
    assert re.search(r"\b\d+ +\d+ +\d+ +\d+  facial-recognition\b", shown), shown
    assert "Declined:" in shown

    stranger = new_user_id()
    mark = standin.mark()
    standin.push_update(text_message("/stats", user_id=stranger))
    standin.push_update(text_message("/reload", user_id=stranger))
    standin.push_update(text_message("what is biometric data", user_id=stranger))
    bot.wait_sends(stranger, since=mark)
    assert "Declined" not in bot.only_send(stranger, mark)["text"]


# ------------------------------------------------------------------ the end of the polling bot


def test_sigterm_stops_cleanly_and_the_log_keeps_secrets(
    bot: BotProcess, standin: BotApiStandIn
) -> None:
    assert bot.alive, bot.describe("the bot died during the tests")
    code = bot.stop()
    log = bot.log()
    assert code == 0, bot.describe(f"exit code {code} on SIGTERM")
    assert standin.token not in log and standin.token.split(":")[1] not in log
    assert "zebra-secret" not in log
    assert "Traceback" not in log and " ERROR " not in log, bot.describe("an error was logged")
    assert "INFO bot: stopped" in log


# ------------------------------------------------------------------ 13. webhook mode


def test_webhook_mode_checks_the_secret(tmp_path: Path, explainer: Explainer) -> None:
    port = free_port()
    with BotApiStandIn(bot_username=BOT, check_webhook_url=False) as api:
        process = BotProcess(
            api,
            tmp_path / "data",
            tmp_path / "bot.log",
            env={
                "BOT_WEBHOOK_URL": "https://example.org/hook",
                "BOT_WEBHOOK_SECRET": "s3cret",
                "BOT_WEBHOOK_LISTEN": "127.0.0.1",
                "BOT_WEBHOOK_PORT": str(port),
            },
        ).start()
        try:
            process.wait_ready("setWebhook")
            process.wait_port(port)
            assert api.webhook is not None and api.webhook["url"] == "https://example.org/hook"
            assert api.webhook["secret_token"] == "s3cret"
            url = f"http://127.0.0.1:{port}/hook"
            user = new_user_id()

            mark = api.mark()
            update = api.register(text_message("what is facial recognition", user_id=user))
            assert post_webhook(url, update, secret_token="s3cret") == 200
            process.wait_sends(user, since=mark)
            sent = process.only_send(user, mark)
            assert sent["text"].startswith(f"<b>{title(explainer, 'facial-recognition')}</b>")

            mark = api.mark()
            forged = api.register(text_message("what is biometric data", user_id=user))
            assert post_webhook(url, forged) == 403
            forged = api.register(text_message("what is biometric data", user_id=user))
            assert post_webhook(url, forged, secret_token="wrong") == 403
            barrier = api.register(text_message(SECRET_TEXT, user_id=user))
            assert post_webhook(url, barrier, secret_token="s3cret") == 200
            process.wait_sends(user, since=mark)
            process.only_send(user, mark)  # only the barrier's reply: the forged ones got none
        finally:
            code = process.stop()
        log = process.log()
        assert code == 0, process.describe(f"exit code {code} on SIGTERM")
        assert api.token not in log and "zebra-secret" not in log and "s3cret" not in log


# ------------------------------------------------------------------ 14. broken knowledge


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def _topic_line(lines: list[str], topic: str, key: str) -> int:
    """Index of `    key:` inside `  topic:` of a language file."""
    start = lines.index(f"  {topic}:")
    for index in range(start + 1, len(lines)):
        if lines[index].startswith(f"    {key}:"):
            return index
    raise AssertionError(f"no {key} for {topic}")


def _break(knowledge: Path) -> None:
    en = knowledge / "en.yaml"
    lines = _lines(en)
    del lines[_topic_line(lines, "facial-recognition", "question")]
    en.write_text("\n".join(lines), encoding="utf-8")


def test_broken_knowledge_stops_the_start_with_its_problems(knowledge_dir: Path) -> None:
    _break(knowledge_dir)
    with BotApiStandIn(bot_username=BOT) as api:
        env = BotProcess(
            api, knowledge_dir.parent / "data", knowledge_dir.parent / "log"
        ).environment()
        env["BOT_KNOWLEDGE_DIR"] = str(knowledge_dir)
        try:
            done = subprocess.run(
                [sys.executable, "-m", "bot", "run"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=START_TIMEOUT,  # a hang guard only: it must exit on its own
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {START_TIMEOUT:.0f} s after starting on broken knowledge")
        assert api.calls() == []  # it stopped before talking to Telegram
    output = f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert done.returncode == 2, output
    assert "Cannot start: the knowledge or catalogs have errors" in done.stderr, output
    assert re.search(re.escape(str(knowledge_dir / "en.yaml")) + r":\d+: ", done.stderr), output
    assert "facial-recognition" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout, output


# ------------------------------------------------------------------ 15. reload


def test_reload_keeps_the_running_knowledge_until_the_files_are_fixed(
    knowledge_dir: Path, explainer: Explainer
) -> None:
    en = knowledge_dir / "en.yaml"
    good = en.read_text(encoding="utf-8")
    question = "what is facial recognition"
    heading = f"<b>{title(explainer, 'facial-recognition')}</b>"
    with BotApiStandIn(bot_username=BOT) as api:
        process = BotProcess(
            api,
            knowledge_dir.parent / "data",
            knowledge_dir.parent / "bot.log",
            env={"BOT_KNOWLEDGE_DIR": str(knowledge_dir)},
        ).start()
        try:
            process.wait_ready()
            user = new_user_id()
            assert process.ask_one(text_message(question, user_id=user))["text"].startswith(heading)

            # broken file + SIGHUP: refused, the previous knowledge keeps being served
            _break(knowledge_dir)
            logged = len(process.log())
            process.signal(signal.SIGHUP)
            process.wait_log("reload refused", start=logged)
            assert process.ask_one(text_message(question, user_id=user))["text"].startswith(heading)

            # /reload from the admin lists the problem with path:line
            sent = process.ask_one(text_message("/reload", user_id=ADMIN_ID))
            shown = sent["result"]["text"]
            assert re.search(r"en\.yaml:\d+: ", shown), shown
            assert "facial-recognition" in shown
            assert process.ask_one(text_message(question, user_id=user))["text"].startswith(heading)

            # fixed file with a changed answer + SIGHUP: the new answer is served
            lines = good.split("\n")
            answer = _topic_line(lines, "facial-recognition", "answer") + 1
            lines[answer] = lines[answer].replace("      ", "      Reloaded edition. ", 1)
            en.write_text("\n".join(lines), encoding="utf-8")
            logged = len(process.log())
            process.signal(signal.SIGHUP)
            process.wait_log("reloaded knowledge", start=logged)
            text = process.ask_one(text_message(question, user_id=user))["text"]
            assert text.startswith(heading + "\n\nReloaded edition. "), text[:200]
        finally:
            code = process.stop()
        assert code == 0, process.describe(f"exit code {code} on SIGTERM")


def test_reload_lists_many_problems_without_breaking_the_html(tmp_path: Path) -> None:
    """/reload with a long problem list: the admin must get the list, not an error.

    Cutting the HTML reply at a fixed length could drop the closing </code> or split an
    entity, and Telegram would refuse it; the bot lists whole problems up to a size, the
    shared files (topics.yaml, links.yaml) first. A knowledge directory with a longish path
    and a few renamed topics (every language file then has problems) shows it.
    """
    knowledge = tmp_path / ("reclaim-your-face-bot-" + "x" * 40) / "deployment" / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, knowledge)
    with BotApiStandIn(bot_username=BOT) as api:
        process = BotProcess(
            api, tmp_path / "data", tmp_path / "bot.log", env={"BOT_KNOWLEDGE_DIR": str(knowledge)}
        ).start()
        try:
            process.wait_ready()
            topics = knowledge / "topics.yaml"
            text = topics.read_text(encoding="utf-8")
            for topic in ("fingerprints", "chilling-effect", "discrimination", "eu-law", "ai-act"):
                text = text.replace(f"\n  {topic}:\n", f"\n  {topic}-renamed:\n")
            topics.write_text(text, encoding="utf-8")
            mark = api.mark()
            sent = process.ask_one(text_message("/reload", user_id=ADMIN_ID))
            shown = sent["result"]["text"]
            assert not_sending_errors(api, mark) == [], process.describe(
                f"Telegram refused the /reload reply: {not_sending_errors(api, mark)}"
            )
            assert "Reload refused" in shown, shown[:300]
            assert re.search(r"topics\.yaml:\d+: ", shown), shown[:300]
        finally:
            code = process.stop()
        assert code == 0, process.describe(f"exit code {code} on SIGTERM")
