"""Hostile knowledge and catalog files: refused with one `path:line` problem each, before
anything is parsed, never hanging, never quoting a file from outside the directory."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.datafiles import MAX_FILE_BYTES
from bot.i18n import load_catalogs
from bot.knowledge import DEFAULT_LIMITS, MAX_PHRASING, Limits, load_knowledge
from bot.problems import DataError
from tests.conftest import ROOT

MAX_ASK, MAX_TOPICS = DEFAULT_LIMITS.ask, DEFAULT_LIMITS.topics

CHECK_TIMEOUT = 60  # a check takes a few seconds; a FIFO read would wait forever
SECRET = "postgres://admin:hunter2@db.internal/prod"


def check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "check", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=CHECK_TIMEOUT, check=False,
    )  # fmt: skip


def problems_of(directory: Path) -> str:
    with pytest.raises(DataError) as caught:
        load_knowledge(directory)
    return str(caught.value)


# ------------------------------------------------------------------ special files


def test_a_fifo_is_refused_without_waiting(knowledge_copy: Path) -> None:
    os.mkfifo(knowledge_copy / "nl.yaml")
    done = check("--knowledge", str(knowledge_copy))
    assert done.returncode == 1, done.stdout
    assert "nl.yaml:1: is not a regular file" in done.stdout


def test_a_symlink_to_a_device_is_refused(knowledge_copy: Path) -> None:
    (knowledge_copy / "nl.yaml").symlink_to("/dev/zero")
    assert "nl.yaml:1: is a symlink to a file outside its directory" in problems_of(knowledge_copy)


def test_a_symlink_out_of_the_directory_is_not_read(knowledge_copy: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(f"links:\n  api:\n    url: {SECRET}\n", encoding="utf-8")
    (knowledge_copy / "links.yaml").unlink()
    (knowledge_copy / "links.yaml").symlink_to(outside)
    shown = problems_of(knowledge_copy)
    assert "links.yaml:1: is a symlink to a file outside its directory" in shown
    assert "hunter2" not in shown


def test_a_symlink_inside_the_directory_is_followed(knowledge_copy: Path) -> None:
    (knowledge_copy / "shared").mkdir()
    (knowledge_copy / "links.yaml").rename(knowledge_copy / "shared" / "links.yaml")
    (knowledge_copy / "links.yaml").symlink_to(knowledge_copy / "shared" / "links.yaml")
    assert load_knowledge(knowledge_copy).links


# ------------------------------------------------------------------ sizes and counts


def test_a_huge_file_is_refused_before_parsing(knowledge_copy: Path) -> None:
    en = knowledge_copy / "en.yaml"
    with en.open("a", encoding="utf-8") as handle:
        handle.write(("# " + "x" * 98 + "\n") * (MAX_FILE_BYTES // 100 + 1))
    done = check("--knowledge", str(knowledge_copy))
    assert done.returncode == 1
    assert f"en.yaml:1: is {en.stat().st_size:,} bytes; the limit is {MAX_FILE_BYTES:,}" in (
        done.stdout
    )


def test_too_many_topics(knowledge_copy: Path) -> None:
    topics = "topics:\n" + "".join(
        f"  t{n}:\n    order: {n}\n    related: []\n    links: [gdpr]\n"
        for n in range(MAX_TOPICS + 1)
    )
    (knowledge_copy / "topics.yaml").write_text(topics, encoding="utf-8")
    assert f"{MAX_TOPICS + 1} topics; at most {MAX_TOPICS} are allowed" in problems_of(
        knowledge_copy
    )


def test_too_many_ways_of_asking_and_too_long_a_question(knowledge_copy: Path) -> None:
    en = knowledge_copy / "en.yaml"
    text = en.read_text(encoding="utf-8")
    many = "".join(f"      - fingerprint question number {n}\n" for n in range(MAX_ASK + 1))
    start = text.index("  fingerprints:\n")
    ask = text.index("    ask:\n", start) + len("    ask:\n")
    text = text[:ask] + many + text[ask:]
    question = text.index("    question: ", start)
    end = text.index("\n", question)
    text = text[:question] + "    question: " + "why " * (MAX_PHRASING // 4 + 1) + text[end:]
    en.write_text(text, encoding="utf-8")
    shown = problems_of(knowledge_copy)
    assert f"ways of asking; at most {MAX_ASK} are allowed" in shown
    assert f"topic 'fingerprints' question is over {MAX_PHRASING} characters" in shown


def test_a_file_full_of_problems_reports_a_bounded_number(knowledge_copy: Path) -> None:
    en = knowledge_copy / "en.yaml"
    junk = "".join(f"unknown-{n}: x\n" for n in range(20_000))
    en.write_text(en.read_text(encoding="utf-8") + junk, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_knowledge(knowledge_copy)
    from_en = [p for p in caught.value.problems if p.path.endswith("en.yaml")]
    assert 0 < len(from_en) <= 100
    assert any("more problems in this file" in p.message for p in from_en)


# ------------------------------------------------------------------ catalogs

LANGUAGE_SET = "Done: I will answer in {language}."


def _edit_german(locales: Path, change: str) -> Path:
    """Append `change` to the German translation of the language confirmation."""
    po = locales / "de" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="de")
    message = next(m for m in catalog if isinstance(m.id, str) and m.id.startswith(LANGUAGE_SET))
    assert "{language}" in message.string
    message.string += change
    with po.open("wb") as handle:
        write_po(handle, catalog, width=100)
    return po


@pytest.mark.parametrize(
    "change",
    [
        "{0}",
        "{",
        "}",
        "{LANGUAGE}",
        "{language.__class__.__mro__}",
        "{language:200000000}",
        "{language!r}",
        "{language[0]}",
    ],
)
def test_a_placeholder_other_than_the_originals_is_refused(locales_copy: Path, change: str) -> None:
    _edit_german(locales_copy, " " + change)
    with pytest.raises(DataError) as caught:
        load_catalogs(locales_copy)
    assert "translation of 'Done: I will answer in {language}" in str(caught.value)
    assert "de/LC_MESSAGES/messages.po:" in str(caught.value)


@pytest.mark.parametrize("plural", ["(n != 1;", "(" * 300 + "n" + ")" * 300, "n ++ 1"])
def test_a_broken_plural_forms_header_is_a_problem_with_its_line(
    locales_copy: Path, plural: str
) -> None:
    po = locales_copy / "de" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    assert "plural=(n != 1);" in text
    po.write_text(text.replace("plural=(n != 1);", f"plural={plural};"), encoding="utf-8")
    line = next(
        n
        for n, t in enumerate(po.read_text(encoding="utf-8").splitlines(), 1)
        if "Plural-Forms" in t
    )
    with pytest.raises(DataError) as caught:
        load_catalogs(locales_copy)
    assert f"messages.po:{line}: invalid Plural-Forms header" in str(caught.value)


def test_a_mo_that_does_not_match_its_po_is_refused(locales_copy: Path) -> None:
    po = locales_copy / "de" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="de")
    message = next(m for m in catalog if isinstance(m.id, str) and m.id.startswith(LANGUAGE_SET))
    message.string += " {0} <script>"
    with po.with_suffix(".mo").open("wb") as handle:
        write_mo(handle, catalog)  # newer than the .po, as the review's case
    with pytest.raises(DataError) as caught:
        load_catalogs(locales_copy)
    assert "messages.mo:1: does not match messages.po" in str(caught.value)


def test_a_mo_compiled_from_its_po_is_accepted(locales_copy: Path) -> None:
    po = locales_copy / "de" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="de")
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    po.with_suffix(".mo").write_bytes(buffer.getvalue())
    assert load_catalogs(locales_copy).translated["de"] > 0


def test_a_fifo_catalog_is_refused(locales_copy: Path) -> None:
    po = locales_copy / "de" / "LC_MESSAGES" / "messages.po"
    po.unlink()
    os.mkfifo(po)
    done = check("--locales", str(locales_copy))
    assert done.returncode == 1
    assert "de/LC_MESSAGES/messages.po:1: is not a regular file" in done.stdout


def test_totals_are_bounded_across_files(knowledge_copy: Path) -> None:
    """Many files each under the limit still make one knowledge base too large to load
    or to match quickly; the totals are checked too (here with small limits)."""
    size = sum(p.stat().st_size for p in knowledge_copy.glob("*.yaml"))
    with pytest.raises(DataError, match=f"{size:,} bytes together; the limit is 1,000"):
        load_knowledge(knowledge_copy, Limits(total_bytes=1000))
    with pytest.raises(DataError, match="questions and ways of asking in all; at most 100 "):
        load_knowledge(knowledge_copy, Limits(phrasings=100))
    assert load_knowledge(knowledge_copy, DEFAULT_LIMITS).topics
