"""`python -m bot chat` in a terminal: answers are wrapped at the terminal's width."""

from __future__ import annotations

import os
import subprocess
import sys

from bot.terminal_chat import wrap
from tests.conftest import ROOT


def chat(stdin: str, columns: int) -> str:
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "40"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--lang", "en"],
        input=stdin, capture_output=True, text=True, cwd=ROOT, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_answers_fit_the_terminal_width() -> None:
    out = chat("what is facial recognition\n", columns=50)
    lines = out.splitlines()
    assert "facial recognition" in out.lower()
    too_wide = [line for line in lines if len(line) > 50 and "https://" not in line]
    assert too_wide == []
    assert any(line.startswith("     [1] ") for line in lines)  # buttons still numbered


def test_wrapping_keeps_every_word_and_paragraph() -> None:
    text = "First paragraph " * 12 + "\n\nSecond https://example.org/" + "x" * 80
    wrapped = wrap(text, 40, first="bot> ")
    assert wrapped.split() == ["bot>", *text.split()]
    assert "\n\n" in wrapped.replace("     \n", "\n")  # the blank line between paragraphs
    assert all(len(line) <= 39 for line in wrapped.splitlines() if "https://" not in line)
