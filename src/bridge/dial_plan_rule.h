/*
 * dial_plan_rule.h - what the outbound (dial_plan_rule.c) and inbound
 * (inbound_dial_plan_rule.c) dial plan rule types share: the two
 * parameters every rule starts with and the listing filters.
 *
 * Owns: these declarations. Does not own: either type's other parameters,
 * or choosing a rule (dial_plan.h).
 */
#ifndef CONVENE_BRIDGE_DIAL_PLAN_RULE_H
#define CONVENE_BRIDGE_DIAL_PLAN_RULE_H

#include <stdint.h>

#include "bridge/object_store.h"

/* The first two entries of a rule type's field_descriptor table: the
 * domain the rule is for (required, listed) and its priority among the
 * rules (higher first, default 0, listed). */
#define DIAL_PLAN_RULE_LEADING_FIELDS                                                              \
    {.name = "domain",                                                                             \
     .column = "domain",                                                                           \
     .type = FIELD_STRING,                                                                         \
     .flags = FIELD_IN_LIST | FIELD_REQUIRED,                                                      \
     .max_length = 254},                                                                           \
    {                                                                                              \
        .name = "priority", .column = "priority", .type = FIELD_INT, .flags = FIELD_IN_LIST,       \
        .default_value = "0", .minimum = INT32_MIN, .maximum = INT32_MAX                           \
    }

/* Both listings: `filter` matches the domain; tenantFilter the tenant. */
extern const char *const dial_plan_rule_filter_columns[];
extern const equality_filter dial_plan_rule_equality_filters[];

#endif
