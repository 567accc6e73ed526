/* strbuf.c - growable string buffer; see strbuf.h. */
#include "common/strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_init(strbuf *buffer)
{
    buffer->data = NULL;
    buffer->length = 0;
    buffer->capacity = 0;
    buffer->failed = 0;
}

void strbuf_free(strbuf *buffer)
{
    free(buffer->data);
    strbuf_init(buffer);
}

void strbuf_reset(strbuf *buffer)
{
    buffer->length = 0;
    buffer->failed = 0;
    if (buffer->data)
        buffer->data[0] = '\0';
}

cv_result strbuf_reserve(strbuf *buffer, size_t extra)
{
    if (buffer->failed)
        return CV_ERR_NO_MEMORY;
    if (extra > SIZE_MAX - buffer->length - 1) {
        buffer->failed = 1;
        return CV_ERR_NO_MEMORY;
    }
    size_t needed = buffer->length + extra + 1;
    if (needed <= buffer->capacity)
        return CV_OK;
    size_t capacity = buffer->capacity ? buffer->capacity : 64;
    while (capacity < needed)
        capacity = capacity > SIZE_MAX / 2 ? needed : capacity * 2;
    char *grown = realloc(buffer->data, capacity);
    if (!grown) {
        buffer->failed = 1;
        return CV_ERR_NO_MEMORY;
    }
    buffer->data = grown;
    buffer->capacity = capacity;
    return CV_OK;
}

cv_result strbuf_append(strbuf *buffer, const char *data, size_t length)
{
    if (strbuf_reserve(buffer, length) != CV_OK)
        return CV_ERR_NO_MEMORY;
    if (length)
        memcpy(buffer->data + buffer->length, data, length);
    buffer->length += length;
    buffer->data[buffer->length] = '\0';
    return CV_OK;
}

cv_result strbuf_append_str(strbuf *buffer, const char *text)
{
    return strbuf_append(buffer, text, strlen(text));
}

cv_result strbuf_append_char(strbuf *buffer, char character)
{
    return strbuf_append(buffer, &character, 1);
}

cv_result strbuf_vprintf(strbuf *buffer, const char *format, va_list arguments)
{
    va_list copy;
    va_copy(copy, arguments);
    int needed = vsnprintf(NULL, 0, format, copy);
    va_end(copy);
    if (needed < 0) {
        buffer->failed = 1;
        return CV_ERR_INVALID;
    }
    if (strbuf_reserve(buffer, (size_t)needed) != CV_OK)
        return CV_ERR_NO_MEMORY;
    vsnprintf(buffer->data + buffer->length, (size_t)needed + 1, format, arguments);
    buffer->length += (size_t)needed;
    return CV_OK;
}

cv_result strbuf_printf(strbuf *buffer, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    cv_result result = strbuf_vprintf(buffer, format, arguments);
    va_end(arguments);
    return result;
}

const char *strbuf_str(const strbuf *buffer)
{
    return buffer->data ? buffer->data : "";
}

char *strbuf_detach(strbuf *buffer)
{
    char *data = buffer->data;
    if (!data)
        data = strdup("");
    strbuf_init(buffer);
    return data;
}

cv_result strbuf_status(const strbuf *buffer)
{
    return buffer->failed ? CV_ERR_NO_MEMORY : CV_OK;
}
