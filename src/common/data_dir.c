/* data_dir.c - the data directory's mode, its lock, watched files; see
 * data_dir.h. */
#include "common/data_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

char *data_dir_path(const char *directory, const char *name)
{
    strbuf path = STRBUF_INIT;
    strbuf_printf(&path, "%s/%s", directory, name);
    if (strbuf_status(&path) != CV_OK) {
        strbuf_free(&path);
        return NULL;
    }
    return strbuf_detach(&path);
}

cv_result data_dir_prepare(const char *path, const char *option, strbuf *error)
{
    if (mkdir(path, 0700) == 0)
        return CV_OK;
    struct stat status;
    if (errno != EEXIST || stat(path, &status) != 0) {
        strbuf_printf(error, "%s: cannot create \"%s\": %s", option, path, strerror(errno));
        return CV_ERR_IO;
    }
    if (!S_ISDIR(status.st_mode)) {
        strbuf_printf(error, "%s: \"%s\" is not a directory", option, path);
        return CV_ERR_INVALID;
    }
    if ((status.st_mode & 077) == 0)
        return CV_OK;
    if (chmod(path, 0700) != 0) {
        strbuf_printf(error, "%s: \"%s\" is mode %04o and cannot be made 0700: %s", option, path,
                      (unsigned)(status.st_mode & 07777), strerror(errno));
        return CV_ERR_IO;
    }
    log_warning("data directory %s was mode %04o; tightened to 0700", path,
                (unsigned)(status.st_mode & 07777));
    return CV_OK;
}

/* Opens `path`/`name` and flocks it with `operation` (LOCK_EX or LOCK_SH,
 * never waiting); on LOCK_EX the file then holds our process ID. */
static cv_result take_lock(const char *path, const char *name, int operation, int *descriptor,
                           strbuf *error)
{
    *descriptor = -1;
    char file[4096];
    snprintf(file, sizeof file, "%s/%s", path, name);
    int fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        strbuf_printf(error, "cannot open the lock file %s: %s", file, strerror(errno));
        return CV_ERR_IO;
    }
    if (flock(fd, operation | LOCK_NB) != 0) {
        int failure = errno;
        char owner[32] = "";
        ssize_t got = pread(fd, owner, sizeof owner - 1, 0);
        owner[got > 0 ? got : 0] = '\0';
        owner[strspn(owner, "0123456789")] = '\0';
        close(fd);
        if (failure != EWOULDBLOCK) {
            strbuf_printf(error, "cannot lock %s: %s", file, strerror(failure));
            return CV_ERR_IO;
        }
        /* Shared holders (bridges) write no process ID: "unknown". */
        strbuf_printf(error, "the data directory %s is in use by another process (pid %s holds %s)",
                      path, owner[0] ? owner : "unknown", file);
        return CV_ERR_CONFLICT;
    }
    char pid[32];
    int length = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (operation == LOCK_EX &&
        (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)length, 0) != length))
        log_warning("cannot write the process ID into %s: %s", file, strerror(errno));
    *descriptor = fd;
    return CV_OK;
}

cv_result data_dir_lock(const char *path, const char *name, int *descriptor, strbuf *error)
{
    cv_result result = take_lock(path, name, LOCK_EX, descriptor, error);
    if (result == CV_ERR_CONFLICT)
        strbuf_append_str(error, "; one process per data directory");
    return result;
}

cv_result data_dir_lock_shared(const char *path, const char *name, int *descriptor, strbuf *error)
{
    return take_lock(path, name, LOCK_SH, descriptor, error);
}

void data_dir_unlock(int descriptor)
{
    if (descriptor >= 0)
        close(descriptor); /* releases the flock */
}

cv_result data_dir_check_not_lost(const char *path, const char *marker, const char *database,
                                  strbuf *error)
{
    char marker_path[4096], database_path[4096];
    snprintf(marker_path, sizeof marker_path, "%s/%s", path, marker);
    snprintf(database_path, sizeof database_path, "%s/%s", path, database);
    if (access(marker_path, F_OK) != 0 || access(database_path, F_OK) == 0)
        return CV_OK;
    strbuf_printf(error,
                  "%s is missing although %s shows it was in use: restore it from a backup, "
                  "or delete %s to start with an empty database",
                  database_path, marker_path, marker_path);
    return CV_ERR_NOT_FOUND;
}

cv_result file_watch_start(file_watch *watch, const char *path)
{
    memset(watch, 0, sizeof *watch);
    atomic_init(&watch->lost, false);
    atomic_init(&watch->lost_at, 0);
    struct stat status;
    if (stat(path, &status) != 0)
        return CV_ERR_IO;
    watch->path = strdup(path);
    if (!watch->path)
        return CV_ERR_NO_MEMORY;
    watch->device = status.st_dev;
    watch->inode = status.st_ino;
    return CV_OK;
}

bool file_watch_check(file_watch *watch)
{
    if (!watch->path)
        return true; /* nothing watched */
    if (atomic_load(&watch->lost))
        return false;
    struct stat status;
    bool same = stat(watch->path, &status) == 0 && status.st_dev == watch->device &&
                status.st_ino == watch->inode;
    if (same)
        return true;
    bool already = atomic_exchange(&watch->lost, true);
    if (!already) {
        atomic_store(&watch->lost_at, (long long)time(NULL));
        log_error("%s was deleted or replaced while in use: refusing every change from now "
                  "on; restore it from a backup and restart",
                  watch->path);
    }
    return false;
}

void file_watch_free(file_watch *watch)
{
    free(watch->path);
    watch->path = NULL;
}
