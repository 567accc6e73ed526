/*
 * form.h - decoding of application/x-www-form-urlencoded bodies, the only
 * request body the CMS API accepts.
 *
 * Owns: splitting on '&' and '=', '+' as space, percent-decoding, rejecting
 * malformed escapes, embedded NULs, invalid UTF-8 and repeated names. Keeps
 * the fields in the order they arrived (the API trace prints them in that
 * order). Does not own: what a field means; each object validates its own.
 */
#ifndef CONVENE_FORM_H
#define CONVENE_FORM_H

#include <stddef.h>

#include "common/result.h"

typedef struct {
    char *name;
    char *value;
} form_field;

typedef struct {
    form_field *fields;
    size_t count;
    /* Set when form_parse fails: the offending field name (may be "") and
     * a short reason. Owned by the form; freed by form_free. */
    char *error_parameter;
    const char *error_reason;
} form;

#define FORM_MAX_FIELDS 256

/* Decodes `length` bytes of `body`. On failure returns CV_ERR_INVALID (or
 * CV_ERR_NO_MEMORY / CV_ERR_TOO_LARGE) and fills error_parameter and
 * error_reason; the form holds no fields then. Always call form_free. */
cv_result form_parse(const char *body, size_t length, form *out);
void form_free(form *decoded);
/* The value of `name`, or NULL when absent. */
const char *form_get(const form *decoded, const char *name);

#endif
