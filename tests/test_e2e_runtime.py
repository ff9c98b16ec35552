"""The running bot under floods, stalls, crashes and hostile clients (issue 12: F1-F4, F8,
F9, F14, F17, F18, F20), each through the real `python -m bot run` process.

The stand-in is `ChaosStandIn` (tests/support/chaos.py): per-chat 429s, calls held until
released, calls carried out and then failed, and confirmation of updates when a
`getUpdates` arrives, as Telegram does. Waits are for events (a call recorded, the update
queue drained, the process gone), each bounded only to fail a hang. What the findings say
about time ("a private question is not held up", "a 429 does not pause everybody", "SIGTERM
does not wait out the backlog") is asserted as an order of events as the stand-in saw them:
a private answer before the groups' waiting ones, another chat answered while a chat's 429
is still in force, the exit before that 429 lapses. No test asserts how long something took.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.explainer import Explainer
from bot.telegram.polling import ALLOWED_UPDATES, FETCH_AHEAD
from bot.telegram.updates import CONCURRENT_CHATS
from tests.e2e_helpers import (
    ROOT,
    START_TIMEOUT,
    WAIT,
    BotProcess,
    free_port,
    new_user_id,
    to_chat,
)
from tests.support.botapi import DEFAULT_TOKEN, BotApiStandIn, Call, post_webhook, text_message
from tests.support.chaos import ChaosStandIn

BOT = "ryf_test_bot"
QUESTION = "what is facial recognition"
SECRET = "s3cret-webhook"
# how long Telegram pauses a chat in the 429 tests: an answer to another chat must go out
# meanwhile, so this is room for a loaded machine to answer one question, not a bound the
# tests assert; each test waits it out once (its refused chats are answered afterwards)
PAUSE_S = 10


def heading(explainer: Explainer, topic: str = "facial-recognition") -> str:
    return f"<b>{explainer.knowledge.entry(topic, 'en').question}</b>"


def wait_until(
    bot: BotProcess, what: str, check: Callable[[], bool], timeout: float = WAIT
) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert bot.alive, bot.describe(f"the bot died while waiting for {what}")
        assert time.monotonic() < deadline, bot.describe(f"no {what} within {timeout} s")
        time.sleep(0.02)


def refused(chaos: ChaosStandIn, since: int) -> set[int]:
    """The chats whose sendMessage got a 429 among the attempts after index `since`."""
    return {int(a.params["chat_id"]) for a in chaos.attempts[since:] if a.status == 429}


def to_any(call: Call, chats: list[int]) -> bool:
    return any(to_chat(call, chat) for chat in chats)


def position(standin: BotApiStandIn, call: Call) -> int:
    """Where `call` is in the stand-in's record: the order the Bot API carried calls out."""
    return next(i for i, recorded in enumerate(standin.calls()) if recorded is call)


def answers_to(standin: BotApiStandIn, chat_id: int, since: int = 0) -> list[str]:
    return [c.params["text"] for c in standin.calls()[since:] if to_chat(c, chat_id)]


def update_ids_handed_out(standin: BotApiStandIn, since: int = 0) -> set[int]:
    return {u["update_id"] for c in standin.calls("getUpdates")[since:] for u in c.result or []}


def start_bot(standin: BotApiStandIn, base: Path, **env: str) -> BotProcess:
    bot = BotProcess(standin, base / "data", base / f"bot-{time.monotonic_ns()}.log", env=env)
    try:
        bot.start().wait_ready()
    except BaseException:
        bot.stop()
        raise
    return bot


@pytest.fixture(scope="module")
def chaos() -> Iterator[ChaosStandIn]:
    with ChaosStandIn(bot_username=BOT) as api:
        yield api


@pytest.fixture(scope="module")
def bot(chaos: ChaosStandIn, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    process = start_bot(chaos, tmp_path_factory.mktemp("e2e-runtime"), BOT_LOG_LEVEL="DEBUG")
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(autouse=True)
def no_leftover_faults(chaos: ChaosStandIn) -> Iterator[None]:
    yield
    chaos.clear_faults()


# ------------------------------------------------------------------ F1, F18, F20


def test_an_unreadable_update_is_skipped_and_nothing_personal_is_logged(
    bot: BotProcess, chaos: ChaosStandIn, explainer: Explainer
) -> None:
    """F1: one update python-telegram-bot cannot parse (no `date`) between two good ones.
    The bot runs at DEBUG (F18): still no text, name, id or token in its log."""
    first, second = new_user_id(), new_user_id()
    person = {"first_name": "Quetzalcoatlus", "username": "quetzal_private_user"}
    mark, polls = chaos.mark(), len(chaos.calls("getUpdates"))
    chaos.push_update(text_message("what is biometric data", user_id=first, **person))
    poison = text_message("my secret diary text, do not log", user_id=new_user_id(), **person)
    del poison["message"]["date"]
    poison_id = chaos.push_update(poison)["update_id"]
    chaos.push_update(text_message(QUESTION, user_id=second, **person))
    bot.wait_sends(first, since=mark)
    bot.wait_sends(second, since=mark)
    wait_until(bot, "confirmation of every update", lambda: chaos.pending_updates() == 0)
    assert answers_to(chaos, second, mark)[0].startswith(heading(explainer))

    log = bot.log()
    skipped = [line for line in log.splitlines() if "skipped update" in line]
    assert len(skipped) == 1 and str(poison_id) in skipped[0], bot.describe("one line per skip")
    private = ["secret diary", "biometric data", QUESTION, "Quetzalcoatlus", "quetzal_private"]
    private += [str(first), str(second), chaos.token]
    leaked = [p for p in private if p in log]
    assert not leaked, bot.describe(f"in the log: {leaked}")
    polled = len(chaos.calls("getUpdates")) - polls
    assert polled < 100, f"{polled} getUpdates calls: polling in a loop"


def test_only_the_handled_update_kinds_are_requested(bot: BotProcess, chaos: ChaosStandIn) -> None:
    """F20: data minimisation: Telegram is asked only for what the bot handles."""
    asked = [c.params.get("allowed_updates") for c in chaos.calls("getUpdates")]
    assert asked and all(kinds == ALLOWED_UPDATES for kinds in asked), asked[:3]
    assert set(ALLOWED_UPDATES) == {"message", "callback_query", "inline_query", "my_chat_member"}


def test_group_answers_survive_a_deleted_question(bot: BotProcess, chaos: ChaosStandIn) -> None:
    """F17: the quote of a group question is sent with allow_sending_without_reply."""
    group = -1_002_000_000_001
    mark = chaos.mark()
    chaos.push_update(text_message(f"@{BOT} {QUESTION}", chat_id=group, chat_type="supergroup",
                                   user_id=new_user_id()))  # fmt: skip
    (sent,) = bot.wait_sends(group, since=mark)
    assert sent.params["reply_parameters"]["allow_sending_without_reply"] is True


# ------------------------------------------------------------------ F2, F3


def test_groups_waiting_in_the_rate_limiter_do_not_hold_up_a_private_question(
    bot: BotProcess, chaos: ChaosStandIn, explainer: Explainer
) -> None:
    """F2: as many groups as there are processing slots each have an answer waiting in
    the rate limiter (Telegram paused each group with a 429: the same wait as a group past
    its 20 messages a minute). A private question asked meanwhile is answered before any of
    those answers goes out, so none of the waits held a slot; then each group gets its
    answer once. (Event order only; PAUSE_S just has to outlast answering one question.)"""
    groups = [-1_003_000_000_000 - i for i in range(CONCURRENT_CHATS)]
    mark = _groups_wait_out_429s(bot, chaos, groups, [QUESTION])
    private = new_user_id()
    chaos.push_update(text_message("what is biometric data", user_id=private))
    (answer,) = bot.wait_sends(private, since=mark)
    to_groups = bot.wait_for(lambda c: to_any(c, groups), len(groups), since=mark,
                             timeout=PAUSE_S + WAIT)  # fmt: skip
    assert answer.params["text"].startswith(heading(explainer, "biometric-data"))
    before = [c for c in to_groups if position(chaos, c) < position(chaos, answer)]
    assert not before, bot.describe(
        f"{len(before)} group answer(s) went out before the private one, which waited for them"
    )
    for group in groups:
        (sent,) = answers_to(chaos, group, mark)
        assert sent.startswith(heading(explainer))


def _groups_wait_out_429s(
    bot: BotProcess, chaos: ChaosStandIn, groups: list[int], texts: list[str]
) -> int:
    """Each group's replies get a PAUSE_S 429; each group asks `texts` (in turn, each text
    to every group); returns the stand-in's mark from before, once every group was refused."""
    for group in groups:
        chaos.fail_chat(group, "429", retry_after=PAUSE_S)
    mark, attempts = chaos.mark(), len(chaos.attempts)
    for text in texts:
        for group in groups:
            chaos.push_update(text_message(f"@{BOT} {text}", chat_id=group,
                                           chat_type="supergroup", user_id=new_user_id()))  # fmt: skip
    wait_until(bot, "429 for every group", lambda: refused(chaos, attempts) >= set(groups))
    return mark


def test_groups_waiting_out_429s_do_not_keep_a_private_question_from_being_fetched(
    bot: BotProcess, chaos: ChaosStandIn, explainer: Explainer
) -> None:
    """Polling takes in at most FETCH_AHEAD updates at a time. Here more group questions
    than that wait behind their groups' 429s (two per group: the second waits in its
    chat's queue behind the first). A private question asked meanwhile is still fetched
    and answered while every one of those 429s is in force, on the stand-in's clock; then
    each group gets its two answers, in the order asked, and every update is confirmed.
    (Event order only; PAUSE_S just has to outlast answering one question.)"""
    groups = [-1_004_000_000_000 - i for i in range(FETCH_AHEAD // 2 + 1)]
    mark = _groups_wait_out_429s(bot, chaos, groups, [QUESTION, "what is biometric data"])
    private = new_user_id()
    chaos.push_update(text_message("what is biometric data", user_id=private))
    (answer,) = bot.wait_sends(private, since=mark, timeout=PAUSE_S + WAIT)
    first_lapse = min(chaos.refused_until(group) for group in groups)
    assert chaos.recorded_at(answer) < first_lapse, bot.describe(
        "the private question was answered only after a group's 429 lapsed: the groups' "
        "waiting questions kept it from being fetched"
    )
    assert answer.params["text"].startswith(heading(explainer, "biometric-data"))
    bot.wait_for(lambda c: to_any(c, groups), 2 * len(groups), since=mark, timeout=PAUSE_S + WAIT)
    for group in groups:
        got = answers_to(chaos, group, mark)
        assert len(got) == 2, bot.describe(f"{len(got)} answers to one group")
        assert got[0].startswith(heading(explainer)), "a group's answers out of order"
        assert got[1].startswith(heading(explainer, "biometric-data"))
    wait_until(bot, "confirmation of every update", lambda: chaos.pending_updates() == 0)


def test_a_flooding_chat_gets_a_few_answers_one_notice_then_silence(
    bot: BotProcess, chaos: ChaosStandIn, explainer: Explainer
) -> None:
    """F3: 20 questions at once from one chat: 6 answers, one notice, nothing more."""
    flooder = new_user_id()
    mark = chaos.mark()
    for _ in range(20):
        chaos.push_update(text_message(QUESTION, user_id=flooder))
    wait_until(bot, "the flood to be processed", lambda: chaos.pending_updates() == 0)
    got = answers_to(chaos, flooder, mark)
    assert len(got) == 7, bot.describe(f"{len(got)} messages to the flooding chat")
    assert all(text.startswith(heading(explainer)) for text in got[:6])
    assert "a lot of messages" in got[6]


def test_a_429_for_one_chat_does_not_pause_the_others(
    bot: BotProcess, chaos: ChaosStandIn, explainer: Explainer
) -> None:
    """F3: Telegram refuses one chat for PAUSE_S s. Another chat, asked after the refusal,
    is answered while it is in force (on the stand-in's clock) and so before the refused
    chat's retry; the refused chat waits out its pause and then gets its answer."""
    slowed, other = new_user_id(), new_user_id()
    chaos.fail_chat(slowed, "429", retry_after=PAUSE_S)
    mark, attempts = chaos.mark(), len(chaos.attempts)
    chaos.push_update(text_message(QUESTION, user_id=slowed))
    wait_until(bot, "the 429", lambda: slowed in refused(chaos, attempts))
    chaos.push_update(text_message(QUESTION, user_id=other))
    (answer,) = bot.wait_sends(other, since=mark)
    (late,) = bot.wait_sends(slowed, since=mark, timeout=PAUSE_S + WAIT)
    pause_ends = chaos.refused_until(slowed)
    assert chaos.recorded_at(answer) < pause_ends, bot.describe(
        "the other chat was answered only after the 429 lapsed: the 429 paused every chat"
    )
    assert position(chaos, answer) < position(chaos, late), "answered after the retry"
    assert chaos.recorded_at(late) >= pause_ends, "the refused chat did not wait out its 429"
    assert late.params["text"].startswith(heading(explainer))
    assert answer.params["text"].startswith(heading(explainer))


# ------------------------------------------------------------------ F14


@pytest.mark.parametrize("kind", ["drop-after", "502-after"])
def test_a_delivered_message_is_not_sent_again(
    bot: BotProcess, chaos: ChaosStandIn, explainer: Explainer, kind: str
) -> None:
    """F14: the answer was carried out, then the connection dropped (or a 502 came)."""
    user = new_user_id()
    chaos.fail_chat(user, kind)
    mark = chaos.mark()
    chaos.push_update(text_message(QUESTION, user_id=user))
    bot.wait_sends(user, since=mark)
    chaos.push_update(text_message("what is biometric data", user_id=user))  # barrier
    barrier = heading(explainer, "biometric-data")
    bot.wait_for(lambda c: to_chat(c, user) and c.params["text"].startswith(barrier), since=mark)
    got = answers_to(chaos, user, mark)
    # the one copy, perhaps the apology (the bot cannot know it arrived), the barrier
    assert sum(text.startswith(heading(explainer)) for text in got) == 1, got
    assert got[-1].startswith(barrier) and len(got) <= 3, got


# ------------------------------------------------------------------ F8


def test_kill_9_loses_at_most_the_fetch_ahead(tmp_path: Path, explainer: Explainer) -> None:
    """F8: a stalled Bot API, 100 questions waiting, kill -9: at most FETCH_AHEAD updates
    were taken in (bounded memory) and none was confirmed unanswered; a restart answers
    every question exactly once."""
    with ChaosStandIn(bot_username=BOT) as api:
        chats = [new_user_id() for _ in range(100)]
        for chat in chats:
            api.fail_chat(chat, "hold")
        bot = start_bot(api, tmp_path)
        try:
            first_id = None
            for chat in chats:
                pushed = api.push_update(text_message(QUESTION, user_id=chat))
                first_id = first_id or pushed["update_id"]
            wait_until(bot, "16 answers on their way", lambda: api.holding >= 16)
            handed = update_ids_handed_out(api)
            bot.proc.kill()  # type: ignore[union-attr]
            bot.stop()
        finally:
            api.release()
        confirmed = 100 - api.pending_updates()
        assert len(handed) <= FETCH_AHEAD, f"{len(handed)} updates taken in at once"
        assert confirmed == 0, f"{confirmed} updates confirmed, none of them answered"

        again = start_bot(api, tmp_path)
        try:
            mark_all = 0
            again.wait_for(lambda c: c.method == "sendMessage" and c.ok, 100, timeout=30)
            for chat in chats:
                assert len(answers_to(api, chat, mark_all)) == 1, chat
        finally:
            assert again.stop() == 0


def test_sigterm_does_not_wait_out_the_backlog_and_leaves_it_for_the_next_start(
    tmp_path: Path, explainer: Explainer
) -> None:
    """F8: one chat's answer waits out a 30 s 429 when SIGTERM comes: the bot exits cleanly
    on its own while that 429 is still in force, leaving the question unanswered and
    unconfirmed; after a restart it is answered, the others not again."""
    with ChaosStandIn(bot_username=BOT) as api:
        stalled, others = new_user_id(), [new_user_id() for _ in range(5)]
        api.fail_chat(stalled, "429", retry_after=30)
        bot = start_bot(api, tmp_path)
        mark, attempts = api.mark(), len(api.attempts)
        api.push_update(text_message(QUESTION, user_id=stalled))
        for chat in others:
            api.push_update(text_message(QUESTION, user_id=chat))
        for chat in others:
            bot.wait_sends(chat, since=mark)
        wait_until(bot, "the 429", lambda: any(a.status == 429 for a in api.attempts[attempts:]))
        code = bot.stop()  # its timeout is a hang guard only (then SIGKILL)
        exited = time.monotonic()
        assert code == 0, bot.describe(f"exit code {code}")
        assert exited < api.refused_until(stalled), bot.describe("it waited out the 429")
        assert api.pending_updates() >= 1, "the stalled question was confirmed"
        assert answers_to(api, stalled, mark) == []

        again = start_bot(api, tmp_path)
        try:
            again.wait_sends(stalled, since=mark)
            wait_until(again, "confirmation", lambda: api.pending_updates() == 0)
            for chat in others:
                assert len(answers_to(api, chat, mark)) == 1, "answered twice after the restart"
            assert answers_to(api, stalled, mark)[0].startswith(heading(explainer))
        finally:
            assert again.stop() == 0


# ------------------------------------------------------------------ F9, F1 (webhook)


def _raw_request(port: int, head: str, timeout: float = 5.0) -> bytes:
    """Send `head` (request line and headers, no body) and read what comes back."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head.encode("ascii"))
        try:
            return sock.recv(1024)
        except TimeoutError:
            return b"<no answer>"


def _head(length: int, secret: str | None) -> str:
    lines = ["POST /hook HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
             f"Content-Length: {length}"]  # fmt: skip
    if secret:
        lines.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
    return "\r\n".join(lines) + "\r\n\r\n"


def _closed_within(port: int, seconds: float, data: bytes) -> bool:
    """Send `data` and then nothing: does the server close the connection in time?"""
    with socket.create_connection(("127.0.0.1", port), timeout=seconds) as sock:
        sock.sendall(data)
        try:
            while sock.recv(1024):
                pass
        except TimeoutError:
            return False
        return True


def test_webhook_refuses_before_reading_and_times_out_slow_clients(
    tmp_path: Path, explainer: Explainer
) -> None:
    """F9: the secret and the size are checked on the headers; slow clients are cut off.
    F1 (webhook): an unreadable update is acknowledged, logged without its content."""
    port = free_port()
    with BotApiStandIn(bot_username=BOT, check_webhook_url=False) as api:
        env = {"BOT_WEBHOOK_URL": "https://example.org/hook", "BOT_WEBHOOK_SECRET": SECRET,
               "BOT_WEBHOOK_LISTEN": "127.0.0.1", "BOT_WEBHOOK_PORT": str(port)}  # fmt: skip
        bot = BotProcess(api, tmp_path / "data", tmp_path / "bot.log", env=env).start()
        try:
            bot.wait_ready("setWebhook")
            bot.wait_port(port)
            assert _raw_request(port, _head(50_000_000, None)).startswith(b"HTTP/1.1 403")
            assert _raw_request(port, _head(5_000_000, SECRET)).startswith(b"HTTP/1.1 413")
            assert _closed_within(port, 20, b"POST /hook HTTP/1.1\r\nHost: 127"), "slow headers"
            assert _closed_within(port, 20, _head(100, SECRET).encode() + b'{"upd'), "slow body"

            url, user = f"http://127.0.0.1:{port}/hook", new_user_id()
            poison = api.register(text_message("my secret diary text", user_id=new_user_id()))
            del poison["message"]["date"]
            assert post_webhook(url, poison, secret_token=SECRET) == 200
            mark = api.mark()
            good = api.register(text_message(QUESTION, user_id=user))
            assert post_webhook(url, good, secret_token=SECRET) == 200
            bot.wait_sends(user, since=mark)
        finally:
            assert bot.stop() == 0
        log = bot.log()
        assert "secret diary" not in log and str(user) not in log, bot.describe("leaked")
        assert f"skipped update {poison['update_id']}" in log, bot.describe("no skip line")
        assert api.token not in log and SECRET not in log


# ------------------------------------------------------------------ F4


def _run_briefly(
    standin: BotApiStandIn, tmp_path: Path, base_url: str
) -> subprocess.CompletedProcess[str]:
    env = BotProcess(standin, tmp_path / "data", tmp_path / "x.log").environment()
    env["TELEGRAM_API_BASE_URL"] = base_url
    env["TELEGRAM_BOT_TOKEN"] = DEFAULT_TOKEN
    return subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


@pytest.mark.parametrize("where", ["no /bot", "trailing slash", "token refused"])
def test_the_token_is_never_printed_on_a_misconfiguration(tmp_path: Path, where: str) -> None:
    """F4: a base URL the token cannot simply be appended to, or a server that refuses the
    token: one line, exit 2, no token."""
    with BotApiStandIn(bot_username=BOT) as api:
        if where == "token refused":
            api.token = "7654321:AnotherTokenTheServerDoesNotKnow-xyz"
        base = {"no /bot": api.url, "trailing slash": api.url + "/", "token refused": api.base_url}
        result = _run_briefly(api, tmp_path, base[where])
    output = result.stdout + result.stderr
    assert result.returncode == 2, output[-2000:]
    assert "Traceback" not in output, output[-2000:]
    assert DEFAULT_TOKEN.split(":")[1] not in output, output[-2000:]


def test_the_token_is_hidden_even_in_a_traceback() -> None:
    """The redacting handler: a record with the token in its message and traceback."""
    import logging

    from bot.telegram.logs import HIDDEN, Redact

    secret = "1234:SomeSecretTokenValue_abcdefghij"
    redact = Redact([secret])
    try:
        raise RuntimeError(f"http://127.0.0.1:8081{secret}/getMe")
    except RuntimeError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "url %s", (secret,), sys.exc_info()
        )
    redact.filter(record)
    assert secret not in record.getMessage() and HIDDEN in record.getMessage()
    assert record.exc_text and secret not in record.exc_text and HIDDEN in record.exc_text


def test_a_token_revoked_while_running_stops_the_bot_cleanly(tmp_path: Path) -> None:
    """The token is refused mid-run (revoked with @BotFather): one line, exit 2, no token."""
    with ChaosStandIn(bot_username=BOT) as api:
        bot = start_bot(api, tmp_path)
        try:
            api.token = "7654321:TheNewTokenAfterARevoke_abcdefghij"
            api.push_update(text_message(QUESTION, user_id=new_user_id()))  # ends the long poll
            assert bot.proc is not None
            code = bot.proc.wait(START_TIMEOUT)  # an upper bound: it exits as soon as refused
        finally:
            bot.stop()
    log = bot.log()
    assert code == 2, bot.describe(f"exit code {code}")
    assert "refused TELEGRAM_BOT_TOKEN" in log and "Traceback" not in log, bot.describe("")
    assert DEFAULT_TOKEN.split(":")[1] not in log
