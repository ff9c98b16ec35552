"""/reload in the running bot with hostile knowledge and catalog files: the admin gets the
list of problems at once (never "something went wrong", never a hang), nothing from
outside the knowledge directory is quoted, and the running version keeps answering."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from bot.datafiles import MAX_FILE_BYTES
from bot.explainer import Explainer
from bot.paths import KNOWLEDGE_DIR, LOCALES_DIR
from tests.e2e_helpers import ADMIN_ID, BotProcess, bot_with_env, new_user_id
from tests.support.botapi import text_message

SECRET = "postgres://admin:hunter2@db.internal/prod"


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    knowledge, locales = tmp_path / "knowledge", tmp_path / "locales"
    shutil.copytree(KNOWLEDGE_DIR, knowledge)
    shutil.copytree(LOCALES_DIR, locales)
    return knowledge, locales


@pytest.fixture
def bot(tmp_path: Path, dirs: tuple[Path, Path]) -> Iterator[BotProcess]:
    knowledge, locales = dirs
    env = {"BOT_KNOWLEDGE_DIR": str(knowledge), "BOT_LOCALES_DIR": str(locales)}
    yield from bot_with_env(tmp_path, env)


def reload(bot: BotProcess) -> str:
    return str(bot.ask_one(text_message("/reload", user_id=ADMIN_ID))["result"]["text"])


def still_answers(bot: BotProcess, explainer: Explainer) -> None:
    sent = bot.ask_one(text_message("what is facial recognition", user_id=new_user_id()))
    heading = explainer.knowledge.entry("facial-recognition", "en").question
    assert sent["text"].startswith(f"<b>{heading}</b>"), sent["text"][:120]


def test_reload_refuses_special_outside_and_huge_files(
    bot: BotProcess, dirs: tuple[Path, Path], tmp_path: Path, explainer: Explainer
) -> None:
    knowledge, _locales = dirs
    outside = tmp_path / "outside.yaml"
    outside.write_text(f"language: pt\nlinks:\n  api: {SECRET}\ntopics: {{}}\n", encoding="utf-8")
    (knowledge / "pt.yaml").symlink_to(outside)
    with (knowledge / "fr.yaml").open("a", encoding="utf-8") as handle:
        handle.write(("# " + "x" * 98 + "\n") * (MAX_FILE_BYTES // 100 + 1))
    shown = reload(bot)
    assert "Reload refused" in shown, shown[:300]
    assert "pt.yaml:1: is a symlink to a file outside its directory" in shown
    assert "fr.yaml:1: is " in shown and f"the limit is {MAX_FILE_BYTES:,}" in shown
    assert "hunter2" not in shown and "hunter2" not in bot.log()
    still_answers(bot, explainer)


def test_reload_lists_broken_placeholders_and_plural_forms(
    bot: BotProcess, dirs: tuple[Path, Path], explainer: Explainer
) -> None:
    _knowledge, locales = dirs
    po = locales / "de" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="de")
    for message in catalog:
        if isinstance(message.string, str) and "{language}" in message.string:
            message.string += " {0}"
    with po.open("wb") as handle:
        write_po(handle, catalog, width=100)
    es = locales / "es" / "LC_MESSAGES" / "messages.po"
    es.write_text(
        es.read_text(encoding="utf-8").replace("plural=(n != 1);", "plural=(n != 1;"),
        encoding="utf-8",
    )
    shown = reload(bot)
    assert "Reload refused" in shown, shown[:300]
    assert "de/LC_MESSAGES/messages.po:" in shown and "{language}" in shown
    assert "es/LC_MESSAGES/messages.po:" in shown and "invalid Plural-Forms header" in shown
    still_answers(bot, explainer)


def test_reload_does_not_hang_on_a_fifo(
    bot: BotProcess, dirs: tuple[Path, Path], explainer: Explainer
) -> None:
    knowledge, _locales = dirs
    os.mkfifo(knowledge / "nl.yaml")
    shown = reload(bot)
    assert "nl.yaml:1: is not a regular file" in shown, shown[:300]
    still_answers(bot, explainer)
