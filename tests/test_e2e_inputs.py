"""End to end, hostile or odd input to the running bot (`python -m bot run` against the
Bot API stand-in): commands split by line breaks, admins in groups, a locked database,
/forget and the WAL, large menus. See tests/e2e_helpers.py for the helpers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.explainer import Explainer
from tests.e2e_helpers import BotProcess, new_user_id, running_bot
from tests.support.botapi import DEFAULT_BOT_USERNAME, BotApiStandIn, text_message


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
