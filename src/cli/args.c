/*
 * args.c - a command's options and positional arguments; see args.h.
 * Owns the temporary argv copy handed to config_parse.
 */
#include "cli/args.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const option_spec *find_exact(const option_spec *options, size_t count, const char *name,
                                     size_t length)
{
    for (size_t i = 0; i < count; i++)
        if (strlen(options[i].name) == length && strncmp(options[i].name, name, length) == 0)
            return &options[i];
    return NULL;
}

/* Once config_parse has copied them, passwords given as option values are
 * overwritten in argv so that `ps` and /proc/PID/cmdline no longer show
 * them. option_argv points into the real argv. */
static void hide_passwords(int option_argc, char **option_argv)
{
    for (int i = 1; i < option_argc; i++) {
        const char *argument = option_argv[i];
        if (strncmp(argument, "--", 2) != 0 || !strstr(argument, "password") ||
            strstr(argument, "password-file"))
            continue;
        char *equals = strchr(option_argv[i], '=');
        char *value = equals ? equals + 1 : (i + 1 < option_argc ? option_argv[++i] : NULL);
        if (value)
            memset(value, '*', strlen(value));
    }
}

/* argv[*i], an option: -h/--help, or one of the syntax's long options
 * (--name, --name=value, or --name value, which takes argv[*i + 1] too),
 * copied to option_argv for config_parse. ARGS_OK when taken. */
static args_outcome take_option(const command_syntax *syntax, int argc, char **argv, int *i,
                                char **option_argv, int *option_argc, strbuf *error)
{
    const char *argument = argv[*i];
    if (strcmp(argument, "-h") == 0 || strcmp(argument, "--help") == 0)
        return ARGS_HELP;
    if (argument[1] != '-') {
        strbuf_printf(error, "unknown option \"%s\"", argument);
        return ARGS_ERROR;
    }
    const char *name = argument + 2;
    const char *equals = strchr(name, '=');
    size_t name_length = equals ? (size_t)(equals - name) : strlen(name);
    const option_spec *option =
        find_exact(syntax->options, syntax->option_count, name, name_length);
    if (!option) {
        strbuf_printf(error, "unknown option \"--%.*s\"", (int)name_length, name);
        return ARGS_ERROR;
    }
    if (option->kind == OPTION_FLAG && equals) {
        strbuf_printf(error, "option \"--%s\" takes no value", option->name);
        return ARGS_ERROR;
    }
    option_argv[(*option_argc)++] = argv[*i];
    if (option->kind != OPTION_FLAG && !equals) {
        if (*i + 1 >= argc) {
            strbuf_printf(error, "option \"--%s\" needs a value", option->name);
            return ARGS_ERROR;
        }
        option_argv[(*option_argc)++] = argv[++*i];
    }
    return ARGS_OK;
}

args_outcome args_parse(const command_syntax *syntax, int argc, char **argv,
                        positional_arguments *positional, strbuf *error)
{
    memset(positional, 0, sizeof *positional);
    char **option_argv = calloc((size_t)argc + 1, sizeof *option_argv);
    if (!option_argv) {
        strbuf_printf(error, "out of memory");
        return ARGS_ERROR;
    }
    int option_argc = 0;
    option_argv[option_argc++] = argv[0];
    args_outcome outcome = ARGS_OK;
    bool options_ended = false;

    for (int i = 1; i < argc; i++) {
        const char *argument = argv[i];
        bool is_option = !options_ended && argument[0] == '-' && argument[1] != '\0';
        if (!options_ended && strcmp(argument, "--") == 0) {
            options_ended = true;
            continue;
        }
        if (!is_option) {
            if (positional->count >= syntax->maximum_positional) {
                strbuf_printf(error, "unexpected argument \"%s\"", argument);
                outcome = ARGS_ERROR;
                goto done;
            }
            positional->items[positional->count++] = argument;
            continue;
        }
        outcome = take_option(syntax, argc, argv, &i, option_argv, &option_argc, error);
        if (outcome != ARGS_OK)
            goto done;
    }
    if (positional->count < syntax->minimum_positional) {
        /* The usage's first line only: the error stays one line. */
        strbuf_printf(error, "missing argument (usage: convene %.*s)",
                      (int)strcspn(syntax->usage, "\n"), syntax->usage);
        outcome = ARGS_ERROR;
        goto done;
    }
    cv_result result =
        config_parse(option_argc, option_argv, syntax->options, syntax->option_count, error);
    hide_passwords(option_argc, option_argv);
    if (result == CV_ERR_NOT_FOUND)
        outcome = ARGS_HELP;
    else if (result != CV_OK)
        outcome = ARGS_ERROR;
done:
    free(option_argv);
    return outcome;
}

void args_print_options(const option_spec *options, size_t count, FILE *out)
{
    for (size_t i = 0; i < count; i++) {
        char left[80];
        if (options[i].kind == OPTION_FLAG)
            snprintf(left, sizeof left, "--%s", options[i].name);
        else
            snprintf(left, sizeof left, "--%s %s", options[i].name,
                     options[i].argument ? options[i].argument : "VALUE");
        if (strlen(left) > 28)
            fprintf(out, "  %s\n  %-28s %s\n", left, "", options[i].help);
        else
            fprintf(out, "  %-28s %s\n", left, options[i].help);
    }
}

void args_print_help(const command_syntax *syntax, FILE *out)
{
    fprintf(out, "Usage: convene %s\n\n%s\n", syntax->usage, syntax->description);
    fprintf(out, "\nOptions:\n");
    args_print_options(syntax->options, syntax->option_count, out);
    fprintf(out, "  %-28s %s\n", "--help", "show this help and exit");
    if (syntax->notes)
        fprintf(out, "\n%s\n", syntax->notes);
    fprintf(out, "\nGlobal options (--server, --user, --insecure, --ca-file) go before the "
                 "command; see convene --help.\n");
}
