/*
 * test_bridge_dial_plan.c - the pure parts of the dial plan: the
 * destination's domain, rule domain matching (exact, wildcard), the
 * choice by priority, tenant and scope (dial_plan.c), and dial transforms
 * - components by type, match terms, building with substitutions,
 * syntax checks (dial_transform.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "bridge/dial_plan.h"
#include "bridge/dial_transform.h"

#define SELF  "11111111-2222-4333-8444-555555555555"
#define OTHER "66666666-7777-4888-9999-aaaaaaaaaaaa"

static void expect_domain(const char *party, const char *domain)
{
    char out[64];
    dial_destination_domain(party, out, sizeof out);
    assert_string_equal(out, domain);
}

static void test_destination_domain(void **state)
{
    (void)state;
    expect_domain("alice@example.com", "example.com");
    expect_domain("sip:alice@example.com;transport=tls", "example.com");
    expect_domain("sips:bob@host.example:5061", "host.example");
    expect_domain("10.1.144.129", "10.1.144.129");
    expect_domain("a@b@c.example", "c.example");
    char tiny[4];
    dial_destination_domain("x@example.com", tiny, sizeof tiny);
    assert_string_equal(tiny, "exa");
}

static void test_domain_matching(void **state)
{
    (void)state;
    assert_true(dial_domain_matches("example.com", "EXAMPLE.com"));
    assert_false(dial_domain_matches("example.com", "sub.example.com"));
    assert_true(dial_domain_matches("*.com", "example.com"));
    assert_true(dial_domain_matches("*.example.com", "a.b.example.com"));
    assert_false(dial_domain_matches("*.com", "example.org"));
    assert_false(dial_domain_matches("ex?mple.com", "example.com")); /* '?' is literal */
    assert_true(dial_domain_matches("ex?mple.com", "ex?mple.com"));
    assert_false(dial_domain_matches("", "example.com"));
    assert_false(dial_domain_matches(NULL, "example.com"));
}

static void test_choice_by_priority_tenant_and_scope(void **state)
{
    (void)state;
    dial_rule rules[] = {
        {.domain = (char *)"*.com", .priority = 1},
        {.domain = (char *)"example.com", .priority = 5},
        {.domain = (char *)"example.com", .priority = 5}, /* a tie: the earlier wins */
        {.domain = (char *)"example.com", .priority = 50, .tenant = (char *)OTHER},
        {.domain = (char *)"example.com",
         .priority = 40,
         .scope = (char *)"callBridge",
         .call_bridge = (char *)OTHER},
        {.domain = (char *)"local.com",
         .priority = 2,
         .scope = (char *)"callBridge",
         .call_bridge = (char *)SELF},
    };
    dial_plan plan = {rules, sizeof rules / sizeof rules[0]};
    assert_ptr_equal(dial_plan_choose(&plan, "example.com", NULL, SELF), &rules[1]);
    assert_ptr_equal(dial_plan_choose(&plan, "example.com", "", SELF), &rules[1]);
    assert_ptr_equal(dial_plan_choose(&plan, "example.com", OTHER, SELF), &rules[3]);
    assert_ptr_equal(dial_plan_choose(&plan, "example.com", NULL, OTHER), &rules[4]);
    assert_ptr_equal(dial_plan_choose(&plan, "other.com", NULL, SELF), &rules[0]);
    assert_ptr_equal(dial_plan_choose(&plan, "local.com", NULL, SELF), &rules[5]);
    assert_null(dial_plan_choose(&plan, "example.org", NULL, SELF));
    dial_plan empty = {NULL, 0};
    assert_null(dial_plan_choose(&empty, "example.com", NULL, SELF));
}

static void expect_transform(const char *type, const char *match, const char *transform,
                             const char *input, const char *expected)
{
    bool matched = false;
    char *out = NULL;
    assert_int_equal(dial_transform_run(type, match, transform, input, &matched, &out), CV_OK);
    if (!expected) {
        assert_false(matched);
        assert_null(out);
        return;
    }
    assert_true(matched);
    assert_string_equal(out, expected);
    free(out);
}

static void test_transforms_from_the_blueprint(void **state)
{
    (void)state;
    expect_transform("phone", "($1/^1$/)", "$2@vcs1", "+1 408 555 0100", "4085550100@vcs1");
    expect_transform("phone", "($1/^44$/)", "90044$2@vcs2", "00442079460000",
                     "900442079460000@vcs2");
    expect_transform("phone", "($1/^44$/)($2/^7/)", "90044$2{}123@mobilevcs", "+447700900123",
                     "900447700900123123@mobilevcs");
    expect_transform("phone", "($1/^44$/)($2/^7/)", "x", "+442079460000", NULL);
    expect_transform("phone", "", "$1-$2", "alice@example.com", NULL); /* not a phone */
    expect_transform("strip", "($1/(\\d){6,}/)", "$1@vcs3", "555.0100.99", "555010099@vcs3");
    expect_transform("strip", "($1/\\+(\\d)+/)", "$1{/\\+/00/}", "+44 20", "004420");
    expect_transform("raw", "($1/(.*)@example.com/)",
                     "$1{/@example.com$/.endpoint@vc.example.com/}", "desk@example.com",
                     "desk.endpoint@vc.example.com");
    expect_transform("raw", "", "abc", "anything", "abc");
    expect_transform("raw", NULL, NULL, "as is", "as is");
    expect_transform("raw", "($1/^9/)", "$1{/\\D//}{/^9//}@example.com", "9-123 x",
                     "123@example.com");
    /* Capture groups in the replacement: \1. */
    expect_transform("raw", "", "$1{/^(\\w+)\\.(\\w+)$/\\2.\\1/}", "john.smith", "smith.john");
    expect_transform("raw", "($2/x/)", "$1", "no second component", NULL);
}

static void test_syntax_checks(void **state)
{
    (void)state;
    assert_true(dial_transform_match_is_valid(""));
    assert_true(dial_transform_match_is_valid("($1/^0/) ($1/9$/)"));
    assert_false(dial_transform_match_is_valid("($1/(unclosed/)"));
    assert_false(dial_transform_match_is_valid("1/abc/"));
    assert_false(dial_transform_match_is_valid("($1/abc"));
    assert_true(dial_transform_text_is_valid("$1{/999/123/}@t.com"));
    assert_true(dial_transform_text_is_valid("plain text"));
    assert_false(dial_transform_text_is_valid("$1{/a/b"));
    assert_false(dial_transform_text_is_valid("$1{x}"));
    assert_false(dial_transform_text_is_valid("$1{/(/x/}"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_destination_domain),
        cmocka_unit_test(test_domain_matching),
        cmocka_unit_test(test_choice_by_priority_tenant_and_scope),
        cmocka_unit_test(test_transforms_from_the_blueprint),
        cmocka_unit_test(test_syntax_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
