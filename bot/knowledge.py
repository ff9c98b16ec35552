"""The explainer knowledge: topics, links and one file of texts per language.

Layout of a knowledge directory (translators own the `<lang>.yaml` files):

- `topics.yaml`: topic ids, menu order, related topics, link ids per topic;
  `signpost: true` marks a topic that only points elsewhere (never in menus or
  suggestions; when it wins, its text is the reply but the question counts as
  declined, see `Explainer.ask`); `smalltalk: true` marks a signpost for small
  talk ("thanks"): its answer alone is the reply, and it counts under its own id;
  `broad: true` marks a topic that explains a technology in general
  (`facial-recognition`), offered after a more specific topic in a "did you mean"
  (see `Explainer.specific_first`); `emoji: "👍 🙏"` lists the emoji that, sent
  alone, get the topic's reply (`thanks`; see `bot.reactions`); `which languages:
  true` marks the one topic that says which languages the bot speaks (`languages`):
  a message written only in scripts no knowledge file uses gets its reply (see
  `bot.scripts`), and so does a message asking for one of the bot's languages by
  name, in that language (see `Explainer.weigh`); `greeting: true` marks a topic
  that greetings get ("hi bot, how are you?": `about-bot`), which, like small talk,
  may stand beside a question that is then answered (`Explainer.beside_small_talk`).
- `links.yaml`: link ids with their URLs (campaigners edit these).
- `en.yaml`: the reference language; every topic must be here.
- `<lang>.yaml`: a translation. A missing topic or link label falls back to
  English with a warning. Each translated topic records `source:`, the
  revision of the English entry it was translated from (see `revision()`),
  so `check` can tell which translations are outdated. Every entry may record
  `checked: YYYY-MM`, the month its facts were last checked (see
  `bot.freshness`).
- `asked.jsonl` (optional): questions people asked, learnt like ways of asking
  (see `bot.asked`).

Everything is validated at load time and every problem is reported as
`path:line: message`. The loaded `KnowledgeBase` is immutable.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit

import yaml
from babel import Locale, UnknownLocaleError

from bot import markup, reactions, scripts
from bot.asked import Asked, read_asked
from bot.datafiles import MAX_FILE_BYTES, data_file_lines
from bot.problems import DataError, Problem
from bot.subject import Subject
from bot.textnorm import folded_words, words
from bot.yamlnodes import YamlFile, line_of

REFERENCE_LANG = "en"
MIN_ASK = 8
ANSWER_MIN, ANSWER_MAX = 300, 1200
SMALLTALK_MIN, SMALLTALK_MAX = 20, 300  # a "you're welcome" is short
TOPIC_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
MIN_FUNCTION_WORDS = 20  # a real list of a language's function words is far longer
MAX_TOPIC_ID = 40  # deep links and callback data carry ids: keep them short
MAX_PHRASING = 300  # characters in a question or a way of asking


@dataclass(frozen=True)
class Limits:
    """Bounds on size, so that a huge file is refused rather than slowing every answer
    (each file's size is checked before it is parsed, see bot/datafiles.py)."""

    file_bytes: int = MAX_FILE_BYTES  # one knowledge file (shipped: under 100 kB)
    total_bytes: int = 8_000_000  # all of them together (shipped: about 0.5 MB)
    topics: int = 1000
    languages: int = 60
    ask: int = 250  # ways of asking per topic and language (broad topics such as
    # shops-venues, which covers every kind of business, reached 200 on 2026-12-04)
    # benchmarks/ measured 1,000 topics x 5 languages x 10 phrasings: a 1.7 s build
    # and 7 ms a question
    phrasings: int = 60_000


DEFAULT_LIMITS = Limits()
# for data a program generated and nobody edits (benchmarks' public data sets)
UNLIMITED = Limits(2**40, 2**40, 2**31, 2**31, 2**31, 2**31)
MAX_LABEL = 40  # topic titles and link labels are buttons: longer ones are cut on phones
MAX_LINK_LABEL = 60  # beyond this a label is an error, not just a warning
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Link:
    id: str
    url: str
    url_by_lang: Mapping[str, str] = field(default_factory=dict)
    replace: bool = False  # a stand-in URL campaigners should replace

    def url_for(self, lang: str) -> str:
        return self.url_by_lang.get(lang, self.url)


@dataclass(frozen=True)
class Topic:
    id: str
    order: int
    related: tuple[str, ...]
    links: tuple[str, ...]
    signpost: bool = False  # points elsewhere: never offered, and winning it is a decline
    # small talk ("thanks"): a signpost whose reply is only its answer, with no button to
    # send the message to the team, counted under its own id rather than as unanswered
    smalltalk: bool = False
    # explains a technology in general: a "did you mean" offers a specific topic first
    broad: bool = False
    # emoji that, sent alone, get this topic's reply ("👍" is thanks): bot.reactions
    emoji: tuple[str, ...] = ()
    # says which languages the bot speaks: the reply to a message in scripts no knowledge
    # file uses ("Что это?", bot.scripts) and, in that language, to "scrivimi in italiano"
    which_languages: bool = False
    # what greetings get ("hi bot, how are you?"): an aside beside a question, as small talk is
    greeting: bool = False


@dataclass(frozen=True)
class Entry:
    """A topic's texts in one language."""

    topic_id: str
    lang: str
    question: str
    ask: tuple[str, ...]
    answer: str  # markup, see bot.markup
    source: str | None = None  # revision of the English entry this was translated from
    checked: str | None = None  # "YYYY-MM": when the facts were last checked
    line: int = 0  # where the entry starts in its file

    @property
    def answer_plain(self) -> str:
        return markup.to_plain(self.answer)

    @property
    def phrasings(self) -> tuple[str, ...]:
        return (self.question, *self.ask)


@dataclass(frozen=True)
class Language:
    code: str
    path: str
    link_labels: Mapping[str, str]
    entries: Mapping[str, Entry]
    # words that say little about the topic ("the", "my", "is"); empty: a general list
    function_words: frozenset[str] = frozenset()
    # words and phrases that name the bot's subject ("Gesichtserkennung"): see bot.subject
    subject_words: tuple[str, ...] = ()
    # other words for names the answers set in bold, as (form, name): ("Italian", "Italy");
    # a question saying the form is about the part with that name (bot.focus)
    name_forms: tuple[tuple[str, str], ...] = ()
    # characters only this language writes (Spanish "¿", "¡"): a question with one is
    # that much more in this language's grammar (bot.lexical.LexicalIndex)
    marks: frozenset[str] = frozenset()


@dataclass(frozen=True)
class KnowledgeBase:
    topics: Mapping[str, Topic]  # in menu order
    links: Mapping[str, Link]
    languages: Mapping[str, Language]  # reference language first
    warnings: tuple[Problem, ...] = ()
    asked: tuple[Asked, ...] = ()  # questions people asked, learnt too (bot.asked)

    def entry(self, topic_id: str, lang: str) -> Entry:
        """The topic in `lang`, or in English when it is not translated."""
        language = self.languages.get(lang)
        if language is not None and topic_id in language.entries:
            return language.entries[topic_id]
        return self.languages[REFERENCE_LANG].entries[topic_id]

    def link_label(self, link_id: str, lang: str) -> str:
        language = self.languages.get(lang)
        if language is not None and link_id in language.link_labels:
            return language.link_labels[link_id]
        return self.languages[REFERENCE_LANG].link_labels[link_id]

    @cached_property  # asked for every question; a KnowledgeBase never changes
    def signposts(self) -> frozenset[str]:
        return frozenset(t for t, topic in self.topics.items() if topic.signpost)

    @cached_property
    def pointers_elsewhere(self) -> frozenset[str]:
        """The signposts that are not small talk (`other-privacy`, `elsewhere`): never
        the winner of a question that names the subject (`subject`, `bot.matcher`)."""
        return self.signposts - self.smalltalk

    @cached_property
    def subject(self) -> Subject:
        """What names the bot's subject, from every language's `subject words`."""
        return Subject.of(w for language in self.languages.values() for w in language.subject_words)

    @cached_property
    def smalltalk(self) -> frozenset[str]:
        """The signposts for small talk ("thanks"): see `Topic.smalltalk`."""
        return frozenset(t for t, topic in self.topics.items() if topic.smalltalk)

    @cached_property
    def asides(self) -> frozenset[str]:
        """The topics a message may say beside a question: small talk ("thanks, and...")
        and greetings ("hi bot, how are you? and..."): see `Topic.greeting`."""
        return frozenset(t for t, topic in self.topics.items() if topic.smalltalk or topic.greeting)

    @cached_property
    def broad(self) -> frozenset[str]:
        """The topics that explain a technology in general: see `Topic.broad`."""
        return frozenset(t for t, topic in self.topics.items() if topic.broad)

    @cached_property
    def languages_topic(self) -> str | None:
        """The topic that says which languages the bot speaks (`which languages: true`)."""
        return next((t for t, topic in self.topics.items() if topic.which_languages), None)

    @cached_property
    def language_names(self) -> Mapping[str, str]:
        """The languages' names in each of them, lower-cased and without accents
        ("italiano", "deutsch", "francais", "ingles"), each to its language code."""
        return MappingProxyType(
            {
                name: code
                for code in self.languages
                for shown in self.languages
                for name in folded_words(Locale.parse(code).get_display_name(shown) or "")
            }
        )

    @cached_property
    def scripts(self) -> frozenset[str]:
        """The scripts the languages' texts are written in (`bot.scripts`)."""
        return scripts.scripts_of(
            text
            for language in self.languages.values()
            for entry in language.entries.values()
            for text in (entry.question, entry.answer, *entry.ask)
        )

    @cached_property
    def reactions(self) -> Mapping[str, str]:
        """Each emoji of a topic's `emoji` (bare, `bot.reactions`) and its topic."""
        return {e: t for t, topic in self.topics.items() for e in topic.emoji}

    @cached_property
    def menu_topics(self) -> tuple[str, ...]:
        """The topics offered in menus and lists, in order: all but signposts."""
        return tuple(t for t, topic in self.topics.items() if not topic.signpost)

    def revision(self, topic_id: str) -> str:
        return revision(self.languages[REFERENCE_LANG].entries[topic_id])

    def outdated(self, lang: str) -> list[str]:
        """Topics whose `lang` translation was made from an older English entry."""
        entries = self.languages[lang].entries
        return [
            tid for tid, entry in entries.items()
            if lang != REFERENCE_LANG and entry.source != self.revision(tid)
        ]  # fmt: skip


def revision(entry: Entry) -> str:
    """A short fingerprint of an English entry's question and answer.

    Translations record it as `source:`; when the English text changes, the
    fingerprint changes and `check` reports the translation as outdated. The
    ways of asking are not part of it: they are written per language.
    """
    text = " ".join(entry.question.split()) + "\n" + " ".join(entry.answer.split())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _flag(
    f: YamlFile, fields: Mapping[str, tuple[yaml.Node, yaml.Node]], name: str, where: str
) -> bool:
    """A topic's `name: true` in topics.yaml (false when absent; a non-boolean is an error)."""
    return name in fields and bool(f.boolean(fields[name][1], f"{where} {name}"))


def is_language_code(code: str) -> bool:
    try:
        Locale.parse(code, sep="-")
    except (ValueError, UnknownLocaleError):
        return False
    return True


def _size(path: Path) -> int:
    """A file's size without reading it (0 for what cannot be a knowledge file: those are
    refused when read, see bot/datafiles.py)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def load_knowledge(directory: Path | str, limits: Limits = DEFAULT_LIMITS) -> KnowledgeBase:
    """Load and validate a knowledge directory; raise DataError listing every error."""
    problems: list[Problem] = []
    kb = _Loader(Path(directory), problems, limits).load()
    if kb is None or any(not p.warning for p in problems):
        raise DataError(problems)
    return kb


class _Loader:
    def __init__(self, directory: Path, problems: list[Problem], limits: Limits) -> None:
        self.dir = directory
        self.problems = problems
        self.limits = limits

    def _file(self, path: Path) -> YamlFile:
        return YamlFile(path, self.problems, limit=self.limits.file_bytes)

    def load(self) -> KnowledgeBase | None:
        if not self.dir.is_dir():
            self.problems.append(Problem(str(self.dir), 0, "knowledge directory not found"))
            return None
        total = sum(_size(path) for path in self.dir.glob("*.yaml"))
        if total > self.limits.total_bytes:
            self.problems.append(
                Problem(
                    str(self.dir),
                    0,
                    f"the knowledge files are {total:,} bytes together; "
                    f"the limit is {self.limits.total_bytes:,}",
                )
            )
            return None
        links = self._links(self._file(self.dir / "links.yaml"))
        topics = self._topics(self._file(self.dir / "topics.yaml"), links)
        language_files = sorted(
            p for p in self.dir.glob("*.yaml") if p.stem not in {"topics", "links"}
        )
        if len(language_files) > self.limits.languages:
            self.problems.append(
                Problem(
                    str(self.dir),
                    0,
                    f"{len(language_files)} language files; at most {self.limits.languages} are read",
                )
            )
            return None
        if not any(p.stem == REFERENCE_LANG for p in language_files):
            self.problems.append(
                Problem(str(self.dir / f"{REFERENCE_LANG}.yaml"), 0, "the English file is missing")
            )
        languages: dict[str, Language] = {}
        for path in sorted(language_files, key=lambda p: p.stem != REFERENCE_LANG):
            language = self._language(self._file(path), topics, links)
            if language is not None:
                languages[language.code] = language
        if REFERENCE_LANG not in languages:
            return None
        asked: tuple[Asked, ...] = ()
        if not any(not p.warning for p in self.problems):  # see bot.asked
            asked = read_asked(self.dir, topics, languages, self.problems, self.limits.file_bytes)
        phrasings = len(asked) + sum(
            len(e.phrasings) for lang in languages.values() for e in lang.entries.values()
        )
        if phrasings > self.limits.phrasings:
            self.problems.append(
                Problem(
                    str(self.dir),
                    0,
                    f"{phrasings:,} questions and ways of asking in all; "
                    f"at most {self.limits.phrasings:,} are matched quickly enough",
                )
            )
            return None
        self._check_fallbacks(languages, topics, links)
        ordered = dict(sorted(topics.items(), key=lambda item: (item[1].order, item[0])))
        return KnowledgeBase(
            topics=MappingProxyType(ordered),
            links=MappingProxyType(links),
            languages=MappingProxyType(languages),
            warnings=tuple(sorted(p for p in self.problems if p.warning)),
            asked=asked,
        )

    def _links(self, f: YamlFile) -> dict[str, Link]:
        links: dict[str, Link] = {}
        top = f.mapping(f.root, "links.yaml", required=("links",))
        if "links" not in top:
            return links
        for link_id, (_key, node) in f.mapping(top["links"][1], "links", any_keys=True).items():
            where = f"link {link_id!r}"
            fields = f.mapping(node, where, required=("url",), optional=("url_by_lang", "replace"))
            url = self._url(f, fields["url"][1], where) if "url" in fields else None
            by_lang: dict[str, str] = {}
            if "url_by_lang" in fields:
                langs = f.mapping(fields["url_by_lang"][1], f"{where} url_by_lang", any_keys=True)
                for lang, (lang_node, url_node) in langs.items():
                    if not is_language_code(lang):
                        f.error(lang_node, f"{where}: {lang!r} is not a language code")
                    lang_url = self._url(f, url_node, where)
                    if lang_url:
                        by_lang[lang] = lang_url
            replace = False  # `check` lists stand-ins as notes for campaigners
            if "replace" in fields:
                replace = bool(f.boolean(fields["replace"][1], f"{where} replace"))
            if url is not None:
                links[link_id] = Link(link_id, url, MappingProxyType(by_lang), replace)
        return links

    def _url(self, f: YamlFile, node: yaml.Node, where: str) -> str | None:
        url = f.text(node, f"{where} url")
        if url is None:
            return None
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.netloc or "." not in parts.netloc or " " in url:
            f.error(node, f"{where}: {url!r} is not a valid https:// URL")
            return None
        return url

    def _topics(self, f: YamlFile, links: dict[str, Link]) -> dict[str, Topic]:
        top = f.mapping(f.root, "topics.yaml", required=("topics",))
        if "topics" not in top:
            return {}
        declared = f.mapping(top["topics"][1], "topics", any_keys=True)
        if len(declared) > self.limits.topics:
            f.error(
                top["topics"][1],
                f"{len(declared)} topics; at most {self.limits.topics} are allowed",
            )
            return {}
        topics: dict[str, Topic] = {}
        orders: dict[int, str] = {}
        taken: dict[str, str] = {}  # emoji -> topic
        for topic_id, (key_node, node) in declared.items():
            where = f"topic {topic_id!r}"
            if set(topic_id) - TOPIC_ID_CHARS or len(topic_id) > MAX_TOPIC_ID:
                f.error(key_node, f"{where}: ids use a-z, 0-9 and '-', at most {MAX_TOPIC_ID}")
                continue
            fields = f.mapping(
                node,
                where,
                required=("order", "related", "links"),
                optional=("signpost", "smalltalk", "broad", "emoji", "which languages", "greeting"),
            )
            order = f.integer(fields["order"][1], f"{where} order") if "order" in fields else None
            if order is not None and order in orders:
                f.error(fields["order"][1], f"{where}: order {order} is also {orders[order]!r}")
            elif order is not None:
                orders[order] = topic_id
            related = self._ids(f, fields.get("related"), f"{where} related", set(declared))
            link_ids = self._ids(f, fields.get("links"), f"{where} links", set(links))
            if topic_id in related:
                f.error(fields["related"][1], f"{where} lists itself as related")
            if "related" in fields and "links" in fields and not related and not link_ids:
                f.error(node, f"{where} needs at least one link or related topic to go further")
            signpost, smalltalk, broad, which_languages, greeting = (
                _flag(f, fields, name, where)
                for name in ("signpost", "smalltalk", "broad", "which languages", "greeting")
            )
            emoji = self._emoji(f, fields.get("emoji"), topic_id, taken)
            if which_languages and any(t.which_languages for t in topics.values()):
                f.error(fields["which languages"][1], f"{where}: another topic has which languages")
            topics[topic_id] = Topic(
                topic_id,
                order or 0,
                tuple(related),
                tuple(link_ids),
                signpost or smalltalk,
                smalltalk,
                broad,
                emoji,
                which_languages,
                greeting,
            )
        self._no_related_signposts(f, declared, topics)
        return topics

    def _emoji(
        self,
        f: YamlFile,
        pair: tuple[yaml.Node, yaml.Node] | None,
        topic_id: str,
        taken: dict[str, str],
    ) -> tuple[str, ...]:
        """A topic's `emoji`: one string of emoji separated by spaces, each one symbol
        once its modifiers are set aside (`bot.reactions`), and none another topic's
        (`taken`: emoji -> topic so far, updated here)."""
        if pair is None:
            return ()
        where = f"topic {topic_id!r}"
        value = f.text(pair[1], f"{where} emoji")
        found: list[str] = []
        for item in (value or "").split():
            emoji = reactions.bare(item)
            if not reactions.is_emoji(emoji):
                f.error(pair[1], f"{where} emoji: {item!r} is not one emoji")
            elif emoji in taken:
                f.error(pair[1], f"{where} emoji: {item!r} is also in topic {taken[emoji]!r}")
            else:
                taken[emoji] = topic_id
                found.append(emoji)
        return tuple(found)

    def _no_related_signposts(
        self,
        f: YamlFile,
        declared: dict[str, tuple[yaml.Node, yaml.Node]],
        topics: dict[str, Topic],
    ) -> None:
        """A signpost is never offered as a button, so nothing may list it as related."""
        for topic in topics.values():
            for related in topic.related:
                if related in topics and topics[related].signpost:
                    f.error(
                        declared[topic.id][1],
                        f"topic {topic.id!r} lists {related!r} as related, but it is a signpost",
                    )

    def _ids(
        self, f: YamlFile, pair: tuple[yaml.Node, yaml.Node] | None, what: str, known: set[str]
    ) -> list[str]:
        if pair is None:
            return []
        ids: list[str] = []
        for item in f.sequence(pair[1], what):
            value = f.text(item, f"{what} item")
            if value is None:
                continue
            if value not in known:
                f.error(item, f"{what}: unknown id {value!r}")
            elif value in ids:
                f.error(item, f"{what}: {value!r} listed twice")
            else:
                ids.append(value)
        return ids

    def _language(
        self, f: YamlFile, topics: dict[str, Topic], links: dict[str, Link]
    ) -> Language | None:
        code = f.path.stem
        if not is_language_code(code):
            f.error(None, f"{code!r} is not a language code: name the file after one (de.yaml)")
            return None
        reference = code == REFERENCE_LANG
        top = f.mapping(
            f.root,
            f.path.name,
            required=("language", "links", "topics"),
            optional=("function words", "marks", "subject words", "name forms"),
        )
        function_words: frozenset[str] = frozenset()
        if "function words" in top:
            listed = f.text(top["function words"][1], "function words", multiline=True)
            function_words = frozenset(words(listed or ""))
            if listed is not None and len(function_words) < MIN_FUNCTION_WORDS:
                f.error(
                    top["function words"][1],
                    f"function words: {len(function_words)} listed; give at least "
                    f"{MIN_FUNCTION_WORDS}, or leave the key out to use a general list",
                )
        marks = self._marks(f, top["marks"][1]) if "marks" in top else frozenset()
        subject_words = (
            self._subject_words(f, top["subject words"][1]) if "subject words" in top else ()
        )
        if "language" in top:
            declared = f.text(top["language"][1], "language")
            if declared is not None and declared != code:
                f.error(top["language"][1], f"language is {declared!r} but the file is {code}.yaml")
        labels: dict[str, str] = {}
        if "links" in top:
            for link_id, (key_node, node) in f.mapping(
                top["links"][1], "links", any_keys=True
            ).items():
                if link_id not in links:
                    f.error(key_node, f"links: {link_id!r} is not in links.yaml")
                label = f.text(node, f"label of link {link_id!r}")
                if label is not None and len(label) > MAX_LINK_LABEL:
                    f.error(node, f"label of link {link_id!r} is over {MAX_LINK_LABEL} characters")
                elif label is not None:
                    self._warn_long(f, node, f"label of link {link_id!r}", label)
                    labels[link_id] = label
        entries: dict[str, Entry] = {}
        if "topics" in top:
            for topic_id, (key_node, node) in f.mapping(
                top["topics"][1], "topics", any_keys=True
            ).items():
                if topic_id not in topics:
                    f.error(key_node, f"topic {topic_id!r} is not declared in topics.yaml")
                    continue
                short = topics[topic_id].smalltalk
                entry = self._entry(f, code, topic_id, (key_node, node), reference, short)
                if entry is not None:
                    entries[topic_id] = entry
        if not top:
            return None
        forms = self._name_forms(f, top["name forms"][1], entries) if "name forms" in top else ()
        return Language(
            code,
            f.name,
            MappingProxyType(labels),
            MappingProxyType(entries),
            function_words,
            subject_words,
            forms,
            marks,
        )

    def _marks(self, f: YamlFile, node: yaml.Node) -> frozenset[str]:
        """The `marks:` list: characters separated by spaces, each one that is not part of
        a word (a punctuation mark such as "¿")."""
        listed = f.text(node, "marks") or ""
        marks = set()
        for mark in sorted(set(listed.split())):
            if len(mark) != 1 or words(mark):
                f.error(node, f"marks: {mark!r} is not one character outside words, such as ¿")
            else:
                marks.add(mark)
        return frozenset(marks)

    def _subject_words(self, f: YamlFile, node: yaml.Node) -> tuple[str, ...]:
        """The `subject words:` list: words or phrases, each with a word in it."""
        listed = []
        for item in f.sequence(node, "subject words"):
            value = f.text(item, "subject words item")
            if value is not None and not folded_words(value):
                f.error(item, f"subject words: {value!r} has no word in it")
            elif value is not None:
                listed.append(value)
        return tuple(listed)

    def _name_forms(
        self, f: YamlFile, node: yaml.Node, entries: Mapping[str, Entry]
    ) -> tuple[tuple[str, str], ...]:
        """The `name forms:` mapping, a bold name to its other words separated by commas
        (`Italy: Italian, Italians`), as (form, name) pairs; a name no answer of the file
        sets in bold is warned about (it would do nothing)."""
        bold = {name.casefold() for e in entries.values() for name in markup.bold_names(e.answer)}
        pairs: list[tuple[str, str]] = []
        named: dict[str, str] = {}
        for name, (key_node, value_node) in f.mapping(node, "name forms", any_keys=True).items():
            listed = f.text(value_node, f"name forms of {name!r}")
            if listed is None:
                continue
            if name.casefold() not in bold:
                self.problems.append(
                    Problem(
                        f.name,
                        line_of(key_node),
                        f"name forms: no answer in this file sets {name!r} in bold, so its "
                        "forms do nothing (write the name as the answers do)",
                        warning=True,
                    )
                )
            for form in (part.strip() for part in listed.split(",")):
                key = " ".join(words(form))
                if not key:
                    f.error(value_node, f"name forms of {name!r}: {form!r} has no word in it")
                elif key in named and named[key] != name:
                    f.error(value_node, f"name forms: {form!r} is given for {named[key]!r} too")
                else:
                    named[key] = name
                    pairs.append((form, name))
        return tuple(pairs)

    def _entry(
        self,
        f: YamlFile,
        lang: str,
        topic_id: str,
        nodes: tuple[yaml.Node, yaml.Node],
        reference: bool,
        short: bool = False,
    ) -> Entry | None:
        """One topic's texts in one language; `short`: a small-talk answer's length."""
        key_node, node = nodes
        where = f"topic {topic_id!r}"
        optional = ("checked",) if reference else ("source", "checked")
        fields = f.mapping(node, where, required=("question", "ask", "answer"), optional=optional)
        question = (
            f.text(fields["question"][1], f"{where} question") if "question" in fields else None
        )
        if question is not None:
            self._warn_long(f, fields["question"][1], f"{where} title (its button)", question)
        ask: list[str] = []
        if "ask" in fields:
            for item in f.sequence(fields["ask"][1], f"{where} ask"):
                phrasing = f.text(item, f"{where} ask item")
                if phrasing is not None and len(phrasing) > MAX_PHRASING:
                    f.error(item, f"{where}: a way of asking is over {MAX_PHRASING} characters")
                elif phrasing is not None:
                    ask.append(phrasing)
            if len(ask) > self.limits.ask:
                f.error(
                    fields["ask"][1],
                    f"{where} has {len(ask)} ways of asking; at most {self.limits.ask} are allowed",
                )
                ask = []
            elif len(ask) < MIN_ASK:
                f.error(
                    fields["ask"][1],
                    f"{where} has {len(ask)} ways of asking; at least {MIN_ASK} are needed",
                )
        answer = None
        if "answer" in fields:
            answer_node = fields["answer"][1]
            answer = f.text(answer_node, f"{where} answer", multiline=True)
            if answer is not None:
                answer = self._answer(f, answer_node, answer, where, short)
        if question is not None and len(question) > MAX_PHRASING:
            f.error(fields["question"][1], f"{where} question is over {MAX_PHRASING} characters")
            question = None
        source = None
        if "source" in fields:
            source = f.text(fields["source"][1], f"{where} source")
        checked = self._month(f, fields["checked"][1], where) if "checked" in fields else None
        if question is None or answer is None or len(ask) < MIN_ASK:
            return None
        return Entry(
            topic_id, lang, question, tuple(ask), answer, source, checked, line_of(key_node)
        )

    def _month(self, f: YamlFile, node: yaml.Node, where: str) -> str | None:
        value = f.text(node, f"{where} checked")
        if value is not None and not MONTH.match(value):
            f.error(node, f"{where} checked: {value!r} is not a month written like 2026-12")
            return None
        return value

    def _warn_long(self, f: YamlFile, node: yaml.Node, what: str, label: str) -> None:
        """Buttons are cut on a phone after about MAX_LABEL characters: warn, do not refuse."""
        if len(label) > MAX_LABEL:
            self.problems.append(
                Problem(
                    f.name,
                    line_of(node),
                    f"{what} has {len(label)} characters; buttons show about {MAX_LABEL}: shorten it",
                    warning=True,
                )
            )

    def _answer(
        self, f: YamlFile, node: yaml.Node, answer: str, where: str, short: bool = False
    ) -> str | None:
        found = markup.problems(answer)
        for message in found:
            f.error(node, f"{where} answer: {message}")
        if found:
            return None
        length = len(markup.to_plain(answer))
        low, high = (SMALLTALK_MIN, SMALLTALK_MAX) if short else (ANSWER_MIN, ANSWER_MAX)
        if not low <= length <= high:
            f.error(node, f"{where} answer has {length} characters; it must have {low} to {high}")
            return None
        return answer

    def _check_fallbacks(
        self, languages: dict[str, Language], topics: dict[str, Topic], links: dict[str, Link]
    ) -> None:
        english = languages[REFERENCE_LANG]
        for topic_id in topics:
            if topic_id not in english.entries:
                self.problems.append(
                    Problem(english.path, 0, f"topic {topic_id!r} is missing in English")
                )
        for link_id in links:
            if link_id not in english.link_labels:
                self.problems.append(
                    Problem(english.path, 0, f"link {link_id!r} has no English label")
                )
        for lang, language in languages.items():
            if lang == REFERENCE_LANG:
                continue
            missing = [t for t in topics if t not in language.entries]
            if missing:
                self.problems.append(
                    Problem(
                        language.path,
                        0,
                        (
                            f"{len(missing)} topic(s) not translated, English is shown instead: "
                            + ", ".join(missing)
                        ),
                        warning=True,
                    )
                )
            unlabelled = [link for link in links if link not in language.link_labels]
            if unlabelled:
                self.problems.append(
                    Problem(
                        language.path,
                        0,
                        (
                            "link label(s) not translated, English is shown instead: "
                            + ", ".join(unlabelled)
                        ),
                        warning=True,
                    )
                )
            for topic_id, entry in language.entries.items():
                if topic_id not in english.entries:
                    continue
                current = revision(english.entries[topic_id])
                if entry.source is None:
                    message = f"topic {topic_id!r} has no `source:`; once it matches the English text, add `source: {current}`"
                elif entry.source != current:
                    message = f"topic {topic_id!r} is outdated: English changed since it was translated (source {entry.source}, now {current}); update it, then set `source: {current}`"
                else:
                    continue
                self.problems.append(
                    Problem(
                        language.path,
                        self._line_of_topic(language.path, topic_id),
                        message,
                        warning=True,
                    )
                )

    def _line_of_topic(self, path: str, topic_id: str) -> int:
        lines = data_file_lines(Path(path), self.limits.file_bytes)
        needle = f"  {topic_id}:"
        return next((n for n, line in enumerate(lines, 1) if line.rstrip() == needle), 0)
