"""The matcher: typos, word forms, weighting, declining, and answering in the question's language."""

from __future__ import annotations

import random

import pytest

from bot.explainer import Explainer
from bot.lexical import STOP_WEIGHT, LexicalIndex
from bot.matcher import Matcher, Phrasing
from bot.textnorm import term

EN_DE = [
    Phrasing("prints", "en", "what is wrong with giving my fingerprints"),
    Phrasing("prints", "en", "fingerprint database risks"),
    Phrasing("faces", "en", "how does facial recognition work"),
    Phrasing("faces", "en", "cameras that recognise faces"),
    Phrasing("film", "en", "documentary about the cameras in Belgrade"),
    Phrasing("prints", "de", "was ist das Problem mit Fingerabdrücken"),
    Phrasing("prints", "de", "Fingerabdruck Datenbank Risiken"),
    Phrasing("faces", "de", "wie funktioniert Gesichtserkennung"),
    Phrasing("faces", "de", "Kameras die Gesichter erkennen"),
    Phrasing("film", "de", "Dokumentarfilm über die Kameras in Belgrad"),
]


@pytest.fixture(scope="module")
def two_languages() -> Matcher:
    return Matcher(EN_DE, topic_order=["prints", "faces", "film"])


@pytest.mark.parametrize(
    ("question", "topic", "lang"),
    [
        ("fingreprints", "prints", "en"),  # typo
        ("FINGERPRINT!!", "prints", "en"),  # case, punctuation, word form
        ("facial recogniton", "faces", "en"),  # typo
        ("Wie funktioniert Gesichtserkennung?", "faces", "de"),
        ("fingerabdrucke", "prints", "de"),  # accents dropped
        ("Gibt es einen Dokumentarfilm über Belgrad?", "film", "de"),
        ("documentary belgrade", "film", "en"),
    ],
)
def test_two_language_fixture(two_languages: Matcher, question: str, topic: str, lang: str) -> None:
    match = two_languages.match(question)
    assert (match.topic_id, match.lang) == (topic, lang)


def test_rare_words_outweigh_common_ones(two_languages: Matcher) -> None:
    # "what is" and "the" are in several phrasings; "belgrade" only in one topic
    assert two_languages.match("what is the thing in belgrade").ranked[0][0] == "film"


def test_off_topic_is_declined(two_languages: Matcher) -> None:
    for question in ["what time is it", "play some music", "qwertyuiop", "", "🙂🙂", "   "]:
        assert two_languages.match(question).topic_id is None, question


def test_deterministic(two_languages: Matcher) -> None:
    first = [two_languages.match(q) for q, *_ in [("cameras",), ("kameras belgrad",)]]
    again = [two_languages.match(q) for q, *_ in [("cameras",), ("kameras belgrad",)]]
    assert first == again


def test_shipped_knowledge_typos_and_languages(explainer: Explainer) -> None:
    cases = {
        "fingreprints": "fingerprints",
        "what is facial recogniton": "facial-recognition",
        "Was sind biometrische Datn?": "biometric-data",
        "reconocimiento facial": "facial-recognition",
        "empreintes digitales": "fingerprints",
        "documentary about belgrade": "documentary-belgrade",
    }
    for question, topic in cases.items():
        assert explainer.ask(question).topic_id == topic, question
    assert explainer.ask("Was sind biometrische Datn?").lang == "de"
    assert explainer.ask("qué es el reconocimiento facial").lang == "es"


def test_long_rambling_message_still_finds_the_topic(explainer: Explainer) -> None:
    question = (
        "hi, sorry to bother you, my cousin told me at dinner yesterday that the police in "
        "our town want to store everyone's fingerprints in a big database and I honestly "
        "don't know what to think about it, is that a problem?"
    )
    match = explainer.ask(question)
    assert match.topic_id == "fingerprints" or "fingerprints" in match.suggestions


def test_odd_unicode_never_breaks(explainer: Explainer) -> None:
    for text in ["\u0000\u200b", "🤖" * 4096, "a" * 10000, "ß" * 50, "\ud7ff", "Ω≈ç√∫˜µ≤≥÷"]:
        match = explainer.ask(text)
        assert 0 <= match.score <= 100


def test_a_language_s_own_function_words_replace_the_general_list() -> None:
    """The general French list misses "de" and wrongly holds "état" (state); a knowledge
    file's own list fixes both: "de" weighs little, "état" counts like any topic word."""
    phrasings = [
        Phrasing("a", "fr", "surveillance de l'état"),
        Phrasing("a", "fr", "l'état nous surveille"),
        Phrasing("b", "fr", "mes empreintes de doigts"),
        Phrasing("c", "fr", "données de mon visage"),
    ]
    listed = frozenset(
        ["le", "la", "les", "l", "de", "des", "du", "mes", "mon", "ma", "au", "nous"]
    )
    general = LexicalIndex(phrasings)
    own = LexicalIndex(phrasings, function_words={"fr": listed})
    assert _weight(own, "de") == STOP_WEIGHT < _weight(general, "de")
    assert _weight(general, "état") == STOP_WEIGHT < _weight(own, "état")


def _weight(index: LexicalIndex, word: str) -> float:
    return index._indexes["fr"].weights[term(word, "fr")]


INTRODUCTION, SMALL_TALK = ("about-bot", None), (None, "thanks")  # (topic, signpost)


@pytest.mark.parametrize(
    ("greeting", "alone", "question", "topic"),
    [
        ("hello", INTRODUCTION, "hello, what is facial recognition", "facial-recognition"),
        ("thanks", SMALL_TALK, "thanks! and what does the AI Act ban?", "ai-act"),
        ("hallo", INTRODUCTION, "Hallo, was ist Gesichtserkennung?", "facial-recognition"),
        ("merci", SMALL_TALK, "merci, c'est quoi l'AI Act", "ai-act"),
        ("ciao", INTRODUCTION, "ciao, cos'è il riconoscimento facciale", "facial-recognition"),
        ("gracias", SMALL_TALK, "gracias, qué es la ley de IA", "ai-act"),
    ],
)
def test_a_greeting_alone_is_about_the_bot_but_not_before_a_question(
    explainer: Explainer,
    greeting: str,
    alone: tuple[str | None, str | None],
    question: str,
    topic: str,
) -> None:
    """Greetings and thanks are function words: alone they still find the bot's
    introduction (thanks: the small-talk reply), but in front of a real question they no
    longer outweigh it."""
    match = explainer.ask(greeting)
    assert (match.topic_id, match.signpost) == alone
    assert explainer.ask(question).topic_id == topic


@pytest.mark.parametrize(
    ("question", "topic", "lang"),
    [
        (
            "Which fines can a shop get for banned face recognition under the AI Act?",
            "ai-act-enforcement",
            "en",
        ),
        (
            "Wo beschwere ich mich, wenn eine Firma gegen die KI-Verordnung verstößt?",
            "ai-act-enforcement",
            "de",
        ),
        ("Qui sanctionne les entreprises qui violent l'AI Act ?", "ai-act-enforcement", "fr"),
        ("¿Ante quién reclamo si una empresa usa IA prohibida?", "ai-act-enforcement", "es"),
        ("is social scoring allowed under the AI Act?", "ai-act", "en"),
        ("Ist Social Scoring in der EU erlaubt?", "ai-act", "de"),
    ],
)
def test_the_ai_act_s_bans_and_its_enforcement_are_told_apart(
    explainer: Explainer, question: str, topic: str, lang: str
) -> None:
    """Fines, authorities and complaints have their own answer; a question about one of
    the bans gets the list of bans, which names social scoring (it left it out)."""
    match = explainer.ask(question)
    assert (match.topic_id, match.lang) == (topic, lang), question
    if topic == "ai-act":
        answer = explainer.knowledge.languages[lang].entries[topic].answer_plain
        assert "Social Scoring" in answer or "social scoring" in answer


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("is facial recognition dangerous?", "en"),
        ("ist gesichtserkenung gefährlich?", "de"),  # typo as people type it
        ("la reconnaissance faciale est-elle dangereuse ?", "fr"),
        ("il riconoscimento facciale è pericoloso?", "it"),
        ("¿es peligroso el reconocimiento facial?", "es"),
    ],
)
def test_an_opinion_question_is_answered_in_its_language(
    explainer: Explainer, question: str, lang: str
) -> None:
    """The question our guide names as typical of real users: it was a 'did you mean'."""
    match = explainer.ask(question)
    assert (match.topic_id, match.lang) == ("facial-recognition", lang), question


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Cos'è l'EES (Entry/Exit System)?", "it"),  # a real question (real-tune.jsonl)
        ("Qu'est-ce que l'EES (Entry/Exit System) ?", "fr"),
        ("Was ist das EES (Entry/Exit System)?", "de"),
        ("¿Qué es el EES (Entry/Exit System)?", "es"),
        ("What is the Entry/Exit System?", "en"),
    ],
)
def test_a_question_borrowing_english_terms_is_answered_in_its_grammar_s_language(
    explainer: Explainer, question: str, lang: str
) -> None:
    """English knows more of the words of "Cos'è l'EES (Entry/Exit System)?", but its
    function words are Italian: the answer is Italian, whatever the asker's client says."""
    match = explainer.ask(question)
    assert (match.topic_id, match.lang) == ("borders-travel", lang), question


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("que es la policia predictiva", "es"),  # a helper's probe: was English
        ("Helfen Brillen oder Make-up gegen Gesichtserkennung?", "de"),  # likewise ("up")
        ("sos un bot o una persona?", "es"),  # voseo; "o", "un", "una" are Italian too
        ("que es clearview", None),  # Spanish or French: the chat's language decides
        ("Ok", None),  # was English for a German or Italian chat
        ("okay", None),  # was German for an Italian chat
        ("emotion recognition AI", None),  # one word each ("ai": French, Italian) settles nothing
        # chat German's "ne" (eine) ties French's "ne quelle": "dafür" settles it (was French)
        ("hast du dafür ne quelle", "de"),
        # "pues" and "bien": "me parece bien" was French ("bien", "me") for a Spanish chat
        ("pues me parece bien", "es"),
    ],
)
def test_a_tie_of_function_words_goes_to_the_language_that_knows_the_other_words(
    explainer: Explainer, question: str, lang: str | None
) -> None:
    """The words "que", "es" and "la" are Spanish and French function words: "policia
    predictiva" makes the question Spanish; when no language knows more of the other
    words, the question has no language of its own and the chat's language replies."""
    assert explainer.ask(question).lang == lang, question


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        # native speakers' keyword messages, each answered in another language before
        ("como telecamere garante", "it"),  # the city of Como, not Spanish "como"
        ("uber eats selfie livreur", "fr"),  # not German "über"
        ("majorité numérique 15 ans", "fr"),  # not German "ans"
        ("eu entry exit system uk travellers", "en"),  # not French "eu"
        ("is Clearview legal", "en"),  # one function word, and no language knows more
        ("Merci", "fr"),
        ("netflix", None),  # off-topic, one word one language knows: was Italian
    ],
)
def test_one_function_word_is_no_grammar_when_another_language_knows_more_words(
    explainer: Explainer, question: str, lang: str | None
) -> None:
    """A keyword message's one "function word" is often another language's word or a
    name: the language that knows more of its words says what it is written in. One
    known word of a message no topic knows says nothing: the chat's language replies."""
    assert explainer.ask(question).lang == lang, question


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        # short Spanish questions answered in English before `marks: ¿ ¡` (es.yaml)
        ("¿Es legal PimEyes?", "es"),  # "es" alone was no grammar: English knows "legal"
        ("¿Y Clearview?", "es"),
        ("¿Eurodac?", "es"),  # no function word at all
        ("¿TikTok guarda mi cara?", "es"),  # "mi" is Italian too
        ("¿What is Clearview?", "en"),  # a stray mark does not outweigh two English words
    ],
)
def test_a_language_s_marks_count_as_its_grammar(
    explainer: Explainer, question: str, lang: str
) -> None:
    """Only Spanish writes "¿" and "¡": each counts as one more Spanish function word, so a
    short Spanish question whose words every language knows is answered in Spanish."""
    assert explainer.ask(question).lang == lang, question


def test_marks_break_a_tie_of_function_words() -> None:
    asking = [Phrasing("t", "es", "mi cara y mis datos"), Phrasing("t", "it", "mi faccia e i dati")]
    plain = LexicalIndex(asking, function_words={"es": frozenset({"mi"}), "it": frozenset({"mi"})})
    marked = LexicalIndex(
        asking,
        function_words={"es": frozenset({"mi"}), "it": frozenset({"mi"})},
        marks={"es": frozenset("¿¡")},
    )
    assert plain.grammar_languages("¿mi cara?") == ("es", "it")  # one word each: a tie
    assert marked.grammar_languages("¿mi cara?") == ("es",)
    assert marked.grammar_languages("mi cara?") == ("es", "it")


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        # round 9's phone typists: Italian without accents, with chat shorthand; each was
        # answered in Spanish ("e", "o", "no" are Spanish function words too) or French
        ("e vietato o no?", "it"),
        ("la campagna e finita no?", "it"),
        ("ke chiede la campagna adesso? la ice e finita no?", "it"),
        ("ke succede se nn do le impronte x la carta d identita", "it"),
    ],
)
def test_shorthand_in_the_function_words_keeps_a_phone_typed_question_in_its_language(
    explainer: Explainer, question: str, lang: str
) -> None:
    """Chat shorthand listed among a language's function words ("ke", "nn", "no") is that
    language's grammar: a question typed fast without accents is answered in it."""
    match = explainer.ask(question)
    assert match.topic_id is not None, question
    assert match.lang == lang, question


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Was fordert Reclaim Your Face?", "de"),  # a native speaker's probe: was English
        ("Was will Reclaim Your Face eigentlich genau?", "de"),  # likewise
        ("Que veut Reclaim Your Face ?", "fr"),
        ("What does Reclaim Your Face want?", "en"),
    ],
)
def test_the_campaign_s_name_says_nothing_of_the_question_s_language(
    explainer: Explainer, question: str, lang: str
) -> None:
    """Every language's answers write "Reclaim Your Face" as it is, so it is a name: its
    "your" is not English grammar, and the answer comes in the question's language."""
    match = explainer.ask(question)
    assert match.topic_id in {"campaign", "campaign-demands"}, question
    assert match.lang == lang, question


def test_names_are_the_capitalised_phrases_every_language_s_answers_share() -> None:
    answers = [
        Phrasing("camp", "en", "Reclaim Your Face asks for a ban. The Ban Word stays."),
        Phrasing("camp", "de", "Reclaim Your Face fordert ein Verbot."),
    ]
    asking = [Phrasing("camp", "en", "what is it"), Phrasing("camp", "de", "was ist das")]
    index = LexicalIndex(asking, answers)
    # "wie" is German, "your" English: a tie, unless the name's words are left out
    assert index.grammar_languages("Wie kämpft reclaim your face?") == ("de",)
    assert index.grammar_languages("how does reclaim your face work") == ("en",)
    # "The Ban Word" is in one language's answers only: its "the" still counts, a tie
    # with "wie" (of one word each: the other words do not settle it)
    assert set(index.grammar_languages("wie the ban word")) == {"en", "de"}
    alone = LexicalIndex([Phrasing("camp", "en", "what is it")], answers[:1])
    # with one language no phrase is shared by all: "your" counts, and only English is there
    assert alone.grammar_languages("Wie kämpft Reclaim Your Face?") == ("en",)


def test_a_flood_of_made_up_words_keeps_the_word_caches_bounded(
    two_languages: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each question word's readings are remembered (KBs a word): past the cap the caches
    start again, so the last questions' words are the ones kept, and answers are as with
    caches that never fill."""
    from bot import features, lexical

    questions = [f"qx{n}zz fingerprints database wz{n}q" for n in range(40)]
    questions += ["Wie funktioniert Gesichtserkennung?", "documentary belgrade"]
    unbounded = Matcher(EN_DE, topic_order=["prints", "faces", "film"])  # caps not reached
    fresh = [unbounded.match(q) for q in questions]
    monkeypatch.setattr(lexical, "WORD_CACHE", 8)
    monkeypatch.setattr(features, "WORD_CACHE", 8)
    sizes = []
    for question, expected in zip(questions, fresh, strict=True):
        assert two_languages.match(question) == expected
        sizes.append(len(two_languages._lexical._words))
        sizes.append(len(two_languages._vectorizer._word_columns))
    assert max(sizes) == 8
    assert {"documentary", "belgrade"} <= two_languages._lexical._words.keys()  # recent kept


def test_typo_candidates_found_for_all_languages_at_once_are_each_languages_own(
    explainer: Explainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The typo lookup searches every language's words together and passes rapidfuzz
    only the words whose letters could reach the cutoff (`bot.typos`); for each
    language, the best three and their scores must be what rapidfuzz finds among that
    language's words of a length within one (shorter, then alphabetically, first), for
    words of every kind: exact, a letter dropped, added, swapped, and letters scrambled
    (mostly nothing close). Sifting is on for every slice here, however short."""
    from rapidfuzz import fuzz, process

    from bot import typos

    monkeypatch.setattr(typos, "SIFT_FROM", 0)
    rng = random.Random(7)
    indexes = list(explainer.matcher._lexical._indexes.values())
    finder = typos.TypoFinder([index.surface for index in indexes])
    by_length = [sorted(index.surface, key=lambda w: (len(w), w)) for index in indexes]
    compared = found = 0
    for words in by_length:
        for word in rng.sample(words, 150):
            i = rng.randrange(len(word))
            for asked in (
                word,
                word[:i] + word[i + 1 :],
                word[:i] + rng.choice("aeinrstßé") + word[i:],
                word[:i] + word[i + 1 : i + 2] + word[i : i + 1] + word[i + 2 :],
                "".join(rng.sample(word, len(word))),
            ):
                if len(asked) < typos.TYPO_MIN_LEN:
                    continue
                candidates = finder.candidates(asked)
                for position, own in enumerate(by_length):
                    near = [w for w in own if abs(len(w) - len(asked)) <= typos.TYPO_LENGTH]
                    expected = process.extract(
                        asked, near, scorer=fuzz.ratio, score_cutoff=80.0, limit=3
                    )
                    assert candidates[position] == [r[:2] for r in expected], asked
                    compared += 1
                    found += len(expected)
    assert compared > 15000 and found > 3000


@pytest.mark.parametrize(
    "question",
    [
        # about this chat, not privacy elsewhere: each got the other-privacy pointer
        "r u spying on me?",
        "kann der Staat diesen Chat mitlesen?",
        "est-ce que tu m'espionnes ?",
    ],
)
def test_a_question_about_this_chat_s_privacy_gets_what_the_bot_stores(
    explainer: Explainer, question: str
) -> None:
    assert explainer.ask(question).topic_id == "bot-privacy", question


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Yüz tanıma nedir?", None),  # Turkish: was declined in Spanish
        ("Czym jest rozpoznawanie twarzy?", None),  # Polish: was declined in French
        ("Wie wird das Wetter morgen?", "de"),  # declined too, but its grammar is German
        ("what's the weather in Berlin", "en"),
    ],
)
def test_a_question_in_words_no_language_knows_has_the_language_its_grammar_says(
    explainer: Explainer, question: str, lang: str | None
) -> None:
    """Words of a language the bot does not speak are read as typos of its languages'
    words; only function words tell the language of a question declined for unknown
    words, else the chat's language replies."""
    match = explainer.ask(question)
    assert match.topic_id is None and match.lang == lang, question
