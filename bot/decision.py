"""Whether the best topic is right: a probability from four signals, to answer or not.

The matcher ranks topics; this module decides whether the best one is right
enough to answer. A question that is a way of asking as written (`EXACT`) is
always answered. It is a logistic regression over four signals of the best
topic, each of which is evidence on its own:

- `confidence`: its share of the softmax over the combined scores (0-1);
- `lexical`: how well its ways of asking match the words (0-1, `bot.lexical`);
- `margin`: how far the classifier puts it ahead of the runner-up;
- `agrees`: whether the classifier alone ranks it first too.

The weights were fitted by `benchmarks/fit_decision.py` on the labelled dev
questions and the tune half of the real questions (never on the test half),
scored as if the knowledge had not been written from them: for each question
the matcher is rebuilt without the ways of asking most like it (tf-idf cosine
>= 0.6), so that the signals look like those of a question nobody has seen.
Fitted on the questions as they are, the signals of questions the ways of
asking were written from would look more certain than a stranger's, and the
bot would answer real people too timidly. `ANSWER_AT` is the probability,
chosen by cross-validation there, that keeps wrong answers rare without
declining more off-topic questions. Refit after changing the classifier or
its features: the signals' scales move with them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Fitted 2026-12-02 by `python benchmarks/fit_decision.py` (dev + real-tune, 346 questions).
# Then no way of asking had yet been written from real-tune's last 108 rows (new that day). Kept
# since: a refit at 04:35, after ways of asking were written from them, gave other weights
# (confidence 0.67, lexical 3.48, margin 0.65, agrees 0.72, bias -2.67) at the same 0.58.
WEIGHTS = {"confidence": 1.153, "lexical": 3.5, "margin": 0.571, "agrees": 0.314}
BIAS = -2.554
ANSWER_AT = 0.58  # answer when the best topic is right with at least this probability
EXACT = 0.95  # a lexical score this high is a way of asking as written: always answered


@dataclass(frozen=True)
class Signals:
    """What is known about the best topic of one question."""

    confidence: float  # 0-1
    lexical: float  # 0-1
    margin: float  # classifier score of the best topic minus the runner-up's
    agrees: bool  # the classifier alone ranks the best topic first

    def values(self) -> dict[str, float]:
        return {
            "confidence": self.confidence,
            "lexical": self.lexical,
            "margin": self.margin,
            "agrees": float(self.agrees),
        }


def probability(signals: Signals) -> float:
    """The estimated probability that the best topic is the right answer."""
    z = BIAS + sum(WEIGHTS[name] * value for name, value in signals.values().items())
    return 1.0 / (1.0 + math.exp(-z))


def should_answer(signals: Signals, chance: float | None = None, at: float = ANSWER_AT) -> bool:
    """Answer a way of asking as written (`EXACT`), else when the probability reaches `at`.
    `chance` replaces `probability(signals)`: the fit tries its cross-validated ones."""
    return signals.lexical >= EXACT or (probability(signals) if chance is None else chance) >= at
