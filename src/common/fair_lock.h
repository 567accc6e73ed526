/*
 * fair_lock.h - a lock no waiter waits long for, with a time limit on the
 * wait.
 *
 * With a pthread mutex, or SQLite's busy handler (its waiters sleep 1 to
 * 100 ms between tries), a thread that just arrived can take the lock
 * ahead of the ones already waiting, again and again: under a stream of
 * writers one of them waited 4.5-5.9 s for its turn, and one booking was
 * refused after 10 s (docs/benchmarks.md, "Writers in the order they
 * came"). Handing the lock to the oldest waiter every time cures that but
 * stalls everybody behind each waiter's wake-up on a busy machine. So,
 * as Go's sync.Mutex does: a freed lock goes to whoever takes it first
 * (the oldest waiter is woken to try), until the oldest waiter has waited
 * FAIR_LOCK_PATIENCE_NS; from then on it is handed to the waiters in the
 * order they came, and newcomers queue.
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

/* How long the oldest waiter lets others go first. */
#define FAIR_LOCK_PATIENCE_NS (5 * 1000 * 1000)

typedef struct fair_waiter fair_waiter; /* one waiting thread, on its stack */

typedef struct {
    pthread_mutex_t mutex; /* guards the three below */
    bool held;
    fair_waiter *first, *last; /* the waiters, oldest first */
} fair_lock;

void fair_lock_init(fair_lock *lock);
void fair_lock_destroy(fair_lock *lock); /* nobody may hold it or wait */
/* Takes the lock, or gives up after `timeout_ms` with CV_ERR_BUSY (then
 * nothing is held). */
cv_result fair_lock_acquire(fair_lock *lock, int timeout_ms);
/* Hands the lock to the oldest waiter once it has waited its patience
 * out, else frees it and wakes that waiter. Only its holder. */
void fair_lock_release(fair_lock *lock);

#endif
