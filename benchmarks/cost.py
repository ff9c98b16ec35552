"""What the matcher costs to start: `python -m bot ask` cold, and scikit-learn's import.

`python -m bot ask` is a fresh interpreter that loads the knowledge and builds the
matcher, measured two ways, the runs interleaved so that both see the same load:

- `model_trained`: its model cache (`bot.modelcache`) is an empty directory, as at
  the first start after the knowledge or the code changed: it trains the model and
  writes the cache. This is `ask_cold_start_s`, the figure the goal is about.
- `model_cached`: the cache holds the model for this knowledge, as at every later
  start: `ask_cold_start_cached_s`.

Each figure is the median over `RUNS` runs: wall time, the child's CPU time (user +
system, which other work on the machine inflates less than wall time) and its peak
RSS (`os.wait4` in a small launcher, `LAUNCHER`: taken by this process, it also counted
the runner's own pages, ~700 MB, until 2026-12-04). The imports are medians of wall time
over as many fresh interpreters; their peak RSS is the interpreter's own high-water mark
(`benchmarks.speed.rss_mb`).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
QUESTION = "what is facial recognition"
SKLEARN_IMPORT = (
    "import json, sys; from benchmarks.speed import rss_mb;"
    "from sklearn.svm import LinearSVC; from sklearn.feature_extraction.text import TfidfVectorizer;"
    "print(json.dumps(rss_mb()))"
)
BOT_IMPORT = "import json; from benchmarks.speed import rss_mb; import bot.matcher; print(json.dumps(rss_mb()))"


def run() -> dict[str, Any]:
    out: dict[str, Any] = dict(ask_cold_start())
    for key, code in (("sklearn_import", SKLEARN_IMPORT), ("matcher_import", BOT_IMPORT)):
        command = [sys.executable, "-c", code]
        seconds = _median_seconds(command)
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        rss = json.loads(done.stdout) if done.returncode == 0 else None
        out[key] = {"seconds": seconds, "peak_rss_mb": rss}
    return out


def ask_cold_start(runs: int = RUNS) -> dict[str, Any]:
    """`python -m bot ask` with the model trained (empty cache) and with it cached."""
    ask = [sys.executable, "-m", "bot", "ask", QUESTION]
    trained: list[dict[str, float]] = []
    cached: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="bot-cost-") as scratch:
        warm = str(Path(scratch) / "warm")
        if _child(ask, {"BOT_CACHE_DIR": warm}) is None:  # fills the warm cache
            return {"ask_cold_start_s": None, "ask_cold_start_cached_s": None}
        for i in range(runs):
            cold = str(Path(scratch) / f"cold-{i}")  # a new, empty directory each time
            for figures, cache in ((trained, cold), (cached, warm)):
                measured = _child(ask, {"BOT_CACHE_DIR": cache})
                if measured is not None:
                    figures.append(measured)
    summary = {"model_trained": _medians(trained), "model_cached": _medians(cached)}
    return {
        "ask_cold_start_s": summary["model_trained"].get("wall_s"),
        "ask_cold_start_cached_s": summary["model_cached"].get("wall_s"),
        "ask_cold_start": {**summary, "runs": runs, "question": QUESTION},
    }


# Starts the command given after it and prints the command's wall time, CPU time and peak RSS.
# A small process between us and the command: a child's peak RSS (`wait4`) counts the pages
# of the process it was forked from, and this runner, after the labelled sets, holds ~700 MB.
LAUNCHER = """
import json, os, sys, time
devnull = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]
started = time.perf_counter()
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ, file_actions=devnull)
_, status, usage = os.wait4(pid, 0)
print(json.dumps({
    "wall_s": time.perf_counter() - started,
    "code": os.waitstatus_to_exitcode(status),
    "cpu_s": usage.ru_utime + usage.ru_stime,
    "peak_rss_mb": usage.ru_maxrss / 1024,  # Linux: kB
}))
"""


def _child(command: list[str], env: Mapping[str, str]) -> dict[str, float] | None:
    """Run `command` once (through `LAUNCHER`): its wall time, CPU time and peak RSS; None
    if it failed."""
    done = subprocess.run(
        [sys.executable, "-S", "-c", LAUNCHER, *command],
        cwd=ROOT,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return None
    measured = json.loads(done.stdout)
    if measured.pop("code") != 0:
        return None
    return {key: float(value) for key, value in measured.items()}


def _medians(runs: list[dict[str, float]]) -> dict[str, float]:
    if not runs:
        return {}
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def _median_seconds(command: list[str]) -> float | None:
    seconds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
        if done.returncode != 0:
            return None
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


if __name__ == "__main__":  # python -m benchmarks.cost: the cold start figures alone
    print(json.dumps(ask_cold_start(), indent=2))
