"""End to end, hostile or odd input to the running bot (`python -m bot run` against the
Bot API stand-in): commands split by line breaks, admins in groups, a locked database,
/forget and the WAL, large menus. See tests/e2e_helpers.py for the helpers."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

import pytest

from bot.explainer import Explainer
from bot.storage import chat_key, load_secret
from tests.e2e_helpers import ADMIN_ID, BotProcess, new_user_id, running_bot
from tests.support.botapi import (
    DEFAULT_BOT_USERNAME,
    DEFAULT_GROUP_ID,
    BotApiStandIn,
    callback_query,
    text_message,
)


@pytest.fixture(scope="module")
def standin() -> Iterator[BotApiStandIn]:
    with BotApiStandIn(bot_username=DEFAULT_BOT_USERNAME) as api:
        yield api


@pytest.fixture(scope="module")
def bot(
    standin: BotApiStandIn, tmp_path_factory: pytest.TempPathFactory, explainer: Explainer
) -> Iterator[BotProcess]:
    yield from running_bot(standin, tmp_path_factory, explainer, "e2e-inputs")


def heading(explainer: Explainer, topic: str) -> str:
    return f"<b>{explainer.knowledge.entry(topic, 'en').question}</b>"


def test_ask_with_a_line_break_keeps_the_whole_question(
    bot: BotProcess, explainer: Explainer
) -> None:
    user = new_user_id()
    sent = bot.ask_one(text_message("/ask\nfingerprints please", user_id=user))
    assert sent["text"].startswith(heading(explainer, "fingerprints")), sent["text"][:120]
    sent = bot.ask_one(text_message("/ask\tfacial recognition", user_id=user))
    assert sent["text"].startswith(heading(explainer, "facial-recognition")), sent["text"][:120]


def test_admin_commands_are_answered_only_in_private(
    bot: BotProcess, standin: BotApiStandIn, explainer: Explainer
) -> None:
    """In a group the answers (counts; /reload's problem list with paths) would be shown
    to every member: the bot stays silent there."""
    group = {"chat_id": DEFAULT_GROUP_ID, "chat_type": "group", "user_id": ADMIN_ID}
    mark = standin.mark()
    standin.push_update(text_message("/stats", **group))
    standin.push_update(text_message(f"/reload@{DEFAULT_BOT_USERNAME}", **group))
    standin.push_update(text_message(f"@{DEFAULT_BOT_USERNAME} what is biometric data", **group))
    bot.wait_sends(DEFAULT_GROUP_ID, since=mark)  # the barrier: same chat, in order
    assert bot.only_send(DEFAULT_GROUP_ID, mark)["text"].startswith(
        heading(explainer, "biometric-data")
    )
    assert "Declined:" in bot.ask_one(text_message("/stats", user_id=ADMIN_ID))["text"]


def test_a_locked_database_does_not_delay_or_lose_answers(
    bot: BotProcess, explainer: Explainer
) -> None:
    """Another process holds the database's write lock: questions are still answered
    (the counters wait in memory) and counted once the lock is gone."""
    users = [new_user_id(), new_user_id()]
    holder = sqlite3.connect(bot.data_dir / "bot.sqlite3", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        for user in users:  # answered while the lock is still held
            sent = bot.ask_one(text_message("what are fingerprints", user_id=user))
            assert sent["text"].startswith(heading(explainer, "fingerprints")), sent["text"][:120]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    stats = bot.ask_one(text_message("/stats", user_id=ADMIN_ID))["text"]
    assert re.search(r"\b([2-9]|\d\d+) +\d+ +\d+ +\d+  fingerprints\b", stats), stats


def test_forget_leaves_no_trace_in_the_database_files(
    bot: BotProcess, explainer: Explainer
) -> None:
    """After /forget neither bot.sqlite3 nor its write-ahead log holds the chat's hash."""
    user = new_user_id()
    menu = bot.ask_one(text_message("/language", user_id=user))
    bot.ask_one(callback_query("l:it", menu["result"], user_id=user))
    hashed = chat_key(load_secret(bot.data_dir), user).encode("ascii")
    files = [bot.data_dir / "bot.sqlite3", bot.data_dir / "bot.sqlite3-wal"]
    assert any(hashed in path.read_bytes() for path in files if path.exists())  # stored
    bot.ask_one(text_message("/forget", user_id=user))
    assert [path.name for path in files if path.exists() and hashed in path.read_bytes()] == []
