/*
 * cdr_receiver.h - convened's CDR receiver: the listener a Cisco Meeting
 * Server (or convene-bridge) posts its Call Detail Records to, and its
 * registration on each managed bridge.
 *
 * Owns: the --cdr-listen listener (its own port; HTTPS like the API unless
 * --plain-http; clients admitted by --cdr-allow networks, no credentials:
 * a CMS sends none), answering each POST only once its records are stored
 * (a bridge resends what was not accepted), and adding the receiver URI to
 * a bridge's /system/cdrReceivers when it is provisioned. Does not own:
 * parsing (cdr_ingest.c), the SQL (db_cdrs.c), attendance (attendance.c).
 */
#ifndef CONVENE_SCHEDULER_CDR_RECEIVER_H
#define CONVENE_SCHEDULER_CDR_RECEIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/cms_client.h"
#include "common/result.h"
#include "scheduler/bridges.h"
#include "scheduler/scheduler.h"

#define CDR_RECEIVERS_MAXIMUM 4 /* a CMS 2.x keeps at most four */

/* The URI bridge `bridge_id` is told to post to: --cdr-url (or the one
 * --cdr-listen implies) with "/<bridge id>" added, so each record is known
 * to come from that bridge. False when there is no receiver. */
bool cdr_receiver_uri(const scheduler *daemon, const char *bridge_id, char *out, size_t size);

/* Adds the receiver's URI to the bridge's /system/cdrReceivers unless it
 * is there already; receivers configured by anyone else are left alone.
 * Nothing when the receiver is off. CV_ERR_CONFLICT (logged) when the
 * bridge has its four receivers already. */
cv_result cdr_receiver_register(scheduler *daemon, const bridge_record *bridge, cms_client *client);

/* Starts the listener when --cdr-listen is given. */
extern const scheduler_module cdr_receiver_module;

#endif
