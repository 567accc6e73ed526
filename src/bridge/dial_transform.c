/*
 * dial_transform.c - /dialTransforms and applying them; see
 * dial_transform.h. Owns no state between calls.
 */
#include "bridge/dial_transform.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/object_store.h"
#include "bridge/routes.h"
#include "common/strbuf.h"

#define MAX_COMPONENTS 2
#define MATCH_LIMIT    100000 /* backtracking steps one regular expression may take */
#define DEPTH_LIMIT    1000

/* --- components ------------------------------------------------------------------ */

typedef struct {
    char *parts[MAX_COMPONENTS + 1]; /* [1], [2]; owned */
} components;

static void free_components(components *split)
{
    for (size_t i = 0; i <= MAX_COMPONENTS; i++)
        free(split->parts[i]);
}

/* The digits of an E.164 country code that starts `digits`: 1 for zones
 * 1 and 7, 2 for the two-digit codes, else 3. */
static size_t country_code_length(const char *digits)
{
    static const char *const two_digit[] = {
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98", NULL};
    if (digits[0] == '1' || digits[0] == '7')
        return 1;
    for (size_t i = 0; two_digit[i]; i++)
        if (strncmp(digits, two_digit[i], 2) == 0)
            return 2;
    return 3;
}

/* Splits `input` by type; false when the type does not accept it (a
 * phone transform on something that is not a phone number). */
static bool split_input(const char *type, const char *input, components *split, bool *no_memory)
{
    memset(split, 0, sizeof *split);
    strbuf text = STRBUF_INIT;
    bool strip = type && (strcmp(type, "strip") == 0 || strcmp(type, "phone") == 0);
    for (const char *c = input; *c; c++)
        if (!strip || (*c != '.' && *c != '-' && *c != ' ' && *c != '(' && *c != ')'))
            strbuf_append_char(&text, *c);
    if (strbuf_status(&text) != CV_OK) {
        strbuf_free(&text);
        *no_memory = true;
        return false;
    }
    char *whole = strbuf_detach(&text);
    if (!whole) {
        *no_memory = true;
        return false;
    }
    if (!type || strcmp(type, "phone") != 0) {
        split->parts[1] = whole;
        return true;
    }
    const char *digits = whole[0] == '+'                ? whole + 1
                         : strncmp(whole, "00", 2) == 0 ? whole + 2
                                                        : whole;
    size_t length = strlen(digits);
    size_t code = length ? country_code_length(digits) : 0;
    if (length < code + 4 || strspn(digits, "0123456789") != length) {
        free(whole);
        return false;
    }
    split->parts[1] = strndup(digits, code);
    split->parts[2] = strdup(digits + code);
    free(whole);
    if (!split->parts[1] || !split->parts[2]) {
        free_components(split);
        *no_memory = true;
        return false;
    }
    return true;
}

/* --- regular expressions ---------------------------------------------------------- */

static pcre2_code *compile(const char *pattern, size_t length)
{
    int error;
    PCRE2_SIZE offset;
    return pcre2_compile((PCRE2_SPTR)pattern, length, PCRE2_UTF, &error, &offset, NULL);
}

static pcre2_match_context *limited_context(void)
{
    pcre2_match_context *context = pcre2_match_context_create(NULL);
    if (context) {
        pcre2_set_match_limit(context, MATCH_LIMIT);
        pcre2_set_depth_limit(context, DEPTH_LIMIT);
    }
    return context;
}

/* 1: found, 0: not found or over the limits, -1: no memory. */
static int regex_finds(const char *pattern, size_t length, const char *subject)
{
    pcre2_code *code = compile(pattern, length);
    if (!code)
        return 0;
    pcre2_match_data *data = pcre2_match_data_create_from_pattern(code, NULL);
    pcre2_match_context *context = limited_context();
    int found = -1;
    if (data && context)
        found = pcre2_match(code, (PCRE2_SPTR)subject, strlen(subject), 0, 0, data, context) >= 0;
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
    pcre2_code_free(code);
    return found;
}

/* Replaces every match of `pattern` in `text` (owned; replaced) by
 * `replacement`, where \N is the Nth group. */
static cv_result substitute(const char *pattern, size_t pattern_length, const char *replacement,
                            size_t replacement_length, char **text)
{
    strbuf converted = STRBUF_INIT; /* PCRE2's syntax: ${N}, $$ */
    for (size_t i = 0; i < replacement_length; i++) {
        char c = replacement[i];
        if (c == '\\' && i + 1 < replacement_length && isdigit((unsigned char)replacement[i + 1]))
            strbuf_printf(&converted, "${%c}", replacement[++i]);
        else if (c == '\\' && i + 1 < replacement_length)
            strbuf_append_char(&converted, replacement[++i] == '$' ? '$' : replacement[i]);
        else if (c == '$')
            strbuf_append_str(&converted, "$$");
        else
            strbuf_append_char(&converted, c);
    }
    pcre2_code *code = compile(pattern, pattern_length);
    pcre2_match_context *context = limited_context();
    cv_result result = !code                                            ? CV_ERR_INVALID
                       : !context || strbuf_status(&converted) != CV_OK ? CV_ERR_NO_MEMORY
                                                                        : CV_OK;
    PCRE2_SIZE size = strlen(*text) * 2 + 64;
    char *output = NULL;
    for (int attempt = 0; result == CV_OK && attempt < 2; attempt++) {
        free(output);
        output = malloc(size);
        if (!output) {
            result = CV_ERR_NO_MEMORY;
            break;
        }
        int done = pcre2_substitute(code, (PCRE2_SPTR)*text, strlen(*text), 0,
                                    PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH,
                                    NULL, context, (PCRE2_SPTR)strbuf_str(&converted),
                                    converted.length, (PCRE2_UCHAR *)output, &size);
        if (done >= 0)
            break;
        if (done != PCRE2_ERROR_NOMEMORY || attempt == 1)
            result = CV_ERR_INVALID;
        size++; /* room for the terminating NUL */
    }
    if (result == CV_OK) {
        free(*text);
        *text = output;
    } else {
        free(output);
    }
    pcre2_match_context_free(context);
    pcre2_code_free(code);
    strbuf_free(&converted);
    return result;
}

/* --- match ------------------------------------------------------------------------- */

/* One "($N/regex/)" term at *cursor; false on a syntax error. */
static bool next_term(const char **cursor, int *component, const char **regex, size_t *length)
{
    const char *c = *cursor;
    if (c[0] != '(' || c[1] != '$' || !isdigit((unsigned char)c[2]) || c[3] != '/')
        return false;
    *component = c[2] - '0';
    *regex = c + 4;
    const char *end = strstr(*regex, "/)");
    if (!end)
        return false;
    *length = (size_t)(end - *regex);
    *cursor = end + 2;
    return true;
}

/* 1: every term holds, 0: one does not, -1: syntax error, -2: no memory. */
static int match_holds(const char *match, const components *split)
{
    const char *cursor = match ? match : "";
    int holds = 1;
    while (*cursor) {
        if (isspace((unsigned char)*cursor)) {
            cursor++;
            continue;
        }
        int component;
        const char *regex;
        size_t length;
        if (!next_term(&cursor, &component, &regex, &length))
            return -1;
        if (!split) { /* syntax check only */
            pcre2_code *code = compile(regex, length);
            if (!code)
                return -1;
            pcre2_code_free(code);
            continue;
        }
        const char *subject =
            component >= 1 && component <= MAX_COMPONENTS ? split->parts[component] : NULL;
        int found = subject ? regex_finds(regex, length, subject) : 0;
        if (found < 0)
            return -2;
        if (!found)
            holds = 0;
    }
    return holds;
}

bool dial_transform_match_is_valid(const char *match)
{
    return match_holds(match, NULL) >= 0;
}

/* --- transform ---------------------------------------------------------------------- */

/* The end of a "/.../" part starting after its opening '/'; backslash
 * escapes are kept for the regex. NULL when unterminated. */
static const char *part_end(const char *start)
{
    for (const char *c = start; *c; c++) {
        if (*c == '\\' && c[1])
            c++;
        else if (*c == '/')
            return c;
    }
    return NULL;
}

/* Applies "{}" and "{/re/rep/}" blocks at *cursor to `piece`. */
static cv_result apply_blocks(const char **cursor, char **piece)
{
    const char *c = *cursor;
    while (*c == '{') {
        if (c[1] == '}') {
            c += 2;
            continue;
        }
        if (c[1] != '/')
            return CV_ERR_INVALID;
        const char *regex = c + 2;
        const char *regex_end = part_end(regex);
        const char *replacement = regex_end ? regex_end + 1 : NULL;
        const char *replacement_end = replacement ? part_end(replacement) : NULL;
        if (!replacement_end || replacement_end[1] != '}')
            return CV_ERR_INVALID;
        if (piece) {
            cv_result result = substitute(regex, (size_t)(regex_end - regex), replacement,
                                          (size_t)(replacement_end - replacement), piece);
            if (result != CV_OK)
                return result;
        } else {
            pcre2_code *code = compile(regex, (size_t)(regex_end - regex));
            if (!code)
                return CV_ERR_INVALID;
            pcre2_code_free(code);
        }
        c = replacement_end + 2;
    }
    *cursor = c;
    return CV_OK;
}

/* Builds the output; `split` NULL checks the syntax only. */
static cv_result build(const char *transform, const components *split, char **out)
{
    strbuf output = STRBUF_INIT;
    cv_result result = CV_OK;
    for (const char *c = transform ? transform : ""; *c && result == CV_OK;) {
        if (c[0] != '$' || !isdigit((unsigned char)c[1])) {
            strbuf_append_char(&output, *c++);
            continue;
        }
        int component = c[1] - '0';
        c += 2;
        char *piece = NULL;
        if (split) {
            const char *text =
                component >= 1 && component <= MAX_COMPONENTS ? split->parts[component] : NULL;
            piece = strdup(text ? text : "");
            if (!piece) {
                result = CV_ERR_NO_MEMORY;
                break;
            }
        }
        result = apply_blocks(&c, split ? &piece : NULL);
        if (piece)
            strbuf_append_str(&output, piece);
        free(piece);
    }
    if (result == CV_OK && strbuf_status(&output) != CV_OK)
        result = CV_ERR_NO_MEMORY;
    if (result == CV_OK && out)
        *out = strbuf_detach(&output);
    strbuf_free(&output);
    return result;
}

bool dial_transform_text_is_valid(const char *transform)
{
    return build(transform, NULL, NULL) == CV_OK;
}

cv_result dial_transform_run(const char *type, const char *match, const char *transform,
                             const char *input, bool *matched, char **out)
{
    *matched = false;
    *out = NULL;
    components split;
    bool no_memory = false;
    if (!split_input(type, input, &split, &no_memory))
        return no_memory ? CV_ERR_NO_MEMORY : CV_OK;
    int holds = match_holds(match, &split);
    cv_result result = holds == -2 ? CV_ERR_NO_MEMORY : holds < 0 ? CV_ERR_INVALID : CV_OK;
    if (holds == 1) {
        /* No transform: the string is dialled as the type left it. */
        result = transform ? build(transform, &split, out)
                           : ((*out = strdup(split.parts[1])) ? CV_OK : CV_ERR_NO_MEMORY);
        *matched = result == CV_OK;
    }
    free_components(&split);
    return result;
}

/* --- the object type ---------------------------------------------------------------- */

static const char *const transform_types[] = {"raw", "strip", "phone", NULL};
static const char *const transform_actions[] = {"accept", "acceptPhone", "deny", NULL};

static const field_descriptor dial_transform_fields[] = {
    {.name = "type",
     .column = "type",
     .type = FIELD_ENUM,
     .flags = FIELD_IN_LIST,
     .enum_values = transform_types,
     .default_value = "raw"},
    {.name = "match", .column = "match", .type = FIELD_STRING, .max_length = 1024},
    {.name = "transform", .column = "transform", .type = FIELD_STRING, .max_length = 1024},
    {.name = "priority",
     .column = "priority",
     .type = FIELD_INT,
     .default_value = "0",
     .minimum = INT32_MIN,
     .maximum = INT32_MAX},
    {.name = "action",
     .column = "action",
     .type = FIELD_ENUM,
     .enum_values = transform_actions,
     .default_value = "accept"},
};

enum { FIELD_TYPE, FIELD_MATCH, FIELD_TRANSFORM, FIELD_PRIORITY, FIELD_ACTION };

static const char *const dial_transform_filter_columns[] = {"match", "transform", NULL};

/* A match or transform that does not parse, or whose regular expressions
 * do not compile, is refused naming the parameter. */
static cv_result prepare_dial_transform(object_write *write)
{
    const field_value *match = object_write_value(write, "match");
    const field_value *transform = object_write_value(write, "transform");
    if (match->set && !dial_transform_match_is_valid(match->text))
        write->failed_parameter = "match";
    else if (transform->set && !dial_transform_text_is_valid(transform->text))
        write->failed_parameter = "transform";
    if (write->failed_parameter) {
        write->failed_status = 400;
        write->failed_reason = "invalidValue";
    }
    return CV_OK;
}

const object_type dial_transform_type = {
    .collection = "dialTransforms",
    .table = "dial_transforms",
    .list_element = "dialTransforms",
    .element = "dialTransform",
    .missing_reason = "dialTransformDoesNotExist",
    .audit_noun = "dial transform",
    .fields = dial_transform_fields,
    .field_count = sizeof dial_transform_fields / sizeof dial_transform_fields[0],
    .counted = true,
    .filter_columns = dial_transform_filter_columns,
    .prepare = prepare_dial_transform,
};

/* --- applying the stored transforms --------------------------------------------------- */

typedef struct {
    const char *input;
    bool found;     /* a transform decided */
    long long best; /* its priority */
    char *output;   /* its result */
    bool denied;
    cv_result result;
} transform_choice;

static int try_transform(void *context, const char *id, const char *const *values)
{
    (void)id;
    transform_choice *choice = context;
    long long priority = values[FIELD_PRIORITY] ? strtoll(values[FIELD_PRIORITY], NULL, 10) : 0;
    if (choice->found && priority <= choice->best)
        return 0; /* creation order breaks ties: the earlier one stays */
    bool matched = false;
    char *output = NULL;
    cv_result result =
        dial_transform_run(values[FIELD_TYPE], values[FIELD_MATCH], values[FIELD_TRANSFORM],
                           choice->input, &matched, &output);
    if (result == CV_ERR_NO_MEMORY) {
        choice->result = result;
        return 1;
    }
    if (!matched) {
        free(output);
        return 0;
    }
    free(choice->output);
    choice->output = output;
    choice->found = true;
    choice->best = priority;
    choice->denied = values[FIELD_ACTION] && strcmp(values[FIELD_ACTION], "deny") == 0;
    return 0;
}

cv_result dial_transform_apply(store_db *database, const char *remote_party, char **out,
                               bool *denied)
{
    *out = NULL;
    *denied = false;
    transform_choice choice = {.input = remote_party, .result = CV_OK};
    cv_result result =
        object_read_all(database, &dial_transform_type, NULL, try_transform, &choice);
    if (result == CV_OK)
        result = choice.result;
    if (result != CV_OK || !choice.found) {
        free(choice.output);
        return result;
    }
    *denied = choice.denied;
    *out = choice.output;
    return CV_OK;
}

/* --- routes --------------------------------------------------------------------------- */

static void list_transforms(api_call *call)
{
    object_list(call, &dial_transform_type);
}
static void get_transform(api_call *call)
{
    object_get(call, &dial_transform_type);
}
static void create_transform(api_call *call)
{
    object_create(call, &dial_transform_type);
}
static void modify_transform(api_call *call)
{
    object_modify(call, &dial_transform_type);
}
static void delete_transform(api_call *call)
{
    object_delete(call, &dial_transform_type);
}

static const api_route routes[] = {
    {"dialTransforms", list_transforms, create_transform, NULL, NULL},
    {"dialTransforms/*", get_transform, NULL, modify_transform, delete_transform},
    /* The blueprint's GET of one transform spells it in the singular. */
    {"dialTransform/*", get_transform, NULL, modify_transform, delete_transform},
};

const api_route_table dial_transform_routes = {routes, sizeof routes / sizeof routes[0]};
