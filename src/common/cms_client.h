/*
 * cms_client.h - the client library of the Cisco Meeting Server API (and
 * of convene-bridge, which answers the same way), in src/common so any
 * program can use it: convened does; cms_views.h reads its objects.
 *
 * Owns: talking HTTP(S) to one bridge address: libcurl handles reused per
 * address (keep-alive), at most `cms_max_in_flight` requests in flight per
 * address (callers beyond that wait), Basic credentials sent up front and a
 * 401 challenge answered once more, connect and request timeouts, backoff
 * and retry on 503, TLS verification (on by default; CA file; pinned
 * certificate; explicit insecure switch), parsing XML answers with libxml2,
 * the Location id of a create, classification of failures, and writing
 * every request and answer to the daemon's trace with secrets masked.
 * Does not own: what any CMS object means (cms_views.c reads spaces, calls
 * and legs; convened's discovery.c, provisioning.c, lifecycle*.c decide),
 * or which address to try next (convened's bridge_endpoints_load()).
 *
 * Results: CV_OK for a 2xx answer. Otherwise
 *   CV_ERR_NETWORK  no answer: connect error, TLS failure, or a 5xx (503
 *                   after the retries) - "unreachable", worth failing over
 *   CV_ERR_TIMEOUT  no answer in time - also "unreachable"
 *   CV_ERR_AUTH     401 even after answering the challenge
 *   CV_ERR_NOT_FOUND 404 (failureDetails in response.error)
 *   CV_ERR_PROTOCOL another 4xx, or a body that is not the XML expected
 *   CV_ERR_BUSY     cancelled because the daemon is stopping
 * `response.error` always says what happened in one line (no secrets).
 */
#ifndef CONVENE_CMS_CLIENT_H
#define CONVENE_CMS_CLIENT_H

#include <libxml/tree.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/result.h"
#include "common/trace.h"

/* ---- addresses --------------------------------------------------------- */

#define CMS_HOST_MAX 256

/* A bridge address: "host", "host:port", "[v6]:port" or a URL
 * "http(s)://host[:port][/]" (https when no scheme is given). */
typedef struct {
    bool https;
    char host[CMS_HOST_MAX];          /* without brackets */
    int port;                         /* explicit or the scheme's default */
    char base_url[CMS_HOST_MAX + 32]; /* "https://host:port" (brackets for IPv6) */
} cms_address;

cv_result cms_address_parse(const char *text, cms_address *out);
/* True when both name the same host (case-insensitive) and port, whatever
 * the scheme; unparsable addresses never match. */
bool cms_address_same_endpoint(const char *left, const char *right);

/* ---- endpoints and clients --------------------------------------------- */

/* Everything needed to reach one bridge address. Strings are borrowed. */
typedef struct {
    const char *address; /* as cms_address_parse accepts */
    const char *username;
    const char *password;
    bool tls_verify;                /* false: the explicit insecure switch */
    const char *ca_file;            /* optional PEM bundle to verify against */
    const char *pinned_certificate; /* optional: PEM certificate file, or
                                       "sha256//BASE64" of its public key */
} cms_endpoint;

typedef struct {
    int64_t max_in_flight;      /* per address; default 4 */
    int64_t connect_timeout_ms; /* default 5000 */
    int64_t timeout_ms;         /* default 20000 */
    int64_t busy_retries;       /* 503 retries; default 3 */
    int64_t busy_backoff_ms;    /* first backoff; doubled each time; default 200 */
    trace_log *trace;           /* may be NULL */
    /* Optional: when it becomes true, transfers in progress are aborted
     * (result CV_ERR_BUSY) and no 503 retry waits; set on shutdown. */
    const atomic_bool *cancel;
    /* Optional: told of every attempt that reached the network, on the
     * requesting thread (must be quick): the client's base URL (e.g.
     * "https://10.0.0.5:443"), the seconds it took, and whether an HTTP
     * answer came. convened counts them for /metrics; nothing here knows. */
    void (*observe_attempt)(void *context, const char *base_url, double seconds, bool answered);
    void *observe_context;
} cms_client_settings;

typedef struct cms_registry cms_registry;
typedef struct cms_client cms_client;

/* The calling thread's last check before each request it sends: when
 * `may_send(context)` is false the request is not sent (CV_ERR_BUSY,
 * "not sent"). convened's lifecycle threads check that their node still
 * leads (cluster.h), right before every request, whichever client they
 * use. NULL: no check (the default of every thread). */
void cms_client_guard_thread(bool (*may_send)(void *context), void *context);

cv_result cms_registry_create(const cms_client_settings *settings, cms_registry **out);
/* Closes every connection. No request may be in flight. */
void cms_registry_free(cms_registry *registry);

/* The client for `endpoint`, created on first use and kept (with its open
 * connections) for the registry's lifetime; one client per base URL, so
 * the in-flight limit holds across all modules. The endpoint's credentials
 * and TLS settings are copied and replace older ones for that address.
 * Returns CV_ERR_INVALID for an unparsable address. */
cv_result cms_registry_client(cms_registry *registry, const cms_endpoint *endpoint,
                              cms_client **out);
const char *cms_client_base_url(const cms_client *client);

/* ---- requests ---------------------------------------------------------- */

typedef struct {
    const char *name;
    const char *value;
} cms_field;

typedef struct {
    int status; /* HTTP status; 0 when there was no answer */
    char *body; /* NUL-terminated, may be "" */
    size_t body_length;
    xmlDocPtr document;    /* parsed when the body is XML; else NULL */
    char location_id[128]; /* last segment of Location, "" when none */
    char error[512];       /* one line when the result is not CV_OK */
} cms_response;

/* Frees body and document; safe on a zeroed response. */
void cms_response_free(cms_response *response);

/* `path` starts after /api/v1, e.g. "/system/status" or
 * "/coSpaces?offset=10&limit=10". The response is always initialised (free
 * it whatever the result). */
cv_result cms_get(cms_client *client, const char *path, cms_response *response);
cv_result cms_post(cms_client *client, const char *path, const cms_field *fields, size_t count,
                   cms_response *response);
cv_result cms_put(cms_client *client, const char *path, const cms_field *fields, size_t count,
                  cms_response *response);
cv_result cms_delete(cms_client *client, const char *path, cms_response *response);

/* GET every page of a collection ("/coSpaces", optional "?filter=x") and
 * call `visit` for each element named `element` (e.g. "coSpace") under the
 * root. Pages with offset/limit until `total` is reached. `visit` returning
 * non-OK stops the walk and is passed back. */
typedef cv_result (*cms_element_visitor)(void *context, xmlNodePtr element);
cv_result cms_get_all(cms_client *client, const char *collection_path, const char *element,
                      cms_element_visitor visit, void *context, char *error, size_t error_size);

/* True for results that mean "this address cannot serve us now": the
 * failover-worthy ones (CV_ERR_NETWORK, CV_ERR_TIMEOUT). */
bool cms_result_is_unreachable(cv_result result);

/* ---- XML helpers -------------------------------------------------------- */

/* An answer's body as the client reads it: a document when, after blanks,
 * it starts with '<' and is well-formed XML (parsed without network
 * access); else NULL. Free with xmlFreeDoc. */
xmlDocPtr cms_xml_read(const char *body, size_t length);
/* Calls `visit` for every child of the root named `element`, in order, as
 * cms_get_all does on each page; stops at the first result that is not
 * CV_OK and returns it. *seen (may be NULL) counts the elements visited. */
cv_result cms_xml_each(xmlDocPtr document, const char *element, cms_element_visitor visit,
                       void *context, int64_t *seen);

/* The first child element called `name`, or NULL. */
xmlNodePtr cms_xml_child(xmlNodePtr parent, const char *name);
/* Its text, malloc'd ("" for an empty element); NULL when absent or OOM. */
char *cms_xml_child_text(xmlNodePtr parent, const char *name);
/* Its integer value; CV_ERR_NOT_FOUND when absent, CV_ERR_INVALID if not one. */
cv_result cms_xml_child_int64(xmlNodePtr parent, const char *name, int64_t *out);
/* The "id" attribute copied into `out` (UUID-sized); false when absent,
 * empty or too long. */
bool cms_xml_id(xmlNodePtr element, char *out, size_t size);
/* The root element's "total" attribute; -1 when absent. */
int64_t cms_xml_total(xmlDocPtr document);

/* /system/status as convened uses it. */
typedef struct {
    char software_version[64];
    int64_t uptime_seconds;
    int64_t call_legs_active;
    int64_t call_legs_max_active;
    int64_t call_legs_completed;
    bool cluster_enabled;
} cms_system_status;

/* CV_ERR_PROTOCOL unless the document is a CMS <status> with a
 * softwareVersion; counters that are missing read as 0. */
cv_result cms_parse_system_status(xmlDocPtr document, cms_system_status *out);

#endif
