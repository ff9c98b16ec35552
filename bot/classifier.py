"""A linear one-vs-rest classifier trained on the ways of asking, with numpy alone.

The model is what scikit-learn's `LinearSVC(C=1)` fits (L2-regularised
squared hinge loss, one class against the rest, an intercept learned like a
feature of constant value 1) with its classes half balanced, found with the
same method: dual coordinate descent (Hsieh et al., 2008, the method of
LIBLINEAR). Half balanced: in the problem of class k, its own texts count with
C x (n / (classes x n_k)) ** `BALANCE`, as LIBLINEAR weighs a class (the
others' texts with C), so a topic with few ways of asking is less outvoted by
one with many; with classes of one size nothing changes. Each pass visits the
training texts in a random order and updates that text's dual
variables for all classes at once: in C (`bot/_descent.c`, compiled when the
package is built, about six times faster) or, without a compiler, with a few
numpy operations per text. `EPOCHS` passes reach the accuracy of the
converged model on the benchmarks (see `benchmarks/`) and more on the real
questions, and training stays a pure, deterministic function of its input.

Why not scikit-learn itself: importing `LinearSVC` and `TfidfVectorizer`
takes about a second and over 100 MB, more than the whole bot otherwise
needs; the benchmark shows both side by side.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt

from bot.features import Rows, SparseRow
from bot.steps import whole_steps

try:  # the compiled training loop, built with the package where a compiler was at hand
    from bot import _descent  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - a build without a compiler
    _descent = None


def trainer_files() -> tuple[str, ...]:
    """The compiled training loop's file, if training uses it: part of what decides the
    trained numbers (`bot.modelcache`)."""
    return () if _descent is None else (str(_descent.__file__),)


C = 1.0
# Passes over the texts. On the benchmarks 3 reach the converged model's accuracy, but on
# the real questions the tune half as found (`benchmarks/as_found.py`) gains from more:
# 63.0 / 70.8 / 3.7 / 87.0 at 3 passes, 64.3 / 70.6 / 4.1 / 86.8 at 4, 64.4 / 71.2 / 4.0 /
# 86.8 at 5, 64.2 / 71.2 / 4.1 / 86.8 at 7 (as strangers 69.3 / 84.8 at 3, 70.4 / 84.6 at
# 5, 70.6 / 84.9 at 7; dev and blind the same). A pass costs the shipped knowledge ~0.08 s.
EPOCHS = 5
# The compiled loop trains the classes in up to this many runs at once, in threads, each
# on a core of its own (`_class_parts`): the shipped knowledge's training loop took
# 0.24-0.25 s on two cores instead of 0.43-0.50 s, with the same weights to the last bit.
TRAINING_THREADS = 2
LINE = 16  # float32s in a cache line (64 bytes)
# A class's own texts count with C x (n / (classes x n_class)) ** BALANCE: 1 would be
# scikit-learn's "balanced", 0 no weighting. Chosen on xSID cross-validation (both gain
# there) and the tune half as strangers (1 lost a few questions there, 0.5 none).
BALANCE = 0.5
CHUNK = 4096  # texts whose curvatures are summed at once (`_curvatures`)

FloatArray = npt.NDArray[np.float32]
CodeArray = npt.NDArray[np.int16]
STEPS = 32767  # a row of the weights is kept as whole steps of its largest value / STEPS
QUANTIZE_ROWS = 8192  # rows quantized at once: a float copy of all 1,000-class weights is 128 MB


class LinearModel:
    """Weights (one column per class) learned from labelled sparse rows (`fit_weights`).

    Trained in float32, kept in half the memory: each row (an n-gram's weights for every
    class) as int16 whole steps of its largest value / `STEPS`, and the step (`codes`,
    `steps`). A score moves by at most ~1e-4 (float16 moved it by ~1e-3, and its
    conversion made the scores of 1,000 classes eight times slower), while the shipped
    knowledge's weights take 13.6 MB instead of 27.2."""

    def __init__(self, codes: CodeArray, steps: FloatArray) -> None:
        """A model with these weights (`quantized`, the bias's row last), as training made
        them (`from_weights`) or the model cache kept them (`bot.modelcache`); the bias's
        row is kept as float32 too: every question adds it."""
        self.codes, self.steps = codes, steps
        self.bias_column = len(codes) - 1
        self._bias: FloatArray = codes[self.bias_column] * steps[self.bias_column]

    @classmethod
    def from_weights(cls, weights: FloatArray) -> LinearModel:
        """A model keeping `weights` (float32, as `fit_weights` makes them), quantized. The
        bot frees the training rows first: the codes are made beside the float weights."""
        return cls(*quantized(weights))

    def as_floats(self) -> FloatArray:
        """All the weights as float32, one row per column and the bias's last: a new
        array the size of the codes twice over (for tests and tools, not questions)."""
        weights: FloatArray = self.codes * self.steps[:, np.newaxis]
        return weights

    def scores(self, row: SparseRow) -> FloatArray:
        """The decision value of every class for one row."""
        scaled = row.values * self.steps[row.columns]
        scores: FloatArray = np.add(scaled @ self.codes[row.columns], self._bias)
        return scores

    def pushes(self, row: SparseRow, klass: int) -> FloatArray:
        """What each of the row's columns adds to one class's decision value."""
        scaled = row.values * self.steps[row.columns]
        pushed: FloatArray = scaled * self.codes[row.columns, klass]
        return pushed


def quantized(weights: FloatArray) -> tuple[CodeArray, FloatArray]:
    """Each row of `weights` as int16 whole steps of its largest magnitude / `STEPS`,
    and each row's step (`bot.steps.whole_steps`), `QUANTIZE_ROWS` rows at a time."""
    codes = np.empty(weights.shape, dtype=np.int16)
    steps = np.ones(len(weights), dtype=np.float32)
    for start in range(0, len(weights), QUANTIZE_ROWS):
        part = slice(start, start + QUANTIZE_ROWS)
        codes[part], steps[part] = whole_steps(weights[part], STEPS, np.int16)
    return codes, steps


def fit_weights(
    rows: Sequence[SparseRow],
    labels: Sequence[int],
    n_columns: int,
    n_classes: int,
    keys: Sequence[str] = (),
    threads: int = TRAINING_THREADS,
) -> FloatArray:
    """The weights (one column per class, the bias's row last) trained on `rows` labelled
    with class numbers `labels` (0..n_classes-1), in float32, the precision training needs;
    `keys` (the training texts) decide the order each pass visits them in
    (`visit_orders`); `threads`: at most how many cores to train on (`_class_parts`). Keep
    them with `LinearModel.from_weights`."""
    if not rows or _descent is None or _cores(n_classes, threads) == 1:
        # one core trains every class: rows of `n_classes` floats, unpadded (padded to
        # whole cache lines, the shipped knowledge's 49 topics took 52 MB, not 39)
        table = np.zeros((n_columns + 1, n_classes), dtype=np.float32)
    else:  # rows padded to whole cache lines, for `_class_parts`
        table = _aligned_zeros(n_columns + 1, -(-n_classes // LINE) * LINE)
    if rows:
        keys = keys or [str(i) for i in range(len(rows))]
        _dual_descent(table, rows, labels, n_classes, visit_orders(keys), threads)
    weights: FloatArray = table[:, :n_classes]
    return weights


def _aligned_zeros(n_rows: int, stride: int) -> FloatArray:
    """A float32 table of zeros whose rows start on cache lines (`stride`: a whole
    number of `LINE`s)."""
    flat = np.zeros(n_rows * stride + LINE, dtype=np.float32)
    skip = (-flat.ctypes.data % (LINE * 4)) // 4  # floats to the first line's start
    table: FloatArray = flat[skip : skip + n_rows * stride].reshape(n_rows, stride)
    return table


def visit_orders(keys: Sequence[str]) -> list[list[int]]:
    """For each pass, the order to visit the training texts in: sorted by a hash of the
    text and the pass number. The order looks random, as coordinate descent needs, but a
    text's place does not depend on the others: adding one way of asking inserts it
    somewhere and leaves the order of the rest as it was. (A seeded shuffle of the
    positions gave a new order to all of them, and a few questions near the threshold
    changed their verdict whenever anyone added any line.)"""
    encoded = [key.encode() for key in keys]
    return [_order(encoded, epoch) for epoch in range(EPOCHS)]


def _order(keys: Sequence[bytes], epoch: int) -> list[int]:
    """The texts' places sorted by the 8-byte digest of the pass number and the text (ties
    by place): the digests read as big-endian numbers compare as their bytes do."""
    prefix, digest = f"{epoch}\x00".encode(), hashlib.blake2b
    digests = b"".join([digest(prefix + key, digest_size=8).digest() for key in keys])
    order: list[int] = np.argsort(np.frombuffer(digests, dtype=">u8"), kind="stable").tolist()
    return order


def _dual_descent(
    table: FloatArray,
    rows: Sequence[SparseRow],
    labels: Sequence[int],
    n_classes: int,
    orders: Sequence[Sequence[int]],
    threads: int = 1,
) -> None:
    """Fit the weights in place, the first `n_classes` places of each row of `table` (the
    compiled loop's rows may be longer, `fit_weights`): dual coordinate descent on the
    squared hinge loss, by the compiled loop (`bot/_descent.c`) where the package was
    built with a compiler, else by the same steps in numpy (`_numpy_descent`). They agree
    to float32 rounding (the sums of a text's scores are added in another order). The
    bias is the weights' last row, a column every text has with value 1: neither loop is
    given a copy of the texts with it (for the shipped knowledge that copy was 22 MB at
    the start's peak). The compiled loop trains the classes on up to `threads` cores."""
    diagonal_of = _diagonals(labels, n_classes)  # row `label`: the dual's diagonal terms
    columns, values, bounds = _flat(rows)
    squares = _squared_norms(values, bounds)
    if _descent is None:
        texts = _with_bias(columns, values, bounds, table.shape[0] - 1)
        _numpy_descent(table, texts, labels, diagonal_of, squares, orders)
        return
    arguments = (  # it adds a step's curvature itself: no table of texts x classes
        table,
        columns,
        values,
        bounds,
        np.asarray(labels, dtype=np.int32),
        diagonal_of,
        squares,
        np.asarray(orders, dtype=np.int64).reshape(-1),
        table.shape[0],
        n_classes,
        len(rows),
        len(orders),
    )
    stride = table.shape[1]

    def train(classes: tuple[int, int]) -> None:
        _descent.dual_descent(*arguments, *classes, stride)

    first, *others = _class_parts(n_classes, stride, threads)
    with ThreadPoolExecutor(max(1, len(others))) as helpers:
        running = [helpers.submit(train, classes) for classes in others]
        train(first)
        for part in running:
            part.result()  # raises what its thread raised


def _usable_cores() -> int:
    """How many cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _cores(n_classes: int, threads: int) -> int:
    """How many cores train `n_classes` classes: at most `threads`, the cores this process
    may use, and one per cache line of a row's classes."""
    return max(1, min(threads, _usable_cores(), -(-n_classes // LINE)))


def _class_parts(n_classes: int, stride: int, threads: int) -> list[tuple[int, int]]:
    """The classes in up to `threads` runs of neighbours, (first, width), one for each
    core this process may use: each class's problem is its own, so the compiled
    loop trains the runs at once to the same weights. A run starts on a cache line of
    the weights' rows (`stride`: floats a row); two threads writing one line would
    pass it to and fro (split within a line, two threads were no faster than one)."""
    lines = -(-n_classes // LINE)
    count = _cores(n_classes, threads) if stride % LINE == 0 else 1
    starts = [lines * part // count * LINE for part in range(count)]
    return [(start, end - start) for start, end in itertools.pairwise([*starts, n_classes])]


def _numpy_descent(
    weights: FloatArray,
    texts: tuple[npt.NDArray[np.int32], FloatArray, list[int]],
    labels: Sequence[int],
    diagonal_of: npt.NDArray[np.float64],
    squares: npt.NDArray[np.float64],
    orders: Sequence[Sequence[int]],
) -> None:
    """The steps of `_dual_descent` in numpy, on the texts with the bias's column as
    `_with_bias` gives them, and their squared norms (`_squared_norms`).

    A step is a dozen numpy calls on one text's columns, for all classes at once:
    their overhead is most of what training costs, so there are few. The sign y of
    each class (+1 for the text's label, -1 for the others) is a multiplication by a
    prepared +-1 row, which is exact, and the text's rows of the weights are read
    once and written back once (its columns are distinct, so that is what
    `weights[cols] += ...` does): the same arithmetic, to the last bit.
    Alphas start as one shared zero row, never written to: each step stores a new one."""
    columns, values, bounds = texts
    n_classes = weights.shape[1]
    diagonal32_of = list(diagonal_of.astype(np.float32))
    # per text, the curvature of each class's step (float32), computed once, not per pass;
    # a list's items: indexing an array makes a view per step
    curvatures = list(_curvatures(diagonal_of, labels, squares))
    # row `label`: -1 for every class but the label, +1 for it (the sign y); and -y
    y_of = np.full((n_classes, n_classes), -1.0, dtype=np.float32)
    np.fill_diagonal(y_of, 1.0)
    minus_y_of = list(-y_of)
    y_rows = list(y_of)
    alphas: list[FloatArray] = [np.zeros(n_classes, dtype=np.float32)] * len(labels)
    # each row of the weights as one opaque item, so that reading and writing a text's
    # rows is numpy's fast 1-D gather and scatter (about three times faster than
    # fancy indexing of a 2-D array; the bytes copied are the same)
    as_items = weights.view(np.dtype((np.void, weights.itemsize * n_classes))).reshape(-1)
    for order in orders:
        for i in order:
            alpha, label, start, end = alphas[i], labels[i], bounds[i], bounds[i + 1]
            text_columns, text_values = columns[start:end], values[start:end]
            items = as_items.take(text_columns)
            block = items.view(np.float32).reshape(-1, n_classes)  # the text's rows
            gradient = (text_values @ block) * y_rows[label]  # y * score
            gradient -= 1.0
            gradient += diagonal32_of[label] * alpha
            gradient /= curvatures[i]
            updated = np.maximum(np.subtract(alpha, gradient, out=gradient), 0.0, out=gradient)
            alphas[i] = updated
            block += text_values[:, np.newaxis] * ((alpha - updated) * minus_y_of[label])
            as_items[text_columns] = items


def _flat(
    rows: Sequence[SparseRow],
) -> tuple[npt.NDArray[np.int32], FloatArray, npt.NDArray[np.int64]]:
    """Every text's columns and values one text after another in two flat arrays, and
    where each text starts (and, last, where the last ends), as `Rows` keeps them."""
    flat = Rows.of(rows)
    return (
        np.ascontiguousarray(flat.columns, dtype=np.int32),
        np.ascontiguousarray(flat.values, dtype=np.float32),
        np.ascontiguousarray(flat.bounds, dtype=np.int64),
    )


def _with_bias(
    columns: npt.NDArray[np.int32],
    values: FloatArray,
    bounds: npt.NDArray[np.int64],
    bias: int,
) -> tuple[npt.NDArray[np.int32], FloatArray, list[int]]:
    """The flat texts (`_flat`) with the bias's column (`bias`, value 1) after each
    text's own, and their new bounds: what the numpy loop steps over."""
    ends = bounds[1:]
    with_columns = np.insert(columns, ends, np.int32(bias))
    with_values = np.insert(values, ends, np.float32(1.0))
    return with_columns, with_values, (bounds + np.arange(len(bounds))).tolist()


def _squared_norms(values: FloatArray, bounds: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Per text, the squared length of its row (its `values` from one bound to the
    next) with the bias's 1: exact products of float32 values added in float64, text
    after text in order, `CHUNK` texts at a time (all at once, the shipped knowledge's
    2.7 million values took 66 MB of temporaries)."""
    n_texts = len(bounds) - 1
    squares = np.ones(n_texts, dtype=np.float64)
    for first in range(0, n_texts, CHUNK):
        last = min(first + CHUNK, n_texts)
        start, end = int(bounds[first]), int(bounds[last])
        part = values[start:end].astype(np.float64)
        part *= part
        text_of = np.repeat(np.arange(last - first), np.diff(bounds[first : last + 1]))
        squares[first:last] += np.bincount(text_of, weights=part, minlength=last - first)
    return squares


def _curvatures(
    diagonal_of: npt.NDArray[np.float64],
    labels: Sequence[int],
    squares: npt.NDArray[np.float64],
) -> FloatArray:
    """Per text (row) and class, the curvature of its step: the label's diagonal term plus
    the text's squared norm (`_squared_norms`), summed in float64 and kept in float32 (as
    the compiled loop computes it at each step). Summed `CHUNK` texts at a time: with
    1,000 classes a float64 table for 50,000 texts at once was 400 MB."""
    label_index = np.asarray(labels, dtype=np.intp)
    curvature = np.empty((len(labels), diagonal_of.shape[1]), dtype=np.float32)
    for start in range(0, len(labels), CHUNK):
        part = slice(start, start + CHUNK)
        curvature[part] = diagonal_of[label_index[part]] + squares[part, np.newaxis]
    return curvature


def _diagonals(labels: Sequence[int], n_classes: int) -> npt.NDArray[np.float64]:
    """Per label, the squared hinge's term on the dual's diagonal in each class's
    problem, 1 / (2 C_i): C for the class's own texts weighted by (n / (classes x
    n_k)) ** BALANCE, C for the others'. With classes of one size, 0.5 / C throughout."""
    counts = np.bincount(np.asarray(labels, dtype=np.intp), minlength=n_classes)
    weight = (len(labels) / (n_classes * np.maximum(counts, 1).astype(np.float64))) ** BALANCE
    diagonals = np.full((n_classes, n_classes), 0.5 / C)
    np.fill_diagonal(diagonals, 0.5 / (C * weight))
    return diagonals
