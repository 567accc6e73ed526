/* http_deadline.c - closing connections that send a request too slowly;
 * see http_deadline.h. */
#include "common/http_deadline.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "common/linked_list.h"
#include "common/log.h"

/* How often at most the watcher reports what it closed. */
#define REPORT_INTERVAL_MS 10000

typedef enum {
    PHASE_RECEIVING, /* the clock runs: waiting for a whole request */
    PHASE_ANSWERING, /* the request is in; the handler or the send is running */
    PHASE_CLOSING,   /* shut down by the watcher; waiting for the server to close it */
} connection_phase;

struct http_deadline_entry {
    int socket;
    _Atomic int phase;        /* connection_phase */
    _Atomic int64_t since_ms; /* monotonic time the current phase began */
    list_link link;           /* on http_deadline.entries, guarded by its lock */
};

struct http_deadline {
    unsigned limit_ms;
    pthread_mutex_t lock; /* guards the list, `stopping` and the report counters */
    pthread_cond_t wake;  /* signalled to stop the watcher */
    list_ends entries;    /* http_deadline_entry.link */
    bool stopping;
    unsigned long closed_since_report;
    int64_t last_report_ms;
    pthread_t watcher;
};

/* The entry a link of `entries` belongs to; NULL past the end. */
static http_deadline_entry *entry_at(list_link *link)
{
    return LIST_RECORD(link, http_deadline_entry, link);
}

static int64_t now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Shuts down every connection past its limit; called with the lock held. */
static void sweep(http_deadline *deadline, int64_t now)
{
    for (http_deadline_entry *entry = entry_at(deadline->entries.first); entry;
         entry = entry_at(entry->link.next)) {
        if (atomic_load(&entry->phase) != PHASE_RECEIVING ||
            now - atomic_load(&entry->since_ms) <= (int64_t)deadline->limit_ms)
            continue;
        atomic_store(&entry->phase, PHASE_CLOSING);
        shutdown(entry->socket, SHUT_RDWR);
        deadline->closed_since_report++;
    }
    if (deadline->closed_since_report && now - deadline->last_report_ms >= REPORT_INTERVAL_MS) {
        log_warning("http: closed %lu connection(s) that did not send a whole request within "
                    "%u ms",
                    deadline->closed_since_report, deadline->limit_ms);
        deadline->closed_since_report = 0;
        deadline->last_report_ms = now;
    }
}

static void *watch(void *argument)
{
    http_deadline *deadline = argument;
    /* A few sweeps per limit: a connection lives at most limit + period. */
    unsigned period_ms = deadline->limit_ms / 4;
    period_ms = period_ms < 50 ? 50 : period_ms > 1000 ? 1000 : period_ms;
    pthread_mutex_lock(&deadline->lock);
    while (!deadline->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long)period_ms * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&deadline->wake, &deadline->lock, &until);
        if (!deadline->stopping)
            sweep(deadline, now_ms());
    }
    pthread_mutex_unlock(&deadline->lock);
    return NULL;
}

cv_result http_deadline_start(unsigned limit_ms, http_deadline **out)
{
    *out = NULL;
    http_deadline *deadline = calloc(1, sizeof *deadline);
    if (!deadline)
        return CV_ERR_NO_MEMORY;
    deadline->limit_ms = limit_ms;
    deadline->last_report_ms = now_ms() - REPORT_INTERVAL_MS;
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&deadline->wake, &attributes);
    pthread_condattr_destroy(&attributes);
    pthread_mutex_init(&deadline->lock, NULL);
    if (pthread_create(&deadline->watcher, NULL, watch, deadline) != 0) {
        pthread_cond_destroy(&deadline->wake);
        pthread_mutex_destroy(&deadline->lock);
        free(deadline);
        return CV_ERR_IO;
    }
    *out = deadline;
    return CV_OK;
}

void http_deadline_stop(http_deadline *deadline)
{
    if (!deadline)
        return;
    pthread_mutex_lock(&deadline->lock);
    deadline->stopping = true;
    pthread_cond_signal(&deadline->wake);
    pthread_mutex_unlock(&deadline->lock);
    pthread_join(deadline->watcher, NULL);
    while (deadline->entries.first)
        http_deadline_forget(deadline, entry_at(deadline->entries.first));
    pthread_cond_destroy(&deadline->wake);
    pthread_mutex_destroy(&deadline->lock);
    free(deadline);
}

http_deadline_entry *http_deadline_track(http_deadline *deadline, int socket)
{
    http_deadline_entry *entry = calloc(1, sizeof *entry);
    if (!entry)
        return NULL;
    entry->socket = socket;
    atomic_init(&entry->phase, PHASE_RECEIVING);
    atomic_init(&entry->since_ms, now_ms());
    pthread_mutex_lock(&deadline->lock);
    list_prepend(&deadline->entries, &entry->link);
    pthread_mutex_unlock(&deadline->lock);
    return entry;
}

void http_deadline_forget(http_deadline *deadline, http_deadline_entry *entry)
{
    if (!entry)
        return;
    pthread_mutex_lock(&deadline->lock);
    list_unlink(&deadline->entries, &entry->link);
    pthread_mutex_unlock(&deadline->lock);
    free(entry);
}

void http_deadline_answering(http_deadline_entry *entry)
{
    if (!entry)
        return;
    int receiving = PHASE_RECEIVING;
    atomic_compare_exchange_strong(&entry->phase, &receiving, PHASE_ANSWERING);
}

void http_deadline_restart(http_deadline_entry *entry)
{
    if (!entry)
        return;
    atomic_store(&entry->since_ms, now_ms());
    int answering = PHASE_ANSWERING;
    atomic_compare_exchange_strong(&entry->phase, &answering, PHASE_RECEIVING);
}
