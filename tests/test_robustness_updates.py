"""Property test: the bot's handlers on arbitrary updates never fail.

Updates are built as Telegram JSON (messages, edits, channel posts, callback and
inline queries with random text, entities, chats and users) and fed to the real
Application. A handler exception would reach the error handler, which logs it;
the test fails if anything is logged at ERROR or if Telegram would have rejected
a request the bot made.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.explainer import Explainer
from bot.storage import Store
from bot.telegram.app import build_application
from bot.telegram.settings import Settings
from tests.support.botapi import DEFAULT_TOKEN, FakeBotApi
from tests.support.recording_request import RecordingRequest

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)
IDS = st.integers(min_value=1, max_value=2**40)
LANGS = st.sampled_from([None, "en", "de-AT", "pt-br", "sr-Latn", "fr", "zz", ""])


@st.composite
def users(draw: st.DrawFn) -> dict[str, Any]:
    user: dict[str, Any] = {
        "id": draw(IDS),
        "is_bot": draw(st.booleans()),
        "first_name": draw(TEXT) or "x",
    }
    lang = draw(LANGS)
    if lang is not None:
        user["language_code"] = lang
    return user


@st.composite
def chats(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["private", "group", "supergroup", "channel"]))
    chat: dict[str, Any] = {"id": draw(st.integers(-(10**13), 10**13)), "type": kind}
    if kind != "private":
        chat["title"] = draw(TEXT) or "t"
    return chat


@st.composite
def messages(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": draw(IDS), "date": 1_700_000_000, "chat": draw(chats()), "from": draw(users()),
    }  # fmt: skip
    text = draw(
        st.one_of(
            TEXT,
            st.sampled_from(
                [
                    "/start",
                    "/ask",
                    "/topics@ryf_test_bot",
                    "@ryf_test_bot hi",
                    "/language",
                    "/forget",
                    "/start de_eu-law",
                    "/start x" * 30,
                ]
            ),
        )
    )
    kind = draw(st.sampled_from(["text", "sticker", "photo", "caption", "empty"]))
    if kind == "text":
        message["text"] = text
        if text:
            offset = draw(st.integers(0, len(text)))
            length = draw(st.integers(1, max(1, len(text) - offset + 2)))
            etype = draw(st.sampled_from(["bot_command", "mention", "bold", "url", "text_mention"]))
            entity: dict[str, Any] = {"type": etype, "offset": offset, "length": length}
            if etype == "text_mention":
                entity["user"] = draw(users())
            message["entities"] = [entity]
    elif kind == "sticker":
        message["sticker"] = {
            "file_id": "f",
            "file_unique_id": "u",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
    elif kind == "photo":
        message["photo"] = [{"file_id": "p", "file_unique_id": "q", "width": 1, "height": 1}]
    elif kind == "caption":
        message["photo"] = [{"file_id": "p", "file_unique_id": "q", "width": 1, "height": 1}]
        message["caption"] = text
    if depth == 0 and draw(st.booleans()):
        message["reply_to_message"] = draw(messages(depth=1))
    return message


@st.composite
def updates(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(
            ["message", "edited_message", "channel_post", "callback_query", "inline_query"]
        )
    )
    if kind in {"message", "edited_message", "channel_post"}:
        return {"update_id": 1, kind: draw(messages())}
    if kind == "callback_query":
        data = draw(
            st.one_of(
                TEXT,
                st.sampled_from(["t:en:fingerprints", "t:xx:eu-law", "l:de", "l:zz", "t::", "l:"]),
            )
        )
        query: dict[str, Any] = {
            "id": str(draw(IDS)),
            "from": draw(users()),
            "chat_instance": "c",
            "data": data,
        }
        if draw(st.booleans()):
            query["message"] = draw(messages(depth=1))
        return {"update_id": 1, "callback_query": query}
    return {
        "update_id": 1,
        "inline_query": {
            "id": str(draw(IDS)),
            "from": draw(users()),
            "query": draw(TEXT),
            "offset": "",
        },
    }


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(update=updates())
def test_arbitrary_updates(
    explainer: Explainer, data_dir: Path, update: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    from telegram import Update

    api = FakeBotApi(token=DEFAULT_TOKEN, bot_username="ryf_test_bot")
    store = Store.in_dir(data_dir)
    app = build_application(
        Settings(token=DEFAULT_TOKEN),
        explainer,
        store,
        request=RecordingRequest(api),
        rate_limiter=False,
    )

    async def run() -> None:
        async with app:
            api.register(update)  # makes callback and inline query ids known, as Telegram would
            await app.process_update(Update.de_json(update, app.bot))

    caplog.clear()
    with caplog.at_level(logging.ERROR):
        asyncio.run(run())
    store.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [
        r.getMessage() for r in caplog.records
    ]
    # getChatMember may be refused for a made-up chat: the bot then refuses the group
    # setting (bot/telegram/permissions.py fails closed), which is what it should do
    rejected = [c for c in api.errors() if c.method not in {"getUpdates", "getChatMember"}]
    assert not rejected, [(c.method, c.description) for c in rejected]
