"""The trained half of the matcher: n-gram features and the numpy linear model."""

from __future__ import annotations

import numpy as np
import pytest

from bot import classifier, features
from bot.classifier import LinearModel, visit_orders
from bot.evaluate import DATA, read_set
from bot.explainer import Explainer, build_matcher, ways_of_asking
from bot.features import (
    Columns,
    SparseRow,
    Vectorizer,
    char_grams,
    folded_words,
    readable,
    word_grams,
)
from bot.matcher import Phrasing

TRAIN = [
    ("prints", "what is wrong with giving my fingerprints"),
    ("prints", "fingerprint database risks"),
    ("prints", "police want my fingerprints"),
    ("faces", "how does facial recognition work"),
    ("faces", "cameras that recognise faces"),
    ("faces", "face recognition in the street"),
    ("film", "documentary about the cameras in Belgrade"),
    ("film", "is there a film about Belgrade"),
    ("film", "where can I watch the documentary"),
]
TOPICS = ["prints", "faces", "film"]


def _train(examples: list[tuple[str, str]]) -> tuple[Vectorizer, LinearModel]:
    vectorizer, rows = Vectorizer.fit(text for _, text in examples)
    labels = [TOPICS.index(topic) for topic, _ in examples]
    return vectorizer, _kept(rows, labels, vectorizer.size)


def _kept(rows: features.Rows, labels: list[int], size: int) -> LinearModel:
    """A model trained and kept as the bot does it."""
    return LinearModel.from_weights(classifier.fit_weights(rows, labels, size, len(TOPICS)))


def test_words_are_casefolded_without_accents() -> None:
    assert folded_words("Überwachung, DONNÉES biométriques!") == [
        "uberwachung",
        "donnees",
        "biometriques",
    ]


def test_word_pairs_and_padded_character_pieces() -> None:
    assert [readable(g) for g in word_grams(["facial", "recognition"])] == [
        "'facial'",
        "'recognition'",
        "'facial recognition'",
    ]
    pieces = [readable(g) for g in char_grams(["face"])]
    assert pieces[:3] == ["[_fa]", "[fac]", "[ace]"] and "[face_]" in pieces
    assert [readable(g) for g in char_grams(["a"])] == ["[_a_]"]


def test_each_block_has_unit_length_and_unknown_grams_have_no_column() -> None:
    vectorizer, _ = _train(TRAIN)
    row = vectorizer.row("fingerprints zzzzqqq", keep_grams=True)
    words = [i for i, g in enumerate(row.grams) if g.startswith("w ")]
    chars = [i for i, g in enumerate(row.grams) if g.startswith("c ")]
    assert np.isclose(np.linalg.norm(row.values[words]), 1.0)
    assert np.isclose(np.linalg.norm(row.values[chars]), 1.0)
    assert not any("zzz" in g for g in row.grams)
    assert list(row.columns) == sorted(row.columns)


def test_fitted_rows_are_each_texts_row_to_the_last_bit() -> None:
    """`Vectorizer.fit` makes all rows at once; each must be what `row()` gives the text
    (the same float32 sums in the same order), with and without a column limit."""
    texts = [text for _, text in TRAIN] + ["", "!!", "banana banana ananas", "Überwachung à l'œil"]
    for options in ({}, {"max_columns": 40}, {"chars": False}):
        vectorizer, rows = Vectorizer.fit(texts, **options)  # type: ignore[arg-type]
        for text, row in zip(texts, rows, strict=True):
            alone = vectorizer.row(text)
            assert row.columns.dtype == alone.columns.dtype == np.int32
            assert row.values.tobytes() == alone.values.tobytes()
            assert row.columns.tobytes() == alone.columns.tobytes()
        # a sequence like a list of the rows: from the end, by slices, out of range
        assert rows[-1].values.tobytes() == vectorizer.row(texts[-1]).values.tobytes()
        assert [r.columns.tobytes() for r in rows[1:3]] == [
            vectorizer.row(t).columns.tobytes() for t in texts[1:3]
        ]
        with pytest.raises(IndexError):
            rows[len(texts)]


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("fingreprints", "prints"),  # a typo still shares most character pieces
        ("recognition of my face", "faces"),
        ("a documentary on belgrade", "film"),
    ],
)
def test_the_model_learns_the_topics(question: str, topic: str) -> None:
    vectorizer, model = _train(TRAIN)
    assert TOPICS[int(np.argmax(model.scores(vectorizer.row(question))))] == topic


def test_training_is_deterministic() -> None:
    first, again = _train(TRAIN)[1], _train(TRAIN)[1]
    assert np.array_equal(first.as_floats(), again.as_floats())


def test_kept_weights_are_the_trained_ones_in_whole_steps() -> None:
    """The model keeps each row of its weights as int16 steps of the row's largest value
    (half the memory of float32): every weight within half a step of the trained one, and
    the scores computed from them within 1e-4 of the trained weights' and ranked alike."""
    vectorizer, rows = Vectorizer.fit(text for _, text in TRAIN)
    labels = [TOPICS.index(topic) for topic, _ in TRAIN]
    trained = classifier.fit_weights(rows, labels, vectorizer.size, len(TOPICS))
    model = LinearModel.from_weights(trained)
    assert model.codes.dtype == np.int16
    assert np.abs(model.codes).max() == classifier.STEPS  # each row's largest is whole
    assert np.all(np.abs(model.as_floats() - trained) <= model.steps[:, np.newaxis] * 0.5 + 1e-9)
    for question in ["police fingerprints database", "facial recognition in the metro"]:
        row = vectorizer.row(question)
        exact = row.values @ trained[row.columns] + trained[model.bias_column]
        scores = model.scores(row)
        assert scores.dtype == np.float32
        assert np.abs(scores - exact).max() < 1e-4
        assert list(np.argsort(scores)) == list(np.argsort(exact))


def test_a_model_made_again_from_its_codes_scores_as_the_trained_one() -> None:
    """The model cache keeps a model's codes and steps; the model made from them again
    (`bot.modelcache`) has the same bias column and scores every class to the bit."""
    vectorizer, model = _train(TRAIN)
    read = LinearModel(model.codes.copy(), model.steps.copy())
    assert read.bias_column == model.bias_column == vectorizer.size
    for question in ["police fingerprints database", "a film about Belgrade"]:
        row = vectorizer.row(question)
        assert np.array_equal(read.scores(row), model.scores(row))


def test_a_row_of_zeros_is_kept_as_zeros() -> None:
    codes, steps = classifier.quantized(np.array([[0.0, 0.0], [0.5, -1.0]], dtype=np.float32))
    assert codes.tolist() == [[0, 0], [16384, -32767]]
    assert steps[0] == 1.0


def test_pushes_add_up_to_the_score_without_the_intercept() -> None:
    vectorizer, model = _train(TRAIN)
    row = vectorizer.row("police fingerprints database")
    bias = model.as_floats()[model.bias_column, 0]
    assert np.isclose(model.pushes(row, 0).sum() + bias, model.scores(row)[0], atol=1e-5)


def _dense(rows: list[SparseRow], size: int) -> np.ndarray:
    dense = np.zeros((len(rows), size), dtype=np.float64)
    for i, row in enumerate(rows):
        dense[i, row.columns] = row.values
    return dense


def test_same_decisions_as_scikit_learn_linearsvc() -> None:
    """The numpy model is trained as LinearSVC(C=1) on the same features (its classes of
    one size here, so their weighting changes nothing): on data where both are sure,
    they agree."""
    svm = pytest.importorskip("sklearn.svm")
    vectorizer, rows = Vectorizer.fit(text for _, text in TRAIN)
    dense = _dense(rows, vectorizer.size)
    labels = [TOPICS.index(topic) for topic, _ in TRAIN]
    reference = svm.LinearSVC(C=1.0).fit(dense, labels)
    ours = _kept(rows, labels, vectorizer.size)
    for question in ["fingerprints at the police", "facial recognition cameras", "belgrade film"]:
        row = vectorizer.row(question)
        query = np.zeros((1, vectorizer.size))
        query[0, row.columns] = row.values
        assert int(np.argmax(ours.scores(row))) == int(reference.predict(query)[0])


def test_converged_weights_are_scikit_learns_with_classes_half_balanced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With topics of unequal size and enough passes, the weights are LinearSVC's with
    each topic's own texts weighted (n / (topics x n_topic)) ** BALANCE, not those of
    the unweighted model."""
    svm = pytest.importorskip("sklearn.svm")
    examples = [*TRAIN, ("prints", "can the police take my fingerprints")]
    examples += [("prints", "fingerprints in passports"), ("faces", "cameras in the metro")]
    vectorizer, rows = Vectorizer.fit(text for _, text in examples)
    labels = [TOPICS.index(topic) for topic, _ in examples]
    monkeypatch.setattr(classifier, "EPOCHS", 500)
    ours = classifier.fit_weights(rows, labels, vectorizer.size, len(TOPICS))
    dense = _dense(rows, vectorizer.size)
    sizes = np.bincount(labels)
    share = {
        k: (len(labels) / (len(TOPICS) * n)) ** classifier.BALANCE for k, n in enumerate(sizes)
    }
    weights = {}
    for name, weighting in (("weighted", share), ("plain", None)):
        svc = svm.LinearSVC(C=1.0, class_weight=weighting, tol=1e-8, max_iter=100_000)
        svc.fit(dense, labels)
        weights[name] = np.vstack([svc.coef_.T, svc.intercept_])  # bias last, as ours
    assert np.abs(ours - weights["weighted"]).max() < 1e-5
    assert np.abs(ours - weights["plain"]).max() > 1e-3


def test_adding_a_text_leaves_the_visiting_order_of_the_others_as_it_was() -> None:
    keys = [f"way of asking {i}" for i in range(200)]
    before = visit_orders(keys)
    after = visit_orders([*keys, "one more way of asking"])
    for old, new in zip(before, after, strict=True):
        assert [i for i in new if i < len(keys)] == old  # the new text (200) is only inserted
    assert before[0] != before[1]  # each pass has its own order
    assert sorted(before[0]) == list(range(len(keys)))


def test_one_more_way_of_asking_changes_no_unrelated_verdict() -> None:
    # A seeded shuffle of the positions reordered every text when one was added, and a few
    # questions near the threshold changed their verdict with any edit of the knowledge.
    explainer = Explainer.load()
    extra = Phrasing("get-involved", "de", "wie kann ich bei der kampagne mithelfen")
    grown = build_matcher(explainer.knowledge, [*ways_of_asking(explainer.knowledge), extra])
    questions = [row["text"] for row in read_set(DATA / "questions-blind.jsonl")]
    changed = [
        q
        for q in questions
        if explainer.matcher.match(q).topic_id != grown.match(q).topic_id
        and "mithelfen" not in q.lower()
    ]
    assert changed == []


def test_columns_are_the_sorted_grams_places_found_as_a_dict_finds_them() -> None:
    vectorizer, _ = Vectorizer.fit(text for _, text in TRAIN)
    grams = list(vectorizer.columns)
    assert grams == sorted(grams) and len(vectorizer.columns) == vectorizer.size == len(grams)
    as_dict = dict(zip(grams, range(len(grams)), strict=True))
    for gram in [*grams, "w zzz", "c  a", "", "w", "\U0010ffff"]:
        assert vectorizer.columns.get(gram) == as_dict.get(gram)
        assert (gram in vectorizer.columns) == (gram in as_dict)
    assert vectorizer.columns[grams[3]] == 3
    with pytest.raises(KeyError):
        vectorizer.columns["w zzz"]
    with pytest.raises(ValueError):  # a damaged cache file's n-grams: trained again
        Columns(["w b", "w a"])


compiled = pytest.mark.skipif(
    classifier._descent is None, reason="built without a C compiler: training uses numpy"
)


@compiled
def test_the_compiled_training_loop_takes_the_numpy_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """bot/_descent.c takes the steps of the numpy loop: on the shipped English ways of
    asking (topics of unequal size) the weights agree to float32 rounding (its sums of
    a text's scores run in another order) and every text gets the same top topic."""
    knowledge = Explainer.load().knowledge
    examples = [p for p in ways_of_asking(knowledge) if p.lang == "en"]
    topics = sorted({p.topic_id for p in examples})
    vectorizer, rows = Vectorizer.fit(p.text for p in examples)
    labels = [topics.index(p.topic_id) for p in examples]
    keys = [p.text for p in examples]
    fast = classifier.fit_weights(rows, labels, vectorizer.size, len(topics), keys)
    monkeypatch.setattr(classifier, "_descent", None)
    slow = classifier.fit_weights(rows, labels, vectorizer.size, len(topics), keys)
    assert np.abs(fast).max() > 0.5  # it trained at all
    assert np.abs(fast - slow).max() < 1e-4
    # rows given one by one (a list, copied into flat arrays) train the same weights
    assert np.array_equal(
        slow, classifier.fit_weights(list(rows), labels, vectorizer.size, len(topics), keys)
    )
    for row in rows:
        scores = [row.values @ w[row.columns] + w[-1] for w in (fast, slow)]
        assert np.argmax(scores[0]) == np.argmax(scores[1])


@compiled
def test_the_compiled_loop_refuses_arrays_that_do_not_fit() -> None:
    """Sizes and indices are checked before the loop runs: a mistake in the caller is an
    error, not a write outside the weights."""
    assert classifier._descent is not None
    weights = np.zeros((3, 2), dtype=np.float32)  # two columns and the bias, two classes
    columns = np.array([0, 1], dtype=np.int32)  # a text's own: the bias (2) is implicit
    values = np.ones(2, dtype=np.float32)
    bounds = np.array([0, 1, 2], dtype=np.int64)
    labels = np.array([0, 1], dtype=np.int32)
    diagonals = np.full((2, 2), 0.5)  # float64, as the squared norms
    squares = np.full(2, 2.0)
    orders = np.array([0, 1, 1, 0], dtype=np.int64)

    def train(classes: tuple[int, int, int] = (0, 2, 2), **changed: object) -> None:
        given = dict(
            weights=weights, columns=columns, values=values, bounds=bounds, labels=labels,
            diagonals=diagonals, squares=squares, orders=orders,
        )  # fmt: skip
        given.update(changed)
        classifier._descent.dual_descent(*given.values(), 3, 2, 2, 2, *classes)

    train()
    assert weights[0, 0] > 0 > weights[0, 1]  # column 0 is in class 0's text only
    for classes in [(1, 2, 2), (-1, 1, 2), (0, 0, 2), (0, 2, 1)]:  # (first, width, stride)
        with pytest.raises(ValueError):
            train(classes)
    for name, bad in [
        ("weights", np.zeros((2, 2), dtype=np.float32)),
        ("columns", np.array([0, 2], dtype=np.int32)),  # the bias's row: not a column
        ("labels", np.array([0, 2], dtype=np.int32)),
        ("bounds", np.array([0, 2, 1], dtype=np.int64)),
        ("orders", np.array([0, 1, 1, 2], dtype=np.int64)),
        ("squares", np.ones(3)),
        ("diagonals", np.full((2, 2), 0.5, dtype=np.float32)),
    ]:
        with pytest.raises(ValueError):
            train(**{name: bad})


@compiled
def test_training_in_threads_gives_the_same_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiled loop trains runs of classes at once, each from a cache line of the
    weights' rows: 40 classes on two or three cores give one core's weights to the bit."""
    rng = np.random.default_rng(7)
    vocabulary = [f"w{i}" for i in range(300)]
    texts = [" ".join(rng.choice(vocabulary, 6)) for _ in range(400)]
    labels = [i % 40 for i in range(len(texts))]
    vectorizer, rows = Vectorizer.fit(texts)
    monkeypatch.setattr(classifier, "_usable_cores", lambda: 3)
    assert classifier._class_parts(40, 48, 3) == [(0, 16), (16, 16), (32, 8)]
    assert classifier._class_parts(40, 40, 3) == [(0, 40)]  # rows not in whole lines
    alone = classifier.fit_weights(rows, labels, vectorizer.size, 40, texts, threads=1)
    assert np.abs(alone).max() > 0.1  # it trained at all
    assert alone.strides[0] == 40 * 4  # one core: rows not padded to whole cache lines
    for threads in (2, 3):
        weights = classifier.fit_weights(rows, labels, vectorizer.size, 40, texts, threads)
        assert weights.strides[0] == 48 * 4  # padded, so that each run starts on a line
        assert np.array_equal(alone, weights)
    monkeypatch.setattr(classifier, "_usable_cores", lambda: 1)
    assert classifier._class_parts(40, 48, 3) == [(0, 40)]


counting_compiled = pytest.mark.skipif(
    features._grams is None, reason="built without a C compiler: numpy counts the n-grams"
)


@counting_compiled
def test_the_compiled_counting_lays_out_what_numpy_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """bot/_grams.c counts each block's distinct n-grams and sorts each text's entries by
    number: the same integers as numpy's sorts, on the shipped ways of asking of every
    language and on odd texts (empty, punctuation only, one word repeated), with and
    without the character block; and it makes the same rows, to the last bit, with every
    n-gram a column or only the most common."""
    knowledge = Explainer.load().knowledge
    odd = ["", "!!", "banana banana banana ananas", "Überwachung à l'œil", "a", "a a a a"]
    odd += ["日本語のテキスト", "😀x ß straße", "ab abc"]  # wider characters, short words
    texts = odd + [p.text for p in ways_of_asking(knowledge)][::3] + odd
    for chars in (True, False):
        compiled = features._GramCounts.of(texts, chars)
        with monkeypatch.context() as patched:
            patched.setattr(features, "_grams", None)
            reference = features._GramCounts.of(texts, chars)
        assert compiled.names == reference.names
        for name in ("grams", "counts", "blocks", "by_number"):
            ours, theirs = getattr(compiled, name), getattr(reference, name)
            assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs), name
        for kept in (None, len(compiled.names) // 3):  # every n-gram a column, a third
            fast = Vectorizer.fit(texts, max_columns=kept, chars=chars)
            with monkeypatch.context() as patched:
                patched.setattr(features, "_grams", None)
                slow = Vectorizer.fit(texts, max_columns=kept, chars=chars)
            assert fast[0].columns == slow[0].columns
            for ours, theirs in zip(fast[1], slow[1], strict=True):  # rows, to the bit
                assert ours.columns.tobytes() == theirs.columns.tobytes()
                assert ours.values.tobytes() == theirs.values.tobytes()
    assert len(compiled.grams) > 100_000  # the shipped texts were counted at all


@counting_compiled
def test_the_compiled_counting_refuses_arrays_that_do_not_fit() -> None:
    """Sizes and n-gram numbers are checked before counting: a mistake in the caller is an
    error, not a read or write outside the arrays."""
    assert features._grams is not None
    grams = np.array([0, 1, 1, 2], dtype=np.int32)
    lengths = np.array([3, 1], dtype=np.int64)  # two texts: three word n-grams, then one
    none = np.zeros(2, dtype=np.int64)
    empty = np.zeros(0, dtype=np.int32)
    *laid_out, starts = features._grams.distinct_layout(grams, lengths, empty, none, 2, 3)
    bounds = np.frombuffer(starts, np.int64)
    # text 0: "0 1 1", text 1: "2"; no characters
    assert np.diff(bounds).tolist() == [2, 0, 1, 0] and bounds.tolist() == [0, 2, 2, 3, 3]
    out = [np.frombuffer(a, np.int32) for a in laid_out]  # grams, counts, by number
    assert [a.tolist() for a in out] == [[0, 1, 2], [1, 2, 1], [0, 1, 2]]
    for args in [
        (grams, lengths, empty, none, 2, 2),  # the n-gram 2 is not below n_names
        (grams, np.array([3, 2], dtype=np.int64), empty, none, 2, 3),  # lengths add up to 5
        (grams, np.array([5, -1], dtype=np.int64), empty, none, 2, 3),  # a negative length
        (grams, lengths, empty, none, 3, 3),  # three texts, lengths for two
        (grams.astype(np.int64), lengths, empty, none, 2, 3),  # 64-bit numbers
        (grams, lengths, empty, none, 2, -1),  # no n-gram numbers at all
        (empty, none[:0], empty, none[:0], -1, 3),  # fewer than no texts
    ]:
        with pytest.raises(ValueError):
            features._grams.distinct_layout(*args)
    # the character pieces: the same strings as Python's slices, numbered as first made
    names, numbered, per_word = features._grams.char_pieces(["ab", "ba"], "c ", (3, 4))
    assert names == ["c  ab", "c ab ", "c  ab ", "c  ba", "c ba ", "c  ba "]
    assert np.frombuffer(numbered, np.int64).tolist() == [0, 1, 2, 3, 4, 5]
    assert np.frombuffer(per_word, np.int64).tolist() == [3, 3]
    with pytest.raises(TypeError):
        features._grams.char_pieces(["ab", 3], "c ", (3, 4))
    for sizes in [(), (4, 3), (0, 3)]:
        with pytest.raises(ValueError):
            features._grams.char_pieces(["ab"], "c ", sizes)
    # the rows' steps: n-grams 0 and 2 have columns 0 and 1, n-gram 1 none
    counts = np.ones(3, dtype=np.float32)
    column, idf = np.array([0, -1, 1], dtype=np.int32), np.full(2, 2.0, dtype=np.float32)
    laid = [out[0], counts, bounds, column, idf, 2, 3, 2]
    values, bounds = features._grams.weighed(*laid)
    assert np.frombuffer(values, np.float32).tolist() == [2.0, 2.0]
    assert np.frombuffer(bounds, np.int64).tolist() == [0, 1, 1, 2, 2]
    columns, scaled = np.zeros(2, dtype=np.int32), np.zeros(2, dtype=np.float32)
    lengths = np.array([4.0, 1.0, 4.0, 1.0], dtype=np.float32)
    features._grams.by_column(*laid, out[2], lengths, columns, scaled)
    assert columns.tolist() == [0, 1] and scaled.tolist() == [1.0, 1.0]
    for name, bad in [
        ("column", np.array([0, -1, 2], dtype=np.int32)),  # idf has two columns
        ("column", np.array([0, -2, 1], dtype=np.int32)),
        ("blocks", np.array([0, 1, 1, 2, 4], dtype=np.int64)),  # four entries, not three
        ("blocks", np.array([0, 2, 1, 2, 3], dtype=np.int64)),
        ("idf", np.full(2, 2.0)),  # float64
    ]:
        given = laid.copy()
        given[{"column": 3, "blocks": 2, "idf": 4}[name]] = bad
        with pytest.raises(ValueError):
            features._grams.weighed(*given)
    with pytest.raises(ValueError):  # an entry of text 1 listed under text 0
        features._grams.by_column(
            *laid, np.array([2, 1, 0], dtype=np.int32), lengths, columns, scaled
        )
