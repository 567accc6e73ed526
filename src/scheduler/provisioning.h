/*
 * provisioning.h - slot provisioning on a bridge, as TMS does it: a call
 * profile and a call leg profile (reused, never duplicated), a coSpace
 * bulk parameter set for numeric IDs base .. base+quantity-1 named
 * <prefix><index>, a bulk sync polled until complete, then a status check.
 * A failure becomes the "Slot provisioning failed" ticket.
 *
 * Owns: the CMS requests of provisioning and the provisioning columns of
 * the bridges row. Does not own: deciding a range change is allowed
 * (bridges.c refuses ranges that drop slots holding meetings).
 */
#ifndef CONVENE_SCHEDULER_PROVISIONING_H
#define CONVENE_SCHEDULER_PROVISIONING_H

#include <stdbool.h>
#include <stdint.h>

#include "common/result.h"
#include "common/store_db_pool.h"
#include "scheduler/bridges.h"
#include "common/cms_client.h"

/* True when the dial-number settings are complete and the bridge's
 * provisioned range or objects differ from what the settings ask for. */
bool provisioning_needed(const bridge_record *record);

/* Runs provisioning to the end (or failure) on the bridge's primary
 * address, if it is still needed once this node holds the bridge's
 * provisioning claim (db_bridge_claim_provisioning). Updates the row and
 * the ticket. CV_ERR_BUSY, doing nothing, while another node provisions
 * the bridge. --provisioning-timeout bounds the bulk sync polling. */
cv_result provisioning_run(scheduler *daemon, store_db *database, const bridge_record *record,
                           cms_client *client);

/* Pure: "<prefix>$index$" with '$' and '\' escaped as the CMS mapping
 * syntax requires. malloc'd; NULL when out of memory. */
char *provisioning_name_mapping(const char *prefix);

#endif
