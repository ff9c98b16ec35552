/* The classifier's training loop (bot/classifier.py, `_dual_descent`) compiled.
 *
 * Dual coordinate descent on the squared hinge loss, one class against the rest, every
 * class of a text at once: the same steps as the numpy loop, which stays as the
 * reference and the fallback where no compiler was at hand when the package was built.
 * The numpy loop spends most of its time in the overhead of a dozen calls per text; here
 * a step is two passes over the text's rows of the weights. The interpreter's lock is
 * released while it runs, so a bot that reloads its knowledge keeps answering, and so
 * that `bot.classifier` can train runs of classes in threads at once: each class's
 * problem is its own, and a call for some classes takes the very steps a call for all
 * of them takes there. A row of the weights holds `stride` floats (at least one per
 * class), so that each run can start on a cache line of its own.
 *
 * Plain C and the buffer protocol (no numpy headers): every array arrives as a
 * contiguous buffer whose size is checked against the counts given.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>

#include "_compiled.h"

/* Ask the cache for a text's rows of the weights before they are needed: the rows are
 * scattered over the whole table, and waiting for them is most of a step's time. */
static void
prefetch_rows(const float *weights, const int32_t *columns, int64_t start, int64_t end,
              Py_ssize_t n_classes, Py_ssize_t width)
{
#if defined(__GNUC__) || defined(__clang__)
    const uintptr_t row_bytes = (uintptr_t)width * sizeof(float);
    for (int64_t j = start; j < end; j++) {
        const uintptr_t row = (uintptr_t)(weights + (Py_ssize_t)columns[j] * n_classes);
        for (uintptr_t line = row & ~(uintptr_t)63; line < row + row_bytes; line += 64)
            __builtin_prefetch((const void *)line, 1, 3);
    }
#else
    (void)weights, (void)columns, (void)start, (void)end, (void)n_classes, (void)width;
#endif
}

/* One pass over the texts in `order`, for the classes first .. first + width - 1, also
 * compiled for AVX2 (`WIDER_WHERE_POSSIBLE`; not FMA: a fused multiply-add rounds once
 * instead of twice, and the weights would depend on the processor they were trained on).
 * Weights: a row of `stride` floats per column (n_classes used), the bias's last: every
 * text has it, with value 1, after its own columns (which do not list it), so its sums
 * are those of a text that did. */
WIDER_WHERE_POSSIBLE static void
one_pass(float *weights, float *bias, float *alphas, float *scores, const int32_t *columns,
         const float *values, const int64_t *bounds, const int32_t *labels,
         const double *diagonals, const double *squares, const int64_t *order,
         Py_ssize_t n_texts, Py_ssize_t n_classes, Py_ssize_t first, Py_ssize_t width,
         Py_ssize_t stride)
{
    weights += first;
    bias += first;
    for (Py_ssize_t step = 0; step < n_texts; step++) {
        const int64_t i = order[step];
        const int32_t label = labels[i];
        const int64_t start = bounds[i], end = bounds[i + 1];
        float *alpha = alphas + i * width;
        const double *diagonal = diagonals + (Py_ssize_t)label * n_classes + first;
        const double square = squares[i];
        if (step + 1 < n_texts) {
            const int64_t next = order[step + 1];
            prefetch_rows(weights, columns, bounds[next], bounds[next + 1], stride, width);
        }
        for (Py_ssize_t k = 0; k < width; k++)
            scores[k] = 0.0f;
        for (int64_t j = start; j < end; j++) {
            const float *row = weights + (Py_ssize_t)columns[j] * stride;
            const float value = values[j];
            for (Py_ssize_t k = 0; k < width; k++)
                scores[k] += value * row[k];
        }
        for (Py_ssize_t k = 0; k < width; k++)
            scores[k] += bias[k]; /* 1 x the bias's row */
        /* scores becomes each class's change of alpha times y (+1 for the label, -1 else) */
        for (Py_ssize_t k = 0; k < width; k++) {
            const float y = (k + first == label) ? 1.0f : -1.0f;
            /* the curvature summed in double and rounded once, as numpy's table has it */
            const float curvature = (float)(diagonal[k] + square);
            const float gradient =
                (scores[k] * y - 1.0f + (float)diagonal[k] * alpha[k]) / curvature;
            float updated = alpha[k] - gradient;
            if (!(updated > 0.0f))
                updated = 0.0f;
            scores[k] = (updated - alpha[k]) * y;
            alpha[k] = updated;
        }
        for (int64_t j = start; j < end; j++) {
            float *row = weights + (Py_ssize_t)columns[j] * stride;
            const float value = values[j];
            for (Py_ssize_t k = 0; k < width; k++)
                row[k] += value * scores[k];
        }
        for (Py_ssize_t k = 0; k < width; k++)
            bias[k] += scores[k];
    }
}

static PyObject *
dual_descent(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer weights, columns, values, bounds, labels, diagonals, squares, orders;
    Py_ssize_t n_columns, n_classes, n_texts, n_epochs, first, width, stride;
    if (!PyArg_ParseTuple(args, "w*y*y*y*y*y*y*y*nnnnnnn", &weights, &columns, &values,
                          &bounds, &labels, &diagonals, &squares, &orders, &n_columns,
                          &n_classes, &n_texts, &n_epochs, &first, &width, &stride))
        return NULL;
    PyObject *result = NULL;
    float *alphas = NULL, *scores = NULL;
    if (n_columns < 2 || n_classes < 1 || n_texts < 1 || n_epochs < 0) {
        PyErr_SetString(PyExc_ValueError, "counts must be positive");
        goto done;
    }
    if (first < 0 || width < 1 || first + width > n_classes) {
        PyErr_SetString(PyExc_ValueError, "the classes trained must be some of the classes");
        goto done;
    }
    Py_ssize_t n_entries = columns.len / (Py_ssize_t)sizeof(int32_t);
    if (stride < n_classes) {
        PyErr_SetString(PyExc_ValueError, "a row of the weights must hold every class");
        goto done;
    }
    if (!expect_size(&weights, n_columns * stride, sizeof(float), "weights") ||
        !expect_size(&columns, n_entries, sizeof(int32_t), "columns") ||
        !expect_size(&values, n_entries, sizeof(float), "values") ||
        !expect_size(&bounds, n_texts + 1, sizeof(int64_t), "bounds") ||
        !expect_size(&labels, n_texts, sizeof(int32_t), "labels") ||
        !expect_size(&diagonals, n_classes * n_classes, sizeof(double), "diagonals") ||
        !expect_size(&squares, n_texts, sizeof(double), "squares") ||
        !expect_size(&orders, n_epochs * n_texts, sizeof(int64_t), "orders"))
        goto done;
    /* every index is checked once here, so the loop can trust them */
    const int32_t *cols = columns.buf, *labs = labels.buf;
    const int64_t *bnds = bounds.buf, *ords = orders.buf;
    for (Py_ssize_t j = 0; j < n_entries; j++)
        if (cols[j] < 0 || cols[j] >= n_columns - 1) {
            PyErr_SetString(PyExc_ValueError, "a column is out of range (the last is the bias's)");
            goto done;
        }
    if (bnds[0] != 0 || bnds[n_texts] != n_entries) {
        PyErr_SetString(PyExc_ValueError, "bounds must run from 0 to the number of entries");
        goto done;
    }
    for (Py_ssize_t i = 0; i < n_texts; i++)
        if (bnds[i + 1] < bnds[i] || labs[i] < 0 || labs[i] >= n_classes) {
            PyErr_SetString(PyExc_ValueError, "bounds must grow; labels must be classes");
            goto done;
        }
    for (Py_ssize_t s = 0; s < n_epochs * n_texts; s++)
        if (ords[s] < 0 || ords[s] >= n_texts) {
            PyErr_SetString(PyExc_ValueError, "an order names a text that is not there");
            goto done;
        }
    alphas = calloc((size_t)(n_texts * width), sizeof(float));
    scores = malloc((size_t)width * sizeof(float));
    if (alphas == NULL || scores == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t epoch = 0; epoch < n_epochs; epoch++)
        one_pass(weights.buf, (float *)weights.buf + (n_columns - 1) * stride, alphas,
                 scores, cols, values.buf, bnds, labs, diagonals.buf,
                 squares.buf, ords + epoch * n_texts, n_texts, n_classes, first, width, stride);
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    free(alphas);
    free(scores);
    PyBuffer_Release(&weights);
    PyBuffer_Release(&columns);
    PyBuffer_Release(&values);
    PyBuffer_Release(&bounds);
    PyBuffer_Release(&labels);
    PyBuffer_Release(&diagonals);
    PyBuffer_Release(&squares);
    PyBuffer_Release(&orders);
    return result;
}

static PyMethodDef methods[] = {
    {"dual_descent", dual_descent, METH_VARARGS,
     "dual_descent(weights, columns, values, bounds, labels, diagonals, squares, orders,"
     " n_columns, n_classes, n_texts, n_epochs, first, width, stride): train the weights of"
     " the classes first .. first + width - 1 in place, rows of `stride` floats; their"
     " last row is the bias, which columns do not list"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_descent", "The classifier's training loop, compiled.", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__descent(void)
{
    return PyModule_Create(&module);
}
