/*
 * test_common_data_dir.c - the data directory at rest (src/common/data_dir.c):
 * created 0700, a looser one tightened, a file in its place refused; the
 * lock refusing a second holder and naming the first; a missing database
 * of an earlier run refused at start; a watched file
 * noticed when deleted or replaced. Owns no production code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/data_dir.h"

#include "temp_dir.h"

static unsigned mode_of(const char *path)
{
    struct stat status;
    assert_int_equal(stat(path, &status), 0);
    return (unsigned)(status.st_mode & 07777);
}

static void test_prepare_creates_and_tightens(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/new", temp_dir);
    strbuf error = STRBUF_INIT;
    assert_int_equal(data_dir_prepare(path, "--data-dir", &error), CV_OK);
    assert_int_equal(mode_of(path), 0700);
    assert_int_equal(chmod(path, 0755), 0);
    assert_int_equal(data_dir_prepare(path, "--data-dir", &error), CV_OK);
    assert_int_equal(mode_of(path), 0700);

    snprintf(path, sizeof path, "%s/file", temp_dir);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fclose(file);
    assert_int_equal(data_dir_prepare(path, "--data-dir", &error), CV_ERR_INVALID);
    assert_non_null(strstr(strbuf_str(&error), "is not a directory"));
    strbuf_free(&error);
}

static void test_lock_refuses_a_second_holder(void **state)
{
    (void)state;
    strbuf error = STRBUF_INIT;
    int first = -1, second = -1;
    assert_int_equal(data_dir_lock(temp_dir, "x.lock", &first, &error), CV_OK);
    assert_true(first >= 0);
    /* A second open file description conflicts like a second process. */
    assert_int_equal(data_dir_lock(temp_dir, "x.lock", &second, &error), CV_ERR_CONFLICT);
    assert_int_equal(second, -1);
    char expected[64];
    snprintf(expected, sizeof expected, "(pid %ld holds", (long)getpid());
    assert_non_null(strstr(strbuf_str(&error), expected));
    data_dir_unlock(first);
    strbuf_reset(&error);
    assert_int_equal(data_dir_lock(temp_dir, "x.lock", &second, &error), CV_OK);
    char path[128];
    snprintf(path, sizeof path, "%s/x.lock", temp_dir);
    assert_int_equal(mode_of(path) & 077, 0);
    data_dir_unlock(second);
    strbuf_free(&error);
}

/* Bridge nodes share a directory (shared holders together); convene
 * migrate takes it alone (exclusive), and neither side gets in while the
 * other holds it. */
static void test_shared_holders_coexist_and_exclude_an_exclusive_one(void **state)
{
    (void)state;
    strbuf error = STRBUF_INIT;
    int one = -1, two = -1, alone = -1;
    assert_int_equal(data_dir_lock_shared(temp_dir, "b.lock", &one, &error), CV_OK);
    assert_int_equal(data_dir_lock_shared(temp_dir, "b.lock", &two, &error), CV_OK);
    assert_int_equal(data_dir_lock(temp_dir, "b.lock", &alone, &error), CV_ERR_CONFLICT);
    assert_int_equal(alone, -1);
    assert_non_null(strstr(strbuf_str(&error), "(pid unknown holds")); /* shared: no pid */
    data_dir_unlock(one);
    strbuf_reset(&error);
    assert_int_equal(data_dir_lock(temp_dir, "b.lock", &alone, &error), CV_ERR_CONFLICT);
    data_dir_unlock(two);
    strbuf_reset(&error);
    assert_int_equal(data_dir_lock(temp_dir, "b.lock", &alone, &error), CV_OK);
    assert_int_equal(data_dir_lock_shared(temp_dir, "b.lock", &one, &error), CV_ERR_CONFLICT);
    assert_int_equal(one, -1);
    data_dir_unlock(alone);
    strbuf_free(&error);
}

static void write_file(const char *path)
{
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs("data", file);
    fclose(file);
}

static void test_watch_notices_deletion_and_replacement(void **state)
{
    (void)state;
    char path[128], other[160];
    snprintf(path, sizeof path, "%s/db", temp_dir);
    snprintf(other, sizeof other, "%s/db.copy", temp_dir);
    write_file(path);
    file_watch watch;
    assert_int_equal(file_watch_start(&watch, path), CV_OK);
    assert_true(file_watch_check(&watch));
    write_file(other);
    assert_int_equal(rename(other, path), 0); /* same name, another file */
    assert_false(file_watch_check(&watch));
    file_watch_free(&watch);

    assert_int_equal(file_watch_start(&watch, path), CV_OK);
    assert_int_equal(unlink(path), 0);
    assert_false(file_watch_check(&watch));
    write_file(path); /* a new file of that name does not bring it back */
    assert_false(file_watch_check(&watch));
    file_watch_free(&watch);

    file_watch unwatched = {0};
    assert_true(file_watch_check(&unwatched));
    assert_int_equal(file_watch_start(&watch, "/nonexistent/db"), CV_ERR_IO);
}

static void test_a_lost_database_is_noticed_at_start(void **state)
{
    (void)state;
    char path[128];
    strbuf error = STRBUF_INIT;
    /* A first start: neither file. */
    assert_int_equal(data_dir_check_not_lost(temp_dir, "d.lock", "d.db", &error), CV_OK);
    snprintf(path, sizeof path, "%s/d.lock", temp_dir);
    write_file(path);
    assert_int_equal(data_dir_check_not_lost(temp_dir, "d.lock", "d.db", &error), CV_ERR_NOT_FOUND);
    assert_non_null(strstr(strbuf_str(&error), "d.db is missing although"));
    snprintf(path, sizeof path, "%s/d.db", temp_dir);
    write_file(path);
    assert_int_equal(data_dir_check_not_lost(temp_dir, "d.lock", "d.db", &error), CV_OK);
    strbuf_free(&error);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_prepare_creates_and_tightens, temp_dir_set_up,
                                        temp_dir_tear_down),
        cmocka_unit_test_setup_teardown(test_lock_refuses_a_second_holder, temp_dir_set_up,
                                        temp_dir_tear_down),
        cmocka_unit_test_setup_teardown(test_shared_holders_coexist_and_exclude_an_exclusive_one,
                                        temp_dir_set_up, temp_dir_tear_down),
        cmocka_unit_test_setup_teardown(test_watch_notices_deletion_and_replacement,
                                        temp_dir_set_up, temp_dir_tear_down),
        cmocka_unit_test_setup_teardown(test_a_lost_database_is_noticed_at_start, temp_dir_set_up,
                                        temp_dir_tear_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
