/*
 * test_common_strbuf.c - the growable string buffer (src/common/strbuf.c):
 * appends of every kind, growth across many reallocations, bytes with
 * embedded NULs, reset, detach, and the sticky failure state when a size
 * cannot be represented. Owns no production code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

static void test_empty_buffer(void **state)
{
    (void)state;
    strbuf buffer = STRBUF_INIT;
    assert_string_equal(strbuf_str(&buffer), "");
    assert_int_equal(buffer.length, 0);
    assert_int_equal(strbuf_status(&buffer), CV_OK);
    strbuf_reset(&buffer); /* harmless before the first append */
    char *detached = strbuf_detach(&buffer);
    assert_non_null(detached);
    assert_string_equal(detached, "");
    free(detached);
    strbuf_free(&buffer);
}

static void test_appends(void **state)
{
    (void)state;
    strbuf buffer;
    strbuf_init(&buffer);
    assert_int_equal(strbuf_append_str(&buffer, "<coSpaces"), CV_OK);
    assert_int_equal(strbuf_printf(&buffer, " total=\"%d\"", 3), CV_OK);
    assert_int_equal(strbuf_append_char(&buffer, '>'), CV_OK);
    assert_int_equal(strbuf_append(&buffer, "</coSpaces>xyz", 11), CV_OK);
    assert_int_equal(strbuf_append(&buffer, NULL, 0), CV_OK);
    assert_string_equal(strbuf_str(&buffer), "<coSpaces total=\"3\"></coSpaces>");
    assert_int_equal(buffer.length, strlen("<coSpaces total=\"3\"></coSpaces>"));
    assert_true(buffer.capacity > buffer.length);
    strbuf_free(&buffer);
    assert_null(buffer.data);
    assert_int_equal(buffer.length, 0);
}

static void test_growth_keeps_contents(void **state)
{
    (void)state;
    strbuf buffer = STRBUF_INIT;
    for (int i = 0; i < 20000; i++)
        assert_int_equal(strbuf_printf(&buffer, "%05d,", i), CV_OK);
    assert_int_equal(buffer.length, 20000 * 6);
    assert_int_equal(strlen(buffer.data), buffer.length);
    assert_memory_equal(buffer.data, "00000,00001,", 12);
    assert_memory_equal(buffer.data + buffer.length - 6, "19999,", 6);

    /* One long formatted piece at once. */
    strbuf_reset(&buffer);
    char long_text[5000];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    assert_int_equal(strbuf_printf(&buffer, "[%s]", long_text), CV_OK);
    assert_int_equal(buffer.length, sizeof long_text + 1);
    assert_int_equal(buffer.data[buffer.length - 1], ']');
    assert_int_equal(buffer.data[buffer.length], '\0');
    strbuf_free(&buffer);
}

static void test_embedded_nul_bytes(void **state)
{
    (void)state;
    strbuf buffer = STRBUF_INIT;
    assert_int_equal(strbuf_append(&buffer, "a\0b", 3), CV_OK);
    assert_int_equal(buffer.length, 3);
    assert_memory_equal(buffer.data, "a\0b", 4); /* and still NUL-terminated */
    strbuf_free(&buffer);
}

static void test_reset_keeps_memory(void **state)
{
    (void)state;
    strbuf buffer = STRBUF_INIT;
    strbuf_append_str(&buffer, "some text that is long enough");
    size_t capacity = buffer.capacity;
    char *data = buffer.data;
    strbuf_reset(&buffer);
    assert_int_equal(buffer.length, 0);
    assert_string_equal(strbuf_str(&buffer), "");
    assert_int_equal(buffer.capacity, capacity);
    assert_ptr_equal(buffer.data, data);
    strbuf_append_str(&buffer, "again");
    assert_string_equal(strbuf_str(&buffer), "again");
    strbuf_free(&buffer);
}

static void test_detach_hands_over(void **state)
{
    (void)state;
    strbuf buffer = STRBUF_INIT;
    strbuf_append_str(&buffer, "mine");
    char *detached = strbuf_detach(&buffer);
    assert_string_equal(detached, "mine");
    assert_null(buffer.data);
    assert_int_equal(buffer.length, 0);
    assert_int_equal(buffer.capacity, 0);
    strbuf_append_str(&buffer, "new");
    assert_string_equal(strbuf_str(&buffer), "new");
    assert_string_equal(detached, "mine");
    free(detached);
    strbuf_free(&buffer);
}

static void test_impossible_size_fails_and_sticks(void **state)
{
    (void)state;
    strbuf buffer = STRBUF_INIT;
    strbuf_append_str(&buffer, "kept");
    assert_int_equal(strbuf_reserve(&buffer, SIZE_MAX), CV_ERR_NO_MEMORY);
    assert_int_equal(strbuf_status(&buffer), CV_ERR_NO_MEMORY);
    /* The contents are unchanged, and later appends fail too. */
    assert_string_equal(strbuf_str(&buffer), "kept");
    assert_int_equal(strbuf_append_str(&buffer, "more"), CV_ERR_NO_MEMORY);
    assert_int_equal(strbuf_printf(&buffer, "%d", 1), CV_ERR_NO_MEMORY);
    assert_string_equal(strbuf_str(&buffer), "kept");
    /* Reset clears the failure. */
    strbuf_reset(&buffer);
    assert_int_equal(strbuf_status(&buffer), CV_OK);
    assert_int_equal(strbuf_append_str(&buffer, "ok"), CV_OK);
    assert_string_equal(strbuf_str(&buffer), "ok");
    strbuf_free(&buffer);

    /* On an empty buffer too: the size check comes before any allocation. */
    strbuf other = STRBUF_INIT;
    assert_int_equal(strbuf_append(&other, "x", SIZE_MAX), CV_ERR_NO_MEMORY);
    assert_int_equal(strbuf_status(&other), CV_ERR_NO_MEMORY);
    assert_string_equal(strbuf_str(&other), "");
    strbuf_free(&other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_buffer),
        cmocka_unit_test(test_appends),
        cmocka_unit_test(test_growth_keeps_contents),
        cmocka_unit_test(test_embedded_nul_bytes),
        cmocka_unit_test(test_reset_keeps_memory),
        cmocka_unit_test(test_detach_hands_over),
        cmocka_unit_test(test_impossible_size_fails_and_sticks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
