/*
 * fuzz_bulk_mapping.c - libFuzzer target for the coSpace bulk mapping
 * grammar (src/bridge/bulk_mapping.c: "$index$", "\$", "\\"). Byte 0 picks
 * the kind (name, URI, call ID); the rest, up to a NUL, is the mapping.
 * Owns only the properties checked: parsing and validation agree; a parsed
 * mapping has no '@' when it is a URI; escaping the parsed prefix and
 * suffix again and parsing that gives the same mapping (a round trip); and
 * expanding it for an index gives prefix, the index in decimal, suffix.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/bulk_mapping.h"

static void check(int condition, const char *what, const char *text)
{
    if (!condition) {
        fprintf(stderr, "fuzz_bulk_mapping: property violated: %s (mapping \"%s\")\n", what, text);
        abort();
    }
}

static void escape(strbuf *out, const char *text)
{
    for (; *text; text++) {
        if (*text == '$' || *text == '\\')
            strbuf_append_char(out, '\\');
        strbuf_append_char(out, *text);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    static const bulk_mapping_kind kinds[] = {BULK_MAPPING_TEXT, BULK_MAPPING_URI, BULK_MAPPING_ID};
    bulk_mapping_kind kind = kinds[data[0] % 3];
    size_t length = strnlen((const char *)data + 1, size - 1);
    char *text = malloc(length + 1);
    if (!text)
        return 0;
    memcpy(text, data + 1, length);
    text[length] = '\0';

    const char *parse_reason = NULL, *validate_reason = NULL;
    bulk_mapping mapping;
    cv_result parsed = bulk_mapping_parse(text, kind, &mapping, &parse_reason);
    cv_result validated = bulk_mapping_validate(text, kind, &validate_reason);
    check(parsed == validated, "parse and validate agree", text);
    if (parsed != CV_OK) {
        check(parse_reason != NULL, "a refusal gives a reason", text);
        free(text);
        return 0;
    }
    if (kind == BULK_MAPPING_URI)
        check(!strchr(mapping.prefix, '@') && !strchr(mapping.suffix, '@'), "no '@' in a URI",
              text);

    strbuf again = STRBUF_INIT;
    escape(&again, mapping.prefix);
    if (mapping.has_index)
        strbuf_append_str(&again, "$index$");
    escape(&again, mapping.suffix);
    bulk_mapping round;
    const char *reason = NULL;
    check(bulk_mapping_parse(strbuf_str(&again), kind, &round, &reason) == CV_OK,
          "the re-escaped mapping parses", text);
    check(round.has_index == mapping.has_index && strcmp(round.prefix, mapping.prefix) == 0 &&
              strcmp(round.suffix, mapping.suffix) == 0,
          "round trip", text);
    bulk_mapping_free(&round);

    static const int64_t indexes[] = {0, 1, 42, 999999, INT64_MAX};
    strbuf expanded = STRBUF_INIT, expected = STRBUF_INIT;
    for (size_t i = 0; i < sizeof indexes / sizeof indexes[0]; i++) {
        check(bulk_mapping_expand(&mapping, indexes[i], &expanded) == CV_OK, "expansion", text);
        strbuf_reset(&expected);
        if (mapping.has_index)
            strbuf_printf(&expected, "%s%" PRId64 "%s", mapping.prefix, indexes[i], mapping.suffix);
        else
            strbuf_append_str(&expected, mapping.prefix);
        check(strcmp(strbuf_str(&expanded), strbuf_str(&expected)) == 0,
              "expansion is prefix, index, suffix", text);
    }
    strbuf_free(&expanded);
    strbuf_free(&expected);
    strbuf_free(&again);
    bulk_mapping_free(&mapping);
    free(text);
    return 0;
}
