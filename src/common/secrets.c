/* secrets.c - passwords and certificates from files; see secrets.h. */
#include "common/text.h"
#include "common/secrets.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void secret_free(char *secret)
{
    text_wipe_free(secret);
}

cv_result text_read_file(const char *path, char **out, strbuf *error)
{
    *out = NULL;
    FILE *file = fopen(path, "rb");
    if (!file) {
        strbuf_printf(error, "cannot open \"%s\": %s", path, strerror(errno));
        return CV_ERR_IO;
    }
    strbuf content = STRBUF_INIT;
    char chunk[4096];
    size_t got;
    cv_result result = CV_OK;
    while ((got = fread(chunk, 1, sizeof chunk, file)) > 0) {
        if (content.length + got > (1u << 20)) {
            strbuf_printf(error, "\"%s\" is larger than 1 MiB", path);
            result = CV_ERR_TOO_LARGE;
            break;
        }
        if (strbuf_append(&content, chunk, got) != CV_OK) {
            result = CV_ERR_NO_MEMORY;
            break;
        }
    }
    if (result == CV_OK && ferror(file)) {
        strbuf_printf(error, "cannot read \"%s\": %s", path, strerror(errno));
        result = CV_ERR_IO;
    }
    fclose(file);
    if (result == CV_OK) {
        *out = strbuf_detach(&content);
        if (!*out)
            result = CV_ERR_NO_MEMORY;
    }
    if (result != CV_OK && content.data)
        explicit_bzero(content.data, content.length);
    strbuf_free(&content);
    return result;
}

cv_result secret_read_file(const char *path, char **out, strbuf *error)
{
    char *content;
    cv_result result = text_read_file(path, &content, error);
    if (result != CV_OK)
        return result;
    content[strcspn(content, "\r\n")] = '\0';
    if (!*content) {
        secret_free(content);
        strbuf_printf(error, "\"%s\" holds no password on its first line", path);
        return CV_ERR_INVALID;
    }
    *out = content;
    return CV_OK;
}
