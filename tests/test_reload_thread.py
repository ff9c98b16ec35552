"""Reloading builds the new knowledge, matcher and catalogs in a worker thread: the event
loop keeps answering meanwhile, however long the build takes."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from bot.dialogue import Turn, question
from bot.explainer import Explainer
from bot.storage import Store
from bot.telegram.admin import reload_explainer
from bot.telegram.services import Services
from bot.telegram.settings import Settings
from tests.support.botapi import DEFAULT_TOKEN

WAIT_S = 10.0  # a bound for waits on events, so a broken build fails instead of hanging


async def test_answers_go_on_while_a_reload_builds(
    explainer: Explainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    building, may_finish = threading.Event(), threading.Event()
    threads: list[int] = []

    def slow_load(
        knowledge_dir: Path | None = None,
        locales_dir: Path | None = None,
        cache_dir: Path | None = None,
    ) -> Explainer:
        threads.append(threading.get_ident())
        building.set()
        assert may_finish.wait(WAIT_S), "the event loop was blocked by the reload"
        return explainer

    monkeypatch.setattr(Explainer, "load", staticmethod(slow_load))
    store = Store(":memory:")
    svc = Services(explainer, store, Settings(token=DEFAULT_TOKEN))
    reloading = asyncio.create_task(reload_explainer(svc))
    assert await asyncio.to_thread(building.wait, WAIT_S)
    # the loop is free while the build runs: a question is answered now
    reply, _lang = question(Turn(explainer, store, chat_id=1), "what is facial recognition")
    assert reply.topic_id == "facial-recognition"
    assert not reloading.done()
    may_finish.set()
    assert await reloading == []
    assert threads and threads[0] != threading.get_ident()
    store.close()
