/*
 * test_common_daemon_options.c - what convened and convene-bridge share
 * about their options (src/common/daemon_options.c): a shared option keeps
 * its name, kind, placeholder and range and takes the daemon's help or
 * the shared one; groups append until the table is full, never beyond;
 * the TLS files: none with plain HTTP, given ones only together, else
 * made self-signed in the data directory once and reused. Also
 * data_dir_path. Owns no production code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/daemon_options.h"
#include "common/data_dir.h"

#include "temp_dir.h"

static void test_shared_option_shape_and_help(void **state)
{
    (void)state;
    int64_t threads = 0;
    option_spec spec = daemon_option(DAEMON_OPTION_THREADS, &threads, "workers");
    assert_string_equal(spec.name, "threads");
    assert_int_equal(spec.kind, OPTION_INTEGER);
    assert_ptr_equal(spec.target, &threads);
    assert_string_equal(spec.argument, "N");
    assert_string_equal(spec.help, "workers");
    assert_int_equal(spec.minimum, 0);
    assert_int_equal(spec.maximum, 256);

    bool plain = false;
    spec = daemon_option(DAEMON_OPTION_PLAIN_HTTP, &plain, NULL);
    assert_string_equal(spec.name, "plain-http");
    assert_int_equal(spec.kind, OPTION_FLAG);
    assert_null(spec.argument);
    assert_string_equal(spec.help, "serve plain HTTP instead of HTTPS");
}

static void test_groups_append_until_full(void **state)
{
    (void)state;
    char *listen = NULL, *data_dir = NULL;
    const option_spec group[] = {
        daemon_option(DAEMON_OPTION_LISTEN, &listen, "a"),
        daemon_option(DAEMON_OPTION_DATA_DIR, &data_dir, "b"),
    };
    option_spec table[3];
    size_t count = 0;
    assert_true(daemon_options_append(table, 3, &count, group, 2));
    assert_int_equal(count, 2);
    assert_string_equal(table[1].name, "data-dir");
    assert_false(daemon_options_append(table, 3, &count, group, 2));
    assert_int_equal(count, 2); /* nothing half-appended */
}

static void test_tls_files_plain_and_pairs(void **state)
{
    (void)state;
    char *certificate = (char *)"unset", *key = (char *)"unset";
    strbuf error = STRBUF_INIT;
    assert_int_equal(
        daemon_tls_files(true, "c.pem", NULL, temp_dir, "node", &certificate, &key, &error), CV_OK);
    assert_null(certificate);
    assert_null(key);

    assert_int_equal(
        daemon_tls_files(false, "c.pem", NULL, temp_dir, "node", &certificate, &key, &error),
        CV_ERR_INVALID);
    assert_string_equal(strbuf_str(&error), "--tls-cert and --tls-key go together");
    assert_null(certificate);

    /* Given files are taken as they are: nothing is made. */
    assert_int_equal(daemon_tls_files(false, "/given/c.pem", "/given/k.pem", temp_dir, "node",
                                      &certificate, &key, &error),
                     CV_OK);
    assert_string_equal(certificate, "/given/c.pem");
    assert_string_equal(key, "/given/k.pem");
    free(certificate);
    free(key);
    strbuf_free(&error);
}

static void test_tls_files_self_signed_in_data_dir(void **state)
{
    (void)state;
    char *certificate = NULL, *key = NULL;
    strbuf error = STRBUF_INIT;
    assert_int_equal(
        daemon_tls_files(false, NULL, NULL, temp_dir, "node", &certificate, &key, &error), CV_OK);
    char *expected = data_dir_path(temp_dir, "tls-certificate.pem");
    assert_string_equal(certificate, expected);
    free(expected);
    struct stat status;
    assert_int_equal(stat(certificate, &status), 0);
    assert_int_equal(stat(key, &status), 0);
    assert_int_equal(status.st_mode & 077, 0); /* the key is private */
    struct timespec made = status.st_mtim;
    free(certificate);
    free(key);

    /* A second start reuses them. */
    assert_int_equal(
        daemon_tls_files(false, NULL, NULL, temp_dir, "node", &certificate, &key, &error), CV_OK);
    assert_int_equal(stat(key, &status), 0);
    assert_int_equal(status.st_mtim.tv_sec, made.tv_sec);
    assert_int_equal(status.st_mtim.tv_nsec, made.tv_nsec);
    free(certificate);
    free(key);
    strbuf_free(&error);
}

static void test_data_dir_path(void **state)
{
    (void)state;
    char *path = data_dir_path("/var/lib/convened", "convened.db");
    assert_string_equal(path, "/var/lib/convened/convened.db");
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_option_shape_and_help),
        cmocka_unit_test(test_groups_append_until_full),
        cmocka_unit_test_setup_teardown(test_tls_files_plain_and_pairs, temp_dir_set_up,
                                        temp_dir_tear_down),
        cmocka_unit_test_setup_teardown(test_tls_files_self_signed_in_data_dir, temp_dir_set_up,
                                        temp_dir_tear_down),
        cmocka_unit_test(test_data_dir_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
