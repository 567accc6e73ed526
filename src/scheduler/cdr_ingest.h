/*
 * cdr_ingest.h - Call Detail Records as a Cisco Meeting Server posts them
 * to a CDR receiver: one `<records session=".." callBridge="..">` batch of
 * `<record type=".." time=".." recordIndex=".." correlatorIndex="..">`
 * elements, read with libxml2 into plain structs.
 *
 * Owns: parsing a batch (pure: no network, no database; fuzzed and unit
 * tested) and the record types convened uses (callStart, callEnd,
 * callLegStart, callLegUpdate, callLegEnd; others are kept as "other" so
 * they still count once). Does not own: receiving them (cdr_receiver.c) or
 * storing them (db_cdrs.c).
 */
#ifndef CONVENE_SCHEDULER_CDR_INGEST_H
#define CONVENE_SCHEDULER_CDR_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ids.h"
#include "common/result.h"

#define CDR_TEXT_MAX    256 /* bytes kept of a name or remote party */
#define CDR_SESSION_MAX 128
#define CDR_BATCH_MAX   10000 /* records in one POST (a CMS sends up to a few hundred) */

typedef enum {
    CDR_KIND_CALL_START,
    CDR_KIND_CALL_END,
    CDR_KIND_LEG_START,
    CDR_KIND_LEG_UPDATE,
    CDR_KIND_LEG_END,
    CDR_KIND_OTHER, /* recordingStart, callLegEnd of a kind not used, ... */
} cdr_kind;

/* "callStart", ... as the record's type attribute spells them. */
const char *cdr_kind_name(cdr_kind kind);

/* One record. Text members are "" when the record did not carry them;
 * numbers -1. */
typedef struct {
    cdr_kind kind;
    char type[32];        /* the type attribute as sent (for "other") */
    int64_t time;         /* UTC seconds */
    int64_t record_index; /* unique within the session */
    int64_t correlator_index;
    char object_id[ID_TEXT_SIZE]; /* the call's or the call leg's id */
    char call_id[ID_TEXT_SIZE];   /* a leg's call (callLegStart, callLegUpdate) */
    char cospace_id[ID_TEXT_SIZE];
    char name[CDR_TEXT_MAX];         /* a call's name */
    char remote_party[CDR_TEXT_MAX]; /* a leg's far end */
    char direction[16];              /* "incoming" or "outgoing" */
    char state[16];                  /* callLegUpdate: "connected", ... */
    char reason[48];                 /* callLegEnd: "localTeardown", "remoteTeardown", ... */
    bool remote_teardown;
    int64_t duration_seconds;
    int64_t max_active; /* callEnd: callLegsMaxActive */
} cdr_record;

typedef struct {
    char session[CDR_SESSION_MAX];
    char call_bridge[CDR_SESSION_MAX];
    cdr_record *records;
    size_t count;
} cdr_batch;

/* Parses one POST body. CV_ERR_INVALID with `error` naming what is wrong
 * (not XML, no session, a record without a type, time or recordIndex,
 * more than CDR_BATCH_MAX records); nothing is kept then. */
cv_result cdr_batch_parse(const char *body, size_t length, cdr_batch *out, char *error,
                          size_t error_size);
void cdr_batch_free(cdr_batch *batch);

#endif
