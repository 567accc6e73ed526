/*
 * test_common_config.c - options from argv and an INI file through one table
 * (src/common/config.c): each kind of option, the command line winning over
 * the file, a repeatable option on the command line replacing the file's
 * list, '_' and '-' alike in INI keys, and unknown keys, unknown options,
 * missing values, bad numbers and booleans rejected with a message that
 * names them. Owns no production code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"

typedef struct {
    char *listen;
    char *data_dir;
    char *config;
    int64_t threads;
    bool plain_http;
    string_list peers;
    char ini_path[64];
    strbuf error;
    option_spec specs[6];
} fixture;

static int set_up(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    option_spec specs[] = {
        {"listen", OPTION_STRING, &f->listen, "ADDR:PORT", "where to listen", 0, 0},
        {"data-dir", OPTION_STRING, &f->data_dir, "DIR", "data", 0, 0},
        {"config", OPTION_STRING, &f->config, "FILE", "INI file", 0, 0},
        {"threads", OPTION_INTEGER, &f->threads, "N", "threads", 0, 256},
        {"plain-http", OPTION_FLAG, &f->plain_http, NULL, "no TLS", 0, 0},
        {"peer", OPTION_LIST, &f->peers, "NAME=URL", "peers", 0, 0},
    };
    memcpy(f->specs, specs, sizeof specs);
    f->threads = 4;
    strbuf_init(&f->error);
    snprintf(f->ini_path, sizeof f->ini_path, "/tmp/convene-config-test-XXXXXX");
    int descriptor = mkstemp(f->ini_path);
    if (descriptor < 0)
        return -1;
    close(descriptor);
    *state = f;
    return 0;
}

static int tear_down(void **state)
{
    fixture *f = *state;
    config_free(f->specs, 6);
    strbuf_free(&f->error);
    unlink(f->ini_path);
    free(f);
    return 0;
}

static void write_ini(const fixture *f, const char *text)
{
    FILE *file = fopen(f->ini_path, "w");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
}

/* argv from a NULL-terminated list; config_parse may permute it. */
static cv_result parse(fixture *f, const char *const *arguments)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = "program";
    for (; *arguments; arguments++)
        argv[argc++] = (char *)*arguments;
    argv[argc] = NULL;
    return config_parse(argc, argv, f->specs, 6, &f->error);
}

static void test_command_line_only(void **state)
{
    fixture *f = *state;
    const char *arguments[] = {"--listen",
                               "127.0.0.1:8443",
                               "--data-dir=/tmp/x",
                               "--threads",
                               "2",
                               "--plain-http",
                               "--peer",
                               "b=https://b",
                               "--peer",
                               "c=https://c",
                               NULL};
    assert_int_equal(parse(f, arguments), CV_OK);
    assert_string_equal(f->listen, "127.0.0.1:8443");
    assert_string_equal(f->data_dir, "/tmp/x");
    assert_int_equal(f->threads, 2);
    assert_true(f->plain_http);
    assert_int_equal(f->peers.count, 2);
    assert_string_equal(f->peers.items[0], "b=https://b");
    assert_string_equal(f->peers.items[1], "c=https://c");
    assert_string_equal(strbuf_str(&f->error), "");
}

static void test_defaults_stay_when_not_given(void **state)
{
    fixture *f = *state;
    const char *arguments[] = {NULL};
    assert_int_equal(parse(f, arguments), CV_OK);
    assert_null(f->listen);
    assert_int_equal(f->threads, 4);
    assert_false(f->plain_http);
    assert_int_equal(f->peers.count, 0);
}

static void test_file_only(void **state)
{
    fixture *f = *state;
    write_ini(f, "; a comment\n[bridge]\nlisten = 0.0.0.0:445\ndata_dir = /var/lib/convene\n"
                 "threads = 8\nplain-http = true\npeer = b=https://b\npeer = c=https://c\n");
    const char *arguments[] = {"--config", f->ini_path, NULL};
    assert_int_equal(parse(f, arguments), CV_OK);
    assert_string_equal(f->listen, "0.0.0.0:445");
    assert_string_equal(f->data_dir, "/var/lib/convene");
    assert_int_equal(f->threads, 8);
    assert_true(f->plain_http);
    assert_int_equal(f->peers.count, 2);
    assert_string_equal(f->peers.items[1], "c=https://c");
}

static void test_command_line_wins_over_file(void **state)
{
    fixture *f = *state;
    write_ini(f, "listen = 0.0.0.0:445\nthreads = 8\ndata-dir = /from/file\n");
    /* --config comes last on purpose: the file is still read first. */
    const char *arguments[] = {"--listen", "127.0.0.1:9000", "--threads", "3",
                               "--config", f->ini_path,      NULL};
    assert_int_equal(parse(f, arguments), CV_OK);
    assert_string_equal(f->listen, "127.0.0.1:9000");
    assert_int_equal(f->threads, 3);
    assert_string_equal(f->data_dir, "/from/file");
    assert_string_equal(f->config, f->ini_path);
}

static void test_command_line_list_replaces_file_list(void **state)
{
    fixture *f = *state;
    write_ini(f, "peer = b=https://b\npeer = c=https://c\n");
    const char *arguments[] = {"--config", f->ini_path,   "--peer", "d=https://d",
                               "--peer",   "e=https://e", NULL};
    assert_int_equal(parse(f, arguments), CV_OK);
    assert_int_equal(f->peers.count, 2);
    assert_string_equal(f->peers.items[0], "d=https://d");
    assert_string_equal(f->peers.items[1], "e=https://e");
}

static void test_file_list_kept_without_command_line_list(void **state)
{
    fixture *f = *state;
    write_ini(f, "peer = b=https://b\n");
    const char *arguments[] = {"--config", f->ini_path, "--threads", "1", NULL};
    assert_int_equal(parse(f, arguments), CV_OK);
    assert_int_equal(f->peers.count, 1);
    assert_string_equal(f->peers.items[0], "b=https://b");
}

static void expect_error(fixture *f, const char *const *arguments, cv_result expected,
                         const char *message)
{
    assert_int_equal(parse(f, arguments), expected);
    const char *error = strbuf_str(&f->error);
    if (strstr(error, message) == NULL)
        fail_msg("error \"%s\" does not contain \"%s\"", error, message);
}

static void test_unknown_file_key_is_named(void **state)
{
    fixture *f = *state;
    write_ini(f, "listen = 0.0.0.0:445\nlisten-port = 445\n");
    const char *arguments[] = {"--config", f->ini_path, NULL};
    expect_error(f, arguments, CV_ERR_INVALID, "unknown option \"listen-port\"");
    assert_non_null(strstr(strbuf_str(&f->error), f->ini_path));
}

static void test_several_unknown_file_keys_give_one_clean_message(void **state)
{
    fixture *f = *state;
    write_ini(f, "bogus = 1\nthreads = 2\nother = 3\n");
    const char *arguments[] = {"--config", f->ini_path, NULL};
    expect_error(f, arguments, CV_ERR_INVALID, "unknown option \"bogus\"");
    /* The first problem only, not a run-on of every later one. */
    assert_null(strstr(strbuf_str(&f->error), "other"));
}

static void test_config_key_inside_file_is_rejected(void **state)
{
    fixture *f = *state;
    write_ini(f, "config = /etc/other.ini\n");
    const char *arguments[] = {"--config", f->ini_path, NULL};
    expect_error(f, arguments, CV_ERR_INVALID, "unknown option \"config\"");
}

static void test_bad_file_values_are_named(void **state)
{
    fixture *f = *state;
    write_ini(f, "threads = many\n");
    const char *arguments[] = {"--config", f->ini_path, NULL};
    expect_error(f, arguments, CV_ERR_INVALID, "--threads: expected a whole number");

    strbuf_reset(&f->error);
    write_ini(f, "plain_http = yes\n");
    expect_error(f, arguments, CV_ERR_INVALID, "--plain-http: expected true or false, got \"yes\"");

    strbuf_reset(&f->error);
    write_ini(f, "this line has no equals sign\n");
    expect_error(f, arguments, CV_ERR_INVALID, "line 1");
}

static void test_missing_file_is_named(void **state)
{
    fixture *f = *state;
    const char *arguments[] = {"--config", "/nonexistent/convene.ini", NULL};
    expect_error(f, arguments, CV_ERR_IO, "/nonexistent/convene.ini");
}

static void test_unknown_command_line_option_is_named(void **state)
{
    fixture *f = *state;
    const char *arguments[] = {"--listen", "127.0.0.1:1", "--lisen", "x", NULL};
    expect_error(f, arguments, CV_ERR_INVALID, "unknown option \"--lisen\"");
}

static void test_missing_value_is_named(void **state)
{
    fixture *f = *state;
    const char *arguments[] = {"--data-dir", NULL};
    expect_error(f, arguments, CV_ERR_INVALID, "\"--data-dir\" needs a value");
}

static void test_out_of_range_number_is_named(void **state)
{
    fixture *f = *state;
    const char *arguments[] = {"--threads", "257", NULL};
    expect_error(f, arguments, CV_ERR_INVALID,
                 "--threads: expected a whole number from 0 to 256, got \"257\"");
    strbuf_reset(&f->error);
    const char *negative[] = {"--threads=-1", NULL};
    expect_error(f, negative, CV_ERR_INVALID, "--threads");
}

static void test_stray_argument_is_named(void **state)
{
    fixture *f = *state;
    const char *arguments[] = {"--threads", "2", "extra", NULL};
    expect_error(f, arguments, CV_ERR_INVALID, "unexpected argument \"extra\"");
}

static void test_help(void **state)
{
    fixture *f = *state;
    const char *arguments[] = {"--listen", "x:1", "--help", NULL};
    assert_int_equal(parse(f, arguments), CV_ERR_NOT_FOUND);
    assert_string_equal(strbuf_str(&f->error), "");
}

static void test_string_list_helpers(void **state)
{
    (void)state;
    string_list list = {NULL, 0};
    assert_int_equal(string_list_add(&list, "a"), CV_OK);
    assert_int_equal(string_list_add(&list, "b"), CV_OK);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.items[1], "b");
    string_list_clear(&list);
    assert_int_equal(list.count, 0);
    assert_null(list.items);
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, set_up, tear_down)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_command_line_only),
        TEST(test_defaults_stay_when_not_given),
        TEST(test_file_only),
        TEST(test_command_line_wins_over_file),
        TEST(test_command_line_list_replaces_file_list),
        TEST(test_file_list_kept_without_command_line_list),
        TEST(test_unknown_file_key_is_named),
        TEST(test_several_unknown_file_keys_give_one_clean_message),
        TEST(test_config_key_inside_file_is_rejected),
        TEST(test_bad_file_values_are_named),
        TEST(test_missing_file_is_named),
        TEST(test_unknown_command_line_option_is_named),
        TEST(test_missing_value_is_named),
        TEST(test_out_of_range_number_is_named),
        TEST(test_stray_argument_is_named),
        TEST(test_help),
        cmocka_unit_test(test_string_list_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
