/*
 * db_tickets.h - the tickets rows.
 *
 * Owns: the SQL on the `tickets` table: open or refresh one ticket, clear
 * one, read one, list those of a bridge or of all. Writes run through
 * store_db_transaction, so they join a caller's transaction or make their own.
 * Does not own: when a ticket opens or clears (tickets.c and its callers),
 * the JSON form of a ticket (tickets.c).
 */
#ifndef CONVENE_SCHEDULER_DB_TICKETS_H
#define CONVENE_SCHEDULER_DB_TICKETS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/result.h"
#include "common/store_db_pool.h"

/* One stored ticket; the texts point into the statement's row and are
 * valid only during the call that hands the row over. */
typedef struct {
    const char *id;
    const char *bridge_id;
    const char *kind;
    const char *message;
    int64_t opened; /* seconds since the epoch, UTC */
} db_ticket;

/* Opens the ticket of `kind` on the bridge with a new `id` and `opened`
 * time, or, when it is open already, keeps both and updates its message.
 * *changed: whether a row was inserted or its message changed. */
cv_result db_ticket_open(store_db *database, const char *id, const char *bridge_id,
                         const char *kind, const char *message, int64_t opened, bool *changed);
/* Clears the ticket of `kind` on the bridge; *changed: whether one was open. */
cv_result db_ticket_clear(store_db *database, const char *bridge_id, const char *kind,
                          bool *changed);

/* Called once per row; a result other than CV_OK stops the walk and is
 * returned. */
typedef cv_result (*db_ticket_visit)(const db_ticket *ticket, void *context);
/* The tickets of one bridge (all bridges when bridge_id is NULL), oldest
 * first. */
cv_result db_tickets_each(store_db *database, const char *bridge_id, db_ticket_visit visit,
                          void *context);
/* The ticket with this id; CV_ERR_NOT_FOUND when there is none. */
cv_result db_ticket_find(store_db *database, const char *id, db_ticket_visit visit, void *context);

#endif
