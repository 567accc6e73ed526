/*
 * trace.h - the API trace, in the shape Cisco Meeting Server writes it
 * with API debug logging on: numbered request lines, one content line per
 * form field, the response status and size, the Location header, the XML
 * body one element per line, and audit lines ("API user ... created ...").
 * The bridge traces what it answers; the scheduler traces what it asks.
 *
 * Owns: the line format, numbering, masking (every value of a field named
 * like a passcode, password or secret is written as *****), escaping
 * control characters inside every line (text_append_escaped: CR and LF
 * from outside can never start a forged line), and writing each
 * request's block in one piece so concurrent requests never interleave
 * within a block. Thread-safe: the FILE and counter sit behind a mutex.
 */
#ifndef CONVENE_TRACE_H
#define CONVENE_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/form.h"
#include "common/result.h"
#include "common/strbuf.h"

typedef struct trace_log trace_log;

#define TRACE_MASK "*****"

/* `destination` is a file path (appended to; created 0600) or "-" for
 * standard output. */
cv_result trace_open(const char *destination, const char *node_name, trace_log **out);
void trace_close(trace_log *trace);
unsigned long trace_next_number(trace_log *trace);

bool trace_field_is_secret(const char *name);
void trace_line(trace_log *trace, strbuf *block, unsigned long number, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
void trace_audit(trace_log *trace, strbuf *block, const char *client, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
/* "content data size N, type "T":" then one line per field, masked. */
void trace_form(trace_log *trace, strbuf *block, unsigned long number, const char *content_type,
                size_t size, const form *fields);
/* The XML body, one element per line. */
void trace_body(trace_log *trace, strbuf *block, unsigned long number, const char *body,
                size_t length);
/* Writes and flushes the block, then empties it. */
void trace_emit(trace_log *trace, strbuf *block);

#endif
