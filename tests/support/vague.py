"""Questions the shipped matcher has only suggested topics for, for tests of what happens
then ("did you mean" buttons, a specific topic before a broad one).

Better ways of asking get such questions answered one by one ("face recognition camera in
my gym" now gets the venues answer), so a test takes the first question of a list that
still gets the verdict it needs (`first_that`), and says so when none does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

# Vague questions: the matcher offers topics rather than answering.
UNSURE = (
    "cameras?",
    "what can the police do",
    "cameras and law",
    "police and cameras",
    "what about my data",
    "police",
    "law",
    "tell me about the rules",
    "what about cameras",
    "cameras and the law",
    "what are the rules",
    "is that legal?",
    "who decides this?",
    "how to stop this",
)

# A technology and a place: the broad topic led the "did you mean", a specific one followed.
BROAD_THEN_PLACE = (
    "face recognition cameras at the mall",
    "facial recognition in the hotel",
    "facial recognition at the library",
    "fingerprints at the embassy",
    "facial recognition at events",
)


def first_that(questions: Iterable[str], holds: Callable[[str], bool], what: str) -> str:
    """The first of `questions` for which `holds`; fails naming `what` it needs when none
    does, so that someone adds a question to the list."""
    question = next((q for q in questions if holds(q)), None)
    assert question is not None, f"no question of the list gets {what} any more: add one"
    return question
