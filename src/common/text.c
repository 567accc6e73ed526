/* text.c - strict parsing helpers; see text.h. */
#include "common/text.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

bool text_is_valid_utf8(const char *text, size_t length)
{
    const unsigned char *bytes = (const unsigned char *)text;
    size_t i = 0;
    while (i < length) {
        unsigned char lead = bytes[i];
        size_t extra;
        uint32_t code;
        if (lead < 0x80) {
            i++;
            continue;
        } else if (lead >= 0xC2 && lead <= 0xDF) {
            extra = 1;
            code = lead & 0x1F;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            extra = 2;
            code = lead & 0x0F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            extra = 3;
            code = lead & 0x07;
        } else {
            return false;
        }
        if (length - i <= extra)
            return false;
        for (size_t k = 1; k <= extra; k++) {
            if ((bytes[i + k] & 0xC0) != 0x80)
                return false;
            code = (code << 6) | (bytes[i + k] & 0x3F);
        }
        /* Overlong forms, surrogates and values past U+10FFFF are invalid. */
        if ((extra == 2 && code < 0x800) || (extra == 3 && code < 0x10000) || code > 0x10FFFF ||
            (code >= 0xD800 && code <= 0xDFFF))
            return false;
        i += extra + 1;
    }
    return true;
}

cv_result text_parse_int64(const char *text, int64_t minimum, int64_t maximum, int64_t *out)
{
    if (!text || !*text)
        return CV_ERR_INVALID;
    const char *digits = text;
    if (*digits == '-') {
        if (minimum >= 0)
            return CV_ERR_INVALID;
        digits++;
    }
    if (!text_is_digits(digits))
        return CV_ERR_INVALID;
    errno = 0;
    char *end = NULL;
    long long value = strtoll(text, &end, 10);
    if (errno == ERANGE || *end != '\0')
        return CV_ERR_INVALID;
    if (value < minimum || value > maximum)
        return CV_ERR_INVALID;
    *out = value;
    return CV_OK;
}

cv_result text_parse_bool(const char *text, bool *out)
{
    if (text && strcmp(text, "true") == 0) {
        *out = true;
        return CV_OK;
    }
    if (text && strcmp(text, "false") == 0) {
        *out = false;
        return CV_OK;
    }
    return CV_ERR_INVALID;
}

bool text_equals_ignore_case(const char *left, const char *right)
{
    return strcasecmp(left, right) == 0;
}

bool text_is_digits(const char *text)
{
    if (!text || !*text)
        return false;
    for (; *text; text++)
        if (*text < '0' || *text > '9')
            return false;
    return true;
}

char *text_duplicate(const char *text)
{
    return text ? strdup(text) : NULL;
}

cv_result text_append_escaped(strbuf *out, const char *text, size_t length)
{
    const unsigned char *bytes = (const unsigned char *)text;
    size_t copied_from = 0; /* start of the run of plain bytes not yet appended */
    for (size_t i = 0; i < length; i++) {
        char escape[8];
        size_t skip = 1; /* input bytes the escape stands for */
        if (bytes[i] == '\r' || bytes[i] == '\n' || bytes[i] == '\t')
            snprintf(escape, sizeof escape, "\\%c",
                     bytes[i] == '\r'   ? 'r'
                     : bytes[i] == '\n' ? 'n'
                                        : 't');
        else if (bytes[i] < 0x20 || bytes[i] == 0x7F)
            snprintf(escape, sizeof escape, "\\x%02X", bytes[i]);
        else if (bytes[i] == 0xC2 && i + 1 < length && bytes[i + 1] >= 0x80 &&
                 bytes[i + 1] <= 0x9F) {
            snprintf(escape, sizeof escape, "\\u00%02X", bytes[i + 1]);
            skip = 2;
        } else
            continue;
        strbuf_append(out, text + copied_from, i - copied_from);
        strbuf_append_str(out, escape);
        i += skip - 1;
        copied_from = i + 1;
    }
    strbuf_append(out, text + copied_from, length - copied_from);
    return strbuf_status(out);
}

void text_copy_printable(char *out, size_t size, const char *text)
{
    size_t length = 0;
    for (; text && text[length] && length + 1 < size; length++) {
        unsigned char byte = (unsigned char)text[length];
        out[length] = byte >= 0x20 && byte < 0x7f ? (char)byte : '?';
    }
    out[length] = '\0';
}

void text_wipe_free(char *secret)
{
    if (secret != NULL) {
        explicit_bzero(secret, strlen(secret));
        free(secret);
    }
}
