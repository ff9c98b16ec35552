"""`python -m bot i18n extract|update|compile|check`: the UI catalogs, with Babel's API.

- extract: collect every `_("...")` in `bot/` into `locales/messages.pot`.
- update:  merge the template into each `locales/<lang>/LC_MESSAGES/messages.po`.
- compile: write `messages.mo` beside each `.po` (optional: the bot compiles
  in memory when a `.mo` is missing or older than its `.po`).
- check:   fail when the template is out of date with the code or a catalog
  has errors; CI runs this.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot import __version__
from bot.datafiles import read_data_file
from bot.i18n import DOMAIN, MAX_CATALOG_BYTES
from bot.paths import LOCALES_DIR, SOURCE_DIR
from bot.problems import display_path

METHOD_MAP = [("**.py", "python")]
KEYWORDS = {"_": None}


def extract() -> Catalog:
    """The template built from the source code as it is now."""
    catalog = Catalog(project="reclaim-your-face-bot", version=__version__, charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(SOURCE_DIR), METHOD_MAP, keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        catalog.add(
            message, None, [(f"bot/{filename}", lineno)],
            auto_comments=comments, context=context,
        )  # fmt: skip
    return catalog


def _po_paths(locales: Path) -> list[Path]:
    return sorted(locales.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def _template_text(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    # no line numbers: the template changes only when strings change, not when code moves
    write_po(buffer, catalog, omit_header=True, sort_output=True, width=100, include_lineno=False)
    return buffer.getvalue()


def run_i18n(action: str, locales: Path | None) -> int:
    locales = locales or LOCALES_DIR
    pot = locales / f"{DOMAIN}.pot"
    template = extract()
    if action == "extract":
        locales.mkdir(parents=True, exist_ok=True)
        pot.write_bytes(_template_text(template))
        print(f"{display_path(pot)}: {len(template)} strings")
        return 0
    if action == "update":
        for po_path in _po_paths(locales):
            catalog = _read(po_path)
            catalog.update(template)
            with po_path.open("wb") as handle:
                write_po(handle, catalog, omit_header=False, sort_output=True, width=100, include_lineno=False,
                         ignore_obsolete=True)  # fmt: skip
            print(f"{display_path(po_path)}: {_summary(catalog)}")
        return 0
    if action == "compile":
        for po_path in _po_paths(locales):
            catalog = _read(po_path)
            with po_path.with_suffix(".mo").open("wb") as handle:
                write_mo(handle, catalog)
            print(f"{display_path(po_path.with_suffix('.mo'))}: {_summary(catalog)}")
        return 0
    return _check(locales, pot, template)


def _read(po_path: Path, *, strict: bool = False) -> Catalog:
    """A catalog, read like the bot reads it (a regular file of bounded size: a FIFO
    or a symlink out of `locales/` raises UnsafeFile instead of hanging or leaking)."""
    locales = po_path.parent.parent.parent
    data = read_data_file(po_path, locales, MAX_CATALOG_BYTES)
    return read_po(io.BytesIO(data), locale=po_path.parent.parent.name, abort_invalid=strict)


def _summary(catalog: Catalog) -> str:
    total = sum(1 for m in catalog if m.id)
    done = sum(1 for m in catalog if m.id and m.string and not m.fuzzy)
    return f"{done}/{total} translated"


def _check(locales: Path, pot: Path, template: Catalog) -> int:
    failed = False
    if not pot.exists() or pot.read_bytes() != _template_text(template):
        print(f"{display_path(pot)}: out of date with the code; run `python -m bot i18n extract`")
        failed = True
    ids = {m.id for m in template if m.id}
    for po_path in _po_paths(locales):
        name = display_path(po_path)
        try:
            catalog = _read(po_path, strict=True)
            write_mo(io.BytesIO(), catalog)
        except Exception as exc:  # any Babel error means the catalog does not compile
            print(f"{name}:{getattr(exc, 'lineno', 1) or 1}: does not compile: {exc}")
            failed = True
            continue
        for message, errors in catalog.check():
            for error in errors:
                print(f"{name}:{message.lineno}: {error}")
                failed = True
        missing = ids - {m.id for m in catalog if m.id}
        if missing:
            print(f"{name}: {len(missing)} string(s) missing; run `python -m bot i18n update`")
            failed = True
        print(f"{name}: {_summary(catalog)}")
    return 1 if failed else 0
