/*
 * cluster.h - several convened on one database, exactly one of them (the
 * leader) driving meetings.
 *
 * Design (docs/operations.md, "Several nodes"): one lease row in the
 * database (db_cluster.h) names the holder, an epoch (the fencing token,
 * +1 whenever the lease changes hands) and when it expires on the
 * database's clock. Every node runs a lease thread that, every third of
 * --lease-seconds (default 3 s, so every second), renews the lease if it
 * holds it or takes it once it has expired, in one write transaction.
 * The holder may act until a local monotonic deadline: the start of its
 * last successful renewal plus three quarters of the lease, which ends
 * before the lease can expire in the database however long the renewal
 * took. A renewal that fails (database unreachable, lease taken) stops the
 * leader at once. Rounds are counted from the start of the previous one,
 * so the work a round does after renewing delays the next by no more than
 * it lasts.
 *
 * A term is a stretch during which the node may act. While it may not,
 * its threads drop their work (jobs, timers' jobs, a batch's requests);
 * the next term finds it again in the database. A term begins when the
 * lease is taken, comes back after a failed round, or is renewed after
 * the deadline had passed (same epoch: a round that waited for the
 * database's write lock); each begins by reconciling, as a restart does.
 * Terms are numbered: a lifecycle thread is bound to the term its job was
 * taken in (cluster_bind_thread), and stops acting when the next begins,
 * so work begun before another node's epoch never acts after it.
 *
 * What only the leader does: the lifecycle (starts, dial-outs, extends,
 * ends, failover), the e-mail outbox, the series horizon and the bridge
 * polling that writes tickets. Every node serves the whole API; a node
 * that is not the leader leaves lifecycle requests (a booking changed, an
 * end asked for) in the database for the leader (db_cluster_request).
 * When a node becomes the leader it reconciles with the bridges exactly
 * as a restart does (lifecycle_take_over).
 *
 * Fencing: besides the deadline, checked before every job and every phase
 * of a start, the write that claims a meeting's start (scheduled ->
 * starting) and the writes of what a start opened check in their own
 * transaction that this node still holds the lease with its epoch
 * (cluster_fence), so a leader paused past its lease (SIGSTOP, a long
 * stall) and woken after another took over changes nothing.
 *
 * Owns: the node ID, the lease thread, leadership as the other modules
 * see it, GET /api/v1/cluster and GET /api/v1/health.
 * Does not own: the SQL (db_cluster.c), what the lifecycle does on taking
 * over (lifecycle.c).
 */
#ifndef CONVENE_SCHEDULER_CLUSTER_H
#define CONVENE_SCHEDULER_CLUSTER_H

#include <stdbool.h>

#include "common/result.h"
#include "common/store_sql.h"
#include "common/strbuf.h"
#include "scheduler/scheduler.h"

#define CLUSTER_DEFAULT_LEASE_SECONDS 3

/* Started last (so every module it tells exists), stopped first. */
extern const scheduler_module cluster_module;

/* Fixes daemon->node_id from --node-id (checked: 1-64 of A-Z a-z 0-9 . _
 * - :) or the default "HOST:DATA-DIR". Before the data directory's lock. */
cv_result cluster_resolve_node_id(scheduler *daemon, strbuf *error);

/* The lock file of this node in the data directory: "convened.lock"
 * without --node-id (one convened per directory, as before), else
 * "convened.NODE-ID.lock" (nodes sharing one SQLite directory). */
void cluster_lock_name(const scheduler *daemon, char *out, size_t size);

/* True while this node holds the lease and its monotonic deadline has not
 * passed: it may act on a bridge or write a meeting's step. On a thread
 * bound to a term (cluster_bind_thread), also only while that term lasts. */
bool cluster_is_leader(scheduler *daemon);

/* The number of this node's current term (+1 at each new one; 0 before
 * the first). */
int64_t cluster_term(scheduler *daemon);

/* Binds the calling thread to `term` (0: to none, the default): work it
 * began in one term never acts in a later one, whose reconciling may have
 * found the world changed (another node's epoch in between). */
void cluster_bind_thread(int64_t term);

/* The term the calling thread is bound to (0: none): what a thread it
 * starts to share its work is bound to. */
int64_t cluster_thread_term(void);

/* Inside the caller's write transaction on `database`: CV_OK when this
 * node still holds the lease with the epoch it acts under, else
 * CV_ERR_CONFLICT (roll back: another node leads). */
cv_result cluster_fence(scheduler *daemon, store_db *database);

/* On a node that is not the leader: leaves `kind` ("changed", "end",
 * "refresh", "poll") for booking `booking_id` to the leader's lifecycle. */
void cluster_ask_leader(scheduler *daemon, const char *booking_id, const char *kind);

#endif
