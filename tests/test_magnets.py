"""Typo magnets (`bot.magnets`): `python -m bot check` names a way of asking that misspells
a word its language uses all the time. The shipped knowledge has none, and its real words
one letter from a common one ("gedicht", "dürften", "huelgas") are not taken for typos:
`tests/test_cli.py` checks that `bot check` warns about nothing there."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.check import run_check
from bot.knowledge import load_knowledge
from bot.magnets import COMMON, _one_slip
from bot.paths import KNOWLEDGE_DIR


def test_a_way_of_asking_with_a_misspelt_common_word_is_named_with_its_line(
    knowledge_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    en = knowledge_copy / "en.yaml"
    lines = en.read_text(encoding="utf-8").splitlines(keepends=True)
    topic = lines.index("  more-countries:\n")
    ask = lines.index("    ask:\n", topic)
    lines.insert(ask + 1, '      - "facial recogniton in belgium"\n')
    en.write_text("".join(lines), encoding="utf-8")

    assert run_check(knowledge_copy, None) == 0  # a warning, not an error
    warned = [line for line in capsys.readouterr().out.splitlines() if "misspells" in line]
    assert len(warned) == 1
    assert warned[0].endswith(
        f"en.yaml:{ask + 2}: warning: topic 'more-countries': the way of asking 'facial "
        "recogniton in belgium' misspells 'recognition' as 'recogniton'; if that is meant, "
        "take it out: the bot finds typos itself, and this line draws every question with "
        "the typo to this topic"
    )


@pytest.mark.parametrize(
    ("word", "common", "slip"),
    [
        ("gesichtserkenung", "gesichtserkennung", True),  # a letter dropped
        ("emozzioni", "emozioni", True),  # a letter doubled
        ("fingreprints", "fingerprints", True),  # two neighbours swapped
        ("gedicht", "gesicht", False),  # a letter changed: another word
        ("durften", "durfen", False),  # a letter added that is not doubled: another form
        ("biometric", "biometric", False),
    ],
)
def test_only_slips_of_the_keyboard_count_as_typos(word: str, common: str, slip: bool) -> None:
    assert _one_slip(word, common) is slip


def test_a_misspelt_name_another_language_uses_all_the_time_is_named_too(
    knowledge_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Italian has "predictive policing" in a few lines, English in many: a misspelling in
    Italian is one all the same. A word common in another language only is not:
    "collegio" is Italian, not Spanish "colegio" misspelt."""
    english = load_knowledge(knowledge_copy).languages["en"].entries.values()
    assert sum("predictive" in a.lower() for e in english for a in e.ask) >= COMMON
    shutil.copy(KNOWLEDGE_DIR / "it.yaml", knowledge_copy / "it.yaml")
    italian = knowledge_copy / "it.yaml"
    lines = italian.read_text(encoding="utf-8").splitlines(keepends=True)
    ask = lines.index("    ask:\n", lines.index("  predictive-policing:\n"))
    lines.insert(ask + 1, '      - "predicitve policing in italia"\n')
    italian.write_text("".join(lines), encoding="utf-8")

    assert run_check(knowledge_copy, None) == 0
    warned = [line for line in capsys.readouterr().out.splitlines() if "misspells" in line]
    assert len(warned) == 1
    assert f"it.yaml:{ask + 2}: warning: topic 'predictive-policing'" in warned[0]
    assert "misspells 'predictive' as 'predicitve'" in warned[0]
