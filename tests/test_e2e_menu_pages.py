"""A knowledge base far larger than the shipped one: the topic menu is paged, so that
no reply carries more buttons than Telegram accepts (about 100), and every topic can
still be reached by turning the pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e_helpers import BotProcess, bot_with_env, buttons, new_user_id
from tests.support.botapi import callback_query, text_message

TOPICS = 200
TELEGRAM_MAX_BUTTONS = 100
WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
]


def write_knowledge(directory: Path, count: int) -> None:
    """`count` valid topics in English: one link, 8 ways of asking, a 300+ character answer."""
    directory.mkdir()
    (directory / "links.yaml").write_text(
        "links:\n  site:\n    url: https://reclaimyourface.eu\n", encoding="utf-8"
    )
    topics = ["topics:"]
    entries = ["language: en", "links:", "  site: Campaign site", "topics:"]
    for n in range(count):
        name = f"{WORDS[n % 12]}{n}"
        topics += [f"  topic-{n}:", f"    order: {n + 1}", "    related: []", "    links: [site]"]
        entries += [f"  topic-{n}:", f"    question: What is {name}?", "    ask:"]
        entries += [f"      - tell me about {name} number {k}" for k in range(8)]
        answer = f"{name.capitalize()} is a made-up subject for this test. " * 8
        entries += [f"    answer: {answer.strip()}"]
    (directory / "topics.yaml").write_text("\n".join(topics) + "\n", encoding="utf-8")
    (directory / "en.yaml").write_text("\n".join(entries) + "\n", encoding="utf-8")


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[BotProcess]:
    write_knowledge(tmp_path / "knowledge", TOPICS)
    yield from bot_with_env(tmp_path, {"BOT_KNOWLEDGE_DIR": str(tmp_path / "knowledge")})


def test_a_large_menu_is_paged_and_every_topic_reachable(bot: BotProcess) -> None:
    user = new_user_id()
    page = bot.ask_one(text_message("/topics", user_id=user))
    message = page["result"]
    seen: list[str] = []
    for _turn in range(TOPICS):  # bounded: a loop in the pages fails instead of hanging
        keys = buttons(message)
        assert len(keys) <= TELEGRAM_MAX_BUTTONS, len(keys)
        seen += [b["callback_data"] for b in keys if b["callback_data"].startswith("t:")]
        forward = [b for b in keys if b["text"].endswith("▶")]
        if not forward:
            break
        mark = bot.standin.mark()
        bot.standin.push_update(callback_query(forward[0]["callback_data"], message, user_id=user))
        edited = bot.wait_for("editMessageReplyMarkup", since=mark, ok=True)[0]
        message = edited.result
    assert sorted(seen) == sorted(f"t:en:topic-{n}" for n in range(TOPICS))

    # "I don't know" and /start carry the first page only
    for text in ("/start", "qwertyuiop zxcvbnm"):
        sent = bot.ask_one(text_message(text, user_id=user))
        assert 0 < len(buttons(sent)) <= TELEGRAM_MAX_BUTTONS
