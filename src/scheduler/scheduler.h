/*
 * scheduler.h - the convened daemon's shared context.
 *
 * Owns: the options the daemon runs with (one field per command-line / INI
 * option, filled by main.c through common/config.h), the handles every
 * module borrows (the database connection pool, the CMS API trace, the per-bridge
 * CMS client registry, the JSON API router), the stop flag, and the hooks
 * one module offers another. Does not own: any module's logic; each module
 * keeps its own state behind the pointer reserved for it below.
 *
 * Threads: the struct is filled before any thread starts and is read-only
 * afterwards, except `stopping` (atomic) and what each module guards with
 * its own lock.
 */
#ifndef CONVENE_SCHEDULER_H
#define CONVENE_SCHEDULER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"
#include "common/data_dir.h"
#include "common/result.h"
#include "common/secret_box.h"
#include "common/store_db_pool.h"
#include "common/trace.h"

#define SCHEDULER_REALM               "convened"
#define SCHEDULER_TRACE_NODE          "convened"
#define SCHEDULER_DEFAULT_SLOT_PREFIX "TMS_Scheduled_Meeting_"

typedef struct {
    char *listen;   /* ADDR:PORT */
    char *data_dir; /* convened.db (without --database), TLS certificate, keys, trace */
    /* PostgreSQL instead of DIR/convened.db: a libpq URL without a password
     * (store_db_open refuses one: `ps` shows it); the password from
     * database_password_file's first line, else PGPASSWORD or ~/.pgpass. */
    char *database;
    char *database_password_file;
    bool migrate_only; /* apply the migrations and exit */
    char *admin_user;  /* NAME:PASSWORD, or NAME with the password in
                          CONVENED_ADMIN_PASSWORD */
    char *config;      /* INI file */
    char *trace;       /* CMS API trace file; default DIR/cms-trace.log, "-" stdout */
    /* The key file that seals bridge passwords (default DIR/secrets.key)
     * and, while rotating, the one they were sealed with until now. */
    char *secrets_key;
    char *secrets_key_previous;
    char *tls_certificate; /* PEM; default: self-signed in DIR */
    char *tls_key;
    char *log_level; /* debug, info, warning, error */
    bool plain_http; /* serve the JSON API without TLS */
    /* The web console (console.h): its directory (default: the installed
     * one) and whether to serve it at all. */
    char *console_dir;
    bool no_console;
    int64_t threads; /* HTTP worker threads; 0 = one per core */
    /* Hostile clients (http_server.h): connections in total and per client
     * address, seconds to send one whole request. */
    int64_t max_connections;
    int64_t max_connections_per_address;
    int64_t request_timeout_seconds;

    /* Accounts (auth.c, sign_in_limits.h, ldap_auth.h, audit.h) */
    int64_t sign_in_failures;             /* per name before the first wait (0: none) */
    int64_t sign_in_failures_per_address; /* per client address, the same */
    int64_t audit_retention_days;         /* audit rows older than this are purged */
    char *ldap_url;                       /* ldap://host (StartTLS) or ldaps://host */
    char *ldap_bind_dn;                   /* the service account that searches */
    char *ldap_bind_password_file;        /* its password, first line; never logged */
    char *ldap_user_base;                 /* where users are searched */
    char *ldap_user_filter;               /* "(uid=%s)"; %s is the escaped name */
    char *ldap_ca_file;                   /* PEM CAs the server's certificate is checked against */
    string_list ldap_group_roles;         /* GROUP_DN=ROLE, repeatable */

    /* CMS API client (cms_client.h) */
    int64_t cms_max_in_flight;      /* requests in flight per bridge address (default 4) */
    int64_t cms_connect_timeout_ms; /* TCP + TLS connect */
    int64_t cms_timeout_ms;         /* whole request */
    int64_t cms_busy_retries;       /* retries of a 503 answer, with backoff */

    /* Bridge management (poller.c, discovery.c, provisioning.c) */
    int64_t poll_interval_seconds;        /* status polling of every bridge */
    int64_t discovery_interval_seconds;   /* cluster re-discovery */
    int64_t provisioning_timeout_seconds; /* a bulk sync still running after this fails */

    /* Bookings and lifecycle (booking.c, lifecycle*.c) */
    int64_t max_meeting_minutes; /* longest booking accepted */
    int64_t dial_out_retries;    /* extra attempts for a busy/unanswered dial-out */
    int64_t dial_out_retry_seconds;
    int64_t dial_out_answer_seconds; /* a dial-out ringing this long is "noAnswer" */
    int64_t end_warning_minutes;     /* warn on the call this long before the end; 0 never */
    int64_t series_horizon_days;     /* an endless series is booked this far ahead */
    int64_t series_extend_seconds;   /* how often endless series are booked further */

    /* Invitations by e-mail (mail_module.c); none sent without smtp */
    char *smtp;                 /* smtp://host:port or smtps://host:port */
    char *mail_from;            /* the sender's address */
    char *smtp_password_file;   /* the password of the URL's user; never logged */
    int64_t smtp_retry_seconds; /* first retry after a temporary failure */

    /* The CDR receiver (cdr_receiver.c); off without cdr_listen */
    char *cdr_listen;      /* ADDR:PORT of its own listener */
    string_list cdr_allow; /* client networks admitted; default this host */
    char *cdr_url;         /* what bridges are told (+ "/<bridge id>"); default from cdr_listen */
    /* Events (scheduler_events.c): the window of recent events a client
     * can resume within, the streams open at once, the heartbeat period. */
    int64_t events_buffer;
    int64_t max_event_streams;
    int64_t events_heartbeat_seconds;

    /* Several convened on one database (cluster.h): this node's ID
     * (default: host name and data directory), the API address other
     * nodes and operators see (default from --listen), and how long the
     * leader's lease lasts (renewed every third of it). */
    char *node_id;
    char *node_address;
    int64_t lease_seconds;
} scheduler_options;

/* Whether this node may drive meetings now (cluster.c writes it; every
 * thread that acts on its own reads it through cluster_is_leader). */
typedef struct {
    atomic_bool leader;        /* holds the lease */
    atomic_llong epoch;        /* the lease's fencing token while held */
    atomic_llong act_until_ms; /* monotonic: no action after this without a renewal */
    atomic_llong term;         /* +1 at each new term (cluster.h); 0 before the first */
} scheduler_leadership;

struct cms_registry;         /* cms_client.h */
struct scheduler_api_router; /* api.h */
struct bridge_worker;        /* bridges.h: the background poller/discovery/provisioning */

typedef struct scheduler scheduler;

/*
 * Hooks one module offers the others. Each may be NULL; callers then use the
 * documented fallback. Set before threads start.
 */
typedef struct {
    /* Called (from a worker thread) when a bridge's settings, reachability
     * or provisioning changed, so bookings/lifecycle can react. Optional. */
    void (*bridge_changed)(scheduler *daemon, const char *bridge_id);
} scheduler_hooks;

struct scheduler {
    scheduler_options options;
    /* From --admin-user: the admin account auth.c creates or resets at
     * start (then only the users table counts). */
    char *admin_name;
    char *admin_password; /* never logged */
    store_db_pool store;  /* threads borrow one connection per unit of work */
    /* Where the data is: DIR/convened.db, or --database's URL. */
    char *database_path;
    /* The database file as opened; a write must check it is still there
     * (file_watch_check) so a deleted database never takes writes. Not
     * started on PostgreSQL (the check then always passes). */
    file_watch database_watch;
    trace_log *trace; /* the CMS API trace: every request convened makes */
    struct cms_registry *cms;
    struct scheduler_api_router *router;
    struct bridge_worker *bridge_worker;
    secret_box *secrets_key; /* seals bridge passwords (db_bridge_secrets.h) */
    scheduler_hooks hooks;
    atomic_bool stopping; /* set on SIGTERM; long loops check it */
    scheduler_leadership leadership;
    char *node_id; /* options.node_id or the default (cluster.c), fixed before threads */

    /* State of the bookings and lifecycle modules; NULL until they start. */
    void *auth_state;      /* auth.c: the credential cache */
    void *audit_state;     /* audit.c: the purge thread */
    void *bookings_state;  /* booking.c */
    void *lifecycle_state; /* lifecycle.c / timers.c */
    void *mail_state;      /* mail_module.c; NULL when no --smtp */
    void *events_state;    /* scheduler_events.c */
    void *metrics_state;   /* scheduler_metrics.c */
    void *horizon_state;   /* series_horizon.c: the thread that books endless series further */
    void *cdr_state;       /* cdr_receiver.c; NULL when no --cdr-listen */
    void *cluster_state;   /* cluster.c: the lease thread */
};

/*
 * A module of the daemon: main.c starts them in order after the store,
 * trace, CMS registry and router exist and before the HTTP server listens,
 * and stops them in reverse order after the HTTP server stopped. `start`
 * registers its routes (scheduler_api_register) and starts its threads.
 */
typedef struct {
    const char *name;
    cv_result (*start)(scheduler *daemon);
    void (*stop)(scheduler *daemon);
} scheduler_module;

#endif
