"""The questions people asked, as training texts: write `knowledge/asked.jsonl` from the
tune half of the real questions, and measure what learning them does.

    python benchmarks/asked.py [--write]   # ~1-2 min

Each tune question becomes a line `{text, lang, topic, source}` (see `bot/asked.py`):
its first expected topic (as labelled: `[null, topic]` is first of all one to decline),
or, for a question the bot should decline, the signpost the
knowledge's own ways of asking rank highest for it (`other-privacy` for "is WhatsApp
safe", `thanks` for "thank you"), so that learning it teaches declining. The held-out
half is never read.

It prints the tune half as strangers (`benchmarks/stranger.py`: by source folds, without
the ways of asking much like a tune question) learning no asked questions, and
learning the other folds' ones: a fold's sources are new to the matcher, as a new
source's are, while what others asked is learnt.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.asked import FILE_NAME, Asked  # noqa: E402
from bot.evaluate import DATA, read_set  # noqa: E402
from bot.explainer import Explainer, build_matcher, ways_of_asking  # noqa: E402
from bot.knowledge import KnowledgeBase  # noqa: E402
from bot.matcher import Matcher  # noqa: E402

FALLBACK_SIGNPOST = "other-privacy"


def asked_lines(
    rows: Sequence[dict[str, Any]], matcher: Matcher, knowledge: KnowledgeBase
) -> list[dict[str, Any]]:
    """The tune rows as asked.jsonl lines; `matcher` (without asked questions) picks the
    signpost of a question to decline."""
    lines = []
    for row in rows:
        topic = row["expect"][0]
        if topic is None:
            ranked = matcher.match(row["text"]).ranked
            signposts = [t for t, _, _ in ranked if t in knowledge.signposts]
            topic = signposts[0] if signposts else FALLBACK_SIGNPOST
        lines.append(
            {"text": row["text"], "lang": row["lang"], "topic": topic, "source": row["source"]}
        )
    return lines


def with_asked(explainer: Explainer, lines: Sequence[dict[str, Any]]) -> Explainer:
    """`explainer` whose knowledge has `lines` as its asked questions."""
    asked = tuple(Asked(x["topic"], x["lang"], x["text"], x["source"]) for x in lines)
    return replace(explainer, knowledge=replace(explainer.knowledge, asked=asked))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"write knowledge/{FILE_NAME}")
    args = parser.parse_args(argv)
    explainer = Explainer.load()
    knowledge = explainer.knowledge
    rows = [row for row in read_set(DATA / "real-tune.jsonl") if row["expect"]]
    plain = build_matcher(
        knowledge, ways_of_asking(replace(knowledge, asked=())), bar_signposts=False
    )
    lines = asked_lines(rows, plain, knowledge)
    from benchmarks import stranger  # scikit-learn and scipy: the bench extra

    print("answered right / first right / wrong / off-topic declined, %")
    for name, asked in (("no", ()), ("the other folds'", lines)):
        outcomes, _ = stranger.as_strangers(with_asked(explainer, asked), rows)
        print(
            f"the tune half as strangers, learning {name} asked questions: {stranger.line(outcomes)}"
        )
    if args.write:
        path = ROOT / "knowledge" / FILE_NAME
        text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {len(lines)} questions to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
