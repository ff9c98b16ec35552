"""How current the knowledge is: the `checked: YYYY-MM` month of every entry.

Facts about laws, fines and court cases go stale. Each entry records the month
its facts were last checked; `python -m bot check` warns when an entry has no
such month, when it is more than `MAX_AGE_MONTHS` old, and when a translation
was checked before its English source (its facts may predate a correction).
The bot tells users the oldest English month, so it never claims more
currency than the weakest answer has.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from bot.knowledge import REFERENCE_LANG, Entry, KnowledgeBase
from bot.problems import Problem

MAX_AGE_MONTHS = 12


def month_index(month: str) -> int:
    """'2026-12' -> a count of months, so two months can be subtracted."""
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def last_checked(kb: KnowledgeBase) -> str | None:
    """The oldest `checked` month among the English entries (None if none has one)."""
    months = [e.checked for e in kb.languages[REFERENCE_LANG].entries.values() if e.checked]
    return min(months, key=month_index) if months else None


def month_name(month: str, lang: str) -> str:
    """'2026-12' in the reader's language: 'December 2026', 'Dezember 2026'."""
    year, number = month.split("-")
    return format_date(date(int(year), int(number), 1), "LLLL y", locale=lang)


def freshness_problems(kb: KnowledgeBase, today: date) -> list[Problem]:
    """Warnings about entries without a check, checked too long ago, or behind English."""
    now = today.year * 12 + today.month - 1
    english = kb.languages[REFERENCE_LANG].entries
    problems: list[Problem] = []
    for lang, language in kb.languages.items():
        for topic_id, entry in language.entries.items():
            message = _problem(entry, english.get(topic_id), now, lang == REFERENCE_LANG)
            if message:
                problems.append(Problem(language.path, entry.line, message, warning=True))
    return problems


def _problem(entry: Entry, source: Entry | None, now: int, reference: bool) -> str | None:
    where = f"topic {entry.topic_id!r}"
    if entry.checked is None:
        return f"{where} has no `checked:`; add the month its facts were checked (checked: YYYY-MM)"
    age = now - month_index(entry.checked)
    if age > MAX_AGE_MONTHS:
        return f"{where} was checked in {entry.checked}, {age} months ago: check its facts again"
    if reference or source is None or source.checked is None:
        return None
    if month_index(entry.checked) < month_index(source.checked):
        return (
            f"{where} was checked in {entry.checked}, before its English text ({source.checked}): "
            "compare the facts with English, then update `checked:`"
        )
    return None
