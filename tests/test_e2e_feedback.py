"""End to end (issue 11): the real bot process against the Bot API stand-in.

Questions reach the team only when their asker presses the button, and then without any
identifier (the SQLite file and its write-ahead log are read byte for byte); feedback
counts; the team's tools (/questions, /stats, `questions export` into `eval`); group
settings only for administrators; the introduction in a new group; an expired button and
retention (a second process whose hold is 0 seconds, so nothing waits 15 minutes); the QR
code of `share` decoded with a real reader.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import feedback, markup, replies
from bot.explainer import Explainer
from bot.feedback import PendingQuestion
from bot.i18n import use
from bot.storage import DATABASE_FILE, Store, chat_key, load_secret
from tests.e2e_helpers import (
    ADMIN_ID,
    ROOT,
    BotProcess,
    buttons,
    callback_data,
    new_user_id,
    running_bot,
)
from tests.support.botapi import (
    DEFAULT_BOT_USERNAME,
    BotApiStandIn,
    Call,
    callback_query,
    my_chat_member,
    text_message,
)

BOT = DEFAULT_BOT_USERNAME
DECLINED = "zebra-quokka how do I bake sourdough bread at home"
GROUP = -4_400_001  # groups of this module only


@pytest.fixture(scope="module")
def standin() -> Iterator[BotApiStandIn]:
    with BotApiStandIn(bot_username=BOT) as api:
        yield api


@pytest.fixture(scope="module")
def bot(
    standin: BotApiStandIn, tmp_path_factory: pytest.TempPathFactory, explainer: Explainer
) -> Iterator[BotProcess]:
    yield from running_bot(standin, tmp_path_factory, explainer, "e2e-feedback")


def ui(explainer: Explainer, lang: str, build: Any, *args: Any) -> Any:
    with use(explainer.catalogs, lang):
        return build(*args)


def database_bytes(data_dir: Path) -> bytes:
    """The SQLite file and its write-ahead log (and shared memory), as they are on disk."""
    names = (DATABASE_FILE, DATABASE_FILE + "-wal", DATABASE_FILE + "-shm")
    return b"".join((data_dir / n).read_bytes() for n in names if (data_dir / n).exists())


def stored(data_dir: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(data_dir / DATABASE_FILE) as db:
        return db.execute(
            "SELECT text, lang, considered, reason, day FROM team_question"
        ).fetchall()


def press(
    bot: BotProcess, standin: BotApiStandIn, data: str, message: dict[str, Any], **who: Any
) -> Call:
    """Press a button and wait until the press is acknowledged; returns answerCallbackQuery."""
    update = callback_query(data, message, **who)
    query_id = update["callback_query"]["id"]
    mark = standin.mark()
    standin.push_update(update)
    [call] = bot.wait_for(
        lambda c: (
            c.method == "answerCallbackQuery" and c.params.get("callback_query_id") == query_id
        ),
        since=mark,
    )
    assert call.ok, bot.describe(f"answerCallbackQuery refused: {call.description}")
    return call


def send_button(message: dict[str, Any], prefix: str) -> str:
    found = [d for d in callback_data(message) if d.startswith(prefix)]
    assert len(found) == 1, callback_data(message)
    return found[0]


# ------------------------------------------------------------------ sent only on a press


def test_a_declined_question_sent_to_the_team_carries_no_identifier(
    bot: BotProcess, standin: BotApiStandIn, explainer: Explainer
) -> None:
    user = new_user_id()
    who = {"username": "zebra_asker_77", "first_name": "Quokkaname"}
    asked = text_message(DECLINED, user_id=user, message_id=918_273_645, **who)
    reply = bot.ask_one(asked)
    assert reply["text"] == ui(explainer, "en", replies.not_understood, explainer, "en").html
    send = send_button(reply, "q:")
    assert len(send.encode()) <= 64 and "zebra" not in send
    before = stored(bot.data_dir)
    assert all(row[0] != DECLINED for row in before)  # asking alone stores nothing

    mark = standin.mark()
    call = press(bot, standin, send, reply["result"], user_id=user, **who)
    assert call.params.get("text") == ui(explainer, "en", replies.question_sent, 90)
    # the pressed message loses its feedback buttons: one message, one choice
    [edit] = bot.wait_for("editMessageReplyMarkup", since=mark, ok=True)
    assert not any(d.startswith("q:") for d in callback_data(edit.result)), edit.result

    [(text, lang, considered, reason, day)] = stored(bot.data_dir)[len(before) :]
    assert (text, lang, reason) == (DECLINED, "en", feedback.DECLINED)
    assert day == feedback.today().isoformat()  # the day, never a time
    assert isinstance(json.loads(considered), list)
    on_disk = database_bytes(bot.data_dir)
    assert DECLINED.encode() in on_disk  # the files read are the ones written
    for identifier in (str(user), "zebra_asker_77", "Quokkaname", "918273645"):
        assert identifier.encode() not in on_disk, f"{identifier} is in the database files"
    assert "zebra-quokka" not in bot.log(), bot.describe("the question's text was logged")

    again = press(bot, standin, send, reply["result"], user_id=user)  # a stale second press
    assert again.params.get("text") == ui(explainer, "en", replies.question_expired)
    assert len(stored(bot.data_dir)) == len(before) + 1


def test_without_a_press_nothing_is_stored(
    bot: BotProcess, standin: BotApiStandIn, explainer: Explainer
) -> None:
    before = stored(bot.data_dir)
    unsent = "zebra-unsent blorft quixle the vorpal snark"  # a plain decline, no signpost
    user = new_user_id()
    reply = bot.ask_one(text_message(unsent, user_id=user))
    send = send_button(reply, "q:")
    assert callback_data(reply)[0] == send  # above the topic menu
    if replies.menu_pages(explainer) > 1:  # the next menu page keeps the button on top
        mark = standin.mark()
        press(bot, standin, "m:en:1", reply["result"], user_id=user)
        [edit] = bot.wait_for("editMessageReplyMarkup", since=mark, ok=True)
        assert callback_data(edit.result)[0] == send, edit.result
    bot.ask_one(text_message("what is biometric data", user_id=user))  # barrier
    assert stored(bot.data_dir) == before
    assert b"zebra-unsent" not in database_bytes(bot.data_dir)
    assert "zebra-unsent" not in bot.log()


def test_helpful_and_not_what_i_asked_reach_stats(
    bot: BotProcess, standin: BotApiStandIn, explainer: Explainer
) -> None:
    user = new_user_id()
    answer = bot.ask_one(text_message("what are fingerprints", user_id=user))
    assert answer["text"].startswith(
        f"<b>{explainer.knowledge.entry('fingerprints', 'en').question}"
    )
    labels = [b["text"] for b in buttons(answer) if b.get("callback_data", "")[:2] in ("h:", "w:")]
    assert len(labels) == 3, labels
    call = press(bot, standin, "h:en:fingerprints:y", answer["result"], user_id=user)
    assert call.params.get("text") == ui(explainer, "en", replies.thanks_for_feedback)

    other = bot.ask_one(text_message("what are fingerprints", user_id=user))
    press(bot, standin, send_button(other, "w:"), other["result"], user_id=user)
    wrong = [row for row in stored(bot.data_dir) if row[0] == "what are fingerprints"]
    assert [row[3] for row in wrong] == [feedback.WRONG_ANSWER]

    stats = bot.ask_one(text_message("/stats", user_id=ADMIN_ID))["result"]["text"]
    row = re.search(r"(\d+) +(\d+) +(\d+) +(\d+)  fingerprints\b", stats)
    assert row, stats
    answered, helpful, not_helpful, sent = map(int, row.groups())
    assert answered >= 2 and helpful >= 1 and not_helpful >= 1 and sent >= 1, stats


def send_to_team(bot: BotProcess, standin: BotApiStandIn, text: str) -> None:
    """Ask a question the bot declines and press "send this question to the team"."""
    user = new_user_id()
    reply = bot.ask_one(text_message(text, user_id=user))
    press(bot, standin, send_button(reply, "q:"), reply["result"], user_id=user)


def test_questions_for_admins_in_private_only(
    bot: BotProcess, standin: BotApiStandIn, explainer: Explainer
) -> None:
    mine = "zebra-admins how many stars are in the milky way"
    send_to_team(bot, standin, mine)
    shown = bot.ask_one(text_message("/questions", user_id=ADMIN_ID))["result"]["text"]
    assert mine in shown, shown
    total = len(stored(bot.data_dir))
    with use(explainer.catalogs, "en"):
        header = markup.to_plain(replies.team_questions(total, []).html)
    assert shown.startswith(header), shown

    stranger = new_user_id()
    mark = standin.mark()
    standin.push_update(text_message("/questions", user_id=stranger))
    standin.push_update(text_message("what is biometric data", user_id=stranger))
    bot.wait_sends(stranger, since=mark)
    assert mine not in bot.only_send(stranger, mark)["text"]

    in_group = {"chat_id": GROUP - 1, "chat_type": "group", "user_id": ADMIN_ID}
    mark = standin.mark()
    standin.push_update(text_message(f"/questions@{BOT}", **in_group))
    standin.push_update(text_message(f"/topics@{BOT}", **in_group))  # barrier
    bot.wait_sends(GROUP - 1, since=mark)
    assert mine not in bot.only_send(GROUP - 1, mark)["text"]


def test_questions_export_eval_and_purge(
    bot: BotProcess, standin: BotApiStandIn, tmp_path: Path
) -> None:
    mine = "zebra-export what is the capital of mongolia"
    send_to_team(bot, standin, mine)
    exported = tmp_path / "questions.jsonl"
    done = _cli("questions", "export", str(exported), "--data", str(bot.data_dir))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert any(line["text"] == mine for line in lines)
    for line in lines:
        assert line["expect"] == [] and line["lang"] in ("en", "de", "fr", "it", "es")
        assert set(line) == {"text", "lang", "expect", "considered", "reason", "day", "source"}
    assert (exported.stat().st_mode & 0o077) == 0  # people's own words: owner only

    unlabelled = _cli("eval", str(exported))
    assert unlabelled.returncode == 0, unlabelled.stderr
    assert f"not labelled yet (empty expect), skipped: {len(lines)}" in unlabelled.stdout

    # the team labels one: the same file is now a test case for eval
    for line in lines:
        line["expect"] = [None] if line["text"] == mine else []
    exported.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    labelled = _cli("eval", str(exported))
    assert labelled.returncode == 0, labelled.stderr
    assert re.search(r"^en .*100\.0% \(1/1\)", labelled.stdout, re.M), labelled.stdout

    purged = _cli("questions", "purge", "--data", str(bot.data_dir))
    assert purged.returncode == 0 and f"deleted {len(lines)} question(s)" in purged.stdout
    assert stored(bot.data_dir) == []
    assert mine.encode() not in database_bytes(bot.data_dir)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


# ------------------------------------------------------------------ groups


def _group_language(bot: BotProcess, chat_id: int) -> str | None:
    with sqlite3.connect(bot.data_dir / DATABASE_FILE) as db:
        key = chat_key(load_secret(bot.data_dir), chat_id)
        row = db.execute("SELECT lang FROM chat_language WHERE chat = ?", (key,)).fetchone()
    return row[0] if row else None


def test_only_group_administrators_change_the_language(
    bot: BotProcess, standin: BotApiStandIn, explainer: Explainer
) -> None:
    member, admin = new_user_id(), new_user_id()
    standin.set_member_status(GROUP, admin, "administrator")
    in_group = {"chat_id": GROUP, "chat_type": "group"}

    refused = bot.ask_one(text_message(f"/language@{BOT}", user_id=member, **in_group))
    assert refused["text"] == ui(explainer, "en", replies.admins_only)
    assert buttons(refused) == []
    # a forged or old language button pressed by a member changes nothing either
    call = press(bot, standin, "l:de", refused["result"], user_id=member, forged=True)
    assert call.params.get("text") == ui(explainer, "en", replies.admins_only)
    refused = bot.ask_one(text_message(f"/forget@{BOT}", user_id=member, **in_group))
    assert refused["text"] == ui(explainer, "en", replies.admins_only)
    assert _group_language(bot, GROUP) is None

    menu = bot.ask_one(text_message(f"/language@{BOT}", user_id=admin, **in_group))
    assert "l:de" in callback_data(menu)
    done = bot.ask_one(callback_query("l:de", menu["result"], user_id=admin))
    assert done["text"] == ui(explainer, "de", replies.language_set, "de").html
    assert _group_language(bot, GROUP) == "de"
    checks = [c for c in standin.calls("getChatMember") if c.params.get("chat_id") == GROUP]
    assert {c.params.get("user_id") for c in checks} == {member, admin}
    assert len(checks) == 2, "the answer is cached: one check per person, not per request"


def test_added_to_a_group_it_introduces_itself_once(
    bot: BotProcess, standin: BotApiStandIn, explainer: Explainer
) -> None:
    group, adder = GROUP - 2, new_user_id()
    me = standin.bot_user()
    added = my_chat_member(group, "left", "member", adder, "de", bot=me)
    intro = bot.ask_one(added)
    assert intro["text"] == ui(explainer, "de", replies.group_intro, BOT).html

    mark = standin.mark()
    standin.push_update(my_chat_member(group, "member", "administrator", adder, "de", bot=me))
    standin.push_update(text_message(f"/topics@{BOT}", chat_id=group, chat_type="group"))
    bot.wait_sends(group, since=mark)
    assert bot.only_send(group, mark)["text"] != intro["text"]  # promoted: no second intro


# ------------------------------------------------------------------ share


def test_share_writes_a_qr_code_that_opens_the_topic(
    bot: BotProcess, tmp_path: Path, explainer: Explainer
) -> None:
    import zxingcpp  # test dependencies: a missing one fails here, loudly, never skips
    from PIL import Image

    png = tmp_path / "fingerprints-de.png"
    done = _cli("share", "fingerprints", "--bot", BOT, "--lang", "de", "--png", str(png))
    assert done.returncode == 0, done.stderr
    link = f"https://t.me/{BOT}?start=de_fingerprints"
    assert done.stdout.splitlines()[0] == link
    [decoded] = zxingcpp.read_barcodes(Image.open(png))
    assert decoded.text == link

    payload = decoded.text.split("?start=")[1]
    opened = bot.ask_one(text_message(f"/start {payload}", user_id=new_user_id()))
    assert opened["text"].startswith(
        f"<b>{explainer.knowledge.entry('fingerprints', 'de').question}"
    )


# ------------------------------------------------------------------ expiry and retention


def test_an_expired_button_and_retention(tmp_path: Path, explainer: Explainer) -> None:
    data = tmp_path / "data"
    seeded = Store(data / DATABASE_FILE)
    old_day = feedback.today() - timedelta(days=31)
    seeded.add_question(PendingQuestion("zebra-old-question", "en", (), "declined"), old_day)
    seeded.add_question(PendingQuestion("recent question", "en", (), "declined"), feedback.today())
    seeded.close()
    env = {"BOT_QUESTION_HOLD_SECONDS": "0", "BOT_QUESTION_RETENTION_DAYS": "30"}
    with BotApiStandIn(bot_username=BOT) as api:
        process = BotProcess(api, data, tmp_path / "bot.log", env=env).start()
        try:
            process.wait_ready()
            process.wait_log("retention: deleted 1 stored question(s) older than 30 days")
            assert [row[0] for row in stored(data)] == ["recent question"]
            assert b"zebra-old-question" not in database_bytes(data)

            user = new_user_id()
            reply = process.ask_one(text_message(DECLINED, user_id=user))
            call = press(process, api, send_button(reply, "q:"), reply["result"], user_id=user)
            assert call.params.get("text") == ui(explainer, "en", replies.question_expired)
            assert [row[0] for row in stored(data)] == ["recent question"]

            # /privacy tells the retention in force, in the asker's language
            told = process.ask_one(text_message("/privacy", user_id=user, language_code="de"))
            assert told["text"] == ui(explainer, "de", replies.privacy, 30).html
        finally:
            code = process.stop()
        assert code == 0, process.describe(f"exit code {code}")
