"""Ids, errors, call records and request decoding shared by the stand-in's parts."""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

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


# the rights an administrator has (chat_member factories, getChatMember)
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
