/*
 * live_parameters.h - request parameters of the live objects (calls, call
 * legs, participants): a table per object says each parameter's type, and
 * one reader checks a request body against it and turns it into validated
 * name/value settings (runtime.h) the runtime can store.
 *
 * Owns: the value rules shared by those objects (true|false, bounded
 * integers, enumerations such as the layouts, IDs, bounded text, DTMF
 * sequences) and the 400 parameterError answers they produce. Does not own:
 * which parameters an object has (call.c, call_leg.c, participant.c) or
 * configuration objects (they live in SQLite).
 */
#ifndef CONVENE_BRIDGE_LIVE_PARAMETERS_H
#define CONVENE_BRIDGE_LIVE_PARAMETERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bridge/api.h"
#include "bridge/runtime.h"

typedef enum {
    LIVE_BOOL,     /* true|false */
    LIVE_INTEGER,  /* decimal in [minimum, maximum] */
    LIVE_CHOICE,   /* one of `choices` */
    LIVE_TEXT,     /* UTF-8, at most max_length bytes when max_length > 0 */
    LIVE_ID,       /* a UUID */
    LIVE_DURATION, /* decimal in [minimum, maximum] or the word "permanent" */
    LIVE_DTMF,     /* digits, '*', '#' and ',' (pauses) */
} live_kind;

typedef struct {
    const char *name;
    live_kind kind;
    const char *const *choices; /* LIVE_CHOICE: NULL-terminated */
    int64_t minimum, maximum;   /* LIVE_INTEGER, LIVE_DURATION */
    size_t max_length;          /* LIVE_TEXT; 0 = no limit */
} live_parameter;

typedef struct {
    const live_parameter *items;
    size_t count;
} live_parameter_table;

/* The layouts the API knows (the blueprint's Layouts enumeration). */
extern const char *const live_layouts[];

const live_parameter *live_find_parameter(const live_parameter_table *table, const char *name);

/* Checks every body field: names in `handled_by_caller` (NULL-terminated,
 * may be NULL) are skipped for the caller to read; names in `table` are
 * validated and added to `out` (an empty value is kept: it means "unset");
 * any other name goes to api_unknown_field (ignored, or refused with
 * --strict). On a bad value
 * replies 400 parameterError with error="invalidValue" (or "valueTooLong").
 * Returns false after replying; `out` is then empty. */
bool live_read_parameters(api_call *call, const live_parameter_table *table,
                          const char *const *handled_by_caller, runtime_settings *out);

/* True when `value` is valid for `parameter`; `*too_long` tells why not. */
bool live_value_is_valid(const live_parameter *parameter, const char *value, bool *too_long);

/* 503 outOfMemory, the answer when a copy could not be made. */
void live_fail_no_memory(api_call *call);

/* Answers a failed read of a live object (call, leg, participant) from the
 * runtime's result: 404 with `missing` (e.g. "callDoesNotExist") when it
 * is not there, else 503 outOfMemory. False, answering nothing, when
 * `result` is CV_OK; true when it answered, so the caller stops. */
bool live_reply_read_failure(api_call *call, cv_result result, const char *missing);

/* The answer to a PUT or DELETE on a live object, from the runtime's
 * result: 404 with `missing` (e.g. "callDoesNotExist"), 503 when a copy
 * could not be made, else 200 with the audit line "<action> <id>"
 * (e.g. action "deleted call leg"). */
void live_reply_change(api_call *call, cv_result result, const char *missing, const char *action,
                       const char *id);

#endif
