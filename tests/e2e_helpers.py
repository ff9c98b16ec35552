"""Shared helpers for the end-to-end tests: the real bot process against the Bot API stand-in.

`BotProcess` starts `python -m bot run` (the console entry point, the same code as in
production) as a subprocess whose Bot API is a `BotApiStandIn` on 127.0.0.1. Its output goes
to a log file whose tail is put into every assertion message, so a failure says what the bot
printed. Every wait is bounded; a bot process that dies while we wait fails the wait at once.

Ordering trick used by the tests ("barrier"): `build_application` processes each chat's
updates one after another, in order (bot/telegram/updates.py; different chats run
concurrently). So to check that an update got *no* reply, push it, then push a question from
the *same chat* and wait for that question's answer: anything the first update caused would
have been sent before. Across chats there is no such order.
"""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from bot.explainer import Explainer
from bot.telegram.updates import ChatOrderedUpdateProcessor
from tests.support.botapi import DEFAULT_BOT_USERNAME, BotApiStandIn, Call, WaitTimeout

ROOT = Path(__file__).resolve().parent.parent
ADMIN_ID = 777_001
START_TIMEOUT = 120.0  # a hang guard only: python start-up, loading knowledge and training the model took over 60 s on a starved machine (nice 10 beside two busy loops)
WAIT = 30.0  # an upper bound only: a reply normally comes within milliseconds, but a loaded machine can stall a process for seconds
STOP_TIMEOUT = 60.0  # a hang guard only (SIGKILL after it): a clean stop takes ~3 s, far more on a starved machine
LOG_TAIL_LINES = 60

_user_ids = itertools.count(5_000_001)


def new_user_id() -> int:
    """A fresh private-chat id (= user id), so tests never see each other's replies."""
    return next(_user_ids)


def assert_updates_processed_in_order(explainer: Any) -> None:
    """The barrier (module docstring) needs each chat's updates processed in order; fail
    loudly, rather than give false passes, if build_application ever changes that."""
    from bot.storage import Store
    from bot.telegram.app import build_application
    from bot.telegram.settings import Settings
    from tests.support.botapi import DEFAULT_TOKEN

    store = Store(":memory:")
    try:
        app = build_application(Settings(token=DEFAULT_TOKEN), explainer, store, rate_limiter=False)
        processor = app.update_processor
    finally:
        store.close()
    assert isinstance(processor, ChatOrderedUpdateProcessor), (
        f"build_application now uses {type(processor).__name__}: the end-to-end tests' barrier "
        "(tests/e2e_helpers.py) assumes each chat's updates in order; rework the waits"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BotProcess:
    """`python -m bot run` as a subprocess, talking to `standin`."""

    def __init__(
        self,
        standin: BotApiStandIn,
        data_dir: Path,
        log_path: Path,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.standin = standin
        self.data_dir = data_dir
        self.log_path = log_path
        self.extra_env = dict(env or {})
        self.proc: subprocess.Popen[bytes] | None = None
        self.returncode: int | None = None
        self.started_at = 0  # the stand-in's mark when this process was started

    # ------------------------------------------------------------------ lifecycle

    def environment(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "BOT_", "PYTEST_"))
        }
        env.update(self.standin.env())
        env.update(
            {
                "BOT_DATA_DIR": str(self.data_dir),
                "BOT_ADMIN_IDS": str(ADMIN_ID),
                # the session's model cache (tests/conftest.py); unset: none, never ~/.cache
                "BOT_CACHE_DIR": os.environ.get("BOT_CACHE_DIR", ""),
                "PTB_TIMEDELTA": "1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def start(self) -> BotProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.started_at = self.standin.mark()
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=ROOT,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def wait_ready(self, method: str = "deleteWebhook", timeout: float = START_TIMEOUT) -> None:
        """Until the bot starts fetching updates: deleteWebhook (polling) or setWebhook.

        (A getUpdates call is only recorded when the long poll *returns*, so it is no
        readiness signal; deleteWebhook is sent right before the first getUpdates.) Only
        calls since this process started count: a bot restarted on the same stand-in is
        not ready because the one before it was.
        """
        self.wait_for(method, timeout=timeout, since=self.started_at, ok=True)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def signal(self, signum: int) -> None:
        assert self.proc is not None and self.alive, self.describe("the bot is not running")
        self.proc.send_signal(signum)

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, then SIGKILL after `timeout` s; returns the exit code (idempotent).
        The timeout only ends a hang: what tests assert is the exit code."""
        if self.proc is None:
            return 0 if self.returncode is None else self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.returncode = self.proc.returncode
        return self.returncode

    # ------------------------------------------------------------------ output

    def wait_port(self, port: int, timeout: float = START_TIMEOUT) -> None:
        """Until something accepts connections on 127.0.0.1:`port` (PTB sets the webhook
        *before* its webhook server listens)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                if not self.alive:
                    raise AssertionError(self.describe("the bot exited before listening")) from None
                if time.monotonic() > deadline:
                    raise AssertionError(self.describe(f"nothing listens on {port}")) from None
                time.sleep(0.05)

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def describe(self, what: str) -> str:
        state = "running" if self.alive else f"exited with {self.proc and self.proc.poll()}"
        return f"{what}\n--- bot process ({state}), last lines of {self.log_path}:\n{self.tail()}"

    def wait_log(self, text: str, timeout: float = WAIT, start: int = 0) -> None:
        """Until `text` appears in the log after character `start`."""
        deadline = time.monotonic() + timeout
        while text not in self.log()[start:]:
            if not self.alive:
                raise AssertionError(self.describe(f"the bot exited while waiting for {text!r}"))
            if time.monotonic() > deadline:
                raise AssertionError(self.describe(f"{text!r} not logged within {timeout}s"))
            time.sleep(0.05)

    # ------------------------------------------------------------------ waiting for calls

    def wait_for(
        self,
        what: str | Callable[[Call], bool],
        count: int = 1,
        timeout: float = WAIT,
        *,
        since: int = 0,
        ok: bool | None = None,
    ) -> list[Call]:
        """`standin.wait_for`, failing early (with the log) if the bot process dies."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                return self.standin.wait_for(
                    what, count, timeout=max(0.0, min(0.25, remaining)), since=since, ok=ok
                )
            except WaitTimeout as exc:
                if not self.alive:
                    raise AssertionError(self.describe(f"the bot died: {exc}")) from None
                if remaining <= 0:
                    raise AssertionError(self.describe(str(exc))) from None

    def sends_to(self, chat_id: int, since: int = 0) -> list[Call]:
        """Successful sendMessage calls to `chat_id` recorded after mark `since`."""
        return [c for c in self.standin.calls()[since:] if to_chat(c, chat_id)]

    def wait_sends(
        self, chat_id: int, count: int = 1, *, since: int, timeout: float = WAIT
    ) -> list[Call]:
        return self.wait_for(lambda c: to_chat(c, chat_id), count, timeout, since=since)

    def ask(
        self, update: dict[str, Any], *, count: int = 1, timeout: float = WAIT
    ) -> list[dict[str, Any]]:
        """Push an update, wait for `count` messages to its chat; returns their params+result."""
        chat_id = chat_of(update)
        mark = self.standin.mark()
        self.standin.push_update(update)
        calls = self.wait_sends(chat_id, count, since=mark, timeout=timeout)
        return [sent(c) for c in calls]

    def ask_one(self, update: dict[str, Any], *, timeout: float = WAIT) -> dict[str, Any]:
        """Push an update and return the one message sent in reply (fails on extra ones)."""
        chat_id = chat_of(update)
        mark = self.standin.mark()
        self.standin.push_update(update)
        self.wait_sends(chat_id, 1, since=mark, timeout=timeout)
        return self.only_send(chat_id, mark)

    def only_send(self, chat_id: int, since: int) -> dict[str, Any]:
        found = self.sends_to(chat_id, since)
        assert len(found) == 1, self.describe(
            f"expected exactly one message to chat {chat_id}, got {len(found)}: "
            f"{[c.params.get('text', '')[:80] for c in found]}"
        )
        return sent(found[0])


def to_chat(call: Call, chat_id: int) -> bool:
    return call.method == "sendMessage" and call.ok and call.result["chat"]["id"] == chat_id


def chat_of(update: Mapping[str, Any]) -> int:
    for key in ("message", "edited_message", "channel_post"):
        if key in update:
            return int(update[key]["chat"]["id"])
    if "callback_query" in update:
        return int(update["callback_query"]["message"]["chat"]["id"])
    if "my_chat_member" in update:
        return int(update["my_chat_member"]["chat"]["id"])
    raise ValueError("update without a chat")


def sent(call: Call) -> dict[str, Any]:
    """A sendMessage call as one dict: the request params plus `result` (the Message)."""
    return {**call.params, "result": call.result}


def buttons(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def callback_data(message: Mapping[str, Any]) -> list[str]:
    return [b["callback_data"] for b in buttons(message) if "callback_data" in b]


def first(items: Iterable[Any], pred: Callable[[Any], bool], what: str) -> Any:
    for item in items:
        if pred(item):
            return item
    raise AssertionError(f"found no {what}")


def running_bot(
    standin: BotApiStandIn,
    tmp_path_factory: pytest.TempPathFactory,
    explainer: Explainer,
    name: str,
) -> Iterator[BotProcess]:
    """A polling bot process for a module's tests, stopped afterwards."""
    assert_updates_processed_in_order(explainer)
    base = tmp_path_factory.mktemp(name)
    process = BotProcess(standin, base / "data", base / "bot.log").start()
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


def bot_with_env(tmp_path: Path, env: dict[str, str]) -> Iterator[BotProcess]:
    """A polling bot process on its own stand-in with extra environment (e.g. its own
    knowledge directory); it must stop cleanly on SIGTERM."""
    with BotApiStandIn(bot_username=DEFAULT_BOT_USERNAME) as api:
        process = BotProcess(api, tmp_path / "data", tmp_path / "bot.log", env=env).start()
        try:
            process.wait_ready()
            yield process
        finally:
            code = process.stop()
            assert code == 0, process.describe(f"exit code {code} on SIGTERM")
