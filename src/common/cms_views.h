/*
 * cms_views.h - typed views of the CMS objects a meeting uses: coSpaces,
 * calls and call legs, read from the bridge with cms_client.
 *
 * Owns: the requests that read them (one space by ID, the space of a
 * numeric call ID by `filter`, the calls on one space by `coSpaceFilter`,
 * the legs of a collection, one leg's state) and the parsing of their XML
 * into plain structs, so no other scheduler file walks CMS XML for them.
 * Does not own: what the objects mean for a meeting (convened's
 * lifecycle*.c), the HTTP client (cms_client.c).
 */
#ifndef CONVENE_CMS_VIEWS_H
#define CONVENE_CMS_VIEWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ids.h"
#include "common/result.h"
#include "common/cms_client.h"

/* A coSpace as a start or an end needs it. */
typedef struct {
    char id[ID_TEXT_SIZE];
    char *name;             /* "" when the bridge gives none; never NULL once read */
    char *uri;              /* the URI user part; "" when none */
    char *secret;           /* "" when not given (only GET /coSpaces/<id> gives it) */
    int64_t call_id;        /* the numeric call ID; -1 when absent or not a number */
    bool non_member_access; /* "true" on the bridge */
} cms_space;

void cms_space_clear(cms_space *space);

typedef struct {
    cms_space *items;
    size_t count, capacity;
} cms_space_list;

void cms_space_list_free(cms_space_list *list);
/* Every coSpace of the bridge, in its order (GET /coSpaces, every page).
 * Appends to `out`. Walks the whole list: for one space use the calls
 * below. */
cv_result cms_spaces_list(cms_client *client, cms_space_list *out, char *error, size_t error_size);
/* GET /coSpaces/<id>. CV_ERR_NOT_FOUND when the space is gone; other
 * results as cms_client.h, `error` saying what happened. */
cv_result cms_space_get(cms_client *client, const char *cospace_id, cms_space *out, char *error,
                        size_t error_size);
/* GET /coSpaces?filter=<call_id> (every page: the filter matches parts of
 * names and URIs too) and the one space whose callId is exactly `call_id`;
 * *found false when there is none. */
cv_result cms_space_find_by_call_id(cms_client *client, int64_t call_id, cms_space *out,
                                    bool *found, char *error, size_t error_size);

typedef struct {
    char id[ID_TEXT_SIZE];
    char cospace[ID_TEXT_SIZE]; /* "" when the bridge names none */
} cms_call;

typedef struct {
    cms_call *items;
    size_t count, capacity;
} cms_call_list;

void cms_call_list_free(cms_call_list *list);
/* The calls on space `cospace_id` (GET /calls?coSpaceFilter=<id>, every
 * page), or every call when cospace_id is NULL. Appends to `out`. */
cv_result cms_calls_list(cms_client *client, const char *cospace_id, cms_call_list *out,
                         char *error, size_t error_size);

typedef struct {
    char id[ID_TEXT_SIZE];
    char call[ID_TEXT_SIZE]; /* the call it is on; "" when not given */
    char *remote_party;      /* as the bridge reports it (maybe rewritten) */
} cms_leg;

typedef struct {
    cms_leg *items;
    size_t count, capacity;
} cms_leg_list;

void cms_leg_list_free(cms_leg_list *list);
/* Every leg of a collection: "/callLegs" or "/calls/<call>/callLegs".
 * Replaces what `out` held. */
cv_result cms_legs_list(cms_client *client, const char *collection, cms_leg_list *out, char *error,
                        size_t error_size);

/* The parsing behind the reads above, for an answer already read
 * (cms_xml_read): one <coSpace>; the <coSpace>, <call> or <callLeg>
 * elements of one collection page appended to a list (elements without an
 * id are skipped, as the reads do); the state of a <callLeg> answer. The
 * reads use exactly these; tests and the fuzzer feed them documents. */
cv_result cms_space_read(xmlNodePtr element, cms_space *out);
cv_result cms_spaces_read_page(xmlDocPtr page, cms_space_list *out);
cv_result cms_calls_read_page(xmlDocPtr page, cms_call_list *out);
cv_result cms_legs_read_page(xmlDocPtr page, cms_leg_list *out);
void cms_leg_state_read(xmlDocPtr document, char *state, size_t size);

/* GET /callLegs/<id>: its status/state text ("initial", "ringing",
 * "connected", "onHold", ...) into state[size] ("" when not given);
 * CV_ERR_NOT_FOUND when the leg is gone. */
cv_result cms_leg_state(cms_client *client, const char *leg_id, char *state, size_t size);

/* True when `name` is one of the video layouts of API 2.9 (`chosenLayout`,
 * `defaultLayout`: allEqual, speakerOnly, ... onePlusN). */
bool cms_layout_is_known(const char *name);

#endif
