/* fair_lock.c - a lock that no waiter waits long for; see fair_lock.h. */
#include "common/fair_lock.h"

#include <errno.h>
#include <stdint.h>
#include <time.h>

struct fair_waiter {
    pthread_cond_t wake; /* signalled when the lock was freed or handed over */
    int64_t since_ns;    /* when it started waiting (CLOCK_MONOTONIC) */
    bool granted;        /* the lock is this waiter's */
    bool queued;         /* still in the lock's list */
    fair_waiter *next;
};

static int64_t now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

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

/* The oldest waiter has waited too long: the lock goes to it only. */
static bool first_is_starving(const fair_lock *lock, int64_t now)
{
    return lock->first != NULL && now - lock->first->since_ns >= FAIR_LOCK_PATIENCE_NS;
}

/* Takes `waiter` out of the queue. Mutex held. */
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

static struct timespec deadline_after(int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    return deadline;
}

/* Waits in the queue until the lock is handed over, or is free while
 * nobody older starves, or the deadline. Mutex held. */
static bool wait_in_queue(fair_lock *lock, fair_waiter *waiter, const struct timespec *deadline)
{
    if (lock->last)
        lock->last->next = waiter;
    else
        lock->first = waiter;
    lock->last = waiter;
    waiter->queued = true;
    int waited = 0;
    for (;;) {
        if (!waiter->granted && !lock->held &&
            (lock->first == waiter || !first_is_starving(lock, now_ns()))) {
            lock->held = true; /* freed and not promised to anybody older */
            waiter->granted = true;
        }
        if (waiter->granted || waited == ETIMEDOUT)
            break;
        waited = pthread_cond_timedwait(&waiter->wake, &lock->mutex, deadline);
    }
    /* A handover that came with the timeout counts: the lock is ours. */
    if (waiter->queued)
        leave_queue(lock, waiter);
    return waiter->granted;
}

cv_result fair_lock_acquire(fair_lock *lock, int timeout_ms)
{
    pthread_mutex_lock(&lock->mutex);
    if (!lock->held && !first_is_starving(lock, now_ns())) {
        lock->held = true;
        pthread_mutex_unlock(&lock->mutex);
        return CV_OK;
    }
    struct timespec deadline = deadline_after(timeout_ms);
    fair_waiter waiter = {.since_ns = now_ns(), .granted = false, .queued = false, .next = NULL};
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&waiter.wake, &attributes);
    pthread_condattr_destroy(&attributes);
    bool granted = wait_in_queue(lock, &waiter, &deadline);
    pthread_mutex_unlock(&lock->mutex);
    pthread_cond_destroy(&waiter.wake);
    return granted ? CV_OK : CV_ERR_BUSY;
}

void fair_lock_release(fair_lock *lock)
{
    pthread_mutex_lock(&lock->mutex);
    fair_waiter *first = lock->first;
    if (first != NULL && first_is_starving(lock, now_ns())) {
        /* handed over: `held` stays true, now for `first` */
        lock->first = first->next;
        if (lock->last == first)
            lock->last = NULL;
        first->next = NULL;
        first->queued = false;
        first->granted = true;
    } else {
        lock->held = false; /* the first waiter may take it, or whoever runs first */
    }
    if (first != NULL)
        pthread_cond_signal(&first->wake);
    pthread_mutex_unlock(&lock->mutex);
}
