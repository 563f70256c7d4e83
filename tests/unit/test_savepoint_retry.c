/* controller/savepoint_retry and its use by a savepoint upgrade (docs/controller.md "Savepoint
 * retries"): a savepoint that keeps failing is tried again after a growing delay, at most
 * kubernetes.operator.retry.max.attempts times for one generation of the spec, then given up
 * with the job left running until the spec changes. Expected delays come from the documented
 * rule (Apache's retry keys and defaults: 5 s, x1.5, 15 tries; never below the observe
 * interval), not from the code. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/jsonutil.h"
#include "controller/savepoint_retry.h"
#include "controller/status.h"
#include "tests/unit/ctl_scenario.h"

#define N "savepoint-example"

START_TEST(the_policy_has_apaches_defaults_and_starts_at_the_observe_interval)
{
    fo_sp_retry_policy pol;
    fo_sp_retry_policy_read(NULL, 1000, &pol);
    ck_assert_int_eq(pol.first_ms, 5000);
    ck_assert_int_eq(pol.max_attempts, 15);
    ck_assert_int_eq(fo_sp_retry_delay_ms(&pol, 1), 5000);
    ck_assert_int_eq(fo_sp_retry_delay_ms(&pol, 2), 7500);
    ck_assert_int_eq(fo_sp_retry_delay_ms(&pol, 3), 11250);
    fo_sp_retry_policy_read(NULL, 60000, &pol); /* Apache's reconcile interval */
    ck_assert_int_eq(fo_sp_retry_delay_ms(&pol, 1), 60000);
    ck_assert_int_eq(fo_sp_retry_delay_ms(&pol, 2), 90000);

    json_t *conf = json_pack("{s:s, s:s, s:s, s:s}", FO_SP_RETRY_INITIAL_KEY, "2 min",
                             FO_SP_RETRY_MULTIPLIER_KEY, "2", FO_SP_RETRY_MAX_ATTEMPTS_KEY, "3",
                             FO_SP_RETRY_MAX_INTERVAL_KEY, "5 min");
    fo_sp_retry_policy_read(conf, 15000, &pol);
    ck_assert_int_eq(pol.max_attempts, 3);
    ck_assert_int_eq(fo_sp_retry_delay_ms(&pol, 1), 120000);
    ck_assert_int_eq(fo_sp_retry_delay_ms(&pol, 2), 240000);
    ck_assert_int_eq(fo_sp_retry_delay_ms(&pol, 3), 300000); /* max.interval */
    json_decref(conf);

    /* Values that cannot be read fall back to the defaults. */
    conf = json_pack("{s:s, s:s, s:s}", FO_SP_RETRY_INITIAL_KEY, "soon", FO_SP_RETRY_MULTIPLIER_KEY,
                     "0.5", FO_SP_RETRY_MAX_ATTEMPTS_KEY, "many");
    fo_sp_retry_policy_read(conf, 1000, &pol);
    ck_assert_int_eq(pol.first_ms, 5000);
    ck_assert(pol.multiplier == 1.5);
    ck_assert_int_eq(pol.max_attempts, 15);
    json_decref(conf);
}
END_TEST

START_TEST(the_record_lives_in_the_errors_additional_metadata)
{
    fo_sp_retry_record r = {.failures = 3, .generation = 7, .next_attempt_ms = 1776676533750LL};
    json_t *meta = fo_sp_retry_record_meta(&r);
    char *text = fo_status_error_text_meta(FO_ERROR_UPGRADE_FAILURE, "failed", meta);
    json_decref(meta);
    /* Apache's FlinkResourceException shape, with the record in additionalMetadata. */
    json_t *e = json_loads(text, 0, NULL);
    ck_assert_str_eq(fo_json_str(e, "type"), FO_ERROR_UPGRADE_FAILURE);
    ck_assert_str_eq(fo_json_str(e, "message"), "failed");
    ck_assert(json_is_array(json_object_get(e, "throwableList")));
    json_decref(e);
    fo_sp_retry_record back;
    ck_assert(fo_sp_retry_record_read(text, &back));
    ck_assert_int_eq(back.failures, 3);
    ck_assert_int_eq(back.generation, 7);
    ck_assert_int_eq(back.next_attempt_ms, 1776676533750LL);
    free(text);
    text = fo_status_error_text(FO_ERROR_UPGRADE_FAILURE, "no record");
    ck_assert(!fo_sp_retry_record_read(text, &back));
    free(text);
    ck_assert(!fo_sp_retry_record_read("Job Not Found", &back));
    ck_assert(!fo_sp_retry_record_read(NULL, &back));
}
END_TEST

/* ---- the savepoint upgrade ---- */

static int stops(fake_world *w)
{
    int n = 0;
    for (size_t i = 0; i < w->flink.ncalls; i++)
        if (strncmp(w->flink.calls[i], "POST /jobs/", 11) == 0 &&
            strstr(w->flink.calls[i], "/stop"))
            n++;
    return n;
}

/* A pass that starts a try (the stop is sent), then the pass that finds it failed. Returns the
 * requeue of the failing pass. */
static int64_t one_failing_try(fake_world *w)
{
    char jid[33], path[160];
    snprintf(jid, sizeof jid, "%s", st_str(w, N, "jobStatus.jobId"));
    int before = stops(w);
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_str_eq(res.action, "STOP_SAVEPOINT");
    ck_assert_int_eq(stops(w), before + 1);
    const char *tid = st_str(w, N, "jobStatus.savepointInfo.triggerId");
    ck_assert_ptr_nonnull(tid);
    snprintf(path, sizeof path, "GET /jobs/%s/savepoints/%s", jid, tid);
    /* AsynchronousOperationResult with a failure-cause (rest_v1_dispatcher.yml). */
    fake_flink_answer(&w->flink, path,
                      json_pack("{s:{s:s}, s:{s:{s:s, s:s}}}", "status", "id", "COMPLETED",
                                "operation", "failure-cause", "class",
                                "org.apache.flink.runtime.checkpoint.CheckpointException",
                                "stack-trace", "Checkpoint expired before completing."));
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_str_eq(res.action, "AWAIT_SAVEPOINT");
    ck_assert_ptr_null(st_str(w, N, "jobStatus.savepointInfo.triggerId"));
    return res.requeue_after_ms;
}

static fake_world *upgrading_world(void)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    until_stable(w, N);
    char path[160];
    snprintf(path, sizeof path, "POST /jobs/%s/stop", st_str(w, N, "jobStatus.jobId"));
    fake_flink_answer(&w->flink, path, json_pack("{s:s}", "request-id", "unused"));
    edit_spec(w, N, "image", json_string("flink:1.20.1"));
    return w;
}

START_TEST(a_failing_upgrade_savepoint_is_tried_again_after_a_growing_delay)
{
    fake_world *w = upgrading_world();
    int64_t delay = w->settings.observe_interval_ms > 5000 ? w->settings.observe_interval_ms : 5000;
    for (int i = 1; i <= 3; i++) {
        int64_t requeue = one_failing_try(w);
        ck_assert_int_le(requeue, delay);
        char *kept = strdup(st_str(w, N, "error"));

        /* Until the delay is over: no stop, no write, no Event, the error stays. */
        size_t writes = w->kube.nlog;
        int before = stops(w);
        fo_clock_fake_advance(w->clock, delay - 1);
        fo_reconcile_result res;
        ck_assert_int_eq(pass(w, N, &res), FO_OK);
        ck_assert_msg(stops(w) == before, "failure %d: another stop %lld ms later", i,
                      (long long)(delay - 1));
        ck_assert_str_eq(res.action, "SAVEPOINT_BACKOFF");
        ck_assert_int_eq(res.requeue_after_ms, 1);
        ck_assert_int_eq(fake_count(&w->kube, writes, NULL, FO_CTL_KIND_COUNT), 0);
        ck_assert_str_eq(st_str(w, N, "error"), kept);
        ck_assert_int_eq(fake_events_count(&w->events, "SavepointError"), i);
        char want[64];
        snprintf(want, sizeof want, "try %d of 15", i);
        ck_assert_msg(strstr(kept, want), "after failure %d: %s", i, kept);
        free(kept);
        fo_clock_fake_advance(w->clock, 1);
        delay = delay * 3 / 2;
    }
    /* The try after the delay keeps the record while it runs (a restart reads it back). */
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_ptr_nonnull(strstr(st_str(w, N, "error"), "try 3 of 15"));
    ck_assert_ptr_nonnull(st_str(w, N, "jobStatus.savepointInfo.triggerId"));
    ck_assert_int_eq(stops(w), 4);
    /* It succeeds: the error goes with the path recorded, and the upgrade goes on. */
    char path[160];
    snprintf(path, sizeof path, "GET /jobs/%s/savepoints/%s", st_str(w, N, "jobStatus.jobId"),
             st_str(w, N, "jobStatus.savepointInfo.triggerId"));
    fake_flink_answer(&w->flink, path,
                      json_pack("{s:{s:s}, s:{s:s}}", "status", "id", "COMPLETED", "operation",
                                "location", "s3://bucket/savepoints/savepoint-000004-abc"));
    flink_job(w, N, "FINISHED");
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, N, "jobStatus.upgradeSavepointPath"),
                     "s3://bucket/savepoints/savepoint-000004-abc");
    ck_assert_ptr_null(st_str(w, N, "error"));
    fake_world_free(w);
}
END_TEST

START_TEST(the_savepoint_is_given_up_after_the_last_try_until_the_spec_changes)
{
    fake_world *w = upgrading_world();
    /* Three tries, as the operator configuration may say (Apache's key). */
    json_object_set_new((json_t *)fo_json_get(fd(w, N), "spec.flinkConfiguration"),
                        FO_SP_RETRY_MAX_ATTEMPTS_KEY, json_string("3"));
    edit_spec(w, N, "image", json_string("flink:1.20.1")); /* a new generation */
    for (int i = 1; i <= 3; i++) {
        one_failing_try(w);
        fo_clock_fake_advance(w->clock, 24LL * 3600 * 1000);
    }
    const char *err = st_str(w, N, "error");
    ck_assert_ptr_nonnull(strstr(err, "failed 3 times"));
    ck_assert_ptr_nonnull(strstr(err, "until the spec changes"));
    ck_assert_int_eq(fake_events_count(&w->events, "SavepointError"), 3);
    const json_t *stalled = fo_status_condition(json_object_get(fd(w, N), "status"), "Stalled");
    ck_assert_str_eq(fo_json_str(stalled, "status"), "True");
    /* The job keeps running: no stop, no teardown, nothing written, however long. */
    size_t writes = w->kube.nlog;
    for (int i = 0; i < 3; i++) {
        fo_reconcile_result res;
        ck_assert_int_eq(pass(w, N, &res), FO_OK);
        ck_assert_str_eq(res.action, "SAVEPOINT_GIVEN_UP");
        fo_clock_fake_advance(w->clock, 24LL * 3600 * 1000);
    }
    ck_assert_int_eq(stops(w), 3);
    ck_assert_int_eq(fake_count(&w->kube, writes, NULL, FO_CTL_KIND_COUNT), 0);
    ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, N));
    ck_assert_int_eq(fake_events_count(&w->events, "SavepointError"), 3);
    /* A new edit tries again, from the first try. */
    edit_spec(w, N, "image", json_string("flink:1.20.2"));
    one_failing_try(w);
    ck_assert_ptr_nonnull(strstr(st_str(w, N, "error"), "try 1 of 3"));
    ck_assert_int_eq(stops(w), 4);
    fake_world_free(w);
}
END_TEST

/* A stop Flink refuses counts as a failed try too. */
START_TEST(a_refused_stop_is_backed_off_too)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    until_stable(w, N);
    edit_spec(w, N, "image", json_string("flink:1.20.1"));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, N, &res), FO_OK); /* no answer for the stop: 404 */
    ck_assert_int_eq(stops(w), 1);
    ck_assert_ptr_nonnull(strstr(st_str(w, N, "error"), "could not be started"));
    ck_assert_ptr_nonnull(strstr(st_str(w, N, "error"), "try 1 of 15"));
    fo_clock_fake_advance(w->clock, w->settings.progress_interval_ms);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_str_eq(res.action, "SAVEPOINT_BACKOFF");
    ck_assert_int_eq(stops(w), 1);
    fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_str_eq(res.action, "STOP_SAVEPOINT");
    ck_assert_int_eq(stops(w), 2);
    ck_assert_ptr_nonnull(strstr(st_str(w, N, "error"), "try 2 of 15"));
    fake_world_free(w);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("savepoint_retry");
    TCase *tc = tcase_create("retry");
    tcase_add_test(tc, the_policy_has_apaches_defaults_and_starts_at_the_observe_interval);
    tcase_add_test(tc, the_record_lives_in_the_errors_additional_metadata);
    tcase_add_test(tc, a_failing_upgrade_savepoint_is_tried_again_after_a_growing_delay);
    tcase_add_test(tc, the_savepoint_is_given_up_after_the_last_try_until_the_spec_changes);
    tcase_add_test(tc, a_refused_stop_is_backed_off_too);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
