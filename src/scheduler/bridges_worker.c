/*
 * bridges_worker.c - the background work on managed bridges; see
 * bridges_internal.h.
 *
 * Owns: the worker threads and their queue of bridges to refresh, the
 * ticker that queues every bridge at --poll-interval, when discovery is
 * due (--discovery-interval), and the refresh itself: status (poller.c),
 * discovery (discovery.c), provisioning when the settings ask for it
 * (provisioning.c), retried after a failure.
 * Does not own: the record (bridges.c) or the API (bridges_api.c).
 */
#include "scheduler/bridges_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/keyed_queue.h"
#include "common/log.h"
#include "common/rfc3339.h"
#include "common/store_db_pool.h"
#include "common/strbuf.h"
#include "common/text.h"
#include "scheduler/cluster.h"
#include "scheduler/discovery.h"
#include "scheduler/poller.h"
#include "scheduler/provisioning.h"
#include "scheduler/tickets.h"

#define WORKER_THREADS                    4
#define FAILED_PROVISIONING_RETRY_SECONDS 60

/* ---- the worker ---------------------------------------------------------------- */

/* The only kind of job: refresh one bridge. The job's flag is "full":
 * asked for (POST /bridges, a change, /refresh), so failed provisioning
 * is retried now, whatever the timer says. */
#define REFRESH_JOB 0

typedef struct {
    char id[ID_TEXT_SIZE];
    struct timespec last_discovery;
} discovery_time;

struct bridge_worker {
    scheduler *daemon;
    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t wake;  /* new job, or stopping */
    pthread_cond_t tick;  /* the ticker's sleep; signalled when stopping or polling now */
    bool stopping;
    bool poll_now;     /* bridges_poll_all: the ticker's next round is now */
    keyed_queue queue; /* bridges to refresh; one worker per bridge at a time */
    discovery_time *discoveries;
    size_t discovery_count;
    pthread_t threads[WORKER_THREADS];
    size_t thread_count;
    pthread_t ticker;
    bool ticker_started;
};

static void monotonic_now(struct timespec *now)
{
    clock_gettime(CLOCK_MONOTONIC, now);
}

/* Queues a refresh unless one for the bridge is queued (then `full` is
 * merged). Caller holds the lock. */
static void enqueue_locked(struct bridge_worker *worker, const char *bridge_id, bool full)
{
    if (keyed_queue_push(&worker->queue, REFRESH_JOB, bridge_id, full))
        pthread_cond_signal(&worker->wake);
    else
        log_error("bridge worker: out of memory, refresh of %s dropped", bridge_id);
}

void bridges_request_refresh(scheduler *daemon, const char *bridge_id)
{
    struct bridge_worker *worker = daemon->bridge_worker;
    if (!worker)
        return;
    pthread_mutex_lock(&worker->lock);
    enqueue_locked(worker, bridge_id, true);
    pthread_mutex_unlock(&worker->lock);
}

void bridges_poll_all(scheduler *daemon)
{
    struct bridge_worker *worker = daemon->bridge_worker;
    if (!worker)
        return;
    pthread_mutex_lock(&worker->lock);
    worker->poll_now = true;
    pthread_cond_broadcast(&worker->tick);
    pthread_mutex_unlock(&worker->lock);
}

/* Whether discovery is due for the bridge; records now as its time when so. */
bool bridges_discovery_due(struct bridge_worker *worker, const char *bridge_id, bool forced)
{
    struct timespec now;
    monotonic_now(&now);
    pthread_mutex_lock(&worker->lock);
    discovery_time *entry = NULL;
    for (size_t i = 0; i < worker->discovery_count && !entry; i++)
        if (strcmp(worker->discoveries[i].id, bridge_id) == 0)
            entry = &worker->discoveries[i];
    if (!entry) {
        discovery_time *grown =
            realloc(worker->discoveries, (worker->discovery_count + 1) * sizeof *grown);
        if (grown) {
            worker->discoveries = grown;
            entry = &worker->discoveries[worker->discovery_count++];
            snprintf(entry->id, sizeof entry->id, "%s", bridge_id);
            forced = true;
        }
    }
    bool due = forced || !entry ||
               now.tv_sec - entry->last_discovery.tv_sec >=
                   worker->daemon->options.discovery_interval_seconds;
    if (due && entry)
        entry->last_discovery = now;
    pthread_mutex_unlock(&worker->lock);
    return due;
}

/* Makes the next refresh of the bridge run discovery (its address changed). */
void bridges_forget_discovery(struct bridge_worker *worker, const char *bridge_id)
{
    if (!worker)
        return;
    pthread_mutex_lock(&worker->lock);
    for (size_t i = 0; i < worker->discovery_count; i++) {
        if (strcmp(worker->discoveries[i].id, bridge_id) == 0) {
            worker->discoveries[i] = worker->discoveries[--worker->discovery_count];
            break;
        }
    }
    pthread_mutex_unlock(&worker->lock);
}

static void refresh_bridge(struct bridge_worker *worker, const keyed_job *job)
{
    scheduler *daemon = worker->daemon;
    /* A lost database (logged once by the watch) can store nothing the
     * refresh learns: skip it rather than fail each write. */
    if (!file_watch_check(&daemon->database_watch))
        return;
    store_db *database = store_db_pool_acquire(&daemon->store);
    bridge_record record;
    cv_result result = bridge_load(database, job->key, &record);
    if (result != CV_OK) {
        if (result != CV_ERR_NOT_FOUND)
            log_warning("bridge %s: cannot load: %s", job->key, cv_result_name(result));
        store_db_pool_release(&daemon->store, database);
        return;
    }
    cms_client *client = NULL;
    result = bridge_primary_client(daemon, &record, &client);
    char error[512] = "";
    if (result == CV_OK)
        result = poller_check(daemon, database, &record, client, NULL, error, sizeof error);
    else
        log_warning("bridge %s: no client for %s: %s", record.id, record.address,
                    cv_result_name(result));
    if (result == CV_OK && bridges_discovery_due(worker, record.id, false)) {
        discovery_cluster cluster;
        cv_result discovered =
            discovery_fetch(client, record.address, &cluster, error, sizeof error);
        if (discovered == CV_OK) {
            discovery_store(database, record.id, &cluster);
            discovery_cluster_free(&cluster);
        } else {
            log_warning("bridge %s: discovery failed: %s", bridge_display_name(&record), error);
        }
    }
    if (result == CV_OK && !atomic_load(&daemon->stopping)) {
        /* Reload: the status check may have changed the row. */
        bridge_record_free(&record);
        result = bridge_load(database, job->key, &record);
        bool retry_due = true;
        if (result == CV_OK && record.provisioning_state &&
            strcmp(record.provisioning_state, "failed") == 0 && !job->flag)
            retry_due =
                time(NULL) - record.provisioning_attempted >= FAILED_PROVISIONING_RETRY_SECONDS;
        if (result == CV_OK && provisioning_needed(&record) && retry_due)
            provisioning_run(daemon, database, &record, client);
        else if (result == CV_OK && !bridge_dial_numbers_complete(&record))
            /* Nothing to provision: an old failure no longer applies. */
            tickets_set(daemon, database, record.id, TICKET_PROVISIONING, false, NULL);
    }
    if (result != CV_ERR_NOT_FOUND)
        bridge_record_free(&record);
    store_db_pool_release(&daemon->store, database);
    if (daemon->hooks.bridge_changed)
        daemon->hooks.bridge_changed(daemon, job->key);
}

static void *worker_main(void *argument)
{
    struct bridge_worker *worker = argument;
    pthread_mutex_lock(&worker->lock);
    while (!worker->stopping) {
        keyed_job job;
        if (!keyed_queue_take(&worker->queue, NULL, NULL, &job)) {
            pthread_cond_wait(&worker->wake, &worker->lock);
            continue;
        }
        pthread_mutex_unlock(&worker->lock);

        refresh_bridge(worker, &job);

        pthread_mutex_lock(&worker->lock);
        keyed_queue_release(&worker->queue, job.key);
        /* A job for this bridge may have waited for us. */
        pthread_cond_broadcast(&worker->wake);
    }
    pthread_mutex_unlock(&worker->lock);
    return NULL;
}

/* Every --poll-interval: queue a refresh of every bridge. */
static void *ticker_main(void *argument)
{
    struct bridge_worker *worker = argument;
    scheduler *daemon = worker->daemon;
    pthread_mutex_lock(&worker->lock);
    while (!worker->stopping) {
        worker->poll_now = false; /* this round is the one asked for */
        pthread_mutex_unlock(&worker->lock);
        char **ids = NULL;
        size_t count = 0;
        cv_result result = CV_OK;
        /* only the leader polls on its own (the polls write tickets);
         * a bridge added or changed through any node's API is still
         * refreshed by that node (bridges_request_refresh) */
        if (cluster_is_leader(daemon)) {
            store_db *database = store_db_pool_acquire(&daemon->store);
            result = bridge_list_ids(database, &ids, &count);
            store_db_pool_release(&daemon->store, database);
        }
        pthread_mutex_lock(&worker->lock);
        if (result == CV_OK)
            for (size_t i = 0; i < count; i++)
                enqueue_locked(worker, ids[i], false);
        bridge_free_ids(ids, count);

        struct timespec deadline;
        monotonic_now(&deadline);
        deadline.tv_sec += daemon->options.poll_interval_seconds;
        while (!worker->stopping) {
            if (worker->poll_now)
                break;
            int waited = pthread_cond_timedwait(&worker->tick, &worker->lock, &deadline);
            if (waited == ETIMEDOUT)
                break;
        }
    }
    pthread_mutex_unlock(&worker->lock);
    return NULL;
}

static void worker_free(struct bridge_worker *worker)
{
    pthread_mutex_destroy(&worker->lock);
    pthread_cond_destroy(&worker->wake);
    pthread_cond_destroy(&worker->tick);
    keyed_queue_free(&worker->queue);
    free(worker->discoveries);
    free(worker);
}

void bridges_worker_stop(scheduler *daemon)
{
    struct bridge_worker *worker = daemon->bridge_worker;
    if (!worker)
        return;
    pthread_mutex_lock(&worker->lock);
    worker->stopping = true;
    pthread_cond_broadcast(&worker->wake);
    pthread_cond_broadcast(&worker->tick);
    pthread_mutex_unlock(&worker->lock);
    if (worker->ticker_started)
        pthread_join(worker->ticker, NULL);
    for (size_t i = 0; i < worker->thread_count; i++)
        pthread_join(worker->threads[i], NULL);
    daemon->bridge_worker = NULL;
    worker_free(worker);
}

cv_result bridges_worker_start(scheduler *daemon)
{
    struct bridge_worker *worker = calloc(1, sizeof *worker);
    if (!worker)
        return CV_ERR_NO_MEMORY;
    worker->daemon = daemon;
    pthread_mutex_init(&worker->lock, NULL);
    pthread_cond_init(&worker->wake, NULL);
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&worker->tick, &attributes);
    pthread_condattr_destroy(&attributes);
    daemon->bridge_worker = worker;
    for (; worker->thread_count < WORKER_THREADS; worker->thread_count++) {
        if (pthread_create(&worker->threads[worker->thread_count], NULL, worker_main, worker) !=
            0) {
            bridges_worker_stop(daemon);
            return CV_ERR_NO_MEMORY;
        }
    }
    if (pthread_create(&worker->ticker, NULL, ticker_main, worker) != 0) {
        bridges_worker_stop(daemon);
        return CV_ERR_NO_MEMORY;
    }
    worker->ticker_started = true;
    return CV_OK;
}
