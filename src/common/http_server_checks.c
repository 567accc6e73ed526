/*
 * http_server_checks.c - the checks against hostile clients made as soon
 * as a request's headers are in, before any of its body is read; see
 * http_server_internal.h.
 *
 * Owns: the accept policy by address, the header census (one
 * Content-Length or Transfer-Encoding, well formed: no smuggling; at most
 * one Authorization), handing the one credential (Basic, Bearer or the
 * session cookie) to the daemon's `identify` (or the plain Basic
 * `authenticate`), and the body limit. Does not own: answering (the
 * refusal's response is built by http_server.c) or what a credential
 * means (the daemon's callbacks).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/http_auth.h"
#include "common/http_server_internal.h"
#include "common/text.h"

void http_server_client_address(struct MHD_Connection *connection, char *out, size_t size)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, size, "unknown");
    if (!info || !info->client_addr)
        return;
    const struct sockaddr *address = info->client_addr;
    if (address->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)address)->sin_addr, out, (socklen_t)size);
    else if (address->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)address)->sin6_addr, out,
                  (socklen_t)size);
}

/* The value of the one header `name`, or NULL (also when it is there twice:
 * counted by the census, refused there). */
static const char *header_value(struct MHD_Connection *connection, const char *name)
{
    return MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name);
}

/* MHD's accept policy: the config's `admit` decides by the peer's address. */
enum MHD_Result http_server_admit_connection(void *context, const struct sockaddr *address,
                                             socklen_t length)
{
    (void)length;
    http_server *server = context;
    return server->config.admit(server->config.context, address) ? MHD_YES : MHD_NO;
}

/* Checks the Basic credential strictly with the plain `authenticate`. */
static int authenticate_basic(http_server *server, const char *header, request_state *state)
{
    char *user = NULL, *password = NULL;
    if (http_basic_parse(header, server->config.basic_without_space, &user, &password) != CV_OK)
        return 401;
    bool accepted = server->config.authenticate(server->config.context, user, password);
    if (accepted)
        snprintf(state->principal.name, sizeof state->principal.name, "%s", user);
    http_basic_free(user, password);
    return accepted ? 0 : 401;
}

/* Hands the request's one credential to `identify`: the Authorization
 * header (Basic or Bearer) when there is one, else the session cookie. */
static int identify(http_server *server, struct MHD_Connection *connection, const char *method,
                    const char *header, request_state *state)
{
    char client[INET6_ADDRSTRLEN + 1];
    http_server_client_address(connection, client, sizeof client);
    http_credential credential = {.method = method, .client_address = client};
    char *user = NULL, *password = NULL;
    if (header && http_bearer_parse(header, &credential.token) == CV_OK) {
        credential.kind = HTTP_CREDENTIAL_BEARER;
    } else if (header) {
        if (http_basic_parse(header, server->config.basic_without_space, &user, &password) != CV_OK)
            return 401;
        credential.kind = HTTP_CREDENTIAL_BASIC;
        credential.user = user;
        credential.password = password;
    } else {
        credential.kind = HTTP_CREDENTIAL_COOKIE;
        credential.token = server->config.session_cookie
                               ? MHD_lookup_connection_value(connection, MHD_COOKIE_KIND,
                                                             server->config.session_cookie)
                               : NULL;
        credential.csrf = header_value(connection, "X-CSRF-Token");
        if (!credential.token)
            return 401;
    }
    int status = server->config.identify(server->config.context, &credential, &state->principal);
    http_basic_free(user, password);
    if (status == 0)
        state->principal.kind = credential.kind;
    return status;
}

/* 0 when the request's credential is accepted (state->principal filled),
 * else the status of the refusal. `authorizations`: how many
 * Authorization headers came (more than one is refused). */
static int check_credentials(http_server *server, struct MHD_Connection *connection,
                             const char *method, unsigned authorizations, request_state *state)
{
    if (authorizations > 1)
        return 401;
    const char *header =
        authorizations ? header_value(connection, MHD_HTTP_HEADER_AUTHORIZATION) : NULL;
    int status = 401;
    if (server->config.identify)
        status = identify(server, connection, method, header, state);
    else if (header)
        status = authenticate_basic(server, header, state);
    state->identified = status == 0;
    return status;
}

/* What the framing and credential checks need to know about the headers,
 * counted over every header line (a repeated header is seen each time). */
typedef struct {
    unsigned content_lengths;
    unsigned transfer_encodings;
    unsigned authorizations;
    bool bad_value;      /* a Content-Length not all digits, a Transfer-Encoding not "chunked" */
    bool announces_body; /* a Transfer-Encoding, or a Content-Length other than 0 */
} header_census;

static enum MHD_Result count_header(void *closure, enum MHD_ValueKind kind, const char *name,
                                    const char *value)
{
    (void)kind;
    header_census *census = closure;
    value = value ? value : "";
    if (strcasecmp(name, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        census->content_lengths++;
        /* 18 digits: far above any limit, and no overflow when parsed. */
        census->bad_value |= !text_is_digits(value) || strlen(value) > 18;
        census->announces_body |= strspn(value, "0") != strlen(value);
    } else if (strcasecmp(name, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        census->transfer_encodings++;
        census->bad_value |= strcasecmp(value, "chunked") != 0;
        census->announces_body = true;
    } else if (strcasecmp(name, MHD_HTTP_HEADER_AUTHORIZATION) == 0) {
        census->authorizations++;
    }
    return MHD_YES;
}

/* The most a request may send: a public route (no credentials) less. */
size_t http_server_body_limit(const http_server *server, const request_state *state)
{
    if (!state->public_route)
        return server->config.max_body_size;
    return server->config.public_max_body_size ? server->config.public_max_body_size : 4096;
}

/* The checks made as soon as the headers are in, before any body is read:
 * the status of an early refusal, or 0 to go on. Sets *announces_body. */
int http_server_check_headers(http_server *server, struct MHD_Connection *connection,
                              const char *url, const char *method, request_state *state,
                              bool *announces_body)
{
    header_census census = {0};
    MHD_get_connection_values(connection, MHD_HEADER_KIND, count_header, &census);
    *announces_body = census.announces_body;
    if (census.content_lengths > 1 || census.transfer_encodings > 1 ||
        (census.content_lengths && census.transfer_encodings) || census.bad_value)
        return 400; /* a framing two parsers could read differently: smuggling */
    state->public_route =
        server->config.is_public && server->config.is_public(server->config.context, method, url);
    if (!state->public_route) {
        int refusal = check_credentials(server, connection, method, census.authorizations, state);
        if (refusal)
            return refusal;
    }
    const char *declared = header_value(connection, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (declared && strtoull(declared, NULL, 10) > http_server_body_limit(server, state))
        return 413;
    return 0;
}
