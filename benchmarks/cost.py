"""What the matcher costs to start: `python -m bot ask` cold, and scikit-learn's import.

Each time is the median over `RUNS` fresh interpreters (wall time, seconds); a
peak RSS is the interpreter's own high-water mark (`benchmarks.speed.rss_mb`).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
SKLEARN_IMPORT = (
    "import json, sys; from benchmarks.speed import rss_mb;"
    "from sklearn.svm import LinearSVC; from sklearn.feature_extraction.text import TfidfVectorizer;"
    "print(json.dumps(rss_mb()))"
)
BOT_IMPORT = "import json; from benchmarks.speed import rss_mb; import bot.matcher; print(json.dumps(rss_mb()))"


def run() -> dict[str, Any]:
    ask = [sys.executable, "-m", "bot", "ask", "what is facial recognition"]
    out: dict[str, Any] = {"ask_cold_start_s": _median_seconds(ask)}
    for key, code in (("sklearn_import", SKLEARN_IMPORT), ("matcher_import", BOT_IMPORT)):
        command = [sys.executable, "-c", code]
        seconds = _median_seconds(command)
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        rss = json.loads(done.stdout) if done.returncode == 0 else None
        out[key] = {"seconds": seconds, "peak_rss_mb": rss}
    return out


def _median_seconds(command: list[str]) -> float | None:
    seconds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
        if done.returncode != 0:
            return None
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)
