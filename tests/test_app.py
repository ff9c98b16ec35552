"""The real Application, built by the project's own builder, driven update by update.

Requests go to a recording Bot API (tests/support) that answers and validates like
Telegram: invalid HTML, texts over 4,096 characters or callback data over 64 bytes
would be rejected and show up in `api.errors()`.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot import replies
from bot.explainer import Explainer
from bot.i18n import use
from bot.paths import KNOWLEDGE_DIR
from bot.storage import Store, chat_key, load_secret
from bot.telegram.app import build_application
from bot.telegram.settings import Settings
from tests.support.botapi import (
    DEFAULT_GROUP_ID,
    DEFAULT_TOKEN,
    DEFAULT_USER_ID,
    FakeBotApi,
    callback_query,
    channel_post,
    edited_message,
    inline_query,
    sticker_message,
    text_message,
)
from tests.support.recording_request import RecordingRequest, make_update
from tests.support.vague import UNSURE, first_that

ADMIN = 1001
BOT = "ryf_test_bot"


@dataclass
class Harness:
    app: Application  # type: ignore[type-arg]
    api: FakeBotApi
    data_dir: Path

    async def send(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        """Process one update; return the messages the bot sent in response."""
        before = len(self.api.sent_messages())
        await self.app.process_update(make_update(self.api, update, self.app.bot))
        return self.api.sent_messages()[before:]

    def buttons(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        markup = message.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]

    def bot_message(self, sent: dict[str, Any]) -> dict[str, Any]:
        """The Message object the API returned for a sendMessage with these params."""
        call = next(c for c in reversed(self.api.calls("sendMessage")) if c.params is sent)
        result: dict[str, Any] = call.result
        return result


@pytest.fixture
async def bot(explainer: Explainer, tmp_path: Path) -> AsyncIterator[Harness]:
    api = FakeBotApi(token=DEFAULT_TOKEN, bot_username=BOT)
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, knowledge)
    settings = Settings(
        token=DEFAULT_TOKEN,
        admin_ids=frozenset({ADMIN}),
        data_dir=tmp_path,
        knowledge_dir=knowledge,
    )
    store = Store.in_dir(tmp_path)
    app = build_application(
        settings, explainer, store, request=RecordingRequest(api), rate_limiter=False
    )
    async with app:
        yield Harness(app, api, tmp_path)
    store.close()
    assert [c for c in api.errors() if c.method != "getUpdates"] == [], (
        "Telegram would have rejected a request"
    )


def title(explainer: Explainer, topic: str, lang: str = "en") -> str:
    return explainer.knowledge.entry(topic, lang).question


async def test_private_question_gets_the_answer_with_buttons(
    bot: Harness, explainer: Explainer
) -> None:
    [sent] = await bot.send(text_message("what is facial recognition"))
    assert sent["parse_mode"] == "HTML"
    assert sent["text"].startswith(f"<b>{title(explainer, 'facial-recognition')}</b>")
    buttons = bot.buttons(sent)
    assert any(b.get("url", "").startswith("https://") for b in buttons)
    assert any(b.get("callback_data", "").startswith("t:en:") for b in buttons)
    assert any(b.get("switch_inline_query") == "facial-recognition" for b in buttons)


async def test_german_question_is_answered_in_german(bot: Harness, explainer: Explainer) -> None:
    [sent] = await bot.send(text_message("Was ist Gesichtserkennung?", language_code="en"))
    assert title(explainer, "facial-recognition", "de") in sent["text"]
    share = [b for b in bot.buttons(sent) if "switch_inline_query" in b]
    assert share and share[0]["text"] != "Share this answer"  # the UI around it is German too


async def test_the_item_a_question_names_comes_first(bot: Harness, explainer: Explainer) -> None:
    """Italy is one bullet of the country list: asked about Italy, in a chat or in inline
    mode, the bot puts it at the top of the list; opened from a link, it is as written."""
    answer = explainer.knowledge.entry("countries", "en").answer.strip()
    bullets = [line for line in answer.split("\n") if line.startswith("•")]
    assert not bullets[0].startswith("• <b>Italy</b>")  # else this test would prove nothing
    [sent] = await bot.send(text_message("Is the SARI system legal in Italy?"))
    assert sent["text"].startswith(f"<b>{title(explainer, 'countries')}</b>")
    shown = [line for line in sent["text"].split("\n") if line.startswith("•")]
    assert shown[0].startswith("• <b>Italy</b>") and sorted(shown) == sorted(bullets)
    [linked] = await bot.send(text_message("/start countries"))
    assert [line for line in linked["text"].split("\n") if line.startswith("•")] == bullets
    await bot.send(inline_query("Is the SARI system legal in Italy?"))  # shared the same way
    [article, *_] = bot.api.calls("answerInlineQuery")[-1].params["results"]
    shared = article["input_message_content"]["message_text"]
    assert next(line for line in shared.split("\n") if line.startswith("•")) == shown[0]
    assert "Italy" in article["description"]  # the preview starts as the message does


async def test_unknown_question_is_honest_and_offers_the_menu(bot: Harness) -> None:
    [sent] = await bot.send(text_message("qwertyuiop asdf"))
    assert "don't know" in sent["text"]
    assert len([b for b in bot.buttons(sent) if "callback_data" in b]) >= 20


async def test_deep_links(bot: Harness, explainer: Explainer) -> None:
    [sent] = await bot.send(text_message("/start fingerprints"))
    assert title(explainer, "fingerprints") in sent["text"]
    [sent] = await bot.send(text_message("/start de_fingerprints"))
    assert title(explainer, "fingerprints", "de") in sent["text"]
    [sent] = await bot.send(text_message("/start"))
    assert "Reclaim Your Face" in sent["text"] and len(bot.buttons(sent)) >= 20


async def test_group_speaks_only_when_addressed(bot: Harness, explainer: Explainer) -> None:
    group = {"chat_id": DEFAULT_GROUP_ID, "chat_type": "supergroup"}
    assert await bot.send(text_message("what is facial recognition", **group)) == []
    assert await bot.send(text_message("/topics@some_other_bot", **group)) == []
    asking = text_message(f"@{BOT} what is biometric data", **group)
    [sent] = await bot.send(asking)
    assert title(explainer, "biometric-data") in sent["text"]
    assert sent["reply_parameters"]["message_id"] == asking["message"]["message_id"]
    reply_to_bot = text_message("and fingerprints?", reply_to=bot.bot_message(sent), **group)
    [sent] = await bot.send(reply_to_bot)
    assert title(explainer, "fingerprints") in sent["text"]
    [sent] = await bot.send(text_message(f"/topics@{BOT}", **group))
    assert bot.buttons(sent)
    # no match in a group: one short line, not the whole menu
    [sent] = await bot.send(text_message(f"@{BOT} qwertyuiop", **group))
    assert "/topics" in sent["text"] and not bot.buttons(sent)


async def test_a_follow_up_replying_to_an_answer_gets_its_sources_again(
    bot: Harness, explainer: Explainer
) -> None:
    """The bot keeps no conversation: "source?" alone gets the follow-up small talk, but
    sent as a Telegram reply to an answer it gets that answer's links and related topics,
    read from the answer's share button."""
    [answer] = await bot.send(text_message("what does the AI Act ban?"))
    assert title(explainer, "ai-act") in answer["text"]
    links = [b for b in bot.buttons(answer) if "url" in b]
    related = [b for b in bot.buttons(answer) if b.get("callback_data", "").startswith("t:")]
    assert links and related
    [alone] = await bot.send(text_message("source?"))
    assert "I don't keep our conversation" in alone["text"]
    [more] = await bot.send(text_message("source?", reply_to=bot.bot_message(answer)))
    assert more["text"].startswith(f"More on <b>{title(explainer, 'ai-act')}</b>")
    assert [b for b in bot.buttons(more) if "url" in b] == links
    assert [b for b in bot.buttons(more) if "callback_data" in b][: len(related)] == related
    # in a group, replying to the bot addresses it; the reply is in the asker's language
    group = {"chat_id": DEFAULT_GROUP_ID, "chat_type": "supergroup"}
    [answer] = await bot.send(text_message(f"@{BOT} Was ist Gesichtserkennung?", **group))
    [more] = await bot.send(text_message("Quelle?", reply_to=bot.bot_message(answer), **group))
    assert more["text"].startswith("Mehr zu <b>")
    assert title(explainer, "facial-recognition", "de") in more["text"]
    # a reply that is a new question is answered as one
    [other] = await bot.send(
        text_message("and fingerprints?", reply_to=bot.bot_message(answer), **group)
    )
    assert title(explainer, "fingerprints") in other["text"]


def _only_suggested(explainer: Explainer, question: str) -> bool:
    match = explainer.ask(question)
    return match.topic_id is None and bool(match.suggestions)


@pytest.mark.parametrize(
    ("lang", "one", "several"),
    [
        ("en", "Did you mean this?", "Did you mean one of these?"),
        ("it", "Intendevi questa domanda?", "Intendevi una di queste domande?"),
    ],
)
def test_did_you_mean_says_this_over_one_button(
    explainer: Explainer, lang: str, one: str, several: str
) -> None:
    """A native reader's probe: "one of these" above a single suggestion reads oddly."""
    with use(explainer.catalogs, lang):
        single = replies.did_you_mean(explainer, ("fingerprints",), lang)
        double = replies.did_you_mean(explainer, ("fingerprints", "your-rights"), lang)
    assert (single.html, len(single.buttons)) == (one, 1)
    assert (double.html, len(double.buttons)) == (several, 2)


async def test_did_you_mean_button_and_expired_button(bot: Harness, explainer: Explainer) -> None:
    # this test is about the buttons: any question the matcher is unsure about will do
    question = first_that(UNSURE, lambda q: _only_suggested(explainer, q), "only a 'did you mean'")
    [sent] = await bot.send(text_message(question))
    choices = [b for b in bot.buttons(sent) if b.get("callback_data", "").startswith("t:")]
    assert choices
    assert sent["text"] == (
        "Did you mean this?" if len(choices) == 1 else "Did you mean one of these?"
    )
    message = bot.bot_message(sent)
    press = callback_query(choices[0]["callback_data"], message)
    [answer] = await bot.send(press)
    topic = choices[0]["callback_data"].split(":")[2]
    assert title(explainer, topic) in answer["text"]
    answered = bot.api.calls("answerCallbackQuery")
    assert [c.params["callback_query_id"] for c in answered] == [press["callback_query"]["id"]]
    old = callback_query("t:en:topic-removed-since", message, forged=True)
    assert await bot.send(old) == []
    assert "expired" in bot.api.calls("answerCallbackQuery")[-1].params["text"]


async def test_inline_mode(bot: Harness, explainer: Explainer) -> None:
    await bot.send(inline_query("fingerprints"))
    params = bot.api.calls("answerInlineQuery")[-1].params
    results = params["results"]
    assert 1 <= len(results) <= 10 and results[0]["title"] == title(explainer, "fingerprints")
    assert results[0]["input_message_content"]["parse_mode"] == "HTML"
    assert params["button"]["start_parameter"] == "inline"
    await bot.send(inline_query(""))
    assert len(bot.api.calls("answerInlineQuery")[-1].params["results"]) == len(
        explainer.knowledge.menu_topics  # every topic but signposts
    )


async def test_language_choice_is_stored_and_forgotten(bot: Harness, explainer: Explainer) -> None:
    [menu] = await bot.send(text_message("/language"))
    deutsch = next(b for b in bot.buttons(menu) if b["text"] == "Deutsch")
    [done] = await bot.send(callback_query(deutsch["callback_data"], bot.bot_message(menu)))
    assert "Deutsch" in done["text"]
    db = bot.data_dir / "bot.sqlite3"
    key = chat_key(load_secret(bot.data_dir), DEFAULT_USER_ID)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT chat, lang FROM chat_language").fetchall() == [(key, "de")]
    stored = b"".join(f.read_bytes() for f in bot.data_dir.glob("bot.sqlite3*"))  # with the WAL
    assert str(DEFAULT_USER_ID).encode() not in stored  # the id itself is never stored
    [sent] = await bot.send(
        text_message("/start fingerprints")
    )  # no language in the link: the chat's
    assert title(explainer, "fingerprints", "de") in sent["text"]
    [sent] = await bot.send(text_message("/forget"))
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT * FROM chat_language").fetchall() == []
    [sent] = await bot.send(text_message("/forget"))
    assert "nothing" in sent["text"]


async def test_odd_updates_never_crash(bot: Harness, explainer: Explainer) -> None:
    [note] = await bot.send(sticker_message(emoji="🦄"))  # no topic lists it
    assert "only read text" in note["text"]
    [thanks] = await bot.send(sticker_message(emoji="👍🏽"))  # thanks, as "👍" typed is
    assert thanks["text"].startswith(explainer.knowledge.entry("thanks", "en").answer[:40])
    assert await bot.send(edited_message("what is facial recognition")) == []
    assert await bot.send(channel_post("what is facial recognition")) == []
    assert await bot.send(sticker_message(chat_id=DEFAULT_GROUP_ID, chat_type="group")) == []
    long_text = ("surveillance " * 400)[:4096]
    assert len(await bot.send(text_message(long_text))) == 1
    [sent] = await bot.send(text_message("what is <b>biometric</b> data & why?"))
    assert "<b>biometric</b>" not in sent["text"].split("</b>", 1)[0]  # user text is never markup
    assert len(await bot.send(text_message("\u200b\u0000🤖" * 10))) == 1


async def test_commands_are_set_in_every_language(bot: Harness, explainer: Explainer) -> None:
    await bot.app.post_init(bot.app)  # type: ignore[misc]
    codes = {c.params.get("language_code") for c in bot.api.calls("setMyCommands")}
    assert codes == {None, "de", "fr", "it", "es"}
    assert bot.api.description("de") != bot.api.description("")
    assert len(bot.api.calls("setMyShortDescription")) == len(explainer.languages)


async def test_admin_commands(bot: Harness) -> None:
    assert await bot.send(text_message("/stats", user_id=555)) == []
    await bot.send(text_message("what is facial recognition"))
    [stats] = await bot.send(text_message("/stats", user_id=ADMIN, chat_id=ADMIN))
    assert re.search(r"\b1 +0 +0 +0  facial-recognition\b", stats["text"]), stats["text"]


async def test_reload_with_a_broken_file_keeps_serving(bot: Harness, explainer: Explainer) -> None:
    en = bot.data_dir / "knowledge" / "en.yaml"
    en.write_text(
        en.read_text(encoding="utf-8").replace("    question: What is biometric data?\n", "", 1),
        encoding="utf-8",
    )
    [sent] = await bot.send(text_message("/reload", user_id=ADMIN, chat_id=ADMIN))
    assert "refused" in sent["text"] and "en.yaml:" in sent["text"]
    [sent] = await bot.send(text_message("what is biometric data"))
    assert title(explainer, "biometric-data") in sent["text"]
    en.write_text(
        en.read_text(encoding="utf-8").replace(
            "  biometric-data:\n",
            "  biometric-data:\n    question: What are biometrics, really?\n",
            1,
        ),
        encoding="utf-8",
    )
    [sent] = await bot.send(text_message("/reload", user_id=ADMIN, chat_id=ADMIN))
    assert "Reloaded" in sent["text"]
    [sent] = await bot.send(text_message("what is biometric data"))
    assert "What are biometrics, really?" in sent["text"]


async def test_group_mentions_after_emoji_and_broken_entities(bot: Harness) -> None:
    """Entity offsets count UTF-16 units: after an emoji the mention is still found, and an
    entity that splits the emoji's surrogate pair (Telegram never sends one) is no error."""
    group = {"chat_id": DEFAULT_GROUP_ID, "chat_type": "group"}
    sent = await bot.send(text_message(f"😀 @{BOT} what is facial recognition", **group))
    assert len(sent) == 1 and "facial recognition" in sent[0]["text"].lower()
    broken = [{"type": "mention", "offset": 1, "length": len(BOT) + 2}]
    assert await bot.send(text_message(f"😀 @{BOT} hi", entities=broken, **group)) == []
    assert bot.api.errors() == []
