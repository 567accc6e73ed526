/*
 * store_checkpointer.h - the thread that copies a pool's WAL into its
 * database file, so that no request pays for that copy. Used by store.c
 * only (store_pool_open starts one per pool, store_pool_close stops it).
 *
 * Owns: when a copy ("pass") runs (after STORE_CHECKPOINT_PAGES new WAL
 * frames, and on a timer), what a pass does, and the thread's own two
 * SQLite connections. Does not own: the pool's connections or their
 * writers' turns (store.c), how a connection is opened (store_open).
 *
 * Every commit is still fsynced before it is acknowledged (synchronous=
 * FULL on every connection): what a pass copies is already safe in the
 * WAL, so only the copy moves, never the durability.
 */
#ifndef CONVENE_STORE_CHECKPOINTER_H
#define CONVENE_STORE_CHECKPOINTER_H

#include <stddef.h>

#include "common/fair_lock.h"

typedef struct sqlite3 sqlite3;
typedef struct store_checkpointer store_checkpointer;

/* Starts the thread on the file at `path` and moves the `count`
 * connections over to it (SQLite's automatic checkpoints off, a commit
 * hook that counts new frames). `writers` is the pool's lock that write
 * transactions take in turn; the pass that lets the WAL start over takes
 * its turn too. NULL (logged) when the thread cannot start: the
 * connections then keep SQLite's automatic checkpoints. */
store_checkpointer *store_checkpointer_start(const char *path, sqlite3 *const *connections,
                                             size_t count, fair_lock *writers);
/* Stops the thread and gives the connections their hooks back; NULL is
 * allowed. */
void store_checkpointer_stop(store_checkpointer *checkpointer, sqlite3 *const *connections,
                             size_t count);
/* Passes run so far (0 for NULL). */
unsigned long store_checkpointer_passes(store_checkpointer *checkpointer);
/* Changes the new frames that wake a pass and the WAL size that makes it
 * start the WAL over (tests make them small); from the next commit on. */
void store_checkpointer_tune(store_checkpointer *checkpointer, int pages, int restart_pages);

/* A busy handler that tries again every 0.2 ms, up to `context` tries (an
 * intptr_t): for a connection that must not lose SQLite's write lock to a
 * stream of writers, whose own handler (sqlite3_busy_timeout) sleeps 1 to
 * 100 ms between tries. Used by the checkpointer and store_wait_eagerly. */
int store_retry_soon(void *context, int tries);

#endif
