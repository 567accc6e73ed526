/*
 * test_bridge_leg_configuration.c - merging a call leg's configuration
 * levels (call_leg_merge_configuration in call_leg_plan.c): built-in
 * defaults, then the space's call leg profile, the leg's profile and the
 * leg's own overrides, each overriding the one before, and the old
 * "layout" name. Pure: no database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bridge/call_leg.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_alone),
        cmocka_unit_test(test_each_level_overrides_the_one_before),
        cmocka_unit_test(test_old_layout_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
