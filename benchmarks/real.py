"""The labelled question sets of the repository, through the bot's own `eval` figures.

`tests/data/real-tune.jsonl` and `real-test.jsonl` are questions real people
wrote (issue 9); `dev.jsonl` and `questions-blind.jsonl` are our own. Each
question goes through the whole dialogue (`bot.evaluate.judge`), so the
figures are those of `python -m bot eval`. The tune half may inspire
settings; the test half is reported only.
"""

from __future__ import annotations

from typing import Any

from bot.evaluate import default_sets, figures, judge, read_set, shares
from bot.explainer import Explainer


def run() -> dict[str, Any]:
    explainer = Explainer.load()
    out: dict[str, Any] = {}
    for path in default_sets():
        outcomes = [judge(explainer, row) for row in read_set(path)]
        out[path.stem] = shares(figures(outcomes))
    return out
