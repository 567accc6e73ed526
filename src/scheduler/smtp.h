/*
 * smtp.h - handing one finished e-mail to an SMTP server, over libcurl.
 *
 * Owns: the SMTP transaction (smtp:// with STARTTLS, or smtps:// with TLS
 * from the first byte), AUTH with a user name and password, timeouts, and
 * sorting failures into ones worth retrying and ones that are not.
 * Does not own: the message text (imip.h), reading the password file,
 * retrying and remembering what was sent (the outbox).
 * The user name is the URL's ("smtp://convene@mail.example.com:587"); the
 * password comes separately (from a file) and never reaches a log or a
 * problem text; URLs that carry a password ("smtp://user:pw@host") are
 * refused.
 * The process must have called curl_global_init before the first send.
 */
#ifndef CONVENE_SCHEDULER_SMTP_H
#define CONVENE_SCHEDULER_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#include "common/result.h"

#define SMTP_PROBLEM_SIZE 256

/* Whether an smtp:// connection must switch to TLS (STARTTLS) before
 * sending. smtps:// is always TLS. */
typedef enum {
    SMTP_STARTTLS_IF_OFFERED, /* upgrade when the server offers it */
    SMTP_STARTTLS_REQUIRED,   /* refuse to send in the clear */
} smtp_starttls;

typedef struct {
    const char *url;      /* "smtp://mail.example.com:587" or "smtps://...:465" */
    const char *password; /* for the URL's user name (AUTH), or NULL; never logged */
    const char *ca_file;  /* PEM CAs to trust instead of the system's, or NULL */
    smtp_starttls starttls;
    long timeout_seconds; /* the whole transaction, > 0 */
} smtp_settings;

/* CV_OK when `url` is smtp:// or smtps:// with a host, an optional user
 * name and port, no password and no query; *has_user (may be NULL) says
 * whether it names a user, who must then log in (AUTH) over TLS.
 * CV_ERR_INVALID with a sentence in problem[SMTP_PROBLEM_SIZE] otherwise. */
cv_result smtp_url_check(const char *url, bool *has_user, char *problem);

/* Sends `message` (complete RFC 5322 text, CRLF lines) from `from` to the
 * `to` addresses. On failure a sentence in problem[SMTP_PROBLEM_SIZE] and:
 * CV_ERR_NETWORK (no connection), CV_ERR_TIMEOUT, CV_ERR_BUSY (the server
 * answered 4xx: try again later), CV_ERR_AUTH (credentials refused),
 * CV_ERR_PROTOCOL (5xx or TLS failure: trying again will not help),
 * CV_ERR_INVALID (bad settings). */
cv_result smtp_send(const smtp_settings *settings, const char *from, const char *const *to,
                    size_t to_count, const char *message, char *problem);

/* True for the failures smtp_send says are worth retrying later. */
bool smtp_failure_is_temporary(cv_result result);

#endif
