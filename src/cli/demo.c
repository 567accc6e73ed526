/*
 * demo.c - `convene demo`: the whole story of Cisco's TMS guide (Cisco
 * TMS managing a Cisco Meeting Server, played by Convene) on this machine, on loopback,
 * with throw-away daemons:
 *   a two-node convene-bridge cluster (CallBridge-Core1, CallBridge-Core2;
 *   shared data directory, each --peer of the other) and convened, then,
 *   through convened's API: add the bridge (tickets) -> settings (tickets
 *   clear, cluster discovered, adding the member refused) -> the reserved
 *   spaces as the bridge lists them -> a booking a few seconds ahead with
 *   two dial-outs -> its start on time (checked on the bridge) -> extend ->
 *   end (checked on the bridge) -> an excerpt of the bridge's API trace.
 *
 * Owns: the story, its checks and its printout (demo_play). Does not own:
 * the command, its options and signals (demo_command.c), the daemons,
 * paths and clean-up (demo_daemons.c), process plumbing (demo_process.h),
 * reading the bridge's XML (demo_bridge.h), the transport (client.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/rfc3339.h"
#include "cli/cli.h"
#include "cli/demo_bridge.h"
#include "cli/demo.h"
#include "cli/demo_process.h"
#include "cli/json_view.h"
#include "cli/table.h"

/* ---- talking to convened ------------------------------------------------ */

/* One request to convened. Returns true for an answer whose status is
 * `expected` (0: any 2xx); otherwise records why and returns false. The
 * answer is the caller's to free either way. */
static bool convened_call(demo *story, const char *method, const char *path, const json_t *body,
                          long expected, client_answer *answer)
{
    strbuf error = STRBUF_INIT;
    strbuf full_path = STRBUF_INIT;
    strbuf_printf(&full_path, "/api/v1%s", path);
    cv_result result =
        client_send_json(story->convened, method, strbuf_str(&full_path), body, answer, &error);
    bool ok = false;
    if (result != CV_OK) {
        demo_fail(story, "%s %s: convened did not answer: %s", method, path,
                  result == CV_ERR_NO_MEMORY ? "out of memory" : strbuf_str(&error));
    } else if (expected ? answer->status != expected
                        : (answer->status < 200 || answer->status > 299)) {
        strbuf line = STRBUF_INIT;
        cli_describe_error(answer, &line);
        demo_fail(story, "%s %s: convened answered %ld: %s", method, path, answer->status,
                  strbuf_str(&line));
        strbuf_free(&line);
    } else if (!expected && !json_is_object(answer->document)) {
        demo_fail(story, "%s %s: convened's answer is not a JSON object", method, path);
    } else {
        ok = true;
    }
    strbuf_free(&error);
    strbuf_free(&full_path);
    return ok;
}

/* GET /bridges/<id> or /bookings/<id> into *document (caller decrefs). */
static bool convened_get(demo *story, const char *collection, const char *id, json_t **document)
{
    char path[160];
    snprintf(path, sizeof path, "/%s/%s", collection, id);
    client_answer answer;
    bool ok = convened_call(story, "GET", path, NULL, 0, &answer);
    *document = ok ? json_incref(answer.document) : NULL;
    client_answer_free(&answer);
    return ok;
}

static bool has_ticket(const json_t *tickets, const char *kind)
{
    size_t index;
    const json_t *ticket;
    json_array_foreach(tickets, index, ticket)
    {
        const char *text = json_member_string(ticket, "kind");
        if (text && strcmp(text, kind) == 0)
            return true;
    }
    return false;
}

/* ---- starting and stopping the daemons ----------------------------------- */

/* ---- the story ----------------------------------------------------------- */

static void step_line(demo *story, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void step_line(demo *story, const char *format, ...)
{
    story->step++;
    printf("%d. ", story->step);
    va_list arguments;
    va_start(arguments, format);
    vprintf(format, arguments);
    va_end(arguments);
    printf("\n");
    fflush(stdout);
}

static bool step_add_bridge(demo *story)
{
    json_t *body =
        json_pack("{s:s, s:s, s:s, s:b, s:s}", "address", story->core1_url, "username", DEMO_USER,
                  "password", story->password, "tlsVerify", 1, "caFile", story->bridge_ca);
    if (!body)
        return demo_fail(story, "out of memory");
    client_answer answer;
    bool ok = convened_call(story, "POST", "/bridges", body, 0, &answer);
    json_decref(body);
    if (!ok) {
        client_answer_free(&answer);
        return false;
    }
    const json_t *bridge = answer.document;
    const char *id = json_member_string(bridge, "id");
    const char *version = json_member_string(bridge, "softwareVersion");
    const json_t *tickets = json_object_get(bridge, "tickets");
    if (!id || !*id) {
        client_answer_free(&answer);
        return demo_fail(story, "convened added the bridge but returned no id");
    }
    snprintf(story->bridge_id, sizeof story->bridge_id, "%s", id);
    bool recognised = version && *version;
    bool both_tickets = has_ticket(tickets, "Blank System Name") &&
                        has_ticket(tickets, "Dial Number Configuration Error");
    if (recognised && both_tickets)
        step_line(story,
                  "Added %s: a Cisco Meeting Server %s with tickets \"Blank System Name\" and "
                  "\"Dial Number Configuration Error\"",
                  story->core1_url, version);
    client_answer_free(&answer);
    if (!recognised)
        return demo_fail(story, "convened did not recognise the bridge as a Cisco Meeting Server "
                                "(no softwareVersion)");
    if (!both_tickets)
        return demo_fail(story,
                         "the new bridge does not show both tickets \"Blank System Name\" and "
                         "\"Dial Number Configuration Error\"");
    return true;
}

/* The bridge with tickets cleared, every slot provisioned and the cluster
 * discovered, or NULL after the deadline (with the reason recorded). */
static json_t *wait_for_settled_bridge(demo *story)
{
    struct timespec since;
    clock_gettime(CLOCK_MONOTONIC, &since);
    json_t *bridge = NULL;
    while (true) {
        json_decref(bridge);
        bridge = NULL;
        if (!demo_daemons_alive(story) || demo_interrupted(story) ||
            !convened_get(story, "bridges", story->bridge_id, &bridge))
            return NULL;
        const json_t *slots = json_object_get(bridge, "slots");
        json_int_t provisioned = json_integer_value(json_object_get(slots, "provisioned"));
        size_t open_tickets = json_array_size(json_object_get(bridge, "tickets"));
        size_t members = json_array_size(json_object_get(bridge, "cluster"));
        if (open_tickets == 0 && provisioned == DEMO_SLOT_COUNT && members >= 2)
            return bridge;
        if (demo_seconds_since(&since) > 30) {
            char first_ticket[160] = "";
            const json_t *ticket = json_array_get(json_object_get(bridge, "tickets"), 0);
            if (ticket)
                snprintf(
                    first_ticket, sizeof first_ticket, " (\"%s\": %s)",
                    json_member_string(ticket, "kind") ? json_member_string(ticket, "kind") : "",
                    json_member_string(ticket, "message") ? json_member_string(ticket, "message")
                                                          : "");
            demo_fail(story,
                      "30 s after the settings: %zu open tickets%s, %lld of %d slots "
                      "provisioned, %zu cluster members",
                      open_tickets, first_ticket, (long long)provisioned, DEMO_SLOT_COUNT, members);
            json_decref(bridge);
            return NULL;
        }
        demo_pause_ms(200);
    }
}

static bool step_settings(demo *story)
{
    json_t *body = json_pack("{s:s, s:s, s:i, s:i}", "name", DEMO_SYSTEM_NAME, "domain",
                             DEMO_DOMAIN, "numericIdBase", 1, "numericIdQuantity", DEMO_SLOT_COUNT);
    if (!body)
        return demo_fail(story, "out of memory");
    char path[128];
    snprintf(path, sizeof path, "/bridges/%s", story->bridge_id);
    client_answer answer;
    bool ok = convened_call(story, "PATCH", path, body, 0, &answer);
    json_decref(body);
    client_answer_free(&answer);
    if (!ok)
        return false;
    json_t *bridge = wait_for_settled_bridge(story);
    if (!bridge)
        return false;
    step_line(story, "Set name \"%s\", domain %s, numeric ID base 1 quantity %d: tickets cleared",
              DEMO_SYSTEM_NAME, DEMO_DOMAIN, DEMO_SLOT_COUNT);
    const json_t *cluster = json_object_get(bridge, "cluster");
    bool core2_listed = false;
    size_t index;
    const json_t *member;
    printf("   Cluster discovered:");
    json_array_foreach(cluster, index, member)
    {
        const char *name = json_member_string(member, "name");
        printf("%s %s (%s%s)", index ? "," : "", name ? name : "?",
               json_member_string(member, "address") ? json_member_string(member, "address") : "",
               json_is_true(json_object_get(member, "added")) ? ", added" : "");
        if (name && strcmp(name, DEMO_CORE2) == 0)
            core2_listed = true;
    }
    printf("\n");
    json_decref(bridge);
    if (!core2_listed)
        return demo_fail(story, "the cluster list does not show " DEMO_CORE2);

    /* TMS refuses a call bridge it already knows through the cluster. */
    body =
        json_pack("{s:s, s:s, s:s, s:b, s:s}", "address", story->core2_url, "username", DEMO_USER,
                  "password", story->password, "tlsVerify", 1, "caFile", story->bridge_ca);
    if (!body)
        return demo_fail(story, "out of memory");
    ok = convened_call(story, "POST", "/bridges", body, 409, &answer);
    json_decref(body);
    if (ok) {
        strbuf line = STRBUF_INIT;
        cli_describe_error(&answer, &line);
        printf("   Adding %s separately is refused: %s\n", DEMO_CORE2, strbuf_str(&line));
        strbuf_free(&line);
    } else if (answer.status >= 200 && answer.status <= 299) {
        strbuf_reset(&story->failure);
        demo_fail(story, "convened accepted %s although it is a member of the managed cluster",
                  DEMO_CORE2);
    }
    client_answer_free(&answer);
    return ok;
}

static bool step_spaces(demo *story)
{
    demo_space *spaces = NULL;
    size_t count = 0;
    strbuf error = STRBUF_INIT;
    if (demo_bridge_list_spaces(story->bridge_cms, &spaces, &count, &error) != CV_OK) {
        demo_fail(story, "GET /coSpaces on %s: %s", DEMO_CORE1, strbuf_str(&error));
        strbuf_free(&error);
        return false;
    }
    strbuf_free(&error);
    static const char *const headers[] = {"NAME", "URI USER PART", "CALL ID"};
    table *rows = table_create(3, headers);
    int found = 0;
    for (size_t i = 0; i < count; i++) {
        const char *cells[] = {spaces[i].name, spaces[i].uri, spaces[i].call_id};
        if (table_add_row(rows, cells) != CV_OK) {
            table_free(rows);
            demo_spaces_free(spaces, count);
            return demo_fail(story, "out of memory");
        }
        for (int slot = 1; slot <= DEMO_SLOT_COUNT; slot++) {
            char name[64], number[16];
            snprintf(name, sizeof name, DEMO_SLOT_PREFIX "%d", slot);
            snprintf(number, sizeof number, "%d", slot);
            if (strcmp(spaces[i].name, name) == 0 && strcmp(spaces[i].uri, number) == 0 &&
                strcmp(spaces[i].call_id, number) == 0)
                found++;
        }
    }
    step_line(story, "The bridge now holds the reserved spaces (its own GET /api/v1/coSpaces):");
    table_print_indented(rows, stdout, 3);
    table_free(rows);
    demo_spaces_free(spaces, count);
    if (found != DEMO_SLOT_COUNT)
        return demo_fail(story,
                         "expected spaces " DEMO_SLOT_PREFIX "1..%d with URI and call ID 1..%d, "
                         "found %d of them",
                         DEMO_SLOT_COUNT, DEMO_SLOT_COUNT, found);
    return true;
}

static bool step_book(demo *story)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    story->booking_start = now.tv_sec + DEMO_LEAD_SECONDS + 1;
    char start[40], end[40];
    rfc3339_format_utc(story->booking_start, start, sizeof start);
    rfc3339_format_utc(story->booking_start + DEMO_MEETING_MINUTES * 60, end, sizeof end);
    json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "title",
                             DEMO_TITLE, "start", start, "end", end, "passcode", "2468",
                             "participants", "uri", "sip:desk.ex90@" DEMO_DOMAIN, "dial", "out",
                             "uri", "sip:room.sx80@" DEMO_DOMAIN, "dial", "out");
    if (!body)
        return demo_fail(story, "out of memory");
    client_answer answer;
    bool ok = convened_call(story, "POST", "/bookings", body, 0, &answer);
    json_decref(body);
    if (!ok) {
        client_answer_free(&answer);
        return false;
    }
    const json_t *booking = answer.document;
    const char *id = json_member_string(booking, "id");
    const json_t *dial_in = json_object_get(booking, "dialIn");
    const char *uri = json_member_string(dial_in, "uri");
    char call_id_buffer[32];
    const char *call_id =
        json_member_text(dial_in, "callId", call_id_buffer, sizeof call_id_buffer);
    if (!id || !uri) {
        client_answer_free(&answer);
        return demo_fail(story, "the booking confirmation has no id or dial-in URI");
    }
    snprintf(story->booking_id, sizeof story->booking_id, "%s", id);
    story->slot = json_integer_value(json_object_get(booking, "slot"));
    step_line(story, "Booked \"%s\" for %s (in %d s), 2 dial-outs: dial in at %s, call ID %s",
              DEMO_TITLE, start, (int)(story->booking_start - now.tv_sec), uri, call_id);
    printf("   (booking %s)\n", id);
    client_answer_free(&answer);
    return true;
}

static const char *participant_state(const json_t *participant)
{
    const char *state = json_member_string(participant, "state");
    return state ? state : "";
}

static bool all_participants(const json_t *booking, const char *state)
{
    const json_t *participants = json_object_get(booking, "participants");
    size_t index;
    const json_t *participant;
    if (json_array_size(participants) == 0)
        return false;
    json_array_foreach(participants, index, participant)
    {
        if (strcmp(participant_state(participant), state) != 0)
            return false;
    }
    return true;
}

/* Polls the booking until `accept` says yes, or the deadline. */
static json_t *wait_for_booking(demo *story, bool (*accept)(const json_t *), double timeout,
                                const char *what)
{
    struct timespec since;
    clock_gettime(CLOCK_MONOTONIC, &since);
    json_t *booking = NULL;
    while (true) {
        json_decref(booking);
        booking = NULL;
        if (!demo_daemons_alive(story) || demo_interrupted(story) ||
            !convened_get(story, "bookings", story->booking_id, &booking))
            return NULL;
        if (accept(booking))
            return booking;
        const char *state = json_member_string(booking, "state");
        if (state && strcmp(state, "failed") == 0) {
            const char *failure =
                json_member_string(json_object_get(booking, "failure"), "message");
            if (!failure)
                failure = json_member_string(booking, "failure");
            demo_fail(story, "the meeting failed: %s", failure ? failure : "(no reason given)");
            json_decref(booking);
            return NULL;
        }
        if (demo_seconds_since(&since) > timeout) {
            demo_fail(story, "timed out waiting for %s (booking state \"%s\")", what,
                      state ? state : "?");
            json_decref(booking);
            return NULL;
        }
        demo_pause_ms(100);
    }
}

static bool booking_is_live(const json_t *booking)
{
    const char *state = json_member_string(booking, "state");
    return state && strcmp(state, "live") == 0;
}

static bool booking_is_live_and_connected(const json_t *booking)
{
    return booking_is_live(booking) && all_participants(booking, "connected");
}

static bool booking_has_ended(const json_t *booking)
{
    const char *state = json_member_string(booking, "state");
    return state && strcmp(state, "ended") == 0;
}

/* Checks on the bridge itself that the slot's space is renamed and open
 * and that a call runs on it; fills story's space and call and the call's
 * legs (*legs: free with demo_call_legs_free). Fails the story otherwise. */
static bool check_space_and_call(demo *story, demo_call_leg **legs, size_t *leg_count)
{
    demo_space space;
    strbuf error = STRBUF_INIT;
    snprintf(story->space_name, sizeof story->space_name, DEMO_SLOT_PREFIX "%lld",
             (long long)story->slot);
    char call_id_text[32];
    snprintf(call_id_text, sizeof call_id_text, "%lld", (long long)story->slot);
    cv_result result =
        demo_bridge_find_space_by_call_id(story->bridge_cms, call_id_text, &space, &error);
    if (result != CV_OK) {
        demo_fail(story, "cannot find the space with call ID %s on the bridge: %s", call_id_text,
                  strbuf_str(&error));
        strbuf_free(&error);
        return false;
    }
    snprintf(story->space_id, sizeof story->space_id, "%s", space.id);
    snprintf(story->live_secret, sizeof story->live_secret, "%s", space.secret);
    bool renamed = strcmp(space.name, DEMO_TITLE) == 0;
    bool open = space.non_member_access;
    demo_space_clear(&space);
    result = demo_bridge_find_call(story->bridge_cms, story->space_id, story->call_id,
                                   sizeof story->call_id, legs, leg_count, &error);
    if (result != CV_OK || !story->call_id[0]) {
        demo_fail(story, "no call on the meeting's space on the bridge%s%s",
                  strbuf_str(&error)[0] ? ": " : "", strbuf_str(&error));
        strbuf_free(&error);
        return false;
    }
    strbuf_free(&error);
    if (!renamed || !open)
        return demo_fail(story, "the bridge's space %s is %s%s", story->space_id,
                         renamed ? "" : "not renamed to the meeting's title",
                         open ? ""
                              : (renamed ? "still locked (nonMemberAccess false)" : " and locked"));
    return true;
}

/* Prints each participant with its state in convened and its call leg on
 * the bridge (matched by URI, without "sip:"); returns how many matched. */
static size_t print_participant_legs(const json_t *booking, const demo_call_leg *legs,
                                     size_t leg_count)
{
    static const char *const headers[] = {"PARTICIPANT", "STATE (convened)", "CALL LEG (bridge)"};
    table *rows = table_create(3, headers);
    size_t index;
    const json_t *participant;
    size_t legs_matched = 0;
    json_array_foreach(json_object_get(booking, "participants"), index, participant)
    {
        const char *uri = json_member_string(participant, "uri");
        const char *leg_id = "-";
        for (size_t i = 0; i < leg_count; i++) {
            const char *party = legs[i].remote_party;
            const char *bare = uri && strncmp(uri, "sip:", 4) == 0 ? uri + 4 : uri;
            const char *bare_party = strncmp(party, "sip:", 4) == 0 ? party + 4 : party;
            if (bare && strcmp(bare, bare_party) == 0) {
                leg_id = legs[i].id;
                legs_matched++;
            }
        }
        const char *cells[] = {uri, participant_state(participant), leg_id};
        if (rows && table_add_row(rows, cells) != CV_OK) {
            table_free(rows);
            rows = NULL;
        }
    }
    table_print_indented(rows, stdout, 3);
    table_free(rows);
    return legs_matched;
}

static bool step_start(demo *story)
{
    /* Lateness is measured when this poll (every 0.1 s) first sees "live":
     * an early start shows as negative, and fails like a late one. */
    json_t *booking =
        wait_for_booking(story, booking_is_live, DEMO_LEAD_SECONDS + 15.0, "the meeting to start");
    if (!booking)
        return false;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    double lateness = (double)(now.tv_sec - story->booking_start) + (double)now.tv_nsec / 1e9;
    json_decref(booking);
    booking = wait_for_booking(story, booking_is_live_and_connected, 15.0,
                               "both participants to connect");
    if (!booking)
        return false;
    demo_call_leg *legs = NULL;
    size_t leg_count = 0;
    if (!check_space_and_call(story, &legs, &leg_count)) {
        json_decref(booking);
        demo_call_legs_free(legs, leg_count);
        return false;
    }
    char timing[64];
    if (lateness <= 1.0)
        snprintf(timing, sizeof timing, "on time (+%.1f s)", lateness);
    else
        snprintf(timing, sizeof timing, "%.1f s late", lateness);
    step_line(story,
              "Started %s: space %s renamed and opened, call created, participants connected:",
              timing, story->space_name);
    printf("   call %s on space %s \"%s\"\n", story->call_id, story->space_id, DEMO_TITLE);
    size_t legs_matched = print_participant_legs(booking, legs, leg_count);
    demo_call_legs_free(legs, leg_count);
    json_decref(booking);
    if (legs_matched < 2)
        return demo_fail(story, "the bridge shows %zu of the 2 participants' call legs",
                         legs_matched);
    if (lateness > 5.0 || lateness < -1.0)
        return demo_fail(story, "the meeting went live %.1f s %s its start time",
                         lateness < 0 ? -lateness : lateness, lateness < 0 ? "before" : "after");
    return true;
}

static bool step_extend_and_end(demo *story)
{
    char path[160];
    snprintf(path, sizeof path, "/bookings/%s/extend", story->booking_id);
    json_t *body = json_pack("{s:i}", "minutes", DEMO_EXTEND_MINUTES);
    if (!body)
        return demo_fail(story, "out of memory");
    client_answer answer;
    bool ok = convened_call(story, "POST", path, body, 0, &answer);
    json_decref(body);
    char new_end[64] = "";
    if (ok && json_member_string(answer.document, "end"))
        snprintf(new_end, sizeof new_end, "%s", json_member_string(answer.document, "end"));
    client_answer_free(&answer);
    if (!ok)
        return false;
    char expected_end[40];
    rfc3339_format_utc(story->booking_start + (DEMO_MEETING_MINUTES + DEMO_EXTEND_MINUTES) * 60,
                       expected_end, sizeof expected_end);
    if (new_end[0] && strcmp(new_end, expected_end) != 0)
        return demo_fail(story, "after extending by %d minutes the booking ends at %s, not %s",
                         DEMO_EXTEND_MINUTES, new_end, expected_end);

    snprintf(path, sizeof path, "/bookings/%s/end", story->booking_id);
    ok = convened_call(story, "POST", path, NULL, 0, &answer);
    client_answer_free(&answer);
    if (!ok)
        return false;
    json_t *booking = wait_for_booking(story, booking_has_ended, 15.0, "the meeting to end");
    if (!booking)
        return false;
    json_decref(booking);

    /* Check on the bridge: placeholder name, locked, fresh secret, no call. */
    demo_space space;
    strbuf error = STRBUF_INIT;
    cv_result result = demo_bridge_get_space(story->bridge_cms, story->space_id, &space, &error);
    if (result != CV_OK) {
        demo_fail(story, "GET /coSpaces/%s on the bridge: %s", story->space_id, strbuf_str(&error));
        strbuf_free(&error);
        return false;
    }
    bool placeholder = strcmp(space.name, story->space_name) == 0;
    bool locked = !space.non_member_access;
    bool new_secret = strcmp(space.secret, story->live_secret) != 0;
    demo_space_clear(&space);
    char call_left[64] = "";
    demo_call_leg *legs = NULL;
    size_t leg_count = 0;
    result = demo_bridge_find_call(story->bridge_cms, story->space_id, call_left, sizeof call_left,
                                   &legs, &leg_count, &error);
    demo_call_legs_free(legs, leg_count);
    if (result != CV_OK) {
        demo_fail(story, "GET /calls on the bridge: %s", strbuf_str(&error));
        strbuf_free(&error);
        return false;
    }
    strbuf_free(&error);
    if (!placeholder || !locked || !new_secret || call_left[0])
        return demo_fail(story, "after the end the bridge's space is: %s, %s, %s; %s",
                         placeholder ? "named back" : "NOT named back to its placeholder",
                         locked ? "locked" : "NOT locked",
                         new_secret ? "new secret" : "SAME secret",
                         call_left[0] ? "its call is STILL there" : "call gone");
    step_line(story,
              "Extended by %d minutes (ends %s), then ended: %s named back, locked, secret "
              "regenerated, call gone",
              DEMO_EXTEND_MINUTES, new_end[0] ? new_end : expected_end, story->space_name);
    return true;
}

/* Prints the trace blocks of the meeting's start and end in the TMS guide's
 * shape: the PUT to the space, POST /calls, the dial-outs, the final PUT
 * and DELETE. */
static bool step_trace(demo *story)
{
    FILE *trace = fopen(story->core1_trace, "r");
    if (!trace)
        return demo_fail(story, "cannot read the bridge's API trace %s: %s", story->core1_trace,
                         strerror(errno));
    step_line(story, "The bridge's API trace of the meeting (CMS API debug logging shape):");
    char *line = NULL;
    size_t capacity = 0;
    bool printing = false;
    int printed = 0, requests_shown = 0;
    char space_path[128], call_path[128];
    snprintf(space_path, sizeof space_path, "/api/v1/coSpaces/%s\"", story->space_id);
    snprintf(call_path, sizeof call_path, "/api/v1/calls/%s", story->call_id);
    while (getline(&line, &capacity, trace) >= 0) {
        const char *request = strstr(line, " for \"/api/v1/");
        if (request) {
            bool puts_space = strstr(line, ": PUT for") && strcasestr(line, space_path);
            bool posts_call = strstr(line, ": POST for \"/api/v1/calls\"") != NULL;
            bool dials_out = strstr(line, ": POST for") && strcasestr(line, call_path) &&
                             strcasestr(line, "/callLegs");
            bool deletes_call = strstr(line, ": DELETE for") && strcasestr(line, call_path);
            printing = puts_space || posts_call || dials_out || deletes_call;
            if (printing)
                requests_shown++;
        }
        if (printing && printed < 80) {
            printf("   %s", line);
            printed++;
        }
    }
    free(line);
    fclose(trace);
    if (printed >= 80)
        printf("   [...]\n");
    if (story->remove_work_dir)
        printf("   (full trace: %s, removed with the demo; keep it with --work-dir DIR)\n",
               story->core1_trace);
    else
        printf("   Full trace: %s\n", story->core1_trace);
    if (requests_shown < 6)
        return demo_fail(story,
                         "the bridge's trace shows only %d of the meeting's requests "
                         "(PUT space, POST call, 2 dial-outs, PUT space on extend and end, "
                         "DELETE call)",
                         requests_shown);
    return true;
}

/* Starts the daemons and plays every step; false at the first that fails
 * (story->failure says why). */
bool demo_play(demo *story)
{
    bool ok = demo_make_paths(story);
    if (ok) {
        printf("Convene demo: Convene in the place of Cisco TMS, managing a Cisco Meeting Server "
               "cluster (convene-bridge)\n");
        ok = demo_start_daemons(story);
    }
    if (ok) {
        printf("   Started %s (%s), %s (%s) and convened (%s) in %s\n", DEMO_CORE1,
               story->core1_url, DEMO_CORE2, story->core2_url, story->scheduler_url,
               story->work_dir);
        printf("   Programs: %s, %s\n", story->bridge_binary, story->scheduler_binary);
    }
    return ok && step_add_bridge(story) && step_settings(story) && step_spaces(story) &&
           step_book(story) && step_start(story) && step_extend_and_end(story) && step_trace(story);
}
