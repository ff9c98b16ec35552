"""Which language a reply is in. One rule, one place:

the language the question is written in (when the match makes it clear) >
the chat's chosen language > Telegram's `language_code` > English.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.i18n import DEFAULT_LANG, negotiate


def reply_language(
    available: Sequence[str],
    *,
    question_lang: str | None = None,
    chosen: str | Callable[[], str | None] | None = None,
    client_code: str | None = None,
) -> str:
    """`chosen` may be a function that looks the chat's choice up: it is called only
    when the question's language does not decide (the look-up is a database query)."""
    if question_lang and question_lang in available:
        return question_lang
    if callable(chosen):
        chosen = chosen()
    if chosen and chosen in available:
        return chosen
    return negotiate(client_code, available) or DEFAULT_LANG
