/*
 * test_common_http_auth.c - strict Basic credentials (src/common/http_auth.c):
 * what is accepted, the "Basic<base64>" form only when allowed, and the
 * junk that must be refused (text after the token, bad padding, a NUL or
 * control character in the decoded value, no colon). Owns no production
 * code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "common/http_auth.h"

/* "Basic " + base64 of `length` bytes of `plain` (may hold a NUL). */
static char *header_for(const char *prefix, const char *plain, size_t length)
{
    size_t prefix_length = strlen(prefix);
    char *header = calloc(1, prefix_length + length / 3 * 4 + 8);
    assert_non_null(header);
    memcpy(header, prefix, prefix_length);
    EVP_EncodeBlock((unsigned char *)header + prefix_length, (const unsigned char *)plain,
                    (int)length);
    return header;
}

static cv_result parse(const char *header, bool allow_no_space, char **user, char **password)
{
    return http_basic_parse(header, allow_no_space, user, password);
}

static void test_accepts_one_well_formed_credential(void **state)
{
    (void)state;
    char *user, *password;
    char *header = header_for("Basic ", "admin:pa:ss word", 16);
    assert_int_equal(parse(header, false, &user, &password), CV_OK);
    assert_string_equal(user, "admin");
    assert_string_equal(password, "pa:ss word"); /* the first colon splits */
    http_basic_free(user, password);
    free(header);

    header = header_for("basic  ", "a:b", 3); /* caseless scheme, 1*SP */
    assert_int_equal(parse(header, false, &user, &password), CV_OK);
    assert_string_equal(user, "a");
    http_basic_free(user, password);
    free(header);

    header = header_for("Basic ", ":", 1); /* empty name and password: the account decides */
    assert_int_equal(parse(header, false, &user, &password), CV_OK);
    assert_string_equal(user, "");
    assert_string_equal(password, "");
    http_basic_free(user, password);
    free(header);
}

static void test_no_space_only_when_allowed(void **state)
{
    (void)state;
    char *user, *password;
    char *header = header_for("Basic", "admin:x", 7);
    assert_int_equal(parse(header, false, &user, &password), CV_ERR_INVALID);
    assert_null(user);
    assert_null(password);
    assert_int_equal(parse(header, true, &user, &password), CV_OK);
    assert_string_equal(user, "admin");
    assert_string_equal(password, "x");
    http_basic_free(user, password);
    free(header);
}

static void expect_refused(const char *header)
{
    char *user = (char *)1, *password = (char *)1;
    assert_int_equal(parse(header, true, &user, &password), CV_ERR_INVALID);
    assert_null(user);
    assert_null(password);
}

static void test_refuses_junk(void **state)
{
    (void)state;
    char *valid = header_for("Basic ", "admin:secret", 12); /* "YWRtaW46c2VjcmV0" */
    char text[256];
    snprintf(text, sizeof text, "%s xyz", valid);
    expect_refused(text);
    snprintf(text, sizeof text, "%s ", valid);
    expect_refused(text);
    snprintf(text, sizeof text, "%sxyz", valid);
    expect_refused(text);
    free(valid);
    char *nul = header_for("Basic ", "admin:secret\0junk", 17);
    expect_refused(nul);
    free(nul);
    char *line_break = header_for("Basic ", "admin:secret\r\n", 14);
    expect_refused(line_break);
    free(line_break);
    char *no_colon = header_for("Basic ", "adminsecret", 11);
    expect_refused(no_colon);
    free(no_colon);
    expect_refused(NULL);
    expect_refused("");
    expect_refused("Basic");
    expect_refused("Basic ");
    expect_refused("Bearer YWRtaW46c2VjcmV0");
    expect_refused("Basic YWRtaW46c2VjcmV");   /* not a multiple of 4 */
    expect_refused("Basic YWRtaW46c2VjcmV0="); /* wrong padding */
    expect_refused("Basic YWRtaW46c2Vj=mV0");  /* '=' inside */
    expect_refused("Basic YWRtaW46c2VjcmV0====");
    expect_refused("Basic YWRt aW46c2VjcmV0");
    expect_refused("Basic\tYWRtaW46c2VjcmV0");
    expect_refused("Basic YWRtaW46c2VjcmV0\r\n");
}

/* Bearer: one token68 after "Bearer" and spaces, nothing else. */
static void test_bearer(void **state)
{
    (void)state;
    const char *token = NULL;
    assert_int_equal(http_bearer_parse("Bearer abc-DEF_1.2~3+/==", &token), CV_OK);
    assert_string_equal(token, "abc-DEF_1.2~3+/==");
    assert_int_equal(http_bearer_parse("bearer  xyz", &token), CV_OK);
    assert_string_equal(token, "xyz");
    const char *refused[] = {"Bearer", "Bearer ", "Bearer a b", "Bearer a=b", "Bearer a\tb",
                             "Basic abc", "Bearerabc", "Bearer a\x01", NULL};
    for (size_t i = 0; refused[i]; i++) {
        assert_int_equal(http_bearer_parse(refused[i], &token), CV_ERR_INVALID);
        assert_null(token);
    }
    char long_token[600] = "Bearer ";
    memset(long_token + 7, 'a', 513);
    long_token[520] = '\0';
    assert_int_equal(http_bearer_parse(long_token, &token), CV_ERR_INVALID);
    assert_int_equal(http_bearer_parse(NULL, &token), CV_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_one_well_formed_credential),
        cmocka_unit_test(test_no_space_only_when_allowed),
        cmocka_unit_test(test_refuses_junk),
        cmocka_unit_test(test_bearer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
