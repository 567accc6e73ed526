/*
 * data_dir.h - a daemon's data directory and the files in it, at rest.
 *
 * Owns: creating the directory 0700 or tightening an existing one to 0700
 * (with a log line saying so), the lock that lets one process at a time
 * use a directory (a lock file held with flock(2) for the life of the
 * process; convened takes it exclusively, the bridge shared, since bridge
 * nodes share a directory on purpose, and `convene migrate` exclusively
 * to keep both out while it copies), refusing to start when the database of an
 * earlier run is missing, and noticing that a file the daemon opened
 * (its database) was deleted or replaced underneath it (file_watch: the
 * device and inode seen at open, compared with what the path names now).
 * Does not own: the files' contents, or what a daemon does once a watched
 * file is lost (convened refuses writes).
 */
#ifndef CONVENE_DATA_DIR_H
#define CONVENE_DATA_DIR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>

#include "common/result.h"
#include "common/strbuf.h"

/* Creates `path` with mode 0700, or makes an existing directory 0700 when
 * group or others had any access (logged as a warning). `option` names the
 * option in error messages, e.g. "--data-dir". */
cv_result data_dir_prepare(const char *path, const char *option, strbuf *error);

/* "DIRECTORY/NAME" in a new string the caller frees; NULL when out of
 * memory. */
char *data_dir_path(const char *directory, const char *name);

/* Takes the lock file `path`/`name` (created 0600; it holds the owner's
 * process ID). *descriptor stays open, and the lock held, until
 * data_dir_unlock or exit. CV_ERR_CONFLICT when another process holds it;
 * `error` then names that process and the directory. */
cv_result data_dir_lock(const char *path, const char *name, int *descriptor, strbuf *error);
/* The same lock taken shared: any number of shared holders at once (the
 * bridge nodes of one directory), none while an exclusive holder (convene
 * migrate) has it, and the other way round. Writes no process ID. */
cv_result data_dir_lock_shared(const char *path, const char *name, int *descriptor, strbuf *error);
void data_dir_unlock(int descriptor);

/* Refuses to start over a lost database: when `marker` (a file the daemon
 * leaves in `path` on every run, e.g. its lock file) exists but `database`
 * does not, the database was deleted or moved and starting would quietly
 * create an empty one. CV_ERR_NOT_FOUND then, with `error` saying what to
 * do (restore it, or delete the marker to start empty on purpose). */
cv_result data_dir_check_not_lost(const char *path, const char *marker, const char *database,
                                  strbuf *error);

typedef struct {
    char *path;
    dev_t device; /* what `path` named when the watch started */
    ino_t inode;
    atomic_bool lost;     /* set once, never cleared: the file is gone for good */
    atomic_llong lost_at; /* Unix time `lost` was found; 0 until then */
} file_watch;

/* Remembers what `path` names now. */
cv_result file_watch_start(file_watch *watch, const char *path);
/* True while `path` still names the file seen at start. The first time it
 * does not (deleted, renamed away, replaced by another file), logs an error
 * line and stays false from then on. Thread-safe; one stat(2) per call. */
bool file_watch_check(file_watch *watch);
void file_watch_free(file_watch *watch);

#endif
