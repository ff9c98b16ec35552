"""Which language a reply is in. One rule, one place:

the language the question is written in (when the match makes it clear) >
the chat's chosen language > Telegram's `language_code` > English.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import DEFAULT_LANG, negotiate


def reply_language(
    available: Sequence[str],
    *,
    question_lang: str | None = None,
    chosen: str | None = None,
    client_code: str | None = None,
) -> str:
    for candidate in (question_lang, chosen):
        if candidate and candidate in available:
            return candidate
    return negotiate(client_code, available) or DEFAULT_LANG
