/*
 * tickets.h - tickets: problems of a bridge an administrator must see, as
 * TMS shows them. A ticket exists while its cause does: modules call
 * tickets_set() with the current truth and the row appears (keeping its
 * first `opened` time) or disappears.
 *
 * Owns: the tickets table, ticket kinds, the settings rules (which
 * settings-based tickets a bridge should have), the /tickets resource and
 * the JSON form of a ticket. Does not own: detecting network problems
 * (poller.c, provisioning.c call tickets_set).
 */
#ifndef CONVENE_SCHEDULER_TICKETS_H
#define CONVENE_SCHEDULER_TICKETS_H

#include <jansson.h>
#include <stdbool.h>

#include "common/result.h"
#include "common/store_db_pool.h"
#include "scheduler/scheduler.h"

#define TICKET_BLANK_NAME     "Blank System Name"
#define TICKET_DIAL_NUMBER    "Dial Number Configuration Error"
#define TICKET_UNREACHABLE    "Unreachable"
#define TICKET_AUTHENTICATION "Authentication failed"
#define TICKET_PROVISIONING   "Slot provisioning failed"
#define TICKET_FAILOVER       "Failover"
/* Not stored (there is no database to store it in): shown first in GET
 * /tickets, with no bridge, from the moment convened's database file was
 * found deleted or replaced until convened is restarted. */
#define TICKET_DATABASE_LOST    "Database lost"
#define TICKET_DATABASE_LOST_ID "00000000-0000-0000-0000-000000000000"

/* Opens (when `open`) or clears the ticket of `kind` on the bridge. An
 * open ticket keeps its id and opened time; its message is updated. A
 * ticket that opens or clears is told as an event of `daemon`. */
cv_result tickets_set(scheduler *daemon, store_db *database, const char *bridge_id,
                      const char *kind, bool open, const char *message);

/* Which settings tickets a bridge with these settings has. Pure. */
typedef struct {
    bool blank_name;
    bool dial_number;
    char dial_number_message[160]; /* names the unset settings */
} ticket_settings_verdict;
void tickets_judge_settings(const char *name, const char *domain, bool has_base, bool has_quantity,
                            ticket_settings_verdict *out);
/* Applies tickets_judge_settings to the stored row. */
cv_result tickets_update_settings(scheduler *daemon, store_db *database, const char *bridge_id);

/* The bridge's open tickets as a JSON array of ticket objects (new ref). */
json_t *tickets_json_for_bridge(store_db *database, const char *bridge_id);

/* The module (routes /tickets). */
extern const scheduler_module tickets_module;

#endif
