"""CLINC150 (Larson et al., 2019): 150 intents plus out-of-scope questions.

The 150 intents become topics, their training sentences ways of asking:
"k10" keeps the first 10 training sentences of each intent, "full" all 100.
Decline thresholds are tuned on val + oos_val (see `benchmarks.metrics`);
figures are on test + oos_test.

The out-of-scope training sentences (`oos_train`, 100; 10 in k10) become one
more topic, `oos`, marked as a signpost: what the bot does with off-topic
privacy questions (its `other-privacy` topic). The matcher learns it like any
topic; a question it wins is declined, and it is never a prediction (see
`benchmarks.systems.MatcherSystem`). The baselines are trained on the 150
intents alone, as issue 9 measured them. `OOS_SIGNPOST = False` leaves the
topic out.

`validation=True` (`run.py --validation`) measures on val + oos_val only, for
choosing settings without looking at test figures: accuracy, and in-scope
accuracy at the lowest threshold reaching the recall target on those same
questions. Only the matcher and LinearSVC run then.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks import kb, metrics
from benchmarks.systems import LinearSVCSystem, MatcherSystem, Prediction, System, baselines

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
OOS_INTENT = "oos"  # the out-of-scope sentences' label in the data
OOS_SIGNPOST = True
# --quick keeps every n-th item of each split (deterministic).
QUICK_STEP = {"val": 10, "oos_val": 2, "test": 15, "oos_test": 10}

Split = list[tuple[str, str]]


def load(data_dir: Path) -> dict[str, Split]:
    raw = json.loads((data_dir / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    return {name: [(text, intent) for text, intent in items] for name, items in raw.items()}


def intents_of(train: Split, per_intent: int | None) -> dict[str, dict[str, list[str]]]:
    """Intent -> {"en": its first `per_intent` training sentences (None: all)}."""
    intents: dict[str, dict[str, list[str]]] = {}
    for text, intent in train:
        sentences = intents.setdefault(intent, {"en": []})["en"]
        if per_intent is None or len(sentences) < per_intent:
            sentences.append(text)
    return intents


def run(data_dir: Path, quick: bool, validation: bool = False) -> dict[str, Any]:
    data = load(data_dir)
    names = ("val", "oos_val") if validation else ("val", "oos_val", "test", "oos_test")
    splits = {name: data[name][:: QUICK_STEP[name]] if quick else data[name] for name in names}
    out: dict[str, Any] = {
        "sizes": {},
        "questions": {name: len(items) for name, items in splits.items()},
        "subsampled": quick,
        "validation": validation,
        "oos_signpost": OOS_SIGNPOST,
        "threshold_rule": metrics.RECALL_RULE,
        "paper_table2": {
            k: {"accuracy": a / 100, "oos_recall": r / 100} for k, (a, r) in PAPER_TABLE2.items()
        },
    }
    for size, per_intent in SIZES.items():
        intents = intents_of(data["train"], per_intent)
        known = intents_of([(t, OOS_INTENT) for t, _ in data["oos_train"]], per_intent)
        started = time.perf_counter()
        built = kb.build({**intents, **known} if OOS_SIGNPOST else intents, known)
        build_s = time.perf_counter() - started
        phrasings = built.phrasings(intents, "en")
        systems: list[System] = [
            MatcherSystem(built.matcher, signposts=built.signposts),
            # validation mode: only the row settings are compared with (the others are slow)
            *([LinearSVCSystem(phrasings)] if validation else baselines(phrasings)),
        ]
        figures = {s.name: evaluate(s, splits, built.topic_of) for s in systems}
        figures["matcher"]["build_s"] = build_s
        out["sizes"][size] = {
            "phrasings": sum(len(v["en"]) for v in intents.values()),
            "oos_phrasings": sum(len(v["en"]) for v in known.values()) if OOS_SIGNPOST else 0,
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
    gold: dict[str, list[str]] = {
        name: [topic_of[intent] for _, intent in splits[name]]
        for name in ("val", "test")
        if name in splits
    }
    # validation mode: only val + oos_val, and the figures are theirs
    held = ("test", "oos_test") if "test" in splits else ("val", "oos_val")
    return {
        "accuracy": metrics.accuracy(predicted[held[0]], gold[held[0]]),
        "val_accuracy": metrics.accuracy(predicted["val"], gold["val"]),
        **_declining(predicted, gold, metrics.RECALL_RULE, held),
        "point_rule": _declining(predicted, gold, metrics.POINT_RULE, held),
        "max_sum_rule": _declining(predicted, gold, metrics.SUM_RULE, held),
        **(
            {
                "own_rule": metrics.own_decision(
                    predicted[held[0]], gold[held[0]], predicted[held[1]]
                )
            }
            if system.name == "matcher"
            else {}
        ),
        "ms_per_question": 1000 * seconds / sum(len(v) for v in splits.values()),
    }


def _declining(
    predicted: Mapping[str, Sequence[Prediction]],
    gold: Mapping[str, Sequence[str]],
    rule: str,
    held: tuple[str, str] = ("test", "oos_test"),
) -> dict[str, float]:
    """The threshold `rule` picks on val + oos_val, and what it gives on `held`."""
    tuned = metrics.tune(predicted["val"], gold["val"], predicted["oos_val"], rule)
    in_scope, out_of_scope = held
    return {
        "accuracy_with_decline": metrics.accuracy_with_decline(
            predicted[in_scope], gold[in_scope], tuned.threshold
        ),
        "oos_recall": metrics.oos_recall(predicted[out_of_scope], tuned.threshold),
        "threshold": tuned.threshold,
        "val_accuracy_with_decline": tuned.val_accuracy_with_decline,
        "val_oos_recall": tuned.val_oos_recall,
    }
