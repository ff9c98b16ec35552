"""`FakeBotApi`: the Bot API as a thread-safe, transport-free state machine."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from .common import (
    _FAULT_OPTS,
    DEFAULT_BOT_USERNAME,
    DEFAULT_TOKEN,
    FAULT_KINDS,
    MAX_CALLBACK_ANSWER_TEXT,
    MAX_COMMANDS,
    MAX_DESCRIPTION,
    MAX_INLINE_RESULTS,
    MAX_NAME,
    MAX_SHORT_DESCRIPTION,
    MAX_TEXT_LENGTH,
    ApiError,
    Call,
    Response,
    WaitTimeout,
    _Answer,
    _bad,
    _clone,
    _Fault,
    _next_message_id,
    _now,
    _Stored,
    _utf16_len,
)
from .factories import chat_member, user
from .html import auto_entities, parse_html
from .markup import validate_reply_markup

# --------------------------------------------------------------------------------------------
# the fake API
# --------------------------------------------------------------------------------------------

_ALL_UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
)
_DEFAULT_UPDATE_TYPES = frozenset(_ALL_UPDATE_TYPES) - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_INLINE_RESULT_TYPES = frozenset(
    {
        "article",
        "photo",
        "gif",
        "mpeg4_gif",
        "video",
        "audio",
        "voice",
        "document",
        "location",
        "venue",
        "contact",
        "game",
        "sticker",
    }
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_START_PARAM_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_LANGUAGE_RE = re.compile(r"[a-z]{2}")
_QUERY_EXPIRED = "query is too old and response timeout expired or query ID is invalid"
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


def _scope_key(scope: Any) -> str:
    if scope is None:
        scope = {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
        raise _bad("can't parse BotCommandScope: unsupported scope type")
    return json.dumps(scope, sort_keys=True)


def _language(params: Mapping[str, Any]) -> str:
    code = params.get("language_code") or ""
    if code and not (isinstance(code, str) and _LANGUAGE_RE.fullmatch(code)):
        raise _bad("invalid language code specified")
    return code


class FakeBotApi:
    """The Bot API as a thread-safe, transport-free state machine.

    `handle(method, params)` -> `(status, payload)`; every handled call is recorded in
    `calls()`. Transports use `serve()` (blocking, threads) or `aserve()` (asyncio), which
    add the token check, injected faults (`fail_next`) and long polling for getUpdates.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = DEFAULT_BOT_USERNAME,
        bot_id: int | None = None,
        *,
        first_name: str = "Reclaim Your Face (test)",
        strict_html: bool = True,
        check_webhook_url: bool = True,
        supports_inline_queries: bool = True,
        first_update_id: int = 100_000_001,
    ):
        self.token = token
        prefix = token.split(":", 1)[0]
        self.bot_id = (
            bot_id if bot_id is not None else (int(prefix) if prefix.isdigit() else 123456789)
        )
        self.bot_username = bot_username
        self.first_name = first_name
        self.strict_html = strict_html
        self.check_webhook_url = check_webhook_url
        self.supports_inline_queries = supports_inline_queries

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._calls: list[Call] = []
        self._attempts: list[Call] = []
        self._updates: deque[dict[str, Any]] = deque()
        self._next_update_id = first_update_id
        self._allowed_updates: frozenset[str] = _DEFAULT_UPDATE_TYPES
        self._poll_generation = 0
        self._closed = False
        self._webhook: dict[str, Any] | None = None
        self._chats: dict[int, dict[str, Any]] = {}
        self._messages: dict[tuple[int, int], _Stored] = {}
        self._bot_order: list[tuple[int, int]] = []
        self._callback_queries: dict[str, bool] = {}
        self._inline_queries: dict[str, bool] = {}
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._descriptions: dict[str, str] = {}
        self._short_descriptions: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._blocked: set[int] = set()
        self._member_status: dict[tuple[int, int], str] = {}

        self._handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "sendChatAction": self._send_chat_action,
            "answerCallbackQuery": self._answer_callback_query,
            "getChatMember": self._get_chat_member,
            "answerInlineQuery": self._answer_inline_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": self._set_my_description,
            "getMyDescription": self._get_my_description,
            "setMyShortDescription": self._set_my_short_description,
            "getMyShortDescription": self._get_my_short_description,
            "setMyName": self._set_my_name,
            "getMyName": self._get_my_name,
            "logOut": lambda params: True,
            "close": lambda params: True,
        }
        self._canonical = {name.lower(): name for name in self._handlers}

    # ---------------------------------------------------------------- identity

    def bot_user(self) -> dict[str, Any]:
        """The bot as a User object (the `from` of its messages)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.bot_username,
        }

    def canonical(self, method: str) -> str | None:
        """Method names are case-insensitive in the Bot API; None for unknown methods."""
        return self._canonical.get(method.lower())

    # ---------------------------------------------------------------- core

    def handle(
        self, method: str, params: Mapping[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Answer one call like Telegram and record it. Never blocks (getUpdates included)."""
        params = dict(params or {})
        name = self.canonical(method)
        with self._cond:
            if name is None:
                status, payload = (
                    404,
                    {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                )
                self._calls.append(Call(method, params, status, payload))
            else:
                try:
                    answer = self._handlers[name](params)
                except ApiError as err:
                    status, payload = err.code, err.payload()
                else:
                    status = 200
                    if isinstance(answer, _Answer):
                        payload = {"ok": True, "result": answer.result}
                        if answer.description:
                            payload["description"] = answer.description
                    else:
                        payload = {"ok": True, "result": answer}
                self._calls.append(Call(name, params, status, payload))
            self._cond.notify_all()
        return status, _clone(payload)

    def _pre(
        self, token: str, method: str, params: dict[str, Any]
    ) -> tuple[Response | None, _Fault | None]:
        """Token check and fault lookup shared by serve() and aserve()."""
        if token != self.token:
            payload = {"ok": False, "error_code": 401, "description": "Unauthorized"}
            with self._cond:
                self._attempts.append(Call(method, params, 401, payload))
            return Response(401, payload), None
        name = self.canonical(method)
        if name is None:
            return None, None
        fault = self._take_fault(name)
        if fault is None or fault.kind == "slow":
            return None, fault
        if fault.kind == "drop":
            with self._cond:
                self._attempts.append(Call(name, params, 0, None))
                self._cond.notify_all()
            return Response(0, None, drop=True), fault
        status, payload = self._fault_payload(fault)
        with self._cond:
            self._attempts.append(Call(name, params, status, payload))
            self._cond.notify_all()
        return Response(status, payload), fault

    def serve(self, token: str, method: str, params: Mapping[str, Any] | None = None) -> Response:
        """Blocking driver (threads): token, faults, long polling, then handle()."""
        params = dict(params or {})
        early, fault = self._pre(token, method, params)
        if early is not None:
            return early
        if fault is not None:  # slow
            time.sleep(float(fault.opts.get("seconds", 1.0)))
        if self.canonical(method) == "getUpdates":
            conflict = self._long_poll_sync(params)
            if conflict is not None:
                return conflict
        return Response(*self.handle(method, params))

    async def aserve(
        self, token: str, method: str, params: Mapping[str, Any] | None = None
    ) -> Response:
        """asyncio driver: like serve() but never blocks the event loop."""
        params = dict(params or {})
        early, fault = self._pre(token, method, params)
        if early is not None:
            return early
        if fault is not None:
            await asyncio.sleep(float(fault.opts.get("seconds", 1.0)))
        if self.canonical(method) == "getUpdates":
            conflict = await self._long_poll_async(params)
            if conflict is not None:
                return conflict
        return Response(*self.handle(method, params))

    # ---------------------------------------------------------------- long polling

    def _poll_args(self, params: Mapping[str, Any]) -> tuple[float, int]:
        timeout = params.get("timeout") or 0
        offset = params.get("offset") or 0
        try:
            return max(0.0, float(timeout)), int(offset)
        except (TypeError, ValueError):
            return 0.0, 0

    def _ready(self, offset: int) -> bool:
        if self._closed or self._webhook is not None:
            return True
        return any(u["update_id"] >= offset and self._allowed(u) for u in self._updates)

    def _conflict(self, params: dict[str, Any]) -> Response:
        err = ApiError(
            409,
            "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
        )
        # usually nobody reads this answer (the client gave up on that poll), hence attempts
        self._attempts.append(Call("getUpdates", params, 409, err.payload()))
        self._cond.notify_all()
        return Response(409, err.payload())

    def _long_poll_sync(self, params: dict[str, Any]) -> Response | None:
        timeout, offset = self._poll_args(params)
        deadline = time.monotonic() + timeout
        with self._cond:
            self._poll_generation += 1
            generation = self._poll_generation
            self._cond.notify_all()
            while True:
                if generation != self._poll_generation:
                    return self._conflict(params)
                remaining = deadline - time.monotonic()
                if self._ready(offset) or remaining <= 0:
                    return None
                self._cond.wait(remaining)

    async def _long_poll_async(self, params: dict[str, Any]) -> Response | None:
        timeout, offset = self._poll_args(params)
        deadline = time.monotonic() + timeout
        with self._cond:
            self._poll_generation += 1
            generation = self._poll_generation
            self._cond.notify_all()
        while True:
            with self._cond:
                if generation != self._poll_generation:
                    return self._conflict(params)
                if self._ready(offset) or time.monotonic() >= deadline:
                    return None
            await asyncio.sleep(0.005)

    def close(self) -> None:
        """Wake every waiting long poll (they answer with what they have)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def reopen(self) -> None:
        with self._cond:
            self._closed = False

    # ---------------------------------------------------------------- faults

    def fail_next(self, method: str, kind: str, count: int = 1, **opts: Any) -> None:
        """Make the next `count` calls of `method` ("*" = any method) fail.

        kind: "429" (retry_after=1), "500", "502", "403" (description=...), "400" (description=...),
        "error" (error_code=..., description=..., parameters=...), "slow" (seconds=1.0: delay,
        then answer normally), "drop" (close the connection without any response).
        Failed calls go to `attempts`, not `calls`.
        """
        kind = str(kind)
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {sorted(FAULT_KINDS)}")
        unknown = set(opts) - _FAULT_OPTS[kind]
        if unknown:
            raise ValueError(f"fault {kind!r} takes no option(s) {sorted(unknown)}")
        if kind == "error" and "error_code" not in opts:
            raise ValueError('fault "error" needs error_code=...')
        name = "*" if method == "*" else self.canonical(method)
        if name is None:
            raise ValueError(f"{method!r} is not a method this stand-in answers")
        with self._cond:
            self._faults.setdefault(name, deque()).append(_Fault(kind, count, dict(opts)))

    def clear_faults(self) -> None:
        with self._cond:
            self._faults.clear()

    def _take_fault(self, name: str) -> _Fault | None:
        with self._cond:
            for key in (name, "*"):
                queue = self._faults.get(key)
                if queue:
                    fault = queue[0]
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        queue.popleft()
                    return fault
        return None

    @staticmethod
    def _fault_payload(fault: _Fault) -> tuple[int, dict[str, Any]]:
        opts = fault.opts
        if fault.kind == "429":
            retry = int(opts.get("retry_after", 1))
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {retry}",
                "parameters": {"retry_after": retry},
            }
        defaults = {
            "500": (500, "Internal Server Error"),
            "502": (502, "Bad Gateway"),
            "403": (403, "Forbidden: bot was blocked by the user"),
            "400": (400, "Bad Request: injected failure"),
        }
        if fault.kind in defaults:
            code, description = defaults[fault.kind]
            return code, {
                "ok": False,
                "error_code": code,
                "description": opts.get("description", description),
            }
        code = int(opts["error_code"])
        payload: dict[str, Any] = {
            "ok": False,
            "error_code": code,
            "description": opts.get("description", "Error"),
        }
        if opts.get("parameters"):
            payload["parameters"] = opts["parameters"]
        return code, payload

    # ---------------------------------------------------------------- updates in

    def register(self, update: dict[str, Any]) -> dict[str, Any]:
        """Assign update_id if missing and learn chats, messages and query ids; no queueing."""
        with self._cond:
            if "update_id" not in update:
                update["update_id"] = self._next_update_id
            self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
            for key in (
                "message",
                "edited_message",
                "channel_post",
                "edited_channel_post",
                "business_message",
                "edited_business_message",
            ):
                if key in update:
                    self._learn_message(update[key])
            if "callback_query" in update:
                query = update["callback_query"]
                self._callback_queries.setdefault(str(query["id"]), False)
                if "message" in query:
                    self._learn_message(query["message"])
            if "inline_query" in update:
                self._inline_queries.setdefault(str(update["inline_query"]["id"]), False)
            for key in ("my_chat_member", "chat_member", "chat_join_request"):
                if key in update and "chat" in update[key]:
                    self._learn_chat(update[key]["chat"])
        return update

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates (wakes a waiting long poll); returns it with its update_id."""
        with self._cond:
            self.register(update)
            self._updates.append(_clone(update))
            self._cond.notify_all()
        return update

    def push_updates(self, updates: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        return [self.push_update(u) for u in updates]

    def _learn_chat(self, chat: dict[str, Any]) -> None:
        known = self._chats.setdefault(int(chat["id"]), {})
        known.update(_clone(chat))

    def _learn_message(self, message: dict[str, Any]) -> None:
        if "chat" not in message or "message_id" not in message:
            return
        self._learn_chat(message["chat"])
        key = (int(message["chat"]["id"]), int(message["message_id"]))
        from_bot = (message.get("from") or {}).get("id") == self.bot_id
        if key not in self._messages:
            self._messages[key] = _Stored(_clone(message), from_bot)
        if isinstance(message.get("reply_to_message"), dict):
            self._learn_message(message["reply_to_message"])

    def pending_updates(self) -> int:
        with self._cond:
            return len(self._updates)

    @property
    def long_polls_started(self) -> int:
        """getUpdates calls that have begun waiting (a test can push once one waits)."""
        with self._cond:
            return self._poll_generation

    def _allowed(self, update: Mapping[str, Any]) -> bool:
        return any(key in self._allowed_updates for key in update if key != "update_id")

    # ---------------------------------------------------------------- chaos & state helpers

    def block(self, chat_id: int) -> None:
        """Make the user behind `chat_id` block the bot: sends answer 403."""
        with self._cond:
            self._blocked.add(int(chat_id))

    def unblock(self, chat_id: int) -> None:
        with self._cond:
            self._blocked.discard(int(chat_id))

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember answers for `user_id` in `chat_id` (default: "member";
        "creator", "administrator", "member", "left" or "kicked")."""
        with self._cond:
            self._member_status[(int(chat_id), int(user_id))] = status

    @property
    def webhook(self) -> dict[str, Any] | None:
        with self._cond:
            return _clone(self._webhook)

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        with self._cond:
            return _clone(self._commands.get((_scope_key(scope), language_code), []))

    def description(self, language_code: str = "") -> str:
        with self._cond:
            return self._descriptions.get(language_code, "")

    def short_description(self, language_code: str = "") -> str:
        with self._cond:
            return self._short_descriptions.get(language_code, "")

    # ---------------------------------------------------------------- recorded calls

    def calls(self, method: str | None = None) -> list[Call]:
        """Every call the API answered itself (successes and Telegram-style rejections)."""
        name = None if method is None else (self.canonical(method) or method)
        with self._cond:
            return [c for c in self._calls if name is None or c.method == name]

    @property
    def attempts(self) -> list[Call]:
        """Calls that were not delivered: injected faults (status 0 = dropped) and wrong tokens."""
        with self._cond:
            return list(self._attempts)

    def errors(self) -> list[Call]:
        """Answered calls that Telegram would have rejected (getUpdates conflicts included)."""
        return [c for c in self.calls() if not c.ok]

    def sent_messages(self) -> list[dict[str, Any]]:
        """Params of every successful sendMessage."""
        return [c.params for c in self.calls("sendMessage") if c.ok]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """Visible texts (entities parsed) of successful sendMessage calls."""
        return [
            c.result["text"]
            for c in self.calls("sendMessage")
            if c.ok and (chat_id is None or c.result["chat"]["id"] == chat_id)
        ]

    def bot_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """The bot's messages as they are now (edits applied, deleted ones left out)."""
        with self._cond:
            out = []
            for key in self._bot_order:
                stored = self._messages[key]
                if not stored.deleted and (chat_id is None or key[0] == chat_id):
                    out.append(_clone(stored.message))
            return out

    def mark(self) -> int:
        """Current number of recorded calls; pass as `since=` to wait_for for 'new calls only'."""
        with self._cond:
            return len(self._calls)

    def clear(self) -> None:
        """Forget recorded calls and attempts (state such as messages is kept)."""
        with self._cond:
            self._calls.clear()
            self._attempts.clear()

    def _matcher(
        self, what: str | Callable[[Call], bool], ok: bool | None
    ) -> Callable[[Call], bool]:
        base: Callable[[Call], bool]
        if isinstance(what, str):
            name = self.canonical(what) or what

            def base(call: Call) -> bool:
                return call.method == name
        else:
            base = what
        if ok is None:
            return base
        return lambda call: base(call) and call.ok == ok

    def _matches(self, pred: Callable[[Call], bool], since: int) -> list[Call]:
        return [c for c in self._calls[since:] if pred(c)]

    def _timeout_message(self, what: Any, count: int, got: int, timeout: float, since: int) -> str:
        seen = [
            f"{c.method}:{c.status}" + ("" if c.ok else f" ({c.description})")
            for c in self._calls[since:]
            if c.method != "getUpdates"
        ]
        label = what if isinstance(what, str) else getattr(what, "__name__", "predicate")
        return (
            f"timed out after {timeout}s waiting for {count} x {label}, got {got}; "
            f"calls since mark (getUpdates omitted): {seen[-30:]}; attempts: "
            f"{[f'{a.method}:{a.status}' for a in self._attempts[-10:]]}"
        )

    def wait_for(
        self,
        what: str | Callable[[Call], bool],
        count: int = 1,
        timeout: float = 10.0,
        *,
        since: int = 0,
        ok: bool | None = None,
    ) -> list[Call]:
        """Block until `count` calls match (method name or predicate on Call); returns them.

        Blocks the thread: from a coroutine running the bot on the same loop use async_wait_for.
        """
        pred = self._matcher(what, ok)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self._matches(pred, since)
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WaitTimeout(
                        self._timeout_message(what, count, len(found), timeout, since)
                    )
                self._cond.wait(remaining)

    async def async_wait_for(
        self,
        what: str | Callable[[Call], bool],
        count: int = 1,
        timeout: float = 10.0,
        *,
        since: int = 0,
        ok: bool | None = None,
    ) -> list[Call]:
        """wait_for for coroutines: polls without blocking the event loop."""
        pred = self._matcher(what, ok)
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                found = self._matches(pred, since)
                if len(found) >= count:
                    return found
                if time.monotonic() >= deadline:
                    raise WaitTimeout(
                        self._timeout_message(what, count, len(found), timeout, since)
                    )
            await asyncio.sleep(0.005)

    # ---------------------------------------------------------------- shared validation

    def _format_text(
        self, text: Any, parse_mode: Any, entities: Any
    ) -> tuple[str, list[dict[str, Any]]]:
        if text is None or text == "":
            raise _bad("message text is empty")
        if not isinstance(text, str):
            text = json.dumps(text) if not isinstance(text, int | float) else str(text)
        mode = (parse_mode or "").lower() if isinstance(parse_mode, str) else ""
        if parse_mode not in (None, "") and mode not in ("html", "markdown", "markdownv2"):
            raise _bad(f"unsupported parse_mode {parse_mode!r}")
        if mode == "html":
            visible, parsed = parse_html(text, strict=self.strict_html)
        else:
            visible = text
            parsed = [dict(e) for e in entities] if isinstance(entities, list) and not mode else []
        stripped = visible.strip()
        if not stripped:
            raise _bad("message text is empty")
        if len(stripped) > MAX_TEXT_LENGTH:
            raise _bad("message is too long")
        shift = _utf16_len(visible[: len(visible) - len(visible.lstrip())])
        limit = _utf16_len(stripped)
        result = []
        for entity in parsed:
            start = max(0, int(entity.get("offset", 0)) - shift)
            end = min(limit, int(entity.get("offset", 0)) + int(entity.get("length", 0)) - shift)
            if end > start:
                result.append({**entity, "offset": start, "length": end - start})
        taken = {(e["offset"], e["length"]) for e in result}
        result += [e for e in auto_entities(stripped) if (e["offset"], e["length"]) not in taken]
        result.sort(key=lambda e: (e["offset"], -e["length"]))
        return stripped, result

    def _chat(self, params: Mapping[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                for chat in self._chats.values():
                    if (chat.get("username") or "").lower() == chat_id[1:].lower():
                        return _clone(chat)
            raise _bad("chat not found")
        if isinstance(chat_id, bool) or not isinstance(chat_id, int):
            raise _bad("chat not found")
        if chat_id in self._chats:
            return _clone(self._chats[chat_id])
        if chat_id > 0:
            chat = {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
        elif chat_id <= -1_000_000_000_000:
            chat = {"id": chat_id, "type": "supergroup", "title": f"Supergroup {chat_id}"}
        else:
            chat = {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}
        return chat

    def _check_blocked(self, chat: Mapping[str, Any]) -> None:
        if chat["id"] in self._blocked:
            if chat["type"] == "private":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")

    def _reply_target(
        self, chat: Mapping[str, Any], params: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        message_id: Any = None
        allow_missing = bool(params.get("allow_sending_without_reply"))
        chat_id = chat["id"]
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = allow_missing or bool(reply.get("allow_sending_without_reply"))
            if reply.get("chat_id") not in (None, chat_id):
                other = reply["chat_id"]
                chat_id = other if isinstance(other, int) else chat_id
        elif params.get("reply_to_message_id") is not None:
            message_id = params["reply_to_message_id"]
        if message_id is None:
            return None
        stored = self._messages.get((chat_id, int(message_id)))
        if stored is None or stored.deleted:
            if allow_missing:
                return None
            raise _bad("message to be replied not found")
        target = _clone(stored.message)
        target.pop("reply_to_message", None)
        return target

    def _stored_for_edit(self, params: Mapping[str, Any]) -> _Stored:
        chat = self._chat(params)
        message_id = params.get("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        stored = self._messages.get((chat["id"], int(message_id)))
        if stored is None or stored.deleted:
            raise _bad("message to edit not found")
        if not stored.from_bot:
            raise _bad("message can't be edited")
        return stored

    @staticmethod
    def _inline_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
        return markup if markup and "inline_keyboard" in markup else None

    # ---------------------------------------------------------------- method handlers

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": self.supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        _timeout, offset = self._poll_args(params)
        try:
            limit = int(params.get("limit") or 100)
        except (TypeError, ValueError):
            limit = 100
        limit = min(100, max(1, limit))
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else _DEFAULT_UPDATE_TYPES
        if offset > 0:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        elif offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
        self._updates = deque(u for u in self._updates if self._allowed(u))
        return _clone(list(itertools.islice(self._updates, limit)))

    def _set_webhook(self, params: dict[str, Any]) -> _Answer:
        url = params.get("url")
        if url is None:
            raise _bad('parameter "url" is required')
        if params.get("drop_pending_updates"):
            self._updates.clear()
        if url == "":
            was = self._webhook
            self._webhook = None
            return _Answer(True, "Webhook was deleted" if was else "Webhook is already deleted")
        if self.check_webhook_url:
            parts = urlsplit(str(url))
            if parts.scheme.lower() != "https" or not parts.hostname:
                raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
            if (parts.port or 443) not in (80, 88, 443, 8443):
                raise _bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        secret = params.get("secret_token")
        if secret is not None and not (isinstance(secret, str) and _SECRET_RE.fullmatch(secret)):
            raise _bad("secret token contains unallowed characters")
        max_connections = params.get("max_connections", 40)
        if not isinstance(max_connections, int) or not 1 <= max_connections <= 100:
            raise _bad("bad webhook: max_connections must be between 1 and 100")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else _DEFAULT_UPDATE_TYPES
        same = self._webhook is not None and self._webhook["url"] == url
        self._webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": max_connections,
            "ip_address": params.get("ip_address"),
            "allowed_updates": allowed if isinstance(allowed, list) else None,
        }
        return _Answer(True, "Webhook is already set" if same else "Webhook was set")

    def _delete_webhook(self, params: dict[str, Any]) -> _Answer:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        was = self._webhook
        self._webhook = None
        return _Answer(True, "Webhook was deleted" if was else "Webhook is already deleted")

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook["url"] if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook:
            info["max_connections"] = self._webhook["max_connections"]
            if self._webhook.get("ip_address"):
                info["ip_address"] = self._webhook["ip_address"]
            if self._webhook.get("allowed_updates"):
                info["allowed_updates"] = self._webhook["allowed_updates"]
        return info

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        self._check_blocked(chat)
        text, entities = self._format_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        markup = validate_reply_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        message: dict[str, Any] = {
            "message_id": _next_message_id(),
            "from": self.bot_user(),
            "chat": chat,
            "date": _now(),
            "text": text,
        }
        if params.get("message_thread_id"):
            message["message_thread_id"] = params["message_thread_id"]
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if entities:
            message["entities"] = entities
        if isinstance(params.get("link_preview_options"), dict) and any(
            e["type"] == "url" for e in entities
        ):
            message["link_preview_options"] = params["link_preview_options"]
        if self._inline_markup(markup):
            message["reply_markup"] = markup
        key = (chat["id"], message["message_id"])
        self._messages[key] = _Stored(_clone(message), True)
        self._bot_order.append(key)
        self._chats.setdefault(chat["id"], _clone(chat))
        return message

    def _edit_message_text(self, params: dict[str, Any]) -> Any:
        text, entities = self._format_text(
            params.get("text"), params.get("parse_mode"), params.get("entities")
        )
        markup = self._inline_markup(validate_reply_markup(params.get("reply_markup")))
        if params.get("inline_message_id"):
            return True
        stored = self._stored_for_edit(params)
        message = stored.message
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        if (
            message["text"] == text
            and message.get("entities", []) == entities
            and message.get("reply_markup") == markup
        ):
            raise _bad(_NOT_MODIFIED)
        message["text"] = text
        message.pop("entities", None)
        message.pop("reply_markup", None)
        if entities:
            message["entities"] = entities
        if markup:
            message["reply_markup"] = markup
        message["edit_date"] = _now()
        return _clone(message)

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> Any:
        markup = self._inline_markup(validate_reply_markup(params.get("reply_markup")))
        if params.get("inline_message_id"):
            return True
        stored = self._stored_for_edit(params)
        if stored.message.get("reply_markup") == markup:
            raise _bad(_NOT_MODIFIED)
        stored.message.pop("reply_markup", None)
        if markup:
            stored.message["reply_markup"] = markup
        stored.message["edit_date"] = _now()
        return _clone(stored.message)

    def _delete_message(self, params: dict[str, Any]) -> bool:
        chat = self._chat(params)
        message_id = params.get("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        stored = self._messages.get((chat["id"], int(message_id)))
        if stored is None or stored.deleted:
            raise _bad("message to delete not found")
        stored.deleted = True
        return True

    def _send_chat_action(self, params: dict[str, Any]) -> bool:
        chat = self._chat(params)
        self._check_blocked(chat)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if self._callback_queries.get(query_id, True):  # unknown or already answered
            raise _bad(_QUERY_EXPIRED)
        text = params.get("text")
        if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER_TEXT:
            raise _bad("MESSAGE_TOO_LONG")
        self._callback_queries[query_id] = True
        return True

    def _get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        user_id = params.get("user_id")
        if isinstance(user_id, bool) or not isinstance(user_id, int):
            raise _bad("invalid user_id specified")
        if chat["type"] == "channel":
            raise _bad("member list is inaccessible")
        status = self._member_status.get((chat["id"], user_id), "member")
        return chat_member(status, user(user_id, None))

    def _answer_inline_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("inline_query_id") or "")
        if self._inline_queries.get(query_id, True):
            raise _bad(_QUERY_EXPIRED)
        results = params.get("results")
        if results is None:
            raise _bad('parameter "results" is required')
        if not isinstance(results, list):
            raise _bad("can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise _bad("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict):
                raise _bad("can't parse InlineQueryResult: expected an Object")
            for name in ("type", "id"):
                if name not in result:
                    raise _bad(f"can't parse InlineQueryResult: Can't find field \"{name}\"")
            if str(result["type"]).lower() not in _INLINE_RESULT_TYPES:
                raise _bad("can't parse InlineQueryResult: Unsupported type specified")
            result_id = str(result["id"])
            if not 1 <= len(result_id.encode("utf-8")) <= 64:
                raise _bad("RESULT_ID_INVALID")
            if result_id in seen:
                raise _bad("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            if result["type"] == "article":
                for name in ("title", "input_message_content"):
                    if name not in result:
                        raise _bad(f"can't parse InlineQueryResult: Can't find field \"{name}\"")
            content = result.get("input_message_content")
            if isinstance(content, dict) and "message_text" in content:
                self._format_text(
                    content["message_text"], content.get("parse_mode"), content.get("entities")
                )
            validate_reply_markup(result.get("reply_markup"))
        next_offset = params.get("next_offset")
        if isinstance(next_offset, str) and len(next_offset.encode("utf-8")) > 64:
            raise _bad("NEXT_OFFSET_INVALID")
        button = params.get("button")
        if button is not None:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise _bad("can't parse InlineQueryResultsButton")
            if "start_parameter" in button:
                if not _START_PARAM_RE.fullmatch(str(button["start_parameter"])):
                    raise _bad("START_PARAM_INVALID")
            elif "web_app" not in button:
                raise _bad(
                    "can't parse InlineQueryResultsButton: expected start_parameter or web_app"
                )
        if "switch_pm_parameter" in params and not _START_PARAM_RE.fullmatch(
            str(params["switch_pm_parameter"])
        ):
            raise _bad("START_PARAM_INVALID")
        self._inline_queries[query_id] = True
        return True

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if commands is None:
            commands = []
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > MAX_COMMANDS:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        clean = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand: expected an Object")
            for name in ("command", "description"):
                if name not in command:
                    raise _bad(f"can't parse BotCommand: Can't find field \"{name}\"")
            if not (
                isinstance(command["command"], str) and _COMMAND_RE.fullmatch(command["command"])
            ):
                raise _bad("BOT_COMMAND_INVALID")
            description = command["description"]
            if not (
                isinstance(description, str) and description.strip() and len(description) <= 256
            ):
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": command["command"], "description": description})
        key = (_scope_key(params.get("scope")), _language(params))
        if clean:
            self._commands[key] = clean
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        return _clone(self._commands.get((_scope_key(params.get("scope")), _language(params)), []))

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self._commands.pop((_scope_key(params.get("scope")), _language(params)), None)
        return True

    def _set_text_setting(
        self, store: dict[str, str], params: dict[str, Any], name: str, limit: int, error: str
    ) -> bool:
        language = _language(params)
        value = params.get(name) or ""
        if not isinstance(value, str):
            value = str(value)
        if len(value) > limit:
            raise _bad(error)
        if value:
            store[language] = value
        else:
            store.pop(language, None)
        return True

    def _set_my_description(self, params: dict[str, Any]) -> bool:
        return self._set_text_setting(
            self._descriptions, params, "description", MAX_DESCRIPTION, "description is too long"
        )

    def _get_my_description(self, params: dict[str, Any]) -> dict[str, str]:
        return {"description": self._descriptions.get(_language(params), "")}

    def _set_my_short_description(self, params: dict[str, Any]) -> bool:
        return self._set_text_setting(
            self._short_descriptions,
            params,
            "short_description",
            MAX_SHORT_DESCRIPTION,
            "short description is too long",
        )

    def _get_my_short_description(self, params: dict[str, Any]) -> dict[str, str]:
        return {"short_description": self._short_descriptions.get(_language(params), "")}

    def _set_my_name(self, params: dict[str, Any]) -> bool:
        return self._set_text_setting(self._names, params, "name", MAX_NAME, "BOT_TITLE_INVALID")

    def _get_my_name(self, params: dict[str, Any]) -> dict[str, str]:
        return {
            "name": self._names.get(_language(params)) or self._names.get("") or self.first_name
        }
