"""The domain core in one object: knowledge, matcher and UI catalogs, loaded together.

The bot, the command line and the tests all go through `Explainer.load()`. An
Explainer never changes; reloading builds a new one and swaps it in whole, so
a broken file can never leave a half-loaded bot.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bot import reactions, scripts
from bot.i18n import Catalogs, load_catalogs
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matcher import Match, Matcher, Phrasing
from bot.paths import KNOWLEDGE_DIR, LOCALES_DIR
from bot.problems import DataError, Problem
from bot.textnorm import folded_words, stop_words, words

MAX_ASIDE = 6  # words of small talk before or after a question ("tell me more about")
BESIDE_RANKS = 4  # the rest must answer one of the whole message's best topics after small talk
# a language named up to three words after one of these is the one the asker does not want
# ("no hablo inglés", "je ne parle pas anglais"); a language added later without its own
# negation here still gets the reply in a language it names, as any language did before
NEGATIONS = frozenset(
    {"no", "not", "don", "doesn", "never"}  # English
    | {"nicht", "kein", "keine", "nie"}  # German
    | {"ne", "pas", "jamais", "non"}  # French ("non" and "no" also Italian, Spanish)
    | {"mai", "nunca"}  # Italian, Spanish
)
NEGATION_REACH = 3
CLAUSE_ENDS = ",.;:!?"  # what ends a greeting said as an aside ("ciao bot, come stai?")


@dataclass(frozen=True)
class Explainer:
    knowledge: KnowledgeBase
    matcher: Matcher
    catalogs: Catalogs

    @classmethod
    def load(
        cls,
        knowledge_dir: Path | None = None,
        locales_dir: Path | None = None,
        cache_dir: Path | None = None,
        prepare: bool = False,
    ) -> Explainer:
        """Load everything; raise DataError with every problem of every file. `cache_dir`:
        where the trained model is kept between starts (`bot.modelcache`; None: none);
        `prepare` (the bot's start): the second look's encoder prepared meanwhile and
        loaded in the background (`Matcher.prepare`)."""
        problems: list[Problem] = []
        knowledge = catalogs = None
        try:
            knowledge = load_knowledge(knowledge_dir or KNOWLEDGE_DIR)
        except DataError as exc:
            problems.extend(exc.problems)
        try:
            catalogs = load_catalogs(locales_dir or LOCALES_DIR)
        except DataError as exc:
            problems.extend(exc.problems)
        if knowledge is None or catalogs is None:
            raise DataError(problems)
        return cls(
            knowledge, build_matcher(knowledge, cache_dir=cache_dir, prepare=prepare), catalogs
        )

    @property
    def languages(self) -> tuple[str, ...]:
        """Languages the bot speaks: those with a knowledge file, English first."""
        return tuple(self.knowledge.languages)

    def ask(self, question: str) -> Match:
        """The verdict on a message; a question beside small talk is what gets answered
        (`beside_small_talk`)."""
        return self.weigh(question)[0]

    def weigh(self, question: str) -> tuple[Match, str | None]:
        """`ask`'s verdict, and the small talk it stood beside when what was left of the
        message was answered instead (None otherwise): `ask --explain` says so. A
        message of emoji alone that a topic lists ("👍") gets that topic, in no language
        of its own, so the chat's language replies (`bot.reactions`); so does a message
        written only in scripts the knowledge does not use, which gets the topic marked
        `which languages` (`bot.scripts`). That topic, asked with one of the bot's
        languages named, replies in it (`in_named_language`)."""
        reacted = self.reacted(question) or self.unreadable(question)
        if reacted is not None:
            return reacted, None
        match = self.matcher.match(question)
        if match.topic_id in self.knowledge.asides:
            beside = self.beside_small_talk(question, match)
            if beside is not None:
                return self.offered(beside), match.topic_id
        if match.topic_id == self.knowledge.languages_topic:
            match = self.in_named_language(question, match)
        return self.offered(match), None

    def reacted(self, message: str) -> Match | None:
        """The verdict on a message made only of one topic's emoji (`bot.reactions`):
        that topic, with no language of its own; None for any other message."""
        topic = reactions.reaction(message, self.knowledge.reactions)
        return None if topic is None else self.offered(Match(topic, 100.0, None))

    def unreadable(self, message: str) -> Match | None:
        """The verdict on a message in scripts none of the languages uses: the topic marked
        `which languages` ("I speak English, German..."), in no language of its own; None
        for any other message, or when no topic is so marked."""
        topic = self.knowledge.languages_topic
        if topic is None or not scripts.in_other_scripts(message, self.knowledge.scripts):
            return None
        return self.offered(Match(topic, 100.0, None))

    def in_named_language(self, message: str, match: Match) -> Match:
        """`match` (which languages the bot speaks) in the one language of the bot's that
        `message` names, in any of them ("scrivimi in italiano pls", "auf Deutsch?",
        "do you speak Spanish?"): asked for a language, the asker gets the answer in it,
        whatever the message's own words. A language named just after a negation is
        not asked for ("no hablo inglés": `NEGATIONS`). Unchanged when it names none or
        several."""
        names = self.knowledge.language_names
        said = folded_words(message)
        named = {
            names[word]
            for i, word in enumerate(said)
            if word in names and not NEGATIONS.intersection(said[max(0, i - NEGATION_REACH) : i])
        }
        return replace(match, lang=named.pop()) if len(named) == 1 else match

    def offered(self, match: Match) -> Match:
        """The matcher's verdict as the asker gets it: without signposts
        (`without_signposts`), a specific topic first (`specific_first`)."""
        match = self.without_signposts(match)
        ordered = specific_first(match, self.knowledge.broad)
        return match if ordered == match.suggestions else replace(match, suggestions=ordered)

    def beside_small_talk(self, message: str, match: Match) -> Match | None:
        """The verdict on what `message` asks besides small talk, which `match` (the
        matcher's verdict on the whole message) found: "parli italiano? cos'è il
        riconoscimento facciale", "erzähl mir mehr über den AI Act", or a greeting found
        ("ciao bot, come stai? che cos'è l'AI Act?": the topics `KnowledgeBase.asides`).
        Small talk is short and says little, so it can outweigh a question of few words
        beside it. Tried: the message without each opening or closing of up to
        `MAX_ASIDE` words that is an aside alone (`_rests`). A rest counts when it is
        answered with one of the `BESIDE_RANKS` topics the whole message ranked best
        after the asides, more surely than the small talk was ("merci, super bot": "bot" alone is a weak
        answer about the bot, so thanks stands), and has more than function words
        ("Thank | you"). The surest rest is taken; None when no rest counts."""
        asides = self.knowledge.asides
        beside = [t for t, *_ in match.ranked if t not in asides][:BESIDE_RANKS]
        answers = [
            answered
            for rest in self._rests(message)
            if (answered := self.matcher.match(rest)).topic_id in beside
            and answered.score > match.score
            and self._says_something(rest, answered.lang)
        ]
        return max(answers, key=lambda answered: answered.score, default=None)

    def _rests(self, message: str) -> Iterator[str]:
        """`message` without each opening and closing aside that is small talk alone,
        when two words or more are left: one word is what the small talk leaves of a
        phrase ("t'es nul, tu comprends | rien" is criticism, not "nothing to hide"). A
        greeting is an aside only as a sentence or clause of its own ("hi bot, how are
        you? | what is..."): "Schreibe ich einer menschlichen Person | oder einer
        Maschine?" asks about the bot as a whole."""
        words = message.split()
        for size in range(1, min(MAX_ASIDE, len(words) - 2) + 1):
            for aside, rest, edge in (
                (words[:size], words[size:], words[size - 1]),
                (words[-size:], words[:-size], words[-size - 1]),
            ):
                found = self.matcher.match(" ".join(aside)).topic_id
                if found in self.knowledge.smalltalk or (
                    found in self.knowledge.asides and edge[-1] in CLAUSE_ENDS
                ):
                    yield " ".join(rest)

    def _says_something(self, text: str, lang: str | None) -> bool:
        """Whether `text` has a word besides function words (the knowledge file's, else
        the `stopwords` list's; of every language when `lang` is not known): "Thank |
        you" leaves "you", which asks nothing."""
        common: set[str] = set()
        for code in [lang] if lang else self.languages:
            language = self.knowledge.languages.get(code)
            common |= (
                language.function_words
                if language and language.function_words
                else stop_words(code)
            )
        return any(word not in common for word in words(text))

    def without_signposts(self, match: Match) -> Match:
        """Signposts are never offered, and a signpost that wins is a decline.

        A signpost ("other privacy questions") exists so that an off-topic
        privacy question gets a kind pointer elsewhere instead of a wrong
        answer. It must not count as an answered topic: the match keeps no
        topic, and `signpost` says which text to reply with. A pointer
        elsewhere that ranks first wins too when nothing is answered
        (`pointer_first`).
        """
        signposts = self.knowledge.signposts
        if not signposts:
            return match
        won = match.topic_id if match.topic_id in signposts else self.pointer_first(match)
        return replace(
            match,
            topic_id=None if won else match.topic_id,
            suggestions=() if won else tuple(t for t in match.suggestions if t not in signposts),
            ranked=tuple(r for r in match.ranked if r[0] not in signposts),
            signpost=won,
        )

    def pointer_first(self, match: Match) -> str | None:
        """The pointer elsewhere (`other-privacy`, `elsewhere`) that ranks first for a
        question nothing answers, else None. The question is then more likely one of
        theirs than about the topics below them, and "did you mean" those topics reads
        as a wrong guess ("how do I set up parental controls?" offered digital ID); a
        question that names the subject never ranks them first (`bot.matcher`). Not for
        a question of words the knowledge does not know (no `signals`): "I don't know
        that one" is the honest reply there."""
        if match.topic_id is not None or match.signals is None or not match.ranked:
            return None
        first = match.ranked[0][0]
        return first if first in self.knowledge.pointers_elsewhere else None

    def topic_for_id(self, text: str) -> str | None:
        """The topic whose id `text` is, as typed or as the inline share button sends it
        (`fingerprints`, in any case, with spaces around); None otherwise."""
        candidate = text.strip().lower()
        return candidate if candidate in self.knowledge.topics else None


def specific_first(match: Match, broad: frozenset[str]) -> tuple[str, ...]:
    """`match`'s suggestions, led by a specific topic rather than a `broad` one.

    A real question often names the technology on the way to its point: "can I
    refuse to give my fingerprints at the border?" is about borders, and the
    general explainer of fingerprints is its fallback. When the bot is unsure and
    a broad topic leads the "did you mean", the first specific topic among the
    suggestions (each of which the matcher found related enough to offer) goes
    first, the others keeping their order after it. On the tune half as found
    (`benchmarks/as_found.py`) the right topic came first for 71.2% -> 72.2% of
    the in-scope questions; asking the specific topic to score at least 20-40%
    of the broad one's confidence (72.0-71.7%), or marking `biometric-data` broad
    too (71.9%), gained less; the held-out half's next run had four fewer first
    right (835 -> 831 of 1,073), not a figure to choose on. An answered question
    is not touched: the decision found its topic sure enough."""
    suggestions = match.suggestions
    if match.topic_id is not None or not suggestions or suggestions[0] not in broad:
        return suggestions
    specific = next((topic for topic in suggestions if topic not in broad), None)
    if specific is None:
        return suggestions
    return (specific, *(topic for topic in suggestions if topic != specific))


def ways_of_asking(knowledge: KnowledgeBase) -> list[Phrasing]:
    """Every language's ways of asking, as the matcher learns from them, then the
    questions people asked (`bot.asked`)."""
    written = [
        Phrasing(entry.topic_id, lang, text)
        for lang, language in knowledge.languages.items()
        for entry in language.entries.values()
        for text in entry.phrasings
    ]
    return written + [Phrasing(a.topic_id, a.lang, a.text) for a in knowledge.asked]


def build_matcher(
    knowledge: KnowledgeBase,
    phrasings: Sequence[Phrasing] | None = None,
    cache_dir: Path | None = None,
    prepare: bool = False,
    bar_signposts: bool = True,
) -> Matcher:
    """The matcher for `knowledge`; `phrasings` replaces its ways of asking (the decision's
    fit leaves out those written from a question: `benchmarks/fit_decision.py`);
    `cache_dir`, `prepare`: see `Explainer.load`; `bar_signposts`: a question that names
    the bot's subject is ranked without the signposts that point elsewhere (false:
    `benchmarks/asked.py`, which asks which signpost a question's words are nearest)."""
    answers = [
        Phrasing(entry.topic_id, lang, entry.answer_plain)
        for lang, language in knowledge.languages.items()
        for entry in language.entries.values()
    ]
    function_words = {
        lang: language.function_words
        for lang, language in knowledge.languages.items()
        if language.function_words
    }
    return Matcher(
        ways_of_asking(knowledge) if phrasings is None else phrasings,
        topic_order=knowledge.topics,
        context=answers,
        function_words=function_words,
        cache_dir=cache_dir,
        prepare=prepare,
        signposts=knowledge.pointers_elsewhere if bar_signposts else (),
        subject=knowledge.subject,
        marks={lang: language.marks for lang, language in knowledge.languages.items()},
    )
