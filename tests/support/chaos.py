"""Per-chat faults for the Bot API stand-in (kept apart from tests/support/botapi/,
which is about answering like Telegram; this is about Telegram misbehaving).

`ChaosStandIn` is a `BotApiStandIn` whose calls to one chat can be made to fail:

* "429" (`retry_after=N`): refused with Too Many Requests for that chat only, as
  Telegram does for a chat that gets too many messages; not carried out;
* "hold": the call waits until `release()`, then the connection is dropped without the
  call being carried out (a stalled Bot API; a killed bot never gets an answer);
* "drop-after" / "502-after": the call *is carried out* (the message is delivered and
  recorded in `calls()`), then the connection is dropped or answered 502: the case where
  resending would deliver it twice.

It also confirms updates the moment a `getUpdates` arrives, as Telegram does (the base
stand-in applies the offset only when a long poll returns, so a bot killed during a long
poll would look as if it had confirmed nothing).

Calls refused or dropped before being carried out are listed in `attempts`, like the
stand-in's own faults.

For tests about *when* something happened relative to a 429 (a chat answered while
another was refused), it notes the time each call was recorded (`recorded_at`) and until
when each chat's latest 429 is in force (`refused_until`), both on the stand-in's own
clock: the order of events as the Bot API saw them, not as a test later noticed them.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.support.botapi import BotApiStandIn, Call, Response

CHAT_FAULTS = frozenset({"429", "hold", "drop-after", "502-after"})


@dataclass
class _ChatFault:
    kind: str
    remaining: int
    retry_after: int = 1
    released: threading.Event = field(default_factory=threading.Event)


class ChaosStandIn(BotApiStandIn):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._chat_faults: dict[int, deque[_ChatFault]] = {}
        self._held: list[_ChatFault] = []
        self.holding = 0  # calls waiting in "hold" right now
        self._recorded_at: list[float] = []  # time.monotonic() of each call in calls()
        self._refused_until: dict[int, float] = {}

    def fail_chat(self, chat_id: int, kind: str, count: int = 1, *, retry_after: int = 1) -> None:
        """Make the next `count` calls to `chat_id` (any method with that chat_id) fail."""
        if kind not in CHAT_FAULTS:
            raise ValueError(f"unknown chat fault {kind!r}; use one of {sorted(CHAT_FAULTS)}")
        with self._cond:
            fault = _ChatFault(kind, count, retry_after)
            self._chat_faults.setdefault(chat_id, deque()).append(fault)

    def release(self) -> None:
        """Let every held call go (each is then dropped without being carried out)."""
        with self._cond:
            held, self._held = self._held, []
            self._chat_faults = {
                c: deque(f for f in q if f.kind != "hold") for c, q in self._chat_faults.items()
            }
        for fault in held:
            fault.released.set()

    def handle(
        self, method: str, params: Mapping[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        with self._cond:  # re-entrant: the call and its time are noted together
            answer = super().handle(method, params)
            self._recorded_at.append(time.monotonic())
            return answer

    def clear(self) -> None:
        with self._cond:
            super().clear()
            self._recorded_at.clear()

    def recorded_at(self, call: Call) -> float:
        """When `call` (one of `calls()`) was carried out, on time.monotonic()."""
        with self._cond:
            for recorded, at in zip(self._calls, self._recorded_at, strict=True):
                if recorded is call:
                    return at
        raise ValueError("not a recorded call")

    def refused_until(self, chat_id: int) -> float:
        """Until when (time.monotonic()) the latest 429 for `chat_id` asked it to wait."""
        with self._cond:
            return self._refused_until[chat_id]

    def clear_faults(self) -> None:
        super().clear_faults()
        self.release()
        with self._cond:
            self._chat_faults.clear()

    def serve(self, token: str, method: str, params: Mapping[str, Any] | None = None) -> Response:
        params = dict(params or {})
        name = self.canonical(method) or method
        if name == "getUpdates" and token == self.token:
            self._confirm_on_arrival(params)
        fault = self._take_chat_fault(params) if token == self.token else None
        if fault is None:
            return super().serve(token, method, params)
        if fault.kind == "429":
            payload = {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {fault.retry_after}",
                "parameters": {"retry_after": fault.retry_after},
            }
            with self._cond:
                self._refused_until[int(params["chat_id"])] = time.monotonic() + fault.retry_after
                self._attempt(Call(name, params, 429, payload))
            return Response(429, payload)
        if fault.kind == "hold":
            self._hold(fault)
            self._attempt(Call(name, params, 0, None))
            return Response(0, None, drop=True)
        super().serve(token, method, params)  # carried out, then:
        if fault.kind == "drop-after":
            return Response(0, None, drop=True)
        return Response(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})

    def _confirm_on_arrival(self, params: Mapping[str, Any]) -> None:
        """Telegram forgets the updates below `offset` as soon as the request arrives,
        not when a long poll returns (the base stand-in does it then)."""
        _timeout, offset = self._poll_args(params)
        with self._cond:
            if offset > 0:
                while self._updates and self._updates[0]["update_id"] < offset:
                    self._updates.popleft()

    def _take_chat_fault(self, params: Mapping[str, Any]) -> _ChatFault | None:
        try:
            chat_id = int(params.get("chat_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
        with self._cond:
            queue = self._chat_faults.get(chat_id)
            if not queue:
                return None
            fault = queue[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                queue.popleft()
            if fault.kind == "hold":
                self._held.append(fault)
            return fault

    def _hold(self, fault: _ChatFault) -> None:
        with self._cond:
            self.holding += 1
            self._cond.notify_all()
        try:
            fault.released.wait()
        finally:
            with self._cond:
                self.holding -= 1
                self._cond.notify_all()

    def _attempt(self, call: Call) -> None:
        with self._cond:
            self._attempts.append(call)
            self._cond.notify_all()
