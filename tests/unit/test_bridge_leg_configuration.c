/*
 * test_bridge_leg_configuration.c - merging a call leg's configuration
 * levels (call_leg_merge_configuration in call_leg_plan.c): built-in
 * defaults, then the space's call leg profile, the leg's profile and the
 * leg's own overrides, each overriding the one before, and the old
 * "layout" name (pure, no database); and reading the levels from a real
 * SQLite database with the bridge's schema (call_leg_profile_levels,
 * call_leg_effective_configuration): the global profile of
 * /system/profiles first, then the space's, then the leg's profile and
 * the leg's own values, each level keeping only what it sets itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bridge/call_leg.h"
#include "bridge/schema.h"
#include "common/store_sql.h"

#include "bridge_database.h"

#define GLOBAL_PROFILE "aaaaaaaa-0000-4000-8000-000000000001"
#define SPACE_PROFILE  "bbbbbbbb-0000-4000-8000-000000000002"
#define LEG_PROFILE    "cccccccc-0000-4000-8000-000000000003"
#define SPACE          "dddddddd-0000-4000-8000-000000000004"

static runtime_settings level(const char *const *pairs)
{
    runtime_settings settings = {NULL, 0};
    for (size_t i = 0; pairs[i]; i += 2)
        assert_int_equal(runtime_settings_set(&settings, pairs[i], pairs[i + 1]), CV_OK);
    return settings;
}

static void test_defaults_alone(void **state)
{
    (void)state;
    runtime_settings merged;
    assert_int_equal(call_leg_merge_configuration(NULL, 0, &merged), CV_OK);
    assert_string_equal(runtime_settings_get(&merged, "sipMediaEncryption"), "optional");
    assert_string_equal(runtime_settings_get(&merged, "telepresenceCallsAllowed"), "false");
    assert_string_equal(runtime_settings_get(&merged, "sipPresentationChannelEnabled"), "true");
    assert_string_equal(runtime_settings_get(&merged, "bfcpMode"), "serverOnly");
    assert_string_equal(runtime_settings_get(&merged, "defaultLayout"), "automatic");
    assert_null(runtime_settings_get(&merged, "chosenLayout"));
    assert_null(runtime_settings_get(&merged, "callLegProfile"));
    runtime_settings_clear(&merged);
}

static void test_each_level_overrides_the_one_before(void **state)
{
    (void)state;
    static const char *const space_pairs[] = {
        "sipMediaEncryption", "required", "bfcpMode", "serverOnly", "rxAudioMute", "true", NULL};
    static const char *const profile_pairs[] = {"bfcpMode", "serverAndClient", "rxAudioMute",
                                                "false", NULL};
    static const char *const leg_pairs[] = {"rxAudioMute", "true", "chosenLayout", "stacked", NULL};
    runtime_settings space = level(space_pairs), profile = level(profile_pairs),
                     leg = level(leg_pairs);
    const runtime_settings *levels[] = {&space, NULL, &profile, &leg};
    runtime_settings merged;
    assert_int_equal(call_leg_merge_configuration(levels, 4, &merged), CV_OK);
    assert_string_equal(runtime_settings_get(&merged, "sipMediaEncryption"), "required");
    assert_string_equal(runtime_settings_get(&merged, "bfcpMode"), "serverAndClient");
    assert_string_equal(runtime_settings_get(&merged, "rxAudioMute"), "true");
    assert_string_equal(runtime_settings_get(&merged, "chosenLayout"), "stacked");
    assert_string_equal(runtime_settings_get(&merged, "videoMode"), "auto"); /* default */
    runtime_settings_clear(&merged);
    runtime_settings_clear(&space);
    runtime_settings_clear(&profile);
    runtime_settings_clear(&leg);
}

static void test_old_layout_name(void **state)
{
    (void)state;
    static const char *const old_only[] = {"layout", "speakerOnly", NULL};
    static const char *const both[] = {"layout", "stacked", "defaultLayout", "allEqual", NULL};
    static const char *const profile_pairs[] = {"defaultLayout", "telepresence", NULL};
    runtime_settings old = level(old_only), two = level(both), profile = level(profile_pairs);
    runtime_settings merged;
    const runtime_settings *first[] = {&profile, &old};
    assert_int_equal(call_leg_merge_configuration(first, 2, &merged), CV_OK);
    assert_string_equal(runtime_settings_get(&merged, "defaultLayout"), "speakerOnly");
    runtime_settings_clear(&merged);
    const runtime_settings *second[] = {&profile, &two};
    assert_int_equal(call_leg_merge_configuration(second, 2, &merged), CV_OK);
    assert_string_equal(runtime_settings_get(&merged, "defaultLayout"), "allEqual");
    runtime_settings_clear(&merged);
    runtime_settings_clear(&old);
    runtime_settings_clear(&two);
    runtime_settings_clear(&profile);
}

/* --- the levels read from a database ---------------------------------------- */

typedef bridge_database fixture;

static int set_up(void **state)
{
    /* The global profile sets three values, the space's overrides one of
     * them, the leg's profile another, the leg itself the third. */
    const char *rows =
        "INSERT INTO call_leg_profiles(id, name, mute_self_allowed, default_layout, bfcp_mode,"
        " participant_labels) VALUES"
        " ('" GLOBAL_PROFILE "', 'Global', 0, 'speakerOnly', 'serverAndClient', 0),"
        " ('" SPACE_PROFILE "', 'Space', NULL, 'stacked', NULL, 1),"
        " ('" LEG_PROFILE "', 'Leg', NULL, NULL, 'serverOnly', NULL);"
        "INSERT INTO cospaces(id, name, secret, call_leg_profile) VALUES"
        " ('" SPACE "', 'Room', 's', '" SPACE_PROFILE "');"
        "UPDATE system_profiles SET call_leg_profile = '" GLOBAL_PROFILE "';";
    return bridge_database_set_up(state, rows);
}

/* A leg of the space with its own profile and one value of its own. */
static leg_info make_leg(void)
{
    leg_info leg;
    memset(&leg, 0, sizeof leg);
    snprintf(leg.cospace, sizeof leg.cospace, "%s", SPACE);
    assert_int_equal(runtime_settings_set(&leg.configuration, "callLegProfile", LEG_PROFILE),
                     CV_OK);
    assert_int_equal(runtime_settings_set(&leg.configuration, "participantLabels", "false"), CV_OK);
    assert_int_equal(runtime_settings_set(&leg.configuration, "chosenLayout", "allEqual"), CV_OK);
    return leg;
}

static void test_levels_keep_what_each_sets(void **state)
{
    fixture *f = *state;
    leg_info leg = make_leg();
    leg_profile_level levels[LEG_SCOPE_COUNT];
    assert_int_equal(call_leg_profile_levels(f->database, &leg, levels), CV_OK);
    assert_string_equal(call_leg_scope_name(LEG_SCOPE_GLOBAL), "global");
    assert_string_equal(call_leg_scope_name(LEG_SCOPE_COSPACE), "coSpace");
    assert_string_equal(call_leg_scope_name(LEG_SCOPE_CALL_LEG), "callLeg");
    assert_string_equal(levels[LEG_SCOPE_GLOBAL].profile_id, GLOBAL_PROFILE);
    assert_string_equal(runtime_settings_get(&levels[LEG_SCOPE_GLOBAL].values, "muteSelfAllowed"),
                        "false");
    assert_string_equal(levels[LEG_SCOPE_COSPACE].profile_id, SPACE_PROFILE);
    assert_null(runtime_settings_get(&levels[LEG_SCOPE_COSPACE].values, "muteSelfAllowed"));
    assert_null(runtime_settings_get(&levels[LEG_SCOPE_COSPACE].values, "name"));
    assert_string_equal(levels[LEG_SCOPE_CALL_LEG].profile_id, LEG_PROFILE);
    const runtime_settings *own = &levels[LEG_SCOPE_CALL_LEG].values;
    assert_string_equal(runtime_settings_get(own, "bfcpMode"), "serverOnly");
    assert_string_equal(runtime_settings_get(own, "participantLabels"), "false");
    /* Not a profile parameter: not part of the level. */
    assert_null(runtime_settings_get(own, "chosenLayout"));
    call_leg_profile_levels_clear(levels);
    runtime_settings_clear(&leg.configuration);
}

static void test_effective_order_global_space_leg(void **state)
{
    fixture *f = *state;
    leg_info leg = make_leg();
    runtime_settings effective;
    assert_int_equal(call_leg_effective_configuration(f->database, &leg, &effective), CV_OK);
    assert_string_equal(runtime_settings_get(&effective, "muteSelfAllowed"), "false"); /* global */
    assert_string_equal(runtime_settings_get(&effective, "defaultLayout"), "stacked"); /* space */
    assert_string_equal(runtime_settings_get(&effective, "bfcpMode"), "serverOnly");   /* leg's */
    assert_string_equal(runtime_settings_get(&effective, "participantLabels"), "false"); /* leg */
    assert_string_equal(runtime_settings_get(&effective, "chosenLayout"), "allEqual");
    assert_string_equal(runtime_settings_get(&effective, "videoMode"), "auto"); /* default */
    runtime_settings_clear(&effective);
    /* Without a global profile its values fall back to the defaults. */
    assert_int_equal(
        store_db_exec(f->database, "UPDATE system_profiles SET call_leg_profile = NULL"), CV_OK);
    assert_int_equal(call_leg_effective_configuration(f->database, &leg, &effective), CV_OK);
    assert_string_equal(runtime_settings_get(&effective, "muteSelfAllowed"), "true");
    assert_string_equal(runtime_settings_get(&effective, "defaultLayout"), "stacked");
    runtime_settings_clear(&effective);
    runtime_settings_clear(&leg.configuration);
}

static void test_deleted_global_profile_is_no_level(void **state)
{
    fixture *f = *state;
    assert_int_equal(
        store_db_exec(f->database, "DELETE FROM call_leg_profiles WHERE id = '" GLOBAL_PROFILE "'"),
        CV_OK);
    leg_info leg;
    memset(&leg, 0, sizeof leg); /* no space, no profile, nothing of its own */
    leg_profile_level levels[LEG_SCOPE_COUNT];
    assert_int_equal(call_leg_profile_levels(f->database, &leg, levels), CV_OK);
    for (size_t i = 0; i < LEG_SCOPE_COUNT; i++) {
        assert_string_equal(levels[i].profile_id, "");
        assert_int_equal(levels[i].values.count, 0);
    }
    call_leg_profile_levels_clear(levels);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_alone),
        cmocka_unit_test(test_each_level_overrides_the_one_before),
        cmocka_unit_test(test_old_layout_name),
        cmocka_unit_test_setup_teardown(test_levels_keep_what_each_sets, set_up,
                                        bridge_database_tear_down),
        cmocka_unit_test_setup_teardown(test_effective_order_global_space_leg, set_up,
                                        bridge_database_tear_down),
        cmocka_unit_test_setup_teardown(test_deleted_global_profile_is_no_level, set_up,
                                        bridge_database_tear_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
