/*
 * test_scheduler_outbox.c - the e-mail delivery loop (outbox.c) over a
 * fake store: the retry schedule, a server that cannot be reached (the
 * message waits, attempts counted, never marked sent), and stopping.
 * Delivery to a real server: test_scheduler_calendar_mail.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scheduler/outbox.h"

/* One message in a fake store; `lock` guards every field. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t recorded;
    int retries, sent, failed;
    int64_t attempts, next_attempt;
    char problem[OUTBOX_PROBLEM_SIZE];
} fake_store;

static cv_result fake_due(void *context, int64_t now, size_t max, outbox_item **items,
                          size_t *count)
{
    fake_store *store = context;
    *items = NULL;
    *count = 0;
    pthread_mutex_lock(&store->lock);
    bool due = store->sent == 0 && store->failed == 0 && store->next_attempt <= now && max > 0;
    int64_t attempts = store->attempts;
    pthread_mutex_unlock(&store->lock);
    if (!due)
        return CV_OK;
    *items = calloc(1, sizeof **items);
    **items = (outbox_item){7, strdup("convene@example.com"), strdup("bo@example.com"),
                            strdup("Subject: x\r\n\r\nx\r\n"), attempts};
    *count = 1;
    return CV_OK;
}

static cv_result fake_sent(void *context, int64_t id, int64_t now)
{
    (void)id;
    (void)now;
    fake_store *store = context;
    pthread_mutex_lock(&store->lock);
    store->sent++;
    pthread_cond_broadcast(&store->recorded);
    pthread_mutex_unlock(&store->lock);
    return CV_OK;
}

static cv_result fake_retry(void *context, int64_t id, int64_t next_attempt, const char *problem)
{
    assert_int_equal(id, 7);
    fake_store *store = context;
    pthread_mutex_lock(&store->lock);
    store->retries++;
    store->attempts++;
    store->next_attempt = next_attempt;
    snprintf(store->problem, sizeof store->problem, "%s", problem);
    pthread_cond_broadcast(&store->recorded);
    pthread_mutex_unlock(&store->lock);
    return CV_OK;
}

static cv_result fake_failed(void *context, int64_t id, const char *problem)
{
    (void)id;
    (void)problem;
    fake_store *store = context;
    pthread_mutex_lock(&store->lock);
    store->failed++;
    pthread_cond_broadcast(&store->recorded);
    pthread_mutex_unlock(&store->lock);
    return CV_OK;
}

static cv_result fake_next_due(void *context, int64_t *when)
{
    fake_store *store = context;
    pthread_mutex_lock(&store->lock);
    *when = store->sent || store->failed ? -1 : store->next_attempt;
    pthread_mutex_unlock(&store->lock);
    return CV_OK;
}

static void retries_back_off_up_to_an_hour(void **state)
{
    (void)state;
    assert_int_equal(outbox_retry_delay(0, 1), 15);
    assert_int_equal(outbox_retry_delay(0, 2), 30);
    assert_int_equal(outbox_retry_delay(0, 3), 60);
    assert_int_equal(outbox_retry_delay(0, 9), 3600);
    assert_int_equal(outbox_retry_delay(0, 1000), 3600);
    assert_int_equal(outbox_retry_delay(2, 3), 8);
}

static void an_unreachable_server_delays_and_keeps_the_message(void **state)
{
    (void)state;
    fake_store store = {.next_attempt = 0};
    pthread_mutex_init(&store.lock, NULL);
    pthread_cond_init(&store.recorded, NULL);
    /* port 1 on loopback: nothing listens */
    smtp_settings settings = {"smtp://127.0.0.1:1", NULL, NULL, SMTP_STARTTLS_IF_OFFERED, 5};
    outbox_backend backend = {fake_due, fake_sent, fake_retry, fake_failed, fake_next_due, &store};
    outbox_pacing pacing = {.poll_seconds = 3600, .retry_first = 1};
    outbox *sender = NULL;
    int64_t started = (int64_t)time(NULL);
    assert_int_equal(outbox_start(&settings, &backend, &pacing, &sender), CV_OK);
    pthread_mutex_lock(&store.lock);
    struct timespec deadline = {time(NULL) + 30, 0};
    while (store.retries < 2)
        if (pthread_cond_timedwait(&store.recorded, &store.lock, &deadline) != 0)
            break;
    int retries = store.retries, sent = store.sent, failed = store.failed;
    int64_t next = store.next_attempt;
    pthread_mutex_unlock(&store.lock);
    /* the second retry was scheduled 2 s after the second attempt */
    assert_int_equal(retries, 2);
    assert_int_equal(sent + failed, 0);
    assert_true(next >= started + 1 + 2);
    assert_non_null(strstr(store.problem, "127.0.0.1"));
    outbox_wake(sender);
    outbox_stop(sender);
    outbox_stop(NULL);
    pthread_cond_destroy(&store.recorded);
    pthread_mutex_destroy(&store.lock);
}

/* may_send of a node that does not lead: counts the questions. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t asked_again;
    int asked;
} refusal;

static bool never_send(void *context)
{
    refusal *gate = context;
    pthread_mutex_lock(&gate->lock);
    gate->asked++;
    pthread_cond_broadcast(&gate->asked_again);
    pthread_mutex_unlock(&gate->lock);
    return false;
}

static void nothing_is_sent_while_may_send_says_no(void **state)
{
    (void)state;
    fake_store store = {.next_attempt = 0};
    pthread_mutex_init(&store.lock, NULL);
    pthread_cond_init(&store.recorded, NULL);
    refusal gate = {.asked = 0};
    pthread_mutex_init(&gate.lock, NULL);
    pthread_cond_init(&gate.asked_again, NULL);
    smtp_settings settings = {"smtp://127.0.0.1:1", NULL, NULL, SMTP_STARTTLS_IF_OFFERED, 5};
    outbox_backend backend = {fake_due, fake_sent, fake_retry, fake_failed, fake_next_due, &store};
    outbox_pacing pacing = {
        .poll_seconds = 3600, .retry_first = 1, .may_send = never_send, .may_send_context = &gate};
    outbox *sender = NULL;
    assert_int_equal(outbox_start(&settings, &backend, &pacing, &sender), CV_OK);
    /* a message is due; the loop asks, is told no, is woken, asks again */
    pthread_mutex_lock(&gate.lock);
    struct timespec deadline = {time(NULL) + 30, 0};
    while (gate.asked < 1)
        if (pthread_cond_timedwait(&gate.asked_again, &gate.lock, &deadline) != 0)
            break;
    pthread_mutex_unlock(&gate.lock);
    outbox_wake(sender);
    pthread_mutex_lock(&gate.lock);
    while (gate.asked < 2)
        if (pthread_cond_timedwait(&gate.asked_again, &gate.lock, &deadline) != 0)
            break;
    int asked = gate.asked;
    pthread_mutex_unlock(&gate.lock);
    assert_true(asked >= 2);
    assert_int_equal(outbox_attempts(sender), 0);
    outbox_stop(sender);
    pthread_mutex_lock(&store.lock);
    assert_int_equal(store.retries + store.sent + store.failed, 0);
    pthread_mutex_unlock(&store.lock);
    pthread_cond_destroy(&gate.asked_again);
    pthread_mutex_destroy(&gate.lock);
    pthread_cond_destroy(&store.recorded);
    pthread_mutex_destroy(&store.lock);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(retries_back_off_up_to_an_hour),
        cmocka_unit_test(an_unreachable_server_delays_and_keeps_the_message),
        cmocka_unit_test(nothing_is_sent_while_may_send_says_no),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
