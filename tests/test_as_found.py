"""`benchmarks/as_found.py` finds, in git history, the knowledge each tune question met."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from benchmarks import as_found


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    run = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-C", str(repo)]
    subprocess.run([*run, "add", "-A"], check=True, capture_output=True)
    subprocess.run([*run, "commit", "-qm", message], check=True, capture_output=True)
    done = subprocess.run([*run, "rev-parse", "HEAD"], check=True, capture_output=True)
    return done.stdout.decode().strip()


def rows(*texts: tuple[str, str]) -> str:
    return "".join(json.dumps({"text": t, "expect": [e]}) + "\n" for t, e in texts)


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    monkeypatch.setattr(as_found, "ROOT", tmp_path)
    tune = as_found.TUNE
    return [
        commit(tmp_path, {"knowledge/en.yaml": "v0\n"}, "knowledge"),
        commit(tmp_path, {tune: rows(("first?", "a"))}, "first collection"),
        commit(tmp_path, {"knowledge/en.yaml": "v1\n"}, "written from it"),
        commit(  # a commit that also writes from what it collects
            tmp_path,
            {tune: rows(("first?", "b"), ("second?", "a")), "knowledge/en.yaml": "v1b\n"},
            "relabel, collect, write",
        ),
        commit(tmp_path, {"knowledge/en.yaml": "v2\n"}, "written from both"),
    ]


def test_each_question_is_dated_by_the_commit_that_added_it(history: list[str]) -> None:
    _, first, _, second, _ = history
    assert as_found.first_seen() == {"first?": first, "second?": second}  # relabels don't count
    assert as_found.first_seen(second) == {"second?": second}


def test_a_question_meets_the_knowledge_of_just_before_its_commit(
    history: list[str], tmp_path: Path
) -> None:
    _, first, _, second, _ = history
    for added, seen in ((first, "v0\n"), (second, "v1\n")):
        into = tmp_path / "out" / added
        knowledge = as_found.knowledge_before(added, into)
        assert (knowledge / "en.yaml").read_text(encoding="utf-8") == seen
