/*
 * test_scheduler_cluster_terms.c - who may act (cluster_is_leader) as the
 * leadership's fields and a thread's term say: the lease held and the
 * deadline ahead; on a thread bound to a term (cluster_bind_thread), only
 * while that term is the current one, so work begun in one term never
 * acts in the next; an unbound thread follows the lease alone.
 * Does not test: when a term begins (cluster.c's rounds, exercised by
 * tests/integration/test_scheduler_failover_stall.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "scheduler/cluster.h"
#include "scheduler/scheduler.h"
#include "scheduler/timers.h"

/* A daemon leading in term `term` with its deadline a minute ahead. */
static scheduler *leading(int64_t term)
{
    scheduler *daemon = calloc(1, sizeof *daemon);
    assert_non_null(daemon);
    atomic_store(&daemon->leadership.leader, true);
    atomic_store(&daemon->leadership.epoch, 1);
    atomic_store(&daemon->leadership.act_until_ms, timer_monotonic_now_ms() + 60000);
    atomic_store(&daemon->leadership.term, term);
    return daemon;
}

static void *unbound_may_act(void *daemon)
{
    static bool answer;
    answer = cluster_is_leader(daemon); /* a new thread is bound to no term */
    return &answer;
}

static void test_a_thread_bound_to_a_term_stops_when_the_next_begins(void **state)
{
    (void)state;
    scheduler *daemon = leading(1);
    cluster_bind_thread(cluster_term(daemon));
    assert_int_equal(cluster_thread_term(), 1);
    assert_true(cluster_is_leader(daemon));
    atomic_fetch_add(&daemon->leadership.term, 1); /* the node reconciled: term 2 */
    assert_false(cluster_is_leader(daemon));
    pthread_t other;
    void *answer = NULL;
    assert_int_equal(pthread_create(&other, NULL, unbound_may_act, daemon), 0);
    pthread_join(other, &answer);
    assert_true(*(bool *)answer);
    cluster_bind_thread(cluster_term(daemon)); /* the next job: term 2 */
    assert_true(cluster_is_leader(daemon));
    cluster_bind_thread(0);
    free(daemon);
}

static void test_no_thread_acts_past_the_deadline_or_without_the_lease(void **state)
{
    (void)state;
    scheduler *daemon = leading(3);
    cluster_bind_thread(0);
    assert_true(cluster_is_leader(daemon));
    atomic_store(&daemon->leadership.act_until_ms, timer_monotonic_now_ms() - 1);
    assert_false(cluster_is_leader(daemon));
    cluster_bind_thread(3);
    assert_false(cluster_is_leader(daemon));
    atomic_store(&daemon->leadership.act_until_ms, timer_monotonic_now_ms() + 60000);
    assert_true(cluster_is_leader(daemon));
    atomic_store(&daemon->leadership.leader, false);
    assert_false(cluster_is_leader(daemon));
    cluster_bind_thread(0);
    free(daemon);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_thread_bound_to_a_term_stops_when_the_next_begins),
        cmocka_unit_test(test_no_thread_acts_past_the_deadline_or_without_the_lease),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
