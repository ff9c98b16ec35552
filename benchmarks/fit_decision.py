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
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.evaluate import DATA, HELD_OUT, read_set  # noqa: E402
from bot.explainer import Explainer, build_matcher  # noqa: E402
from bot.features import Vectorizer  # noqa: E402
from bot.matcher import EXACT_AT, Match, Phrasing  # noqa: E402

C = 3.0  # the regression's inverse regularisation (chosen by the same cross-validation)
WRONG_MAX = 0.035
DECLINED_MIN = 0.88
NAMES = ("confidence", "lexical", "margin", "agrees")


@dataclass(frozen=True)
class Scored:
    """One labelled question as a stranger's: its match and what the answer would be."""

    expect: tuple[str | None, ...]
    match: Match
    best: str  # the best-ranked topic, a signpost included

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
    sets = {f.stem: score_as_strangers(explainer, read_set(f), args.tau) for f in files}
    rows = [s for scored in sets.values() for s in scored if s.match.signals is not None]
    x = np.array([list(s.match.signals.values().values()) for s in rows])  # type: ignore[union-attr]
    y = np.array([s.right(signposts) for s in rows], dtype=int)
    threshold, figures = choose_threshold(x, y, sets, signposts)
    model = LogisticRegression(C=C, max_iter=5000).fit(x, y)
    weights = dict(zip(NAMES, (round(float(w), 3) for w in model.coef_[0]), strict=True))
    bias = round(float(model.intercept_[0]), 3)
    print(f"questions: {sum(len(s) for s in sets.values())} ({', '.join(sets)})")
    print(f"weights: {weights}, bias {bias}")
    print(f"answer at {threshold:.2f}; cross-validated on the real questions: {figures}")
    if args.write:
        write(weights, bias, threshold, sum(len(s) for s in sets.values()), list(sets))
        print("written to bot/decision.py")
    return 0


def score_as_strangers(explainer: Explainer, labelled: list[dict], tau: float) -> list[Scored]:
    """Each question matched without the ways of asking at least `tau` like it."""
    knowledge = explainer.knowledge
    phrasings = _phrasings(explainer)
    vectorizer, rows = Vectorizer.fit((p.text for p in phrasings), max_columns=10**8, chars=True)
    matrix = _unit_rows(rows, vectorizer.size)
    out = []
    for item in labelled:
        if not item["expect"]:
            continue
        question = _unit_rows([vectorizer.row(item["text"])], vectorizer.size)
        cosine = (question @ matrix.T).toarray()[0]
        like = frozenset(phrasings[i] for i in np.nonzero(cosine >= tau)[0])
        matcher = (
            build_matcher(knowledge, keep=lambda p, like=like: p not in like)
            if like
            else explainer.matcher
        )
        match = matcher.match(item["text"])
        best = match.ranked[0][0] if match.ranked else ""
        out.append(Scored(tuple(item["expect"]), match, best))
    return out


def choose_threshold(
    x: np.ndarray, y: np.ndarray, sets: dict[str, list[Scored]], signposts: frozenset[str]
) -> tuple[float, str]:
    """The threshold that answers the most real questions rightly within the limits."""
    real = [s for name, scored in sets.items() if name.startswith("real") for s in scored]
    weighed = [s for scored in sets.values() for s in scored if s.match.signals is not None]
    position = {id(s): i for i, s in enumerate(weighed)}
    runs = [
        cross_val_predict(
            LogisticRegression(C=C, max_iter=5000),
            x,
            y,
            cv=StratifiedKFold(5, shuffle=True, random_state=seed),
            method="predict_proba",
        )[:, 1]
        for seed in range(3)
    ]
    best: tuple[float, float, str] = (-1.0, 0.5, "none within the limits")
    for threshold in np.arange(0.30, 0.90, 0.02):
        shares = np.mean(
            [_shares(real, p, position, float(threshold), signposts) for p in runs], axis=0
        )
        right, wrong, declined = shares
        if wrong <= WRONG_MAX and declined >= DECLINED_MIN and right > best[0]:
            best = (right, float(threshold), _describe(shares))
    return round(best[1], 2), best[2]


def _shares(
    scored: list[Scored],
    p: np.ndarray,
    position: dict[int, int],
    threshold: float,
    signposts: frozenset[str],
) -> tuple[float, float, float]:
    """In-scope answered right, wrong (both of in-scope) and off-topic declined."""
    right = wrong = inside = declined = outside = 0
    for s in scored:
        signals = s.match.signals
        answers = signals is not None and (
            signals.lexical * 100 >= EXACT_AT or p[position[id(s)]] >= threshold
        )
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


def _phrasings(explainer: Explainer) -> list[Phrasing]:
    return [
        Phrasing(entry.topic_id, lang, text)
        for lang, language in explainer.knowledge.languages.items()
        for entry in language.entries.values()
        for text in entry.phrasings
    ]


def _unit_rows(rows: Sequence, width: int) -> sp.csr_matrix:
    indptr = np.cumsum([0, *(len(r.columns) for r in rows)])
    columns = np.concatenate([r.columns for r in rows]) if rows else np.array([], dtype=int)
    values = np.concatenate([r.values for r in rows]) if rows else np.array([])
    matrix = sp.csr_matrix((values, columns, indptr), shape=(len(rows), width))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1))).ravel()
    return sp.csr_matrix(sp.diags(1 / np.maximum(norms, 1e-12)) @ matrix)


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
