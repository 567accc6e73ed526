/* store_checkpointer.c - copies a pool's WAL into its database file from a
 * thread of its own; see store_checkpointer.h. */
#include "common/store_checkpointer.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <sqlite3.h>

#include "common/log.h"
#include "common/store_pool.h"

/* Why a thread, and when it copies (each figure: docs/benchmarks.md,
 * "Booking p99").
 *
 * SQLite's automatic checkpoint runs inside whichever commit crosses its
 * threshold: that booking waited for the copy of 1,000 pages. So the
 * pool's connections never checkpoint; this thread does, woken after
 * `pages` new WAL frames (STORE_CHECKPOINT_PAGES), while the answers go
 * out.
 *
 * A copy that reaches the end of the WAL ends with an fsync of the
 * database file (SQLite's rule: the WAL may start over only once what it
 * held is safe in the database), after an fsync of the WAL. A commit
 * whose own fsync lands meanwhile waits behind the copy's pages on the
 * same disk: one booking in five was slower, and those made the p99. But
 * a copy that stops short of the end (a reader still needs the frames
 * after that point) writes the pages and leaves the fsync to a later copy
 * that reaches the end. So, while commits keep coming, the thread holds a
 * read transaction open from one pass to the next (`reader`): each pass
 * copies the frames committed before the previous pass, never the whole
 * WAL, and syncs nothing but the WAL (which every commit synced already).
 * A page that many bookings change (the last page of each table and of
 * its time-ordered indexes) is written to the file once per pass, and
 * reaches the disk once per sync, not once per batch. The database file
 * is synced when the WAL starts over, and once the commits stop: a pass
 * that finds none for STORE_CHECKPOINT_QUIET_MS lets the reader go and
 * copies everything.
 *
 * Writers that never pause keep the WAL from starting over (a write
 * starts it over only when it begins with every frame copied and no
 * reader in the WAL), so it would grow without bound (1.4 GB after
 * loading 100,000 bookings from 4 clients): past `restart_pages` frames a
 * pass lets the reader go, copies everything, and then, in its turn among
 * the pool's writers, runs a RESTART, which waits for the last frames'
 * copy and for other readers, and the next write starts the WAL over.
 *
 * Another process on the same file (a second convened node) holds its own
 * reader. Its RESTART waits for this one's reader to go, which this
 * thread lets go at its next pass: the one after the WAL passed
 * `restart_pages` (a pass never takes the reader again then), the one
 * that finds another checkpoint running, or the quiet one,
 * STORE_CHECKPOINT_QUIET_MS after this process's commits stop. A RESTART
 * waits only STORE_CHECKPOINT_RESTART_TRIES for readers (and blocks every
 * writer meanwhile), so a pass that finds another process's reader gives
 * up soon and leaves the RESTART to a later pass. */
#define STORE_CHECKPOINT_QUIET_MS      50
#define STORE_CHECKPOINT_RESTART_TRIES 100

struct store_checkpointer {
    pthread_t thread;
    sqlite3 *connection;  /* copies; used by the thread only */
    sqlite3 *reader;      /* holds the read transaction; thread only; NULL if it cannot open */
    bool holding;         /* `reader` has a read transaction open (thread only) */
    fair_lock *writers;   /* the pool's writers' turns (store.c) */
    pthread_mutex_t lock; /* guards everything below but `done` */
    pthread_cond_t wake;
    bool wanted;
    bool stopping;
    int pages;         /* new frames that wake a pass (STORE_CHECKPOINT_PAGES) */
    int restart_pages; /* WAL frames that make a pass start it over */
    _Atomic unsigned long done;
    int frames; /* the WAL's size in frames after the latest commit */
    int fresh;  /* frames committed since the latest pass began */
};

/* sqlite3_wal_hook: runs after every commit on a pool connection, on the
 * committing thread (commits are one at a time: they hold the write lock);
 * `pages` is the WAL's size in frames. A WAL smaller than after the
 * previous commit has started over (a write that began with every frame
 * copied writes from the first frame again), and all its frames are this
 * commit's: counting them against the old size instead would have woken
 * the next pass only after twice the batch. (A WAL started over that
 * already ends past the old size is counted short by the old size: one
 * pass a little later.) */
static int wal_grew(void *context, sqlite3 *connection, const char *name, int pages)
{
    (void)connection;
    (void)name;
    store_checkpointer *checkpointer = context;
    pthread_mutex_lock(&checkpointer->lock);
    int added = pages >= checkpointer->frames ? pages - checkpointer->frames : pages;
    checkpointer->frames = pages;
    checkpointer->fresh += added;
    if (checkpointer->fresh >= checkpointer->pages) {
        checkpointer->wanted = true;
        pthread_cond_signal(&checkpointer->wake);
    }
    pthread_mutex_unlock(&checkpointer->lock);
    return SQLITE_OK;
}

static void let_reader_go(store_checkpointer *checkpointer)
{
    if (checkpointer->holding &&
        sqlite3_exec(checkpointer->reader, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        sqlite3_exec(checkpointer->reader, "ROLLBACK", NULL, NULL, NULL);
    checkpointer->holding = false;
}

/* Moves the reader to the WAL's end as of now: the next pass copies up to
 * here. A read transaction begins at its first read (any page will do). */
static void hold_reader_at_the_end(store_checkpointer *checkpointer)
{
    let_reader_go(checkpointer);
    if (!checkpointer->reader)
        return;
    if (sqlite3_exec(checkpointer->reader, "BEGIN; SELECT count(*) FROM sqlite_schema", NULL, NULL,
                     NULL) == SQLITE_OK)
        checkpointer->holding = true;
    else if (!sqlite3_get_autocommit(checkpointer->reader))
        sqlite3_exec(checkpointer->reader, "ROLLBACK", NULL, NULL, NULL);
}

static int copy(store_checkpointer *checkpointer, int mode, int *frames)
{
    return sqlite3_wal_checkpoint_v2(checkpointer->connection, NULL, mode, frames, NULL);
}

/* One pass (the comment above struct store_checkpointer says why).
 * `quiet`: no commit woke this pass (the timer did). The reader goes when
 * the commits have stopped, when the WAL is to start over, and when
 * another checkpoint is running (SQLITE_BUSY: most likely another
 * process's RESTART, waiting for this reader among others). The RESTART
 * takes its turn among the pool's writers first: it then finds SQLite's
 * write lock free at once instead of racing a stream of writers for it
 * (at its lower priority it would lose that race on a busy machine), and
 * the writers queued behind it wait for it as they wait for each other. */
static void checkpoint_pass(store_checkpointer *checkpointer, int restart_pages, bool quiet)
{
    int frames = 0;
    int code = copy(checkpointer, SQLITE_CHECKPOINT_PASSIVE, &frames);
    bool restart = code == SQLITE_OK && frames >= restart_pages;
    if (code == SQLITE_OK && !restart && !quiet) {
        hold_reader_at_the_end(checkpointer);
    } else {
        bool held = checkpointer->holding;
        let_reader_go(checkpointer);
        if (code == SQLITE_OK && held) /* the frames after the reader, and the fsync */
            code = copy(checkpointer, SQLITE_CHECKPOINT_PASSIVE, &frames);
        if (code == SQLITE_OK && restart &&
            fair_lock_acquire(checkpointer->writers, STORE_BUSY_TIMEOUT_MS) == CV_OK) {
            code = copy(checkpointer, SQLITE_CHECKPOINT_RESTART, &frames);
            fair_lock_release(checkpointer->writers);
        }
    }
    if (code != SQLITE_OK && code != SQLITE_BUSY)
        log_warning("database checkpoint: %s", sqlite3_errstr(code));
    atomic_fetch_add(&checkpointer->done, 1);
}

int store_retry_soon(void *context, int tries)
{
    if (tries >= (intptr_t)context)
        return 0;
    nanosleep(&(struct timespec){0, 200 * 1000}, NULL);
    return 1;
}

/* The checkpointer's share of the CPU when requests want it too: copies
 * can wait, a request being answered should not. On two CPUs the client,
 * the request's thread and a pass running at the same priority made the
 * request's thread lose its CPU in the middle of a booking (0.8-1 such
 * switch per booking, 0.1-0.5 with this; docs/benchmarks.md, booking
 * p99). At nice 10 the scheduler still gives the pass about a tenth of a
 * busy CPU, so copies never stop, and all of an idle one. Linux applies
 * the nice value of a thread id to that thread only; elsewhere this is a
 * no-op that changes the whole process's, so it is Linux only. */
#define STORE_CHECKPOINTER_NICE 10

static void lower_own_priority(void)
{
#ifdef __linux__
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), STORE_CHECKPOINTER_NICE) != 0)
        log_warning("database checkpoint: cannot lower its priority: %s", strerror(errno));
#endif
}

/* Waits for a batch of commits, or for the timer: STORE_CHECKPOINT_QUIET_MS
 * while the reader is held (so it never outlives the commits by more),
 * else STORE_CHECKPOINT_FALLBACK_SECONDS (the WAL never grows unbounded
 * even if a hook call was missed). True when the timer ran out. Called
 * and returns with the lock held. */
static bool wait_for_work(store_checkpointer *checkpointer)
{
    if (checkpointer->wanted || checkpointer->stopping)
        return false;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    if (checkpointer->holding) {
        deadline.tv_nsec += STORE_CHECKPOINT_QUIET_MS * 1000000L;
        deadline.tv_sec += deadline.tv_nsec / 1000000000L;
        deadline.tv_nsec %= 1000000000L;
    } else {
        deadline.tv_sec += STORE_CHECKPOINT_FALLBACK_SECONDS;
    }
    int waited = 0;
    while (!checkpointer->wanted && !checkpointer->stopping && waited != ETIMEDOUT)
        waited = pthread_cond_timedwait(&checkpointer->wake, &checkpointer->lock, &deadline);
    return !checkpointer->wanted;
}

static void *run_checkpointer(void *argument)
{
    store_checkpointer *checkpointer = argument;
    lower_own_priority();
    pthread_mutex_lock(&checkpointer->lock);
    while (!checkpointer->stopping) {
        bool quiet = wait_for_work(checkpointer);
        if (checkpointer->stopping)
            break;
        checkpointer->wanted = false;
        checkpointer->fresh = 0; /* this pass copies them */
        int restart_pages = checkpointer->restart_pages;
        pthread_mutex_unlock(&checkpointer->lock);
        checkpoint_pass(checkpointer, restart_pages, quiet);
        pthread_mutex_lock(&checkpointer->lock);
        /* A batch committed during the pass (some of it maybe copied by
         * it) asks for the next one. */
        checkpointer->wanted = checkpointer->fresh >= checkpointer->pages;
    }
    pthread_mutex_unlock(&checkpointer->lock);
    let_reader_go(checkpointer);
    return NULL;
}

static void free_checkpointer(store_checkpointer *checkpointer)
{
    store_close(checkpointer->reader);
    store_close(checkpointer->connection);
    pthread_mutex_destroy(&checkpointer->lock);
    pthread_cond_destroy(&checkpointer->wake);
    free(checkpointer);
}

store_checkpointer *store_checkpointer_start(const char *path, sqlite3 *const *connections,
                                             size_t count, fair_lock *writers)
{
    store_checkpointer *checkpointer = calloc(1, sizeof *checkpointer);
    if (!checkpointer || store_open(path, &checkpointer->connection) != CV_OK) {
        free(checkpointer);
        log_warning("database: no checkpoint thread; SQLite checkpoints inline");
        return NULL;
    }
    /* Without its reader the thread copies as before: every pass to the
     * end, with the database's fsync. */
    if (store_open(path, &checkpointer->reader) != CV_OK)
        checkpointer->reader = NULL;
    /* A RESTART waits for the write lock and for readers, 100 tries (20 ms
     * on an idle machine): the writers wait meanwhile, and the reader it
     * waits for may be another process's, which lets it go at that
     * process's next pass, after a commit of its own (which this RESTART
     * blocks) or STORE_CHECKPOINT_QUIET_MS. A pass that gives up leaves it
     * to the next; no commit waits long. */
    sqlite3_busy_handler(checkpointer->connection, store_retry_soon,
                         (void *)(intptr_t)STORE_CHECKPOINT_RESTART_TRIES);
    checkpointer->writers = writers;
    checkpointer->pages = STORE_CHECKPOINT_PAGES;
    checkpointer->restart_pages = STORE_CHECKPOINT_RESTART_PAGES;
    pthread_mutex_init(&checkpointer->lock, NULL);
    pthread_cond_init(&checkpointer->wake, NULL);
    /* The thread must never take the daemons' shutdown signals. */
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    int created = pthread_create(&checkpointer->thread, NULL, run_checkpointer, checkpointer);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (created != 0) {
        free_checkpointer(checkpointer);
        log_warning("database: no checkpoint thread; SQLite checkpoints inline");
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        sqlite3_wal_autocheckpoint(connections[i], 0);
        sqlite3_wal_hook(connections[i], wal_grew, checkpointer);
    }
    return checkpointer;
}

void store_checkpointer_stop(store_checkpointer *checkpointer, sqlite3 *const *connections,
                             size_t count)
{
    if (!checkpointer)
        return;
    for (size_t i = 0; i < count; i++)
        sqlite3_wal_hook(connections[i], NULL, NULL);
    pthread_mutex_lock(&checkpointer->lock);
    checkpointer->stopping = true;
    pthread_cond_signal(&checkpointer->wake);
    pthread_mutex_unlock(&checkpointer->lock);
    pthread_join(checkpointer->thread, NULL);
    free_checkpointer(checkpointer);
}

unsigned long store_checkpointer_passes(store_checkpointer *checkpointer)
{
    return checkpointer ? atomic_load(&checkpointer->done) : 0;
}

void store_checkpointer_tune(store_checkpointer *checkpointer, int pages, int restart_pages)
{
    if (!checkpointer)
        return;
    pthread_mutex_lock(&checkpointer->lock);
    checkpointer->pages = pages;
    checkpointer->restart_pages = restart_pages;
    pthread_mutex_unlock(&checkpointer->lock);
}
