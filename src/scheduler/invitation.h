/*
 * invitation.h - the e-mails a meeting causes: invitations (iMIP REQUEST)
 * when it is booked or changed, cancellations (CANCEL) when it is
 * deleted, and notices to its organizer when it did not start, a
 * participant could not be reached, or its bridge failed over.
 *
 * Owns: who gets which message (one message per recipient, so one address
 * that bounces holds up no one else), the subject and the plain text (the
 * time in the meeting's own zone, the dial-in), and putting calendar.h
 * and imip.h together into finished messages ready to store and send.
 * Does not own: when to send or retrying (the outbox), SMTP (smtp.h).
 */
#ifndef CONVENE_SCHEDULER_INVITATION_H
#define CONVENE_SCHEDULER_INVITATION_H

#include <stddef.h>
#include <stdint.h>

#include "common/result.h"
#include "scheduler/calendar.h"

#define INVITATION_PROBLEM_SIZE    160
#define INVITATION_MESSAGE_ID_SIZE 128

typedef enum {
    MAIL_REQUEST,      /* booked or changed: to organizer and attendees */
    MAIL_CANCEL,       /* deleted: to organizer and attendees */
    MAIL_START_FAILED, /* to the organizer: the meeting did not start */
    MAIL_UNREACHABLE,  /* to the organizer: a participant was not reached */
    MAIL_FAILOVER,     /* to the organizer: the meeting moved to another bridge node */
    MAIL_SKIPPED,      /* to the organizer: an occurrence could not be booked (a clash) */
    MAIL_UNINVITED,    /* a CANCEL to the attendees only: taken out of one occurrence */
} mail_kind;

/* "request", "cancel", "start-failed", "unreachable", "failover", "skipped",
 * "uninvited" */
const char *mail_kind_name(mail_kind kind);

typedef struct {
    mail_kind kind;
    const calendar_event *event; /* the meeting; organizer and attendees say who gets mail */
    const char *detail;          /* notices: what happened, one line (may be NULL) */
    const char *from;            /* the sender (--mail-from) */
    int64_t now;                 /* Date header and DTSTAMP */
} mail_request;

typedef struct {
    char recipient[255];
    char message_id[INVITATION_MESSAGE_ID_SIZE];
    char *text; /* the whole message, CRLF lines */
} composed_mail;

typedef struct {
    composed_mail *items;
    size_t count;
} composed_mails;

/* Composes every message `request` causes. No recipient (no organizer and
 * no attendee, or a notice without an organizer) is no error: count 0.
 * CV_ERR_INVALID with a sentence in problem[INVITATION_PROBLEM_SIZE]. */
cv_result mail_compose(const mail_request *request, composed_mails *out, char *problem);
void composed_mails_free(composed_mails *mails);

#endif
