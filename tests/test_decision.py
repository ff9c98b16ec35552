"""The answer decision (`bot.decision`): fitted weights that make sense, used by the matcher."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot import decision
from bot.decision import Signals
from bot.explainer import Explainer

MIDDLING = Signals(confidence=0.5, lexical=0.4, margin=0.5, agrees=False)


@pytest.mark.parametrize(
    "stronger",
    [
        replace(MIDDLING, confidence=0.9),
        replace(MIDDLING, lexical=0.8),
        replace(MIDDLING, margin=1.5),
        replace(MIDDLING, agrees=True),
    ],
)
def test_more_evidence_for_the_best_topic_never_lowers_the_probability(
    stronger: Signals,
) -> None:
    # a refit that gave any signal a negative weight would answer against the evidence
    assert decision.probability(stronger) > decision.probability(MIDDLING)


def test_the_threshold_is_a_probability_the_signals_can_reach_and_miss() -> None:
    weakest = Signals(confidence=0.0, lexical=0.0, margin=0.0, agrees=False)
    strongest = Signals(confidence=1.0, lexical=1.0, margin=2.0, agrees=True)
    assert decision.probability(weakest) < decision.ANSWER_AT < decision.probability(strongest)


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
    weights = {"confidence": 1.0, "lexical": 2.0, "margin": 0.5, "agrees": 0.25}
    fit_decision.write(weights, -1.5, 0.66, 100, ["dev", "real-tune"])
    text = copy.read_text(encoding="utf-8")
    assert 'WEIGHTS = {"confidence": 1.0, "lexical": 2.0, "margin": 0.5, "agrees": 0.25}' in text
    assert "BIAS = -1.5\nANSWER_AT = 0.66" in text
    assert "(dev + real-tune, 100 questions)" in text


def test_a_way_of_asking_as_written_is_answered_whatever_the_probability() -> None:
    # the classifier prefers another topic, but the question is a way of asking as written
    exact = Signals(confidence=0.0, lexical=decision.EXACT, margin=-3.0, agrees=False)
    assert decision.probability(exact) < decision.ANSWER_AT
    assert decision.should_answer(exact)
