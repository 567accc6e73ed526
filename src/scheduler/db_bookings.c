/*
 * db_bookings.c - the bookings and participants rows: storing a booking
 * with its participants, loading one, changing its state, listing the
 * bookings in given states (declared in booking.h). Every statement comes
 * from the connection's statement cache (store_sql.h); callers hold the
 * transaction.
 *
 * Owns: the SQL on `bookings` and `participants` for these four jobs.
 * Does not own: validation and placement (booking.c), the capacity
 * queries (db_slots.c), the lifecycle's own writes (lifecycle_state.c), the
 * list of GET /bookings (booking_api.c).
 */
#include "scheduler/booking.h"
#include "scheduler/db_bookings.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/store_sql.h"
#include "common/strbuf.h"
#include "common/text.h"
#include "scheduler/schema.h"
#include "scheduler/slots.h"

/* The bookings columns every insert writes, in the order bind_booking
 * binds them. The last, owner, is written by an insert only: a replaced
 * row keeps its owner (store_booking_row's UPDATE leaves it out). */
#define BOOKING_COLUMNS                                                                            \
    "id, title, start_at, end_at, setup_minutes, passcode, bridge_id, slot, state, failure,"       \
    " slot_note, cospace_id, call_id, used_address, created, updated, occupied_start,"             \
    " holds_capacity, bridge_chosen, cancelled, secret, live_locked, live_layout, owner"
#define BOOKING_VALUES 24 /* the columns of BOOKING_COLUMNS */

/* Binds `record` as the BOOKING_COLUMNS values from parameter `at` on. */
static void bind_booking(store_stmt *statement, int at, const booking *record)
{
    store_bind_text(statement, at, record->id);
    store_bind_text(statement, at + 1, record->title ? record->title : "");
    store_bind_int64(statement, at + 2, record->start);
    store_bind_int64(statement, at + 3, record->end);
    store_bind_int64(statement, at + 4, record->setup_buffer_minutes);
    store_bind_text_or_null(statement, at + 5, record->has_passcode ? record->passcode : NULL);
    store_bind_text_or_null(statement, at + 6, record->bridge_id);
    if (record->slot >= 0)
        store_bind_int64(statement, at + 7, record->slot);
    else
        store_bind_null(statement, at + 7);
    store_bind_text(statement, at + 8, booking_state_name(record->state));
    store_bind_text_or_null(statement, at + 9, record->failure);
    store_bind_text_or_null(statement, at + 10, record->slot_note);
    store_bind_text_or_null(statement, at + 11, record->cospace_id);
    store_bind_text_or_null(statement, at + 12, record->call_id);
    store_bind_text_or_null(statement, at + 13, record->started_via);
    store_bind_int64(statement, at + 14, record->created);
    store_bind_int64(statement, at + 15, record->updated);
    store_bind_int64(statement, at + 16, booking_occupied_start(record));
    store_bind_int(statement, at + 17, booking_state_holds_capacity(record->state) ? 1 : 0);
    store_bind_int(statement, at + 18, record->bridge_chosen ? 1 : 0);
    store_bind_int(statement, at + 19, record->cancelled ? 1 : 0);
    store_bind_text_or_null(statement, at + 20, record->secret);
    store_bind_int(statement, at + 21, record->live_locked ? 1 : 0);
    store_bind_text_or_null(statement, at + 22, record->live_layout);
    if (record->owner) /* 0: nobody, or an occurrence owned through its series */
        store_bind_int64(statement, at + 23, record->owner);
    else
        store_bind_null(statement, at + 23);
}

/* The bookings row of `record`, inserted or replaced (a replaced row keeps
 * its owner). */
static cv_result store_booking_row(store_db *database, const booking *record)
{
    store_stmt *statement = NULL;
    if (store_db_prepare(
            database,
            "INSERT INTO bookings (" BOOKING_COLUMNS ")"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
            " ?18, ?19, ?20, ?21, ?22, ?23, ?24)"
            " ON CONFLICT(id) DO UPDATE SET title = ?2, start_at = ?3, end_at = ?4,"
            " setup_minutes = ?5, passcode = ?6, bridge_id = ?7, slot = ?8, state = ?9,"
            " failure = ?10, slot_note = ?11, cospace_id = ?12, call_id = ?13, used_address = ?14,"
            " updated = ?16, occupied_start = ?17, holds_capacity = ?18, bridge_chosen = ?19,"
            " cancelled = ?20, secret = ?21, live_locked = ?22, live_layout = ?23",
            &statement) != CV_OK)
        return store_db_error(database);
    bind_booking(statement, 1, record);
    return store_stmt_run(statement);
}

/* Multi-row INSERTs, so a booking's participants, or a series' occurrences
 * and theirs, take a few statements (round trips on PostgreSQL), not one
 * per row: inserts[k] inserts 2^k rows. Built once; read-only afterwards. */
#define INSERT_SIZES       7 /* 1, 2, 4 ... 64 rows per statement */
#define PARTICIPANT_VALUES 17
#define PARTICIPANT_COLUMNS                                                                        \
    "booking_id, position, uri, dial, state, call_leg_id, attempts, uri_key, occupied_start,"      \
    " end_at, holds_capacity, state_since, next_attempt, audio_muted, video_muted, layout, email"
static char *participant_inserts[INSERT_SIZES];
static char *booking_inserts[INSERT_SIZES];
static pthread_once_t inserts_built = PTHREAD_ONCE_INIT;

/* "INSERT INTO table (columns) VALUES (?1, ... ?values), ..." for `rows`;
 * NULL when out of memory. */
static char *insert_text(const char *table, const char *columns, int values, int rows)
{
    char shape[32];
    memset(shape, 'r', (size_t)values);
    shape[values] = '\0';
    strbuf sql = STRBUF_INIT;
    strbuf_printf(&sql, "INSERT INTO %s (%s)", table, columns);
    char *text =
        store_sql_append_values(&sql, shape, 0, rows) == CV_OK ? strbuf_detach(&sql) : NULL;
    strbuf_free(&sql);
    return text;
}

static void build_inserts(void)
{
    for (int k = 0; k < INSERT_SIZES; k++) {
        participant_inserts[k] =
            insert_text("participants", PARTICIPANT_COLUMNS, PARTICIPANT_VALUES, 1 << k);
        booking_inserts[k] = insert_text("bookings", BOOKING_COLUMNS, BOOKING_VALUES, 1 << k);
    }
}

/* The largest k with 2^k rows <= `remaining` (> 0). */
static int insert_size(size_t remaining)
{
    int k = INSERT_SIZES - 1;
    while ((size_t)1 << k > remaining)
        k--;
    return k;
}

/* One participant row: participants[index] of `record`. */
typedef struct {
    const booking *record;
    size_t index;
} participant_ref;

static void bind_participant(store_stmt *statement, int at, const participant_ref *ref)
{
    const booking *record = ref->record;
    const booking_participant *participant = &record->participants[ref->index];
    char key[BOOKING_URI_MAX + 1];
    booking_uri_key(participant->uri, key, sizeof key);
    store_bind_text(statement, at, record->id);
    store_bind_int64(statement, at + 1, (int64_t)ref->index);
    store_bind_text(statement, at + 2, participant->uri);
    store_bind_text(statement, at + 3, participant->dial_out ? "out" : "in");
    store_bind_text(statement, at + 4, participant_state_name(participant->state));
    store_bind_text_or_null(statement, at + 5, participant->call_leg_id);
    store_bind_int64(statement, at + 6, participant->attempts);
    store_bind_text(statement, at + 7, key);
    store_bind_int64(statement, at + 8, booking_occupied_start(record));
    store_bind_int64(statement, at + 9, record->end);
    store_bind_int(statement, at + 10, booking_state_holds_capacity(record->state) ? 1 : 0);
    store_bind_int64(statement, at + 11, participant->state_since);
    store_bind_int64(statement, at + 12, participant->next_attempt);
    store_bind_int(statement, at + 13, participant->audio_muted ? 1 : 0);
    store_bind_int(statement, at + 14, participant->video_muted ? 1 : 0);
    store_bind_text_or_null(statement, at + 15, participant->layout);
    store_bind_text_or_null(statement, at + 16, participant->email);
}

/* Inserts the participant rows `refs[count]`, up to 64 per statement. */
static cv_result insert_participants(store_db *database, const participant_ref *refs, size_t count)
{
    pthread_once(&inserts_built, build_inserts);
    cv_result result = CV_OK;
    for (size_t done = 0; result == CV_OK && done < count;) {
        int k = insert_size(count - done);
        store_stmt *statement = NULL;
        if (!participant_inserts[k])
            return CV_ERR_NO_MEMORY;
        if (store_db_prepare(database, participant_inserts[k], &statement) != CV_OK)
            return store_db_error(database);
        for (size_t row = 0; row < (size_t)1 << k; row++)
            bind_participant(statement, 1 + (int)row * PARTICIPANT_VALUES, &refs[done + row]);
        result = store_stmt_run(statement);
        done += (size_t)1 << k;
    }
    return result;
}

/* The participants rows of `record`: the old ones go, its list goes in. */
static cv_result store_participants(store_db *database, const booking *record)
{
    store_stmt *statement = NULL;
    if (store_db_prepare(database, "DELETE FROM participants WHERE booking_id = ?1", &statement) !=
        CV_OK)
        return store_db_error(database);
    store_bind_text(statement, 1, record->id);
    cv_result result = store_stmt_run(statement);
    participant_ref refs[BOOKING_PARTICIPANTS_MAX];
    if (record->participant_count > BOOKING_PARTICIPANTS_MAX)
        return CV_ERR_INVALID; /* validation allows no more */
    for (size_t index = 0; index < record->participant_count; index++)
        refs[index] = (participant_ref){record, index};
    return result == CV_OK ? insert_participants(database, refs, record->participant_count)
                           : result;
}

/* store_db_work: the booking `context` with its participants and span. */
static cv_result write_booking(store_db *database, void *context)
{
    const booking *record = context;
    cv_result result = store_booking_row(database, record);
    if (result == CV_OK)
        result = store_participants(database, record);
    if (result == CV_OK)
        result = slots_note_span(database, record->end - booking_occupied_start(record));
    return result;
}

/* In the caller's transaction (where its placement was checked), or in
 * one of its own: never half a booking. */
cv_result booking_store(store_db *database, const booking *record)
{
    return store_db_transaction(database, write_booking, (void *)record);
}

typedef struct {
    const booking *records;
    size_t count;
} new_bookings;

/* store_db_work of db_bookings_insert_new: `context` is the new_bookings. */
static cv_result write_new_bookings(store_db *database, void *context)
{
    const new_bookings *batch = context;
    pthread_once(&inserts_built, build_inserts);
    cv_result result = CV_OK;
    size_t participants = 0;
    int64_t longest = 0;
    for (size_t done = 0; result == CV_OK && done < batch->count;) {
        int k = insert_size(batch->count - done);
        store_stmt *statement = NULL;
        if (!booking_inserts[k])
            return CV_ERR_NO_MEMORY;
        if (store_db_prepare(database, booking_inserts[k], &statement) != CV_OK)
            return store_db_error(database);
        for (size_t row = 0; row < (size_t)1 << k; row++) {
            const booking *record = &batch->records[done + row];
            bind_booking(statement, 1 + (int)row * BOOKING_VALUES, record);
            participants += record->participant_count;
            int64_t span = record->end - booking_occupied_start(record);
            longest = span > longest ? span : longest;
        }
        result = store_stmt_run(statement);
        done += (size_t)1 << k;
    }
    participant_ref *refs = participants ? calloc(participants, sizeof *refs) : NULL;
    if (result == CV_OK && participants && !refs)
        result = CV_ERR_NO_MEMORY;
    size_t at = 0;
    for (size_t i = 0; result == CV_OK && i < batch->count; i++)
        for (size_t index = 0; index < batch->records[i].participant_count; index++)
            refs[at++] = (participant_ref){&batch->records[i], index};
    if (result == CV_OK && participants)
        result = insert_participants(database, refs, participants);
    free(refs);
    if (result == CV_OK && batch->count)
        result = slots_note_span(database, longest);
    return result;
}

cv_result db_bookings_insert_new(store_db *database, const booking *records, size_t count)
{
    new_bookings batch = {records, count};
    return store_db_transaction(database, write_new_bookings, &batch);
}

static cv_result copy_column(store_stmt *statement, int column, char **out)
{
    *out = NULL;
    if (store_column_type(statement, column) == STORE_NULL)
        return CV_OK;
    *out = text_duplicate(store_column_text(statement, column));
    return *out ? CV_OK : CV_ERR_NO_MEMORY;
}

/* The bookings row `id` into `out` (initialised by the caller); on an
 * error `out` may hold copies the caller clears. */
static cv_result load_booking_row(store_db *database, const char *id, booking *out)
{
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(
        database,
        "SELECT id, title, start_at, end_at, setup_minutes, passcode, bridge_id, slot, state,"
        " failure, slot_note, cospace_id, call_id, used_address, created, updated,"
        " bridge_chosen, cancelled, secret, live_locked, live_layout FROM bookings"
        " WHERE id = ?1",
        &statement);
    store_step_state step = STORE_FAILED;
    if (code != CV_OK)
        return store_db_error(database);
    store_bind_text(statement, 1, id);
    step = store_step(statement);
    if (step != STORE_ROW) {
        store_stmt_done(statement);
        return step == STORE_DONE ? CV_ERR_NOT_FOUND : store_db_error(database);
    }
    cv_result result = CV_OK;
    store_column_into(statement, 0, out->id, sizeof out->id);
    if (copy_column(statement, 1, &out->title) != CV_OK)
        result = CV_ERR_NO_MEMORY;
    out->start = store_column_int64(statement, 2);
    out->end = store_column_int64(statement, 3);
    out->setup_buffer_minutes = store_column_int64(statement, 4);
    out->has_passcode = store_column_type(statement, 5) != STORE_NULL;
    store_column_into(statement, 5, out->passcode, sizeof out->passcode);
    store_column_into(statement, 6, out->bridge_id, sizeof out->bridge_id);
    out->slot = store_column_int64_or(statement, 7, -1);
    if (booking_state_parse(store_column_text(statement, 8), &out->state) != CV_OK)
        out->state = BOOKING_FAILED; /* the CHECK constraint allows no other name */
    if (copy_column(statement, 9, &out->failure) != CV_OK ||
        copy_column(statement, 10, &out->slot_note) != CV_OK ||
        copy_column(statement, 13, &out->started_via) != CV_OK)
        result = CV_ERR_NO_MEMORY;
    store_column_into(statement, 11, out->cospace_id, sizeof out->cospace_id);
    store_column_into(statement, 12, out->call_id, sizeof out->call_id);
    out->created = store_column_int64(statement, 14);
    out->updated = store_column_int64(statement, 15);
    out->bridge_chosen = store_column_int(statement, 16) != 0;
    out->cancelled = store_column_int(statement, 17) != 0;
    store_column_into(statement, 18, out->secret, sizeof out->secret);
    out->live_locked = store_column_int(statement, 19) != 0;
    store_column_into(statement, 20, out->live_layout, sizeof out->live_layout);
    store_stmt_done(statement);
    return result;
}

/* Reads the current row of the participants query into *participant. */
static void read_participant_row(store_stmt *statement, booking_participant *participant)
{
    memset(participant, 0, sizeof *participant);
    store_column_into(statement, 0, participant->uri, sizeof participant->uri);
    const char *dial = store_column_text(statement, 1);
    participant->dial_out = dial == NULL || strcmp((const char *)dial, "in") != 0;
    /* NULL (never seen) or an unknown name reads as pending */
    if (participant_state_parse(store_column_text(statement, 2), &participant->state) != CV_OK)
        participant->state = PARTICIPANT_PENDING;
    store_column_into(statement, 3, participant->call_leg_id, sizeof participant->call_leg_id);
    participant->attempts = store_column_int64(statement, 4);
    participant->state_since = store_column_int64(statement, 5);
    participant->next_attempt = store_column_int64(statement, 6);
    participant->audio_muted = store_column_int(statement, 7) != 0;
    participant->video_muted = store_column_int(statement, 8) != 0;
    store_column_into(statement, 9, participant->layout, sizeof participant->layout);
    store_column_into(statement, 10, participant->email, sizeof participant->email);
}

/* The participants of booking `id`, in order, into out->participants. */
static cv_result load_participants(store_db *database, const char *id, booking *out)
{
    store_stmt *statement = NULL;
    cv_result code =
        store_db_prepare(database,
                         "SELECT uri, dial, state, call_leg_id, attempts, state_since,"
                         " next_attempt, audio_muted, video_muted, layout, email FROM participants"
                         " WHERE booking_id = ?1 ORDER BY position",
                         &statement);
    store_step_state step = STORE_FAILED;
    if (code != CV_OK)
        return store_db_error(database);
    store_bind_text(statement, 1, id);
    size_t capacity = 0;
    while ((step = store_step(statement)) == STORE_ROW) {
        if (out->participant_count == capacity) {
            size_t grown_capacity = capacity ? capacity * 2 : 4;
            booking_participant *grown = realloc(out->participants, grown_capacity * sizeof *grown);
            if (grown == NULL) {
                store_stmt_done(statement);
                return CV_ERR_NO_MEMORY;
            }
            out->participants = grown;
            capacity = grown_capacity;
        }
        read_participant_row(statement, &out->participants[out->participant_count++]);
    }
    store_stmt_done(statement);
    return step == STORE_DONE ? CV_OK : store_db_error(database);
}

cv_result booking_load(store_db *database, const char *id, booking *out)
{
    booking_init(out);
    cv_result result = load_booking_row(database, id, out);
    if (result == CV_OK)
        result = load_participants(database, id, out);
    if (result != CV_OK)
        booking_clear(out);
    return result;
}

typedef struct {
    const char *id;
    booking_state state;
    const char *failure;
} state_change;

static cv_result write_state(store_db *database, void *context)
{
    const state_change *change = context;
    const char *id = change->id;
    booking_state state = change->state;
    const char *failure = change->failure;
    int holds = booking_state_holds_capacity(state) ? 1 : 0;
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(database,
                                      "UPDATE bookings SET state = ?2, failure = ?3,"
                                      " holds_capacity = ?4, updated = ?5 WHERE id = ?1",
                                      &statement);
    store_step_state step = STORE_FAILED;
    if (code != CV_OK)
        return store_db_error(database);
    store_bind_text(statement, 1, id);
    store_bind_text(statement, 2, booking_state_name(state));
    store_bind_text_or_null(statement, 3, failure);
    store_bind_int(statement, 4, holds);
    store_bind_int64(statement, 5, (int64_t)time(NULL));
    step = store_step(statement);
    store_stmt_done(statement);
    if (step != STORE_DONE)
        return store_db_error(database);
    if (store_db_changes(database) == 0)
        return CV_ERR_NOT_FOUND;
    code = store_db_prepare(
        database, "UPDATE participants SET holds_capacity = ?2 WHERE booking_id = ?1", &statement);
    if (code != CV_OK)
        return store_db_error(database);
    store_bind_text(statement, 1, id);
    store_bind_int(statement, 2, holds);
    step = store_step(statement);
    store_stmt_done(statement);
    return step == STORE_DONE ? CV_OK : store_db_error(database);
}

/* The booking's row and its participants' capacity flag change together:
 * in the caller's transaction, or in one of their own. */
cv_result booking_set_state(store_db *database, const char *id, booking_state state,
                            const char *failure)
{
    state_change change = {id, state, failure};
    return store_db_transaction(database, write_state, &change);
}

cv_result booking_ids_in_states(store_db *database, const booking_state *states, size_t state_count,
                                char ***ids_out, size_t *count_out)
{
    *ids_out = NULL;
    *count_out = 0;
    store_stmt *statement = NULL;
    for (size_t state = 0; state < state_count; state++)
        if (states[state] != BOOKING_STARTING && states[state] != BOOKING_LIVE &&
            states[state] != BOOKING_ENDING)
            return CV_ERR_INVALID; /* only these are indexed (schema.h) */
    cv_result code =
        store_db_prepare(database,
                         "SELECT id FROM bookings WHERE state IN " SCHEMA_IN_PROGRESS_BOOKING_STATES
                         " AND state = ?1",
                         &statement);
    store_step_state step = STORE_FAILED;
    if (code != CV_OK)
        return store_db_error(database);
    char **ids = NULL;
    size_t count = 0, capacity = 0;
    cv_result result = CV_OK;
    for (size_t state = 0; state < state_count && result == CV_OK; state++) {
        store_stmt_reset(statement);
        store_bind_text(statement, 1, booking_state_name(states[state]));
        while ((step = store_step(statement)) == STORE_ROW) {
            if (count == capacity) {
                size_t grown_capacity = capacity ? capacity * 2 : 16;
                char **grown = realloc(ids, grown_capacity * sizeof *grown);
                if (grown == NULL) {
                    result = CV_ERR_NO_MEMORY;
                    break;
                }
                ids = grown;
                capacity = grown_capacity;
            }
            ids[count] = text_duplicate(store_column_text(statement, 0));
            if (ids[count] == NULL) {
                result = CV_ERR_NO_MEMORY;
                break;
            }
            count++;
        }
        if (result == CV_OK && step != STORE_DONE)
            result = store_db_error(database);
    }
    store_stmt_done(statement);
    if (result != CV_OK) {
        for (size_t index = 0; index < count; index++)
            free(ids[index]);
        free(ids);
        return result;
    }
    *ids_out = ids;
    *count_out = count;
    return CV_OK;
}

/* ---- the writes of a meeting's progress (db_bookings.h) ------------------ */

/* What one of the progress writes binds: the booking, and either the
 * booking row's texts or one participant. */
typedef struct {
    const booking *record;
    const char *booking_id;
    const char *texts[2];
    int64_t now;
    size_t position;
    const booking_participant *participant;
    bool *stored; /* NULL, or set to whether the participant's row was written */
} progress_write;

static cv_result write_start_choice(store_db *database, void *context)
{
    const progress_write *write = context;
    const booking *record = write->record;
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(
        database,
        "UPDATE bookings SET state = 'starting', holds_capacity = 1, cospace_id = ?2, slot = ?3,"
        " secret = ?4, used_address = ?5, slot_note = ?6, failure = NULL, updated = ?7"
        " WHERE id = ?1",
        &statement);
    if (code != CV_OK)
        return store_db_error(database);
    store_bind_text(statement, 1, record->id);
    store_bind_text_or_null(statement, 2, record->cospace_id);
    store_bind_int64(statement, 3, record->slot);
    store_bind_text_or_null(statement, 4, record->secret);
    store_bind_text_or_null(statement, 5, record->started_via);
    store_bind_text_or_null(statement, 6, record->slot_note);
    store_bind_int64(statement, 7, write->now);
    return store_stmt_run(statement);
}

cv_result db_booking_store_start_choice(store_db *database, const booking *record, int64_t now)
{
    progress_write write = {.record = record, .now = now};
    return store_db_transaction(database, write_start_choice, &write);
}

static cv_result write_call(store_db *database, void *context)
{
    const progress_write *write = context;
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(
        database, "UPDATE bookings SET call_id = ?2, used_address = ?3, updated = ?4 WHERE id = ?1",
        &statement);
    if (code != CV_OK)
        return store_db_error(database);
    store_bind_text(statement, 1, write->booking_id);
    store_bind_text_or_null(statement, 2, write->texts[0]);
    store_bind_text_or_null(statement, 3, write->texts[1]);
    store_bind_int64(statement, 4, write->now);
    return store_stmt_run(statement);
}

cv_result db_booking_store_call(store_db *database, const char *booking_id, const char *call_id,
                                const char *address, int64_t now)
{
    progress_write write = {.booking_id = booking_id, .texts = {call_id, address}, .now = now};
    return store_db_transaction(database, write_call, &write);
}

static cv_result write_failure_note(store_db *database, void *context)
{
    const progress_write *write = context;
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(
        database, "UPDATE bookings SET failure = ?2, updated = ?3 WHERE id = ?1", &statement);
    if (code != CV_OK)
        return store_db_error(database);
    store_bind_text(statement, 1, write->booking_id);
    store_bind_text_or_null(statement, 2, write->texts[0]);
    store_bind_int64(statement, 3, write->now);
    return store_stmt_run(statement);
}

cv_result db_booking_store_failure_note(store_db *database, const char *booking_id,
                                        const char *failure, int64_t now)
{
    progress_write write = {.booking_id = booking_id, .texts = {failure, NULL}, .now = now};
    return store_db_transaction(database, write_failure_note, &write);
}

static cv_result write_participant(store_db *database, void *context)
{
    const progress_write *write = context;
    const booking_participant *participant = write->participant;
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(
        database,
        "UPDATE participants SET state = ?3, call_leg_id = ?4, attempts = ?5, state_since = ?6,"
        " next_attempt = ?7 WHERE booking_id = ?1 AND position = ?2 AND uri = ?8"
        " AND (state IS NULL OR state <> 'dropped' OR CAST(?3 AS TEXT) = 'dropped')",
        &statement);
    if (code != CV_OK)
        return store_db_error(database);
    store_bind_text(statement, 1, write->booking_id);
    store_bind_int64(statement, 2, (int64_t)write->position);
    store_bind_text(statement, 3, participant_state_name(participant->state));
    store_bind_text_or_null(statement, 4, participant->call_leg_id);
    store_bind_int64(statement, 5, participant->attempts);
    store_bind_int64(statement, 6, participant->state_since);
    store_bind_int64(statement, 7, participant->next_attempt);
    store_bind_text(statement, 8, participant->uri);
    cv_result result = store_stmt_run(statement);
    if (result == CV_OK && write->stored != NULL)
        *write->stored = store_db_changes(database) > 0;
    return result;
}

cv_result db_participant_store(store_db *database, const char *booking_id, size_t position,
                               const booking_participant *participant, bool *stored)
{
    progress_write write = {.booking_id = booking_id,
                            .position = position,
                            .participant = participant,
                            .stored = stored};
    return store_db_transaction(database, write_participant, &write);
}

cv_result db_participant_is_dropped(store_db *database, const char *booking_id, size_t position,
                                    const char *uri, bool *dropped)
{
    *dropped = false;
    store_stmt *statement = NULL;
    if (store_db_prepare(database,
                         "SELECT state FROM participants"
                         " WHERE booking_id = ?1 AND position = ?2 AND uri = ?3",
                         &statement) != CV_OK)
        return store_db_error(database);
    store_bind_text(statement, 1, booking_id);
    store_bind_int64(statement, 2, (int64_t)position);
    store_bind_text(statement, 3, uri);
    store_step_state step = store_step(statement);
    const char *state = step == STORE_ROW ? store_column_text(statement, 0) : NULL;
    *dropped = state != NULL && strcmp(state, "dropped") == 0;
    cv_result result = step == STORE_FAILED ? store_db_error(database) : CV_OK;
    store_stmt_done(statement);
    return result;
}

cv_result db_bookings_each_scheduled(store_db *database, db_scheduled_visit visit, void *context)
{
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(database,
                                      "SELECT id, occupied_start FROM bookings"
                                      " WHERE state = 'scheduled' AND cancelled = 0",
                                      &statement);
    store_step_state step = STORE_FAILED;
    cv_result result = code;
    while (result == CV_OK && (step = store_step(statement)) == STORE_ROW) {
        const char *id = store_column_text(statement, 0);
        if (id != NULL)
            visit(id, store_column_int64(statement, 1), context);
    }
    if (result == CV_OK && step != STORE_DONE)
        result = store_db_error(database);
    store_stmt_done(statement);
    return result;
}

cv_result db_bookings_each_in_window(store_db *database, int64_t from, int64_t to, int64_t limit,
                                     const char *bridge_id, db_booking_id_visit visit,
                                     void *context)
{
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(database,
                                      "SELECT id FROM bookings WHERE start_at < ?2 AND end_at > ?1"
                                      " AND (CAST(?4 AS TEXT) IS NULL OR bridge_id = ?4)"
                                      " ORDER BY start_at, id LIMIT ?3",
                                      &statement);
    store_step_state step = STORE_FAILED;
    if (code != CV_OK)
        return store_db_error(database);
    store_bind_int64(statement, 1, from);
    store_bind_int64(statement, 2, to);
    store_bind_int64(statement, 3, limit);
    if (bridge_id != NULL)
        store_bind_text(statement, 4, bridge_id);
    cv_result result = CV_OK;
    while (result == CV_OK && (step = store_step(statement)) == STORE_ROW) {
        char id[ID_TEXT_SIZE]; /* a copy: the visit may use the connection */
        snprintf(id, sizeof id, "%s", store_column_text(statement, 0));
        result = visit(id, context);
    }
    if (result == CV_OK && step != STORE_DONE)
        result = store_db_error(database);
    store_stmt_done(statement);
    return result;
}

cv_result db_bookings_outside_range_each(store_db *database, const char *bridge_id, bool has_range,
                                         int64_t base, int64_t quantity,
                                         db_booking_on_slot_visit visit, void *context)
{
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(
        database,
        "SELECT id, title, slot FROM bookings WHERE holds_capacity = 1 AND bridge_id = ?1"
        " AND slot IS NOT NULL AND state IN " SCHEMA_ACTIVE_BOOKING_STATES
        " AND (?2 = 0 OR slot < ?3 OR slot > ?3 + ?4 - 1) ORDER BY start_at LIMIT 100",
        &statement);
    store_step_state step = STORE_FAILED;
    if (code != CV_OK)
        return store_db_error(database);
    store_bind_text(statement, 1, bridge_id);
    store_bind_int(statement, 2, has_range ? 1 : 0);
    store_bind_int64(statement, 3, base);
    store_bind_int64(statement, 4, quantity);
    cv_result result = CV_OK;
    while (result == CV_OK && (step = store_step(statement)) == STORE_ROW) {
        db_booking_on_slot row = {store_column_text(statement, 0), store_column_text(statement, 1),
                                  store_column_int64(statement, 2)};
        result = visit(&row, context);
    }
    if (result == CV_OK && step != STORE_DONE)
        result = store_db_error(database);
    store_stmt_done(statement);
    return result;
}

/* store_db_work: the live control settings of the booking `context`. */
static cv_result write_live_controls(store_db *database, void *context)
{
    const booking *record = context;
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(
        database, "UPDATE bookings SET live_locked = ?2, live_layout = ?3 WHERE id = ?1",
        &statement);
    if (code != CV_OK)
        return store_db_error(database);
    store_bind_text(statement, 1, record->id);
    store_bind_int(statement, 2, record->live_locked ? 1 : 0);
    store_bind_text_or_null(statement, 3, record->live_layout);
    cv_result result = store_stmt_run(statement);
    for (size_t index = 0; result == CV_OK && index < record->participant_count; index++) {
        const booking_participant *participant = &record->participants[index];
        code = store_db_prepare(database,
                                "UPDATE participants SET audio_muted = ?3, video_muted = ?4,"
                                " layout = ?5 WHERE booking_id = ?1 AND position = ?2 AND uri = ?6",
                                &statement);
        if (code != CV_OK)
            return store_db_error(database);
        store_bind_text(statement, 1, record->id);
        store_bind_int64(statement, 2, (int64_t)index);
        store_bind_int(statement, 3, participant->audio_muted ? 1 : 0);
        store_bind_int(statement, 4, participant->video_muted ? 1 : 0);
        store_bind_text_or_null(statement, 5, participant->layout);
        store_bind_text(statement, 6, participant->uri);
        result = store_stmt_run(statement);
    }
    return result;
}

cv_result db_booking_store_live_controls(store_db *database, const booking *record)
{
    return store_db_transaction(database, write_live_controls, (void *)record);
}
