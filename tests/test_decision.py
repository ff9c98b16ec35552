"""The answer decision (`bot.decision`): fitted weights that make sense, used by the matcher."""

from __future__ import annotations

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
    fit_decision.write(first, second, 100, ["dev", "real-tune"])
    fit_decision.write(first, second, 100, ["dev", "real-tune"])  # found again where written
    text = copy.read_text(encoding="utf-8")
    assert text.count("(dev + real-tune, 100 questions)") == 1
    namespace: dict[str, object] = {}
    exec(compile(text, str(copy), "exec"), namespace)  # the written module, as Python reads it
    assert asdict(namespace["FIRST_LOOK"]) == asdict(first)  # type: ignore[call-overload]
    assert asdict(namespace["SECOND_LOOK"]) == asdict(second)  # type: ignore[call-overload]


def test_a_way_of_asking_as_written_is_answered_whatever_the_probability() -> None:
    # the classifier prefers another topic, but the question is a way of asking as written
    exact = Signals(confidence=0.0, lexical=decision.EXACT, margin=-3.0, agrees=False)
    assert decision.probability(exact) < decision.FIRST_LOOK.answer_at
    assert decision.should_answer(exact)


def test_the_fit_chooses_the_thresholds_that_answer_most_within_the_limits() -> None:
    pytest.importorskip("sklearn")
    from benchmarks import fit_decision
    from bot.matcher import Match

    def looked(best: str, meaning: float | None = None) -> Match:
        signals = Signals(confidence=0.5, lexical=0.5, margin=0.5, agrees=True, meaning=meaning)
        return Match(None, 50.0, "en", (), ((best, 50.0, "en"),), signals=signals)

    scored = [  # what each look would rank first, for three in-scope questions and one not
        fit_decision.Scored(("a",), looked("a"), looked("a", 0.5), True, 0),
        fit_decision.Scored(("b",), looked("x"), looked("b", 0.5), True, 0),
        fit_decision.Scored((None,), looked("x"), looked("y", 0.5), True, 0),
        fit_decision.Scored(("c",), looked("c"), looked("c", 0.5), True, 0),
    ]
    names = ("confidence",)

    def chances(*values: float) -> dict[int, float]:
        return dict(enumerate(values))

    first = fit_decision.Fitted(names, (1.0,), 0.0, chances(0.9, 0.6, 0.5, 0.45))
    second = fit_decision.Fitted(names, (1.0,), 0.0, chances(0.9, 0.7, 0.55, 0.5))
    at, figures = fit_decision.choose_thresholds(scored, first, second, frozenset())
    # the first look must not answer "b" wrongly (0.6), the second must decline the off-topic
    # question (0.55), so "c" (0.45, then 0.5) stays unanswered: the lowest such pair wins
    assert at == (0.65, 0.6)
    assert figures == "answered right 66.7%, wrong 0.0%, off-topic declined 100.0%"
