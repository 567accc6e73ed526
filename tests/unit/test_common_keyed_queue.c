/* test_common_keyed_queue.c - the work queue keyed by what a job works on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/keyed_queue.h"

static void test_first_in_first_out_and_merge(void **state)
{
    (void)state;
    keyed_queue queue = KEYED_QUEUE_INIT;
    assert_true(keyed_queue_push(&queue, 1, "a", false));
    assert_true(keyed_queue_push(&queue, 1, "b", false));
    assert_true(keyed_queue_push(&queue, 1, "a", true));  /* merged into the first */
    assert_true(keyed_queue_push(&queue, 2, "a", false)); /* another kind: its own job */
    assert_int_equal(queue.count, 3);
    keyed_job job;
    assert_true(keyed_queue_take(&queue, NULL, NULL, &job));
    assert_string_equal(job.key, "a");
    assert_int_equal(job.kind, 1);
    assert_true(job.flag);
    /* "a" is busy: its second job waits, "b" comes first */
    assert_true(keyed_queue_take(&queue, NULL, NULL, &job));
    assert_string_equal(job.key, "b");
    assert_false(keyed_queue_take(&queue, NULL, NULL, &job));
    keyed_queue_release(&queue, "a");
    assert_true(keyed_queue_take(&queue, NULL, NULL, &job));
    assert_string_equal(job.key, "a");
    assert_int_equal(job.kind, 2);
    assert_false(job.flag);
    assert_int_equal(queue.count, 0);
    keyed_queue_free(&queue);
}

static bool only_kind_two(void *context, const keyed_job *job)
{
    (void)context;
    return job->kind == 2;
}

static void test_accept_filters_and_release_of_unknown_keys(void **state)
{
    (void)state;
    keyed_queue queue = KEYED_QUEUE_INIT;
    assert_true(keyed_queue_push(&queue, 1, "x", false));
    assert_true(keyed_queue_push(&queue, 2, "y", false));
    keyed_job job;
    assert_true(keyed_queue_take(&queue, only_kind_two, NULL, &job));
    assert_string_equal(job.key, "y");
    assert_false(keyed_queue_take(&queue, only_kind_two, NULL, &job));
    keyed_queue_release(&queue, "never-taken"); /* harmless */
    assert_true(keyed_queue_take(&queue, NULL, NULL, &job));
    assert_string_equal(job.key, "x");
    keyed_queue_free(&queue);
    keyed_queue_free(&queue); /* twice is fine */
}

static void test_drop_removes_only_that_job(void **state)
{
    (void)state;
    keyed_queue queue = KEYED_QUEUE_INIT;
    assert_true(keyed_queue_push(&queue, 1, "x", false));
    assert_true(keyed_queue_push(&queue, 2, "x", false));
    assert_true(keyed_queue_push(&queue, 1, "y", false));
    keyed_queue_drop(&queue, 1, "x");
    keyed_queue_drop(&queue, 3, "x"); /* none: harmless */
    assert_int_equal(queue.count, 2);
    keyed_job job;
    assert_true(keyed_queue_take(&queue, NULL, NULL, &job));
    assert_string_equal(job.key, "x");
    assert_int_equal(job.kind, 2);
    assert_true(keyed_queue_take(&queue, NULL, NULL, &job));
    assert_string_equal(job.key, "y");
    keyed_queue_free(&queue);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_in_first_out_and_merge),
        cmocka_unit_test(test_accept_filters_and_release_of_unknown_keys),
        cmocka_unit_test(test_drop_removes_only_that_job),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
