"""Several chats at once, each chat in order: the real Application's update queue.

Updates go through `application.update_queue`, the way polling and webhooks deliver them,
so they pass through the update processor that `build_application` installs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from bot.explainer import Explainer
from bot.storage import Store
from bot.telegram.app import build_application
from bot.telegram.polling import FETCH_AHEAD, HELD_MAX, UpdateFetcher
from bot.telegram.settings import Settings
from bot.telegram.updates import ChatOrderedUpdateProcessor, chat_key, slot_released
from bot.throttle import Admission
from tests.support.botapi import (
    DEFAULT_TOKEN,
    Call,
    FakeBotApi,
    Response,
    inline_query,
    text_message,
)
from tests.support.recording_request import RecordingRequest, make_update

HANG_GUARD_S = 10  # only fails a test that would otherwise hang; never what is asserted


async def _deliver(explainer: Explainer, updates: list[dict[str, Any]], api: FakeBotApi) -> None:
    store = Store(":memory:")
    app = build_application(
        Settings(token=DEFAULT_TOKEN), explainer, store,
        request=RecordingRequest(api, read_timeout=HANG_GUARD_S), rate_limiter=False,
    )  # fmt: skip
    try:
        async with app:
            await app.start()
            for update in updates:
                await app.update_queue.put(make_update(api, update, app.bot))
            await asyncio.wait_for(_sent(api, len(updates)), timeout=HANG_GUARD_S)
            await app.stop()
    finally:
        store.close()


def _heading(explainer: Explainer, topic: str) -> str:
    return f"<b>{explainer.knowledge.entry(topic, 'en').question}</b>"


async def _sent(api: FakeBotApi, count: int) -> None:
    await _until(lambda: len(api.sent_messages()) >= count)


async def _until(happened: Callable[[], bool]) -> None:
    while not happened():
        await asyncio.sleep(0.005)


class HeldFirstAnswer(FakeBotApi):
    """Holds chat `held_chat`'s first sendMessage until another chat has been answered: a
    slow chat for as long as the test needs, not for a fixed time."""

    def __init__(self, held_chat: int) -> None:
        super().__init__(token=DEFAULT_TOKEN)
        self.held_chat = held_chat
        self.holding = True

    async def aserve(
        self, token: str, method: str, params: Mapping[str, Any] | None = None
    ) -> Response:
        if self.holding and method == "sendMessage" and self._to_held(params or {}):
            self.holding = False
            # WaitTimeout (the answer fails) if no other chat overtakes it
            await self.async_wait_for(self._to_another_chat, timeout=HANG_GUARD_S)
        return await super().aserve(token, method, params)

    def _to_held(self, params: Mapping[str, Any]) -> bool:
        return params.get("chat_id") == self.held_chat

    def _to_another_chat(self, call: Call) -> bool:
        return call.method == "sendMessage" and not self._to_held(call.params)


async def test_a_slow_chat_does_not_hold_up_others_and_keeps_its_order(
    explainer: Explainer,
) -> None:
    api = HeldFirstAnswer(101)  # chat 101's first answer waits until another chat's is sent
    first = text_message("what is facial recognition", user_id=101)
    second = text_message("what are fingerprints", user_id=101)
    other = text_message("what is biometric data", user_id=202)
    await _deliver(explainer, [first, second, other], api)
    order = [(m["chat_id"], m["text"].split("\n")[0]) for m in api.sent_messages()]
    assert order == [
        (202, _heading(explainer, "biometric-data")),  # another chat went ahead of the slow one
        (101, _heading(explainer, "facial-recognition")),
        (101, _heading(explainer, "fingerprints")),  # and the slow chat kept its order
    ]


async def test_many_updates_of_one_chat_take_one_slot() -> None:
    """Queued updates of a busy chat wait outside the slots: other chats still get in."""
    processor = ChatOrderedUpdateProcessor(max_concurrent_updates=2)
    api = FakeBotApi()
    done: list[str] = []
    release = asyncio.Event()

    async def work(name: str, wait: bool = False) -> None:
        if wait:
            await release.wait()
        done.append(name)

    busy = [make_update(api, text_message(f"q{i}", user_id=1), None) for i in range(5)]
    free = make_update(api, text_message("hello", user_id=2), None)
    tasks = [
        asyncio.create_task(processor.process_update(u, work(f"busy{i}", wait=i == 0)))
        for i, u in enumerate(busy)
    ]
    tasks.append(asyncio.create_task(processor.process_update(free, work("free"))))
    await asyncio.wait_for(_until(lambda: "free" in done), HANG_GUARD_S)
    assert done == ["free"]  # chat 1 holds one slot while its first update waits
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=5)
    assert done == ["free", "busy0", "busy1", "busy2", "busy3", "busy4"]


async def test_a_chat_waiting_out_its_own_limit_is_parked_with_its_queue() -> None:
    """Chat 1 waits out its own limit (a 429): it and the two updates queued behind it are
    parked, and the fetcher is told. Chat 2 waits for the overall limit, which everybody
    shares: not parked. When the waits end, nothing is parked and all four are finished."""
    processor = ChatOrderedUpdateProcessor(max_concurrent_updates=2)
    api, finished, told = FakeBotApi(), [], []
    processor.on_finished = finished.append
    processor.on_parked = lambda: told.append(processor.parked())
    own_limit, overall = asyncio.Event(), asyncio.Event()

    async def wait(event: asyncio.Event, parked: bool) -> None:
        async with slot_released(parked=parked):
            await event.wait()

    async def nothing() -> None:
        pass

    ones = [make_update(api, text_message(f"q{i}", user_id=1), None) for i in range(3)]
    two = make_update(api, text_message("q", user_id=2), None)
    tasks = [asyncio.create_task(processor.process_update(ones[0], wait(own_limit, True)))]
    tasks.append(asyncio.create_task(processor.process_update(two, wait(overall, False))))
    await asyncio.wait_for(_until(lambda: processor.parked() == 1), HANG_GUARD_S)
    tasks += [asyncio.create_task(processor.process_update(u, nothing())) for u in ones[1:]]
    await asyncio.wait_for(_until(lambda: processor.parked() == 3), HANG_GUARD_S)
    assert told == [1, 2, 3] and finished == []
    own_limit.set()
    overall.set()
    await asyncio.wait_for(asyncio.gather(*tasks), HANG_GUARD_S)
    assert processor.parked() == 0
    assert [u for u in finished if u is not two] == ones and two in finished


class DropSecond:
    """A flood gate that drops the second update it sees and answers the others."""

    def __init__(self) -> None:
        self.seen = 0

    def admit(self, update: object) -> Admission:
        self.seen += 1
        return Admission.DROP if self.seen == 2 else Admission.ANSWER

    async def notice(self, update: object) -> None:
        raise AssertionError("no notice expected")


async def test_a_dropped_update_is_finished_at_once_not_queued_behind_its_chat() -> None:
    """A flooding chat's dropped question has nothing to do: it must not wait (and be held
    unconfirmed) behind the chat's question in progress."""
    processor = ChatOrderedUpdateProcessor(max_concurrent_updates=2, gate=DropSecond())
    api, finished, release = FakeBotApi(), [], asyncio.Event()
    processor.on_finished = finished.append
    first, dropped = (make_update(api, text_message(f"q{i}", user_id=1), None) for i in range(2))

    async def dropped_work() -> None:
        raise AssertionError("a dropped update was processed")

    busy = asyncio.create_task(processor.process_update(first, release.wait()))
    await asyncio.sleep(0)
    await asyncio.wait_for(processor.process_update(dropped, dropped_work()), HANG_GUARD_S)
    assert finished == [dropped]
    release.set()
    await asyncio.wait_for(busy, HANG_GUARD_S)
    assert finished == [dropped, first]


class _Parked:
    def __init__(self, count: int) -> None:
        self.count = count

    def parked(self) -> int:
        return self.count


@pytest.mark.parametrize(
    ("unfinished", "parked", "room"),
    [
        (0, 0, FETCH_AHEAD),
        (FETCH_AHEAD, 0, 0),  # all being worked on: nothing more
        (FETCH_AHEAD + 2, FETCH_AHEAD + 2, FETCH_AHEAD),  # all parked: a full fetch-ahead
        (FETCH_AHEAD + 10, 30, FETCH_AHEAD - 12),
        (HELD_MAX - 5, HELD_MAX - 5, 5),  # parked ones still bound what is in the bot
        (HELD_MAX, HELD_MAX, 0),
    ],
)
def test_the_fetch_ahead_counts_updates_being_worked_on_and_memory_is_bounded(
    unfinished: int, parked: int, room: int
) -> None:
    fetcher = UpdateFetcher.__new__(UpdateFetcher)  # only the counts are needed
    fetcher.unfinished = set(range(1, unfinished + 1))
    fetcher.processor = _Parked(parked)  # type: ignore[assignment]
    assert fetcher.room == room


@pytest.mark.parametrize(
    ("update", "key"),
    [
        (text_message("hi", user_id=5, chat_id=-100, chat_type="group"), -100),
        (text_message("hi", user_id=5), 5),
        (inline_query("face", user_id=7), 7),
    ],
)
def test_chat_key(update: dict[str, Any], key: int) -> None:
    assert chat_key(make_update(FakeBotApi(), update, None)) == key
    assert chat_key("not an update") is None
