/*
 * lifecycle_end.c - ending meetings (see lifecycle_internal.h).
 *
 * Owns: the end sequence (the space back to its placeholder, locked, a new
 * secret; its calls deleted) through the address the meeting ran on, then
 * the others, and retrying until some address answers: a space is never
 * left open after its meeting.
 * Does not own: when a meeting ends (timers, lifecycle_jobs.c) or the
 * writes (lifecycle_state.c).
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
#include "scheduler/db_slot_spaces.h"
#include "scheduler/lifecycle_internal.h"
#include "scheduler/slots.h"
#include "scheduler/tickets.h"
#include "scheduler/timers.h"

/* PUT the meeting's space back to its placeholder, locked, with a new
 * secret. A space already gone counts as closed. */
static cv_result close_space(cms_client *client, const bridge_record *bridge, const booking *record,
                             int64_t call_id, char *error, size_t error_size)
{
    char path[96], placeholder[160];
    snprintf(path, sizeof path, "/coSpaces/%s", record->cospace_id);
    lifecycle_placeholder_name(bridge, call_id >= 0 ? call_id : record->slot, placeholder,
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
 * own space (the order of the recorded TMS traffic: status, space, its calls, space again). */
static cv_result end_through(const bridge_record *bridge, cms_client *client, booking *record,
                             char *error, size_t error_size)
{
    cms_space space = {.call_id = -1};
    cms_call_list calls = {0};
    bool has_space = record->cospace_id[0] != '\0';
    cv_result result = lifecycle_get_simple(client, "/system/status", NULL, error, error_size);
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

void lifecycle_run_end(lifecycle *machine, store_db *database, const char *booking_id, bool forced)
{
    booking record;
    if (booking_load(database, booking_id, &record) != CV_OK)
        return;
    bool running = record.state == BOOKING_STARTING || record.state == BOOKING_LIVE ||
                   record.state == BOOKING_ENDING;
    if (!running) {
        booking_clear(&record);
        return;
    }
    if (!forced && !record.cancelled && record.state != BOOKING_ENDING &&
        record.end * 1000 > timer_realtime_now_ms() + 50) {
        /* extended since the timer was set */
        lifecycle_rearm(machine, record.id, TAG_END, record.end * 1000);
        booking_clear(&record);
        return;
    }
    timer_cancel(machine->timers, record.id, TAG_POLL);
    timer_cancel(machine->timers, record.id, TAG_END);
    if (record.state != BOOKING_ENDING)
        lifecycle_set_state(machine->daemon, database, &record, BOOKING_ENDING, record.failure);
    bridge_record bridge;
    memset(&bridge, 0, sizeof bridge);
    if (record.bridge_id[0] == '\0' || bridge_load(database, record.bridge_id, &bridge) != CV_OK) {
        lifecycle_persist_all_participants(machine->daemon, database, &record, PARTICIPANT_LEFT);
        lifecycle_set_state(machine->daemon, database, &record, BOOKING_ENDED,
                            "the bridge was removed during the meeting");
        booking_clear(&record);
        return;
    }
    bridge_endpoints endpoints;
    memset(&endpoints, 0, sizeof endpoints);
    cv_result result = bridge_endpoints_load(database, &bridge, &endpoints);
    strbuf unreachable = STRBUF_INIT;
    bool ended = false;
    if (result == CV_OK) {
        lifecycle_order_endpoints(&endpoints, record.started_via);
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
                lifecycle_shutting_down(machine))
                break;
        }
    }
    if (ended) {
        lifecycle_persist_all_participants(machine->daemon, database, &record, PARTICIPANT_LEFT);
        lifecycle_set_state(machine->daemon, database, &record, BOOKING_ENDED, NULL);
    } else if (lifecycle_shutting_down(machine)) {
        log_info("booking %s: ending interrupted by shutdown; it ends after the restart",
                 record.id);
    } else {
        char failure[768];
        snprintf(failure, sizeof failure, "could not end on the bridge yet (retrying): %s",
                 unreachable.length ? strbuf_str(&unreachable) : cv_result_name(result));
        lifecycle_note_failure(database, record.id, failure);
        log_warning("booking %s: %s", record.id, failure);
        /* keep trying: no space may stay open after its meeting */
        lifecycle_rearm(machine, record.id, TAG_END,
                        timer_realtime_now_ms() + RETRY_UNREACHABLE_MS);
    }
    strbuf_free(&unreachable);
    bridge_endpoints_free(&endpoints);
    bridge_record_free(&bridge);
    booking_clear(&record);
}
