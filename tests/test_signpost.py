"""A signpost topic: a kind pointer elsewhere that is never offered and counts as a decline."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from bot import replies
from bot.cli import answer_record
from bot.decision import Signals
from bot.evaluate import run_eval
from bot.explainer import Explainer
from bot.i18n import use
from bot.matcher import Match
from bot.problems import DataError
from bot.storage import Store

SIGNPOST_ASKS = [  # deliberately unlike the shipped knowledge (which has its own signpost)
    "will it rain tomorrow",
    "weather forecast for the weekend",
    "do i need a raincoat today",  # not "umbrella": the shipped `elsewhere` has that line
    "how hot will it be on saturday",
    "is a storm coming",
    "snow forecast for the mountains",
    "what is the temperature outside",
    "sunny or cloudy tomorrow",
]
SIGNPOST_ANSWER = (
    "I only know about biometric mass surveillance: faces, fingerprints, voices and the "
    "cameras that identify people. For the weather, a forecast service or the digital rights "
    "group in your country (for the data it collects) are better places to ask. "
    "Send /topics to see everything I can explain, in five languages."
)


def add_signpost(knowledge: Path, *, related_from: str | None = None) -> None:
    topics = knowledge / "topics.yaml"
    topics.write_text(
        topics.read_text(encoding="utf-8")
        + "  test-signpost:\n    order: 900\n    signpost: true\n    related: []\n    links: [gdpr]\n",
        encoding="utf-8",
    )
    if related_from:
        text = topics.read_text(encoding="utf-8")
        head = f"  {related_from}:\n"
        start = text.index(head)
        rel = text.index("    related: [", start)
        text = text[:rel] + "    related: [test-signpost, " + text[rel + len("    related: [") :]
        topics.write_text(text, encoding="utf-8")
    en = knowledge / "en.yaml"
    asks = "\n".join(f"      - {a}" for a in SIGNPOST_ASKS)
    en.write_text(
        en.read_text(encoding="utf-8")
        + f"  test-signpost:\n    checked: 2026-12\n    question: Other privacy questions\n"
        f"    ask:\n{asks}\n    answer: |\n      {SIGNPOST_ANSWER}\n",
        encoding="utf-8",
    )


@pytest.fixture
def signposted(knowledge_copy: Path, locales_copy: Path) -> Explainer:
    add_signpost(knowledge_copy)
    return Explainer.load(knowledge_copy, locales_copy)


def test_a_winning_signpost_is_a_decline_with_its_text(signposted: Explainer) -> None:
    match = signposted.ask("will it rain tomorrow")
    assert match.topic_id is None and match.signpost == "test-signpost"
    assert match.suggestions == ()
    assert all(topic != "test-signpost" for topic, _, _ in match.ranked)
    with use(signposted.catalogs, "en"):
        reply = replies.for_match(signposted, match, "en")
    assert "digital rights group" in reply.html
    assert not any(b.share for row in reply.buttons for b in row)


def test_ask_json_gives_no_id_but_the_signpost_text(signposted: Explainer) -> None:
    record = answer_record(signposted, Store(":memory:"), "do i need a raincoat today", "en")
    assert record["id"] is None and record["suggestions"] == []
    assert "digital rights group" in record["answer"]


def test_eval_counts_a_signpost_as_declined(signposted: Explainer, tmp_path: Path) -> None:
    rows = [
        {"text": "is a storm coming", "lang": "en", "expect": [None]},
        {"text": "what is biometric data", "lang": "en", "expect": ["biometric-data"]},
    ]
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        run_eval(signposted, questions)
    assert "misses: none" in out.getvalue()


def test_signposts_are_never_offered(signposted: Explainer) -> None:
    kb = signposted.knowledge
    assert "test-signpost" in kb.topics and "test-signpost" not in kb.menu_topics
    with use(signposted.catalogs, "en"):
        pages = range(replies.menu_pages(signposted))
        menu = [row for page in pages for row in replies.topic_menu(signposted, "en", page)]
    offered = {b.action for row in menu for b in row if b.action and b.action.startswith("t:")}
    assert "t:en:test-signpost" not in offered
    assert len(offered) == len(kb.menu_topics)
    near = signposted.ask("rain umbrella storm privacy")
    assert "test-signpost" not in near.suggestions


def test_a_signpost_cannot_be_listed_as_related(knowledge_copy: Path) -> None:
    add_signpost(knowledge_copy, related_from="fingerprints")
    with pytest.raises(DataError) as caught:
        Explainer.load(knowledge_copy)
    assert any(
        "topics.yaml:" in str(p)
        and "topic 'fingerprints' lists 'test-signpost' as related, but it is a signpost" in str(p)
        for p in caught.value.errors
    )


@pytest.mark.parametrize(
    "message",
    [  # none is a way of asking as written; before, they got a wrong answer, a "did you
        # mean" or the plain decline
        "what's the weather in Berlin",  # was countries (Berlin)
        "how do I get to the airport in Milan?",  # was borders-travel
        "hotels near Brussels airport",
        "Wie wird das Wetter morgen in München?",
        "quel temps fait-il à Lyon",
        "che tempo fa a Roma domani",
        "qué tiempo hace en Madrid",
        "tell me a joke",
    ],
)
def test_everyday_questions_far_off_the_subject_get_the_elsewhere_signpost(
    explainer: Explainer, message: str
) -> None:
    match = explainer.ask(message)
    assert match.topic_id is None and match.signpost == "elsewhere"


@pytest.mark.parametrize(
    "question, topics",
    [  # places, airports and trains in questions on the subject still find their topic
        ("is there face recognition at Berlin Südkreuz station?", {"countries"}),
        ("do I have to give fingerprints at Milan airport under the EES?", {"borders-travel"}),
        (
            "che cosa fa la polizia di Roma con il riconoscimento facciale?",
            {"countries", "police-protests"},
        ),
    ],
)
def test_places_in_questions_on_the_subject_do_not_send_them_elsewhere(
    explainer: Explainer, question: str, topics: set[str]
) -> None:
    assert explainer.ask(question).topic_id in topics


def test_a_pointer_ranked_first_below_the_bar_gives_its_reply(explainer: Explainer) -> None:
    """A question no topic answers, with a pointer elsewhere ranked first ("come si mette
    il parental control..."), gets that pointer's reply, not a "did you mean" of the
    topics under it; a topic ranked first keeps its "did you mean", and words the
    knowledge does not know (no signals) keep "I don't know that one"."""
    signals = Signals(confidence=0.58, lexical=0.41, margin=0.32, agrees=True)
    ranked = (
        ("other-privacy", 58.5, "it"),
        ("public-safety", 12.4, "it"),
        ("digital-id", 11.0, "it"),
    )
    unsure = Match(None, 58.5, "it", tuple(t for t, _, _ in ranked), ranked, signals=signals)
    pointed = explainer.offered(unsure)
    assert (pointed.topic_id, pointed.signpost, pointed.suggestions) == (None, "other-privacy", ())

    topic_first = replace(unsure, ranked=(ranked[1], ranked[0], ranked[2]))
    offered = explainer.offered(topic_first)
    assert offered.signpost is None and set(offered.suggestions) == {"public-safety", "digital-id"}

    unknown_words = explainer.offered(replace(unsure, suggestions=(), signals=None))
    assert unknown_words.signpost is None and unknown_words.suggestions == ()
