/*
 * cluster.c - the lease thread and leadership (design in cluster.h).
 *
 * Owns: the node ID and lock name, the lease rounds (renew or take, then
 * the leader's share of the lifecycle's work: lifecycle_lead), telling
 * the modules when a term begins, the terms threads are bound to, the
 * fencing check, the requests left for the leader, GET /api/v1/cluster
 * and GET /api/v1/health.
 * Does not own: the SQL (db_cluster.c), reconciling (lifecycle.c).
 */
#include "scheduler/cluster.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/store_db_pool.h"
#include "common/store_sql.h"
#include "scheduler/api.h"
#include "scheduler/bridges.h"
#include "scheduler/db_cluster.h"
#include "scheduler/lifecycle.h"
#include "scheduler/mail_module.h"
#include "scheduler/series_horizon.h"
#include "scheduler/timers.h"

typedef struct {
    scheduler *daemon;
    int64_t lease_ms;
    /* lease thread only (and start/stop, when it does not run): */
    int64_t epoch;       /* the epoch held or last held; 0 none */
    bool fresh;          /* never held by this process: may replace its own node ID */
    int64_t due_checked; /* Unix seconds the leader's due scan reached */
    bool failing;        /* the last round failed (logged once until one succeeds) */
    bool lapsed;         /* renewed after its deadline: the next timely round is a new term */
    int64_t lease_held;  /* the epoch of the last term begun (for its log line); 0 none */
    int64_t renewal_ms;  /* how long the last round's write transaction took */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    pthread_t thread;
    bool thread_started;
} cluster;

static bool node_id_valid(const char *id)
{
    size_t length = strlen(id);
    if (length == 0 || length > 64)
        return false;
    for (const char *c = id; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '.' || *c == '_' || *c == '-' || *c == ':'))
            return false;
    return true;
}

cv_result cluster_resolve_node_id(scheduler *daemon, strbuf *error)
{
    const char *given = daemon->options.node_id;
    if (given) {
        if (!node_id_valid(given)) {
            strbuf_printf(error, "--node-id: 1 to 64 of A-Z, a-z, 0-9, '.', '_', '-', ':'");
            return CV_ERR_INVALID;
        }
        daemon->node_id = strdup(given);
    } else {
        char host[256] = "";
        if (gethostname(host, sizeof host - 1) != 0 || !host[0])
            snprintf(host, sizeof host, "localhost");
        char *directory = realpath(daemon->options.data_dir, NULL);
        strbuf id = STRBUF_INIT;
        strbuf_printf(&id, "%s:%s", host, directory ? directory : daemon->options.data_dir);
        free(directory);
        daemon->node_id = strbuf_status(&id) == CV_OK ? strbuf_detach(&id) : NULL;
        strbuf_free(&id);
    }
    return daemon->node_id ? CV_OK : CV_ERR_NO_MEMORY;
}

void cluster_lock_name(const scheduler *daemon, char *out, size_t size)
{
    if (daemon->options.node_id)
        snprintf(out, size, "convened.%s.lock", daemon->options.node_id);
    else
        snprintf(out, size, "convened.lock");
}

/* The term this thread works for (cluster_bind_thread); 0: any. */
static _Thread_local int64_t thread_term;

bool cluster_is_leader(scheduler *daemon)
{
    return atomic_load(&daemon->leadership.leader) &&
           timer_monotonic_now_ms() < atomic_load(&daemon->leadership.act_until_ms) &&
           (thread_term == 0 || thread_term == atomic_load(&daemon->leadership.term));
}

int64_t cluster_term(scheduler *daemon)
{
    return atomic_load(&daemon->leadership.term);
}

void cluster_bind_thread(int64_t term)
{
    thread_term = term;
}

int64_t cluster_thread_term(void)
{
    return thread_term;
}

/* Runs `work` on `database`, or on a pooled connection when NULL. */
static cv_result with_database(scheduler *daemon, store_db *database,
                               cv_result (*work)(store_db *db, void *context), void *context)
{
    store_db *db = database ? database : store_db_pool_acquire(&daemon->store);
    if (db == NULL)
        return CV_ERR_STORE;
    cv_result result = work(db, context);
    if (database == NULL)
        store_db_pool_release(&daemon->store, db);
    return result;
}

static cv_result fence_work(store_db *db, void *context)
{
    scheduler *daemon = context;
    return db_cluster_fence(db, daemon->node_id, atomic_load(&daemon->leadership.epoch));
}

cv_result cluster_fence(scheduler *daemon, store_db *database)
{
    if (!cluster_is_leader(daemon))
        return CV_ERR_CONFLICT;
    cv_result result = with_database(daemon, database, fence_work, daemon);
    if (result == CV_ERR_CONFLICT)
        log_warning("cluster: %s no longer holds the lease; nothing written", daemon->node_id);
    return result;
}

typedef struct {
    const char *booking_id;
    const char *kind;
} ask_context;

static cv_result ask_work(store_db *db, void *context)
{
    const ask_context *ask = context;
    return db_cluster_request(db, ask->booking_id, ask->kind);
}

void cluster_ask_leader(scheduler *daemon, const char *booking_id, const char *kind)
{
    ask_context ask = {booking_id, kind};
    if (with_database(daemon, NULL, ask_work, &ask) != CV_OK)
        log_error("cluster: could not ask the leader to %s booking %s", kind, booking_id);
}

/* --- the lease thread ----------------------------------------------------- */

/* This node holds the lease with `epoch` from a round that began at
 * `began_ms` (monotonic); tells the modules when a new term begins.
 *
 * A term is a stretch of time during which cluster_is_leader() stays
 * true. While it is false, workers drop their jobs, timers' jobs and a
 * batch's requests (lifecycle.c, the CMS client's thread guard), trusting
 * the next term to find that work again in the database. So a new term
 * begins not only when the epoch changes or the lease comes back after a
 * failed round, but also when this renewal comes after the previous
 * deadline passed (same epoch: a round that waited on the database's
 * write lock for longer than the deadline allowed). Each new term is
 * numbered (leadership.term: threads bound to an earlier one no longer
 * act) and reconciles, as a restart does. */
static void now_leading(cluster *state, int64_t epoch, int64_t began_ms)
{
    scheduler *daemon = state->daemon;
    scheduler_leadership *leadership = &daemon->leadership;
    /* three quarters of the lease: over before the database can give it
     * to another node, whatever the renewal's own duration */
    int64_t until = began_ms + state->lease_ms * 3 / 4;
    /* the term goes on only if this node could act all along: it held
     * the lease with this epoch and its deadline has not passed */
    bool going_on = atomic_load(&leadership->leader) && atomic_load(&leadership->epoch) == epoch &&
                    !state->lapsed &&
                    timer_monotonic_now_ms() < atomic_load(&leadership->act_until_ms);
    if (!going_on) /* before the deadline moves: no thread of the old term acts again */
        atomic_fetch_add(&leadership->term, 1);
    int64_t before = atomic_exchange(&leadership->act_until_ms, until);
    atomic_store(&leadership->epoch, epoch);
    atomic_store(&leadership->leader, true);
    int64_t now = timer_monotonic_now_ms();
    if (now >= until) {
        /* renewed, but too late to act on it: no term begins until a
         * round ends in time (state->lapsed makes that one a new term) */
        if (!state->lapsed)
            log_warning("cluster: node %s renewed the lease (epoch %lld) %lld ms after the round "
                        "began, too late to act on it; it acts from the next round",
                        daemon->node_id, (long long)epoch, (long long)(now - began_ms));
        state->lapsed = true;
        return;
    }
    if (going_on && now < before)
        return;   /* the deadline never passed: nothing was dropped */
    if (going_on) /* it passed in the instant before the exchange */
        atomic_fetch_add(&leadership->term, 1);
    bool same_epoch = state->lease_held == epoch;
    state->lease_held = epoch;
    if (same_epoch)
        log_info("cluster: node %s acts again (epoch %lld) after a while it could not; it "
                 "reconciles the work it dropped meanwhile",
                 daemon->node_id, (long long)epoch);
    else
        log_info("cluster: node %s leads (epoch %lld)", daemon->node_id, (long long)epoch);
    state->lapsed = false;
    state->due_checked = (int64_t)time(NULL);
    lifecycle_take_over(daemon); /* as a restart: timers, resumes, ends */
    bridges_poll_all(daemon);
    series_horizon_wake(daemon);
    mail_wake(daemon);
}

static void stop_leading(cluster *state, const char *why)
{
    if (atomic_exchange(&state->daemon->leadership.leader, false))
        log_warning("cluster: node %s stops leading: %s", state->daemon->node_id, why);
}

static cv_result round_work(store_db *db, void *context)
{
    cluster *state = context;
    if (!file_watch_check(&state->daemon->database_watch)) {
        /* the SQLite file is gone (logged once by the watch): no lease */
        stop_leading(state, "the database file is lost");
        return CV_ERR_STORE;
    }
    int64_t began = timer_monotonic_now_ms();
    int64_t epoch = state->epoch;
    bool holding = false;
    cv_result result = db_cluster_lease_round(db, state->daemon->node_id, state->lease_ms,
                                              state->fresh, &epoch, &holding);
    state->renewal_ms = timer_monotonic_now_ms() - began;
    if (result != CV_OK && !file_watch_check(&state->daemon->database_watch)) {
        /* deleted since the check above: the watch refused the BEGIN and
         * logged the loss once; a second error line would say it again */
        stop_leading(state, "the database file is lost");
        return result;
    }
    if (result != CV_OK) {
        if (!state->failing)
            log_error("cluster: node %s cannot renew or take the lease: %s", state->daemon->node_id,
                      store_db_message(db));
        state->failing = true;
        stop_leading(state, "the lease could not be renewed");
        return result;
    }
    if (state->failing)
        log_info("cluster: node %s reaches the lease again", state->daemon->node_id);
    state->failing = false;
    state->epoch = epoch;
    if (!holding) {
        stop_leading(state, "another node holds the lease");
        return CV_OK;
    }
    state->fresh = false;
    now_leading(state, epoch, began);
    if (!cluster_is_leader(state->daemon))
        return CV_OK; /* renewed too late to act: the requests wait for a round in time */
    int64_t now = (int64_t)time(NULL);
    lifecycle_lead(state->daemon, db, state->due_checked, now);
    state->due_checked = now;
    return CV_OK;
}

/* One round on a pooled connection. A round slower than a third of the
 * lease is logged with where its time went: the first sign of a leader
 * about to miss its deadline. */
static void timed_round(cluster *state)
{
    scheduler *daemon = state->daemon;
    state->renewal_ms = 0;
    int64_t asked = timer_monotonic_now_ms();
    store_db *db = store_db_pool_acquire(&daemon->store);
    if (db == NULL)
        return;
    int64_t got = timer_monotonic_now_ms();
    round_work(db, state);
    store_db_pool_release(&daemon->store, db);
    int64_t done = timer_monotonic_now_ms();
    if (done - asked > state->lease_ms / 3)
        log_warning("cluster: node %s: a lease round took %lld ms: %lld waiting for a database "
                    "connection, %lld in the renewal's write transaction, %lld on the leader's "
                    "work after it",
                    daemon->node_id, (long long)(done - asked), (long long)(got - asked),
                    (long long)state->renewal_ms, (long long)(done - got - state->renewal_ms));
}

/* Adds `ms` milliseconds to `moment`. */
static void add_ms(struct timespec *moment, int64_t ms)
{
    moment->tv_sec += ms / 1000;
    moment->tv_nsec += (ms % 1000) * 1000000;
    if (moment->tv_nsec >= 1000000000) {
        moment->tv_sec++;
        moment->tv_nsec -= 1000000000;
    }
}

/* A round every third of the lease, counted from the start of the last
 * round (not its end): the lifecycle's share of a round (requests, the
 * due scan, a take-over's reconciling) and a wait for the database's
 * write lock delay the next renewal by no more than they last, so a
 * leader whose rounds take up to two thirds of the lease keeps it. */
static void *lease_thread(void *argument)
{
    cluster *state = argument;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    pthread_mutex_lock(&state->lock);
    while (!state->stopping) {
        add_ms(&until, state->lease_ms / 3);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > until.tv_sec ||
            (now.tv_sec == until.tv_sec && now.tv_nsec > until.tv_nsec))
            until = now; /* the last round outlasted its third: the next one at once */
        while (!state->stopping &&
               pthread_cond_timedwait(&state->wake, &state->lock, &until) != ETIMEDOUT)
            ;
        if (state->stopping)
            break;
        pthread_mutex_unlock(&state->lock);
        timed_round(state);
        pthread_mutex_lock(&state->lock);
    }
    pthread_mutex_unlock(&state->lock);
    return NULL;
}

/* --- GET /api/v1/cluster, GET /api/v1/health --------------------------- */

static json_t *time_ms_json(int64_t ms)
{
    return scheduler_api_time_json(ms / 1000);
}

static json_t *cluster_json(scheduler *daemon, const db_cluster_lease *lease,
                            const db_cluster_node *nodes, size_t count)
{
    int64_t lease_ms = daemon->options.lease_seconds * 1000;
    bool held = lease->holder[0] && lease->expires_at_ms > lease->now_ms;
    json_t *list = json_array();
    for (size_t index = 0; index < count; index++) {
        const db_cluster_node *node = &nodes[index];
        /* alive: seen within two leases (a node renews or tries every third) */
        bool alive = node->last_seen_ms > lease->now_ms - 2 * lease_ms;
        json_array_append_new(list,
                              json_pack("{s:s, s:s, s:s, s:o, s:o, s:b, s:b}", "id", node->id,
                                        "address", node->address, "version", node->version,
                                        "startedAt", time_ms_json(node->started_at_ms), "lastSeen",
                                        time_ms_json(node->last_seen_ms), "alive", alive, "leader",
                                        held && strcmp(node->id, lease->holder) == 0));
    }
    return json_pack("{s:s, s:s?, s:{s:s?, s:I, s:o, s:I}, s:o}", "node", daemon->node_id, "leader",
                     held ? lease->holder : NULL, "lease", "holder",
                     lease->holder[0] ? lease->holder : NULL, "epoch", (json_int_t)lease->epoch,
                     "expiresAt", time_ms_json(lease->expires_at_ms), "expiresInMs",
                     (json_int_t)(lease->expires_at_ms - lease->now_ms), "nodes", list);
}

typedef struct {
    db_cluster_lease lease;
    db_cluster_node *nodes;
    size_t count;
} cluster_read;

static cv_result read_work(store_db *db, void *context)
{
    cluster_read *read = context;
    return db_cluster_read(db, &read->lease, &read->nodes, &read->count);
}

static void handle_cluster(scheduler_api_request *request)
{
    cluster_read read = {0};
    cv_result result = with_database(request->daemon, request->database, read_work, &read);
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "reading the cluster");
        return;
    }
    scheduler_api_reply_json(request, 200,
                             cluster_json(request->daemon, &read.lease, read.nodes, read.count));
    free(read.nodes);
}

/* For a load balancer: 200 when this node can read the database (any node
 * serves the API), 503 when it cannot. Says nothing more without
 * credentials than whether the node leads. */
static void handle_health(scheduler_api_request *request)
{
    cluster_read read = {0};
    cv_result result = with_database(request->daemon, request->database, read_work, &read);
    free(read.nodes);
    if (result != CV_OK) {
        scheduler_api_fail(request, 503, "unavailable", "the database cannot be read", NULL);
        return;
    }
    scheduler_api_reply_json(
        request, 200,
        json_pack("{s:s, s:b}", "status", "ok", "leader", cluster_is_leader(request->daemon)));
}

static const scheduler_api_route routes[] = {
    {"GET", "cluster", handle_cluster, NULL, API_ALLOW_OPERATOR, NULL},
    {"GET", "health", handle_health, NULL, API_ALLOW_PUBLIC, NULL},
};

/* --- module ---------------------------------------------------------------- */

static cv_result register_work(store_db *db, void *context)
{
    scheduler *daemon = context;
    char address[300];
    if (daemon->options.node_address)
        snprintf(address, sizeof address, "%s", daemon->options.node_address);
    else
        snprintf(address, sizeof address, "%s://%s", daemon->options.plain_http ? "http" : "https",
                 daemon->options.listen);
    return db_cluster_register(db, daemon->node_id, address, CONVENE_VERSION);
}

static void cluster_stop(scheduler *daemon);

static cv_result cluster_start(scheduler *daemon)
{
    cluster *state = calloc(1, sizeof *state);
    if (state == NULL)
        return CV_ERR_NO_MEMORY;
    state->daemon = daemon;
    state->lease_ms = daemon->options.lease_seconds * 1000;
    state->fresh = true;
    pthread_mutex_init(&state->lock, NULL);
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&state->wake, &attributes);
    pthread_condattr_destroy(&attributes);
    daemon->cluster_state = state;
    cv_result result = scheduler_api_register(daemon, routes, sizeof routes / sizeof routes[0]);
    if (result == CV_OK)
        result = with_database(daemon, NULL, register_work, daemon);
    if (result != CV_OK) {
        cluster_stop(daemon);
        return result;
    }
    /* the first round here: a lone node (or a restart) leads before the
     * API opens, as a single convened always did */
    with_database(daemon, NULL, round_work, state);
    if (pthread_create(&state->thread, NULL, lease_thread, state) != 0) {
        cluster_stop(daemon);
        return CV_ERR_NO_MEMORY;
    }
    state->thread_started = true;
    return CV_OK;
}

static cv_result release_work(store_db *db, void *context)
{
    cluster *state = context;
    return db_cluster_release(db, state->daemon->node_id, state->epoch);
}

static void cluster_stop(scheduler *daemon)
{
    cluster *state = daemon->cluster_state;
    if (state == NULL)
        return;
    pthread_mutex_lock(&state->lock);
    state->stopping = true;
    pthread_cond_broadcast(&state->wake);
    pthread_mutex_unlock(&state->lock);
    if (state->thread_started)
        pthread_join(state->thread, NULL);
    bool was_leader = atomic_exchange(&daemon->leadership.leader, false);
    /* a clean stop hands the lease on at once rather than after it expires */
    if (was_leader && state->epoch > 0)
        with_database(daemon, NULL, release_work, state);
    daemon->cluster_state = NULL;
    pthread_cond_destroy(&state->wake);
    pthread_mutex_destroy(&state->lock);
    free(state);
}

const scheduler_module cluster_module = {"cluster", cluster_start, cluster_stop};
