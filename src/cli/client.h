/*
 * client.h - the command-line client's HTTP(S) transport: one libcurl easy
 * handle (kept alive between requests) per server, HTTP Basic credentials
 * or an API token (Authorization: Bearer),
 * TLS verification (on by default, an optional CA file, an explicit
 * insecure switch), and JSON bodies through jansson.
 *
 * Owns: sending one request and collecting the status, raw body and (when
 * the body is JSON) the parsed document. Does not own: what an answer means
 * to a command, printing, or exit codes (cli.h does).
 *
 * Used against convened (JSON) and, by the demo, against convene-bridge
 * (form-encoded requests, XML answers): the transport is the same.
 */
#ifndef CONVENE_CLI_CLIENT_H
#define CONVENE_CLI_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/result.h"
#include "common/strbuf.h"

typedef struct {
    const char *base_url;  /* "https://host:port", no trailing slash */
    const char *user_name; /* may be NULL: no Basic credentials sent */
    const char *password;
    const char *bearer_token; /* an API token, sent instead of user_name/password; may be NULL */
    bool insecure;            /* skip certificate and host name checks */
    const char *ca_file;      /* PEM bundle to verify the server against; may be NULL */
    long timeout_seconds;     /* whole request; 0 means 30 */
} client_settings;

typedef struct client client;

typedef struct {
    long status; /* HTTP status; 0 when no answer arrived */
    char *body;  /* NUL-terminated, "" when empty; owned */
    size_t body_length;
    json_t *document;   /* parsed when the body is JSON; owned, may be NULL */
    char location[512]; /* the Location header, "" when absent */
} client_answer;

/* Copies the settings' strings. */
cv_result client_create(const client_settings *settings, client **out);
void client_free(client *connection);
const char *client_base_url(const client *connection);

/* Sends METHOD base_url+path with `body` (may be NULL) of `content_type`.
 * CV_OK when any HTTP answer arrived (inspect answer->status);
 * CV_ERR_NETWORK or CV_ERR_TIMEOUT, with one line in `error`, when none
 * did. The answer is always initialised; release it with
 * client_answer_free whatever the result. */
cv_result client_send(client *connection, const char *method, const char *path,
                      const char *content_type, const char *body, size_t body_length,
                      client_answer *answer, strbuf *error);
/* The same with a JSON document (borrowed; may be NULL for no body). */
cv_result client_send_json(client *connection, const char *method, const char *path,
                           const json_t *document, client_answer *answer, strbuf *error);
void client_answer_free(client_answer *answer);

/* Gets the bytes of a streaming answer as they arrive; false stops it. */
typedef bool (*client_stream_reader)(void *context, const char *data, size_t length);
/* GET base_url+path as a stream (Server-Sent Events), sending
 * `last_event_id` (may be NULL) as Last-Event-ID, without a time limit as
 * long as bytes keep coming. A 2xx answer's body goes to `read` and the
 * answer holds only the status; another answer's body is kept in `answer`
 * as client_send does. CV_OK when the stream ended (server closed it, or
 * `read` stopped it); CV_ERR_NETWORK / CV_ERR_TIMEOUT with one line in
 * `error` when the connection failed or went silent. */
cv_result client_stream(client *connection, const char *path, const char *last_event_id,
                        client_stream_reader read, void *context, client_answer *answer,
                        strbuf *error);

#endif
