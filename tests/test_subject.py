"""Words that name the bot's subject: a question with one is never pointed elsewhere."""

from __future__ import annotations

import pytest

from bot.cli import explanation
from bot.explainer import Explainer
from bot.subject import Subject

SUBJECT = Subject.of(
    ["fingerprint", "Fingerabdruck", "face scan", "Gesichter erkennen", "iris scan", "!!"]
)


@pytest.mark.parametrize(
    "text, named",
    [
        ("Do shops keep my fingerprints?", True),  # the last word may go on
        ("Fingerabdrücke im Pass", True),  # accents and case do not matter
        ("a FACE-scanner at the door", True),  # punctuation separates words
        ("Die Klingel soll Gesichter erkennen", True),
        ("Irish scandal", False),  # only the last word of a phrase may go on
        ("a surface scan of the wall", False),  # a phrase starts a word
        ("the scan of my face", False),  # its words in order
        ("", False),
    ],
)
def test_a_phrase_is_found_case_and_accent_blind(text: str, named: bool) -> None:
    assert SUBJECT.named_in(text) is named


def test_a_long_phrase_is_found_with_a_typo_from_the_start_of_a_word() -> None:
    subject = Subject.of(["Gesichtserkennung", "face scan", "biometrica"])
    assert subject.naming("Darf mein Vermieter Gesichtserkenung nutzen?") == "gesichtserkennung"
    assert subject.naming("Gesichtserkenungssoftware im Laden") == "gesichtserkennung"
    assert not subject.named_in("is a surface scan of my wall legal")  # not a word's start
    assert not subject.named_in("a face scna")  # short phrases only as written
    assert not subject.named_in("biometria oculare")  # another word, one letter apart


def test_naming_gives_the_phrase_found() -> None:
    assert SUBJECT.naming("Sind meine Fingerabdrücke sicher?") == "fingerabdruck"
    assert SUBJECT.naming("Is a face scanner legal?") == "face scan"
    assert SUBJECT.naming("a camera") is None


def test_a_listed_phrase_without_a_word_is_left_out_and_nothing_listed_names_nothing() -> None:
    assert ("!!",) not in SUBJECT.phrases and len(SUBJECT.phrases) == 5
    assert not Subject().named_in("fingerprint")


@pytest.mark.parametrize(
    "question",
    [
        "Darf mein Vermieter eine Kamera mit Gesichtserkennung im Treppenhaus aufhängen?",
        "Darf mein Vermieter eine Kamera mit Gesichtserkenung im Treppenhaus aufhängen?",
        "Can my neighbour's doorbell camera use face recognition on people walking by?",
        "¿Puede mi comunidad de vecinos poner cámaras con reconocimiento facial?",
    ],
)
def test_a_question_naming_the_subject_is_not_sent_elsewhere(
    explainer: Explainer, question: str
) -> None:
    match = explainer.ask(question)
    assert match.signpost is None and (match.topic_id or match.suggestions)


@pytest.mark.parametrize(
    "question",
    [
        "Darf mein Vermieter eine Kamera im Treppenhaus aufhängen?",
        "Can my landlord put a CCTV camera in the hallway?",
        # words with an everyday meaning besides ours are not subject words
        "qué es una biometría hemática",
        "the fingerprint reader on my laptop stopped recognising my finger",
    ],
)
def test_the_same_question_without_the_subject_still_gets_the_signpost(
    explainer: Explainer, question: str
) -> None:
    match = explainer.ask(question)
    assert match.topic_id is None and match.signpost == "other-privacy"


def test_explain_says_the_question_names_the_subject(explainer: Explainer) -> None:
    text = explanation(explainer, "Darf mein Vermieter eine Kamera mit Gesichtserkennung haben?")
    assert "names the subject ('gesichtserkennung'): ranked without the signposts" in text
    assert "names the subject" not in explanation(explainer, "Darf mein Vermieter filmen?")


@pytest.mark.parametrize(
    "question",
    [
        # compounds no text has: most of the weight is unknown, but the subject is named
        "Setzt die Stadtpolizei bei Klimastreiks oder Großkundgebungen Gesichtserkennung ein?",
        "Verwenden Stadtwerke Gesichtserkennung an Ladesäulen?",
    ],
)
def test_a_question_naming_the_subject_is_not_declined_as_unknown_words(
    explainer: Explainer, question: str
) -> None:
    match = explainer.ask(question)
    assert match.signals is not None  # weighed by the decision, not declined before it
    assert match.topic_id or match.suggestions
