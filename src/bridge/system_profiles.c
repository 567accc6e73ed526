/*
 * system_profiles.c - /system/profiles: the global (top-level) profiles,
 * which every object inherits from unless a lower level sets its own.
 * GET shows the IDs set; PUT or POST sets them, an empty value unsets one,
 * an unknown ID is refused with that profile type's ...DoesNotExist.
 *
 * Owns: the parameter table (only the profile types the bridge keeps:
 * callLegProfile and callProfile; the reference's other ones, such as
 * dtmfProfile, are refused as unknown parameters because their objects do
 * not exist here to be checked) and the ID of the one row. Does not own:
 * the generic engine (object_store.c), the table (schema.c, which creates
 * the row) or what a leg inherits (call_leg_plan.c).
 */
#include "bridge/object_store.h"
#include "bridge/routes.h"

/* The one row's ID; schema.c migration 3 inserts the same text. */
#define SYSTEM_PROFILES_ROW_ID "00000000-0000-0000-0000-000000000001"

static const field_descriptor system_profiles_fields[] = {
    {.name = "callLegProfile",
     .column = "call_leg_profile",
     .type = FIELD_REFERENCE,
     .referenced_table = "call_leg_profiles",
     .missing_reason = "callLegProfileDoesNotExist"},
    {.name = "callProfile",
     .column = "call_profile",
     .type = FIELD_REFERENCE,
     .referenced_table = "call_profiles",
     .missing_reason = "callProfileDoesNotExist"},
};

const object_type system_profiles_type = {
    .collection = "system/profiles",
    .table = "system_profiles",
    .list_element = "profiles",
    .element = "profiles",
    .missing_reason = "objectDoesNotExist", /* never: the row always exists */
    .audit_noun = "global profiles",
    .fields = system_profiles_fields,
    .field_count = sizeof system_profiles_fields / sizeof system_profiles_fields[0],
    .singleton_id = SYSTEM_PROFILES_ROW_ID,
};

static void get_system_profiles(api_call *call)
{
    object_get(call, &system_profiles_type);
}

/* PUT and POST both set (or unset) the global profiles. */
static void set_system_profiles(api_call *call)
{
    object_modify(call, &system_profiles_type);
}

static const api_route routes[] = {
    {"system/profiles", get_system_profiles, set_system_profiles, set_system_profiles, NULL},
};

const api_route_table system_profiles_routes = {routes, sizeof routes / sizeof routes[0]};
