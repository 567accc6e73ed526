/*
 * inbound_dial_plan_rule.c - /inboundDialPlanRules and
 * /inboundDialPlanRules/<id>: the domains this cluster answers incoming
 * calls for, and what a call to each may reach (spaces, users, IVRs, Lync
 * conferences). Owns the parameter table and the question "which domain
 * does a space's URI belong to" (inbound_space_domain), which is how the
 * rules are applied while there are no incoming calls: a call's local
 * address is its space's URI at the preferred domain that resolves to
 * spaces. Does not own: the generic engine (object_store.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bridge/dial_plan.h"
#include "bridge/dial_plan_rule.h"
#include "bridge/object_store.h"
#include "bridge/routes.h"

static const field_descriptor inbound_rule_fields[] = {
    DIAL_PLAN_RULE_LEADING_FIELDS,
    {.name = "resolveToUsers",
     .column = "resolve_to_users",
     .type = FIELD_BOOL,
     .default_value = "true"},
    {.name = "resolveTocoSpaces",
     .column = "resolve_to_cospaces",
     .type = FIELD_BOOL,
     .default_value = "true"},
    {.name = "resolveToIvrs",
     .column = "resolve_to_ivrs",
     .type = FIELD_BOOL,
     .default_value = "true"},
    {.name = "resolveToLyncConferences",
     .column = "resolve_to_lync_conferences",
     .type = FIELD_BOOL,
     .default_value = "false"},
    {.name = "resolveToLyncSimplejoin",
     .column = "resolve_to_lync_simplejoin",
     .type = FIELD_BOOL,
     .default_value = "false"},
    {.name = "tenant", .column = "tenant", .type = FIELD_ID, .flags = FIELD_IN_LIST},
};

const object_type inbound_dial_plan_rule_type = {
    .collection = "inboundDialPlanRules",
    .table = "inbound_dial_plan_rules",
    .list_element = "inboundDialPlanRules",
    .element = "inboundDialPlanRule",
    .missing_reason = "inboundDialPlanRuleDoesNotExist",
    .audit_noun = "inbound dial plan rule",
    .fields = inbound_rule_fields,
    .field_count = sizeof inbound_rule_fields / sizeof inbound_rule_fields[0],
    .counted = true,
    .filter_columns = dial_plan_rule_filter_columns,
    .equality_filters = dial_plan_rule_equality_filters,
};

typedef struct {
    const char *tenant; /* the space's; NULL: none */
    char domain[256];   /* the best so far; "" when none */
    long long priority;
} domain_choice;

/* Fields: 0 domain, 1 priority, 3 resolveTocoSpaces, 7 tenant. */
static int consider_rule(void *context, const char *id, const char *const *values)
{
    (void)id;
    domain_choice *choice = context;
    if (!values[0] || !values[3] || strcmp(values[3], "true") != 0)
        return 0;
    if (values[7] && (!choice->tenant || strcasecmp(values[7], choice->tenant) != 0))
        return 0;
    long long priority = values[1] ? strtoll(values[1], NULL, 10) : 0;
    if (!choice->domain[0] || priority > choice->priority) {
        snprintf(choice->domain, sizeof choice->domain, "%s", values[0]);
        choice->priority = priority;
    }
    return 0;
}

cv_result inbound_space_domain(store_db *database, const char *tenant, char *out, size_t size)
{
    domain_choice choice = {.tenant = tenant && *tenant ? tenant : NULL};
    cv_result result =
        object_read_all(database, &inbound_dial_plan_rule_type, NULL, consider_rule, &choice);
    snprintf(out, size, "%s", result == CV_OK ? choice.domain : "");
    return result;
}

static void list_rules(api_call *call)
{
    object_list(call, &inbound_dial_plan_rule_type);
}
static void get_rule(api_call *call)
{
    object_get(call, &inbound_dial_plan_rule_type);
}
static void create_rule(api_call *call)
{
    object_create(call, &inbound_dial_plan_rule_type);
}
static void modify_rule(api_call *call)
{
    object_modify(call, &inbound_dial_plan_rule_type);
}
static void delete_rule(api_call *call)
{
    object_delete(call, &inbound_dial_plan_rule_type);
}

static const api_route routes[] = {
    {"inboundDialPlanRules", list_rules, create_rule, NULL, NULL},
    {"inboundDialPlanRules/*", get_rule, NULL, modify_rule, delete_rule},
};

const api_route_table inbound_dial_plan_rule_routes = {routes, sizeof routes / sizeof routes[0]};
