/* Prometheus registry and the text exposition format 0.0.4. */
#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/metrics.h"
#include "common/log.h"
#include "tests/support/exposition.h"
#include "tests/support/testutil.h"

#define L(...) ((const char *const[]){__VA_ARGS__})

/* A small registry whose exposition is written out by hand below. */
static fo_metrics *small_registry(void)
{
    fo_metrics *reg = fo_metrics_new();
    fo_counter *req =
        fo_metrics_counter(reg, "flinkop_webhook_requests_total",
                           "Admission requests by route and verdict.", 2, L("route", "verdict"));
    fo_gauge *leader = fo_metrics_gauge(
        reg, "flinkop_leader", "Whether this replica is the leader (1) or not (0).", 0, NULL);
    /* a labelled family that is never used shows nothing */
    fo_metrics_gauge(reg, "flinkop_unused", "Never set.", 1, L("x"));
    fo_histogram *dur = fo_metrics_histogram(reg, "flinkop_webhook_request_duration_seconds",
                                             "Time to answer an admission request.", 1, L("route"),
                                             3, (const double[]){0.0625, 0.25, 1});
    ck_assert(req && leader && dur);
    fo_counter_add(req, 1, L("/validate", "allowed"));
    fo_counter_add(req, 2, L("/mutate", "allowed"));
    fo_counter_add(req, 1, L("/validate", "denied"));
    fo_gauge_set(leader, 1, NULL);
    fo_histogram_observe(dur, 0.0625, L("/validate")); /* le is inclusive */
    fo_histogram_observe(dur, 0.25, L("/validate"));
    fo_histogram_observe(dur, 2.5, L("/validate"));
    fo_histogram_observe(dur, 0.125, L("/mutate"));
    return reg;
}

static const char small_text[] =
    "# HELP flinkop_webhook_requests_total Admission requests by route and verdict.\n"
    "# TYPE flinkop_webhook_requests_total counter\n"
    "flinkop_webhook_requests_total{route=\"/mutate\",verdict=\"allowed\"} 2\n"
    "flinkop_webhook_requests_total{route=\"/validate\",verdict=\"allowed\"} 1\n"
    "flinkop_webhook_requests_total{route=\"/validate\",verdict=\"denied\"} 1\n"
    "# HELP flinkop_leader Whether this replica is the leader (1) or not (0).\n"
    "# TYPE flinkop_leader gauge\n"
    "flinkop_leader 1\n"
    "# HELP flinkop_webhook_request_duration_seconds Time to answer an admission request.\n"
    "# TYPE flinkop_webhook_request_duration_seconds histogram\n"
    "flinkop_webhook_request_duration_seconds_bucket{route=\"/mutate\",le=\"0.0625\"} 0\n"
    "flinkop_webhook_request_duration_seconds_bucket{route=\"/mutate\",le=\"0.25\"} 1\n"
    "flinkop_webhook_request_duration_seconds_bucket{route=\"/mutate\",le=\"1\"} 1\n"
    "flinkop_webhook_request_duration_seconds_bucket{route=\"/mutate\",le=\"+Inf\"} 1\n"
    "flinkop_webhook_request_duration_seconds_sum{route=\"/mutate\"} 0.125\n"
    "flinkop_webhook_request_duration_seconds_count{route=\"/mutate\"} 1\n"
    "flinkop_webhook_request_duration_seconds_bucket{route=\"/validate\",le=\"0.0625\"} 1\n"
    "flinkop_webhook_request_duration_seconds_bucket{route=\"/validate\",le=\"0.25\"} 2\n"
    "flinkop_webhook_request_duration_seconds_bucket{route=\"/validate\",le=\"1\"} 2\n"
    "flinkop_webhook_request_duration_seconds_bucket{route=\"/validate\",le=\"+Inf\"} 3\n"
    "flinkop_webhook_request_duration_seconds_sum{route=\"/validate\"} 2.8125\n"
    "flinkop_webhook_request_duration_seconds_count{route=\"/validate\"} 3\n";

START_TEST(small_registry_renders_exactly_the_text_format)
{
    fo_metrics *reg = small_registry();
    char *text = fo_metrics_render(reg);
    ck_assert_str_eq(text, small_text);
    free(text);
    fo_metrics_free(reg);
}
END_TEST

START_TEST(label_values_and_help_are_escaped)
{
    fo_metrics *reg = fo_metrics_new();
    fo_counter *c =
        fo_metrics_counter(reg, "x_events_total", "Line one\nback\\slash \"quoted\".", 1, L("v"));
    fo_counter_add(c, 1, L("a\\b\"c\nd"));
    fo_counter_add(c, 1, L(""));
    char *text = fo_metrics_render(reg);
    ck_assert_str_eq(text, "# HELP x_events_total Line one\\nback\\\\slash \"quoted\".\n"
                           "# TYPE x_events_total counter\n"
                           "x_events_total{v=\"\"} 1\n"
                           "x_events_total{v=\"a\\\\b\\\"c\\nd\"} 1\n");
    free(text);
    fo_metrics_free(reg);
}
END_TEST

START_TEST(numbers_render_in_shortest_round_trip_form)
{
    fo_metrics *reg = fo_metrics_new();
    fo_gauge *g = fo_metrics_gauge(reg, "x_value", "Values.", 1, L("k"));
    fo_gauge_set(g, 0.1, L("a"));
    fo_gauge_set(g, -3, L("b"));
    fo_gauge_set(g, 1e20, L("c"));
    fo_gauge_set(g, INFINITY, L("d"));
    fo_gauge_set(g, -INFINITY, L("e"));
    fo_gauge_set(g, NAN, L("f"));
    fo_gauge_set(g, 1.0 / 3.0, L("g"));
    char *text = fo_metrics_render(reg);
    ck_assert_str_eq(text, "# HELP x_value Values.\n# TYPE x_value gauge\n"
                           "x_value{k=\"a\"} 0.1\n"
                           "x_value{k=\"b\"} -3\n"
                           "x_value{k=\"c\"} 1e+20\n"
                           "x_value{k=\"d\"} +Inf\n"
                           "x_value{k=\"e\"} -Inf\n"
                           "x_value{k=\"f\"} NaN\n"
                           "x_value{k=\"g\"} 0.3333333333333333\n");
    free(text);
    fo_metrics_free(reg);
}
END_TEST

/* The format and promtool's lint, on every machine (tests/support/exposition), and promtool
 * itself where it is installed (Debian package prometheus). */
START_TEST(rendered_text_passes_the_format_check_and_promtool)
{
    fo_metrics *reg = small_registry();
    fo_counter *c = fo_metrics_counter(reg, "x_escapes_total", "Odd \"values\".", 1, L("v"));
    fo_counter_add(c, 1, L("a\\b\"c\nd"));
    fo_counter *plain = fo_metrics_counter(reg, "x_plain_total", "No labels.", 0, NULL);
    (void)plain;
    char *text = fo_metrics_render(reg);
    char why[512];
    ck_assert_msg(fo_test_exposition_check(text, why, sizeof why), "%s\n%s", why, text);
    if (access("/usr/bin/promtool", X_OK) != 0) {
        free(text);
        fo_metrics_free(reg);
        return;
    }
    char *dir = fo_test_mkdtemp();
    char path[512], cmd[1200];
    snprintf(path, sizeof path, "%s/metrics.txt", dir);
    fo_test_write_file(path, text);
    snprintf(cmd, sizeof cmd, "/usr/bin/promtool check metrics < %s > %s/out.txt 2>&1", path, dir);
    int rc = system(cmd);
    if (rc != 0) {
        snprintf(cmd, sizeof cmd, "cat %s/out.txt >&2", dir);
        ck_assert(system(cmd) == 0);
    }
    ck_assert_msg(rc == 0, "promtool check metrics failed (output above)");
    fo_test_rmdir(dir);
    free(dir);
    free(text);
    fo_metrics_free(reg);
}
END_TEST

START_TEST(families_are_registered_once_and_bad_definitions_are_refused)
{
    int devnull = open("/dev/null", O_WRONLY);
    fo_log_set_fd(devnull); /* refusals are logged */
    fo_metrics *reg = fo_metrics_new();
    fo_counter *a = fo_metrics_counter(reg, "x_total", "Help.", 1, L("k"));
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_eq(fo_metrics_counter(reg, "x_total", "Other help.", 1, L("k")), a);
    ck_assert_ptr_null(fo_metrics_counter(reg, "x_total", "Help.", 1, L("other")));
    ck_assert_ptr_null(fo_metrics_counter(reg, "x_total", "Help.", 0, NULL));
    ck_assert_ptr_null(fo_metrics_gauge(reg, "x_total", "Help.", 1, L("k")));
    ck_assert_ptr_null(fo_metrics_counter(reg, "x_requests", "no _total", 0, NULL));
    ck_assert_ptr_null(fo_metrics_gauge(reg, "x_things_total", "gauge with _total", 0, NULL));
    ck_assert_ptr_null(fo_metrics_counter(reg, "9x_total", "bad name", 0, NULL));
    ck_assert_ptr_null(fo_metrics_counter(reg, "x-y_total", "bad name", 0, NULL));
    ck_assert_ptr_null(fo_metrics_counter(reg, "y_total", "bad label", 1, L("__x")));
    ck_assert_ptr_null(fo_metrics_counter(reg, "y_total", "bad label", 1, L("a:b")));
    ck_assert_ptr_null(fo_metrics_counter(reg, "y_total", "dup label", 2, L("a", "a")));
    ck_assert_ptr_null(
        fo_metrics_histogram(reg, "h_seconds", "le label", 1, L("le"), 1, (const double[]){1}));
    ck_assert_ptr_null(
        fo_metrics_histogram(reg, "h_seconds", "unsorted", 0, NULL, 2, (const double[]){1, 0.5}));
    fo_histogram *h =
        fo_metrics_histogram(reg, "h_seconds", "ok", 0, NULL, 2, (const double[]){0.5, 1});
    ck_assert_ptr_nonnull(h);
    ck_assert_ptr_null(fo_metrics_histogram(reg, "h_seconds", "other buckets", 0, NULL, 2,
                                            (const double[]){0.5, 2}));
    /* a refused family is a NULL handle that every update ignores */
    fo_counter_add(NULL, 1, NULL);
    fo_histogram_observe(NULL, 1, NULL);
    ck_assert(fo_counter_value(NULL, NULL) == 0);
    fo_metrics_free(reg);
    fo_log_set_fd(-1);
    close(devnull);
}
END_TEST

START_TEST(counters_only_go_up_and_gauges_reset)
{
    fo_metrics *reg = fo_metrics_new();
    fo_counter *c = fo_metrics_counter(reg, "x_total", "Help.", 0, NULL);
    fo_counter_add(c, 2.5, NULL);
    fo_counter_add(c, -1, NULL);
    fo_counter_add(c, NAN, NULL);
    ck_assert(fo_counter_value(c, NULL) == 2.5);
    fo_gauge *g = fo_metrics_gauge(reg, "x_jobs", "Jobs by state.", 1, L("state"));
    fo_gauge_set(g, 3, L("RUNNING"));
    fo_gauge_add(g, -1, L("RUNNING"));
    fo_gauge_add(g, 1, L("FAILED"));
    ck_assert(fo_gauge_value(g, L("RUNNING")) == 2);
    ck_assert(fo_gauge_value(g, L("FAILED")) == 1);
    ck_assert(fo_gauge_value(g, L("CANCELED")) == 0);
    fo_gauge_reset(g);
    ck_assert(fo_gauge_value(g, L("RUNNING")) == 0);
    fo_gauge_set(g, 5, L("FINISHED"));
    char *text = fo_metrics_render(reg);
    ck_assert_str_eq(text, "# HELP x_total Help.\n# TYPE x_total counter\nx_total 2.5\n"
                           "# HELP x_jobs Jobs by state.\n# TYPE x_jobs gauge\n"
                           "x_jobs{state=\"FINISHED\"} 5\n");
    free(text);
    fo_metrics_free(reg);
}
END_TEST

#define THREADS 4
#define ROUNDS 50000

struct worker {
    fo_counter *c;
    fo_histogram *h;
    fo_gauge *g;
    fo_metrics *reg;
    int id;
};

static void *hammer(void *arg)
{
    struct worker *w = arg;
    char label[16];
    for (int i = 0; i < ROUNDS; i++) {
        snprintf(label, sizeof label, "l%d", i % 7);
        fo_counter_add(w->c, 1, L(label));
        fo_histogram_observe(w->h, (i % 3) * 0.5, L(i % 2 ? "odd" : "even"));
        fo_gauge_add(w->g, 1, NULL);
        if (w->id == 0 && i % 5000 == 0)
            free(fo_metrics_render(w->reg));
    }
    return NULL;
}

START_TEST(concurrent_updates_sum_exactly)
{
    fo_metrics *reg = fo_metrics_new();
    struct worker w[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i].reg = reg;
        w[i].id = i;
        /* every thread registers the same families and must get the same handles */
        w[i].c = fo_metrics_counter(reg, "x_ops_total", "Ops.", 1, L("shard"));
        w[i].h = fo_metrics_histogram(reg, "x_op_seconds", "Op time.", 1, L("parity"), 2,
                                      (const double[]){0.25, 0.75});
        w[i].g = fo_metrics_gauge(reg, "x_inflight", "In flight.", 0, NULL);
        ck_assert_ptr_eq(w[i].c, w[0].c);
    }
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, hammer, &w[i]), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    double total = 0;
    char label[16];
    for (int k = 0; k < 7; k++) {
        snprintf(label, sizeof label, "l%d", k);
        total += fo_counter_value(w[0].c, L(label));
    }
    ck_assert(total == (double)THREADS * ROUNDS);
    ck_assert(fo_histogram_count(w[0].h, L("odd")) + fo_histogram_count(w[0].h, L("even")) ==
              (double)THREADS * ROUNDS);
    ck_assert(fo_gauge_value(w[0].g, NULL) == (double)THREADS * ROUNDS);
    /* shard l0 gets i = 0, 7, 14, ... < ROUNDS from each thread */
    ck_assert(fo_counter_value(w[0].c, L("l0")) == (double)THREADS * ((ROUNDS + 6) / 7));
    fo_metrics_free(reg);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("metrics");
    tcase_add_test(tc, small_registry_renders_exactly_the_text_format);
    tcase_add_test(tc, label_values_and_help_are_escaped);
    tcase_add_test(tc, numbers_render_in_shortest_round_trip_form);
    tcase_add_test(tc, rendered_text_passes_the_format_check_and_promtool);
    tcase_add_test(tc, families_are_registered_once_and_bad_definitions_are_refused);
    tcase_add_test(tc, counters_only_go_up_and_gauges_reset);
    tcase_add_test(tc, concurrent_updates_sum_exactly);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
