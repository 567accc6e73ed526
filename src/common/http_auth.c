/* http_auth.c - strict Basic credentials; see http_auth.h. */
#include "common/http_auth.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BASE64_ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
/* Longer tokens are refused rather than decoded: no real account needs
 * more than a few hundred bytes of name and password. */
#define MAX_TOKEN_LENGTH 4096

/* True when `token` (length `length`) is canonical padded base64: a
 * multiple of 4 characters from the alphabet, '=' only as the last one or
 * two. Sets *padding to the number of '='. */
static bool is_padded_base64(const char *token, size_t length, size_t *padding)
{
    if (length == 0 || length % 4 != 0 || length > MAX_TOKEN_LENGTH)
        return false;
    size_t letters = strspn(token, BASE64_ALPHABET);
    *padding = length - letters;
    if (*padding > 2)
        return false;
    for (size_t i = letters; i < length; i++)
        if (token[i] != '=')
            return false;
    return true;
}

static bool has_control_character(const unsigned char *text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if (text[i] < 0x20 || text[i] == 0x7F)
            return true;
    return false;
}

/* The token after the scheme, or NULL when the scheme is not Basic or the
 * separator is wrong. */
static const char *token_after_scheme(const char *header, bool allow_no_space)
{
    if (strncasecmp(header, "Basic", 5) != 0)
        return NULL;
    const char *token = header + 5;
    if (*token == ' ') {
        while (*token == ' ')
            token++;
        return token;
    }
    return allow_no_space ? token : NULL;
}

cv_result http_basic_parse(const char *header, bool allow_no_space, char **user, char **password)
{
    *user = NULL;
    *password = NULL;
    const char *token = header ? token_after_scheme(header, allow_no_space) : NULL;
    size_t padding = 0;
    size_t length = token ? strlen(token) : 0;
    if (!token || !is_padded_base64(token, length, &padding))
        return CV_ERR_INVALID;
    unsigned char *decoded = malloc(length / 4 * 3 + 1);
    if (!decoded)
        return CV_ERR_NO_MEMORY;
    int written = EVP_DecodeBlock(decoded, (const unsigned char *)token, (int)length);
    /* EVP_DecodeBlock counts the padding as zero bytes; drop them. */
    size_t decoded_length = written >= (int)padding ? (size_t)written - padding : 0;
    cv_result result = CV_ERR_INVALID;
    const unsigned char *colon = written > 0 ? memchr(decoded, ':', decoded_length) : NULL;
    if (colon && !has_control_character(decoded, decoded_length)) {
        size_t name_length = (size_t)(colon - decoded);
        *user = strndup((const char *)decoded, name_length);
        *password = strndup((const char *)colon + 1, decoded_length - name_length - 1);
        result = *user && *password ? CV_OK : CV_ERR_NO_MEMORY;
        if (result != CV_OK) {
            http_basic_free(*user, *password);
            *user = *password = NULL;
        }
    }
    explicit_bzero(decoded, length / 4 * 3 + 1);
    free(decoded);
    return result;
}

/* RFC 6750's token68: letters, digits, "-._~+/", then any '=' padding. */
#define TOKEN68_ALPHABET  BASE64_ALPHABET "-._~"
#define MAX_BEARER_LENGTH 512

cv_result http_bearer_parse(const char *header, const char **token)
{
    *token = NULL;
    if (!header || strncasecmp(header, "Bearer ", 7) != 0)
        return CV_ERR_INVALID;
    const char *start = header + 7;
    while (*start == ' ')
        start++;
    size_t letters = strspn(start, TOKEN68_ALPHABET);
    size_t length = letters + strspn(start + letters, "=");
    if (letters == 0 || start[length] != '\0' || length > MAX_BEARER_LENGTH)
        return CV_ERR_INVALID;
    *token = start;
    return CV_OK;
}

void http_basic_free(char *user, char *password)
{
    if (password)
        explicit_bzero(password, strlen(password));
    free(password);
    free(user);
}
