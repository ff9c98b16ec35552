"""A translator adds Dutch with two files and no code; the bot then answers and speaks Dutch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot import dialogue
from bot.explainer import Explainer
from bot.knowledge import load_knowledge
from bot.storage import Store

NL_ANSWER = (
    "Je vingerafdrukken blijven je hele leven hetzelfde. Lekt een databank met vingerafdrukken "
    "uit, dan kun je ze niet veranderen zoals een wachtwoord. Onder de AVG zijn vingerafdrukken "
    "die je identificeren gevoelige gegevens. Het Europese Hof oordeelde dat de politie niet "
    "zomaar van iedere verdachte foto's, vingerafdrukken en DNA mag afnemen. Vraag dus altijd "
    "waarom ze nodig zijn en waar ze bewaard worden."
)


def add_dutch(knowledge: Path, locales: Path) -> None:
    revision = load_knowledge(knowledge).revision("fingerprints")
    asks = "\n".join(
        f"      - {a}"
        for a in [
            "vingerafdrukken", "waarom zijn vingerafdrukken gevoelig", "vingerafdruk afgeven",
            "vingerafdrukken in mijn paspoort", "wat is er mis met vingerafdrukken",
            "databank met vingerafdrukken", "vingerafdruk politie", "mag de politie mijn vingerafdruk nemen",
        ]
    )  # fmt: skip
    (knowledge / "nl.yaml").write_text(
        "language: nl\nlinks:\n  gdpr: AVG (volledige tekst)\ntopics:\n  fingerprints:\n"
        f"    source: {revision}\n    question: Wat is er mis met vingerafdrukken?\n"
        f"    ask:\n{asks}\n    answer: |\n      {NL_ANSWER}\n",
        encoding="utf-8",
    )
    po_dir = locales / "nl" / "LC_MESSAGES"
    po_dir.mkdir(parents=True)
    (po_dir / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: nl\\n"\n\n'
        'msgid "Share this answer"\nmsgstr "Deel dit antwoord"\n\n'
        'msgid "Which language should I use?"\nmsgstr "Welke taal zal ik gebruiken?"\n',
        encoding="utf-8",
    )


def test_new_language_from_files_only(knowledge_copy: Path, locales_copy: Path) -> None:
    add_dutch(knowledge_copy, locales_copy)
    ex = Explainer.load(knowledge_copy, locales_copy)
    assert "nl" in ex.languages
    turn = dialogue.Turn(ex, Store(":memory:"), chat_id=5, client_code="nl-BE")
    reply, lang = dialogue.question(turn, "Waarom zijn mijn vingerafdrukken gevoelig?")
    assert (reply.topic_id, lang) == ("fingerprints", "nl")
    assert "Je vingerafdrukken blijven je hele leven hetzelfde." in reply.html
    labels = [button.label for row in reply.buttons for button in row]
    assert "Deel dit antwoord" in labels and "AVG (volledige tekst)" in labels
    # an untranslated topic falls back to English, with the Dutch UI around it
    reply, lang = dialogue.question(turn, "what is the chilling effect")
    assert lang == "en" and reply.topic_id == "chilling-effect"
    menu, _ = dialogue.command(turn, "language")
    assert menu.html == "Welke taal zal ik gebruiken?"
    assert "Nederlands" in [b.label for row in menu.buttons for b in row]


def test_check_reports_the_new_language(knowledge_copy: Path, locales_copy: Path) -> None:
    add_dutch(knowledge_copy, locales_copy)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--knowledge", str(knowledge_copy), "--locales", str(locales_copy)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line}
    topics = len(load_knowledge(knowledge_copy).languages["en"].entries)
    # topics, ways of asking, subject words
    assert rows["nl"][1:5] == ["(Nederlands)", f"1/{topics}", "8", "0"]
    assert rows["en"][4] == str(len(load_knowledge(knowledge_copy).languages["en"].subject_words))
    assert "topic(s) not translated, English is shown instead" in result.stdout
    assert "UI string(s) not translated" in result.stdout
