/*
 * poller.c - one status check of a bridge and what follows from it; see
 * poller.h. Owns what the status columns of the bridges row and the
 * Unreachable / Authentication failed tickets say (db_bridges.c writes
 * the row).
 */
#include "scheduler/poller.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "scheduler/db_bridges.h"
#include "scheduler/tickets.h"

cv_result poller_record(scheduler *daemon, store_db *database, const bridge_record *record,
                        cv_result result, const cms_system_status *status, const char *error)
{
    bool answered = result == CV_OK || result == CV_ERR_AUTH;
    cv_result written = db_bridge_record_status(
        database, record->id, result == CV_OK ? status : NULL, answered, (int64_t)time(NULL));
    if (written != CV_OK) {
        log_error("bridge %s: cannot store its status: %s", record->id, cv_result_name(written));
        return written;
    }

    char message[768];
    cv_result stored = CV_OK;
    if (result == CV_OK) {
        stored = tickets_set(daemon, database, record->id, TICKET_UNREACHABLE, false, NULL);
        if (stored == CV_OK)
            stored = tickets_set(daemon, database, record->id, TICKET_AUTHENTICATION, false, NULL);
    } else if (result == CV_ERR_AUTH) {
        snprintf(message, sizeof message, "%s refused the API username and password (user \"%s\")",
                 record->address, record->username);
        stored = tickets_set(daemon, database, record->id, TICKET_UNREACHABLE, false, NULL);
        if (stored == CV_OK)
            stored =
                tickets_set(daemon, database, record->id, TICKET_AUTHENTICATION, true, message);
    } else {
        snprintf(message, sizeof message, "Cannot reach %s: %s", record->address,
                 error && *error ? error : cv_result_name(result));
        stored = tickets_set(daemon, database, record->id, TICKET_UNREACHABLE, true, message);
    }
    return stored;
}

cv_result poller_check(scheduler *daemon, store_db *database, const bridge_record *record,
                       cms_client *client, cms_system_status *status, char *error,
                       size_t error_size)
{
    cms_system_status found;
    memset(&found, 0, sizeof found);
    cms_response response;
    cv_result result = cms_get(client, "/system/status", &response);
    char detail[512];
    snprintf(detail, sizeof detail, "%s", response.error);
    if (result == CV_OK && cms_parse_system_status(response.document, &found) != CV_OK) {
        result = CV_ERR_PROTOCOL;
        snprintf(detail, sizeof detail, "%s does not answer as a Cisco Meeting Server",
                 record->address);
    }
    cms_response_free(&response);
    if (error)
        snprintf(error, error_size, "%s", result == CV_OK ? "" : detail);
    if (status)
        *status = found;
    if (result == CV_ERR_BUSY) /* cancelled on shutdown: nothing was learnt */
        return result;
    cv_result stored = poller_record(daemon, database, record, result, &found, detail);
    if (stored != CV_OK)
        log_warning("bridge %s: status not stored: %s", record->id, cv_result_name(stored));
    return result;
}
