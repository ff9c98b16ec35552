"""`python -m bot eval` with no file, and `python -m bot ask --explain`."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.vague import BROAD_THEN_PLACE, first_that
from tests.test_cli import run


def test_eval_without_a_file_evaluates_every_labelled_set() -> None:
    result = run("eval")
    assert result.returncode == 0, result.stderr
    headers = [line for line in result.stdout.splitlines() if line.startswith("== ")]
    assert any("dev.jsonl" in h for h in headers)
    assert any("questions-blind.jsonl" in h for h in headers)
    assert "first right" in result.stdout and "wrong answers" in result.stdout


def test_eval_reports_a_broken_line_with_its_number(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "hi", "expect": [null]}\n{oops\n', encoding="utf-8")
    result = run("eval", str(broken))
    assert result.returncode == 2
    assert f"{broken}: line 2:" in result.stderr and "Traceback" not in result.stderr


def test_ask_explain_shows_candidates_and_what_pushed_them() -> None:
    result = run("ask", "--explain", "what is facial recognition")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("verdict: facial-recognition")
    assert lines[1].startswith("probability the best topic is right: ")
    assert float(lines[1].split(": ")[1].split()[0]) >= 0.5  # answered, so it weighed enough
    assert lines[2].startswith("names the subject ('facial recognition'): ranked without")
    assert lines[3].startswith("facial-recognition: confidence")
    assert "'facial'" in result.stdout or "'facial recognition'" in result.stdout


def test_ask_explain_says_when_small_talk_stood_beside_the_question() -> None:
    result = run("ask", "--explain", "dimmi di più sull'AI Act")  # follow-up ranks first
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("verdict: ai-act")
    assert lines[2].startswith("small talk beside a question: follow-up ranks first")
    assert lines[3].startswith("follow-up: confidence")  # the whole message's ranking
    declined = run("ask", "--explain", "merci, super bot")  # small talk and nothing beside
    assert declined.returncode == 0, declined.stderr
    assert declined.stdout.startswith("verdict: declined")
    assert "small talk beside a question" not in declined.stdout


def test_ask_explain_says_when_a_specific_topic_was_put_before_a_broad_one() -> None:
    moved = re.compile(r"specific before broad: (\S+) offered first, before (\S+)")
    question = first_that(
        BROAD_THEN_PLACE,
        lambda q: moved.search(run("ask", "--explain", q).stdout) is not None,
        "a broad topic first",
    )
    result = run("ask", "--explain", question)
    assert result.returncode == 0, result.stderr
    found = moved.search(result.stdout)
    assert found, result.stdout
    specific, broad = found.groups()
    assert broad in ("facial-recognition", "fingerprints") and specific != broad  # topics.yaml
    verdict = result.stdout.splitlines()[0]
    assert verdict.startswith(f"verdict: declined; suggestions: {specific}, {broad}"), verdict
    plain = run("ask", "--explain", "what is facial recognition")  # answered: nothing moved
    assert "specific before broad" not in plain.stdout
