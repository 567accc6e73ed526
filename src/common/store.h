/*
 * store.h - SQLite helpers shared by both daemons: everything of
 * store_pool.h (connections, migrations, transactions, the pool) plus the
 * statement cache of a raw SQLite connection. The data layers use
 * store_sql.h (either database) instead.
 *
 * Owns: the statement cache of a raw connection, mapping SQLite result
 * codes to cv_result.
 * Does not own: what store_pool.h owns, any schema or SQL text.
 */
#ifndef CONVENE_STORE_H
#define CONVENE_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/result.h"
#include "common/store_pool.h"

/* The statement cache. store_statement returns a prepared statement for
 * `sql` kept with the connection: compiled on first use (as persistent)
 * and found again by its text afterwards, so a statement is compiled once
 * per connection, not once per request. NULL when it cannot be compiled
 * (the connection's sqlite3_errmsg says why). The caller binds, steps and
 * must hand it back with store_statement_done (reset, bindings cleared)
 * before the next use of the same text; one still in use (stepped, not
 * reset) is never handed out twice: a second one is compiled instead.
 * Statements go when the connection is closed (store_close). */
sqlite3_stmt *store_statement(sqlite3 *database, const char *sql);
void store_statement_done(sqlite3_stmt *statement);
/* store_statement with sqlite3_prepare_v2's calling convention: *out is
 * the cached statement (NULL on failure) and the result is an SQLite code.
 * Hand it back with store_statement_done, never sqlite3_finalize. */
int store_prepare(sqlite3 *database, const char *sql, sqlite3_stmt **out);
/* Runs a cached write statement already bound: step, then done. CV_OK when
 * it finished (SQLITE_DONE). */
cv_result store_statement_run(sqlite3_stmt *statement);

/* Maps an SQLite result code to a cv_result (constraint -> CONFLICT). */
cv_result store_result(int sqlite_code);

#endif
