/*
 * booking_running_api.c - what can be asked of a running meeting through
 * the /bookings resource of convened's JSON API:
 *   POST   /bookings/<id>/extend   {"minutes": N}
 *   POST   /bookings/<id>/end      end a live meeting now
 * (the routes are booking_api.c's table).
 *
 * Owns: checking that the meeting can take the request, storing it in one
 * transaction with its audit row before answering, and telling the
 * lifecycle afterwards. Does not own: the capacity check of the extra
 * time (booking_api_place_in_own_slot), talking to the bridge
 * (lifecycle.c).
 */
#include <time.h>

#include "common/log.h"
#include "common/store_db_pool.h"
#include "scheduler/api.h"
#include "scheduler/audit.h"
#include "scheduler/booking.h"
#include "scheduler/booking_api_internal.h"
#include "scheduler/lifecycle.h"

/* --- POST /bookings/<id>/extend -------------------------------------- */

void booking_api_handle_extend(scheduler_api_request *request)
{
    if (!scheduler_api_require_body(request))
        return;
    static const char *const allowed[] = {"minutes", NULL};
    if (!scheduler_api_check_fields(request, allowed))
        return;
    int64_t max_minutes = request->daemon->options.max_meeting_minutes > 0
                              ? request->daemon->options.max_meeting_minutes
                              : BOOKING_DEFAULT_MAX_MINUTES;
    bool present = false, is_null = false;
    int64_t minutes = 0;
    if (!scheduler_api_body_integer(request, "minutes", 1, max_minutes, &present, &is_null,
                                    &minutes))
        return;
    if (!present || is_null) {
        scheduler_api_fail_field(request, "minutes", "minutes is required (1 to %lld)",
                                 (long long)max_minutes);
        return;
    }
    bridge_views views;
    booking record;
    if (!booking_api_begin_and_load(request, &views, &record))
        return;
    cv_result result = CV_OK;
    bool running = record.state == BOOKING_STARTING || record.state == BOOKING_LIVE;
    if (!running && record.state != BOOKING_SCHEDULED) {
        booking_api_fail_state(request, &record,
                               "the meeting is over or ending and cannot be extended");
        goto done;
    }
    if (record.end + minutes * 60 - record.start > max_minutes * 60) {
        store_db_rollback(request->database);
        scheduler_api_fail_field(request, "minutes",
                                 "the meeting would be longer than the maximum of %lld minutes",
                                 (long long)max_minutes);
        goto done;
    }
    record.end += minutes * 60;
    /* the same slot and every participant must be free for the extra time */
    json_t *conflicts = NULL;
    const char *reason = NULL;
    result = booking_api_place_in_own_slot(request->database, &record, &conflicts, &reason);
    if (result != CV_OK) {
        store_db_rollback(request->database);
        booking_api_fail_placement(request, result, conflicts, reason);
        goto done;
    }
    record.updated = (int64_t)time(NULL);
    result = booking_store(request->database, &record);
    if (result == CV_OK)
        result = audit_record(request, "booking.extend", record.id,
                              json_pack("{s:I}", "minutes", (json_int_t)minutes));
    if (result == CV_OK)
        result = store_db_commit(request->database);
    if (result != CV_OK) {
        store_db_rollback(request->database);
        scheduler_api_fail_result(request, result, "storing the extension");
        goto done;
    }
    log_info("booking %s extended by %lld minutes", record.id, (long long)minutes);
    lifecycle_booking_changed(request->daemon, &record);
    booking_api_publish(request, EVENT_BOOKING_CHANGED, &record, &views);
    if (running)
        lifecycle_request_refresh(request->daemon, record.id);
    booking_api_reply(request, 200, &record, &views);
done:
    bridge_views_free(&views);
    booking_clear(&record);
}

/* --- POST /bookings/<id>/end ----------------------------------------- */

void booking_api_handle_end(scheduler_api_request *request)
{
    static const char *const allowed[] = {NULL};
    if (!scheduler_api_check_fields(request, allowed))
        return;
    bridge_views views;
    booking record;
    if (!booking_api_begin_and_load(request, &views, &record))
        return;
    bool running = record.state == BOOKING_STARTING || record.state == BOOKING_LIVE;
    if (!running && record.state != BOOKING_ENDING) {
        booking_api_fail_state(request, &record,
                               record.state == BOOKING_SCHEDULED
                                   ? "the meeting has not started; cancel it with DELETE instead"
                                   : "the meeting is already over");
        goto done;
    }
    /* The end is stored before the 202, with its audit row: a stop, a
     * crash or a takeover before the end job runs still ends the meeting
     * (reconciling ends every booking left ending). The job finds the
     * booking ending and goes on from there. */
    cv_result result = CV_OK;
    if (running)
        result = booking_set_state(request->database, record.id, BOOKING_ENDING, record.failure);
    if (result == CV_OK)
        result = audit_record(request, "booking.end", record.id, NULL);
    if (result == CV_OK)
        result = store_db_commit(request->database);
    if (result != CV_OK) {
        store_db_rollback(request->database);
        scheduler_api_fail_result(request, result, "storing the end");
        goto done;
    }
    if (running)
        lifecycle_state_stored(request->daemon, request->database, &record, BOOKING_ENDING,
                               record.failure);
    lifecycle_request_end(request->daemon, record.id);
    scheduler_api_reply_json(request, 202,
                             booking_to_json(&record, bridge_domain(&views, record.bridge_id)));
done:
    bridge_views_free(&views);
    booking_clear(&record);
}
