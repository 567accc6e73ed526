/*
 * test_common_secret_box.c - secrets sealed with a key file
 * (src/common/secret_box.c): the key file created 0600 and read back, a
 * readable-by-others or malformed one refused; a sealed text that hides
 * the secret, opens only with the same key and context, names the key
 * that sealed it, and refuses damage. Owns no production code.
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

#include "common/secret_box.h"

#include "temp_dir.h"

static void path_of(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", temp_dir, name);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
    assert_int_equal(chmod(path, mode), 0);
}

static secret_box *open_new(const char *name)
{
    char path[160];
    path_of(path, sizeof path, name);
    secret_box *box = NULL;
    bool created = false;
    strbuf error = STRBUF_INIT;
    assert_int_equal(secret_box_open(path, true, &box, &created, &error), CV_OK);
    assert_true(created);
    strbuf_free(&error);
    return box;
}

static void test_key_file_created_0600_and_read_back(void **state)
{
    (void)state;
    char path[160];
    path_of(path, sizeof path, "secrets.key");
    secret_box *first = open_new("secrets.key");
    struct stat status;
    assert_int_equal(stat(path, &status), 0);
    assert_int_equal(status.st_mode & 07777, 0600);
    assert_int_equal(status.st_size, 45); /* 44 base64 characters and a newline */

    secret_box *second = NULL;
    bool created = true;
    strbuf error = STRBUF_INIT;
    assert_int_equal(secret_box_open(path, true, &second, &created, &error), CV_OK);
    assert_false(created);
    assert_string_equal(secret_box_key_id(first), secret_box_key_id(second));

    char *sealed = NULL;
    char *plain = NULL;
    assert_int_equal(secret_box_seal(first, "s3cret", "bridge 1", &sealed), CV_OK);
    assert_int_equal(secret_box_unseal(second, sealed, "bridge 1", &plain, &error), CV_OK);
    assert_string_equal(plain, "s3cret");
    free(plain);
    free(sealed);
    secret_box_close(first);
    secret_box_close(second);
    strbuf_free(&error);
}

static void test_missing_key_file_without_create(void **state)
{
    (void)state;
    char path[160];
    path_of(path, sizeof path, "absent.key");
    secret_box *box = NULL;
    strbuf error = STRBUF_INIT;
    assert_int_equal(secret_box_open(path, false, &box, NULL, &error), CV_ERR_NOT_FOUND);
    assert_null(box);
    assert_non_null(strstr(strbuf_str(&error), path));
    assert_int_equal(access(path, F_OK), -1);
    strbuf_free(&error);
}

static void test_bad_key_files_refused(void **state)
{
    (void)state;
    char path[160];
    path_of(path, sizeof path, "bad.key");
    secret_box *box = NULL;
    strbuf error = STRBUF_INIT;
    const char *bad[] = {
        "",
        "not base64 at all\n",
        "c2hvcnQ=\n",                                             /* 5 bytes */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nX\n",      /* a second line */
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", /* 39 bytes */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unlink(path);
        write_file(path, bad[i], 0600);
        strbuf_reset(&error);
        assert_int_equal(secret_box_open(path, true, &box, NULL, &error), CV_ERR_INVALID);
        assert_null(box);
        assert_non_null(strstr(strbuf_str(&error), "does not hold a key"));
    }

    /* A good key that others may read is refused, and left as it was. */
    unlink(path);
    write_file(path, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 0644);
    strbuf_reset(&error);
    assert_int_equal(secret_box_open(path, true, &box, NULL, &error), CV_ERR_INVALID);
    assert_non_null(strstr(strbuf_str(&error), "chmod 600"));
    assert_int_equal(chmod(path, 0600), 0);
    strbuf_reset(&error);
    assert_int_equal(secret_box_open(path, true, &box, NULL, &error), CV_OK);
    secret_box_close(box);
    strbuf_free(&error);
}

static void test_sealed_text_hides_and_names_its_key(void **state)
{
    (void)state;
    secret_box *box = open_new("a.key");
    char *first = NULL;
    char *second = NULL;
    assert_int_equal(secret_box_seal(box, "hunter2-password", NULL, &first), CV_OK);
    assert_int_equal(secret_box_seal(box, "hunter2-password", NULL, &second), CV_OK);
    assert_null(strstr(first, "hunter2"));
    assert_string_not_equal(first, second); /* a fresh nonce every time */
    assert_true(secret_box_is_sealed(first));
    assert_true(secret_box_sealed_by(box, first));
    assert_false(secret_box_is_sealed("hunter2-password"));
    assert_false(secret_box_sealed_by(box, "hunter2-password"));
    char head[32];
    snprintf(head, sizeof head, "sb1:%s:", secret_box_key_id(box));
    assert_memory_equal(first, head, strlen(head));
    for (const char *c = first; *c; c++) {
        assert_true(*c > ' ' && *c < 127); /* printable, one token */
    }

    char *plain = NULL;
    strbuf error = STRBUF_INIT;
    assert_int_equal(secret_box_unseal(box, first, NULL, &plain, &error), CV_OK);
    assert_string_equal(plain, "hunter2-password");
    free(plain);

    char *empty = NULL;
    assert_int_equal(secret_box_seal(box, "", NULL, &empty), CV_OK);
    assert_int_equal(secret_box_unseal(box, empty, NULL, &plain, &error), CV_OK);
    assert_string_equal(plain, "");
    free(plain);
    free(empty);
    free(first);
    free(second);
    secret_box_close(box);
    strbuf_free(&error);
}

static void test_wrong_key_named_not_garbage(void **state)
{
    (void)state;
    secret_box *old_key = open_new("old.key");
    secret_box *new_key = open_new("new.key");
    assert_string_not_equal(secret_box_key_id(old_key), secret_box_key_id(new_key));
    char *sealed = NULL;
    assert_int_equal(secret_box_seal(old_key, "pw", "ctx", &sealed), CV_OK);
    assert_false(secret_box_sealed_by(new_key, sealed));

    char *plain = NULL;
    strbuf error = STRBUF_INIT;
    assert_int_equal(secret_box_unseal(new_key, sealed, "ctx", &plain, &error), CV_ERR_AUTH);
    assert_null(plain);
    assert_non_null(strstr(strbuf_str(&error), secret_box_key_id(old_key)));
    assert_non_null(strstr(strbuf_str(&error), secret_box_key_id(new_key)));

    /* The same key under the wrong context (a text moved to another row). */
    strbuf_reset(&error);
    assert_int_equal(secret_box_unseal(old_key, sealed, "other", &plain, &error), CV_ERR_AUTH);
    assert_null(plain);
    free(sealed);
    secret_box_close(old_key);
    secret_box_close(new_key);
    strbuf_free(&error);
}

static void test_damaged_sealed_text_refused(void **state)
{
    (void)state;
    secret_box *box = open_new("d.key");
    char *sealed = NULL;
    assert_int_equal(secret_box_seal(box, "password", NULL, &sealed), CV_OK);
    char *plain = NULL;
    strbuf error = STRBUF_INIT;

    size_t last = strlen(sealed) - 3; /* inside the tag, before any '=' padding */
    sealed[last] = sealed[last] == 'A' ? 'B' : 'A';
    assert_int_equal(secret_box_unseal(box, sealed, NULL, &plain, &error), CV_ERR_AUTH);
    assert_null(plain);

    const char *malformed[] = {"", "password", "sb1:", "sb1:zzzzzzzz:AAAA", "sb1:0011:AAAA"};
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        strbuf_reset(&error);
        assert_int_equal(secret_box_unseal(box, malformed[i], NULL, &plain, &error),
                         CV_ERR_INVALID);
    }
    char short_text[64];
    snprintf(short_text, sizeof short_text, "sb1:%s:AAAA", secret_box_key_id(box));
    assert_int_equal(secret_box_unseal(box, short_text, NULL, &plain, &error), CV_ERR_INVALID);
    snprintf(short_text, sizeof short_text, "sb1:%s:!!!!", secret_box_key_id(box));
    assert_int_equal(secret_box_unseal(box, short_text, NULL, &plain, &error), CV_ERR_INVALID);
    assert_null(plain);
    free(sealed);
    secret_box_close(box);
    strbuf_free(&error);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_key_file_created_0600_and_read_back, temp_dir_set_up,
                                        temp_dir_tear_down),
        cmocka_unit_test_setup_teardown(test_missing_key_file_without_create, temp_dir_set_up,
                                        temp_dir_tear_down),
        cmocka_unit_test_setup_teardown(test_bad_key_files_refused, temp_dir_set_up,
                                        temp_dir_tear_down),
        cmocka_unit_test_setup_teardown(test_sealed_text_hides_and_names_its_key, temp_dir_set_up,
                                        temp_dir_tear_down),
        cmocka_unit_test_setup_teardown(test_wrong_key_named_not_garbage, temp_dir_set_up,
                                        temp_dir_tear_down),
        cmocka_unit_test_setup_teardown(test_damaged_sealed_text_refused, temp_dir_set_up,
                                        temp_dir_tear_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
