"""Questions people asked in public, learnt like ways of asking (`knowledge/asked.jsonl`).

Each line is a JSON object: `text` (the question as someone wrote it, typos and all),
`lang` (the language it is written in), `topic` (the topic whose answer serves the asker;
a question the bot should decline names a signpost, such as `other-privacy`) and
`source` (the public page it was found on). The lines are the tune half of the real
questions (`tests/data/real-tune.jsonl`), written by `python benchmarks/asked.py
--write`; never the held-out half. The matcher learns them as it learns the ways of
asking, in the language they were asked in: real people's wording teaches what our own
lines do not. They are never shown, so they are not translated and need no own words.

The file is optional. A broken line is reported as `path:line: problem`, as in the
YAML files, and a line naming a topic the knowledge lacks is an error. Lines in a
language with no knowledge file are left out with one warning for the language, and
while another knowledge file has errors the file is not read at all: a broken `fr.yaml`
or `topics.yaml` would otherwise bury its own problem under hundreds of this file's.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from bot.datafiles import MAX_FILE_BYTES, UnsafeFile, read_data_file
from bot.problems import Problem, display_path

FILE_NAME = "asked.jsonl"
MAX_TEXT = 1_000  # characters; real questions run longer than ways of asking
MAX_PROBLEMS = 100


@dataclass(frozen=True)
class Asked:
    """One question someone asked, and the topic that serves it."""

    topic_id: str
    lang: str
    text: str
    source: str


def read_asked(
    directory: Path,
    topics: Collection[str],
    languages: Collection[str],
    problems: list[Problem],
    limit: int = MAX_FILE_BYTES,
) -> tuple[Asked, ...]:
    """The questions of `directory`'s asked.jsonl (none when there is no such file); each
    bad line adds a problem naming its line and is left out."""
    path = directory / FILE_NAME
    if not path.exists() and not path.is_symlink():  # a dangling symlink is reported
        return ()
    name = display_path(path)
    try:
        raw = read_data_file(path, directory, limit)
    except UnsafeFile as exc:
        problems.append(Problem(name, 0, str(exc)))
        return ()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, raw[: exc.start].count(b"\n") + 1, "not valid UTF-8 text"))
        return ()
    asked, errors = [], 0
    unread: Counter[str] = Counter()  # lines per language without a knowledge file
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        item, problem = _parse(line, topics)
        if item is not None and item.lang not in languages:
            unread[item.lang] += 1
        elif item is not None:
            asked.append(item)
        else:
            errors += 1
            if errors <= MAX_PROBLEMS:
                problems.append(Problem(name, number, problem))
    if errors > MAX_PROBLEMS:
        problems.append(Problem(name, 0, f"{errors - MAX_PROBLEMS} more lines with problems"))
    for lang, count in sorted(unread.items()):
        message = f"{count} questions in {lang!r} are not learnt: there is no {lang}.yaml"
        problems.append(Problem(name, 0, message, warning=True))
    return tuple(asked)


def _parse(line: str, topics: Collection[str]) -> tuple[Asked | None, str]:
    """One line as an `Asked`, or None and what is wrong with it."""
    try:
        row = json.loads(line)
    except ValueError as exc:
        return None, f"not a JSON object: {exc.args[0] if exc.args else exc}"
    if not isinstance(row, dict):
        return None, "not a JSON object"
    keys = ("text", "lang", "topic", "source")
    fields = {key: row[key] for key in keys if isinstance(row.get(key), str) and row[key]}
    missing = [key for key in keys if key not in fields]
    if missing:
        return None, f"needs {', '.join(missing)} (each a non-empty string)"
    text, lang, topic, source = (str(fields[key]) for key in keys)
    if len(text) > MAX_TEXT:
        return None, f"text is over {MAX_TEXT} characters"
    if topic not in topics:
        return None, f"topic {topic!r} is not declared in topics.yaml"
    return Asked(topic, lang, text, source), ""
