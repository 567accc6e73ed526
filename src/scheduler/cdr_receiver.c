/*
 * cdr_receiver.c - the CDR receiver; see cdr_receiver.h.
 *
 * Owns: the listener and its allow-list, the answer to each POST (once
 * its batch is stored: batches that arrive together share one commit),
 * the registration on bridges, and the one place received CDRs are counted
 * (cdrs_received). Does not own: parsing (cdr_ingest.c) or storing
 * (db_cdrs.c).
 */
#include "scheduler/cdr_receiver.h"

#include <libxml/tree.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/http_server.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/net_allow.h"
#include "common/tls_certificate.h"
#include "scheduler/cdr_ingest.h"
#include "scheduler/db_cdrs.h"
#include "scheduler/scheduler_metrics.h"

#define CDR_MAX_BODY (8 * 1024 * 1024)

#define CDR_THREADS 8 /* batches stored together in one commit, at most */

/* One POSTed batch waiting to be stored. */
typedef struct pending_batch {
    const cdr_batch *batch;
    const char *bridge_id;
    cv_result result;
    size_t stored;
    bool done;
    struct pending_batch *next;
} pending_batch;

typedef struct {
    scheduler *daemon;
    net_allow_list allowed;
    http_server *server;
    /* Group commit: batches that arrive together are stored in one
     * transaction (one fsync) by whichever handler finds nobody writing;
     * the others wait for `finished`. `lock` guards the queue and
     * `writing`. */
    pthread_mutex_t lock;
    pthread_cond_t finished;
    pending_batch *queue_head, *queue_tail;
    bool writing;
} cdr_receiver;

/* http_server admit: the peer is in one of the --cdr-allow networks. */
static bool admit(void *context, const struct sockaddr *address)
{
    const cdr_receiver *receiver = context;
    return net_allow_matches(&receiver->allowed, address);
}

/* http_server is_public: the receiver asks no credentials of anyone. */
static bool every_request(void *context, const char *method, const char *path)
{
    (void)context, (void)method, (void)path;
    return true;
}

/* http_server authenticate: never asked (every request is public); no
 * name and password would be accepted. */
static bool refuse_credentials(void *context, const char *user, const char *password)
{
    (void)context, (void)user, (void)password;
    return false;
}

/* The one place where received CDRs are counted (metrics hook: the
 * records in a batch and how many were new). */
static void cdrs_received(scheduler *daemon, size_t received, size_t stored)
{
    scheduler_metrics_count_cdrs(daemon, received);
    log_debug("CDR receiver: %zu records, %zu new", received, stored);
}

/* The bridge a POST came from: the last path segment when it is an ID. */
static void bridge_of_path(const char *path, char out[ID_TEXT_SIZE])
{
    const char *last = strrchr(path, '/');
    last = last ? last + 1 : path;
    out[0] = '\0';
    if (id_is_valid(last))
        snprintf(out, ID_TEXT_SIZE, "%s", last);
}

/* Stores every batch of the list `group` in one transaction; each gets
 * the outcome. */
static void store_group(cdr_receiver *receiver, pending_batch *group)
{
    store_db *database = store_db_pool_acquire(&receiver->daemon->store);
    cv_result result = database ? store_db_begin(database) : CV_ERR_STORE;
    for (pending_batch *item = group; result == CV_OK && item; item = item->next)
        result = db_cdrs_store_batch(database, item->batch, item->bridge_id, &item->stored);
    if (result == CV_OK)
        result = store_db_commit(database);
    if (result != CV_OK && database)
        store_db_rollback(database);
    if (database)
        store_db_pool_release(&receiver->daemon->store, database);
    for (pending_batch *item = group; item; item = item->next)
        item->result = result;
}

/* Stores `item` (with whatever else is waiting); returns once it is. */
static void store_batch(cdr_receiver *receiver, pending_batch *item)
{
    pthread_mutex_lock(&receiver->lock);
    if (receiver->queue_tail)
        receiver->queue_tail->next = item;
    else
        receiver->queue_head = item;
    receiver->queue_tail = item;
    while (!item->done) {
        if (receiver->writing) {
            pthread_cond_wait(&receiver->finished, &receiver->lock);
            continue;
        }
        /* nobody writes: this handler stores everything queued */
        pending_batch *group = receiver->queue_head;
        receiver->queue_head = receiver->queue_tail = NULL;
        receiver->writing = true;
        pthread_mutex_unlock(&receiver->lock);
        store_group(receiver, group);
        pthread_mutex_lock(&receiver->lock);
        for (pending_batch *done = group; done;) {
            pending_batch *next = done->next; /* `done` may be gone once marked */
            done->done = true;
            done = next;
        }
        receiver->writing = false;
        pthread_cond_broadcast(&receiver->finished);
    }
    pthread_mutex_unlock(&receiver->lock);
}

static void answer(http_response *response, int status, const char *text)
{
    response->status = status;
    response->content_type = text ? "text/plain" : NULL;
    if (text) {
        strbuf_append_str(&response->body, text);
        strbuf_append_char(&response->body, '\n');
    }
}

static void handle(void *context, const http_request *request, http_response *response)
{
    cdr_receiver *receiver = context;
    if (strcmp(request->method, "POST") != 0) {
        http_response_add_header(response, "Allow", "POST");
        answer(response, 405, "CDRs are POSTed");
        return;
    }
    if (!http_content_type_is(request->content_type, "text/xml") &&
        !http_content_type_is(request->content_type, "application/xml")) {
        answer(response, 415, "Content-Type must be text/xml");
        return;
    }
    cdr_batch batch;
    char error[160];
    cv_result result =
        cdr_batch_parse(request->body, request->body_length, &batch, error, sizeof error);
    if (result != CV_OK) {
        log_warning("CDR receiver: refused a batch from %s: %s", request->client_address,
                    result == CV_ERR_INVALID ? error : cv_result_name(result));
        answer(response, result == CV_ERR_INVALID ? 400 : 500,
               result == CV_ERR_INVALID ? error : "out of memory");
        return;
    }
    char bridge_id[ID_TEXT_SIZE];
    bridge_of_path(request->path, bridge_id);
    pending_batch item = {.batch = &batch, .bridge_id = bridge_id};
    store_batch(receiver, &item);
    size_t stored = item.stored;
    result = item.result;
    if (result != CV_OK) {
        /* not accepted: the bridge sends the batch again */
        log_error("CDR receiver: cannot store a batch: %s", cv_result_name(result));
        answer(response, 503, "cannot store the records now");
    } else {
        cdrs_received(receiver->daemon, batch.count, stored);
        answer(response, 200, NULL);
    }
    cdr_batch_free(&batch);
}

/* --- the URI and the registration ------------------------------------- */

bool cdr_receiver_uri(const scheduler *daemon, const char *bridge_id, char *out, size_t size)
{
    const scheduler_options *options = &daemon->options;
    if (options->cdr_listen == NULL)
        return false;
    int written;
    if (options->cdr_url != NULL)
        written =
            snprintf(out, size, "%s%s%s", options->cdr_url,
                     options->cdr_url[strlen(options->cdr_url) - 1] == '/' ? "" : "/", bridge_id);
    else
        written = snprintf(out, size, "%s://%s/cdr/%s", options->plain_http ? "http" : "https",
                           options->cdr_listen, bridge_id);
    return written > 0 && (size_t)written < size;
}

typedef struct {
    const char *uri;
    bool found;
    size_t count;
} receiver_survey;

/* cms_get_all visit: one <cdrReceiver> with its <uri>. */
static cv_result survey_receiver(void *context, xmlNodePtr element)
{
    receiver_survey *survey = context;
    char *uri = cms_xml_child_text(element, "uri");
    survey->count++;
    survey->found = survey->found || (uri != NULL && strcmp(uri, survey->uri) == 0);
    free(uri);
    return CV_OK;
}

cv_result cdr_receiver_register(scheduler *daemon, const bridge_record *bridge, cms_client *client)
{
    char uri[1024], error[512] = "";
    if (!cdr_receiver_uri(daemon, bridge->id, uri, sizeof uri))
        return CV_OK;
    receiver_survey survey = {uri, false, 0};
    cv_result result = cms_get_all(client, "/system/cdrReceivers", "cdrReceiver", survey_receiver,
                                   &survey, error, sizeof error);
    if (result == CV_OK && survey.found)
        return CV_OK;
    if (result == CV_OK && survey.count >= CDR_RECEIVERS_MAXIMUM) {
        log_warning("bridge %s: cannot add the CDR receiver %s: the bridge has %d receivers "
                    "already (remove one on the bridge, then refresh it)",
                    bridge_display_name(bridge), uri, CDR_RECEIVERS_MAXIMUM);
        return CV_ERR_CONFLICT;
    }
    if (result == CV_OK) {
        const cms_field fields[] = {{"uri", uri}};
        cms_response response = {0};
        result = cms_post(client, "/system/cdrReceivers", fields, 1, &response);
        snprintf(error, sizeof error, "%s", response.error);
        cms_response_free(&response);
    }
    if (result == CV_OK)
        log_info("bridge %s: CDRs go to %s", bridge_display_name(bridge), uri);
    else
        log_warning("bridge %s: cannot add the CDR receiver %s: %s", bridge_display_name(bridge),
                    uri, error[0] ? error : cv_result_name(result));
    return result;
}

/* --- the module ---------------------------------------------------------- */

/* Certificate and key of the listener: the API's (its files, or the
 * self-signed pair in the data directory). */
static cv_result tls_files(const scheduler *daemon, char *certificate, char *key, size_t size,
                           strbuf *error)
{
    const scheduler_options *options = &daemon->options;
    if (options->tls_certificate != NULL && options->tls_key != NULL) {
        snprintf(certificate, size, "%s", options->tls_certificate);
        snprintf(key, size, "%s", options->tls_key);
        return CV_OK;
    }
    snprintf(certificate, size, "%s/tls-certificate.pem", options->data_dir);
    snprintf(key, size, "%s/tls-key.pem", options->data_dir);
    return tls_ensure_self_signed(certificate, key, "convened", error);
}

static cv_result start_listener(cdr_receiver *receiver, strbuf *error)
{
    const scheduler_options *options = &receiver->daemon->options;
    char certificate[1024] = "", key[1024] = "";
    cv_result result = CV_OK;
    if (!options->plain_http)
        result = tls_files(receiver->daemon, certificate, key, sizeof certificate, error);
    if (result != CV_OK)
        return result;
    http_server_config config = {
        .listen = options->cdr_listen,
        .tls_certificate_file = options->plain_http ? NULL : certificate,
        .tls_key_file = options->plain_http ? NULL : key,
        .realm = SCHEDULER_REALM,
        .max_body_size = CDR_MAX_BODY,
        .thread_count = CDR_THREADS,
        .max_connections = (unsigned)options->max_connections,
        .max_connections_per_address = (unsigned)options->max_connections_per_address,
        .request_timeout_seconds = (unsigned)options->request_timeout_seconds,
        /* a CMS sends no credentials: every request is public, and the
         * allow-list admits the clients */
        .authenticate = refuse_credentials,
        .is_public = every_request,
        .public_max_body_size = CDR_MAX_BODY,
        .admit = admit,
        .handle = handle,
        .context = receiver,
    };
    return http_server_start(&config, &receiver->server, error);
}

static cv_result cdr_receiver_start(scheduler *daemon)
{
    const scheduler_options *options = &daemon->options;
    if (options->cdr_listen == NULL)
        return CV_OK;
    cdr_receiver *receiver = calloc(1, sizeof *receiver);
    if (receiver == NULL)
        return CV_ERR_NO_MEMORY;
    receiver->daemon = daemon;
    pthread_mutex_init(&receiver->lock, NULL);
    pthread_cond_init(&receiver->finished, NULL);
    cv_result result = CV_OK;
    for (size_t index = 0; result == CV_OK && index < options->cdr_allow.count; index++) {
        result = net_allow_add(&receiver->allowed, options->cdr_allow.items[index]);
        if (result == CV_ERR_INVALID)
            log_error("--cdr-allow: \"%s\" is not an address or ADDRESS/PREFIX",
                      options->cdr_allow.items[index]);
    }
    if (result == CV_OK && options->cdr_allow.count == 0) /* default: this host only */
        result = net_allow_add(&receiver->allowed, "127.0.0.0/8") == CV_OK
                     ? net_allow_add(&receiver->allowed, "::1")
                     : CV_ERR_NO_MEMORY;
    strbuf error = STRBUF_INIT;
    if (result == CV_OK)
        result = start_listener(receiver, &error);
    if (result != CV_OK) {
        log_error("CDR receiver: %s",
                  strbuf_str(&error)[0] ? strbuf_str(&error) : cv_result_name(result));
        strbuf_free(&error);
        net_allow_free(&receiver->allowed);
        pthread_mutex_destroy(&receiver->lock);
        pthread_cond_destroy(&receiver->finished);
        free(receiver);
        return result;
    }
    strbuf_free(&error);
    daemon->cdr_state = receiver;
    log_info("CDR receiver on %s (%zu allowed networks)", options->cdr_listen,
             receiver->allowed.count);
    return CV_OK;
}

static void cdr_receiver_stop(scheduler *daemon)
{
    cdr_receiver *receiver = daemon->cdr_state;
    if (receiver == NULL)
        return;
    http_server_stop(receiver->server);
    net_allow_free(&receiver->allowed);
    pthread_mutex_destroy(&receiver->lock);
    pthread_cond_destroy(&receiver->finished);
    free(receiver);
    daemon->cdr_state = NULL;
}

const scheduler_module cdr_receiver_module = {"CDR receiver", cdr_receiver_start,
                                              cdr_receiver_stop};
