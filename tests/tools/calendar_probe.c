/*
 * calendar_probe.c - a test-only program that drives convened's calendar
 * and mail units (calendar.h, imip.h, smtp.h) from JSON on standard input,
 * so Python tests can check their output with independent parsers
 * (python3-icalendar, the email package) and a real SMTP server
 * (python3-aiosmtpd). Not installed; not part of convened.
 *
 *   calendar_probe ics   < {"method": "REQUEST", "name": ..., "events": [...]}
 *       writes the iCalendar text to standard output.
 *   calendar_probe mail  < {"from", "to": [...], "subject", "text",
 *                           "calendar": {document} or null, "messageId",
 *                           "date", "smtp": {"url", "passwordFile",
 *                           "caFile", "starttls": "required"|"offered",
 *                           "timeout"} or null}
 *       builds the message; without "smtp" writes it to standard output,
 *       with it sends it and prints {"result": "ok" or the failure's name,
 *       "problem": ..., "temporary": true/false}.
 *   calendar_probe compose < {"kind": "request"|"cancel"|"start-failed"|
 *                           "unreachable"|"failover", "event": {event},
 *                           "detail", "from", "now"}
 *       prints [{"recipient", "messageId", "text"}, ...] (invitation.c).
 *   calendar_probe deliver < {"smtp": {...}, "retryFirst": seconds,
 *                           "deadline": seconds, "messages": [{"from",
 *                           "to", "text"}, ...]}
 *       runs the outbox thread (outbox.c) over these messages kept in
 *       memory until each is sent or failed or the deadline passes; prints
 *       a line {"id", "outcome", "attempts"} whenever an attempt is
 *       recorded, then {"states": [...], "attempts": n}.
 *   calendar_probe expand < {"rrule", "timeZone", "start" (wall-clock
 *                           "YYYY-MM-DDTHH:MM:SS"), "duration", "exdates",
 *                           "from", "to", "limit"}
 *       prints {"result", "problem", "more", "occurrences": [[start, end,
 *       "wall-clock start"], ...]} (seconds are UTC).
 * Event fields: uid, sequence, summary, timeZone, start, end (Unix
 * seconds), rrule, exdates [seconds], recurrenceId (seconds), organizer
 * and attendees ({"email", "name"}), dialUri, callId, passcode,
 * description, cancelled, stamp.
 */
#include <curl/curl.h>
#include <jansson.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scheduler/calendar.h"
#include "scheduler/imip.h"
#include "scheduler/invitation.h"
#include "scheduler/outbox.h"
#include "scheduler/recurrence.h"
#include "scheduler/smtp.h"

#define EVENTS_MAX  16
#define PEOPLE_MAX  16
#define EXDATES_MAX 64

/* Storage behind the calendar_event pointers of one document. */
typedef struct {
    calendar_event events[EVENTS_MAX];
    calendar_person organizers[EVENTS_MAX];
    calendar_person people[EVENTS_MAX][PEOPLE_MAX];
    int64_t exdates[EVENTS_MAX][EXDATES_MAX];
    calendar_document document;
} document_storage;

static const char *text_field(json_t *object, const char *name)
{
    return json_string_value(json_object_get(object, name));
}

static int64_t number_field(json_t *object, const char *name)
{
    return (int64_t)json_integer_value(json_object_get(object, name));
}

static void read_person(json_t *object, calendar_person *person)
{
    person->email = text_field(object, "email");
    person->name = text_field(object, "name");
}

static void read_event(json_t *object, document_storage *storage, size_t index)
{
    calendar_event *event = &storage->events[index];
    event->uid = text_field(object, "uid");
    event->sequence = (int)number_field(object, "sequence");
    event->summary = text_field(object, "summary");
    event->time_zone = text_field(object, "timeZone");
    event->start = number_field(object, "start");
    event->end = number_field(object, "end");
    event->rrule = text_field(object, "rrule");
    json_t *value;
    size_t i;
    json_array_foreach(json_object_get(object, "exdates"), i, value)
    {
        if (i < EXDATES_MAX)
            storage->exdates[index][event->exdate_count++] = (int64_t)json_integer_value(value);
    }
    event->exdates = storage->exdates[index];
    event->has_recurrence_id = json_object_get(object, "recurrenceId") != NULL;
    event->recurrence_id = number_field(object, "recurrenceId");
    if (json_object_get(object, "organizer")) {
        read_person(json_object_get(object, "organizer"), &storage->organizers[index]);
        event->organizer = &storage->organizers[index];
    }
    json_array_foreach(json_object_get(object, "attendees"), i, value)
    {
        if (i < PEOPLE_MAX)
            read_person(value, &storage->people[index][event->attendee_count++]);
    }
    event->attendees = storage->people[index];
    event->dial_uri = text_field(object, "dialUri");
    event->call_id = text_field(object, "callId");
    event->passcode = text_field(object, "passcode");
    event->description = text_field(object, "description");
    event->cancelled = json_is_true(json_object_get(object, "cancelled"));
    event->stamp = number_field(object, "stamp");
}

static calendar_method method_from(const char *name)
{
    if (name && strcmp(name, "REQUEST") == 0)
        return CALENDAR_METHOD_REQUEST;
    if (name && strcmp(name, "CANCEL") == 0)
        return CALENDAR_METHOD_CANCEL;
    return CALENDAR_METHOD_NONE;
}

/* Writes the calendar `object` describes into *out; prints why not. */
static int write_calendar(json_t *object, char **out)
{
    document_storage *storage = calloc(1, sizeof *storage);
    if (!storage)
        return 1;
    calendar_document *document = &storage->document;
    document->method = method_from(text_field(object, "method"));
    document->name = text_field(object, "name");
    json_t *value;
    size_t i;
    json_array_foreach(json_object_get(object, "events"), i, value)
    {
        if (i < EVENTS_MAX)
            read_event(value, storage, document->count++);
    }
    document->events = storage->events;
    char problem[CALENDAR_PROBLEM_SIZE];
    cv_result result = calendar_write(document, out, problem);
    free(storage);
    if (result != CV_OK)
        fprintf(stderr, "calendar_probe: %s: %s\n", cv_result_name(result), problem);
    return result == CV_OK ? 0 : 1;
}

/* The first line of `path`, or NULL. A test fixture, so no more care. */
static char *read_password(const char *path)
{
    FILE *file = fopen(path, "r");
    if (!file)
        return NULL;
    char line[256];
    char *password = fgets(line, sizeof line, file) ? strndup(line, strcspn(line, "\r\n")) : NULL;
    fclose(file);
    return password;
}

/* The "to" addresses into to[IMIP_RECIPIENTS_MAX]; how many. */
static size_t read_recipients(json_t *input, const char **to)
{
    size_t count = 0, i;
    json_t *value;
    json_array_foreach(json_object_get(input, "to"), i, value)
    {
        if (count < IMIP_RECIPIENTS_MAX)
            to[count++] = json_string_value(value);
    }
    return count;
}

static int send_message(json_t *smtp, json_t *input, const char *message)
{
    const char *password_file = text_field(smtp, "passwordFile");
    char *password = password_file ? read_password(password_file) : NULL;
    const char *starttls = text_field(smtp, "starttls");
    smtp_settings settings = {
        text_field(smtp, "url"), password, text_field(smtp, "caFile"),
        starttls && strcmp(starttls, "required") == 0 ? SMTP_STARTTLS_REQUIRED
                                                      : SMTP_STARTTLS_IF_OFFERED,
        json_object_get(smtp, "timeout") ? (long)number_field(smtp, "timeout") : 10L};
    const char *to[IMIP_RECIPIENTS_MAX];
    size_t count = read_recipients(input, to);
    char problem[SMTP_PROBLEM_SIZE];
    cv_result result = smtp_send(&settings, text_field(input, "from"), to, count, message, problem);
    free(password);
    json_t *answer = json_pack(
        "{s:s, s:s, s:b}", "result", result == CV_OK ? "ok" : cv_result_name(result), "problem",
        result == CV_OK ? "" : problem, "temporary", smtp_failure_is_temporary(result));
    json_dumpf(answer, stdout, 0);
    fputc('\n', stdout);
    json_decref(answer);
    return 0;
}

static int run_mail(json_t *input)
{
    char *calendar = NULL;
    json_t *document = json_object_get(input, "calendar");
    if (json_is_object(document) && write_calendar(document, &calendar) != 0)
        return 1;
    const char *to[IMIP_RECIPIENTS_MAX];
    size_t count = read_recipients(input, to);
    imip_message message = {text_field(input, "from"),
                            to,
                            count,
                            text_field(input, "subject"),
                            text_field(input, "text"),
                            calendar,
                            json_is_object(document) ? method_from(text_field(document, "method"))
                                                     : CALENDAR_METHOD_NONE,
                            text_field(input, "messageId"),
                            number_field(input, "date")};
    char *text = NULL, problem[IMIP_PROBLEM_SIZE];
    cv_result result = imip_build(&message, &text, problem);
    free(calendar);
    if (result != CV_OK) {
        fprintf(stderr, "calendar_probe: %s: %s\n", cv_result_name(result), problem);
        return 1;
    }
    int status = 0;
    json_t *smtp = json_object_get(input, "smtp");
    if (json_is_object(smtp))
        status = send_message(smtp, input, text);
    else
        fputs(text, stdout);
    free(text);
    return status;
}

/* The in-memory store behind `deliver`; `lock` guards every field. */
typedef struct {
    pthread_mutex_t lock;
    json_t *messages;
    const char *states[OUTBOX_BATCH];
    int64_t attempts[OUTBOX_BATCH], next_attempt[OUTBOX_BATCH];
    size_t count;
} memory_outbox;

static void report(memory_outbox *box, int64_t id, const char *outcome)
{
    box->states[id] = outcome;
    box->attempts[id]++;
    printf("{\"id\": %lld, \"outcome\": \"%s\", \"attempts\": %lld}\n", (long long)id, outcome,
           (long long)box->attempts[id]);
    fflush(stdout);
}

static cv_result memory_due(void *context, int64_t now, size_t max, outbox_item **items,
                            size_t *count)
{
    memory_outbox *box = context;
    pthread_mutex_lock(&box->lock);
    *items = calloc(box->count, sizeof **items);
    *count = 0;
    for (size_t i = 0; *items && i < box->count && *count < max; i++) {
        if (strcmp(box->states[i], "pending") != 0 || box->next_attempt[i] > now)
            continue;
        json_t *message = json_array_get(box->messages, i);
        (*items)[(*count)++] = (outbox_item){(int64_t)i, strdup(text_field(message, "from")),
                                             strdup(text_field(message, "to")),
                                             strdup(text_field(message, "text")), box->attempts[i]};
    }
    pthread_mutex_unlock(&box->lock);
    return *items ? CV_OK : CV_ERR_NO_MEMORY;
}

static cv_result memory_sent(void *context, int64_t id, int64_t now)
{
    (void)now;
    memory_outbox *box = context;
    pthread_mutex_lock(&box->lock);
    report(box, id, "sent");
    pthread_mutex_unlock(&box->lock);
    return CV_OK;
}

static cv_result memory_retry(void *context, int64_t id, int64_t next_attempt, const char *problem)
{
    (void)problem;
    memory_outbox *box = context;
    pthread_mutex_lock(&box->lock);
    report(box, id, "retry");
    box->states[id] = "pending";
    box->next_attempt[id] = next_attempt;
    pthread_mutex_unlock(&box->lock);
    return CV_OK;
}

static cv_result memory_failed(void *context, int64_t id, const char *problem)
{
    (void)problem;
    memory_outbox *box = context;
    pthread_mutex_lock(&box->lock);
    report(box, id, "failed");
    pthread_mutex_unlock(&box->lock);
    return CV_OK;
}

static cv_result memory_next_due(void *context, int64_t *when)
{
    memory_outbox *box = context;
    *when = -1;
    pthread_mutex_lock(&box->lock);
    for (size_t i = 0; i < box->count; i++)
        if (strcmp(box->states[i], "pending") == 0 && (*when < 0 || box->next_attempt[i] < *when))
            *when = box->next_attempt[i];
    pthread_mutex_unlock(&box->lock);
    return CV_OK;
}

static bool all_settled(memory_outbox *box)
{
    pthread_mutex_lock(&box->lock);
    bool settled = true;
    for (size_t i = 0; i < box->count; i++)
        settled = settled && strcmp(box->states[i], "pending") != 0;
    pthread_mutex_unlock(&box->lock);
    return settled;
}

static int run_deliver(json_t *input)
{
    json_t *smtp = json_object_get(input, "smtp");
    memory_outbox box = {.messages = json_object_get(input, "messages")};
    pthread_mutex_init(&box.lock, NULL);
    box.count =
        json_array_size(box.messages) < OUTBOX_BATCH ? json_array_size(box.messages) : OUTBOX_BATCH;
    for (size_t i = 0; i < box.count; i++)
        box.states[i] = "pending";
    smtp_settings settings = {text_field(smtp, "url"), NULL, NULL, SMTP_STARTTLS_IF_OFFERED, 5};
    outbox_backend backend = {memory_due,    memory_sent,     memory_retry,
                              memory_failed, memory_next_due, &box};
    outbox_pacing pacing = {.poll_seconds = 60, .retry_first = number_field(input, "retryFirst")};
    outbox *sender = NULL;
    if (outbox_start(&settings, &backend, &pacing, &sender) != CV_OK)
        return 1;
    time_t deadline = time(NULL) + (time_t)number_field(input, "deadline");
    struct timespec pause = {0, 20 * 1000 * 1000};
    while (!all_settled(&box) && time(NULL) < deadline)
        nanosleep(&pause, NULL); /* a test tool: polling is fine here */
    unsigned long attempts = outbox_attempts(sender);
    outbox_stop(sender);
    json_t *states = json_array();
    for (size_t i = 0; i < box.count; i++)
        json_array_append_new(states, json_string(box.states[i]));
    json_t *answer = json_pack("{s:o, s:I}", "states", states, "attempts", (json_int_t)attempts);
    json_dumpf(answer, stdout, 0);
    fputc('\n', stdout);
    json_decref(answer);
    pthread_mutex_destroy(&box.lock);
    return 0;
}

static int run_compose(json_t *input)
{
    document_storage *storage = calloc(1, sizeof *storage);
    if (!storage)
        return 1;
    read_event(json_object_get(input, "event"), storage, 0);
    mail_request request = {MAIL_REQUEST, &storage->events[0], text_field(input, "detail"),
                            text_field(input, "from"), number_field(input, "now")};
    const char *kind = text_field(input, "kind");
    for (int k = MAIL_REQUEST; k <= MAIL_FAILOVER; k++)
        if (kind && strcmp(kind, mail_kind_name((mail_kind)k)) == 0)
            request.kind = (mail_kind)k;
    composed_mails mails;
    char problem[INVITATION_PROBLEM_SIZE];
    cv_result result = mail_compose(&request, &mails, problem);
    free(storage);
    if (result != CV_OK) {
        fprintf(stderr, "calendar_probe: %s: %s\n", cv_result_name(result), problem);
        return 1;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < mails.count; i++)
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s}", "recipient", mails.items[i].recipient, "messageId",
                            mails.items[i].message_id, "text", mails.items[i].text));
    composed_mails_free(&mails);
    json_dumpf(list, stdout, 0);
    json_decref(list);
    return 0;
}

static int run_expand(json_t *input)
{
    int64_t exdates[EXDATES_MAX];
    size_t exdate_count = 0, i;
    json_t *value;
    json_array_foreach(json_object_get(input, "exdates"), i, value)
    {
        if (exdate_count < EXDATES_MAX)
            exdates[exdate_count++] = (int64_t)json_integer_value(value);
    }
    recurrence_series series = {text_field(input, "rrule"),
                                text_field(input, "timeZone"),
                                {0, 0, 0, 0, 0, 0},
                                number_field(input, "duration"),
                                exdates,
                                exdate_count};
    if (wall_time_parse(text_field(input, "start"), &series.first_start) != CV_OK) {
        fprintf(stderr, "calendar_probe: start must be YYYY-MM-DDTHH:MM:SS\n");
        return 2;
    }
    recurrence_window window = {number_field(input, "from"), number_field(input, "to"),
                                (size_t)number_field(input, "limit")};
    occurrence_list list;
    char problem[RECURRENCE_PROBLEM_SIZE];
    cv_result result = recurrence_expand(&series, &window, &list, problem);
    json_t *items = json_array();
    for (size_t n = 0; result == CV_OK && n < list.count; n++) {
        char wall[WALL_TIME_TEXT_SIZE];
        wall_time_format(&list.items[n].wall_start, wall, sizeof wall);
        json_array_append_new(items, json_pack("[I, I, s]", (json_int_t)list.items[n].start,
                                               (json_int_t)list.items[n].end, wall));
    }
    json_t *answer =
        json_pack("{s:s, s:s, s:b, s:o}", "result", result == CV_OK ? "ok" : cv_result_name(result),
                  "problem", problem, "more", result == CV_OK && list.more, "occurrences", items);
    json_dumpf(answer, stdout, 0);
    fputc('\n', stdout);
    json_decref(answer);
    if (result == CV_OK)
        occurrence_list_free(&list);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[1], "ics") != 0 && strcmp(argv[1], "mail") != 0 &&
                      strcmp(argv[1], "expand") != 0 && strcmp(argv[1], "compose") != 0 &&
                      strcmp(argv[1], "deliver") != 0)) {
        fprintf(stderr, "usage: calendar_probe ics|mail|expand|compose|deliver < input.json\n");
        return 2;
    }
    json_error_t error;
    json_t *input = json_loadf(stdin, 0, &error);
    if (!input) {
        fprintf(stderr, "calendar_probe: bad JSON: %s\n", error.text);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int status;
    if (strcmp(argv[1], "ics") == 0) {
        char *text = NULL;
        status = write_calendar(input, &text);
        if (status == 0)
            fputs(text, stdout);
        free(text);
    } else if (strcmp(argv[1], "deliver") == 0) {
        status = run_deliver(input);
    } else if (strcmp(argv[1], "compose") == 0) {
        status = run_compose(input);
    } else if (strcmp(argv[1], "expand") == 0) {
        status = run_expand(input);
    } else {
        status = run_mail(input);
    }
    json_decref(input);
    curl_global_cleanup();
    return status;
}
