/*
 * fair_lock.h - a lock handed to its waiters in the order they came, with
 * a time limit on the wait.
 *
 * A pthread mutex lets a thread that just arrived take the lock ahead of
 * the ones already waiting, and SQLite's busy handler makes its waiters
 * sleep 1 to 100 ms between tries: under a stream of writers one of them
 * could wait seconds (docs/benchmarks.md, "Writers in the order they
 * came"). Here the thread releasing the lock hands it straight to the
 * oldest waiter and wakes that one only.
 *
 * Owns: the queue of waiters and who holds the lock. Does not own: what
 * the lock protects (store.c: the write transactions of one pool's
 * connections). Not recursive: a holder that acquires again waits until
 * its time limit.
 */
#ifndef CONVENE_FAIR_LOCK_H
#define CONVENE_FAIR_LOCK_H

#include <pthread.h>
#include <stdbool.h>

#include "common/result.h"

typedef struct fair_waiter fair_waiter; /* one waiting thread, on its stack */

typedef struct {
    pthread_mutex_t mutex; /* guards the three below */
    bool held;
    fair_waiter *first, *last; /* the waiters, oldest first */
} fair_lock;

void fair_lock_init(fair_lock *lock);
void fair_lock_destroy(fair_lock *lock); /* nobody may hold it or wait */
/* Takes the lock once every earlier waiter had it, or gives up after
 * `timeout_ms` with CV_ERR_BUSY (then nothing is held). */
cv_result fair_lock_acquire(fair_lock *lock, int timeout_ms);
/* Hands the lock to the oldest waiter, or frees it. Only its holder. */
void fair_lock_release(fair_lock *lock);

#endif
