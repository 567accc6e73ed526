/*
 * test_scheduler_bridges.c - the pure logic of bridge management: address
 * parsing and comparison, settings validation, ticket rules, the slot name
 * mapping, which cluster member is "added", and reading CMS answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>

#include "common/store_sql.h"
#include "scheduler/bridges.h"
#include "common/cms_client.h"
#include "scheduler/discovery.h"
#include "scheduler/provisioning.h"
#include "scheduler/schema.h"
#include "scheduler/slots.h"
#include "scheduler/tickets.h"

static void address_forms(void **state)
{
    (void)state;
    cms_address address;
    assert_int_equal(cms_address_parse("cms.example.com", &address), CV_OK);
    assert_true(address.https);
    assert_int_equal(address.port, 443);
    assert_string_equal(address.base_url, "https://cms.example.com");

    assert_int_equal(cms_address_parse("10.0.0.5:445", &address), CV_OK);
    assert_true(address.https);
    assert_int_equal(address.port, 445);
    assert_string_equal(address.host, "10.0.0.5");
    assert_string_equal(address.base_url, "https://10.0.0.5:445");

    assert_int_equal(cms_address_parse("http://127.0.0.1:8080/", &address), CV_OK);
    assert_false(address.https);
    assert_int_equal(address.port, 8080);
    assert_string_equal(address.base_url, "http://127.0.0.1:8080");

    assert_int_equal(cms_address_parse("HTTPS://Core1.Example.com:443", &address), CV_OK);
    assert_string_equal(address.base_url, "https://Core1.Example.com");

    assert_int_equal(cms_address_parse("[fd00::1]:445", &address), CV_OK);
    assert_string_equal(address.host, "fd00::1");
    assert_string_equal(address.base_url, "https://[fd00::1]:445");
}

static void address_rejects(void **state)
{
    (void)state;
    cms_address address;
    const char *bad[] = {"",           "ftp://host", "host:",    "host:0",
                         "host:65536", "host:44x",   "https://", "host/path",
                         "ho st",      "[fd00::1",   "-host",    "https://host:445/api",
                         "user@host",  "host:445:1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (cms_address_parse(bad[i], &address) != CV_ERR_INVALID)
            fail_msg("accepted \"%s\"", bad[i]);
    }
    assert_int_equal(cms_address_parse(NULL, &address), CV_ERR_INVALID);
}

static void same_endpoint(void **state)
{
    (void)state;
    assert_true(cms_address_same_endpoint("https://10.0.0.5", "10.0.0.5"));
    assert_true(cms_address_same_endpoint("10.0.0.5:443", "https://10.0.0.5/"));
    assert_true(cms_address_same_endpoint("http://h:8080", "https://H:8080"));
    assert_false(cms_address_same_endpoint("10.0.0.5:445", "10.0.0.5"));
    assert_false(cms_address_same_endpoint("127.0.0.1:1000", "127.0.0.1:1001"));
    assert_false(cms_address_same_endpoint("not a host", "not a host"));
    assert_false(cms_address_same_endpoint(NULL, "h"));
}

static void settings_validation(void **state)
{
    (void)state;
    assert_true(bridge_domain_is_valid("example.com"));
    assert_true(bridge_domain_is_valid("video-1.example.com"));
    assert_false(bridge_domain_is_valid(""));
    assert_false(bridge_domain_is_valid(".example.com"));
    assert_false(bridge_domain_is_valid("example..com"));
    assert_false(bridge_domain_is_valid("exa mple.com"));
    assert_false(bridge_domain_is_valid("user@example.com"));

    assert_true(bridge_slot_prefix_is_valid("TMS_Scheduled_Meeting_"));
    assert_true(bridge_slot_prefix_is_valid("Réunion "));
    assert_false(bridge_slot_prefix_is_valid(""));
    assert_false(bridge_slot_prefix_is_valid("cost$"));
    assert_false(bridge_slot_prefix_is_valid("back\\slash"));
    assert_false(bridge_slot_prefix_is_valid("tab\there"));
    char long_prefix[80];
    memset(long_prefix, 'x', sizeof long_prefix - 1);
    long_prefix[sizeof long_prefix - 1] = '\0';
    assert_false(bridge_slot_prefix_is_valid(long_prefix));
}

static void ticket_rules(void **state)
{
    (void)state;
    ticket_settings_verdict verdict;
    tickets_judge_settings(NULL, NULL, false, false, &verdict);
    assert_true(verdict.blank_name);
    assert_true(verdict.dial_number);
    assert_non_null(strstr(verdict.dial_number_message, "domain"));
    assert_non_null(strstr(verdict.dial_number_message, "numeric ID base"));
    assert_non_null(strstr(verdict.dial_number_message, "numeric ID quantity"));

    tickets_judge_settings("", "example.com", true, false, &verdict);
    assert_true(verdict.blank_name);
    assert_true(verdict.dial_number);
    assert_null(strstr(verdict.dial_number_message, "domain,"));
    assert_non_null(strstr(verdict.dial_number_message, "numeric ID quantity"));

    tickets_judge_settings("Core1", "example.com", true, true, &verdict);
    assert_false(verdict.blank_name);
    assert_false(verdict.dial_number);

    tickets_judge_settings("Core1", "", true, true, &verdict);
    assert_true(verdict.dial_number);
}

static void dial_numbers_and_provisioning_need(void **state)
{
    (void)state;
    bridge_record record;
    memset(&record, 0, sizeof record);
    char domain[] = "example.com", complete[] = "complete", none[] = "none";
    assert_false(bridge_dial_numbers_complete(&record));
    assert_false(provisioning_needed(&record));
    record.domain = domain;
    record.has_numeric_id_base = true;
    record.numeric_id_base = 1000;
    record.has_numeric_id_quantity = true;
    record.numeric_id_quantity = 5;
    assert_true(bridge_dial_numbers_complete(&record));
    record.provisioning_state = none;
    assert_true(provisioning_needed(&record));
    record.provisioning_state = complete;
    record.has_provisioned_range = true;
    record.provisioned_base = 1000;
    record.provisioned_quantity = 5;
    assert_false(provisioning_needed(&record));
    record.numeric_id_quantity = 6; /* the range grew */
    assert_true(provisioning_needed(&record));
}

static void name_mapping(void **state)
{
    (void)state;
    char *mapping = provisioning_name_mapping("TMS_Scheduled_Meeting_");
    assert_string_equal(mapping, "TMS_Scheduled_Meeting_$index$");
    free(mapping);
}

static discovery_member member(const char *name, const char *address)
{
    discovery_member made;
    memset(&made, 0, sizeof made);
    made.name = strdup(name);
    made.address = strdup(address);
    return made;
}

static void added_member(void **state)
{
    (void)state;
    discovery_member members[3] = {member("Core1", "https://10.0.0.1"),
                                   member("Core2", "https://10.0.0.2"), member("Core3", "")};
    discovery_cluster cluster = {members, 3};
    discovery_mark_added(&cluster, "10.0.0.2");
    assert_false(members[0].added);
    assert_true(members[1].added);
    assert_false(members[2].added);

    /* Added on the API port 445; the CMS reports its address on 443. */
    discovery_mark_added(&cluster, "https://10.0.0.1:445");
    assert_true(members[0].added);
    assert_false(members[1].added);

    /* Two nodes on one host: only the exact port counts. */
    free(members[1].address);
    members[1].address = strdup("http://10.0.0.1:8443");
    discovery_mark_added(&cluster, "http://10.0.0.1:8443");
    assert_false(members[0].added);
    assert_true(members[1].added);
    discovery_mark_added(&cluster, "10.0.0.1:9999");
    assert_false(members[0].added || members[1].added || members[2].added);
    for (size_t i = 0; i < 3; i++) {
        free(members[i].name);
        free(members[i].address);
    }
}

static xmlDocPtr parse(const char *text)
{
    return xmlReadMemory(text, (int)strlen(text), "test.xml", NULL, XML_PARSE_NONET);
}

static void system_status(void **state)
{
    (void)state;
    xmlDocPtr document = parse("<?xml version=\"1.0\"?><status><hostId>x</hostId>"
                               "<softwareVersion>2.9.1</softwareVersion>"
                               "<uptimeSeconds>90730</uptimeSeconds>"
                               "<clusterEnabled>true</clusterEnabled>"
                               "<callLegsActive>1</callLegsActive>"
                               "<callLegsMaxActive>3</callLegsMaxActive>"
                               "<callLegsCompleted>7</callLegsCompleted></status>");
    cms_system_status status;
    assert_int_equal(cms_parse_system_status(document, &status), CV_OK);
    assert_string_equal(status.software_version, "2.9.1");
    assert_int_equal(status.uptime_seconds, 90730);
    assert_int_equal(status.call_legs_active, 1);
    assert_int_equal(status.call_legs_max_active, 3);
    assert_int_equal(status.call_legs_completed, 7);
    assert_true(status.cluster_enabled);
    xmlFreeDoc(document);

    document = parse("<status><uptimeSeconds>1</uptimeSeconds></status>");
    assert_int_equal(cms_parse_system_status(document, &status), CV_ERR_PROTOCOL);
    xmlFreeDoc(document);
    document = parse("<html><body>login</body></html>");
    assert_int_equal(cms_parse_system_status(document, &status), CV_ERR_PROTOCOL);
    xmlFreeDoc(document);
    assert_int_equal(cms_parse_system_status(NULL, &status), CV_ERR_PROTOCOL);
}

static void xml_helpers(void **state)
{
    (void)state;
    xmlDocPtr document =
        parse("<coSpaces total=\"12\"><coSpace id=\"a1\"><name>TMS_1</name><callId>1</callId>"
              "<uri></uri></coSpace><coSpace id=\"b2\"/></coSpaces>");
    assert_int_equal(cms_xml_total(document), 12);
    xmlNodePtr first = cms_xml_child(xmlDocGetRootElement(document), "coSpace");
    char id[64];
    assert_true(cms_xml_id(first, id, sizeof id));
    assert_string_equal(id, "a1");
    char *name = cms_xml_child_text(first, "name");
    assert_string_equal(name, "TMS_1");
    free(name);
    char *uri = cms_xml_child_text(first, "uri");
    assert_string_equal(uri, "");
    free(uri);
    assert_null(cms_xml_child_text(first, "passcode"));
    int64_t call_id = 0;
    assert_int_equal(cms_xml_child_int64(first, "callId", &call_id), CV_OK);
    assert_int_equal(call_id, 1);
    assert_int_equal(cms_xml_child_int64(first, "secret", &call_id), CV_ERR_NOT_FOUND);
    assert_int_equal(cms_xml_child_int64(first, "name", &call_id), CV_ERR_INVALID);
    xmlFreeDoc(document);

    document = parse("<callBridges/>");
    assert_int_equal(cms_xml_total(document), -1);
    xmlFreeDoc(document);
}

static void failover_classification(void **state)
{
    (void)state;
    assert_true(cms_result_is_unreachable(CV_ERR_NETWORK));
    assert_true(cms_result_is_unreachable(CV_ERR_TIMEOUT));
    assert_false(cms_result_is_unreachable(CV_ERR_AUTH));
    assert_false(cms_result_is_unreachable(CV_ERR_NOT_FOUND));
    assert_false(cms_result_is_unreachable(CV_ERR_PROTOCOL));
    assert_false(cms_result_is_unreachable(CV_OK));
}

static void unreachable_client(void **state)
{
    (void)state;
    /* A closed port: the request fails fast as "unreachable" with a reason,
     * and the trace is optional. */
    cms_client_settings settings = {
        .max_in_flight = 2, .connect_timeout_ms = 2000, .timeout_ms = 2000, .busy_retries = 0};
    cms_registry *registry = NULL;
    assert_int_equal(cms_registry_create(&settings, &registry), CV_OK);
    cms_endpoint endpoint = {
        .address = "http://127.0.0.1:1", .username = "u", .password = "p", .tls_verify = true};
    cms_client *client = NULL;
    assert_int_equal(cms_registry_client(registry, &endpoint, &client), CV_OK);
    cms_client *again = NULL;
    endpoint.address = "http://127.0.0.1:1/";
    assert_int_equal(cms_registry_client(registry, &endpoint, &again), CV_OK);
    assert_ptr_equal(client, again);
    assert_string_equal(cms_client_base_url(client), "http://127.0.0.1:1");
    cms_response response;
    cv_result result = cms_get(client, "/system/status", &response);
    assert_true(cms_result_is_unreachable(result));
    assert_int_equal(response.status, 0);
    assert_non_null(strstr(response.error, "127.0.0.1:1"));
    cms_response_free(&response);

    endpoint.address = "not an address";
    assert_int_equal(cms_registry_client(registry, &endpoint, &client), CV_ERR_INVALID);
    endpoint.address = "https://127.0.0.1:1";
    endpoint.pinned_certificate = "/nonexistent/certificate.pem";
    assert_int_equal(cms_registry_client(registry, &endpoint, &client), CV_ERR_INVALID);
    cms_registry_free(registry);
}

/* `state` is the database's location: SQLite in memory, or the
 * PostgreSQL database of CONVENE_TEST_POSTGRESQL_URL (emptied first). */
static void schema_migrates(void **state)
{
    store_db *database = NULL;
    assert_int_equal(
        store_db_open(*state, getenv("CONVENE_TEST_POSTGRESQL_PASSWORD_FILE"), &database), CV_OK);
    if (store_db_kind(database) == STORE_POSTGRESQL)
        assert_int_equal(
            store_db_exec(database, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"), CV_OK);
    assert_int_equal(schema_migrate(database), CV_OK);
    assert_int_equal(schema_migrate(database), CV_OK); /* idempotent */
    assert_int_equal(store_db_exec(database,
                                   "INSERT INTO bridges (id, address, username, password, created)"
                                   " VALUES ('b', 'https://h', 'u', 'p', 0);"
                                   "INSERT INTO bookings (id, title, start_at, end_at, bridge_id,"
                                   " slot, state, holds_capacity, created, updated) VALUES"
                                   " ('m1', 'a', 0, 60, 'b', 1003, 'scheduled', 1, 0, 0),"
                                   " ('m2', 'b', 0, 60, 'b', 1001, 'live', 1, 0, 0),"
                                   " ('m3', 'c', 0, 60, 'b', 1009, 'ended', 0, 0, 0);"),
                     CV_OK);
    bool any = false;
    int64_t lowest = 0, highest = 0;
    assert_int_equal(slots_in_use_range(database, "b", &any, &lowest, &highest), CV_OK);
    assert_true(any);
    assert_int_equal(lowest, 1001);
    assert_int_equal(highest, 1003);
    assert_int_equal(slots_in_use_range(database, "none", &any, &lowest, &highest), CV_OK);
    assert_false(any);

    assert_int_equal(tickets_update_settings(NULL, database, "b"), CV_OK);
    store_stmt *statement = NULL;
    assert_int_equal(store_db_prepare(database, "SELECT count(*) FROM tickets", &statement), CV_OK);
    assert_int_equal(store_step(statement), STORE_ROW);
    assert_int_equal(store_column_int(statement, 0), 2);
    store_stmt_done(statement);
    assert_int_equal(store_db_exec(database,
                                   "UPDATE bridges SET name = 'Core1', domain = 'example.com',"
                                   " numeric_id_base = 1000, numeric_id_quantity = 10"),
                     CV_OK);
    assert_int_equal(tickets_update_settings(NULL, database, "b"), CV_OK);
    assert_int_equal(store_db_prepare(database, "SELECT count(*) FROM tickets", &statement), CV_OK);
    assert_int_equal(store_step(statement), STORE_ROW);
    assert_int_equal(store_column_int(statement, 0), 0);
    store_stmt_done(statement);
    assert_int_equal(tickets_update_settings(NULL, database, "missing"), CV_ERR_NOT_FOUND);
    store_db_close(database); /* finalises the cached statements too */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(address_forms),
        cmocka_unit_test(address_rejects),
        cmocka_unit_test(same_endpoint),
        cmocka_unit_test(settings_validation),
        cmocka_unit_test(ticket_rules),
        cmocka_unit_test(dial_numbers_and_provisioning_need),
        cmocka_unit_test(name_mapping),
        cmocka_unit_test(added_member),
        cmocka_unit_test(system_status),
        cmocka_unit_test(xml_helpers),
        cmocka_unit_test(failover_classification),
        cmocka_unit_test(unreachable_client),
        cmocka_unit_test_prestate(schema_migrates, ":memory:"),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, NULL, NULL);
    /* The database part again on PostgreSQL when test_store_postgresql.py
     * names one (tests/integration: it starts the server). */
    const char *url = getenv("CONVENE_TEST_POSTGRESQL_URL");
    if (url && url[0]) {
        const struct CMUnitTest postgresql[] = {
            cmocka_unit_test_prestate(schema_migrates, (void *)url)};
        failed += cmocka_run_group_tests_name("postgresql", postgresql, NULL, NULL);
    }
    return failed;
}
