/* test_common_net_allow.c - client network allow-lists (--cdr-allow). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "common/net_allow.h"

static bool allows(const net_allow_list *list, const char *text)
{
    struct sockaddr_storage storage;
    memset(&storage, 0, sizeof storage);
    struct sockaddr_in *four = (struct sockaddr_in *)&storage;
    struct sockaddr_in6 *six = (struct sockaddr_in6 *)&storage;
    if (inet_pton(AF_INET, text, &four->sin_addr) == 1)
        four->sin_family = AF_INET;
    else if (inet_pton(AF_INET6, text, &six->sin6_addr) == 1)
        six->sin6_family = AF_INET6;
    else
        fail_msg("not an address: %s", text);
    return net_allow_matches(list, (const struct sockaddr *)&storage);
}

static void test_networks_and_single_addresses(void **state)
{
    (void)state;
    net_allow_list list = {0};
    assert_int_equal(net_allow_add(&list, "10.20.0.0/23"), CV_OK);
    assert_int_equal(net_allow_add(&list, "192.0.2.7"), CV_OK);
    assert_int_equal(net_allow_add(&list, "2001:db8::/32"), CV_OK);
    assert_true(allows(&list, "10.20.1.255"));
    assert_false(allows(&list, "10.20.2.0"));
    assert_true(allows(&list, "192.0.2.7"));
    assert_false(allows(&list, "192.0.2.8"));
    assert_true(allows(&list, "2001:db8:ffff::1"));
    assert_false(allows(&list, "2001:db9::1"));
    /* an IPv4 client on an IPv6 socket */
    assert_true(allows(&list, "::ffff:10.20.0.9"));
    assert_false(allows(&list, "::ffff:10.21.0.9"));
    net_allow_free(&list);
}

static void test_bad_networks_are_refused(void **state)
{
    (void)state;
    net_allow_list list = {0};
    const char *bad[] = {"",          "10.0.0.0/33", "::/129",     "10.0.0/8", "host.example.com",
                         "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x"};
    for (size_t index = 0; index < sizeof bad / sizeof bad[0]; index++)
        assert_int_equal(net_allow_add(&list, bad[index]), CV_ERR_INVALID);
    assert_int_equal(list.count, 0);
    assert_false(allows(&list, "127.0.0.1")); /* an empty list admits nobody */
    assert_int_equal(net_allow_add(&list, "0.0.0.0/0"), CV_OK);
    assert_true(allows(&list, "203.0.113.5"));
    assert_false(allows(&list, "::1"));
    net_allow_free(&list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_networks_and_single_addresses),
        cmocka_unit_test(test_bad_networks_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
