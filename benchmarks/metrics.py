"""Accuracy, declining and threshold tuning, the same for every system.

A system declines a question when its best score is below a threshold. The
threshold is tuned on validation data only, by one of two rules:

- `RECALL_RULE`: the lowest threshold at which validation out-of-scope recall
  reaches `TARGET_OOS_RECALL` with 95% confidence: the Wilson score interval's
  lower bound of the recall (k declined of n) is at least the target. CLINC150
  has only 100 out-of-scope validation questions: a recall of exactly 0.60 on
  them is as likely to be 0.54 on new questions (it was: 0.538 on test, with
  this rule's point-estimate form, `POINT_RULE`), so the target needs a margin
  that shrinks with more validation data; with 100 questions the lower bound
  reaches 0.60 at a recall of 0.70. Raising a threshold can only lose in-scope
  answers, so this is also the threshold with the best in-scope accuracy among
  those meeting the rule. This is the rule reported as the main figure.
- `POINT_RULE`: the same with the recall itself at least the target (the main
  rule until 2026-12-02; still reported).
- `SUM_RULE` ("max-sum"): the threshold maximising in-scope accuracy with
  declining + out-of-scope recall (lowest such threshold on ties).
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.systems import Prediction

TARGET_OOS_RECALL = 0.6
WILSON_Z = 1.96  # 95%, two-sided
RECALL_RULE = (
    f"lowest threshold whose validation oos recall has a 95% Wilson lower bound"
    f" >= {TARGET_OOS_RECALL}"
)
POINT_RULE = f"lowest threshold with validation oos recall >= {TARGET_OOS_RECALL}"
SUM_RULE = "threshold maximising validation (in-scope accuracy with declining + oos recall)"


def accuracy(predictions: Sequence[Prediction], gold: Sequence[str]) -> float:
    """Share of questions whose best topic is the gold one (no declining)."""
    return _share(sum(p.topic == g for p, g in zip(predictions, gold, strict=True)), len(gold))


def accuracy_with_decline(
    predictions: Sequence[Prediction], gold: Sequence[str], threshold: float
) -> float:
    right = sum(
        p.topic == g and p.score >= threshold for p, g in zip(predictions, gold, strict=True)
    )
    return _share(right, len(gold))


def oos_recall(predictions: Sequence[Prediction], threshold: float) -> float:
    return _share(
        sum(p.topic is None or p.score < threshold for p in predictions), len(predictions)
    )


@dataclass(frozen=True)
class Tuned:
    threshold: float
    val_accuracy_with_decline: float
    val_oos_recall: float


def tune(
    in_scope: Sequence[Prediction],
    gold: Sequence[str],
    out_of_scope: Sequence[Prediction],
    rule: str,
) -> Tuned:
    """The decline threshold chosen by `rule` on validation predictions."""
    right = sorted(p.score for p, g in zip(in_scope, gold, strict=True) if p.topic == g)
    oos = sorted(p.score if p.topic is not None else -math.inf for p in out_of_scope)
    scores = sorted({p.score for p in (*in_scope, *out_of_scope)})
    candidates = [*scores, scores[-1] + 1.0] if scores else [0.0]  # the last declines everything
    tuned = [
        Tuned(
            t,
            _share(len(right) - bisect.bisect_left(right, t), len(gold)),
            _share(bisect.bisect_left(oos, t), len(oos)),
        )
        for t in candidates  # ascending
    ]
    if rule == RECALL_RULE:
        n = len(oos)
        return next(
            t
            for t in tuned
            if wilson_lower(round(t.val_oos_recall * n), n) >= TARGET_OOS_RECALL or t is tuned[-1]
        )
    if rule == POINT_RULE:
        return next(t for t in tuned if t.val_oos_recall >= TARGET_OOS_RECALL)
    if rule == SUM_RULE:  # max() keeps the first, i.e. lowest, of equal sums
        return max(tuned, key=lambda t: t.val_accuracy_with_decline + t.val_oos_recall)
    raise ValueError(rule)


def wilson_lower(k: int, n: int, z: float = WILSON_Z) -> float:
    """The lower bound of the Wilson score interval of a share of k in n."""
    if n == 0:
        return 0.0
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def own_decision(
    in_scope: Sequence[Prediction], gold: Sequence[str], out_of_scope: Sequence[Prediction]
) -> dict[str, float]:
    """The matcher's own answer/decline decision (`bot.decision`)."""
    return {
        "accuracy_with_decline": _share(
            sum(p.answered == g for p, g in zip(in_scope, gold, strict=True)), len(gold)
        ),
        "oos_recall": _share(sum(p.answered is None for p in out_of_scope), len(out_of_scope)),
    }


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    ms = sorted(s * 1000.0 for s in seconds)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return {"median": statistics.median(ms), "p99": p99, "mean": statistics.fmean(ms), "n": len(ms)}


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0
