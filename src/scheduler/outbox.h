/*
 * outbox.h - the thread that delivers stored e-mails: it takes the
 * messages that are due, hands each to the SMTP server, and records what
 * happened: sent, to be tried again later (a server that is down or says
 * 4xx), or failed for good (5xx, refused credentials).
 *
 * Owns: the delivery loop, the retry schedule (outbox_retry_delay), waking
 * when a change queued mail, stopping cleanly. Does not own: where the
 * messages are kept (a backend: the database's outbox table, a fake in
 * the unit test), composing them (invitation.h), SMTP (smtp.h).
 * A message is recorded as sent only after the server accepted it; a
 * crash between the two sends it once more, with the same Message-ID.
 */
#ifndef CONVENE_SCHEDULER_OUTBOX_H
#define CONVENE_SCHEDULER_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "common/result.h"
#include "scheduler/smtp.h"

#define OUTBOX_BATCH        20   /* messages taken per pass */
#define OUTBOX_RETRY_FIRST  15   /* seconds before the first retry */
#define OUTBOX_RETRY_MAX    3600 /* retries never wait longer than this */
#define OUTBOX_ATTEMPTS_MAX 200  /* then a temporary failure counts as final */
#define OUTBOX_PROBLEM_SIZE SMTP_PROBLEM_SIZE

/* One stored message as the loop sees it. */
typedef struct {
    int64_t id;       /* the backend's key */
    char *sender;     /* envelope sender */
    char *recipient;  /* envelope recipient (one per message) */
    char *text;       /* the whole message */
    int64_t attempts; /* delivery attempts made before this one */
} outbox_item;

void outbox_items_free(outbox_item *items, size_t count);

/* Where the messages are kept. Every call may fail; the loop logs and
 * tries again on its next pass. `context` is the backend's own. */
typedef struct {
    /* Up to `max` messages due at `now` (pending, next attempt <= now),
     * oldest first; *items is allocated (outbox_items_free). */
    cv_result (*due)(void *context, int64_t now, size_t max, outbox_item **items, size_t *count);
    cv_result (*mark_sent)(void *context, int64_t id, int64_t now);
    /* Another attempt at `next_attempt`; attempts becomes attempts + 1. */
    cv_result (*mark_retry)(void *context, int64_t id, int64_t next_attempt, const char *problem);
    cv_result (*mark_failed)(void *context, int64_t id, const char *problem);
    /* The earliest next attempt of any pending message, or -1 for none. */
    cv_result (*next_due)(void *context, int64_t *when);
    void *context;
} outbox_backend;

/* Seconds to wait after a temporary failure of the n-th attempt
 * (attempts >= 1): first, twice that, four times ... up to
 * OUTBOX_RETRY_MAX. */
int64_t outbox_retry_delay(int64_t first, int64_t attempts);

typedef struct outbox outbox;

/* How the loop paces itself. */
typedef struct {
    int64_t poll_seconds; /* longest sleep between passes, even with nothing due (> 0) */
    int64_t retry_first;  /* seconds before the first retry (OUTBOX_RETRY_FIRST) */
    /* Optional: false while this process must not send (convened: it is
     * not the leader of several nodes, cluster.h); the loop then looks
     * again every poll_seconds. NULL: always. */
    bool (*may_send)(void *context);
    void *may_send_context;
} outbox_pacing;

/* Starts the delivery thread. `settings`, `backend` and `pacing` are
 * copied; the strings they point to must outlive the outbox. */
cv_result outbox_start(const smtp_settings *settings, const outbox_backend *backend,
                       const outbox_pacing *pacing, outbox **out);
/* Something was queued: look now rather than at the next due time. */
void outbox_wake(outbox *box);
/* Stops the thread (a delivery in progress finishes first); NULL-safe. */
void outbox_stop(outbox *box);
/* Deliveries attempted so far (successful or not), for tests and logs. */
unsigned long outbox_attempts(outbox *box);

#endif
