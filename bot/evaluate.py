"""`python -m bot eval [FILE...]`: how well the matcher does on labelled questions.

Each line is `{"text", "lang", "expect": [topic ids, or null]}`. With no FILE,
every labelled set in the repository (`SETS`) is evaluated in turn. A line with
an empty `expect` (as `questions export` writes them) is not labelled yet: it
is counted and skipped.

A question is in scope when `expect` names a topic. Figures per language:

- in-scope right: the matcher answers one of the expected ids (or declines,
  when null is expected too);
- first right: an expected id comes first, as the answer or as the first
  "did you mean" suggestion;
- wrong answers: answered with a topic not expected, as a share of in-scope
  questions;
- out-of-scope declined: an out-of-scope question (`expect: [null]`) gets no
  answer (a signpost topic's reply counts as declined: `Explainer.ask`);
- own language: the share of answered questions whose reply is in the
  question's language. `lang` is passed as the asker's client language, as
  Telegram would.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.dialogue import Turn, reply_to
from bot.explainer import Explainer
from bot.storage import Store

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"  # in a checkout
SETS = ("dev.jsonl", "questions-blind.jsonl", "real-tune.jsonl", "real-test.jsonl")
COUNTS = ("in", "in_ok", "first_ok", "wrong", "out", "out_ok", "answered", "own_lang")


@dataclass(frozen=True)
class Outcome:
    """One labelled question as the bot handled it."""

    text: str
    lang: str
    expect: tuple[str | None, ...]
    answered: str | None  # the topic answered, None when declined
    first: str | None  # the answer, else the first suggestion
    suggestions: tuple[str, ...]
    reply_lang: str
    score: float

    @property
    def in_scope(self) -> bool:
        return any(e is not None for e in self.expect)

    @property
    def ok(self) -> bool:
        return self.answered in self.expect if self.in_scope else self.answered is None


# Held out: its figures are reported, its misses never shown, so that no way of asking and
# no setting is ever written from them (README, "Real questions").
HELD_OUT = frozenset({"real-test.jsonl"})


def default_sets() -> list[Path]:
    """The labelled sets shipped in tests/data, in order, those that exist."""
    return [DATA / name for name in SETS if (DATA / name).is_file()]


def _learnt(explainer: Explainer, rows: Sequence[dict[str, Any]]) -> int:
    """How many of `rows` the knowledge learns as questions people asked (`bot.asked`)."""
    asked = {a.text for a in explainer.knowledge.asked}
    return sum(row["text"] in asked for row in rows)


def run_eval(explainer: Explainer, paths: Path | Sequence[Path]) -> int:
    """Print each set's figures and misses; exit code 2 when a file cannot be read."""
    paths = [paths] if isinstance(paths, Path) else list(paths)
    status = 0
    for path in paths or default_sets():
        try:
            rows = read_set(path)
        except (OSError, ValueError) as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            status = 2
            continue
        labelled = [row for row in rows if row["expect"]]
        if len(paths) != 1:
            print(f"== {path} ({len(labelled)} questions)")
        outcomes = [judge(explainer, row) for row in labelled]
        print(table(figures(outcomes)))
        if len(rows) > len(labelled):
            print(f"\nnot labelled yet (empty expect), skipped: {len(rows) - len(labelled)}")
        learnt = _learnt(explainer, labelled)
        if learnt:
            print(
                f"\n{learnt} of these questions are learnt as asked (knowledge/asked.jsonl): "
                "their figures flatter; benchmarks/stranger.py scores them as a new source's"
            )
        if path.name in HELD_OUT:
            print("\nmisses not shown: this set is held out (see the README)")
        else:
            print_misses(outcomes)
        if len(paths) != 1:
            print()
    return status


def read_set(path: Path) -> list[dict[str, Any]]:
    """The rows of a JSON-lines set; a broken line is reported as `path:line: problem`."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row.get("text"), str) or not isinstance(row.get("expect"), list):
                raise ValueError("needs a text and an expect list")
        except (ValueError, AttributeError) as exc:
            raise ValueError(f"line {number}: {exc}") from None
        rows.append(row)
    return rows


def judge(explainer: Explainer, row: dict[str, Any]) -> Outcome:
    """Ask the bot one labelled question, as a chat would."""
    lang = row.get("lang") or "en"
    match = explainer.ask(row["text"])
    _, reply_lang = reply_to(Turn(explainer, Store(":memory:"), 0, client_code=lang), match)
    topic = match.topic_id
    suggestions = tuple(match.suggestions)
    return Outcome(
        row["text"],
        lang,
        tuple(row["expect"]),
        topic,
        topic or (suggestions[0] if suggestions else None),
        suggestions,
        reply_lang,
        match.score,
    )


def figures(outcomes: Iterable[Outcome]) -> dict[str, dict[str, int]]:
    """Counts per language and for "all" (see the module docstring)."""
    stats: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for o in outcomes:
        for key in (o.lang, "all"):
            s = stats[key]
            if o.in_scope:
                s["in"] += 1
                s["in_ok"] += o.ok
                s["first_ok"] += o.first in o.expect
                s["wrong"] += o.answered is not None and o.answered not in o.expect
            else:
                s["out"] += 1
                s["out_ok"] += o.ok
            if o.answered is not None:
                s["answered"] += 1
                s["own_lang"] += o.reply_lang == o.lang
    return dict(sorted(stats.items(), key=lambda item: (item[0] == "all", item[0])))


def shares(stats: dict[str, dict[str, int]]) -> dict[str, dict[str, float | None]]:
    """The figures as fractions, for results files."""
    return {
        key: {
            "in_scope_right": _fraction(s["in_ok"], s["in"]),
            "first_right": _fraction(s["first_ok"], s["in"]),
            "wrong_answers": _fraction(s["wrong"], s["in"]),
            "out_of_scope_declined": _fraction(s["out_ok"], s["out"]),
            "own_language": _fraction(s["own_lang"], s["answered"]),
            "in_scope": s["in"],
            "out_of_scope": s["out"],
        }
        for key, s in stats.items()
    }


def table(stats: dict[str, dict[str, int]]) -> str:
    head = ("lang", "in-scope right", "first right", "wrong answers", "out-of-scope declined")
    lines = [f"{head[0]:<5} " + " ".join(f"{h:>18}" for h in head[1:]) + f" {'own language':>16}"]
    for key, s in stats.items():
        cells = (
            _share(s["in_ok"], s["in"]),
            _share(s["first_ok"], s["in"]),
            _share(s["wrong"], s["in"]),
            _share(s["out_ok"], s["out"]),
        )
        lines.append(
            f"{key:<5} "
            + " ".join(f"{c:>18}" for c in cells)
            + f" {_share(s['own_lang'], s['answered']):>16}"
        )
    return "\n".join(lines)


def print_misses(outcomes: Sequence[Outcome]) -> None:
    misses = [o for o in outcomes if not o.ok]
    print(f"\nmisses ({len(misses)}):" if misses else "\nmisses: none")
    for o in misses:
        got = o.answered or f"(declined; suggested {', '.join(o.suggestions) or 'nothing'})"
        print(
            f"  [{o.lang}] {o.text!r}: expected {list(o.expect)}, got {got} (score {o.score:.0f})"
        )


def _fraction(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _share(part: int, whole: int) -> str:
    if not whole:
        return "-"
    return f"{100 * part / whole:5.1f}% ({part}/{whole})"
