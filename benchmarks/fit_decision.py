"""Fit `bot.decision`: when is the matcher's best topic right enough to answer?

    python benchmarks/fit_decision.py [--write] [--tau 0.3] [FILE ...]

Questions: `tests/data/dev.jsonl` and `tests/data/real-tune.jsonl` (or the
FILEs given), never the real questions' test half. Each question is scored
as a stranger's would be: the questions are split into `FOLDS` folds by
source, and for each fold the matcher is rebuilt without every way of asking
whose tf-idf cosine with one of the fold's questions is at least `--tau`
(those written from it, or sharing much of its vocabulary), so that its
signals look like those of questions nobody wrote a way of asking from
(`benchmarks/stranger.py` shows that at 0.3 the tune half then scores close
to the held-out half). Both looks are scored for every question
(`Matcher.looks`). For each look a logistic regression (scikit-learn, the
`bench` extra) learns from its signals (the keys of the shipped weights)
whether its best topic is right. The pair of thresholds is the one that, with
the regressions cross-validated over the same folds, answers the most real
in-scope questions rightly while keeping wrong answers at most `WRONG_MAX` of
them and declining at least `DECLINED_MIN` of the off-topic ones. `--write`
puts the weights and thresholds into bot/decision.py.

It builds the matcher once per fold: ~1-2 min.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot import decision  # noqa: E402
from bot.decision import Look, Signals  # noqa: E402
from bot.evaluate import DATA, HELD_OUT, read_set  # noqa: E402
from bot.explainer import Explainer, build_matcher, ways_of_asking  # noqa: E402
from bot.features import SparseRow, Vectorizer  # noqa: E402
from bot.matcher import Match, Matcher, Phrasing  # noqa: E402

C = 3.0  # the regressions' inverse regularisation
TAU = 0.3
FOLDS = 5
WRONG_MAX = 0.03
DECLINED_MIN = 0.93
THRESHOLDS = np.round(np.arange(0.40, 0.96, 0.05), 2)


@dataclass(frozen=True)
class Scored:
    """One labelled question as a stranger's: what each look would decide."""

    expect: tuple[str | None, ...]
    first: Match | None
    second: Match | None
    real: bool  # one of the real questions (the thresholds are chosen on those)
    fold: int

    @property
    def in_scope(self) -> bool:
        return any(e is not None for e in self.expect)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--tau", type=float, default=TAU)
    parser.add_argument("--write", action="store_true", help="update bot/decision.py")
    args = parser.parse_args(argv)
    files = args.files or [DATA / "dev.jsonl", DATA / "real-tune.jsonl"]
    if held_out := [f for f in files if f.name in HELD_OUT]:
        parser.error(f"never fit on a held-out set: {', '.join(map(str, held_out))}")
    explainer = Explainer.load()
    signposts = explainer.knowledge.signposts
    items = [
        (item, f.stem.startswith("real")) for f in files for item in read_set(f) if item["expect"]
    ]
    scored = score_as_strangers(explainer, items, args.tau)
    first = Fitted.of(scored, lambda s: s.first, decision.FIRST_LOOK, signposts)
    second = Fitted.of(scored, lambda s: s.second, decision.SECOND_LOOK, signposts)
    (at_first, at_second), figures = choose_thresholds(scored, first, second, signposts)
    looks = (first.look(at_first), second.look(at_second))
    print(f"questions: {len(scored)} ({', '.join(f.stem for f in files)}), tau {args.tau}")
    for name, look in zip(("first", "second"), looks, strict=True):
        print(f"{name} look: {look.weights}, bias {look.bias}, answer at {look.answer_at}")
    print(f"cross-validated on the real questions: {figures}")
    if args.write:
        write(*looks, len(scored), [f.stem for f in files])
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

    def matcher_without(
        self, explainer: Explainer, texts: Iterable[str], tau: float
    ) -> tuple[Matcher, int]:
        """The matcher without every way of asking at least `tau` like one of `texts`, and
        how many it left out."""
        left_out: set[int] = set()
        for text in texts:
            left_out |= self.like(text, tau)
        kept = [p for i, p in enumerate(self.phrasings) if i not in left_out]
        return build_matcher(explainer.knowledge, kept), len(left_out)

    def _unit_rows(self, rows: Sequence[SparseRow]) -> sp.csr_matrix:
        indptr = np.cumsum([0, *(len(r.columns) for r in rows)])
        columns = np.concatenate([r.columns for r in rows])
        values = np.concatenate([r.values for r in rows])
        matrix = sp.csr_matrix((values, columns, indptr), shape=(len(rows), self.vectorizer.size))
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1))).ravel()
        return sp.csr_matrix(sp.diags(1 / np.maximum(norms, 1e-12)) @ matrix)


def fold_of(item: dict) -> int:
    """The question's fold: by its source, so that one page's questions stay together."""
    key = item.get("source") or item["text"]
    return int(hashlib.sha1(key.encode()).hexdigest(), 16) // 2 % FOLDS


def score_as_strangers(
    explainer: Explainer, items: list[tuple[dict, bool]], tau: float
) -> list[Scored]:
    """Each question's looks, from a matcher without the ways of asking at least `tau`
    like any question of its fold; `items`: (question, one of the real ones)."""
    likeness = Likeness(ways_of_asking(explainer.knowledge))
    scored = []
    for fold in range(FOLDS):
        mine = [(item, real) for item, real in items if fold_of(item) == fold]
        matcher, _ = likeness.matcher_without(explainer, (item["text"] for item, _ in mine), tau)
        matcher.prepare()
        for item, real in mine:
            first, second = matcher.looks(item["text"])
            scored.append(Scored(tuple(item["expect"]), first, second, real, fold))
    return scored


def _right(match: Match, expect: Sequence[str | None], signposts: frozenset[str]) -> bool:
    """Would answering the match's best topic be right?"""
    best = match.ranked[0][0] if match.ranked else ""
    return best in expect and best not in signposts


@dataclass(frozen=True)
class Fitted:
    """One look's regression, fitted on every question that look weighs, and each
    question's cross-validated probability (by position in the scored list)."""

    names: tuple[str, ...]
    coef: tuple[float, ...]
    bias: float
    chance: dict[int, float]

    @classmethod
    def of(
        cls,
        scored: list[Scored],
        look_of: Callable[[Scored], Match | None],
        shipped: Look,
        signposts: frozenset[str],
    ) -> Fitted:
        names = tuple(shipped.weights)
        weighed = [i for i, s in enumerate(scored) if _signals(look_of(s)) is not None]
        x = np.array([_row(_signals(look_of(scored[i])), names) for i in weighed])
        y = np.array([_right(look_of(scored[i]), scored[i].expect, signposts) for i in weighed])  # type: ignore[arg-type]
        folds = np.array([scored[i].fold for i in weighed])
        chance = np.zeros(len(weighed))
        for fold in range(FOLDS):
            model = LogisticRegression(C=C, max_iter=5000).fit(x[folds != fold], y[folds != fold])
            chance[folds == fold] = model.predict_proba(x[folds == fold])[:, 1]
        model = LogisticRegression(C=C, max_iter=5000).fit(x, y)
        return cls(
            names,
            tuple(round(float(w), 3) for w in model.coef_[0]),
            round(float(model.intercept_[0]), 3),
            dict(zip(weighed, chance.tolist(), strict=True)),
        )

    def look(self, answer_at: float) -> Look:
        return Look(dict(zip(self.names, self.coef, strict=True)), self.bias, answer_at)


def _signals(match: Match | None) -> Signals | None:
    return None if match is None else match.signals


def _row(signals: Signals | None, names: tuple[str, ...]) -> list[float]:
    assert signals is not None
    values = signals.values()
    return [values[name] for name in names]


def choose_thresholds(
    scored: list[Scored], first: Fitted, second: Fitted, signposts: frozenset[str]
) -> tuple[tuple[float, float], str]:
    """The pair of thresholds that answers the most real questions rightly within the
    limits, with the cross-validated probabilities."""
    best: tuple[float, tuple[float, float], str] = (-1.0, (0.5, 0.5), "none within the limits")
    for at_first in THRESHOLDS:
        for at_second in THRESHOLDS:
            shares = _shares(scored, first, second, (float(at_first), float(at_second)), signposts)
            right, wrong, declined = shares
            if wrong <= WRONG_MAX and declined >= DECLINED_MIN and right > best[0]:
                best = (right, (float(at_first), float(at_second)), _describe(shares))
    return best[1], best[2]


def answered(
    s: Scored, position: int, first: Fitted, second: Fitted, at: tuple[float, float]
) -> Match | None:
    """The look that answers the question at thresholds `at`, if one does."""
    for match, fitted, threshold in ((s.first, first, at[0]), (s.second, second, at[1])):
        signals = _signals(match)
        if signals is None:
            return None
        if decision.should_answer(signals, fitted.chance[position], threshold):
            return match
    return None


def _shares(
    scored: list[Scored],
    first: Fitted,
    second: Fitted,
    at: tuple[float, float],
    signposts: frozenset[str],
) -> tuple[float, float, float]:
    """On the real questions: in-scope answered right, wrong (both of in-scope) and
    off-topic declined."""
    right = wrong = inside = declined = outside = 0
    for position, s in enumerate(scored):
        if not s.real:
            continue
        match = answered(s, position, first, second, at)
        topic = match.ranked[0][0] if match is not None else None
        topic = None if topic in signposts else topic
        if s.in_scope:
            inside += 1
            right += topic in s.expect
            wrong += topic is not None and topic not in s.expect
        else:
            outside += 1
            declined += topic is None
    return right / max(inside, 1), wrong / max(inside, 1), declined / max(outside, 1)


def _describe(shares: tuple[float, float, float]) -> str:
    right, wrong, declined = (100 * v for v in shares)
    return f"answered right {right:.1f}%, wrong {wrong:.1f}%, off-topic declined {declined:.1f}%"


def _look_source(name: str, look: Look) -> str:
    weights = "".join(f'        "{k}": {v},\n' for k, v in look.weights.items())
    return (
        f"{name} = Look(\n    weights={{\n{weights}    }},\n"
        f"    bias={look.bias},\n    answer_at={look.answer_at},\n)\n"
    )


def write(first: Look, second: Look, n: int, sets: list[str]) -> None:
    path = ROOT / "bot" / "decision.py"
    text = path.read_text(encoding="utf-8")
    text, replaced = re.subn(
        r"# Fitted .*\n(?:# .*\n)*FIRST_LOOK = Look\((?:\n    .*)*\n\)\n"
        r"SECOND_LOOK = Look\((?:\n    .*)*\n\)\n",
        lambda _: (
            f"# Fitted {date.today().isoformat()} by `python benchmarks/fit_decision.py`"
            f" ({' + '.join(sets)}, {n} questions).\n"
            + _look_source("FIRST_LOOK", first)
            + _look_source("SECOND_LOOK", second)
        ),
        text,
    )
    if replaced != 1:
        raise SystemExit(f"{path}: the fitted constants were not found where --write expects them")
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
