/*
 * keyed_queue.h - the work queue of a pool of worker threads, where each
 * job names what it works on by a key (a booking's or a bridge's ID):
 * first in, first out; a job equal to one already queued (same kind and
 * key) is merged into it (its flag or-ed in) rather than queued twice;
 * and a job whose key a worker is busy with waits until that worker
 * releases the key, so one thing is never worked on by two threads.
 *
 * Owns: the queued jobs and the set of busy keys. Does not own: the lock
 * and the condition variable of the pool (every call is made with the
 * caller's lock held; the caller wakes its workers) or what a job does.
 * Used by convened's lifecycle (lifecycle_jobs.c) and its bridge worker
 * (bridges_worker.c).
 */
#ifndef CONVENE_KEYED_QUEUE_H
#define CONVENE_KEYED_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/ids.h"

typedef struct {
    int kind;               /* what to do; the caller's own numbering */
    bool flag;              /* the caller's; or-ed when jobs merge */
    char key[ID_TEXT_SIZE]; /* what it works on */
} keyed_job;

typedef struct {
    keyed_job *jobs; /* jobs[0] is the oldest */
    size_t count, capacity;
    char (*busy)[ID_TEXT_SIZE];
    size_t busy_count, busy_capacity;
} keyed_queue;

#define KEYED_QUEUE_INIT                                                                           \
    {                                                                                              \
        NULL, 0, 0, NULL, 0, 0                                                                     \
    }

/* Queues a job, or merges `flag` into the equal one already queued.
 * False when out of memory (nothing queued). */
bool keyed_queue_push(keyed_queue *queue, int kind, const char *key, bool flag);
/* Takes the oldest job whose key is not busy and that `accept` (may be
 * NULL: any) accepts, marks its key busy and copies it to *out. False
 * when there is none (or out of memory marking it busy). */
bool keyed_queue_take(keyed_queue *queue, bool (*accept)(void *context, const keyed_job *job),
                      void *context, keyed_job *out);
/* Removes the queued job of `kind` for `key`, if there is one. */
void keyed_queue_drop(keyed_queue *queue, int kind, const char *key);
/* The worker is done with `key`: jobs for it may be taken again. */
void keyed_queue_release(keyed_queue *queue, const char *key);
/* Frees every queued job and the busy set. */
void keyed_queue_free(keyed_queue *queue);

#endif
