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
whether its best topic is right.

The pair of thresholds is chosen on the tune half as it was found
(`benchmarks/as_found.py`: each question asked of the knowledge before anyone
wrote from it), which predicts a new source's questions better than the
strangers above: on 2026-12-03 the strangers had 1.3% of the in-scope tune
questions answered wrongly, the held-out half 5.4%, the tune half as found
6.3%. The pair is the one that handles the most of those questions rightly (in
scope and answered right, or off-topic and declined) while answering at most
`WRONG_MAX` % of the in-scope ones wrongly (ties: the fewer wrong). This is done
for the weights fitted now and for the shipped ones, and the better of the two
is kept. `--write` puts the weights and thresholds into bot/decision.py.

It builds the matcher once per fold, and once per knowledge the tune half was
found with: ~2-3 min.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import as_found  # noqa: E402
from bot import decision  # noqa: E402
from bot.decision import Look, Signals  # noqa: E402
from bot.evaluate import DATA, HELD_OUT, read_set  # noqa: E402
from bot.explainer import Explainer, build_matcher, ways_of_asking  # noqa: E402
from bot.features import SparseRow, Vectorizer  # noqa: E402
from bot.matcher import Match, Matcher, Phrasing  # noqa: E402

C = 3.0  # the regressions' inverse regularisation
TAU = 0.3
FOLDS = 5
WRONG_MAX = 5.0  # % of the in-scope questions as found answered wrongly (issue 9's limit)
THRESHOLDS = np.round(np.arange(0.40, 0.96, 0.05), 2)


@dataclass(frozen=True)
class Scored:
    """One labelled question as a stranger's: what each look would decide."""

    expect: tuple[str | None, ...]
    first: Match | None
    second: Match | None

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
    items = [item for f in files for item in read_set(f) if item["expect"]]
    scored = score_as_strangers(explainer, items, args.tau)
    first = Fitted.of(scored, lambda s: s.first, decision.FIRST_LOOK, signposts)
    second = Fitted.of(scored, lambda s: s.second, decision.SECOND_LOOK, signposts)
    with tempfile.TemporaryDirectory(prefix="fit-as-found-") as cache:
        found, _ = as_found.asked_as_found(None, Path(cache))
    # the new weights, or the shipped ones if they handle the questions as found better
    candidates = {
        "fitted now": choose_thresholds(found, (first.look(0.5), second.look(0.5))),
        "shipped": choose_thresholds(found, (decision.FIRST_LOOK, decision.SECOND_LOOK)),
    }
    sets = [f.stem for f in files]
    print(f"questions: {len(scored)} ({', '.join(sets)}), tau {args.tau}")
    print(f"the tune half as found ({len(found)} questions), answered right / first right /")
    print("wrong / off-topic declined, % (questions handled rightly), at the best thresholds:")
    for name, (_, figures) in candidates.items():
        print(f"  weights {name}: {as_found.line(figures.shares)} ({figures.handled})")
    chosen = max(candidates, key=lambda name: candidates[name][1].handled)
    looks = candidates[chosen][0]
    print(f"chosen: the weights {chosen}")
    for name, look in zip(("first", "second"), looks, strict=True):
        print(f"{name} look: {look.weights}, bias {look.bias}, answer at {look.answer_at}")
    if args.write:
        fitted = (
            f"fitted {date.today().isoformat()} on {' + '.join(sets)} ({len(scored)} questions)"
        )
        write(*looks, fitted if chosen == "fitted now" else None, len(found))
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


def fold_of(item: dict[str, Any]) -> int:
    """The question's fold: by its source, so that one page's questions stay together."""
    key = item.get("source") or item["text"]
    return int(hashlib.sha1(key.encode()).hexdigest(), 16) // 2 % FOLDS


def score_as_strangers(
    explainer: Explainer, items: list[dict[str, Any]], tau: float
) -> list[Scored]:
    """Each question's looks, from a matcher without the ways of asking at least `tau`
    like any question of its fold."""
    likeness = Likeness(ways_of_asking(explainer.knowledge))
    scored = []
    for fold in range(FOLDS):
        mine = [item for item in items if fold_of(item) == fold]
        matcher, _ = likeness.matcher_without(explainer, (item["text"] for item in mine), tau)
        matcher.prepare()
        for item in mine:
            first, second = matcher.looks(item["text"])
            scored.append(Scored(tuple(item["expect"]), first, second))
    return scored


def _right(match: Match, expect: Sequence[str | None], signposts: frozenset[str]) -> bool:
    """Would answering the match's best topic be right?"""
    best = match.ranked[0][0] if match.ranked else ""
    return best in expect and best not in signposts


@dataclass(frozen=True)
class Fitted:
    """One look's regression, fitted on every question that look weighs."""

    names: tuple[str, ...]
    coef: tuple[float, ...]
    bias: float

    @classmethod
    def of(
        cls,
        scored: list[Scored],
        look_of: Callable[[Scored], Match | None],
        shipped: Look,
        signposts: frozenset[str],
    ) -> Fitted:
        names = tuple(shipped.weights)
        weighed = [s for s in scored if _signals(look_of(s)) is not None]
        x = np.array([_row(_signals(look_of(s)), names) for s in weighed])
        y = np.array([_right(look_of(s), s.expect, signposts) for s in weighed])  # type: ignore[arg-type]
        model = LogisticRegression(C=C, max_iter=5000).fit(x, y)
        return cls(
            names,
            tuple(round(float(w), 3) for w in model.coef_[0]),
            round(float(model.intercept_[0]), 3),
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
    found: Sequence[as_found.Found], looks: tuple[Look, Look]
) -> tuple[tuple[Look, Look], as_found.Figures]:
    """`looks` with the pair of thresholds that handles the most questions as found
    rightly (in scope and answered right, or off-topic and declined) while answering at
    most `WRONG_MAX` % of the in-scope ones wrongly (ties: the fewer wrong), and how the
    questions fare there."""
    best: tuple[tuple[int, int], tuple[Look, Look], as_found.Figures] | None = None
    for first in THRESHOLDS:
        for second in THRESHOLDS:
            candidate = as_found.at(looks, float(first), float(second))
            figures = as_found.figures(found, candidate)
            rank = (figures.handled, -figures.wrong)
            if figures.shares[2] <= WRONG_MAX and (best is None or rank > best[0]):
                best = (rank, candidate, figures)
    if best is None:
        raise SystemExit(f"no pair of thresholds answers at most {WRONG_MAX}% wrongly")
    return best[1], best[2]


def _look_source(name: str, look: Look) -> str:
    weights = "".join(f'        "{k}": {v},\n' for k, v in look.weights.items())
    return (
        f"{name} = Look(\n    weights={{\n{weights}    }},\n"
        f"    bias={look.bias},\n    answer_at={look.answer_at},\n)\n"
    )


def write(first: Look, second: Look, weights: str | None, found: int) -> None:
    """Put the looks into bot/decision.py; `weights`: where the weights come from (None:
    kept as they were, and so is the line that says so)."""
    path = ROOT / "bot" / "decision.py"
    text = path.read_text(encoding="utf-8")
    today = date.today().isoformat()
    text, replaced = re.subn(
        r"(# Weights: .*\n)# Answer thresholds: .*\n(?:# .*\n)*"
        r"FIRST_LOOK = Look\((?:\n    .*)*\n\)\nSECOND_LOOK = Look\((?:\n    .*)*\n\)\n",
        lambda kept: (
            (kept[1] if weights is None else f"# Weights: {weights}.\n")
            + f"# Answer thresholds: chosen {today} on the tune half as found ({found} questions).\n"
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
