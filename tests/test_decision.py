"""The answer decision (`bot.decision`): fitted weights that make sense, used by the matcher."""

from __future__ import annotations

import math
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from bot import decision
from bot.decision import Signals
from bot.explainer import Explainer

MIDDLING = Signals(confidence=0.5, lexical=0.4, margin=0.5, agrees=False)
LOOKED_AGAIN = replace(MIDDLING, meaning=0.5)  # the second look's signals
STRONGER = {
    "confidence": 0.9,
    "lexical": 0.8,
    "margin": 1.5,
    "agrees": True,
    "meaning": 0.8,
}


@pytest.mark.parametrize(
    ("middling", "name"),
    [(MIDDLING, name) for name in decision.FIRST_LOOK.weights]
    + [(LOOKED_AGAIN, name) for name in decision.SECOND_LOOK.weights],
)
def test_more_evidence_for_the_best_topic_never_lowers_the_probability(
    middling: Signals, name: str
) -> None:
    # a refit that gave any signal a look weighs a negative weight would answer against
    # the evidence
    stronger = replace(middling, **{name: STRONGER[name]})
    assert decision.probability(stronger) > decision.probability(middling)


def test_each_look_weighs_its_own_signals() -> None:
    assert MIDDLING.look is decision.FIRST_LOOK
    assert LOOKED_AGAIN.look is decision.SECOND_LOOK
    assert "meaning" in decision.SECOND_LOOK.weights
    assert "meaning" not in decision.FIRST_LOOK.weights


@pytest.mark.parametrize("meaning", [None, 0.0])
def test_the_threshold_is_a_probability_the_signals_can_reach_and_miss(
    meaning: float | None,
) -> None:
    weakest = Signals(confidence=0.0, lexical=0.0, margin=0.0, agrees=False, meaning=meaning)
    strongest = replace(weakest, confidence=1.0, lexical=0.9, margin=2.0, agrees=True)
    if meaning is not None:
        strongest = replace(strongest, meaning=1.0)
    at = weakest.look.answer_at
    assert decision.probability(weakest) < at < decision.probability(strongest)


@pytest.fixture(scope="module")
def explainer() -> Explainer:
    return Explainer.load()


def test_the_matcher_answers_exactly_when_the_decision_says_so(explainer: Explainer) -> None:
    questions = [
        "what is facial recognition",
        "can my boss make me use a fingerprint clock",
        "is it dangerous that cameras know my face",
        "what's the weather in Rome",
        "tell me something about cameras",
    ]
    for question in questions:
        match = explainer.matcher.match(question)
        if match.signals is None:  # declined before weighing: unknown words
            assert match.topic_id is None
            continue
        assert (match.topic_id is not None) == decision.should_answer(match.signals)
        assert match.answer_at == match.signals.look.answer_at


def test_the_fit_refuses_the_held_out_half() -> None:
    pytest.importorskip("sklearn")
    from benchmarks import fit_decision

    held_out = Path(__file__).parent / "data" / "real-test.jsonl"
    with pytest.raises(SystemExit) as refused:
        fit_decision.main([str(held_out)])
    assert refused.value.code == 2


def test_the_fit_writes_its_constants_into_the_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("sklearn")
    from benchmarks import fit_decision

    shipped = Path(decision.__file__)
    (tmp_path / "bot").mkdir()
    copy = tmp_path / "bot" / "decision.py"
    copy.write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(fit_decision, "ROOT", tmp_path)
    first = decision.Look({"confidence": 1.0, "lexical": 2.0}, -1.5, 0.66)
    second = decision.Look({"confidence": 3.0, "meaning": 0.5}, -2.5, 0.55)
    fit_decision.write(first, second, "fitted today on dev (100 questions)", 80)
    fit_decision.write(first, second, None, 90)  # found again where written; weights kept
    text = copy.read_text(encoding="utf-8")
    assert text.count("# Weights: fitted today on dev (100 questions).\n") == 1
    assert text.count("on the tune half as found (90 questions).\n") == 1
    assert "as found (80 questions)" not in text
    namespace: dict[str, object] = {}
    exec(compile(text, str(copy), "exec"), namespace)  # the written module, as Python reads it
    assert asdict(namespace["FIRST_LOOK"]) == asdict(first)  # type: ignore[call-overload]
    assert asdict(namespace["SECOND_LOOK"]) == asdict(second)  # type: ignore[call-overload]


def test_a_way_of_asking_as_written_is_answered_whatever_the_probability() -> None:
    # the classifier prefers another topic, but the question is a way of asking as written
    exact = Signals(confidence=0.0, lexical=decision.EXACT, margin=-3.0, agrees=False)
    assert decision.probability(exact) < decision.FIRST_LOOK.answer_at
    assert decision.should_answer(exact)


def test_the_fit_chooses_the_thresholds_that_handle_most_questions_within_the_limit() -> None:
    pytest.importorskip("sklearn")
    from benchmarks import as_found, fit_decision
    from bot.matcher import Match

    # by these looks' weights, the probability of a topic is its confidence's
    look = decision.Look({"confidence": 1.0}, 0.0, 0.5)

    def looked(best: str, chance: float, second: bool = False) -> Match:
        confidence = math.log(chance / (1 - chance))  # the logit: weight 1, bias 0
        signals = Signals(confidence, 0.5, 0.5, True, meaning=0.5 if second else None)
        return Match(None, 50.0, "en", (), ((best, 50.0, "en"),), signals=signals)

    def found(
        expect: str | None, first: tuple[str, float], second: tuple[str, float]
    ) -> as_found.Found:
        seen = (looked(*first), looked(*second, second=True))
        return as_found.Found((expect,), "commit", *seen, frozenset())

    questions = [  # what each look ranks first, and how likely it is to be right
        found("a", ("a", 0.9), ("a", 0.9)),
        found("b", ("x", 0.62), ("b", 0.72)),  # the first look must not answer it
        found(None, ("x", 0.5), ("y", 0.57)),  # off-topic: the second look must not either
        found(None, ("z", 0.5), ("w", 0.57)),
        found("c", ("c", 0.47), ("c", 0.52)),  # right, but answering it costs two declines
    ]
    looks, figures = fit_decision.choose_thresholds(questions, (look, look))
    # no wrong answer (5% of three), and the two off-topic questions declined, at the
    # lowest such pair: "c" stays unanswered
    assert (looks[0].answer_at, looks[1].answer_at) == (0.65, 0.6)
    assert figures == as_found.Figures(
        right=2, first_right=2, wrong=0, inside=3, declined=2, outside=2
    )
