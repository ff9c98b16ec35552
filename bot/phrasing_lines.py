"""Pointing `python -m bot check`'s warnings at a way of asking's line in its file.

The loader keeps each topic's line, not each way of asking's: a check that names a way of
asking (`bot.magnets`, `bot.overlaps`) finds its line by reading the language's file once,
when it first has something to say, and looking from the topic's line on.
"""

from __future__ import annotations

from pathlib import Path

from bot.datafiles import data_file_lines
from bot.knowledge import Language
from bot.problems import Problem


class PhrasingLines:
    """The lines of one language's ways of asking."""

    def __init__(self, language: Language) -> None:
        self._language = language
        self._lines: list[str] | None = None

    def line(self, topic_id: str, phrasing: str) -> int:
        """The first line from `topic_id`'s on that holds `phrasing`; the topic's line when
        none does (a quoted line may spell it with escapes)."""
        if self._lines is None:
            self._lines = data_file_lines(Path(self._language.path))
        start = self._language.entries[topic_id].line
        lines = enumerate(self._lines[start:], start + 1)
        return next((n for n, text in lines if phrasing in text), start)

    def warning(self, topic_id: str, phrasing: str, message: str) -> Problem:
        """A warning about `phrasing` of `topic_id`, at its line."""
        return Problem(self._language.path, self.line(topic_id, phrasing), message, warning=True)
