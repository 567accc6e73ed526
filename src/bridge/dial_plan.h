/*
 * dial_plan.h - which /outboundDialPlanRules rule a dial-out uses, as the
 * blueprint describes it: the rule's domain (exact, or wildcarded like
 * "*.com") matched against the destination's domain, higher priority
 * first, rules of another tenant or scoped to another call bridge skipped.
 *
 * Owns: reading the rules (through object_store.c), the destination's
 * domain, the matching and the choice. Does not own: what happens to a
 * leg that matched no rule (runtime.c fails it) or the rules' API
 * (dial_plan_rule.c).
 */
#ifndef CONVENE_BRIDGE_DIAL_PLAN_H
#define CONVENE_BRIDGE_DIAL_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ids.h"
#include "common/result.h"
#include "common/store_sql.h"

typedef struct {
    char id[ID_TEXT_SIZE];
    char *domain;
    int64_t priority;
    char *local_contact_domain;   /* NULL: the call's own address is used */
    char *sip_control_encryption; /* auto|encrypted|unencrypted */
    char *scope;                  /* global|callBridge|callBridgeGroup */
    char *call_bridge;            /* with scope callBridge */
    char *tenant;                 /* NULL: any call */
} dial_rule;

typedef struct {
    dial_rule *rules; /* in creation order */
    size_t count;
} dial_plan;

/* Reads every outbound dial plan rule. */
cv_result dial_plan_load(store_db *database, dial_plan *out);
void dial_plan_free(dial_plan *plan);

/* The domain part of a remote party: after '@' (without a "sip:" or
 * "sips:" prefix, a port or ";parameters"), or the whole party when it has
 * no '@' (an address such as 10.1.144.129). Writes at most `size` bytes. */
void dial_destination_domain(const char *remote_party, char *out, size_t size);

/* True when the rule's domain matches: equal without regard to case, or a
 * pattern where '*' stands for any run of characters ("*.com"). */
bool dial_domain_matches(const char *pattern, const char *domain);

/* The rule a dial-out from a call of `tenant` (NULL or "": none) on the
 * call bridge `self_id` to `domain` uses: the matching rule with the
 * highest priority (the earlier-created one on a tie). Rules of another
 * tenant, or scoped to another call bridge, do not apply. NULL: none. */
const dial_rule *dial_plan_choose(const dial_plan *plan, const char *domain, const char *tenant,
                                  const char *self_id);

/* The domain a space's URI is advertised at (inbound_dial_plan_rule.c):
 * the highest-priority inbound dial plan rule that resolves to spaces and
 * applies to `tenant` (NULL: none); "" when no rule does. */
cv_result inbound_space_domain(store_db *database, const char *tenant, char *out, size_t size);

#endif
