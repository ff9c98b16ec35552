"""CLINC150 (Larson et al., 2019): 150 intents plus out-of-scope questions.

The 150 intents become topics, their training sentences ways of asking:
"k10" keeps the first 10 training sentences of each intent, "full" all 100.
Decline thresholds are tuned on val + oos_val (see `benchmarks.metrics`);
figures are on test + oos_test.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks import kb, metrics
from benchmarks.systems import MatcherSystem, Prediction, System, baselines

SIZES = {"k10": 10, "full": None}
# Larson et al. 2019, Table 2, full data: (in-scope accuracy, out-of-scope recall), %.
PAPER_TABLE2 = {
    "FastText": (89.0, 9.7),
    "SVM": (91.0, 14.5),
    "DialogFlow": (91.7, 14.0),
    "Rasa": (91.5, 45.3),
    "MLP": (93.5, 47.4),
    "BERT": (96.9, 40.3),
    "BERT+threshold": (96.2, 52.3),
}
# --quick keeps every n-th item of each split (deterministic).
QUICK_STEP = {"val": 10, "oos_val": 2, "test": 15, "oos_test": 10}

Split = list[tuple[str, str]]


def load(data_dir: Path) -> dict[str, Split]:
    raw = json.loads((data_dir / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    return {name: [(text, intent) for text, intent in items] for name, items in raw.items()}


def intents_of(train: Split, per_intent: int | None) -> dict[str, dict[str, list[str]]]:
    intents: dict[str, dict[str, list[str]]] = {}
    for text, intent in train:
        sentences = intents.setdefault(intent, {"en": []})["en"]
        if per_intent is None or len(sentences) < per_intent:
            sentences.append(text)
    return intents


def run(data_dir: Path, quick: bool) -> dict[str, Any]:
    data = load(data_dir)
    splits = {
        name: data[name][:: QUICK_STEP[name]] if quick else data[name]
        for name in ("val", "oos_val", "test", "oos_test")
    }
    out: dict[str, Any] = {
        "sizes": {},
        "questions": {name: len(items) for name, items in splits.items()},
        "subsampled": quick,
        "threshold_rule": metrics.RECALL_RULE,
        "paper_table2": {
            k: {"accuracy": a / 100, "oos_recall": r / 100} for k, (a, r) in PAPER_TABLE2.items()
        },
    }
    for size, per_intent in SIZES.items():
        intents = intents_of(data["train"], per_intent)
        started = time.perf_counter()
        built = kb.build(intents)
        build_s = time.perf_counter() - started
        systems: list[System] = [
            MatcherSystem(built.matcher),
            *baselines(built.phrasings(intents, "en")),
        ]
        figures = {s.name: evaluate(s, splits, built.topic_of) for s in systems}
        figures["matcher"]["build_s"] = build_s
        out["sizes"][size] = {
            "phrasings": sum(len(v["en"]) for v in intents.values()),
            "topics_via_loader": built.via_loader,
            "topics_direct": built.direct,
            "systems": figures,
        }
    return out


def evaluate(system: System, splits: dict[str, Split], topic_of: dict[str, str]) -> dict[str, Any]:
    started = time.perf_counter()
    predicted = {
        name: [system.predict(text) for text, _ in items] for name, items in splits.items()
    }
    seconds = time.perf_counter() - started
    gold = {name: [topic_of[intent] for _, intent in splits[name]] for name in ("val", "test")}
    return {
        "accuracy": metrics.accuracy(predicted["test"], gold["test"]),
        "val_accuracy": metrics.accuracy(predicted["val"], gold["val"]),
        **_declining(predicted, gold, metrics.RECALL_RULE),
        "max_sum_rule": _declining(predicted, gold, metrics.SUM_RULE),
        **(
            {
                "own_rule": metrics.own_decision(
                    predicted["test"], gold["test"], predicted["oos_test"]
                )
            }
            if system.name == "matcher"
            else {}
        ),
        "ms_per_question": 1000 * seconds / sum(len(v) for v in splits.values()),
    }


def _declining(
    predicted: Mapping[str, Sequence[Prediction]], gold: Mapping[str, Sequence[str]], rule: str
) -> dict[str, float]:
    tuned = metrics.tune(predicted["val"], gold["val"], predicted["oos_val"], rule)
    return {
        "accuracy_with_decline": metrics.accuracy_with_decline(
            predicted["test"], gold["test"], tuned.threshold
        ),
        "oos_recall": metrics.oos_recall(predicted["oos_test"], tuned.threshold),
        "threshold": tuned.threshold,
        "val_accuracy_with_decline": tuned.val_accuracy_with_decline,
        "val_oos_recall": tuned.val_oos_recall,
    }
