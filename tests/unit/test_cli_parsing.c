/*
 * test_cli_parsing.c - what `convene` reads from its command line: RFC 3339
 * times (offsets, fractions, calendar limits, garbage), and a command's
 * options and positional arguments (interleaving, `--`, exact names only,
 * missing values, counts, --help) including passwords blanked in argv.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/rfc3339.h"
#include "cli/args.h"

static void test_rfc3339_accepts_offsets_and_fractions(void **state)
{
    (void)state;
    int64_t seconds;
    assert_int_equal(rfc3339_parse("1970-01-01T00:00:00Z", &seconds), CV_OK);
    assert_int_equal(seconds, 0);
    assert_int_equal(rfc3339_parse("2026-11-25T09:00:00Z", &seconds), CV_OK);
    assert_int_equal(seconds, 1795597200);
    int64_t with_offset;
    assert_int_equal(rfc3339_parse("2026-11-25T10:30:00+01:30", &with_offset), CV_OK);
    assert_int_equal(with_offset, seconds);
    assert_int_equal(rfc3339_parse("2026-11-25T04:00:00-05:00", &with_offset), CV_OK);
    assert_int_equal(with_offset, seconds);
    assert_int_equal(rfc3339_parse("2026-11-25t09:00:00.123456z", &with_offset), CV_OK);
    assert_int_equal(with_offset, seconds);
    assert_int_equal(rfc3339_parse("2024-02-29T00:00:00Z", &seconds), CV_OK);
}

static void test_rfc3339_refuses_what_is_not_a_time(void **state)
{
    (void)state;
    static const char *const refused[] = {
        "",
        "tomorrow",
        "2026-11-25",
        "2026-11-25T09:00:00", /* no offset */
        "2026-11-25T09:00Z",   /* no seconds */
        "2026-13-01T00:00:00Z",
        "2026-02-29T00:00:00Z", /* not a leap year */
        "2026-04-31T00:00:00Z",
        "2026-11-25T24:00:00Z",
        "2026-11-25T09:60:00Z",
        "2026-11-25T09:00:00+1:00",
        "2026-11-25T09:00:00+01:00 ",
        "2026-11-25T09:00:00.Z",
        "+2026-11-25T09:00:00Z",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        int64_t seconds = 42;
        assert_int_equal(rfc3339_parse(refused[i], &seconds), CV_ERR_INVALID);
        assert_int_equal(seconds, 42);
    }
}

static void test_rfc3339_round_trip(void **state)
{
    (void)state;
    char text[40];
    rfc3339_format_utc(1795597200 + 45 * 60, text, sizeof text);
    assert_string_equal(text, "2026-11-25T09:45:00Z");
    int64_t back;
    assert_int_equal(rfc3339_parse(text, &back), CV_OK);
    assert_int_equal(back, 1795597200 + 45 * 60);
}

typedef struct {
    char *name;
    char *password;
    int64_t count;
    bool flag;
    string_list list;
} parsed_options;

static command_syntax syntax_for(parsed_options *options, option_spec *specs)
{
    option_spec table[] = {
        {"name", OPTION_STRING, &options->name, "N", "a name", 0, 0},
        {"password", OPTION_STRING, &options->password, "P", "a password", 0, 0},
        {"count", OPTION_INTEGER, &options->count, "N", "a count", 1, 10},
        {"flag", OPTION_FLAG, &options->flag, NULL, "a flag", 0, 0},
        {"item", OPTION_LIST, &options->list, "X", "repeatable", 0, 0},
    };
    memcpy(specs, table, sizeof table);
    command_syntax syntax = {"thing ID [VALUE]", "Does a thing.", specs, 5, 1, 2, NULL};
    return syntax;
}

/* argv as the program would get it: writable strings. */
typedef struct {
    char storage[16][64];
    char *argv[17];
    int argc;
} fake_argv;

static void make_argv(fake_argv *out, const char *const *words)
{
    memset(out, 0, sizeof *out);
    for (out->argc = 0; words[out->argc]; out->argc++) {
        strcpy(out->storage[out->argc], words[out->argc]);
        out->argv[out->argc] = out->storage[out->argc];
    }
}

static args_outcome parse(const char *const *words, parsed_options *options,
                          positional_arguments *positional, strbuf *error, fake_argv *argv)
{
    option_spec specs[5];
    memset(options, 0, sizeof *options);
    command_syntax syntax = syntax_for(options, specs);
    make_argv(argv, words);
    strbuf_reset(error);
    return args_parse(&syntax, argv->argc, argv->argv, positional, error);
}

static void release(parsed_options *options)
{
    free(options->name);
    free(options->password);
    string_list_clear(&options->list);
}

static void test_options_and_positionals_interleave(void **state)
{
    (void)state;
    parsed_options options;
    positional_arguments positional;
    strbuf error = STRBUF_INIT;
    fake_argv argv;
    const char *words[] = {"thing",     "--name", "n1", "ID-1", "--flag",          "--item", "a",
                           "--count=3", "--item", "b",  "--",   "--not-an-option", NULL};
    assert_int_equal(parse(words, &options, &positional, &error, &argv), ARGS_OK);
    assert_int_equal(positional.count, 2);
    assert_string_equal(positional.items[0], "ID-1");
    assert_string_equal(positional.items[1], "--not-an-option");
    assert_string_equal(options.name, "n1");
    assert_int_equal(options.count, 3);
    assert_true(options.flag);
    assert_int_equal(options.list.count, 2);
    assert_string_equal(options.list.items[1], "b");
    release(&options);
    strbuf_free(&error);
}

static void test_bad_command_lines_are_refused_with_one_line(void **state)
{
    (void)state;
    static const char *const cases[][6] = {
        {"thing", NULL},                    /* ID missing */
        {"thing", "a", "b", "c", NULL},     /* too many */
        {"thing", "a", "--nam", "x", NULL}, /* abbreviation */
        {"thing", "a", "--bogus", NULL},
        {"thing", "a", "-x", NULL},
        {"thing", "a", "--name", NULL},        /* value missing */
        {"thing", "a", "--count", "11", NULL}, /* out of range */
        {"thing", "a", "--flag=true", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        parsed_options options;
        positional_arguments positional;
        strbuf error = STRBUF_INIT;
        fake_argv argv;
        assert_int_equal(parse(cases[i], &options, &positional, &error, &argv), ARGS_ERROR);
        assert_true(error.length > 0);
        assert_null(strchr(strbuf_str(&error), '\n'));
        release(&options);
        strbuf_free(&error);
    }
}

static void test_help_wins(void **state)
{
    (void)state;
    parsed_options options;
    positional_arguments positional;
    strbuf error = STRBUF_INIT;
    fake_argv argv;
    const char *words[] = {"thing", "--bogus", "--help", NULL};
    /* An unknown option before --help is reported first. */
    assert_int_equal(parse(words, &options, &positional, &error, &argv), ARGS_ERROR);
    const char *help[] = {"thing", "-h", NULL};
    assert_int_equal(parse(help, &options, &positional, &error, &argv), ARGS_HELP);
    release(&options);
    strbuf_free(&error);
}

static void test_passwords_are_blanked_in_argv(void **state)
{
    (void)state;
    parsed_options options;
    positional_arguments positional;
    strbuf error = STRBUF_INIT;
    fake_argv argv;
    const char *words[] = {"thing", "id", "--password", "hunter2", "--name", "visible", NULL};
    assert_int_equal(parse(words, &options, &positional, &error, &argv), ARGS_OK);
    assert_string_equal(options.password, "hunter2"); /* the copy is intact */
    assert_string_equal(argv.argv[3], "*******");
    assert_string_equal(argv.argv[5], "visible");
    release(&options);
    const char *inline_words[] = {"thing", "id", "--password=secret", NULL};
    assert_int_equal(parse(inline_words, &options, &positional, &error, &argv), ARGS_OK);
    assert_string_equal(options.password, "secret");
    assert_string_equal(argv.argv[2], "--password=******");
    release(&options);
    strbuf_free(&error);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3339_accepts_offsets_and_fractions),
        cmocka_unit_test(test_rfc3339_refuses_what_is_not_a_time),
        cmocka_unit_test(test_rfc3339_round_trip),
        cmocka_unit_test(test_options_and_positionals_interleave),
        cmocka_unit_test(test_bad_command_lines_are_refused_with_one_line),
        cmocka_unit_test(test_help_wins),
        cmocka_unit_test(test_passwords_are_blanked_in_argv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
