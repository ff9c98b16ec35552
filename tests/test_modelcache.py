"""The trained-model cache: same verdicts as training, damaged files ignored and replaced,
a new key for any change of what training learns from, never an error."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from bot import modelcache, semantic
from bot.evaluate import read_set
from bot.explainer import Explainer, build_matcher
from bot.matcher import Matcher, Phrasing
from tests.conftest import DATA

PHRASINGS = [
    Phrasing("prints", "en", "what is wrong with giving my fingerprints"),
    Phrasing("prints", "en", "police want my fingerprints"),
    Phrasing("faces", "en", "how does facial recognition work"),
    Phrasing("faces", "en", "cameras that recognise faces"),
    Phrasing("film", "en", "is there a film about Belgrade"),
    Phrasing("film", "en", "where can I watch the documentary"),
]
QUESTIONS = ["fingreprints at the police", "face cameras", "a film on belgrade", "the weather"]


def _logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.modelcache"]


def _models(directory: Path) -> list[Path]:
    return sorted(directory.glob("model-*.npz"))


def _age_models(directory: Path, seconds: float) -> None:
    """Make every model file `seconds` older than now, as if used that long ago."""
    for path in _models(directory):
        when = path.stat().st_mtime - seconds
        os.utime(path, (when, when))


def _verdicts(matcher: Matcher, questions: list[str]) -> list[tuple[object, ...]]:
    out = []
    for question in questions:
        match = matcher.match(question)
        out.append((match.topic_id, match.score, match.lang, match.suggestions, match.ranked))
    return out


def test_a_cached_model_gives_exactly_the_verdicts_of_a_fresh_build(
    explainer: Explainer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.modelcache")
    cold = build_matcher(explainer.knowledge, cache_dir=tmp_path)  # trains, writes
    [written] = _models(tmp_path)
    before = written.stat().st_ino  # a rewrite is a new file (a rename): a new inode
    caplog.clear()
    warm = build_matcher(explainer.knowledge, cache_dir=tmp_path)  # reads
    assert _logged(caplog) == [] and written.stat().st_ino == before  # not trained again
    fresh = explainer.matcher  # built without a cache
    for built in (cold, warm):
        assert np.array_equal(built._model.as_floats(), fresh._model.as_floats())
        assert np.array_equal(built._vectorizer.idf, fresh._vectorizer.idf)
        assert built._vectorizer.columns == fresh._vectorizer.columns
        assert built._meaning is not None and fresh._meaning is not None
        kept = built._meaning.vectors  # read from the cache directory's rows file
        assert isinstance(kept, semantic.RowFile)
        every = np.arange(len(kept))
        assert np.array_equal(kept[every], fresh._meaning.vectors)
    questions = [row["text"] for row in read_set(DATA / "dev.jsonl")]
    questions += [row["text"] for row in read_set(DATA / "real-tune.jsonl")][:100]
    assert _verdicts(warm, questions) == _verdicts(fresh, questions)


def _corrupt(path: Path) -> None:
    path.write_bytes(b"not a zip file at all")


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _wrong_shape(path: Path) -> None:
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["codes"] = arrays["codes"][:, :-1]  # one class too few
    with path.open("wb") as out:
        np.savez(out, **arrays)


def _pickled_object(path: Path) -> None:
    marker = path.parent / "code-ran"
    with path.open("wb") as out:  # an object array is pickled: loading it would run code
        np.savez(out, weights=np.array([_RunsCode(marker)], dtype=object))


class _RunsCode:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, ...]]:
        return (os.mkdir, (str(self.marker),))


@pytest.mark.parametrize("damage", [_corrupt, _truncated, _wrong_shape, _pickled_object])
def test_a_damaged_cache_file_is_ignored_and_replaced(
    tmp_path: Path, damage: object, caplog: pytest.LogCaptureFixture
) -> None:
    expected = _verdicts(Matcher(PHRASINGS), QUESTIONS)
    Matcher(PHRASINGS, cache_dir=tmp_path)
    [path] = _models(tmp_path)
    assert callable(damage)
    damage(path)
    caplog.set_level(logging.INFO, logger="bot.modelcache")
    rebuilt = Matcher(PHRASINGS, cache_dir=tmp_path)
    assert _verdicts(rebuilt, QUESTIONS) == expected
    assert any("not used" in line for line in _logged(caplog))
    assert not (tmp_path / "code-ran").exists()
    caplog.clear()
    again = Matcher(PHRASINGS, cache_dir=tmp_path)  # the replaced file is sound
    assert _logged(caplog) == [] and _verdicts(again, QUESTIONS) == expected
    assert _models(tmp_path) == [path]


def test_an_edited_way_of_asking_changes_the_key_and_the_least_recently_used_model_goes(
    tmp_path: Path,
) -> None:
    editions = [
        [*PHRASINGS[:-1], Phrasing("film", "en", f"where can I watch the film, take {n}")]
        for n in range(modelcache.KEEP)
    ]
    Matcher(PHRASINGS, cache_dir=tmp_path)
    [first] = _models(tmp_path)
    file_of = {}
    for n, edition in enumerate(editions):  # each a new key: a new file
        _age_models(tmp_path, 1000 - n)
        before = set(_models(tmp_path))
        Matcher(edition, cache_dir=tmp_path)
        [file_of[n]] = set(_models(tmp_path)) - before
    assert sorted(file_of.values()) == _models(tmp_path) and first not in _models(tmp_path)
    _age_models(tmp_path, 1000)
    Matcher(editions[0], cache_dir=tmp_path)  # read, not trained: now the most recent
    assert sorted(file_of.values()) == _models(tmp_path)
    Matcher(PHRASINGS, cache_dir=tmp_path)  # trained again: the least recently used goes
    assert file_of[0] in _models(tmp_path) and file_of[1] not in _models(tmp_path)
    assert len(_models(tmp_path)) == modelcache.KEEP
    examples = [(p.topic_id, p.lang, p.text) for p in PHRASINGS]
    key = modelcache.training_key(examples, ["prints", "faces", "film"], {"chars": True})
    assert key != modelcache.training_key(
        [*examples[:-1], ("film", "en", "where can I watch the film")],
        ["prints", "faces", "film"],
        {"chars": True},
    )
    assert key != modelcache.training_key(examples, ["faces", "prints", "film"], {"chars": True})
    assert key != modelcache.training_key(examples, ["prints", "faces", "film"], {"chars": False})
    moved = [*examples[:-1], ("prints", "en", "where can I watch the documentary")]
    assert key != modelcache.training_key(moved, ["prints", "faces", "film"], {"chars": True})


def test_files_are_private_and_a_directory_that_cannot_be_written_is_no_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory = tmp_path / "new" / "cache"
    Matcher(PHRASINGS, cache_dir=directory)
    [path] = _models(directory)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not list(directory.glob(".*.tmp"))
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    caplog.set_level(logging.INFO, logger="bot.modelcache")
    matcher = Matcher(PHRASINGS, cache_dir=blocked / "cache")  # a file where a dir should be
    assert _verdicts(matcher, QUESTIONS) == _verdicts(Matcher(PHRASINGS), QUESTIONS)
    assert any("not written" in line for line in _logged(caplog))


def test_where_the_cache_lives() -> None:
    assert modelcache.cache_dir_from_env({"BOT_CACHE_DIR": ""}) is None  # off
    assert modelcache.cache_dir_from_env({"BOT_CACHE_DIR": " /srv/c "}) == Path("/srv/c")
    xdg = modelcache.cache_dir_from_env({"XDG_CACHE_HOME": "/var/x"})
    assert xdg == Path("/var/x/reclaim-your-face-bot")
    home = modelcache.cache_dir_from_env({"XDG_CACHE_HOME": "relative/ignored"})
    assert home == Path.home() / ".cache" / "reclaim-your-face-bot"
