"""Update factories: realistic update dicts (without update_id; push_update assigns it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .common import (
    _ADMIN_RIGHTS,
    DEFAULT_CHANNEL_ID,
    DEFAULT_GROUP_ID,
    DEFAULT_SUPERGROUP_ID,
    DEFAULT_USER_ID,
    _clone,
    _next_file_ids,
    _next_message_id,
    _next_query_id,
    _now,
)
from .html import auto_entities

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
