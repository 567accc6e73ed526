/*
 * cms_client.c - one exchange with a CMS API over libcurl; see
 * cms_client.h.
 *
 * Owns: building a request (form fields, the /api/v1 prefix), performing
 * it on a borrowed keep-alive handle with retries (the 401 challenge,
 * backoff on 503, cancellation), decoding the answer (XML, Location id,
 * failureDetails, the result classes of cms_client.h), the trace with
 * secrets masked, and cms_get_all's paging. Does not own: the clients per
 * address and their handle pools (cms_registry.c), or the meaning of any
 * answer.
 */
#include "common/cms_client.h"

#include <curl/curl.h>
#include <errno.h>
#include <libxml/parser.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/cms_client_internal.h"
#include "common/form.h"
#include "common/log.h"
#include "common/sleep.h"
#include "common/strbuf.h"
#include "common/text.h"

#define CMS_API_PREFIX "/api/v1"
#define CMS_MAX_BODY   (32u * 1024u * 1024u)

/* ---- one exchange -------------------------------------------------------- */

void cms_response_free(cms_response *response)
{
    free(response->body);
    response->body = NULL;
    response->body_length = 0;
    if (response->document)
        xmlFreeDoc(response->document);
    response->document = NULL;
}

bool cms_result_is_unreachable(cv_result result)
{
    return result == CV_ERR_NETWORK || result == CV_ERR_TIMEOUT;
}

typedef struct {
    strbuf body;
    bool too_large;
    char location[256];
    long retry_after_seconds;
} exchange_capture;

static size_t capture_body(char *data, size_t size, size_t count, void *closure)
{
    exchange_capture *capture = closure;
    size_t length = size * count;
    if (capture->body.length + length > CMS_MAX_BODY) {
        capture->too_large = true;
        return 0;
    }
    if (strbuf_append(&capture->body, data, length) != CV_OK)
        return 0;
    return length;
}

static void trim_header_value(const char *start, size_t length, char *out, size_t size)
{
    while (length && (*start == ' ' || *start == '\t')) {
        start++;
        length--;
    }
    while (length &&
           (start[length - 1] == '\r' || start[length - 1] == '\n' || start[length - 1] == ' '))
        length--;
    if (length >= size)
        length = size - 1;
    memcpy(out, start, length);
    out[length] = '\0';
}

static size_t capture_header(char *data, size_t size, size_t count, void *closure)
{
    exchange_capture *capture = closure;
    size_t length = size * count;
    if (length > 9 && strncasecmp(data, "Location:", 9) == 0) {
        trim_header_value(data + 9, length - 9, capture->location, sizeof capture->location);
    } else if (length > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
        char value[16];
        trim_header_value(data + 12, length - 12, value, sizeof value);
        int64_t seconds = 0;
        if (text_parse_int64(value, 0, 3600, &seconds) == CV_OK)
            capture->retry_after_seconds = (long)seconds;
    }
    return length;
}

static void append_encoded(strbuf *out, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            *c == '-' || *c == '.' || *c == '_' || *c == '~') {
            strbuf_append_char(out, (char)*c);
        } else {
            strbuf_append_char(out, '%');
            strbuf_append_char(out, hex[*c >> 4]);
            strbuf_append_char(out, hex[*c & 15]);
        }
    }
}

static cv_result encode_fields(const cms_field *fields, size_t count, strbuf *out)
{
    for (size_t i = 0; i < count; i++) {
        if (i)
            strbuf_append_char(out, '&');
        append_encoded(out, fields[i].name);
        strbuf_append_char(out, '=');
        append_encoded(out, fields[i].value ? fields[i].value : "");
    }
    return strbuf_status(out);
}

static void trace_request(trace_log *trace, strbuf *block, unsigned long number, const char *method,
                          const char *base_url, const char *path, const strbuf *body, bool has_body)
{
    trace_line(trace, block, number, "%s for \"%s%s\" (to %s)", method, CMS_API_PREFIX, path,
               base_url);
    if (!has_body)
        return;
    form fields;
    if (form_parse(strbuf_str(body), body->length, &fields) == CV_OK)
        trace_form(trace, block, number, "application/x-www-form-urlencoded", body->length,
                   &fields);
    else
        trace_line(trace, block, number, "content data size %zu (not shown)", body->length);
    form_free(&fields);
}

static void trace_answer(trace_log *trace, strbuf *block, unsigned long number, long status,
                         const exchange_capture *capture, const char *failure)
{
    if (status == 0) {
        trace_line(trace, block, number, "no response: %s", failure);
        return;
    }
    trace_line(trace, block, number, "received %ld response, size %zu", status,
               capture->body.length);
    if (capture->location[0])
        trace_line(trace, block, number, "Location: %s", capture->location);
    if (capture->body.length > 0)
        trace_body(trace, block, number, capture->body.data, capture->body.length);
}

static bool cancelled(const cms_client_settings *settings)
{
    return settings->cancel && atomic_load(settings->cancel);
}

static int check_cancel(void *closure, curl_off_t download_total, curl_off_t downloaded,
                        curl_off_t upload_total, curl_off_t uploaded)
{
    (void)download_total;
    (void)downloaded;
    (void)upload_total;
    (void)uploaded;
    return cancelled(closure) ? 1 : 0;
}

/* A copy of the credentials and TLS settings, taken under the lock. */
typedef struct {
    char *username;
    char *password;
    bool tls_verify;
    char *ca_file;
    char *pinned_key;
} exchange_settings;

static cv_result copy_settings(cms_client *client, exchange_settings *out)
{
    pthread_mutex_lock(&client->lock);
    out->username = text_duplicate(client->username ? client->username : "");
    out->password = text_duplicate(client->password ? client->password : "");
    out->tls_verify = client->tls_verify;
    out->ca_file = text_duplicate(client->ca_file);
    out->pinned_key = text_duplicate(client->pinned_key);
    bool failed = !out->username || !out->password || (client->ca_file && !out->ca_file) ||
                  (client->pinned_key && !out->pinned_key);
    pthread_mutex_unlock(&client->lock);
    return failed ? CV_ERR_NO_MEMORY : CV_OK;
}

static void free_settings(exchange_settings *settings)
{
    free(settings->username);
    text_wipe_free(settings->password);
    free(settings->ca_file);
    free(settings->pinned_key);
}

static bool is_tls_error(CURLcode code)
{
    switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
        return true;
    default:
        return false;
    }
}

/* "<failureDetails><coSpaceDoesNotExist/></failureDetails>" -> text. */
static void describe_failure(xmlDocPtr document, char *out, size_t size)
{
    xmlNodePtr root = document ? xmlDocGetRootElement(document) : NULL;
    if (!root || xmlStrcmp(root->name, BAD_CAST "failureDetails") != 0)
        return;
    for (xmlNodePtr child = root->children; child; child = child->next) {
        if (child->type != XML_ELEMENT_NODE)
            continue;
        size_t used = strlen(out);
        snprintf(out + used, size - used, ": %s", (const char *)child->name);
        for (xmlAttrPtr attribute = child->properties; attribute; attribute = attribute->next) {
            xmlChar *value = xmlNodeGetContent((xmlNodePtr)attribute);
            used = strlen(out);
            snprintf(out + used, size - used, " %s=\"%s\"", (const char *)attribute->name,
                     value ? (const char *)value : "");
            xmlFree(value);
        }
        return;
    }
}

/* Sets every option of one attempt on a borrowed handle (curl_easy_reset
 * first: the connection cache stays). */
static void configure_attempt(CURL *curl, const cms_client_settings *settings,
                              const exchange_settings *credentials, const char *url,
                              struct curl_slist *headers, const char *method,
                              const strbuf *request_body, bool has_body, exchange_capture *capture,
                              char *curl_error)
{
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC); /* sent up front */
    curl_easy_setopt(curl, CURLOPT_USERNAME, credentials->username);
    curl_easy_setopt(curl, CURLOPT_PASSWORD, credentials->password);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)settings->connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)settings->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, capture_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, capture);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, capture_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, capture);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (settings->cancel) {
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, check_cancel);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, (void *)settings);
    }
    if (credentials->pinned_key) {
        /* The pin is the trust anchor of a self-signed bridge. */
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
        curl_easy_setopt(curl, CURLOPT_PINNEDPUBLICKEY, credentials->pinned_key);
    } else {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, credentials->tls_verify ? 1L : 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, credentials->tls_verify ? 2L : 0L);
        if (credentials->ca_file)
            curl_easy_setopt(curl, CURLOPT_CAINFO, credentials->ca_file);
    }
    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
        if (has_body) {
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, strbuf_str(request_body));
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)request_body->length);
        }
    }
}

/* What a transfer that got no answer means (see cms_client.h's results);
 * the reason goes into response->error. */
static cv_result transfer_failure(const cms_client *client, CURLcode code,
                                  const exchange_capture *capture, const char *curl_error,
                                  cms_response *response)
{
    const char *detail = curl_error[0] ? curl_error : curl_easy_strerror(code);
    if (capture->too_large)
        detail = "answer too large";
    if (code == CURLE_ABORTED_BY_CALLBACK) {
        snprintf(response->error, sizeof response->error, "%s: cancelled (stopping)",
                 client->base_url);
        return CV_ERR_BUSY;
    }
    if (code == CURLE_OPERATION_TIMEDOUT) {
        snprintf(response->error, sizeof response->error, "%s: timed out (%s)", client->base_url,
                 detail);
        return CV_ERR_TIMEOUT;
    }
    if (is_tls_error(code)) {
        snprintf(response->error, sizeof response->error, "%s: TLS failure (%s)", client->base_url,
                 detail);
        return CV_ERR_NETWORK;
    }
    snprintf(response->error, sizeof response->error, "%s: %s", client->base_url, detail);
    return capture->too_large ? CV_ERR_PROTOCOL : CV_ERR_NETWORK;
}

/* The answer of the last attempt into `response`: body, Location id, XML
 * document, and the result its status means. `result` is the transfer's
 * (passed back when there was no answer at all). */
static cv_result decode_answer(const cms_client *client, const char *method, const char *path,
                               long status, exchange_capture *capture, cv_result result,
                               cms_response *response)
{
    response->status = (int)status;
    if (strbuf_status(&capture->body) != CV_OK) {
        strbuf_free(&capture->body);
        snprintf(response->error, sizeof response->error, "out of memory");
        return CV_ERR_NO_MEMORY;
    }
    response->body_length = capture->body.length;
    response->body = strbuf_detach(&capture->body);
    if (!response->body) {
        snprintf(response->error, sizeof response->error, "out of memory");
        return CV_ERR_NO_MEMORY;
    }
    if (capture->location[0]) {
        const char *last = strrchr(capture->location, '/');
        const char *id = last ? last + 1 : capture->location;
        size_t length = strlen(id);
        if (length >= sizeof response->location_id)
            length = sizeof response->location_id - 1;
        memcpy(response->location_id, id, length);
        response->location_id[length] = '\0';
    }
    if (status == 0)
        return result;
    const char *start = response->body;
    while (*start == ' ' || *start == '\n' || *start == '\r' || *start == '\t')
        start++;
    response->document = cms_xml_read(response->body, response->body_length);
    if (status >= 200 && status < 300) {
        if (*start && !response->document) {
            snprintf(response->error, sizeof response->error, "%s %s: the answer is not XML",
                     method, path);
            return CV_ERR_PROTOCOL;
        }
        return CV_OK;
    }
    snprintf(response->error, sizeof response->error, "%s %s: %s answered %ld", method, path,
             client->base_url, status);
    describe_failure(response->document, response->error, sizeof response->error);
    if (status == 401)
        return CV_ERR_AUTH;
    if (status == 404)
        return CV_ERR_NOT_FOUND;
    if (status >= 500)
        return CV_ERR_NETWORK;
    return CV_ERR_PROTOCOL;
}

/* What every attempt of one exchange sends. */
typedef struct {
    const char *method;
    const char *path; /* under CMS_API_PREFIX */
    bool has_body;
    strbuf body; /* the encoded fields, when has_body */
    strbuf url;
    exchange_settings credentials;
    struct curl_slist *headers;
} exchange_request;

static void free_request(exchange_request *request)
{
    curl_slist_free_all(request->headers);
    strbuf_free(&request->body);
    strbuf_free(&request->url);
    free_settings(&request->credentials);
}

/* Builds the body, URL, credentials and headers into *request (free it
 * with free_request, also on failure). */
static cv_result build_request(cms_client *client, const cms_field *fields, size_t field_count,
                               exchange_request *request)
{
    cv_result result =
        request->has_body ? encode_fields(fields, field_count, &request->body) : CV_OK;
    if (result == CV_OK)
        result =
            strbuf_printf(&request->url, "%s%s%s", client->base_url, CMS_API_PREFIX, request->path);
    if (result == CV_OK)
        result = copy_settings(client, &request->credentials);
    if (result == CV_OK && (request->headers = curl_slist_append(NULL, "Expect:")) != NULL &&
        request->has_body)
        request->headers =
            curl_slist_append(request->headers, "Content-Type: application/x-www-form-urlencoded");
    if (result == CV_OK && request->headers == NULL)
        result = CV_ERR_NO_MEMORY;
    return result;
}

/* cms_client_guard_thread: this thread's check before each request. */
static _Thread_local bool (*thread_guard)(void *context);
static _Thread_local void *thread_guard_context;

void cms_client_guard_thread(bool (*may_send)(void *context), void *context)
{
    thread_guard = may_send;
    thread_guard_context = context;
}

/* One attempt: configured, performed and traced into `capture`. Returns
 * the HTTP status, or 0 when the transfer failed (*result and
 * response->error then say why). */
static long perform_attempt(cms_client *client, CURL *curl, const exchange_request *request,
                            exchange_capture *capture, cv_result *result, cms_response *response)
{
    const cms_client_settings *settings = client->settings;
    if (thread_guard && !thread_guard(thread_guard_context)) {
        snprintf(response->error, sizeof response->error,
                 "%s: not sent: this thread may no longer act on bridges", client->base_url);
        *result = CV_ERR_BUSY;
        return 0;
    }
    char curl_error[CURL_ERROR_SIZE];
    strbuf_reset(&capture->body);
    capture->too_large = false;
    capture->location[0] = '\0';
    capture->retry_after_seconds = -1;
    curl_error[0] = '\0';
    configure_attempt(curl, settings, &request->credentials, strbuf_str(&request->url),
                      request->headers, request->method, &request->body, request->has_body, capture,
                      curl_error);
    unsigned long number = settings->trace ? trace_next_number(settings->trace) : 0;
    strbuf block = STRBUF_INIT;
    if (settings->trace)
        trace_request(settings->trace, &block, number, request->method, client->base_url,
                      request->path, &request->body, request->has_body);
    CURLcode code = curl_easy_perform(curl);
    long status = 0;
    if (code == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    else
        *result = transfer_failure(client, code, capture, curl_error, response);
    if (settings->trace) {
        trace_answer(settings->trace, &block, number, status, capture, response->error);
        trace_emit(settings->trace, &block);
    }
    strbuf_free(&block);
    if (settings->observe_attempt) {
        double seconds = 0;
        curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME, &seconds);
        settings->observe_attempt(settings->observe_context, client->base_url, seconds,
                                  code == CURLE_OK);
    }
    return status;
}

/* One request: build (body, URL, credentials, headers), perform with
 * retries (a 401 challenge answered once more; a 503 retried with
 * backoff), trace every attempt, decode the last answer. */
static cv_result exchange(cms_client *client, const char *method, const char *path,
                          const cms_field *fields, size_t field_count, bool has_body,
                          cms_response *response)
{
    memset(response, 0, sizeof *response);
    const cms_client_settings *settings = client->settings;
    exchange_request request = {.method = method,
                                .path = path,
                                .has_body = has_body,
                                .body = STRBUF_INIT,
                                .url = STRBUF_INIT};
    size_t slot = 0;
    CURL *curl = NULL;
    cv_result result = build_request(client, fields, field_count, &request);
    if (result == CV_OK && (curl = cms_client_borrow_handle(client, &slot)) == NULL)
        result = CV_ERR_NO_MEMORY;
    if (result != CV_OK) {
        snprintf(response->error, sizeof response->error,
                 request.headers && !curl ? "cannot create a curl handle" : "out of memory");
        free_request(&request);
        return result;
    }

    long status = 0;
    exchange_capture capture = {STRBUF_INIT, false, "", -1};
    bool challenge_answered = false;
    long busy_attempts = 0;
    long backoff = (long)settings->busy_backoff_ms;
    for (;;) {
        status = perform_attempt(client, curl, &request, &capture, &result, response);
        if (status == 0)
            break; /* the transfer failed */
        if (status == 401 && !challenge_answered) {
            challenge_answered = true; /* answer the challenge once more */
            continue;
        }
        if (status == 503 && busy_attempts < settings->busy_retries && !cancelled(settings)) {
            busy_attempts++;
            long wait = backoff;
            long asked = capture.retry_after_seconds * 1000; /* honoured up to 5 s */
            if (asked > wait && asked <= 5000)
                wait = asked;
            sleep_milliseconds(wait);
            backoff *= 2;
            continue;
        }
        break;
    }
    cms_client_return_handle(client, slot);
    free_request(&request);
    return decode_answer(client, method, path, status, &capture, result, response);
}

cv_result cms_get(cms_client *client, const char *path, cms_response *response)
{
    return exchange(client, "GET", path, NULL, 0, false, response);
}

cv_result cms_post(cms_client *client, const char *path, const cms_field *fields, size_t count,
                   cms_response *response)
{
    return exchange(client, "POST", path, fields, count, true, response);
}

cv_result cms_put(cms_client *client, const char *path, const cms_field *fields, size_t count,
                  cms_response *response)
{
    return exchange(client, "PUT", path, fields, count, true, response);
}

cv_result cms_delete(cms_client *client, const char *path, cms_response *response)
{
    return exchange(client, "DELETE", path, NULL, 0, false, response);
}

cv_result cms_get_all(cms_client *client, const char *collection_path, const char *element,
                      cms_element_visitor visit, void *context, char *error, size_t error_size)
{
    int64_t offset = 0;
    char separator = strchr(collection_path, '?') ? '&' : '?';
    for (int pages = 0; pages < 100000; pages++) {
        char path[1024];
        if (offset == 0)
            snprintf(path, sizeof path, "%s", collection_path);
        else
            snprintf(path, sizeof path, "%s%coffset=%lld", collection_path, separator,
                     (long long)offset);
        cms_response response;
        cv_result result = cms_get(client, path, &response);
        if (result == CV_OK && !response.document) {
            snprintf(response.error, sizeof response.error, "GET %.400s: empty answer", path);
            result = CV_ERR_PROTOCOL;
        }
        if (result != CV_OK) {
            if (error)
                snprintf(error, error_size, "%s", response.error);
            cms_response_free(&response);
            return result;
        }
        int64_t total = cms_xml_total(response.document);
        int64_t seen = 0;
        result = cms_xml_each(response.document, element, visit, context, &seen);
        if (result != CV_OK) {
            if (error)
                snprintf(error, error_size, "GET %.400s: stopped at a %.64s", path, element);
            cms_response_free(&response);
            return result;
        }
        cms_response_free(&response);
        offset += seen;
        if (seen == 0 || total < 0 || offset >= total)
            return CV_OK;
    }
    if (error)
        snprintf(error, error_size, "GET %s: too many pages", collection_path);
    return CV_ERR_PROTOCOL;
}
