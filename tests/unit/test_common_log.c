/*
 * test_common_log.c - the operational log (src/common/log.c): the line
 * shape (UTC time, program, level, message), the minimum level, and that
 * control characters from request data never split or forge a line.
 * Captures stderr in a temporary file. Owns no production code.
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

#include "common/log.h"
#include "common/strbuf.h"

/* Runs `emit` with stderr redirected; returns what it wrote. */
static char *capture(void (*emit)(void))
{
    char path[] = "/tmp/convene-log-test-XXXXXX";
    int descriptor = mkstemp(path);
    assert_true(descriptor >= 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(descriptor, STDERR_FILENO) >= 0);
    emit();
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    close(descriptor);

    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    strbuf contents = STRBUF_INIT;
    char chunk[1024];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, file)) > 0)
        strbuf_append(&contents, chunk, got);
    fclose(file);
    unlink(path);
    return strbuf_detach(&contents);
}

static void emit_levels(void)
{
    log_set_program("convene-test");
    log_set_level(LOG_LEVEL_WARNING);
    log_info("not shown");
    log_warning("shown %d", 1);
    log_error("shown %s", "too");
    log_set_level(LOG_LEVEL_INFO);
}

static void test_level_and_shape(void **state)
{
    (void)state;
    char *text = capture(emit_levels);
    assert_null(strstr(text, "not shown"));
    const char *first = strstr(text, "Z convene-test warning: shown 1\n");
    const char *second = strstr(text, "Z convene-test error: shown too\n");
    assert_non_null(first);
    assert_non_null(second);
    assert_true(first < second);
    /* 2026-11-25T08:30:37.123Z */
    assert_int_equal(text[4], '-');
    assert_int_equal(text[10], 'T');
    assert_int_equal(text[19], '.');
    assert_int_equal(text[23], 'Z');
    free(text);
}

static void emit_injection(void)
{
    log_error("GET %s: failed",
              "/api/v1/x\n2026-01-01T00:00:00.000Z convene error: forged\r\x1b[2J");
}

static void test_control_characters_cannot_forge_lines(void **state)
{
    (void)state;
    char *text = capture(emit_injection);
    assert_non_null(strchr(text, '\n'));
    assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1); /* one line only */
    assert_null(strchr(text, '\r'));
    assert_null(strchr(text, '\x1b'));
    assert_non_null(strstr(
        text, "/api/v1/x\\n2026-01-01T00:00:00.000Z convene error: forged\\r\\x1B[2J: failed"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level_and_shape),
        cmocka_unit_test(test_control_characters_cannot_forge_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
