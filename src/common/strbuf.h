/*
 * strbuf.h - a growable, always NUL-terminated byte buffer.
 *
 * Owns: building strings of unknown length (XML and JSON bodies, trace
 * lines, SQL). Does not own: escaping rules, which live with each format
 * (xml_writer.h). Appends fail with CV_ERR_NO_MEMORY and leave the buffer as
 * it was; a buffer that failed once stays failed (`failed` is set) so long
 * chains of appends can be checked once at the end.
 */
#ifndef CONVENE_STRBUF_H
#define CONVENE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "common/result.h"

typedef struct {
    char *data;      /* NUL-terminated; NULL until the first append */
    size_t length;   /* bytes used, excluding the NUL */
    size_t capacity; /* bytes allocated */
    int failed;      /* an append ran out of memory */
} strbuf;

#define STRBUF_INIT {NULL, 0, 0, 0}

void strbuf_init(strbuf *buffer);
void strbuf_free(strbuf *buffer);
void strbuf_reset(strbuf *buffer);
cv_result strbuf_reserve(strbuf *buffer, size_t extra);
cv_result strbuf_append(strbuf *buffer, const char *data, size_t length);
cv_result strbuf_append_str(strbuf *buffer, const char *text);
cv_result strbuf_append_char(strbuf *buffer, char character);
cv_result strbuf_printf(strbuf *buffer, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
cv_result strbuf_vprintf(strbuf *buffer, const char *format, va_list arguments);
/* The contents ("" when empty), still owned by the buffer. */
const char *strbuf_str(const strbuf *buffer);
/* Hands the allocation to the caller (never NULL unless out of memory). */
char *strbuf_detach(strbuf *buffer);
cv_result strbuf_status(const strbuf *buffer);

#endif
