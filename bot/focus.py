"""The part of an answer a question is about, put first.

An answer covers its topic; a question often asks about one item in it: Italy in the
country list, a bank's voice ID among the things beyond faces, Worldcoin after four
paragraphs on phones. Native speakers who tried the bot found the item, but had to read
past the rest first. Answers name their items in bold (`• <b>Italy</b>: ...`,
`<b>Worldcoin</b> (now World) ...`), so when the question says a bold name with which one
part of the answer introduces its item, and that part stands on its own, it is moved first:

- a bullet ("• ...") to the top of its list (the list stays where it is, after its
  lead-in);
- a paragraph that opens with a bold name (after at most an article: "L'<b>Italie</b>")
  to the front.

Nothing is cut, added or reworded: the answer's lines are the same, in another order.
Paragraphs that do not open with a bold name stay where they are ("These databases..."
leans on the paragraph before it), and so does everything when the question names no
single part, or names a part that cannot move (the opening paragraph, a lead-in). Only a
bold name's content words count (not the language's function words), only where no
part before it uses them (a question's "photo" is not about "<b>Photo apps</b>" when an
earlier paragraph speaks of photos too) and no other part names them, and not those of
the topic's own question (its heading): "facial recognition" in a question says what the
whole answer is about, not which item. Ordinary words do not count either: "recognition"
or "mandatory" may sit in one bullet only and still not be what the question is about.
A question's word one letter off exactly one word of the answer's bold names counts as
that word ("Londen" for "<b>London</b>"): people misspell names, and the matcher, which
reads typos, has already brought them to the answer. And a name's other forms that the
knowledge file lists (`name forms:`, `Italy: Italian`) count as the name: "does the
Italian police use it?" is about the bullet on <b>Italy</b>; so does a form misspelt by
one letter after its first few ("die franzözische Polizei"), compared as terms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from bot.markup import bold_names, problems, to_plain
from bot.textnorm import stop_words, strip_accents, term, words

BULLET = "•"
BOLD = "<b>"
MIN_LETTERS = 2  # "UK", "EU" and "ID" name things (other short words are function words)
HEAD = 3  # letters a question's word shares with a name form's first word (stems trim ends)
# letters a bold name's word needs before a word one letter off it counts as a typo of it:
# shorter ones are as often another form of a word ("stellt" is not a typo of "Stell")
TYPO_MIN = 6


@dataclass(frozen=True)
class _Part:
    """A bullet, a paragraph or a bulleted paragraph's lead-in, with its bold names."""

    paragraph: int  # which paragraph of the answer it is in
    bullet: int | None  # its place among the paragraph's bullets; None: not a bullet
    movable: bool  # a bullet or a paragraph that opens with a bold name, balanced markup
    names: frozenset[str]  # the terms of its bold names
    terms: frozenset[str]  # the terms of all its text


def focused(
    answer: str,
    question: str,
    lang: str,
    heading: str = "",
    function_words: frozenset[str] = frozenset(),
    name_forms: tuple[tuple[str, str], ...] = (),
    knows: Callable[[str], bool] = lambda word: False,
) -> str:
    """`answer` (Telegram HTML, paragraphs split by blank lines; returned stripped) with
    the part that `question` is about first, or as it is when no single movable part is
    (module doc); `name_forms`: (form, name) pairs of the language (`Language.name_forms`),
    `knows`: whether the language's knowledge uses a word (`Matcher.uses`): such a word
    is never read as a form's typo ("schweigen" is not "Schweiz")."""
    text = answer.strip()
    parts = _parts(text, lang, function_words)
    said = words(to_plain(question))  # read once, then each step rewrites the words
    said = _as_named(_forms_as_names(said, lang, name_forms, knows), _name_words(text))
    asked = _word_terms(said, lang, function_words) - _heading(heading, lang, function_words)
    best = _pointed_at(parts, asked)
    if best is None or not best.movable:
        return text
    paragraphs = text.split("\n\n")
    if best.bullet is None:
        moved = paragraphs.pop(best.paragraph)
        return "\n\n".join([moved, *paragraphs])
    lines = paragraphs[best.paragraph].split("\n")
    places = [i for i, line in enumerate(lines) if line.startswith(BULLET)]
    where = places[best.bullet]
    lines.insert(places[0], lines.pop(where))
    paragraphs[best.paragraph] = "\n".join(lines)
    return "\n\n".join(paragraphs)


def _pointed_at(parts: tuple[_Part, ...], asked: frozenset[str]) -> _Part | None:
    """The one part with the most of the question's terms among its names, where no part
    before it uses them and no other part names them; None when no part has any, or two
    tie. (A later part may speak of what this one introduced: "opt out of PimEyes" after
    the paragraph that opens with it.)"""

    def own(i: int) -> frozenset[str]:  # the question's words part i introduces by name
        named = parts[i].names & asked
        if not named:  # most parts: no union of the others' words needed
            return named
        before = frozenset().union(*(p.terms for p in parts[:i]))
        named_after = frozenset().union(*(p.names for p in parts[i + 1 :]))
        return named - before - named_after

    scores = sorted(((len(found), i) for i in range(len(parts)) if (found := own(i))), reverse=True)
    if not scores or (len(scores) > 1 and scores[0][0] == scores[1][0]):
        return None
    return parts[scores[0][1]]


@lru_cache(maxsize=512)  # an answer is parsed once per language, not once per question
def _parts(answer: str, lang: str, function_words: frozenset[str]) -> tuple[_Part, ...]:
    """The answer's parts, each with its bold names (see `_Part`)."""

    def part(paragraph: int, bullet: int | None, movable: bool, text: str) -> _Part:
        names = _terms(" ".join(bold_names(text)), lang, function_words)
        return _Part(paragraph, bullet, movable, names, _terms(text, lang, function_words))

    found: list[_Part] = []
    for n, paragraph in enumerate(answer.split("\n\n")):
        lines = paragraph.split("\n")
        bullets = [line for line in lines if line.startswith(BULLET)]
        if not bullets:
            movable = n > 0 and _opens_with_name(paragraph) and not problems(paragraph)
            found.append(part(n, None, movable, paragraph))
            continue
        lead = "\n".join(line for line in lines if not line.startswith(BULLET))
        found.append(part(n, None, False, lead))
        found.extend(
            part(n, i, i > 0 and not problems(line), line) for i, line in enumerate(bullets)
        )
    return tuple(found)


@lru_cache(maxsize=512)  # like the parts, once per answer
def _name_words(answer: str) -> frozenset[str]:
    """The words of the answer's bold names that are long enough to be misspelt
    (`TYPO_MIN`)."""
    named = words(" ".join(bold_names(answer)))
    return frozenset(word for word in named if len(word) >= TYPO_MIN)


def _forms_as_names(
    said: list[str],
    lang: str,
    name_forms: tuple[tuple[str, str], ...],
    knows: Callable[[str], bool],
) -> list[str]:
    """The question's words with each listed form of a name written as that name ("the
    italian police" -> "the italy police"), forms compared as terms ("Italians" is a form
    of "Italian"), the longest first, a word the language does not know one letter off a
    form's term as that term (`_respelt`); the words as they are when none can begin a form
    (most questions: then no word is stemmed, `_Forms.heads`)."""
    if not name_forms:
        return said
    forms = _forms(name_forms, lang)
    if not any(strip_accents(word)[:HEAD] in forms.heads for word in said):
        return said
    said_terms = [term(word, lang) for word in said]
    for i, (word, said_term) in enumerate(zip(said, said_terms, strict=True)):
        respelt = _respelt(said_term, forms)
        if respelt != said_term and not knows(word):  # the rare word near a form only
            said_terms[i] = respelt
    out: list[str] = []
    i = 0
    while i < len(said):
        found = next((f for f in forms.table if tuple(said_terms[i : i + len(f[0])]) == f[0]), None)
        if found is None:
            out.append(said[i])
            i += 1
        else:
            out.extend(words(found[1]))
            i += len(found[0])
    return out


@dataclass(frozen=True)
class _Forms:
    """A language's name forms, ready to compare with a question."""

    table: tuple[tuple[tuple[str, ...], str], ...]  # each form's terms and its name, longest first
    heads: frozenset[str]  # the first HEAD letters of each form's first word and first term
    # the forms' terms long enough to be misspelt (TYPO_MIN), by their first HEAD letters
    spelt: dict[str, frozenset[str]]


def _respelt(said: str, forms: _Forms) -> str:
    """`said` (a question's term), or the one form's term it is one letter off, if it is
    no form's term itself ("franzoz" -> "franzos"); a typo before the HEAD-th letter is
    not looked for."""
    if len(said) < TYPO_MIN:
        return said
    known = forms.spelt.get(said[:HEAD], frozenset())
    if said in known:
        return said
    return _one_letter_off(said, known) or said


@lru_cache(maxsize=64)  # a language's forms are read once
def _forms(name_forms: tuple[tuple[str, str], ...], lang: str) -> _Forms:
    """Each form as the terms of its words, with its name; the longest forms first."""
    spelt = [(words(form), name) for form, name in name_forms]
    spelt = [(form, name) for form, name in spelt if form]  # the loader refuses empty forms
    table = sorted(
        ((tuple(term(w, lang) for w in form), name) for form, name in spelt),
        key=lambda f: -len(f[0]),
    )
    heads = {strip_accents(form[0])[:HEAD] for form, _ in spelt} | {f[0][0][:HEAD] for f in table}
    long_terms = {t for form, _ in table for t in form if len(t) >= TYPO_MIN}
    by_head: dict[str, set[str]] = {}
    for t in long_terms:
        by_head.setdefault(t[:HEAD], set()).add(t)
    return _Forms(tuple(table), frozenset(heads), {h: frozenset(ts) for h, ts in by_head.items()})


def _as_named(said: list[str], names: frozenset[str]) -> list[str]:
    """The question's words, each one letter off exactly one of `names` written as that
    name's word ("londen" -> "london"), the others as they are."""
    if not names:
        return said
    named = list(said)
    for i, word in enumerate(said):
        if len(word) >= TYPO_MIN - 1 and word not in names:
            named[i] = _one_letter_off(word, names) or word
    return named


def _one_letter_off(word: str, candidates: frozenset[str]) -> str | None:
    """The one of `candidates` that `word` is one letter off; None when none or several
    are (a typo must point at one name)."""
    near = [c for c in candidates if Levenshtein.distance(word, c, score_cutoff=1) <= 1]
    return near[0] if len(near) == 1 else None


@lru_cache(maxsize=512)  # the topics' headings, like their answers, are read once
def _heading(heading: str, lang: str, function_words: frozenset[str]) -> frozenset[str]:
    """The terms of a topic's own question."""
    return _terms(heading, lang, function_words)


def _opens_with_name(paragraph: str) -> bool:
    """Whether the paragraph opens with a bold name, after at most one word (an article:
    "L'<b>Italie</b>", "La <b>CNIL</b>")."""
    before = paragraph.find(BOLD)
    return before >= 0 and len(paragraph[:before].split()) <= 1


def _terms(text: str, lang: str, function_words: frozenset[str]) -> frozenset[str]:
    """The content words of `text` (markup dropped) as comparable terms."""
    return _word_terms(words(to_plain(text)), lang, function_words)


def _word_terms(said: list[str], lang: str, function_words: frozenset[str]) -> frozenset[str]:
    """The content words among `said` (lower-cased words) as comparable terms."""
    dropped = _dropped(lang, function_words)
    return frozenset(
        term(word, lang) for word in said if len(word) >= MIN_LETTERS and word not in dropped
    )


@lru_cache(maxsize=64)
def _dropped(lang: str, function_words: frozenset[str]) -> frozenset[str]:
    """The words that point at nothing in `lang`: its stop words and function words."""
    return stop_words(lang) | function_words
