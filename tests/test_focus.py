"""The part of an answer a question is about comes first; nothing else changes."""

from __future__ import annotations

import pytest

from bot.focus import focused
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.markup import problems
from bot.paths import KNOWLEDGE_DIR

LIST = (
    "Country by country:\n"
    "• <b>Germany</b>: trials at a Berlin station.\n"
    "• <b>Italy</b>: the SARI system searches photo files.\n"
    "• <b>Spain</b>: a supermarket chain was fined."
)
SECTIONS = (
    "Phones unlock with your face; the template stays on the phone.\n\n"
    "These templates never leave the phone, says <b>Apple</b>.\n\n"
    "<b>Worldcoin</b> pays crypto tokens for an iris scan.\n\n"
    "<b>Photo apps</b> group pictures by face."
)


def test_a_bullet_the_question_names_moves_to_the_top_of_its_list() -> None:
    out = focused(LIST, "is SARI legal in Italy?", "en")
    lines = out.split("\n")
    assert lines[0] == "Country by country:"  # the lead-in stays before the list
    assert lines[1].startswith("• <b>Italy</b>")
    assert sorted(lines) == sorted(LIST.split("\n"))


def test_a_paragraph_opening_with_a_bold_name_moves_to_the_front() -> None:
    out = focused(SECTIONS, "is worldcoin's iris scan legal?", "en")
    assert out.startswith("<b>Worldcoin</b>")
    assert sorted(out.split("\n\n")) == sorted(SECTIONS.split("\n\n"))


def test_a_paragraph_may_open_with_an_article_before_its_name() -> None:
    french = (
        "Les caméras filment.\n\nL'<b>Italie</b> a suspendu ces caméras.\n\nLe <b>CNIL</b> veille."
    )
    assert focused(french, "et l'Italie ?", "fr").startswith("L'<b>Italie</b>")
    late = "Cameras film.\n\nThe best case is <b>Mercadona</b>: it scanned everyone."
    assert focused(late, "what did Mercadona do?", "en") == late  # four words before it


def test_a_paragraph_that_leans_on_the_one_before_stays() -> None:
    # "Apple" is only in "These templates...", which does not open with it
    assert focused(SECTIONS, "does Apple keep my face?", "en") == SECTIONS


def test_a_name_a_later_part_mentions_again_still_points_at_its_part() -> None:
    later = SECTIONS + "\n\nYou can ask Worldcoin to delete your iris code."
    assert focused(later, "is worldcoin legal?", "en").startswith("<b>Worldcoin</b>")
    # but a word an earlier part uses is no name of the later part
    earlier = "Can a photo fool face unlock?\n\n" + SECTIONS
    assert focused(earlier, "is my photo safe?", "en") == earlier


def test_a_name_misspelt_by_one_letter_still_points_at_its_part() -> None:
    london = "Police may scan faces.\n\n<b>London</b>'s police delete faces with no alert."
    assert focused(london, "what do the police in Londen do?", "en").startswith("<b>London</b>")
    assert focused(london, "what do the police in Londn do?", "en").startswith("<b>London</b>")
    # two letters off is no name, nor one letter off a short name's word, which is as
    # often another form of a word ("stellt" is not a typo of "Stell")
    assert focused(london, "what do the police in Lundan do?", "en") == london
    short = "Cameras film.\n\n<b>Spain</b> fined a supermarket."
    assert focused(short, "and in Spaon?", "en") == short
    german = "Kameras filmen.\n\n• Vorab:\n• <b>Stell Anträge.</b> Schreib der Stadt."
    assert focused(german, "es stellt sich heraus", "de") == german


def test_only_bold_names_point_at_a_part() -> None:
    # "supermarket" and "photo files" are in one bullet each, but name neither
    assert focused(LIST, "can a supermarket scan me?", "en") == LIST
    assert focused(LIST, "who searches photo files?", "en") == LIST


def test_no_single_part_named_or_a_tie_changes_nothing() -> None:
    assert focused(LIST, "what is facial recognition?", "en") == LIST
    assert focused(LIST, "Germany or Spain?", "en") == LIST  # one word for each: a tie


def test_words_of_the_heading_and_function_words_point_at_nothing() -> None:
    # "Italy" is in the topic's own question: it says what the whole answer is about
    assert focused(LIST, "Italy?", "en", heading="Face recognition in Italy") == LIST
    assert focused(LIST, "the Italy", "en", function_words=frozenset({"italy"})) == LIST


def test_the_first_bullet_or_paragraph_is_already_first() -> None:
    assert focused(LIST, "what about Germany?", "en") == LIST


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE_DIR)


def test_every_shipped_answer_keeps_its_lines_and_valid_markup(kb: KnowledgeBase) -> None:
    """Each topic's answer, focused on each of its ways of asking in each language: the
    same lines in some order, markup Telegram accepts; and some are really focused."""
    moved = 0
    for code, language in kb.languages.items():
        for entry in language.entries.values():
            answer = entry.answer.strip()
            for asked in entry.ask:
                out = focused(answer, asked, code, entry.question, language.function_words)
                assert sorted(out.split("\n")) == sorted(answer.split("\n")), (code, asked)
                assert problems(out) == [], (code, asked)
                moved += out != answer
    assert moved > 0
