/*
 * call_leg_trace.c - GET /callLegs/<id>/callLegProfileTrace: for one leg,
 * which level of the call leg profile hierarchy set which value. One
 * <profile scope="..."> per level that names a profile or sets a value,
 * highest level first; the lowest level's value is the one in force.
 *
 * Owns: that reply's XML. Does not own: the levels themselves or their
 * order (call_leg_plan.c), the leg (runtime.c).
 */
#include "bridge/call_leg.h"
#include "bridge/live_parameters.h"
#include "bridge/object_store.h"
#include "bridge/routes.h"
#include "common/xml_writer.h"

/* One level: the values in the order of the call leg profile's fields. */
static void write_level(strbuf *out, leg_profile_scope scope, const leg_profile_level *level)
{
    xml_open_with_attribute(out, "profile", "scope", call_leg_scope_name(scope));
    if (level->profile_id[0])
        xml_open_with_attribute(out, "callLegProfile", "id", level->profile_id);
    else
        xml_open(out, "callLegProfile");
    for (size_t i = 0; i < call_leg_profile_type.field_count; i++) {
        const char *name = call_leg_profile_type.fields[i].name;
        const char *value = runtime_settings_get(&level->values, name);
        if (value)
            xml_text_element(out, name, value);
    }
    xml_close(out, "callLegProfile");
    xml_close(out, "profile");
}

static void get_trace(api_call *call)
{
    const char *id = api_path_id(call, 1, "callLegDoesNotExist");
    if (!id)
        return;
    leg_info leg;
    cv_result result = runtime_get_leg(call->node->runtime, id, &leg);
    if (live_reply_read_failure(call, result, "callLegDoesNotExist"))
        return;
    leg_profile_level levels[LEG_SCOPE_COUNT];
    if (call_leg_profile_levels(call->database, &leg, levels) != CV_OK) {
        api_fail_internal(call, "call leg profiles");
        leg_info_free(&leg);
        return;
    }
    strbuf *out = api_reply_xml(call);
    xml_open_with_attribute(out, "callLegProfileTrace", "callLeg", leg.id);
    for (size_t scope = 0; scope < LEG_SCOPE_COUNT; scope++)
        if (levels[scope].profile_id[0] || levels[scope].values.count > 0)
            write_level(out, (leg_profile_scope)scope, &levels[scope]);
    xml_close(out, "callLegProfileTrace");
    call_leg_profile_levels_clear(levels);
    leg_info_free(&leg);
}

static const api_route routes[] = {
    {"callLegs/*/callLegProfileTrace", get_trace, NULL, NULL, NULL},
};

const api_route_table call_leg_trace_routes = {routes, sizeof routes / sizeof routes[0]};
