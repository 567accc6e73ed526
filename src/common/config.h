/*
 * config.h - program options from the command line and an INI file.
 *
 * Owns: one table of options per program that drives getopt_long, the INI
 * reader (libinih) and --help, so the three can never disagree. Command-line
 * values win over the file; a repeatable option given on the command line
 * replaces the file's list. Does not own: what the options mean, or
 * secrets from the environment (each program reads those itself).
 */
#ifndef CONVENE_CONFIG_H
#define CONVENE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/result.h"
#include "common/strbuf.h"

typedef struct {
    char **items;
    size_t count;
} string_list;

typedef enum {
    OPTION_STRING, /* char **, strdup'd */
    OPTION_INTEGER, /* int64_t * */
    OPTION_FLAG,   /* bool *, no argument on the command line; "true"/"false" in INI */
    OPTION_LIST,   /* string_list *, repeatable */
} option_kind;

typedef struct {
    const char *name;     /* long option and INI key, e.g. "data-dir" */
    option_kind kind;
    void *target;
    const char *argument; /* placeholder for --help, e.g. "DIR" */
    const char *help;
    int64_t minimum, maximum; /* OPTION_INTEGER only */
} option_spec;

/* Parses argv (and the file named by --config, when the table has a
 * "config" option) into the targets. `error` receives one line naming the
 * option at fault. --help is reported as CV_ERR_NOT_FOUND with no error
 * text so the caller can print usage and exit 0. */
cv_result config_parse(int argc, char **argv, const option_spec *options, size_t option_count,
                       strbuf *error);
void config_print_help(const char *program, const char *synopsis, const option_spec *options,
                       size_t option_count);
cv_result string_list_add(string_list *list, const char *value);
void string_list_clear(string_list *list);
/* Frees every string and list the table's targets hold. */
void config_free(const option_spec *options, size_t option_count);

#endif
