/*
 * dial_plan_rule.c - /outboundDialPlanRules and /outboundDialPlanRules/<id>:
 * which domain goes out through which proxy, trunk type and encryption,
 * and in what priority order. Owns the parameter table (with the defaults a
 * CMS shows for a new rule), the listing filters both rule types use
 * (dial_plan_rule.h) and the check that a `callBridge` names a
 * member of this cluster. Does not own: the generic engine
 * (object_store.c) or using the rules for dial-outs (a later issue; the
 * simulated dial-out ignores them).
 */
#include <string.h>

#include "bridge/dial_plan_rule.h"
#include "bridge/object_store.h"
#include "bridge/routes.h"

static const char *const trunk_types[] = {"sip", "lync", "avaya", NULL};
static const char *const failure_actions[] = {"stop", "continue", NULL};
static const char *const control_encryptions[] = {"auto", "encrypted", "unencrypted", NULL};
static const char *const rule_scopes[] = {"global", "callBridge", "callBridgeGroup", NULL};
static const char *const call_routings[] = {"default", "traversal", NULL};

static const field_descriptor dial_plan_rule_fields[] = {
    DIAL_PLAN_RULE_LEADING_FIELDS,
    {.name = "localContactDomain",
     .column = "local_contact_domain",
     .type = FIELD_STRING,
     .flags = FIELD_ALWAYS_SHOWN},
    {.name = "localFromDomain",
     .column = "local_from_domain",
     .type = FIELD_STRING,
     .flags = FIELD_ALWAYS_SHOWN},
    {.name = "trunkType",
     .column = "trunk_type",
     .type = FIELD_ENUM,
     .enum_values = trunk_types,
     .default_value = "sip"},
    {.name = "sipControlEncryption",
     .column = "sip_control_encryption",
     .type = FIELD_ENUM,
     .enum_values = control_encryptions,
     .default_value = "auto"},
    {.name = "sipProxy", .column = "sip_proxy", .type = FIELD_STRING},
    {.name = "failureAction",
     .column = "failure_action",
     .type = FIELD_ENUM,
     .enum_values = failure_actions,
     .default_value = "stop"},
    {.name = "scope",
     .column = "scope",
     .type = FIELD_ENUM,
     .enum_values = rule_scopes,
     .default_value = "global"},
    {.name = "callBridge", .column = "call_bridge", .type = FIELD_ID},
    {.name = "callBridgeGroup", .column = "call_bridge_group", .type = FIELD_ID},
    {.name = "tenant", .column = "tenant", .type = FIELD_ID, .flags = FIELD_IN_LIST},
    {.name = "callRouting",
     .column = "call_routing",
     .type = FIELD_ENUM,
     .enum_values = call_routings,
     .default_value = "default"},
};

const char *const dial_plan_rule_filter_columns[] = {"domain", NULL};

const equality_filter dial_plan_rule_equality_filters[] = {
    {"tenantFilter", "tenant"},
    {NULL, NULL},
};

/* A rule scoped to one call bridge must name a member of this cluster. */
static cv_result prepare_dial_plan_rule(object_write *write)
{
    const field_value *call_bridge = object_write_value(write, "callBridge");
    if (!call_bridge->given || !call_bridge->set)
        return CV_OK;
    const bridge *node = write->call->node;
    for (size_t i = 0; i < node->member_count; i++)
        if (strcmp(node->members[i].id, call_bridge->text) == 0)
            return CV_OK;
    object_write_refuse(write, 400, "callBridgeDoesNotExist");
    return CV_OK;
}

const object_type dial_plan_rule_type = {
    .collection = "outboundDialPlanRules",
    .table = "outbound_dial_plan_rules",
    .list_element = "outboundDialPlanRules",
    .element = "outboundDialPlanRule",
    .missing_reason = "outboundDialPlanRuleDoesNotExist",
    .audit_noun = "outbound dial plan rule",
    .fields = dial_plan_rule_fields,
    .field_count = sizeof dial_plan_rule_fields / sizeof dial_plan_rule_fields[0],
    .counted = true,
    .filter_columns = dial_plan_rule_filter_columns,
    .equality_filters = dial_plan_rule_equality_filters,
    .prepare = prepare_dial_plan_rule,
};

static void list_rules(api_call *call)
{
    object_list(call, &dial_plan_rule_type);
}
static void get_rule(api_call *call)
{
    object_get(call, &dial_plan_rule_type);
}
static void create_rule(api_call *call)
{
    object_create(call, &dial_plan_rule_type);
}
static void modify_rule(api_call *call)
{
    object_modify(call, &dial_plan_rule_type);
}
static void delete_rule(api_call *call)
{
    object_delete(call, &dial_plan_rule_type);
}

static const api_route routes[] = {
    {"outboundDialPlanRules", list_rules, create_rule, NULL, NULL},
    {"outboundDialPlanRules/*", get_rule, NULL, modify_rule, delete_rule},
};

const api_route_table dial_plan_rule_routes = {routes, sizeof routes / sizeof routes[0]};
