"""A broad topic ("facial-recognition") yields the lead of a "did you mean" to a specific one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.explainer import Explainer, specific_first
from bot.knowledge import load_knowledge
from bot.matcher import Match
from bot.paths import KNOWLEDGE_DIR
from bot.problems import DataError
from tests.support.vague import BROAD_THEN_PLACE, first_that

BROAD = frozenset({"facial-recognition", "fingerprints"})


def unsure(*suggestions: str) -> Match:
    return Match(None, 40.0, "en", suggestions)


def test_a_specific_topic_leads_and_the_broad_one_comes_second() -> None:
    match = unsure("fingerprints", "borders-travel", "your-rights")
    assert specific_first(match, BROAD) == ("borders-travel", "fingerprints", "your-rights")
    match = unsure("facial-recognition", "fingerprints", "work-school")
    assert specific_first(match, BROAD) == ("work-school", "facial-recognition", "fingerprints")


@pytest.mark.parametrize(
    "match",
    [
        unsure("borders-travel", "fingerprints"),  # a specific topic leads already
        unsure("facial-recognition", "fingerprints"),  # nothing specific to lead
        unsure("fingerprints"),
        unsure(),
        Match("fingerprints", 90.0, "en"),  # answered: the decision was sure enough
    ],
)
def test_other_verdicts_are_left_as_they_are(match: Match) -> None:
    assert specific_first(match, BROAD) == match.suggestions


def test_the_shipped_knowledge_marks_the_explainers_of_the_technology_broad() -> None:
    assert load_knowledge(KNOWLEDGE_DIR).broad == BROAD


def _broad_first(explainer: Explainer, question: str) -> bool:
    matched = explainer.without_signposts(explainer.matcher.match(question))
    suggested = matched.suggestions
    return (
        matched.topic_id is None
        and bool(suggested)
        and suggested[0] in BROAD
        and any(topic not in BROAD for topic in suggested)
    )


def test_an_asker_unsure_of_face_scans_at_a_place_is_offered_the_specific_topic_first() -> None:
    explainer = Explainer.load()
    question = first_that(
        BROAD_THEN_PLACE, lambda q: _broad_first(explainer, q), "a broad topic first"
    )
    matched = explainer.without_signposts(explainer.matcher.match(question))
    specific = next(topic for topic in matched.suggestions if topic not in BROAD)
    offered = explainer.ask(question)
    assert offered.topic_id is None
    assert offered.suggestions[:2] == (specific, matched.suggestions[0])


def test_broad_must_be_true_or_false_and_is_named_with_its_line(knowledge_copy: Path) -> None:
    topics = knowledge_copy / "topics.yaml"
    text = topics.read_text(encoding="utf-8").replace("    broad: true\n", "    broad: often\n", 1)
    topics.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    broad: often") + 1
    with pytest.raises(DataError) as caught:
        load_knowledge(knowledge_copy)
    found = [str(p) for p in caught.value.errors]
    assert any(
        re.search(rf"topics\.yaml:{line}: topic 'facial-recognition' broad", p) for p in found
    )
