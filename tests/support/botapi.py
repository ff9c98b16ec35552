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

import asyncio
import contextlib
import copy
import itertools
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

__all__ = [
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

DEFAULT_TOKEN = "1234567:AAStandInToken_for-tests_not-a-real-token"
DEFAULT_BOT_USERNAME = "ryf_test_bot"
DEFAULT_USER_ID = 424242
DEFAULT_GROUP_ID = -987654321
DEFAULT_SUPERGROUP_ID = -1001987654321
DEFAULT_CHANNEL_ID = -1001122334455

MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_RESULTS = 50
MAX_CALLBACK_ANSWER_TEXT = 200
MAX_COMMANDS = 100
MAX_DESCRIPTION = 512
MAX_SHORT_DESCRIPTION = 120
MAX_NAME = 64

# --------------------------------------------------------------------------------------------
# ids shared by the factories and every FakeBotApi, so that a user's message and the bot's
# answer never get the same message_id (in a real private chat they share one sequence).
# --------------------------------------------------------------------------------------------

_id_lock = threading.Lock()
_message_ids = itertools.count(1000)
_query_ids = itertools.count(1)
_file_ids = itertools.count(1)


def _clone(value: Any) -> Any:
    """A deep copy of JSON-like data; a JSON round trip is several times faster than
    copy.deepcopy, which kept the stand-in busy long enough to skew throughput figures."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError):
        return copy.deepcopy(value)


def _next_message_id() -> int:
    with _id_lock:
        return next(_message_ids)


def _next_query_id() -> str:
    with _id_lock:
        return str(4_700_000_000_000_000_000 + next(_query_ids))


def _next_file_ids() -> tuple[str, str]:
    with _id_lock:
        n = next(_file_ids)
    return f"AgACAgIAAxkBAAI{n:08d}StandInFile", f"AQAD{n:08d}"


def _now() -> int:
    return int(time.time())


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------------
# errors, records
# --------------------------------------------------------------------------------------------


class ApiError(Exception):
    """A Telegram-shaped failure: HTTP status == error_code, description as Telegram words it."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            out["parameters"] = self.parameters
        return out


def _bad(description: str) -> ApiError:
    return ApiError(400, "Bad Request: " + description)


class WaitTimeout(AssertionError):
    """`wait_for` gave up; the message lists the calls that did arrive."""


class Call(NamedTuple):
    """One request as the API saw it. `status` 0 means the connection was dropped."""

    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any] | None

    @property
    def ok(self) -> bool:
        return bool(self.response and self.response.get("ok"))

    @property
    def result(self) -> Any:
        return self.response.get("result") if self.response else None

    @property
    def description(self) -> str | None:
        return self.response.get("description") if self.response else None


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass
class Response:
    """What a transport should send back; `drop=True` means: close without answering."""

    status: int
    payload: dict[str, Any] | None
    drop: bool = False

    def body(self) -> bytes:
        return json.dumps(self.payload, ensure_ascii=False).encode("utf-8")


@dataclass
class _Fault:
    kind: str
    remaining: int
    opts: dict[str, Any]


@dataclass
class _Stored:
    message: dict[str, Any]
    from_bot: bool
    deleted: bool = False


@dataclass
class _Answer:
    """A handler's result plus the optional `description` Telegram adds to some successes."""

    result: Any
    description: str | None = None


FAULT_KINDS = frozenset({"429", "500", "502", "403", "400", "error", "slow", "drop"})
_FAULT_OPTS = {
    "429": {"retry_after"},
    "500": {"description"},
    "502": {"description"},
    "403": {"description"},
    "400": {"description"},
    "error": {"error_code", "description", "parameters"},
    "slow": {"seconds"},
    "drop": set(),
}

# --------------------------------------------------------------------------------------------
# request decoding
# --------------------------------------------------------------------------------------------

# Top-level parameters that are strings in the Bot API. PTB (and most clients) send string
# values raw and everything else JSON-encoded, so `text="123"` and `chat_id=123` look the same
# on the wire; only the parameter name tells them apart.
STRING_PARAMS = frozenset(
    {
        "action",
        "address",
        "animation",
        "audio",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "currency",
        "custom_title",
        "description",
        "document",
        "emoji",
        "explanation",
        "file_id",
        "first_name",
        "foursquare_id",
        "game_short_name",
        "gift_id",
        "inline_message_id",
        "inline_query_id",
        "invite_link",
        "ip_address",
        "language_code",
        "last_name",
        "message_effect_id",
        "name",
        "next_offset",
        "parse_mode",
        "payload",
        "phone_number",
        "photo",
        "provider_token",
        "query",
        "question",
        "secret_token",
        "short_description",
        "start_parameter",
        "sticker",
        "switch_pm_parameter",
        "switch_pm_text",
        "text",
        "text_parse_mode",
        "thumbnail",
        "title",
        "url",
        "vcard",
        "video",
        "video_note",
        "voice",
    }
)


def decode_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Turn wire values into Bot API values: JSON-decode every string that is not a string param."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and key not in STRING_PARAMS:
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        out[key] = value
    return out


def _decode_body(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    raw: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    ctype = content_type.split(";", 1)[0].strip().lower()
    files: dict[str, UploadedFile] = {}
    if not body:
        pass
    elif ctype == "application/json":
        data = json.loads(body.decode("utf-8"))
        if not isinstance(data, dict):
            raise _bad("can't parse parameters JSON object")
        raw.update(data)
    elif ctype == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
        if not message.is_multipart():
            raise _bad("can't parse multipart/form-data request")
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            content = payload if isinstance(payload, bytes) else b""
            filename = part.get_filename()
            if filename is None:
                raw[name] = content.decode("utf-8")
            else:
                files[name] = UploadedFile(filename, content, part.get_content_type())
    else:  # application/x-www-form-urlencoded, or anything else form-like
        raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    params = decode_params(raw)
    for name, upload in files.items():
        params.setdefault(name, upload)
    if files:
        params["_files"] = files
    return params


# --------------------------------------------------------------------------------------------
# HTML parse mode (port of tdlib's parse_html, td/telegram/MessageEntity.cpp)
# --------------------------------------------------------------------------------------------

_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TAG_TYPES = {
    "i": "italic",
    "em": "italic",
    "b": "bold",
    "strong": "bold",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_ENTITIES = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}
_SPACES = frozenset(b" \t\r\n\v\f\0")


def _entity_error(message: str) -> ApiError:
    return _bad("can't parse entities: " + message)


def _decode_html_entity(data: bytes, pos: int) -> tuple[int, int, bool]:
    """(code point or 0, position after the entity, ended with ';')."""
    n = len(data)

    def at(k: int) -> int:
        return data[k] if k < n else 0

    end = pos + 1
    code = 0
    if at(pos + 1) == 0x23:  # '#'
        end += 1
        if at(pos + 2) == 0x78:  # 'x'
            end += 1
            while chr(at(end)) in "0123456789abcdefABCDEF" and at(end):
                code = code * 16 + int(chr(at(end)), 16)
                end += 1
        else:
            while 0x30 <= at(end) <= 0x39:
                code = code * 10 + at(end) - 0x30
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos, False
    else:
        while (0x41 <= at(end) <= 0x5A) or (0x61 <= at(end) <= 0x7A):
            end += 1
        code = _NAMED_ENTITIES.get(data[pos + 1 : end], 0)
        if not code:
            return 0, pos, False
    if at(end) == 0x3B:  # ';'
        return code, end + 1, True
    return code, end, False


def _checked_link(url: str) -> str:
    """Roughly tdlib's LinkManager::get_checked_link: '' means the link is dropped silently."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https", "ton"):
        return url if parts.netloc else ""
    if scheme == "tg":
        return url
    if not scheme and re.match(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(/|$)", url):
        return "http://" + url
    return ""


def parse_html(text: str, *, strict: bool = False) -> tuple[str, list[dict[str, Any]]]:
    """Visible text and entities of Telegram HTML; raises ApiError(400, "...can't parse entities...")."""
    data = text.encode("utf-8")
    n = len(data)

    def at(k: int) -> int:
        return data[k] if k < n else 0

    out = bytearray()
    utf16 = 0
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, str, int, int]] = []  # tag, argument, utf16 offset, out position
    i = 0
    while i < n:
        c = data[i]
        if c == 0x26:  # '&'
            code, end, semicolon = _decode_html_entity(data, i)
            if code:
                if strict and not semicolon:
                    raise _entity_error(
                        f'HTML entity "{data[i:end].decode()}" at byte offset {i} must end with ";"'
                    )
                if 0xD800 <= code <= 0xDFFF:
                    raise _entity_error(
                        "Text contains invalid Unicode characters after decoding HTML entities, "
                        "check for unmatched surrogate code units"
                    )
                out += chr(code).encode("utf-8")
                utf16 += 2 if code > 0xFFFF else 1
                i = end
                continue
            if strict:
                named = re.match(rb"&#?[A-Za-z0-9]+;", data[i:])
                if named:
                    raise _entity_error(
                        f'Unsupported HTML entity "{named.group(0).decode()}" at byte offset {i} '
                        "(only &lt; &gt; &amp; &quot; and numeric entities are supported)"
                    )
                raise _entity_error(
                    f'Character "&" at byte offset {i} must be escaped as "&amp;" '
                    "(stand-in strict mode; Telegram would show it literally)"
                )
        if c != 0x3C:  # not '<'
            if strict and c == 0x3E:
                raise _entity_error(
                    f'Character ">" at byte offset {i} must be escaped as "&gt;" '
                    "(stand-in strict mode; Telegram would show it literally)"
                )
            out.append(c)
            if (c & 0xC0) != 0x80:
                utf16 += 2 if c >= 0xF0 else 1
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != 0x2F:  # start tag
            while at(i) not in _SPACES and at(i) != 0x3E:
                i += 1
            if at(i) == 0:
                raise _entity_error(f"Unclosed start tag at byte offset {begin}")
            tag = data[begin + 1 : i].decode("utf-8", "replace").lower()
            if tag not in _HTML_TAGS:
                raise _entity_error(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while at(i) != 0x3E:
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) == 0x3E:
                    break
                attr_begin = i
                while at(i) not in _SPACES and at(i) not in (0x3D, 0x3E):
                    i += 1
                name = data[attr_begin:i].decode("utf-8", "replace")
                if not name:
                    raise _entity_error(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                    )
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) != 0x3D:
                    if tag == "blockquote" and name == "expandable":
                        argument = "expandable"
                        continue
                    raise _entity_error(
                        f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                        f"at byte offset {begin}"
                    )
                i += 1
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) == 0:
                    raise _entity_error(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if at(i) not in (0x22, 0x27):
                    token_begin = i
                    while at(i) and (
                        chr(at(i)).isascii() and (chr(at(i)).isalnum() or at(i) in (0x2E, 0x2D))
                    ):
                        i += 1
                    value = data[token_begin:i].decode("utf-8", "replace").lower()
                    if at(i) not in _SPACES and at(i) != 0x3E:
                        raise _entity_error(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    buf = bytearray()
                    while at(i) != quote and at(i) != 0:
                        if at(i) == 0x26:
                            code, end, _semicolon = _decode_html_entity(data, i)
                            if code:
                                buf += chr(code).encode("utf-8", "surrogatepass")
                                i = end
                                continue
                        buf.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = buf.decode("utf-8", "replace")
                if at(i) == 0:
                    raise _entity_error(f"Unclosed start tag at byte offset {begin}")
                if tag == "a" and name == "href":
                    argument = value
                elif tag == "code" and name == "class" and value.startswith("language-"):
                    argument = value[9:]
                elif tag == "span" and name == "class" and value.startswith("tg-"):
                    argument = value[3:]
                elif tag == "tg-emoji" and name == "emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise _entity_error(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
                )
            stack.append((tag, argument, utf16, len(out)))
            i += 1  # past '>'
            continue

        # end tag
        if not stack:
            raise _entity_error(f"Unexpected end tag at byte offset {begin}")
        while at(i) not in _SPACES and at(i) != 0x3E:
            i += 1
        end_name = data[begin + 2 : i].decode("utf-8", "replace").lower()
        while at(i) != 0 and at(i) in _SPACES:
            i += 1
        if at(i) != 0x3E:
            raise _entity_error(f"Unclosed end tag at byte offset {begin}")
        tag, argument, start16, start_out = stack[-1]
        if end_name and end_name != tag:
            raise _entity_error(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", found "</{end_name}>"'
            )
        if utf16 > start16:
            offset, length = start16, utf16 - start16
            last = entities[-1] if entities else None
            if tag in _SIMPLE_TAG_TYPES:
                entities.append(
                    {"type": _SIMPLE_TAG_TYPES[tag], "offset": offset, "length": length}
                )
            elif tag == "tg-emoji":
                if not argument.isdigit() or int(argument) == 0:
                    raise _entity_error("Invalid custom emoji identifier specified")
                entities.append(
                    {
                        "type": "custom_emoji",
                        "offset": offset,
                        "length": length,
                        "custom_emoji_id": argument,
                    }
                )
            elif tag == "a":
                url = argument or out[start_out:].decode("utf-8", "replace")
                mention = re.fullmatch(r"tg://user\?id=(\d+)", url.strip())
                if mention:
                    entities.append(
                        {
                            "type": "text_mention",
                            "offset": offset,
                            "length": length,
                            "user": {
                                "id": int(mention.group(1)),
                                "is_bot": False,
                                "first_name": "",
                            },
                        }
                    )
                elif url := _checked_link(url):
                    entities.append(
                        {"type": "text_link", "offset": offset, "length": length, "url": url}
                    )
            elif tag == "pre":
                if (
                    last
                    and last["type"] == "code"
                    and last["offset"] == offset
                    and last["length"] == length
                    and last.get("_language")
                ):
                    last["type"] = "pre"
                    last["language"] = last.pop("_language")
                else:
                    entities.append({"type": "pre", "offset": offset, "length": length})
            elif tag == "code":
                if (
                    last
                    and last["type"] == "pre"
                    and last["offset"] == offset
                    and last["length"] == length
                    and argument
                ):
                    last["language"] = argument
                else:
                    entity = {"type": "code", "offset": offset, "length": length}
                    if argument:
                        entity["_language"] = argument
                    entities.append(entity)
            elif tag == "blockquote":
                kind = "expandable_blockquote" if argument == "expandable" else "blockquote"
                entities.append({"type": kind, "offset": offset, "length": length})
        stack.pop()
        i += 1
    if stack:
        raise _entity_error(f"Can't find end tag corresponding to start tag {stack[-1][0]}")
    for entity in entities:
        entity.pop("_language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return out.decode("utf-8", "replace"), entities


# --------------------------------------------------------------------------------------------
# automatic entities (tdlib's match_bot_commands / find_mentions, plus plain URLs)
# --------------------------------------------------------------------------------------------

_COMMAND_CHARS = re.compile(r"[A-Za-z0-9_]*")
_SHORT_INLINE_BOTS = frozenset(
    {"gif", "wiki", "vid", "bing", "pic", "bold", "imdb", "coub", "like", "vote"}
)
_URL = re.compile(r"\bhttps?://[^\s<>\"]+", re.IGNORECASE)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def auto_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram adds by itself: bot_command, mention, url (UTF-16 offsets)."""
    found: list[tuple[int, int, str]] = []  # python index start, end, type
    for match in re.finditer("/", text):
        start = match.start()
        if start and (_is_word(text[start - 1]) or text[start - 1] in "/<>"):
            continue
        end = _COMMAND_CHARS.match(text, start + 1).end()  # type: ignore[union-attr]
        if not 1 <= end - start - 1 <= 64:
            continue
        if end < len(text) and text[end] == "@":
            mention_end = _COMMAND_CHARS.match(text, end + 1).end()  # type: ignore[union-attr]
            if not 3 <= mention_end - end - 1 <= 32:
                continue
            end = mention_end
        if end < len(text) and (_is_word(text[end]) or text[end] in "/<>"):
            continue
        found.append((start, end, "bot_command"))
    for match in re.finditer("@", text):
        start = match.start()
        if start and _is_word(text[start - 1]):
            continue
        if any(s < start < e for s, e, _ in found):
            continue
        end = _COMMAND_CHARS.match(text, start + 1).end()  # type: ignore[union-attr]
        name = text[start + 1 : end]
        if not 2 <= len(name) <= 32 or (end < len(text) and _is_word(text[end])):
            continue
        if len(name) < 5 and name.lower() not in _SHORT_INLINE_BOTS:
            continue
        found.append((start, end, "mention"))
    for match in _URL.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in ".,;:!?)]}'":
            end -= 1
        found.append((match.start(), end, "url"))
    entities: list[dict[str, Any]] = [
        {"type": kind, "offset": _utf16_len(text[:start]), "length": _utf16_len(text[start:end])}
        for start, end, kind in found
    ]
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return entities


# --------------------------------------------------------------------------------------------
# reply markup
# --------------------------------------------------------------------------------------------

_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def _check_button_url(url: Any) -> None:
    if not isinstance(url, str):
        raise _bad('can\'t parse inline keyboard button: Field "url" must be of type String')
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "tg":
        return
    if scheme and scheme not in ("http", "https"):
        raise _bad(f"inline keyboard button URL '{url}' is invalid: Unsupported URL protocol")
    host = (parts.hostname or "") if scheme else urlsplit("http://" + url).hostname or ""
    ipv4 = re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", host)
    domain = re.fullmatch(
        r"([A-Za-z0-9-]+\.)+[A-Za-z]{2,}|([A-Za-z0-9-]+\.)+xn--[A-Za-z0-9-]+", host
    )
    if not (ipv4 or domain):
        raise _bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def validate_reply_markup(markup: Any) -> dict[str, Any] | None:
    """Check reply_markup the way the Bot API does; returns it (decoded) or None."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                if not isinstance(button, dict):
                    raise _bad("can't parse inline keyboard button: expected an Object")
                if "text" not in button:
                    raise _bad("can't parse inline keyboard button: Can't find field \"text\"")
                if not isinstance(button["text"], str):
                    raise _bad(
                        'can\'t parse inline keyboard button: Field "text" must be of type String'
                    )
                actions = [name for name in _BUTTON_ACTIONS if name in button]
                if not actions:
                    raise _bad(
                        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                    )
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str):
                        raise _bad(
                            'can\'t parse inline keyboard button: Field "callback_data" must be of type String'
                        )
                    if not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                        raise _bad("BUTTON_DATA_INVALID")
                if "url" in button:
                    _check_button_url(button["url"])
        return markup
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
        for row in rows:
            for button in row:
                if isinstance(button, dict) and not isinstance(button.get("text"), str):
                    raise _bad('can\'t parse keyboard button: Field "text" must be of type String')
        return markup
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return markup
    raise _bad("can't parse reply keyboard markup JSON object")


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
_ADMIN_RIGHTS = (
    "can_be_edited",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
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


# --------------------------------------------------------------------------------------------
# HTTP transport
# --------------------------------------------------------------------------------------------

_PATH = re.compile(r"/bot([^/]*)/([^/?]*)/?")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 1024  # socketserver's default backlog of 5 resets bursts of connections

    def __init__(self, address: tuple[str, int], api: FakeBotApi):
        self.api = api
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self.connections_lock:
            sockets = list(self.connections)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "BotApiStandIn/1.0"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, response: Response) -> None:
        body = response.body()
        try:
            phrase = HTTPStatus(response.status).phrase
        except ValueError:
            phrase = ""
        head = (
            f"HTTP/1.1 {response.status} {phrase}\r\n"
            f"Server: {self.server_version}\r\n"
            f"Date: {self.date_time_string()}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        # one write: two small writes + Nagle + delayed ACK would cost 40 ms per call
        self.wfile.write(head.encode("ascii") + body)

    def _serve(self) -> None:
        try:
            body = self._read_body()
            parts = urlsplit(self.path)
            match = _PATH.fullmatch(parts.path)
            if not match:
                self._send(
                    Response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                )
                return
            token, method = match.groups()
            try:
                params = _decode_body(self.headers.get("Content-Type") or "", body, parts.query)
            except ApiError as err:
                self._send(Response(err.code, err.payload()))
                return
            except (ValueError, UnicodeDecodeError):
                failure = _bad("can't parse request parameters")
                self._send(Response(failure.code, failure.payload()))
                return
            response = self.server.api.serve(token, method, params)
            if response.drop:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            self._send(response)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    do_POST = _serve
    do_GET = _serve


class BotApiStandIn(FakeBotApi):
    """A FakeBotApi served over HTTP on 127.0.0.1 (background thread).

    with BotApiStandIn() as api:
        bot = telegram.Bot(api.token, base_url=api.base_url)
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = DEFAULT_BOT_USERNAME,
        bot_id: int | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        **options: Any,
    ):
        super().__init__(token, bot_username, bot_id, **options)
        self.host = host
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the stand-in is not running; call start()")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:PORT"""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For PTB's base_url / TELEGRAM_API_BASE_URL: http://127.0.0.1:PORT/bot"""
        return self.url + "/bot"

    def env(self) -> dict[str, str]:
        """Environment for a bot process talking to this stand-in."""
        return {"TELEGRAM_BOT_TOKEN": self.token, "TELEGRAM_API_BASE_URL": self.base_url}

    def start(self) -> BotApiStandIn:
        """Start serving (again: a restarted stand-in keeps its port and its state)."""
        if self._server is not None:
            raise RuntimeError("already running")
        self.reopen()
        self._server = _Server((self.host, self._requested_port), self)
        self._requested_port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"bot-api-stand-in:{self._requested_port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; long polls are woken, open connections are closed."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self.close()
        server.shutdown()
        server.drop_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> BotApiStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> BotApiStandIn:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)


# --------------------------------------------------------------------------------------------
# webhook helper
# --------------------------------------------------------------------------------------------


def post_webhook(
    url: str, update: Mapping[str, Any], secret_token: str | None = None, timeout: float = 10.0
) -> int:
    """POST an update as Telegram does; returns the HTTP status. Blocking (see apost_webhook)."""
    headers = {"Content-Type": "application/json"}
    if secret_token is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
    data = json.dumps(update, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as err:
        with err:
            err.read()
            return int(err.code)


async def apost_webhook(
    url: str, update: Mapping[str, Any], secret_token: str | None = None, timeout: float = 10.0
) -> int:
    """post_webhook from a thread, for coroutines whose loop also runs the bot's webhook server."""
    return await asyncio.to_thread(post_webhook, url, update, secret_token, timeout)


# --------------------------------------------------------------------------------------------
# update factories (dicts without update_id; push_update/register assign it)
# --------------------------------------------------------------------------------------------


def user(
    user_id: int = DEFAULT_USER_ID,
    language_code: str | None = "en",
    *,
    first_name: str = "Test",
    last_name: str | None = None,
    username: str | None = "test_user",
    is_bot: bool = False,
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if last_name:
        out["last_name"] = last_name
    if username:
        out["username"] = username
    if language_code:
        out["language_code"] = language_code
    return out


def _chat_for(
    chat_type: str, chat_id: int | None, sender: Mapping[str, Any], title: str | None
) -> dict[str, Any]:
    if chat_type == "private":
        chat = {
            "id": chat_id if chat_id is not None else sender["id"],
            "type": "private",
            "first_name": sender["first_name"],
        }
        for key in ("last_name", "username"):
            if key in sender:
                chat[key] = sender[key]
        return chat
    defaults = {
        "group": DEFAULT_GROUP_ID,
        "supergroup": DEFAULT_SUPERGROUP_ID,
        "channel": DEFAULT_CHANNEL_ID,
    }
    if chat_type not in defaults:
        raise ValueError(
            f"chat_type must be private, group, supergroup or channel, not {chat_type!r}"
        )
    return {
        "id": chat_id if chat_id is not None else defaults[chat_type],
        "type": chat_type,
        "title": title or f"Test {chat_type}",
    }


def _base_message(
    chat_id: int | None,
    user_id: int,
    chat_type: str,
    language_code: str | None,
    reply_to: Mapping[str, Any] | None,
    *,
    first_name: str = "Test",
    username: str | None = "test_user",
    message_id: int | None = None,
    date: int | None = None,
    chat_title: str | None = None,
    message_thread_id: int | None = None,
) -> dict[str, Any]:
    sender = user(user_id, language_code, first_name=first_name, username=username)
    message: dict[str, Any] = {
        "message_id": message_id if message_id is not None else _next_message_id(),
        "from": sender,
        "chat": _chat_for(chat_type, chat_id, sender, chat_title),
        "date": date if date is not None else _now(),
    }
    if message_thread_id is not None:
        message["message_thread_id"] = message_thread_id
    if reply_to is not None:
        target = _clone(dict(reply_to))
        target.pop("reply_to_message", None)
        message["reply_to_message"] = target
    return message


def text_message(
    text: str,
    chat_id: int | None = None,
    user_id: int = DEFAULT_USER_ID,
    chat_type: str = "private",
    language_code: str | None = "en",
    reply_to: Mapping[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """{"message": ...}; bot_command / mention / url entities are added like Telegram does.

    extra: first_name, username, message_id, date, chat_title, message_thread_id.
    """
    message = _base_message(chat_id, user_id, chat_type, language_code, reply_to, **extra)
    return {"message": _with_text(message, text, entities)}


def _with_text(
    message: dict[str, Any], text: str, entities: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Set a message's text and its entities (found like Telegram does unless given)."""
    message["text"] = text
    found = auto_entities(text) if entities is None else entities
    if found:
        message["entities"] = found
    return message


def sticker_message(
    emoji: str = "👍",
    chat_id: int | None = None,
    user_id: int = DEFAULT_USER_ID,
    chat_type: str = "private",
    language_code: str | None = "en",
    set_name: str = "StandInStickers",
    **extra: Any,
) -> dict[str, Any]:
    message = _base_message(chat_id, user_id, chat_type, language_code, None, **extra)
    file_id, unique = _next_file_ids()
    message["sticker"] = {
        "file_id": file_id,
        "file_unique_id": unique,
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": emoji,
        "set_name": set_name,
        "file_size": 24_000,
    }
    return {"message": message}


def photo_message(
    caption: str | None = None,
    chat_id: int | None = None,
    user_id: int = DEFAULT_USER_ID,
    chat_type: str = "private",
    language_code: str | None = "en",
    **extra: Any,
) -> dict[str, Any]:
    message = _base_message(chat_id, user_id, chat_type, language_code, None, **extra)
    file_id, unique = _next_file_ids()
    message["photo"] = [
        {
            "file_id": f"{file_id}{w}",
            "file_unique_id": f"{unique}{w}",
            "width": w,
            "height": w * 3 // 4,
            "file_size": w * 60,
        }
        for w in (90, 320, 1280)
    ]
    if caption is not None:
        message["caption"] = caption
        found = auto_entities(caption)
        if found:
            message["caption_entities"] = found
    return {"message": message}


def edited_message(
    text: str,
    original: Mapping[str, Any] | None = None,
    chat_id: int | None = None,
    user_id: int = DEFAULT_USER_ID,
    chat_type: str = "private",
    language_code: str | None = "en",
    **extra: Any,
) -> dict[str, Any]:
    """{"edited_message": ...}: `original` (a message dict) edited to `text`, or a fresh message."""
    if original is not None:
        message = _clone(dict(original))
        message.pop("entities", None)
    else:
        message = _base_message(chat_id, user_id, chat_type, language_code, None, **extra)
    message["edit_date"] = max(_now(), int(message["date"]))
    return {"edited_message": _with_text(message, text)}


def channel_post(
    text: str,
    chat_id: int = DEFAULT_CHANNEL_ID,
    title: str = "Test channel",
    username: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    chat: dict[str, Any] = {"id": chat_id, "type": "channel", "title": title}
    if username:
        chat["username"] = username
    message: dict[str, Any] = {
        "message_id": extra.get("message_id") or _next_message_id(),
        "sender_chat": chat,
        "chat": chat,
        "date": extra.get("date") or _now(),
    }
    return {"channel_post": _with_text(message, text)}


def inline_query(
    query: str,
    user_id: int = DEFAULT_USER_ID,
    language_code: str | None = "en",
    offset: str = "",
    chat_type: str | None = "private",
    **extra: Any,
) -> dict[str, Any]:
    """{"inline_query": ...}; its id is registered when pushed/registered."""
    body: dict[str, Any] = {
        "id": _next_query_id(),
        "from": user(user_id, language_code, **extra),
        "query": query,
        "offset": offset,
    }
    if chat_type:
        body["chat_type"] = chat_type
    return {"inline_query": body}


def chat_member(status: str, member: Mapping[str, Any]) -> dict[str, Any]:
    """A ChatMember object of `status` for the User dict `member`, with the fields that
    Telegram always sends for that status (an administrator here has every right)."""
    out: dict[str, Any] = {"status": status, "user": dict(member)}
    if status == "administrator":
        out.update({key: True for key in _ADMIN_RIGHTS})
        out["is_anonymous"] = False
    elif status == "creator":
        out["is_anonymous"] = False
    elif status == "kicked":
        out["until_date"] = 0
    elif status not in ("member", "left"):
        raise ValueError(f"chat_member: unsupported status {status!r}")
    return out


def my_chat_member(
    chat_id: int = DEFAULT_GROUP_ID,
    old_status: str = "left",
    new_status: str = "member",
    user_id: int = DEFAULT_USER_ID,
    language_code: str | None = "en",
    *,
    bot: Mapping[str, Any] | None = None,
    chat_type: str = "group",
    **extra: Any,
) -> dict[str, Any]:
    """{"my_chat_member": ...}: the bot's own membership in a chat changed, by `user_id`
    (e.g. someone added it to a group: "left" -> "member"). `bot`: the bot's User dict
    (FakeBotApi.bot_user()); a stand-in default otherwise."""
    sender = user(user_id, language_code, **extra)
    me = dict(bot) if bot is not None else user(123456789, None, first_name="Bot", username="bot")
    return {
        "my_chat_member": {
            "chat": _chat_for(chat_type, chat_id, sender, None),
            "from": sender,
            "date": _now(),
            "old_chat_member": chat_member(old_status, me),
            "new_chat_member": chat_member(new_status, me),
        }
    }


def _button_data(message: Mapping[str, Any]) -> set[str]:
    rows = ((message.get("reply_markup") or {}).get("inline_keyboard")) or []
    return {
        b["callback_data"]
        for row in rows
        for b in row
        if isinstance(b, dict) and "callback_data" in b
    }


def callback_query(
    data: str,
    message: Mapping[str, Any],
    user_id: int = DEFAULT_USER_ID,
    language_code: str | None = "en",
    *,
    forged: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """{"callback_query": ...} for a press on a button of `message` (a Message dict the bot sent).

    Raises ValueError if no button of `message` carries `data`, unless forged=True (a stale
    keyboard or a forged client).
    """
    if "message_id" not in message or "chat" not in message:
        raise ValueError(
            "message must be a Message dict (e.g. from bot_messages() or a sendMessage result)"
        )
    if not forged and data not in _button_data(message):
        raise ValueError(
            f"no button of message {message['message_id']} has callback_data {data!r}; "
            "pass forged=True to simulate a stale or forged press"
        )
    return {
        "callback_query": {
            "id": _next_query_id(),
            "from": user(user_id, language_code, **extra),
            "message": _clone(dict(message)),
            "chat_instance": str(abs(int(message["chat"]["id"])) * 7919 % 10**18 + 10**17),
            "data": data,
        }
    }
