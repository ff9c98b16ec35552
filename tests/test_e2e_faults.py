"""Fault injection through the real bot process: flood control, server errors, slow answers,
dropped connections, on getUpdates and on sendMessage.

The contract checked: the bot keeps running, every question gets exactly one answer, nothing
is sent twice. Replies are counted per chat (each test asks from its own chats) and, where it
matters, after a barrier (see tests/e2e_helpers.py).

What the stand-in's faults mean (tests/support/botapi/state.py, `FakeBotApi._pre`/`serve`): "429",
"500", "502" and "drop" happen *before* the call is handled, so the call is not delivered
(it is listed in `attempts`, not in `calls`) and a client retry cannot duplicate it. "slow"
sleeps first and then handles the call normally: if the client gave up meanwhile (PTB's read
timeout for sendMessage is 5 s), the message is still delivered, the ambiguous case where a
retry would send it twice.

Not covered, because it costs too much time for the suite: a getUpdates slower than PTB's
read timeout for it (the 10 s long poll + 5 s), i.e. > 15 s. Only a getUpdates delayed within
that timeout is tested.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot.explainer import Explainer
from bot.i18n import _, use
from tests.e2e_helpers import WAIT, BotProcess, new_user_id, running_bot
from tests.support.botapi import BotApiStandIn, text_message

QUESTIONS = [
    ("what is facial recognition", "facial-recognition"),
    ("what is biometric data", "biometric-data"),
    ("why should i care about my fingerprints", "fingerprints"),
    ("what is the chilling effect", "chilling-effect"),
]


@pytest.fixture(scope="module")
def standin() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as api:
        yield api


@pytest.fixture(scope="module")
def bot(
    standin: BotApiStandIn, tmp_path_factory: pytest.TempPathFactory, explainer: Explainer
) -> Iterator[BotProcess]:
    yield from running_bot(standin, tmp_path_factory, explainer, "e2e-faults")


@pytest.fixture(autouse=True)
def no_leftover_faults(standin: BotApiStandIn) -> Iterator[None]:
    yield
    standin.clear_faults()


def heading(explainer: Explainer, topic: str) -> str:
    return f"<b>{explainer.knowledge.entry(topic, 'en').question}</b>"


def apology(explainer: Explainer) -> str:
    with use(explainer.catalogs, "en"):
        return _("Sorry, something went wrong on my side. Please try again.")


def wait_attempt(bot: BotProcess, standin: BotApiStandIn, method: str, since: int) -> None:
    """Until an injected fault on `method` has been used (listed in `attempts`)."""
    deadline = time.monotonic() + WAIT
    while not any(a.method == method for a in standin.attempts[since:]):
        assert bot.alive, bot.describe("the bot died")
        assert time.monotonic() < deadline, bot.describe(f"the {method} fault was never hit")
        time.sleep(0.02)


def texts_to(bot: BotProcess, chat_id: int, since: int) -> list[str]:
    return [c.params["text"] for c in bot.sends_to(chat_id, since)]


def assert_answered_once_each(
    bot: BotProcess, explainer: Explainer, chat_id: int, since: int, topics: list[str]
) -> None:
    got = texts_to(bot, chat_id, since)
    assert [t.split("\n")[0] for t in got] == [heading(explainer, t) for t in topics], bot.describe(
        f"replies to chat {chat_id}: {[t[:60] for t in got]}"
    )


# ------------------------------------------------------------------ getUpdates


@pytest.mark.parametrize(
    ("kind", "opts"),
    [
        ("429", {"retry_after": 1}),
        ("500", {}),
        ("502", {}),
        ("drop", {}),
        ("slow", {"seconds": 2.0}),  # within PTB's getUpdates read timeout (15 s)
    ],
)
def test_get_updates_faults(
    bot: BotProcess,
    standin: BotApiStandIn,
    explainer: Explainer,
    kind: str,
    opts: dict[str, float],
) -> None:
    user = new_user_id()
    mark, attempts = standin.mark(), len(standin.attempts)
    # The running long poll answers the first question; the fault hits the next getUpdates,
    # the one that also confirms the first question (offset), so the second question can
    # only arrive through the retry.
    standin.fail_next("getUpdates", kind, **opts)
    standin.push_update(text_message(QUESTIONS[0][0], user_id=user))
    bot.wait_sends(user, since=mark)
    if kind != "slow":
        wait_attempt(bot, standin, "getUpdates", attempts)
    standin.push_update(text_message(QUESTIONS[1][0], user_id=user))
    bot.wait_sends(user, 2, since=mark, timeout=15)
    # barrier: a third question; a redelivered update would be answered before it
    standin.push_update(text_message(QUESTIONS[2][0], user_id=user))
    bot.wait_sends(user, 3, since=mark)
    assert_answered_once_each(bot, explainer, user, mark, [t for _q, t in QUESTIONS[:3]])
    assert bot.alive


# ------------------------------------------------------------------ sendMessage


@pytest.mark.parametrize("count", [1, 3])
def test_send_message_429_is_retried_once_answered_once(
    bot: BotProcess, standin: BotApiStandIn, explainer: Explainer, count: int
) -> None:
    user = new_user_id()
    mark, attempts = standin.mark(), len(standin.attempts)
    standin.fail_next("sendMessage", "429", count=count, retry_after=1)
    standin.push_update(text_message(QUESTIONS[0][0], user_id=user))
    bot.wait_sends(user, since=mark, timeout=5 + 2 * count)
    standin.push_update(text_message(QUESTIONS[1][0], user_id=user))  # barrier
    bot.wait_sends(user, 2, since=mark)
    assert_answered_once_each(bot, explainer, user, mark, [QUESTIONS[0][1], QUESTIONS[1][1]])
    refused = [a.status for a in standin.attempts[attempts:] if a.method == "sendMessage"]
    assert refused == [429] * count


@pytest.mark.parametrize("kind", ["500", "502", "drop"])
def test_send_message_failing_without_an_answer_is_not_sent_again(
    bot: BotProcess, standin: BotApiStandIn, explainer: Explainer, kind: str
) -> None:
    """A 5xx or a connection dropped before any answer: the bot cannot tell whether
    Telegram delivered the message first (here it did not), so it does not send it
    again (bot/telegram/request.py); the user gets the apology and can ask again.
    """
    user = new_user_id()
    mark, attempts = standin.mark(), len(standin.attempts)
    standin.fail_next("sendMessage", kind)
    standin.push_update(text_message(QUESTIONS[0][0], user_id=user))
    bot.wait_sends(user, since=mark)
    standin.push_update(text_message(QUESTIONS[1][0], user_id=user))  # barrier
    bot.wait_sends(user, 2, since=mark)
    assert [a.method for a in standin.attempts[attempts:]] == ["sendMessage"]
    assert bot.alive
    got = texts_to(bot, user, mark)
    assert got[0] == apology(explainer), got
    assert [t.split("\n")[0] for t in got[1:]] == [heading(explainer, QUESTIONS[1][1])], got


def test_send_message_slower_than_the_timeout_is_not_sent_twice(
    bot: BotProcess, standin: BotApiStandIn, explainer: Explainer
) -> None:
    """The ambiguous case: PTB gives up after its 5 s read timeout but the server delivers
    the message anyway. The bot neither retries (the answer is never duplicated) nor
    apologises (the answer may well have arrived, as it does here)."""
    user = new_user_id()
    mark = standin.mark()
    standin.fail_next("sendMessage", "slow", seconds=6.5)
    standin.push_update(text_message(QUESTIONS[0][0], user_id=user))
    bot.wait_sends(user, 1, since=mark, timeout=15)  # the answer, delivered at 6.5 s
    standin.push_update(text_message(QUESTIONS[1][0], user_id=user))  # barrier
    bot.wait_sends(user, 2, since=mark)
    got = texts_to(bot, user, mark)
    assert apology(explainer) not in got, got
    answers = [t for t in got if t.startswith(heading(explainer, QUESTIONS[0][1]))]
    assert len(answers) == 1, got  # delivered once, not retried
    assert got[1].startswith(heading(explainer, QUESTIONS[1][1]))
    assert len(got) == 2
    assert bot.alive


def test_blocked_user_does_not_stop_the_bot(
    bot: BotProcess, standin: BotApiStandIn, explainer: Explainer
) -> None:
    blocked, other = new_user_id(), new_user_id()
    standin.block(blocked)
    try:
        mark = standin.mark()
        standin.push_update(text_message(QUESTIONS[0][0], user_id=blocked))
        standin.push_update(text_message(QUESTIONS[1][0], user_id=other))
        # wait for the 403 itself: the other chat's answer may well come first
        bot.wait_for(lambda c: c.method == "sendMessage" and c.status == 403, since=mark)
        bot.wait_sends(other, since=mark)
        assert_answered_once_each(bot, explainer, other, mark, [QUESTIONS[1][1]])
        refused = [c for c in standin.calls()[mark:] if c.method == "sendMessage" and not c.ok]
        assert refused and all(c.status == 403 for c in refused)
    finally:
        standin.unblock(blocked)


# ------------------------------------------------------------------ everything at once


def test_burst_under_faults_every_question_answered_exactly_once(
    bot: BotProcess, standin: BotApiStandIn, explainer: Explainer
) -> None:
    users = [new_user_id() for _ in range(24)]
    mark = standin.mark()
    standin.fail_next("getUpdates", "500")
    standin.fail_next("sendMessage", "429", count=2, retry_after=1)
    for index, user in enumerate(users):
        question, _topic = QUESTIONS[index % len(QUESTIONS)]
        standin.push_update(text_message(question, user_id=user))
        if index == len(users) // 2:
            standin.fail_next("getUpdates", "drop")
            standin.fail_next("sendMessage", "429", retry_after=1)
    bot.wait_for(lambda c: c.method == "sendMessage" and c.ok, len(users), timeout=25, since=mark)
    # a barrier in every chat: anything still owed to a chat comes before its barrier
    for user in users:
        standin.push_update(text_message(QUESTIONS[0][0], user_id=user))
    for user in users:
        bot.wait_sends(user, 2, since=mark)
    for index, user in enumerate(users):
        expected = [QUESTIONS[index % len(QUESTIONS)][1], QUESTIONS[0][1]]
        assert_answered_once_each(bot, explainer, user, mark, expected)
    assert bot.alive


def test_after_the_faults_the_bot_stops_cleanly(bot: BotProcess, standin: BotApiStandIn) -> None:
    assert bot.alive, bot.describe("the bot died")
    code = bot.stop()
    assert code == 0, bot.describe(f"exit code {code} on SIGTERM")
    assert standin.token not in bot.log()
