/*
 * bridge.h - the convene-bridge daemon's shared context.
 *
 * Owns: the options a node runs with, its identity in the cluster, the
 * handles every API module borrows (the pool of connections to the
 * configuration database, shared with the other nodes of the cluster: an
 * SQLite file on a shared data directory or one PostgreSQL database; the
 * trace, the runtime call state). Does not own: any object's API logic
 * (one file per object type).
 */
#ifndef CONVENE_BRIDGE_H
#define CONVENE_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "common/config.h"
#include "common/ids.h"
#include "common/store_db_pool.h"
#include "common/trace.h"

#define BRIDGE_SOFTWARE_VERSION "2.9(convene)"
#define BRIDGE_REALM            "acano"

typedef struct {
    char *listen;
    char *data_dir;
    char *database;               /* postgresql://…; NULL: SQLite in data_dir */
    char *database_password_file; /* the PostgreSQL password; NULL: PGPASSWORD or ~/.pgpass */
    char *name;
    char *trace;
    char *config;
    char *tls_certificate;
    char *tls_key;
    char *cdr_ca_file; /* PEM CA certificates for https CDR receivers; NULL: the system's */
    char *sip_domain;
    char *address;                 /* the URL peers and clients reach this node at */
    string_list api_users;         /* NAME:PASSWORD, or NAME with the password in the environment */
    string_list peers;             /* NAME=URL */
    string_list busy_parties;      /* remote parties that reject dial-outs (glob patterns) */
    string_list no_answer_parties; /* remote parties that never answer (glob patterns) */
    string_list packet_loss_parties; /* connected legs to these report the packetLoss alarm */
    bool plain_http;
    bool migrate_only; /* bring the database's schema up to date, then exit */
    /* Refuse what a real CMS lets through (unknown or mis-cased query and
     * body parameters, bodies not labelled as forms): for testing clients. */
    bool strict;
    int64_t page_limit;             /* the server's own cap on `limit` */
    int64_t max_body_bytes;         /* larger request bodies get 413 */
    int64_t ring_milliseconds;      /* initial -> ringing -> connected delay of a simulated leg */
    int64_t threads;                /* HTTP worker threads; 0 = one per core */
    int64_t max_requests_in_flight; /* beyond this the node answers 503 */
    int64_t bulk_sync_hold_ms;      /* a bulk sync stays this long pending, then running (tests) */
    int64_t cdr_buffer;      /* CDRs kept for receivers that are down; beyond, the oldest go */
    bool require_dial_rules; /* no outbound dial plan rule at all: dial-outs fail, as on CMS */
    /* Hostile clients (http_server.h): connections in total and per client
     * address, seconds to send one whole request. */
    int64_t max_connections;
    int64_t max_connections_per_address;
    int64_t request_timeout_seconds;
} bridge_options;

typedef struct {
    char *name;
    char *address;
    char id[ID_TEXT_SIZE];
} cluster_member;

typedef struct {
    char *name;
    char *password;
} api_user;

struct call_runtime;     /* calls, legs, participants: runtime.h */
struct bulk_sync_worker; /* runs queued coSpace bulk syncs: bulk_sync.h */
struct cdr_sender;       /* posts CDRs to the configured receivers: cdr.h */

typedef struct bridge {
    bridge_options options;
    store_db_pool store; /* the configuration database: SQLite or PostgreSQL */
    trace_log *trace;    /* NULL when tracing is off */
    char host_id[ID_TEXT_SIZE];
    struct timespec started; /* CLOCK_MONOTONIC */
    cluster_member *members; /* this node first, then its peers */
    size_t member_count;
    api_user *users;
    size_t user_count;
    struct call_runtime *runtime;
    struct bulk_sync_worker *bulk_sync; /* NULL until started */
    struct cdr_sender *cdr;             /* NULL: no CDRs (tests, fuzzers) */
    /* Requests being served right now; over the limit the node says 503. */
    _Atomic long requests_in_flight;
} bridge;

/* The node's own cluster entry. */
static inline const cluster_member *bridge_self(const bridge *node)
{
    return &node->members[0];
}

#endif
