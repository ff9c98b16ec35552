"""Fit `bot.decision`: when is the matcher's best topic right enough to answer?

    python benchmarks/fit_decision.py [--write] [--tau 0.6] [FILE ...]

Questions: `tests/data/dev.jsonl` and `tests/data/real-tune.jsonl` (or the
FILEs given), never the real questions' test half. Each question is scored
as a stranger's would be: the matcher is rebuilt without the ways of asking
whose tf-idf cosine with the question is at least `--tau` (those written from
it, or as good as), so its signals look like those of a question nobody
wrote a way of asking from. A logistic regression (scikit-learn, the `bench`
extra) learns from the signals whether the best topic is right; the answer
threshold is the one that, in 5-fold cross-validation on the real questions
(three shuffles), answers the most in-scope questions rightly while keeping
wrong answers at most `WRONG_MAX` of them and declining at least
`DECLINED_MIN` of the off-topic ones. `--write` puts the weights and the
threshold into bot/decision.py.

Scoring ~240 questions rebuilds the matcher for about 90 of them (~3-4 min).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.decision import Signals, should_answer  # noqa: E402
from bot.evaluate import DATA, HELD_OUT, read_set  # noqa: E402
from bot.explainer import Explainer, build_matcher, ways_of_asking  # noqa: E402
from bot.features import SparseRow, Vectorizer  # noqa: E402
from bot.matcher import Match, Phrasing  # noqa: E402

C = 3.0  # the regression's inverse regularisation (chosen by the same cross-validation)
WRONG_MAX = 0.035
DECLINED_MIN = 0.88
NAMES = tuple(f.name for f in fields(Signals))  # the order of Signals.values()


@dataclass(frozen=True)
class Scored:
    """One labelled question as a stranger's: its match and what the answer would be."""

    expect: tuple[str | None, ...]
    match: Match
    best: str  # the best-ranked topic, a signpost included
    real: bool  # one of the real questions (the threshold is chosen on those)

    @property
    def in_scope(self) -> bool:
        return any(e is not None for e in self.expect)

    def right(self, signposts: frozenset[str]) -> bool:
        """Would answering the best topic be right?"""
        return self.best in self.expect and self.best not in signposts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--tau", type=float, default=0.6)
    parser.add_argument("--write", action="store_true", help="update bot/decision.py")
    args = parser.parse_args(argv)
    files = args.files or [DATA / "dev.jsonl", DATA / "real-tune.jsonl"]
    if held_out := [f for f in files if f.name in HELD_OUT]:
        parser.error(f"never fit on a held-out set: {', '.join(map(str, held_out))}")
    explainer = Explainer.load()
    signposts = explainer.knowledge.signposts
    likeness = Likeness(ways_of_asking(explainer.knowledge))
    scored = [
        score_as_stranger(explainer, likeness, item, args.tau, f.stem.startswith("real"))
        for f in files
        for item in read_set(f)
        if item["expect"]
    ]
    weighed = [i for i, s in enumerate(scored) if s.match.signals is not None]
    x = np.array([list(scored[i].match.signals.values().values()) for i in weighed])  # type: ignore[union-attr]
    y = np.array([scored[i].right(signposts) for i in weighed], dtype=int)
    threshold, figures = choose_threshold(x, y, scored, weighed, signposts)
    model = LogisticRegression(C=C, max_iter=5000).fit(x, y)
    weights = dict(zip(NAMES, (round(float(w), 3) for w in model.coef_[0]), strict=True))
    bias = round(float(model.intercept_[0]), 3)
    names = [f.stem for f in files]
    print(f"questions: {len(scored)} ({', '.join(names)})")
    print(f"weights: {weights}, bias {bias}")
    print(f"answer at {threshold:.2f}; cross-validated on the real questions: {figures}")
    if args.write:
        write(weights, bias, threshold, len(scored), names)
        print("written to bot/decision.py")
    return 0


class Likeness:
    """Which ways of asking are like a question: tf-idf cosine over the ways of asking."""

    def __init__(self, phrasings: list[Phrasing]) -> None:
        self.phrasings = phrasings
        self.vectorizer, rows = Vectorizer.fit((p.text for p in phrasings), max_columns=10**8)
        self.matrix = self._unit_rows(rows)

    def like(self, text: str, tau: float) -> set[int]:
        """The positions of the ways of asking at least `tau` like `text`."""
        cosine = (self._unit_rows([self.vectorizer.row(text)]) @ self.matrix.T).toarray()[0]
        return set(np.nonzero(cosine >= tau)[0].tolist())

    def _unit_rows(self, rows: Sequence[SparseRow]) -> sp.csr_matrix:
        indptr = np.cumsum([0, *(len(r.columns) for r in rows)])
        columns = np.concatenate([r.columns for r in rows])
        values = np.concatenate([r.values for r in rows])
        matrix = sp.csr_matrix((values, columns, indptr), shape=(len(rows), self.vectorizer.size))
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1))).ravel()
        return sp.csr_matrix(sp.diags(1 / np.maximum(norms, 1e-12)) @ matrix)


def score_as_stranger(
    explainer: Explainer, likeness: Likeness, item: dict, tau: float, real: bool
) -> Scored:
    """A question matched without the ways of asking at least `tau` like it."""
    like = likeness.like(item["text"], tau)
    matcher = explainer.matcher
    if like:
        kept = [p for i, p in enumerate(likeness.phrasings) if i not in like]
        matcher = build_matcher(explainer.knowledge, kept)
    match = matcher.match(item["text"])
    return Scored(tuple(item["expect"]), match, match.ranked[0][0] if match.ranked else "", real)


def choose_threshold(
    x: np.ndarray,
    y: np.ndarray,
    scored: list[Scored],
    weighed: list[int],
    signposts: frozenset[str],
) -> tuple[float, str]:
    """The threshold that answers the most real questions rightly within the limits;
    `weighed`: the positions in `scored` of the rows of `x`."""
    runs = []
    for seed in range(3):
        probability = np.full(len(scored), -1.0)  # declined before weighing: never answers
        probability[weighed] = cross_val_predict(
            LogisticRegression(C=C, max_iter=5000),
            x,
            y,
            cv=StratifiedKFold(5, shuffle=True, random_state=seed),
            method="predict_proba",
        )[:, 1]
        runs.append(probability)
    best: tuple[float, float, str] = (-1.0, 0.5, "none within the limits")
    for threshold in np.arange(0.30, 0.90, 0.02):
        shares = np.mean([_shares(scored, p, float(threshold), signposts) for p in runs], axis=0)
        right, wrong, declined = shares
        if wrong <= WRONG_MAX and declined >= DECLINED_MIN and right > best[0]:
            best = (right, float(threshold), _describe(shares))
    return round(best[1], 2), best[2]


def _shares(
    scored: list[Scored], probability: np.ndarray, threshold: float, signposts: frozenset[str]
) -> tuple[float, float, float]:
    """On the real questions: in-scope answered right, wrong (both of in-scope) and
    off-topic declined; `probability` is aligned with `scored`."""
    right = wrong = inside = declined = outside = 0
    for s, p in zip(scored, probability, strict=True):
        if not s.real:
            continue
        signals = s.match.signals
        answers = signals is not None and should_answer(signals, p, threshold)
        answered = s.best if answers and s.best not in signposts else None
        if s.in_scope:
            inside += 1
            right += answered in s.expect
            wrong += answered is not None and answered not in s.expect
        else:
            outside += 1
            declined += answered is None
    return right / max(inside, 1), wrong / max(inside, 1), declined / max(outside, 1)


def _describe(shares: np.ndarray) -> str:
    right, wrong, declined = (100 * v for v in shares)
    return f"answered right {right:.1f}%, wrong {wrong:.1f}%, off-topic declined {declined:.1f}%"


def write(
    weights: dict[str, float], bias: float, threshold: float, n: int, sets: list[str]
) -> None:
    path = ROOT / "bot" / "decision.py"
    text = path.read_text(encoding="utf-8")
    text, replaced = re.subn(
        r"# Fitted .*\n(?:# .*\n)*WEIGHTS = .*\nBIAS = .*\nANSWER_AT = [0-9.]+",
        f"# Fitted {date.today().isoformat()} by `python benchmarks/fit_decision.py`"
        f" ({' + '.join(sets)}, {n} questions).\n"
        f"WEIGHTS = {json.dumps(weights)}\nBIAS = {bias}\nANSWER_AT = {threshold}",
        text,
    )
    if replaced != 1:
        raise SystemExit(f"{path}: the fitted constants were not found where --write expects them")
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
