"""Questions people asked (`knowledge/asked.jsonl`, `bot/asked.py`): learnt like ways of
asking, and a broken line named by its path and line."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks.asked import asked_lines
from bot.asked import MAX_TEXT
from bot.explainer import Explainer, build_matcher, ways_of_asking
from bot.knowledge import load_knowledge
from bot.paths import KNOWLEDGE_DIR
from bot.problems import DataError
from tests.conftest import ROOT

MUG = "bingo hall took a snap of my mug"


def asked_line(text: str, topic: str = "shops-venues", lang: str = "en") -> str:
    source = "https://example.org/forum/1"
    return json.dumps({"text": text, "lang": lang, "topic": topic, "source": source})


def test_a_question_someone_asked_teaches_the_matcher_its_wording(
    knowledge_copy: Path,
) -> None:
    before = Explainer.load(knowledge_copy).ask(MUG)
    assert before.topic_id != "shops-venues"
    asked = "The bingo hall snaps every punter's mug at the door before letting them in"
    (knowledge_copy / "asked.jsonl").write_text(asked_line(asked) + "\n", encoding="utf-8")
    knowledge = load_knowledge(knowledge_copy)
    assert [(a.topic_id, a.lang, a.text) for a in knowledge.asked] == [
        ("shops-venues", "en", asked)
    ]
    assert ways_of_asking(knowledge)[-1].text == asked
    # another wording of it, not the line itself, is now answered with its topic
    assert Explainer.load(knowledge_copy).ask(MUG).topic_id == "shops-venues"


def test_a_broken_asked_file_names_each_bad_line(knowledge_copy: Path) -> None:
    lines = [
        asked_line("Can a shop scan my face?"),
        "{not json",
        asked_line("Is the AI Act in force?", topic="no-such-topic"),
        asked_line("Where is my data stored?", topic="your-rights"),
        json.dumps({"text": "Who keeps my fingerprints?", "lang": "en"}),
        asked_line("x" * (MAX_TEXT + 1)),
        "[1, 2]",
    ]
    (knowledge_copy / "asked.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_knowledge(knowledge_copy)
    problems = {p.line: p.message for p in caught.value.problems if p.path.endswith("asked.jsonl")}
    assert sorted(problems) == [2, 3, 5, 6, 7]
    assert "not a JSON object" in problems[2] and "not a JSON object" in problems[7]
    assert "'no-such-topic' is not declared in topics.yaml" in problems[3]
    assert "needs topic, source" in problems[5]
    assert f"over {MAX_TEXT} characters" in problems[6]
    assert "asked.jsonl:3:" in str(caught.value)


def test_an_asked_file_that_is_not_utf8_names_its_line(knowledge_copy: Path) -> None:
    data = (asked_line("Can a shop scan my face?") + "\n").encode() + b"\xff\xfe broken\n"
    (knowledge_copy / "asked.jsonl").write_bytes(data)
    with pytest.raises(DataError) as caught:
        load_knowledge(knowledge_copy)
    assert "asked.jsonl:2: not valid UTF-8 text" in str(caught.value)


def test_the_shipped_asked_questions_are_the_tune_half_never_the_held_out_one() -> None:
    asked = load_knowledge(KNOWLEDGE_DIR).asked
    assert asked, "the shipped knowledge learns the tune half's questions"
    data = ROOT / "tests" / "data"
    assert {a.text for a in asked} <= texts(data / "real-tune.jsonl")
    # the held-out half's texts are only counted here: a failure shows no text
    shared_with_held_out = len({a.text for a in asked} & texts(data / "real-test.jsonl"))
    assert shared_with_held_out == 0


def texts(path: Path) -> set[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {json.loads(line)["text"] for line in lines if line.strip()}


def test_asked_questions_wait_for_the_language_and_files_they_need(knowledge_copy: Path) -> None:
    lines = [
        asked_line("Darf ein Laden mein Gesicht scannen?", lang="de"),  # no de.yaml here
        asked_line("¿Puede una tienda escanear mi cara?", lang="es"),
        asked_line("Can a shop scan my face?"),
        asked_line("Is the AI Act in force?", topic="no-such-topic"),
    ]
    (knowledge_copy / "asked.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_knowledge(knowledge_copy)
    [warned_de, warned_es] = [p for p in caught.value.problems if p.warning]
    assert "1 questions in 'de' are not learnt: there is no de.yaml" in str(warned_de)
    assert "'es'" in str(warned_es)
    # while another file has errors, its problem is not buried under this file's
    en = knowledge_copy / "en.yaml"
    en.write_text(en.read_text(encoding="utf-8") + "\n  oops: [\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_knowledge(knowledge_copy)
    paths = {Path(p.path).name for p in caught.value.problems}
    assert paths == {"en.yaml"}


def test_the_tune_half_becomes_asked_lines_with_a_signpost_for_those_to_decline() -> None:
    knowledge = load_knowledge(KNOWLEDGE_DIR)
    own_lines_only = build_matcher(replace(knowledge, asked=()), bar_signposts=False)
    source = "https://example.org/forum/2"
    rows = [
        {"text": "Is WhatsApp safe to use?", "expect": [None]},
        {"text": "thank you so much!", "expect": [None]},
        {"text": "Can my school take my fingerprints?", "expect": ["work-school", "fingerprints"]},
        {"text": "Can my neighbour film my garden?", "expect": [None, "your-rights"]},
    ]
    lines = asked_lines(
        [{**r, "lang": "en", "source": source} for r in rows], own_lines_only, knowledge
    )
    assert [line["topic"] for line in lines] == [
        "other-privacy", "thanks", "work-school", "other-privacy"
    ]  # fmt: skip
    assert lines[0] == {
        "text": rows[0]["text"],
        "lang": "en",
        "topic": "other-privacy",
        "source": source,
    }


def test_an_asked_file_that_cannot_be_read_is_named(knowledge_copy: Path, tmp_path: Path) -> None:
    (knowledge_copy / "asked.jsonl").symlink_to(tmp_path / "gone.jsonl")  # dangling
    with pytest.raises(DataError) as caught:
        load_knowledge(knowledge_copy)
    assert "asked.jsonl:1: cannot read" in str(caught.value)


def test_eval_says_when_a_set_is_learnt(
    knowledge_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.evaluate import run_eval

    asked = "The bingo hall snaps every punter's mug at the door before letting them in"
    (knowledge_copy / "asked.jsonl").write_text(asked_line(asked) + "\n", encoding="utf-8")
    labelled = tmp_path / "set.jsonl"
    rows = [{"text": asked, "expect": ["shops-venues"]}, {"text": MUG, "expect": ["shops-venues"]}]
    labelled.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert run_eval(Explainer.load(knowledge_copy), labelled) == 0
    assert "1 of these questions are learnt as asked" in capsys.readouterr().out
