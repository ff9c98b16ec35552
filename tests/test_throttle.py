"""Per-chat flood throttle (bot/throttle.py) and per-chat sending limits
(bot/telegram/ratelimit.py), on a clock the tests move by hand."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from pathlib import Path
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.explainer import Explainer
from bot.storage import Store
from bot.telegram.app import build_application
from bot.telegram.maintenance import chat_memories
from bot.telegram.ratelimit import (
    MAX_WAIT_S,
    OVERALL_BURST,
    OVERALL_PER_S,
    ChatRateLimiter,
    FairTurns,
    Pace,
)
from bot.telegram.settings import Settings
from bot.telegram.updates import ChatOrderedUpdateProcessor
from bot.throttle import Admission, ChatThrottle
from tests.support.botapi import DEFAULT_TOKEN, FakeBotApi, text_message
from tests.support.recording_request import RecordingRequest, make_update


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_flood_gets_a_few_answers_one_notice_then_silence_until_it_calms() -> None:
    clock = Clock()
    throttle = ChatThrottle(limit=3, window_s=10, clock=clock)
    got = [throttle.admit("a") for _ in range(6)]
    assert got == [Admission.ANSWER] * 3 + [Admission.NOTICE] + [Admission.DROP] * 2
    for _ in range(20):  # one message every 2 s: still a flood, still silent
        clock.now += 2
        assert throttle.admit("a") is Admission.DROP
    clock.now += 10  # quiet for a window: answered again, and a new flood gets a new notice
    assert [throttle.admit("a") for _ in range(5)] == [Admission.ANSWER] * 3 + [
        Admission.NOTICE,
        Admission.DROP,
    ]


def test_chats_are_throttled_apart_and_forgotten_when_calm() -> None:
    clock = Clock()
    throttle = ChatThrottle(limit=2, window_s=10, clock=clock)
    for _ in range(3):
        throttle.admit("busy")
    assert throttle.admit("other") is Admission.ANSWER
    clock.now += 60
    for chat in range(2000):  # the sweep runs every so many arrivals
        throttle.admit(chat)
    assert "busy" not in throttle._arrivals and len(throttle) <= 2000


def test_housekeeping_forgets_a_chat_once_it_is_calm_and_keeps_a_flooding_one() -> None:
    clock = Clock()
    throttle = ChatThrottle(limit=2, window_s=10, clock=clock)
    for _ in range(3):
        throttle.admit("calm")
    clock.now += 5
    throttle.admit("flooding")
    assert throttle.forget_calm() == 0  # "calm" spoke 5 s ago: its window is not over
    clock.now += 5
    assert throttle.forget_calm() == 1 and "calm" not in throttle._arrivals
    assert len(throttle) == 1  # "flooding" spoke 5 s ago
    assert throttle.admit("calm") is Admission.ANSWER  # a new start, not a second notice


def test_sending_limits_forget_a_chat_once_its_burst_is_back() -> None:
    clock = Clock()
    limiter = ChatRateLimiter(clock=clock)
    [limiter.reserve_chat(5) for _ in range(3)]  # a private chat's whole burst
    [limiter.reserve_chat(-5) for _ in range(21)]  # a group's, and one send after it
    assert limiter.forget_idle() == 0  # both have sends booked ahead
    clock.now += 3.5
    assert limiter.forget_idle() == 1  # the private chat's three seconds have passed
    assert limiter.reserve_chat(-5) > 0  # the group's booked sends still count
    clock.now += 70
    assert limiter.forget_idle() == 1 and limiter.reserve_chat(-5) == 0.0


def test_the_running_bot_forgets_quiet_chats_in_its_housekeeping(
    explainer: Explainer, tmp_path: Path
) -> None:
    store = Store.in_dir(tmp_path)
    api = FakeBotApi(token=DEFAULT_TOKEN, bot_username="ryf_test_bot")
    settings = Settings(token=DEFAULT_TOKEN)
    limited, unlimited = (
        build_application(
            settings, explainer, store, request=RecordingRequest(api), rate_limiter=on
        )
        for on in (True, False)
    )
    owners = [forget.__self__ for forget in chat_memories(limited)]  # type: ignore[attr-defined]
    gate = limited.update_processor.gate  # type: ignore[attr-defined]
    assert owners == [gate.throttle, limited.bot.rate_limiter]
    assert chat_memories(unlimited) == []  # neither a throttle nor sending limits
    store.close()


def test_a_429_pauses_only_its_chat() -> None:
    clock = Clock()
    limiter = ChatRateLimiter(clock=clock)
    limiter.pause(1, 7.0)
    assert limiter.reserve_chat(1) == 7.0
    assert limiter.reserve_chat(2) == 0.0


def test_a_private_chat_gets_a_short_burst_then_one_a_second() -> None:
    clock = Clock()
    limiter = ChatRateLimiter(clock=clock)
    waits = [limiter.reserve_chat(5) for _ in range(5)]
    assert waits == [0.0, 0.0, 0.0, 1.0, 2.0]
    group = [limiter.reserve_chat(-5) for _ in range(21)]
    assert group[:20] == [0.0] * 20 and group[20] == 3.0


@pytest.mark.parametrize(
    "now", [100.5, 1000.0, 4279.660099852, 4321.123, 1_234_567.891, 31_536_000.75]
)
def test_the_whole_burst_goes_at_once_whatever_the_clock_reads(now: float) -> None:
    """Rounding in the sum of intervals does not cut a burst by one (it did at some
    clock readings: 29 of 30 at once when the machine had been up for 4321 s)."""
    pace = Pace(OVERALL_PER_S, OVERALL_BURST)
    went = 0
    while pace.earliest(now) <= now:
        pace.book(now)
        went += 1
    assert went == OVERALL_BURST


async def test_the_overall_limit_takes_one_request_per_chat_in_turn() -> None:
    """A busy chat's backlog in the overall limit does not delay another chat's one
    message by more than a turn."""
    # the clock stands still until every request has asked for its turn, so that how many
    # go at once and who waits does not depend on how fast this machine is right now
    frozen = [time.monotonic()]
    turns = FairTurns(
        Pace(OVERALL_PER_S, OVERALL_BURST), lambda: frozen[0] if frozen else time.monotonic()
    )
    order: list[int] = []

    async def send(chat: int) -> None:
        await turns.turn(chat)
        order.append(chat)

    busy = [asyncio.create_task(send(1)) for _ in range(40)]  # 30 go at once, 10 wait
    await asyncio.sleep(0)  # one loop turn: each task has asked
    late = asyncio.create_task(send(2))
    await asyncio.sleep(0)
    frozen.clear()
    await asyncio.wait_for(asyncio.gather(*busy, late), timeout=5)  # a hang guard only
    assert order.index(2) == 31, order  # right after the first of chat 1's waiting ones


async def test_a_chat_waiting_out_a_429_gives_its_slot_to_another_chat() -> None:
    """One slot; chat 1's answer is refused with retry_after and waits; chat 2's update
    is processed meanwhile, in that slot."""
    limiter = ChatRateLimiter()
    processor = ChatOrderedUpdateProcessor(max_concurrent_updates=1)
    api, done = FakeBotApi(), []
    refused = {"left": 1}

    async def send(chat: int) -> dict[str, Any]:
        if chat == 1 and refused["left"]:
            refused["left"] -= 1
            raise RetryAfter(dtm.timedelta(seconds=0.3))
        done.append(chat)
        return {}

    async def answer(chat: int) -> None:
        await limiter.process_request(send, (chat,), {}, "sendMessage", {"chat_id": chat}, None)

    first = make_update(api, text_message("q", user_id=1), None)
    second = make_update(api, text_message("q", user_id=2), None)
    await asyncio.wait_for(
        asyncio.gather(
            processor.process_update(first, answer(1)),
            processor.process_update(second, answer(2)),
        ),
        timeout=5,
    )
    assert done == [2, 1]


async def test_a_chat_paused_for_long_fails_at_once_instead_of_waiting() -> None:
    limiter = ChatRateLimiter()
    limiter.pause(9, MAX_WAIT_S + 30)
    calls: list[int] = []

    async def send() -> dict[str, Any]:
        calls.append(1)
        return {}

    with pytest.raises(RetryAfter):
        await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 9}, None)
    assert calls == []
