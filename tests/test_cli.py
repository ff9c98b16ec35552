"""The command-line contracts other checks rely on: ask --json, --batch, eval, check."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot import matcher
from bot.check import run_check
from bot.explainer import ways_of_asking
from bot.knowledge import load_knowledge
from bot.paths import KNOWLEDGE_DIR
from tests.conftest import DATA


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def test_ask_json_answers_in_the_question_language() -> None:
    result = run("ask", "--json", "--lang", "en", "Was ist Gesichtserkennung?")
    record = json.loads(result.stdout)
    assert set(record) == {"id", "score", "lang", "answer", "suggestions"}
    assert record["id"] == "facial-recognition" and record["lang"] == "de"
    assert 0 <= record["score"] <= 100
    assert "<" not in record["answer"] and "Gesicht" in record["answer"]


@pytest.mark.parametrize(
    "message, says",
    [
        ("zxcvbn qwertyuiop", "don't know"),  # nothing the knowledge knows
        ("play some music", "outside what I know"),  # the `elsewhere` signpost
    ],
)
def test_ask_json_declines_honestly(message: str, says: str) -> None:
    record = json.loads(run("ask", "--json", message).stdout)
    assert record["id"] is None and record["suggestions"] == []
    assert says in record["answer"]


def test_batch_keeps_order_and_reports_bad_lines() -> None:
    lines = [
        {"text": "fingreprints", "lang": "en"},
        {"text": "qué es el reconocimiento facial", "lang": "en"},
        "not json",
        {"text": "qwertyuiop", "lang": "fr"},
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    out = [
        json.loads(line)
        for line in run("ask", "--json", "--batch", "-", stdin=stdin).stdout.splitlines()
    ]
    assert len(out) == 4
    assert out[0]["id"] == "fingerprints"
    assert (out[1]["id"], out[1]["lang"]) == ("facial-recognition", "es")
    assert out[2]["error"].startswith('line 3: expected {"text": "...", "lang": "de"}')
    assert out[3]["id"] is None and out[3]["lang"] == "fr"


def test_batch_names_a_line_without_a_text() -> None:
    stdin = '{"text": 5}\n["fingerprints"]\n{"lang": "de"}\n'
    out = [
        json.loads(line)
        for line in run("ask", "--json", "--batch", "-", stdin=stdin).stdout.splitlines()
    ]
    assert [record["error"].split(":")[0] for record in out] == ["line 1", "line 2", "line 3"]
    assert all('not an object with a "text" string' in record["error"] for record in out)


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    """`ask --batch FILE | head -1`: the pipe closes while the batch is printed."""
    stdin = "".join(json.dumps({"text": f"fingerprints {i}"}) + "\n" for i in range(400))
    command = [sys.executable, "-m", "bot", "ask", "--json", "--batch", "-"]
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(stdin)
        process.stdin.close()
        first = process.stdout.readline()
        process.stdout.close()  # the reader goes away after one line
        assert process.stderr is not None
        errors = process.stderr.read()
    assert json.loads(first)["id"] == "fingerprints"
    assert "Traceback" not in errors and "BrokenPipeError" not in errors


def test_eval_prints_per_language_figures() -> None:
    result = run("eval", str(DATA / "dev.jsonl"))
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].split()[:2] == ["lang", "in-scope"]
    langs = [line.split()[0] for line in result.stdout.splitlines()[1:7]]
    assert langs == ["de", "en", "es", "fr", "it", "all"]


def test_check_passes_on_shipped_data() -> None:
    result = run("check")
    assert result.returncode == 0, result.stdout
    assert "0 error(s)" in result.stdout
    # no warning, except checks that age with the calendar (a reminder to re-check facts)
    assert not [
        line
        for line in result.stdout.splitlines()
        if ": warning:" in line and "months ago" not in line
    ]
    for name in ["en (English)", "de (Deutsch)", "fr (français)", "it (italiano)", "es (español)"]:
        assert name in result.stdout


def test_check_warns_before_the_knowledge_outgrows_the_second_look(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    count = len(ways_of_asking(load_knowledge(KNOWLEDGE_DIR)))
    monkeypatch.setattr(matcher, "MAX_MEANING_TEXTS", count + 1)  # near the limit
    assert run_check(None, None) == 0  # a warning, not an error
    near = [line for line in capsys.readouterr().out.splitlines() if "second look" in line]
    assert near == [
        f"knowledge:1: warning: {count:,} ways of asking in all languages: the bot will leave "
        f"out, above {count + 1:,}, its second look by meaning, and then answers fewer "
        "questions worded unlike them; drop near-duplicates"
    ]
    monkeypatch.setattr(matcher, "MAX_MEANING_TEXTS", count - 1)
    run_check(None, None)
    assert "the bot leaves out its second look" in capsys.readouterr().out
    monkeypatch.setattr(matcher, "MAX_MEANING_TEXTS", 2 * count)  # far from it
    run_check(None, None)
    assert "second look" not in capsys.readouterr().out


def test_check_fails_with_path_and_line(knowledge_copy: Path) -> None:
    en = knowledge_copy / "en.yaml"
    en.write_text(
        en.read_text(encoding="utf-8").replace("    question: What is biometric data?\n", "", 1),
        encoding="utf-8",
    )
    result = run("check", "--knowledge", str(knowledge_copy))
    assert result.returncode == 1
    assert (
        "en.yaml:" in result.stdout
        and "topic 'biometric-data': missing key 'question'" in result.stdout
    )


def test_broken_knowledge_stops_ask_with_exit_2(knowledge_copy: Path) -> None:
    (knowledge_copy / "topics.yaml").write_text("topics: [oops\n", encoding="utf-8")
    result = run("ask", "--knowledge", str(knowledge_copy), "hello")
    assert result.returncode == 2
    assert "topics.yaml:" in result.stderr and "Traceback" not in result.stderr


def test_eval_never_shows_the_held_out_misses(tmp_path: Path) -> None:
    """The real-question test half is reported, but its misses are never printed: nobody
    writes a way of asking or tunes a setting from them. Another set's misses are (the
    bot learns the tune half's questions, so a set of its own stands in for it here)."""
    missed = {"text": "Can my boss make me clock in with my fingerprint?", "expect": ["ai-act"]}
    tune_like = tmp_path / "tune-like.jsonl"
    tune_like.write_text(json.dumps(missed) + "\n", encoding="utf-8")
    result = run("eval", str(tune_like), str(DATA / "real-test.jsonl"))
    assert result.returncode == 0
    tune, test = result.stdout.split("== ")[1:]
    assert "misses (" in tune and "expected" in tune
    assert "misses not shown: this set is held out" in test
    assert "expected" not in test and "got" not in test
