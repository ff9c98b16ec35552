"""Matcher benchmarks: `python benchmarks/run.py [--quick]` from the repo root.

0. Real questions: `python -m bot eval`'s figures on every labelled set in
   tests/data (`benchmarks/real.py`), and what starting costs (`benchmarks/cost.py`).
1. CLINC150: 150 intents (10 or all training sentences each) + out-of-scope.
2. xSID: one intent set in 8 languages, knowledge from valid, questions from test.
3. Speed and size: latency, build time and peak RSS on the shipped knowledge
   and on a generated one of 1,000 topics x 5 languages x 10 phrasings.
4. Telegram throughput: updates per second through the real Application against the
   Bot API stand-in, beside a bare python-telegram-bot echo bot (`benchmarks/throughput.py`,
   in a process of its own, as the speed cases are).

Every data set is written in the project's knowledge format, loaded with the
real `load_knowledge` and matched with the real `Matcher` (see
`benchmarks/kb.py`). Baselines run on the same data in the same run (see
`benchmarks/systems.py`); decline thresholds are tuned on validation data only
(see `benchmarks/metrics.py`). Figures go to stdout and to
`benchmarks/results.json` (fractions 0..1, times in ms unless named `_s`).

`--quick` (under 2 minutes; writes results-quick.json) keeps a deterministic subsample of the CLINC150
and xSID questions and fewer latency questions; it says so in its output.

`--validation` (writes results-validation.json) measures CLINC150 and xSID
without their test sets: CLINC150 on val + oos_val, xSID by cross-validation
over its valid sentences. Settings of the matcher are chosen on these figures,
never on the test figures, which are only reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `import bot` and `import benchmarks` from a checkout
    sys.path.insert(0, str(ROOT))

from benchmarks import clinc, cost, metrics, real, speed, throughput, xsid  # noqa: E402
from benchmarks.systems import BASELINE_NAMES  # noqa: E402

SYSTEMS = ("matcher", *BASELINE_NAMES)
SECTIONS = ("real", "cost", "clinc", "xsid", "speed", "telegram")
VALIDATION_SECTIONS = ("clinc", "xsid")
GOALS = {  # issue 9, section 3
    "real-test right topic first": ">= 0.85",
    "real-test answered with the right topic": ">= 0.70",
    "real-test wrong answers, of in-scope": "<= 0.05",
    "real-test off-topic declined": ">= 0.90",
    "real-test answer in the question's language": "1.00",
    "dev answered right / declined": ">= 0.981 / 1.00",
    "blind answered right / declined": ">= 0.944 / 0.90",
    "CLINC150 full accuracy": ">= 0.93",
    "CLINC150 full with declining": "in-scope >= 0.90 at oos recall >= 0.60",
    "CLINC150 k10 accuracy": ">= 0.75",
    "xSID accuracy, each language": ">= 0.94",
    "shipped latency": "median < 1 ms, p99 < 3 ms",
    "model build": "shipped < 2 s, 1,000 topics x 5 languages x 10 < 15 s",
    "python -m bot ask cold start": "<= 2 s",
    "running bot peak RSS": "<= 200 MB",
    "Telegram throughput, bot/echo": ">= 0.90",
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Matcher benchmarks on public data.")
    parser.add_argument("--quick", action="store_true", help="subsample, finish in under 2 minutes")
    parser.add_argument(
        "--data",
        type=Path,
        default=ROOT / "benchmarks" / "data",
        help="folder with clinc150/ and xsid/ (default: benchmarks/data)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="default: benchmarks/results.json (--quick: benchmarks/results-quick.json, so a quick run never replaces full figures)",
    )
    parser.add_argument(
        "--only", default=None, help=f"comma-separated: {','.join(SECTIONS)} (default: all)"
    )
    parser.add_argument(
        "--validation",
        action="store_true",
        help="CLINC150 val and xSID cross-validation figures, no test sets (clinc, xsid only)",
    )
    args = parser.parse_args(argv)
    default = VALIDATION_SECTIONS if args.validation else SECTIONS
    sections = [s for s in (args.only or ",".join(default)).split(",") if s]
    if unknown := set(sections) - set(default):
        parser.error(f"unknown section(s) here: {', '.join(sorted(unknown))}")
    if args.validation:
        return validate(args.data, args.quick, sections, args.output)

    started = time.perf_counter()
    raw: dict[str, Any] = {}
    durations: dict[str, float] = {}
    steps: dict[str, Callable[[], Any]] = {
        "real": real.run,
        "cost": cost.run,
        "clinc": lambda: clinc.run(args.data, args.quick),
        "xsid": lambda: xsid.run(args.data, args.quick),
        "speed": lambda: {
            "shipped": speed.run("shipped", 100 if args.quick else 400, args.data),
            "first_start": speed.first_starts(args.data, 1 if args.quick else speed.FIRST_STARTS),
            "large": speed.run("large", 150 if args.quick else 1000, args.data),
            **({} if args.quick else {"large_load": speed.run("large-load", 0, args.data)}),
        },
        "telegram": lambda: throughput.in_own_process(
            updates=500 if args.quick else 2000, rounds=1 if args.quick else 3
        ),
    }
    if args.quick:
        print(
            "--quick: CLINC150 and xSID questions subsampled (every n-th), fewer latency questions;"
            " figures are indicative only.\n"
        )
    for name in sections:
        t0 = time.perf_counter()
        print(f"running {name} ...", flush=True)
        raw[name] = steps[name]()
        durations[name] = time.perf_counter() - t0
    durations["total"] = time.perf_counter() - started

    results = summarise(raw, args.quick, durations)
    print()
    print(table(results))
    output: Path = args.output or ROOT / "benchmarks" / (
        "results-quick.json" if args.quick else "results.json"
    )
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(output)
    print(
        f"\nwritten {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}"
        f" in {durations['total']:.0f} s"
    )
    return 0


def validate(data: Path, quick: bool, sections: Sequence[str], output: Path | None) -> int:
    """`--validation`: the figures settings are chosen on, with no test set read."""
    started = time.perf_counter()
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "validation": True,
        "quick": quick,
        "matcher_version": matcher_version(),
    }
    if "clinc" in sections:
        print("running clinc (val + oos_val) ...", flush=True)
        results["clinc150"] = clinc.run(data, quick, validation=True)
    if "xsid" in sections:
        print(f"running xsid ({xsid.FOLDS}-fold cross-validation of valid) ...", flush=True)
        results["xsid"] = xsid.run(data, quick, validation=True)
    results["duration_s"] = time.perf_counter() - started
    print()
    print(validation_table(results))
    output = output or ROOT / "benchmarks" / "results-validation.json"
    output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten {output.name} in {results['duration_s']:.0f} s")
    return 0


def validation_table(r: dict[str, Any]) -> str:
    """Matcher and LinearSVC on the validation figures, a row each."""
    lines = [f"{'validation figure':<48} {'matcher':>8} {'linearsvc':>10}"]
    for size, block in r.get("clinc150", {}).get("sizes", {}).items():
        m, svc = block["systems"]["matcher"], block["systems"]["linearsvc"]
        for key, label in (
            ("accuracy", "accuracy"),
            ("accuracy_with_decline", "in-scope acc. at oos recall >= 0.6"),
            ("oos_recall", "oos recall there"),
        ):
            lines.append(f"CLINC150 {size} val: {label:<34} {m[key]:>8.4f} {svc[key]:>10.4f}")
        own = m["own_rule"]
        lines.append(
            f"CLINC150 {size} val: {'bot own rule: in-scope / oos recall':<34}"
            f" {own['accuracy_with_decline']:.3f}/{own['oos_recall']:.3f}"
        )
    for lang, block in r.get("xsid", {}).get("languages", {}).items():
        m, svc = block["systems"]["matcher"], block["systems"]["linearsvc"]
        label = f"xSID {lang} cross-validated accuracy"
        lines.append(f"{label:<48} {m['accuracy']:>8.4f} {svc['accuracy']:>10.4f}")
    return "\n".join(lines)


def summarise(raw: dict[str, Any], quick: bool, durations: dict[str, float]) -> dict[str, Any]:
    """The figures in the shape of results.json: the matcher at the top, baselines below."""
    out: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            # other work on the machine slows every timing: 1, 5 and 15 minute load at the end
            "load_average": os.getloadavg(),
            "processor": platform.processor() or platform.machine(),
        },
        "matcher_version": matcher_version(),
        "durations_s": durations,
        "goals": GOALS,
    }
    baselines: dict[str, dict[str, Any]] = {name: {} for name in BASELINE_NAMES}
    if "real" in raw:
        out["labelled_sets"] = raw["real"]
    if "cost" in raw:
        out["cost"] = raw["cost"]
    if "clinc" in raw:
        c = raw["clinc"]
        out["clinc150"] = {
            "threshold_rule": c["threshold_rule"],
            "questions": c["questions"],
            "subsampled": c["subsampled"],
            "paper_table2": c["paper_table2"],
        }
        for size, block in c["sizes"].items():
            systems = block["systems"]
            meta = {k: v for k, v in block.items() if k != "systems"}
            out["clinc150"][size] = {**systems["matcher"], **meta}
            for name in BASELINE_NAMES:
                baselines[name].setdefault("clinc150", {})[size] = systems[name]
    if "xsid" in raw:
        out["xsid"] = {}
        for lang, block in raw["xsid"]["languages"].items():
            meta = {k: v for k, v in block.items() if k != "systems"}
            out["xsid"][lang] = {**block["systems"]["matcher"], **meta}
            for name in BASELINE_NAMES:
                baselines[name].setdefault("xsid", {})[lang] = block["systems"][name]
    if "speed" in raw:
        shipped, large = raw["speed"]["shipped"], raw["speed"]["large"]
        out["latency_ms"] = {}
        for key, case in (("shipped", shipped), ("large", large)):
            if "error" in case:
                out["latency_ms"][f"{key}_error"] = case["error"]
                continue
            out["latency_ms"][f"{key}_median"] = case["latency_ms"]["median"]
            out["latency_ms"][f"{key}_p99"] = case["latency_ms"]["p99"]
            for name in BASELINE_NAMES:
                lat = case["baselines_latency_ms"].get(name)
                if lat is None:
                    continue
                baselines[name].setdefault("latency_ms", {}).update(
                    {f"{key}_median": lat["median"], f"{key}_p99": lat["p99"]}
                )
        if "error" not in large:
            out["latency_ms"]["large_one_language_median"] = large["latency_one_language_ms"][
                "median"
            ]
        out["speed"] = raw["speed"]
    if "telegram" in raw:
        out["telegram_throughput"] = raw["telegram"]
    out["baselines"] = baselines
    return out


def matcher_version() -> dict[str, Any]:
    """Which matcher was measured: the commit and a fingerprint of bot/matcher.py as run."""
    source = (ROOT / "bot" / "matcher.py").read_bytes()
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = (
            subprocess.run(
                ["git", "diff", "--quiet", "HEAD", "--", "bot"], cwd=ROOT, check=False
            ).returncode
            != 0
        )
    except (OSError, subprocess.CalledProcessError):
        head, dirty = None, None
    return {
        "git_head": head,
        "bot_modified_since_head": dirty,
        "matcher_py_sha256": hashlib.sha256(source).hexdigest()[:12],
    }


def table(r: dict[str, Any]) -> str:
    """A plain-text table: each row with the matcher beside its baselines."""
    rows: list[tuple[str, ...]] = [("benchmark", *SYSTEMS, "goal")]
    base = r["baselines"]

    def row(label: str, mine: Any, path: tuple[str, ...] | None, fmt: str, goal: str = "") -> None:
        others = [_at(base[name], path) if path else None for name in BASELINE_NAMES]
        rows.append((label, *(_fmt(v, fmt) for v in (mine, *others)), goal))

    for name, block in r.get("labelled_sets", {}).items():
        every = block.get("all", {})
        for key, label in (
            ("first_right", "right topic first"),
            ("in_scope_right", "answered right"),
            ("wrong_answers", "wrong answers"),
            ("out_of_scope_declined", "off-topic declined"),
            ("own_language", "own language"),
        ):
            row(f"{name}: {label}", every.get(key), None, ".3f")
    if "cost" in r:
        c = r["cost"]
        row("python -m bot ask cold start s", c["ask_cold_start_s"], None, ".2f", "<= 2 s")
        if "ask_cold_start" in c:  # results written before the model cache lack these
            detail = c["ask_cold_start"]
            row("  ... CPU s", detail["model_trained"].get("cpu_s"), None, ".2f")
            row("  ... peak RSS MB", detail["model_trained"].get("peak_rss_mb"), None, ".0f")
            cached = c["ask_cold_start_cached_s"]
            row("  ... with the model cached s", cached, None, ".2f", "<= 2 s")
            row(
                "  ... with the model cached, CPU s",
                detail["model_cached"].get("cpu_s"),
                None,
                ".2f",
            )
        row("import bot.matcher s", c["matcher_import"]["seconds"], None, ".2f")
        row(
            "import sklearn LinearSVC+TfidfVectorizer s",
            c["sklearn_import"]["seconds"],
            None,
            ".2f",
        )
        row("  ... peak RSS MB", c["sklearn_import"]["peak_rss_mb"], None, ".0f")
    for size in ("k10", "full") if "clinc150" in r else ():
        m, c = r["clinc150"][size], ("clinc150", size)
        full = size == "full"
        label = f"CLINC150 {size}:"
        row(
            f"{label} accuracy (no declining)",
            m["accuracy"],
            (*c, "accuracy"),
            ".3f",
            ">= 0.93" if full else ">= 0.75",
        )
        row(
            f"{label} in-scope acc. with declining",
            m["accuracy_with_decline"],
            (*c, "accuracy_with_decline"),
            ".3f",
            ">= 0.90" if full else "",
        )
        row(
            f"{label} out-of-scope recall",
            m["oos_recall"],
            (*c, "oos_recall"),
            ".3f",
            ">= 0.60" if full else "",
        )
        row(f"{label} threshold (tuned on val)", m["threshold"], (*c, "threshold"), ".2f")
        for name, key in (("point rule", "point_rule"), ("max-sum rule", "max_sum_rule")):
            for shown, figure in (
                ("in-scope acc.", "accuracy_with_decline"),
                ("oos recall", "oos_recall"),
            ):
                row(f"{label} {name}: {shown}", m[key][figure], (*c, key, figure), ".3f")
        row(
            f"{label} bot's own rule: in-scope acc.",
            m["own_rule"]["accuracy_with_decline"],
            None,
            ".3f",
        )
        row(f"{label} bot's own rule: oos recall", m["own_rule"]["oos_recall"], None, ".3f")
        row(f"{label} ms per question", m["ms_per_question"], (*c, "ms_per_question"), ".2f")
    if "xsid" in r:
        langs = list(r["xsid"])
        for lang in langs:
            row(
                f"xSID {lang}: accuracy",
                r["xsid"][lang]["accuracy"],
                ("xsid", lang, "accuracy"),
                ".3f",
                ">= 0.94",
            )
        rows.append(
            (
                "xSID mean accuracy",
                *(
                    _fmt(sum(block[x]["accuracy"] for x in langs) / len(langs), ".3f")
                    for block in (r["xsid"], *(base[name]["xsid"] for name in BASELINE_NAMES))
                ),
                "",
            )
        )
        all_langs = sum(r["xsid"][x]["accuracy_all_languages"] for x in langs) / len(langs)
        row("xSID mean acc., all languages searched", all_langs, None, ".3f")
    lat = r.get("latency_ms", {})
    for key, goal in (("shipped", "< 1 ms"), ("large", "")) if lat else ():
        if f"{key}_median" not in lat:
            row(f"latency {key}", f"error: {lat.get(f'{key}_error')}", None, "")
            continue
        row(
            f"latency {key}: median ms",
            lat[f"{key}_median"],
            ("latency_ms", f"{key}_median"),
            ".3f",
            goal,
        )
        row(
            f"latency {key}: p99 ms",
            lat[f"{key}_p99"],
            ("latency_ms", f"{key}_p99"),
            ".3f",
            "< 3 ms" if key == "shipped" else "",
        )
    speed = r.get("speed", {})
    if "large" in speed and "error" not in speed["large"]:
        large = speed["large"]
        row("latency large, one language: median ms", lat["large_one_language_median"], None, ".3f")
        row("large: index build s", large["build_s"], None, ".2f", "< 15 s")
        if "build_cpu_s" in large:  # results from before it was measured lack it
            row("  ... CPU s", large["build_cpu_s"], None, ".2f")
        row(
            "large: peak RSS MB (index alone)",
            f"{large['peak_rss_mb']:.0f} ({large['index_mb']:.0f})",
            None,
            "",
        )
    # results from before 2026-12-05 18:00 measured one first start, in the latency case
    starts = speed.get("first_start", speed.get("shipped", {}))
    if starts and "error" not in starts:
        runs = starts.get("runs", 1)
        label = f"first start, median of {runs}" if runs > 1 else "first start"
        row(f"{label}: build s (answering)", starts["build_s"], None, ".3f", "< 2 s")
        if "build_cpu_s" in starts:
            row("  ... CPU s", starts["build_cpu_s"], None, ".3f")
        if "ready_s" in starts:  # results from before it was measured lack it
            row("  ... second look ready s", starts["ready_s"], None, ".3f", "< 2 s")
            row("  ... CPU s", starts["ready_cpu_s"], None, ".3f")
    if "shipped" in speed and "error" not in speed["shipped"]:
        row("shipped: peak RSS MB", speed["shipped"]["peak_rss_mb"], None, ".0f", "<= 200")
    if "large_load" in speed and "error" not in speed["large_load"]:
        load = speed["large_load"]
        row(
            "large: load_knowledge s (+ build s)",
            f"{load['load_s']:.1f} (+{load['build_s']:.1f})",
            None,
            "",
        )
    if "telegram_throughput" in r:
        value = r["telegram_throughput"]
        medians = value["medians"]
        row("telegram: bot updates/s (median)", medians["bot"], None, ".0f")
        row("telegram: bare echo bot updates/s (median)", medians["echo"], None, ".0f")
        row("telegram: ratio bot/echo", value["ratio"], None, ".3f", ">= 0.90")
        plumbing = medians.get("echo on the bot's plumbing")
        if plumbing:
            row("telegram: echo on the bot's plumbing updates/s", plumbing, None, ".0f")
            row(
                "telegram: ratio bot/echo on the same plumbing",
                value["ratio_same_plumbing"],
                None,
                ".3f",
            )
    widths = [max(len(cells[i]) for cells in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        )
        for cells in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    if "clinc150" in r:
        lines += ["", "CLINC150 full, Larson et al. 2019 Table 2 (in-scope acc. / oos recall):"]
        lines += [
            f"  {k:<15} {v['accuracy']:.3f} / {v['oos_recall']:.3f}"
            for k, v in r["clinc150"]["paper_table2"].items()
        ]
        lines.append(
            f"threshold rule: {r['clinc150']['threshold_rule']} (point rule: {metrics.POINT_RULE};"
            f" max-sum rule: {metrics.SUM_RULE})"
        )
    return "\n".join(lines)


def _at(block: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(block, dict) or key not in block:
            return None
        block = block[key]
    return block


def _fmt(value: Any, fmt: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, str) or not fmt:
        return str(value)
    return format(value, fmt)


if __name__ == "__main__":
    raise SystemExit(main())
