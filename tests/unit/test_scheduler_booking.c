/*
 * test_scheduler_booking.c - bookings without a network: RFC 3339 times,
 * SIP URIs, validation naming the field, and capacity - slot assignment
 * (lowest free over the whole meeting), overlap rules, setup buffers,
 * participant conflicts, bridge choice - on a real SQLite database with
 * convened's schema, and again on PostgreSQL when CONVENE_TEST_POSTGRESQL_URL
 * names an empty database (tests/integration/test_store_postgresql.py
 * starts a server and sets it; the capacity cases then run as group
 * "postgresql", each on a freshly emptied schema).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>
#include <unistd.h>

#include "common/ids.h"
#include "common/store_sql.h"
#include "scheduler/booking.h"
#include "scheduler/schema.h"
#include "scheduler/slots.h"

#define HOUR 3600
static const int64_t BASE_TIME = 1893456000; /* 2030-01-01T00:00:00Z */

/* --- times and URIs -------------------------------------------------- */

static void test_uris(void **state)
{
    (void)state;
    const char *good[] = {"alice@example.com",        "sip:alice@example.com",
                          "SIPS:bob@10.0.0.1",        "desk.ex90@tkratzke.local",
                          "1234@vc.example.com:5061", "room+1@[2001:db8::1]",
                          "a%20b@example.com",        NULL};
    for (size_t index = 0; good[index] != NULL; index++)
        if (!booking_uri_is_valid(good[index]))
            fail_msg("refused %s", good[index]);
    const char *bad[] = {"",
                         "alice",
                         "@example.com",
                         "alice@",
                         "alice@exa mple.com",
                         "al ice@example.com",
                         "alice@-example.com",
                         "alice@example..com",
                         "alice@example.com:0",
                         "alice@example.com:99999",
                         "a%2@example.com",
                         "alice@[zz::1]",
                         "alice\n@example.com",
                         "http://x@y",
                         NULL};
    for (size_t index = 0; bad[index] != NULL; index++)
        if (booking_uri_is_valid(bad[index]))
            fail_msg("accepted %s", bad[index]);
    char long_uri[300];
    memset(long_uri, 'a', sizeof long_uri);
    strcpy(long_uri + 250, "@b.com");
    assert_false(booking_uri_is_valid(long_uri));
    char key[BOOKING_URI_MAX + 1];
    booking_uri_key("SIP:Alice@Example.COM", key, sizeof key);
    assert_string_equal(key, "alice@example.com");
}

/* --- validation ------------------------------------------------------ */

static booking_limits limits_now(void)
{
    booking_limits limits = {.now = BASE_TIME - 24 * HOUR, .max_meeting_minutes = 240};
    return limits;
}

/* Applies `json_text` to a fresh booking; returns the result and leaves
 * the failing field in `field`. */
static cv_result apply_text(const char *json_text, booking *record, char *field)
{
    json_error_t error;
    json_t *document = json_loads(json_text, 0, &error);
    if (document == NULL)
        fail_msg("bad test JSON: %s", error.text);
    booking_limits limits = limits_now();
    booking_changes changes;
    const char *bridge_text = NULL;
    cv_result result = booking_apply_json(record, document, &limits, true, &changes, &bridge_text);
    strcpy(field, changes.error.field);
    json_decref(document);
    return result;
}

static void expect_field(const char *json_text, const char *expected_field)
{
    booking record;
    booking_init(&record);
    char field[BOOKING_FIELD_SIZE] = "";
    cv_result result = apply_text(json_text, &record, field);
    if (result != CV_ERR_INVALID || strcmp(field, expected_field) != 0)
        fail_msg("%s: result %d field '%s', expected '%s'", json_text, result, field,
                 expected_field);
    booking_clear(&record);
}

#define VALID_TIMES "\"start\":\"2030-01-01T10:00:00Z\",\"end\":\"2030-01-01T11:00:00Z\""

static void test_state_names_round_trip(void **state)
{
    (void)state;
    for (int value = BOOKING_SCHEDULED; value <= BOOKING_FAILED; value++) {
        booking_state parsed = BOOKING_FAILED;
        const char *name = booking_state_name((booking_state)value);
        assert_int_equal(booking_state_parse(name, &parsed), CV_OK);
        assert_int_equal(parsed, value);
    }
    for (int value = PARTICIPANT_PENDING; value <= PARTICIPANT_LEFT; value++) {
        participant_state parsed = PARTICIPANT_LEFT;
        const char *name = participant_state_name((participant_state)value);
        assert_int_equal(participant_state_parse(name, &parsed), CV_OK);
        assert_int_equal(parsed, value);
    }
    assert_string_equal(booking_state_name(BOOKING_LIVE), "live");
    assert_string_equal(participant_state_name(PARTICIPANT_NO_ANSWER), "noAnswer");
    booking_state untouched = BOOKING_LIVE;
    assert_int_equal(booking_state_parse("Live", &untouched), CV_ERR_INVALID);
    assert_int_equal(booking_state_parse(NULL, &untouched), CV_ERR_INVALID);
    assert_int_equal(untouched, BOOKING_LIVE);
}

static void test_valid_booking(void **state)
{
    (void)state;
    booking record;
    booking_init(&record);
    char field[BOOKING_FIELD_SIZE];
    assert_int_equal(
        apply_text("{\"title\":\"Weekly\"," VALID_TIMES ",\"passcode\":\"0042\","
                   "\"setupBufferMinutes\":5,\"participants\":[{\"uri\":\"sip:a@x.com\"},"
                   "{\"uri\":\"b@x.com\",\"dial\":\"in\"}]}",
                   &record, field),
        CV_OK);
    assert_string_equal(record.title, "Weekly");
    assert_int_equal(record.start, BASE_TIME + 10 * HOUR);
    assert_int_equal(record.end, BASE_TIME + 11 * HOUR);
    assert_true(record.has_passcode);
    assert_string_equal(record.passcode, "0042");
    assert_int_equal(record.setup_buffer_minutes, 5);
    assert_int_equal(booking_occupied_start(&record), BASE_TIME + 10 * HOUR - 300);
    assert_int_equal(record.participant_count, 2);
    assert_true(record.participants[0].dial_out);
    assert_false(record.participants[1].dial_out);
    assert_int_equal(record.participants[1].state, PARTICIPANT_PENDING);
    booking_clear(&record);
}

static void test_invalid_bookings_name_the_field(void **state)
{
    (void)state;
    expect_field("[]", "body");
    expect_field("{" VALID_TIMES "}", "title");
    expect_field("{\"title\":\"\"," VALID_TIMES "}", "title");
    expect_field("{\"title\":7," VALID_TIMES "}", "title");
    expect_field("{\"title\":\"a\\u0007b\"," VALID_TIMES "}", "title");
    expect_field("{\"title\":\"t\",\"end\":\"2030-01-01T11:00:00Z\"}", "start");
    expect_field("{\"title\":\"t\",\"start\":\"2030-01-01T11:00:00Z\"}", "end");
    expect_field("{\"title\":\"t\",\"start\":\"tomorrow\",\"end\":\"2030-01-01T11:00:00Z\"}",
                 "start");
    expect_field("{\"title\":\"t\",\"start\":\"2030-01-01T11:00:00Z\","
                 "\"end\":\"2030-01-01T10:00:00Z\"}",
                 "end");
    expect_field("{\"title\":\"t\",\"start\":\"2030-01-01T11:00:00Z\","
                 "\"end\":\"2030-01-01T11:00:00Z\"}",
                 "end");
    /* longer than the configured 240 minutes */
    expect_field("{\"title\":\"t\",\"start\":\"2030-01-01T10:00:00Z\","
                 "\"end\":\"2030-01-01T14:00:01Z\"}",
                 "end");
    /* in the past (limits.now is 2029-12-31T00:00:00Z) */
    expect_field("{\"title\":\"t\",\"start\":\"2029-12-30T10:00:00Z\","
                 "\"end\":\"2029-12-30T11:00:00Z\"}",
                 "start");
    expect_field("{\"title\":\"t\"," VALID_TIMES ",\"passcode\":\"12a4\"}", "passcode");
    expect_field("{\"title\":\"t\"," VALID_TIMES ",\"passcode\":1234}", "passcode");
    expect_field("{\"title\":\"t\"," VALID_TIMES
                 ",\"passcode\":\"123456789012345678901234567890123\"}",
                 "passcode");
    expect_field("{\"title\":\"t\"," VALID_TIMES ",\"participants\":{}}", "participants");
    expect_field("{\"title\":\"t\"," VALID_TIMES ",\"participants\":[{\"uri\":\"nobody\"}]}",
                 "participants[0].uri");
    expect_field("{\"title\":\"t\"," VALID_TIMES
                 ",\"participants\":[{\"uri\":\"a@x.com\"},{\"dial\":\"out\"}]}",
                 "participants[1].uri");
    expect_field("{\"title\":\"t\"," VALID_TIMES
                 ",\"participants\":[{\"uri\":\"a@x.com\",\"dial\":\"sideways\"}]}",
                 "participants[0].dial");
    expect_field("{\"title\":\"t\"," VALID_TIMES
                 ",\"participants\":[{\"uri\":\"a@x.com\"},{\"uri\":\"sip:A@X.com\"}]}",
                 "participants[1].uri");
    expect_field("{\"title\":\"t\"," VALID_TIMES
                 ",\"participants\":[{\"uri\":\"a@x.com\",\"colour\":\"red\"}]}",
                 "participants[0].colour");
    expect_field("{\"title\":\"t\"," VALID_TIMES ",\"setupBufferMinutes\":-1}",
                 "setupBufferMinutes");
    expect_field("{\"title\":\"t\"," VALID_TIMES ",\"setupBufferMinutes\":121}",
                 "setupBufferMinutes");
    expect_field("{\"title\":\"t\"," VALID_TIMES ",\"bridge\":5}", "bridge");
    expect_field("{\"title\":\"t\"," VALID_TIMES ",\"colour\":\"red\"}", "colour");

    /* too many participants */
    json_t *document = json_pack("{s:s, s:s, s:s}", "title", "t", "start", "2030-01-01T10:00:00Z",
                                 "end", "2030-01-01T11:00:00Z");
    json_t *list = json_array();
    for (int index = 0; index < BOOKING_PARTICIPANTS_MAX + 1; index++) {
        char uri[64];
        snprintf(uri, sizeof uri, "p%d@x.com", index);
        json_array_append_new(list, json_pack("{s:s}", "uri", uri));
    }
    json_object_set_new(document, "participants", list);
    booking record;
    booking_init(&record);
    booking_limits limits = limits_now();
    booking_changes changes;
    const char *bridge_text;
    assert_int_equal(booking_apply_json(&record, document, &limits, true, &changes, &bridge_text),
                     CV_ERR_INVALID);
    assert_string_equal(changes.error.field, "participants");
    booking_clear(&record);
    json_decref(document);
}

static void test_patch_applies_only_what_is_sent(void **state)
{
    (void)state;
    booking record;
    booking_init(&record);
    char field[BOOKING_FIELD_SIZE];
    assert_int_equal(apply_text("{\"title\":\"Weekly\"," VALID_TIMES ",\"passcode\":\"12\","
                                "\"participants\":[{\"uri\":\"a@x.com\"}]}",
                                &record, field),
                     CV_OK);
    record.participants[0].state = PARTICIPANT_CONNECTED;
    record.participants[0].attempts = 1;

    /* a start long past is fine while it is not being changed */
    booking_limits limits = {.now = BASE_TIME + 10 * HOUR + 1800, .max_meeting_minutes = 240};
    json_t *change = json_pack("{s:s, s:n, s:[{s:s, s:s}, {s:s, s:s}]}", "end",
                               "2030-01-01T12:00:00Z", "passcode", "participants", "uri", "a@x.com",
                               "state", "ignored", "uri", "b@x.com", "dial", "in");
    booking_changes changes;
    const char *bridge_text = "untouched";
    assert_int_equal(booking_apply_json(&record, change, &limits, false, &changes, &bridge_text),
                     CV_OK);
    assert_true(changes.has_end && changes.has_passcode && changes.has_participants);
    assert_false(changes.has_start || changes.has_title || changes.has_bridge);
    assert_null(bridge_text);
    assert_string_equal(record.title, "Weekly");
    assert_int_equal(record.end, BASE_TIME + 12 * HOUR);
    assert_false(record.has_passcode);
    assert_int_equal(record.participant_count, 2);
    /* a participant that stays keeps its live state */
    assert_int_equal(record.participants[0].state, PARTICIPANT_CONNECTED);
    assert_int_equal(record.participants[0].attempts, 1);
    assert_int_equal(record.participants[1].state, PARTICIPANT_PENDING);
    json_decref(change);

    /* moving the end into the past is refused */
    change = json_pack("{s:s}", "end", "2030-01-01T10:10:00Z");
    assert_int_equal(booking_apply_json(&record, change, &limits, false, &changes, &bridge_text),
                     CV_ERR_INVALID);
    assert_string_equal(changes.error.field, "end");
    json_decref(change);
    booking_clear(&record);
}

/* --- capacity -------------------------------------------------------- */

typedef struct {
    store_db *database;
    char path[64];
    booking_bridge bridges[3];
} fixture;

/* The database of the PostgreSQL group; NULL runs only the SQLite one. */
static const char *postgresql_url(void)
{
    const char *url = getenv("CONVENE_TEST_POSTGRESQL_URL");
    return url && url[0] ? url : NULL;
}

/* Opens `location` with convened's schema; on PostgreSQL from an empty
 * schema (what an earlier case left is dropped first). */
static int open_world(fixture *world, const char *location)
{
    if (store_db_open(location, getenv("CONVENE_TEST_POSTGRESQL_PASSWORD_FILE"),
                      &world->database) != CV_OK)
        return -1;
    if (store_db_kind(world->database) == STORE_POSTGRESQL &&
        store_db_exec(world->database, "DROP SCHEMA public CASCADE; CREATE SCHEMA public") != CV_OK)
        return -1;
    if (schema_migrate(world->database) != CV_OK)
        return -1;
    const char *names[] = {"alpha", "beta", "gamma"};
    for (int index = 0; index < 3; index++) {
        booking_bridge *bridge = &world->bridges[index];
        id_generate(bridge->id);
        bridge->name = names[index];
        bridge->slot_base = 1;
        bridge->slot_count = 2;
        bridge->bookable = index != 2; /* gamma does not take bookings */
        char sql[256];
        snprintf(sql, sizeof sql,
                 "INSERT INTO bridges (id, address, username, password, created) "
                 "VALUES ('%s', 'https://h%d:443', 'u', 'p', 0)",
                 bridge->id, index);
        if (store_db_exec(world->database, sql) != CV_OK)
            return -1;
    }
    return 0;
}

static int fixture_setup(void **state)
{
    fixture *world = calloc(1, sizeof *world);
    snprintf(world->path, sizeof world->path, "/tmp/test-booking-%d.db", (int)getpid());
    remove(world->path);
    *state = world;
    return open_world(world, world->path);
}

static int fixture_setup_postgresql(void **state)
{
    fixture *world = calloc(1, sizeof *world);
    *state = world;
    return open_world(world, postgresql_url());
}

static int fixture_teardown(void **state)
{
    fixture *world = *state;
    store_db_close(world->database);
    remove(world->path);
    char wal[80];
    snprintf(wal, sizeof wal, "%s-wal", world->path);
    remove(wal);
    snprintf(wal, sizeof wal, "%s-shm", world->path);
    remove(wal);
    free(world);
    return 0;
}

/* Books [start, end) hours after BASE_TIME with the given participants
 * (comma-separated, may be ""), on `bridge` (NULL: any). Returns the
 * placement result; the booking's slot and bridge land in *out_slot and
 * out_bridge. */
static cv_result book(fixture *world, const char *bridge, double start_hours, double end_hours,
                      int64_t buffer_minutes, const char *participants, int64_t *out_slot,
                      char *out_bridge, char *out_id, json_t **conflicts_out)
{
    booking record;
    booking_init(&record);
    id_generate(record.id);
    record.title = strdup("meeting");
    record.start = BASE_TIME + (int64_t)(start_hours * HOUR);
    record.end = BASE_TIME + (int64_t)(end_hours * HOUR);
    record.setup_buffer_minutes = buffer_minutes;
    if (bridge != NULL) {
        strcpy(record.bridge_id, bridge);
        record.bridge_chosen = true;
    }
    char list[512];
    snprintf(list, sizeof list, "%s", participants);
    record.participants = calloc(8, sizeof *record.participants);
    for (char *uri = strtok(list, ","); uri != NULL; uri = strtok(NULL, ",")) {
        booking_participant *participant = &record.participants[record.participant_count++];
        strcpy(participant->uri, uri);
        participant->dial_out = true;
        participant->state = PARTICIPANT_PENDING;
    }
    json_t *conflicts = NULL;
    const char *reason = NULL;
    assert_int_equal(store_db_begin(world->database), CV_OK);
    cv_result result =
        booking_place(world->database, &record, world->bridges, 3, &conflicts, &reason);
    if (result == CV_OK) {
        assert_int_equal(booking_store(world->database, &record), CV_OK);
        assert_int_equal(store_db_commit(world->database), CV_OK);
    } else {
        store_db_rollback(world->database);
        if (result == CV_ERR_CONFLICT)
            assert_non_null(reason);
    }
    if (out_slot)
        *out_slot = record.slot;
    if (out_bridge)
        strcpy(out_bridge, record.bridge_id);
    if (out_id)
        strcpy(out_id, record.id);
    if (conflicts_out)
        *conflicts_out = conflicts;
    else
        json_decref(conflicts);
    booking_clear(&record);
    return result;
}

static void test_lowest_free_slot_over_whole_meeting(void **state)
{
    fixture *world = *state;
    const char *alpha = world->bridges[0].id;
    int64_t slot;
    assert_int_equal(book(world, alpha, 1, 3, 0, "", &slot, NULL, NULL, NULL), CV_OK);
    assert_int_equal(slot, 1);
    /* overlaps the first: slot 2 */
    assert_int_equal(book(world, alpha, 2, 4, 0, "", &slot, NULL, NULL, NULL), CV_OK);
    assert_int_equal(slot, 2);
    /* back to back with the first (3..5 overlaps only the second): slot 1 */
    assert_int_equal(book(world, alpha, 3, 5, 0, "", &slot, NULL, NULL, NULL), CV_OK);
    assert_int_equal(slot, 1);
    /* 4..6: slot 2 is free from 4 on, slot 1 is not: slot 2 */
    assert_int_equal(book(world, alpha, 4, 6, 0, "", &slot, NULL, NULL, NULL), CV_OK);
    assert_int_equal(slot, 2);
    /* 3.5..4.5 overlaps 2..4 (slot 2), 3..5 (slot 1) and 4..6 (slot 2):
     * the bridge is full over that time, and the refusal lists them */
    json_t *conflicts = NULL;
    assert_int_equal(book(world, alpha, 3.5, 4.5, 0, "", &slot, NULL, NULL, &conflicts),
                     CV_ERR_CONFLICT);
    assert_non_null(conflicts);
    assert_int_equal(json_array_size(conflicts), 3);
    assert_non_null(json_object_get(json_array_get(conflicts, 0), "booking"));
    json_decref(conflicts);
}

static void test_setup_buffer_counts(void **state)
{
    fixture *world = *state;
    const char *alpha = world->bridges[0].id;
    int64_t slot;
    assert_int_equal(book(world, alpha, 10, 11, 0, "", &slot, NULL, NULL, NULL), CV_OK);
    assert_int_equal(book(world, alpha, 10, 11, 0, "", &slot, NULL, NULL, NULL), CV_OK);
    /* starts at 11 but connects 15 minutes early: overlaps both */
    assert_int_equal(book(world, alpha, 11, 12, 15, "", &slot, NULL, NULL, NULL), CV_ERR_CONFLICT);
    assert_int_equal(book(world, alpha, 11, 12, 0, "", &slot, NULL, NULL, NULL), CV_OK);
}

static void test_participant_never_in_two_meetings(void **state)
{
    fixture *world = *state;
    const char *alpha = world->bridges[0].id;
    const char *beta = world->bridges[1].id;
    json_t *conflicts = NULL;
    assert_int_equal(book(world, alpha, 20, 21, 0, "a@x.com,b@x.com", NULL, NULL, NULL, NULL),
                     CV_OK);
    /* same participant (other spelling), other bridge, overlapping */
    assert_int_equal(
        book(world, beta, 20.5, 22, 0, "c@x.com,sip:B@X.com", NULL, NULL, NULL, &conflicts),
        CV_ERR_CONFLICT);
    assert_int_equal(json_array_size(conflicts), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(conflicts, 0), "participant")), "b@x.com");
    json_decref(conflicts);
    /* afterwards is fine */
    assert_int_equal(book(world, beta, 21, 22, 0, "b@x.com", NULL, NULL, NULL, NULL), CV_OK);
}

static void test_any_bridge_picks_one_with_room(void **state)
{
    fixture *world = *state;
    char bridge[ID_TEXT_SIZE];
    int64_t slot;
    /* alpha: 2 slots, beta: 2 slots, gamma not bookable */
    for (int index = 0; index < 4; index++) {
        assert_int_equal(book(world, NULL, 30, 31, 0, "", &slot, bridge, NULL, NULL), CV_OK);
        assert_string_equal(bridge, world->bridges[index < 2 ? 0 : 1].id);
        assert_int_equal(slot, 1 + index % 2);
    }
    json_t *conflicts = NULL;
    assert_int_equal(book(world, NULL, 30, 31, 0, "", &slot, bridge, NULL, &conflicts),
                     CV_ERR_CONFLICT);
    assert_int_equal(json_array_size(conflicts), 4);
    json_decref(conflicts);
    /* choosing the bridge that does not take bookings is refused */
    assert_int_equal(book(world, world->bridges[2].id, 40, 41, 0, "", &slot, bridge, NULL, NULL),
                     CV_ERR_CONFLICT);
    /* an unknown bridge is not found */
    assert_int_equal(book(world, "00000000-0000-4000-8000-000000000000", 40, 41, 0, "", &slot,
                          bridge, NULL, NULL),
                     CV_ERR_NOT_FOUND);
}

static void test_ended_bookings_free_capacity_and_reload(void **state)
{
    fixture *world = *state;
    const char *alpha = world->bridges[0].id;
    char first[ID_TEXT_SIZE], second[ID_TEXT_SIZE];
    int64_t slot;
    assert_int_equal(book(world, alpha, 50, 51, 0, "z@x.com", &slot, NULL, first, NULL), CV_OK);
    assert_int_equal(book(world, alpha, 50, 51, 0, "", &slot, NULL, second, NULL), CV_OK);
    assert_int_equal(book(world, alpha, 50, 51, 0, "z@x.com", &slot, NULL, NULL, NULL),
                     CV_ERR_CONFLICT);
    assert_int_equal(booking_set_state(world->database, first, BOOKING_ENDED, NULL), CV_OK);
    assert_int_equal(book(world, alpha, 50, 51, 0, "z@x.com", &slot, NULL, NULL, NULL), CV_OK);
    assert_int_equal(slot, 1);

    booking loaded;
    assert_int_equal(booking_load(world->database, second, &loaded), CV_OK);
    assert_int_equal(loaded.slot, 2);
    assert_string_equal(loaded.bridge_id, alpha);
    assert_int_equal(loaded.state, BOOKING_SCHEDULED);
    json_t *document = booking_to_json(&loaded, "vc.example.com");
    assert_non_null(document);
    json_t *dial_in = json_object_get(document, "dialIn");
    assert_string_equal(json_string_value(json_object_get(dial_in, "uri")), "2@vc.example.com");
    assert_string_equal(json_string_value(json_object_get(dial_in, "callId")), "2");
    assert_string_equal(json_string_value(json_object_get(document, "start")),
                        "2030-01-03T02:00:00Z");
    json_decref(document);
    booking_clear(&loaded);
    assert_int_equal(booking_load(world->database, "nope", &loaded), CV_ERR_NOT_FOUND);

    bool any = false;
    int64_t lowest = 0, highest = 0;
    assert_int_equal(slots_in_use_range(world->database, alpha, &any, &lowest, &highest), CV_OK);
    assert_true(any);
    assert_int_equal(lowest, 1);
    assert_int_equal(highest, 2);
}

static void test_changed_booking_keeps_its_slot(void **state)
{
    fixture *world = *state;
    const char *alpha = world->bridges[0].id;
    char first[ID_TEXT_SIZE], second[ID_TEXT_SIZE];
    int64_t slot;
    assert_int_equal(book(world, alpha, 60, 61, 0, "", &slot, NULL, first, NULL), CV_OK);
    assert_int_equal(book(world, alpha, 60, 61, 0, "", &slot, NULL, second, NULL), CV_OK);
    assert_int_equal(slot, 2);
    /* move the second later: it does not conflict with itself and keeps
     * slot 2 although slot 1 is now free at that time too */
    booking record;
    assert_int_equal(booking_load(world->database, second, &record), CV_OK);
    record.end += HOUR;
    json_t *conflicts = NULL;
    const char *reason = NULL;
    assert_int_equal(
        booking_place(world->database, &record, world->bridges, 3, &conflicts, &reason), CV_OK);
    assert_int_equal(record.slot, 2);
    booking_clear(&record);
}

/* One integer from `sql` on the SQLite connection under `database`. */
static int64_t query_integer(store_db *database, const char *sql)
{
    sqlite3_stmt *statement = NULL;
    assert_int_equal(sqlite3_prepare_v2(store_db_sqlite(database), sql, -1, &statement, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
    int64_t value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return value;
}

/* Migration 15 rebuilds the audit table without AUTOINCREMENT (one page
 * fewer per booking): the rows written before keep their numbers and
 * contents, the next row is numbered after them, and SQLite's counter of
 * the old table is gone. */
static void test_audit_rows_survive_the_rebuild(void **state)
{
    (void)state;
    char path[64];
    snprintf(path, sizeof path, "/tmp/test-booking-audit-%d.db", (int)getpid());
    remove(path);
    store_db *database = NULL;
    assert_int_equal(store_db_open(path, NULL, &database), CV_OK);
    assert_int_equal(schema_migrate_to(database, 14), CV_OK);
    assert_int_equal(
        store_db_exec(database, "INSERT INTO audit (at, actor, address, action, object, details)"
                                " VALUES (100, 'admin', '127.0.0.1', 'booking.create', 'b1', '{}'),"
                                " (101, 'ann', NULL, 'booking.cancel', 'b1', NULL),"
                                " (102, 'admin', NULL, 'user.create', 'ann', '{\"x\":1}');"
                                "DELETE FROM audit WHERE id = 2"),
        CV_OK);
    assert_int_equal(query_integer(database, "SELECT count(*) FROM sqlite_sequence"
                                             " WHERE name = 'audit'"),
                     1);
    assert_int_equal(schema_migrate(database), CV_OK);
    assert_int_equal(query_integer(database, "PRAGMA user_version"),
                     (int64_t)schema_version_count());
    assert_int_equal(query_integer(database, "SELECT count(*) FROM audit"), 2);
    assert_int_equal(query_integer(database, "SELECT count(*) FROM audit WHERE id = 1 AND"
                                             " at = 100 AND actor = 'admin' AND address ="
                                             " '127.0.0.1' AND action = 'booking.create' AND"
                                             " object = 'b1' AND details = '{}'"),
                     1);
    assert_int_equal(query_integer(database, "SELECT count(*) FROM audit WHERE id = 3 AND"
                                             " details = '{\"x\":1}'"),
                     1);
    assert_int_equal(query_integer(database, "SELECT count(*) FROM sqlite_sequence"
                                             " WHERE name = 'audit'"),
                     0);
    assert_int_equal(query_integer(database, "SELECT instr(sql, 'AUTOINCREMENT') FROM"
                                             " sqlite_schema WHERE name = 'audit'"),
                     0);
    assert_int_equal(query_integer(database, "SELECT count(*) FROM sqlite_schema"
                                             " WHERE name = 'audit_by_time'"),
                     1);
    assert_int_equal(store_db_exec(database, "INSERT INTO audit (at, actor, action)"
                                             " VALUES (103, 'admin', 'booking.create')"),
                     CV_OK);
    assert_int_equal(query_integer(database, "SELECT max(id) FROM audit"), 4);
    store_db_close(database);
    remove(path);
}

/* The capacity cases, with `setup` choosing the database. */
#define CAPACITY_CASES(setup)                                                                      \
    cmocka_unit_test_setup_teardown(test_lowest_free_slot_over_whole_meeting, setup,               \
                                    fixture_teardown),                                             \
        cmocka_unit_test_setup_teardown(test_setup_buffer_counts, setup, fixture_teardown),        \
        cmocka_unit_test_setup_teardown(test_participant_never_in_two_meetings, setup,             \
                                        fixture_teardown),                                         \
        cmocka_unit_test_setup_teardown(test_any_bridge_picks_one_with_room, setup,                \
                                        fixture_teardown),                                         \
        cmocka_unit_test_setup_teardown(test_ended_bookings_free_capacity_and_reload, setup,       \
                                        fixture_teardown),                                         \
        cmocka_unit_test_setup_teardown(test_changed_booking_keeps_its_slot, setup,                \
                                        fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uris),
        cmocka_unit_test(test_state_names_round_trip),
        cmocka_unit_test(test_valid_booking),
        cmocka_unit_test(test_invalid_bookings_name_the_field),
        cmocka_unit_test(test_patch_applies_only_what_is_sent),
        cmocka_unit_test(test_audit_rows_survive_the_rebuild),
        CAPACITY_CASES(fixture_setup),
    };
    const struct CMUnitTest postgresql[] = {CAPACITY_CASES(fixture_setup_postgresql)};
    int failed = cmocka_run_group_tests_name("sqlite", tests, NULL, NULL);
    if (postgresql_url())
        failed += cmocka_run_group_tests_name("postgresql", postgresql, NULL, NULL);
    return failed;
}
