/*
 * dial_plan.c - choosing the outbound dial plan rule of a dial-out; see
 * dial_plan.h. Owns no state between calls.
 */
#include "bridge/dial_plan.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bridge/object_store.h"

/* The position of a field in the rule type's table, for object_read_all's
 * values; the table is fixed, so a missing name is a programming error. */
static size_t rule_field(const char *name)
{
    for (size_t i = 0; i < dial_plan_rule_type.field_count; i++)
        if (strcmp(dial_plan_rule_type.fields[i].name, name) == 0)
            return i;
    abort();
}

static char *copy_or_null(const char *text, bool *ok)
{
    if (!text || !*text)
        return NULL;
    char *copy = strdup(text);
    if (!copy)
        *ok = false;
    return copy;
}

static void free_rule(dial_rule *rule)
{
    free(rule->domain);
    free(rule->local_contact_domain);
    free(rule->sip_control_encryption);
    free(rule->scope);
    free(rule->call_bridge);
    free(rule->tenant);
}

typedef struct {
    dial_plan *plan;
    bool out_of_memory;
} loading;

static int add_rule(void *context, const char *id, const char *const *values)
{
    loading *load = context;
    dial_plan *plan = load->plan;
    dial_rule *grown = realloc(plan->rules, (plan->count + 1) * sizeof *grown);
    if (!grown) {
        load->out_of_memory = true;
        return 1;
    }
    plan->rules = grown;
    dial_rule *rule = &plan->rules[plan->count];
    memset(rule, 0, sizeof *rule);
    snprintf(rule->id, sizeof rule->id, "%s", id);
    bool ok = true;
    rule->domain = copy_or_null(values[rule_field("domain")], &ok);
    const char *priority = values[rule_field("priority")];
    rule->priority = priority ? strtoll(priority, NULL, 10) : 0;
    rule->local_contact_domain = copy_or_null(values[rule_field("localContactDomain")], &ok);
    rule->sip_control_encryption = copy_or_null(values[rule_field("sipControlEncryption")], &ok);
    rule->scope = copy_or_null(values[rule_field("scope")], &ok);
    rule->call_bridge = copy_or_null(values[rule_field("callBridge")], &ok);
    rule->tenant = copy_or_null(values[rule_field("tenant")], &ok);
    plan->count++;
    load->out_of_memory = !ok;
    return ok ? 0 : 1;
}

cv_result dial_plan_load(store_db *database, dial_plan *out)
{
    out->rules = NULL;
    out->count = 0;
    loading load = {out, false};
    cv_result result = object_read_all(database, &dial_plan_rule_type, NULL, add_rule, &load);
    if (result == CV_OK && load.out_of_memory)
        result = CV_ERR_NO_MEMORY;
    if (result != CV_OK)
        dial_plan_free(out);
    return result;
}

void dial_plan_free(dial_plan *plan)
{
    for (size_t i = 0; i < plan->count; i++)
        free_rule(&plan->rules[i]);
    free(plan->rules);
    plan->rules = NULL;
    plan->count = 0;
}

void dial_destination_domain(const char *remote_party, char *out, size_t size)
{
    const char *start = remote_party;
    if (strncasecmp(start, "sips:", 5) == 0)
        start += 5;
    else if (strncasecmp(start, "sip:", 4) == 0)
        start += 4;
    const char *at = strrchr(start, '@');
    if (at)
        start = at + 1;
    size_t length = strcspn(start, ":;>?");
    if (length >= size)
        length = size - 1;
    memcpy(out, start, length);
    out[length] = '\0';
}

bool dial_domain_matches(const char *pattern, const char *domain)
{
    if (!pattern || !*pattern)
        return false;
    if (!strchr(pattern, '*'))
        return strcasecmp(pattern, domain) == 0;
    /* Only '*' is special in a rule's domain: '?' and '[' are literal. */
    char escaped[600];
    size_t used = 0;
    for (const char *c = pattern; *c && used + 2 < sizeof escaped; c++) {
        if (*c == '?' || *c == '[' || *c == '\\')
            escaped[used++] = '\\';
        escaped[used++] = *c;
    }
    escaped[used] = '\0';
    return fnmatch(escaped, domain, FNM_CASEFOLD) == 0;
}

static bool rule_applies(const dial_rule *rule, const char *tenant, const char *self_id)
{
    if (rule->tenant && (!tenant || strcasecmp(rule->tenant, tenant) != 0))
        return false;
    if (rule->scope && strcmp(rule->scope, "callBridge") == 0 &&
        (!rule->call_bridge || strcasecmp(rule->call_bridge, self_id) != 0))
        return false;
    return true;
}

const dial_rule *dial_plan_choose(const dial_plan *plan, const char *domain, const char *tenant,
                                  const char *self_id)
{
    if (tenant && !*tenant)
        tenant = NULL;
    const dial_rule *best = NULL;
    for (size_t i = 0; i < plan->count; i++) {
        const dial_rule *rule = &plan->rules[i];
        if (!rule_applies(rule, tenant, self_id) || !dial_domain_matches(rule->domain, domain))
            continue;
        if (!best || rule->priority > best->priority)
            best = rule;
    }
    return best;
}
