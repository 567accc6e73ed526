/*
 * test_scheduler_auth.c - the pieces of sign-in that need no server: the
 * growing wait after failed sign-ins (sign_in_limits.h), masking secrets
 * in audit details (audit.h), argon2id password hashes and the random
 * secrets of tokens and sessions (auth.h), the role name table (users.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "scheduler/audit.h"
#include "scheduler/auth.h"
#include "scheduler/sign_in_limits.h"
#include "scheduler/users.h"

/* Three failures (the threshold) start a 2 s wait, each further one
 * doubles it up to 15 minutes; the wait is per name and per address, and a
 * success clears the name's count. */
static void waits_grow_and_clear(void **state)
{
    (void)state;
    sign_in_limits *limits = NULL;
    assert_int_equal(sign_in_limits_create(3, 0, &limits), CV_OK);
    int64_t now = 1000000;
    assert_int_equal(sign_in_limits_wait(limits, "ann", "10.0.0.1", now), 0);
    sign_in_limits_failed(limits, "ann", "10.0.0.1", now);
    sign_in_limits_failed(limits, "ann", "10.0.0.1", now);
    assert_int_equal(sign_in_limits_wait(limits, "ann", "10.0.0.1", now), 0);
    sign_in_limits_failed(limits, "ann", "10.0.0.1", now);
    assert_int_equal(sign_in_limits_wait(limits, "ann", "10.0.0.9", now), 2);
    assert_int_equal(sign_in_limits_wait(limits, "bob", "10.0.0.1", now), 0); /* no address limit */
    assert_int_equal(sign_in_limits_wait(limits, "ann", "10.0.0.1", now + 2), 0);
    sign_in_limits_failed(limits, "ann", "10.0.0.1", now + 2);
    assert_int_equal(sign_in_limits_wait(limits, "ann", "x", now + 2), 4);
    for (int i = 0; i < 20; i++)
        sign_in_limits_failed(limits, "ann", "x", now + 3);
    assert_int_equal(sign_in_limits_wait(limits, "ann", "x", now + 3), SIGN_IN_MAX_WAIT);
    sign_in_limits_succeeded(limits, "ann");
    assert_int_equal(sign_in_limits_wait(limits, "ann", "x", now + 3), 0);
    /* failures older than an hour are forgotten */
    sign_in_limits_failed(limits, "cy", "y", now);
    sign_in_limits_failed(limits, "cy", "y", now);
    sign_in_limits_failed(limits, "cy", "y", now + SIGN_IN_FORGET_SECONDS + 1);
    assert_int_equal(sign_in_limits_wait(limits, "cy", "y", now + SIGN_IN_FORGET_SECONDS + 1), 0);
    sign_in_limits_free(limits);
}

static void address_limit(void **state)
{
    (void)state;
    sign_in_limits *limits = NULL;
    assert_int_equal(sign_in_limits_create(0, 2, &limits), CV_OK);
    sign_in_limits_failed(limits, "a", "192.0.2.7", 50);
    sign_in_limits_failed(limits, "b", "192.0.2.7", 50);
    assert_int_equal(sign_in_limits_wait(limits, "c", "192.0.2.7", 50), 2);
    assert_int_equal(sign_in_limits_wait(limits, "a", "192.0.2.8", 50), 0);
    sign_in_limits_free(limits);
}

static void secrets_are_masked(void **state)
{
    (void)state;
    json_t *details =
        json_loads("{\"title\": \"t\", \"passcode\": \"1234\", \"password\": \"pw\","
                   " \"alternatePassword\": \"x\", \"nested\": [{\"csrfToken\": \"c\"}],"
                   " \"secretless\": null}",
                   0, NULL);
    assert_non_null(details);
    audit_mask(details);
    char *text = json_dumps(details, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(text, "{\"alternatePassword\":\"***\",\"nested\":[{\"csrfToken\":\"***\"}],"
                              "\"passcode\":\"***\",\"password\":\"***\",\"secretless\":null,"
                              "\"title\":\"t\"}");
    free(text);
    json_decref(details);
}

static void passwords_and_secrets(void **state)
{
    (void)state;
    char *hash = NULL;
    assert_int_equal(auth_hash_password("correct horse", &hash), CV_OK);
    assert_true(strncmp(hash, "$argon2id$", 10) == 0);
    assert_null(strstr(hash, "correct horse"));
    assert_true(auth_password_matches(hash, "correct horse"));
    assert_false(auth_password_matches(hash, "correct horsE"));
    assert_false(auth_password_matches(NULL, "correct horse"));
    free(hash);
    char first[AUTH_SECRET_TEXT_SIZE], second[AUTH_SECRET_TEXT_SIZE];
    unsigned char first_hash[DB_SECRET_HASH_SIZE], second_hash[DB_SECRET_HASH_SIZE], again[32];
    auth_new_secret(first, first_hash);
    auth_new_secret(second, second_hash);
    assert_int_equal(strlen(first), 43); /* 32 bytes, unpadded base64url */
    assert_string_not_equal(first, second);
    auth_secret_hash(first, again);
    assert_memory_equal(again, first_hash, sizeof again);
    assert_memory_not_equal(first_hash, second_hash, sizeof again);
}

static void roles(void **state)
{
    (void)state;
    user_role role;
    assert_true(user_role_parse("operator", &role));
    assert_int_equal(role, USER_ROLE_OPERATOR);
    assert_false(user_role_parse("Operator", &role));
    assert_false(user_role_parse(NULL, &role));
    assert_string_equal(user_role_name(USER_ROLE_ADMIN), "admin");
    assert_string_equal(user_role_name(USER_ROLE_COUNT), "");
    assert_true(USER_ROLE_BOOKER < USER_ROLE_OPERATOR && USER_ROLE_OPERATOR < USER_ROLE_ADMIN);
    assert_int_equal(USER_ROLE_BOOKER, 0); /* an unfilled principal can do the least */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(waits_grow_and_clear),
        cmocka_unit_test(address_limit),
        cmocka_unit_test(secrets_are_masked),
        cmocka_unit_test(passwords_and_secrets),
        cmocka_unit_test(roles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
