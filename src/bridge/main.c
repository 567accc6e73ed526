/*
 * main.c - convene-bridge: a call bridge that answers the Cisco Meeting
 * Server management API v1. Parses options (argv and INI), prepares the
 * data directory (database, self-signed certificate), starts the HTTP(S)
 * server and waits for SIGTERM or SIGINT to shut down cleanly.
 */
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bridge/api.h"
#include "bridge/bridge.h"
#include "bridge/bulk_sync.h"
#include "bridge/cdr.h"
#include "bridge/object_store.h"
#include "bridge/runtime.h"
#include "bridge/schema.h"
#include "common/config.h"
#include "common/daemon_options.h"
#include "common/data_dir.h"
#include "common/http_server.h"
#include "common/log.h"

#define PASSWORD_ENVIRONMENT "CONVENE_BRIDGE_PASSWORD"

static const char SYNOPSIS[] =
    "--listen ADDR:PORT --data-dir DIR --api-user NAME:PASSWORD [--api-user ...]\n"
    "       [--name NAME] [--peer NAME=URL ...] [--plain-http | --tls-cert FILE --tls-key FILE]\n"
    "       [--trace FILE|-] [--config FILE] [other options below]\n\n"
    "A call bridge that speaks the Cisco Meeting Server API v1 (XML over HTTPS, Basic auth).\n"
    "A password left out of --api-user NAME is read from $" PASSWORD_ENVIRONMENT ".";

/* Options of the node: where it listens, its cluster, files and TLS. */
static bool node_options(bridge_options *o, option_spec *table, size_t capacity, size_t *count)
{
    const option_spec group[] = {
        daemon_option(DAEMON_OPTION_LISTEN, &o->listen, "address and port to serve the API on"),
        daemon_option(DAEMON_OPTION_DATA_DIR, &o->data_dir,
                      "configuration database (unless --database), TLS certificate"),
        daemon_option(DAEMON_OPTION_DATABASE, &o->database,
                      "keep the configuration in PostgreSQL "
                      "(postgresql://USER@HOST[:PORT]/DB[?sslmode=verify-full]; no password in "
                      "it) instead of DIR/bridge.sqlite"),
        daemon_option(DAEMON_OPTION_DATABASE_PASSWORD_FILE, &o->database_password_file,
                      "the PostgreSQL password (default: $PGPASSWORD or ~/.pgpass)"),
        daemon_option(DAEMON_OPTION_MIGRATE_ONLY, &o->migrate_only,
                      "create or update the database's tables (--database, else "
                      "DIR/bridge.sqlite) and exit; needs no other option (convene migrate runs "
                      "it)"),
        {"api-user", OPTION_LIST, &o->api_users, "NAME:PASSWORD", "an API account (repeatable)", 0,
         0},
        {"name", OPTION_STRING, &o->name, "NAME",
         "this node's call bridge name (default CallBridge)", 0, 0},
        {"peer", OPTION_LIST, &o->peers, "NAME=URL",
         "another call bridge of the cluster (repeatable)", 0, 0},
        {"address", OPTION_STRING, &o->address, "URL",
         "URL this node is reached at (default from --listen)", 0, 0},
        {"sip-domain", OPTION_STRING, &o->sip_domain, "DOMAIN", "SIP domain shown in /callBridges",
         0, 0},
        daemon_option(DAEMON_OPTION_PLAIN_HTTP, &o->plain_http, NULL),
        daemon_option(DAEMON_OPTION_TLS_CERT, &o->tls_certificate, NULL),
        daemon_option(DAEMON_OPTION_TLS_KEY, &o->tls_key, "PEM private key for --tls-cert"),
        {"trace", OPTION_STRING, &o->trace, "FILE|-", "write the API trace to FILE or stdout", 0,
         0},
        daemon_option(DAEMON_OPTION_CONFIG, &o->config, "read options from this INI file"),
    };
    return daemon_options_append(table, capacity, count, group, sizeof group / sizeof group[0]);
}

/* Options of how the simulated bridge answers and dials. */
static bool behaviour_options(bridge_options *o, option_spec *table, size_t capacity, size_t *count)
{
    const option_spec group[] = {
        {"page-limit", OPTION_INTEGER, &o->page_limit, "N",
         "most objects one collection GET returns (default 10)", 1, 100000},
        {"max-body", OPTION_INTEGER, &o->max_body_bytes, "BYTES",
         "largest request body; larger gets 413 (default 65536)", 1024, 64 << 20},
        {"ring-ms", OPTION_INTEGER, &o->ring_milliseconds, "MS",
         "how long a simulated dial-out rings before it connects (default 200)", 0, 600000},
        {"busy-party", OPTION_LIST, &o->busy_parties, "PATTERN",
         "dial-outs to matching parties are rejected busy (repeatable, glob)", 0, 0},
        {"no-answer-party", OPTION_LIST, &o->no_answer_parties, "PATTERN",
         "dial-outs to matching parties ring forever (repeatable, glob)", 0, 0},
        {"strict", OPTION_FLAG, &o->strict, NULL,
         "refuse unknown or mis-cased parameters and bodies not labelled as forms (a real CMS "
         "accepts them)",
         0, 0},
        {"packet-loss-party", OPTION_LIST, &o->packet_loss_parties, "PATTERN",
         "connected legs to matching parties show the packetLoss alarm (repeatable, glob)", 0, 0},
    };
    return daemon_options_append(table, capacity, count, group, sizeof group / sizeof group[0]);
}

/* Options of capacity and CDRs, then the dial rules and the bulk sync hold. */
static bool capacity_options(bridge_options *o, option_spec *table, size_t capacity, size_t *count)
{
    const option_spec group[] = {
        daemon_option(DAEMON_OPTION_THREADS, &o->threads,
                      "HTTP worker threads (default: one per core)"),
        {"max-requests", OPTION_INTEGER, &o->max_requests_in_flight, "N",
         "requests served at once before answering 503 (default 512)", 1, 100000},
        {"cdr-ca-file", OPTION_STRING, &o->cdr_ca_file, "FILE",
         "PEM certificates that https CDR receivers are verified against (default: the system's)",
         0, 0},
        {"cdr-buffer", OPTION_INTEGER, &o->cdr_buffer, "N",
         "CDRs kept for receivers that are down; when full the oldest are dropped (default 100000)",
         1, 10000000},
        {"require-dial-rules", OPTION_FLAG, &o->require_dial_rules, NULL,
         "with no outbound dial plan rule at all, dial-outs fail as on a real CMS (default: an "
         "empty dial plan dials anything)",
         0, 0},
        daemon_option(DAEMON_OPTION_MAX_CONNECTIONS, &o->max_connections,
                      "open connections in total (default 1000)"),
        daemon_option(DAEMON_OPTION_MAX_CONNECTIONS_PER_ADDRESS, &o->max_connections_per_address,
                      "open connections from one client address (default 128)"),
        daemon_option(DAEMON_OPTION_REQUEST_TIMEOUT, &o->request_timeout_seconds,
                      "time to send one whole request, headers and body (default 30)"),
        {"bulk-sync-hold-ms", OPTION_INTEGER, &o->bulk_sync_hold_ms, "MS",
         "keep each coSpace bulk sync pending, then running, this long (default 0; for tests and "
         "demos)",
         0, 600000},
    };
    return daemon_options_append(table, capacity, count, group, sizeof group / sizeof group[0]);
}

/* Fills table[capacity] with every option of the bridge; the number, or 0
 * when the table is too small (a programming error main reports). */
static size_t describe_options(bridge_options *o, option_spec *table, size_t capacity)
{
    size_t count = 0;
    bool fits = node_options(o, table, capacity, &count) &&
                behaviour_options(o, table, capacity, &count) &&
                capacity_options(o, table, capacity, &count);
    return fits ? count : 0;
}

static int fail_usage(const char *message)
{
    fprintf(stderr, "convene-bridge: %s\n", message);
    return 2;
}

/* NAME:PASSWORD entries; a bare NAME takes the password from the environment. */
static cv_result load_users(bridge *node, strbuf *error)
{
    node->users = calloc(node->options.api_users.count, sizeof *node->users);
    if (!node->users)
        return CV_ERR_NO_MEMORY;
    for (size_t i = 0; i < node->options.api_users.count; i++) {
        const char *entry = node->options.api_users.items[i];
        const char *colon = strchr(entry, ':');
        const char *password = colon ? colon + 1 : getenv(PASSWORD_ENVIRONMENT);
        size_t name_length = colon ? (size_t)(colon - entry) : strlen(entry);
        if (name_length == 0 || !password || !*password) {
            strbuf_printf(error, "--api-user %.*s: no password (give NAME:PASSWORD or set $%s)",
                          (int)name_length, entry, PASSWORD_ENVIRONMENT);
            return CV_ERR_INVALID;
        }
        node->users[i].name = strndup(entry, name_length);
        node->users[i].password = strdup(password);
        node->user_count = i + 1;
        if (!node->users[i].name || !node->users[i].password)
            return CV_ERR_NO_MEMORY;
    }
    return CV_OK;
}

static cv_result add_member(bridge *node, const char *name, const char *address)
{
    cluster_member *member = &node->members[node->member_count];
    member->name = strdup(name);
    member->address = strdup(address);
    if (!member->name || !member->address)
        return CV_ERR_NO_MEMORY;
    id_from_name(name, member->id);
    node->member_count++;
    return CV_OK;
}

static cv_result load_cluster(bridge *node, strbuf *error)
{
    const bridge_options *options = &node->options;
    node->members = calloc(options->peers.count + 1, sizeof *node->members);
    if (!node->members)
        return CV_ERR_NO_MEMORY;
    char own_address[300];
    if (options->address)
        snprintf(own_address, sizeof own_address, "%s", options->address);
    else
        snprintf(own_address, sizeof own_address, "%s://%s", options->plain_http ? "http" : "https",
                 options->listen);
    cv_result result = add_member(node, options->name, own_address);
    for (size_t i = 0; result == CV_OK && i < options->peers.count; i++) {
        const char *entry = options->peers.items[i];
        const char *equals = strchr(entry, '=');
        if (!equals || equals == entry || !equals[1]) {
            strbuf_printf(error, "--peer: expected NAME=URL, got \"%s\"", entry);
            return CV_ERR_INVALID;
        }
        char *name = strndup(entry, (size_t)(equals - entry));
        if (!name)
            return CV_ERR_NO_MEMORY;
        for (size_t k = 0; k < node->member_count; k++) {
            if (strcmp(node->members[k].name, name) == 0) {
                strbuf_printf(error, "--peer: call bridge name \"%s\" used twice", name);
                free(name);
                return CV_ERR_INVALID;
            }
        }
        result = add_member(node, name, equals + 1);
        free(name);
    }
    return result;
}

/* The lock file of a data directory the bridge keeps its SQLite database
 * in: held shared by every node on the directory (they share it on
 * purpose), exclusively by `convene migrate` while it copies the file. */
#define BRIDGE_LOCK_FILE "bridge.lock"

/* Opens the configuration database at `location` (PostgreSQL URL or SQLite
 * file) and brings its schema up to date; `shown` receives the location
 * fit for messages (no password). */
static cv_result migrate_database(const bridge_options *options, const char *location, char *shown,
                                  size_t shown_size, strbuf *error)
{
    store_location_masked(location, shown, shown_size);
    if (options->database && !store_location_is_postgresql(options->database)) {
        strbuf_printf(error, "--database: a postgresql:// URL");
        return CV_ERR_INVALID;
    }
    store_db *database = NULL;
    cv_result result = store_db_open(location, options->database_password_file, &database);
    if (result == CV_OK) {
        result = bridge_schema_migrate(database);
        store_db_close(database);
    }
    if (result != CV_OK)
        strbuf_printf(error, "cannot open the database %s: %s", shown, cv_result_name(result));
    return result;
}

static cv_result prepare_data_dir(bridge *node, strbuf *error)
{
    const bridge_options *options = &node->options;
    cv_result prepared = data_dir_prepare(options->data_dir, "--data-dir", error);
    if (prepared != CV_OK)
        return prepared;
    /* Shared: the nodes of one cluster share a directory; kept until exit. */
    int lock = -1;
    if (!options->database && (prepared = data_dir_lock_shared(options->data_dir, BRIDGE_LOCK_FILE,
                                                               &lock, error)) != CV_OK)
        return prepared;
    char path[4096];
    snprintf(path, sizeof path, "%s/bridge.sqlite", options->data_dir);
    /* The configuration database: PostgreSQL when given (its URL holds no
     * password, so it may be shown), else the SQLite file. */
    const char *location = options->database ? options->database : path;
    char shown[4096];
    cv_result result = migrate_database(options, location, shown, sizeof shown, error);
    if (result != CV_OK)
        return result;
    unsigned threads = options->threads > 0 ? (unsigned)options->threads : 4;
    result =
        store_db_pool_open(&node->store, location, options->database_password_file, threads + 4);
    if (result != CV_OK)
        strbuf_printf(error, "cannot open the database %s: %s", shown, cv_result_name(result));
    return result;
}

/* The certificate and key to serve HTTPS with (daemon_tls_files); the
 * options then name the files actually used. */
static cv_result prepare_tls(bridge_options *options, strbuf *error)
{
    char *certificate = NULL, *key = NULL;
    cv_result result =
        daemon_tls_files(options->plain_http, options->tls_certificate, options->tls_key,
                         options->data_dir, options->name, &certificate, &key, error);
    if (result != CV_OK || options->plain_http)
        return result;
    free(options->tls_certificate);
    free(options->tls_key);
    options->tls_certificate = certificate;
    options->tls_key = key;
    return CV_OK;
}

/* This node's calls do not outlive the process: forget their claims on
 * their spaces (one active call per space across the cluster). */
static void release_space_claims(bridge *node)
{
    store_db *database = node->store.connections ? store_db_pool_acquire(&node->store) : NULL;
    if (!database)
        return;
    if (object_release_node_claims(database, node->options.name) != CV_OK)
        log_error("cannot release the spaces this node's calls held");
    store_db_pool_release(&node->store, database);
}

static void release(bridge *node, option_spec *specs, size_t spec_count)
{
    bulk_sync_worker_stop(node->bulk_sync);
    runtime_destroy(node->runtime);
    release_space_claims(node);
    cdr_sender_stop(node->cdr); /* after the runtime: it sends records until then */
    trace_close(node->trace);
    if (node->store.connections)
        store_db_pool_close(&node->store);
    for (size_t i = 0; i < node->member_count; i++) {
        free(node->members[i].name);
        free(node->members[i].address);
    }
    free(node->members);
    for (size_t i = 0; i < node->user_count; i++) {
        free(node->users[i].name);
        explicit_bzero(node->users[i].password, strlen(node->users[i].password));
        free(node->users[i].password);
    }
    free(node->users);
    config_free(specs, spec_count);
}

/* The defaults of the options that have one; the option table
 * (describe_options) shows them in --help. */
static void set_defaults(bridge_options *options)
{
    options->page_limit = 10;
    options->max_body_bytes = 65536;
    options->ring_milliseconds = 200;
    options->max_requests_in_flight = 512;
    options->cdr_buffer = 100000;
    options->max_connections = HTTP_DEFAULT_MAX_CONNECTIONS;
    options->max_connections_per_address = 128;
    options->request_timeout_seconds = HTTP_DEFAULT_REQUEST_TIMEOUT_SECONDS;
}

/* Checks the options that depend on each other; returns the usage error,
 * or NULL when they are complete. */
static const char *options_error(bridge_options *options)
{
    if (options->migrate_only)
        return options->database || options->data_dir
                   ? NULL
                   : "--migrate-only needs --database or --data-dir";
    if (!options->listen || !options->data_dir || options->api_users.count == 0)
        return "--listen, --data-dir and at least one --api-user are required (see --help)";
    if (!options->name && !(options->name = strdup("CallBridge")))
        return "out of memory";
    if (options->plain_http && (options->tls_certificate || options->tls_key))
        return "--plain-http cannot be combined with --tls-cert/--tls-key";
    return NULL;
}

/* Everything before serving: users, cluster, data directory, TLS, trace,
 * the live records and the background threads. Returns the exit status of
 * a failure, or -1 when the node is ready. */
static int prepare_node(bridge *node, strbuf *error)
{
    bridge_options *options = &node->options;
    cv_result result;
    if ((result = load_users(node, error)) != CV_OK ||
        (result = load_cluster(node, error)) != CV_OK ||
        (result = prepare_data_dir(node, error)) != CV_OK ||
        (result = prepare_tls(options, error)) != CV_OK)
        return fail_usage(strbuf_str(error)[0] ? strbuf_str(error) : cv_result_name(result));
    if (options->trace && trace_open(options->trace, options->name, &node->trace) != CV_OK)
        return fail_usage("--trace: cannot open the trace file");
    release_space_claims(node); /* calls this node held before a crash are gone */
    id_from_name(options->name, node->host_id);
    clock_gettime(CLOCK_MONOTONIC, &node->started);
    if (runtime_create(node, &node->runtime) != CV_OK)
        return fail_usage("out of memory");
    return -1;
}

/* Starts the threads (CDR sender, bulk sync worker) and the HTTP server,
 * then serves until SIGTERM or SIGINT. Returns the exit status. */
static int serve(bridge *node, strbuf *error)
{
    bridge_options *options = &node->options;
    /* Block the shutdown signals before threads start so only sigwait sees them. */
    sigset_t stop_signals;
    daemon_block_stop_signals(&stop_signals);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
        cdr_sender_start(node, (size_t)options->cdr_buffer, &node->cdr) != CV_OK)
        return fail_usage("cannot start the CDR sender");
    if (bulk_sync_worker_start(node, &node->bulk_sync) != CV_OK)
        return fail_usage("cannot start the bulk sync worker");

    http_server_config server_config = {
        .listen = options->listen,
        .tls_certificate_file = options->plain_http ? NULL : options->tls_certificate,
        .tls_key_file = options->plain_http ? NULL : options->tls_key,
        .realm = BRIDGE_REALM,
        .max_body_size = (size_t)options->max_body_bytes,
        .thread_count = (unsigned)options->threads,
        .max_connections = (unsigned)options->max_connections,
        .max_connections_per_address = (unsigned)options->max_connections_per_address,
        .request_timeout_seconds = (unsigned)options->request_timeout_seconds,
        .basic_without_space = !options->strict, /* a real CMS accepts "Basic<base64>" */
        .authenticate = api_authenticate,
        .handle = api_handle_request,
        .observe = api_trace_exchange,
        .context = node,
    };
    http_server *server;
    if (http_server_start(&server_config, &server, error) != CV_OK)
        return fail_usage(strbuf_str(error));
    log_info("call bridge \"%s\" serving the CMS API on %s://%s", options->name,
             options->plain_http ? "http" : "https", options->listen);
    int received = 0;
    sigwait(&stop_signals, &received);
    log_info("signal %d: shutting down", received);
    http_server_stop(server);
    return 0;
}

/* --migrate-only: the schema of --database (else DIR/bridge.sqlite) brought
 * up to date, nothing served. Returns the exit status. */
static int migrate_only(const bridge_options *options, strbuf *error)
{
    char path[4096], shown[4096];
    if (!options->database)
        snprintf(path, sizeof path, "%s/bridge.sqlite", options->data_dir);
    const char *location = options->database ? options->database : path;
    cv_result result = migrate_database(options, location, shown, sizeof shown, error);
    if (result != CV_OK)
        return fail_usage(strbuf_str(error));
    log_info("the schema of %s is up to date (version %zu)", shown,
             options->database ? bridge_postgresql_migration_count : bridge_migration_count);
    return 0;
}

int main(int argc, char **argv)
{
    log_set_program("convene-bridge");
    umask(077);         /* every file the bridge creates is 0600: database, WAL, trace, TLS key */
    static bridge node; /* one per process; lives until exit */
    set_defaults(&node.options);
    option_spec specs[48];
    size_t spec_count = describe_options(&node.options, specs, sizeof specs / sizeof specs[0]);
    if (spec_count == 0) {
        fprintf(stderr, "convene-bridge: the option table is too small for every option\n");
        return 70; /* EX_SOFTWARE */
    }

    strbuf error = STRBUF_INIT;
    int status;
    const char *usage_error;
    cv_result result = config_parse(argc, argv, specs, spec_count, &error);
    if (result == CV_ERR_NOT_FOUND) {
        config_print_help("convene-bridge", SYNOPSIS, specs, spec_count);
        status = 0;
    } else if (result != CV_OK) {
        status = fail_usage(strbuf_str(&error));
    } else if ((usage_error = options_error(&node.options)) != NULL) {
        status = fail_usage(usage_error);
    } else if (node.options.migrate_only) {
        status = migrate_only(&node.options, &error);
    } else if ((status = prepare_node(&node, &error)) < 0) {
        status = serve(&node, &error);
    }
    release(&node, specs, spec_count);
    strbuf_free(&error);
    return status;
}
