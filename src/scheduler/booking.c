/*
 * booking.c - the booking model: its states and their one name table,
 * validation of client input, SIP URIs, placement on a bridge and slot
 * under strict capacity, and the JSON form (see booking.h).
 *
 * Owns: what the rows of `bookings` and `participants` mean. Does not
 * own: their SQL (db_bookings.c), the HTTP handlers (booking_api.c), the
 * capacity SQL (db_slots.c), the meeting lifecycle (lifecycle*.c).
 */
#include "scheduler/booking.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/rfc3339.h"
#include "common/store_db_pool.h"
#include "common/text.h"
#include "scheduler/calendar.h"
#include "scheduler/slots.h"

/* --- model ----------------------------------------------------------- */

void booking_init(booking *record)
{
    memset(record, 0, sizeof *record);
    record->slot = -1;
    record->state = BOOKING_SCHEDULED;
}

void booking_clear(booking *record)
{
    free(record->title);
    free(record->participants);
    free(record->failure);
    free(record->started_via);
    free(record->slot_note);
    booking_init(record);
}

static const char *const booking_state_names[] = {
    [BOOKING_SCHEDULED] = "scheduled", [BOOKING_STARTING] = "starting", [BOOKING_LIVE] = "live",
    [BOOKING_ENDING] = "ending",       [BOOKING_ENDED] = "ended",       [BOOKING_FAILED] = "failed",
};

static const char *const participant_state_names[] = {
    [PARTICIPANT_PENDING] = "pending",
    [PARTICIPANT_DIALING] = "dialing",
    [PARTICIPANT_RINGING] = "ringing",
    [PARTICIPANT_CONNECTED] = "connected",
    [PARTICIPANT_BUSY] = "busy",
    [PARTICIPANT_NO_ANSWER] = "noAnswer",
    [PARTICIPANT_FAILED] = "failed",
    [PARTICIPANT_WAITING] = "waiting",
    [PARTICIPANT_DISCONNECTED] = "disconnected",
    [PARTICIPANT_LEFT] = "left",
    [PARTICIPANT_DROPPED] = "dropped",
};

#define NAME_COUNT(table) (sizeof table / sizeof table[0])

/* The index of `name` in a name table; -1 when absent. */
static int name_index(const char *const *names, size_t count, const char *name)
{
    for (size_t index = 0; name != NULL && index < count; index++)
        if (names[index] != NULL && strcmp(names[index], name) == 0)
            return (int)index;
    return -1;
}

const char *booking_state_name(booking_state state)
{
    return (size_t)state < NAME_COUNT(booking_state_names) ? booking_state_names[state] : "?";
}

cv_result booking_state_parse(const char *name, booking_state *out)
{
    int index = name_index(booking_state_names, NAME_COUNT(booking_state_names), name);
    if (index < 0)
        return CV_ERR_INVALID;
    *out = (booking_state)index;
    return CV_OK;
}

const char *participant_state_name(participant_state state)
{
    return (size_t)state < NAME_COUNT(participant_state_names) ? participant_state_names[state]
                                                               : "?";
}

cv_result participant_state_parse(const char *name, participant_state *out)
{
    int index = name_index(participant_state_names, NAME_COUNT(participant_state_names), name);
    if (index < 0)
        return CV_ERR_INVALID;
    *out = (participant_state)index;
    return CV_OK;
}

bool booking_state_holds_capacity(booking_state state)
{
    return state == BOOKING_SCHEDULED || state == BOOKING_STARTING || state == BOOKING_LIVE ||
           state == BOOKING_ENDING;
}

/* --- SIP URIs -------------------------------------------------------- */

static size_t scheme_length(const char *uri)
{
    if (strncasecmp(uri, "sip:", 4) == 0)
        return 4;
    if (strncasecmp(uri, "sips:", 5) == 0)
        return 5;
    return 0;
}

static bool user_character(unsigned char character)
{
    return isalnum(character) || strchr("-_.!~*'()&=+$,;?/", character) != NULL;
}

static bool host_is_valid(const char *host, size_t length)
{
    if (length == 0)
        return false;
    if (host[0] == '[') {
        if (length < 3 || host[length - 1] != ']')
            return false;
        for (size_t index = 1; index + 1 < length; index++)
            if (!isxdigit((unsigned char)host[index]) && host[index] != ':' && host[index] != '.')
                return false;
        return true;
    }
    if (length > 253)
        return false;
    size_t label = 0;
    for (size_t index = 0; index < length; index++) {
        unsigned char character = (unsigned char)host[index];
        if (character == '.') {
            if (label == 0 || host[index - 1] == '-')
                return false;
            label = 0;
            continue;
        }
        if (!isalnum(character) && character != '-')
            return false;
        if (character == '-' && label == 0)
            return false;
        if (++label > 63)
            return false;
    }
    return label > 0 && host[length - 1] != '-';
}

bool booking_uri_is_valid(const char *uri)
{
    if (uri == NULL)
        return false;
    size_t total = strlen(uri);
    if (total == 0 || total > BOOKING_URI_MAX)
        return false;
    const char *rest = uri + scheme_length(uri);
    const char *at = strrchr(rest, '@');
    if (at == NULL || at == rest)
        return false;
    for (const char *cursor = rest; cursor < at; cursor++) {
        unsigned char character = (unsigned char)*cursor;
        if (character == '%') {
            if (cursor + 2 >= at || !isxdigit((unsigned char)cursor[1]) ||
                !isxdigit((unsigned char)cursor[2]))
                return false;
            cursor += 2;
            continue;
        }
        if (!user_character(character))
            return false;
    }
    const char *host = at + 1;
    size_t host_length = strlen(host);
    /* an optional :port after the host (after the ']' for IPv6) */
    const char *colon = strrchr(host, ':');
    if (colon != NULL && (host[0] != '[' || colon > strrchr(host, ']'))) {
        int64_t port = 0;
        if (text_parse_int64(colon + 1, 1, 65535, &port) != CV_OK)
            return false;
        host_length = (size_t)(colon - host);
    }
    return host_is_valid(host, host_length);
}

void booking_uri_key(const char *uri, char *out, size_t size)
{
    if (size == 0)
        return;
    const char *rest = uri + scheme_length(uri);
    size_t index = 0;
    for (; rest[index] != '\0' && index + 1 < size; index++)
        out[index] = (char)tolower((unsigned char)rest[index]);
    out[index] = '\0';
}

/* --- validation ------------------------------------------------------ */

static cv_result fail_field(booking_changes *changes, const char *field, const char *message)
{
    snprintf(changes->error.field, sizeof changes->error.field, "%s", field);
    snprintf(changes->error.message, sizeof changes->error.message, "%s", message);
    return CV_ERR_INVALID;
}

static bool has_control_characters(const char *text)
{
    for (const unsigned char *cursor = (const unsigned char *)text; *cursor; cursor++)
        if (*cursor < 0x20 || *cursor == 0x7f)
            return true;
    return false;
}

static cv_result read_time(const json_t *value, const char *field, booking_changes *changes,
                           int64_t *out)
{
    if (!json_is_string(value))
        return fail_field(changes, field, "must be an RFC 3339 date-time string");
    if (rfc3339_parse(json_string_value(value), out) != CV_OK)
        return fail_field(changes, field,
                          "must be an RFC 3339 date-time with an offset, "
                          "e.g. 2026-11-25T09:00:00+01:00");
    return CV_OK;
}

/* Reads one member `name` of participants[index] into `participant`;
 * `field` is scratch room for the name of a field in error. */
static cv_result read_participant_member(const char *name, const json_t *member, size_t index,
                                         booking_participant *participant, bool *has_uri,
                                         booking_changes *changes, char field[BOOKING_FIELD_SIZE])
{
    if (strcmp(name, "uri") == 0) {
        snprintf(field, BOOKING_FIELD_SIZE, "participants[%zu].uri", index);
        if (!json_is_string(member) || !booking_uri_is_valid(json_string_value(member)))
            return fail_field(changes, field, "must be a SIP URI such as sip:alice@example.com");
        snprintf(participant->uri, sizeof participant->uri, "%s", json_string_value(member));
        *has_uri = true;
    } else if (strcmp(name, "dial") == 0) {
        snprintf(field, BOOKING_FIELD_SIZE, "participants[%zu].dial", index);
        const char *dial = json_is_string(member) ? json_string_value(member) : "";
        if (strcmp(dial, "out") == 0)
            participant->dial_out = true;
        else if (strcmp(dial, "in") == 0)
            participant->dial_out = false;
        else
            return fail_field(changes, field, "must be \"out\" or \"in\"");
    } else if (strcmp(name, "email") == 0) {
        snprintf(field, BOOKING_FIELD_SIZE, "participants[%zu].email", index);
        if (json_is_null(member))
            participant->email[0] = '\0';
        else if (!json_is_string(member) || strlen(json_string_value(member)) > BOOKING_EMAIL_MAX ||
                 calendar_address_check(json_string_value(member)) != CV_OK)
            return fail_field(changes, field, "must be an e-mail address such as ana@example.com");
        else
            snprintf(participant->email, sizeof participant->email, "%s",
                     json_string_value(member));
    } else if (strcmp(name, "state") == 0 || strcmp(name, "attempts") == 0 ||
               strcmp(name, "detail") == 0 || strcmp(name, "audioMuted") == 0 ||
               strcmp(name, "videoMuted") == 0 || strcmp(name, "layout") == 0) {
        /* read-only, echoed back by clients that PATCH what they GET */
    } else {
        snprintf(field, BOOKING_FIELD_SIZE, "participants[%zu].%.30s", index, name);
        return fail_field(changes, field, "is not a participant field");
    }
    return CV_OK;
}

/* Reads participants[index] (`entry`) into list[index]; list[0 .. index-1]
 * are read already (one URI at most once per booking). */
static cv_result read_participant(const json_t *entry, size_t index, booking_participant *list,
                                  booking_changes *changes)
{
    char field[BOOKING_FIELD_SIZE];
    booking_participant *participant = &list[index];
    if (!json_is_object(entry)) {
        snprintf(field, sizeof field, "participants[%zu]", index);
        return fail_field(changes, field, "must be an object with uri and dial");
    }
    const char *name;
    const json_t *member;
    participant->dial_out = true;
    bool has_uri = false;
    json_object_foreach((json_t *)entry, name, member)
    {
        cv_result result =
            read_participant_member(name, member, index, participant, &has_uri, changes, field);
        if (result != CV_OK)
            return result;
    }
    if (!has_uri) {
        snprintf(field, sizeof field, "participants[%zu].uri", index);
        return fail_field(changes, field, "is required");
    }
    participant->state = PARTICIPANT_PENDING;
    char key[BOOKING_URI_MAX + 1], other[BOOKING_URI_MAX + 1];
    booking_uri_key(participant->uri, key, sizeof key);
    for (size_t earlier = 0; earlier < index; earlier++) {
        booking_uri_key(list[earlier].uri, other, sizeof other);
        if (strcmp(key, other) == 0) {
            snprintf(field, sizeof field, "participants[%zu].uri", index);
            return fail_field(changes, field, "appears twice in this booking");
        }
    }
    return CV_OK;
}

static cv_result read_participants(const json_t *value, booking *record, booking_changes *changes)
{
    if (!json_is_array(value))
        return fail_field(changes, "participants", "must be an array");
    size_t count = json_array_size(value);
    if (count > BOOKING_PARTICIPANTS_MAX)
        return fail_field(changes, "participants", "has too many entries (at most 200)");
    booking_participant *list = count ? calloc(count, sizeof *list) : NULL;
    if (count && list == NULL)
        return CV_ERR_NO_MEMORY;
    for (size_t index = 0; index < count; index++) {
        cv_result result = read_participant(json_array_get(value, index), index, list, changes);
        if (result != CV_OK) {
            free(list);
            return result;
        }
    }
    /* keep the live state of participants that stay (their e-mail is as
     * the request says: the list replaces the old one) */
    for (size_t index = 0; index < count; index++) {
        for (size_t old = 0; old < record->participant_count; old++) {
            if (strcmp(record->participants[old].uri, list[index].uri) == 0 &&
                record->participants[old].dial_out == list[index].dial_out) {
                char email[BOOKING_EMAIL_MAX + 1];
                memcpy(email, list[index].email, sizeof email);
                list[index] = record->participants[old];
                memcpy(list[index].email, email, sizeof email);
                break;
            }
        }
    }
    free(record->participants);
    record->participants = list;
    record->participant_count = count;
    return CV_OK;
}

static cv_result read_title(const json_t *value, booking *record, booking_changes *changes)
{
    if (!json_is_string(value))
        return fail_field(changes, "title", "must be a string");
    const char *title = json_string_value(value);
    size_t length = strlen(title);
    if (length == 0 || length > BOOKING_TITLE_MAX)
        return fail_field(changes, "title", "must be 1 to 200 bytes long");
    if (length != json_string_length(value) || has_control_characters(title))
        return fail_field(changes, "title", "must not contain control characters");
    char *copy = text_duplicate(title);
    if (copy == NULL)
        return CV_ERR_NO_MEMORY;
    free(record->title);
    record->title = copy;
    changes->has_title = true;
    return CV_OK;
}

static cv_result read_passcode(const json_t *value, booking *record, booking_changes *changes)
{
    if (json_is_null(value) || (json_is_string(value) && json_string_length(value) == 0)) {
        record->has_passcode = false;
        record->passcode[0] = '\0';
    } else {
        const char *passcode = json_is_string(value) ? json_string_value(value) : NULL;
        if (passcode == NULL || !text_is_digits(passcode) ||
            strlen(passcode) > BOOKING_PASSCODE_MAX)
            return fail_field(changes, "passcode", "must be a string of 1 to 32 digits, or null");
        record->has_passcode = true;
        snprintf(record->passcode, sizeof record->passcode, "%s", passcode);
    }
    changes->has_passcode = true;
    return CV_OK;
}

/* *bridge_text: the ID or name asked for (inside `value`), NULL for none. */
static cv_result read_bridge(const json_t *value, booking_changes *changes,
                             const char **bridge_text)
{
    if (json_is_null(value)) {
        *bridge_text = NULL;
    } else if (json_is_string(value) && json_string_length(value) > 0 &&
               json_string_length(value) <= 256) {
        *bridge_text = json_string_value(value);
    } else {
        return fail_field(changes, "bridge", "must be a bridge ID or name, or null");
    }
    changes->has_bridge = true;
    return CV_OK;
}

/* A member that is no booking field: read-only members are ignored, so
 * that a client may send back what it got; anything else is an error. */
static cv_result check_other_member(const char *name, booking_changes *changes)
{
    static const char *const read_only[] = {"id",      "slot",       "dialIn",   "state",
                                            "failure", "cancelled",  "slotNote", "owner",
                                            "live",    "attendance", NULL};
    for (size_t index = 0; read_only[index] != NULL; index++)
        if (strcmp(name, read_only[index]) == 0)
            return CV_OK;
    char field[BOOKING_FIELD_SIZE];
    snprintf(field, sizeof field, "%.60s", name);
    return fail_field(changes, field, "is not a booking field");
}

/* Reads one member of a booking's JSON into the record. */
static cv_result apply_member(booking *record, const char *name, const json_t *value,
                              booking_changes *changes, const char **bridge_text)
{
    cv_result result = CV_OK;
    if (strcmp(name, "title") == 0) {
        result = read_title(value, record, changes);
    } else if (strcmp(name, "start") == 0) {
        if ((result = read_time(value, "start", changes, &record->start)) == CV_OK)
            changes->has_start = true;
    } else if (strcmp(name, "end") == 0) {
        if ((result = read_time(value, "end", changes, &record->end)) == CV_OK)
            changes->has_end = true;
    } else if (strcmp(name, "passcode") == 0) {
        result = read_passcode(value, record, changes);
    } else if (strcmp(name, "participants") == 0) {
        if ((result = read_participants(value, record, changes)) == CV_OK)
            changes->has_participants = true;
    } else if (strcmp(name, "bridge") == 0) {
        result = read_bridge(value, changes, bridge_text);
    } else if (strcmp(name, "setupBufferMinutes") == 0) {
        if (!json_is_integer(value) || json_integer_value(value) < 0 ||
            json_integer_value(value) > BOOKING_SETUP_BUFFER_MAX)
            return fail_field(changes, "setupBufferMinutes", "must be an integer from 0 to 120");
        record->setup_buffer_minutes = json_integer_value(value);
        changes->has_setup_buffer = true;
    } else {
        result = check_other_member(name, changes);
    }
    return result;
}

/* The rules on the whole booking once every member is read. */
static cv_result check_times(const booking *record, const booking_limits *limits, bool creating,
                             booking_changes *changes)
{
    if (creating) {
        if (!changes->has_title)
            return fail_field(changes, "title", "is required");
        if (!changes->has_start)
            return fail_field(changes, "start", "is required");
        if (!changes->has_end)
            return fail_field(changes, "end", "is required");
    }
    if (record->start >= record->end)
        return fail_field(changes, changes->has_end ? "end" : "start",
                          "the meeting must end after it starts");
    int64_t max_minutes =
        limits->max_meeting_minutes > 0 ? limits->max_meeting_minutes : BOOKING_DEFAULT_MAX_MINUTES;
    if (record->end - record->start > max_minutes * 60) {
        char message[96];
        snprintf(message, sizeof message, "the meeting is longer than the maximum of %lld minutes",
                 (long long)max_minutes);
        return fail_field(changes, changes->has_end ? "end" : "start", message);
    }
    if (changes->has_start && record->start < limits->now - BOOKING_PAST_GRACE_SECONDS)
        return fail_field(changes, "start", "is in the past");
    if (changes->has_end && record->end <= limits->now)
        return fail_field(changes, "end", "is in the past");
    return CV_OK;
}

cv_result booking_apply_json(booking *record, const json_t *document, const booking_limits *limits,
                             bool creating, booking_changes *changes, const char **bridge_text)
{
    memset(changes, 0, sizeof *changes);
    *bridge_text = NULL;
    if (!json_is_object(document))
        return fail_field(changes, "body", "must be a JSON object");
    const char *name;
    const json_t *value;
    json_object_foreach((json_t *)document, name, value)
    {
        cv_result result = apply_member(record, name, value, changes, bridge_text);
        if (result != CV_OK)
            return result;
    }
    return check_times(record, limits, creating, changes);
}

/* --- placement ------------------------------------------------------- */

static const booking_bridge *find_candidate(const booking_bridge *candidates, size_t count,
                                            const char *id)
{
    for (size_t index = 0; index < count; index++)
        if (strcmp(candidates[index].id, id) == 0)
            return &candidates[index];
    return NULL;
}

#define CONFLICT_LIST_LIMIT 50

/* Appends to `list` the other meetings any of the record's participants
 * is in over the window: one URI never in two overlapping meetings. */
static cv_result list_participant_conflicts(store_db *database, const booking *record,
                                            const slot_window *window, json_t *list)
{
    const char **keys = NULL;
    char *key_storage = NULL;
    if (record->participant_count > 0) {
        keys = calloc(record->participant_count, sizeof *keys);
        key_storage = calloc(record->participant_count, BOOKING_URI_MAX + 1);
        if (keys == NULL || key_storage == NULL) {
            free(keys);
            free(key_storage);
            return CV_ERR_NO_MEMORY;
        }
        for (size_t index = 0; index < record->participant_count; index++) {
            char *key = key_storage + index * (BOOKING_URI_MAX + 1);
            booking_uri_key(record->participants[index].uri, key, BOOKING_URI_MAX + 1);
            keys[index] = key;
        }
    }
    cv_result result =
        slots_list_participant_conflicts(database, keys, record->participant_count, window, list);
    free(keys);
    free(key_storage);
    return result;
}

/* Placement on the bridge the client named. *placed when a slot was free;
 * otherwise *reason says why and `list` names what is in the way.
 * CV_ERR_NOT_FOUND when the bridge is not among the candidates. */
static cv_result place_on_chosen(store_db *database, booking *record,
                                 const booking_bridge *candidates, size_t candidate_count,
                                 const slot_window *window, json_t *list, bool *placed,
                                 const char **reason)
{
    const booking_bridge *bridge = find_candidate(candidates, candidate_count, record->bridge_id);
    if (bridge == NULL)
        return CV_ERR_NOT_FOUND;
    if (!bridge->bookable) {
        json_t *entry = json_pack("{s:s, s:s}", "bridge", bridge->id, "reason",
                                  "the bridge does not take bookings (allowBooking off or "
                                  "slots not provisioned)");
        if (entry == NULL || json_array_append_new(list, entry) != 0)
            return CV_ERR_NO_MEMORY;
        *reason = "the chosen bridge does not take bookings";
        return CV_OK;
    }
    int64_t slot = -1;
    cv_result result = slots_find_free(database, bridge->id, bridge->slot_base, bridge->slot_count,
                                       window, record->slot, &slot);
    if (result == CV_OK) {
        record->slot = slot;
        *placed = true;
    } else if (result == CV_ERR_CONFLICT) {
        result =
            slots_list_bridge_bookings(database, bridge->id, window, CONFLICT_LIST_LIMIT, list);
        *reason = "every slot on the bridge is booked over that time";
    }
    return result == CV_ERR_CONFLICT ? CV_OK : result;
}

/* When no bridge has room: the bookings in the way on every bookable
 * bridge (at most CONFLICT_LIST_LIMIT entries in `list`) and why. */
static cv_result list_full_bridges(store_db *database, const booking_bridge *candidates,
                                   size_t candidate_count, const slot_window *window, json_t *list,
                                   const char **reason)
{
    size_t bookable = 0;
    for (size_t index = 0; index < candidate_count; index++) {
        if (!candidates[index].bookable)
            continue;
        bookable++;
        size_t room = json_array_size(list) < CONFLICT_LIST_LIMIT
                          ? CONFLICT_LIST_LIMIT - json_array_size(list)
                          : 0;
        cv_result result =
            slots_list_bridge_bookings(database, candidates[index].id, window, room, list);
        if (result != CV_OK)
            return result;
    }
    *reason = bookable ? "every slot on every bookable bridge is booked over that time"
                       : "no bridge takes bookings (none added, provisioned and "
                         "allowing booking)";
    return CV_OK;
}

/* Placement on any bridge: the bridge it already has first (a PATCH keeps
 * its place when it can), then the others in order. */
static cv_result place_anywhere(store_db *database, booking *record,
                                const booking_bridge *candidates, size_t candidate_count,
                                const slot_window *window, json_t *list, bool *placed,
                                const char **reason)
{
    const booking_bridge *current =
        record->bridge_id[0] ? find_candidate(candidates, candidate_count, record->bridge_id)
                             : NULL;
    for (size_t pass = 0; pass <= candidate_count && !*placed; pass++) {
        const booking_bridge *bridge = pass == 0 ? current : &candidates[pass - 1];
        if (bridge == NULL || !bridge->bookable || (pass > 0 && bridge == current))
            continue;
        int64_t slot = -1;
        cv_result result =
            slots_find_free(database, bridge->id, bridge->slot_base, bridge->slot_count, window,
                            bridge == current ? record->slot : -1, &slot);
        if (result == CV_OK) {
            if (bridge != current)
                snprintf(record->bridge_id, sizeof record->bridge_id, "%s", bridge->id);
            record->slot = slot;
            *placed = true;
        } else if (result != CV_ERR_CONFLICT) {
            return result;
        }
    }
    if (*placed)
        return CV_OK;
    return list_full_bridges(database, candidates, candidate_count, window, list, reason);
}

cv_result booking_place(store_db *database, booking *record, const booking_bridge *candidates,
                        size_t candidate_count, json_t **conflicts, const char **reason)
{
    *conflicts = NULL;
    *reason = NULL;
    json_t *list = json_array();
    if (list == NULL)
        return CV_ERR_NO_MEMORY;
    slot_window window = {booking_occupied_start(record), record->end,
                          record->id[0] ? record->id : NULL};

    /* participants first, then a slot */
    cv_result result = list_participant_conflicts(database, record, &window, list);
    bool participants_conflict = json_array_size(list) > 0;
    bool placed = false;
    if (result == CV_OK)
        result = record->bridge_chosen
                     ? place_on_chosen(database, record, candidates, candidate_count, &window, list,
                                       &placed, reason)
                     : place_anywhere(database, record, candidates, candidate_count, &window, list,
                                      &placed, reason);
    if (result != CV_OK) {
        json_decref(list);
        return result;
    }
    if (placed && !participants_conflict) {
        json_decref(list);
        return CV_OK;
    }
    if (participants_conflict && (placed || *reason == NULL))
        *reason = "a participant is already in another meeting at that time";
    else if (participants_conflict)
        *reason = "a participant is already in another meeting at that time, and no slot is free";
    *conflicts = list;
    return CV_ERR_CONFLICT;
}

/* --- JSON ------------------------------------------------------------ */

json_t *booking_to_json(const booking *record, const char *domain)
{
    char start[32], end[32];
    rfc3339_format_utc(record->start, start, sizeof start);
    rfc3339_format_utc(record->end, end, sizeof end);
    json_t *participants = json_array();
    if (participants == NULL)
        return NULL;
    for (size_t index = 0; index < record->participant_count; index++) {
        const booking_participant *participant = &record->participants[index];
        char detail[96] = "";
        bool unsuccessful = participant->state == PARTICIPANT_BUSY ||
                            participant->state == PARTICIPANT_NO_ANSWER ||
                            participant->state == PARTICIPANT_FAILED;
        if (unsuccessful && participant->next_attempt > 0) {
            char when[32];
            rfc3339_format_utc(participant->next_attempt, when, sizeof when);
            snprintf(detail, sizeof detail, "trying again at %s", when);
        } else if (unsuccessful) {
            snprintf(detail, sizeof detail, "no more attempts (%lld made)",
                     (long long)participant->attempts);
        }
        json_t *entry = json_pack(
            "{s:s, s:s, s:s, s:I, s:o, s:b, s:b, s:o, s:o}", "uri", participant->uri, "dial",
            participant->dial_out ? "out" : "in", "state",
            participant_state_name(participant->state), "attempts",
            (json_int_t)participant->attempts, "detail",
            detail[0] ? json_string(detail) : json_null(), "audioMuted", participant->audio_muted,
            "videoMuted", participant->video_muted, "layout",
            participant->layout[0] ? json_string(participant->layout) : json_null(), "email",
            participant->email[0] ? json_string(participant->email) : json_null());
        if (entry == NULL || json_array_append_new(participants, entry) != 0) {
            json_decref(entry);
            json_decref(participants);
            return NULL;
        }
    }
    json_t *dial_in = NULL;
    if (record->slot >= 0) {
        char slot[32], uri[BOOKING_URI_MAX + 40];
        snprintf(slot, sizeof slot, "%lld", (long long)record->slot);
        if (domain != NULL && domain[0] != '\0') {
            snprintf(uri, sizeof uri, "%s@%s", slot, domain);
            dial_in = json_pack("{s:s, s:s}", "uri", uri, "callId", slot);
        } else {
            dial_in = json_pack("{s:n, s:s}", "uri", "callId", slot);
        }
        if (dial_in != NULL && record->has_passcode)
            json_object_set_new(dial_in, "passcode", json_string(record->passcode));
    } else {
        dial_in = json_null();
    }
    json_t *document = json_pack(
        "{s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:b, s:o}", "id", record->id,
        "title", record->title ? record->title : "", "start", start, "end", end,
        "setupBufferMinutes", (json_int_t)record->setup_buffer_minutes, "passcode",
        record->has_passcode ? json_string(record->passcode) : json_null(), "participants",
        participants, "bridge", record->bridge_id[0] ? json_string(record->bridge_id) : json_null(),
        "slot", record->slot >= 0 ? json_integer(record->slot) : json_null(), "dialIn",
        dial_in ? dial_in : json_null(), "state", booking_state_name(record->state), "failure",
        record->failure ? json_string(record->failure) : json_null(), "cancelled",
        record->cancelled, "slotNote",
        record->slot_note ? json_string(record->slot_note) : json_null());
    if (document != NULL &&
        json_object_set_new(document, "live",
                            json_pack("{s:b, s:o}", "locked", record->live_locked, "layout",
                                      record->live_layout[0] ? json_string(record->live_layout)
                                                             : json_null())) != 0) {
        json_decref(document);
        return NULL;
    }
    return document;
}
