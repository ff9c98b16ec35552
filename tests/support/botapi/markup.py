"""Reply markup as Telegram validates it."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from .common import MAX_CALLBACK_DATA_BYTES, _bad

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
