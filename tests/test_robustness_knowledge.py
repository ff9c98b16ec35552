"""Property tests: broken knowledge files always give `path:line` problems, never a traceback."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.explainer import Explainer
from bot.knowledge import load_knowledge
from bot.paths import KNOWLEDGE_DIR
from bot.problems import DataError

PROBLEM_LINE = re.compile(r"^\S+\.yaml:\d+: ")
SOURCE = {
    name: (KNOWLEDGE_DIR / name).read_text(encoding="utf-8")
    for name in ("topics.yaml", "links.yaml", "en.yaml")
}
HUGE = "x" * 100_000


def mutate(text: str, kind: str, where: float, payload: str) -> str:
    lines = text.splitlines(keepends=True)
    i = min(int(where * len(lines)), len(lines) - 1)
    line = lines[i]
    if kind == "delete-line":  # deleted keys
        del lines[i]
    elif kind == "indent":  # broken indentation
        lines[i] = " " + line
    elif kind == "dedent":
        lines[i] = line.lstrip()
    elif (
        kind == "wrong-type" and ":" in line
    ):  # a mapping where text was, a list where a mapping was
        key = line.split(":", 1)[0]
        lines[i] = f"{key}: [{payload!r}, {{a: 1}}]\n"
    elif kind == "huge" and ":" in line:  # huge values
        key = line.split(":", 1)[0]
        lines[i] = f"{key}: {HUGE}\n"
    elif kind == "insert":  # arbitrary text, including odd unicode
        lines.insert(i, payload + "\n")
    elif kind == "duplicate":
        lines.insert(i, line)
    return "".join(lines)


KINDS = st.sampled_from(
    ["delete-line", "indent", "dedent", "wrong-type", "huge", "insert", "duplicate"]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    file=st.sampled_from(sorted(SOURCE)),
    edits=st.lists(st.tuples(KINDS, st.floats(0, 1), st.text(max_size=30)), min_size=1, max_size=4),
)
def test_mutated_knowledge_reports_problems_with_lines(
    file: str, edits: list[tuple[str, float, str]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        for name, text in SOURCE.items():
            (directory / name).write_text(text, encoding="utf-8")
        text = SOURCE[file]
        for kind, where, payload in edits:
            text = mutate(text, kind, where, payload)
        (directory / file).write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_knowledge(directory)
        except DataError as exc:
            assert exc.errors, "a DataError always carries at least one error"
            for problem in exc.errors:
                assert PROBLEM_LINE.match(str(problem)), str(problem)


@settings(max_examples=30, deadline=None)
@given(garbage=st.binary(max_size=200))
def test_random_bytes_in_a_language_file(garbage: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        for name in ("topics.yaml", "links.yaml", "en.yaml"):
            shutil.copy(KNOWLEDGE_DIR / name, directory / name)
        (directory / "fr.yaml").write_bytes(garbage)
        try:
            load_knowledge(directory)
        except DataError as exc:
            assert all(PROBLEM_LINE.match(str(p)) for p in exc.errors)


@settings(max_examples=200, deadline=None)
@given(question=st.text(max_size=300))
def test_matcher_on_arbitrary_unicode(explainer: Explainer, question: str) -> None:
    match = explainer.ask(question)
    assert 0.0 <= match.score <= 100.0
    assert match.topic_id is None or match.topic_id in explainer.knowledge.topics
    assert len(match.suggestions) <= 3
