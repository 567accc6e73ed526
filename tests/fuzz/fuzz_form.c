/*
 * fuzz_form.c - libFuzzer target for the urlencoded form decoder
 * (src/common/form.c). Owns only the properties it checks on every input:
 * no crash or leak; a failure leaves no fields and names its parameter and
 * reason; a success gives at most FORM_MAX_FIELDS fields with non-empty,
 * unique, valid UTF-8 names and values; and re-encoding the decoded fields
 * and decoding them again gives the same fields (a round trip).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/form.h"
#include "common/strbuf.h"
#include "common/text.h"

static void check(int condition, const char *what)
{
    if (!condition) {
        fprintf(stderr, "fuzz_form: property violated: %s\n", what);
        abort();
    }
}

static void encode(strbuf *out, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *cursor = (const unsigned char *)text; *cursor; cursor++) {
        unsigned char c = *cursor;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            strbuf_append_char(out, (char)c);
        } else if (c == ' ') {
            strbuf_append_char(out, '+');
        } else {
            char escape[3] = {'%', hex[c >> 4], hex[c & 15]};
            strbuf_append(out, escape, 3);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy so ASan catches any read past `length`. */
    char *body = malloc(size ? size : 1);
    if (!body)
        return 0;
    if (size)
        memcpy(body, data, size);

    form decoded;
    cv_result result = form_parse(body, size, &decoded);
    if (result != CV_OK) {
        check(result == CV_ERR_INVALID || result == CV_ERR_TOO_LARGE || result == CV_ERR_NO_MEMORY,
              "failure code");
        check(decoded.count == 0 && decoded.fields == NULL, "no fields after a failure");
        check(decoded.error_parameter != NULL && decoded.error_reason != NULL,
              "a failure names its parameter and reason");
        form_free(&decoded);
        free(body);
        return 0;
    }
    check(decoded.error_parameter == NULL, "no error after success");
    check(decoded.count <= FORM_MAX_FIELDS, "field limit");

    strbuf again = STRBUF_INIT;
    for (size_t i = 0; i < decoded.count; i++) {
        const form_field *field = &decoded.fields[i];
        check(field->name[0] != '\0', "non-empty name");
        check(text_is_valid_utf8(field->name, strlen(field->name)), "name is UTF-8");
        check(text_is_valid_utf8(field->value, strlen(field->value)), "value is UTF-8");
        check(form_get(&decoded, field->name) == field->value, "names are unique");
        if (i)
            strbuf_append_char(&again, '&');
        encode(&again, field->name);
        strbuf_append_char(&again, '=');
        encode(&again, field->value);
    }
    check(strbuf_status(&again) == CV_OK, "re-encoding");

    form round;
    check(form_parse(strbuf_str(&again), again.length, &round) == CV_OK, "round trip parses");
    check(round.count == decoded.count, "round trip keeps the field count");
    for (size_t i = 0; i < round.count; i++) {
        check(strcmp(round.fields[i].name, decoded.fields[i].name) == 0, "round trip name");
        check(strcmp(round.fields[i].value, decoded.fields[i].value) == 0, "round trip value");
    }
    form_free(&round);
    strbuf_free(&again);
    form_free(&decoded);
    free(body);
    return 0;
}
