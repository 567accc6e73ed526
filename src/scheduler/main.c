/*
 * main.c - the convened executable: options (command line, INI file,
 * environment), the data directory, the database and its migrations, the
 * CMS API trace and client registry, the modules, the HTTP(S) server and a
 * clean stop on SIGTERM/SIGINT.
 *
 * Owns: start-up and shut-down order only. Everything else is a module
 * (scheduler.h: scheduler_module) listed in `modules` below.
 */
#include <curl/curl.h>
#include <errno.h>
#include <libxml/parser.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/config.h"
#include "common/daemon_options.h"
#include "common/data_dir.h"
#include "common/http_server.h"
#include "common/log.h"
#include "common/store_db_pool.h"
#include "common/strbuf.h"
#include "common/trace.h"
#include "scheduler/api.h"
#include "scheduler/audit.h"
#include "scheduler/auth.h"
#include "scheduler/booking.h"
#include "scheduler/bridges.h"
#include "scheduler/calendar_api.h"
#include "scheduler/cluster.h"
#include "scheduler/series_horizon.h"
#include "scheduler/console.h"
#include "scheduler/db_bridge_secrets.h"
#include "common/cms_client.h"
#include "scheduler/scheduler.h"
#include "scheduler/lifecycle.h"
#include "scheduler/attendance.h"
#include "scheduler/cdr_receiver.h"
#include "scheduler/live_control.h"
#include "scheduler/mail_module.h"
#include "scheduler/reports.h"
#include "scheduler/scheduler_events.h"
#include "scheduler/scheduler_metrics.h"
#include "scheduler/outbox.h"
#include "scheduler/schema.h"
#include "scheduler/tickets.h"
#include "scheduler/users_api.h"

#define ADMIN_PASSWORD_VARIABLE "CONVENED_ADMIN_PASSWORD"

/* Started in this order, stopped in reverse (bookings and the lifecycle
 * last: they need the bridges). */
static const scheduler_module *const modules[] = {
    &events_module,       &metrics_module,        &users_module,
    &audit_module,        &tickets_module,        &bridges_module,
    &lifecycle_module,    &booking_module,        &mail_module,
    &calendar_module,     &series_horizon_module, &live_control_module,
    &cdr_receiver_module, &attendance_module,     &reports_module,
    &cluster_module, /* last: it tells the others when this node leads */
};
#define MODULE_COUNT (sizeof modules / sizeof modules[0])

static void set_defaults(scheduler_options *options)
{
    options->log_level = NULL;
    options->cms_max_in_flight = 4;
    options->cms_connect_timeout_ms = 5000;
    options->cms_timeout_ms = 20000;
    options->cms_busy_retries = 3;
    options->poll_interval_seconds = 30;
    options->discovery_interval_seconds = 300;
    options->provisioning_timeout_seconds = 300;
    options->max_meeting_minutes = 24 * 60;
    options->dial_out_retries = 2;
    options->dial_out_retry_seconds = 10;
    options->dial_out_answer_seconds = 30;
    options->end_warning_minutes = 0;
    options->smtp_retry_seconds = OUTBOX_RETRY_FIRST;
    options->series_horizon_days = 365;
    options->events_buffer = EVENTS_DEFAULT_BUFFER;
    options->max_event_streams = EVENTS_DEFAULT_MAX_STREAMS;
    options->events_heartbeat_seconds = EVENTS_DEFAULT_HEARTBEAT_SECONDS;
    options->series_extend_seconds = 3600;
    options->max_connections = HTTP_DEFAULT_MAX_CONNECTIONS;
    options->max_connections_per_address = 64;
    options->request_timeout_seconds = HTTP_DEFAULT_REQUEST_TIMEOUT_SECONDS;
    options->sign_in_failures = 5;
    options->sign_in_failures_per_address = 50;
    options->audit_retention_days = 365;
    options->lease_seconds = CLUSTER_DEFAULT_LEASE_SECONDS;
}

/* Options of the API listener, TLS, files and logs. */
static bool server_options(scheduler_options *o, option_spec *table, size_t capacity, size_t *count)
{
    const option_spec specs[] = {
        daemon_option(DAEMON_OPTION_LISTEN, &o->listen, "address of the JSON API (required)"),
        daemon_option(DAEMON_OPTION_DATA_DIR, &o->data_dir,
                      "the node's own files: TLS, keys, trace, and convened.db without --database "
                      "(required)"),
        daemon_option(DAEMON_OPTION_DATABASE, &o->database,
                      "keep the data in PostgreSQL instead: "
                      "postgresql://USER@HOST[:PORT]/DB[?sslmode=...] (no password in the URL)"),
        daemon_option(DAEMON_OPTION_DATABASE_PASSWORD_FILE, &o->database_password_file,
                      "the --database user's password, on the file's first line (else PGPASSWORD "
                      "or ~/.pgpass)"),
        daemon_option(DAEMON_OPTION_MIGRATE_ONLY, &o->migrate_only,
                      "apply the database migrations and exit (needs only --database or "
                      "--data-dir)"),
        {"admin-user", OPTION_STRING, &o->admin_user, "NAME:PASSWORD",
         "admin account created or reset at start; without :PASSWORD it comes from "
         "$" ADMIN_PASSWORD_VARIABLE " (required)",
         0, 0},
        daemon_option(DAEMON_OPTION_CONFIG, &o->config, "INI file with any of these options"),
        daemon_option(DAEMON_OPTION_PLAIN_HTTP, &o->plain_http, NULL),
        {"console-dir", OPTION_STRING, &o->console_dir, "DIR",
         "the web console's files, served at / (default " CONVENE_CONSOLE_DIR ")", 0, 0},
        {"no-console", OPTION_FLAG, &o->no_console, NULL,
         "do not serve the web console (/ then answers 404)", 0, 0},
        daemon_option(DAEMON_OPTION_TLS_CERT, &o->tls_certificate, NULL),
        daemon_option(DAEMON_OPTION_TLS_KEY, &o->tls_key, "PEM key of --tls-cert"),
        {"trace", OPTION_STRING, &o->trace, "FILE",
         "CMS API trace (default DIR/cms-trace.log; - for stdout)", 0, 0},
        {"secrets-key", OPTION_STRING, &o->secrets_key, "FILE",
         "key file that seals bridge passwords (default DIR/secrets.key, made 0600 when absent)", 0,
         0},
        {"secrets-key-previous", OPTION_STRING, &o->secrets_key_previous, "FILE",
         "rotation: the key file the passwords were sealed with until now", 0, 0},
        {"log-level", OPTION_STRING, &o->log_level, "LEVEL", "debug, info, warning or error", 0, 0},
        daemon_option(DAEMON_OPTION_THREADS, &o->threads, "HTTP worker threads (0: one per core)"),
        daemon_option(DAEMON_OPTION_MAX_CONNECTIONS, &o->max_connections,
                      "open API connections in total (default 1000)"),
        daemon_option(DAEMON_OPTION_MAX_CONNECTIONS_PER_ADDRESS, &o->max_connections_per_address,
                      "open API connections from one client address (default 64)"),
        daemon_option(DAEMON_OPTION_REQUEST_TIMEOUT, &o->request_timeout_seconds,
                      "time a client has to send one whole request, headers and body (default "
                      "30)"),
        {"node-id", OPTION_STRING, &o->node_id, "ID",
         "this node's name among several convened on one database (default HOST:DATA-DIR; "
         "required for a second node on one SQLite --data-dir)",
         0, 0},
        {"node-address", OPTION_STRING, &o->node_address, "URL",
         "the API address GET /api/v1/cluster shows for this node (default from --listen)", 0, 0},
        {"lease-seconds", OPTION_INTEGER, &o->lease_seconds, "SECONDS",
         "how long the leader's lease lasts; renewed every third of it, so another node takes "
         "over within about 1.3 times it (default 3)",
         2, 60},
    };
    return daemon_options_append(table, capacity, count, specs, sizeof specs / sizeof specs[0]);
}

/* Options of talking to the bridges. */
static bool bridge_options(scheduler_options *o, option_spec *table, size_t capacity, size_t *count)
{
    const option_spec specs[] = {
        {"cms-max-in-flight", OPTION_INTEGER, &o->cms_max_in_flight, "N",
         "CMS API requests in flight per bridge address (default 4)", 1, 64},
        {"cms-connect-timeout-ms", OPTION_INTEGER, &o->cms_connect_timeout_ms, "MS",
         "CMS API connect timeout (default 5000)", 100, 600000},
        {"cms-timeout-ms", OPTION_INTEGER, &o->cms_timeout_ms, "MS",
         "CMS API request timeout (default 20000)", 100, 3600000},
        {"cms-busy-retries", OPTION_INTEGER, &o->cms_busy_retries, "N",
         "retries of a 503 answer, with backoff (default 3)", 0, 20},
        {"poll-interval", OPTION_INTEGER, &o->poll_interval_seconds, "SECONDS",
         "bridge status polling interval (default 30)", 1, 86400},
        {"discovery-interval", OPTION_INTEGER, &o->discovery_interval_seconds, "SECONDS",
         "cluster re-discovery interval (default 300)", 1, 604800},
        {"provisioning-timeout", OPTION_INTEGER, &o->provisioning_timeout_seconds, "SECONDS",
         "give up on a slot bulk sync after this (default 300)", 1, 86400},
    };
    return daemon_options_append(table, capacity, count, specs, sizeof specs / sizeof specs[0]);
}

/* Options of bookings and meetings. */
static bool meeting_options(scheduler_options *o, option_spec *table, size_t capacity,
                            size_t *count)
{
    const option_spec specs[] = {
        {"max-meeting-minutes", OPTION_INTEGER, &o->max_meeting_minutes, "MINUTES",
         "longest meeting that can be booked (default 1440)", 1, 525600},
        {"dial-out-retries", OPTION_INTEGER, &o->dial_out_retries, "N",
         "extra attempts for a busy or unanswered dial-out (default 2)", 0, 100},
        {"dial-out-retry-seconds", OPTION_INTEGER, &o->dial_out_retry_seconds, "SECONDS",
         "pause between dial-out attempts (default 10)", 1, 3600},
        {"end-warning-minutes", OPTION_INTEGER, &o->end_warning_minutes, "MINUTES",
         "show \"This meeting ends in N minutes\" on every screen this long before the end "
         "(default 0: never)",
         0, 120},
        {"dial-out-answer-seconds", OPTION_INTEGER, &o->dial_out_answer_seconds, "SECONDS",
         "a dial-out ringing this long counts as unanswered (default 30)", 1, 3600},
        {"series-horizon-days", OPTION_INTEGER, &o->series_horizon_days, "DAYS",
         "a repeating booking without an end is booked this far ahead (default 365)", 1, 3660},
        {"series-extend-seconds", OPTION_INTEGER, &o->series_extend_seconds, "SECONDS",
         "how often such bookings are booked further as time passes (default 3600)", 1, 86400},
    };
    return daemon_options_append(table, capacity, count, specs, sizeof specs / sizeof specs[0]);
}

/* Options of invitations by e-mail. */
static bool mail_options(scheduler_options *o, option_spec *table, size_t capacity, size_t *count)
{
    const option_spec specs[] = {
        {"smtp", OPTION_STRING, &o->smtp, "URL",
         "send invitations through this SMTP server (smtp://host:587, smtps://host:465; "
         "smtp://user@host to log in)",
         0, 0},
        {"mail-from", OPTION_STRING, &o->mail_from, "ADDRESS",
         "the sender of invitations (required with --smtp)", 0, 0},
        {"smtp-password-file", OPTION_STRING, &o->smtp_password_file, "FILE",
         "the password of the --smtp URL's user, on the file's first line", 0, 0},
        {"smtp-retry-seconds", OPTION_INTEGER, &o->smtp_retry_seconds, "SECONDS",
         "first retry of an undelivered e-mail, doubling up to an hour (default 15)", 1, 3600},
    };
    return daemon_options_append(table, capacity, count, specs, sizeof specs / sizeof specs[0]);
}

/* Options of accounts, sign-in and the audit trail. */
static bool account_options(scheduler_options *o, option_spec *table, size_t capacity,
                            size_t *count)
{
    const option_spec specs[] = {
        {"sign-in-failures", OPTION_INTEGER, &o->sign_in_failures, "N",
         "failed sign-ins of one name before it must wait 2, 4, 8 ... s (default 5; 0 never)", 0,
         1000000},
        {"sign-in-failures-per-address", OPTION_INTEGER, &o->sign_in_failures_per_address, "N",
         "the same per client address (default 50; 0 never)", 0, 1000000},
        {"audit-retention-days", OPTION_INTEGER, &o->audit_retention_days, "DAYS",
         "keep the audit trail this long (default 365)", 1, 36600},
        {"ldap", OPTION_STRING, &o->ldap_url, "URL",
         "sign in directory users: ldap://host[:port] (StartTLS) or ldaps://host[:port]", 0, 0},
        {"ldap-bind-dn", OPTION_STRING, &o->ldap_bind_dn, "DN",
         "the service account that searches users and groups", 0, 0},
        {"ldap-bind-password-file", OPTION_STRING, &o->ldap_bind_password_file, "FILE",
         "its password, on the file's first line", 0, 0},
        {"ldap-user-base", OPTION_STRING, &o->ldap_user_base, "DN", "where users are searched", 0,
         0},
        {"ldap-user-filter", OPTION_STRING, &o->ldap_user_filter, "FILTER",
         "finds the user; %s is the sign-in name (default (uid=%s); AD: (sAMAccountName=%s))", 0,
         0},
        {"ldap-ca-file", OPTION_STRING, &o->ldap_ca_file, "FILE",
         "PEM CA certificates the directory's certificate is checked against (default: the "
         "system's)",
         0, 0},
        {"ldap-group-role", OPTION_LIST, &o->ldap_group_roles, "GROUP_DN=ROLE",
         "members of the group get the role admin, operator or booker (repeatable; the highest "
         "wins)",
         0, 0},
    };
    return daemon_options_append(table, capacity, count, specs, sizeof specs / sizeof specs[0]);
}

/* Options of CDRs, events and metrics. */
static bool report_options(scheduler_options *o, option_spec *table, size_t capacity, size_t *count)
{
    const option_spec specs[] = {
        {"cdr-listen", OPTION_STRING, &o->cdr_listen, "ADDR:PORT",
         "receive the bridges' CDRs on this address (its own listener; off without it)", 0, 0},
        {"cdr-allow", OPTION_LIST, &o->cdr_allow, "CIDR",
         "a network whose clients may post CDRs (repeatable; default this host only)", 0, 0},
        {"cdr-url", OPTION_STRING, &o->cdr_url, "URL",
         "the receiver URL bridges are told to post to (default http(s)://<cdr-listen>/cdr; "
         "the bridge's ID is added)",
         0, 0},
        {"events-buffer", OPTION_INTEGER, &o->events_buffer, "N",
         "recent events kept for clients resuming GET /api/v1/events (default 10000)", 1, 10000000},
        {"max-event-streams", OPTION_INTEGER, &o->max_event_streams, "N",
         "GET /api/v1/events streams open at once (default 200)", 1, 100000},
        {"events-heartbeat-seconds", OPTION_INTEGER, &o->events_heartbeat_seconds, "SECONDS",
         "a quiet event stream gets a comment this often (default 15; at most 50, below the "
         "idle timeout of 60 s)",
         1, 50},
    };
    return daemon_options_append(table, capacity, count, specs, sizeof specs / sizeof specs[0]);
}

/* Fills table[capacity] with every option of convened; the number, or 0
 * when the table is too small (a programming error main reports). */
static size_t build_option_table(scheduler_options *o, option_spec *table, size_t capacity)
{
    size_t count = 0;
    bool fits =
        server_options(o, table, capacity, &count) && bridge_options(o, table, capacity, &count) &&
        meeting_options(o, table, capacity, &count) && mail_options(o, table, capacity, &count) &&
        account_options(o, table, capacity, &count) && report_options(o, table, capacity, &count);
    return fits ? count : 0;
}

static cv_result read_admin_user(scheduler *daemon, strbuf *error)
{
    const char *given = daemon->options.admin_user;
    const char *colon = strchr(given, ':');
    if (colon) {
        daemon->admin_name = strndup(given, (size_t)(colon - given));
        daemon->admin_password = strdup(colon + 1);
    } else {
        const char *secret = getenv(ADMIN_PASSWORD_VARIABLE);
        if (!secret || !*secret) {
            strbuf_printf(error, "--admin-user: no \":PASSWORD\" and $%s is not set",
                          ADMIN_PASSWORD_VARIABLE);
            return CV_ERR_INVALID;
        }
        daemon->admin_name = strdup(given);
        daemon->admin_password = strdup(secret);
    }
    if (!daemon->admin_name || !daemon->admin_password)
        return CV_ERR_NO_MEMORY;
    if (!*daemon->admin_name || !*daemon->admin_password) {
        strbuf_printf(error, "--admin-user: the name and the password must not be empty");
        return CV_ERR_INVALID;
    }
    return CV_OK;
}

static bool apply_log_level(const char *level)
{
    if (!level)
        return true;
    static const struct {
        const char *name;
        log_level level;
    } levels[] = {{"debug", LOG_LEVEL_DEBUG},
                  {"info", LOG_LEVEL_INFO},
                  {"warning", LOG_LEVEL_WARNING},
                  {"error", LOG_LEVEL_ERROR}};
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        if (strcmp(level, levels[i].name) == 0) {
            log_set_level(levels[i].level);
            return true;
        }
    }
    return false;
}

/* Where the data is: --database's URL, else DIR/convened.db. NULL when
 * out of memory. */
static char *database_location(const scheduler_options *options)
{
    return options->database ? strdup(options->database)
                             : data_dir_path(options->data_dir, "convened.db");
}

/* Opens the database at `location` and applies the migrations; logs where
 * (a password in the text masked). */
static cv_result open_migrated(const scheduler_options *options, const char *location,
                               store_db **out)
{
    char shown[512];
    store_location_masked(location, shown, sizeof shown);
    cv_result result = store_db_open(location, options->database_password_file, out);
    if (result == CV_OK)
        result = schema_migrate(*out);
    if (result == CV_OK)
        log_info("database %s (%s) at schema version %zu", shown,
                 store_kind_name(store_db_kind(*out)), schema_version_count());
    else
        log_error("database %s: %s", shown,
                  *out && store_db_message(*out)[0] ? store_db_message(*out)
                                                    : cv_result_name(result));
    return result;
}

/* --migrate-only: the migrations, nothing else; the exit code. */
static int migrate_only(const scheduler_options *options)
{
    char *location = database_location(options);
    store_db *database = NULL;
    cv_result result = location ? open_migrated(options, location, &database) : CV_ERR_NO_MEMORY;
    store_db_close(database);
    free(location);
    if (result != CV_OK) {
        fprintf(stderr, "convened: --migrate-only: %s\n", cv_result_name(result));
        return 1;
    }
    return 0;
}

/* Migrates the schema, prepares the sealed passwords (the key file) and
 * opens the pool. */
static cv_result open_database(scheduler *daemon, strbuf *error)
{
    daemon->database_path = database_location(&daemon->options);
    char *key_path = daemon->options.secrets_key
                         ? strdup(daemon->options.secrets_key)
                         : data_dir_path(daemon->options.data_dir, "secrets.key");
    if (!daemon->database_path || !key_path) {
        free(key_path);
        return CV_ERR_NO_MEMORY;
    }
    store_db *database = NULL;
    cv_result result = open_migrated(&daemon->options, daemon->database_path, &database);
    if (result == CV_OK) {
        result = schema_migrate(database);
        if (result == CV_OK)
            result =
                db_bridge_secrets_start(database, key_path, daemon->options.secrets_key_previous,
                                        &daemon->secrets_key, error);
    }
    store_db_close(database);
    free(key_path);
    if (result != CV_OK)
        return result;
    unsigned threads = daemon->options.threads > 0 ? (unsigned)daemon->options.threads : 8;
    return store_db_pool_open(&daemon->store, daemon->database_path,
                              daemon->options.database_password_file, threads + 8);
}

static cv_result start_server(scheduler *daemon, http_server **server, strbuf *error)
{
    char *certificate = NULL, *key = NULL;
    cv_result result = daemon_tls_files(daemon->options.plain_http, daemon->options.tls_certificate,
                                        daemon->options.tls_key, daemon->options.data_dir,
                                        "convened", &certificate, &key, error);
    if (result == CV_OK) {
        http_server_config config = {
            .listen = daemon->options.listen,
            .tls_certificate_file = certificate,
            .tls_key_file = key,
            .realm = SCHEDULER_REALM,
            .unauthorized_body = "{\"error\": {\"code\": \"unauthorized\", \"message\": "
                                 "\"valid credentials are required\", \"details\": null}}",
            .unauthorized_content_type = "application/json",
            .max_body_size = 1024 * 1024,
            .thread_count = (unsigned)daemon->options.threads,
            .max_connections = (unsigned)daemon->options.max_connections,
            .max_connections_per_address = (unsigned)daemon->options.max_connections_per_address,
            .request_timeout_seconds = (unsigned)daemon->options.request_timeout_seconds,
            .basic_without_space = false,
            .identify = auth_identify,
            .session_cookie = AUTH_SESSION_COOKIE,
            .is_public = scheduler_api_is_public,
            .describe_refusal = scheduler_api_describe_refusal,
            .handle = scheduler_metrics_handle_request, /* /metrics, else the API */
            .is_slow = scheduler_api_is_slow,
            .observe = NULL,
            .context = daemon,
        };
        result = http_server_start(&config, server, error);
    }
    free(certificate);
    free(key);
    return result;
}

/* Reads the command line into daemon->options and checks it. Returns -1
 * to go on, else the exit code (0 after --help, 2 on an error, said on
 * stderr). */
static int read_command_line(scheduler *daemon, int argc, char **argv, option_spec *options,
                             size_t option_count)
{
    strbuf error = STRBUF_INIT;
    cv_result result = config_parse(argc, argv, options, option_count, &error);
    if (result == CV_ERR_NOT_FOUND && !strbuf_str(&error)[0]) {
        config_print_help("convened",
                          "--listen ADDR:PORT --data-dir DIR --admin-user NAME:PASSWORD [options]",
                          options, option_count);
        strbuf_free(&error);
        return 0;
    }
    const scheduler_options *o = &daemon->options;
    if (result == CV_OK && o->database && !store_location_is_postgresql(o->database)) {
        strbuf_printf(&error, "--database: expected a postgresql:// URL (without it the data "
                              "is in --data-dir)");
        result = CV_ERR_INVALID;
    }
    if (result == CV_OK && o->database && !o->secrets_key && !o->migrate_only) {
        /* Every node on one database opens the passwords another sealed:
         * a key made per data directory would seal with keys the others lack. */
        strbuf_printf(&error, "--database needs --secrets-key FILE: every node on one database "
                              "uses the same key file (the first start creates it; copy it to "
                              "the other nodes)");
        result = CV_ERR_INVALID;
    }
    if (result == CV_OK && o->migrate_only && !o->database && !o->data_dir) {
        strbuf_printf(&error, "--migrate-only needs --database or --data-dir");
        result = CV_ERR_INVALID;
    }
    if (result == CV_OK && o->migrate_only && !apply_log_level(o->log_level))
        result = CV_ERR_INVALID;
    if (result == CV_OK && o->migrate_only) {
        strbuf_free(&error);
        return migrate_only(o);
    }
    if (result == CV_OK) {
        const char *missing = !o->listen       ? "--listen"
                              : !o->data_dir   ? "--data-dir"
                              : !o->admin_user ? "--admin-user"
                                               : NULL;
        if (missing) {
            strbuf_printf(&error, "%s is required (see --help)", missing);
            result = CV_ERR_INVALID;
        }
    }
    if (result == CV_OK && !apply_log_level(daemon->options.log_level)) {
        strbuf_printf(&error, "--log-level: expected debug, info, warning or error");
        result = CV_ERR_INVALID;
    }
    if (result == CV_OK)
        result = read_admin_user(daemon, &error);
    if (result == CV_OK)
        result = data_dir_prepare(daemon->options.data_dir, "--data-dir", &error);
    if (result == CV_OK)
        result = cluster_resolve_node_id(daemon, &error);
    if (result != CV_OK)
        fprintf(stderr, "convened: %s\n",
                strbuf_str(&error)[0] ? strbuf_str(&error) : cv_result_name(result));
    strbuf_free(&error);
    return result == CV_OK ? -1 : 2;
}

/* The CMS trace file: --trace, else cms-trace.log in the data directory. */
static cv_result open_trace(scheduler *daemon)
{
    char *trace_path = daemon->options.trace
                           ? strdup(daemon->options.trace)
                           : data_dir_path(daemon->options.data_dir, "cms-trace.log");
    cv_result result = trace_path ? trace_open(trace_path, SCHEDULER_TRACE_NODE, &daemon->trace)
                                  : CV_ERR_NO_MEMORY;
    if (result != CV_OK)
        fprintf(stderr, "convened: --trace: cannot open \"%s\"\n", trace_path ? trace_path : "");
    free(trace_path);
    return result;
}

/* Once the database is open: the CMS clients, the API routes, every
 * module (*started_modules counts those started, to stop them again) and
 * the HTTP server. Says on stderr what failed. */
static cv_result start_services(scheduler *daemon, size_t *started_modules, http_server **server,
                                strbuf *error)
{
    cms_client_settings client_settings = {
        .max_in_flight = daemon->options.cms_max_in_flight,
        .connect_timeout_ms = daemon->options.cms_connect_timeout_ms,
        .timeout_ms = daemon->options.cms_timeout_ms,
        .busy_retries = daemon->options.cms_busy_retries,
        .busy_backoff_ms = 200,
        .trace = daemon->trace,
        .cancel = &daemon->stopping,
        .observe_attempt = scheduler_metrics_observe_cms, /* no-op until metrics start */
        .observe_context = daemon,
    };
    cv_result result = cms_registry_create(&client_settings, &daemon->cms);
    if (result == CV_OK)
        result = scheduler_api_router_create(daemon);
    if (result != CV_OK) {
        fprintf(stderr, "convened: %s\n", cv_result_name(result));
        return result;
    }
    for (; *started_modules < MODULE_COUNT; (*started_modules)++) {
        result = modules[*started_modules]->start(daemon);
        if (result != CV_OK) {
            fprintf(stderr, "convened: cannot start %s: %s\n", modules[*started_modules]->name,
                    cv_result_name(result));
            return result;
        }
    }
    result = start_server(daemon, server, error);
    if (result != CV_OK)
        fprintf(stderr, "convened: %s\n", strbuf_str(error));
    return result;
}

/* Everything main set up, in reverse; each part copes with never having
 * been set up. */
static void stop_all(scheduler *daemon, http_server *server, size_t started_modules,
                     bool store_open, const int locks[2])
{
    atomic_store(&daemon->stopping, true);
    scheduler_events_attach_server(daemon, NULL); /* no publish wakes a stopped server */
    http_server_stop(server);
    while (started_modules > 0) {
        started_modules--;
        modules[started_modules]->stop(daemon);
    }
    scheduler_api_router_free(daemon);
    cms_registry_free(daemon->cms);
    trace_close(daemon->trace);
    if (store_open)
        store_db_pool_close(&daemon->store);
    free(daemon->database_path);
    db_bridge_secrets_stop(daemon->secrets_key);
    file_watch_free(&daemon->database_watch);
    data_dir_unlock(locks[0]);
    data_dir_unlock(locks[1]);
    free(daemon->node_id);
    free(daemon->admin_name);
    if (daemon->admin_password) {
        explicit_bzero(daemon->admin_password, strlen(daemon->admin_password));
        free(daemon->admin_password);
    }
}

/* Takes the data directory's locks, held until exit: one convened per
 * data directory, or per node ID when several share one SQLite directory
 * (cluster.h). A node with an ID also holds convened.lock shared, so
 * `convene migrate` (which takes it alone) and a convened without an ID
 * still see the directory in use. locks[0] is the node's own lock,
 * locks[1] the shared one (-1 when not taken). Says on stderr what failed. */
static cv_result lock_data_dir(scheduler *daemon, int locks[2], strbuf *error)
{
    char lock_name[96];
    cluster_lock_name(daemon, lock_name, sizeof lock_name);
    /* The lost-file check is the SQLite file's; PostgreSQL keeps its own. */
    bool on_file = !daemon->options.database;
    const char *directory = daemon->options.data_dir;
    if ((on_file && data_dir_check_not_lost(directory, lock_name, "convened.db", error) != CV_OK) ||
        (daemon->options.node_id &&
         data_dir_lock_shared(directory, "convened.lock", &locks[1], error) != CV_OK) ||
        data_dir_lock(directory, lock_name, &locks[0], error) != CV_OK) {
        fprintf(stderr, "convened: %s\n", strbuf_str(error));
        return CV_ERR_IO;
    }
    return CV_OK;
}

/* Opens the database (open_database) and, on a SQLite file, watches it:
 * from the moment the file is lost, no module can write to it. Says on
 * stderr what failed. */
static cv_result open_store(scheduler *daemon, strbuf *error)
{
    bool on_file = !daemon->options.database;
    cv_result result = open_database(daemon, error);
    if (result == CV_OK && on_file)
        result = file_watch_start(&daemon->database_watch, daemon->database_path);
    if (result != CV_OK) {
        char shown[512];
        store_location_masked(daemon->database_path ? daemon->database_path : "", shown,
                              sizeof shown);
        fprintf(stderr, "convened: cannot open the database %s: %s\n", shown,
                strbuf_str(error)[0] ? strbuf_str(error) : cv_result_name(result));
        return result;
    }
    if (on_file)
        store_pool_watch(store_db_pool_sqlite(&daemon->store), &daemon->database_watch);
    return CV_OK;
}

/* Serves until SIGTERM or SIGINT, waking every second to notice a
 * database deleted under us even when no request comes (file_watch_check
 * logs it once). */
static void wait_for_stop(scheduler *daemon, const sigset_t *stop_signals)
{
    const struct timespec watch_period = {.tv_sec = 1};
    int received;
    while ((received = sigtimedwait(stop_signals, NULL, &watch_period)) < 0)
        file_watch_check(&daemon->database_watch);
    log_info("stopping on signal %d", received);
}

int main(int argc, char **argv)
{
    log_set_program("convened");
    umask(077);              /* every file convened creates is 0600: database, WAL, trace, keys */
    static scheduler daemon; /* static: lives until exit; only main touches it before threads */
    set_defaults(&daemon.options);
    option_spec options[64];
    size_t option_count =
        build_option_table(&daemon.options, options, sizeof options / sizeof options[0]);
    if (option_count == 0) {
        fprintf(stderr, "convened: the option table is too small for every option\n");
        return 70; /* EX_SOFTWARE */
    }
    int early_exit = read_command_line(&daemon, argc, argv, options, option_count);
    if (early_exit >= 0) {
        config_free(options, option_count);
        return early_exit;
    }

    /* Signals are taken by wait_for_stop; every thread inherits the mask. */
    sigset_t stop_signals;
    daemon_block_stop_signals(&stop_signals);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    xmlInitParser();

    int exit_code = 1;
    strbuf error = STRBUF_INIT;
    http_server *server = NULL;
    size_t started_modules = 0;
    bool store_open_ok = false;
    int locks[2] = {-1, -1}; /* lock_data_dir */
    if (lock_data_dir(&daemon, locks, &error) == CV_OK &&
        (store_open_ok = open_store(&daemon, &error) == CV_OK) && open_trace(&daemon) == CV_OK &&
        start_services(&daemon, &started_modules, &server, &error) == CV_OK) {
        scheduler_events_attach_server(&daemon, server);
        log_info("listening on %s (%s), data in %s", daemon.options.listen,
                 daemon.options.plain_http ? "plain HTTP" : "HTTPS", daemon.options.data_dir);
        wait_for_stop(&daemon, &stop_signals);
        exit_code = 0;
    }
    stop_all(&daemon, server, started_modules, store_open_ok, locks);
    strbuf_free(&error);
    config_free(options, option_count);
    xmlCleanupParser();
    curl_global_cleanup();
    return exit_code;
}
