"""Ways of asking two topics share (`bot.overlaps`): `python -m bot check` names the later
line with the other topic's line. The shipped knowledge has none: `tests/test_cli.py`
checks that `bot check` warns about nothing there."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.check import run_check
from bot.knowledge import load_knowledge


def test_a_way_of_asking_another_topic_has_in_other_words_order_is_named_with_both_lines(
    knowledge_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asks = load_knowledge(knowledge_copy).languages["en"].entries["countries"].ask
    theirs = next(a for a in asks if len(set(a.split())) >= 4)
    reordered = " ".join(reversed(theirs.split()))
    en = knowledge_copy / "en.yaml"
    lines = en.read_text(encoding="utf-8").splitlines(keepends=True)
    ask = lines.index("    ask:\n", lines.index("  get-involved:\n"))  # after `countries`
    lines.insert(ask + 1, f'      - "{reordered}"\n')
    en.write_text("".join(lines), encoding="utf-8")
    their_line = 1 + next(
        n for n, line in enumerate(lines) if n > lines.index("  countries:\n") and theirs in line
    )

    assert run_check(knowledge_copy, None) == 0  # a warning, not an error
    warned = [line for line in capsys.readouterr().out.splitlines() if "same words" in line]
    assert warned == [
        f"{en}:{ask + 2}: warning: topic 'get-involved': the way of asking {reordered!r} "
        f"has the same words as {theirs!r} of topic 'countries' (line {their_line}); a "
        "question in those words is taught to both topics, so keep it in the one that "
        "answers it"
    ]


def test_ways_of_asking_of_one_topic_or_with_other_words_are_not_named(
    knowledge_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = load_knowledge(knowledge_copy).languages["en"].entries
    theirs = next(a for a in entries["countries"].ask if len(set(a.split())) >= 4)
    own = " ".join(reversed(theirs.split()))
    near = theirs + " today"  # one word more: another question
    en = knowledge_copy / "en.yaml"
    lines = en.read_text(encoding="utf-8").splitlines(keepends=True)
    ask = lines.index("    ask:\n", lines.index("  countries:\n"))
    lines.insert(ask + 1, f'      - "{own}"\n')
    ask = lines.index("    ask:\n", lines.index("  get-involved:\n"))
    lines.insert(ask + 1, f'      - "{near}"\n')
    en.write_text("".join(lines), encoding="utf-8")

    assert run_check(knowledge_copy, None) == 0
    assert "same words" not in capsys.readouterr().out
