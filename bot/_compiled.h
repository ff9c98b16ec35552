/* What the compiled modules (bot/_descent.c, bot/_grams.c, bot/_meaning.c) share: the
 * check of the buffers they are given (every array arrives as a contiguous buffer whose
 * size must be the count given), and the mark of a loop compiled twice. */
#ifndef BOT_COMPILED_H
#define BOT_COMPILED_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* 1 when `buffer` holds `items` items of `item_size` bytes, else 0 with a ValueError that
 * names the array. */
static inline int
expect_size(Py_buffer *buffer, Py_ssize_t items, Py_ssize_t item_size, const char *name)
{
    if (buffer->len != items * item_size) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd items of %zd bytes, got %zd bytes",
                     name, items, item_size, buffer->len);
        return 0;
    }
    return 1;
}

/* A loop so marked is compiled twice, for processors with AVX2 (eight floats at once
 * instead of four) and for the others, and the copy is chosen when the module loads. */
#if defined(__x86_64__) && defined(__linux__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define WIDER_WHERE_POSSIBLE __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef WIDER_WHERE_POSSIBLE
#define WIDER_WHERE_POSSIBLE
#endif

#endif
