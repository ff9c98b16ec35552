"""Loading and checking knowledge: every problem reported as path:line, all at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.knowledge import (
    ANSWER_MAX,
    ANSWER_MIN,
    MIN_ASK,
    SMALLTALK_MAX,
    SMALLTALK_MIN,
    load_knowledge,
    revision,
)
from bot.paths import KNOWLEDGE_DIR
from bot.problems import DataError

REQUIRED = [
    "biometric-data",
    "biometric-mass-surveillance",
    "facial-recognition",
    "fingerprints",
    "chilling-effect",
    "discrimination",
    "emotion-recognition",
    "eu-law",
    "ai-act",
    "secrecy",
    "public-safety",
    "nothing-to-hide",
    "documentary-belgrade",
    "video-surveillance-industry",
    "get-involved",
    "organisations-join",
    "campaign",
    "national-actions",
    "protect-yourself",
    "bot-privacy",
    "about-bot",
    # issue 10
    "your-rights",
    "borders-travel",
    "face-search",
    "shops-venues",
    "work-school",
    "own-devices",
    "police-protests",
    "accuracy-errors",
    "beyond-faces",
    "police-databases",
    "foi-requests",
    "campaign-demands",
    "other-privacy",
    "elsewhere",  # far off the subject: "what's the weather in Berlin"
    # issue 9: real questions about face-scan age checks
    "age-checks",
    # issue 9: real questions about digital-ID apps and cards with face checks
    "digital-id",
    # issue 9: "what is predictive policing?", "does the AI Act ban it?" got answers that
    # did not say (EDRi counts it among the forms of biometric mass surveillance)
    "predictive-policing",
    # issue 9: "what are the AI Act's fines?", "who enforces it?", "how do I complain?" got
    # the ai-act answer, which says none of it
    "ai-act-enforcement",
]


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_knowledge(directory)
    return [str(p) for p in caught.value.errors]


def test_shipped_knowledge_has_every_required_topic_in_every_language() -> None:
    kb = load_knowledge(KNOWLEDGE_DIR)
    assert set(REQUIRED) <= set(kb.topics)
    assert next(iter(kb.languages)) == "en"
    assert {"en", "de", "fr", "it", "es"} <= set(kb.languages)
    for language in kb.languages.values():
        assert set(language.entries) == set(kb.topics), language.code
        for entry in language.entries.values():
            assert len(entry.ask) >= MIN_ASK
            small = entry.topic_id in kb.smalltalk
            low, high = (SMALLTALK_MIN, SMALLTALK_MAX) if small else (ANSWER_MIN, ANSWER_MAX)
            assert low <= len(entry.answer_plain) <= high, entry.topic_id
    for topic in kb.topics.values():
        assert topic.links or topic.related, topic.id


def test_shipped_translations_are_current() -> None:
    kb = load_knowledge(KNOWLEDGE_DIR)
    for lang in kb.languages:
        assert kb.outdated(lang) == [], lang


def test_shipped_knowledge_is_checked_and_fits_buttons() -> None:
    kb = load_knowledge(KNOWLEDGE_DIR)
    english = kb.languages["en"].entries
    for language in kb.languages.values():
        for topic_id, entry in language.entries.items():
            assert entry.checked and entry.checked >= (english[topic_id].checked or ""), topic_id
            assert len(entry.question) <= 40, (language.code, entry.question)
        assert all(len(label) <= 40 for label in language.link_labels.values()), language.code
    assert kb.smalltalk == {"thanks", "ping", "criticism", "follow-up", "languages"}
    assert kb.signposts == {"other-privacy", "elsewhere", *kb.smalltalk}


def test_loaded_knowledge_is_immutable() -> None:
    kb = load_knowledge(KNOWLEDGE_DIR)
    with pytest.raises(TypeError):
        kb.topics["new"] = kb.topics["fingerprints"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        kb.languages["en"].entries["fingerprints"].answer = "x"  # type: ignore[misc]


def test_every_problem_is_reported_with_path_and_line(knowledge_copy: Path) -> None:
    en = knowledge_copy / "en.yaml"
    text = en.read_text(encoding="utf-8")
    # 1. an unknown key, 2. a topic not declared in topics.yaml, 3. invalid markup
    text = text.replace(
        "    question: What is biometric data?",
        "    question: What is biometric data?\n    colour: red",
        1,
    )
    text += "  made-up-topic:\n    question: x\n    ask: [a, b, c, d, e, f, g, h]\n    answer: y\n"
    text = text.replace("<b>Biometric data</b>", "<b>Biometric data</i>", 1)
    en.write_text(text, encoding="utf-8")
    links = knowledge_copy / "links.yaml"
    links.write_text(
        links.read_text().replace("https://reclaimyourface.eu/transparency/", "ftp://nope")
    )
    found = problems_of(knowledge_copy)
    lines = text.splitlines()
    colour_line = next(i for i, line in enumerate(lines, 1) if "colour: red" in line)
    assert any(
        p.endswith(
            f"en.yaml:{colour_line}: topic 'biometric-data': unknown key 'colour' (expected: question, ask, answer, checked)"
        )
        for p in found
    )
    assert any("made-up-topic" in p and "not declared in topics.yaml" in p for p in found)
    assert any("answer: '</i>' closes a tag that is not open" in p for p in found)
    assert any(
        re.search(
            r"links\.yaml:\d+: link 'campaign-transparency': 'ftp://nope' is not a valid https:// URL",
            p,
        )
        for p in found
    )
    assert all(re.match(r"^\S+\.yaml:\d+: ", p) for p in found)


def test_duplicates_short_lists_and_long_answers(knowledge_copy: Path) -> None:
    topics = knowledge_copy / "topics.yaml"
    topics.write_text(
        topics.read_text() + "  fingerprints:\n    order: 99\n    related: []\n    links: [gdpr]\n"
    )
    en = knowledge_copy / "en.yaml"
    text = en.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    start = lines.index("  chilling-effect:\n")
    answer_at = next(i for i in range(start, len(lines)) if lines[i].startswith("    answer:"))
    asks = [i for i in range(start, answer_at) if lines[i].startswith("      - ")]
    text = "".join(line for i, line in enumerate(lines) if i not in asks[3:])
    text = text.replace("a scan of your face", "a " + "very " * 300 + "scan of your face", 1)
    en.write_text(text, encoding="utf-8")
    found = "\n".join(problems_of(knowledge_copy))
    assert "duplicate key 'fingerprints' (first on line" in found
    assert "topic 'chilling-effect' has 3 ways of asking; at least 8 are needed" in found
    assert re.search(
        r"topic 'biometric-data' answer has \d+ characters; it must have 300 to 1200", found
    )


def test_small_talk_is_a_short_signpost(knowledge_copy: Path) -> None:
    kb = load_knowledge(knowledge_copy)
    assert "thanks" in kb.smalltalk and "thanks" in kb.signposts
    assert "thanks" not in kb.menu_topics
    en = knowledge_copy / "en.yaml"
    text = en.read_text(encoding="utf-8")
    start = text.index("  thanks:\n")
    answer = text.index("    answer: |\n      ", start) + len("    answer: |\n      ")
    en.write_text(text[:answer] + "Much " * 70 + text[answer:], encoding="utf-8")
    found = "\n".join(problems_of(knowledge_copy))
    assert re.search(
        r"en\.yaml:\d+: topic 'thanks' answer has \d+ characters; it must have 20 to 300", found
    )


def test_broken_yaml_and_bad_bytes_name_the_line(knowledge_copy: Path) -> None:
    en = knowledge_copy / "en.yaml"
    lines = en.read_text(encoding="utf-8").splitlines()
    broken = lines.index("subject words:")  # a top-level key, wherever the lists above end
    lines[broken] = "   broken: [indentation"
    en.write_text("\n".join(lines), encoding="utf-8")
    (knowledge_copy / "fr.yaml").write_bytes(b"language: fr\nlinks: {}\ntopics:\n  bad: \xff\xfe\n")
    found = problems_of(knowledge_copy)
    named = [int(m[1]) for p in found if (m := re.search(r"en\.yaml:(\d+): invalid YAML", p))]
    assert named and broken + 1 <= named[0] <= broken + 3, found  # at the broken line or just after
    assert any(p.endswith("fr.yaml:4: not valid UTF-8 text") for p in found)


def test_missing_translation_falls_back_to_english_with_a_warning(knowledge_copy: Path) -> None:
    (knowledge_copy / "nl.yaml").write_text(
        "language: nl\nlinks:\n  gdpr: AVG (volledige tekst)\ntopics: {}\n", encoding="utf-8"
    )
    kb = load_knowledge(knowledge_copy)
    assert kb.entry("fingerprints", "nl") is kb.languages["en"].entries["fingerprints"]
    assert kb.link_label("gdpr", "nl") == "AVG (volledige tekst)"
    assert any(
        "not translated, English is shown instead" in str(w) and w.warning for w in kb.warnings
    )


def test_outdated_translation_is_detected(knowledge_copy: Path) -> None:
    kb = load_knowledge(knowledge_copy)
    entry = kb.languages["en"].entries["fingerprints"]
    nl = ("language: nl\nlinks: {}\ntopics:\n  fingerprints:\n"
          f"    source: {revision(entry)}\n    question: Wat is er mis met vingerafdrukken?\n"
          "    ask: [a b, c d, e f, g h, i j, k l, m n, o p]\n"
          f"    answer: {'Vingerafdrukken blijven je hele leven hetzelfde. ' * 8}\n")  # fmt: skip
    (knowledge_copy / "nl.yaml").write_text(nl, encoding="utf-8")
    assert load_knowledge(knowledge_copy).outdated("nl") == []
    en = knowledge_copy / "en.yaml"
    first = entry.answer.split(". ")[0]  # the English answer's first sentence, reworded
    text = en.read_text(encoding="utf-8")
    assert text.count(first) == 1
    en.write_text(text.replace(first, first.upper()), encoding="utf-8")
    kb = load_knowledge(knowledge_copy)
    assert kb.outdated("nl") == ["fingerprints"]
    assert any("'fingerprints' is outdated" in str(w) for w in kb.warnings)


def test_function_words_are_read_and_a_short_list_is_an_error(knowledge_copy: Path) -> None:
    fr = load_knowledge(KNOWLEDGE_DIR).languages["fr"]
    assert {"le", "des", "mes", "où"} <= fr.function_words
    assert "empreintes" not in fr.function_words
    path = knowledge_copy / "fr.yaml"
    text = (KNOWLEDGE_DIR / "fr.yaml").read_text(encoding="utf-8")
    start = text.index("function words: >")
    end = text.index("\nlinks:", start)
    path.write_text(text[:start] + "function words: le la les\n" + text[end + 1 :], "utf-8")
    line = text[:start].count("\n") + 1
    found = problems_of(knowledge_copy)
    assert any(
        p.endswith(
            f"fr.yaml:{line}: function words: 3 listed; give at least 20, "
            "or leave the key out to use a general list"
        )
        for p in found
    ), found


def test_one_topic_may_say_which_languages(knowledge_copy: Path) -> None:
    shipped = load_knowledge(KNOWLEDGE_DIR)
    assert shipped.languages_topic == "languages" and shipped.scripts == frozenset({"LATIN"})
    names = shipped.language_names
    assert names["italiano"] == names["italienisch"] == names["italian"] == "it"
    assert names["francais"] == names["francese"] == "fr" and names["ingles"] == "en"
    path = knowledge_copy / "topics.yaml"
    text = (KNOWLEDGE_DIR / "topics.yaml").read_text(encoding="utf-8")
    start = text.index("  ping:\n")
    written = text[:start] + "  ping:\n    which languages: true\n" + text[start + 8 :]
    path.write_text(written)
    line = written[: written.index("which languages", start + 30)].count("\n") + 1
    found = problems_of(knowledge_copy)  # the second one named is the error
    expected = f"topics.yaml:{line}: topic 'languages': another topic has which languages"
    assert any(p.endswith(expected) for p in found), found


def test_marks_are_read_and_a_letter_among_them_is_named_with_its_line(
    knowledge_copy: Path,
) -> None:
    assert load_knowledge(KNOWLEDGE_DIR).languages["es"].marks == frozenset("¿¡")
    assert load_knowledge(KNOWLEDGE_DIR).languages["fr"].marks == frozenset()
    path = knowledge_copy / "es.yaml"
    text = (KNOWLEDGE_DIR / "es.yaml").read_text(encoding="utf-8")
    start = text.index("marks: ")
    end = text.index("\n", start)
    path.write_text(text[:start] + "marks: ¿ ñ ¡!" + text[end:], "utf-8")
    line = text[:start].count("\n") + 1
    found = problems_of(knowledge_copy)
    for mark in ("ñ", "¡!"):
        expected = f"es.yaml:{line}: marks: {mark!r} is not one character outside words, such as ¿"
        assert any(p.endswith(expected) for p in found), found


def test_subject_words_are_read_and_a_bad_one_is_named_with_its_line(
    knowledge_copy: Path,
) -> None:
    shipped = load_knowledge(KNOWLEDGE_DIR)
    assert "reconnaissance faciale" in shipped.languages["fr"].subject_words
    assert shipped.subject.named_in("Mon propriétaire installe la RECONNAISSANCE faciale")
    path = knowledge_copy / "fr.yaml"
    text = (KNOWLEDGE_DIR / "fr.yaml").read_text(encoding="utf-8")
    start = text.index("subject words:\n")
    end = text.index("\nlinks:", start)
    path.write_text(text[:start] + "subject words:\n  - biométrie\n  - '?!'\n" + text[end + 1 :])
    line = text[:start].count("\n") + 3
    found = problems_of(knowledge_copy)
    assert any(p.endswith(f"fr.yaml:{line}: subject words: '?!' has no word in it") for p in found)
    path.write_text(text[:start] + "subject words: biométrie\n" + text[end + 1 :])
    found = problems_of(knowledge_copy)
    assert any(p.endswith(f"fr.yaml:{line - 2}: subject words must be a list") for p in found)


def test_a_file_that_is_not_yaml_gets_one_problem_not_a_cascade(knowledge_copy: Path) -> None:
    en = knowledge_copy / "en.yaml"
    text = en.read_text(encoding="utf-8").replace("language: en", "language: [en", 1)
    en.write_text(text, encoding="utf-8")
    found = [p for p in problems_of(knowledge_copy) if p.startswith(str(en))]
    assert len(found) == 1 and "invalid YAML" in found[0], found


def test_name_forms_are_read_and_bad_ones_are_named_with_their_line(
    knowledge_copy: Path,
) -> None:
    shipped = load_knowledge(KNOWLEDGE_DIR)
    assert ("Italian", "Italy") in shipped.languages["en"].name_forms
    assert ("italienisch", "Italien") in shipped.languages["de"].name_forms
    path = knowledge_copy / "en.yaml"
    text = (KNOWLEDGE_DIR / "en.yaml").read_text(encoding="utf-8")
    start = text.index("name forms:\n")
    end = text.index("\nlinks:", start)
    line = text[:start].count("\n") + 1
    unknown = "name forms:\n  Italy: Italian\n  Atlantis: Atlantean\n"
    path.write_text(text[:start] + unknown + text[end + 1 :], encoding="utf-8")
    kb = load_knowledge(knowledge_copy)  # a name no answer sets in bold: a warning only
    assert kb.languages["en"].name_forms == (("Italian", "Italy"), ("Atlantean", "Atlantis"))
    [warned] = [str(w) for w in kb.warnings if "Atlantis" in w.message]
    assert warned.endswith(
        f"en.yaml:{line + 2}: warning: name forms: no answer in this file sets "
        "'Atlantis' in bold, so its forms do nothing (write the name as "
        "the answers do)"
    )
    twice = "name forms:\n  Italy: Italian\n  Spain: Spanish, italian\n  France: ' ,'\n"
    path.write_text(text[:start] + twice + text[end + 1 :], encoding="utf-8")
    found = problems_of(knowledge_copy)
    assert any(
        p.endswith(f"en.yaml:{line + 2}: name forms: 'italian' is given for 'Italy' too")
        for p in found
    ), found
    assert any(
        p.endswith(f"en.yaml:{line + 3}: name forms of 'France': '' has no word in it")
        for p in found
    ), found
