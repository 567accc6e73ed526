/*
 * lifecycle.c - meetings on the bridges, on time (see lifecycle.h).
 *
 * Owns: the timer service, a queue of jobs (start, end, refresh, poll,
 * resume) served by worker threads, the rule that one booking is worked
 * on by one worker at a time, the CMS request sequences of a meeting's
 * life and every state change after booking:
 *
 *   scheduled --start--> starting --call made--> live --end--> ending --> ended
 *            \-- unreachable everywhere until the end / no slot --> failed
 *
 * Starts that fall due together on one bridge share one survey and one
 * confirmation (the seed's order for a single meeting, and a bounded number
 * of requests for a thousand); their requests run a few at a time and
 * their database writes are one transaction per phase. The space and secret
 * are stored before the space is opened, calls and legs right after the
 * phase that made them, and what a crash in between leaves on the bridge is
 * adopted (matched by space, by stored leg ID, else by remote party)
 * rather than made again,
 * so a restart resumes without a second call, a second dial-out or a space
 * left open.
 *
 * Does not own: validation and capacity (booking.c, slots.c), the HTTP
 * client (cms_client.c), the addresses of a bridge (bridges.c), tickets'
 * rows (tickets.c).
 */
#include "scheduler/lifecycle.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/ids.h"
#include "common/log.h"
#include "common/sleep.h"
#include "common/store.h"
#include "common/strbuf.h"
#include "common/text.h"
#include "scheduler/booking.h"
#include "scheduler/bridges.h"
#include "scheduler/cms_client.h"
#include "scheduler/cms_views.h"
#include "scheduler/db_slot_spaces.h"
#include "scheduler/slots.h"
#include "scheduler/tickets.h"
#include "scheduler/timers.h"

#define TAG_START 1
#define TAG_END   2
#define TAG_POLL  3

#define WORKER_COUNT 8
/* participant polls: while a dial-out is in progress or due again, and
 * otherwise (who is connected, is the bridge alive) */
#define POLL_INTERVAL_MS 1000
#define POLL_IDLE_MS     5000
/* a start or an end that found no bridge address answering is tried again */
#define RETRY_UNREACHABLE_MS 5000
/* starts due together are gathered until none has come for this long */
#define GATHER_MS                         10
#define BATCH_MAX                         2000
#define UNREACHABLE_POLLS_BEFORE_FAILOVER 3

typedef enum { JOB_START, JOB_END, JOB_REFRESH, JOB_POLL, JOB_RESUME } job_kind;

typedef struct job {
    job_kind kind;
    bool forced; /* END: now, whatever the clock says (POST /end, cancel) */
    char booking_id[ID_TEXT_SIZE];
    struct job *next;
} job;

typedef struct {
    char bridge_id[ID_TEXT_SIZE];
    pthread_mutex_t lock;
} bridge_lock;

typedef struct {
    char booking_id[ID_TEXT_SIZE];
    int failures;
} unreachable_count;

typedef struct {
    scheduler *daemon;
    timer_service *timers;
    /* `lock` guards the queue, `busy`, `stopping`, `bridge_locks` and
     * `unreachable`; `work` signals a new job or a booking set free. */
    pthread_mutex_t lock;
    pthread_cond_t work;
    job *head, *tail;
    char (*busy)[ID_TEXT_SIZE];
    size_t busy_count, busy_capacity;
    bool stopping;
    bool gathering; /* a worker is collecting due starts into one batch */
    bridge_lock **bridge_locks;
    size_t bridge_lock_count;
    unreachable_count *unreachable;
    size_t unreachable_count_used, unreachable_capacity;
    pthread_t workers[WORKER_COUNT];
    size_t worker_count;
} lifecycle;

static int64_t now_seconds(void)
{
    return timer_realtime_now_ms() / 1000;
}

/* The daemon is shutting down: requests in flight are cancelled (they
 * answer CV_ERR_BUSY) and nothing may be concluded from their failure;
 * the restart reconciles. */
static bool shutting_down(const lifecycle *machine)
{
    return atomic_load(&machine->daemon->stopping);
}

/* --- queue ----------------------------------------------------------- */

static bool is_busy_locked(lifecycle *machine, const char *booking_id)
{
    for (size_t index = 0; index < machine->busy_count; index++)
        if (strcmp(machine->busy[index], booking_id) == 0)
            return true;
    return false;
}

static bool mark_busy_locked(lifecycle *machine, const char *booking_id)
{
    if (machine->busy_count == machine->busy_capacity) {
        size_t capacity = machine->busy_capacity ? machine->busy_capacity * 2 : 64;
        char(*grown)[ID_TEXT_SIZE] = realloc(machine->busy, capacity * sizeof *grown);
        if (grown == NULL)
            return false;
        machine->busy = grown;
        machine->busy_capacity = capacity;
    }
    snprintf(machine->busy[machine->busy_count++], ID_TEXT_SIZE, "%s", booking_id);
    return true;
}

static void release_busy(lifecycle *machine, const char *booking_id)
{
    pthread_mutex_lock(&machine->lock);
    for (size_t index = 0; index < machine->busy_count; index++) {
        if (strcmp(machine->busy[index], booking_id) == 0) {
            memmove(machine->busy[index], machine->busy[machine->busy_count - 1], ID_TEXT_SIZE);
            machine->busy_count--;
            break;
        }
    }
    pthread_cond_broadcast(&machine->work);
    pthread_mutex_unlock(&machine->lock);
}

static void enqueue(lifecycle *machine, job_kind kind, const char *booking_id, bool forced)
{
    pthread_mutex_lock(&machine->lock);
    for (job *queued = machine->head; queued != NULL; queued = queued->next) {
        if (queued->kind == kind && strcmp(queued->booking_id, booking_id) == 0) {
            queued->forced = queued->forced || forced;
            pthread_mutex_unlock(&machine->lock);
            return;
        }
    }
    job *item = calloc(1, sizeof *item);
    if (item == NULL) {
        pthread_mutex_unlock(&machine->lock);
        log_error("lifecycle: out of memory queueing work for booking %s", booking_id);
        return;
    }
    item->kind = kind;
    item->forced = forced;
    snprintf(item->booking_id, sizeof item->booking_id, "%s", booking_id);
    if (machine->tail)
        machine->tail->next = item;
    else
        machine->head = item;
    machine->tail = item;
    pthread_cond_signal(&machine->work);
    pthread_mutex_unlock(&machine->lock);
}

/* Unlinks and returns the first job whose booking nobody works on; the
 * booking is marked busy. NULL when there is none. While a worker gathers
 * starts into a batch, other workers leave start jobs to it. Lock held. */
static job *take_job_locked(lifecycle *machine, job_kind *only_kind)
{
    job *previous = NULL;
    for (job *item = machine->head; item != NULL; previous = item, item = item->next) {
        if (only_kind != NULL && item->kind != *only_kind)
            continue;
        if (only_kind == NULL && item->kind == JOB_START && machine->gathering)
            continue;
        if (is_busy_locked(machine, item->booking_id))
            continue;
        if (!mark_busy_locked(machine, item->booking_id))
            return NULL;
        if (previous)
            previous->next = item->next;
        else
            machine->head = item->next;
        if (machine->tail == item)
            machine->tail = previous;
        item->next = NULL;
        return item;
    }
    return NULL;
}

static void timer_fired(void *context, const char *key, int tag)
{
    lifecycle *machine = context;
    job_kind kind = tag == TAG_START ? JOB_START : tag == TAG_END ? JOB_END : JOB_POLL;
    enqueue(machine, kind, key, false);
}

static void arm(lifecycle *machine, const char *booking_id, int tag, int64_t wall_ms)
{
    cv_result result =
        timer_schedule(machine->timers, wall_ms, timer_fired, machine, booking_id, tag, NULL);
    if (result != CV_OK)
        log_error("lifecycle: cannot arm a timer for booking %s: %s", booking_id,
                  cv_result_name(result));
}

static void rearm(lifecycle *machine, const char *booking_id, int tag, int64_t wall_ms)
{
    timer_cancel(machine->timers, booking_id, tag);
    arm(machine, booking_id, tag, wall_ms);
}

/* --- small persistence helpers -------------------------------------- */

static cv_result run_update(sqlite3 *database, sqlite3_stmt *statement)
{
    int code = sqlite3_step(statement);
    store_statement_done(statement);
    (void)database;
    return code == SQLITE_DONE ? CV_OK : store_result(code);
}

/* The space, slot, secret and address a start is about to use. */
static cv_result persist_start_choice(sqlite3 *database, const booking *record)
{
    sqlite3_stmt *statement = NULL;
    int code = store_prepare(
        database,
        "UPDATE bookings SET state = 'starting', holds_capacity = 1, cospace_id = ?2, slot = ?3,"
        " secret = ?4, used_address = ?5, slot_note = ?6, failure = NULL, updated = ?7"
        " WHERE id = ?1",
        &statement);
    if (code != SQLITE_OK)
        return store_result(code);
    sqlite3_bind_text(statement, 1, record->id, -1, SQLITE_STATIC);
    store_bind_text_or_null(statement, 2, record->cospace_id);
    sqlite3_bind_int64(statement, 3, record->slot);
    store_bind_text_or_null(statement, 4, record->secret);
    store_bind_text_or_null(statement, 5, record->started_via);
    store_bind_text_or_null(statement, 6, record->slot_note);
    sqlite3_bind_int64(statement, 7, now_seconds());
    return run_update(database, statement);
}

static cv_result persist_call(sqlite3 *database, const char *booking_id, const char *call_id,
                              const char *address)
{
    sqlite3_stmt *statement = NULL;
    int code = store_prepare(
        database, "UPDATE bookings SET call_id = ?2, used_address = ?3, updated = ?4 WHERE id = ?1",
        &statement);
    if (code != SQLITE_OK)
        return store_result(code);
    sqlite3_bind_text(statement, 1, booking_id, -1, SQLITE_STATIC);
    store_bind_text_or_null(statement, 2, call_id);
    store_bind_text_or_null(statement, 3, address);
    sqlite3_bind_int64(statement, 4, now_seconds());
    return run_update(database, statement);
}

static cv_result persist_failure_note(sqlite3 *database, const char *booking_id,
                                      const char *failure)
{
    sqlite3_stmt *statement = NULL;
    int code = store_prepare(
        database, "UPDATE bookings SET failure = ?2, updated = ?3 WHERE id = ?1", &statement);
    if (code != SQLITE_OK)
        return store_result(code);
    sqlite3_bind_text(statement, 1, booking_id, -1, SQLITE_STATIC);
    store_bind_text_or_null(statement, 2, failure);
    sqlite3_bind_int64(statement, 3, now_seconds());
    return run_update(database, statement);
}

static cv_result persist_participant(sqlite3 *database, const char *booking_id, size_t position,
                                     const booking_participant *participant)
{
    sqlite3_stmt *statement = NULL;
    int code = store_prepare(
        database,
        "UPDATE participants SET state = ?3, call_leg_id = ?4, attempts = ?5, state_since = ?6,"
        " next_attempt = ?7 WHERE booking_id = ?1 AND position = ?2 AND uri = ?8",
        &statement);
    if (code != SQLITE_OK)
        return store_result(code);
    sqlite3_bind_text(statement, 1, booking_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 2, (int64_t)position);
    sqlite3_bind_text(statement, 3, participant->state, -1, SQLITE_STATIC);
    store_bind_text_or_null(statement, 4, participant->call_leg_id);
    sqlite3_bind_int64(statement, 5, participant->attempts);
    sqlite3_bind_int64(statement, 6, participant->state_since);
    sqlite3_bind_int64(statement, 7, participant->next_attempt);
    sqlite3_bind_text(statement, 8, participant->uri, -1, SQLITE_STATIC);
    return run_update(database, statement);
}

/* Copies an object ID the bridge gave; false when it cannot be one. */
static bool copy_object_id(char destination[ID_TEXT_SIZE], const char *source)
{
    size_t length = strlen(source);
    if (length == 0 || length >= ID_TEXT_SIZE)
        return false;
    memcpy(destination, source, length + 1);
    return true;
}

/* The same writes for callers that can only report a failure. */
static void note_failure(sqlite3 *database, const char *booking_id, const char *failure)
{
    if (persist_failure_note(database, booking_id, failure) != CV_OK)
        log_error("booking %s: cannot store its failure note", booking_id);
}

static void forget_call(sqlite3 *database, const booking *record)
{
    if (persist_call(database, record->id, NULL, record->started_via) != CV_OK)
        log_error("booking %s: cannot store that its call is gone", record->id);
}

static void set_participant_state(booking_participant *participant, const char *state)
{
    if (strcmp(participant->state, state) != 0) {
        snprintf(participant->state, sizeof participant->state, "%s", state);
        participant->state_since = now_seconds();
    }
}

/* Every participant to `state` (meeting over, or not started). */
static void persist_all_participants(sqlite3 *database, booking *record, const char *state)
{
    for (size_t index = 0; index < record->participant_count; index++) {
        set_participant_state(&record->participants[index], state);
        record->participants[index].call_leg_id[0] = '\0';
        record->participants[index].next_attempt = 0;
        if (persist_participant(database, record->id, index, &record->participants[index]) != CV_OK)
            log_warning("booking %s: could not store a participant's state", record->id);
    }
}

static void set_state(sqlite3 *database, booking *record, const char *state, const char *failure)
{
    cv_result result = booking_set_state(database, record->id, state, failure);
    if (result != CV_OK) {
        log_error("booking %s: cannot store state %s: %s", record->id, state,
                  cv_result_name(result));
        return;
    }
    snprintf(record->state, sizeof record->state, "%s", state);
    log_info("booking %s: %s%s%s", record->id, state, failure ? ": " : "", failure ? failure : "");
}

/* --- bridge addresses ------------------------------------------------ */

static bridge_lock *lock_for_bridge(lifecycle *machine, const char *bridge_id)
{
    pthread_mutex_lock(&machine->lock);
    for (size_t index = 0; index < machine->bridge_lock_count; index++) {
        if (strcmp(machine->bridge_locks[index]->bridge_id, bridge_id) == 0) {
            bridge_lock *found = machine->bridge_locks[index];
            pthread_mutex_unlock(&machine->lock);
            return found;
        }
    }
    bridge_lock *created = calloc(1, sizeof *created);
    bridge_lock **grown =
        created ? realloc(machine->bridge_locks, (machine->bridge_lock_count + 1) * sizeof *grown)
                : NULL;
    if (grown == NULL) {
        free(created);
        pthread_mutex_unlock(&machine->lock);
        return NULL;
    }
    machine->bridge_locks = grown;
    snprintf(created->bridge_id, sizeof created->bridge_id, "%s", bridge_id);
    pthread_mutex_init(&created->lock, NULL);
    machine->bridge_locks[machine->bridge_lock_count++] = created;
    pthread_mutex_unlock(&machine->lock);
    return created;
}

/* Counts consecutive unreachable polls of a live meeting; returns the new
 * count (0 after a reset). */
static int count_unreachable(lifecycle *machine, const char *booking_id, bool reset)
{
    pthread_mutex_lock(&machine->lock);
    int count = 0;
    size_t index = 0;
    for (; index < machine->unreachable_count_used; index++)
        if (strcmp(machine->unreachable[index].booking_id, booking_id) == 0)
            break;
    if (reset) {
        if (index < machine->unreachable_count_used)
            machine->unreachable[index] = machine->unreachable[--machine->unreachable_count_used];
    } else {
        if (index == machine->unreachable_count_used) {
            if (machine->unreachable_count_used == machine->unreachable_capacity) {
                size_t capacity =
                    machine->unreachable_capacity ? machine->unreachable_capacity * 2 : 16;
                unreachable_count *grown = realloc(machine->unreachable, capacity * sizeof *grown);
                if (grown == NULL) {
                    pthread_mutex_unlock(&machine->lock);
                    return 1;
                }
                machine->unreachable = grown;
                machine->unreachable_capacity = capacity;
            }
            memset(&machine->unreachable[index], 0, sizeof machine->unreachable[index]);
            snprintf(machine->unreachable[index].booking_id, ID_TEXT_SIZE, "%s", booking_id);
            machine->unreachable_count_used++;
        }
        count = ++machine->unreachable[index].failures;
    }
    pthread_mutex_unlock(&machine->lock);
    return count;
}

/* The order to try a bridge's addresses in: `preferred` (the address a
 * meeting runs through) first when it is one of them. */
static void order_endpoints(bridge_endpoints *endpoints, const char *preferred)
{
    if (preferred == NULL || preferred[0] == '\0')
        return;
    for (size_t index = 1; index < endpoints->count; index++) {
        if (cms_address_same_endpoint(endpoints->items[index].address, preferred)) {
            cms_endpoint chosen = endpoints->items[index];
            memmove(&endpoints->items[1], &endpoints->items[0], index * sizeof chosen);
            endpoints->items[0] = chosen;
            return;
        }
    }
}

/* --- what a bridge has --------------------------------------------- */

static void placeholder_name(const bridge_record *bridge, int64_t slot, char *out, size_t size)
{
    snprintf(out, size, "%s%lld",
             bridge->slot_name_prefix ? bridge->slot_name_prefix : SCHEDULER_DEFAULT_SLOT_PREFIX,
             (long long)slot);
}

/* One space as a start looked at it: the space, and whether a call is on
 * it (only asked when some call may exist). */
typedef struct {
    cms_space space;
    bool found;                       /* the bridge has it */
    char existing_call[ID_TEXT_SIZE]; /* a call on it; "" none or not asked */
} space_look;

/* Why a slot's space cannot take a meeting now; NULL when it can.
 * `own_cospace`: the space the meeting already has (resumed), always fine. */
static const char *space_busy_reason(const bridge_record *bridge, const space_look *look,
                                     bool claimed, const char *own_cospace)
{
    if (!look->found)
        return "its space does not exist on the bridge";
    if (claimed)
        return "another meeting starting now took it";
    if (own_cospace != NULL && strcasecmp(look->space.id, own_cospace) == 0)
        return NULL;
    char placeholder[160];
    placeholder_name(bridge, look->space.call_id, placeholder, sizeof placeholder);
    if (strcmp(look->space.name, placeholder) != 0)
        return "its space is not named as a free slot";
    if (look->space.non_member_access)
        return "its space is open to non-members";
    if (look->existing_call[0] != '\0')
        return "its space has a call";
    return NULL;
}

/* Reads the space `known_id` (when given) and, when that fails to be the
 * space of `slot`, finds the slot's space by its call ID; *learnt says the
 * latter found it (the caller remembers the ID). Then, when `want_calls`,
 * the first call on it. Unreachable results are passed back. */
static cv_result look_at_space(cms_client *client, const char *known_id, int64_t slot,
                               bool want_calls, space_look *look, bool *learnt, char *error,
                               size_t error_size)
{
    cms_space_clear(&look->space);
    look->found = false;
    look->existing_call[0] = '\0';
    *learnt = false;
    cv_result result = CV_ERR_NOT_FOUND;
    if (known_id != NULL && known_id[0] != '\0')
        result = cms_space_get(client, known_id, &look->space, error, error_size);
    if (result == CV_OK && (slot < 0 || look->space.call_id == slot))
        look->found = true;
    else if (result == CV_OK || result == CV_ERR_NOT_FOUND) {
        result = CV_OK;
        if (slot >= 0) {
            result = cms_space_find_by_call_id(client, slot, &look->space, &look->found, error,
                                               error_size);
            *learnt = look->found;
        }
    }
    if (result != CV_OK || !look->found || !want_calls)
        return result;
    cms_call_list calls = {0};
    result = cms_calls_list(client, look->space.id, &calls, error, error_size);
    if (result == CV_OK && calls.count > 0)
        snprintf(look->existing_call, sizeof look->existing_call, "%s", calls.items[0].id);
    cms_call_list_free(&calls);
    return result;
}

/* --- start ----------------------------------------------------------- */

typedef struct {
    booking record;
    bool done;           /* live, failed or handed on: nothing more to do here */
    bool resumed;        /* it had a space already (restart, failover) */
    bool new_call;       /* the call was created by this start */
    bool opened;         /* its space was PUT and it has a call on this attempt */
    const char *refusal; /* the bridge refused it: why (static text) */
    /* the survey: the space it has or was booked on, as the bridge has it */
    char known_space[ID_TEXT_SIZE]; /* its ID, stored or learnt before; "" unknown */
    space_look look;
    bool learnt; /* look found the space by call ID: remember its ID */
} start_item;

static cv_result put_space_open(cms_client *client, const booking *record)
{
    char path[96];
    snprintf(path, sizeof path, "/coSpaces/%s", record->cospace_id);
    const cms_field fields[] = {
        {"nonMemberAccess", "true"},
        {"passcode", record->has_passcode ? record->passcode : ""},
        {"name", record->title ? record->title : ""},
        {"secret", record->secret},
    };
    cms_response response = {0};
    cv_result result = cms_put(client, path, fields, 4, &response);
    if (result != CV_OK)
        log_warning("booking %s: PUT %s: %s", record->id, path, response.error);
    cms_response_free(&response);
    return result;
}

static cv_result get_simple(cms_client *client, const char *path, int64_t *total, char *error,
                            size_t size)
{
    cms_response response = {0};
    cv_result result = cms_get(client, path, &response);
    if (result != CV_OK)
        snprintf(error, size, "%s", response.error);
    if (total != NULL)
        *total = result == CV_OK && response.document ? cms_xml_total(response.document) : -1;
    cms_response_free(&response);
    return result;
}

/* True when another item of the batch (not `self`) already uses the space. */
static bool claimed_by_other(const start_item *items, size_t count, const start_item *self,
                             const char *cospace_id)
{
    for (size_t index = 0; index < count; index++) {
        const start_item *other = &items[index];
        if (other != self && !other->done && other->record.cospace_id[0] != '\0' &&
            strcasecmp(other->record.cospace_id, cospace_id) == 0)
            return true;
    }
    return false;
}

/* What choosing a space needs besides the item. */
typedef struct {
    sqlite3 *database;
    const bridge_record *bridge;
    cms_client *client;
    start_item *items; /* the batch: spaces claimed by the others */
    size_t count;
    bool want_calls; /* ask for the calls on a space (some call may exist) */
} space_choice;

/* The lowest slot other than the booked one that is free both in the
 * bookings over the rest of the meeting and on the bridge (asked for
 * exactly that slot's space). Runs inside the transaction that stores the
 * choice, so the bookings check and the write are one; the bridge is only
 * asked about slots the bookings leave free, which is rare: the booked
 * slot was in use on the bridge. *found false when none is. */
static cv_result find_other_slot(const space_choice *choice, start_item *item, space_look *look,
                                 int64_t *slot_out, bool *found)
{
    const bridge_record *bridge = choice->bridge;
    booking *record = &item->record;
    int64_t base =
        bridge->has_provisioned_range ? bridge->provisioned_base : bridge->numeric_id_base;
    int64_t quantity =
        bridge->has_provisioned_range ? bridge->provisioned_quantity : bridge->numeric_id_quantity;
    slot_window window = {now_seconds(), record->end, record->id};
    *found = false;
    for (int64_t slot = base; slot < base + quantity; slot++) {
        if (slot == record->slot)
            continue;
        bool free_in_bookings = false;
        cv_result result =
            slots_is_free(choice->database, bridge->id, slot, &window, &free_in_bookings);
        if (result != CV_OK)
            return result;
        if (!free_in_bookings)
            continue;
        char known[ID_TEXT_SIZE] = "";
        if (db_slot_space_find(choice->database, bridge->id, slot, known) == CV_ERR_STORE)
            return CV_ERR_STORE;
        bool learnt = false;
        char error[512] = "";
        result = look_at_space(choice->client, known, slot, choice->want_calls, look, &learnt,
                               error, sizeof error);
        if (result != CV_OK)
            return result;
        if (learnt)
            db_slot_space_remember(choice->database, bridge->id, slot, look->space.id);
        bool claimed =
            look->found && claimed_by_other(choice->items, choice->count, item, look->space.id);
        if (space_busy_reason(bridge, look, claimed, NULL) != NULL)
            continue;
        *slot_out = slot;
        *found = true;
        return CV_OK;
    }
    return CV_OK;
}

/* Chooses the space for a meeting that has none yet: its booked slot, or
 * the lowest slot free both on the bridge and in the bookings over the
 * rest of the meeting. Records why it moved. */
static cv_result choose_space(const space_choice *choice, start_item *item, char *why,
                              size_t why_size)
{
    booking *record = &item->record;
    bool claimed = item->look.found &&
                   claimed_by_other(choice->items, choice->count, item, item->look.space.id);
    const char *reason = space_busy_reason(choice->bridge, &item->look, claimed, NULL);
    if (reason == NULL) {
        snprintf(record->cospace_id, sizeof record->cospace_id, "%s", item->look.space.id);
        return CV_OK;
    }
    space_look other = {.space = {.call_id = -1}};
    int64_t slot = -1;
    bool found = false;
    cv_result result = find_other_slot(choice, item, &other, &slot, &found);
    if (result != CV_OK || !found) {
        cms_space_clear(&other.space);
        if (result != CV_OK)
            return result;
        snprintf(why, why_size,
                 "no free slot on the bridge: booked slot %lld %s and every other slot "
                 "is in use or booked",
                 (long long)record->slot, reason);
        return CV_ERR_CONFLICT;
    }
    char *note = NULL;
    if (asprintf(&note,
                 "booked slot %lld was in use on the bridge (%s); the meeting runs on slot %lld",
                 (long long)record->slot, reason, (long long)slot) < 0) {
        cms_space_clear(&other.space);
        return CV_ERR_NO_MEMORY;
    }
    free(record->slot_note);
    record->slot_note = note;
    record->slot = slot;
    snprintf(record->cospace_id, sizeof record->cospace_id, "%s", other.space.id);
    cms_space_clear(&item->look.space);
    item->look = other; /* the space it runs on, with its call if any */
    return CV_OK;
}

/* POST /calls/<call>/callLegs for one participant; the outcome goes into
 * the participant (not stored). Returns the request's result. */
static cv_result dial_request(const scheduler_options *options, cms_client *client, booking *record,
                              size_t index)
{
    booking_participant *participant = &record->participants[index];
    char path[128];
    snprintf(path, sizeof path, "/calls/%s/callLegs", record->call_id);
    const cms_field fields[] = {{"remoteParty", participant->uri}};
    cms_response response = {0};
    cv_result result = cms_post(client, path, fields, 1, &response);
    participant->attempts++;
    participant->next_attempt = 0;
    if (result == CV_OK && copy_object_id(participant->call_leg_id, response.location_id)) {
        set_participant_state(participant, PARTICIPANT_DIALING);
    } else {
        log_warning("booking %s: dial-out to %s: %s", record->id, participant->uri, response.error);
        participant->call_leg_id[0] = '\0';
        set_participant_state(participant, PARTICIPANT_FAILED);
        if (participant->attempts <= options->dial_out_retries)
            participant->next_attempt = now_seconds() + options->dial_out_retry_seconds;
        if (result == CV_OK)
            result = CV_ERR_PROTOCOL;
    }
    cms_response_free(&response);
    return result;
}

/* How soon to look at a live meeting again. */
static int64_t next_poll_ms(const booking *record)
{
    for (size_t index = 0; index < record->participant_count; index++) {
        const booking_participant *participant = &record->participants[index];
        if (!participant->dial_out)
            continue;
        if (participant->next_attempt != 0 ||
            strcmp(participant->state, PARTICIPANT_PENDING) == 0 ||
            strcmp(participant->state, PARTICIPANT_DIALING) == 0 ||
            strcmp(participant->state, PARTICIPANT_RINGING) == 0)
            return timer_realtime_now_ms() + POLL_INTERVAL_MS;
    }
    return timer_realtime_now_ms() + POLL_IDLE_MS;
}

static void store_participant(sqlite3 *database, const booking *record, size_t index)
{
    if (persist_participant(database, record->id, index, &record->participants[index]) != CV_OK)
        log_warning("booking %s: could not store the state of %s", record->id,
                    record->participants[index].uri);
}

/* The leg `leg_id` (of call `call_id` unless that is NULL: a list of one
 * call's legs); NULL when absent or leg_id is "". */
static const cms_leg *leg_by_id(const cms_leg_list *legs, const char *call_id, const char *leg_id)
{
    if (leg_id[0] == '\0')
        return NULL;
    for (size_t index = 0; index < legs->count; index++)
        if (strcasecmp(legs->items[index].id, leg_id) == 0 &&
            (call_id == NULL || strcasecmp(legs->items[index].call, call_id) == 0))
            return &legs->items[index];
    return NULL;
}

static const cms_leg *leg_for_party(const cms_leg_list *legs, const char *call_id, const char *uri)
{
    char wanted[BOOKING_URI_MAX + 1], seen[BOOKING_URI_MAX + 1];
    booking_uri_key(uri, wanted, sizeof wanted);
    for (size_t index = 0; index < legs->count; index++) {
        if (strcasecmp(legs->items[index].call, call_id) != 0)
            continue;
        booking_uri_key(legs->items[index].remote_party, seen, sizeof seen);
        if (strcmp(wanted, seen) == 0)
            return &legs->items[index];
    }
    return NULL;
}

/* --- the parallel phases of a start ---------------------------------- */

/* One phase of a start run over many meetings by a few threads (as many
 * as the bridge takes requests at once). The threads only talk to the
 * bridge and write into their own item; the database is written by the
 * caller afterwards, in one transaction. */
typedef struct start_phase {
    const scheduler_options *options;
    cms_client *client;
    const cms_leg_list *legs; /* every leg on the bridge (dial phase) */
    bool want_calls;          /* survey: ask which call is on each space */
    start_item *items;
    size_t count;
    void (*step)(struct start_phase *phase, start_item *item);
    _Atomic size_t next;
    /* `lock` guards the first unreachable failure below */
    pthread_mutex_t lock;
    cv_result unreachable;
    char error[512];
} start_phase;

static void phase_unreachable(start_phase *phase, cv_result result, const char *what)
{
    pthread_mutex_lock(&phase->lock);
    if (phase->unreachable == CV_OK) {
        phase->unreachable = result;
        snprintf(phase->error, sizeof phase->error, "%.400s", what);
    }
    pthread_mutex_unlock(&phase->lock);
}

static bool phase_failed(start_phase *phase)
{
    pthread_mutex_lock(&phase->lock);
    bool failed = phase->unreachable != CV_OK;
    pthread_mutex_unlock(&phase->lock);
    return failed;
}

static void *phase_thread(void *argument)
{
    start_phase *phase = argument;
    for (;;) {
        size_t index = atomic_fetch_add(&phase->next, 1);
        if (index >= phase->count || phase_failed(phase))
            return NULL;
        start_item *item = &phase->items[index];
        if (!item->done && item->refusal == NULL)
            phase->step(phase, item);
    }
}

#define PHASE_MAX_THREADS 16

/* Runs `step` over every item; CV_OK unless the address stopped answering. */
static cv_result run_phase(start_phase *phase, char *error, size_t error_size)
{
    atomic_store(&phase->next, 0);
    phase->unreachable = CV_OK;
    phase->error[0] = '\0';
    pthread_mutex_init(&phase->lock, NULL);
    size_t wanted =
        phase->options->cms_max_in_flight > 0 ? (size_t)phase->options->cms_max_in_flight : 4;
    if (wanted > PHASE_MAX_THREADS)
        wanted = PHASE_MAX_THREADS;
    if (wanted > phase->count)
        wanted = phase->count;
    pthread_t threads[PHASE_MAX_THREADS];
    size_t started = 0;
    for (; started + 1 < wanted; started++)
        if (pthread_create(&threads[started], NULL, phase_thread, phase) != 0)
            break;
    phase_thread(phase); /* this thread works too */
    for (size_t index = 0; index < started; index++)
        pthread_join(threads[index], NULL);
    pthread_mutex_destroy(&phase->lock);
    if (phase->unreachable != CV_OK)
        snprintf(error, error_size, "%s", phase->error);
    return phase->unreachable;
}

/* Phase 1: open the space and make (or adopt) the call. */
static void open_step(start_phase *phase, start_item *item)
{
    booking *record = &item->record;
    cv_result result = put_space_open(phase->client, record);
    if (result != CV_OK) {
        if (cms_result_is_unreachable(result) || result == CV_ERR_BUSY)
            phase_unreachable(phase, result, "PUT /coSpaces: no answer");
        else
            item->refusal = "the bridge refused to open the space";
        return;
    }
    /* one call per meeting: adopt the call already on the space */
    const space_look *look = &item->look;
    if (look->found && look->existing_call[0] != '\0' &&
        strcasecmp(look->space.id, record->cospace_id) == 0) {
        snprintf(record->call_id, sizeof record->call_id, "%s", look->existing_call);
        item->new_call = false;
        item->opened = true;
        return;
    }
    const cms_field fields[] = {{"coSpace", record->cospace_id}};
    cms_response response = {0};
    result = cms_post(phase->client, "/calls", fields, 1, &response);
    if (result == CV_OK && copy_object_id(record->call_id, response.location_id)) {
        item->new_call = true;
        item->opened = true;
    } else if (result != CV_OK && (cms_result_is_unreachable(result) || result == CV_ERR_BUSY)) {
        char what[600];
        snprintf(what, sizeof what, "POST /calls: %s", response.error);
        phase_unreachable(phase, result, what);
    } else {
        log_warning("booking %s: POST /calls: %s", record->id,
                    result == CV_OK ? "no call ID in the answer" : response.error);
        item->refusal = "the bridge refused to create the call";
    }
    cms_response_free(&response);
}

/* Phase 2: dial out to every dial-out participant that needs it. */
static void dial_step(start_phase *phase, start_item *item)
{
    booking *record = &item->record;
    if (!item->opened)
        return;
    for (size_t index = 0; index < record->participant_count; index++) {
        booking_participant *participant = &record->participants[index];
        if (!participant->dial_out) {
            if (strcmp(participant->state, PARTICIPANT_PENDING) == 0)
                set_participant_state(participant, PARTICIPANT_WAITING);
            continue;
        }
        /* already dialled before a restart: keep that leg, found by the
         * call leg ID stored when it was made, else (a crash before that
         * store) by its remote party, which the bridge may have rewritten */
        const cms_leg *leg = leg_by_id(phase->legs, record->call_id, participant->call_leg_id);
        if (leg == NULL)
            leg = leg_for_party(phase->legs, record->call_id, participant->uri);
        if (leg != NULL) {
            snprintf(participant->call_leg_id, sizeof participant->call_leg_id, "%s", leg->id);
            continue;
        }
        if (!item->new_call && strcmp(participant->state, PARTICIPANT_PENDING) != 0 &&
            strcmp(participant->state, PARTICIPANT_DIALING) != 0 &&
            strcmp(participant->state, PARTICIPANT_RINGING) != 0)
            continue; /* its outcome is known; polling retries if due */
        if (item->new_call && participant->call_leg_id[0] != '\0') {
            participant->attempts = 0; /* a new call: its old leg went with the old call */
            participant->call_leg_id[0] = '\0';
        }
        cv_result result = dial_request(phase->options, phase->client, record, index);
        if (result != CV_OK && (cms_result_is_unreachable(result) || result == CV_ERR_BUSY)) {
            phase_unreachable(phase, result, "POST /calls/<call>/callLegs: no answer");
            return;
        }
    }
}

/* Stores the outcome of phase 1 for every item in one transaction. */
static void store_opened(sqlite3 *database, start_item *items, size_t count, const char *address)
{
    /* Without a transaction nothing is written: a half-saved phase is worse
     * than none. Items left not done are retried by the caller. */
    if (store_begin(database) != CV_OK) {
        log_error("lifecycle: cannot begin storing the calls just made");
        return;
    }
    for (size_t index = 0; index < count; index++) {
        start_item *item = &items[index];
        if (item->done)
            continue;
        if (item->refusal != NULL) {
            set_state(database, &item->record, BOOKING_FAILED, item->refusal);
            item->done = true;
        } else if (item->opened && persist_call(database, item->record.id, item->record.call_id,
                                                address) != CV_OK) {
            log_error("booking %s: cannot store call %s", item->record.id, item->record.call_id);
        }
    }
    if (store_commit(database) != CV_OK) {
        store_rollback(database);
        log_error("lifecycle: cannot store the calls just made");
    }
}

/* Phase 0, the survey: the space each meeting has or was booked on,
 * asked for exactly (GET /coSpaces/<id>, or ?filter=<call ID> when its ID
 * is not known), and the call on it when some call may exist. */
static void survey_step(start_phase *phase, start_item *item)
{
    char error[512] = "";
    bool want_calls = phase->want_calls || item->resumed;
    cv_result result =
        look_at_space(phase->client, item->known_space, item->resumed ? -1 : item->record.slot,
                      want_calls, &item->look, &item->learnt, error, sizeof error);
    if (result == CV_OK)
        return;
    if (cms_result_is_unreachable(result) || result == CV_ERR_BUSY || result == CV_ERR_AUTH) {
        char what[600];
        snprintf(what, sizeof what, "GET /coSpaces: %s", error);
        phase_unreachable(phase, result, what);
    } else {
        log_warning("booking %s: reading its space: %s", item->record.id, error);
        item->refusal = "the bridge did not answer with the meeting's space";
    }
}

/* Phase 2, the confirmation: the space and its call, as the seed confirms
 * (status, spaces, calls), for exactly this meeting's space. */
static void confirm_step(start_phase *phase, start_item *item)
{
    if (!item->opened)
        return;
    char error[512] = "";
    cms_space space = {.call_id = -1};
    cv_result result =
        cms_space_get(phase->client, item->record.cospace_id, &space, error, sizeof error);
    cms_space_clear(&space);
    cms_call_list calls = {0};
    if (result == CV_OK)
        result =
            cms_calls_list(phase->client, item->record.cospace_id, &calls, error, sizeof error);
    bool listed = false;
    for (size_t index = 0; index < calls.count; index++)
        if (strcasecmp(calls.items[index].id, item->record.call_id) == 0)
            listed = true;
    cms_call_list_free(&calls);
    if (result != CV_OK && (cms_result_is_unreachable(result) || result == CV_ERR_BUSY))
        phase_unreachable(phase, result, error);
    else if (!listed)
        log_warning("booking %s: call %s is not listed by the bridge", item->record.id,
                    item->record.call_id);
}

/* Chooses (or keeps) the space of every meeting of the batch and stores
 * it, with a fresh secret and the address used, before any is opened: one
 * BEGIN IMMEDIATE transaction, so the bookings checked for a free slot
 * and the choice are one. No transaction: nothing is written, CV_ERR_STORE
 * (the caller retries later). */
static cv_result store_choices(const space_choice *choice, const char *address, char *error,
                               size_t error_size)
{
    sqlite3 *database = choice->database;
    if (store_begin(database) != CV_OK) {
        snprintf(error, error_size, "the database cannot begin a transaction");
        return CV_ERR_STORE;
    }
    for (size_t index = 0; index < choice->count; index++) {
        start_item *item = &choice->items[index];
        booking *record = &item->record;
        if (item->done || item->refusal != NULL)
            continue;
        if (item->learnt)
            db_slot_space_remember(database, choice->bridge->id, record->slot, item->look.space.id);
        if (item->resumed && !item->look.found) {
            log_warning("booking %s: its space %s is gone; choosing again", record->id,
                        record->cospace_id);
            record->cospace_id[0] = '\0';
            record->call_id[0] = '\0';
            item->resumed = false;
            /* the slot's own space, if it is still there */
            db_slot_space_forget(database, choice->bridge->id, record->slot);
        }
        if (record->cospace_id[0] == '\0') {
            char why[256] = "";
            cv_result chosen = choose_space(choice, item, why, sizeof why);
            if (chosen == CV_ERR_CONFLICT) {
                persist_all_participants(database, record, PARTICIPANT_LEFT);
                set_state(database, record, BOOKING_FAILED, why);
                item->done = true;
                continue;
            }
            if (chosen != CV_OK) {
                log_error("booking %s: choosing a slot: %s", record->id, cv_result_name(chosen));
                item->refusal = "internal error choosing a slot";
                continue;
            }
            id_generate(record->secret);
        } else if (record->secret[0] == '\0') {
            id_generate(record->secret);
        }
        free(record->started_via);
        record->started_via = text_duplicate(address);
        if (record->started_via == NULL || persist_start_choice(database, record) != CV_OK) {
            log_error("booking %s: cannot store the chosen space", record->id);
            item->refusal = "internal error storing the chosen space";
            continue;
        }
        snprintf(record->state, sizeof record->state, "%s", BOOKING_STARTING);
    }
    if (store_commit(database) != CV_OK) {
        store_rollback(database);
        log_error("lifecycle: cannot store the chosen spaces");
        snprintf(error, error_size, "the database refused the chosen spaces");
        return CV_ERR_STORE;
    }
    return CV_OK;
}

/* Dial-outs placed (or kept), then live: every outcome stored in one
 * transaction, and the end timer and participant poll armed. */
static void store_live(lifecycle *machine, sqlite3 *database, start_item *items, size_t count)
{
    /* no transaction: store nothing and leave the items not done, so the
     * caller retries the start (which resumes the calls already made) */
    bool transaction = store_begin(database) == CV_OK;
    if (!transaction)
        log_error("lifecycle: cannot begin storing the meetings just started");
    for (size_t index = 0; index < count && transaction; index++) {
        start_item *item = &items[index];
        booking *record = &item->record;
        if (item->done || !item->opened)
            continue;
        for (size_t p = 0; p < record->participant_count; p++)
            store_participant(database, record, p);
        set_state(database, record, BOOKING_LIVE, NULL);
        item->done = true;
    }
    if (transaction && store_commit(database) != CV_OK) {
        store_rollback(database);
        log_error("lifecycle: cannot store the meetings just started");
    }
    for (size_t index = 0; index < count; index++) {
        start_item *item = &items[index];
        if (!item->opened || strcmp(item->record.state, BOOKING_LIVE) != 0)
            continue;
        rearm(machine, item->record.id, TAG_END, item->record.end * 1000);
        rearm(machine, item->record.id, TAG_POLL, next_poll_ms(&item->record));
    }
}

/* Before the survey: each meeting's space ID as stored (resumed) or known
 * for its slot, and the per-attempt flags reset. */
static void prepare_items(sqlite3 *database, const bridge_record *bridge, start_item *items,
                          size_t count)
{
    for (size_t index = 0; index < count; index++) {
        start_item *item = &items[index];
        item->opened = false;
        item->refusal = NULL;
        item->learnt = false;
        item->known_space[0] = '\0';
        if (item->done)
            continue;
        item->resumed = item->record.cospace_id[0] != '\0';
        if (item->resumed)
            snprintf(item->known_space, sizeof item->known_space, "%s", item->record.cospace_id);
        else if (db_slot_space_find(database, bridge->id, item->record.slot, item->known_space) !=
                 CV_OK)
            item->known_space[0] = '\0';
    }
}

/*
 * Starts every not-done item of `items` through one client: survey, open
 * spaces, create calls, confirm, dial out. Every request about a space
 * names exactly that space, so a start costs the same however many spaces
 * the bridge has. Returns CV_ERR_NETWORK / CV_ERR_TIMEOUT when the address
 * cannot serve us (the caller fails over); items already live stay done.
 */
static cv_result start_through(lifecycle *machine, sqlite3 *database, const bridge_record *bridge,
                               cms_client *client, const char *address, start_item *items,
                               size_t count, char *error, size_t error_size)
{
    int64_t participants_total = -1;
    int64_t began_ms = timer_monotonic_now_ms();
    cv_result result = get_simple(client, "/system/status", NULL, error, error_size);
    if (result == CV_OK)
        result = get_simple(client, "/participants", &participants_total, error, error_size);
    if (result != CV_OK)
        return result;
    prepare_items(database, bridge, items, count);
    /* which spaces have calls: only asked when some call may exist (the
     * seed's order otherwise) */
    start_phase phase = {.options = &machine->daemon->options,
                         .client = client,
                         .want_calls = participants_total != 0,
                         .items = items,
                         .count = count,
                         .step = survey_step};
    result = run_phase(&phase, error, error_size);
    if (result != CV_OK)
        return result;
    space_choice choice = {database, bridge, client, items, count, participants_total != 0};
    result = store_choices(&choice, address, error, error_size);
    if (result != CV_OK)
        return result;

    int64_t surveyed_ms = timer_monotonic_now_ms();
    phase.step = open_step; /* open the spaces and make the calls */
    result = run_phase(&phase, error, error_size);
    store_opened(database, items, count, address);
    if (result != CV_OK)
        return result;

    int64_t opened_ms = timer_monotonic_now_ms();
    /* confirm, as the seed does: status, the space, its calls */
    result = get_simple(client, "/system/status", NULL, error, error_size);
    phase.step = confirm_step;
    if (result == CV_OK)
        result = run_phase(&phase, error, error_size);
    bool any_dial_out = false;
    for (size_t index = 0; index < count; index++)
        for (size_t p = 0; p < items[index].record.participant_count; p++)
            if (!items[index].done && items[index].opened &&
                items[index].record.participants[p].dial_out)
                any_dial_out = true;
    cms_leg_list legs = {0};
    if (result == CV_OK && any_dial_out)
        result = cms_legs_list(client, "/callLegs", &legs, error, error_size);
    if (result != CV_OK) {
        cms_leg_list_free(&legs);
        return result;
    }

    int64_t confirmed_ms = timer_monotonic_now_ms();
    phase.step = dial_step;
    phase.legs = &legs;
    cv_result dialled = run_phase(&phase, error, error_size);
    store_live(machine, database, items, count);
    cms_leg_list_free(&legs);
    int64_t finished_ms = timer_monotonic_now_ms();
    log_info("lifecycle: %zu meeting(s) through %s: survey %lld ms, open %lld ms, confirm %lld "
             "ms, dial-outs and store %lld ms",
             count, address, (long long)(surveyed_ms - began_ms),
             (long long)(opened_ms - surveyed_ms), (long long)(confirmed_ms - opened_ms),
             (long long)(finished_ms - confirmed_ms));
    if (dialled != CV_OK)
        log_warning("lifecycle: the bridge stopped answering during dial-outs (%s); polling "
                    "will notice and resume",
                    error);
    return CV_OK;
}

static void open_failover_ticket(sqlite3 *database, const bridge_record *bridge, const char *used,
                                 const char *why)
{
    char message[512];
    snprintf(message, sizeof message,
             "%s could not be reached (%s); meetings were started through %s", bridge->address, why,
             used);
    if (tickets_set(database, bridge->id, TICKET_FAILOVER, true, message) != CV_OK)
        log_warning("bridge %s: could not open the failover ticket", bridge->id);
}

/* Starts (or resumes) a group of meetings on one bridge. */
static void start_group(lifecycle *machine, sqlite3 *database, const char *bridge_id,
                        start_item *items, size_t count)
{
    bridge_record bridge;
    memset(&bridge, 0, sizeof bridge);
    cv_result result = bridge_load(database, bridge_id, &bridge);
    if (result != CV_OK) {
        for (size_t index = 0; index < count; index++)
            set_state(database, &items[index].record, BOOKING_FAILED,
                      "the booking's bridge no longer exists");
        return;
    }
    bridge_endpoints endpoints;
    memset(&endpoints, 0, sizeof endpoints);
    result = bridge_endpoints_load(database, &bridge, &endpoints);
    if (result != CV_OK) {
        log_error("bridge %s: cannot list its addresses: %s", bridge_id, cv_result_name(result));
        bridge_record_free(&bridge);
        return;
    }
    /* a meeting already running somewhere keeps that address first */
    for (size_t index = 0; index < count; index++) {
        if (items[index].resumed && items[index].record.started_via) {
            order_endpoints(&endpoints, items[index].record.started_via);
            break;
        }
    }
    bridge_lock *serial = lock_for_bridge(machine, bridge_id);
    if (serial)
        pthread_mutex_lock(&serial->lock);
    strbuf unreachable = STRBUF_INIT;
    size_t used = endpoints.count;
    for (size_t index = 0; index < endpoints.count; index++) {
        cms_client *client = NULL;
        char error[512] = "";
        result = cms_registry_client(machine->daemon->cms, &endpoints.items[index], &client);
        if (result == CV_OK)
            result =
                start_through(machine, database, &bridge, client, endpoints.items[index].address,
                              items, count, error, sizeof error);
        else
            snprintf(error, sizeof error, "unusable address");
        if (result == CV_OK) {
            used = index;
            break;
        }
        log_warning("bridge %s: start through %s failed: %s", bridge_id,
                    endpoints.items[index].address, error);
        strbuf_printf(&unreachable, "%s%s: %s", unreachable.length ? "; " : "",
                      endpoints.items[index].address, error);
        if ((!cms_result_is_unreachable(result) && result != CV_ERR_AUTH) || shutting_down(machine))
            break;
    }
    if (serial)
        pthread_mutex_unlock(&serial->lock);
    if (shutting_down(machine)) {
        strbuf_free(&unreachable);
        bridge_endpoints_free(&endpoints);
        bridge_record_free(&bridge);
        return;
    }
    if (used < endpoints.count && used > 0) {
        open_failover_ticket(database, &bridge, endpoints.items[used].address,
                             strbuf_str(&unreachable));
    } else if (used == 0) {
        if (tickets_set(database, bridge.id, TICKET_FAILOVER, false, NULL) != CV_OK)
            log_warning("bridge %s: could not clear the failover ticket", bridge.id);
    }
    /* what could not start: try again shortly while the meeting lasts */
    int64_t now = now_seconds();
    for (size_t index = 0; index < count; index++) {
        start_item *item = &items[index];
        if (item->done)
            continue;
        booking *record = &item->record;
        char failure[768];
        snprintf(failure, sizeof failure, "could not start on the bridge: %s",
                 unreachable.length ? strbuf_str(&unreachable) : "internal error");
        if (record->end <= now + RETRY_UNREACHABLE_MS / 1000) {
            if (strcmp(record->state, BOOKING_STARTING) == 0 && record->cospace_id[0]) {
                /* the space may be open: close it when a bridge answers */
                note_failure(database, record->id, failure);
                enqueue(machine, JOB_END, record->id, true);
            } else {
                persist_all_participants(database, record, PARTICIPANT_LEFT);
                set_state(database, record, BOOKING_FAILED, failure);
            }
        } else {
            note_failure(database, record->id, failure);
            rearm(machine, record->id, TAG_START, timer_realtime_now_ms() + RETRY_UNREACHABLE_MS);
        }
    }
    strbuf_free(&unreachable);
    bridge_endpoints_free(&endpoints);
    bridge_record_free(&bridge);
}

/* One bridge's share of a batch of starts, run on its own thread. */
typedef struct {
    lifecycle *machine;
    start_item *items;
    size_t count;
    pthread_t thread;
    bool threaded;
} group_run;

static void run_group(group_run *run, sqlite3 *database)
{
    log_info("lifecycle: starting %zu meeting(s) on bridge %s", run->count,
             run->items[0].record.bridge_id);
    start_group(run->machine, database, run->items[0].record.bridge_id, run->items, run->count);
}

static void *group_thread(void *argument)
{
    group_run *run = argument;
    /* a connection first, then (inside start_group) the bridge's lock:
     * the order every start takes them in */
    sqlite3 *database = store_pool_acquire(&run->machine->daemon->store);
    run_group(run, database);
    store_pool_release(&run->machine->daemon->store, database);
    return NULL;
}

#define GROUP_MAX_THREADS 32

/* Groups `items` by bridge (in the order they came) and starts each
 * bridge's group, different bridges at the same time. Takes the records:
 * they are cleared here. */
static void run_groups(lifecycle *machine, sqlite3 *database, start_item *items, size_t count)
{
    start_item *ordered = calloc(count ? count : 1, sizeof *ordered);
    bool *grouped = calloc(count ? count : 1, sizeof *grouped);
    group_run *runs = calloc(count ? count : 1, sizeof *runs);
    if (ordered == NULL || grouped == NULL || runs == NULL) {
        log_error("lifecycle: out of memory grouping starts");
        for (size_t index = 0; index < count; index++)
            booking_clear(&items[index].record);
        free(ordered);
        free(grouped);
        free(runs);
        return;
    }
    size_t placed = 0, run_count = 0;
    for (size_t index = 0; index < count; index++) {
        if (grouped[index])
            continue;
        group_run *run = &runs[run_count++];
        run->machine = machine;
        run->items = &ordered[placed];
        for (size_t other = index; other < count; other++) {
            if (!grouped[other] &&
                strcmp(items[other].record.bridge_id, items[index].record.bridge_id) == 0) {
                grouped[other] = true;
                ordered[placed++] = items[other]; /* the record moves */
                run->count++;
            }
        }
    }
    /* the first group here, the others on threads of their own */
    for (size_t index = 1; index < run_count && index <= GROUP_MAX_THREADS; index++)
        runs[index].threaded =
            pthread_create(&runs[index].thread, NULL, group_thread, &runs[index]) == 0;
    if (run_count > 0)
        run_group(&runs[0], database);
    for (size_t index = 1; index < run_count; index++)
        if (!runs[index].threaded)
            run_group(&runs[index], database);
    for (size_t index = 1; index < run_count; index++)
        if (runs[index].threaded)
            pthread_join(runs[index].thread, NULL);
    for (size_t index = 0; index < placed; index++) {
        booking_clear(&ordered[index].record);
        cms_space_clear(&ordered[index].look.space);
    }
    free(ordered);
    free(grouped);
    free(runs);
}

/* Serves START jobs: this one and every other start already queued,
 * grouped by bridge. Resume jobs come through here too. */
static void run_starts(lifecycle *machine, sqlite3 *database, job *first)
{
    /* gather the starts that fall due together */
    job **taken = calloc(BATCH_MAX, sizeof *taken);
    if (taken == NULL) {
        log_error("lifecycle: out of memory starting meetings");
        release_busy(machine, first->booking_id);
        free(first);
        return;
    }
    size_t taken_count = 0;
    taken[taken_count++] = first;
    pthread_mutex_lock(&machine->lock);
    bool gatherer = first->kind == JOB_START && !machine->gathering;
    if (gatherer)
        machine->gathering = true;
    pthread_mutex_unlock(&machine->lock);
    if (gatherer) {
        /* until no start has come for GATHER_MS */
        int64_t gather_until = timer_monotonic_now_ms() + GATHER_MS;
        job_kind start_kind = JOB_START;
        while (taken_count < BATCH_MAX) {
            pthread_mutex_lock(&machine->lock);
            job *next = take_job_locked(machine, &start_kind);
            pthread_mutex_unlock(&machine->lock);
            if (next != NULL) {
                taken[taken_count++] = next;
                gather_until = timer_monotonic_now_ms() + GATHER_MS;
                continue;
            }
            if (timer_monotonic_now_ms() >= gather_until)
                break;
            sleep_milliseconds(1);
        }
        pthread_mutex_lock(&machine->lock);
        machine->gathering = false;
        pthread_cond_broadcast(&machine->work);
        pthread_mutex_unlock(&machine->lock);
    }

    start_item *items = calloc(taken_count, sizeof *items);
    if (items == NULL) {
        log_error("lifecycle: out of memory starting meetings");
    } else {
        int64_t now = now_seconds();
        size_t count = 0;
        for (size_t index = 0; index < taken_count; index++) {
            start_item *item = &items[count];
            if (booking_load(database, taken[index]->booking_id, &item->record) != CV_OK)
                continue;
            booking *record = &item->record;
            bool scheduled = strcmp(record->state, BOOKING_SCHEDULED) == 0;
            bool running = strcmp(record->state, BOOKING_STARTING) == 0 ||
                           strcmp(record->state, BOOKING_LIVE) == 0;
            if (record->cancelled || (!scheduled && !running)) {
                /* cancelled while running (and the end was lost in a
                 * restart): end it now */
                if (record->cancelled && running)
                    enqueue(machine, JOB_END, record->id, true);
                booking_clear(record);
                continue;
            }
            if (scheduled && booking_occupied_start(record) * 1000 > timer_realtime_now_ms() + 50) {
                /* moved later since the timer was set */
                rearm(machine, record->id, TAG_START, booking_occupied_start(record) * 1000);
                booking_clear(record);
                continue;
            }
            if (record->end <= now) {
                if (running && record->cospace_id[0]) {
                    enqueue(machine, JOB_END, record->id, true);
                } else {
                    persist_all_participants(database, record, PARTICIPANT_LEFT);
                    set_state(database, record, BOOKING_FAILED,
                              "the meeting was over before it could be started (was the "
                              "scheduler stopped?)");
                }
                booking_clear(record);
                continue;
            }
            if (record->bridge_id[0] == '\0') {
                set_state(database, record, BOOKING_FAILED, "the booking's bridge was removed");
                booking_clear(record);
                continue;
            }
            item->resumed = record->cospace_id[0] != '\0';
            if (scheduled)
                log_info(
                    "booking %s: starting, %lld ms after its time", record->id,
                    (long long)(timer_realtime_now_ms() - booking_occupied_start(record) * 1000));
            count++;
        }
        run_groups(machine, database, items, count);
        free(items);
    }
    for (size_t index = 0; index < taken_count; index++) {
        release_busy(machine, taken[index]->booking_id);
        free(taken[index]);
    }
    free(taken);
}

/* --- end ------------------------------------------------------------- */

/* PUT the meeting's space back to its placeholder, locked, with a new
 * secret. A space already gone counts as closed. */
static cv_result close_space(cms_client *client, const bridge_record *bridge, const booking *record,
                             int64_t call_id, char *error, size_t error_size)
{
    char path[96], placeholder[160];
    snprintf(path, sizeof path, "/coSpaces/%s", record->cospace_id);
    placeholder_name(bridge, call_id >= 0 ? call_id : record->slot, placeholder,
                     sizeof placeholder);
    const cms_field fields[] = {
        {"nonMemberAccess", "false"},
        {"passcode", ""},
        {"name", placeholder},
        {"regenerateSecret", "true"},
    };
    cms_response response = {0};
    cv_result result = cms_put(client, path, fields, 4, &response);
    if (result == CV_ERR_NOT_FOUND)
        result = CV_OK; /* the space is gone: nothing left open */
    if (result != CV_OK)
        snprintf(error, error_size, "PUT %.100s: %.300s", path, response.error);
    cms_response_free(&response);
    return result;
}

/* DELETE /calls/<id>; a call already gone counts as ended. */
static cv_result delete_call(cms_client *client, const char *call_id, char *error,
                             size_t error_size)
{
    char path[96];
    snprintf(path, sizeof path, "/calls/%s", call_id);
    cms_response response = {0};
    cv_result result = cms_delete(client, path, &response);
    if (result == CV_ERR_NOT_FOUND)
        result = CV_OK;
    if (result != CV_OK)
        snprintf(error, error_size, "DELETE %.100s: %.300s", path, response.error);
    cms_response_free(&response);
    return result;
}

/* The end sequence through one client, asking only about the meeting's
 * own space (the seed's order: status, space, its calls, space again). */
static cv_result end_through(const bridge_record *bridge, cms_client *client, booking *record,
                             char *error, size_t error_size)
{
    cms_space space = {.call_id = -1};
    cms_call_list calls = {0};
    bool has_space = record->cospace_id[0] != '\0';
    cv_result result = get_simple(client, "/system/status", NULL, error, error_size);
    if (result == CV_OK && has_space) {
        result = cms_space_get(client, record->cospace_id, &space, error, error_size);
        if (result == CV_OK)
            result = cms_calls_list(client, record->cospace_id, &calls, error, error_size);
        if (result == CV_OK)
            result = cms_space_get(client, record->cospace_id, &space, error, error_size);
        if (result == CV_ERR_NOT_FOUND)
            result = CV_OK; /* gone with its calls: nothing left open */
    }
    if (result == CV_OK && has_space)
        result = close_space(client, bridge, record, space.call_id, error, error_size);
    cms_space_clear(&space);
    /* the meeting's call, and any other call left on its space */
    bool own_listed = false;
    for (size_t index = 0; result == CV_OK && index < calls.count; index++) {
        own_listed = own_listed || strcasecmp(calls.items[index].id, record->call_id) == 0;
        cv_result deleted = delete_call(client, calls.items[index].id, error, error_size);
        if (cms_result_is_unreachable(deleted) || deleted == CV_ERR_BUSY)
            result = deleted;
    }
    if (result == CV_OK && !has_space && record->call_id[0] != '\0' && !own_listed) {
        cv_result deleted = delete_call(client, record->call_id, error, error_size);
        if (cms_result_is_unreachable(deleted) || deleted == CV_ERR_BUSY)
            result = deleted;
    }
    cms_call_list_free(&calls);
    return result;
}

static void run_end(lifecycle *machine, sqlite3 *database, const char *booking_id, bool forced)
{
    booking record;
    if (booking_load(database, booking_id, &record) != CV_OK)
        return;
    bool running = strcmp(record.state, BOOKING_STARTING) == 0 ||
                   strcmp(record.state, BOOKING_LIVE) == 0 ||
                   strcmp(record.state, BOOKING_ENDING) == 0;
    if (!running) {
        booking_clear(&record);
        return;
    }
    if (!forced && !record.cancelled && strcmp(record.state, BOOKING_ENDING) != 0 &&
        record.end * 1000 > timer_realtime_now_ms() + 50) {
        /* extended since the timer was set */
        rearm(machine, record.id, TAG_END, record.end * 1000);
        booking_clear(&record);
        return;
    }
    timer_cancel(machine->timers, record.id, TAG_POLL);
    timer_cancel(machine->timers, record.id, TAG_END);
    if (strcmp(record.state, BOOKING_ENDING) != 0)
        set_state(database, &record, BOOKING_ENDING, record.failure);
    bridge_record bridge;
    memset(&bridge, 0, sizeof bridge);
    if (record.bridge_id[0] == '\0' || bridge_load(database, record.bridge_id, &bridge) != CV_OK) {
        persist_all_participants(database, &record, PARTICIPANT_LEFT);
        set_state(database, &record, BOOKING_ENDED, "the bridge was removed during the meeting");
        booking_clear(&record);
        return;
    }
    bridge_endpoints endpoints;
    memset(&endpoints, 0, sizeof endpoints);
    cv_result result = bridge_endpoints_load(database, &bridge, &endpoints);
    strbuf unreachable = STRBUF_INIT;
    bool ended = false;
    if (result == CV_OK) {
        order_endpoints(&endpoints, record.started_via);
        for (size_t index = 0; index < endpoints.count && !ended; index++) {
            cms_client *client = NULL;
            char error[512] = "";
            result = cms_registry_client(machine->daemon->cms, &endpoints.items[index], &client);
            if (result == CV_OK)
                result = end_through(&bridge, client, &record, error, sizeof error);
            if (result == CV_OK) {
                ended = true;
                break;
            }
            strbuf_printf(&unreachable, "%s%s: %s", unreachable.length ? "; " : "",
                          endpoints.items[index].address, error);
            if ((!cms_result_is_unreachable(result) && result != CV_ERR_AUTH) ||
                shutting_down(machine))
                break;
        }
    }
    if (ended) {
        persist_all_participants(database, &record, PARTICIPANT_LEFT);
        set_state(database, &record, BOOKING_ENDED, NULL);
    } else if (shutting_down(machine)) {
        log_info("booking %s: ending interrupted by shutdown; it ends after the restart",
                 record.id);
    } else {
        char failure[768];
        snprintf(failure, sizeof failure, "could not end on the bridge yet (retrying): %s",
                 unreachable.length ? strbuf_str(&unreachable) : cv_result_name(result));
        note_failure(database, record.id, failure);
        log_warning("booking %s: %s", record.id, failure);
        /* keep trying: no space may stay open after its meeting */
        rearm(machine, record.id, TAG_END, timer_realtime_now_ms() + RETRY_UNREACHABLE_MS);
    }
    strbuf_free(&unreachable);
    bridge_endpoints_free(&endpoints);
    bridge_record_free(&bridge);
    booking_clear(&record);
}

/* --- refresh (extension, new title or passcode) ---------------------- */

static cms_client *client_for_meeting(lifecycle *machine, sqlite3 *database, const booking *record,
                                      bridge_record *bridge)
{
    memset(bridge, 0, sizeof *bridge);
    if (record->bridge_id[0] == '\0' || bridge_load(database, record->bridge_id, bridge) != CV_OK)
        return NULL;
    bridge_endpoints endpoints;
    memset(&endpoints, 0, sizeof endpoints);
    if (bridge_endpoints_load(database, bridge, &endpoints) != CV_OK)
        return NULL;
    order_endpoints(&endpoints, record->started_via);
    cms_client *client = NULL;
    if (endpoints.count > 0 &&
        cms_registry_client(machine->daemon->cms, &endpoints.items[0], &client) != CV_OK)
        client = NULL;
    bridge_endpoints_free(&endpoints);
    return client;
}

static void run_refresh(lifecycle *machine, sqlite3 *database, const char *booking_id)
{
    booking record;
    if (booking_load(database, booking_id, &record) != CV_OK)
        return;
    if (strcmp(record.state, BOOKING_LIVE) == 0 && record.cospace_id[0] != '\0') {
        bridge_record bridge;
        cms_client *client = client_for_meeting(machine, database, &record, &bridge);
        if (client != NULL && put_space_open(client, &record) == CV_OK)
            log_info("booking %s: the bridge was told of the change", record.id);
        else
            log_warning("booking %s: could not tell the bridge of the change", record.id);
        bridge_record_free(&bridge);
    }
    booking_clear(&record);
}

/* --- live participant state ----------------------------------------- */

/* A dial-out leg's state as a participant state (NULL while it has none
 * that matters); *gone when the bridge no longer has the leg. */
static const char *leg_state(cms_client *client, const char *leg_id, bool *gone)
{
    char state[32];
    cv_result result = cms_leg_state(client, leg_id, state, sizeof state);
    *gone = result == CV_ERR_NOT_FOUND;
    if (result != CV_OK)
        return NULL;
    if (strcmp(state, "initial") == 0)
        return PARTICIPANT_DIALING;
    if (strcmp(state, "ringing") == 0)
        return PARTICIPANT_RINGING;
    if (strcmp(state, "connected") == 0 || strcmp(state, "onHold") == 0)
        return PARTICIPANT_CONNECTED;
    return NULL;
}

static void run_poll(lifecycle *machine, sqlite3 *database, const char *booking_id)
{
    booking record;
    if (booking_load(database, booking_id, &record) != CV_OK)
        return;
    if (strcmp(record.state, BOOKING_LIVE) != 0 || record.call_id[0] == '\0') {
        booking_clear(&record);
        return;
    }
    scheduler_options *options = &machine->daemon->options;
    bridge_record bridge;
    cms_client *client = client_for_meeting(machine, database, &record, &bridge);
    cms_leg_list legs = {0};
    char error[512] = "";
    char path[128];
    snprintf(path, sizeof path, "/calls/%s/callLegs", record.call_id);
    cv_result result =
        client ? cms_legs_list(client, path, &legs, error, sizeof error) : CV_ERR_NETWORK;
    int64_t now = now_seconds();
    if (shutting_down(machine)) {
        /* nothing to conclude; the restart resumes the meeting */
    } else if (result == CV_ERR_NOT_FOUND) {
        /* the call is gone from the bridge (restarted, or ended by hand):
         * make it again through whichever address answers */
        log_warning("booking %s: call %s is gone from the bridge; starting it again", record.id,
                    record.call_id);
        forget_call(database, &record);
        enqueue(machine, JOB_RESUME, record.id, false);
    } else if (result != CV_OK) {
        int failures = count_unreachable(machine, record.id, false);
        log_warning("booking %s: cannot poll the bridge (%d): %s", record.id, failures, error);
        if (failures >= UNREACHABLE_POLLS_BEFORE_FAILOVER) {
            count_unreachable(machine, record.id, true);
            for (size_t index = 0; index < record.participant_count; index++) {
                set_participant_state(&record.participants[index], PARTICIPANT_DISCONNECTED);
                record.participants[index].call_leg_id[0] = '\0';
                store_participant(database, &record, index);
            }
            forget_call(database, &record);
            enqueue(machine, JOB_RESUME, record.id, false);
        } else {
            rearm(machine, record.id, TAG_POLL, timer_realtime_now_ms() + POLL_INTERVAL_MS);
        }
    } else {
        count_unreachable(machine, record.id, true);
        for (size_t index = 0; index < record.participant_count; index++) {
            booking_participant *participant = &record.participants[index];
            char before[BOOKING_STATE_SIZE];
            snprintf(before, sizeof before, "%s", participant->state);
            if (!participant->dial_out) {
                const cms_leg *leg = leg_for_party(&legs, record.call_id, participant->uri);
                if (leg != NULL)
                    set_participant_state(participant, PARTICIPANT_CONNECTED);
                else if (strcmp(participant->state, PARTICIPANT_CONNECTED) == 0)
                    set_participant_state(participant, PARTICIPANT_DISCONNECTED);
            } else if (participant->call_leg_id[0] != '\0') {
                bool listed = leg_by_id(&legs, NULL, participant->call_leg_id) != NULL;
                bool gone = !listed;
                const char *state =
                    listed ? leg_state(client, participant->call_leg_id, &gone) : NULL;
                if (gone) {
                    /* a leg that vanished before connecting was rejected */
                    set_participant_state(participant,
                                          strcmp(participant->state, PARTICIPANT_CONNECTED) == 0
                                              ? PARTICIPANT_DISCONNECTED
                                              : PARTICIPANT_BUSY);
                    participant->call_leg_id[0] = '\0';
                    if (strcmp(participant->state, PARTICIPANT_BUSY) == 0 &&
                        participant->attempts <= options->dial_out_retries)
                        participant->next_attempt = now + options->dial_out_retry_seconds;
                } else if (state != NULL) {
                    set_participant_state(participant, state);
                    if (strcmp(state, PARTICIPANT_CONNECTED) != 0 &&
                        now - participant->state_since >= options->dial_out_answer_seconds) {
                        /* rang out: hang up and try again later */
                        char leg_path[96];
                        snprintf(leg_path, sizeof leg_path, "/callLegs/%s",
                                 participant->call_leg_id);
                        cms_response response = {0};
                        cms_delete(client, leg_path, &response);
                        cms_response_free(&response);
                        participant->call_leg_id[0] = '\0';
                        set_participant_state(participant, PARTICIPANT_NO_ANSWER);
                        if (participant->attempts <= options->dial_out_retries)
                            participant->next_attempt = now + options->dial_out_retry_seconds;
                    }
                }
            } else if (participant->next_attempt != 0 && participant->next_attempt <= now) {
                dial_request(options, client, &record, index);
                store_participant(database, &record, index);
                continue;
            }
            if (strcmp(before, participant->state) != 0 || participant->state_since == now)
                store_participant(database, &record, index);
        }
        rearm(machine, record.id, TAG_POLL, next_poll_ms(&record));
    }
    cms_leg_list_free(&legs);
    bridge_record_free(&bridge);
    booking_clear(&record);
}

/* --- workers --------------------------------------------------------- */

static void *worker(void *argument)
{
    lifecycle *machine = argument;
    for (;;) {
        pthread_mutex_lock(&machine->lock);
        job *item = NULL;
        while (!machine->stopping && (item = take_job_locked(machine, NULL)) == NULL)
            pthread_cond_wait(&machine->work, &machine->lock);
        pthread_mutex_unlock(&machine->lock);
        if (item == NULL)
            return NULL;
        sqlite3 *database = store_pool_acquire(&machine->daemon->store);
        if (item->kind == JOB_START || item->kind == JOB_RESUME) {
            run_starts(machine, database, item); /* frees and releases */
            store_pool_release(&machine->daemon->store, database);
            continue;
        }
        switch (item->kind) {
        case JOB_END:
            run_end(machine, database, item->booking_id, item->forced);
            break;
        case JOB_REFRESH:
            run_refresh(machine, database, item->booking_id);
            break;
        case JOB_POLL:
            run_poll(machine, database, item->booking_id);
            break;
        default:
            break;
        }
        store_pool_release(&machine->daemon->store, database);
        release_busy(machine, item->booking_id);
        free(item);
    }
}

/* --- public ---------------------------------------------------------- */

/* Arms the timers a stored booking needs now. */
static void arm_for(lifecycle *machine, const booking *record)
{
    timer_cancel(machine->timers, record->id, TAG_START);
    timer_cancel(machine->timers, record->id, TAG_END);
    if (record->cancelled && strcmp(record->state, BOOKING_SCHEDULED) == 0)
        return;
    if (strcmp(record->state, BOOKING_SCHEDULED) == 0)
        arm(machine, record->id, TAG_START, booking_occupied_start(record) * 1000);
    else if (strcmp(record->state, BOOKING_STARTING) == 0 ||
             strcmp(record->state, BOOKING_LIVE) == 0)
        arm(machine, record->id, TAG_END, record->end * 1000);
}

void lifecycle_booking_changed(scheduler *daemon, const booking *record)
{
    lifecycle *machine = daemon->lifecycle_state;
    if (machine != NULL)
        arm_for(machine, record);
}

void lifecycle_request_end(scheduler *daemon, const char *booking_id)
{
    lifecycle *machine = daemon->lifecycle_state;
    if (machine != NULL)
        enqueue(machine, JOB_END, booking_id, true);
}

void lifecycle_request_refresh(scheduler *daemon, const char *booking_id)
{
    lifecycle *machine = daemon->lifecycle_state;
    if (machine != NULL)
        enqueue(machine, JOB_REFRESH, booking_id, false);
}

/* After a restart: scheduled bookings get their timers (a start that is
 * due fires at once), running ones are checked against their bridge, and
 * ending ones are ended. */
static cv_result reconcile(lifecycle *machine)
{
    sqlite3 *database = store_pool_acquire(&machine->daemon->store);
    static const char *const running[] = {BOOKING_STARTING, BOOKING_LIVE, NULL};
    static const char *const ending[] = {BOOKING_ENDING, NULL};
    char **ids = NULL;
    size_t count = 0;
    /* one pass over the scheduled bookings: their start timers */
    size_t scheduled = 0;
    sqlite3_stmt *statement = NULL;
    int code = store_prepare(database,
                             "SELECT id, occupied_start FROM bookings"
                             " WHERE state = 'scheduled' AND cancelled = 0",
                             &statement);
    cv_result result = store_result(code);
    while (result == CV_OK && (code = sqlite3_step(statement)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(statement, 0);
        if (id != NULL) {
            arm(machine, id, TAG_START, sqlite3_column_int64(statement, 1) * 1000);
            scheduled++;
        }
    }
    if (result == CV_OK && code != SQLITE_DONE)
        result = store_result(code);
    store_statement_done(statement);
    if (result == CV_OK)
        result = booking_ids_in_states(database, running, &ids, &count);
    for (size_t index = 0; result == CV_OK && index < count; index++)
        enqueue(machine, JOB_RESUME, ids[index], false);
    for (size_t index = 0; index < count; index++)
        free(ids[index]);
    free(ids);
    size_t resumed = count;
    ids = NULL;
    count = 0;
    if (result == CV_OK)
        result = booking_ids_in_states(database, ending, &ids, &count);
    for (size_t index = 0; result == CV_OK && index < count; index++)
        enqueue(machine, JOB_END, ids[index], true);
    for (size_t index = 0; index < count; index++)
        free(ids[index]);
    free(ids);
    store_pool_release(&machine->daemon->store, database);
    if (result == CV_OK)
        log_info("lifecycle: %zu scheduled, %zu to resume, %zu to end", scheduled, resumed, count);
    return result;
}

static void lifecycle_stop(scheduler *daemon);

static cv_result lifecycle_start(scheduler *daemon)
{
    lifecycle *machine = calloc(1, sizeof *machine);
    if (machine == NULL)
        return CV_ERR_NO_MEMORY;
    machine->daemon = daemon;
    pthread_mutex_init(&machine->lock, NULL);
    pthread_cond_init(&machine->work, NULL);
    cv_result result = timer_service_start(NULL, &machine->timers);
    if (result != CV_OK) {
        pthread_mutex_destroy(&machine->lock);
        pthread_cond_destroy(&machine->work);
        free(machine);
        return result;
    }
    daemon->lifecycle_state = machine;
    for (size_t index = 0; index < WORKER_COUNT; index++) {
        if (pthread_create(&machine->workers[index], NULL, worker, machine) != 0) {
            lifecycle_stop(daemon);
            return CV_ERR_IO;
        }
        machine->worker_count++;
    }
    return reconcile(machine);
}

static void lifecycle_stop(scheduler *daemon)
{
    lifecycle *machine = daemon->lifecycle_state;
    if (machine == NULL)
        return;
    /* workers first (they arm timers), then the timer thread (it queues
     * jobs); the queue itself goes last */
    pthread_mutex_lock(&machine->lock);
    machine->stopping = true;
    pthread_cond_broadcast(&machine->work);
    pthread_mutex_unlock(&machine->lock);
    for (size_t index = 0; index < machine->worker_count; index++)
        pthread_join(machine->workers[index], NULL);
    timer_service_stop(machine->timers);
    daemon->lifecycle_state = NULL;
    while (machine->head != NULL) {
        job *next = machine->head->next;
        free(machine->head);
        machine->head = next;
    }
    for (size_t index = 0; index < machine->bridge_lock_count; index++) {
        pthread_mutex_destroy(&machine->bridge_locks[index]->lock);
        free(machine->bridge_locks[index]);
    }
    free(machine->bridge_locks);
    free(machine->busy);
    free(machine->unreachable);
    pthread_mutex_destroy(&machine->lock);
    pthread_cond_destroy(&machine->work);
    free(machine);
}

const scheduler_module lifecycle_module = {"lifecycle", lifecycle_start, lifecycle_stop};
