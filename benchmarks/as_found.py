"""The tune half of the real questions as it was found: each question scored on the
knowledge of the day it was collected, before anyone wrote a way of asking from it.

    python benchmarks/as_found.py [--grid] [--since COMMIT]   # needs git history; 1-3 min

Ways of asking are written from the tune half's misses, so today's knowledge
flatters the tune half. `benchmarks/stranger.py` leaves out the ways of asking that
share much vocabulary with a tune question (tf-idf cosine >= 0.3), but lines written
for the need behind a question in other words stay, and as they grew in number that
measure drifted from the held-out half (2026-12-02: 63.2 / 82.7 / 1.3 / 95.2 against
62.1 / 77.9 / 3.1 / 92.1; 2026-12-03: 76.0 / 88.5 / 1.3 / 93.9 against 66.5 / 77.9 /
5.4 / 89.4). Here history does the leaving out: each tune question is asked of the
knowledge files as they were just before the commit that added the question to
`tests/data/real-tune.jsonl` (git), with today's matcher and decision, today's
labels, today's `subject words` and broad topics, having learnt the tune questions found before it, as
the bot learns the tune half (`knowledge/asked.jsonl`; `--without-asked`: not). Nothing written from it or from any later question is there, as for a
question from a new source today; but the knowledge is older, smaller and (for the
first collections) without topics added since. A question whose expected topics did
not exist yet is left out and counted. The held-out half is never read.

`--grid` also prints the figures at other pairs of answer thresholds (first look,
second look), with the shipped weights, to weigh the decision's thresholds against.
`--since COMMIT`: only questions added by COMMIT or after it. `--extra FILE`: JSON lines
`{"topic", "lang", "text"}` (and `"signpost": true` for a topic that is new and a signpost)
added to each day's knowledge as ways of asking, for its topics and languages: new lines
measured as found, before they land (a new topic counts only when marked a signpost).
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot import decision  # noqa: E402
from bot.asked import Asked  # noqa: E402
from bot.decision import Look  # noqa: E402
from bot.explainer import build_matcher, specific_first, ways_of_asking  # noqa: E402
from bot.knowledge import KnowledgeBase, load_knowledge  # noqa: E402
from bot.matcher import Match, Phrasing  # noqa: E402

TUNE = "tests/data/real-tune.jsonl"
SHOWN = ("answered right", "first right", "wrong", "off-topic declined")
GRID = (0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
SHIPPED = (decision.FIRST_LOOK, decision.SECOND_LOOK)


@dataclass(frozen=True)
class Found:
    """One tune question, where it was found and what each look made of it there."""

    expect: tuple[str | None, ...]
    commit: str  # the commit that added it
    first: Match | None
    second: Match | None
    signposts: frozenset[str]
    broad: frozenset[str] = frozenset()  # today's broad topics (`Explainer.specific_first`)

    @property
    def in_scope(self) -> bool:
        return any(e is not None for e in self.expect)


@dataclass(frozen=True)
class Extra:
    """A way of asking to add to each day's knowledge (`--extra`)."""

    phrasing: Phrasing
    signpost: bool = False  # its topic is new, and a signpost


def read_extra(path: Path) -> list[Extra]:
    """The lines of a `--extra` file; ValueError naming path:line for a bad one."""
    extra = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            phrasing = Phrasing(str(row["topic"]), str(row["lang"]), str(row["text"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: want {{topic, lang, text}}: {exc}") from None
        extra.append(Extra(phrasing, row.get("signpost") is True))
    return extra


def git(*args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, check=True).stdout


def first_seen(since: str | None = None) -> dict[str, str]:
    """Each question text of the tune half -> the commit that first had it (only those
    first had by `since` or a later commit, when given)."""
    commits = git("log", "--reverse", "--format=%H", "--", TUNE).decode().split()
    seen: dict[str, str] = {}
    for commit in commits:
        for text in _texts(commit):
            seen.setdefault(text, commit)
    if since is None:
        return seen
    later = set(commits[commits.index(git("rev-parse", since).decode().strip()) :])
    return {text: commit for text, commit in seen.items() if commit in later}


def _texts(commit: str) -> Iterator[str]:
    for line in git("show", f"{commit}:{TUNE}").decode().splitlines():
        if line.strip():
            yield json.loads(line)["text"]


def knowledge_before(commit: str, into: Path) -> Path:
    """The knowledge files as they were just before `commit`, written under `into`."""
    archive = git("archive", "--format=tar", f"{commit}^", "knowledge")
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "knowledge"


def asked_before(commit: str, knowledge: KnowledgeBase, today: dict[str, str]) -> tuple[Asked, ...]:
    """The questions the bot would have learnt just before `commit`: the tune half as it
    was then (`bot.asked`), each with the topic today's `knowledge/asked.jsonl` gives it
    (`today`: text -> topic; today's labels, as for the questions asked), else its first
    expected topic then; those whose topic or language that day's `knowledge` lacks are
    left out."""
    try:
        lines = git("show", f"{commit}^:{TUNE}").decode().splitlines()
    except subprocess.CalledProcessError:  # the tune half did not exist yet
        return ()
    asked = []
    for line in filter(str.strip, lines):
        row = json.loads(line)
        topic = today.get(row["text"]) or (row["expect"][0] if row.get("expect") else None)
        if (
            topic is not None
            and topic in knowledge.topics
            and row.get("lang") in knowledge.languages
        ):
            asked.append(Asked(topic, row["lang"], row["text"], row.get("source", "")))
    return tuple(asked)


def asked_as_found(
    since: str | None, cache: Path, extra: Sequence[Extra] = (), learn: bool = True
) -> tuple[list[Found], int]:
    """Every tune question asked of the knowledge before its commit (with the `extra` ways
    of asking, and unless `learn` is false, the tune questions found before it as the
    knowledge's asked questions: `asked_before`); how many were left out because none of
    their expected topics existed yet. Commits whose knowledge before them is the same
    (collections landed back to back) share one matcher."""
    rows = [json.loads(line) for line in (ROOT / TUNE).read_text("utf-8").splitlines() if line]
    commit_of = first_seen(since)
    by_knowledge: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    tree_of: dict[str, str] = {}
    for row in rows:
        commit = commit_of.get(row["text"]) if row.get("expect") else None
        if commit is None:
            continue
        if commit not in tree_of:
            tree_of[commit] = git("rev-parse", f"{commit}^:knowledge").decode().strip()
        by_knowledge[tree_of[commit]].append((commit, row))
    found, unaskable = [], 0
    new_signposts = {e.phrasing.topic_id for e in extra if e.signpost}
    shipped = load_knowledge(ROOT / "knowledge")
    today = {a.text: a.topic_id for a in shipped.asked}
    for mine in by_knowledge.values():
        with tempfile.TemporaryDirectory(prefix="as-found-") as tmp:
            knowledge = load_knowledge(knowledge_before(mine[0][0], Path(tmp)))
        knowledge = with_subject_words(knowledge, shipped)
        if learn:
            knowledge = replace(knowledge, asked=asked_before(mine[0][0], knowledge, today))
        matcher = build_matcher(knowledge, _with_extra(knowledge, extra), cache_dir=cache)
        matcher.prepare()
        signposts = knowledge.signposts | new_signposts
        for commit, row in mine:
            expect = tuple(row["expect"])
            topics = [e for e in expect if e is not None]
            if topics and not any(t in knowledge.topics for t in topics):
                unaskable += 1
                continue
            first, second = matcher.looks(row["text"])
            found.append(Found(expect, commit, first, second, signposts, shipped.broad))
    return found, unaskable


def with_subject_words(knowledge: KnowledgeBase, shipped: KnowledgeBase) -> KnowledgeBase:
    """`knowledge` with today's `subject words` (`bot.subject`) in each language today's
    knowledge has: like today's matcher, today's words that keep a question on the
    subject from a signpost (they name the subject, not any question's need)."""
    languages = {
        code: replace(language, subject_words=shipped.languages[code].subject_words)
        if code in shipped.languages
        else language
        for code, language in knowledge.languages.items()
    }
    return replace(knowledge, languages=MappingProxyType(languages))


def _with_extra(knowledge: KnowledgeBase, extra: Sequence[Extra]) -> list[Phrasing] | None:
    """The knowledge's ways of asking and the `extra` ones for its topics (or new
    signposts) and languages; None (the knowledge's own) when there are no extra ones."""
    if not extra:
        return None
    added = [
        e.phrasing
        for e in extra
        if e.phrasing.lang in knowledge.languages
        and (e.phrasing.topic_id in knowledge.topics or e.signpost)
    ]
    return [*ways_of_asking(knowledge), *added]


def verdict(item: Found, looks: tuple[Look, Look]) -> tuple[str | None, str | None]:
    """(the topic answered or None, the first topic offered), each look deciding by its
    `Look` (weights and threshold), as `bot.matcher` decides. At the shipped looks this is
    the bot's verdict; at others, a look that answered as shipped but not by `looks` is
    taken to offer its best topic first (its "did you mean" was not worked out)."""
    last: Match | None = None
    for match, look in zip((item.first, item.second), looks, strict=True):
        if match is None or match.signals is None:
            break
        last = match
        if decision.should_answer(match.signals, look):
            topic = match.ranked[0][0] if match.ranked else None
            return (None, None) if topic in item.signposts else (topic, topic)
    if last is None:
        return None, None
    offered = last.suggestions or ((last.ranked[0][0],) if last.topic_id else ())
    offered = tuple(t for t in offered if t not in item.signposts)
    if last.topic_id is None:  # the bot's own "did you mean": a specific topic first
        offered = specific_first(replace(last, suggestions=offered), item.broad)
    return None, (offered[0] if offered else None)


@dataclass(frozen=True)
class Figures:
    """How the questions fared: counts of in-scope and off-topic questions."""

    right: int  # in scope, answered with an expected topic
    first_right: int  # in scope, an expected topic answered or offered first
    wrong: int  # in scope, answered with another topic
    inside: int
    declined: int  # off-topic, not answered
    outside: int

    @property
    def shares(self) -> tuple[float, float, float, float]:
        """Answered right, first right, wrong (of in-scope) and off-topic declined, in %."""
        inside, outside = max(self.inside, 1), max(self.outside, 1)
        return (
            100.0 * self.right / inside,
            100.0 * self.first_right / inside,
            100.0 * self.wrong / inside,
            100.0 * self.declined / outside,
        )

    @property
    def handled(self) -> int:
        """Questions handled rightly: in scope answered right, or off-topic declined."""
        return self.right + self.declined


def figures(found: Sequence[Found], looks: tuple[Look, Look] = SHIPPED) -> Figures:
    """How `found` fares when each look decides by `looks`."""
    right = first_right = wrong = inside = declined = outside = 0
    for item in found:
        answered, first = verdict(item, looks)
        if item.in_scope:
            inside += 1
            right += answered in item.expect
            first_right += (first if answered is None else answered) in item.expect
            wrong += answered is not None and answered not in item.expect
        else:
            outside += 1
            declined += answered is None
    return Figures(right, first_right, wrong, inside, declined, outside)


def at(looks: tuple[Look, Look], first: float, second: float) -> tuple[Look, Look]:
    """`looks` with these answer thresholds."""
    return replace(looks[0], answer_at=first), replace(looks[1], answer_at=second)


def line(values: Sequence[float]) -> str:
    return " / ".join(f"{v:.1f}" for v in values)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grid", action="store_true", help="other answer thresholds too")
    parser.add_argument("--since", help="only questions added by this commit or later")
    parser.add_argument("--cache", type=Path, help="model cache directory to keep between runs")
    parser.add_argument("--extra", type=Path, help="JSON lines of ways of asking to add")
    parser.add_argument(
        "--without-asked", action="store_true", help="learn no tune questions (as before 3f74042)"
    )
    args = parser.parse_args(argv)
    try:
        extra = read_extra(args.extra) if args.extra else []
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    with tempfile.TemporaryDirectory(prefix="as-found-cache-") as tmp:
        learn = not args.without_asked
        found, unaskable = asked_as_found(args.since, args.cache or Path(tmp), extra, learn)
    inside = sum(item.in_scope for item in found)
    print(f"{len(found)} tune questions ({inside} in scope), {unaskable} left out (topic not yet)")
    print(f"{', '.join(SHOWN)}, %")
    shipped = f"{SHIPPED[0].answer_at} / {SHIPPED[1].answer_at}"
    print(f"as found, answer thresholds {shipped}: {line(figures(found).shares)}")
    if args.grid:
        for first in GRID:
            for second in GRID:
                figures_at = figures(found, at(SHIPPED, first, second)).shares
                print(f"  {first:.2f} / {second:.2f}: {line(figures_at)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
