"""Speed and size of the matcher, each case in its own process.

`python -m benchmarks.speed CASE [--questions N]` prints one JSON object; the
runner (`run()`) starts it in a subprocess so that the peak RSS is the case's
own (see `rss_mb`).

- `shipped`: the knowledge in knowledge/ loaded with `load_knowledge` and
  `build_matcher` with an empty cache directory and `prepare=True`, as the bot's first
  start does: `build_s` until it answers (the sentence encoder's table written while
  the model trains, the encoder then loading in a thread), `ready_s` until its second
  look is ready too (`Matcher.prepare` waits for the encoder); latency is measured
  after that. Questions: the texts of the dev
  set (`tests/data/dev.jsonl`) plus N phrasings of the knowledge with a typo (two neighbouring letters
  swapped in one word), picked by a hash of each text (`drawn`): adding a way of asking
  changes at most one or two of them (a seeded random draw changed all of them, and the
  p99 with them: 1.56 and 4.22 ms on one matcher, 2026-12-04).
- `first-start`: the same knowledge and build as `shipped`, without the questions: only
  `build_s` and `ready_s` (and their CPU times, the peak RSS). `first_starts()` runs it
  `FIRST_STARTS` times, each in a fresh interpreter, and takes the medians: one start
  moved with the machine by half (2.57 s in the run of 2026-12-05 16:10, 1.64-1.69 s alone
  an hour later, the same code).
- `large`: a generated knowledge of 1,000 topics x 5 languages x 10
  phrasings (`benchmarks.synthetic`), Matcher built directly. Questions are
  generated from it too (see there).
- `large-load`: the same knowledge written as knowledge files and loaded
  with `load_knowledge` + `build_matcher`: the bot's start-up/reload cost.

A build is timed twice: wall time (`build_s`) and the process's CPU time
(`build_cpu_s`, `time.process_time`), which other work on the machine inflates
less. `Matcher.match` is timed per question with `time.perf_counter`, searching
all languages (what the bot does); the baselines are timed on the same
questions over the same phrasings (all languages), on a subset for `large`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

if __package__ in (None, ""):  # pragma: no cover - run as a file
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import metrics, synthetic
from benchmarks.systems import baselines
from bot.explainer import build_matcher
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matcher import Matcher, Phrasing
from bot.paths import KNOWLEDGE_DIR
from bot.problems import DataError

ROOT = Path(__file__).resolve().parent.parent
BASELINE_QUESTIONS_LARGE = 100
FIRST_STARTS = 5  # first starts measured, each in its own interpreter: their medians count
START_FIGURES = ("build_s", "build_cpu_s", "ready_s", "ready_cpu_s", "peak_rss_mb")
T = TypeVar("T")


def run(case: str, questions: int, data_dir: Path, timeout: float = 900) -> dict[str, Any]:
    """Run one case in a fresh interpreter and return its figures."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.speed",
        case,
        "--questions",
        str(questions),
        "--data",
        str(data_dir),
    ]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip().splitlines()[-1:] or ["failed"]}
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def first_starts(data_dir: Path, runs: int = FIRST_STARTS) -> dict[str, Any]:
    """The bot's first start `runs` times (`first-start`, a fresh interpreter each): the
    medians of its figures, and each start's."""
    each = [run("first-start", 0, data_dir) for _ in range(runs)]
    ok = [start for start in each if "error" not in start]
    if not ok:
        return each[0]
    medians = {key: statistics.median(start[key] for start in ok) for key in START_FIGURES}
    return {**medians, "runs": len(ok), "each": ok}


def time_each(match: Callable[[T], object], questions: Sequence[T]) -> dict[str, float]:
    seconds = []
    for question in questions:
        started = time.perf_counter()
        match(question)
        seconds.append(time.perf_counter() - started)
    return metrics.latency_summary(seconds)


def drawn(texts: Sequence[str], n: int) -> list[str]:
    """`n` of `texts`, each with a typo (`with_typo`): the texts whose hash is lowest, the
    typo placed by a random seeded with the hash. A text's place and typo depend on it
    alone, so adding texts keeps the others' unless a new one hashes lower."""
    keyed = sorted((hashlib.blake2b(t.encode(), digest_size=8).digest(), t) for t in set(texts))
    return [
        with_typo(text, random.Random(int.from_bytes(digest, "big"))) for digest, text in keyed[:n]
    ]


def with_typo(text: str, rng: random.Random) -> str:
    """`text` with two neighbouring letters swapped in one word of 4+ letters."""
    candidates = [w for w in text.split() if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return text
    word = rng.choice(candidates)
    i = rng.randrange(len(word) - 1)
    swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return text.replace(word, swapped, 1)


def rss_mb() -> float:
    """Peak resident set size of this process so far, MB.

    On Linux `ru_maxrss` survives `exec`: a child started by a big parent
    reports the parent's size. The kernel's per-process high-water mark
    (`VmHWM`) does not, so it is used where it exists.
    """
    return _status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    return _status_mb("VmRSS") or float("nan")


def _status_mb(field: str) -> float | None:
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return None


def first_start(cache_dir: Path) -> tuple[KnowledgeBase, Matcher, dict[str, Any]]:
    """The shipped knowledge loaded and its matcher built as the bot's first start does
    it, with `cache_dir` (empty) as its model cache: the knowledge, the matcher and the
    figures (module doc). The matcher reads from `cache_dir` as long as it lives."""
    for attempt in range(4):  # others may be saving knowledge files right now
        try:
            started = time.perf_counter()
            kb = load_knowledge(KNOWLEDGE_DIR)
            load_s = time.perf_counter() - started
            break
        except DataError:
            if attempt == 3:
                raise
            time.sleep(5)
    # as `python -m bot run` starts the first time: an empty cache directory (the model is
    # trained while the encoder's table is written there, the meaning vectors come from
    # the package's seed or are encoded), and the encoder loading in the background
    # (`prepare=True`): the bot answers from `build_s` on, and its second look is ready
    # from `ready_s` on (`Matcher.prepare()` waits for it)
    started, cpu = time.perf_counter(), time.process_time()
    matcher = build_matcher(kb, cache_dir=cache_dir, prepare=True)
    build_s, build_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    matcher.prepare()
    ready_s, ready_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    figures = {
        "load_s": load_s,
        "build_s": build_s,
        "build_cpu_s": build_cpu_s,
        "ready_s": ready_s,
        "ready_cpu_s": ready_cpu_s,
        "peak_rss_mb": rss_mb(),
    }
    return kb, matcher, figures


def shipped(n_questions: int, data_dir: Path) -> dict[str, Any]:
    before = rss_mb()
    cache = tempfile.TemporaryDirectory(prefix="bot-speed-cache-")  # lives as long as matcher
    try:
        kb, matcher, start = first_start(Path(cache.name))
    except DataError as exc:
        return {"error": f"knowledge does not load: {exc.problems[0] if exc.problems else exc}"}
    phrasings = [
        (entry.topic_id, text)
        for language in kb.languages.values()
        for entry in language.entries.values()
        for text in entry.phrasings
    ]
    dev = ROOT / "tests" / "data" / "dev.jsonl"
    questions = (
        [
            json.loads(line)["text"]
            for line in dev.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        if dev.is_file()
        else []
    )
    questions += drawn([text for _, text in phrasings], n_questions)
    for _, text in phrasings[:20]:  # warm-up
        matcher.match(text)
    latency = time_each(matcher.match, questions)
    peak = rss_mb()
    base = {b.name: time_each(b.predict, questions) for b in baselines(phrasings)}
    return {
        "topics": len(kb.topics),
        "languages": list(kb.languages),
        "phrasings": len(phrasings),
        "questions": len(questions),
        **{key: value for key, value in start.items() if key != "peak_rss_mb"},
        "latency_ms": latency,
        "peak_rss_mb": peak,
        "rss_after_imports_mb": before,
        "baselines_latency_ms": base,
    }


def large(n_questions: int) -> dict[str, Any]:
    before = rss_mb()
    knowledge = synthetic.generate()
    phrasings = [
        Phrasing(t.topic_id, lang, text)
        for t in knowledge.topics
        for lang, texts in t.phrasings.items()
        for text in texts
    ]
    rss_generated = current_rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    matcher = Matcher(phrasings, [t.topic_id for t in knowledge.topics])
    build_s, build_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    index_mb = current_rss_mb() - rss_generated
    questions = synthetic.questions(knowledge, n_questions)
    texts = [q.text for q in questions]
    for q in synthetic.questions(knowledge, 20, seed=99):  # warm-up
        matcher.match(q.text)
    latency = time_each(matcher.match, texts)
    one_language = time_each(lambda q: matcher.match(q.text, [q.lang]), questions)
    on_topic = [q for q in questions if q.topic_id is not None]
    right = sum(_best(matcher, q.text) == q.topic_id for q in on_topic)
    peak = rss_mb()
    pairs = [(p.topic_id, p.text) for p in phrasings]
    base = {
        b.name: time_each(b.predict, texts[:BASELINE_QUESTIONS_LARGE])
        for b in baselines(pairs, trained=False)
    }
    return {
        "topics": len(knowledge.topics),
        "languages": list(synthetic.LANGS),
        "phrasings": len(phrasings),
        "vocabulary_per_language": synthetic.VOCABULARY,
        "questions": len(texts),
        "build_s": build_s,
        "build_cpu_s": build_cpu_s,
        "latency_ms": latency,
        "latency_one_language_ms": one_language,
        "accuracy_on_generated": right / max(len(on_topic), 1),
        "peak_rss_mb": peak,
        "rss_after_imports_mb": before,
        "index_mb": index_mb,
        "baselines_latency_ms": base,
        "baselines_questions": min(len(texts), BASELINE_QUESTIONS_LARGE),
    }


def _best(matcher: Matcher, question: str) -> str | None:
    ranked = matcher.match(question).ranked
    return ranked[0][0] if ranked else None


def large_load() -> dict[str, Any]:
    from benchmarks import kb as kbgen

    knowledge = synthetic.generate()
    intents = {t.topic_id: t.phrasings for t in knowledge.topics}
    with tempfile.TemporaryDirectory(prefix="bench-large-") as tmp:
        kbgen.write_knowledge(Path(tmp), intents, {name: name for name in intents})
        started = time.perf_counter()
        kb = load_knowledge(tmp)
        load_s = time.perf_counter() - started
    started = time.perf_counter()
    build_matcher(kb)
    return {"load_s": load_s, "build_s": time.perf_counter() - started, "peak_rss_mb": rss_mb()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=("shipped", "first-start", "large", "large-load"))
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data")
    args = parser.parse_args(argv)
    if args.case == "shipped":
        result = shipped(args.questions, args.data)
    elif args.case == "first-start":
        with tempfile.TemporaryDirectory(prefix="bot-speed-cache-") as cache:
            try:
                result = first_start(Path(cache))[2]
            except DataError as exc:
                result = {"error": f"knowledge does not load: {exc}"}
    elif args.case == "large":
        result = large(args.questions)
    else:
        result = large_load()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
