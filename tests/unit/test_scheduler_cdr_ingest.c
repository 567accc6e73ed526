/* test_scheduler_cdr_ingest.c - parsing CDR batches as a CMS posts them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "scheduler/cdr_ingest.h"

static cv_result parse(const char *text, cdr_batch *batch, char *error)
{
    return cdr_batch_parse(text, strlen(text), batch, error, 160);
}

static void test_a_batch_of_every_kind(void **state)
{
    (void)state;
    const char *text =
        "<?xml version=\"1.0\"?><records session=\"s-1\" callBridge=\"cb\">"
        "<record type=\"callStart\" time=\"2026-12-01T09:00:00Z\" recordIndex=\"1\""
        " correlatorIndex=\"0\"><call id=\"c1\"><name>Weekly</name><coSpace>sp</coSpace>"
        "</call></record>"
        "<record type=\"callLegStart\" time=\"2026-12-01T09:00:01Z\" recordIndex=\"2\">"
        "<callLeg id=\"l1\"><remoteParty>a@x.com</remoteParty><direction>outgoing</direction>"
        "<call>c1</call></callLeg></record>"
        "<record type=\"callLegUpdate\" time=\"2026-12-01T09:00:02Z\" recordIndex=\"3\">"
        "<callLeg id=\"l1\"><state>connected</state><call>c1</call></callLeg></record>"
        "<record type=\"callLegEnd\" time=\"2026-12-01T09:10:02Z\" recordIndex=\"4\">"
        "<callLeg id=\"l1\"><reason>remoteTeardown</reason><remoteTeardown>true</remoteTeardown>"
        "<durationSeconds>601</durationSeconds></callLeg></record>"
        "<record type=\"callEnd\" time=\"2026-12-01T09:11:00Z\" recordIndex=\"5\">"
        "<call id=\"c1\"><callLegsMaxActive>3</callLegsMaxActive></call></record>"
        "<record type=\"recordingStart\" time=\"2026-12-01T09:11:00Z\" recordIndex=\"6\"/>"
        "</records>";
    cdr_batch batch;
    char error[160];
    assert_int_equal(parse(text, &batch, error), CV_OK);
    assert_string_equal(batch.session, "s-1");
    assert_int_equal(batch.count, 6);
    assert_int_equal(batch.records[0].kind, CDR_KIND_CALL_START);
    assert_string_equal(batch.records[0].object_id, "c1");
    assert_string_equal(batch.records[0].cospace_id, "sp");
    assert_string_equal(batch.records[0].name, "Weekly");
    assert_int_equal(batch.records[1].kind, CDR_KIND_LEG_START);
    assert_string_equal(batch.records[1].remote_party, "a@x.com");
    assert_string_equal(batch.records[1].call_id, "c1");
    assert_int_equal(batch.records[1].time, batch.records[0].time + 1);
    assert_string_equal(batch.records[2].state, "connected");
    assert_string_equal(batch.records[3].reason, "remoteTeardown");
    assert_true(batch.records[3].remote_teardown);
    assert_int_equal(batch.records[3].duration_seconds, 601);
    assert_int_equal(batch.records[4].max_active, 3);
    assert_int_equal(batch.records[5].kind, CDR_KIND_OTHER);
    assert_string_equal(batch.records[5].type, "recordingStart");
    assert_int_equal(batch.records[5].record_index, 6);
    cdr_batch_free(&batch);
}

static void test_bad_batches_name_the_fault(void **state)
{
    (void)state;
    const char *bad[] = {
        "not xml",
        "<other session=\"s\"/>",
        "<records/>",
        "<records session=\"s\"><record time=\"2026-12-01T09:00:00Z\" recordIndex=\"1\"/>"
        "</records>",
        "<records session=\"s\"><record type=\"callStart\" recordIndex=\"1\"/></records>",
        "<records session=\"s\"><record type=\"callStart\" time=\"2026-12-01T09:00:00Z\""
        " recordIndex=\"-1\"/></records>",
        /* an entity is never expanded into the records */
        "<!DOCTYPE r [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><records session=\"&e;\"/>",
    };
    for (size_t index = 0; index < sizeof bad / sizeof bad[0]; index++) {
        cdr_batch batch;
        char error[160];
        assert_int_equal(parse(bad[index], &batch, error), CV_ERR_INVALID);
        assert_true(error[0] != '\0');
        assert_int_equal(batch.count, 0);
        assert_null(batch.records);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_batch_of_every_kind),
        cmocka_unit_test(test_bad_batches_name_the_fault),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
