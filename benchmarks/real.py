"""The labelled question sets of the repository, through the bot's own `eval` figures.

`tests/data/real-tune.jsonl` and `real-test.jsonl` are questions real people
wrote (issue 9); `dev.jsonl` and `questions-blind.jsonl` are our own. Each
question goes through the whole dialogue (`bot.evaluate.judge`), so the
figures are those of `python -m bot eval`. The tune half may inspire
settings; the test half is reported only.

The bot learns the tune half's questions (`knowledge/asked.jsonl`), so its own
figure flatters. Two figures of the tune half stand in for questions from new
sources, and are what settings are chosen on: as strangers
(`benchmarks/stranger.py`: by source folds, without the ways of asking much like a
tune question and without the fold's own questions) and as found (`benchmarks/as_found.py`:
each question asked of the knowledge of the day it was collected; needs the git
history, and is left out without it).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bot.evaluate import default_sets, figures, judge, read_set, shares
from bot.explainer import Explainer


def run() -> dict[str, Any]:
    explainer = Explainer.load()
    out: dict[str, Any] = {}
    for path in default_sets():
        outcomes = [judge(explainer, row) for row in read_set(path)]
        out[path.stem] = shares(figures(outcomes))
    out.update(tune_as_new(explainer))
    return out


def tune_as_new(explainer: Explainer) -> dict[str, Any]:
    """The tune half as strangers and as found (see the module docstring)."""
    from benchmarks import as_found, stranger

    tune = stranger.labelled("real-tune.jsonl")
    outcomes, left_out = stranger.as_strangers(explainer, tune)
    strangers = shares(figures(outcomes))["all"]
    out: dict[str, Any] = {
        "real-tune-as-strangers": {"all": {**strangers, "ways_of_asking_left_out": left_out}}
    }
    try:
        with tempfile.TemporaryDirectory(prefix="as-found-") as cache:
            found, unaskable = as_found.asked_as_found(None, Path(cache))
    except (OSError, subprocess.CalledProcessError) as exc:  # no git, or no history
        out["real-tune-as-found"] = {"all": {}, "error": f"needs the git history: {exc}"}
        return out
    counted = as_found.figures(found)
    names = ("in_scope_right", "first_right", "wrong_answers", "out_of_scope_declined")
    out["real-tune-as-found"] = {
        "all": {
            **{name: share / 100 for name, share in zip(names, counted.shares, strict=True)},
            "in_scope": counted.inside,
            "out_of_scope": counted.outside,
            "left_out_topic_not_yet": unaskable,
        }
    }
    return out
