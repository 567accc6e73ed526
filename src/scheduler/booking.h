/*
 * booking.h - bookings: the model, validation, storage, capacity placement
 * and the /bookings resource of the JSON API.
 *
 * Owns: what a booking is (title, start/end in UTC seconds, setup buffer,
 * passcode, participants, bridge, slot, state, failure and the facts the
 * lifecycle records on the bridge), strict validation of client input
 * (400 naming the field), RFC 3339 times, SIP URI checks, placing a
 * booking on a bridge and a slot under strict capacity (409 listing the
 * conflicts), and storing every change in one BEGIN IMMEDIATE transaction.
 *
 * Does not own: talking to bridges or running meetings (lifecycle.h), the
 * timers (timers.h), the bridges table (bridges.h), the raw capacity
 * queries (slots.h).
 */
#ifndef CONVENE_SCHEDULER_BOOKING_H
#define CONVENE_SCHEDULER_BOOKING_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ids.h"
#include "common/result.h"
#include "common/store_db_pool.h"
#include "scheduler/scheduler.h"

#define BOOKING_TITLE_MAX           200 /* bytes of UTF-8 */
#define BOOKING_URI_MAX             254
#define BOOKING_PASSCODE_MAX        32 /* digits */
#define BOOKING_PARTICIPANTS_MAX    200
#define BOOKING_SETUP_BUFFER_MAX    120 /* minutes */
#define BOOKING_DEFAULT_MAX_MINUTES 1440
#define BOOKING_PAST_GRACE_SECONDS  60 /* a start this close to now counts as now */
#define BOOKING_FIELD_SIZE          64
#define BOOKING_LAYOUT_SIZE         24 /* the longest CMS layout name, "allEqualTwentyFifths", fits */
#define BOOKING_EMAIL_MAX           254 /* an e-mail address (RFC 5321), as series.h SERIES_ADDRESS_MAX */

/* Meeting states (docs/lifecycle.md). Stored and shown by name: the one
 * name table is in booking.c (booking_state_name / booking_state_parse). */
typedef enum {
    BOOKING_SCHEDULED,
    BOOKING_STARTING,
    BOOKING_LIVE,
    BOOKING_ENDING,
    BOOKING_ENDED,
    BOOKING_FAILED,
} booking_state;

/* Participant states, as last seen (names in booking.c as well). */
typedef enum {
    PARTICIPANT_PENDING,      /* meeting not started yet */
    PARTICIPANT_DIALING,      /* dial-out leg created (initial) */
    PARTICIPANT_RINGING,      /* the far end rings */
    PARTICIPANT_CONNECTED,    /* in the meeting */
    PARTICIPANT_BUSY,         /* the far end rejected the call */
    PARTICIPANT_NO_ANSWER,    /* rang out without an answer */
    PARTICIPANT_FAILED,       /* the bridge refused the dial-out */
    PARTICIPANT_WAITING,      /* dial-in, not joined (yet) */
    PARTICIPANT_DISCONNECTED, /* was connected, is no longer */
    PARTICIPANT_LEFT,         /* the meeting ended */
    PARTICIPANT_DROPPED,      /* an operator dropped them (live control): not dialled again */
} participant_state;

/* "scheduled", "live", ... as the API and the database spell them. */
const char *booking_state_name(booking_state state);
/* CV_ERR_INVALID for a name that is no state. */
cv_result booking_state_parse(const char *name, booking_state *out);
const char *participant_state_name(participant_state state);
cv_result participant_state_parse(const char *name, participant_state *out);

typedef struct booking_participant {
    char uri[BOOKING_URI_MAX + 1];
    bool dial_out;
    participant_state state;
    char call_leg_id[ID_TEXT_SIZE]; /* "" when none */
    int64_t attempts;               /* dial-out attempts made */
    int64_t state_since;            /* UTC seconds the state was entered */
    int64_t next_attempt;           /* UTC seconds of the next dial-out retry; 0 none */
    /* Live control (live_control.c), as last set through the API: */
    bool audio_muted;                 /* the bridge hears nothing from them (rxAudioMute) */
    bool video_muted;                 /* the bridge takes no video from them (rxVideoMute) */
    char layout[BOOKING_LAYOUT_SIZE]; /* their own layout (chosenLayout); "" the meeting's */
    /* Their own e-mail address (participants[i].email, checked as an
     * address); "" none. It makes them an attendee of the booking's series
     * (series.c) and of each occurrence they are in (booking_series_edit.c). */
    char email[BOOKING_EMAIL_MAX + 1];
} booking_participant;

typedef struct booking {
    char id[ID_TEXT_SIZE];
    char *title;
    int64_t start; /* UTC seconds */
    int64_t end;
    int64_t setup_buffer_minutes;
    bool has_passcode;
    char passcode[BOOKING_PASSCODE_MAX + 1];
    booking_participant *participants;
    size_t participant_count;
    char bridge_id[ID_TEXT_SIZE];
    bool bridge_chosen; /* the client named the bridge */
    int64_t slot;
    booking_state state;
    char *failure; /* NULL unless failed (or a note on why the slot moved) */
    bool cancelled;
    /* Facts the lifecycle records (empty strings when not yet known). */
    char cospace_id[ID_TEXT_SIZE];
    char call_id[ID_TEXT_SIZE];
    char secret[ID_TEXT_SIZE];
    char *started_via; /* the address the meeting was started through */
    char *slot_note;   /* why the meeting runs on another slot than booked */
    /* Live control of the call (live_control.c), as last set: */
    bool live_locked;                      /* the call is locked: no more dial-ins */
    char live_layout[BOOKING_LAYOUT_SIZE]; /* everyone's default layout; "" the bridge's */
    int64_t created;
    int64_t updated;
    /* The user who booked it (users.id; 0: nobody, or an occurrence owned
     * through its series). Written only when the row is first inserted (a
     * new booking's owner goes in with it, no UPDATE after); later stores
     * keep the stored owner, and loads do not read it. */
    int64_t owner;
} booking;

void booking_init(booking *record);
void booking_clear(booking *record);

/* The earliest instant the meeting occupies its slot and participants. */
static inline int64_t booking_occupied_start(const booking *record)
{
    return record->start - record->setup_buffer_minutes * 60;
}
bool booking_state_holds_capacity(booking_state state);

/* --- parsing and validation (pure, unit tested) ---------------------- */

/* Times are read and written with common/rfc3339.h. */
/* A SIP address: [sip:|sips:]user@host[:port], host a DNS name, IPv4 or
 * [IPv6]; no spaces or control characters; at most BOOKING_URI_MAX. */
bool booking_uri_is_valid(const char *uri);
/* The key that decides "the same participant": no scheme, lower-case.
 * `out` at least BOOKING_URI_MAX + 1 bytes. */
void booking_uri_key(const char *uri, char *out, size_t size);

typedef struct {
    int64_t now;                 /* UTC seconds */
    int64_t max_meeting_minutes; /* 0: BOOKING_DEFAULT_MAX_MINUTES */
} booking_limits;

/* Where validation failed: the field ("participants[2].uri") and why. */
typedef struct {
    char field[BOOKING_FIELD_SIZE];
    char message[160];
} booking_error;

/* Fields a client sent (PATCH sends some). `bridge_text` is the bridge as
 * the client named it (an ID or a name), resolved later. */
typedef struct {
    bool has_title, has_start, has_end, has_passcode, has_participants, has_bridge,
        has_setup_buffer;
    booking_error error;
} booking_changes;

/* Applies the members of `document` onto `record` (a new booking starts
 * from booking_init; a PATCH from the stored booking), checking each one
 * and then the whole: unknown members, types, sizes, UTF-8, start < end,
 * length, start not in the past (only when the start is given), numeric
 * passcode, SIP URIs, duplicate participants. `bridge_text` receives the
 * "bridge" member (borrowed from document) or NULL when absent/null.
 * CV_ERR_INVALID with changes->error filled on bad input. */
cv_result booking_apply_json(booking *record, const json_t *document, const booking_limits *limits,
                             bool creating, booking_changes *changes, const char **bridge_text);

/* --- placement ------------------------------------------------------- */

/* A bridge as placement sees it. */
typedef struct {
    char id[ID_TEXT_SIZE];
    const char *name;
    int64_t slot_base;
    int64_t slot_count;
    bool bookable; /* allowBooking and provisioned */
} booking_bridge;

/* Puts `record` on a bridge and slot. When record->bridge_chosen, only
 * record->bridge_id is tried (its current slot kept if still free);
 * otherwise each bookable candidate in order. Also checks every
 * participant against overlapping bookings. CV_ERR_CONFLICT with
 * *conflicts (a new JSON array, caller owns) listing what is in the way;
 * CV_ERR_NOT_FOUND when a chosen bridge is not among the candidates. */
cv_result booking_place(store_db *database, booking *record, const booking_bridge *candidates,
                        size_t candidate_count, json_t **conflicts, const char **reason);

/* --- storage (callers hold a transaction for writes) ----------------- */

/* Inserts or replaces the booking and its participants. */
cv_result booking_store(store_db *database, const booking *record);
cv_result booking_load(store_db *database, const char *id, booking *out);
/* Changes the state (and failure; NULL clears it) and the capacity flag. */
cv_result booking_set_state(store_db *database, const char *id, booking_state state,
                            const char *failure);
/* Ids of bookings in any of the `state_count` given states, each a state
 * of a meeting in progress (starting, live, ending: the indexed ones;
 * another is CV_ERR_INVALID). Caller frees each and the array. */
cv_result booking_ids_in_states(store_db *database, const booking_state *states, size_t state_count,
                                char ***ids_out, size_t *count_out);

/* The API representation. `domain` is the bridge's SIP domain for dialIn
 * (may be NULL). NULL when out of memory. */
json_t *booking_to_json(const booking *record, const char *domain);

/* --- the daemon module --------------------------------------------- */

/* Registers the /bookings routes. */
extern const scheduler_module booking_module;

#endif
