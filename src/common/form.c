/* form.c - urlencoded form decoding; see form.h. */
#include "common/form.h"

#include <stdlib.h>
#include <string.h>

#include "common/text.h"

static int hex_value(char character)
{
    if (character >= '0' && character <= '9')
        return character - '0';
    if (character >= 'a' && character <= 'f')
        return character - 'a' + 10;
    if (character >= 'A' && character <= 'F')
        return character - 'A' + 10;
    return -1;
}

/* Decodes one name or value into a fresh string; NULL with *reason set on
 * malformed input, NULL with *reason NULL when out of memory. */
static char *decode_component(const char *start, size_t length, const char **reason)
{
    char *decoded = malloc(length + 1);
    *reason = NULL;
    if (!decoded)
        return NULL;
    size_t used = 0;
    for (size_t i = 0; i < length; i++) {
        char character = start[i];
        if (character == '+') {
            decoded[used++] = ' ';
        } else if (character == '%') {
            if (length - i < 3) {
                *reason = "truncated percent escape";
                free(decoded);
                return NULL;
            }
            int high = hex_value(start[i + 1]);
            int low = hex_value(start[i + 2]);
            if (high < 0 || low < 0) {
                *reason = "malformed percent escape";
                free(decoded);
                return NULL;
            }
            decoded[used++] = (char)(high * 16 + low);
            i += 2;
        } else {
            decoded[used++] = character;
        }
    }
    decoded[used] = '\0';
    if (memchr(decoded, '\0', used) != NULL) {
        *reason = "embedded NUL character";
        free(decoded);
        return NULL;
    }
    if (!text_is_valid_utf8(decoded, used)) {
        *reason = "invalid UTF-8";
        free(decoded);
        return NULL;
    }
    return decoded;
}

static void clear_fields(form *decoded)
{
    for (size_t i = 0; i < decoded->count; i++) {
        free(decoded->fields[i].name);
        free(decoded->fields[i].value);
    }
    free(decoded->fields);
    decoded->fields = NULL;
    decoded->count = 0;
}

static cv_result fail(form *decoded, const char *parameter, size_t parameter_length,
                      const char *reason, cv_result result)
{
    clear_fields(decoded);
    free(decoded->error_parameter);
    decoded->error_parameter = strndup(parameter ? parameter : "", parameter_length);
    decoded->error_reason = reason;
    return decoded->error_parameter ? result : CV_ERR_NO_MEMORY;
}

cv_result form_parse(const char *body, size_t length, form *out)
{
    memset(out, 0, sizeof *out);
    size_t position = 0;
    while (position < length) {
        const char *pair = body + position;
        const char *separator = memchr(pair, '&', length - position);
        size_t pair_length = separator ? (size_t)(separator - pair) : length - position;
        position += pair_length + 1;
        /* Tolerate empty pairs ("a=1&&b=2", trailing '&') as browsers do. */
        if (pair_length == 0)
            continue;
        /* Whitespace-only pairs (a stray newline at the end) are not fields. */
        size_t blank = 0;
        while (blank < pair_length && (pair[blank] == '\r' || pair[blank] == '\n'))
            blank++;
        if (blank == pair_length)
            continue;
        const char *equals = memchr(pair, '=', pair_length);
        size_t name_length = equals ? (size_t)(equals - pair) : pair_length;
        if (name_length == 0)
            return fail(out, "", 0, "empty parameter name", CV_ERR_INVALID);
        if (out->count == FORM_MAX_FIELDS)
            return fail(out, pair, name_length, "too many parameters", CV_ERR_TOO_LARGE);
        const char *reason;
        char *name = decode_component(pair, name_length, &reason);
        if (!name)
            return fail(out, pair, name_length, reason ? reason : "out of memory",
                        reason ? CV_ERR_INVALID : CV_ERR_NO_MEMORY);
        char *value = equals ? decode_component(equals + 1, pair_length - name_length - 1, &reason)
                             : strdup("");
        if (!value) {
            free(name);
            return fail(out, pair, name_length, reason ? reason : "out of memory",
                        reason ? CV_ERR_INVALID : CV_ERR_NO_MEMORY);
        }
        if (form_get(out, name)) {
            cv_result result = fail(out, name, strlen(name), "parameter repeated", CV_ERR_INVALID);
            free(name);
            free(value);
            return result;
        }
        form_field *grown = realloc(out->fields, (out->count + 1) * sizeof *grown);
        if (!grown) {
            free(name);
            free(value);
            return fail(out, "", 0, "out of memory", CV_ERR_NO_MEMORY);
        }
        out->fields = grown;
        out->fields[out->count].name = name;
        out->fields[out->count].value = value;
        out->count++;
    }
    return CV_OK;
}

void form_free(form *decoded)
{
    clear_fields(decoded);
    free(decoded->error_parameter);
    decoded->error_parameter = NULL;
}

const char *form_get(const form *decoded, const char *name)
{
    for (size_t i = 0; i < decoded->count; i++)
        if (strcmp(decoded->fields[i].name, name) == 0)
            return decoded->fields[i].value;
    return NULL;
}
