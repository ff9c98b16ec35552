"""`benchmarks/as_found.py` finds, in git history, the knowledge each tune question met."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from benchmarks import as_found
from bot.explainer import ways_of_asking
from bot.knowledge import load_knowledge
from bot.paths import KNOWLEDGE_DIR


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


def test_extra_ways_of_asking_join_the_topics_and_languages_a_day_had(tmp_path: Path) -> None:
    lines = [
        {"topic": "fingerprints", "lang": "en", "text": "my thumb at the gym door"},
        {"topic": "new-signpost", "lang": "de", "text": "neue Zeile", "signpost": True},
        {"topic": "not-yet", "lang": "en", "text": "a topic this day lacks"},
        {"topic": "fingerprints", "lang": "xx", "text": "a language this day lacks"},
    ]
    path = tmp_path / "extra.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    extra = as_found.read_extra(path)
    assert [e.signpost for e in extra] == [False, True, False, False]
    knowledge = load_knowledge(KNOWLEDGE_DIR)
    own = ways_of_asking(knowledge)
    joined = as_found._with_extra(knowledge, extra)
    assert joined is not None and joined[: len(own)] == own
    assert [(p.topic_id, p.lang, p.text) for p in joined[len(own) :]] == [
        ("fingerprints", "en", "my thumb at the gym door"),
        ("new-signpost", "de", "neue Zeile"),
    ]
    assert as_found._with_extra(knowledge, []) is None


def test_a_bad_extra_line_names_its_path_and_line(tmp_path: Path) -> None:
    path = tmp_path / "extra.jsonl"
    path.write_text('{"topic": "a", "lang": "en", "text": "ok"}\n\n{"topic": "a"}\n', "utf-8")
    with pytest.raises(ValueError, match=r"extra\.jsonl:3: want \{topic, lang, text\}"):
        as_found.read_extra(path)


def test_a_question_meets_the_tune_questions_found_before_it_as_learnt_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    monkeypatch.setattr(as_found, "ROOT", tmp_path)
    tune = as_found.TUNE
    line = {"lang": "en", "source": "https://example.org/1"}
    earlier = [
        {**line, "text": "who keeps my prints?", "expect": ["fingerprints"]},
        {**line, "text": "is whatsapp safe?", "expect": [None]},
        {**line, "text": "come si chiama?", "lang": "xx", "expect": ["fingerprints"]},
    ]
    commit(tmp_path, {tune: "".join(json.dumps(r) + "\n" for r in earlier)}, "first")
    later = [{**line, "text": "new question?", "expect": ["ai-act"]}]
    added = commit(tmp_path, {tune: "".join(json.dumps(r) + "\n" for r in earlier + later)}, "2")
    knowledge = load_knowledge(KNOWLEDGE_DIR)
    learnt = as_found.asked_before(added, knowledge, {"is whatsapp safe?": "other-privacy"})
    # today's topic for each text, else its first expected one; no language it lacks,
    # and nothing found by the commit itself
    assert [(a.text, a.topic_id) for a in learnt] == [
        ("who keeps my prints?", "fingerprints"),
        ("is whatsapp safe?", "other-privacy"),
    ]
    assert as_found.asked_before(added, knowledge, {}) == learnt[:1]
