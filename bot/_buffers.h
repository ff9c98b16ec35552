/* What the compiled modules (bot/_descent.c, bot/_grams.c) check of the buffers they are
 * given: every array arrives as a contiguous buffer whose size must be the count given. */
#ifndef BOT_BUFFERS_H
#define BOT_BUFFERS_H

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

#endif
