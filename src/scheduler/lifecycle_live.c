/*
 * lifecycle_live.c - a live meeting (see lifecycle_internal.h).
 *
 * Owns: dialling a participant out, polling a meeting's legs (a dial-out
 * leg found by its stored call leg ID, a dial-in participant by remote
 * party), hanging up unanswered dial-outs and dialling again, noticing a
 * call gone or a bridge unreachable (then the meeting is resumed), and
 * telling the bridge again of a changed meeting (refresh), and the
 * end-of-meeting warning (--end-warning-minutes).
 * Does not own: the start or the end (lifecycle_start.c, lifecycle_end.c).
 */
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
#include "common/store_db_pool.h"
#include "common/strbuf.h"
#include "common/text.h"
#include "scheduler/booking.h"
#include "scheduler/bridges.h"
#include "common/cms_client.h"
#include "common/cms_views.h"
#include "scheduler/db_bookings.h"
#include "scheduler/db_slot_spaces.h"
#include "scheduler/lifecycle_internal.h"
#include "scheduler/slots.h"
#include "scheduler/scheduler_metrics.h"
#include "scheduler/tickets.h"
#include "scheduler/timers.h"

/* how long the end-of-meeting warning stays on the screens (seconds) */
#define END_WARNING_SECONDS_TEXT "60"

/* The live settings in force for one participant (set through live
 * control and stored in the booking) as the fields of their new call leg,
 * after `fields[0]`: only those that differ from the bridge's defaults, so
 * a leg of a meeting nobody controlled is asked for exactly as before.
 * This is how a call made again (a failover, a call found gone) and a
 * dial-out made again carry the mutes and layouts of the one before.
 * Returns the number of fields in `fields` (at most 5). */
static size_t leg_fields(const booking *record, const booking_participant *participant,
                         cms_field fields[5])
{
    size_t count = 1;
    if (participant->audio_muted)
        fields[count++] = (cms_field){"rxAudioMute", "true"};
    if (participant->video_muted)
        fields[count++] = (cms_field){"rxVideoMute", "true"};
    if (record->live_layout[0] != '\0')
        fields[count++] = (cms_field){"defaultLayout", record->live_layout};
    if (participant->layout[0] != '\0')
        fields[count++] = (cms_field){"chosenLayout", participant->layout};
    return count;
}

/* POST /calls/<call>/callLegs for one participant, with the live settings
 * in force for them; the outcome goes into the participant (not stored).
 * Returns the request's result. */
cv_result lifecycle_dial_request(const scheduler_options *options, cms_client *client,
                                 booking *record, size_t index)
{
    booking_participant *participant = &record->participants[index];
    char path[128];
    snprintf(path, sizeof path, "/calls/%s/callLegs", record->call_id);
    cms_field fields[5] = {{"remoteParty", participant->uri}};
    size_t count = leg_fields(record, participant, fields);
    cms_response response = {0};
    cv_result result = cms_post(client, path, fields, count, &response);
    participant->attempts++;
    participant->next_attempt = 0;
    if (result == CV_OK &&
        lifecycle_copy_object_id(participant->call_leg_id, response.location_id)) {
        lifecycle_set_participant_state(participant, PARTICIPANT_DIALING);
    } else {
        log_warning("booking %s: dial-out to %s: %s", record->id, participant->uri, response.error);
        participant->call_leg_id[0] = '\0';
        lifecycle_set_participant_state(participant, PARTICIPANT_FAILED);
        if (participant->attempts <= options->dial_out_retries)
            participant->next_attempt = lifecycle_now_seconds() + options->dial_out_retry_seconds;
        if (result == CV_OK)
            result = CV_ERR_PROTOCOL;
    }
    cms_response_free(&response);
    return result;
}

cv_result lifecycle_dial_participant(scheduler *daemon, cms_client *client, booking *record,
                                     size_t index)
{
    return lifecycle_dial_request(&daemon->options, client, record, index);
}

/* How soon to look at a live meeting again. */
int64_t lifecycle_next_poll_ms(const booking *record)
{
    for (size_t index = 0; index < record->participant_count; index++) {
        const booking_participant *participant = &record->participants[index];
        if (!participant->dial_out)
            continue;
        if (participant->next_attempt != 0 || participant->state == PARTICIPANT_PENDING ||
            participant->state == PARTICIPANT_DIALING || participant->state == PARTICIPANT_RINGING)
            return timer_realtime_now_ms() + POLL_INTERVAL_MS;
    }
    return timer_realtime_now_ms() + POLL_IDLE_MS;
}

/* The leg `leg_id` (of call `call_id` unless that is NULL: a list of one
 * call's legs); NULL when absent or leg_id is "". */
const cms_leg *lifecycle_leg_by_id(const cms_leg_list *legs, const char *call_id,
                                   const char *leg_id)
{
    if (leg_id[0] == '\0')
        return NULL;
    for (size_t index = 0; index < legs->count; index++)
        if (strcasecmp(legs->items[index].id, leg_id) == 0 &&
            (call_id == NULL || strcasecmp(legs->items[index].call, call_id) == 0))
            return &legs->items[index];
    return NULL;
}

const cms_leg *lifecycle_leg_for_party(const cms_leg_list *legs, const char *call_id,
                                       const char *uri)
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

static cms_client *client_for_meeting(lifecycle *machine, store_db *database, const booking *record,
                                      bridge_record *bridge)
{
    return lifecycle_meeting_client(machine->daemon, database, record, bridge);
}

cms_client *lifecycle_meeting_client(scheduler *daemon, store_db *database, const booking *record,
                                     bridge_record *bridge)
{
    memset(bridge, 0, sizeof *bridge);
    if (record->bridge_id[0] == '\0' || bridge_load(database, record->bridge_id, bridge) != CV_OK)
        return NULL;
    bridge_endpoints endpoints;
    memset(&endpoints, 0, sizeof endpoints);
    if (bridge_endpoints_load(database, bridge, &endpoints) != CV_OK)
        return NULL;
    lifecycle_order_endpoints(&endpoints, record->started_via);
    cms_client *client = NULL;
    if (endpoints.count > 0 &&
        cms_registry_client(daemon->cms, &endpoints.items[0], &client) != CV_OK)
        client = NULL;
    bridge_endpoints_free(&endpoints);
    return client;
}

void lifecycle_run_refresh(lifecycle *machine, store_db *database, const char *booking_id)
{
    booking record;
    if (booking_load(database, booking_id, &record) != CV_OK)
        return;
    if (record.state == BOOKING_LIVE && record.cospace_id[0] != '\0') {
        bridge_record bridge;
        cms_client *client = client_for_meeting(machine, database, &record, &bridge);
        if (client != NULL && lifecycle_put_space_open(client, &record) == CV_OK)
            log_info("booking %s: the bridge was told of the change", record.id);
        else
            log_warning("booking %s: could not tell the bridge of the change", record.id);
        bridge_record_free(&bridge);
    }
    booking_clear(&record);
}

/* A dial-out leg's state as a participant state into *out; false while
 * it has none that matters. *gone when the bridge no longer has the leg. */
static bool leg_state(cms_client *client, const char *leg_id, bool *gone, participant_state *out)
{
    char state[32];
    cv_result result = cms_leg_state(client, leg_id, state, sizeof state);
    *gone = result == CV_ERR_NOT_FOUND;
    if (result != CV_OK)
        return false;
    if (strcmp(state, "initial") == 0)
        *out = PARTICIPANT_DIALING;
    else if (strcmp(state, "ringing") == 0)
        *out = PARTICIPANT_RINGING;
    else if (strcmp(state, "connected") == 0 || strcmp(state, "onHold") == 0)
        *out = PARTICIPANT_CONNECTED;
    else
        return false;
    return true;
}

/* A dial-out leg that is listed: its state, or the hang-up of one that
 * rang too long. */
static void follow_dial_out(const scheduler_options *options, cms_client *client,
                            booking_participant *participant, bool listed, int64_t now)
{
    bool gone = !listed;
    participant_state state = participant->state;
    bool known = listed && leg_state(client, participant->call_leg_id, &gone, &state);
    if (gone) {
        /* a leg that vanished before connecting was rejected */
        lifecycle_set_participant_state(participant, participant->state == PARTICIPANT_CONNECTED
                                                         ? PARTICIPANT_DISCONNECTED
                                                         : PARTICIPANT_BUSY);
        participant->call_leg_id[0] = '\0';
        if (participant->state == PARTICIPANT_BUSY &&
            participant->attempts <= options->dial_out_retries)
            participant->next_attempt = now + options->dial_out_retry_seconds;
        return;
    }
    if (!known)
        return;
    lifecycle_set_participant_state(participant, state);
    if (state == PARTICIPANT_CONNECTED ||
        now - participant->state_since < options->dial_out_answer_seconds)
        return;
    /* rang out: hang up and try again later */
    char leg_path[96];
    snprintf(leg_path, sizeof leg_path, "/callLegs/%s", participant->call_leg_id);
    cms_response response = {0};
    cms_delete(client, leg_path, &response);
    cms_response_free(&response);
    participant->call_leg_id[0] = '\0';
    lifecycle_set_participant_state(participant, PARTICIPANT_NO_ANSWER);
    if (participant->attempts <= options->dial_out_retries)
        participant->next_attempt = now + options->dial_out_retry_seconds;
}

/* A dial-out whose retry is due. Live control on a node that does not
 * lead may drop the participant at any moment (it holds the booking only
 * against its own workers), so the drop and this retry are made
 * exclusive through the database: the participant's stored state is read
 * again right before dialling (dropped: not dialled), and the store of
 * the new leg refuses to write over a drop (db_participant_store); a drop
 * that came while the dial was on its way gets the new leg hung up at
 * once. Either way the participant stays dropped and no leg of theirs is
 * left that convened does not know of. */
static void retry_dial_out(lifecycle *machine, store_db *database, cms_client *client,
                           booking *record, size_t index)
{
    booking_participant *participant = &record->participants[index];
    participant_state before = participant->state;
    bool dropped = false;
    cv_result result =
        db_participant_is_dropped(database, record->id, index, participant->uri, &dropped);
    if (result != CV_OK || dropped) { /* unreadable: the next poll tries again */
        if (dropped)
            log_info("booking %s: %s was dropped; not dialled again", record->id, participant->uri);
        return;
    }
    lifecycle_dial_request(&machine->daemon->options, client, record, index);
    scheduler_metrics_count_dial_out(machine->daemon, true, before, participant->state);
    if (lifecycle_store_participant(machine->daemon, database, record, index) ||
        participant->call_leg_id[0] == '\0')
        return;
    char leg_path[96];
    snprintf(leg_path, sizeof leg_path, "/callLegs/%s", participant->call_leg_id);
    cms_response response = {0};
    result = cms_delete(client, leg_path, &response);
    log_info("booking %s: %s was dropped while being dialled again; the new leg %s is hung up "
             "(%s)",
             record->id, participant->uri, participant->call_leg_id,
             result == CV_OK ? "done" : response.error);
    cms_response_free(&response);
}

/* The bridge answered with the call's legs: every participant's state
 * from them (dial-in by remote party, dial-out by stored leg ID), a
 * dial-out due again dialled, changes stored, the next poll armed. */
static void follow_participants(lifecycle *machine, store_db *database, cms_client *client,
                                booking *record, const cms_leg_list *legs)
{
    const scheduler_options *options = &machine->daemon->options;
    int64_t now = lifecycle_now_seconds();
    lifecycle_count_unreachable(machine, record->id, true);
    for (size_t index = 0; index < record->participant_count; index++) {
        booking_participant *participant = &record->participants[index];
        participant_state before = participant->state;
        if (!participant->dial_out) {
            if (lifecycle_leg_for_party(legs, record->call_id, participant->uri) != NULL)
                lifecycle_set_participant_state(participant, PARTICIPANT_CONNECTED);
            else if (participant->state == PARTICIPANT_CONNECTED)
                lifecycle_set_participant_state(participant, PARTICIPANT_DISCONNECTED);
        } else if (participant->call_leg_id[0] != '\0') {
            bool listed = lifecycle_leg_by_id(legs, NULL, participant->call_leg_id) != NULL;
            follow_dial_out(options, client, participant, listed, now);
        } else if (participant->next_attempt != 0 && participant->next_attempt <= now) {
            retry_dial_out(machine, database, client, record, index);
            continue;
        }
        scheduler_metrics_count_dial_out(machine->daemon, participant->dial_out, before,
                                         participant->state);
        if (before != participant->state || participant->state_since == now)
            lifecycle_store_participant(machine->daemon, database, record, index);
    }
    lifecycle_rearm(machine, record->id, TAG_POLL, lifecycle_next_poll_ms(record));
}

/* The bridge did not answer the poll: after UNREACHABLE_POLLS_BEFORE_FAILOVER
 * in a row, the participants are disconnected and the meeting resumed
 * through whichever address answers; before, polled again soon. */
static void poll_unanswered(lifecycle *machine, store_db *database, booking *record,
                            const char *error)
{
    int failures = lifecycle_count_unreachable(machine, record->id, false);
    log_warning("booking %s: cannot poll the bridge (%d): %s", record->id, failures, error);
    if (failures < UNREACHABLE_POLLS_BEFORE_FAILOVER) {
        lifecycle_rearm(machine, record->id, TAG_POLL, timer_realtime_now_ms() + POLL_INTERVAL_MS);
        return;
    }
    lifecycle_count_unreachable(machine, record->id, true);
    for (size_t index = 0; index < record->participant_count; index++) {
        lifecycle_set_participant_state(&record->participants[index], PARTICIPANT_DISCONNECTED);
        record->participants[index].call_leg_id[0] = '\0';
        lifecycle_store_participant(machine->daemon, database, record, index);
    }
    lifecycle_forget_call(database, record);
    lifecycle_enqueue(machine, JOB_RESUME, record->id, false);
}

void lifecycle_run_poll(lifecycle *machine, store_db *database, const char *booking_id)
{
    booking record;
    if (booking_load(database, booking_id, &record) != CV_OK)
        return;
    if (record.state != BOOKING_LIVE || record.call_id[0] == '\0') {
        booking_clear(&record);
        return;
    }
    bridge_record bridge;
    cms_client *client = client_for_meeting(machine, database, &record, &bridge);
    cms_leg_list legs = {0};
    char error[512] = "";
    char path[128];
    snprintf(path, sizeof path, "/calls/%s/callLegs", record.call_id);
    cv_result result =
        client ? cms_legs_list(client, path, &legs, error, sizeof error) : CV_ERR_NETWORK;
    if (lifecycle_shutting_down(machine)) {
        /* nothing to conclude; the restart resumes the meeting */
    } else if (result == CV_ERR_NOT_FOUND) {
        /* the call is gone from the bridge (restarted, or ended by hand):
         * make it again through whichever address answers */
        log_warning("booking %s: call %s is gone from the bridge; starting it again", record.id,
                    record.call_id);
        lifecycle_forget_call(database, &record);
        lifecycle_enqueue(machine, JOB_RESUME, record.id, false);
    } else if (result != CV_OK) {
        poll_unanswered(machine, database, &record, error);
    } else {
        follow_participants(machine, database, client, &record, &legs);
    }
    cms_leg_list_free(&legs);
    bridge_record_free(&bridge);
    booking_clear(&record);
}

void lifecycle_arm_warning(lifecycle *machine, const booking *record, bool even_late)
{
    int64_t minutes = machine->daemon->options.end_warning_minutes;
    if (minutes <= 0)
        return;
    int64_t when = record->end - minutes * 60, now = lifecycle_now_seconds();
    if (when < now && !even_late)
        return; /* passed: shown already, or the meeting went live within it */
    lifecycle_rearm(machine, record->id, TAG_WARN, (when < now ? now : when) * 1000);
}

void lifecycle_run_warning(lifecycle *machine, store_db *database, const char *booking_id)
{
    booking record;
    if (booking_load(database, booking_id, &record) != CV_OK)
        return;
    int64_t left = record.end - lifecycle_now_seconds();
    if (record.state == BOOKING_LIVE && record.call_id[0] != '\0' && left > 0) {
        char text[96], path[128];
        int64_t minutes = (left + 59) / 60;
        snprintf(text, sizeof text, "This meeting ends in %lld minute%s", (long long)minutes,
                 minutes == 1 ? "" : "s");
        snprintf(path, sizeof path, "/calls/%s", record.call_id);
        const cms_field fields[] = {{"messageText", text},
                                    {"messageDuration", END_WARNING_SECONDS_TEXT}};
        bridge_record bridge;
        cms_client *client = client_for_meeting(machine, database, &record, &bridge);
        cms_response response = {0};
        if (client != NULL && cms_put(client, path, fields, 2, &response) == CV_OK)
            log_info("booking %s: end-of-meeting warning shown (%lld min left)", record.id,
                     (long long)minutes);
        else
            log_warning("booking %s: could not show the end-of-meeting warning: %s", record.id,
                        client ? response.error : "no bridge address");
        cms_response_free(&response);
        bridge_record_free(&bridge);
    }
    booking_clear(&record);
}
