/*
 * test_bridge_cdr.c - the XML of CDR records and batches (cdr.c): each
 * record type's attributes and elements, the leg end reasons, escaping,
 * and the <records session callBridge> wrapper. Pure functions: no I/O.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "bridge/cdr.h"

#define CALL_ID "11111111-2222-4333-8444-555555555555"
#define LEG_ID  "66666666-7777-4888-9999-aaaaaaaaaaaa"

static void expect_contains(const strbuf *out, const char *part)
{
    if (!strstr(strbuf_str(out), part))
        fail_msg("\"%s\" not in %s", part, strbuf_str(out));
}

static void test_call_start_and_end(void **state)
{
    (void)state;
    strbuf out = STRBUF_INIT;
    cdr_event start = {.type = CDR_CALL_START,
                       .correlator_index = 0,
                       .time = 1437636775, /* 2015-07-23T07:32:55Z */
                       .id = CALL_ID,
                       .name = "Board & Co",
                       .cospace = LEG_ID,
                       .call_correlator = CALL_ID};
    cdr_render_record(&out, &start, 1);
    expect_contains(&out, "<record type=\"callStart\" time=\"2015-07-23T07:32:55Z\" "
                          "recordIndex=\"1\" correlatorIndex=\"0\">");
    expect_contains(&out, "<call id=\"" CALL_ID "\"><name>Board &amp; Co</name>");
    expect_contains(&out, "<coSpace>" LEG_ID "</coSpace>");
    expect_contains(&out, "<callType>coSpace</callType></call></record>");
    assert_null(strstr(strbuf_str(&out), "<tenant>"));
    strbuf_reset(&out);
    cdr_event end = {.type = CDR_CALL_END,
                     .correlator_index = 7,
                     .id = CALL_ID,
                     .call_legs_completed = 3,
                     .call_legs_max_active = 2,
                     .duration_seconds = 61};
    cdr_render_record(&out, &end, 9);
    expect_contains(&out, "type=\"callEnd\"");
    expect_contains(&out, "recordIndex=\"9\" correlatorIndex=\"7\"");
    expect_contains(&out, "<callLegsCompleted>3</callLegsCompleted>"
                          "<callLegsMaxActive>2</callLegsMaxActive>"
                          "<durationSeconds>61</durationSeconds>");
    strbuf_free(&out);
}

static void test_leg_records(void **state)
{
    (void)state;
    strbuf out = STRBUF_INIT;
    cdr_event start = {.type = CDR_CALL_LEG_START,
                       .id = LEG_ID,
                       .remote_party = "alice@example.com",
                       .local_address = "weekly@example.org",
                       .call = CALL_ID,
                       .sip_call_id = CALL_ID};
    cdr_render_record(&out, &start, 2);
    expect_contains(&out, "<callLeg id=\"" LEG_ID "\"><displayName></displayName>");
    expect_contains(&out, "<remoteParty>alice@example.com</remoteParty>");
    expect_contains(&out, "<localAddress>weekly@example.org</localAddress>");
    expect_contains(&out, "<type>sip</type>");
    expect_contains(&out, "<direction>outgoing</direction>");
    expect_contains(&out, "<sipCallId>" CALL_ID "</sipCallId>");
    strbuf_reset(&out);
    cdr_event update = {
        .type = CDR_CALL_LEG_UPDATE, .id = LEG_ID, .call = CALL_ID, .connected = true};
    cdr_render_record(&out, &update, 3);
    expect_contains(&out, "<state>connected</state><call>" CALL_ID "</call>");
    strbuf_reset(&out);
    cdr_event ended = {.type = CDR_CALL_LEG_END,
                       .id = LEG_ID,
                       .reason = LEG_END_UNKNOWN_DESTINATION,
                       .duration_seconds = 0};
    cdr_render_record(&out, &ended, 4);
    expect_contains(&out, "<reason>unknownDestination</reason>"
                          "<remoteTeardown>false</remoteTeardown>");
    assert_null(strstr(strbuf_str(&out), "encryptedMedia")); /* never connected */
    strbuf_reset(&out);
    ended.reason = LEG_END_REMOTE_TEARDOWN;
    ended.had_media = true;
    ended.encrypted_media = true;
    cdr_render_record(&out, &ended, 5);
    expect_contains(&out, "<reason>remoteTeardown</reason><remoteTeardown>true</remoteTeardown>");
    expect_contains(&out, "<encryptedMedia>true</encryptedMedia>"
                          "<unencryptedMedia>false</unencryptedMedia>");
    strbuf_free(&out);
}

static void test_names_and_batch(void **state)
{
    (void)state;
    assert_string_equal(leg_end_reason_name(LEG_END_LOCAL_TEARDOWN), "localTeardown");
    assert_string_equal(cdr_record_type_name(CDR_CALL_LEG_UPDATE), "callLegUpdate");
    assert_string_equal(cdr_record_type_name((cdr_record_type)99), "unknown");
    strbuf out = STRBUF_INIT;
    cdr_render_batch_open(&out, CALL_ID, LEG_ID);
    cdr_render_batch_close(&out);
    assert_string_equal(strbuf_str(&out),
                        "<?xml version=\"1.0\"?>\n"
                        "<records session=\"" CALL_ID "\" callBridge=\"" LEG_ID "\"></records>");
    strbuf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call_start_and_end),
        cmocka_unit_test(test_leg_records),
        cmocka_unit_test(test_names_and_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
