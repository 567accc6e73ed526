/* fair_lock.c - a FIFO lock with a time limit; see fair_lock.h. */
#include "common/fair_lock.h"

#include <errno.h>
#include <time.h>

struct fair_waiter {
    pthread_cond_t wake; /* signalled when `granted` is set */
    bool granted;        /* the lock was handed to this waiter */
    fair_waiter *next;
};

void fair_lock_init(fair_lock *lock)
{
    pthread_mutex_init(&lock->mutex, NULL);
    lock->held = false;
    lock->first = lock->last = NULL;
}

void fair_lock_destroy(fair_lock *lock)
{
    pthread_mutex_destroy(&lock->mutex);
}

/* Takes `waiter` out of the queue (it gave up). Mutex held. */
static void leave_queue(fair_lock *lock, fair_waiter *waiter)
{
    fair_waiter *previous = NULL;
    for (fair_waiter *at = lock->first; at != NULL; previous = at, at = at->next) {
        if (at != waiter)
            continue;
        if (previous)
            previous->next = at->next;
        else
            lock->first = at->next;
        if (lock->last == at)
            lock->last = previous;
        return;
    }
}

cv_result fair_lock_acquire(fair_lock *lock, int timeout_ms)
{
    pthread_mutex_lock(&lock->mutex);
    if (!lock->held && lock->first == NULL) {
        lock->held = true;
        pthread_mutex_unlock(&lock->mutex);
        return CV_OK;
    }
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    fair_waiter waiter = {.granted = false, .next = NULL};
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&waiter.wake, &attributes);
    pthread_condattr_destroy(&attributes);
    if (lock->last)
        lock->last->next = &waiter;
    else
        lock->first = &waiter;
    lock->last = &waiter;
    int waited = 0;
    while (!waiter.granted && waited != ETIMEDOUT)
        waited = pthread_cond_timedwait(&waiter.wake, &lock->mutex, &deadline);
    /* Handed over at the last moment counts: the releaser took us out of
     * the queue and the lock is ours. */
    if (!waiter.granted)
        leave_queue(lock, &waiter);
    pthread_mutex_unlock(&lock->mutex);
    pthread_cond_destroy(&waiter.wake);
    return waiter.granted ? CV_OK : CV_ERR_BUSY;
}

void fair_lock_release(fair_lock *lock)
{
    pthread_mutex_lock(&lock->mutex);
    fair_waiter *next = lock->first;
    if (next) {
        /* handed over: `held` stays true, now for `next` */
        lock->first = next->next;
        if (lock->last == next)
            lock->last = NULL;
        next->granted = true;
        pthread_cond_signal(&next->wake);
    } else {
        lock->held = false;
    }
    pthread_mutex_unlock(&lock->mutex);
}
