/*
 * outbox.c - the e-mail delivery thread; see outbox.h.
 *
 * Owns: the thread, its lock and condition, the retry schedule.
 */
#include "scheduler/outbox.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "common/log.h"

struct outbox {
    smtp_settings settings;
    outbox_backend backend;
    outbox_pacing pacing;
    pthread_t thread;
    /* guards `stopping` and `woken`; `changed` is signalled with it held */
    pthread_mutex_t lock;
    pthread_cond_t changed;
    bool stopping;
    bool woken; /* outbox_wake since the thread last looked */
    atomic_ulong attempts;
};

void outbox_items_free(outbox_item *items, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(items[i].sender);
        free(items[i].recipient);
        free(items[i].text);
    }
    free(items);
}

int64_t outbox_retry_delay(int64_t first, int64_t attempts)
{
    int64_t delay = first > 0 ? first : OUTBOX_RETRY_FIRST;
    for (int64_t n = 1; n < attempts && delay < OUTBOX_RETRY_MAX; n++)
        delay *= 2;
    return delay < OUTBOX_RETRY_MAX ? delay : OUTBOX_RETRY_MAX;
}

static int64_t now_seconds(void)
{
    return (int64_t)time(NULL);
}

/* Sends one message and records the outcome. */
static void deliver(outbox *box, const outbox_item *item)
{
    char problem[SMTP_PROBLEM_SIZE] = "";
    const char *to[] = {item->recipient};
    cv_result result = smtp_send(&box->settings, item->sender, to, 1, item->text, problem);
    atomic_fetch_add(&box->attempts, 1);
    const outbox_backend *backend = &box->backend;
    int64_t attempts = item->attempts + 1;
    cv_result recorded;
    if (result == CV_OK) {
        recorded = backend->mark_sent(backend->context, item->id, now_seconds());
    } else if (smtp_failure_is_temporary(result) && attempts < OUTBOX_ATTEMPTS_MAX) {
        log_info("outbox: message %lld not delivered (attempt %lld), will retry: %s",
                 (long long)item->id, (long long)attempts, problem);
        recorded = backend->mark_retry(
            backend->context, item->id,
            now_seconds() + outbox_retry_delay(box->pacing.retry_first, attempts), problem);
    } else {
        log_warning("outbox: message %lld failed for good: %s", (long long)item->id, problem);
        recorded = backend->mark_failed(backend->context, item->id, problem);
    }
    if (recorded != CV_OK)
        log_error("outbox: cannot record the outcome of message %lld: %s", (long long)item->id,
                  cv_result_name(recorded));
}

/* One pass: everything due now. Returns when to look next (UTC seconds). */
static int64_t deliver_due(outbox *box)
{
    const outbox_backend *backend = &box->backend;
    if (box->pacing.may_send && !box->pacing.may_send(box->pacing.may_send_context))
        return now_seconds() + box->pacing.poll_seconds;
    for (;;) {
        outbox_item *items = NULL;
        size_t count = 0;
        cv_result result =
            backend->due(backend->context, now_seconds(), OUTBOX_BATCH, &items, &count);
        if (result != CV_OK)
            log_error("outbox: cannot read the due messages: %s", cv_result_name(result));
        for (size_t i = 0; i < count; i++) {
            pthread_mutex_lock(&box->lock);
            bool stopping = box->stopping;
            pthread_mutex_unlock(&box->lock);
            if (!stopping)
                deliver(box, &items[i]);
        }
        outbox_items_free(items, count);
        if (result != CV_OK || count < OUTBOX_BATCH)
            break;
    }
    int64_t next = -1, fallback = now_seconds() + box->pacing.poll_seconds;
    if (backend->next_due(backend->context, &next) != CV_OK || next < 0 || next > fallback)
        return fallback;
    return next;
}

static void *delivery_thread(void *argument)
{
    outbox *box = argument;
    for (;;) {
        int64_t next = deliver_due(box);
        pthread_mutex_lock(&box->lock);
        struct timespec until = {(time_t)next, 0};
        while (!box->stopping && !box->woken && now_seconds() < next)
            if (pthread_cond_timedwait(&box->changed, &box->lock, &until) == ETIMEDOUT)
                break;
        bool stopping = box->stopping;
        box->woken = false;
        pthread_mutex_unlock(&box->lock);
        if (stopping)
            return NULL;
    }
}

cv_result outbox_start(const smtp_settings *settings, const outbox_backend *backend,
                       const outbox_pacing *pacing, outbox **out)
{
    *out = NULL;
    if (pacing->poll_seconds <= 0 || pacing->retry_first < 0)
        return CV_ERR_INVALID;
    outbox *box = calloc(1, sizeof *box);
    if (!box)
        return CV_ERR_NO_MEMORY;
    box->settings = *settings;
    box->backend = *backend;
    box->pacing = *pacing;
    atomic_init(&box->attempts, 0);
    pthread_mutex_init(&box->lock, NULL);
    pthread_cond_init(&box->changed, NULL); /* CLOCK_REALTIME, like time() */
    if (pthread_create(&box->thread, NULL, delivery_thread, box) != 0) {
        pthread_cond_destroy(&box->changed);
        pthread_mutex_destroy(&box->lock);
        free(box);
        return CV_ERR_NO_MEMORY;
    }
    *out = box;
    return CV_OK;
}

void outbox_wake(outbox *box)
{
    if (!box)
        return;
    pthread_mutex_lock(&box->lock);
    box->woken = true;
    pthread_cond_signal(&box->changed);
    pthread_mutex_unlock(&box->lock);
}

void outbox_stop(outbox *box)
{
    if (!box)
        return;
    pthread_mutex_lock(&box->lock);
    box->stopping = true;
    pthread_cond_signal(&box->changed);
    pthread_mutex_unlock(&box->lock);
    pthread_join(box->thread, NULL);
    pthread_cond_destroy(&box->changed);
    pthread_mutex_destroy(&box->lock);
    free(box);
}

unsigned long outbox_attempts(outbox *box)
{
    return atomic_load(&box->attempts);
}
