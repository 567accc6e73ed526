/* config.c - command-line and INI options from one table; see config.h. */
#include "common/config.h"

#include <getopt.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"

cv_result string_list_add(string_list *list, const char *value)
{
    char *copy = strdup(value);
    if (!copy)
        return CV_ERR_NO_MEMORY;
    char **grown = realloc(list->items, (list->count + 1) * sizeof *grown);
    if (!grown) {
        free(copy);
        return CV_ERR_NO_MEMORY;
    }
    list->items = grown;
    list->items[list->count++] = copy;
    return CV_OK;
}

void string_list_clear(string_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

/* Keys match with '-' and '_' treated alike, so INI files may use either. */
static bool names_match(const char *key, const char *name)
{
    for (; *key && *name; key++, name++) {
        char left = *key == '_' ? '-' : *key;
        char right = *name == '_' ? '-' : *name;
        if (left != right)
            return false;
    }
    return *key == *name;
}

static const option_spec *find_option(const option_spec *options, size_t count, const char *key)
{
    for (size_t i = 0; i < count; i++)
        if (names_match(key, options[i].name))
            return &options[i];
    return NULL;
}

static cv_result apply_value(const option_spec *option, const char *value, strbuf *error)
{
    switch (option->kind) {
    case OPTION_STRING: {
        char **target = option->target;
        char *copy = strdup(value);
        if (!copy)
            return CV_ERR_NO_MEMORY;
        free(*target);
        *target = copy;
        return CV_OK;
    }
    case OPTION_INTEGER:
        if (text_parse_int64(value, option->minimum, option->maximum, option->target) != CV_OK) {
            strbuf_printf(error, "--%s: expected a whole number from %lld to %lld, got \"%s\"",
                          option->name, (long long)option->minimum, (long long)option->maximum,
                          value);
            return CV_ERR_INVALID;
        }
        return CV_OK;
    case OPTION_FLAG:
        if (text_parse_bool(value, option->target) != CV_OK) {
            strbuf_printf(error, "--%s: expected true or false, got \"%s\"", option->name, value);
            return CV_ERR_INVALID;
        }
        return CV_OK;
    case OPTION_LIST:
        return string_list_add(option->target, value);
    }
    return CV_ERR_INVALID;
}

typedef struct {
    const option_spec *options;
    size_t count;
    strbuf *error;
    cv_result result;
} ini_context;

static int handle_ini_entry(void *user, const char *section, const char *key, const char *value)
{
    (void)section; /* sections are for the reader's benefit only */
    ini_context *context = user;
    /* libinih reads on after a failed entry; report the first problem only. */
    if (context->result != CV_OK)
        return 0;
    const option_spec *option = find_option(context->options, context->count, key);
    if (!option || names_match(key, "config")) {
        strbuf_printf(context->error, "unknown option \"%s\"", key);
        context->result = CV_ERR_INVALID;
        return 0;
    }
    cv_result result = apply_value(option, value, context->error);
    if (result != CV_OK) {
        context->result = result;
        return 0;
    }
    return 1;
}

static cv_result load_file(const char *path, const option_spec *options, size_t count,
                           strbuf *error)
{
    ini_context context = {options, count, error, CV_OK};
    strbuf detail = STRBUF_INIT;
    context.error = &detail;
    int status = ini_parse(path, handle_ini_entry, &context);
    if (status == -1) {
        strbuf_printf(error, "--config: cannot open \"%s\"", path);
        context.result = CV_ERR_IO;
    } else if (status != 0) {
        if (strbuf_str(&detail)[0])
            strbuf_printf(error, "%s: %s", path, strbuf_str(&detail));
        else
            strbuf_printf(error, "%s: line %d: syntax error", path, status);
        if (context.result == CV_OK)
            context.result = CV_ERR_INVALID;
    }
    strbuf_free(&detail);
    return context.result;
}

cv_result config_parse(int argc, char **argv, const option_spec *options, size_t option_count,
                       strbuf *error)
{
    struct option *long_options = calloc(option_count + 2, sizeof *long_options);
    bool *list_seen = calloc(option_count + 1, sizeof *list_seen);
    cv_result result = CV_OK;
    if (!long_options || !list_seen) {
        result = CV_ERR_NO_MEMORY;
        goto done;
    }
    for (size_t i = 0; i < option_count; i++) {
        long_options[i].name = options[i].name;
        long_options[i].has_arg = options[i].kind == OPTION_FLAG ? no_argument : required_argument;
        long_options[i].val = 1000 + (int)i;
    }
    long_options[option_count].name = "help";
    long_options[option_count].val = 'h';

    /* First pass: only --config, so the file is read before the command line
     * overrides it. */
    const option_spec *config_option = find_option(options, option_count, "config");
    opterr = 0;
    optind = 1;
    int code;
    while ((code = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        if (code == 'h') {
            result = CV_ERR_NOT_FOUND;
            goto done;
        }
        if (config_option && code == 1000 + (int)(config_option - options))
            result = apply_value(config_option, optarg, error);
    }
    if (result != CV_OK)
        goto done;
    if (config_option && *(char **)config_option->target) {
        result = load_file(*(char **)config_option->target, options, option_count, error);
        if (result != CV_OK)
            goto done;
    }

    optind = 1;
    while ((code = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        if (code == '?') {
            strbuf_printf(error, "unknown option \"%s\" (see --help)", argv[optind - 1]);
            result = CV_ERR_INVALID;
            goto done;
        }
        if (code == ':') {
            strbuf_printf(error, "option \"%s\" needs a value", argv[optind - 1]);
            result = CV_ERR_INVALID;
            goto done;
        }
        size_t index = (size_t)(code - 1000);
        const option_spec *option = &options[index];
        if (option == config_option)
            continue;
        if (option->kind == OPTION_FLAG) {
            *(bool *)option->target = true;
            continue;
        }
        if (option->kind == OPTION_LIST && !list_seen[index]) {
            string_list_clear(option->target); /* the command line replaces the file's list */
            list_seen[index] = true;
        }
        result = apply_value(option, optarg, error);
        if (result != CV_OK)
            goto done;
    }
    if (optind < argc) {
        strbuf_printf(error, "unexpected argument \"%s\" (see --help)", argv[optind]);
        result = CV_ERR_INVALID;
    }
done:
    free(long_options);
    free(list_seen);
    return result;
}

void config_print_help(const char *program, const char *synopsis, const option_spec *options,
                       size_t option_count)
{
    printf("Usage: %s %s\n\nOptions:\n", program, synopsis);
    for (size_t i = 0; i < option_count; i++) {
        char left[64];
        if (options[i].kind == OPTION_FLAG)
            snprintf(left, sizeof left, "--%s", options[i].name);
        else
            snprintf(left, sizeof left, "--%s %s", options[i].name,
                     options[i].argument ? options[i].argument : "VALUE");
        printf("  %-28s %s\n", left, options[i].help);
    }
    printf("  %-28s %s\n", "--help", "show this help and exit");
    printf("\nEvery option can also be set in the --config INI file as `name = value`.\n");
}

void config_free(const option_spec *options, size_t option_count)
{
    for (size_t i = 0; i < option_count; i++) {
        if (options[i].kind == OPTION_STRING) {
            char **target = options[i].target;
            free(*target);
            *target = NULL;
        } else if (options[i].kind == OPTION_LIST) {
            string_list_clear(options[i].target);
        }
    }
}
