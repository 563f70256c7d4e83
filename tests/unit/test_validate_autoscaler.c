/* Autoscaler option rules (reference b.6) and the metrics-window rule (b.3 item 14), through
 * fo_validate_deployment and fo_validate_session_job as the Apache DefaultValidatorTest drives
 * them: the deployment's (or the session cluster's) flinkConfiguration is replaced by the
 * autoscaler map of that test, then changed. Messages are the Apache operator's, exactly. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "common/validate.h"
#include "common/validate_common.h"
#include "tests/support/testyaml.h"

/* DefaultValidatorTest.getDefaultTestAutoScalerFlinkConfigurationMap */
static json_t *autoscaler_map(void)
{
    return json_pack("{ssssssssssssss}", "job.autoscaler.enabled", "true",
                     "job.autoscaler.scale-up.max-factor", "100000.0",
                     "job.autoscaler.scale-down.max-factor", "0.6",
                     "job.autoscaler.scaling.effectiveness.threshold", "0.1",
                     "job.autoscaler.utilization.target", "0.7", "job.autoscaler.utilization.max",
                     "1.0", "job.autoscaler.utilization.min", "0.3");
}

/* kv: NULL-terminated pairs put into the map (a NULL value removes the key). */
static fo_field_errors *deployment_with(const char *const *kv, const fo_validate_env *env)
{
    json_t *obj = fo_test_load_yaml("deployment-valid-application.yaml");
    json_t *conf = autoscaler_map();
    for (size_t i = 0; kv && kv[i]; i += 2) {
        if (kv[i + 1])
            json_object_set_new(conf, kv[i], json_string(kv[i + 1]));
        else
            json_object_del(conf, kv[i]);
    }
    json_object_set_new(json_object_get(obj, "spec"), "flinkConfiguration", conf);
    fo_field_errors *errs = fo_field_errors_new();
    fo_validate_deployment(obj, env, errs);
    json_decref(obj);
    return errs;
}

static json_t *session_cluster;

static json_t *lookup(void *ctx, const char *ns, const char *name)
{
    (void)ctx;
    (void)ns;
    (void)name;
    return json_incref(session_cluster);
}

static fo_field_errors *session_job_with(const char *const *kv)
{
    session_cluster = fo_test_load_yaml("deployment-valid-session-cluster.yaml");
    json_t *conf = autoscaler_map();
    for (size_t i = 0; kv && kv[i]; i += 2)
        json_object_set_new(conf, kv[i], json_string(kv[i + 1]));
    json_object_set_new(json_object_get(session_cluster, "spec"), "flinkConfiguration", conf);
    json_t *job = fo_test_load_yaml("sessionjob-valid.yaml");
    fo_validate_env env = {.lookup_deployment = lookup};
    fo_field_errors *errs = fo_field_errors_new();
    fo_validate_session_job(job, &env, errs);
    json_decref(job);
    json_decref(session_cluster);
    session_cluster = NULL;
    return errs;
}

static void expect_only(fo_field_errors *errs, const char *key, const char *detail)
{
    if (fo_field_errors_count(errs) != 1) {
        char *all = fo_field_errors_join(errs, "\n  ");
        fprintf(stderr, "expected one error for %s, got:\n  %s\n", key, all);
        free(all);
    }
    ck_assert_uint_eq(fo_field_errors_count(errs), 1);
    const fo_field_error *e = fo_field_errors_get(errs, 0);
    char field[512];
    snprintf(field, sizeof field, "spec.flinkConfiguration[%s]", key);
    ck_assert_str_eq(e->field, field);
    ck_assert_str_eq(e->detail, detail);
    fo_field_errors_free(errs);
}

static void expect_none(fo_field_errors *errs)
{
    if (fo_field_errors_count(errs)) {
        char *all = fo_field_errors_join(errs, "\n  ");
        fprintf(stderr, "unexpected:\n  %s\n", all);
        free(all);
    }
    ck_assert_uint_eq(fo_field_errors_count(errs), 0);
    fo_field_errors_free(errs);
}

#define RANGE(key, lo, hi)                                                                         \
    "The AutoScalerOption " key " is invalid, it should be a value within the range [" lo ", " hi  \
    "]"

START_TEST(default_autoscaler_settings_pass)
{
    expect_none(deployment_with(NULL, NULL));
    expect_none(session_job_with(NULL));
}
END_TEST

START_TEST(negative_factors_and_targets_are_out_of_range)
{
    const char *down[] = {"job.autoscaler.scale-down.max-factor", "-0.1", NULL};
    expect_only(deployment_with(down, NULL), down[0],
                RANGE("job.autoscaler.scale-down.max-factor", "0.0", "+Infinity"));
    expect_only(session_job_with(down), down[0],
                RANGE("job.autoscaler.scale-down.max-factor", "0.0", "+Infinity"));
    const char *up[] = {"job.autoscaler.scale-up.max-factor", "-0.1", NULL};
    expect_only(deployment_with(up, NULL), up[0],
                RANGE("job.autoscaler.scale-up.max-factor", "0.0", "+Infinity"));
    expect_only(session_job_with(up), up[0],
                RANGE("job.autoscaler.scale-up.max-factor", "0.0", "+Infinity"));
    const char *target[] = {"job.autoscaler.utilization.target", "-0.6", NULL};
    /* A negative target also moves the allowed range of min ([0, target]): Apache reports only
     * the first error; we report what is wrong with min too. */
    fo_field_errors *errs = deployment_with(target, NULL);
    ck_assert_str_eq(fo_field_errors_get(errs, 0)->detail,
                     RANGE("job.autoscaler.utilization.target", "0.0", "1.0"));
    fo_field_errors_free(errs);
}
END_TEST

START_TEST(utilization_bounds_follow_the_target)
{
    const char *max[] = {"job.autoscaler.utilization.max", "-0.6", NULL};
    expect_only(deployment_with(max, NULL), max[0],
                RANGE("job.autoscaler.utilization.max", "0.7", "1.0"));
    expect_only(session_job_with(max), max[0],
                RANGE("job.autoscaler.utilization.max", "0.7", "1.0"));
    const char *min[] = {"job.autoscaler.utilization.min", "-0.6", NULL};
    expect_only(deployment_with(min, NULL), min[0],
                RANGE("job.autoscaler.utilization.min", "0.0", "0.7"));
    expect_only(session_job_with(min), min[0],
                RANGE("job.autoscaler.utilization.min", "0.0", "0.7"));

    const char *max_below[] = {"job.autoscaler.utilization.min",
                               "0.3",
                               "job.autoscaler.utilization.target",
                               "0.5",
                               "job.autoscaler.utilization.max",
                               "0.4",
                               NULL};
    expect_only(deployment_with(max_below, NULL), "job.autoscaler.utilization.max",
                RANGE("job.autoscaler.utilization.max", "0.5", "1.0"));
    expect_only(session_job_with(max_below), "job.autoscaler.utilization.max",
                RANGE("job.autoscaler.utilization.max", "0.5", "1.0"));
    const char *min_above[] = {"job.autoscaler.utilization.min", "0.8", NULL};
    expect_only(deployment_with(min_above, NULL), "job.autoscaler.utilization.min",
                RANGE("job.autoscaler.utilization.min", "0.0", "0.7"));
    const char *session_max[] = {"job.autoscaler.utilization.max", "0.6", NULL};
    expect_only(session_job_with(session_max), "job.autoscaler.utilization.max",
                RANGE("job.autoscaler.utilization.max", "0.7", "1.0"));

    const char *target_high[] = {"job.autoscaler.utilization.target", "1.5", NULL};
    fo_field_errors *errs = deployment_with(target_high, NULL);
    ck_assert_str_eq(fo_field_errors_get(errs, 0)->detail,
                     RANGE("job.autoscaler.utilization.target", "0.0", "1.0"));
    fo_field_errors_free(errs);

    const char *ok[] = {"job.autoscaler.utilization.min",
                        "0.2",
                        "job.autoscaler.utilization.target",
                        "0.5",
                        "job.autoscaler.utilization.max",
                        "0.6",
                        NULL};
    expect_none(deployment_with(ok, NULL));
    expect_none(session_job_with(ok));
}
END_TEST

START_TEST(feature_options_are_checked_only_when_their_feature_is_on)
{
    const char *on[] = {"job.autoscaler.observed-scalability.enabled", "true",
                        "job.autoscaler.observed-scalability.coefficient-min", "1.2", NULL};
    expect_only(deployment_with(on, NULL), "job.autoscaler.observed-scalability.coefficient-min",
                RANGE("job.autoscaler.observed-scalability.coefficient-min", "0.01", "1.0"));
    const char *off[] = {"job.autoscaler.observed-scalability.enabled", "false",
                         "job.autoscaler.observed-scalability.coefficient-min", "1.2", NULL};
    expect_none(deployment_with(off, NULL));
    const char *tuning[] = {"job.autoscaler.memory.tuning.enabled", "true",
                            "job.autoscaler.memory.tuning.overhead", "2", NULL};
    expect_only(deployment_with(tuning, NULL), "job.autoscaler.memory.tuning.overhead",
                RANGE("job.autoscaler.memory.tuning.overhead", "0.0", "1.0"));
}
END_TEST

START_TEST(nothing_is_checked_when_the_autoscaler_is_off)
{
    const char *bad[] = {"job.autoscaler.scale-down.max-factor",
                         "-1.6",
                         "job.autoscaler.scale-up.max-factor",
                         "-1.6",
                         "job.autoscaler.utilization.target",
                         "-1.6",
                         "job.autoscaler.utilization.max",
                         "-1.6",
                         "job.autoscaler.utilization.min",
                         "-1.6",
                         "job.autoscaler.metrics.window",
                         "1 s",
                         "job.autoscaler.enabled",
                         NULL,
                         NULL};
    expect_none(deployment_with(bad, NULL));
    const char *disabled[] = {"job.autoscaler.enabled",
                              "false",
                              "job.autoscaler.scale-down.max-factor",
                              "-1.6",
                              "job.autoscaler.metrics.window",
                              "1 s",
                              NULL};
    expect_none(deployment_with(disabled, NULL));
    expect_none(session_job_with(disabled));
}
END_TEST

START_TEST(old_prefix_keys_and_bad_numbers_are_understood)
{
    const char *old[] = {"job.autoscaler.enabled",
                         NULL,
                         "job.autoscaler.utilization.target",
                         NULL,
                         "kubernetes.operator.job.autoscaler.enabled",
                         "true",
                         "kubernetes.operator.job.autoscaler.target.utilization",
                         "1.5",
                         NULL};
    fo_field_errors *errs = deployment_with(old, NULL);
    ck_assert_uint_ge(fo_field_errors_count(errs), 1);
    ck_assert_str_eq(fo_field_errors_get(errs, 0)->detail,
                     RANGE("job.autoscaler.utilization.target", "0.0", "1.0"));
    /* the field is the key the spec holds, not the option's main key */
    ck_assert_str_eq(fo_field_errors_get(errs, 0)->field,
                     "spec.flinkConfiguration[kubernetes.operator.job.autoscaler.target."
                     "utilization]");
    fo_field_errors_free(errs);

    const char *nan[] = {"job.autoscaler.scale-up.max-factor", "lots", NULL};
    expect_only(deployment_with(nan, NULL), "job.autoscaler.scale-up.max-factor",
                "Invalid value in the autoscaler config job.autoscaler.scale-up.max-factor");
    const char *flag[] = {"job.autoscaler.enabled", "maybe", NULL};
    expect_only(deployment_with(flag, NULL), "job.autoscaler.enabled",
                "Invalid value in the autoscaler config job.autoscaler.enabled");
}
END_TEST

START_TEST(metrics_window_must_cover_the_reconcile_interval)
{
    const char *small[] = {"job.autoscaler.metrics.window", "30 s", NULL};
    expect_only(deployment_with(small, NULL), "job.autoscaler.metrics.window",
                "The autoscaler metric window (job.autoscaler.metrics.window=PT30S) must not be "
                "smaller than the operator reconcile interval "
                "(kubernetes.operator.reconcile.interval=PT1M), otherwise fewer than two metric "
                "samples are retained and autoscaling is never applied.");
    const char *large[] = {"job.autoscaler.metrics.window", "5 min", NULL};
    expect_none(deployment_with(large, NULL));
    /* The operator's interval (env) and a resource's own interval both count. */
    fo_validate_env slow = {.reconcile_interval_ms = 10 * 60 * 1000};
    fo_field_errors *errs = deployment_with(large, &slow);
    ck_assert_uint_eq(fo_field_errors_count(errs), 1);
    fo_field_errors_free(errs);
    const char *own[] = {"job.autoscaler.metrics.window", "5 min",
                         "kubernetes.operator.reconcile.interval", "2 min", NULL};
    expect_none(deployment_with(own, &slow));
    const char *bad[] = {"job.autoscaler.metrics.window", "soon", NULL};
    expect_only(deployment_with(bad, NULL), "job.autoscaler.metrics.window",
                "Invalid value in the autoscaler config job.autoscaler.metrics.window");
}
END_TEST

/* OPERATOR_RECONCILE_INTERVAL's deprecated key (kubernetes.operator.reconciler.reschedule.
 * interval) counts when the key itself is absent, as Flink's Configuration reads it. */
START_TEST(reconcile_interval_is_read_under_its_deprecated_key_too)
{
    const char *old_key[] = {"job.autoscaler.metrics.window", "5 min",
                             "kubernetes.operator.reconciler.reschedule.interval", "10 min", NULL};
    expect_only(deployment_with(old_key, NULL), "job.autoscaler.metrics.window",
                "The autoscaler metric window (job.autoscaler.metrics.window=PT5M) must not be "
                "smaller than the operator reconcile interval "
                "(kubernetes.operator.reconcile.interval=PT10M), otherwise fewer than two metric "
                "samples are retained and autoscaling is never applied.");
    const char *both[] = {"job.autoscaler.metrics.window",
                          "5 min",
                          "kubernetes.operator.reconciler.reschedule.interval",
                          "10 min",
                          "kubernetes.operator.reconcile.interval",
                          "2 min",
                          NULL};
    expect_none(deployment_with(both, NULL));
}
END_TEST

START_TEST(excluded_periods_are_daily_ranges_or_quartz_crons)
{
    const char *bad[] = {"job.autoscaler.excluded.periods", "12:00-10:00", NULL};
    fo_field_errors *errs = deployment_with(bad, NULL);
    ck_assert_uint_eq(fo_field_errors_count(errs), 1);
    ck_assert_str_eq(fo_field_errors_get(errs, 0)->detail,
                     "Invalid value 12:00-10:00 in the autoscaler config "
                     "job.autoscaler.excluded.periods, the value is neither a valid daily "
                     "expression nor a valid cron expression");
    fo_field_errors_free(errs);
    errs = session_job_with(bad);
    ck_assert_uint_eq(fo_field_errors_count(errs), 1);
    fo_field_errors_free(errs);

    const char *good[] = {"job.autoscaler.excluded.periods",
                          "9:30:30-10:50:20;* * 9-11,14-16 * * ?;10:00-11:00 && * * * ? * MON-FRI",
                          NULL};
    expect_none(deployment_with(good, NULL));

    ck_assert(fo_validate_daily_range("9:30:30-10:50:20"));
    ck_assert(fo_validate_daily_range("00:00-23:59:59:999"));
    ck_assert(!fo_validate_daily_range("12:00-10:00"));
    ck_assert(!fo_validate_daily_range("10:00-10:00"));
    ck_assert(!fo_validate_daily_range("25:00-26:00"));
    ck_assert(!fo_validate_daily_range("10-11"));
    ck_assert(!fo_validate_daily_range("10:00-11:00-12:00"));
    ck_assert(fo_validate_quartz_cron("* * 9-11,14-16 * * ?"));
    ck_assert(fo_validate_quartz_cron("* * * ? * 2-6"));
    ck_assert(fo_validate_quartz_cron("0 0/15 8-17 ? JAN-MAR MON#2 2030"));
    ck_assert(fo_validate_quartz_cron("0 0 12 L * ?"));
    ck_assert(fo_validate_quartz_cron("0 0 12 15W * ?"));
    ck_assert(!fo_validate_quartz_cron("* * * * * *"));  /* day-of-month and day-of-week */
    ck_assert(!fo_validate_quartz_cron("* * * ? * ?"));  /* neither */
    ck_assert(!fo_validate_quartz_cron("* * 24 * * ?")); /* hour out of range */
    ck_assert(!fo_validate_quartz_cron("* * * * ?"));    /* five fields */
    ck_assert(!fo_validate_quartz_cron("* * * ? * FUNDAY"));

    const char *two_daily[] = {"job.autoscaler.excluded.periods", "10:00-11:00 && 12:00-13:00",
                               NULL};
    errs = deployment_with(two_daily, NULL);
    ck_assert_uint_eq(fo_field_errors_count(errs), 1);
    ck_assert_ptr_nonnull(strstr(fo_field_errors_get(errs, 0)->detail,
                                 "can not be configured as dailyExpression && dailyExpression"));
    fo_field_errors_free(errs);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("validate_autoscaler");
    TCase *tc = tcase_create("validate_autoscaler");
    tcase_add_test(tc, default_autoscaler_settings_pass);
    tcase_add_test(tc, negative_factors_and_targets_are_out_of_range);
    tcase_add_test(tc, utilization_bounds_follow_the_target);
    tcase_add_test(tc, feature_options_are_checked_only_when_their_feature_is_on);
    tcase_add_test(tc, nothing_is_checked_when_the_autoscaler_is_off);
    tcase_add_test(tc, old_prefix_keys_and_bad_numbers_are_understood);
    tcase_add_test(tc, metrics_window_must_cover_the_reconcile_interval);
    tcase_add_test(tc, reconcile_interval_is_read_under_its_deprecated_key_too);
    tcase_add_test(tc, excluded_periods_are_daily_ranges_or_quartz_crons);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
