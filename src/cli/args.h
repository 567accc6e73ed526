/*
 * args.h - one command's command line: its options (a common/config.h
 * option table, so parsing, range checks and --help share one
 * description) and its positional arguments.
 *
 * Owns: splitting options from positional arguments (options may come
 * before, between or after them; `--` ends options), rejecting unknown or
 * abbreviated options, counting positionals, and the command's --help
 * text. Does not own: what the options mean.
 */
#ifndef CONVENE_CLI_ARGS_H
#define CONVENE_CLI_ARGS_H

#include <stddef.h>
#include <stdio.h>

#include "common/config.h"
#include "common/strbuf.h"

#define ARGS_MAX_POSITIONAL 4

typedef struct {
    const char *usage;       /* after "convene ", e.g. "extend ID MINUTES" */
    const char *description; /* one or more lines, printed under the usage */
    const option_spec *options;
    size_t option_count;
    size_t minimum_positional;
    size_t maximum_positional; /* at most ARGS_MAX_POSITIONAL */
    const char *notes;         /* printed after the options; may be NULL */
} command_syntax;

typedef struct {
    const char *items[ARGS_MAX_POSITIONAL]; /* borrowed from argv */
    size_t count;
} positional_arguments;

typedef enum { ARGS_OK, ARGS_HELP, ARGS_ERROR } args_outcome;

/* Parses argv[1..argc) (argv[0] names the command). ARGS_HELP after
 * --help or -h; ARGS_ERROR with one line in `error`. */
args_outcome args_parse(const command_syntax *syntax, int argc, char **argv,
                        positional_arguments *positional, strbuf *error);
void args_print_help(const command_syntax *syntax, FILE *out);
/* Prints the option lines of a table (shared with the program's help). */
void args_print_options(const option_spec *options, size_t count, FILE *out);

#endif
