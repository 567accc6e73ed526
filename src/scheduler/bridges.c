/*
 * bridges.c - managed bridges: the stored record, the /bridges resource and
 * the background worker; see bridges.h.
 *
 * Owns: the bridges rows' settings columns, validation of settings, the
 * JSON form of a bridge, the addresses to try for a bridge, and the worker
 * threads that refresh bridges (status at --poll-interval, discovery at
 * --discovery-interval, provisioning when the settings ask for it).
 * Does not own: the CMS requests themselves (poller.c, discovery.c,
 * provisioning.c) or ticket rows (tickets.c).
 */
#include "scheduler/bridges.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/store.h"
#include "common/strbuf.h"
#include "common/text.h"
#include "scheduler/api.h"
#include "scheduler/discovery.h"
#include "scheduler/poller.h"
#include "scheduler/provisioning.h"
#include "scheduler/schema.h"
#include "scheduler/tickets.h"

#define WORKER_THREADS                    4
#define NUMERIC_ID_MAX                    999999999999LL /* 12 digits, as CMS call IDs go */
#define SLOT_QUANTITY_MAX                 100000
#define FAILED_PROVISIONING_RETRY_SECONDS 60

/* ---- the record ------------------------------------------------------------ */

void bridge_record_free(bridge_record *record)
{
    free(record->address);
    free(record->username);
    if (record->password) {
        explicit_bzero(record->password, strlen(record->password));
        free(record->password);
    }
    free(record->ca_file);
    free(record->pinned_certificate);
    free(record->name);
    free(record->domain);
    free(record->alternate_address);
    free(record->alternate_username);
    if (record->alternate_password) {
        explicit_bzero(record->alternate_password, strlen(record->alternate_password));
        free(record->alternate_password);
    }
    free(record->slot_name_prefix);
    free(record->software_version);
    free(record->call_profile_id);
    free(record->call_leg_profile_id);
    free(record->bulk_parameter_set_id);
    free(record->provisioning_state);
    memset(record, 0, sizeof *record);
}

#define RECORD_COLUMNS                                                                             \
    "id, address, username, password, tls_verify, ca_file, pinned_certificate, name, domain,"      \
    " numeric_id_base, numeric_id_quantity, alternate_address, alternate_username,"                \
    " alternate_password, allow_booking, slot_name_prefix, software_version, reachable,"           \
    " last_contact, uptime_seconds, call_legs_active, call_legs_max_active,"                       \
    " call_legs_completed, call_profile_id, call_leg_profile_id, bulk_parameter_set_id,"           \
    " provisioned_base, provisioned_quantity, provisioning_state, provisioning_attempted,"         \
    " created"

/* A copy of a nullable text column; *failed set when out of memory. */
static char *column_text(sqlite3_stmt *statement, int column, bool *failed)
{
    const unsigned char *text = sqlite3_column_text(statement, column);
    if (!text)
        return NULL;
    char *copy = strdup((const char *)text);
    if (!copy)
        *failed = true;
    return copy;
}

static cv_result read_record(sqlite3_stmt *statement, bridge_record *out)
{
    memset(out, 0, sizeof *out);
    bool failed = false;
    snprintf(out->id, sizeof out->id, "%s", (const char *)sqlite3_column_text(statement, 0));
    out->address = column_text(statement, 1, &failed);
    out->username = column_text(statement, 2, &failed);
    out->password = column_text(statement, 3, &failed);
    out->tls_verify = sqlite3_column_int(statement, 4) != 0;
    out->ca_file = column_text(statement, 5, &failed);
    out->pinned_certificate = column_text(statement, 6, &failed);
    out->name = column_text(statement, 7, &failed);
    out->domain = column_text(statement, 8, &failed);
    out->has_numeric_id_base = sqlite3_column_type(statement, 9) != SQLITE_NULL;
    out->numeric_id_base = sqlite3_column_int64(statement, 9);
    out->has_numeric_id_quantity = sqlite3_column_type(statement, 10) != SQLITE_NULL;
    out->numeric_id_quantity = sqlite3_column_int64(statement, 10);
    out->alternate_address = column_text(statement, 11, &failed);
    out->alternate_username = column_text(statement, 12, &failed);
    out->alternate_password = column_text(statement, 13, &failed);
    out->allow_booking = sqlite3_column_int(statement, 14) != 0;
    out->slot_name_prefix = column_text(statement, 15, &failed);
    out->software_version = column_text(statement, 16, &failed);
    out->reachable = sqlite3_column_int(statement, 17) != 0;
    out->last_contact = sqlite3_column_int64(statement, 18);
    out->uptime_seconds = sqlite3_column_int64(statement, 19);
    out->call_legs_active = sqlite3_column_int64(statement, 20);
    out->call_legs_max_active = sqlite3_column_int64(statement, 21);
    out->call_legs_completed = sqlite3_column_int64(statement, 22);
    out->call_profile_id = column_text(statement, 23, &failed);
    out->call_leg_profile_id = column_text(statement, 24, &failed);
    out->bulk_parameter_set_id = column_text(statement, 25, &failed);
    out->has_provisioned_range = sqlite3_column_type(statement, 26) != SQLITE_NULL &&
                                 sqlite3_column_type(statement, 27) != SQLITE_NULL;
    out->provisioned_base = sqlite3_column_int64(statement, 26);
    out->provisioned_quantity = sqlite3_column_int64(statement, 27);
    out->provisioning_state = column_text(statement, 28, &failed);
    out->provisioning_attempted = sqlite3_column_int64(statement, 29);
    out->created = sqlite3_column_int64(statement, 30);
    if (failed) {
        bridge_record_free(out);
        return CV_ERR_NO_MEMORY;
    }
    return CV_OK;
}

cv_result bridge_load(sqlite3 *database, const char *bridge_id, bridge_record *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *statement = NULL;
    int code = sqlite3_prepare_v2(database, "SELECT " RECORD_COLUMNS " FROM bridges WHERE id = ?1",
                                  -1, &statement, NULL);
    if (code == SQLITE_OK)
        code = sqlite3_bind_text(statement, 1, bridge_id, -1, SQLITE_TRANSIENT);
    if (code == SQLITE_OK)
        code = sqlite3_step(statement);
    cv_result result;
    if (code == SQLITE_ROW)
        result = read_record(statement, out);
    else if (code == SQLITE_DONE)
        result = CV_ERR_NOT_FOUND;
    else
        result = store_result(code);
    sqlite3_finalize(statement);
    return result;
}

void bridge_free_ids(char **ids, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(ids[i]);
    free(ids);
}

cv_result bridge_list_ids(sqlite3 *database, char ***ids, size_t *count)
{
    *ids = NULL;
    *count = 0;
    sqlite3_stmt *statement = NULL;
    int code = sqlite3_prepare_v2(database, "SELECT id FROM bridges ORDER BY created, id", -1,
                                  &statement, NULL);
    cv_result result = CV_OK;
    while (code == SQLITE_OK && (code = sqlite3_step(statement)) == SQLITE_ROW) {
        code = SQLITE_OK;
        char **grown = realloc(*ids, (*count + 1) * sizeof *grown);
        char *id = strdup((const char *)sqlite3_column_text(statement, 0));
        if (!grown || !id) {
            free(id);
            if (grown)
                *ids = grown;
            result = CV_ERR_NO_MEMORY;
            break;
        }
        *ids = grown;
        (*ids)[(*count)++] = id;
    }
    if (result == CV_OK && code != SQLITE_DONE)
        result = store_result(code);
    sqlite3_finalize(statement);
    if (result != CV_OK) {
        bridge_free_ids(*ids, *count);
        *ids = NULL;
        *count = 0;
    }
    return result;
}

bool bridge_dial_numbers_complete(const bridge_record *record)
{
    return record->domain && *record->domain && record->has_numeric_id_base &&
           record->has_numeric_id_quantity && record->numeric_id_quantity > 0;
}

const char *bridge_display_name(const bridge_record *record)
{
    return record->name && *record->name ? record->name : record->address;
}

cms_endpoint bridge_primary_endpoint(const bridge_record *record)
{
    cms_endpoint endpoint = {
        .address = record->address,
        .username = record->username,
        .password = record->password,
        .tls_verify = record->tls_verify,
        .ca_file = record->ca_file,
        .pinned_certificate = record->pinned_certificate,
    };
    return endpoint;
}

cv_result bridge_primary_client(scheduler *daemon, const bridge_record *record, cms_client **out)
{
    cms_endpoint endpoint = bridge_primary_endpoint(record);
    return cms_registry_client(daemon->cms, &endpoint, out);
}

void bridge_endpoints_free(bridge_endpoints *endpoints)
{
    for (size_t i = 0; i < endpoints->owned_count; i++)
        free(endpoints->owned[i]);
    free(endpoints->owned);
    free(endpoints->items);
    memset(endpoints, 0, sizeof *endpoints);
}

static bool endpoints_contain(const bridge_endpoints *endpoints, const char *address)
{
    for (size_t i = 0; i < endpoints->count; i++)
        if (cms_address_same_endpoint(endpoints->items[i].address, address))
            return true;
    return false;
}

static cv_result endpoints_add(bridge_endpoints *endpoints, cms_endpoint endpoint)
{
    cms_endpoint *grown = realloc(endpoints->items, (endpoints->count + 1) * sizeof *grown);
    if (!grown)
        return CV_ERR_NO_MEMORY;
    endpoints->items = grown;
    endpoints->items[endpoints->count++] = endpoint;
    return CV_OK;
}

cv_result bridge_endpoints_load(sqlite3 *database, const bridge_record *record,
                                bridge_endpoints *out)
{
    memset(out, 0, sizeof *out);
    cv_result result = endpoints_add(out, bridge_primary_endpoint(record));
    if (result == CV_OK && record->alternate_address && *record->alternate_address &&
        !endpoints_contain(out, record->alternate_address)) {
        cms_endpoint alternate = bridge_primary_endpoint(record);
        alternate.address = record->alternate_address;
        if (record->alternate_username && *record->alternate_username) {
            alternate.username = record->alternate_username;
            alternate.password = record->alternate_password ? record->alternate_password : "";
        }
        result = endpoints_add(out, alternate);
    }
    sqlite3_stmt *statement = NULL;
    int code = SQLITE_OK;
    if (result == CV_OK)
        code = sqlite3_prepare_v2(database,
                                  "SELECT address FROM cluster_members WHERE bridge_id = ?1"
                                  " AND added = 0 AND address <> '' ORDER BY position",
                                  -1, &statement, NULL);
    if (result == CV_OK && code == SQLITE_OK)
        code = sqlite3_bind_text(statement, 1, record->id, -1, SQLITE_TRANSIENT);
    while (result == CV_OK && code == SQLITE_OK && (code = sqlite3_step(statement)) == SQLITE_ROW) {
        code = SQLITE_OK;
        const char *address = (const char *)sqlite3_column_text(statement, 0);
        cms_address parsed;
        if (cms_address_parse(address, &parsed) != CV_OK || endpoints_contain(out, address))
            continue;
        char **grown = realloc(out->owned, (out->owned_count + 1) * sizeof *grown);
        char *copy = strdup(address);
        if (grown)
            out->owned = grown;
        if (!grown || !copy) {
            free(copy);
            result = CV_ERR_NO_MEMORY;
            break;
        }
        out->owned[out->owned_count++] = copy;
        cms_endpoint member = bridge_primary_endpoint(record);
        member.address = copy;
        result = endpoints_add(out, member);
    }
    if (result == CV_OK && code != SQLITE_OK && code != SQLITE_DONE)
        result = store_result(code);
    sqlite3_finalize(statement);
    if (result != CV_OK)
        bridge_endpoints_free(out);
    return result;
}

/* ---- pure helpers ------------------------------------------------------------ */

bool bridge_slot_prefix_is_valid(const char *prefix)
{
    size_t length = prefix ? strlen(prefix) : 0;
    if (length == 0 || length > 64 || !text_is_valid_utf8(prefix, length))
        return false;
    for (const unsigned char *c = (const unsigned char *)prefix; *c; c++)
        if (*c < 0x20 || *c == 0x7f || *c == '$' || *c == '\\')
            return false;
    return true;
}

bool bridge_domain_is_valid(const char *domain)
{
    size_t length = domain ? strlen(domain) : 0;
    if (length == 0 || length > 253 || domain[0] == '.' || domain[0] == '-' ||
        domain[length - 1] == '.')
        return false;
    for (const char *c = domain; *c; c++) {
        bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                  (*c >= '0' && *c <= '9') || *c == '-' || *c == '.';
        if (!ok || (c[0] == '.' && c[1] == '.'))
            return false;
    }
    return true;
}

/* ---- JSON --------------------------------------------------------------------- */

static json_t *string_or_null(const char *text)
{
    return text && *text ? json_string(text) : json_null();
}

static json_t *cluster_json(sqlite3 *database, const char *bridge_id)
{
    json_t *list = json_array();
    sqlite3_stmt *statement = NULL;
    int code = sqlite3_prepare_v2(database,
                                  "SELECT name, address, added FROM cluster_members"
                                  " WHERE bridge_id = ?1 ORDER BY position",
                                  -1, &statement, NULL);
    if (code == SQLITE_OK)
        code = sqlite3_bind_text(statement, 1, bridge_id, -1, SQLITE_TRANSIENT);
    while (list && code == SQLITE_OK && (code = sqlite3_step(statement)) == SQLITE_ROW) {
        code = SQLITE_OK;
        json_t *member =
            json_pack("{s:s, s:s, s:b}", "name", sqlite3_column_text(statement, 0), "address",
                      sqlite3_column_text(statement, 1), "added", sqlite3_column_int(statement, 2));
        if (!member || json_array_append_new(list, member) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    sqlite3_finalize(statement);
    if (code != SQLITE_DONE) {
        json_decref(list);
        return NULL;
    }
    return list;
}

static json_t *bridge_json(sqlite3 *database, const bridge_record *record)
{
    json_t *cluster = cluster_json(database, record->id);
    json_t *tickets = tickets_json_for_bridge(database, record->id);
    char last_contact[32] = "";
    if (record->last_contact)
        api_format_time(record->last_contact, last_contact, sizeof last_contact);
    json_t *document = NULL;
    if (cluster && tickets) {
        document = json_pack(
            "{s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:s, s:o,"
            " s:b, s:o, s:o, s:{s:I, s:I}, s:o, s:{s:I, s:I, s:I, s:I, s:o}}",
            "id", record->id, "address", record->address, "username", record->username, "tlsVerify",
            record->tls_verify, "caFile", string_or_null(record->ca_file), "pinnedCertificate",
            string_or_null(record->pinned_certificate), "name", string_or_null(record->name),
            "domain", string_or_null(record->domain), "numericIdBase",
            record->has_numeric_id_base ? json_integer(record->numeric_id_base) : json_null(),
            "numericIdQuantity",
            record->has_numeric_id_quantity ? json_integer(record->numeric_id_quantity)
                                            : json_null(),
            "alternateAddress", string_or_null(record->alternate_address), "alternateUsername",
            string_or_null(record->alternate_username), "softwareVersion",
            string_or_null(record->software_version), "allowBooking", record->allow_booking,
            "slotNamePrefix", record->slot_name_prefix, "cluster", cluster, "reachable",
            record->reachable, "tickets", tickets, "provisioning",
            json_string(record->provisioning_state ? record->provisioning_state : "none"), "slots",
            "total",
            (json_int_t)(record->has_numeric_id_quantity ? record->numeric_id_quantity : 0),
            "provisioned",
            (json_int_t)(record->has_provisioned_range ? record->provisioned_quantity : 0),
            "lastContact", last_contact[0] ? json_string(last_contact) : json_null(), "status",
            "callLegsActive", (json_int_t)record->call_legs_active, "callLegsMaxActive",
            (json_int_t)record->call_legs_max_active, "callLegsCompleted",
            (json_int_t)record->call_legs_completed, "uptimeSeconds",
            (json_int_t)record->uptime_seconds, "softwareVersion",
            string_or_null(record->software_version));
        cluster = tickets = NULL; /* stolen by the "o" formats, even on failure */
    }
    json_decref(cluster);
    json_decref(tickets);
    return document;
}

/* ---- the worker ---------------------------------------------------------------- */

typedef struct {
    char id[ID_TEXT_SIZE];
    bool full; /* asked for: retry failed provisioning now, whatever the timer says */
} refresh_job;

typedef struct {
    char id[ID_TEXT_SIZE];
    struct timespec last_discovery;
} discovery_time;

struct bridge_worker {
    scheduler *daemon;
    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t wake;  /* new job, or stopping */
    pthread_cond_t tick;  /* the ticker's sleep; signalled when stopping */
    bool stopping;
    refresh_job *queue;
    size_t queue_count;
    char (*running)[ID_TEXT_SIZE];
    size_t running_count;
    discovery_time *discoveries;
    size_t discovery_count;
    pthread_t threads[WORKER_THREADS];
    size_t thread_count;
    pthread_t ticker;
    bool ticker_started;
};

static void monotonic_now(struct timespec *now)
{
    clock_gettime(CLOCK_MONOTONIC, now);
}

/* Adds a job unless one for the bridge is queued (then `full` is merged).
 * Caller holds the lock. */
static void enqueue_locked(struct bridge_worker *worker, const char *bridge_id, bool full)
{
    for (size_t i = 0; i < worker->queue_count; i++) {
        if (strcmp(worker->queue[i].id, bridge_id) == 0) {
            worker->queue[i].full |= full;
            return;
        }
    }
    refresh_job *grown = realloc(worker->queue, (worker->queue_count + 1) * sizeof *grown);
    if (!grown) {
        log_error("bridge worker: out of memory, refresh of %s dropped", bridge_id);
        return;
    }
    worker->queue = grown;
    snprintf(worker->queue[worker->queue_count].id, ID_TEXT_SIZE, "%s", bridge_id);
    worker->queue[worker->queue_count].full = full;
    worker->queue_count++;
    pthread_cond_signal(&worker->wake);
}

void bridges_request_refresh(scheduler *daemon, const char *bridge_id)
{
    struct bridge_worker *worker = daemon->bridge_worker;
    if (!worker)
        return;
    pthread_mutex_lock(&worker->lock);
    enqueue_locked(worker, bridge_id, true);
    pthread_mutex_unlock(&worker->lock);
}

static bool is_running_locked(const struct bridge_worker *worker, const char *bridge_id)
{
    for (size_t i = 0; i < worker->running_count; i++)
        if (strcmp(worker->running[i], bridge_id) == 0)
            return true;
    return false;
}

/* Whether discovery is due for the bridge; records now as its time when so. */
static bool discovery_due(struct bridge_worker *worker, const char *bridge_id, bool forced)
{
    struct timespec now;
    monotonic_now(&now);
    pthread_mutex_lock(&worker->lock);
    discovery_time *entry = NULL;
    for (size_t i = 0; i < worker->discovery_count && !entry; i++)
        if (strcmp(worker->discoveries[i].id, bridge_id) == 0)
            entry = &worker->discoveries[i];
    if (!entry) {
        discovery_time *grown =
            realloc(worker->discoveries, (worker->discovery_count + 1) * sizeof *grown);
        if (grown) {
            worker->discoveries = grown;
            entry = &worker->discoveries[worker->discovery_count++];
            snprintf(entry->id, sizeof entry->id, "%s", bridge_id);
            forced = true;
        }
    }
    bool due = forced || !entry ||
               now.tv_sec - entry->last_discovery.tv_sec >=
                   worker->daemon->options.discovery_interval_seconds;
    if (due && entry)
        entry->last_discovery = now;
    pthread_mutex_unlock(&worker->lock);
    return due;
}

/* Makes the next refresh of the bridge run discovery (its address changed). */
static void forget_discovery(struct bridge_worker *worker, const char *bridge_id)
{
    if (!worker)
        return;
    pthread_mutex_lock(&worker->lock);
    for (size_t i = 0; i < worker->discovery_count; i++) {
        if (strcmp(worker->discoveries[i].id, bridge_id) == 0) {
            worker->discoveries[i] = worker->discoveries[--worker->discovery_count];
            break;
        }
    }
    pthread_mutex_unlock(&worker->lock);
}

static void refresh_bridge(struct bridge_worker *worker, const refresh_job *job)
{
    scheduler *daemon = worker->daemon;
    sqlite3 *database = store_pool_acquire(&daemon->store);
    bridge_record record;
    cv_result result = bridge_load(database, job->id, &record);
    if (result != CV_OK) {
        if (result != CV_ERR_NOT_FOUND)
            log_warning("bridge %s: cannot load: %s", job->id, cv_result_name(result));
        store_pool_release(&daemon->store, database);
        return;
    }
    cms_client *client = NULL;
    result = bridge_primary_client(daemon, &record, &client);
    char error[512] = "";
    if (result == CV_OK)
        result = poller_check(database, &record, client, NULL, error, sizeof error);
    else
        log_warning("bridge %s: no client for %s: %s", record.id, record.address,
                    cv_result_name(result));
    if (result == CV_OK && discovery_due(worker, record.id, false)) {
        discovery_cluster cluster;
        cv_result discovered =
            discovery_fetch(client, record.address, &cluster, error, sizeof error);
        if (discovered == CV_OK) {
            discovery_store(database, record.id, &cluster);
            discovery_cluster_free(&cluster);
        } else {
            log_warning("bridge %s: discovery failed: %s", bridge_display_name(&record), error);
        }
    }
    if (result == CV_OK && !atomic_load(&daemon->stopping)) {
        /* Reload: the status check may have changed the row. */
        bridge_record_free(&record);
        result = bridge_load(database, job->id, &record);
        bool retry_due = true;
        if (result == CV_OK && record.provisioning_state &&
            strcmp(record.provisioning_state, "failed") == 0 && !job->full)
            retry_due =
                time(NULL) - record.provisioning_attempted >= FAILED_PROVISIONING_RETRY_SECONDS;
        if (result == CV_OK && provisioning_needed(&record) && retry_due)
            provisioning_run(daemon, database, &record, client);
        else if (result == CV_OK && !bridge_dial_numbers_complete(&record))
            /* Nothing to provision: an old failure no longer applies. */
            tickets_set(database, record.id, TICKET_PROVISIONING, false, NULL);
    }
    if (result != CV_ERR_NOT_FOUND)
        bridge_record_free(&record);
    store_pool_release(&daemon->store, database);
    if (daemon->hooks.bridge_changed)
        daemon->hooks.bridge_changed(daemon, job->id);
}

static void *worker_main(void *argument)
{
    struct bridge_worker *worker = argument;
    pthread_mutex_lock(&worker->lock);
    while (!worker->stopping) {
        size_t chosen = worker->queue_count;
        for (size_t i = 0; i < worker->queue_count && chosen == worker->queue_count; i++)
            if (!is_running_locked(worker, worker->queue[i].id))
                chosen = i;
        if (chosen == worker->queue_count) {
            pthread_cond_wait(&worker->wake, &worker->lock);
            continue;
        }
        refresh_job job = worker->queue[chosen];
        memmove(&worker->queue[chosen], &worker->queue[chosen + 1],
                (worker->queue_count - chosen - 1) * sizeof *worker->queue);
        worker->queue_count--;
        snprintf(worker->running[worker->running_count++], ID_TEXT_SIZE, "%s", job.id);
        pthread_mutex_unlock(&worker->lock);

        refresh_bridge(worker, &job);

        pthread_mutex_lock(&worker->lock);
        for (size_t i = 0; i < worker->running_count; i++) {
            if (strcmp(worker->running[i], job.id) == 0) {
                memmove(worker->running[i], worker->running[i + 1],
                        (worker->running_count - i - 1) * sizeof worker->running[0]);
                worker->running_count--;
                break;
            }
        }
        /* A job for this bridge may have waited for us. */
        pthread_cond_broadcast(&worker->wake);
    }
    pthread_mutex_unlock(&worker->lock);
    return NULL;
}

/* Every --poll-interval: queue a refresh of every bridge. */
static void *ticker_main(void *argument)
{
    struct bridge_worker *worker = argument;
    scheduler *daemon = worker->daemon;
    pthread_mutex_lock(&worker->lock);
    while (!worker->stopping) {
        pthread_mutex_unlock(&worker->lock);
        sqlite3 *database = store_pool_acquire(&daemon->store);
        char **ids = NULL;
        size_t count = 0;
        cv_result result = bridge_list_ids(database, &ids, &count);
        store_pool_release(&daemon->store, database);
        pthread_mutex_lock(&worker->lock);
        if (result == CV_OK)
            for (size_t i = 0; i < count; i++)
                enqueue_locked(worker, ids[i], false);
        bridge_free_ids(ids, count);

        struct timespec deadline;
        monotonic_now(&deadline);
        deadline.tv_sec += daemon->options.poll_interval_seconds;
        while (!worker->stopping) {
            int waited = pthread_cond_timedwait(&worker->tick, &worker->lock, &deadline);
            if (waited == ETIMEDOUT)
                break;
        }
    }
    pthread_mutex_unlock(&worker->lock);
    return NULL;
}

static void worker_free(struct bridge_worker *worker)
{
    pthread_mutex_destroy(&worker->lock);
    pthread_cond_destroy(&worker->wake);
    pthread_cond_destroy(&worker->tick);
    free(worker->queue);
    free(worker->running);
    free(worker->discoveries);
    free(worker);
}

static void worker_stop(scheduler *daemon)
{
    struct bridge_worker *worker = daemon->bridge_worker;
    if (!worker)
        return;
    pthread_mutex_lock(&worker->lock);
    worker->stopping = true;
    pthread_cond_broadcast(&worker->wake);
    pthread_cond_broadcast(&worker->tick);
    pthread_mutex_unlock(&worker->lock);
    if (worker->ticker_started)
        pthread_join(worker->ticker, NULL);
    for (size_t i = 0; i < worker->thread_count; i++)
        pthread_join(worker->threads[i], NULL);
    daemon->bridge_worker = NULL;
    worker_free(worker);
}

static cv_result worker_start(scheduler *daemon)
{
    struct bridge_worker *worker = calloc(1, sizeof *worker);
    if (!worker)
        return CV_ERR_NO_MEMORY;
    worker->daemon = daemon;
    worker->running = calloc(WORKER_THREADS, sizeof *worker->running);
    if (!worker->running) {
        free(worker);
        return CV_ERR_NO_MEMORY;
    }
    pthread_mutex_init(&worker->lock, NULL);
    pthread_cond_init(&worker->wake, NULL);
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&worker->tick, &attributes);
    pthread_condattr_destroy(&attributes);
    daemon->bridge_worker = worker;
    for (; worker->thread_count < WORKER_THREADS; worker->thread_count++) {
        if (pthread_create(&worker->threads[worker->thread_count], NULL, worker_main, worker) !=
            0) {
            worker_stop(daemon);
            return CV_ERR_NO_MEMORY;
        }
    }
    if (pthread_create(&worker->ticker, NULL, ticker_main, worker) != 0) {
        worker_stop(daemon);
        return CV_ERR_NO_MEMORY;
    }
    worker->ticker_started = true;
    return CV_OK;
}

/* ---- the API ---------------------------------------------------------------------- */

/* Settings read from a POST or PATCH body. `set_*` says the member was
 * given; for nullable members a NULL value / `*_null` means "unset". */
typedef struct {
    bool set_address, set_username, set_password, set_tls_verify, set_ca_file, set_pinned;
    bool set_name, set_domain, set_base, set_quantity, set_alternate_address;
    bool set_alternate_username, set_alternate_password, set_allow_booking, set_prefix;
    const char *address, *username, *password, *ca_file, *pinned, *name, *domain;
    const char *alternate_address, *alternate_username, *alternate_password, *prefix;
    bool tls_verify, allow_booking, base_null, quantity_null;
    int64_t base, quantity;
    cms_address parsed_address;
} bridge_settings;

static const char *const bridge_fields[] = {"address",
                                            "username",
                                            "password",
                                            "tlsVerify",
                                            "caFile",
                                            "pinnedCertificate",
                                            "name",
                                            "domain",
                                            "numericIdBase",
                                            "numericIdQuantity",
                                            "alternateAddress",
                                            "alternateUsername",
                                            "alternatePassword",
                                            "allowBooking",
                                            "slotNamePrefix",
                                            NULL};

/* Reads and validates the body; replies 400 and returns false on error. */
static bool read_settings(api_request *request, bridge_settings *s)
{
    memset(s, 0, sizeof *s);
    if (!api_check_fields(request, bridge_fields))
        return false;
    if (!api_body_string(request, "address", &s->set_address, &s->address) ||
        !api_body_string(request, "username", &s->set_username, &s->username) ||
        !api_body_string(request, "password", &s->set_password, &s->password) ||
        !api_body_bool(request, "tlsVerify", &s->set_tls_verify, &s->tls_verify) ||
        !api_body_string(request, "caFile", &s->set_ca_file, &s->ca_file) ||
        !api_body_string(request, "pinnedCertificate", &s->set_pinned, &s->pinned) ||
        !api_body_string(request, "name", &s->set_name, &s->name) ||
        !api_body_string(request, "domain", &s->set_domain, &s->domain) ||
        !api_body_integer(request, "numericIdBase", 0, NUMERIC_ID_MAX, &s->set_base, &s->base_null,
                          &s->base) ||
        !api_body_integer(request, "numericIdQuantity", 1, SLOT_QUANTITY_MAX, &s->set_quantity,
                          &s->quantity_null, &s->quantity) ||
        !api_body_string(request, "alternateAddress", &s->set_alternate_address,
                         &s->alternate_address) ||
        !api_body_string(request, "alternateUsername", &s->set_alternate_username,
                         &s->alternate_username) ||
        !api_body_string(request, "alternatePassword", &s->set_alternate_password,
                         &s->alternate_password) ||
        !api_body_bool(request, "allowBooking", &s->set_allow_booking, &s->allow_booking) ||
        !api_body_string(request, "slotNamePrefix", &s->set_prefix, &s->prefix))
        return false;
    if (s->set_address &&
        (!s->address || cms_address_parse(s->address, &s->parsed_address) != CV_OK)) {
        api_fail_field(request, "address",
                       "address must be host, host:port or an http(s) URL of the bridge's API");
        return false;
    }
    if (s->set_username && (!s->username || !*s->username)) {
        api_fail_field(request, "username", "username must not be empty");
        return false;
    }
    if (s->set_password && (!s->password || !*s->password)) {
        api_fail_field(request, "password", "password must not be empty");
        return false;
    }
    if (s->ca_file && *s->ca_file && access(s->ca_file, R_OK) != 0) {
        api_fail_field(request, "caFile", "caFile \"%s\" cannot be read by convened", s->ca_file);
        return false;
    }
    if (s->pinned && *s->pinned && strncmp(s->pinned, "sha256//", 8) != 0 &&
        access(s->pinned, R_OK) != 0) {
        api_fail_field(request, "pinnedCertificate",
                       "pinnedCertificate must be a readable PEM certificate file or sha256//HASH");
        return false;
    }
    if (s->name && strlen(s->name) > 255) {
        api_fail_field(request, "name", "name is longer than 255 characters");
        return false;
    }
    if (s->domain && *s->domain && !bridge_domain_is_valid(s->domain)) {
        api_fail_field(request, "domain", "domain must be a DNS name such as example.com");
        return false;
    }
    cms_address alternate;
    if (s->alternate_address && *s->alternate_address &&
        cms_address_parse(s->alternate_address, &alternate) != CV_OK) {
        api_fail_field(request, "alternateAddress",
                       "alternateAddress must be host, host:port or an http(s) URL");
        return false;
    }
    if (s->set_prefix && !bridge_slot_prefix_is_valid(s->prefix)) {
        api_fail_field(request, "slotNamePrefix",
                       "slotNamePrefix must be 1 to 64 printable characters without $ or \\");
        return false;
    }
    return true;
}

/* The values a bridge will have after the change: the record with the
 * settings applied (strings borrowed from either). */
typedef struct {
    const char *address, *username, *password, *ca_file, *pinned;
    bool tls_verify;
    bool has_base, has_quantity;
    int64_t base, quantity;
    const char *alternate_address;
} effective_settings;

static const char *pick(bool set, const char *given, const char *stored)
{
    return set ? (given && *given ? given : NULL) : stored;
}

static void effective(const bridge_record *record, const bridge_settings *s,
                      effective_settings *out)
{
    out->address = s->set_address ? s->parsed_address.base_url : record->address;
    out->username = pick(s->set_username, s->username, record->username);
    out->password = pick(s->set_password, s->password, record->password);
    out->ca_file = pick(s->set_ca_file, s->ca_file, record->ca_file);
    out->pinned = pick(s->set_pinned, s->pinned, record->pinned_certificate);
    out->tls_verify = s->set_tls_verify ? s->tls_verify : record->tls_verify;
    out->has_base = s->set_base ? !s->base_null : record->has_numeric_id_base;
    out->base = s->set_base ? s->base : record->numeric_id_base;
    out->has_quantity = s->set_quantity ? !s->quantity_null : record->has_numeric_id_quantity;
    out->quantity = s->set_quantity ? s->quantity : record->numeric_id_quantity;
    out->alternate_address =
        pick(s->set_alternate_address, s->alternate_address, record->alternate_address);
}

/* Refuses (409) an address that is managed already, itself or as a member
 * of a managed cluster. */
static bool check_not_managed(api_request *request, const char *address, const char *field,
                              const char *except_bridge_id)
{
    char *owner_id = NULL, *owner_name = NULL, *member_name = NULL;
    cv_result result = discovery_find_owner(request->database, address, except_bridge_id, &owner_id,
                                            &owner_name, &member_name);
    if (result == CV_ERR_NOT_FOUND)
        return true;
    if (result != CV_OK) {
        api_fail_result(request, result, "checking managed clusters");
        return false;
    }
    char message[768];
    snprintf(message, sizeof message,
             "%s %s is already managed: it is %s in the cluster of bridge \"%s\" (%s)", field,
             address, member_name, owner_name, owner_id);
    api_fail_conflict(request, message,
                      json_pack("[{s:s, s:s, s:s, s:s, s:s}]", "field", field, "bridge", owner_id,
                                "bridgeName", owner_name, "member", member_name, "address",
                                address));
    free(owner_id);
    free(owner_name);
    free(member_name);
    return false;
}

/* GET /system/status through `endpoint`; replies (503, 400) and returns
 * false when the bridge cannot be used. */
static bool probe_bridge(api_request *request, const char *bridge_id, const cms_endpoint *endpoint,
                         cms_client **client, cms_system_status *status)
{
    cv_result result = cms_registry_client(request->daemon->cms, endpoint, client);
    if (result == CV_ERR_INVALID) {
        api_fail_field(request, "pinnedCertificate",
                       "pinnedCertificate is neither sha256//HASH nor a PEM certificate");
        return false;
    }
    if (result != CV_OK) {
        api_fail_result(request, result, "preparing the CMS client");
        return false;
    }
    cms_response response;
    result = cms_get(*client, "/system/status", &response);
    if (result == CV_OK && cms_parse_system_status(response.document, status) != CV_OK)
        result = CV_ERR_PROTOCOL;
    char detail[512];
    snprintf(detail, sizeof detail, "%s", response.error);
    cms_response_free(&response);
    if (cms_result_is_unreachable(result)) {
        api_fail_unreachable(request, bridge_id, endpoint->address, detail);
        return false;
    }
    if (result == CV_ERR_AUTH) {
        api_fail_field(request, "password", "%s refused the username and password",
                       endpoint->address);
        return false;
    }
    if (result == CV_ERR_BUSY && atomic_load(&request->daemon->stopping)) {
        api_fail(request, 503, "stopping", "convened is stopping; try again when it is back", NULL);
        return false;
    }
    if (result != CV_OK) {
        api_fail_field(request, "address", "%s does not answer as a Cisco Meeting Server API%s%s",
                       endpoint->address, detail[0] ? ": " : "", detail);
        return false;
    }
    return true;
}

/* Refuses (409) a new cluster whose members are managed as other bridges. */
static bool check_cluster_unmanaged(api_request *request, const discovery_cluster *cluster,
                                    const char *except_bridge_id)
{
    for (size_t i = 0; i < cluster->count; i++) {
        const discovery_member *member = &cluster->members[i];
        if (member->added || !member->address[0])
            continue;
        if (!check_not_managed(request, member->address, "cluster member", except_bridge_id))
            return false;
    }
    return true;
}

/* Active bookings whose slot falls outside [base, base+quantity-1] (or all
 * of them when has_range is false), as a JSON conflicts list. */
static json_t *bookings_outside_range(sqlite3 *database, const char *bridge_id, bool has_range,
                                      int64_t base, int64_t quantity)
{
    json_t *list = json_array();
    sqlite3_stmt *statement = NULL;
    int code = sqlite3_prepare_v2(
        database,
        "SELECT id, title, slot FROM bookings WHERE bridge_id = ?1 AND slot IS NOT NULL"
        " AND state IN " SCHEMA_ACTIVE_BOOKING_STATES
        " AND (?2 = 0 OR slot < ?3 OR slot > ?3 + ?4 - 1) ORDER BY start_at LIMIT 100",
        -1, &statement, NULL);
    if (code == SQLITE_OK) {
        sqlite3_bind_text(statement, 1, bridge_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(statement, 2, has_range ? 1 : 0);
        sqlite3_bind_int64(statement, 3, base);
        sqlite3_bind_int64(statement, 4, quantity);
    }
    while (list && code == SQLITE_OK && (code = sqlite3_step(statement)) == SQLITE_ROW) {
        code = SQLITE_OK;
        json_t *entry = json_pack("{s:s, s:s, s:I}", "booking", sqlite3_column_text(statement, 0),
                                  "title", sqlite3_column_text(statement, 1), "slot",
                                  (json_int_t)sqlite3_column_int64(statement, 2));
        if (!entry || json_array_append_new(list, entry) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    sqlite3_finalize(statement);
    if (code != SQLITE_DONE) {
        json_decref(list);
        return NULL;
    }
    return list;
}

/* Refuses a range that would drop a slot holding a booked or live meeting. */
static bool check_range_keeps_meetings(api_request *request, const bridge_record *record,
                                       const effective_settings *after)
{
    bool has_range = after->has_base && after->has_quantity;
    bool any = false;
    int64_t lowest = 0, highest = 0;
    scheduler *daemon = request->daemon;
    cv_result result =
        daemon->hooks.slots_in_use
            ? daemon->hooks.slots_in_use(daemon, request->database, record->id, &any, &lowest,
                                         &highest)
            : schema_slots_in_use(request->database, record->id, &any, &lowest, &highest);
    if (result != CV_OK) {
        api_fail_result(request, result, "checking slots in use");
        return false;
    }
    if (!any ||
        (has_range && lowest >= after->base && highest <= after->base + after->quantity - 1))
        return true;
    json_t *conflicts = bookings_outside_range(request->database, record->id, has_range,
                                               after->base, after->quantity);
    char message[256];
    snprintf(message, sizeof message,
             "the new numeric ID range would remove slots %lld..%lld that hold booked or live "
             "meetings",
             (long long)lowest, (long long)highest);
    api_fail_conflict(request, message, conflicts);
    return false;
}

static int bind_text_or_null(sqlite3_stmt *statement, int index, const char *text)
{
    return text && *text ? sqlite3_bind_text(statement, index, text, -1, SQLITE_TRANSIENT)
                         : sqlite3_bind_null(statement, index);
}

static void reply_bridge(api_request *request, const char *bridge_id, int status)
{
    bridge_record record;
    cv_result result = bridge_load(request->database, bridge_id, &record);
    if (result != CV_OK) {
        if (result == CV_ERR_NOT_FOUND)
            api_fail_not_found(request, "bridge", bridge_id);
        else
            api_fail_result(request, result, "reading the bridge");
        return;
    }
    json_t *document = bridge_json(request->database, &record);
    bridge_record_free(&record);
    api_reply_json(request, status, document);
}

static void post_bridge(api_request *request)
{
    bridge_settings s;
    if (!api_require_body(request) || !read_settings(request, &s))
        return;
    const char *missing = !s.set_address    ? "address"
                          : !s.set_username ? "username"
                          : !s.set_password ? "password"
                                            : NULL;
    if (missing) {
        api_fail_field(request, missing, "%s is required", missing);
        return;
    }
    if (s.set_base && !s.base_null && s.set_quantity && !s.quantity_null &&
        s.base + s.quantity - 1 > NUMERIC_ID_MAX) {
        api_fail_field(request, "numericIdQuantity",
                       "the last numeric ID (base + quantity - 1) must not exceed %lld",
                       (long long)NUMERIC_ID_MAX);
        return;
    }
    const char *address = s.parsed_address.base_url;
    if (!check_not_managed(request, address, "address", NULL))
        return;

    char id[ID_TEXT_SIZE];
    id_generate(id);
    bool tls_verify = s.set_tls_verify ? s.tls_verify : true;
    cms_endpoint endpoint = {address, s.username, s.password, tls_verify, s.ca_file, s.pinned};
    cms_client *client = NULL;
    cms_system_status status;
    if (!probe_bridge(request, NULL, &endpoint, &client, &status))
        return;
    discovery_cluster cluster = {NULL, 0};
    char error[512] = "";
    if (discovery_fetch(client, address, &cluster, error, sizeof error) != CV_OK)
        log_warning("bridge %s: discovery failed: %s", address, error);
    if (!check_cluster_unmanaged(request, &cluster, NULL)) {
        discovery_cluster_free(&cluster);
        return;
    }

    sqlite3 *database = request->database;
    cv_result result = store_begin(database);
    /* Checked again inside the write lock: another add may have won. */
    bool still_free = result == CV_OK && check_not_managed(request, address, "address", NULL) &&
                      check_cluster_unmanaged(request, &cluster, NULL);
    if (result == CV_OK && !still_free) {
        store_rollback(database);
        discovery_cluster_free(&cluster);
        return;
    }
    sqlite3_stmt *statement = NULL;
    int code = SQLITE_OK;
    if (result == CV_OK)
        code = sqlite3_prepare_v2(
            database,
            "INSERT INTO bridges (id, address, username, password, tls_verify, ca_file,"
            " pinned_certificate, name, domain, numeric_id_base, numeric_id_quantity,"
            " alternate_address, alternate_username, alternate_password, allow_booking,"
            " slot_name_prefix, created)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            -1, &statement, NULL);
    if (result == CV_OK && code == SQLITE_OK) {
        cms_address alternate;
        const char *alternate_address =
            s.alternate_address && *s.alternate_address &&
                    cms_address_parse(s.alternate_address, &alternate) == CV_OK
                ? alternate.base_url
                : NULL;
        sqlite3_bind_text(statement, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(statement, 2, address, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(statement, 3, s.username, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(statement, 4, s.password, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(statement, 5, tls_verify ? 1 : 0);
        bind_text_or_null(statement, 6, s.ca_file);
        bind_text_or_null(statement, 7, s.pinned);
        bind_text_or_null(statement, 8, s.name);
        bind_text_or_null(statement, 9, s.domain);
        if (s.set_base && !s.base_null)
            sqlite3_bind_int64(statement, 10, s.base);
        if (s.set_quantity && !s.quantity_null)
            sqlite3_bind_int64(statement, 11, s.quantity);
        bind_text_or_null(statement, 12, alternate_address);
        bind_text_or_null(statement, 13, s.alternate_username);
        bind_text_or_null(statement, 14, s.alternate_password);
        sqlite3_bind_int(statement, 15, s.set_allow_booking ? s.allow_booking : 1);
        sqlite3_bind_text(statement, 16, s.set_prefix ? s.prefix : SCHEDULER_DEFAULT_SLOT_PREFIX,
                          -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(statement, 17, (sqlite3_int64)time(NULL));
        code = sqlite3_step(statement);
        result = code == SQLITE_DONE ? CV_OK : store_result(code);
    } else if (result == CV_OK) {
        result = store_result(code);
    }
    sqlite3_finalize(statement);
    bridge_record record;
    memset(&record, 0, sizeof record);
    if (result == CV_OK)
        result = bridge_load(database, id, &record);
    if (result == CV_OK)
        result = poller_record(database, &record, CV_OK, &status, NULL);
    if (result == CV_OK)
        result = tickets_update_settings(database, id);
    if (result == CV_OK)
        result = store_commit(database);
    else
        store_rollback(database);
    bridge_record_free(&record);
    if (result == CV_OK) {
        /* Outside the transaction: discovery_store has its own. */
        cv_result stored = discovery_store(database, id, &cluster);
        if (stored != CV_OK)
            log_warning("bridge %s: cluster not stored: %s", id, cv_result_name(stored));
    }
    discovery_cluster_free(&cluster);
    if (result != CV_OK) {
        api_fail_result(request, result, "adding the bridge");
        return;
    }
    log_info("bridge %s added (%s, CMS %s)", id, address, status.software_version);
    {
        /* Discovery just ran: the worker only needs to poll and provision. */
        struct bridge_worker *worker = request->daemon->bridge_worker;
        if (worker)
            discovery_due(worker, id, true);
        bridges_request_refresh(request->daemon, id);
    }
    reply_bridge(request, id, 201);
}

static void get_bridges(api_request *request)
{
    char **ids = NULL;
    size_t count = 0;
    cv_result result = bridge_list_ids(request->database, &ids, &count);
    json_t *list = json_array();
    for (size_t i = 0; result == CV_OK && list && i < count; i++) {
        bridge_record record;
        result = bridge_load(request->database, ids[i], &record);
        if (result == CV_ERR_NOT_FOUND) { /* deleted meanwhile */
            result = CV_OK;
            continue;
        }
        if (result != CV_OK)
            break;
        json_t *document = bridge_json(request->database, &record);
        bridge_record_free(&record);
        if (!document || json_array_append_new(list, document) != 0)
            result = CV_ERR_NO_MEMORY;
    }
    bridge_free_ids(ids, count);
    if (result != CV_OK || !list) {
        json_decref(list);
        api_fail_result(request, result != CV_OK ? result : CV_ERR_NO_MEMORY, "listing bridges");
        return;
    }
    api_reply_json(request, 200, list);
}

static bool path_bridge_id(api_request *request, const char **id)
{
    *id = api_segment(request, 1);
    if (!*id || !id_is_valid(*id)) {
        api_fail_not_found(request, "bridge", *id);
        return false;
    }
    return true;
}

static void get_bridge(api_request *request)
{
    const char *id;
    if (path_bridge_id(request, &id))
        reply_bridge(request, id, 200);
}

static bool connection_changed(const bridge_settings *s)
{
    return s->set_address || s->set_username || s->set_password || s->set_tls_verify ||
           s->set_ca_file || s->set_pinned;
}

static void patch_bridge(api_request *request)
{
    const char *id;
    bridge_settings s;
    if (!path_bridge_id(request, &id) || !api_require_body(request) || !read_settings(request, &s))
        return;
    bridge_record record;
    cv_result result = bridge_load(request->database, id, &record);
    if (result != CV_OK) {
        if (result == CV_ERR_NOT_FOUND)
            api_fail_not_found(request, "bridge", id);
        else
            api_fail_result(request, result, "reading the bridge");
        return;
    }
    effective_settings after;
    effective(&record, &s, &after);
    bool ok = true;
    if (s.set_address)
        ok = check_not_managed(request, after.address, "address", id);
    if (ok && after.alternate_address && s.set_alternate_address &&
        cms_address_same_endpoint(after.alternate_address, after.address)) {
        api_fail_field(request, "alternateAddress",
                       "alternateAddress must differ from the bridge's address");
        ok = false;
    }
    if (ok && after.has_base && after.has_quantity &&
        after.base + after.quantity - 1 > NUMERIC_ID_MAX) {
        api_fail_field(request, s.set_quantity ? "numericIdQuantity" : "numericIdBase",
                       "the last numeric ID (base + quantity - 1) must not exceed %lld",
                       (long long)NUMERIC_ID_MAX);
        ok = false;
    }
    if (ok && (s.set_base || s.set_quantity))
        ok = check_range_keeps_meetings(request, &record, &after);
    if (ok && connection_changed(&s)) {
        cms_endpoint endpoint = {after.address,    after.username, after.password,
                                 after.tls_verify, after.ca_file,  after.pinned};
        cms_client *client = NULL;
        cms_system_status status;
        ok = probe_bridge(request, id, &endpoint, &client, &status);
    }
    if (!ok) {
        bridge_record_free(&record);
        return;
    }

    bool range_changed = (s.set_base && (after.has_base != record.has_numeric_id_base ||
                                         after.base != record.numeric_id_base)) ||
                         (s.set_quantity && (after.has_quantity != record.has_numeric_id_quantity ||
                                             after.quantity != record.numeric_id_quantity)) ||
                         (s.set_prefix && strcmp(s.prefix, record.slot_name_prefix) != 0);
    cms_address alternate;
    const char *alternate_address =
        after.alternate_address && cms_address_parse(after.alternate_address, &alternate) == CV_OK
            ? alternate.base_url
            : NULL;
    sqlite3_stmt *statement = NULL;
    int code = sqlite3_prepare_v2(
        request->database,
        "UPDATE bridges SET address = ?2, username = ?3, password = ?4, tls_verify = ?5,"
        " ca_file = ?6, pinned_certificate = ?7,"
        " name = CASE WHEN ?17 THEN ?8 ELSE name END,"
        " domain = CASE WHEN ?18 THEN ?9 ELSE domain END,"
        " numeric_id_base = ?10, numeric_id_quantity = ?11, alternate_address = ?12,"
        " alternate_username = CASE WHEN ?19 THEN ?13 ELSE alternate_username END,"
        " alternate_password = CASE WHEN ?20 THEN ?14 ELSE alternate_password END,"
        " allow_booking = ?15, slot_name_prefix = ?16,"
        " provisioning_state = CASE WHEN ?21 THEN 'none' ELSE provisioning_state END"
        " WHERE id = ?1",
        -1, &statement, NULL);
    if (code == SQLITE_OK) {
        sqlite3_bind_text(statement, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(statement, 2, after.address, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(statement, 3, after.username ? after.username : record.username, -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_text(statement, 4, after.password ? after.password : record.password, -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_int(statement, 5, after.tls_verify ? 1 : 0);
        bind_text_or_null(statement, 6, after.ca_file);
        bind_text_or_null(statement, 7, after.pinned);
        bind_text_or_null(statement, 8, s.name);
        bind_text_or_null(statement, 9, s.domain);
        if (after.has_base)
            sqlite3_bind_int64(statement, 10, after.base);
        if (after.has_quantity)
            sqlite3_bind_int64(statement, 11, after.quantity);
        bind_text_or_null(statement, 12, alternate_address);
        bind_text_or_null(statement, 13, s.alternate_username);
        bind_text_or_null(statement, 14, s.alternate_password);
        sqlite3_bind_int(statement, 15,
                         (s.set_allow_booking ? s.allow_booking : record.allow_booking) ? 1 : 0);
        sqlite3_bind_text(statement, 16, s.set_prefix ? s.prefix : record.slot_name_prefix, -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_int(statement, 17, s.set_name);
        sqlite3_bind_int(statement, 18, s.set_domain);
        sqlite3_bind_int(statement, 19, s.set_alternate_username);
        sqlite3_bind_int(statement, 20, s.set_alternate_password);
        sqlite3_bind_int(statement, 21, range_changed);
        code = sqlite3_step(statement);
    }
    sqlite3_finalize(statement);
    bridge_record_free(&record);
    result = code == SQLITE_DONE ? CV_OK : store_result(code);
    if (result == CV_OK)
        result = tickets_update_settings(request->database, id);
    if (result != CV_OK) {
        api_fail_result(request, result, "changing the bridge");
        return;
    }
    if (connection_changed(&s))
        forget_discovery(request->daemon->bridge_worker, id);
    bridges_request_refresh(request->daemon, id);
    reply_bridge(request, id, 200);
}

static void delete_bridge(api_request *request)
{
    const char *id;
    if (!path_bridge_id(request, &id))
        return;
    json_t *conflicts = bookings_outside_range(request->database, id, false, 0, 0);
    if (!conflicts) {
        api_fail_result(request, CV_ERR_STORE, "checking the bridge's bookings");
        return;
    }
    if (json_array_size(conflicts) > 0) {
        api_fail_conflict(request,
                          "the bridge holds booked or live meetings; cancel or move them first",
                          conflicts);
        return;
    }
    json_decref(conflicts);
    sqlite3_stmt *statement = NULL;
    int code = sqlite3_prepare_v2(request->database, "DELETE FROM bridges WHERE id = ?1", -1,
                                  &statement, NULL);
    if (code == SQLITE_OK)
        code = sqlite3_bind_text(statement, 1, id, -1, SQLITE_TRANSIENT);
    if (code == SQLITE_OK)
        code = sqlite3_step(statement);
    int changes = sqlite3_changes(request->database);
    sqlite3_finalize(statement);
    if (code != SQLITE_DONE)
        api_fail_result(request, store_result(code), "removing the bridge");
    else if (changes == 0)
        api_fail_not_found(request, "bridge", id);
    else {
        log_info("bridge %s removed", id);
        api_reply_empty(request);
    }
}

/* POST /bridges/<id>/refresh: poll, discover and provision now. */
static void refresh_bridge_now(api_request *request)
{
    const char *id;
    if (!path_bridge_id(request, &id))
        return;
    bridge_record record;
    cv_result result = bridge_load(request->database, id, &record);
    if (result != CV_OK) {
        if (result == CV_ERR_NOT_FOUND)
            api_fail_not_found(request, "bridge", id);
        else
            api_fail_result(request, result, "reading the bridge");
        return;
    }
    bridge_record_free(&record);
    forget_discovery(request->daemon->bridge_worker, id);
    bridges_request_refresh(request->daemon, id);
    api_reply_json(request, 202, json_pack("{s:s}", "refresh", "queued"));
}

static const api_route bridge_routes[] = {
    {"GET", "bridges", get_bridges},
    {"GET", "bridges/*", get_bridge},
    {"DELETE", "bridges/*", delete_bridge},
    {"POST", "bridges/*/refresh", refresh_bridge_now},
};

/* Adding a bridge and changing how it is reached probe it before answering. */
static const api_route probing_routes[] = {
    {"POST", "bridges", post_bridge},
    {"PATCH", "bridges/*", patch_bridge},
};

static cv_result bridges_start(scheduler *daemon)
{
    cv_result result =
        api_register(daemon, bridge_routes, sizeof bridge_routes / sizeof bridge_routes[0]);
    if (result == CV_OK)
        result = api_register_slow(daemon, probing_routes,
                                   sizeof probing_routes / sizeof probing_routes[0]);
    if (result == CV_OK)
        result = worker_start(daemon);
    return result;
}

static void bridges_stop(scheduler *daemon)
{
    worker_stop(daemon);
}

const scheduler_module bridges_module = {"bridges", bridges_start, bridges_stop};
