/* The vectorizer's fit (bot/features.py, `_GramCounts`) compiled: pieces, counts, rows.
 *
 * First each distinct word's character pieces, numbered in the order they are first
 * made (`_char_pieces`): the same strings and numbers as the Python loop, without its
 * cost per piece (about 400,000 pieces for the shipped knowledge).
 *
 * Every text has two blocks of n-grams, its words' and its characters', each a sequence
 * of n-gram numbers. Counting them means: each block's distinct n-grams in the order of
 * their first occurrence (what a Counter keeps) and how often each occurs, laid out text
 * after text, block after block; and, for each text, the order that sorts its entries by
 * n-gram number. numpy does this with sorts of the whole sequence (`_distinct`,
 * `_interleave`), which stay as the reference and the fallback where no compiler was at
 * hand when the package was built; here each block is one pass with a table of the
 * n-grams seen, and the sort is a counting sort over the n-gram numbers. The results
 * are integers, the same as numpy's to the last one.
 *
 * Then each text's row: its entries' tf-idf values (count x idf, float32), each block
 * scaled to unit length, sorted by column. The blocks' lengths stay numpy's dot products
 * (bot/features.py), which a question's row (`Vectorizer.row`) computes the same way;
 * here are the rest, a product, a square root and a division of float32 numbers each,
 * which round the same in C as in numpy (IEEE, no fused multiply-add): the rows are the
 * numpy steps' to the last bit.
 *
 * Plain C and the buffer protocol (no numpy headers): every array arrives as a
 * contiguous buffer whose size is checked against the counts given. The interpreter's
 * lock is released while it counts.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "_compiled.h"

typedef struct {
    Py_buffer grams[2];   /* int32 n-gram numbers: the word blocks', the character blocks' */
    Py_buffer lengths[2]; /* int64 per text: how many of them are the text's */
    Py_ssize_t n_texts, n_names;
} Blocks;

/* Counts the marks and places below fit: at most INT32_MAX / 2 texts, n-gram numbers
 * from 0. */
static int
check_counts(Py_ssize_t n_texts, Py_ssize_t n_names)
{
    if (n_texts < 0 || n_texts > (INT32_MAX - 2) / 2 || n_names < 0 || n_names > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "the numbers of texts and n-grams must fit in int32");
        return 0;
    }
    return 1;
}

static void
release_blocks(Blocks *blocks)
{
    for (int b = 0; b < 2; b++) {
        if (blocks->grams[b].obj != NULL)
            PyBuffer_Release(&blocks->grams[b]);
        if (blocks->lengths[b].obj != NULL)
            PyBuffer_Release(&blocks->lengths[b]);
    }
}

/* Read the four arrays and check them: lengths that add up to their block's size, and
 * numbers below `n_names`; 0 (with an exception set) when they do not hold. */
static int
read_blocks(PyObject *args, Blocks *blocks)
{
    memset(blocks, 0, sizeof(*blocks));
    if (!PyArg_ParseTuple(args, "y*y*y*y*nn", &blocks->grams[0], &blocks->lengths[0],
                          &blocks->grams[1], &blocks->lengths[1], &blocks->n_texts,
                          &blocks->n_names) ||
        !check_counts(blocks->n_texts, blocks->n_names))
        return 0;
    for (int b = 0; b < 2; b++) {
        if (!expect_size(&blocks->lengths[b], blocks->n_texts, sizeof(int64_t), "lengths"))
            return 0;
        const int64_t *lengths = blocks->lengths[b].buf;
        int64_t total = 0;
        for (Py_ssize_t t = 0; t < blocks->n_texts; t++) {
            if (lengths[t] < 0) {
                PyErr_SetString(PyExc_ValueError, "a length is negative");
                return 0;
            }
            total += lengths[t];
        }
        if (!expect_size(&blocks->grams[b], total, sizeof(int32_t), "grams"))
            return 0;
        const int32_t *grams = blocks->grams[b].buf;
        for (int64_t j = 0; j < total; j++)
            if (grams[j] < 0 || grams[j] >= blocks->n_names) {
                PyErr_SetString(PyExc_ValueError, "an n-gram number is out of range");
                return 0;
            }
    }
    return 1;
}

/* How many distinct n-grams each (text, block) has, into `sizes` (text after text,
 * block after block). `seen[g]` holds the last block n-gram g was seen in, plus one. */
static void
count_distinct(const Blocks *blocks, int32_t *seen, int64_t *sizes)
{
    const int32_t *grams[2] = {blocks->grams[0].buf, blocks->grams[1].buf};
    const int64_t *lengths[2] = {blocks->lengths[0].buf, blocks->lengths[1].buf};
    int64_t at[2] = {0, 0};
    for (Py_ssize_t t = 0; t < blocks->n_texts; t++)
        for (int b = 0; b < 2; b++) {
            const int32_t mark = (int32_t)(2 * t + b + 1);
            int64_t distinct = 0;
            for (int64_t j = at[b]; j < at[b] + lengths[b][t]; j++)
                if (seen[grams[b][j]] != mark) {
                    seen[grams[b][j]] = mark;
                    distinct++;
                }
            at[b] += lengths[b][t];
            sizes[2 * t + b] = distinct;
        }
}

/* Lay out each (text, block)'s distinct n-grams from `starts[2 t + b]` on, in the order
 * of their first occurrence, with their counts, and note each entry's text. */
static void
lay_out(const Blocks *blocks, const int64_t *starts, int32_t *seen, int32_t *place,
        int32_t *out_grams, int32_t *out_counts, int32_t *text_of)
{
    const int32_t *grams[2] = {blocks->grams[0].buf, blocks->grams[1].buf};
    const int64_t *lengths[2] = {blocks->lengths[0].buf, blocks->lengths[1].buf};
    int64_t at[2] = {0, 0};
    for (Py_ssize_t t = 0; t < blocks->n_texts; t++)
        for (int b = 0; b < 2; b++) {
            const int32_t mark = (int32_t)(2 * t + b + 1);
            int64_t next = starts[2 * t + b];
            for (int64_t j = at[b]; j < at[b] + lengths[b][t]; j++) {
                const int32_t g = grams[b][j];
                if (seen[g] != mark) {
                    seen[g] = mark;
                    place[g] = (int32_t)next;
                    out_grams[next] = g;
                    out_counts[next] = 1;
                    text_of[next] = (int32_t)t;
                    next++;
                } else {
                    out_counts[place[g]]++;
                }
            }
            at[b] += lengths[b][t];
        }
}

/* Each text's entries by n-gram number (a counting sort: entries of lower numbers first,
 * an entry's text's run filled in that order), as places, into `by_number`. */
static void
sort_by_number(const int32_t *out_grams, const int32_t *text_of, int64_t n_entries,
               Py_ssize_t n_names, const int64_t *starts, Py_ssize_t n_texts,
               int64_t *first_of, int32_t *order, int64_t *filled, int32_t *by_number)
{
    for (int64_t p = 0; p < n_entries; p++)
        first_of[out_grams[p] + 1]++;
    for (Py_ssize_t g = 0; g < n_names; g++)
        first_of[g + 1] += first_of[g];
    for (int64_t p = 0; p < n_entries; p++)
        order[first_of[out_grams[p]]++] = (int32_t)p;
    for (Py_ssize_t t = 0; t < n_texts; t++)
        filled[t] = starts[2 * t];
    for (int64_t k = 0; k < n_entries; k++) {
        const int32_t p = order[k];
        by_number[filled[text_of[p]]++] = p;
    }
}

static PyObject *
distinct_layout(PyObject *self, PyObject *args)
{
    (void)self;
    Blocks blocks;
    PyObject *out[3] = {NULL, NULL, NULL}; /* int32 bytes: grams, counts, by_number */
    PyObject *result = NULL, *bounds = NULL;
    int32_t *seen = NULL, *place = NULL, *text_of = NULL, *order = NULL;
    int64_t *sizes = NULL, *first_of = NULL, *filled = NULL;
    if (!read_blocks(args, &blocks))
        goto done;
    const Py_ssize_t n_texts = blocks.n_texts, n_names = blocks.n_names;
    seen = calloc((size_t)n_names + 1, sizeof(int32_t));
    place = malloc(((size_t)n_names + 1) * sizeof(int32_t));
    sizes = malloc(((size_t)n_texts * 2 + 1) * sizeof(int64_t));
    bounds = PyBytes_FromStringAndSize(NULL, (n_texts * 2 + 1) * (Py_ssize_t)sizeof(int64_t));
    filled = malloc(((size_t)n_texts + 1) * sizeof(int64_t));
    first_of = calloc((size_t)n_names + 1, sizeof(int64_t));
    if (!seen || !place || !sizes || !bounds || !filled || !first_of) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        goto done;
    }
    int64_t *starts = (int64_t *)PyBytes_AS_STRING(bounds);
    Py_BEGIN_ALLOW_THREADS
    count_distinct(&blocks, seen, sizes);
    Py_END_ALLOW_THREADS
    starts[0] = 0;
    for (Py_ssize_t k = 0; k < 2 * n_texts; k++)
        starts[k + 1] = starts[k] + sizes[k];
    const int64_t n_entries = starts[2 * n_texts];
    if (n_entries > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "too many entries for int32 places");
        goto done;
    }
    for (int k = 0; k < 3; k++)
        if ((out[k] = PyBytes_FromStringAndSize(NULL, n_entries * (Py_ssize_t)sizeof(int32_t))) == NULL)
            goto done;
    int32_t *out_grams = (int32_t *)PyBytes_AS_STRING(out[0]);
    int32_t *out_counts = (int32_t *)PyBytes_AS_STRING(out[1]);
    int32_t *by_number = (int32_t *)PyBytes_AS_STRING(out[2]);
    text_of = malloc(((size_t)n_entries + 1) * sizeof(int32_t));
    order = malloc(((size_t)n_entries + 1) * sizeof(int32_t));
    if (!text_of || !order) {
        PyErr_NoMemory();
        goto done;
    }
    memset(seen, 0, ((size_t)n_names + 1) * sizeof(int32_t));
    Py_BEGIN_ALLOW_THREADS
    lay_out(&blocks, starts, seen, place, out_grams, out_counts, text_of);
    sort_by_number(out_grams, text_of, n_entries, n_names, starts, n_texts, first_of, order,
                   filled, by_number);
    Py_END_ALLOW_THREADS
    result = PyTuple_Pack(4, out[0], out[1], out[2], bounds);
done:
    free(seen);
    free(place);
    free(sizes);
    free(filled);
    free(first_of);
    free(text_of);
    free(order);
    for (int k = 0; k < 3; k++)
        Py_XDECREF(out[k]);
    Py_XDECREF(bounds);
    release_blocks(&blocks);
    return result;
}

typedef struct {
    Py_buffer grams, counts, blocks, column, idf; /* int32, float32, int64, int32, float32 */
    Py_ssize_t n_texts, n_names, n_entries, n_columns;
} Laid;

static void
release_laid(Laid *laid)
{
    Py_buffer *all[] = {&laid->grams, &laid->counts, &laid->blocks, &laid->column, &laid->idf};
    for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++)
        if (all[k]->obj != NULL)
            PyBuffer_Release(all[k]);
}

/* Check the counted n-grams (`distinct_layout`'s, with their counts as float32), each
 * n-gram's column (-1: none) and the columns' idf. */
static int
check_laid(Laid *laid)
{
    if (!check_counts(laid->n_texts, laid->n_names) ||
        !expect_size(&laid->blocks, 2 * laid->n_texts + 1, sizeof(int64_t), "blocks") ||
        !expect_size(&laid->grams, laid->n_entries, sizeof(int32_t), "grams") ||
        !expect_size(&laid->counts, laid->n_entries, sizeof(float), "counts") ||
        !expect_size(&laid->column, laid->n_names, sizeof(int32_t), "column") ||
        !expect_size(&laid->idf, laid->n_columns, sizeof(float), "idf"))
        return 0;
    const int64_t *blocks = laid->blocks.buf;
    if (blocks[0] != 0 || blocks[2 * laid->n_texts] != laid->n_entries) {
        PyErr_SetString(PyExc_ValueError, "blocks must run from 0 to the number of entries");
        return 0;
    }
    for (Py_ssize_t k = 0; k < 2 * laid->n_texts; k++)
        if (blocks[k + 1] < blocks[k]) {
            PyErr_SetString(PyExc_ValueError, "blocks must grow");
            return 0;
        }
    const int32_t *grams = laid->grams.buf, *column = laid->column.buf;
    for (Py_ssize_t j = 0; j < laid->n_entries; j++)
        if (grams[j] < 0 || grams[j] >= laid->n_names) {
            PyErr_SetString(PyExc_ValueError, "an n-gram number is out of range");
            return 0;
        }
    for (Py_ssize_t g = 0; g < laid->n_names; g++)
        if (column[g] < -1 || column[g] >= laid->n_columns) {
            PyErr_SetString(PyExc_ValueError, "a column is out of range");
            return 0;
        }
    return 1;
}

/* weighed(grams, counts, blocks, column, idf, n_texts, n_names, n_columns): count x idf
 * of each entry with a column, entry after entry (float32 bytes), and where each (text,
 * block) starts among them (int64 bytes, and the end). */
static PyObject *
weighed(PyObject *self, PyObject *args)
{
    (void)self;
    Laid laid;
    PyObject *result = NULL, *bounds = NULL, *values = NULL;
    memset(&laid, 0, sizeof(laid));
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*nnn", &laid.grams, &laid.counts, &laid.blocks,
                          &laid.column, &laid.idf, &laid.n_texts, &laid.n_names,
                          &laid.n_columns))
        goto done;
    laid.n_entries = laid.grams.len / (Py_ssize_t)sizeof(int32_t);
    if (!check_laid(&laid))
        goto done;
    const int32_t *grams = laid.grams.buf, *column = laid.column.buf;
    const float *counts = laid.counts.buf, *idf = laid.idf.buf;
    const int64_t *blocks = laid.blocks.buf;
    Py_ssize_t known = 0;
    for (Py_ssize_t j = 0; j < laid.n_entries; j++)
        known += column[grams[j]] >= 0;
    bounds = PyBytes_FromStringAndSize(NULL, (laid.n_texts * 2 + 1) * (Py_ssize_t)sizeof(int64_t));
    values = PyBytes_FromStringAndSize(NULL, known * (Py_ssize_t)sizeof(float));
    if (bounds == NULL || values == NULL)
        goto done;
    int64_t *starts = (int64_t *)PyBytes_AS_STRING(bounds);
    float *out = (float *)PyBytes_AS_STRING(values);
    Py_BEGIN_ALLOW_THREADS
    int64_t next = 0;
    for (Py_ssize_t k = 0; k < 2 * laid.n_texts; k++) {
        starts[k] = next;
        for (int64_t j = blocks[k]; j < blocks[k + 1]; j++) {
            const int32_t c = column[grams[j]];
            if (c >= 0)
                out[next++] = counts[j] * idf[c];
        }
    }
    starts[2 * laid.n_texts] = next;
    Py_END_ALLOW_THREADS
    result = PyTuple_Pack(2, values, bounds);
done:
    Py_XDECREF(bounds);
    Py_XDECREF(values);
    release_laid(&laid);
    return result;
}

/* by_column(grams, counts, blocks, column, idf, n_texts, n_names, n_columns, by_number,
 * lengths, columns, values): each text's entries with a column, in the order of
 * `by_number` (by n-gram number, which is column order), into `columns` (int32) and
 * `values` (float32: count x idf / sqrt(its block's `lengths`, float32)). */
static PyObject *
by_column(PyObject *self, PyObject *args)
{
    (void)self;
    Laid laid;
    Py_buffer by_number, lengths, columns, values;
    Py_buffer *given[] = {&by_number, &lengths, &columns, &values};
    PyObject *result = NULL;
    memset(&laid, 0, sizeof(laid));
    memset(&by_number, 0, sizeof(by_number));
    memset(&lengths, 0, sizeof(lengths));
    memset(&columns, 0, sizeof(columns));
    memset(&values, 0, sizeof(values));
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*nnny*y*w*w*", &laid.grams, &laid.counts,
                          &laid.blocks, &laid.column, &laid.idf, &laid.n_texts, &laid.n_names,
                          &laid.n_columns, &by_number, &lengths, &columns, &values))
        goto done;
    laid.n_entries = laid.grams.len / (Py_ssize_t)sizeof(int32_t);
    if (!check_laid(&laid) ||
        !expect_size(&by_number, laid.n_entries, sizeof(int32_t), "by_number") ||
        !expect_size(&lengths, 2 * laid.n_texts, sizeof(float), "lengths"))
        goto done;
    const int32_t *grams = laid.grams.buf, *column = laid.column.buf, *order = by_number.buf;
    const float *counts = laid.counts.buf, *idf = laid.idf.buf, *length = lengths.buf;
    const int64_t *blocks = laid.blocks.buf;
    Py_ssize_t known = 0;
    for (Py_ssize_t t = 0; t < laid.n_texts; t++)
        for (int64_t k = blocks[2 * t]; k < blocks[2 * t + 2]; k++) {
            if (order[k] < blocks[2 * t] || order[k] >= blocks[2 * t + 2]) {
                PyErr_SetString(PyExc_ValueError, "by_number leaves its text");
                goto done;
            }
            known += column[grams[order[k]]] >= 0;
        }
    if (!expect_size(&columns, known, sizeof(int32_t), "columns") ||
        !expect_size(&values, known, sizeof(float), "values"))
        goto done;
    int32_t *out_columns = columns.buf;
    float *out_values = values.buf;
    Py_BEGIN_ALLOW_THREADS
    int64_t next = 0;
    for (Py_ssize_t t = 0; t < laid.n_texts; t++) {
        const float scale[2] = {sqrtf(length[2 * t]), sqrtf(length[2 * t + 1])};
        for (int64_t k = blocks[2 * t]; k < blocks[2 * t + 2]; k++) {
            const int32_t p = order[k], c = column[grams[p]];
            if (c < 0)
                continue;
            out_columns[next] = c;
            out_values[next++] = counts[p] * idf[c] / scale[p >= blocks[2 * t + 1]];
        }
    }
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    for (size_t k = 0; k < sizeof(given) / sizeof(given[0]); k++)
        if (given[k]->obj != NULL)
            PyBuffer_Release(given[k]);
    release_laid(&laid);
    return result;
}

/* A piece: `prefix` then `length` characters of `chars` (UCS4), as a str of the
 * narrowest kind that holds it (what slicing and concatenating in Python give). */
static PyObject *
piece_of(Py_UCS4 *buffer, Py_ssize_t prefix_length, const Py_UCS4 *chars, Py_ssize_t length)
{
    memcpy(buffer + prefix_length, chars, (size_t)length * sizeof(Py_UCS4));
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buffer, prefix_length + length);
}

/* char_pieces(words, prefix, sizes): each word's pieces, the `sizes` (ascending) long
 * pieces of the word padded with a space, each after `prefix` (a word too short for the
 * smallest size: the padded word, once). Returns the distinct pieces in the order they
 * were first made (a list of str), each piece's number, word after word (int64 bytes),
 * and each word's number of pieces (int64 bytes). */
static PyObject *
char_pieces(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *words, *prefix, *sizes_given, *number = NULL, *names = NULL, *result = NULL;
    Py_UCS4 *padded = NULL, *buffer = NULL;
    int64_t *numbered = NULL, *per_word = NULL;
    Py_ssize_t sizes[8], n_sizes, n_numbered = 0, room = 0, longest = 0;
    if (!PyArg_ParseTuple(args, "O!UO!", &PyList_Type, &words, &prefix, &PyTuple_Type,
                          &sizes_given))
        return NULL;
    n_sizes = PyTuple_GET_SIZE(sizes_given);
    if (n_sizes < 1 || n_sizes > 8) {
        PyErr_SetString(PyExc_ValueError, "one to eight sizes");
        return NULL;
    }
    for (Py_ssize_t k = 0; k < n_sizes; k++) {
        sizes[k] = PyLong_AsSsize_t(PyTuple_GET_ITEM(sizes_given, k));
        if (sizes[k] == -1 && PyErr_Occurred())
            return NULL;
        if (sizes[k] < 1 || (k > 0 && sizes[k] <= sizes[k - 1])) {
            PyErr_SetString(PyExc_ValueError, "sizes must be positive and ascending");
            return NULL;
        }
    }
    const Py_ssize_t n_words = PyList_GET_SIZE(words), prefix_length = PyUnicode_GET_LENGTH(prefix);
    for (Py_ssize_t w = 0; w < n_words; w++) {
        PyObject *word = PyList_GET_ITEM(words, w);
        if (!PyUnicode_Check(word)) {
            PyErr_SetString(PyExc_TypeError, "words must be str");
            return NULL;
        }
        if (PyUnicode_GET_LENGTH(word) > longest)
            longest = PyUnicode_GET_LENGTH(word);
    }
    number = PyDict_New();
    names = PyList_New(0);
    padded = PyMem_Malloc((size_t)(longest + 2) * sizeof(Py_UCS4));
    buffer = PyMem_Malloc((size_t)(prefix_length + longest + 2) * sizeof(Py_UCS4));
    per_word = PyMem_Malloc((size_t)(n_words + 1) * sizeof(int64_t));
    if (number == NULL || names == NULL || padded == NULL || buffer == NULL || per_word == NULL) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        goto done;
    }
    if (PyUnicode_AsUCS4(prefix, buffer, prefix_length, 0) == NULL)
        goto done;
    for (Py_ssize_t w = 0; w < n_words; w++) {
        PyObject *word = PyList_GET_ITEM(words, w);
        const Py_ssize_t n = PyUnicode_GET_LENGTH(word) + 2;
        padded[0] = padded[n - 1] = ' ';
        if (PyUnicode_AsUCS4(word, padded + 1, n - 2, 0) == NULL)
            goto done;
        int64_t made = 0;
        for (Py_ssize_t k = 0; k < n_sizes; k++) {
            /* a word shorter than the smallest size: the padded word, once */
            const Py_ssize_t size = n <= sizes[0] ? n : sizes[k];
            if (n <= sizes[0] && k > 0)
                break;
            for (Py_ssize_t i = 0; i + size <= n; i++) {
                PyObject *piece = piece_of(buffer, prefix_length, padded + i, size);
                if (piece == NULL)
                    goto done;
                PyObject *found = PyDict_GetItemWithError(number, piece);
                Py_ssize_t at;
                if (found != NULL) {
                    at = PyLong_AsSsize_t(found);
                } else if (PyErr_Occurred()) {
                    Py_DECREF(piece);
                    goto done;
                } else {
                    at = PyList_GET_SIZE(names);
                    PyObject *value = PyLong_FromSsize_t(at);
                    int failed = value == NULL || PyDict_SetItem(number, piece, value) < 0 ||
                                 PyList_Append(names, piece) < 0;
                    Py_XDECREF(value);
                    if (failed) {
                        Py_DECREF(piece);
                        goto done;
                    }
                }
                Py_DECREF(piece);
                if (n_numbered == room) {
                    room = room ? 2 * room : 1 << 16;
                    int64_t *grown = PyMem_Realloc(numbered, (size_t)room * sizeof(int64_t));
                    if (grown == NULL) {
                        PyErr_NoMemory();
                        goto done;
                    }
                    numbered = grown;
                }
                numbered[n_numbered++] = at;
                made++;
            }
        }
        per_word[w] = made;
    }
    PyObject *numbers = PyBytes_FromStringAndSize((const char *)numbered,
                                                  n_numbered * (Py_ssize_t)sizeof(int64_t));
    PyObject *counts = PyBytes_FromStringAndSize((const char *)per_word,
                                                 n_words * (Py_ssize_t)sizeof(int64_t));
    if (numbers != NULL && counts != NULL)
        result = PyTuple_Pack(3, names, numbers, counts);
    Py_XDECREF(numbers);
    Py_XDECREF(counts);
done:
    Py_XDECREF(number);
    Py_XDECREF(names);
    PyMem_Free(padded);
    PyMem_Free(buffer);
    PyMem_Free(numbered);
    PyMem_Free(per_word);
    return result;
}

static PyMethodDef methods[] = {
    {"char_pieces", char_pieces, METH_VARARGS,
     "char_pieces(words, prefix, sizes): (the distinct pieces as str, in the order first"
     " made; int64 bytes: each piece's number, word after word; int64 bytes: each word's"
     " number of pieces)"},
    {"distinct_layout", distinct_layout, METH_VARARGS,
     "distinct_layout(word_grams, word_lengths, char_grams, char_lengths, n_texts, n_names):"
     " int32 bytes of each (text, block)'s distinct n-grams as first met, of their counts,"
     " and of each text's entries by number; int64 bytes: where each (text, block) starts,"
     " and the end"},
    {"weighed", weighed, METH_VARARGS,
     "weighed(grams, counts, blocks, column, idf, n_texts, n_names, n_columns): (float32"
     " bytes, int64 bytes): count x idf of each entry with a column, and where each (text,"
     " block) starts among them, and the end"},
    {"by_column", by_column, METH_VARARGS,
     "by_column(grams, counts, blocks, column, idf, n_texts, n_names, n_columns, by_number,"
     " lengths, columns, values): each text's entries with a column by column, their"
     " values scaled by the square roots of their blocks' lengths"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_grams", "The vectorizer's pieces, counts and rows, compiled.", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__grams(void)
{
    return PyModule_Create(&module);
}
