"""A stand-in for the Telegram Bot API, for tests and benchmarks (standard library only).

Three layers, so that in-process tests and tests against a real bot process
see the *same* answers:

* `FakeBotApi` — the pure state machine. `handle(method, params)` answers like
  Telegram (`(http_status, {"ok": ..., ...})`), validates what Telegram
  validates, and records every call. `serve()` / `aserve()` add what a
  transport needs on top: token check, injected faults, long polling.
* `BotApiStandIn` — a `FakeBotApi` served over HTTP on 127.0.0.1 in a
  background thread; point python-telegram-bot at it with
  `base_url=standin.base_url` (or `TELEGRAM_API_BASE_URL`).
* `tests/support/recording_request.py` — a PTB `BaseRequest` that answers from a
  `FakeBotApi` without any network, for in-process `Application` tests.

The package's modules: `common` (ids, errors, call records, request decoding),
`html` (the HTML parse mode and automatic entities), `markup` (reply markup),
`state` (`FakeBotApi`), `server` (`BotApiStandIn`, the webhook helper) and
`factories` (update dicts); everything below is importable from here.

Module-level factories (`text_message`, `callback_query`, ...) build realistic
update dicts; `push_update()` assigns the `update_id`, registers callback and
inline query ids (so that answering them is validated) and wakes long polls.

HTML parsing follows tdlib's `parse_html` (same error texts and byte offsets).
With `strict_html=True` (the default) it is stricter than Telegram in one
respect: a bare `&`, a bare `>`, an unknown named entity (`&nbsp;`) or an
entity without its `;` is rejected, as the Bot API documentation demands,
although the real server would silently show them literally. Pass
`strict_html=False` for tdlib's exact behaviour.
"""

from __future__ import annotations

from .common import (
    DEFAULT_BOT_USERNAME,
    DEFAULT_CHANNEL_ID,
    DEFAULT_GROUP_ID,
    DEFAULT_SUPERGROUP_ID,
    DEFAULT_TOKEN,
    DEFAULT_USER_ID,
    ApiError,
    Call,
    Response,
    UploadedFile,
    WaitTimeout,
    _decode_body,
    decode_params,
)
from .factories import (
    callback_query,
    channel_post,
    chat_member,
    edited_message,
    inline_query,
    my_chat_member,
    photo_message,
    sticker_message,
    text_message,
    user,
)
from .html import auto_entities, parse_html
from .server import BotApiStandIn, apost_webhook, post_webhook
from .state import FakeBotApi

__all__ = [
    "DEFAULT_BOT_USERNAME",
    "DEFAULT_CHANNEL_ID",
    "DEFAULT_GROUP_ID",
    "DEFAULT_SUPERGROUP_ID",
    "DEFAULT_TOKEN",
    "DEFAULT_USER_ID",
    "ApiError",
    "BotApiStandIn",
    "Call",
    "FakeBotApi",
    "Response",
    "UploadedFile",
    "WaitTimeout",
    "_decode_body",
    "apost_webhook",
    "auto_entities",
    "callback_query",
    "channel_post",
    "chat_member",
    "decode_params",
    "edited_message",
    "inline_query",
    "my_chat_member",
    "parse_html",
    "photo_message",
    "post_webhook",
    "sticker_message",
    "text_message",
    "user",
]
