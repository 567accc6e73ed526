/*
 * invitation.c - composing the e-mails a meeting causes; see
 * invitation.h.
 *
 * Owns: recipients, subjects and plain texts. Does not own: the calendar
 * text (calendar.c) or the message format (imip.c).
 */
#include "scheduler/invitation.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/text.h"
#include "scheduler/imip.h"
#include "scheduler/recurrence.h"

static const struct {
    const char *name;
    const char *subject; /* what comes before the title */
} kinds[] = {
    [MAIL_REQUEST] = {"request", "Invitation: "},
    [MAIL_CANCEL] = {"cancel", "Cancelled: "},
    [MAIL_START_FAILED] = {"start-failed", "Did not start: "},
    [MAIL_UNREACHABLE] = {"unreachable", "Participant not reached: "},
    [MAIL_FAILOVER] = {"failover", "Moved to another bridge node: "},
    [MAIL_SKIPPED] = {"skipped", "Not booked: "},
    [MAIL_UNINVITED] = {"uninvited", "Cancelled: "},
};

const char *mail_kind_name(mail_kind kind)
{
    if ((unsigned)kind >= sizeof kinds / sizeof kinds[0])
        return "unknown";
    return kinds[kind].name;
}

/* A CANCEL to its recipients: the meeting's, or (uninvited) one
 * occurrence's for the attendees taken out of it. */
static bool is_cancel(mail_kind kind)
{
    return kind == MAIL_CANCEL || kind == MAIL_UNINVITED;
}

static bool is_notice(mail_kind kind)
{
    return kind != MAIL_REQUEST && !is_cancel(kind);
}

static const char *title_of(const calendar_event *event)
{
    return event->summary && *event->summary ? event->summary : "Meeting";
}

void composed_mails_free(composed_mails *mails)
{
    for (size_t i = 0; i < mails->count; i++)
        free(mails->items[i].text);
    free(mails->items);
    mails->items = NULL;
    mails->count = 0;
}

/* Adds `address` unless it is already a recipient (case ignored). */
static cv_result add_recipient(composed_mails *out, const char *address)
{
    for (size_t i = 0; i < out->count; i++)
        if (text_equals_ignore_case(out->items[i].recipient, address))
            return CV_OK;
    composed_mail *grown = realloc(out->items, (out->count + 1) * sizeof *grown);
    if (!grown)
        return CV_ERR_NO_MEMORY;
    out->items = grown;
    composed_mail *mail = &out->items[out->count++];
    memset(mail, 0, sizeof *mail);
    snprintf(mail->recipient, sizeof mail->recipient, "%s", address);
    return CV_OK;
}

static cv_result collect_recipients(const mail_request *request, composed_mails *out)
{
    const calendar_event *event = request->event;
    cv_result result = CV_OK;
    /* the organizer's calendar keeps an occurrence its attendees were
     * taken out of */
    if (event->organizer && request->kind != MAIL_UNINVITED)
        result = add_recipient(out, event->organizer->email);
    if (is_notice(request->kind))
        return result;
    for (size_t i = 0; i < event->attendee_count && result == CV_OK; i++)
        result = add_recipient(out, event->attendees[i].email);
    return result;
}

/* "2026-03-23 09:00" in `zone`. */
static void append_local(strbuf *text, const char *zone, int64_t utc, bool with_date)
{
    wall_time wall;
    if (utc_to_wall_time(zone, utc, &wall, NULL) != CV_OK)
        return;
    if (with_date)
        strbuf_printf(text, "%04d-%02d-%02d ", wall.year, wall.month, wall.day);
    strbuf_printf(text, "%02d:%02d", wall.hour, wall.minute);
}

static char *plain_text(const mail_request *request)
{
    const calendar_event *event = request->event;
    const char *zone = event->time_zone ? event->time_zone : "UTC";
    strbuf text = STRBUF_INIT;
    strbuf_printf(&text, "%s\n\nWhen: ", title_of(event));
    append_local(&text, zone, event->start, true);
    strbuf_append_str(&text, " to ");
    append_local(&text, zone, event->end, event->end - event->start >= 86400);
    strbuf_printf(&text, " (%s)\n", zone);
    if (event->rrule)
        strbuf_printf(&text, "Repeats: %s\n", event->rrule);
    if (event->dial_uri)
        strbuf_printf(&text, "Join: %s\n", event->dial_uri);
    if (event->call_id)
        strbuf_printf(&text, "Call ID: %s\n", event->call_id);
    if (event->passcode)
        strbuf_printf(&text, "Passcode: %s\n", event->passcode);
    if (event->organizer)
        strbuf_printf(&text, "Organizer: %s\n", event->organizer->email);
    if (request->detail && *request->detail)
        strbuf_printf(&text, "\nWhat happened: %s\n", request->detail);
    if (strbuf_status(&text) != CV_OK) {
        strbuf_free(&text);
        return NULL;
    }
    return strbuf_detach(&text);
}

/* The text/calendar part of a REQUEST or CANCEL; NULL for notices. */
static cv_result calendar_part(const mail_request *request, char **out, char *problem)
{
    *out = NULL;
    if (is_notice(request->kind))
        return CV_OK;
    calendar_event event = *request->event;
    event.stamp = request->now;
    event.cancelled = event.cancelled || is_cancel(request->kind);
    calendar_document document = {is_cancel(request->kind) ? CALENDAR_METHOD_CANCEL
                                                           : CALENDAR_METHOD_REQUEST,
                                  NULL, &event, 1};
    char calendar_problem[CALENDAR_PROBLEM_SIZE];
    cv_result result = calendar_write(&document, out, calendar_problem);
    if (result != CV_OK)
        snprintf(problem, INVITATION_PROBLEM_SIZE, "%s", calendar_problem);
    return result;
}

static cv_result build_each(const mail_request *request, composed_mails *out, const char *subject,
                            const char *text, const char *calendar, char *problem)
{
    for (size_t i = 0; i < out->count; i++) {
        composed_mail *mail = &out->items[i];
        if (imip_new_message_id(request->from, mail->message_id, sizeof mail->message_id) !=
            CV_OK) {
            snprintf(problem, INVITATION_PROBLEM_SIZE, "the sender is not an e-mail address");
            return CV_ERR_INVALID;
        }
        const char *to[] = {mail->recipient};
        imip_message message = {request->from,
                                to,
                                1,
                                subject,
                                text,
                                calendar,
                                is_cancel(request->kind) ? CALENDAR_METHOD_CANCEL
                                                         : CALENDAR_METHOD_REQUEST,
                                mail->message_id,
                                request->now};
        char mail_problem[IMIP_PROBLEM_SIZE];
        cv_result result = imip_build(&message, &mail->text, mail_problem);
        if (result != CV_OK) {
            snprintf(problem, INVITATION_PROBLEM_SIZE, "%s", mail_problem);
            return result;
        }
    }
    return CV_OK;
}

cv_result mail_compose(const mail_request *request, composed_mails *out, char *problem)
{
    out->items = NULL;
    out->count = 0;
    problem[0] = '\0';
    if ((unsigned)request->kind >= sizeof kinds / sizeof kinds[0] || !request->event) {
        snprintf(problem, INVITATION_PROBLEM_SIZE, "no such kind of mail");
        return CV_ERR_INVALID;
    }
    cv_result result = collect_recipients(request, out);
    if (result != CV_OK || out->count == 0) {
        composed_mails_free(out);
        return result;
    }
    char subject[300];
    const char *prefix = kinds[request->kind].subject;
    if (request->kind == MAIL_REQUEST && request->event->sequence > 0)
        prefix = "Updated invitation: ";
    snprintf(subject, sizeof subject, "%s%s", prefix, title_of(request->event));
    char *text = plain_text(request);
    char *calendar = NULL;
    if (!text)
        result = CV_ERR_NO_MEMORY;
    if (result == CV_OK)
        result = calendar_part(request, &calendar, problem);
    if (result == CV_OK)
        result = build_each(request, out, subject, text, calendar, problem);
    free(text);
    free(calendar);
    if (result != CV_OK)
        composed_mails_free(out);
    return result;
}
