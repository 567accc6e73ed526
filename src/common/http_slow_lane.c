/*
 * http_slow_lane.c - the queue and threads of slow requests; see
 * http_slow_lane.h. Owns the queued jobs; not what they do.
 */
#include "common/http_slow_lane.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct queued_job {
    http_slow_job job;
    struct queued_job *next;
} queued_job;

/* `lock` guards the queue, `waiting` and `stopping`; `wake` is signalled
 * when a job is queued or the lane stops. `threads` never changes after
 * start. */
struct http_slow_lane {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    queued_job *head, *tail;
    unsigned waiting, queue_max;
    bool stopping;
    pthread_t *threads;
    unsigned thread_count;
};

/* Takes the oldest job; NULL once the lane stops. Called with the lock. */
static queued_job *take(http_slow_lane *lane)
{
    while (!lane->head && !lane->stopping)
        pthread_cond_wait(&lane->wake, &lane->lock);
    if (lane->stopping)
        return NULL; /* the ones still queued are cancelled by stop */
    queued_job *oldest = lane->head;
    lane->head = oldest->next;
    if (!lane->head)
        lane->tail = NULL;
    lane->waiting--;
    return oldest;
}

static void *lane_thread(void *argument)
{
    http_slow_lane *lane = argument;
    pthread_mutex_lock(&lane->lock);
    queued_job *next;
    while ((next = take(lane)) != NULL) {
        pthread_mutex_unlock(&lane->lock);
        next->job.run(next->job.argument);
        free(next);
        pthread_mutex_lock(&lane->lock);
    }
    pthread_mutex_unlock(&lane->lock);
    return NULL;
}

cv_result http_slow_lane_start(unsigned threads, unsigned queue_max, http_slow_lane **out)
{
    *out = NULL;
    if (threads == 0 || queue_max == 0)
        return CV_ERR_INVALID;
    http_slow_lane *lane = calloc(1, sizeof *lane);
    if (!lane || !(lane->threads = calloc(threads, sizeof *lane->threads))) {
        free(lane);
        return CV_ERR_NO_MEMORY;
    }
    pthread_mutex_init(&lane->lock, NULL);
    pthread_cond_init(&lane->wake, NULL);
    lane->queue_max = queue_max;
    for (; lane->thread_count < threads; lane->thread_count++) {
        if (pthread_create(&lane->threads[lane->thread_count], NULL, lane_thread, lane) != 0) {
            http_slow_lane_stop(lane);
            return CV_ERR_IO;
        }
    }
    *out = lane;
    return CV_OK;
}

cv_result http_slow_lane_push(http_slow_lane *lane, http_slow_job job)
{
    queued_job *entry = malloc(sizeof *entry);
    if (!entry)
        return CV_ERR_NO_MEMORY;
    entry->job = job;
    entry->next = NULL;
    pthread_mutex_lock(&lane->lock);
    bool refused = lane->stopping || lane->waiting >= lane->queue_max;
    if (!refused) {
        if (lane->tail)
            lane->tail->next = entry;
        else
            lane->head = entry;
        lane->tail = entry;
        lane->waiting++;
        pthread_cond_signal(&lane->wake);
    }
    pthread_mutex_unlock(&lane->lock);
    if (refused) {
        free(entry);
        return CV_ERR_BUSY;
    }
    return CV_OK;
}

void http_slow_lane_stop(http_slow_lane *lane)
{
    if (!lane)
        return;
    pthread_mutex_lock(&lane->lock);
    lane->stopping = true;
    queued_job *cancelled = lane->head;
    lane->head = lane->tail = NULL;
    lane->waiting = 0;
    pthread_cond_broadcast(&lane->wake);
    pthread_mutex_unlock(&lane->lock);
    while (cancelled) {
        queued_job *next = cancelled->next;
        cancelled->job.cancel(cancelled->job.argument);
        free(cancelled);
        cancelled = next;
    }
    for (unsigned i = 0; i < lane->thread_count; i++)
        pthread_join(lane->threads[i], NULL);
    pthread_mutex_destroy(&lane->lock);
    pthread_cond_destroy(&lane->wake);
    free(lane->threads);
    free(lane);
}
