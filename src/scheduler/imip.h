/*
 * imip.h - invitation and notice e-mails (RFC 5322 with MIME): iMIP
 * (RFC 6047) messages that carry an iCalendar REQUEST or CANCEL next to a
 * plain-text version, and plain notices to an organizer.
 *
 * Owns: the whole message text (headers, multipart/alternative body,
 * base64 parts, RFC 2047 subjects), ready to hand to smtp.h and to store
 * as it is, so a message sent again after a restart is byte for byte the
 * same, Message-ID included. Does not own: the calendar text
 * (calendar.h), sending (smtp.h), when to send (the outbox).
 */
#ifndef CONVENE_SCHEDULER_IMIP_H
#define CONVENE_SCHEDULER_IMIP_H

#include <stddef.h>
#include <stdint.h>

#include "common/result.h"
#include "scheduler/calendar.h"

#define IMIP_PROBLEM_SIZE   128
#define IMIP_RECIPIENTS_MAX 500

typedef struct {
    const char *from;      /* sender address (--mail-from) */
    const char *const *to; /* recipient addresses, 1..IMIP_RECIPIENTS_MAX */
    size_t to_count;
    const char *subject;    /* any UTF-8; control characters become spaces */
    const char *text;       /* the text/plain part (UTF-8) */
    const char *calendar;   /* the text/calendar part, or NULL for a plain notice */
    calendar_method method; /* its method= parameter (REQUEST or CANCEL) */
    const char *message_id; /* "<unique@domain>" */
    int64_t date;           /* the Date header (UTC seconds) */
} imip_message;

/* The message as CRLF text into *out (caller frees). CV_ERR_INVALID with a
 * sentence in problem[IMIP_PROBLEM_SIZE] for a bad address, no recipient,
 * a Message-ID that is not "<...@...>" or a calendar without a method. */
cv_result imip_build(const imip_message *message, char **out, char *problem);

/* A new "<uuid@domain>" Message-ID, domain taken from `from` (the part
 * after '@'), into out[size >= 80]. */
cv_result imip_new_message_id(const char *from, char *out, size_t size);

#endif
