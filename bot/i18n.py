"""UI strings through gettext catalogs, and the choice of a shipped language.

Strings in the code are written `_("Hello, {name}!").format(name=...)` so that
Babel's extractor sees them. The catalog in use travels in a ContextVar, set
per reply with `use(catalogs, lang)`, so handlers never pass a language around.

Catalogs are `locales/<lang>/LC_MESSAGES/messages.po`. A compiled `.mo` next
to a `.po` is used when it is newer; otherwise the `.po` is compiled in memory
at load time, so nobody who installs the bot has to run a compile step.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot import markup
from bot.problems import DataError, Problem, display_path

DOMAIN = "messages"
_PLACEHOLDER = re.compile(r"\{([a-z_]*)\}")
DEFAULT_LANG = "en"

_SOURCE_LANGUAGE = gettext.NullTranslations()  # never modified: English is the source
_current: ContextVar[gettext.NullTranslations] = ContextVar(
    "translations", default=_SOURCE_LANGUAGE
)


def _(message: str) -> str:
    """Translate a UI string into the language of the reply being built."""
    return _current.get().gettext(message)


@dataclass(frozen=True)
class Catalogs:
    """The loaded UI catalogs: language code -> translations (English is the source)."""

    translations: Mapping[str, gettext.NullTranslations]
    translated: Mapping[str, int]  # language -> number of translated strings

    def get(self, lang: str) -> gettext.NullTranslations:
        return self.translations.get(lang) or _SOURCE_LANGUAGE


@contextmanager
def use(catalogs: Catalogs, lang: str) -> Iterator[None]:
    """Build everything inside this block in `lang`."""
    token = _current.set(catalogs.get(lang))
    try:
        yield
    finally:
        _current.reset(token)


def load_catalogs(locales: Path) -> Catalogs:
    """Read every `<lang>/LC_MESSAGES/messages.po`; raise DataError on a broken one."""
    problems: list[Problem] = []
    translations: dict[str, gettext.NullTranslations] = {}
    counts: dict[str, int] = {}
    for po_path in sorted(locales.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        lang = po_path.parent.parent.name
        name = display_path(po_path)
        try:
            with po_path.open("rb") as handle:
                catalog = read_po(handle, locale=lang, abort_invalid=True)
        except Exception as exc:  # Babel raises several types for broken files
            line = int(getattr(exc, "lineno", 0) or 0)
            problems.append(Problem(name, line, f"cannot read catalog: {exc}"))
            continue
        for message, errors in catalog.check():
            for error in errors:
                problems.append(Problem(name, message.lineno or 0, f"{message.id!r}: {error}"))
        for message in catalog:
            for text in translation_problems(message.id, message.string):
                problems.append(Problem(name, message.lineno or 0, text))
        counts[lang] = sum(1 for m in catalog if m.id and m.string and not m.fuzzy)
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            data = mo_path.read_bytes()
        else:
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            data = buffer.getvalue()
        translations[lang] = gettext.GNUTranslations(io.BytesIO(data))
    if any(not p.warning for p in problems):
        raise DataError(problems)
    return Catalogs(MappingProxyType(translations), MappingProxyType(counts))


def translation_problems(msgid: object, msgstr: object) -> list[str]:
    """A translation must keep the `{placeholders}` and the markup valid."""
    if not isinstance(msgid, str) or not isinstance(msgstr, str) or not msgid or not msgstr:
        return []
    found = []
    wanted, got = set(_PLACEHOLDER.findall(msgid)), set(_PLACEHOLDER.findall(msgstr))
    if wanted != got:
        found.append(
            f"translation of {msgid[:40]!r} must use the placeholders {sorted(wanted)}, not {sorted(got)}"
        )
    if not markup.problems(msgid.replace("<code>", "").replace("</code>", "")):
        for problem in markup.problems(msgstr):
            found.append(f"translation of {msgid[:40]!r}: {problem}")
    return found


def negotiate(code: str | None, available: Iterable[str]) -> str | None:
    """The best of `available` for a Telegram `language_code` such as `de-AT` or `pt-br`."""
    if not code:
        return None
    shipped = list(available)
    normalised = code.replace("_", "-")
    found = Locale.negotiate([normalised], shipped, sep="-")
    if found is not None:
        return str(found)
    try:
        locale = Locale.parse(normalised, sep="-")
    except (ValueError, UnknownLocaleError):
        base = normalised.split("-")[0].lower()
        return base if base in shipped else None
    return locale.language if locale.language in shipped else None


def language_name(code: str) -> str:
    """A language's name in that language: `Deutsch`, `français`."""
    try:
        name = Locale.parse(code, sep="-").get_display_name(code)
    except (ValueError, UnknownLocaleError):
        return code
    return name or code
