/*
 * mail_module.c - convened's e-mail module; see mail_module.h.
 *
 * Owns: checking the mail options at start (a bad URL, sender or password
 * file stops convened with a clear message), the delivery thread's life,
 * GET /outbox.
 */
#include "scheduler/mail_module.h"
#include "scheduler/series_notice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/secrets.h"
#include "common/text.h"
#include "scheduler/api.h"
#include "scheduler/cluster.h"
#include "scheduler/db_outbox.h"
#include "scheduler/outbox.h"
#include "scheduler/smtp.h"

#define OUTBOX_POLL_SECONDS 60
#define OUTBOX_LIST_DEFAULT 100
#define OUTBOX_LIST_MAX     1000
#define SMTP_TIMEOUT        30

/* What the module keeps while mail is on. */
typedef struct {
    char *password; /* from --smtp-password-file; wiped at stop */
    smtp_settings settings;
    outbox *sender;
} mail_state;

bool mail_enabled(const scheduler *daemon)
{
    return daemon->mail_state != NULL;
}

void mail_wake(scheduler *daemon)
{
    mail_state *state = daemon->mail_state;
    if (state)
        outbox_wake(state->sender);
}

cv_result mail_queue(scheduler *daemon, store_db *database, mail_kind kind,
                     const calendar_event *event, const char *booking_id, char *problem)
{
    /* no detail line, and no key: every change is mail of its own */
    return mail_queue_notice(daemon, database, kind, event, booking_id, NULL, NULL, problem);
}

cv_result mail_queue_notice(scheduler *daemon, store_db *database, mail_kind kind,
                            const calendar_event *event, const char *booking_id, const char *detail,
                            const char *key, char *problem)
{
    problem[0] = '\0';
    if (!mail_enabled(daemon))
        return CV_OK;
    int64_t now = (int64_t)time(NULL);
    mail_request request = {kind, event, detail, daemon->options.mail_from, now};
    composed_mails mails;
    cv_result result = mail_compose(&request, &mails, problem);
    if (result == CV_OK)
        result = db_outbox_queue(database, booking_id, kind, daemon->options.mail_from, &mails, now,
                                 key);
    composed_mails_free(&mails);
    return result;
}

static void handle_list(scheduler_api_request *request)
{
    const char *state = scheduler_api_query(request, "state");
    if (state && strcmp(state, "pending") != 0 && strcmp(state, "sent") != 0 &&
        strcmp(state, "failed") != 0) {
        scheduler_api_fail_field(request, "state", "state must be pending, sent or failed");
        return;
    }
    int64_t limit = OUTBOX_LIST_DEFAULT;
    const char *text = scheduler_api_query(request, "limit");
    if (text && text_parse_int64(text, 1, OUTBOX_LIST_MAX, &limit) != CV_OK) {
        scheduler_api_fail_field(request, "limit", "limit must be an integer from 1 to %d",
                                 OUTBOX_LIST_MAX);
        return;
    }
    json_t *document = NULL;
    cv_result result = db_outbox_list(request->database, state, limit, &document);
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "listing the outbox");
        return;
    }
    json_object_set_new(document, "enabled", json_boolean(mail_enabled(request->daemon)));
    scheduler_api_reply_json(request, 200, document);
}

static const char *const list_query[] = {"state", "limit", NULL};
static const scheduler_api_route mail_routes[] = {
    {"GET", "outbox", handle_list, list_query, API_ALLOW_OPERATOR, NULL},
};

/* Checks the options and reads the password; logs why not. */
static cv_result read_settings(const scheduler_options *options, mail_state *state)
{
    char problem[SMTP_PROBLEM_SIZE];
    bool has_user = false;
    if (smtp_url_check(options->smtp, &has_user, problem) != CV_OK) {
        log_error("%s", problem);
        return CV_ERR_INVALID;
    }
    if (calendar_address_check(options->mail_from) != CV_OK) {
        log_error("--smtp needs --mail-from with an e-mail address such as convene@example.com");
        return CV_ERR_INVALID;
    }
    if (has_user != (options->smtp_password_file != NULL)) {
        log_error("--smtp-password-file goes with a user in --smtp (smtp://user@host), and only "
                  "then");
        return CV_ERR_INVALID;
    }
    if (options->smtp_password_file) {
        strbuf error = STRBUF_INIT;
        cv_result result = secret_read_file(options->smtp_password_file, &state->password, &error);
        if (result != CV_OK)
            log_error("--smtp-password-file: %s", strbuf_str(&error));
        strbuf_free(&error);
        if (result != CV_OK)
            return result;
    }
    state->settings = (smtp_settings){options->smtp, state->password, NULL,
                                      SMTP_STARTTLS_IF_OFFERED, SMTP_TIMEOUT};
    return CV_OK;
}

static bool may_send(void *context)
{
    return cluster_is_leader(context);
}

static cv_result mail_start(scheduler *daemon)
{
    cv_result result = scheduler_api_register(daemon, mail_routes, 1);
    if (result != CV_OK || !daemon->options.smtp)
        return result;
    mail_state *state = calloc(1, sizeof *state);
    if (!state)
        return CV_ERR_NO_MEMORY;
    result = read_settings(&daemon->options, state);
    outbox_backend backend = db_outbox_backend(&daemon->store);
    /* several nodes: only the leader sends, so no e-mail goes out twice */
    outbox_pacing pacing = {OUTBOX_POLL_SECONDS, daemon->options.smtp_retry_seconds, may_send,
                            daemon};
    if (result == CV_OK)
        result = outbox_start(&state->settings, &backend, &pacing, &state->sender);
    if (result != CV_OK) {
        secret_free(state->password);
        free(state);
        return result;
    }
    daemon->mail_state = state;
    series_notice_attach(daemon);
    log_info("mail: invitations go through %s from %s", daemon->options.smtp,
             daemon->options.mail_from);
    return CV_OK;
}

static void mail_stop(scheduler *daemon)
{
    mail_state *state = daemon->mail_state;
    if (!state)
        return;
    series_notice_attach(NULL);
    outbox_stop(state->sender);
    secret_free(state->password);
    free(state);
    daemon->mail_state = NULL;
}

const scheduler_module mail_module = {"mail", mail_start, mail_stop};
