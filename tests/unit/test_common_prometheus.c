/*
 * test_common_prometheus.c - the Prometheus text format writer and the
 * histogram (src/common/prometheus.c): HELP/TYPE lines with escaped help,
 * label values escaped (backslash, quote, line feed), integers written
 * without a fraction, cumulative buckets ending in +Inf equal to _count,
 * a value on a bound counted in that bucket, and _sum. Owns no production
 * code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/prometheus.h"
#include "common/strbuf.h"

static void test_family_header_escapes_help(void **state)
{
    (void)state;
    strbuf out = STRBUF_INIT;
    prometheus_write_family(&out, "convene_x", "gauge", "a \\ b\nc \"q\"");
    assert_string_equal(strbuf_str(&out), "# HELP convene_x a \\\\ b\\nc \"q\"\n"
                                          "# TYPE convene_x gauge\n");
    strbuf_free(&out);
}

static void test_label_values_are_escaped(void **state)
{
    (void)state;
    strbuf out = STRBUF_INIT;
    prometheus_label labels[] = {{"state", "a\"b\\c\nd"}, {"name", ""}};
    prometheus_write_sample(&out, "convene_x", labels, 2, 3);
    assert_string_equal(strbuf_str(&out), "convene_x{state=\"a\\\"b\\\\c\\nd\",name=\"\"} 3\n");
    strbuf_reset(&out);
    prometheus_write_sample(&out, "convene_y", NULL, 0, 0.25);
    assert_string_equal(strbuf_str(&out), "convene_y 0.25\n");
    strbuf_free(&out);
}

static void test_histogram_is_cumulative_with_inf(void **state)
{
    (void)state;
    const double bounds[] = {0.5, 1, 5};
    prometheus_histogram histogram;
    prometheus_histogram_init(&histogram, bounds, 3);
    prometheus_histogram_observe(&histogram, 0.1);
    prometheus_histogram_observe(&histogram, 1); /* on a bound: counted in it */
    prometheus_histogram_observe(&histogram, 3);
    prometheus_histogram_observe(&histogram, 100);
    strbuf out = STRBUF_INIT;
    prometheus_label address = {"address", "http://h:1"};
    prometheus_write_histogram(&out, "convene_h_seconds", &address, 1, &histogram);
    assert_string_equal(strbuf_str(&out),
                        "convene_h_seconds_bucket{address=\"http://h:1\",le=\"0.5\"} 1\n"
                        "convene_h_seconds_bucket{address=\"http://h:1\",le=\"1\"} 2\n"
                        "convene_h_seconds_bucket{address=\"http://h:1\",le=\"5\"} 3\n"
                        "convene_h_seconds_bucket{address=\"http://h:1\",le=\"+Inf\"} 4\n"
                        "convene_h_seconds_sum{address=\"http://h:1\"} 104.1\n"
                        "convene_h_seconds_count{address=\"http://h:1\"} 4\n");
    strbuf_free(&out);
    prometheus_histogram_destroy(&histogram);
}

static void test_empty_histogram_without_labels(void **state)
{
    (void)state;
    const double bounds[] = {1};
    prometheus_histogram histogram;
    prometheus_histogram_init(&histogram, bounds, 1);
    strbuf out = STRBUF_INIT;
    prometheus_write_histogram(&out, "h", NULL, 0, &histogram);
    assert_string_equal(strbuf_str(&out), "h_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 0\n"
                                          "h_sum 0\nh_count 0\n");
    strbuf_free(&out);
    prometheus_histogram_destroy(&histogram);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_family_header_escapes_help),
        cmocka_unit_test(test_label_values_are_escaped),
        cmocka_unit_test(test_histogram_is_cumulative_with_inf),
        cmocka_unit_test(test_empty_histogram_without_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
