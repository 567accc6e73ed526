/*
 * db_audit.h - the rows of the audit trail (schema.h, migration 7).
 * Owns their SQL. Does not own: masking or what is recorded (audit.c).
 */
#ifndef CONVENE_SCHEDULER_DB_AUDIT_H
#define CONVENE_SCHEDULER_DB_AUDIT_H

#include <stdint.h>

#include "common/result.h"
#include "common/store_db_pool.h"

typedef struct {
    int64_t id;
    int64_t at;          /* Unix seconds */
    const char *actor;   /* user name; "" for convened itself */
    const char *address; /* client address or NULL */
    const char *action;
    const char *object;  /* NULL when none */
    const char *details; /* JSON text or NULL */
} db_audit_row;

cv_result db_audit_insert(store_db *database, const db_audit_row *row);

/* Which rows a query wants; NULL or 0 members do not filter. */
typedef struct {
    const char *actor;
    const char *action; /* exact, or a prefix ending in '.' ("booking.") */
    int64_t from, to;   /* at >= from and at < to; 0: unbounded */
    int64_t limit;
} db_audit_filter;

/* Calls `visit` for each row the filter wants, newest first. */
cv_result db_audit_each(store_db *database, const db_audit_filter *filter,
                        cv_result (*visit)(const db_audit_row *row, void *context), void *context);
/* Removes the rows older than `before`. */
cv_result db_audit_purge(store_db *database, int64_t before, int64_t *removed);

#endif
