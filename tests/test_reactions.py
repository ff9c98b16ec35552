"""Emoji alone: "👍" after an answer gets the thanks reply in the chat's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import dialogue
from bot.dialogue import Turn
from bot.explainer import Explainer
from bot.feedback import PendingQuestions, TeamInbox
from bot.knowledge import load_knowledge
from bot.problems import DataError
from bot.reactions import reaction
from bot.storage import Store

REACTIONS = {"👍": "thanks", "❤": "thanks", "🙏": "thanks", "👎": "criticism"}


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("👍", "thanks"),
        ("👍🏽", "thanks"),  # a skin tone
        ("❤️", "thanks"),  # U+2764 with its emoji presentation selector
        (" 👍👍! ", "thanks"),  # repeated, with spaces and punctuation
        ("🙏 ❤️", "thanks"),
        ("👎", "criticism"),
        ("👍👎", None),  # two topics: no telling which
        ("🦄", None),  # an emoji no topic lists
        ("👍 ok", None),  # words are for the matcher
        ("?!", None),
        ("", None),
    ],
)
def test_a_message_of_one_topics_emoji_alone_is_that_topic(text: str, topic: str | None) -> None:
    assert reaction(text, REACTIONS) == topic


def _turn(explainer: Explainer, store: Store) -> Turn:
    inbox = TeamInbox(PendingQuestions(), retention_days=30)
    return Turn(explainer, store, chat_id=42, client_code="en", group=False, inbox=inbox)


@pytest.mark.parametrize(
    ("text", "topic", "opening"),
    [("👍", "thanks", "Gern!"), ("👎🏻", "criticism", "Tut mir leid")],
)
def test_a_thumbs_up_gets_the_small_talk_reply_in_the_chats_language(
    explainer: Explainer, text: str, topic: str, opening: str
) -> None:
    store = Store(":memory:")
    store.set_language(42, "de")
    reply, lang = dialogue.question(_turn(explainer, store), text)
    assert lang == "de"
    assert reply.topic_id == topic and reply.html.startswith(opening)
    assert store.counts() == [(topic, "de", 1)]  # not among the unanswered


def test_an_emoji_no_topic_lists_is_declined_as_before(explainer: Explainer) -> None:
    store = Store(":memory:")
    reply, _lang = dialogue.question(_turn(explainer, store), "🦄")
    assert reply.topic_id is None
    assert store.counts() == [(None, "en", 1)]


def _set_emoji(copy: Path, topic: str, emoji: str) -> int:
    """Give `topic` in the copy's topics.yaml the `emoji` line; its line number."""
    path = copy / "topics.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"  {topic}:")
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("    "))
    kept = [line for line in lines[start + 1 : end] if not line.startswith("    emoji:")]
    lines[start + 1 : end] = [f'    emoji: "{emoji}"', *kept]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return start + 2


def _problems(copy: Path) -> list[str]:
    """The problems loading the knowledge copy reports (it must fail)."""
    with pytest.raises(DataError) as caught:
        load_knowledge(copy)
    return [str(p) for p in caught.value.errors]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ([("thanks", "👍 ok")], "topic 'thanks' emoji: 'ok' is not one emoji"),
        (
            [("thanks", "👍"), ("criticism", "👍🏿")],
            "topic 'criticism' emoji: '👍🏿' is also in topic 'thanks'",
        ),
    ],
)
def test_a_bad_emoji_is_named_with_its_line(
    knowledge_copy: Path, settings: list[tuple[str, str]], message: str
) -> None:
    for topic, emoji in settings:
        line = _set_emoji(knowledge_copy, topic, emoji)  # the last one is at fault
    found = _problems(knowledge_copy)
    assert any(f"topics.yaml:{line}: {message}" in p for p in found), found
