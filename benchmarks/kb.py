"""Public intent data -> the project's own knowledge format -> the real matcher.

A benchmark hands over `{intent name: {lang: [sentences]}}`. Every intent that
has at least 1 + MIN_ASK sentences in every language is written as a topic to
topics.yaml, links.yaml and <lang>.yaml in a temporary directory and loaded
with the project's `load_knowledge` (first sentence = `question`, the rest =
`ask`, a filler answer, one shared link so the loader's "a way to go further"
rule holds, and translations carry the right `source:` revision). English
must be present for every such intent: it is the reference language.

The filler answer has no words at all (`FILLER`, repeated to the loader's
minimum length): `build_matcher` indexes answers as weaker evidence for their
topic, so an answer like "Intent pto_request." would leak the label's words
into the matcher, and any shared wording would change every term's weight.

Intents with too few sentences cannot pass the loader (it needs MIN_ASK ways
of asking), so their sentences are added as `Phrasing`s next to the loaded
ones and the `Matcher` is built directly; the result says how many topics went
which way. With no such intents the matcher comes from `build_matcher(kb)`,
exactly as the bot builds it.

Intents named in `signposts` become signpost topics (`signpost: true` in
topics.yaml), as the bot's own `other-privacy`: the matcher learns them like
any topic, and a question they win counts as declined (see
`benchmarks.systems.MatcherSystem`). CLINC150 uses this for its out-of-scope
training sentences.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.explainer import build_matcher
from bot.knowledge import (
    ANSWER_MIN,
    MAX_TOPIC_ID,
    MIN_ASK,
    REFERENCE_LANG,
    UNLIMITED,
    Entry,
    load_knowledge,
    revision,
)
from bot.matcher import Matcher, Phrasing

Intents = Mapping[str, Mapping[str, Sequence[str]]]  # intent -> lang -> sentences
LINK_ID = "dataset"
LINK_URL = "https://example.org/benchmark-dataset"
FILLER = "… "  # an ellipsis: punctuation, so no term for the matcher


@dataclass(frozen=True)
class Built:
    matcher: Matcher
    topic_of: dict[str, str]  # intent name -> topic id
    via_loader: int  # topics that went through load_knowledge
    direct: int  # topics added as Phrasings (too few sentences for the loader)
    signposts: frozenset[str] = frozenset()  # topic ids that only point elsewhere

    def phrasings(self, intents: Intents, lang: str) -> list[tuple[str, str]]:
        """(topic id, sentence) pairs of one language, for the baselines."""
        return [
            (self.topic_of[name], text)
            for name, by_lang in intents.items()
            for text in by_lang.get(lang, ())
            if text.strip()
        ]


def topic_id(name: str) -> str:
    """`pto_request` -> `pto-request`, `alarm/set_alarm` -> `alarm-set-alarm`."""
    tid = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not tid or len(tid) > MAX_TOPIC_ID:
        raise ValueError(f"cannot make a topic id of intent {name!r}")
    return tid


def filler_answer(name: str) -> str:
    """An answer of the length the loader accepts that gives the matcher no terms."""
    del name  # the same for every topic, on purpose (see the module docstring)
    return (FILLER * (ANSWER_MIN // len(FILLER) + 1)).strip()


def build(intents: Intents, signposts: Collection[str] = ()) -> Built:
    """Load `intents` through the project's knowledge loader and build the real matcher;
    the intents named in `signposts` become signpost topics."""
    topic_of = {name: topic_id(name) for name in intents}
    if len(set(topic_of.values())) != len(topic_of):
        raise ValueError("two intents map to one topic id")
    loadable: dict[str, dict[str, list[str]]] = {}
    direct: list[Phrasing] = []
    for name, by_lang in intents.items():
        clean = {lang: [t.strip() for t in texts if t.strip()] for lang, texts in by_lang.items()}
        if REFERENCE_LANG in clean and all(len(t) >= 1 + MIN_ASK for t in clean.values()):
            loadable[name] = clean
        else:
            direct.extend(
                Phrasing(topic_of[name], lang, text)
                for lang, texts in clean.items()
                for text in texts
            )
    with tempfile.TemporaryDirectory(prefix="bench-kb-") as tmp:
        write_knowledge(Path(tmp), loadable, topic_of, signposts)
        kb = load_knowledge(tmp, UNLIMITED)  # generated from public data sets: no size limits
    if not direct:
        return Built(build_matcher(kb), topic_of, len(kb.topics), 0, kb.signposts)
    loaded = [  # the same phrasings build_matcher takes, plus the small intents
        Phrasing(entry.topic_id, lang, text)
        for lang, language in kb.languages.items()
        for entry in language.entries.values()
        for text in entry.phrasings
    ]
    order = [*kb.topics, *dict.fromkeys(p.topic_id for p in direct)]
    return Built(
        Matcher([*loaded, *direct], order),
        topic_of,
        len(kb.topics),
        len(order) - len(kb.topics),
        kb.signposts,
    )


def write_knowledge(
    directory: Path,
    intents: Mapping[str, Mapping[str, Sequence[str]]],
    topic_of: Mapping[str, str],
    signposts: Collection[str] = (),
) -> None:
    """Write topics.yaml, links.yaml and one <lang>.yaml per language to `directory`."""
    topics = {
        topic_of[name]: {
            "order": i,
            **({"signpost": True} if name in signposts else {}),
            "related": [],
            "links": [LINK_ID],
        }
        for i, name in enumerate(intents, 1)
    }
    _dump(directory / "topics.yaml", {"topics": topics})
    _dump(directory / "links.yaml", {"links": {LINK_ID: {"url": LINK_URL}}})
    langs = sorted({lang for by_lang in intents.values() for lang in by_lang} | {REFERENCE_LANG})
    for lang in langs:
        entries: dict[str, dict[str, object]] = {}
        for name, by_lang in intents.items():
            if lang not in by_lang:
                continue
            texts = list(by_lang[lang])
            entry: dict[str, object] = {
                "question": texts[0],
                "ask": texts[1:],
                "answer": filler_answer(name),
            }
            if lang != REFERENCE_LANG:
                english = by_lang[REFERENCE_LANG]
                entry["source"] = revision(
                    Entry(
                        topic_of[name],
                        REFERENCE_LANG,
                        english[0],
                        tuple(english[1:]),
                        filler_answer(name),
                    )
                )
            entries[topic_of[name]] = entry
        document = {"language": lang, "links": {LINK_ID: "The data set"}, "topics": entries}
        _dump(directory / f"{lang}.yaml", document)


def _dump(path: Path, data: object) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)
    path.write_text(text, encoding="utf-8")
