"""How current the knowledge is: `checked:` months, their warnings, and what users are told."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot import replies
from bot.explainer import Explainer
from bot.freshness import freshness_problems, last_checked, month_name
from bot.i18n import use
from bot.knowledge import load_knowledge
from bot.problems import DataError


def set_checked(path: Path, topic_id: str, month: str) -> None:
    """Give `topic_id` in a language file the line `checked: <month>` (replacing its own)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"  {topic_id}:")
    end = next(
        (
            i
            for i in range(start + 1, len(lines))
            if lines[i].startswith("  ") and lines[i][2] != " "
        ),
        len(lines),
    )
    block = [line for line in lines[start + 1 : end] if not line.startswith("    checked:")]
    lines[start + 1 : end] = [f"    checked: {month}", *block]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def add_french(knowledge: Path, checked: str) -> None:
    """A French file with one topic, translated from the current English."""
    revision = load_knowledge(knowledge).revision("fingerprints")
    asks = "\n".join(f"      - empreintes question {n}" for n in range(8))
    answer = "Les empreintes digitales ne changent jamais au cours de la vie. " * 6
    (knowledge / "fr.yaml").write_text(
        "language: fr\nlinks: {}\ntopics:\n  fingerprints:\n"
        f"    source: {revision}\n    checked: {checked}\n"
        f"    question: Mes empreintes digitales\n    ask:\n{asks}\n"
        f"    answer: |\n      {answer}\n",
        encoding="utf-8",
    )


def messages(knowledge: Path, today: date) -> list[str]:
    return [str(p) for p in freshness_problems(load_knowledge(knowledge), today)]


def test_old_checks_and_translations_behind_english_are_warned(knowledge_copy: Path) -> None:
    en = knowledge_copy / "en.yaml"
    set_checked(en, "fingerprints", "2026-12")
    set_checked(en, "biometric-data", "2025-10")
    add_french(knowledge_copy, checked="2026-11")
    found = messages(knowledge_copy, date(2026, 12, 1))
    assert any(
        "en.yaml:" in m and "'biometric-data' was checked in 2025-10, 14 months ago" in m
        for m in found
    )
    assert any(
        "fr.yaml:4:" in m and "'fingerprints' was checked in 2026-11, before its English" in m
        for m in found
    )
    assert not any("'fingerprints' was checked in 2026-12" in m for m in found)


def test_a_check_twelve_months_old_is_still_current(knowledge_copy: Path) -> None:
    set_checked(knowledge_copy / "en.yaml", "fingerprints", "2025-12")
    found = messages(knowledge_copy, date(2026, 12, 31))
    assert not any("'fingerprints' was checked" in m for m in found)
    assert any("'fingerprints' was checked in 2025-12, 13 months" in m for m in
               messages(knowledge_copy, date(2027, 1, 1)))  # fmt: skip


def test_a_topic_without_checked_is_named(knowledge_copy: Path) -> None:
    text = (knowledge_copy / "en.yaml").read_text(encoding="utf-8")
    (knowledge_copy / "en.yaml").write_text(
        "\n".join(line for line in text.splitlines() if "checked:" not in line) + "\n",
        encoding="utf-8",
    )
    found = messages(knowledge_copy, date(2026, 12, 1))
    assert any("'chilling-effect' has no `checked:`" in m for m in found)


def test_a_malformed_month_is_an_error_with_its_line(knowledge_copy: Path) -> None:
    set_checked(knowledge_copy / "en.yaml", "fingerprints", "December 2026")
    with pytest.raises(DataError) as caught:
        load_knowledge(knowledge_copy)
    errors = [str(p) for p in caught.value.errors]
    assert any(
        "en.yaml:" in e and "checked: 'December 2026' is not a month written like 2026-12" in e
        for e in errors
    )


def test_long_titles_and_link_labels_are_warned_not_refused(knowledge_copy: Path) -> None:
    en = knowledge_copy / "en.yaml"
    text = en.read_text(encoding="utf-8")
    long_title = "What is biometric data, and why should anyone care about it?"
    text = text.replace("question: What is biometric data?", f"question: {long_title}", 1)
    text = text.replace(
        "gdpr: GDPR (full text)", "gdpr: The General Data Protection Regulation (EU)", 1
    )
    en.write_text(text, encoding="utf-8")
    kb = load_knowledge(knowledge_copy)
    warned = [str(p) for p in kb.warnings]
    line = next(n for n, t in enumerate(text.splitlines(), 1) if long_title in t)
    assert any(
        f"en.yaml:{line}: warning: topic 'biometric-data' title (its button) has "
        f"{len(long_title)} characters" in w
        for w in warned
    )
    assert any("label of link 'gdpr' has 43 characters" in w for w in warned)
    assert kb.languages["en"].entries["biometric-data"].question == long_title


def test_users_are_told_the_oldest_english_check(knowledge_copy: Path, locales_copy: Path) -> None:
    en = knowledge_copy / "en.yaml"
    set_checked(en, "fingerprints", "2026-12")
    set_checked(en, "ai-act", "2026-11")
    ex = Explainer.load(knowledge_copy, locales_copy)
    assert last_checked(ex.knowledge) == "2026-11"
    with use(ex.catalogs, "de"):
        text = replies.help_text(ex, "de").html
    assert month_name("2026-11", "de") == "November 2026"
    assert "November 2026" in text
