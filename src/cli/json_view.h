/*
 * json_view.h - reading convened's JSON answers for human output: a member
 * as display text whatever its JSON type, and the item list of a
 * collection answer (a bare array, or an object holding one).
 *
 * Owns: nothing beyond the caller's buffer; every pointer returned is
 * borrowed from the document. Does not own: the field names (cli.h and
 * the commands follow the API contract in docs/api.md).
 */
#ifndef CONVENE_CLI_JSON_VIEW_H
#define CONVENE_CLI_JSON_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The value as text: strings as they are, numbers in decimal, true/false,
 * "-" for null or a missing member, "[n items]" for arrays. Returns
 * `buffer` or a string borrowed from the document. */
const char *json_text(const json_t *value, char *buffer, size_t size);
/* json_text of object[key]. */
const char *json_member_text(const json_t *object, const char *key, char *buffer, size_t size);
/* The string member or NULL. */
const char *json_member_string(const json_t *object, const char *key);
/* The array of a collection answer: the document itself when it is an
 * array, else the member `key`, else the first array member. NULL when
 * there is none. */
json_t *json_collection(json_t *document, const char *key);

#endif
