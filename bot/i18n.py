"""UI strings through gettext catalogs, and the choice of a shipped language.

Strings in the code are written `_("Hello, {name}!").format(name=...)` so that
Babel's extractor sees them. The catalog in use travels in a ContextVar, set
per reply with `use(catalogs, lang)`, so handlers never pass a language around.

Catalogs are `locales/<lang>/LC_MESSAGES/messages.po`, compiled in memory at
load time, so nobody who installs the bot has to run a compile step. A `.mo`
beside a `.po` (from `python -m bot i18n compile`) must hold the same
translations: a stale or hand-made one is reported, never served unchecked.

Translators' placeholders are checked strictly: a `msgstr` may use only the
msgid's `{names}`, plain (no index, attribute, conversion or format spec), and
no stray brace; anything else would fail or misbehave when the text is
formatted (`{0}`, `{language.__class__}`, `{language:200000000}`).
"""

from __future__ import annotations

import gettext
import io
import re
import string
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
from bot.datafiles import UnsafeFile, read_data_file
from bot.problems import DataError, Problem, display_path

DOMAIN = "messages"
_NAME = re.compile(r"^[a-z_]+$")
MAX_CATALOG_BYTES = 1_000_000  # the shipped catalogs are about 12 kB
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
        found = _load_catalog(po_path, locales)
        problems.extend(found.problems)
        if found.translations is not None:
            translations[lang] = found.translations
            counts[lang] = found.translated
    if any(not p.warning for p in problems):
        raise DataError(problems)
    return Catalogs(MappingProxyType(translations), MappingProxyType(counts))


@dataclass
class _Loaded:
    problems: list[Problem]
    translations: gettext.GNUTranslations | None = None
    translated: int = 0


def _load_catalog(po_path: Path, locales: Path) -> _Loaded:
    """One catalog, checked: its text, its placeholders and markup, its Plural-Forms
    header, and the `.mo` beside it."""
    name = display_path(po_path)
    try:
        data = read_data_file(po_path, locales, MAX_CATALOG_BYTES)
        catalog = read_po(io.BytesIO(data), locale=po_path.parent.parent.name, abort_invalid=True)
    except UnsafeFile as exc:
        return _Loaded([Problem(name, 0, str(exc))])
    except Exception as exc:  # Babel raises several types for broken files
        line = int(getattr(exc, "lineno", 0) or 0)
        return _Loaded([Problem(name, line, f"cannot read catalog: {exc}")])
    problems = [
        Problem(name, message.lineno or 0, f"{message.id!r}: {error}")
        for message, errors in catalog.check()
        for error in errors
    ]
    for message in catalog:
        for text in translation_problems(message.id, message.string):
            problems.append(Problem(name, message.lineno or 0, text))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    try:
        translations = gettext.GNUTranslations(io.BytesIO(buffer.getvalue()))
    except (ValueError, RecursionError, OverflowError, SyntaxError) as exc:
        line = _header_line(data, b"Plural-Forms")
        problems.append(Problem(name, line, f"invalid Plural-Forms header: {exc}"))
        return _Loaded(problems)
    problems.extend(_mo_problems(po_path, locales, translations))
    translated = sum(1 for m in catalog if m.id and m.string and not m.fuzzy)
    return _Loaded(problems, translations, translated)


def _header_line(data: bytes, header: bytes) -> int:
    for number, line in enumerate(data.splitlines(), 1):
        if header in line:
            return number
    return 0


def _mo_problems(po_path: Path, locales: Path, expected: gettext.GNUTranslations) -> list[Problem]:
    """A `.mo` beside the `.po` must hold the same translations (headers aside)."""
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists() and not mo_path.is_symlink():
        return []
    name = display_path(mo_path)
    try:
        compiled = gettext.GNUTranslations(
            io.BytesIO(read_data_file(mo_path, locales, MAX_CATALOG_BYTES))
        )
    except UnsafeFile as exc:
        return [Problem(name, 0, str(exc))]
    except Exception as exc:  # gettext raises OSError, ValueError, struct.error...
        return [Problem(name, 0, f"not a valid .mo file ({type(exc).__name__}); delete it")]
    if _messages(compiled) != _messages(expected):
        return [
            Problem(
                name,
                0,
                f"does not match {po_path.name}: run `python -m bot i18n compile` or delete it",
            )
        ]
    return []


def _messages(translations: gettext.GNUTranslations) -> dict[object, str]:
    catalog: dict[object, str] = getattr(translations, "_catalog", {})
    return {key: value for key, value in catalog.items() if key != ""}


def translation_problems(msgid: object, msgstr: object) -> list[str]:
    """A translation must keep the `{placeholders}` exactly and the markup valid."""
    ids = msgid if isinstance(msgid, (tuple, list)) else (msgid,)
    strings = msgstr if isinstance(msgstr, (tuple, list)) else (msgstr,)
    if not all(isinstance(text, str) for text in (*ids, *strings)) or not ids[0]:
        return []
    wanted = set().union(*(_placeholders(text) or set() for text in ids))
    plural = len(ids) > 1  # a form such as "one topic" may leave {count} out
    found = []
    for text in strings:
        if not text:
            continue
        what = f"translation of {ids[0][:40]!r}"
        got = _placeholders(text)
        if got is None:
            found.append(
                f"{what}: use placeholders exactly as written, e.g. {{{sorted(wanted)[0]}}}"
                if wanted
                else f"{what}: has a brace or placeholder, which the original does not have"
            )
        elif got != wanted and not (plural and got <= wanted):
            found.append(f"{what} must use the placeholders {sorted(wanted)}, not {sorted(got)}")
        if not markup.problems(ids[0].replace("<code>", "").replace("</code>", "")):
            for problem in markup.problems(text):
                found.append(f"{what}: {problem}")
    return found


def _placeholders(text: str) -> set[str] | None:
    """The `{names}` in a text, or None if any brace is not a plain `{name}` field
    (a stray brace, an index, an attribute, a conversion or a format spec)."""
    names: set[str] = set()
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return None
    for _literal, field, spec, conversion in fields:
        if field is None:
            continue
        if not _NAME.match(field) or spec or conversion is not None:
            return None
        names.add(field)
    return names


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
