/*
 * provisioning.c - slot provisioning as TMS does it; see provisioning.h.
 * Owns what the provisioning columns of a bridges row say (db_bridges.c
 * writes them), the claim that makes one bridge's provisioning exclusive
 * across nodes, and the "Slot provisioning failed" ticket.
 */
#include "scheduler/provisioning.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/sleep.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "scheduler/cdr_receiver.h"
#include "scheduler/db_bridges.h"
#include "scheduler/db_slot_spaces.h"
#include "scheduler/poller.h"
#include "scheduler/tickets.h"

#define PROFILE_SEARCH_LIMIT 50
/* How much longer than the bulk sync's limit (--provisioning-timeout) a
 * provisioning claim lasts: the requests before and after the sync. */
#define CLAIM_MARGIN_SECONDS 300

bool provisioning_needed(const bridge_record *record)
{
    if (!bridge_dial_numbers_complete(record))
        return false;
    if (!record->provisioning_state || strcmp(record->provisioning_state, "complete") != 0)
        return true;
    return !record->has_provisioned_range || record->provisioned_base != record->numeric_id_base ||
           record->provisioned_quantity != record->numeric_id_quantity;
}

char *provisioning_name_mapping(const char *prefix)
{
    strbuf mapping = STRBUF_INIT;
    for (const char *c = prefix; *c; c++) {
        if (*c == '$' || *c == '\\')
            strbuf_append_char(&mapping, '\\');
        strbuf_append_char(&mapping, *c);
    }
    strbuf_append_str(&mapping, "$index$");
    if (strbuf_status(&mapping) != CV_OK) {
        strbuf_free(&mapping);
        return NULL;
    }
    return strbuf_detach(&mapping);
}

/* ---- reusing objects ----------------------------------------------------- */

typedef struct {
    char (*ids)[128];
    size_t count;
} id_list;

static cv_result collect_id(void *context, xmlNodePtr element)
{
    id_list *list = context;
    if (list->count >= PROFILE_SEARCH_LIMIT)
        return CV_OK;
    char(*grown)[128] = realloc(list->ids, (list->count + 1) * sizeof *list->ids);
    if (!grown)
        return CV_ERR_NO_MEMORY;
    list->ids = grown;
    if (cms_xml_id(element, list->ids[list->count], sizeof list->ids[0]))
        list->count++;
    return CV_OK;
}

/* True when every field has the same value in the object's XML. */
static bool object_has_fields(xmlNodePtr object, const cms_field *fields, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        char *value = cms_xml_child_text(object, fields[i].name);
        bool same = value && strcmp(value, fields[i].value) == 0;
        free(value);
        if (!same)
            return false;
    }
    return true;
}

/* Whether the object `collection`/`stored_id` (a stored id, may be empty)
 * is still on the bridge: *exists set, CV_OK; a failure other than "not
 * there" is returned with its text in `error`. */
static cv_result stored_object_exists(cms_client *client, const char *collection,
                                      const char *stored_id, bool *exists, char *error,
                                      size_t error_size)
{
    *exists = false;
    if (!stored_id || !*stored_id)
        return CV_OK;
    char path[256];
    snprintf(path, sizeof path, "%s/%s", collection, stored_id);
    cms_response response;
    cv_result result = cms_get(client, path, &response);
    cms_response_free(&response);
    if (result == CV_OK || result == CV_ERR_NOT_FOUND) {
        *exists = result == CV_OK;
        return CV_OK;
    }
    snprintf(error, error_size, "%s", response.error);
    return result;
}

/* POSTs a new object to `collection`; `out` receives its id (from the
 * answer's Location, which a CMS always sends for a created object). */
static cv_result create_object(cms_client *client, const char *collection, const cms_field *fields,
                               size_t count, char *out, size_t out_size, char *error,
                               size_t error_size)
{
    cms_response response;
    cv_result result = cms_post(client, collection, fields, count, &response);
    if (result == CV_OK && !response.location_id[0]) {
        snprintf(response.error, sizeof response.error, "POST %s: no Location in the answer",
                 collection);
        result = CV_ERR_PROTOCOL;
    }
    if (result == CV_OK)
        snprintf(out, out_size, "%s", response.location_id);
    else
        snprintf(error, error_size, "%s", response.error);
    cms_response_free(&response);
    return result;
}

/*
 * The id of an object of `collection` ("/callProfiles") with `fields`:
 * the stored one when it still exists, else an existing one with the same
 * fields, else a new one. `out` receives the id.
 */
static cv_result ensure_object(cms_client *client, const char *collection, const char *element,
                               const char *stored_id, const cms_field *fields, size_t count,
                               char *out, size_t out_size, char *error, size_t error_size)
{
    bool exists;
    cv_result result =
        stored_object_exists(client, collection, stored_id, &exists, error, error_size);
    if (result != CV_OK || exists) {
        if (exists)
            snprintf(out, out_size, "%s", stored_id);
        return result;
    }
    char path[256];
    cms_response response;
    id_list candidates = {NULL, 0};
    result = cms_get_all(client, collection, element, collect_id, &candidates, error, error_size);
    if (result != CV_OK && !cms_result_is_unreachable(result) && result != CV_ERR_AUTH)
        result = CV_OK; /* a bridge that cannot list them: just create one */
    for (size_t i = 0; result == CV_OK && i < candidates.count; i++) {
        snprintf(path, sizeof path, "%s/%s", collection, candidates.ids[i]);
        if (cms_get(client, path, &response) == CV_OK && response.document &&
            object_has_fields(xmlDocGetRootElement(response.document), fields, count)) {
            snprintf(out, out_size, "%s", candidates.ids[i]);
            cms_response_free(&response);
            free(candidates.ids);
            return CV_OK;
        }
        cms_response_free(&response);
    }
    free(candidates.ids);
    if (result != CV_OK)
        return result;
    return create_object(client, collection, fields, count, out, out_size, error, error_size);
}

#define PARAMETER_SETS "/cospaceBulkParameterSets"

/* The parameter set already using this name mapping (a CMS provisioned by
 * TMS) into candidate[candidate_size]; left empty when there is none. */
static cv_result find_parameter_set(cms_client *client, const char *name_mapping, char *candidate,
                                    size_t candidate_size, char *error, size_t error_size)
{
    id_list sets = {NULL, 0};
    cv_result result = cms_get_all(client, PARAMETER_SETS, "cospaceBulkParameterSet", collect_id,
                                   &sets, error, error_size);
    if (result != CV_OK && (cms_result_is_unreachable(result) || result == CV_ERR_AUTH)) {
        free(sets.ids);
        return result;
    }
    for (size_t i = 0; i < sets.count && !candidate[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, PARAMETER_SETS "/%s", sets.ids[i]);
        cms_response response;
        if (cms_get(client, path, &response) == CV_OK && response.document) {
            char *mapping =
                cms_xml_child_text(xmlDocGetRootElement(response.document), "coSpaceNameMapping");
            if (mapping && strcmp(mapping, name_mapping) == 0)
                snprintf(candidate, candidate_size, "%s", sets.ids[i]);
            free(mapping);
        }
        cms_response_free(&response);
    }
    free(sets.ids);
    return CV_OK;
}

/* The parameter set named by the stored id (updated with PUT), or the one
 * already using this name mapping (a CMS provisioned by TMS), or a new one. */
static cv_result ensure_parameter_set(cms_client *client, const char *stored_id,
                                      const char *name_mapping, const cms_field *fields,
                                      size_t count, char *out, size_t out_size, char *error,
                                      size_t error_size)
{
    char candidate[128] = "";
    bool exists;
    cv_result result =
        stored_object_exists(client, PARAMETER_SETS, stored_id, &exists, error, error_size);
    if (result != CV_OK)
        return result;
    if (exists)
        snprintf(candidate, sizeof candidate, "%s", stored_id);
    else if ((result = find_parameter_set(client, name_mapping, candidate, sizeof candidate, error,
                                          error_size)) != CV_OK)
        return result;
    if (!candidate[0])
        return create_object(client, PARAMETER_SETS, fields, count, out, out_size, error,
                             error_size);
    char path[256];
    snprintf(path, sizeof path, PARAMETER_SETS "/%s", candidate);
    cms_response response;
    result = cms_put(client, path, fields, count, &response);
    if (result == CV_OK)
        snprintf(out, out_size, "%s", candidate);
    else
        snprintf(error, error_size, "%s", response.error);
    cms_response_free(&response);
    return result;
}

/* POST /cospaceBulkSyncs and poll it until it ends. */
static cv_result run_bulk_sync(scheduler *daemon, cms_client *client, const char *set_id,
                               char *error, size_t error_size)
{
    cms_field field = {"cospaceBulkParameterSet", set_id};
    cms_response response;
    cv_result result = cms_post(client, "/cospaceBulkSyncs", &field, 1, &response);
    char sync_id[128];
    snprintf(sync_id, sizeof sync_id, "%s", response.location_id);
    if (result == CV_OK && !sync_id[0]) {
        snprintf(response.error, sizeof response.error,
                 "POST /cospaceBulkSyncs: no Location in the answer");
        result = CV_ERR_PROTOCOL;
    }
    if (result != CV_OK)
        snprintf(error, error_size, "%s", response.error);
    cms_response_free(&response);
    if (result != CV_OK)
        return result;

    char path[192];
    snprintf(path, sizeof path, "/cospaceBulkSyncs/%s", sync_id);
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    long pause = 100;
    for (;;) {
        result = cms_get(client, path, &response);
        char *status = NULL;
        if (result == CV_OK && response.document)
            status = cms_xml_child_text(xmlDocGetRootElement(response.document), "status");
        if (result != CV_OK)
            snprintf(error, error_size, "%s", response.error);
        cms_response_free(&response);
        if (result != CV_OK)
            return result;
        if (!status) {
            snprintf(error, error_size, "GET %s: no <status> in the answer", path);
            return CV_ERR_PROTOCOL;
        }
        if (strcmp(status, "complete") == 0) {
            free(status);
            return CV_OK;
        }
        if (strncmp(status, "failed", 6) == 0) {
            snprintf(error, error_size, "the bulk sync of slots ended with status \"%s\"", status);
            free(status);
            return CV_ERR_CONFLICT;
        }
        free(status);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - started.tv_sec > daemon->options.provisioning_timeout_seconds) {
            snprintf(error, error_size, "the bulk sync of slots did not complete within %lld s",
                     (long long)daemon->options.provisioning_timeout_seconds);
            return CV_ERR_TIMEOUT;
        }
        if (atomic_load(&daemon->stopping)) {
            snprintf(error, error_size, "stopped while the bulk sync was running");
            return CV_ERR_BUSY;
        }
        sleep_milliseconds(pause);
        if (pause < 1000)
            pause *= 2;
    }
}

/* ---- the space of each slot ------------------------------------------------ */

typedef struct {
    int64_t base, quantity;
    db_slot_space *items;
    size_t count, capacity;
} slot_space_walk;

static cv_result collect_slot_space(void *context, xmlNodePtr element)
{
    slot_space_walk *walk = context;
    int64_t call_id = -1;
    char id[ID_TEXT_SIZE];
    if (cms_xml_child_int64(element, "callId", &call_id) != CV_OK || call_id < walk->base ||
        call_id >= walk->base + walk->quantity || !cms_xml_id(element, id, sizeof id))
        return CV_OK; /* not one of the slots */
    if (walk->count == walk->capacity) {
        size_t capacity = walk->capacity ? walk->capacity * 2 : 256;
        db_slot_space *grown = realloc(walk->items, capacity * sizeof *grown);
        if (grown == NULL)
            return CV_ERR_NO_MEMORY;
        walk->items = grown;
        walk->capacity = capacity;
    }
    walk->items[walk->count].slot = call_id;
    memcpy(walk->items[walk->count].cospace_id, id, sizeof id);
    walk->count++;
    return CV_OK;
}

/* Learns the coSpace ID of every slot just provisioned (db_slot_spaces.h),
 * so starts and ends ask for exactly the slot's space. One walk of the
 * bridge's coSpaces per provisioning, and only when some slot's space is
 * not known yet. */
static cv_result learn_slot_spaces(store_db *database, const bridge_record *record,
                                   cms_client *client, char *error, size_t error_size)
{
    int64_t known = 0;
    cv_result result = db_slot_spaces_count(database, record->id, record->numeric_id_base,
                                            record->numeric_id_quantity, &known);
    if (result != CV_OK || known == record->numeric_id_quantity)
        return result;
    slot_space_walk walk = {record->numeric_id_base, record->numeric_id_quantity, NULL, 0, 0};
    result =
        cms_get_all(client, "/coSpaces", "coSpace", collect_slot_space, &walk, error, error_size);
    if (result == CV_OK)
        result = db_slot_spaces_replace(database, record->id, walk.items, walk.count);
    if (result == CV_OK)
        log_info("bridge %s: the spaces of %zu slots are known", bridge_display_name(record),
                 walk.count);
    free(walk.items);
    return result;
}

/* ---- the row ---------------------------------------------------------------- */

static cv_result store_state(store_db *database, const char *bridge_id, const char *state)
{
    return db_bridge_set_provisioning_state(database, bridge_id, state, (int64_t)time(NULL));
}

static cv_result store_objects(store_db *database, const char *bridge_id, const char *call_profile,
                               const char *call_leg_profile, const char *parameter_set)
{
    return db_bridge_set_provisioned_objects(database, bridge_id, call_profile, call_leg_profile,
                                             parameter_set);
}

/* Marks the range complete unless the settings changed meanwhile (then the
 * worker provisions again). */
static cv_result store_complete(store_db *database, const bridge_record *record)
{
    return db_bridge_mark_provisioned(database, record->id, record->numeric_id_base,
                                      record->numeric_id_quantity, record->slot_name_prefix);
}

/* Room for the ID of an object provisioning makes on the bridge. */
#define OBJECT_ID_SIZE 128

/* The call profile and call leg profile every slot uses: found again by
 * their stored IDs, else made; their IDs (out[OBJECT_ID_SIZE] each) are
 * stored with the bridge. */
static cv_result ensure_profiles(store_db *database, const bridge_record *record,
                                 cms_client *client, char *call_profile, char *call_leg_profile,
                                 char *error, size_t error_size)
{
    static const cms_field call_profile_fields[] = {
        {"participantLimit", "1000"},
        {"messageBoardEnabled", "false"},
    };
    static const cms_field call_leg_profile_fields[] = {
        {"defaultLayout", "telepresence"},
        {"changeLayoutAllowed", "true"},
        {"presentationContributionAllowed", "true"},
        {"presentationViewingAllowed", "true"},
        {"muteSelfAllowed", "true"},
        {"videoMuteSelfAllowed", "true"},
    };
    cv_result result =
        ensure_object(client, "/callProfiles", "callProfile", record->call_profile_id,
                      call_profile_fields, 2, call_profile, OBJECT_ID_SIZE, error, error_size);
    if (result == CV_OK)
        result = ensure_object(client, "/callLegProfiles", "callLegProfile",
                               record->call_leg_profile_id, call_leg_profile_fields, 6,
                               call_leg_profile, OBJECT_ID_SIZE, error, error_size);
    if (result == CV_OK)
        result = store_objects(database, record->id, call_profile, call_leg_profile, NULL);
    return result;
}

/* The bulk parameter set that makes one space per slot, with the
 * profiles; its ID (parameter_set[OBJECT_ID_SIZE]) is stored with the
 * bridge. */
static cv_result ensure_slot_set(store_db *database, const bridge_record *record,
                                 cms_client *client, const char *call_profile,
                                 const char *call_leg_profile, char *parameter_set, char *error,
                                 size_t error_size)
{
    char *name_mapping = provisioning_name_mapping(record->slot_name_prefix);
    if (!name_mapping)
        return CV_ERR_NO_MEMORY;
    char start[24], end[24];
    snprintf(start, sizeof start, "%lld", (long long)record->numeric_id_base);
    snprintf(end, sizeof end, "%lld",
             (long long)(record->numeric_id_base + record->numeric_id_quantity - 1));
    const cms_field set_fields[] = {
        {"startIndex", start},
        {"endIndex", end},
        {"coSpaceUriMapping", "$index$"},
        {"coSpaceNameMapping", name_mapping},
        {"coSpaceCallIdMapping", "$index$"},
        {"callProfile", call_profile},
        {"callLegProfile", call_leg_profile},
        {"nonMemberAccess", "false"},
    };
    cv_result result = ensure_parameter_set(client, record->bulk_parameter_set_id, name_mapping,
                                            set_fields, sizeof set_fields / sizeof set_fields[0],
                                            parameter_set, OBJECT_ID_SIZE, error, error_size);
    free(name_mapping);
    if (result == CV_OK)
        result = store_objects(database, record->id, NULL, NULL, parameter_set);
    return result;
}

/* After a failed run: the state, and the ticket that says why. */
static void record_failure(scheduler *daemon, store_db *database, const bridge_record *record,
                           cv_result result, const char *error)
{
    if (result == CV_ERR_BUSY) { /* stopping: provision again at the next start */
        store_state(database, record->id, "none");
        return;
    }
    store_state(database, record->id, "failed");
    if (cms_result_is_unreachable(result) || result == CV_ERR_AUTH) {
        /* The Unreachable / Authentication ticket says why. */
        poller_record(daemon, database, record, result, NULL, error);
    } else {
        char message[768];
        snprintf(message, sizeof message, "Slots %lld..%lld could not be provisioned: %s",
                 (long long)record->numeric_id_base,
                 (long long)(record->numeric_id_base + record->numeric_id_quantity - 1),
                 error[0] ? error : cv_result_name(result));
        tickets_set(daemon, database, record->id, TICKET_PROVISIONING, true, message);
    }
    log_warning("bridge %s: provisioning failed: %s", bridge_display_name(record),
                error[0] ? error : cv_result_name(result));
}

/* The whole provisioning of `record`, run while this node holds the claim. */
static cv_result provision(scheduler *daemon, store_db *database, const bridge_record *record,
                           cms_client *client)
{
    cv_result result = store_state(database, record->id, "running");
    if (result != CV_OK)
        return result;
    log_info("bridge %s: provisioning slots %lld..%lld", bridge_display_name(record),
             (long long)record->numeric_id_base,
             (long long)(record->numeric_id_base + record->numeric_id_quantity - 1));

    char error[512] = "";
    char call_profile[OBJECT_ID_SIZE] = "", call_leg_profile[OBJECT_ID_SIZE] = "",
         parameter_set[OBJECT_ID_SIZE] = "";
    result = ensure_profiles(database, record, client, call_profile, call_leg_profile, error,
                             sizeof error);
    if (result == CV_OK)
        result = ensure_slot_set(database, record, client, call_profile, call_leg_profile,
                                 parameter_set, error, sizeof error);
    if (result == CV_OK)
        result = run_bulk_sync(daemon, client, parameter_set, error, sizeof error);
    if (result == CV_OK)
        result = learn_slot_spaces(database, record, client, error, sizeof error);
    if (result != CV_OK) {
        record_failure(daemon, database, record, result, error);
        return result;
    }
    /* CDRs to convened's receiver (when it has one); a failure is logged
     * and leaves the slots provisioned */
    cdr_receiver_register(daemon, record, client);
    cms_system_status status;
    poller_check(daemon, database, record, client, &status, NULL, 0);
    result = store_complete(database, record);
    if (result == CV_OK)
        result = tickets_set(daemon, database, record->id, TICKET_PROVISIONING, false, NULL);
    log_info("bridge %s: %lld slots provisioned", bridge_display_name(record),
             (long long)record->numeric_id_quantity);
    return result;
}

cv_result provisioning_run(scheduler *daemon, store_db *database, const bridge_record *record,
                           cms_client *client)
{
    if (!bridge_dial_numbers_complete(record))
        return CV_ERR_INVALID;
    /* Exclusive across the nodes on one database: without it, the
     * leader's refresh of a bridge during its first provisioning on
     * another node made a second set of profiles (both looked for them
     * before either had made them). The claim outlasts the longest run
     * (the bulk sync's limit plus the steps around it); a node that died
     * holding it delays the others until it lapses, itself not at all. */
    int64_t now = (int64_t)time(NULL);
    int64_t until = now + daemon->options.provisioning_timeout_seconds + CLAIM_MARGIN_SECONDS;
    bool claimed = false;
    cv_result result =
        db_bridge_claim_provisioning(database, record->id, daemon->node_id, now, until, &claimed);
    if (result != CV_OK)
        return result;
    if (!claimed) {
        log_info("bridge %s: another node is provisioning it; not provisioned here",
                 bridge_display_name(record));
        return CV_ERR_BUSY;
    }
    /* what another node finished before the claim counts: read it again */
    bridge_record current;
    result = bridge_load(database, record->id, &current);
    if (result == CV_OK) {
        if (provisioning_needed(&current))
            result = provision(daemon, database, &current, client);
        else
            log_debug("bridge %s: provisioned meanwhile by another node",
                      bridge_display_name(&current));
        bridge_record_free(&current);
    }
    if (db_bridge_release_provisioning(database, record->id, daemon->node_id) != CV_OK)
        log_warning("bridge %s: could not give up the provisioning claim (it lapses by itself)",
                    bridge_display_name(record));
    return result;
}
