/*
 * call.c - /calls and /calls/<id>: instantiating a space's call (POST
 * coSpace=...), or a call by name alone, listing, reading, modifying and
 * ending active calls.
 *
 * Owns: the call parameters and their defaults as shown, the XML of calls,
 * the collection filters (coSpaceFilter, tenantFilter, filter on the name),
 * the audit lines, and the rule "one active call per space" as the API
 * answers it (400 invalidOperation). Does not own: call state (runtime.c),
 * call legs (call_leg.c), participants (participant.c), spaces (cospace.c;
 * read through cospace_lookup).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bridge/api.h"
#include "bridge/cluster_probe.h"
#include "bridge/dial_plan.h"
#include "bridge/cospace.h"
#include "bridge/live_parameters.h"
#include "bridge/object_store.h"
#include "bridge/routes.h"
#include "bridge/runtime.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/text.h"
#include "common/xml_writer.h"

static const char *const MESSAGE_POSITIONS[] = {"top", "middle", "bottom", NULL};
static const char *const SELF_PANE_MODES[] = {"skip", "self", "blank", NULL};

/* Everything POST and PUT may set besides coSpace and name (POST only). */
static const live_parameter CALL_PARAMETERS[] = {
    {"locked", LIVE_BOOL, NULL, 0, 0, 0},
    {"recording", LIVE_BOOL, NULL, 0, 0, 0},
    {"streaming", LIVE_BOOL, NULL, 0, 0, 0},
    {"allowAllMuteSelf", LIVE_BOOL, NULL, 0, 0, 0},
    {"allowAllPresentationContribution", LIVE_BOOL, NULL, 0, 0, 0},
    {"joinAudioMuteOverride", LIVE_BOOL, NULL, 0, 0, 0},
    {"messageText", LIVE_TEXT, NULL, 0, 0, 2048},
    {"messagePosition", LIVE_CHOICE, MESSAGE_POSITIONS, 0, 0, 0},
    {"messageDuration", LIVE_DURATION, NULL, 0, INT32_MAX, 0},
    {"activeWhenEmpty", LIVE_BOOL, NULL, 0, 0, 0},
    {"panePlacementHighestImportance", LIVE_INTEGER, NULL, 0, INT32_MAX, 0},
    {"panePlacementSelfPaneMode", LIVE_CHOICE, SELF_PANE_MODES, 0, 0, 0},
};
static const live_parameter_table CALL_TABLE = {CALL_PARAMETERS,
                                                sizeof CALL_PARAMETERS / sizeof CALL_PARAMETERS[0]};

/* How GET /calls/<id> shows each setting when it is unset: NULL omits it. */
typedef struct {
    const char *name;
    const char *shown_when_unset;
} call_setting_display;

static const call_setting_display CALL_DISPLAY[] = {
    {"locked", "false"},
    {"recording", "false"},
    {"streaming", "false"},
    {"allowAllMuteSelf", "false"},
    {"allowAllPresentationContribution", "false"},
    {"joinAudioMuteOverride", NULL},
    {"messageText", NULL},
    {"messagePosition", "middle"},
    {"messageDuration", "0"},
    {"activeWhenEmpty", "true"},
    {"panePlacementHighestImportance", NULL},
    {"panePlacementSelfPaneMode", NULL},
};

static void write_call_summary(strbuf *out, const call_info *info)
{
    xml_open_with_attribute(out, "call", "id", info->id);
    xml_text_element(out, "name", info->name);
    if (info->cospace[0])
        xml_text_element(out, "coSpace", info->cospace);
    xml_text_element(out, "callCorrelator", info->call_correlator);
    if (info->tenant[0])
        xml_text_element(out, "tenant", info->tenant);
    xml_close(out, "call");
}

static void write_call_detail(strbuf *out, const call_info *info)
{
    xml_open_with_attribute(out, "call", "id", info->id);
    xml_text_element(out, "name", info->name);
    xml_text_element(out, "callType", info->cospace[0] ? "coSpace" : "adHoc");
    if (info->cospace[0])
        xml_text_element(out, "coSpace", info->cospace);
    if (info->owner_name)
        xml_text_element(out, "ownerName", info->owner_name);
    xml_text_element(out, "callCorrelator", info->call_correlator);
    if (info->tenant[0])
        xml_text_element(out, "tenant", info->tenant);
    xml_int_element(out, "durationSeconds", info->duration_seconds);
    xml_int_element(out, "numCallLegs", info->num_call_legs);
    xml_int_element(out, "maxCallLegs", info->max_call_legs);
    xml_int_element(out, "numParticipantsLocal", info->num_participants);
    xml_int_element(out, "numParticipantsRemote", 0);
    xml_int_element(out, "numDistributedInstances", 0);
    for (size_t i = 0; i < sizeof CALL_DISPLAY / sizeof CALL_DISPLAY[0]; i++) {
        const char *value = runtime_settings_get(&info->settings, CALL_DISPLAY[i].name);
        if (!value)
            value = CALL_DISPLAY[i].shown_when_unset;
        if (value)
            xml_text_element(out, CALL_DISPLAY[i].name, value);
        if (strcmp(CALL_DISPLAY[i].name, "recording") == 0)
            xml_bool_element(out, "recordingStatus", false);
        else if (strcmp(CALL_DISPLAY[i].name, "streaming") == 0)
            xml_bool_element(out, "streamingStatus", false);
    }
    xml_bool_element(out, "endpointRecording", false);
    xml_close(out, "call");
}

/* --- POST /calls ------------------------------------------------------------ */

static const char *const CALL_POST_ONLY[] = {"coSpace", "name", NULL};

/* "<uri>@<domain>" where the domain is the preferred inbound dial plan
 * rule's that resolves to spaces, else --sip-domain; the URI alone when
 * neither is known. */
static char *space_local_address(api_call *call, const cospace_summary *space)
{
    if (!space->uri || !*space->uri)
        return NULL;
    char domain[256] = "";
    if (inbound_space_domain(call->database, space->tenant, domain, sizeof domain) != CV_OK)
        domain[0] = '\0';
    const char *sip_domain = call->node->options.sip_domain;
    if (!domain[0] && sip_domain)
        snprintf(domain, sizeof domain, "%s", sip_domain);
    strbuf address = STRBUF_INIT;
    strbuf_append_str(&address, space->uri);
    if (domain[0] && !strchr(space->uri, '@'))
        strbuf_printf(&address, "@%s", domain);
    if (strbuf_status(&address) != CV_OK) {
        strbuf_free(&address);
        return NULL;
    }
    return strbuf_detach(&address);
}

/* Claims the space's active call for this node. A claim held by a peer
 * that no longer accepts connections is left from a node that died: it is
 * taken over. CV_ERR_CONFLICT when a live node (or this one) holds it. */
static cv_result claim_space(api_call *call, const char *cospace_id, const char *call_id)
{
    const char *self = call->node->options.name;
    char holder[256];
    cv_result result = object_claim_space_call(call->database, cospace_id, self, call_id, NULL,
                                               holder, sizeof holder);
    if (result != CV_ERR_CONFLICT || strcmp(holder, self) == 0 ||
        cluster_member_answers(call->node, holder))
        return result;
    log_info("space %s: call bridge \"%s\" holds its call but does not answer; taking over",
             cospace_id, holder);
    char stale[256];
    snprintf(stale, sizeof stale, "%s", holder);
    return object_claim_space_call(call->database, cospace_id, self, call_id, stale, holder,
                                   sizeof holder);
}

static void create_call(api_call *call)
{
    runtime_settings settings;
    if (!live_read_parameters(call, &CALL_TABLE, CALL_POST_ONLY, &settings))
        return;
    const char *cospace_id = form_get(&call->fields, "coSpace");
    const char *name = form_get(&call->fields, "name");
    if (cospace_id && !*cospace_id)
        cospace_id = NULL;
    if (name && !*name)
        name = NULL;
    if (!cospace_id && !name) {
        api_fail_parameter(call, "coSpace", "valueRequired");
        runtime_settings_clear(&settings);
        return;
    }
    if (name && strlen(name) > 200) {
        api_fail_parameter(call, "name", "valueTooLong");
        runtime_settings_clear(&settings);
        return;
    }
    cospace_summary space;
    memset(&space, 0, sizeof space);
    char *local_address = NULL;
    call_request request = {.name = name};
    if (cospace_id) {
        cv_result found = id_is_valid(cospace_id)
                              ? cospace_lookup(call->database, cospace_id, &space)
                              : CV_ERR_NOT_FOUND;
        if (found == CV_ERR_NOT_FOUND) {
            api_fail(call, 400, "coSpaceDoesNotExist");
            runtime_settings_clear(&settings);
            return;
        }
        if (found != CV_OK) {
            api_fail_internal(call, "space lookup");
            runtime_settings_clear(&settings);
            return;
        }
        request.cospace = space.id;
        request.tenant = space.tenant;
        request.owner_name = space.meeting_scheduler ? space.meeting_scheduler : space.owner_jid;
        request.cdr_tag = space.cdr_tag;
        if (!request.name)
            request.name = space.name ? space.name : "";
        local_address = space_local_address(call, &space);
        if (space.uri && *space.uri && !local_address) {
            live_fail_no_memory(call);
            cospace_summary_free(&space);
            runtime_settings_clear(&settings);
            return;
        }
        request.local_address = local_address;
    }
    /* One active call per space across the cluster: the claim in the shared
     * database comes first, the node's own call second. */
    char id[ID_TEXT_SIZE];
    id_generate(id);
    request.id = id;
    cv_result result = request.cospace ? claim_space(call, request.cospace, id) : CV_OK;
    if (result == CV_OK) {
        result = runtime_create_call(call->node->runtime, &request, &settings, id);
        if (result != CV_OK && request.cospace)
            object_release_call_claim(call->database, id);
    }
    if (result == CV_OK) {
        api_audit(call, "created new call %s", id);
        api_reply_created(call, "calls", id);
    } else if (result == CV_ERR_CONFLICT) {
        /* The space already has its active call. */
        api_fail(call, 400, "invalidOperation");
    } else if (result == CV_ERR_NO_MEMORY) {
        live_fail_no_memory(call);
    } else {
        api_fail_internal(call, "space call claim");
    }
    free(local_address);
    cospace_summary_free(&space);
    runtime_settings_clear(&settings);
}

/* --- GET /calls -------------------------------------------------------------- */

typedef struct {
    const char *cospace; /* NULL: any */
    const char *tenant;  /* NULL: any */
    const char *text;    /* NULL: any; else a case-insensitive part of the name */
} call_filter;

static bool call_matches(const call_info *info, void *context)
{
    const call_filter *filter = context;
    if (filter->cospace && strcasecmp(filter->cospace, info->cospace) != 0)
        return false;
    if (filter->tenant && strcasecmp(filter->tenant, info->tenant) != 0)
        return false;
    if (filter->text && !strcasestr(info->name ? info->name : "", filter->text))
        return false;
    return true;
}

static void list_calls(api_call *call)
{
    static const char *const allowed[] = {"coSpaceFilter", "tenantFilter", NULL};
    if (!api_check_query(call, allowed))
        return;
    api_page page;
    if (!api_read_page(call, &page))
        return;
    call_filter filter = {
        .cospace = http_request_query(call->request, "coSpaceFilter"),
        .tenant = http_request_query(call->request, "tenantFilter"),
        .text = http_request_query(call->request, "filter"),
    };
    if (filter.text && !*filter.text)
        filter.text = NULL;
    call_info *calls = NULL;
    size_t count = 0, total = 0;
    if (runtime_list_calls(call->node->runtime, call_matches, &filter, page.offset, page.limit,
                           &calls, &count, &total) != CV_OK) {
        live_fail_no_memory(call);
        return;
    }
    strbuf *out = api_reply_xml(call);
    strbuf_printf(out, "<calls total=\"%zu\">", total);
    for (size_t i = 0; i < count; i++)
        write_call_summary(out, &calls[i]);
    xml_close(out, "calls");
    runtime_free_calls(calls, count);
}

/* --- /calls/<id> -------------------------------------------------------------- */

static void get_call(api_call *call)
{
    if (!api_check_query(call, NULL))
        return;
    const char *id = api_path_id(call, 1, "callDoesNotExist");
    if (!id)
        return;
    call_info info;
    cv_result result = runtime_get_call(call->node->runtime, id, &info);
    if (live_reply_read_failure(call, result, "callDoesNotExist"))
        return;
    strbuf *out = api_reply_xml(call);
    write_call_detail(out, &info);
    call_info_free(&info);
}

static void modify_call(api_call *call)
{
    const char *id = api_path_id(call, 1, "callDoesNotExist");
    if (!id)
        return;
    runtime_settings changes;
    if (!live_read_parameters(call, &CALL_TABLE, NULL, &changes))
        return;
    cv_result result = runtime_update_call(call->node->runtime, id, &changes);
    runtime_settings_clear(&changes);
    live_reply_change(call, result, "callDoesNotExist", "modified call", id);
}

static void delete_call(api_call *call)
{
    const char *id = api_path_id(call, 1, "callDoesNotExist");
    if (!id)
        return;
    cv_result result = runtime_delete_call(call->node->runtime, id);
    char key[ID_TEXT_SIZE];
    if (result == CV_OK && object_canonical_id(id, key) &&
        object_release_call_claim(call->database, key) != CV_OK)
        log_error("call %s: cannot release its space's claim", key);
    live_reply_change(call, result, "callDoesNotExist", "deleted call", id);
}

static const api_route routes[] = {
    {"calls", list_calls, create_call, NULL, NULL},
    {"calls/*", get_call, NULL, modify_call, delete_call},
};

const api_route_table call_routes = {routes, sizeof routes / sizeof routes[0]};
