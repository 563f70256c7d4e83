/* The test-side checker of the Prometheus text format and promtool's lint: what it accepts is
 * the format's own example, what it refuses each breaks one rule of the format or the lint. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "tests/support/exposition.h"

/* After the example of prometheus.io "Exposition formats" (text format 0.0.4), with the lint
 * rules kept: HELP for every family, counters in _total, a histogram, escapes, a timestamp. */
static const char good[] =
    "# HELP http_requests_total The total number of HTTP requests.\n"
    "# TYPE http_requests_total counter\n"
    "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
    "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n"
    "\n"
    "# A comment, and an escaped label value.\n"
    "# HELP msdos_file_access_time_seconds When a file was accessed.\n"
    "# TYPE msdos_file_access_time_seconds gauge\n"
    "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n"
    "\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
    "# HELP http_request_duration_seconds A histogram of the request duration.\n"
    "# TYPE http_request_duration_seconds histogram\n"
    "http_request_duration_seconds_bucket{le=\"0.05\"} 24054\n"
    "http_request_duration_seconds_bucket{le=\"0.1\"} 33444\n"
    "http_request_duration_seconds_bucket{le=\"0.2\"} 100392\n"
    "http_request_duration_seconds_bucket{le=\"+Inf\"} 144320\n"
    "http_request_duration_seconds_sum 53423\n"
    "http_request_duration_seconds_count 144320\n"
    "# HELP rpc_duration_seconds A summary of the RPC duration in seconds.\n"
    "# TYPE rpc_duration_seconds summary\n"
    "rpc_duration_seconds{quantile=\"0.5\"} 4773\n"
    "rpc_duration_seconds_sum 1.7560473e+07\n"
    "rpc_duration_seconds_count 2693\n"
    "# HELP process_open_fds Open file descriptors.\n"
    "# TYPE process_open_fds gauge\n"
    "process_open_fds NaN\n";

START_TEST(the_formats_own_example_passes)
{
    char why[512];
    ck_assert_msg(fo_test_exposition_check(good, why, sizeof why), "%s", why);
}
END_TEST

/* Each text breaks exactly one rule; the message must name it. */
START_TEST(each_broken_rule_is_refused_by_name)
{
    static const struct {
        const char *text, *says;
    } cases[] = {
        {"# HELP a_total x\n# TYPE a_total counter\na_total 1", "newline"},
        {"# HELP a_total x\n# TYPE a_total counter\na_total{b=\"1\"} one\n", "no float"},
        {"# HELP a_total x\n# TYPE a_total counter\na_total{b=1} 1\n", "not quoted"},
        {"# HELP a_total x\n# TYPE a_total counter\na_total{b=\"\\t\"} 1\n", "escapes"},
        {"# HELP a_total x\n# TYPE a_total counter\na_total{__b=\"1\"} 1\n", "reserved"},
        {"# HELP a_total x\n# TYPE a_total counter\na_total{b=\"1\",b=\"2\"} 1\n", "twice"},
        {"# HELP a_total x\n# TYPE a_total counter\na_total 1\na_total 2\n", "twice"},
        {"# HELP a_total x\n# TYPE a_total counter\na_total -1\n", "negative"},
        {"# HELP a_total x\n# TYPE a_total counter\na_total 1 12.5\n", "timestamp"},
        {"# HELP a_total x\na_total 1\n# TYPE a_total counter\n", "after its samples"},
        {"# HELP a x\n# TYPE a gauge\n# TYPE a gauge\na 1\n", "second TYPE"},
        {"# HELP a x\n# HELP a y\n# TYPE a gauge\na 1\n", "second HELP"},
        {"# HELP a x\n# TYPE a gage\na 1\n", "unknown type"},
        {"# HELP a x\n# TYPE a gauge\na{x=\"1\"} 1\n# HELP b x\n# TYPE b gauge\nb 1\n"
         "a{x=\"2\"} 1\n",
         "one group"},
        {"# TYPE a gauge\na 1\n", "no HELP"},
        {"# HELP a x\n# TYPE a counter\na 1\n", "_total"},
        {"# HELP a_total x\n# TYPE a_total gauge\na_total 1\n", "_total"},
        {"# HELP fooBar x\n# TYPE fooBar gauge\nfooBar 1\n", "camelCase"},
        {"# HELP a x\n# TYPE a gauge\na{fooBar=\"1\"} 1\n", "camelCase"},
        {"# HELP a_milliseconds x\n# TYPE a_milliseconds gauge\na_milliseconds 1\n",
         "base units"},
        {"# HELP a_ms x\n# TYPE a_ms gauge\na_ms 1\n", "abbreviated"},
        {"# HELP a_gauge x\n# TYPE a_gauge gauge\na_gauge 1\n", "type gauge"},
        {"# HELP a:b x\n# TYPE a:b gauge\na:b 1\n", "colons"},
        {"# HELP a_count x\n# TYPE a_count gauge\na_count 1\n", "belong to histograms"},
        {"# HELP a x\n# TYPE a gauge\na{le=\"1\"} 1\n", "le belongs"},
        {"# HELP h x\n# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_bucket{le=\"2\"} 4\n"
         "h_bucket{le=\"+Inf\"} 5\nh_sum 1\nh_count 5\n",
         "cumulative"},
        {"# HELP h x\n# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_sum 1\nh_count 5\n", "+Inf"},
        {"# HELP h x\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 5\nh_sum 1\nh_count 6\n",
         "_count"},
        {"# HELP h x\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 5\nh_count 5\n", "_sum"},
        {"# HELP h x\n# TYPE h histogram\nh_bucket 5\nh_sum 1\nh_count 5\n", "without an le"},
        {"# HELP 1a x\n", "bad metric name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char why[512];
        ck_assert_msg(!fo_test_exposition_check(cases[i].text, why, sizeof why),
                      "case %zu passed:\n%s", i, cases[i].text);
        ck_assert_msg(strstr(why, cases[i].says), "case %zu: '%s' does not say '%s'", i, why,
                      cases[i].says);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("exposition");
    TCase *tc = tcase_create("check");
    tcase_add_test(tc, the_formats_own_example_passes);
    tcase_add_test(tc, each_broken_rule_is_refused_by_name);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
