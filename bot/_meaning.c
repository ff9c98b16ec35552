/* The second look's rough cosines (bot/semantic.py, `MeaningIndex.scores`) compiled.
 *
 * A question's vector against the bytes of some topics' ways of asking (each row whole
 * steps of its largest value, int8): one dot product a row. numpy turned each topic's
 * bytes into floats in a scratch table first, then multiplied (0.8 ms of a question's
 * 1.1 ms there for sixteen topics). Here the question's vector comes as whole steps too
 * (int16, `semantic._question_steps`), and the products are whole numbers, summed
 * exactly. The caller widens each row's margin by what the question's rounding can
 * move its cosine: these values only choose which rows are scored exactly, from the
 * vectors as written. The interpreter's lock is released while it runs.
 *
 * Plain C and the buffer protocol (no numpy headers): every array arrives as a
 * contiguous buffer whose size is checked against the counts given.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#include "_compiled.h"

/* Places summed in 32 bits before the sum goes on in 64: 256 x 128 x 32768 = 2^30. */
#define BLOCK 256

/* out[row] = scale x (codes[row] . steps) for the rows start .. end - 1. The sum is of
 * whole numbers, exact in any order, so the compiler may add them as it likes. */
WIDER_WHERE_POSSIBLE static void
dots(const int8_t *codes, const int16_t *steps, float scale, float *out, int64_t start,
     int64_t end, Py_ssize_t dim)
{
    for (int64_t row = start; row < end; row++) {
        const int8_t *code = codes + row * dim;
        int64_t sum = 0;
        for (Py_ssize_t first = 0; first < dim; first += BLOCK) {
            const Py_ssize_t last = first + BLOCK < dim ? first + BLOCK : dim;
            int32_t part = 0;
            for (Py_ssize_t j = first; j < last; j++)
                part += (int32_t)code[j] * (int32_t)steps[j];
            sum += part;
        }
        out[row] = (float)((double)sum * scale);
    }
}

static PyObject *
rough_dots(PyObject *self, PyObject *args)
{
    Py_buffer codes, vector, out, spans;
    Py_ssize_t n_rows, dim, n_spans;
    float scale;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*y*fw*y*nnn", &codes, &vector, &scale, &out, &spans, &n_rows,
                          &dim, &n_spans))
        return NULL;
    PyObject *result = NULL;
    if (n_rows < 0 || dim <= 0 || n_spans < 0) {
        PyErr_SetString(PyExc_ValueError, "negative count, or rows of no places");
        goto done;
    }
    if (!expect_size(&codes, n_rows * dim, 1, "codes") ||
        !expect_size(&vector, dim, sizeof(int16_t), "vector") ||
        !expect_size(&out, n_rows, sizeof(float), "out") ||
        !expect_size(&spans, 2 * n_spans, sizeof(int64_t), "spans"))
        goto done;
    const int64_t *bounds = spans.buf;
    for (Py_ssize_t i = 0; i < n_spans; i++) {
        if (bounds[2 * i] < 0 || bounds[2 * i] > bounds[2 * i + 1] ||
            bounds[2 * i + 1] > n_rows) {
            PyErr_Format(PyExc_ValueError, "span %zd: rows %lld to %lld of %zd", i,
                         (long long)bounds[2 * i], (long long)bounds[2 * i + 1], n_rows);
            goto done;
        }
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n_spans; i++)
        dots(codes.buf, vector.buf, scale, out.buf, bounds[2 * i], bounds[2 * i + 1], dim);
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&codes);
    PyBuffer_Release(&vector);
    PyBuffer_Release(&out);
    PyBuffer_Release(&spans);
    return result;
}

static PyMethodDef methods[] = {
    {"rough_dots", rough_dots, METH_VARARGS,
     "rough_dots(codes, vector, scale, out, spans, n_rows, dim, n_spans): out[row] = scale"
     " x codes[row] . vector (int8 rows of `dim`, int16 steps), for the rows of each span"
     " (start, end; int64 pairs); the other places of `out` (n_rows float32) are left as"
     " they are"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_meaning", "The second look's rough cosines, compiled.", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__meaning(void)
{
    return PyModule_Create(&module);
}
