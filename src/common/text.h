/*
 * text.h - small, strict text helpers shared by both daemons: UTF-8
 * validation, number and boolean parsing that reject trailing garbage and
 * overflow, and case-insensitive comparison. Every parser returns
 * CV_ERR_INVALID rather than guessing.
 */
#ifndef CONVENE_TEXT_H
#define CONVENE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/result.h"
#include "common/strbuf.h"

bool text_is_valid_utf8(const char *text, size_t length);
/* Decimal integer in [minimum, maximum]; no sign unless minimum < 0. */
cv_result text_parse_int64(const char *text, int64_t minimum, int64_t maximum, int64_t *out);
/* "true" or "false" exactly, as the CMS API spells them. */
cv_result text_parse_bool(const char *text, bool *out);
bool text_equals_ignore_case(const char *left, const char *right);
/* True when every character is an ASCII digit and there is at least one. */
bool text_is_digits(const char *text);
/* strdup that accepts NULL (returns NULL) */
char *text_duplicate(const char *text);
/* Appends `text` with every control character written as an escape, so
 * text from outside (a URL path, a form value, a name a bridge returned)
 * can never start a new line or drive a terminal in a log: CR, LF and TAB
 * as \r \n \t, other bytes below 0x20 and DEL as \xNN, and the C1
 * controls U+0080..U+009F (UTF-8 C2 80..C2 9F) as \u00NN. Every other
 * byte, including the rest of UTF-8, is copied unchanged. */
cv_result text_append_escaped(strbuf *out, const char *text, size_t length);
/* Copies `text` (NULL reads as "") into out[size], at most size-1 bytes,
 * every byte outside printable ASCII replaced by '?': safe to echo an
 * untrusted name back in an error or a log line. size must be > 0. */
void text_copy_printable(char *out, size_t size, const char *text);
/* Overwrites a secret's characters with zeros (explicit_bzero: never
 * optimised away) and frees it. NULL is fine. */
void text_wipe_free(char *secret);

#endif
