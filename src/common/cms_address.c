/*
 * cms_address.c - bridge addresses: parsing "host", "host:port",
 * "[v6]:port" or an http(s) URL into a base URL, and telling whether two
 * addresses name the same endpoint (declared in cms_client.h). Owns no
 * state.
 */
#include "common/cms_client.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/text.h"

static bool host_character_ok(char character, bool bracketed)
{
    if ((character >= 'a' && character <= 'z') || (character >= 'A' && character <= 'Z') ||
        (character >= '0' && character <= '9') || character == '-' || character == '.')
        return true;
    if (!bracketed)
        return character == '_';
    return character == ':' || character == '%';
}

cv_result cms_address_parse(const char *text, cms_address *out)
{
    memset(out, 0, sizeof *out);
    if (!text || !*text || strlen(text) > 512)
        return CV_ERR_INVALID;
    const char *cursor = text;
    out->https = true;
    const char *scheme_end = strstr(text, "://");
    if (scheme_end) {
        size_t scheme_length = (size_t)(scheme_end - text);
        if (scheme_length == 5 && strncasecmp(text, "https", 5) == 0)
            out->https = true;
        else if (scheme_length == 4 && strncasecmp(text, "http", 4) == 0)
            out->https = false;
        else
            return CV_ERR_INVALID;
        cursor = scheme_end + 3;
    }
    bool bracketed = *cursor == '[';
    const char *host_start = bracketed ? cursor + 1 : cursor;
    const char *host_end = host_start;
    while (*host_end && host_character_ok(*host_end, bracketed))
        host_end++;
    size_t host_length = (size_t)(host_end - host_start);
    if (host_length == 0 || host_length >= CMS_HOST_MAX)
        return CV_ERR_INVALID;
    cursor = host_end;
    if (bracketed) {
        if (*cursor != ']')
            return CV_ERR_INVALID;
        cursor++;
    } else if (host_start[0] == '-' || host_start[0] == '.') {
        return CV_ERR_INVALID;
    }
    memcpy(out->host, host_start, host_length);
    out->host[host_length] = '\0';
    out->port = out->https ? 443 : 80;
    if (*cursor == ':') {
        cursor++;
        char digits[8];
        size_t length = 0;
        while (cursor[length] >= '0' && cursor[length] <= '9' && length < sizeof digits - 1) {
            digits[length] = cursor[length];
            length++;
        }
        digits[length] = '\0';
        int64_t port = 0;
        if (length == 0 || text_parse_int64(digits, 1, 65535, &port) != CV_OK)
            return CV_ERR_INVALID;
        out->port = (int)port;
        cursor += length;
    }
    if (*cursor == '/')
        cursor++;
    if (*cursor != '\0')
        return CV_ERR_INVALID;
    bool default_port = out->port == (out->https ? 443 : 80);
    char port_text[16] = "";
    if (!default_port)
        snprintf(port_text, sizeof port_text, ":%d", out->port);
    snprintf(out->base_url, sizeof out->base_url, "%s://%s%s%s%s", out->https ? "https" : "http",
             bracketed ? "[" : "", out->host, bracketed ? "]" : "", port_text);
    return CV_OK;
}

bool cms_address_same_endpoint(const char *left, const char *right)
{
    cms_address a, b;
    if (!left || !right || cms_address_parse(left, &a) != CV_OK ||
        cms_address_parse(right, &b) != CV_OK)
        return false;
    return a.port == b.port && strcasecmp(a.host, b.host) == 0;
}
