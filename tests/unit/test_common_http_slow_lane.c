/*
 * test_common_http_slow_lane.c - the queue and threads of slow requests
 * (src/common/http_slow_lane.c): jobs run first in, first out; a full
 * queue refuses at once; stopping cancels the jobs not started and waits
 * for the running one. The suspended connections around it are exercised
 * over real sockets by tests/integration/test_security_bridge_probes.py.
 * Owns no production code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "common/http_slow_lane.h"

/* What the jobs of one test share; `lock` guards every field. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    bool blocker_running, blocker_released;
    int order[8]; /* the `number` of each job run, in order */
    int ran, cancelled;
} board;

typedef struct {
    board *shared;
    int number;
    bool blocks; /* waits until the test releases it */
} test_job;

static void run_job(void *argument)
{
    test_job *job = argument;
    board *shared = job->shared;
    pthread_mutex_lock(&shared->lock);
    if (job->blocks) {
        shared->blocker_running = true;
        pthread_cond_broadcast(&shared->changed);
        while (!shared->blocker_released)
            pthread_cond_wait(&shared->changed, &shared->lock);
    }
    shared->order[shared->ran++] = job->number;
    pthread_cond_broadcast(&shared->changed);
    pthread_mutex_unlock(&shared->lock);
}

static void cancel_job(void *argument)
{
    test_job *job = argument;
    pthread_mutex_lock(&job->shared->lock);
    job->shared->cancelled++;
    pthread_cond_broadcast(&job->shared->changed);
    pthread_mutex_unlock(&job->shared->lock);
}

static void board_init(board *shared)
{
    memset(shared, 0, sizeof *shared);
    pthread_mutex_init(&shared->lock, NULL);
    pthread_cond_init(&shared->changed, NULL);
}

/* Waits (no fixed sleep) until *field reaches `value`. */
static void wait_until(board *shared, const int *field, int value)
{
    pthread_mutex_lock(&shared->lock);
    while (*field < value)
        pthread_cond_wait(&shared->changed, &shared->lock);
    pthread_mutex_unlock(&shared->lock);
}

static void start_blocker(http_slow_lane *lane, board *shared, test_job *blocker)
{
    *blocker = (test_job){shared, 0, true};
    assert_int_equal(http_slow_lane_push(lane, (http_slow_job){run_job, cancel_job, blocker}),
                     CV_OK);
    pthread_mutex_lock(&shared->lock);
    while (!shared->blocker_running)
        pthread_cond_wait(&shared->changed, &shared->lock);
    pthread_mutex_unlock(&shared->lock);
}

static void release_blocker(board *shared)
{
    pthread_mutex_lock(&shared->lock);
    shared->blocker_released = true;
    pthread_cond_broadcast(&shared->changed);
    pthread_mutex_unlock(&shared->lock);
}

static void test_fifo_and_bounded_queue(void **state)
{
    (void)state;
    board shared;
    board_init(&shared);
    http_slow_lane *lane = NULL;
    assert_int_equal(http_slow_lane_start(1, 2, &lane), CV_OK);
    test_job blocker, first = {&shared, 1, false}, second = {&shared, 2, false};
    test_job refused = {&shared, 3, false};
    start_blocker(lane, &shared, &blocker);
    assert_int_equal(http_slow_lane_push(lane, (http_slow_job){run_job, cancel_job, &first}),
                     CV_OK);
    assert_int_equal(http_slow_lane_push(lane, (http_slow_job){run_job, cancel_job, &second}),
                     CV_OK);
    /* Two wait already: the third is refused at once, and never run. */
    assert_int_equal(http_slow_lane_push(lane, (http_slow_job){run_job, cancel_job, &refused}),
                     CV_ERR_BUSY);
    release_blocker(&shared);
    wait_until(&shared, &shared.ran, 3);
    http_slow_lane_stop(lane);
    assert_int_equal(shared.ran, 3);
    assert_int_equal(shared.cancelled, 0);
    assert_int_equal(shared.order[0], 0);
    assert_int_equal(shared.order[1], 1);
    assert_int_equal(shared.order[2], 2);
}

typedef struct {
    http_slow_lane *lane;
} stopper;

static void *stop_lane(void *argument)
{
    http_slow_lane_stop(((stopper *)argument)->lane);
    return NULL;
}

static void test_stop_cancels_waiting_jobs(void **state)
{
    (void)state;
    board shared;
    board_init(&shared);
    http_slow_lane *lane = NULL;
    assert_int_equal(http_slow_lane_start(1, 4, &lane), CV_OK);
    test_job blocker, first = {&shared, 1, false}, second = {&shared, 2, false};
    start_blocker(lane, &shared, &blocker);
    assert_int_equal(http_slow_lane_push(lane, (http_slow_job){run_job, cancel_job, &first}),
                     CV_OK);
    assert_int_equal(http_slow_lane_push(lane, (http_slow_job){run_job, cancel_job, &second}),
                     CV_OK);
    stopper stopping = {lane};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, stop_lane, &stopping), 0);
    /* The waiting jobs are cancelled while the running one still runs. */
    wait_until(&shared, &shared.cancelled, 2);
    assert_int_equal(shared.ran, 0);
    release_blocker(&shared);
    pthread_join(thread, NULL);
    assert_int_equal(shared.ran, 1);
    assert_int_equal(shared.cancelled, 2);
}

static void test_bad_sizes_refused(void **state)
{
    (void)state;
    http_slow_lane *lane = (http_slow_lane *)1;
    assert_int_equal(http_slow_lane_start(0, 4, &lane), CV_ERR_INVALID);
    assert_null(lane);
    assert_int_equal(http_slow_lane_start(4, 0, &lane), CV_ERR_INVALID);
    http_slow_lane_stop(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_and_bounded_queue),
        cmocka_unit_test(test_stop_cancels_waiting_jobs),
        cmocka_unit_test(test_bad_sizes_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
