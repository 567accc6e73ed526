/*
 * test_scheduler_timers.c - the timer thread: order, immediacy of past
 * instants, cancellation, and wall-clock jumps in both directions (with a
 * fake realtime clock that the test moves while the thread sleeps on the
 * monotonic clock).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scheduler/timers.h"

typedef struct {
    pthread_mutex_t lock;
    char fired[16][TIMER_KEY_SIZE];
    int tags[16];
    int64_t fired_at_ms[16];
    int count;
} firing_log;

static void record(void *context, const char *key, int tag)
{
    firing_log *log = context;
    pthread_mutex_lock(&log->lock);
    if (log->count < 16) {
        strcpy(log->fired[log->count], key);
        log->tags[log->count] = tag;
        log->fired_at_ms[log->count] = timer_realtime_now_ms();
        log->count++;
    }
    pthread_mutex_unlock(&log->lock);
}

static int fired_count(firing_log *log)
{
    pthread_mutex_lock(&log->lock);
    int count = log->count;
    pthread_mutex_unlock(&log->lock);
    return count;
}

/* Polls for up to `timeout_ms` until `count` timers fired. */
static int wait_for_count(firing_log *log, int count, int64_t timeout_ms)
{
    int64_t deadline = timer_monotonic_now_ms() + timeout_ms;
    while (fired_count(log) < count && timer_monotonic_now_ms() < deadline) {
        struct timespec pause = {0, 2 * 1000000};
        nanosleep(&pause, NULL);
    }
    return fired_count(log);
}

/* A realtime clock the test can jump: the system clock plus an offset. */
static _Atomic int64_t fake_offset_ms;
static int64_t fake_realtime(void *context)
{
    (void)context;
    return timer_realtime_now_ms() + atomic_load(&fake_offset_ms);
}

static void test_fires_in_order_and_on_time(void **state)
{
    (void)state;
    firing_log log = {.lock = PTHREAD_MUTEX_INITIALIZER};
    timer_service *service = NULL;
    assert_int_equal(timer_service_start(NULL, &service), CV_OK);
    int64_t now = timer_realtime_now_ms();
    assert_int_equal(timer_schedule(service, now + 150, record, &log, "second", 2, NULL), CV_OK);
    assert_int_equal(timer_schedule(service, now + 50, record, &log, "first", 1, NULL), CV_OK);
    assert_int_equal(timer_schedule(service, now + 150, record, &log, "third", 3, NULL), CV_OK);
    assert_int_equal(wait_for_count(&log, 3, 3000), 3);
    assert_string_equal(log.fired[0], "first");
    assert_string_equal(log.fired[1], "second");
    assert_string_equal(log.fired[2], "third");
    assert_int_equal(log.tags[0], 1);
    /* never early, and well within the one-second promise */
    assert_true(log.fired_at_ms[0] >= now + 50);
    assert_true(log.fired_at_ms[0] < now + 50 + 200);
    assert_true(log.fired_at_ms[2] >= now + 150);
    assert_int_equal(timer_pending_count(service), 0);
    timer_service_stop(service);
}

static void test_past_instant_fires_at_once(void **state)
{
    (void)state;
    firing_log log = {.lock = PTHREAD_MUTEX_INITIALIZER};
    timer_service *service = NULL;
    assert_int_equal(timer_service_start(NULL, &service), CV_OK);
    int64_t now = timer_realtime_now_ms();
    assert_int_equal(timer_schedule(service, now - 60000, record, &log, "late", 0, NULL), CV_OK);
    assert_int_equal(wait_for_count(&log, 1, 1000), 1);
    assert_true(log.fired_at_ms[0] - now < 200);
    timer_service_stop(service);
}

static void test_cancel_by_key_and_tag(void **state)
{
    (void)state;
    firing_log log = {.lock = PTHREAD_MUTEX_INITIALIZER};
    timer_service *service = NULL;
    assert_int_equal(timer_service_start(NULL, &service), CV_OK);
    int64_t now = timer_realtime_now_ms();
    for (int index = 0; index < 50; index++)
        assert_int_equal(
            timer_schedule(service, now + 100000 + index, record, &log, "other", 0, NULL), CV_OK);
    assert_int_equal(timer_schedule(service, now + 100, record, &log, "meeting", 1, NULL), CV_OK);
    assert_int_equal(timer_schedule(service, now + 120, record, &log, "meeting", 2, NULL), CV_OK);
    assert_int_equal(timer_schedule(service, now + 140, record, &log, "keep", 1, NULL), CV_OK);
    assert_int_equal(timer_cancel(service, "meeting", 1), 1);
    assert_int_equal(timer_cancel(service, "meeting", -1), 1);
    assert_int_equal(timer_cancel(service, "absent", -1), 0);
    assert_int_equal(timer_pending_count(service), 51);
    assert_int_equal(wait_for_count(&log, 1, 2000), 1);
    assert_string_equal(log.fired[0], "keep");
    assert_int_equal(timer_cancel(service, "other", -1), 50);
    assert_int_equal(timer_pending_count(service), 0);
    timer_service_stop(service);
}

static void test_rejects_bad_arguments(void **state)
{
    (void)state;
    timer_service *service = NULL;
    assert_int_equal(timer_service_start(NULL, &service), CV_OK);
    char long_key[TIMER_KEY_SIZE + 4];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    assert_int_equal(timer_schedule(service, 0, record, NULL, long_key, 0, NULL), CV_ERR_INVALID);
    assert_int_equal(timer_schedule(service, 0, NULL, NULL, "key", 0, NULL), CV_ERR_INVALID);
    timer_service_stop(service);
}

static void test_backward_jump_does_not_fire_early(void **state)
{
    (void)state;
    firing_log log = {.lock = PTHREAD_MUTEX_INITIALIZER};
    atomic_store(&fake_offset_ms, 0);
    timer_clock clock = {fake_realtime, NULL};
    timer_options options = {.check_interval_ms = 50, .clock = &clock};
    timer_service *service = NULL;
    assert_int_equal(timer_service_start(&options, &service), CV_OK);
    int64_t instant = fake_realtime(NULL) + 300;
    assert_int_equal(timer_schedule(service, instant, record, &log, "meeting", 0, NULL), CV_OK);
    /* The wall clock steps back one hour: the instant is an hour away
     * again, even though the monotonic deadline computed before passes. */
    atomic_store(&fake_offset_ms, -3600 * 1000);
    assert_int_equal(wait_for_count(&log, 1, 800), 0);
    /* It steps forward again: the instant is now past, so it fires
     * within the check interval. */
    atomic_store(&fake_offset_ms, 0);
    int64_t stepped = timer_monotonic_now_ms();
    assert_int_equal(wait_for_count(&log, 1, 1000), 1);
    assert_true(timer_monotonic_now_ms() - stepped < 1000);
    timer_service_stop(service);
}

static void test_forward_jump_fires_due_only(void **state)
{
    (void)state;
    firing_log log = {.lock = PTHREAD_MUTEX_INITIALIZER};
    atomic_store(&fake_offset_ms, 0);
    timer_clock clock = {fake_realtime, NULL};
    timer_options options = {.check_interval_ms = 50, .clock = &clock};
    timer_service *service = NULL;
    assert_int_equal(timer_service_start(&options, &service), CV_OK);
    int64_t now = fake_realtime(NULL);
    assert_int_equal(timer_schedule(service, now + 60000, record, &log, "in-a-minute", 0, NULL),
                     CV_OK);
    assert_int_equal(timer_schedule(service, now + 3600000, record, &log, "in-an-hour", 0, NULL),
                     CV_OK);
    /* Two minutes pass on the wall clock in an instant: only the timer
     * whose instant passed fires, promptly; the other stays pending. */
    atomic_store(&fake_offset_ms, 120000);
    assert_int_equal(wait_for_count(&log, 1, 1000), 1);
    assert_string_equal(log.fired[0], "in-a-minute");
    assert_int_equal(wait_for_count(&log, 2, 200), 1);
    assert_int_equal(timer_pending_count(service), 1);
    timer_service_stop(service);
}

/* Many timers: they fire in instant order, and cancelling by key removes
 * exactly that key's timers wherever they sit in the heap. */
typedef struct {
    pthread_mutex_t lock;
    long long last_instant;
    int fired;
    int out_of_order;
} order_log;

static void record_order(void *context, const char *key, int tag)
{
    (void)tag;
    order_log *log = context;
    long long instant = atoll(key);
    pthread_mutex_lock(&log->lock);
    if (instant < log->last_instant)
        log->out_of_order++;
    log->last_instant = instant;
    log->fired++;
    pthread_mutex_unlock(&log->lock);
}

static void test_many_timers_and_cancellation(void **state)
{
    (void)state;
    order_log log = {.lock = PTHREAD_MUTEX_INITIALIZER};
    timer_service *service = NULL;
    assert_int_equal(timer_service_start(NULL, &service), CV_OK);
    int64_t now = timer_realtime_now_ms();
    unsigned seed = 7;
    enum { COUNT = 3000 };
    char keys[COUNT][TIMER_KEY_SIZE];
    for (int index = 0; index < COUNT; index++) {
        int64_t instant = now + 200 + (int64_t)(rand_r(&seed) % 300);
        snprintf(keys[index], sizeof keys[index], "%lld-%d", (long long)instant, index);
        assert_int_equal(
            timer_schedule(service, instant, record_order, &log, keys[index], index % 3, NULL),
            CV_OK);
    }
    size_t cancelled = 0;
    for (int index = 0; index < COUNT; index += 2)
        cancelled += timer_cancel(service, keys[index], -1);
    assert_int_equal(cancelled, COUNT / 2);
    assert_int_equal(timer_pending_count(service), COUNT - COUNT / 2);
    int64_t deadline = timer_monotonic_now_ms() + 15000;
    for (;;) {
        pthread_mutex_lock(&log.lock);
        int fired = log.fired;
        pthread_mutex_unlock(&log.lock);
        if (fired == COUNT - COUNT / 2 || timer_monotonic_now_ms() > deadline)
            break;
        struct timespec pause = {0, 5 * 1000000};
        nanosleep(&pause, NULL);
    }
    assert_int_equal(log.fired, COUNT - COUNT / 2);
    assert_int_equal(log.out_of_order, 0);
    assert_int_equal(timer_pending_count(service), 0);
    timer_service_stop(service);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fires_in_order_and_on_time),
        cmocka_unit_test(test_past_instant_fires_at_once),
        cmocka_unit_test(test_cancel_by_key_and_tag),
        cmocka_unit_test(test_rejects_bad_arguments),
        cmocka_unit_test(test_backward_jump_does_not_fire_early),
        cmocka_unit_test(test_forward_jump_fires_due_only),
        cmocka_unit_test(test_many_timers_and_cancellation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
