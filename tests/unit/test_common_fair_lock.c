/*
 * test_common_fair_lock.c - the lock no waiter waits long for
 * (src/common/fair_lock.c): taken at once when free, taken by its waiters
 * in the order they came, handed to a waiter that has waited its patience
 * out (the releaser cannot take it back), and a wait that reaches its time
 * limit gives up, holding nothing and leaving the queue as it was for the
 * others. Owns no production code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "common/fair_lock.h"

/* Waiters queued on `lock` now: 0, 1 or 2 (two or more), read from the
 * ends of its list (the waiter type is the lock's own). */
static int queued(fair_lock *lock)
{
    pthread_mutex_lock(&lock->mutex);
    int count = lock->first == NULL ? 0 : lock->first == lock->last ? 1 : 2;
    pthread_mutex_unlock(&lock->mutex);
    return count;
}

/* Waits (up to 5 s) until `lock` has `count` waiters (0, 1 or "2 or more"). */
static void wait_for_queue(fair_lock *lock, int count)
{
    for (int tries = 0; tries < 5000 && queued(lock) != count; tries++)
        nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
    assert_int_equal(queued(lock), count);
}

typedef struct {
    fair_lock *lock;
    int name;
    _Atomic int *order; /* the next place to take */
    int place;          /* where this thread got the lock */
    cv_result result;
} contender;

static void *take_and_release(void *argument)
{
    contender *self = argument;
    self->result = fair_lock_acquire(self->lock, 10000);
    if (self->result == CV_OK) {
        self->place = atomic_fetch_add(self->order, 1);
        fair_lock_release(self->lock);
    }
    return NULL;
}

/* Initialises `lock`, takes it, and queues `waiter` (on `thread`) behind
 * the caller: the start of the tests of one waiter. */
static void hold_with_one_waiter(fair_lock *lock, _Atomic int *order, contender *waiter,
                                 pthread_t *thread)
{
    fair_lock_init(lock);
    assert_int_equal(fair_lock_acquire(lock, 0), CV_OK);
    *waiter = (contender){lock, 1, order, -1, CV_ERR_STORE};
    assert_int_equal(pthread_create(thread, NULL, take_and_release, waiter), 0);
    wait_for_queue(lock, 1);
}

static void test_free_lock_is_taken_at_once(void **state)
{
    (void)state;
    fair_lock lock;
    fair_lock_init(&lock);
    assert_int_equal(fair_lock_acquire(&lock, 0), CV_OK);
    fair_lock_release(&lock);
    assert_int_equal(fair_lock_acquire(&lock, 0), CV_OK);
    fair_lock_release(&lock);
    assert_false(lock.held);
    fair_lock_destroy(&lock);
}

static void test_waiters_get_it_in_the_order_they_came(void **state)
{
    (void)state;
    fair_lock lock;
    fair_lock_init(&lock);
    _Atomic int order = 0;
    contender first = {&lock, 1, &order, -1, CV_ERR_STORE};
    contender second = {&lock, 2, &order, -1, CV_ERR_STORE};
    assert_int_equal(fair_lock_acquire(&lock, 0), CV_OK);
    pthread_t one, two;
    assert_int_equal(pthread_create(&one, NULL, take_and_release, &first), 0);
    wait_for_queue(&lock, 1);
    assert_int_equal(pthread_create(&two, NULL, take_and_release, &second), 0);
    wait_for_queue(&lock, 2);
    /* Released with both queued: the first comer is handed the lock, even
     * though the releasing thread could take it straight back. */
    fair_lock_release(&lock);
    pthread_join(one, NULL);
    pthread_join(two, NULL);
    assert_int_equal(first.result, CV_OK);
    assert_int_equal(second.result, CV_OK);
    assert_int_equal(first.place, 0);
    assert_int_equal(second.place, 1);
    assert_false(lock.held);
    fair_lock_destroy(&lock);
}

/* A waiter that has waited its patience out is handed the lock: the
 * releasing thread, trying again at once, gets it only after that one. */
static void test_a_starving_waiter_is_handed_the_lock(void **state)
{
    (void)state;
    fair_lock lock;
    _Atomic int order = 0;
    contender starving;
    pthread_t waiting;
    hold_with_one_waiter(&lock, &order, &starving, &waiting);
    nanosleep(&(struct timespec){0, 2 * FAIR_LOCK_PATIENCE_NS}, NULL);
    fair_lock_release(&lock);
    assert_int_equal(fair_lock_acquire(&lock, 10000), CV_OK);
    int mine = atomic_fetch_add(&order, 1);
    fair_lock_release(&lock);
    pthread_join(waiting, NULL);
    assert_int_equal(starving.result, CV_OK);
    assert_int_equal(starving.place, 0);
    assert_int_equal(mine, 1);
    assert_false(lock.held);
    fair_lock_destroy(&lock);
}

static void test_a_wait_past_its_limit_gives_up(void **state)
{
    (void)state;
    fair_lock lock;
    _Atomic int order = 0;
    contender patient;
    pthread_t waiting;
    hold_with_one_waiter(&lock, &order, &patient, &waiting);
    /* one that gives up behind it leaves the queue as it found it */
    assert_int_equal(fair_lock_acquire(&lock, 50), CV_ERR_BUSY);
    assert_int_equal(queued(&lock), 1);
    fair_lock_release(&lock);
    pthread_join(waiting, NULL);
    assert_int_equal(patient.result, CV_OK);
    assert_int_equal(patient.place, 0);
    assert_false(lock.held);
    assert_null(lock.first);
    fair_lock_destroy(&lock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_lock_is_taken_at_once),
        cmocka_unit_test(test_waiters_get_it_in_the_order_they_came),
        cmocka_unit_test(test_a_starving_waiter_is_handed_the_lock),
        cmocka_unit_test(test_a_wait_past_its_limit_gives_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
