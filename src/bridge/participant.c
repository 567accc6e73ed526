/*
 * participant.c - /participants, /participants/<id> (read, modify,
 * disconnect), /participants/<id>/callLegs and /calls/<id>/participants.
 *
 * Owns: the participant's face of a connected leg - one participant per
 * connected leg of this node, hosted by this node's call bridge - its XML,
 * its parameters (importance, nameLabelOverride, dtmfSequence,
 * deactivated), the collection filters and the audit lines. Does not own:
 * the leg behind it (runtime.c, call_leg.c). Participants of other nodes
 * are never listed: each node answers for the calls it hosts.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "bridge/api.h"
#include "bridge/call_leg.h"
#include "bridge/live_parameters.h"
#include "bridge/routes.h"
#include "bridge/runtime.h"
#include "common/ids.h"
#include "common/xml_writer.h"

static const live_parameter PARTICIPANT_PARAMETERS[] = {
    {"importance", LIVE_INTEGER, NULL, 0, INT32_MAX, 0},
    {"nameLabelOverride", LIVE_TEXT, NULL, 0, 0, 50},
    {"deactivated", LIVE_BOOL, NULL, 0, 0, 0},
};
static const live_parameter_table PARTICIPANT_TABLE = {
    PARTICIPANT_PARAMETERS, sizeof PARTICIPANT_PARAMETERS / sizeof PARTICIPANT_PARAMETERS[0]};
static const live_parameter DTMF_SEQUENCE = {"dtmfSequence", LIVE_DTMF, NULL, 0, 0, 0};

/* POST /calls/<id>/participants reads these itself (the rest are the call
 * leg's parameters, call_leg.c). */
static const live_parameter REMOTE_PARTY = {"remoteParty", LIVE_TEXT, NULL, 0, 0, 512};
static const live_parameter BANDWIDTH = {"bandwidth", LIVE_INTEGER, NULL, 1, INT32_MAX, 0};
static const live_parameter CONFIRMATION = {"confirmation", LIVE_BOOL, NULL, 0, 0, 0};
static const live_parameter IMPORTANCE = {"importance", LIVE_INTEGER, NULL, 0, INT32_MAX, 0};
static const live_parameter DEACTIVATED = {"deactivated", LIVE_BOOL, NULL, 0, 0, 0};
static const live_parameter CALL_BRIDGE = {"callBridge", LIVE_ID, NULL, 0, 0, 0};
static const live_parameter CALL_BRIDGE_GROUP = {"callBridgeGroup", LIVE_ID, NULL, 0, 0, 0};
static const live_parameter FILTER_IDS = {"filterIds", LIVE_TEXT, NULL, 0, 0, 0};
static const char *const SELECTION_MODES[] = {"selected", "exclude", NULL};
static const live_parameter MODE = {"mode", LIVE_CHOICE, SELECTION_MODES, 0, 0, 0};
#define MAX_FILTER_IDS 20 /* the blueprint's limit for filterIds */

static void write_participant_summary(strbuf *out, const bridge *node, const leg_info *leg)
{
    xml_open_with_attribute(out, "participant", "id", leg->participant);
    xml_text_element(out, "name", call_leg_display_name(leg));
    xml_text_element(out, "call", leg->call);
    if (leg->tenant[0])
        xml_text_element(out, "tenant", leg->tenant);
    xml_text_element(out, "callBridge", bridge_self(node)->id);
    xml_close(out, "participant");
}

static void write_participant_detail(strbuf *out, const bridge *node, const leg_info *leg)
{
    xml_open_with_attribute(out, "participant", "id", leg->participant);
    xml_text_element(out, "call", leg->call);
    if (leg->tenant[0])
        xml_text_element(out, "tenant", leg->tenant);
    xml_text_element(out, "callBridge", bridge_self(node)->id);
    xml_int_element(out, "numCallLegs", 1);
    xml_text_element(out, "name", call_leg_display_name(leg));
    xml_text_element(out, "uri", leg->remote_party);
    xml_text_element(out, "originalUri",
                     leg->original_remote_party ? leg->original_remote_party : leg->remote_party);
    xml_bool_element(out, "isActivator", true);
    xml_bool_element(out, "canMove", false);
    xml_open(out, "configuration");
    const char *importance = runtime_settings_get(&leg->participant_settings, "importance");
    if (importance)
        xml_text_element(out, "importance", importance);
    const char *label = runtime_settings_get(&leg->participant_settings, "nameLabelOverride");
    if (label)
        xml_text_element(out, "nameLabelOverride", label);
    const char *layout = runtime_settings_get(&leg->configuration, "defaultLayout");
    if (layout)
        xml_text_element(out, "defaultLayout", layout);
    const char *template = runtime_settings_get(&leg->configuration, "layoutTemplate");
    if (template)
        xml_text_element(out, "layoutTemplate", template);
    xml_close(out, "configuration");
    xml_open(out, "status");
    xml_text_element(out, "state", leg_state_name(leg->state));
    xml_bool_element(out, "cameraControlAvailable", false);
    xml_close(out, "status");
    xml_close(out, "participant");
}

/* --- lists ------------------------------------------------------------------------- */

typedef struct {
    const char *text; /* part of the name or URI */
    const char *tenant;
    bool other_bridge; /* callBridgeFilter named another call bridge */
} participant_filter;

static bool participant_matches(const leg_info *leg, void *context)
{
    const participant_filter *filter = context;
    /* A participant exists once its leg connects, or from the start when it
     * was made by POST /calls/<id>/participants. */
    if (!leg->participant[0] || filter->other_bridge)
        return false;
    if (filter->text && !strcasestr(call_leg_display_name(leg), filter->text) &&
        !strcasestr(leg->remote_party, filter->text))
        return false;
    if (filter->tenant && strcasecmp(filter->tenant, leg->tenant) != 0)
        return false;
    return true;
}

static void reply_participants(api_call *call, const char *call_id)
{
    static const char *const allowed[] = {"tenantFilter", "callBridgeFilter", NULL};
    if (!api_check_query(call, allowed))
        return;
    api_page page;
    if (!api_read_page(call, &page))
        return;
    const char *bridge_filter = http_request_query(call->request, "callBridgeFilter");
    participant_filter filter = {
        .text = http_request_query(call->request, "filter"),
        .tenant = http_request_query(call->request, "tenantFilter"),
        .other_bridge =
            bridge_filter && strcasecmp(bridge_filter, bridge_self(call->node)->id) != 0,
    };
    if (filter.text && !*filter.text)
        filter.text = NULL;
    leg_info *legs = NULL;
    size_t count = 0, total = 0;
    cv_result result = runtime_list_legs(call->node->runtime, call_id, participant_matches, &filter,
                                         page.offset, page.limit, &legs, &count, &total);
    if (live_reply_read_failure(call, result, "callDoesNotExist"))
        return;
    strbuf *out = api_reply_xml(call);
    strbuf_printf(out, "<participants total=\"%zu\">", total);
    for (size_t i = 0; i < count; i++)
        write_participant_summary(out, call->node, &legs[i]);
    xml_close(out, "participants");
    runtime_free_legs(legs, count);
}

static void list_participants(api_call *call)
{
    reply_participants(call, NULL);
}

static void list_call_participants(api_call *call)
{
    const char *call_id = api_path_id(call, 1, "callDoesNotExist");
    if (call_id)
        reply_participants(call, call_id);
}

/* --- /participants/<id> -------------------------------------------------------------- */

/* The participant named by the path (a GET: no query parameters) into
 * `leg`; its ID, or NULL after answering the request (400, 404, 503). */
static const char *read_participant(api_call *call, leg_info *leg)
{
    if (!api_check_query(call, NULL))
        return NULL;
    const char *id = api_path_id(call, 1, "participantDoesNotExist");
    if (!id)
        return NULL;
    cv_result result = runtime_get_participant(call->node->runtime, id, leg);
    return live_reply_read_failure(call, result, "participantDoesNotExist") ? NULL : id;
}

static void get_participant(api_call *call)
{
    leg_info leg;
    if (!read_participant(call, &leg))
        return;
    write_participant_detail(api_reply_xml(call), call->node, &leg);
    leg_info_free(&leg);
}

static void modify_participant(api_call *call)
{
    static const char *const handled[] = {"dtmfSequence", NULL};
    const char *id = api_path_id(call, 1, "participantDoesNotExist");
    if (!id)
        return;
    const char *dtmf = form_get(&call->fields, "dtmfSequence");
    bool too_long = false;
    if (dtmf && !live_value_is_valid(&DTMF_SEQUENCE, dtmf, &too_long)) {
        api_fail_parameter(call, "dtmfSequence", "invalidValue");
        return;
    }
    runtime_settings changes;
    if (!live_read_parameters(call, &PARTICIPANT_TABLE, handled, &changes))
        return;
    cv_result result = runtime_update_participant(call->node->runtime, id, &changes);
    runtime_settings_clear(&changes);
    live_reply_change(call, result, "participantDoesNotExist", "modified participant", id);
}

static void delete_participant(api_call *call)
{
    const char *id = api_path_id(call, 1, "participantDoesNotExist");
    if (!id)
        return;
    live_reply_change(call, runtime_delete_participant(call->node->runtime, id),
                      "participantDoesNotExist", "deleted participant", id);
}

/* --- /participants/<id>/callLegs ------------------------------------------------------ */

static bool is_participants_leg(const leg_info *leg, void *context)
{
    return strcasecmp(leg->participant, (const char *)context) == 0;
}

static void list_participant_legs(api_call *call)
{
    leg_info leg;
    const char *id = read_participant(call, &leg);
    if (!id)
        return;
    call_leg_reply_list(call, leg.call, is_participants_leg, (void *)id, "participantDoesNotExist");
    leg_info_free(&leg);
}

/* --- POST /calls/<id>/participants ------------------------------------------------------- */

/* Copies `name`=`value` from the body into the participant settings. */
static bool take_participant_setting(api_call *call, const char *name, runtime_settings *settings)
{
    const char *value = form_get(&call->fields, name);
    if (!value || !*value)
        return true;
    if (runtime_settings_set(settings, name, value) != CV_OK) {
        live_fail_no_memory(call);
        return false;
    }
    return true;
}

/* A callBridge named must be a member of this cluster; the participant is
 * dialled from this node whichever member is named. */
static bool check_call_bridge(api_call *call)
{
    const char *named = form_get(&call->fields, "callBridge");
    if (!named || !*named)
        return true;
    for (size_t i = 0; i < call->node->member_count; i++)
        if (strcasecmp(call->node->members[i].id, named) == 0)
            return true;
    api_fail(call, 400, "callBridgeDoesNotExist");
    return false;
}

static void create_participant(api_call *call)
{
    static const char *const handled[] = {
        "remoteParty", "bandwidth",   "confirmation", "dtmfSequence",    "nameLabelOverride",
        "importance",  "deactivated", "callBridge",   "callBridgeGroup", NULL};
    const char *call_id = api_path_id(call, 1, "callDoesNotExist");
    if (!call_id)
        return;
    const live_parameter *own[] = {&BANDWIDTH,   &CONFIRMATION, &IMPORTANCE,
                                   &DEACTIVATED, &CALL_BRIDGE,  &CALL_BRIDGE_GROUP};
    if (!call_leg_check_parameter(call, &REMOTE_PARTY, true))
        return;
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (!call_leg_check_parameter(call, own[i], false))
            return;
    if (!check_call_bridge(call))
        return;
    runtime_settings configuration, participant;
    if (!call_leg_read_body(call, handled, &configuration, &participant))
        return;
    char id[ID_TEXT_SIZE], participant_id[ID_TEXT_SIZE];
    bool dialled = take_participant_setting(call, "importance", &participant) &&
                   take_participant_setting(call, "deactivated", &participant) &&
                   call_leg_dial_out(call, call_id, form_get(&call->fields, "remoteParty"), true,
                                     &configuration, &participant, id, participant_id);
    runtime_settings_clear(&configuration);
    runtime_settings_clear(&participant);
    if (!dialled)
        return;
    api_audit(call, "created new participant %s, call %s (call leg %s)", participant_id, call_id,
              id);
    api_reply_created(call, "participants", participant_id);
}

/* --- PUT /calls/<id>/participants/(star) ---------------------------------------------------- */

/* Reads filterIds (comma-separated participant IDs) and mode; false after
 * replying 400. `storage` holds the lower-cased IDs. */
static bool read_selection(api_call *call, char storage[][ID_TEXT_SIZE], const char **ids,
                           participant_selection *selection)
{
    const char *mode = form_get(&call->fields, "mode");
    const char *list = form_get(&call->fields, "filterIds");
    if (!call_leg_check_parameter(call, &MODE, false) ||
        !call_leg_check_parameter(call, &FILTER_IDS, false))
        return false;
    *selection = (participant_selection){ids, 0, mode && strcmp(mode, "selected") == 0};
    for (const char *cursor = list && *list ? list : NULL; cursor;) {
        size_t length = strcspn(cursor, ",");
        char id[ID_TEXT_SIZE + 1] = "";
        if (length == ID_TEXT_SIZE - 1)
            memcpy(id, cursor, length);
        if (!id_is_valid(id) || selection->count == MAX_FILTER_IDS) {
            api_fail_parameter(call, "filterIds", "invalidValue");
            return false;
        }
        for (size_t i = 0; i < ID_TEXT_SIZE; i++)
            storage[selection->count][i] = (char)tolower((unsigned char)id[i]);
        ids[selection->count] = storage[selection->count];
        selection->count++;
        cursor = cursor[length] ? cursor + length + 1 : NULL;
    }
    return true;
}

static void modify_call_participants(api_call *call)
{
    static const char *const handled[] = {"importance", "filterIds", "mode", "dtmfSequence", NULL};
    const char *call_id = api_path_id(call, 1, "callDoesNotExist");
    if (!call_id)
        return;
    /* The blueprint writes both /calls/<id>/participants/ and .../participants/(star). */
    if (call->segment_count > 3 && strcmp(call->segments[3], "*") != 0) {
        api_fail_not_found(call, "participantDoesNotExist");
        return;
    }
    char storage[MAX_FILTER_IDS][ID_TEXT_SIZE];
    const char *ids[MAX_FILTER_IDS];
    participant_selection selection;
    if (!call_leg_check_parameter(call, &IMPORTANCE, false) ||
        !read_selection(call, storage, ids, &selection))
        return;
    runtime_settings configuration, participant;
    if (!call_leg_read_body(call, handled, &configuration, &participant))
        return;
    size_t changed = 0;
    cv_result result = CV_ERR_NO_MEMORY;
    if (take_participant_setting(call, "importance", &participant))
        result = runtime_update_call_participants(call->node->runtime, call_id, &selection,
                                                  &configuration, &participant, &changed);
    runtime_settings_clear(&configuration);
    runtime_settings_clear(&participant);
    (void)changed; /* every selected participant, possibly none */
    live_reply_change(call, result, "callDoesNotExist", "modified participants of call", call_id);
}

static const api_route routes[] = {
    {"participants", list_participants, NULL, NULL, NULL},
    {"participants/*", get_participant, NULL, modify_participant, delete_participant},
    {"participants/*/callLegs", list_participant_legs, NULL, NULL, NULL},
    {"calls/*/participants", list_call_participants, create_participant, modify_call_participants,
     NULL},
    {"calls/*/participants/*", NULL, NULL, modify_call_participants, NULL},
};

const api_route_table participant_routes = {routes, sizeof routes / sizeof routes[0]};
