"""Long polling with a bounded fetch-ahead, confirming to Telegram only what is done.

Why not python-telegram-bot's Updater: it fetches updates as fast as Telegram hands
them out and confirms them (the next `getUpdates` offset) before they are answered,
so a crash lost everything fetched, a flood grew memory without bound, and a stop
had to answer the whole backlog first. It also parses a batch as a whole: one update
it could not read stopped polling for good, and the batch was logged in full.

Here:

* at most `FETCH_AHEAD` updates are being worked on at once; the next `getUpdates`
  waits until fewer are (the rest waits at Telegram). Updates parked behind a chat that
  waits out Telegram's rate limit or a 429 (bot/telegram/updates.py) do not count: they
  wait on Telegram, not on the bot, and counted they let a dozen groups in a long 429
  keep every other chat's question from being fetched. `HELD_MAX` bounds all updates in
  the bot, parked ones included, so memory stays bounded all the same;
* the offset sent is the oldest update not yet done, so what is unfinished when the
  bot stops (or crashes) comes again after a restart. An update stuck for long (a
  chat waiting out Telegram's rate limit) is confirmed anyway once `SPAN` newer ones
  have been fetched, so it never blocks fetching;
* while updates are in progress, Telegram answers `getUpdates` at once with them
  (they are not confirmed yet): those are skipped, and the next request waits until
  one is done or `BUSY_POLL_S` has passed;
* each update is parsed on its own; one that cannot be read is skipped (and so
  confirmed) with one log line that names its id and the error type, never its content;
* on stop, updates in progress get `GRACE_S` seconds, then are cancelled and left
  unconfirmed. Updates done above the oldest unfinished one are written to
  `DONE_FILE` in the data directory (update ids only) so that the next start does not
  answer them twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import json
import logging
import signal
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from bot.telegram.services import BotApplication
from bot.telegram.updates import ChatOrderedUpdateProcessor

log = logging.getLogger(__name__)
FETCH_AHEAD = 32
# fetch again once 8 are done: fetching in bigger steps let the slots run dry on a busy
# machine (the bot was 20-40% slower than with python-telegram-bot's Updater)
REFILL_AT = FETCH_AHEAD - 8
# updates in the bot at most, parked ones included (each a few kB of objects)
HELD_MAX = 8 * FETCH_AHEAD
SPAN = 64
LONG_POLL_S = 10
BUSY_POLL_S = 0.25
GRACE_S = 3.0
MAX_BACKOFF_S = 30.0
DONE_FILE = "updates-done.json"
# what the bot handles; Telegram then sends nothing else (data minimisation)
ALLOWED_UPDATES = ["message", "callback_query", "inline_query", "my_chat_member"]


class UpdateFetcher:
    def __init__(
        self,
        application: BotApplication,
        allowed_updates: Iterable[str] = ALLOWED_UPDATES,
        done_file: Path | None = None,
    ) -> None:
        processor = application.update_processor
        if not isinstance(processor, ChatOrderedUpdateProcessor):
            raise TypeError("UpdateFetcher needs the ChatOrderedUpdateProcessor")
        processor.on_finished = self._finished
        processor.on_parked = self._parked
        self.application = application
        self.processor = processor
        self.allowed_updates = list(allowed_updates)
        self.done_file = done_file
        self.unfinished: set[int] = set()
        self.newest = 0  # highest update id taken in (0: none yet)
        self._taken: deque[int] = deque(maxlen=SPAN + FETCH_AHEAD)
        self._done_before = _load_done(done_file)
        self._progress = asyncio.Event()
        # set on stop as well as cancelling run(): a cancellation swallowed anywhere below
        # (a library, a race) must not keep the fetcher polling
        self.stopped = False

    @property
    def offset(self) -> int:
        """What to confirm: everything below the oldest unfinished update."""
        if self.newest == 0:
            return 0
        oldest = min(self.unfinished) if self.unfinished else self.newest + 1
        return max(oldest, self.newest + 1 - SPAN)

    @property
    def active(self) -> int:
        """Updates in the bot that are being worked on (or wait for a processing slot):
        the unfinished ones less those parked behind a chat waiting on Telegram."""
        return max(0, len(self.unfinished) - self.processor.parked())

    @property
    def room(self) -> int:
        """How many more updates may be taken in now."""
        return min(FETCH_AHEAD - self.active, HELD_MAX - len(self.unfinished))

    async def run(self) -> None:
        """Fetch and hand over updates until cancelled; raises InvalidToken."""
        backoff = 0.0
        while not self.stopped:
            await self._wait_for_room()
            try:
                batch = await self._get_updates()
            except (InvalidToken, asyncio.CancelledError):
                raise
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except (TelegramError, ValueError) as exc:
                backoff = min(MAX_BACKOFF_S, max(1.0, backoff * 2))
                what = "another bot instance is polling" if isinstance(exc, Conflict) else exc
                log.warning("fetching updates failed (%s); again in %.0f s", what, backoff)
                await asyncio.sleep(backoff)
                continue
            backoff = 0.0
            taken = await self._take(batch)
            if not taken and self.unfinished:
                await self._wait_for_progress(BUSY_POLL_S)

    async def _get_updates(self) -> list[Any]:
        offset = self.offset
        known = self.newest - offset + 1 if self.newest else 0
        data = {
            "offset": offset,
            "limit": max(1, min(100, known + max(0, self.room))),
            "timeout": LONG_POLL_S,
            "allowed_updates": self.allowed_updates,
        }
        # the raw JSON: python-telegram-bot's get_updates parses (and fails) a batch as a whole
        result = await self.application.bot._post(
            "getUpdates", data, read_timeout=LONG_POLL_S + 5.0
        )
        if not isinstance(result, list):
            raise ValueError("getUpdates did not answer with a list")
        return result

    async def _take(self, batch: list[Any]) -> int:
        """Hand the new updates of `batch` to the application; returns how many."""
        taken = 0
        for raw in batch:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if not isinstance(update_id, int) or update_id <= self.newest:
                continue  # in progress or done already (or without an id: nothing to do)
            if self.room <= 0:
                break  # fetched with the rest; taken next time
            self.newest = update_id
            self._taken.append(update_id)
            if update_id in self._done_before:
                continue  # answered before the last stop
            update = read_update(raw, self.application)
            if update is None:
                continue
            self.unfinished.add(update_id)
            taken += 1
            await self.application.update_queue.put(update)
        return taken

    def _finished(self, update: object) -> None:
        if isinstance(update, Update):
            self.unfinished.discard(update.update_id)
        self._progress.set()

    def _parked(self) -> None:
        self._progress.set()  # room, perhaps: parked updates do not count as active

    async def _wait_for_room(self) -> None:
        while not self.stopped and self.room < FETCH_AHEAD - REFILL_AT:
            await self._wait_for_progress(None)

    async def _wait_for_progress(self, timeout: float | None) -> None:
        # asyncio.timeout, not wait_for: on Python 3.11, wait_for drops a cancellation that
        # arrives as the awaited event is set, and the fetcher then polled on after SIGTERM
        # (the process had to be killed)
        self._progress.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._progress.wait()

    async def drain(self, grace_s: float = GRACE_S) -> int:
        """Wait up to `grace_s` for updates in progress, then cancel the rest; returns
        how many were left (unconfirmed)."""
        deadline = asyncio.get_running_loop().time() + grace_s
        while self.unfinished:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                break
            await self._wait_for_progress(left)
        self.processor.close()
        if self.unfinished:
            self.processor.cancel_all()
        return len(self.unfinished)

    async def confirm(self) -> None:
        """Tell Telegram what is done, and note what is done above that."""
        if self.newest == 0:
            return
        offset = self.offset
        try:
            await self.application.bot._post(
                "getUpdates", {"offset": offset, "limit": 1, "timeout": 0}
            )
        except TelegramError as exc:
            log.warning("could not confirm the last updates (%s)", exc)
        done = [i for i in self._taken if i >= offset and i not in self.unfinished]
        _save_done(self.done_file, done)


async def serve_polling(application: BotApplication, done_file: Path | None = None) -> None:
    """Run the bot by long polling until SIGINT/SIGTERM (or a fatal error)."""
    stop = stop_signals()
    await application.initialize()
    fetcher = UpdateFetcher(application, done_file=done_file)
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.bot.delete_webhook()
        await application.start()
        fetching = asyncio.create_task(fetcher.run(), name="fetch-updates")
        stopping = asyncio.create_task(stop.wait(), name="stop-signal")
        await asyncio.wait({fetching, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        fetcher.stopped = True
        fetching.cancel()
        failure: BaseException | None = None
        try:
            await fetching
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # e.g. the token was revoked: stop cleanly, then report it
            failure = exc
        left = await fetcher.drain()
        if left:
            log.info("stopping: %d update(s) not finished, left for the next start", left)
        await application.stop()
        await fetcher.confirm()
        if application.post_stop is not None:
            await application.post_stop(application)
        if failure is not None:
            raise failure
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


def read_update(data: object, application: BotApplication) -> Update | None:
    """The update in Telegram's JSON, or None (logged with its id and the error type only,
    never its content) when python-telegram-bot cannot read it: one odd update is skipped,
    the bot keeps serving. Polling and the webhook both read updates here."""
    update_id = data.get("update_id") if isinstance(data, dict) else None
    try:
        return Update.de_json(data, application.bot)  # type: ignore[arg-type]
    except Exception as exc:  # whatever the payload: skip it, keep serving
        log.warning("skipped update %s: it could not be read (%s)", update_id,
                    type(exc).__name__)  # fmt: skip
        return None


def stop_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM; installed first thing, so that a stop asked for
    during the start-up is a clean stop too."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return stop


def _load_done(path: Path | None) -> set[int]:
    if path is None or not path.is_file():
        return set()
    try:
        ids = json.loads(path.read_text(encoding="utf-8"))
        path.unlink()
    except (OSError, ValueError) as exc:
        log.warning("%s: ignored (%s)", path, type(exc).__name__)
        return set()
    return {i for i in ids if isinstance(i, int)} if isinstance(ids, list) else set()


def _save_done(path: Path | None, ids: list[int]) -> None:
    if path is None or not ids:
        return
    try:
        path.write_text(json.dumps(sorted(ids)), encoding="utf-8")
    except OSError as exc:
        log.warning("%s: could not be written (%s)", path, type(exc).__name__)


def _seconds(value: int | float | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)
