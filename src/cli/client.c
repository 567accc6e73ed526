/*
 * client.c - HTTP(S) requests over one reused libcurl handle; see client.h.
 * Owns the curl handle, the copies of the credentials (wiped on free) and
 * the answer buffers. Never writes a password anywhere.
 */
#include "common/text.h"
#include "cli/client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct client {
    CURL *handle;
    char *base_url;
    char *user_name;
    char *password;
    char *bearer_token;
    char *ca_file;
    bool insecure;
    long timeout_seconds;
};

void client_free(client *connection)
{
    if (!connection)
        return;
    if (connection->handle)
        curl_easy_cleanup(connection->handle);
    free(connection->base_url);
    free(connection->user_name);
    text_wipe_free(connection->password);
    text_wipe_free(connection->bearer_token);
    free(connection->ca_file);
    free(connection);
}

static bool copy_optional(const char *source, char **target)
{
    if (!source) {
        *target = NULL;
        return true;
    }
    *target = strdup(source);
    return *target != NULL;
}

cv_result client_create(const client_settings *settings, client **out)
{
    *out = NULL;
    client *connection = calloc(1, sizeof *connection);
    if (!connection)
        return CV_ERR_NO_MEMORY;
    connection->insecure = settings->insecure;
    connection->timeout_seconds = settings->timeout_seconds > 0 ? settings->timeout_seconds : 30;
    if (!copy_optional(settings->base_url, &connection->base_url) || !connection->base_url ||
        !copy_optional(settings->user_name, &connection->user_name) ||
        !copy_optional(settings->password, &connection->password) ||
        !copy_optional(settings->bearer_token, &connection->bearer_token) ||
        !copy_optional(settings->ca_file, &connection->ca_file)) {
        client_free(connection);
        return CV_ERR_NO_MEMORY;
    }
    size_t length = strlen(connection->base_url);
    while (length > 0 && connection->base_url[length - 1] == '/')
        connection->base_url[--length] = '\0';
    connection->handle = curl_easy_init();
    if (!connection->handle) {
        client_free(connection);
        return CV_ERR_NO_MEMORY;
    }
    *out = connection;
    return CV_OK;
}

const char *client_base_url(const client *connection)
{
    return connection->base_url;
}

void client_answer_free(client_answer *answer)
{
    free(answer->body);
    if (answer->document)
        json_decref(answer->document);
    memset(answer, 0, sizeof *answer);
}

static size_t collect_body(char *data, size_t size, size_t count, void *user)
{
    strbuf *body = user;
    size_t length = size * count;
    if (strbuf_append(body, data, length) != CV_OK)
        return 0; /* makes curl fail the transfer with a write error */
    return length;
}

static size_t collect_header(char *data, size_t size, size_t count, void *user)
{
    client_answer *answer = user;
    size_t length = size * count;
    static const char name[] = "location:";
    if (length > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
        const char *value = data + sizeof name - 1;
        size_t value_length = length - (sizeof name - 1);
        while (value_length > 0 && (*value == ' ' || *value == '\t')) {
            value++;
            value_length--;
        }
        while (value_length > 0 &&
               (value[value_length - 1] == '\r' || value[value_length - 1] == '\n'))
            value_length--;
        if (value_length >= sizeof answer->location)
            value_length = sizeof answer->location - 1;
        memcpy(answer->location, value, value_length);
        answer->location[value_length] = '\0';
    }
    return length;
}

static bool body_looks_like_json(const client_answer *answer)
{
    const char *text = answer->body;
    while (*text == ' ' || *text == '\n' || *text == '\r' || *text == '\t')
        text++;
    return *text == '{' || *text == '[';
}

/* The request headers: the body's type and no "Expect: 100-continue".
 * NULL when out of memory. */
static struct curl_slist *request_headers(const char *content_type)
{
    struct curl_slist *headers = NULL;
    if (content_type) {
        char content_header[128];
        snprintf(content_header, sizeof content_header, "Content-Type: %s", content_type);
        headers = curl_slist_append(NULL, content_header);
        if (!headers)
            return NULL;
    }
    struct curl_slist *grown = curl_slist_append(headers, "Expect:");
    if (!grown)
        curl_slist_free_all(headers);
    return grown;
}

/* Credentials and TLS checking of the connection, on its reset handle. */
static void set_credentials(const client *connection)
{
    CURL *handle = connection->handle;
    if (connection->bearer_token) {
        curl_easy_setopt(handle, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
        curl_easy_setopt(handle, CURLOPT_XOAUTH2_BEARER, connection->bearer_token);
    } else if (connection->user_name) {
        curl_easy_setopt(handle, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(handle, CURLOPT_USERNAME, connection->user_name);
        curl_easy_setopt(handle, CURLOPT_PASSWORD,
                         connection->password ? connection->password : "");
    }
    if (connection->insecure) {
        curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (connection->ca_file) {
        curl_easy_setopt(handle, CURLOPT_CAINFO, connection->ca_file);
    }
}

/* Sets up the handle for one request; `received` collects the body. */
static void prepare_handle(client *connection, const char *url, const char *method,
                           struct curl_slist *headers, const char *body, size_t body_length,
                           strbuf *received, client_answer *answer)
{
    CURL *handle = connection->handle;
    curl_easy_reset(handle);
    curl_easy_setopt(handle, CURLOPT_URL, url);
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(handle, CURLOPT_TIMEOUT, connection->timeout_seconds);
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, received);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, collect_header);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, answer);
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    if (body) {
        curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_length);
    }
    set_credentials(connection);
}

/* Runs the prepared request and fills `answer` from it. */
static cv_result perform(client *connection, strbuf *received, client_answer *answer, strbuf *error)
{
    CURLcode code = curl_easy_perform(connection->handle);
    if (code != CURLE_OK) {
        strbuf_printf(error, "%s", curl_easy_strerror(code));
        if (code == CURLE_WRITE_ERROR && strbuf_status(received) != CV_OK)
            return CV_ERR_NO_MEMORY;
        return code == CURLE_OPERATION_TIMEDOUT ? CV_ERR_TIMEOUT : CV_ERR_NETWORK;
    }
    curl_easy_getinfo(connection->handle, CURLINFO_RESPONSE_CODE, &answer->status);
    answer->body_length = received->length;
    answer->body = strbuf_detach(received);
    if (!answer->body)
        return CV_ERR_NO_MEMORY;
    if (answer->body_length > 0 && body_looks_like_json(answer))
        answer->document = json_loadb(answer->body, answer->body_length, 0, NULL);
    return CV_OK;
}

cv_result client_send(client *connection, const char *method, const char *path,
                      const char *content_type, const char *body, size_t body_length,
                      client_answer *answer, strbuf *error)
{
    memset(answer, 0, sizeof *answer);
    strbuf url = STRBUF_INIT;
    strbuf received = STRBUF_INIT;
    struct curl_slist *headers = request_headers(body ? content_type : NULL);
    strbuf_printf(&url, "%s%s", connection->base_url, path);
    cv_result result = headers && strbuf_status(&url) == CV_OK ? CV_OK : CV_ERR_NO_MEMORY;
    if (result == CV_OK) {
        prepare_handle(connection, strbuf_str(&url), method, headers, body, body_length, &received,
                       answer);
        result = perform(connection, &received, answer, error);
    }
    if (!answer->body)
        answer->body = strdup("");
    curl_slist_free_all(headers);
    strbuf_free(&url);
    strbuf_free(&received);
    if (!answer->body && result == CV_OK)
        result = CV_ERR_NO_MEMORY;
    return result;
}

cv_result client_send_json(client *connection, const char *method, const char *path,
                           const json_t *document, client_answer *answer, strbuf *error)
{
    if (!document)
        return client_send(connection, method, path, NULL, NULL, 0, answer, error);
    char *text = json_dumps(document, JSON_COMPACT);
    if (!text) {
        memset(answer, 0, sizeof *answer);
        return CV_ERR_NO_MEMORY;
    }
    cv_result result = client_send(connection, method, path, "application/json", text, strlen(text),
                                   answer, error);
    explicit_bzero(text, strlen(text)); /* may hold a bridge password */
    free(text);
    return result;
}

/* The write callback of a stream: a 2xx answer's bytes go to the caller,
 * any other answer's are kept for its error message. */
typedef struct {
    CURL *handle;
    client_stream_reader read;
    void *context;
    strbuf refusal; /* the body of an answer that is not 2xx */
} stream_call;

static size_t pass_stream(char *data, size_t size, size_t count, void *user)
{
    stream_call *call = user;
    size_t length = size * count;
    long status = 0;
    curl_easy_getinfo(call->handle, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299)
        return strbuf_append(&call->refusal, data, length) == CV_OK ? length : 0;
    return call->read(call->context, data, length) ? length : 0; /* 0 stops the transfer */
}

cv_result client_stream(client *connection, const char *path, const char *last_event_id,
                        client_stream_reader read, void *context, client_answer *answer,
                        strbuf *error)
{
    memset(answer, 0, sizeof *answer);
    strbuf url = STRBUF_INIT;
    strbuf header = STRBUF_INIT;
    strbuf_printf(&url, "%s%s", connection->base_url, path);
    if (last_event_id)
        strbuf_printf(&header, "Last-Event-ID: %s", last_event_id);
    struct curl_slist *headers = curl_slist_append(NULL, "Accept: text/event-stream");
    if (headers && last_event_id)
        headers = curl_slist_append(headers, strbuf_str(&header));
    stream_call call = {connection->handle, read, context, STRBUF_INIT};
    cv_result result = headers && strbuf_status(&url) == CV_OK && strbuf_status(&header) == CV_OK
                           ? CV_OK
                           : CV_ERR_NO_MEMORY;
    if (result == CV_OK) {
        prepare_handle(connection, strbuf_str(&url), "GET", headers, NULL, 0, &call.refusal,
                       answer);
        /* No time limit on the whole stream; a server silent for longer
         * than several heartbeats is taken for gone. */
        curl_easy_setopt(connection->handle, CURLOPT_TIMEOUT, 0L);
        curl_easy_setopt(connection->handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(connection->handle, CURLOPT_LOW_SPEED_TIME, 75L);
        curl_easy_setopt(connection->handle, CURLOPT_WRITEFUNCTION, pass_stream);
        curl_easy_setopt(connection->handle, CURLOPT_WRITEDATA, &call);
        CURLcode code = curl_easy_perform(connection->handle);
        curl_easy_getinfo(connection->handle, CURLINFO_RESPONSE_CODE, &answer->status);
        bool stopped = code == CURLE_WRITE_ERROR && answer->status >= 200 && answer->status < 300;
        if (code != CURLE_OK && !stopped) {
            result = code == CURLE_OPERATION_TIMEDOUT ? CV_ERR_TIMEOUT : CV_ERR_NETWORK;
            strbuf_printf(error, "%s", curl_easy_strerror(code));
        }
    }
    answer->body_length = call.refusal.length;
    answer->body = strbuf_detach(&call.refusal);
    if (!answer->body)
        answer->body = strdup("");
    if (answer->body && answer->body_length > 0 && body_looks_like_json(answer))
        answer->document = json_loadb(answer->body, answer->body_length, 0, NULL);
    curl_slist_free_all(headers);
    strbuf_free(&url);
    strbuf_free(&header);
    return result;
}
