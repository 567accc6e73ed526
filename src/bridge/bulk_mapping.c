/*
 * bulk_mapping.c - parsing and expanding coSpace bulk mappings; see
 * bulk_mapping.h. Owns only the grammar; no storage, no state.
 */
#include "bridge/bulk_mapping.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INDEX_TOKEN        "$index$"
#define INDEX_TOKEN_LENGTH (sizeof INDEX_TOKEN - 1)

void bulk_mapping_free(bulk_mapping *mapping)
{
    if (!mapping)
        return;
    free(mapping->prefix);
    free(mapping->suffix);
    mapping->prefix = NULL;
    mapping->suffix = NULL;
    mapping->has_index = false;
}

cv_result bulk_mapping_parse(const char *text, bulk_mapping_kind kind, bulk_mapping *out,
                             const char **reason)
{
    out->prefix = NULL;
    out->suffix = NULL;
    out->has_index = false;
    *reason = NULL;
    strbuf prefix = STRBUF_INIT;
    strbuf suffix = STRBUF_INIT;
    strbuf *current = &prefix;
    const char *cursor = text ? text : "";
    cv_result result = CV_OK;
    while (*cursor && result == CV_OK) {
        char character = *cursor;
        if (character == '\\') {
            if (cursor[1] == '\\' || cursor[1] == '$') {
                strbuf_append_char(current, cursor[1]);
                cursor += 2;
            } else {
                *reason = cursor[1] ? "invalidEscape" : "trailingBackslash";
                result = CV_ERR_INVALID;
            }
        } else if (character == '$') {
            if (strncmp(cursor, INDEX_TOKEN, INDEX_TOKEN_LENGTH) != 0) {
                *reason = strchr(cursor + 1, '$') ? "unknownToken" : "unescapedDollar";
                result = CV_ERR_INVALID;
            } else if (out->has_index) {
                *reason = "repeatedIndexToken";
                result = CV_ERR_INVALID;
            } else {
                out->has_index = true;
                current = &suffix;
                cursor += INDEX_TOKEN_LENGTH;
            }
        } else if (character == '@' && kind == BULK_MAPPING_URI) {
            *reason = "atSignInUri";
            result = CV_ERR_INVALID;
        } else {
            strbuf_append_char(current, character);
            cursor++;
        }
    }
    if (result == CV_OK && (strbuf_status(&prefix) != CV_OK || strbuf_status(&suffix) != CV_OK))
        result = CV_ERR_NO_MEMORY;
    if (result == CV_OK) {
        out->prefix = strbuf_detach(&prefix);
        out->suffix = strbuf_detach(&suffix);
        if (!out->prefix || !out->suffix)
            result = CV_ERR_NO_MEMORY;
    }
    strbuf_free(&prefix);
    strbuf_free(&suffix);
    if (result != CV_OK)
        bulk_mapping_free(out);
    return result;
}

cv_result bulk_mapping_validate(const char *text, bulk_mapping_kind kind, const char **reason)
{
    bulk_mapping mapping;
    cv_result result = bulk_mapping_parse(text, kind, &mapping, reason);
    if (result == CV_OK)
        bulk_mapping_free(&mapping);
    return result;
}

cv_result bulk_mapping_expand(const bulk_mapping *mapping, int64_t index, strbuf *out)
{
    strbuf_reset(out);
    strbuf_append_str(out, mapping->prefix);
    if (mapping->has_index) {
        char digits[24];
        snprintf(digits, sizeof digits, "%" PRId64, index);
        strbuf_append_str(out, digits);
        strbuf_append_str(out, mapping->suffix);
    }
    return strbuf_status(out);
}
