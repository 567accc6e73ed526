/*
 * http_server.c - the HTTP(S) server over libmicrohttpd; see http_server.h.
 *
 * Owns: a request's life (the early refusal, reading the body within its
 * limit, calling the handler, the response and its observer), slow
 * requests handed to the slow lane with their connection suspended, TLS,
 * start and stop, and the request accessors (headers, cookies, query).
 * Does not own: the checks made when the headers are in
 * (http_server_checks.c), credentials' syntax (http_auth.c), the time
 * limit per request (http_deadline.c) or streamed answers (http_stream.c).
 */
#include <microhttpd.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/http_server_internal.h"
#include "common/log.h"
#include "common/sleep.h"
#include "common/text.h"

/* How long http_server_stop waits for the answers of slow requests the
 * lane has finished or cancelled to go out before it closes everything. */
#define SLOW_ANSWERS_WAIT_MS 2000

static char *read_file(const char *path, strbuf *error)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        strbuf_printf(error, "cannot open \"%s\"", path);
        return NULL;
    }
    strbuf contents = STRBUF_INIT;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, file)) > 0)
        strbuf_append(&contents, chunk, got);
    int failed = ferror(file);
    fclose(file);
    if (failed || strbuf_status(&contents) != CV_OK) {
        strbuf_printf(error, "cannot read \"%s\"", path);
        strbuf_free(&contents);
        return NULL;
    }
    return strbuf_detach(&contents);
}

/* Splits "ADDR:PORT" / "[ADDR]:PORT" and resolves it numerically. */
static cv_result parse_listen(const char *listen, struct sockaddr_storage *address,
                              socklen_t *length, strbuf *error)
{
    char host[256];
    const char *port;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof host)
            goto bad;
        memcpy(host, listen + 1, (size_t)(close - listen - 1));
        host[close - listen - 1] = '\0';
        port = close + 2;
    } else {
        const char *colon = strrchr(listen, ':');
        if (!colon || (size_t)(colon - listen) >= sizeof host)
            goto bad;
        memcpy(host, listen, (size_t)(colon - listen));
        host[colon - listen] = '\0';
        port = colon + 1;
    }
    if (!*port)
        goto bad;
    struct addrinfo hints = {0}, *found = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    if (getaddrinfo(host[0] ? host : NULL, port, &hints, &found) != 0 || !found)
        goto bad;
    memcpy(address, found->ai_addr, found->ai_addrlen);
    *length = found->ai_addrlen;
    freeaddrinfo(found);
    return CV_OK;
bad:
    strbuf_printf(error, "--listen: expected ADDR:PORT, got \"%s\"", listen);
    return CV_ERR_INVALID;
}

static void free_response(http_response *response)
{
    strbuf_free(&response->body);
    strbuf_free(&response->annotations);
    for (size_t i = 0; i < response->header_count; i++)
        free(response->header_values[i]);
    response->header_count = 0;
    if (response->stream.read && response->stream.release) /* never sent */
        response->stream.release(response->stream.context);
    response->stream = (http_stream_source){0};
}

cv_result http_response_add_header(http_response *response, const char *name, const char *value)
{
    if (response->header_count == HTTP_MAX_HEADERS)
        return CV_ERR_TOO_LARGE;
    char *copy = strdup(value);
    if (!copy)
        return CV_ERR_NO_MEMORY;
    response->header_names[response->header_count] = name;
    response->header_values[response->header_count] = copy;
    response->header_count++;
    return CV_OK;
}

/* The libmicrohttpd response of a streaming answer; the source is the
 * stream's from now on (released on every path). */
static struct MHD_Response *stream_reply(http_server *server, struct MHD_Connection *connection,
                                         http_response *response)
{
    http_stream_source source = response->stream;
    response->stream = (http_stream_source){0};
    return http_streams_response(server->streams, connection, &source);
}

static enum MHD_Result send_response(http_server *server, struct MHD_Connection *connection,
                                     http_response *response)
{
    bool streaming = response->stream.read != NULL;
    size_t length = response->body.length;
    char *data = strbuf_detach(&response->body);
    struct MHD_Response *reply =
        streaming ? stream_reply(server, connection, response)
        : data    ? MHD_create_response_from_buffer(length, data, MHD_RESPMEM_MUST_FREE)
                  : NULL;
    if (streaming)
        free(data);
    if (!reply) {
        if (!streaming)
            free(data);
        return MHD_NO;
    }
    if (response->content_type && (length > 0 || streaming))
        MHD_add_response_header(reply, MHD_HTTP_HEADER_CONTENT_TYPE, response->content_type);
    for (size_t i = 0; i < response->header_count; i++)
        MHD_add_response_header(reply, response->header_names[i], response->header_values[i]);
    enum MHD_Result queued = MHD_queue_response(connection, (unsigned)response->status, reply);
    MHD_destroy_response(reply);
    return queued;
}

static http_deadline_entry *deadline_entry(struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

/* The request as handlers see it; `client` (INET6_ADDRSTRLEN + 1 bytes)
 * holds the client's address text. */
static http_request describe_request(struct MHD_Connection *connection, const char *url,
                                     const char *method, const request_state *state, char *client)
{
    http_server_client_address(connection, client, INET6_ADDRSTRLEN + 1);
    http_request request = {
        .method = method,
        .path = url,
        .client_address = client,
        .user = state->identified ? state->principal.name : NULL,
        .principal = state->identified ? &state->principal : NULL,
        .body = strbuf_str(&state->body),
        .body_length = state->body.length,
        .content_type =
            MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
        .connection = connection,
    };
    return request;
}

/* Fills `response` with the handler's answer, or the refusal `refusal`
 * (400, 401, 403, 413, 429, 503) made without calling it. `refused`: the
 * principal `identify` filled when the refusal is its own, else NULL. */
static void fill_response(http_server *server, const http_request *request, int refusal,
                          const http_principal *refused, http_response *response)
{
    memset(response, 0, sizeof *response);
    response->status = refusal ? refusal : 200;
    strbuf_init(&response->body);
    strbuf_init(&response->annotations);
    if (refusal == 401) {
        /* A page's script (the web console) says so with X-Requested-With:
         * its 401 carries no Basic challenge, which would make the browser
         * open its own password dialog instead of the page's sign-in. */
        bool from_script =
            request->connection &&
            MHD_lookup_connection_value(request->connection, MHD_HEADER_KIND, "X-Requested-With");
        char challenge[160];
        snprintf(challenge, sizeof challenge, "Basic realm=\"%s\"", server->config.realm);
        if (!from_script)
            http_response_add_header(response, MHD_HTTP_HEADER_WWW_AUTHENTICATE, challenge);
        if (server->config.unauthorized_body) {
            strbuf_append_str(&response->body, server->config.unauthorized_body);
            response->content_type = server->config.unauthorized_content_type;
        }
    } else if (refusal == 429 || refusal == 403 || refusal == 503) {
        if (server->config.describe_refusal)
            server->config.describe_refusal(server->config.context, refusal, refused, response);
    } else if (refusal == 0) {
        server->config.handle(server->config.context, request, response);
    }
}

/* Shows the exchange to the observer and queues the answer. `close`: the
 * body was not read, so the connection cannot carry another request. */
static enum MHD_Result deliver(http_server *server, struct MHD_Connection *connection,
                               const http_request *request, http_response *response, bool close)
{
    if (close)
        http_response_add_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
    if (strbuf_status(&response->body) != CV_OK) {
        strbuf_reset(&response->body);
        response->status = 500;
    }
    if (server->config.observe)
        server->config.observe(server->config.context, request, response);
    enum MHD_Result queued = send_response(server, connection, response);
    free_response(response);
    return queued;
}

/* Builds and queues the answer: the handler's, or the refusal `refusal`
 * (400, 401, 413) made before the body was read. `close` as for deliver. */
static enum MHD_Result answer(http_server *server, struct MHD_Connection *connection,
                              const char *url, const char *method, request_state *state,
                              int refusal, bool close)
{
    char client[INET6_ADDRSTRLEN + 1];
    http_request request = describe_request(connection, url, method, state, client);
    http_response response;
    fill_response(server, &request, refusal, refusal ? &state->principal : NULL, &response);
    if (refusal == 429 && state->principal.retry_after) {
        char seconds[16];
        snprintf(seconds, sizeof seconds, "%u", state->principal.retry_after);
        http_response_add_header(&response, MHD_HTTP_HEADER_RETRY_AFTER, seconds);
    }
    return deliver(server, connection, &request, &response, close);
}

/* ---- slow requests: the handler runs on the slow lane ---------------------- */

/* What a lane thread needs to run one suspended request. The connection
 * and its request_state stay valid while it is suspended. */
typedef struct {
    http_server *server;
    struct MHD_Connection *connection;
    request_state *state;
    char *url, *method; /* copies: libmicrohttpd's are only lent per call */
} slow_request;

static void slow_request_finish(slow_request *slow, int refusal)
{
    char client[INET6_ADDRSTRLEN + 1];
    http_request request =
        describe_request(slow->connection, slow->url, slow->method, slow->state, client);
    fill_response(slow->server, &request, refusal, NULL, &slow->state->slow_response);
    MHD_resume_connection(slow->connection); /* the next access_handler call sends it */
    free(slow->url);
    free(slow->method);
    free(slow);
}

static void slow_request_run(void *argument)
{
    slow_request_finish(argument, 0);
}

static void slow_request_cancel(void *argument)
{
    slow_request_finish(argument, 503); /* the server is stopping */
}

/* Suspends the connection and hands the request to the lane; a full lane
 * answers 503 at once (through the same resume). */
static void defer_request(http_server *server, struct MHD_Connection *connection, const char *url,
                          const char *method, request_state *state)
{
    slow_request *slow = calloc(1, sizeof *slow);
    state->deferred = true;
    state->slow = true;
    atomic_fetch_add(&server->slow_unfinished, 1);
    MHD_suspend_connection(connection);
    if (!slow || !(slow->url = strdup(url)) || !(slow->method = strdup(method))) {
        if (slow)
            free(slow->url);
        free(slow);
        fill_response(server, NULL, 500, NULL, &state->slow_response);
        MHD_resume_connection(connection);
        return;
    }
    slow->server = server;
    slow->connection = connection;
    slow->state = state;
    http_slow_job job = {slow_request_run, slow_request_cancel, slow};
    if (http_slow_lane_push(server->slow_lane, job) != CV_OK) {
        log_warning("http: %s %s refused with 503: every slow request thread is busy and "
                    "%u are waiting",
                    method, url, server->config.slow_queue_max);
        slow_request_finish(slow, 503);
    }
}

static enum MHD_Result access_handler(void *closure, struct MHD_Connection *connection,
                                      const char *url, const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **connection_state)
{
    (void)version;
    http_server *server = closure;
    request_state *state = *connection_state;
    if (!state) {
        /* First call: the headers are in, nothing of the body has been read
         * and no "100 Continue" sent; refusing now keeps it that way. */
        state = calloc(1, sizeof *state);
        if (!state)
            return MHD_NO;
        *connection_state = state;
        bool announces_body = false;
        int refusal =
            http_server_check_headers(server, connection, url, method, state, &announces_body);
        /* Without a body there is nothing to keep from being read, and an
         * answer queued in this first call makes libmicrohttpd close the
         * connection: a 401 (403, 429, 503) then waits for the next call,
         * keeping the connection for the retry with credentials. */
        if (refusal == 0 || (refusal != 400 && refusal != 413 && !announces_body)) {
            state->refusal = refusal;
            return MHD_YES;
        }
        state->answered = true;
        return answer(server, connection, url, method, state, refusal, announces_body);
    }
    if (state->answered) { /* refused early: whatever follows is not read */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* Only a body without Content-Length (chunked) can grow past the
         * limit here; it is not read further: the connection is closed. */
        if (state->refusal ||
            state->body.length + *upload_data_size > http_server_body_limit(server, state) ||
            strbuf_append(&state->body, upload_data, *upload_data_size) != CV_OK)
            return MHD_NO;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (state->deferred) { /* resumed: the lane has filled the answer */
        char client[INET6_ADDRSTRLEN + 1];
        http_request request = describe_request(connection, url, method, state, client);
        state->deferred = false;
        state->answered = true;
        return deliver(server, connection, &request, &state->slow_response, false);
    }
    http_deadline_answering(deadline_entry(connection));
    if (state->refusal == 0 && server->slow_lane &&
        server->config.is_slow(server->config.context, method, url)) {
        defer_request(server, connection, url, method, state);
        return MHD_YES;
    }
    state->answered = true;
    return answer(server, connection, url, method, state, state->refusal, false);
}

static void request_completed(void *closure, struct MHD_Connection *connection,
                              void **connection_state, enum MHD_RequestTerminationCode code)
{
    (void)code;
    http_server *server = closure;
    http_deadline_restart(deadline_entry(connection));
    request_state *state = *connection_state;
    if (state && state->slow)
        atomic_fetch_sub(&server->slow_unfinished, 1);
    if (state) {
        free_response(&state->slow_response); /* filled but never sent */
        strbuf_free(&state->body);
        explicit_bzero(&state->principal, sizeof state->principal);
        free(state);
        *connection_state = NULL;
    }
}

/* Keeps the request-time watcher's list of connections. */
static void connection_changed(void *closure, struct MHD_Connection *connection,
                               void **socket_context, enum MHD_ConnectionNotificationCode code)
{
    http_server *server = closure;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = info ? http_deadline_track(server->deadline, info->connect_fd) : NULL;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        http_deadline_forget(server->deadline, *socket_context);
        *socket_context = NULL;
    }
}

static void log_from_library(void *closure, const char *format, va_list arguments)
{
    (void)closure;
    char line[512];
    vsnprintf(line, sizeof line, format, arguments);
    size_t length = strlen(line);
    while (length && (line[length - 1] == '\n' || line[length - 1] == '\r'))
        line[--length] = '\0';
    log_debug("http: %s", line);
}

/* Frees what http_server_start set up so far (each part may be missing). */
static void discard_server(http_server *server)
{
    http_deadline_stop(server->deadline);
    http_slow_lane_stop(server->slow_lane);
    http_streams_free(server->streams);
    free(server->certificate_pem);
    free(server->key_pem);
    free(server);
}

/* The slow lane, when the daemon names slow requests; adds the flag
 * suspending connections needs to *flags. */
static cv_result start_slow_lane(http_server *server, unsigned *flags, strbuf *error)
{
    if (!server->config.is_slow)
        return CV_OK;
    *flags |= MHD_ALLOW_SUSPEND_RESUME;
    if (!server->config.slow_thread_count)
        server->config.slow_thread_count = 4;
    if (!server->config.slow_queue_max)
        server->config.slow_queue_max = 64;
    if (http_slow_lane_start(server->config.slow_thread_count, server->config.slow_queue_max,
                             &server->slow_lane) != CV_OK) {
        strbuf_printf(error, "cannot start the threads for slow requests");
        return CV_ERR_IO;
    }
    return CV_OK;
}

/* Reads the certificate and key files when TLS is asked for. */
static cv_result load_tls(http_server *server, unsigned *flags, strbuf *error)
{
    if (!server->config.tls_certificate_file)
        return CV_OK;
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        strbuf_printf(error, "this libmicrohttpd was built without TLS");
        return CV_ERR_INVALID;
    }
    server->certificate_pem = read_file(server->config.tls_certificate_file, error);
    server->key_pem =
        server->certificate_pem ? read_file(server->config.tls_key_file, error) : NULL;
    if (!server->key_pem)
        return CV_ERR_IO;
    *flags |= MHD_USE_TLS;
    return CV_OK;
}

/* Starts libmicrohttpd listening on `address` with the limits of the
 * configuration; `request_timeout` in seconds. */
static struct MHD_Daemon *start_daemon(http_server *server, unsigned flags,
                                       const struct sockaddr_storage *address,
                                       unsigned request_timeout)
{
    const http_server_config *config = &server->config;
    unsigned threads = config->thread_count;
    if (threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores > 0 ? (unsigned)cores : 2;
    }
    unsigned max_connections =
        config->max_connections ? config->max_connections : HTTP_DEFAULT_MAX_CONNECTIONS;
    struct MHD_OptionItem tls_options[] = {
        {server->certificate_pem ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0,
         server->certificate_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, server->key_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    return MHD_start_daemon(
        flags, 0, config->admit ? http_server_admit_connection : NULL, server, access_handler,
        server, MHD_OPTION_SOCK_ADDR, address, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        config->max_connections_per_address,
        /* libmicrohttpd's idle timer (restarted by every byte) still bounds
         * a client that stops reading an answer; never below 60 s, so a
         * handler that takes long (a slow bridge) cannot outlast it. */
        MHD_OPTION_CONNECTION_TIMEOUT, request_timeout > 60 ? request_timeout : 60u,
        MHD_OPTION_NOTIFY_COMPLETED, request_completed, server, MHD_OPTION_NOTIFY_CONNECTION,
        connection_changed, server, MHD_OPTION_EXTERNAL_LOGGER, log_from_library, server,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024, MHD_OPTION_ARRAY, tls_options,
        MHD_OPTION_END);
}

cv_result http_server_start(const http_server_config *config, http_server **out, strbuf *error)
{
    *out = NULL;
    struct sockaddr_storage address;
    socklen_t address_length;
    cv_result result = parse_listen(config->listen, &address, &address_length, error);
    if (result != CV_OK)
        return result;
    http_server *server = calloc(1, sizeof *server);
    if (!server)
        return CV_ERR_NO_MEMORY;
    server->config = *config;
    if (http_streams_create(&server->streams) != CV_OK) {
        free(server);
        return CV_ERR_NO_MEMORY;
    }
    /* Suspend/resume: slow requests and sleeping streams (http_stream.h). */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY |
                     MHD_USE_ERROR_LOG | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME;
    if (address.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    result = start_slow_lane(server, &flags, error);
    if (result == CV_OK)
        result = load_tls(server, &flags, error);
    unsigned request_timeout = config->request_timeout_seconds
                                   ? config->request_timeout_seconds
                                   : HTTP_DEFAULT_REQUEST_TIMEOUT_SECONDS;
    if (result == CV_OK &&
        http_deadline_start(request_timeout * 1000u, &server->deadline) != CV_OK) {
        strbuf_printf(error, "cannot start the request time watcher");
        result = CV_ERR_IO;
    }
    if (result == CV_OK) {
        server->daemon = start_daemon(server, flags, &address, request_timeout);
        if (!server->daemon) {
            strbuf_printf(error, "cannot listen on %s (address in use or not permitted)",
                          config->listen);
            result = CV_ERR_IO;
        }
    }
    if (result != CV_OK) {
        discard_server(server);
        return result;
    }
    *out = server;
    return CV_OK;
}

void http_server_stop(http_server *server)
{
    if (!server)
        return;
    /* Streams end at their next read, and sleeping ones are woken for it:
     * none stays suspended and none delays the stop. */
    http_streams_end_all(server->streams);
    /* Then: slow requests still waiting are answered 503 and running ones
     * finish, so no connection is suspended when the daemon stops (its
     * workers are still there to send those answers). */
    http_slow_lane_stop(server->slow_lane);
    /* Those answers are queued on resumed connections by the daemon's
     * workers: let them go out before the daemon closes every connection
     * (bounded, for a client that does not read). */
    for (long waited = 0;
         atomic_load(&server->slow_unfinished) > 0 && waited < SLOW_ANSWERS_WAIT_MS; waited += 10)
        sleep_milliseconds(10);
    MHD_stop_daemon(server->daemon);
    /* After the daemon: every connection has been closed and forgotten. */
    http_deadline_stop(server->deadline);
    http_streams_free(server->streams);
    free(server->certificate_pem);
    free(server->key_pem);
    free(server);
}

void http_server_wake_streams(http_server *server)
{
    if (server)
        http_streams_wake(server->streams);
}

const char *http_request_header(const http_request *request, const char *name)
{
    if (!request->connection)
        return NULL;
    return MHD_lookup_connection_value(request->connection, MHD_HEADER_KIND, name);
}

const char *http_request_cookie(const http_request *request, const char *name)
{
    if (!request->connection)
        return NULL;
    return MHD_lookup_connection_value(request->connection, MHD_COOKIE_KIND, name);
}

const char *http_request_query(const http_request *request, const char *name)
{
    /* A request built without a live connection (unit tests, fuzzers) has
     * no query string. */
    if (!request->connection)
        return NULL;
    return MHD_lookup_connection_value(request->connection, MHD_GET_ARGUMENT_KIND, name);
}

typedef struct {
    int (*visit)(void *context, const char *name, const char *value);
    void *context;
    int stopped_with;
} query_walk;

static enum MHD_Result visit_query(void *closure, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    query_walk *walk = closure;
    walk->stopped_with = walk->visit(walk->context, key, value ? value : "");
    return walk->stopped_with ? MHD_NO : MHD_YES;
}

int http_request_each_query(const http_request *request,
                            int (*visit)(void *context, const char *name, const char *value),
                            void *context)
{
    query_walk walk = {visit, context, 0};
    if (!request->connection)
        return 0;
    MHD_get_connection_values(request->connection, MHD_GET_ARGUMENT_KIND, visit_query, &walk);
    return walk.stopped_with;
}

bool http_content_type_is(const char *header, const char *media_type)
{
    if (!header)
        return false;
    header += strspn(header, " \t");
    size_t length = strlen(media_type);
    if (strncasecmp(header, media_type, length) != 0)
        return false;
    const char *rest = header + length;
    rest += strspn(rest, " \t");
    return *rest == '\0' || *rest == ';';
}
