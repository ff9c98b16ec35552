"""Turning text into comparable terms: case, accents, punctuation and word forms.

The pipeline is casefold -> split into words -> Snowball stem (in the language
the text is assumed to be in) -> strip accents. Stemming comes before accent
stripping because the Snowball stemmers expect the language's own letters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

import snowballstemmer
from stopwords import LANGUAGE_MAPPING, get_stopwords

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# ISO 639-1 code -> Snowball algorithm name, for the languages Snowball knows.
_SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german",
    "el": "greek", "en": "english", "es": "spanish", "et": "estonian", "eu": "basque",
    "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi", "hu": "hungarian",
    "hy": "armenian", "id": "indonesian", "it": "italian", "lt": "lithuanian",
    "nb": "norwegian", "ne": "nepali", "nl": "dutch", "no": "norwegian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip


def strip_accents(text: str) -> str:
    """`Überwachung` -> `Uberwachung`; letters without a decomposition stay as they are.

    ASCII has nothing to decompose or drop, so it is returned as it is; other text goes
    through `str.translate` with a table that learns each character once (a character
    at a time in Python made this a tenth of building the matcher)."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKD", text).translate(_WITHOUT_COMBINING)


class _CombiningTable(dict[int, int | None]):
    """A `str.translate` table: a combining mark (an accent) maps to None, i.e. is
    dropped, any other character to itself; filled in as characters are met, up to
    `_TABLE_MAX` of them (questions could otherwise grow it to all of Unicode)."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        if len(self) < _TABLE_MAX:
            self[code] = kept
        return kept


_TABLE_MAX = 20_000


_WITHOUT_COMBINING = _CombiningTable()


def words(text: str) -> list[str]:
    """Lower-cased words of `text`; punctuation, emoji and underscores separate words."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def folded_words(text: str) -> list[str]:
    """Casefolded words without accents: what the vectorizer's blocks and the subject
    words (`bot.subject`) are made of."""
    return words(strip_accents(text))


@lru_cache(maxsize=64)
def stemmer_for(lang: str) -> Callable[[str], str]:
    """A stemming function for a language code; languages Snowball lacks get no stemming."""
    algorithm = _SNOWBALL.get(lang.split("_")[0].split("-")[0].lower())
    if algorithm is None:
        return lambda word: word
    stemmer = snowballstemmer.stemmer(algorithm)
    if hasattr(stemmer, "maxCacheSize"):  # PyStemmer's own cache of 10,000 words: the
        stemmer.maxCacheSize = 0  # lexical index remembers its readings itself (~2-4 MB)
    stem: Callable[[str], str] = stemmer.stemWord
    return stem


def terms(text: str, lang: str) -> list[str]:
    """The comparable terms of `text` read as language `lang`, in order, repeats kept."""
    return [term(word, lang) for word in words(text)]


def term(word: str, lang: str) -> str:
    """One lower-cased word as a comparable term. Not cached here: the lexical index
    stems each distinct word of the knowledge once when it is built, and remembers
    how it reads the words of recent questions (`bot.lexical`)."""
    return strip_accents(stemmer_for(lang)(word))


@lru_cache(maxsize=64)
def stop_words(lang: str) -> frozenset[str]:
    """The language's common function words ("what", "is", "the"), as `words()` gives them.

    Words, not stems: German "sicher" stems like the function word "sich"."""
    code = lang.split("_")[0].split("-")[0].lower()
    if code not in LANGUAGE_MAPPING:
        return frozenset()
    return frozenset(w for s in get_stopwords(code) for w in words(s))
