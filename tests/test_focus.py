"""The part of an answer a question is about comes first; nothing else changes."""

from __future__ import annotations

import pytest

from bot.explainer import Explainer
from bot.focus import focused
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.markup import problems
from bot.paths import KNOWLEDGE_DIR
from bot.replies import answer_text

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


FORMS = (("Italian", "Italy"), ("Czech Republic", "Czechia"), ("Spanish", "Spain"))


def test_a_listed_form_of_a_name_points_at_its_part_as_the_name_does() -> None:
    assert focused(LIST, "does the Italian police use it?", "en", name_forms=FORMS).split("\n")[
        1
    ] == ("• <b>Italy</b>: the SARI system searches photo files.")
    out = focused(LIST, "what do the ITALIANS do", "en", name_forms=FORMS)  # a form's terms
    assert out.split("\n")[1].startswith("• <b>Italy</b>")
    assert sorted(out.split("\n")) == sorted(LIST.split("\n"))
    czech = "Where:\n• <b>Germany</b>: trials.\n• <b>Czechia</b>: an airport."
    moved = focused(czech, "and in the czech republic?", "en", name_forms=FORMS)
    assert moved.split("\n")[1] == "• <b>Czechia</b>: an airport."  # a form of two words


def test_without_the_form_listed_a_name_s_other_word_points_at_nothing() -> None:
    assert focused(LIST, "does the Italian police use it?", "en") == LIST
    # a form whose name is in two parts points at neither, as the name itself
    twice = LIST + "\n• <b>Italy</b> again."
    assert focused(twice, "the Italian police?", "en", name_forms=FORMS) == twice


def test_a_form_misspelt_by_one_letter_counts_unless_the_language_uses_the_word() -> None:
    out = focused(LIST, "does the Itallian police use it?", "en", name_forms=FORMS)
    assert out.split("\n")[1].startswith("• <b>Italy</b>")
    # a word the knowledge itself uses is no typo ("schweigen" is not "Schweiz")
    knows = {"itallian"}.__contains__
    assert focused(LIST, "the Itallian police?", "en", name_forms=FORMS, knows=knows) == LIST
    # two letters off is no form, nor a typo in a form's first letters (not looked for)
    assert focused(LIST, "the Itallien police?", "en", name_forms=FORMS) == LIST
    assert focused(LIST, "the Utalian police?", "en", name_forms=FORMS) == LIST


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


def test_the_shipped_name_forms_focus_each_language_s_country_list(kb: KnowledgeBase) -> None:
    """The country list's bullets, asked about with an adjective in each language."""
    asked = {
        "en": ("does the Italian police use it?", "Italy"),
        "de": ("Nutzt die französische Polizei das?", "Frankreich"),
        "fr": ("Et la police espagnole ?", "Espagne"),
        "it": ("la polizia austriaca lo usa?", "Austria"),
        "es": ("¿Y la policía italiana?", "Italia"),
    }
    for code, (question, name) in asked.items():
        language = kb.languages[code]
        entry = language.entries["countries"]
        answer = entry.answer.strip()
        bullets = [line for line in answer.split("\n") if line.startswith("•")]
        assert not bullets[0].startswith(f"• <b>{name}</b>"), code  # else this proves nothing
        plain = focused(answer, question, code, entry.question, language.function_words)
        assert plain == answer, code  # without the forms, nothing moves
        out = focused(
            answer, question, code, entry.question, language.function_words, language.name_forms
        )
        first = next(line for line in out.split("\n") if line.startswith("•"))
        assert first.startswith(f"• <b>{name}</b>"), (code, first)


def test_a_misspelt_form_focuses_the_shipped_country_list_through_the_reply(
    explainer: Explainer,
) -> None:
    """As a German asks, with a typo in the adjective, through `replies.answer_text`."""
    out = answer_text(explainer, "countries", "de", "Benutzt die franzözische Polizei das?")
    first = next(line for line in out.split("\n") if line.startswith("•"))
    assert first.startswith("• <b>Frankreich</b>"), first
    # the guard's vocabulary is the matcher's: a word the language uses, not a typo
    assert explainer.matcher.uses("de", "polizei")
    assert not explainer.matcher.uses("de", "franzözische")
