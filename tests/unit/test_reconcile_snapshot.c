/* controller/reconcile_snapshot: manual savepoints through spec.job.savepointTriggerNonce on
 * the legacy status path (reference c.10, a.7; Apache's SnapshotObserver, SnapshotUtils and
 * ReconciliationUtils.updateLastReconciledSnapshotTriggerNonce): whole passes against the
 * in-memory fakes, and the same for checkpoints (checkpointTriggerNonce,
 * periodic.checkpoint.interval). What a pass must write comes from the reference and Apache's
 * status types (SavepointInfo, Savepoint, CheckpointInfo, Checkpoint). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/flink_model.h"
#include "common/jsonutil.h"
#include "tests/support/testutil.h"
#include "tests/unit/ctl_scenario.h"

#define N "savepoint-example"
#define LOCATION "s3://bucket/savepoints/savepoint-manual-1"

static int posts(fake_world *w, const char *suffix)
{
    int n = 0;
    for (size_t i = 0; i < w->flink.ncalls; i++) {
        const char *c = w->flink.calls[i];
        size_t l = strlen(c), s = strlen(suffix);
        if (strncmp(c, "POST /jobs/", 11) == 0 && l > s && strcmp(c + l - s, suffix) == 0)
            n++;
    }
    return n;
}

static const json_t *recorded_nonce(fake_world *w)
{
    static json_t *rec;
    json_decref(rec);
    rec = fo_flink_last_reconciled_spec(fd(w, N), NULL, NULL);
    return fo_json_get(rec, "job.savepointTriggerNonce");
}

static int64_t st_int(fake_world *w, const char *path);

static void answer_trigger(fake_world *w)
{
    char path[160];
    snprintf(path, sizeof path, "POST /jobs/%s/savepoints", st_str(w, N, "jobStatus.jobId"));
    fake_flink_answer(&w->flink, path, json_pack("{s:s}", "request-id", "echoed"));
}

static void answer_status(fake_world *w, json_t *answer)
{
    char path[160];
    snprintf(path, sizeof path, "GET /jobs/%s/savepoints/%s", st_str(w, N, "jobStatus.jobId"),
             st_str(w, N, "jobStatus.savepointInfo.triggerId"));
    fake_flink_answer(&w->flink, path, answer);
}

static json_t *failed_answer(void)
{
    return json_pack("{s:{s:s}, s:{s:{s:s, s:s}}}", "status", "id", "COMPLETED", "operation",
                     "failure-cause", "class",
                     "org.apache.flink.runtime.checkpoint.CheckpointException", "stack-trace",
                     "Checkpoint expired before completing.");
}

static fake_world *running_world(void)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    until_stable(w, N);
    answer_trigger(w);
    return w;
}

START_TEST(a_new_nonce_takes_a_savepoint_and_the_job_keeps_running)
{
    fake_world *w = running_world();
    json_t *jm_before = json_deep_copy(owned(w, FO_CTL_DEPLOYMENT, N));
    edit_spec(w, N, "job.savepointTriggerNonce", json_integer(42));
    int64_t t0 = fo_clock_now_ms(w->clock);

    /* Pass 1: the intent, then POST /jobs/:id/savepoints under its trigger id. */
    size_t before = w->kube.nlog;
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_int_eq(posts(w, "/savepoints"), 1);
    ck_assert_int_eq(posts(w, "/stop"), 0);
    int intent = fake_find(&w->kube, before, "status", FO_CTL_FLINK_DEPLOYMENT);
    ck_assert_int_ge(intent, 0);
    const json_t *si = fo_json_get(w->kube.log[intent].body, "status.jobStatus.savepointInfo");
    ck_assert_str_eq(fo_json_str(si, "triggerType"), "MANUAL");
    ck_assert_str_eq(fo_json_str(si, "formatType"), "CANONICAL");
    const char *tid = fo_json_str(si, "triggerId");
    ck_assert(tid && fo_flink_rest_is_id(tid));
    json_t *body = json_array_get(w->flink.bodies, w->flink.ncalls - 1);
    ck_assert_str_eq(fo_json_str(body, "triggerId"), tid);
    ck_assert_str_eq(fo_json_str(body, "target-directory"), "s3://bucket/savepoints");
    ck_assert(!json_is_true(json_object_get(body, "cancel-job")));
    ck_assert_str_eq(st_str(w, N, "jobStatus.savepointInfo.triggerId"), tid);
    int64_t ts = 0;
    fo_json_get_int(json_object_get(fd(w, N), "status"), "jobStatus.savepointInfo.triggerTimestamp",
                    &ts);
    ck_assert_int_eq(ts, t0);
    /* The nonce is not recorded yet; nothing of the cluster changed. */
    ck_assert_ptr_null(recorded_nonce(w));
    ck_assert_int_eq(fake_count(&w->kube, before, "delete", FO_CTL_KIND_COUNT), 0);
    ck_assert(json_equal(owned(w, FO_CTL_DEPLOYMENT, N), jm_before));

    /* Pass 2: in progress. */
    answer_status(w, json_pack("{s:{s:s}}", "status", "id", "IN_PROGRESS"));
    fo_clock_fake_advance(w->clock, 5000);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_int_eq(posts(w, "/savepoints"), 1);
    ck_assert_int_le(res.requeue_after_ms, w->settings.progress_interval_ms);

    /* Pass 3: completed: lastSavepoint, history with the nonce, the nonce recorded. */
    answer_status(w, json_pack("{s:{s:s}, s:{s:s}}", "status", "id", "COMPLETED", "operation",
                               "location", LOCATION));
    fo_clock_fake_advance(w->clock, 5000);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    json_t *status = json_object_get(fd(w, N), "status");
    const json_t *last = fo_json_get(status, "jobStatus.savepointInfo.lastSavepoint");
    ck_assert_str_eq(fo_json_str(last, "location"), LOCATION);
    ck_assert_str_eq(fo_json_str(last, "triggerType"), "MANUAL");
    ck_assert_str_eq(fo_json_str(last, "formatType"), "CANONICAL");
    ck_assert_int_eq(json_integer_value(json_object_get(last, "triggerNonce")), 42);
    ck_assert_int_eq(json_integer_value(json_object_get(last, "timeStamp")), t0);
    const json_t *hist = fo_json_get(status, "jobStatus.savepointInfo.savepointHistory");
    ck_assert_uint_eq(json_array_size(hist), 1);
    ck_assert(json_equal(json_array_get(hist, 0), last));
    ck_assert_ptr_null(st_str(w, N, "jobStatus.savepointInfo.triggerId"));
    ck_assert_ptr_null(st_str(w, N, "jobStatus.savepointInfo.triggerType"));
    ck_assert_int_eq(json_integer_value(recorded_nonce(w)), 42);
    ck_assert_ptr_null(st_str(w, N, "jobStatus.upgradeSavepointPath"));

    /* Then nothing more: the same nonce asks for nothing. */
    for (int i = 0; i < 3; i++) {
        fo_clock_fake_advance(w->clock, 15000);
        ck_assert_int_eq(pass(w, N, &res), FO_OK);
        ck_assert_str_eq(res.action, "CONVERGE");
    }
    ck_assert_int_eq(posts(w, "/savepoints"), 1);
    ck_assert_str_eq(st_str(w, N, "lifecycleState"), "STABLE");
    ck_assert(json_equal(owned(w, FO_CTL_DEPLOYMENT, N), jm_before));
    ck_assert_int_eq(fake_events_count(&w->events, "SpecChanged"), 0);
    json_decref(jm_before);
    fake_world_free(w);
}
END_TEST

START_TEST(a_removed_nonce_asks_for_nothing)
{
    fake_world *w = running_world();
    edit_spec(w, N, "job.savepointTriggerNonce", json_null());
    fo_reconcile_result res;
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_int_eq(posts(w, "/savepoints"), 0);
    fake_world_free(w);
}
END_TEST

/* SnapshotObserver: a failed savepoint is tried again within
 * kubernetes.operator.savepoint.trigger.grace-period (1 min), then given up, its nonce
 * recorded; a Warning SavepointError each time. */
START_TEST(a_failing_manual_savepoint_is_retried_within_the_grace_period_then_given_up)
{
    fake_world *w = running_world();
    edit_spec(w, N, "job.savepointTriggerNonce", json_integer(7));
    int64_t t0 = fo_clock_now_ms(w->clock);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(posts(w, "/savepoints"), 1);
    answer_status(w, failed_answer());
    fo_clock_fake_advance(w->clock, 5000);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(fake_events_count(&w->events, "SavepointError"), 1);
    ck_assert_ptr_null(recorded_nonce(w));
    ck_assert_ptr_null(st_str(w, N, "jobStatus.savepointInfo.triggerId"));

    /* Tried again, the grace still running from the first try. */
    fo_clock_fake_advance(w->clock, 15000);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(posts(w, "/savepoints"), 2);
    int64_t ts = 0;
    fo_json_get_int(json_object_get(fd(w, N), "status"), "jobStatus.savepointInfo.triggerTimestamp",
                    &ts);
    ck_assert_int_eq(ts, t0);

    /* Failing again past the grace period: given up, the nonce recorded. */
    answer_status(w, failed_answer());
    fo_clock_fake_advance(w->clock, 60000);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(fake_events_count(&w->events, "SavepointError"), 2);
    ck_assert_int_eq(json_integer_value(recorded_nonce(w)), 7);
    ck_assert_ptr_null(st_str(w, N, "jobStatus.savepointInfo.triggerType"));
    ck_assert_ptr_null(
        fo_json_get(json_object_get(fd(w, N), "status"), "jobStatus.savepointInfo.lastSavepoint"));
    for (int i = 0; i < 3; i++) {
        fo_clock_fake_advance(w->clock, 15000);
        ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    }
    ck_assert_int_eq(posts(w, "/savepoints"), 2);
    fake_world_free(w);
}
END_TEST

/* Apache's readyToReconcile: an upgrade waits for the savepoint in flight. */
START_TEST(an_upgrade_waits_for_the_manual_savepoint_in_flight)
{
    fake_world *w = running_world();
    edit_spec(w, N, "job.savepointTriggerNonce", json_integer(1));
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    answer_status(w, json_pack("{s:{s:s}}", "status", "id", "IN_PROGRESS"));
    edit_spec(w, N, "image", json_string("flink:1.20.1"));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_str_eq(res.action, "AWAIT_SNAPSHOT");
    ck_assert_int_eq(posts(w, "/stop"), 0);
    answer_status(w, json_pack("{s:{s:s}, s:{s:s}}", "status", "id", "COMPLETED", "operation",
                               "location", LOCATION));
    char path[160];
    snprintf(path, sizeof path, "POST /jobs/%s/stop", st_str(w, N, "jobStatus.jobId"));
    fake_flink_answer(&w->flink, path, json_pack("{s:s}", "request-id", "echoed"));
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_str_eq(res.action, "STOP_SAVEPOINT");
    ck_assert_int_eq(posts(w, "/stop"), 1);
    ck_assert_str_eq(st_str(w, N, "jobStatus.savepointInfo.lastSavepoint.location"), LOCATION);
    ck_assert_str_eq(st_str(w, N, "jobStatus.savepointInfo.triggerType"), "UPGRADE");
    fake_world_free(w);
}
END_TEST

/* A nonce changed together with an upgrade takes no savepoint of its own before the upgrade:
 * the upgrade's stop goes first (the nonce's savepoint comes once the upgraded job runs,
 * a_nonce_changed_with_an_upgrade_is_still_asked_for_after_it). */
START_TEST(a_nonce_changed_with_an_upgrade_does_not_hold_the_upgrade)
{
    fake_world *w = running_world();
    edit_spec(w, N, "job.savepointTriggerNonce", json_integer(3));
    edit_spec(w, N, "image", json_string("flink:1.20.1"));
    char path[160];
    snprintf(path, sizeof path, "POST /jobs/%s/stop", st_str(w, N, "jobStatus.jobId"));
    fake_flink_answer(&w->flink, path, json_pack("{s:s}", "request-id", "echoed"));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_str_eq(res.action, "STOP_SAVEPOINT");
    ck_assert_int_eq(posts(w, "/savepoints"), 0);
    fake_world_free(w);
}
END_TEST

/* The answer to the trigger never came: the next pass asks Flink about the trigger id, and
 * sends the same id again when Flink does not know it (rest_v1_dispatcher: TriggerId). */
START_TEST(a_lost_trigger_answer_sends_the_same_trigger_id_again)
{
    fake_world *w = running_world();
    edit_spec(w, N, "job.savepointTriggerNonce", json_integer(5));
    snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "POST /jobs/");
    w->flink.lose_times = 1;
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    const char *tid = st_str(w, N, "jobStatus.savepointInfo.triggerId");
    ck_assert_ptr_nonnull(tid);
    char first[33];
    snprintf(first, sizeof first, "%s", tid);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK); /* GET: 404 from the fake, the job runs */
    ck_assert_int_eq(posts(w, "/savepoints"), 2);
    json_t *body = json_array_get(w->flink.bodies, w->flink.ncalls - 1);
    ck_assert_str_eq(fo_json_str(body, "triggerId"), first);
    ck_assert_str_eq(st_str(w, N, "jobStatus.savepointInfo.triggerId"), first);
    ck_assert_int_eq(fake_events_count(&w->events, "SavepointError"), 0);
    fake_world_free(w);
}
END_TEST

/* Flink keeps a finished operation's result for rest.async.store-duration (5 min by default)
 * and then forgets its trigger id: the same id sent again is a new savepoint. A controller
 * back after a longer outage finds the savepoint in the job's checkpoint statistics (a
 * savepoint triggered since the intent) instead of taking a second one. */
START_TEST(a_savepoint_flink_forgot_after_an_outage_is_found_not_taken_again)
{
    fake_world *w = running_world();
    edit_spec(w, N, "job.savepointTriggerNonce", json_integer(11));
    int64_t t0 = fo_clock_now_ms(w->clock);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(posts(w, "/savepoints"), 1);

    /* The controller is away for 6 min: the savepoint completed and Flink forgot the id. */
    size_t len = 0;
    char *text = fo_test_read_data("flink-checkpoints.json", &len);
    json_t *stats = json_loadb(text, len, 0, NULL);
    free(text);
    json_t *sp = (json_t *)fo_json_get(stats, "latest.savepoint");
    json_object_set_new(sp, "trigger_timestamp", json_integer(t0 + 1000));
    json_object_set_new(sp, "external_path", json_string(LOCATION));
    char key[160];
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", st_str(w, N, "jobStatus.jobId"));
    fake_flink_answer(&w->flink, key, stats);
    fo_clock_fake_advance(w->clock, 6 * 60 * 1000);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK); /* GET the trigger: 404, the job runs */
    ck_assert_int_eq(posts(w, "/savepoints"), 1);
    ck_assert_str_eq(st_str(w, N, "jobStatus.savepointInfo.lastSavepoint.location"), LOCATION);
    ck_assert_int_eq(st_int(w, "jobStatus.savepointInfo.lastSavepoint.triggerNonce"), 11);
    ck_assert_int_eq(json_integer_value(recorded_nonce(w)), 11);
    ck_assert_ptr_null(st_str(w, N, "jobStatus.savepointInfo.triggerId"));
    fake_world_free(w);
}
END_TEST

/* Flink does not know the trigger and no savepoint came since: one the controller sent more
 * than the savepoint timeout ago is not sent again (a try then would be timed out while it
 * runs, its savepoint never recorded): it failed. */
START_TEST(a_forgotten_trigger_past_the_timeout_is_failed_not_sent_again)
{
    fake_world *w = running_world();
    edit_spec(w, N, "job.savepointTriggerNonce", json_integer(12));
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(posts(w, "/savepoints"), 1);
    fo_clock_fake_advance(w->clock, 11 * 60 * 1000);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK); /* no statistics answer: nothing found */
    ck_assert_int_eq(posts(w, "/savepoints"), 1);
    ck_assert_int_eq(fake_events_count(&w->events, "SavepointError"), 1);
    ck_assert_ptr_null(st_str(w, N, "jobStatus.savepointInfo.triggerId"));
    ck_assert_int_eq(json_integer_value(recorded_nonce(w)), 12); /* past the grace period */
    fake_world_free(w);
}
END_TEST

/* ---- periodic savepoints ---- */

static void set_conf(fake_world *w, const char *key, const char *value)
{
    json_t *fc = (json_t *)fo_json_get(json_object_get(fd(w, N), "spec"), "flinkConfiguration");
    json_object_set_new(fc, key, json_string(value));
    edit_spec(w, N, "job.parallelism", json_integer(2)); /* the same value: a new generation */
}

static int64_t st_int(fake_world *w, const char *path)
{
    int64_t v = -1;
    fo_json_get_int(json_object_get(fd(w, N), "status"), path, &v);
    return v;
}

#define HOUR (3600LL * 1000)
#define PERIODIC "kubernetes.operator.periodic.savepoint.interval"

/* SnapshotUtils.shouldTriggerIntervalBasedSnapshot: an interval after the last periodic
 * trigger, else after the resource's creation; SavepointInfo.updateLastSavepoint records
 * lastPeriodicSavepointTimestamp. */
START_TEST(a_periodic_savepoint_is_taken_each_interval)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    char created[64];
    fo_clock_format_rfc3339(fo_clock_now_ms(w->clock), false, created, sizeof created);
    json_object_set_new(json_object_get(fd(w, N), "metadata"), "creationTimestamp",
                        json_string(created));
    json_object_set_new((json_t *)fo_json_get(fd(w, N), "spec.flinkConfiguration"), PERIODIC,
                        json_string("1 h"));
    until_stable(w, N);
    answer_trigger(w);
    ck_assert_int_eq(posts(w, "/savepoints"), 0);
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_int_eq(posts(w, "/savepoints"), 0);
    ck_assert_int_gt(res.requeue_after_ms, 0); /* no later than the observe interval */

    fo_clock_fake_advance(w->clock, HOUR + 1);
    int64_t t1 = fo_clock_now_ms(w->clock);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_str_eq(res.action, "TRIGGER_SAVEPOINT");
    ck_assert_int_eq(posts(w, "/savepoints"), 1);
    ck_assert_str_eq(st_str(w, N, "jobStatus.savepointInfo.triggerType"), "PERIODIC");
    ck_assert_int_eq(st_int(w, "jobStatus.savepointInfo.lastPeriodicSavepointTimestamp"), t1);
    answer_status(w, json_pack("{s:{s:s}, s:{s:s}}", "status", "id", "COMPLETED", "operation",
                               "location", LOCATION));
    fo_clock_fake_advance(w->clock, 5000);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_str_eq(st_str(w, N, "jobStatus.savepointInfo.lastSavepoint.triggerType"), "PERIODIC");
    ck_assert_ptr_null(fo_json_get(json_object_get(fd(w, N), "status"),
                                   "jobStatus.savepointInfo.lastSavepoint.triggerNonce"));
    ck_assert_int_eq(st_int(w, "jobStatus.savepointInfo.lastSavepoint.timeStamp"), t1);
    ck_assert_int_eq(st_int(w, "jobStatus.savepointInfo.lastPeriodicSavepointTimestamp"), t1);
    ck_assert_ptr_null(st_str(w, N, "jobStatus.savepointInfo.triggerId"));

    /* The next one an hour after the first trigger, not before. */
    fo_clock_fake_advance(w->clock, HOUR - 5000);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_int_eq(posts(w, "/savepoints"), 1);
    ck_assert_int_eq(res.requeue_after_ms, 1);
    fo_clock_fake_advance(w->clock, 1);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_int_eq(posts(w, "/savepoints"), 2);

    /* A failed one is reported, and the next comes an interval after it. */
    answer_status(w, failed_answer());
    fo_clock_fake_advance(w->clock, 5000);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_int_eq(fake_events_count(&w->events, "SavepointError"), 1);
    ck_assert_ptr_null(st_str(w, N, "jobStatus.savepointInfo.triggerType"));
    fo_clock_fake_advance(w->clock, 15000);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_int_eq(posts(w, "/savepoints"), 2);
    fo_clock_fake_advance(w->clock, HOUR);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_int_eq(posts(w, "/savepoints"), 3);
    fake_world_free(w);
}
END_TEST

/* An interval a Flink duration can hold but no clock reaches (Long.MAX_VALUE ms): never due,
 * and no arithmetic on it may overflow (the pass is requeued as usual). */
START_TEST(a_periodic_interval_too_long_for_the_clock_takes_no_savepoint)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    char created[64];
    fo_clock_format_rfc3339(fo_clock_now_ms(w->clock), false, created, sizeof created);
    json_object_set_new(json_object_get(fd(w, N), "metadata"), "creationTimestamp",
                        json_string(created));
    json_object_set_new((json_t *)fo_json_get(fd(w, N), "spec.flinkConfiguration"), PERIODIC,
                        json_string("9223372036854775807 ms"));
    until_stable(w, N);
    answer_trigger(w);
    fo_reconcile_result res;
    for (int i = 0; i < 2; i++) {
        fo_clock_fake_advance(w->clock, 24 * HOUR);
        ck_assert_int_eq(pass(w, N, &res), FO_OK);
        ck_assert_str_eq(res.action, "CONVERGE");
        ck_assert_int_gt(res.requeue_after_ms, 0);
        ck_assert_int_le(res.requeue_after_ms, w->settings.observe_interval_ms);
    }
    ck_assert_int_eq(posts(w, "/savepoints"), 0);
    fake_world_free(w);
}
END_TEST

static int cron_warnings(fake_world *w)
{
    int n = 0;
    for (size_t i = 0; i < w->events.n; i++)
        n += strcmp(w->events.ev[i].reason, "SavepointError") == 0 &&
             strstr(w->events.ev[i].message, PERIODIC) != NULL;
    return n;
}

/* Told once for each spec, also when the spec comes with the resource (its first deploy
 * observes it) and when the generation waits passes long for an upgrade's savepoint. */
START_TEST(a_cron_interval_is_told_once_from_the_first_deploy_and_through_an_upgrade)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    json_object_set_new((json_t *)fo_json_get(fd(w, N), "spec.flinkConfiguration"), PERIODIC,
                        json_string("0 0 * * * ?"));
    until_stable(w, N);
    for (int i = 0; i < 3; i++) {
        fo_clock_fake_advance(w->clock, 15000);
        ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    }
    ck_assert_int_eq(cron_warnings(w), 1);

    /* An upgrade whose stop-with-savepoint takes a while: passes that wait tell nothing. */
    char path[160];
    snprintf(path, sizeof path, "POST /jobs/%s/stop", st_str(w, N, "jobStatus.jobId"));
    fake_flink_answer(&w->flink, path, json_pack("{s:s}", "request-id", "echoed"));
    edit_spec(w, N, "image", json_string("flink:1.20.1"));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_str_eq(res.action, "STOP_SAVEPOINT");
    answer_status(w, json_pack("{s:{s:s}}", "status", "id", "IN_PROGRESS"));
    for (int i = 0; i < 6; i++) {
        fo_clock_fake_advance(w->clock, 5000);
        ck_assert_int_eq(pass(w, N, &res), FO_OK);
        ck_assert_str_eq(res.action, "AWAIT_SAVEPOINT");
    }
    ck_assert_int_eq(cron_warnings(w), 1);
    answer_status(w, json_pack("{s:{s:s}, s:{s:s}}", "status", "id", "COMPLETED", "operation",
                               "location", LOCATION));
    flink_job(w, N, "FINISHED");
    for (int i = 0; i < 8; i++) {
        fo_clock_fake_advance(w->clock, 5000);
        ck_assert_int_eq(pass(w, N, &res), FO_OK);
        if (owned(w, FO_CTL_DEPLOYMENT, N)) {
            jm_available(w, N);
            flink_job(w, N, "RUNNING");
        }
    }
    ck_assert_str_eq(st_str(w, N, "lifecycleState"), "STABLE");
    ck_assert_int_eq(cron_warnings(w), 2);
    fake_world_free(w);
}
END_TEST

START_TEST(a_cron_interval_is_refused_with_a_warning_naming_the_key)
{
    fake_world *w = running_world();
    set_conf(w, PERIODIC, "0 0 * * * ?");
    for (int i = 0; i < 4; i++) {
        fo_clock_fake_advance(w->clock, 24 * HOUR);
        ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    }
    ck_assert_int_eq(posts(w, "/savepoints"), 0);
    ck_assert_int_eq(fake_events_count(&w->events, "SavepointError"), 1);
    bool named = false;
    for (size_t i = 0; i < w->events.n; i++) {
        const char *msg = w->events.ev[i].message;
        named = named || (strstr(msg, PERIODIC) && strstr(msg, "0 0 * * * ?"));
    }
    ck_assert_msg(named, "no Warning names the key and its value");
    fake_world_free(w);
}
END_TEST

/* ---- history retention (cleanupSavepointHistoryLegacy) ---- */

static void put_history(fake_world *w, const int64_t *ages_h, size_t n)
{
    json_t *hist = json_array();
    int64_t now = fo_clock_now_ms(w->clock);
    for (size_t i = 0; i < n; i++) {
        char loc[64];
        snprintf(loc, sizeof loc, "s3://bucket/savepoints/sp-%zu", i);
        json_array_append_new(hist, json_pack("{s:I, s:s, s:s, s:s}", "timeStamp",
                                              (json_int_t)(now - ages_h[i] * HOUR), "location", loc,
                                              "triggerType", "UPGRADE", "formatType", "CANONICAL"));
    }
    json_t *si = fo_json_ensure_object(
        fo_json_ensure_object(fo_json_ensure_object(fd(w, N), "status"), "jobStatus"),
        "savepointInfo");
    json_object_set(si, "lastSavepoint", json_array_get(hist, n - 1));
    json_object_set_new(si, "savepointHistory", hist);
}

static const char *history_location(fake_world *w, size_t i)
{
    const json_t *h = fo_json_get(json_object_get(fd(w, N), "status"),
                                  "jobStatus.savepointInfo.savepointHistory");
    return fo_json_str(json_array_get(h, i), "location");
}

#define CLEANUP "kubernetes.operator.savepoint.cleanup.enabled"

/* With savepoint.cleanup.enabled false, entries leave the status only. */
START_TEST(the_history_keeps_max_count_and_max_age_and_always_the_newest)
{
    fake_world *w = running_world();
    set_conf(w, CLEANUP, "false");
    /* 12 entries, 36 h old to 3 h old, 3 h apart: max.count 10 drops sp-0 and sp-1, max.age
     * 24 h then sp-2 (30 h) and sp-3 (27 h); sp-4 (24 h, not older) stays. */
    int64_t ages[12];
    for (int i = 0; i < 12; i++)
        ages[i] = 36 - 3 * i;
    put_history(w, ages, 12);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    const json_t *h = fo_json_get(json_object_get(fd(w, N), "status"),
                                  "jobStatus.savepointInfo.savepointHistory");
    ck_assert_uint_eq(json_array_size(h), 8);
    ck_assert_str_eq(history_location(w, 0), "s3://bucket/savepoints/sp-4");
    ck_assert_str_eq(history_location(w, 7), "s3://bucket/savepoints/sp-11");
    ck_assert_int_eq(posts(w, "/savepoint-disposal"), 0);

    /* All of them old: the newest stays. And the resource's own limits. */
    int64_t old[3] = {72, 60, 48};
    put_history(w, old, 3);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    h = fo_json_get(json_object_get(fd(w, N), "status"),
                    "jobStatus.savepointInfo.savepointHistory");
    ck_assert_uint_eq(json_array_size(h), 1);
    ck_assert_str_eq(history_location(w, 0), "s3://bucket/savepoints/sp-2");
    int64_t recent[4] = {4, 3, 2, 1};
    put_history(w, recent, 4);
    set_conf(w, "kubernetes.operator.savepoint.history.max.count", "2");
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    h = fo_json_get(json_object_get(fd(w, N), "status"),
                    "jobStatus.savepointInfo.savepointHistory");
    ck_assert_uint_eq(json_array_size(h), 2);
    ck_assert_str_eq(history_location(w, 0), "s3://bucket/savepoints/sp-2");
    set_conf(w, "kubernetes.operator.savepoint.history.max.age", "90 min");
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    h = fo_json_get(json_object_get(fd(w, N), "status"),
                    "jobStatus.savepointInfo.savepointHistory");
    ck_assert_uint_eq(json_array_size(h), 1);
    ck_assert_str_eq(history_location(w, 0), "s3://bucket/savepoints/sp-3");
    fake_world_free(w);
}
END_TEST

static size_t history_size(fake_world *w)
{
    return json_array_size(fo_json_get(json_object_get(fd(w, N), "status"),
                                       "jobStatus.savepointInfo.savepointHistory"));
}

/* Apache (SnapshotObserver.getMaxCountForSnapshotType) keeps at least one: a count of zero or
 * below keeps only the newest entry. */
START_TEST(a_max_count_below_one_keeps_the_newest_entry_only)
{
    fake_world *w = running_world();
    set_conf(w, CLEANUP, "false");
    int64_t recent[4] = {4, 3, 2, 1};
    put_history(w, recent, 4);
    set_conf(w, "kubernetes.operator.savepoint.history.max.count", "-1");
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_msg(history_size(w) == 1, "max.count -1 kept %zu entries, not 1", history_size(w));
    ck_assert_str_eq(history_location(w, 0), "s3://bucket/savepoints/sp-3");
    put_history(w, recent, 4);
    set_conf(w, "kubernetes.operator.savepoint.history.max.count", "0");
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_uint_eq(history_size(w), 1);
    fake_world_free(w);
}
END_TEST

/* ---- disposal (savepoint.cleanup.enabled; by default where Apache disposed) ---- */

#define SNAPSHOT_RESOURCES "kubernetes.operator.snapshot.resource.enabled"

#define DISPOSAL_TRIGGER_1 "d15905a1d15905a1d15905a1d15905a1"
#define DISPOSAL_TRIGGER_2 "0000000000000000000000000000d150"

/* Flink's answers (rest_v1_dispatcher: TriggerResponse, AsynchronousOperationResult). */
static void answer_disposal_trigger(fake_world *w, const char *tid)
{
    fake_flink_answer(&w->flink, "POST /savepoint-disposal", json_pack("{s:s}", "request-id", tid));
}

static void answer_disposal(fake_world *w, const char *tid, json_t *answer)
{
    char path[128];
    snprintf(path, sizeof path, "GET /savepoint-disposal/%s", tid);
    fake_flink_answer(&w->flink, path, answer);
}

static json_t *disposal_done(void)
{
    return json_pack("{s:{s:s}, s:{}}", "status", "id", "COMPLETED", "operation");
}

/* Dispatcher.disposeSavepoint's failure: a FlinkException around Checkpoints' cause, carried by
 * the CompletionException of the future (SerializedThrowable: class, stack-trace). */
static json_t *disposal_failed_with(const char *path, const char *cause)
{
    char trace[1024];
    snprintf(trace, sizeof trace,
             "java.util.concurrent.CompletionException: org.apache.flink.util.FlinkException: "
             "Could not dispose savepoint %s.\n\tat java.base/java.util.concurrent."
             "CompletableFuture.encodeThrowable(CompletableFuture.java:315)\n"
             "Caused by: org.apache.flink.util.FlinkException: Could not dispose savepoint %s.\n"
             "\tat org.apache.flink.runtime.dispatcher.Dispatcher.lambda$disposeSavepoint\n"
             "Caused by: %s\n\tat org.apache.flink.runtime.checkpoint.Checkpoints."
             "disposeSavepoint(Checkpoints.java:384)\n",
             path, path, cause);
    return json_pack("{s:{s:s}, s:{s:{s:s, s:s}}}", "status", "id", "COMPLETED", "operation",
                     "failure-cause", "class", "java.util.concurrent.CompletionException",
                     "stack-trace", trace);
}

/* The savepoint-path of each POST /savepoint-disposal sent, in order, into paths (at most 16);
 * the count. */
static size_t disposal_posts(fake_world *w, const char *paths[16])
{
    size_t n = 0;
    for (size_t i = 0; i < w->flink.ncalls && n < 16; i++)
        if (strcmp(w->flink.calls[i], "POST /savepoint-disposal") == 0)
            paths[n++] = fo_json_str(json_array_get(w->flink.bodies, i), "savepoint-path");
    return n;
}

/* GET /jobs/:id/checkpoints of the running job (rest_v1_dispatcher CheckpointingStatistics):
 * restored from `restored` (NULL: not restored), and its latest completed checkpoint
 * `completed` (NULL: none since the start). */
static void answer_checkpoints(fake_world *w, const char *restored, const char *completed)
{
    char path[160];
    snprintf(path, sizeof path, "GET /jobs/%s/checkpoints", st_str(w, N, "jobStatus.jobId"));
    json_t *latest = json_object();
    if (restored)
        json_object_set_new(latest, "restored",
                            json_pack("{s:I, s:I, s:b, s:s}", "id", (json_int_t)3,
                                      "restore_timestamp", (json_int_t)1000, "is_savepoint", 1,
                                      "external_path", restored));
    if (completed)
        json_object_set_new(latest, "completed",
                            json_pack("{s:I, s:s, s:b, s:s, s:s}", "id", (json_int_t)9, "status",
                                      "COMPLETED", "is_savepoint", 0, "checkpoint_type",
                                      "CHECKPOINT", "external_path", completed));
    fake_flink_answer(&w->flink, path,
                      json_pack("{s:{s:i, s:i, s:i, s:i, s:i}, s:o, s:[]}", "counts", "restored",
                                restored ? 1 : 0, "total", completed ? 1 : 0, "in_progress", 0,
                                "completed", completed ? 1 : 0, "failed", 0, "latest", latest,
                                "history"));
}

/* A running world on Apache's legacy status path (disposal by default), whose job was started
 * from no savepoint and has a checkpoint completed. */
static fake_world *disposal_world(void)
{
    fake_world *w = running_world();
    set_conf(w, SNAPSHOT_RESOURCES, "false");
    answer_checkpoints(w, NULL, "s3://bucket/checkpoints/job/chk-9");
    return w;
}

/* The location of the disposal under way on record (status.clusterInfo), or NULL. */
static const char *disposal_intent(fake_world *w)
{
    const json_t *ci = fo_json_get(json_object_get(fd(w, N), "status"), "clusterInfo");
    return fo_json_str(ci, "savepoint-disposal.location");
}

static bool in_history(fake_world *w, const char *location)
{
    for (size_t i = 0; i < history_size(w); i++)
        if (strcmp(history_location(w, i), location) == 0)
            return true;
    return false;
}

/* Unset, savepoint.cleanup.enabled does what the Apache operator did with the same
 * configuration: with its default FlinkStateSnapshot resources the data of old snapshots was
 * kept (dispose-on-delete false), on its legacy path (snapshot.resource.enabled false) it was
 * disposed of. A resource moving from a default Apache install must not lose savepoint data. */
START_TEST(cleanup_by_default_follows_what_apache_did_with_the_configuration)
{
    static const struct {
        const char *resources, *cleanup;
        bool disposes;
    } cases[] = {
        {NULL, NULL, false},     /* Apache's default: snapshot resources, data kept */
        {"true", NULL, false},   /* the same, said */
        {"false", NULL, true},   /* the legacy path: disposed of */
        {NULL, "true", true},    /* asked for */
        {"false", "false", false},
        {"false", "yes please", true}, /* not a boolean: the default of the configuration */
        {NULL, "yes please", false},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        fake_world *w = running_world();
        answer_checkpoints(w, NULL, "s3://bucket/checkpoints/job/chk-9");
        if (cases[c].resources)
            set_conf(w, SNAPSHOT_RESOURCES, cases[c].resources);
        if (cases[c].cleanup)
            set_conf(w, CLEANUP, cases[c].cleanup);
        int64_t recent[3] = {3, 2, 1};
        put_history(w, recent, 3);
        set_conf(w, "kubernetes.operator.savepoint.history.max.count", "2");
        ck_assert_int_eq(pass(w, N, NULL), FO_OK); /* records the spec */
        answer_disposal_trigger(w, DISPOSAL_TRIGGER_1);
        answer_disposal(w, DISPOSAL_TRIGGER_1,
                        json_pack("{s:{s:s}}", "status", "id", "IN_PROGRESS"));
        ck_assert_int_eq(pass(w, N, NULL), FO_OK);
        ck_assert_int_eq(pass(w, N, NULL), FO_OK);
        const char *paths[16];
        size_t posts = disposal_posts(w, paths);
        const char *r = cases[c].resources ? cases[c].resources : "unset";
        const char *k = cases[c].cleanup ? cases[c].cleanup : "unset";
        ck_assert_msg(posts == (cases[c].disposes ? 1 : 0),
                      "resources %s, cleanup %s: %zu disposal(s) sent", r, k, posts);
        /* kept data or not, sp-0 is over max.count: it stays listed only while disposed of */
        ck_assert_msg(in_history(w, "s3://bucket/savepoints/sp-0") == cases[c].disposes,
                      "resources %s, cleanup %s: sp-0 %s the history", r, k,
                      cases[c].disposes ? "left" : "stayed in");
        fake_world_free(w);
    }
}
END_TEST

/* FLINK-39439: Apache removed entries before their disposal succeeded. An entry leaving the
 * history (max.count 2 of 4 here) is disposed of through Flink, oldest first, one at a time,
 * and leaves the status only once Flink reports the disposal COMPLETED. */
START_TEST(an_entry_leaves_the_history_only_once_flink_disposed_of_it)
{
    fake_world *w = disposal_world(); /* the legacy path: disposal by default */
    int64_t recent[4] = {4, 3, 2, 1};
    put_history(w, recent, 4);
    set_conf(w, "kubernetes.operator.savepoint.history.max.count", "2");
    ck_assert_int_eq(pass(w, N, NULL), FO_OK); /* records the spec */
    answer_disposal_trigger(w, DISPOSAL_TRIGGER_1);
    answer_disposal(w, DISPOSAL_TRIGGER_1, json_pack("{s:{s:s}}", "status", "id", "IN_PROGRESS"));
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    const char *paths[16];
    ck_assert_uint_eq(disposal_posts(w, paths), 1);
    ck_assert_str_eq(paths[0], "s3://bucket/savepoints/sp-0");
    ck_assert_msg(in_history(w, "s3://bucket/savepoints/sp-0"),
                  "sp-0 left the history before Flink disposed of it");
    ck_assert_uint_eq(history_size(w), 4);
    /* the disposal under way is on record: which path, under which trigger */
    ck_assert_str_eq(disposal_intent(w),
                     "s3://bucket/savepoints/sp-0");

    ck_assert_int_eq(pass(w, N, NULL), FO_OK); /* still IN_PROGRESS */
    ck_assert_uint_eq(disposal_posts(w, paths), 1);
    ck_assert_uint_eq(history_size(w), 4);

    answer_disposal(w, DISPOSAL_TRIGGER_1, disposal_done());
    answer_disposal_trigger(w, DISPOSAL_TRIGGER_2);
    answer_disposal(w, DISPOSAL_TRIGGER_2, disposal_done());
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_msg(!in_history(w, "s3://bucket/savepoints/sp-0"), "sp-0 disposed of, still listed");
    ck_assert_uint_eq(disposal_posts(w, paths), 2);
    ck_assert_str_eq(paths[1], "s3://bucket/savepoints/sp-1");
    ck_assert(in_history(w, "s3://bucket/savepoints/sp-1"));
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_uint_eq(history_size(w), 2);
    ck_assert_str_eq(history_location(w, 0), "s3://bucket/savepoints/sp-2");
    ck_assert_ptr_null(disposal_intent(w));
    ck_assert_int_eq(pass(w, N, NULL), FO_OK); /* settled: nothing more is sent */
    ck_assert_uint_eq(disposal_posts(w, paths), 2);
    ck_assert_int_eq(fake_events_count(&w->events, "SavepointError"), 0);
    fake_world_free(w);
}
END_TEST

/* A disposal Flink reports failed for another reason than a missing savepoint (the file system
 * cannot be reached) keeps its entry, tells a Warning, and is tried again at a later pass. */
START_TEST(a_failed_disposal_keeps_the_entry_warns_and_is_tried_again)
{
    fake_world *w = disposal_world(); /* the legacy path: disposal by default */
    int64_t recent[3] = {3, 2, 1};
    put_history(w, recent, 3);
    set_conf(w, "kubernetes.operator.savepoint.history.max.count", "2");
    ck_assert_int_eq(pass(w, N, NULL), FO_OK); /* records the spec */
    answer_disposal_trigger(w, DISPOSAL_TRIGGER_1);
    answer_disposal(w, DISPOSAL_TRIGGER_1,
                    disposal_failed_with("s3://bucket/savepoints/sp-0",
                                         "java.io.IOException: Cannot access file system for "
                                         "checkpoint/savepoint path "
                                         "'s3://bucket/savepoints/sp-0'."));
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_msg(in_history(w, "s3://bucket/savepoints/sp-0"), "a failed disposal lost its entry");
    ck_assert_int_eq(fake_events_count(&w->events, "SavepointError"), 1);
    /* the Warning names the savepoint and Flink's innermost cause, not its wrapper */
    const char *told = NULL;
    for (size_t i = 0; i < w->events.n; i++)
        if (strcmp(w->events.ev[i].reason, "SavepointError") == 0)
            told = w->events.ev[i].message;
    ck_assert_msg(strstr(told, "s3://bucket/savepoints/sp-0") &&
                      strstr(told, "(java.io.IOException: Cannot access file system"),
                  "%s", told);
    const char *paths[16];
    /* not sent again before the wait after a first failure, the observe interval */
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_msg(disposal_posts(w, paths) == 1, "the failed disposal was sent again at once");
    fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_msg(disposal_posts(w, paths) == 2, "the failed disposal was sent %zu times, not 2",
                  disposal_posts(w, paths));
    ck_assert_str_eq(paths[1], "s3://bucket/savepoints/sp-0");
    answer_disposal(w, DISPOSAL_TRIGGER_1, disposal_done());
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_uint_eq(history_size(w), 2);
    ck_assert_str_eq(history_location(w, 0), "s3://bucket/savepoints/sp-1");
    fake_world_free(w);
}
END_TEST

/* Flink's Checkpoints.disposeSavepoint finds nothing at the path (java.io.FileNotFoundException
 * "Cannot find checkpoint or savepoint file/directory"): the savepoint is gone already, so its
 * entry leaves without a Warning. */
START_TEST(a_savepoint_flink_cannot_find_leaves_the_history)
{
    fake_world *w = disposal_world(); /* the legacy path: disposal by default */
    int64_t recent[3] = {3, 2, 1};
    put_history(w, recent, 3);
    set_conf(w, "kubernetes.operator.savepoint.history.max.count", "2");
    ck_assert_int_eq(pass(w, N, NULL), FO_OK); /* records the spec */
    answer_disposal_trigger(w, DISPOSAL_TRIGGER_1);
    answer_disposal(w, DISPOSAL_TRIGGER_1,
                    disposal_failed_with("s3://bucket/savepoints/sp-0",
                                         "java.io.FileNotFoundException: Cannot find checkpoint "
                                         "or savepoint file/directory "
                                         "'s3://bucket/savepoints/sp-0' on file system 's3'."));
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_uint_eq(history_size(w), 2);
    ck_assert_str_eq(history_location(w, 0), "s3://bucket/savepoints/sp-1");
    ck_assert_int_eq(fake_events_count(&w->events, "SavepointError"), 0);
    fake_world_free(w);
}
END_TEST

/* The path the next deployment restores from (upgradeSavepointPath) is never disposed of,
 * whatever the history settings say: it stays in the history, the next one goes. And the
 * newest entry (lastSavepoint) stays however old it is. */
START_TEST(a_restore_source_is_never_disposed_of)
{
    fake_world *w = disposal_world(); /* the legacy path: disposal by default */
    int64_t ages[3] = {72, 60, 48};
    put_history(w, ages, 3);
    json_object_set_new(json_object_get(json_object_get(fd(w, N), "status"), "jobStatus"),
                        "upgradeSavepointPath", json_string("s3://bucket/savepoints/sp-0"));
    answer_disposal_trigger(w, DISPOSAL_TRIGGER_1);
    answer_disposal(w, DISPOSAL_TRIGGER_1, disposal_done());
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    const char *paths[16];
    size_t n = disposal_posts(w, paths);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(strcmp(paths[i], "s3://bucket/savepoints/sp-1") == 0,
                      "%s was disposed of", paths[i]);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(history_size(w), 2);
    ck_assert_str_eq(history_location(w, 0), "s3://bucket/savepoints/sp-0");
    ck_assert_str_eq(history_location(w, 1), "s3://bucket/savepoints/sp-2");
    fake_world_free(w);
}
END_TEST

/* The location of history entry i becomes loc (lastSavepoint too when i is the newest). */
static void set_history_location(fake_world *w, size_t i, const char *loc)
{
    json_t *si = (json_t *)fo_json_get(json_object_get(fd(w, N), "status"),
                                       "jobStatus.savepointInfo");
    json_t *h = json_object_get(si, "savepointHistory");
    json_object_set_new(json_array_get(h, i), "location", json_string(loc));
    if (i + 1 == json_array_size(h))
        json_object_set(si, "lastSavepoint", json_array_get(h, i));
}

/* Passes with every disposal answered done; the paths sent, in paths (count returned). */
static size_t passes_disposing(fake_world *w, int n, const char *paths[16])
{
    answer_disposal_trigger(w, DISPOSAL_TRIGGER_1);
    answer_disposal(w, DISPOSAL_TRIGGER_1, disposal_done());
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    return disposal_posts(w, paths);
}

/* A restore source is the same savepoint however its path is spelled. Flink's Path drops a
 * trailing slash and doubled slashes and writes an empty authority as "file:/x" (the location
 * a local savepoint is reported at, while users write "file:///x"); a pointer may name the
 * savepoint's _metadata file (AbstractFsCheckpointStorageAccess.resolveCheckpointPointer: its
 * directory is the savepoint); and Flink's S3 file systems serve the same buckets under s3://,
 * s3a:// and s3p:// (docs: "Amazon S3"). Such a path is never disposed of. */
START_TEST(a_restore_source_spelled_otherwise_is_never_disposed_of)
{
    static const struct {
        const char *history, *field, *restore;
    } cases[] = {
        {NULL, "initialSavepointPath", "s3://bucket/savepoints/sp-0/"},
        {NULL, "initialSavepointPath", "s3://bucket//savepoints/sp-0"},
        {NULL, "initialSavepointPath", "s3://bucket/savepoints/sp-0/_metadata"},
        {NULL, "initialSavepointPath", "s3a://bucket/savepoints/sp-0"},
        {"file:/flink-data/savepoints/sp-0", "initialSavepointPath",
         "file:///flink-data/savepoints/sp-0"},
        {"file:/flink-data/savepoints/sp-0", "upgradeSavepointPath",
         "file:///flink-data/savepoints/sp-0/"},
        {NULL, "upgradeSavepointPath", "s3://bucket/savepoints/sp-0/"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        fake_world *w = disposal_world(); /* the legacy path: disposal by default */
        int64_t recent[3] = {3, 2, 1};
        put_history(w, recent, 3);
        if (cases[c].history)
            set_history_location(w, 0, cases[c].history);
        set_conf(w, "kubernetes.operator.savepoint.history.max.count", "2");
        if (strcmp(cases[c].field, "initialSavepointPath") == 0)
            edit_spec(w, N, "job.initialSavepointPath", json_string(cases[c].restore));
        else
            json_object_set_new(
                json_object_get(json_object_get(fd(w, N), "status"), "jobStatus"),
                "upgradeSavepointPath", json_string(cases[c].restore));
        const char *paths[16];
        size_t n = passes_disposing(w, 4, paths);
        ck_assert_msg(n == 0, "%s %s: %s disposed of", cases[c].field, cases[c].restore,
                      n ? paths[0] : "");
        ck_assert_uint_eq(history_size(w), 3);
        fake_world_free(w);
    }
}
END_TEST

/* One savepoint listed twice (an old entry and one the limits keep): the old entry leaves the
 * history, but the data the other one lists stays, and so does that entry. */
START_TEST(a_savepoint_an_entry_that_stays_lists_is_not_disposed_of)
{
    fake_world *w = disposal_world(); /* the legacy path: disposal by default */
    int64_t recent[4] = {4, 3, 2, 1};
    put_history(w, recent, 4);
    set_history_location(w, 2, "s3://bucket/savepoints/sp-0");
    set_conf(w, "kubernetes.operator.savepoint.history.max.count", "3");
    const char *paths[16];
    size_t n = passes_disposing(w, 4, paths);
    ck_assert_msg(n == 0, "%s disposed of while an entry kept lists it", n ? paths[0] : "");
    ck_assert_msg(in_history(w, "s3://bucket/savepoints/sp-0"), "the entry kept was dropped");
    ck_assert_uint_eq(history_size(w), 3);
    ck_assert_str_eq(history_location(w, 0), "s3://bucket/savepoints/sp-1");
    ck_assert_str_eq(history_location(w, 1), "s3://bucket/savepoints/sp-0");
    fake_world_free(w);
}
END_TEST

/* Only Flink's own "nothing there" reads as gone: resolveCheckpointPointer's two
 * FileNotFoundExceptions, the innermost cause of the Dispatcher's failure. A _metadata file the
 * JobManager may not read fails in java.io.FileInputStream with a FileNotFoundException
 * "(Permission denied)", and a failure whose FileNotFoundException is only suppressed in it
 * (Checkpoints.disposeSavepoint goes on past a failed delete): the savepoint is still there,
 * so the entry stays, a Warning tells, and it is tried again. */
START_TEST(a_disposal_that_failed_with_the_savepoint_still_there_keeps_the_entry)
{
    static const char *const causes[] = {
        "java.io.FileNotFoundException: /flink-data/savepoints/sp-0/_metadata (Permission "
        "denied)",
        "java.io.IOException: Delete of 's3://bucket/savepoints/sp-0/_metadata' failed: "
        "Access Denied\n\tat org.apache.flink.runtime.state.filesystem.FileStateHandle."
        "discardState(FileStateHandle.java:85)\n\tSuppressed: java.io.FileNotFoundException: "
        "Cannot find checkpoint or savepoint file/directory 's3://bucket/savepoints/sp-0/x'",
    };
    for (size_t c = 0; c < sizeof causes / sizeof *causes; c++) {
        fake_world *w = disposal_world(); /* the legacy path: disposal by default */
        int64_t recent[3] = {3, 2, 1};
        put_history(w, recent, 3);
        set_conf(w, "kubernetes.operator.savepoint.history.max.count", "2");
        ck_assert_int_eq(pass(w, N, NULL), FO_OK); /* records the spec */
        answer_disposal_trigger(w, DISPOSAL_TRIGGER_1);
        answer_disposal(w, DISPOSAL_TRIGGER_1,
                        disposal_failed_with("s3://bucket/savepoints/sp-0", causes[c]));
        ck_assert_int_eq(pass(w, N, NULL), FO_OK);
        ck_assert_int_eq(pass(w, N, NULL), FO_OK);
        ck_assert_msg(in_history(w, "s3://bucket/savepoints/sp-0"),
                      "cause %zu read as gone: the entry of a savepoint still there left", c);
        ck_assert_int_eq(fake_events_count(&w->events, "SavepointError"), 1);
        fake_world_free(w);
    }
}
END_TEST

/* A job restored from savepoint X needs X until a checkpoint completes: on a JobManager
 * failover Flink restores the latest entry of its completed checkpoint store, which X entered
 * at the restore (CheckpointCoordinator.restoreSavepoint), while the savepoints the job takes
 * since do not enter it (FLIP-193). With no checkpoint since, periodic savepoints push X out of
 * the history (a last-state deploy, or a status that no longer names it): X must stay, and the
 * next entry that leaves is disposed of. Flink names X in latest.restored.external_path, spelled
 * its own way; the latest completed checkpoint is kept the same way. */
START_TEST(the_savepoint_the_running_job_recovers_from_is_not_disposed_of)
{
    static const struct {
        const char *restored, *completed;
    } cases[] = {
        {"s3://bucket/savepoints/sp-0", NULL},
        {"s3a://bucket/savepoints/sp-0/_metadata", NULL},
        {"s3://bucket/savepoints/sp-0", "s3://bucket/checkpoints/job/chk-9"},
        {NULL, "s3://bucket/savepoints/sp-0"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        fake_world *w = disposal_world();
        int64_t recent[4] = {4, 3, 2, 1};
        put_history(w, recent, 4);
        set_conf(w, "kubernetes.operator.savepoint.history.max.count", "2");
        answer_checkpoints(w, cases[c].restored, cases[c].completed);
        const char *paths[16];
        size_t n = passes_disposing(w, 6, paths);
        for (size_t i = 0; i < n; i++)
            ck_assert_msg(strcmp(paths[i], "s3://bucket/savepoints/sp-0") != 0,
                          "restored %s, checkpoint %s: s3://bucket/savepoints/sp-0 disposed of",
                          cases[c].restored ? cases[c].restored : "-",
                          cases[c].completed ? cases[c].completed : "-");
        ck_assert_uint_eq(n, 1);
        ck_assert_str_eq(paths[0], "s3://bucket/savepoints/sp-1");
        ck_assert(in_history(w, "s3://bucket/savepoints/sp-0"));
        ck_assert_uint_eq(history_size(w), 3);
        fake_world_free(w);
    }
}
END_TEST

/* When Flink does not say what the running job recovers from (its statistics cannot be read,
 * or it answers "Checkpointing has not been enabled.", CheckpointingStatisticsHandler's 404 for
 * an execution graph without statistics), no disposal starts: the data stays, and the pass
 * after an answer disposes of it. */
START_TEST(nothing_is_disposed_of_while_flink_does_not_say_what_the_job_recovers_from)
{
    for (int c = 0; c < 2; c++) {
        fake_world *w = disposal_world();
        int64_t recent[3] = {3, 2, 1};
        put_history(w, recent, 3);
        set_conf(w, "kubernetes.operator.savepoint.history.max.count", "2");
        char path[160];
        snprintf(path, sizeof path, "GET /jobs/%s/checkpoints", st_str(w, N, "jobStatus.jobId"));
        if (c == 0)
            json_object_del(w->flink.answers, path); /* 404 "Not found" */
        else
            fake_flink_answer(
                &w->flink, path,
                json_pack("{s:[s]}", "errors", "Checkpointing has not been enabled."));
        const char *paths[16];
        size_t n = passes_disposing(w, 4, paths);
        ck_assert_msg(n == 0, "case %d: %s disposed of", c, n ? paths[0] : "");
        ck_assert_uint_eq(history_size(w), 3);
        ck_assert_ptr_null(disposal_intent(w));
        answer_checkpoints(w, NULL, "s3://bucket/checkpoints/job/chk-9");
        n = passes_disposing(w, 3, paths);
        ck_assert_uint_eq(n, 1);
        ck_assert_uint_eq(history_size(w), 2);
        fake_world_free(w);
    }
}
END_TEST

/* A disposal that fails at every try (a bucket policy without delete rights) was sent again at
 * every pass: one request, three status writes and a Warning every 20 s. Each failure of a
 * streak now doubles the wait before the next try, from the observe interval (15 s) to an hour,
 * and a Warning tells the streak's first failure (and the one from which it is tried hourly), so
 * an hour of failures is at most 1 + log2(3600 s / 15 s) = 9 tries, each a request, its status
 * read and 3 writes. The record is in status (each pass here starts from the stored object, as
 * after a restart of the controller), and a disposal that succeeds ends the streak. */
START_TEST(a_disposal_that_keeps_failing_is_tried_after_a_growing_wait)
{
    fake_world *w = disposal_world();
    int64_t recent[3] = {3, 2, 1};
    put_history(w, recent, 3);
    set_conf(w, "kubernetes.operator.savepoint.history.max.count", "2");
    ck_assert_int_eq(pass(w, N, NULL), FO_OK); /* records the spec */
    answer_disposal_trigger(w, DISPOSAL_TRIGGER_1);
    answer_disposal(w, DISPOSAL_TRIGGER_1,
                    disposal_failed_with("s3://bucket/savepoints/sp-0",
                                         "java.nio.file.AccessDeniedException: "
                                         "savepoints/sp-0/_metadata: Access Denied"));
    int writes = w->kube.writes, asked = 0;
    size_t tries = 0;
    const char *paths[16];
    int64_t start = fo_clock_now_ms(w->clock);
    while (fo_clock_now_ms(w->clock) - start < 3600 * 1000LL) {
        fo_reconcile_result res;
        ck_assert_int_eq(pass(w, N, &res), FO_OK);
        fo_clock_fake_advance(w->clock, res.requeue_after_ms > 0 ? res.requeue_after_ms : 1000);
        /* the calls counted, the log emptied (it holds FAKE_MAX_LOG) */
        tries += disposal_posts(w, paths);
        asked += fake_flink_calls(&w->flink, "GET /savepoint-disposal/");
        w->flink.ncalls = 0;
        json_array_clear(w->flink.bodies);
        for (size_t i = 0; i < w->kube.nlog; i++)
            json_decref(w->kube.log[i].body);
        w->kube.nlog = 0;
    }
    int warnings = fake_events_count(&w->events, "SavepointError");
    writes = w->kube.writes - writes;
    ck_assert_msg(tries >= 2 && tries <= 9, "%zu disposal requests in an hour", tries);
    ck_assert_msg(asked <= (int)tries, "%d disposal status reads for %zu requests", asked, tries);
    ck_assert_msg(writes <= 3 * (int)tries, "%d status writes for %zu requests", writes, tries);
    ck_assert_msg(warnings == 1, "%d Warnings in an hour of one failure streak", warnings);
    ck_assert(in_history(w, "s3://bucket/savepoints/sp-0"));
    const json_t *ci = fo_json_get(json_object_get(fd(w, N), "status"), "clusterInfo");
    ck_assert_str_eq(fo_json_str(ci, "savepoint-disposal.failures"), "8");

    /* the policy fixed: the next try succeeds, within the hour the wait has grown to */
    answer_disposal(w, DISPOSAL_TRIGGER_1, disposal_done());
    for (int i = 0; i < 4 && in_history(w, "s3://bucket/savepoints/sp-0"); i++) {
        fo_clock_fake_advance(w->clock, 20 * 60 * 1000LL);
        ck_assert_int_eq(pass(w, N, NULL), FO_OK);
        ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    }
    ck_assert_msg(!in_history(w, "s3://bucket/savepoints/sp-0"), "never tried again");
    ci = fo_json_get(json_object_get(fd(w, N), "status"), "clusterInfo");
    ck_assert_ptr_null(fo_json_str(ci, "savepoint-disposal.failures"));
    ck_assert_ptr_null(fo_json_str(ci, "savepoint-disposal.next-attempt"));
    fake_world_free(w);
}
END_TEST

/* A controller killed before any of its writes, or a disposal whose answer never came back:
 * each entry that leaves is disposed of before it leaves, no entry that stays is disposed of,
 * and the end is the uncrashed run's. A request may go twice only when its trigger id was not
 * on record (Flink draws it): the second finds the savepoint gone. */
static void play_disposals(fake_world *w, size_t *seen, char done[][64], size_t *ndone, int *tid)
{
    for (size_t i = *seen; i < w->flink.ncalls; i++) {
        if (!w->flink.received[i] || strcmp(w->flink.calls[i], "POST /savepoint-disposal") != 0)
            continue;
        const char *path = fo_json_str(json_array_get(w->flink.bodies, i), "savepoint-path");
        char id[33];
        snprintf(id, sizeof id, "%032x", (*tid)++);
        bool twice = false;
        for (size_t k = 0; k < *ndone; k++)
            twice = twice || strcmp(done[k], path) == 0;
        answer_disposal(w, id, twice ? disposal_failed_with(path, "java.io.FileNotFoundException: "
                                                                  "Cannot find checkpoint or "
                                                                  "savepoint file/directory")
                                     : disposal_done());
        if (!twice)
            snprintf(done[(*ndone)++], 64, "%s", path);
    }
    *seen = w->flink.ncalls;
    char next[33];
    snprintf(next, sizeof next, "%032x", *tid);
    answer_disposal_trigger(w, next);
}

static void dispose_with_crash(int crash_at, const char *lose, int *writes, int *posts)
{
    fake_world *w = disposal_world(); /* the legacy path: disposal by default */
    int64_t recent[5] = {5, 4, 3, 2, 1};
    put_history(w, recent, 5);
    set_conf(w, "kubernetes.operator.savepoint.history.max.count", "2");
    int before = w->kube.writes;
    if (crash_at > 0)
        fake_fail_write(&w->kube, crash_at, FO_EUNAVAIL);
    if (lose) {
        snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "%s", lose);
        w->flink.lose_times = 1;
    }
    char done[16][64];
    size_t seen = w->flink.ncalls, ndone = 0;
    int tid = 1;
    play_disposals(w, &seen, done, &ndone, &tid);
    for (int i = 0; i < 12; i++) {
        pass(w, N, NULL);
        /* no entry left before its savepoint was disposed of */
        for (int k = 0; k < 3; k++) {
            char loc[64];
            snprintf(loc, sizeof loc, "s3://bucket/savepoints/sp-%d", k);
            bool disposed = false;
            for (size_t d = 0; d < ndone; d++)
                disposed = disposed || strcmp(done[d], loc) == 0;
            ck_assert_msg(disposed || in_history(w, loc),
                          "crash at write %d: %s left the history undisposed", crash_at, loc);
        }
        play_disposals(w, &seen, done, &ndone, &tid);
    }
    ck_assert_msg(history_size(w) == 2, "crash at write %d: %zu entries at the end", crash_at,
                  history_size(w));
    ck_assert_str_eq(history_location(w, 0), "s3://bucket/savepoints/sp-3");
    ck_assert_msg(ndone == 3, "crash at write %d: %zu savepoints disposed of", crash_at, ndone);
    for (size_t d = 0; d < ndone; d++) {
        char loc[64];
        snprintf(loc, sizeof loc, "s3://bucket/savepoints/sp-%zu", d);
        ck_assert_str_eq(done[d], loc);
    }
    ck_assert_ptr_null(disposal_intent(w));
    const char *paths[16];
    *posts = (int)disposal_posts(w, paths);
    *writes = w->kube.writes - before;
    fake_world_free(w);
}

/* Disposals of sp-0 failing for 10 simulated minutes, the crash_at-th write failing (0: none);
 * the requests sent. */
static size_t failing_disposals_with_crash(int crash_at, int *writes)
{
    fake_world *w = disposal_world();
    int64_t recent[3] = {3, 2, 1};
    put_history(w, recent, 3);
    set_conf(w, "kubernetes.operator.savepoint.history.max.count", "2");
    answer_disposal_trigger(w, DISPOSAL_TRIGGER_1);
    answer_disposal(w, DISPOSAL_TRIGGER_1,
                    disposal_failed_with("s3://bucket/savepoints/sp-0",
                                         "java.nio.file.AccessDeniedException: Access Denied"));
    int before = w->kube.writes;
    if (crash_at > 0)
        fake_fail_write(&w->kube, crash_at, FO_EUNAVAIL);
    int64_t start = fo_clock_now_ms(w->clock);
    while (fo_clock_now_ms(w->clock) - start < 10 * 60 * 1000LL) {
        fo_reconcile_result res = {0};
        pass(w, N, &res);
        fo_clock_fake_advance(w->clock, res.requeue_after_ms > 0 ? res.requeue_after_ms : 1000);
    }
    const char *paths[16];
    size_t n = disposal_posts(w, paths);
    ck_assert(in_history(w, "s3://bucket/savepoints/sp-0"));
    *writes = w->kube.writes - before;
    fake_world_free(w);
    return n;
}

/* The record of a failure streak reaches status before another try can start: a controller
 * killed at any write tries no more often than one never killed, but for the one request sent
 * again when the write lost is the one of the trigger id Flink drew (as without a streak). A
 * lost write of the record leaves the intent on record, whose disposal is asked about again,
 * fails again and is recorded then. */
START_TEST(a_failure_streak_survives_a_crash_at_any_write)
{
    int writes = 0, wk = 0;
    size_t tries = failing_disposals_with_crash(0, &writes);
    ck_assert_uint_le(tries, 8);
    for (int k = 1; k <= writes; k++) {
        size_t n = failing_disposals_with_crash(k, &wk);
        ck_assert_msg(n <= tries + 1, "crash at write %d: %zu disposal requests, not %zu", k,
                      n, tries);
    }
}
END_TEST

START_TEST(disposal_survives_a_crash_before_any_write_and_a_lost_answer)
{
    int writes = 0, posts = 0;
    dispose_with_crash(0, NULL, &writes, &posts);
    ck_assert_int_eq(posts, 3);
    for (int k = 1; k <= writes; k++) {
        int wk = 0, pk = 0;
        dispose_with_crash(k, NULL, &wk, &pk);
        ck_assert_msg(pk <= 4, "crash at write %d: %d disposal requests", k, pk);
    }
    dispose_with_crash(0, "POST /savepoint-disposal", &writes, &posts);
    ck_assert_int_eq(posts, 4); /* the lost one sent again, and found gone */
    dispose_with_crash(0, "GET /savepoint-disposal/", &writes, &posts);
    ck_assert_int_eq(posts, 3);
}
END_TEST


/* Apache's updateStatusForSpecReconciliation keeps the recorded nonce when it records an
 * upgrade's spec ("to not lose new triggers during upgrade"): a nonce bumped with a stateless
 * upgrade (which takes no savepoint at all) is taken once the upgraded job runs. */
START_TEST(a_nonce_changed_with_an_upgrade_is_still_asked_for_after_it)
{
    fake_world *w = running_world();
    edit_spec(w, N, "job.savepointTriggerNonce", json_integer(3));
    edit_spec(w, N, "job.upgradeMode", json_string("stateless"));
    edit_spec(w, N, "image", json_string("flink:1.20.1"));
    fo_reconcile_result res;
    bool triggered = false;
    for (int i = 0; i < 8 && !triggered; i++) {
        ck_assert_int_eq(pass(w, N, &res), FO_OK);
        triggered = strcmp(res.action, "TRIGGER_SAVEPOINT") == 0;
        if (!triggered && owned(w, FO_CTL_DEPLOYMENT, N)) {
            jm_available(w, N);
            flink_job(w, N, "RUNNING");
            answer_trigger(w);
        }
        fo_clock_fake_advance(w->clock, 5000);
    }
    ck_assert_msg(triggered, "no savepoint for nonce 3 after the upgrade");
    json_t *rec = fo_flink_last_reconciled_spec(fd(w, N), NULL, NULL);
    ck_assert_str_eq(fo_json_str(rec, "image"), "flink:1.20.1"); /* the upgrade went first */
    json_decref(rec);
    ck_assert_str_eq(st_str(w, N, "jobStatus.savepointInfo.triggerType"), "MANUAL");
    ck_assert_int_eq(posts(w, "/savepoints"), 1);
    ck_assert_ptr_null(recorded_nonce(w));
    answer_status(w, json_pack("{s:{s:s}, s:{s:s}}", "status", "id", "COMPLETED", "operation",
                               "location", LOCATION));
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(json_integer_value(recorded_nonce(w)), 3);
    ck_assert_int_eq(st_int(w, "jobStatus.savepointInfo.lastSavepoint.triggerNonce"), 3);
    ck_assert_int_eq(posts(w, "/savepoints"), 1);
    fake_world_free(w);
}
END_TEST

/* The recorded nonce stays when the spec drops it (Apache keeps it in every record it writes):
 * the same nonce put back later is no new request, and takes no savepoint. */
START_TEST(a_removed_nonce_stays_recorded_and_putting_it_back_asks_for_nothing)
{
    fake_world *w = running_world();
    edit_spec(w, N, "job.savepointTriggerNonce", json_integer(5));
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    answer_status(w, json_pack("{s:{s:s}, s:{s:s}}", "status", "id", "COMPLETED", "operation",
                               "location", LOCATION));
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(json_integer_value(recorded_nonce(w)), 5);
    ck_assert_int_eq(posts(w, "/savepoints"), 1);
    json_object_del(json_object_get(json_object_get(fd(w, N), "spec"), "job"),
                    "savepointTriggerNonce");
    edit_spec(w, N, "job.parallelism", json_integer(2)); /* the same value: a new generation */
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(json_integer_value(recorded_nonce(w)), 5);
    edit_spec(w, N, "job.savepointTriggerNonce", json_integer(5));
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(posts(w, "/savepoints"), 1);
    fake_world_free(w);
}
END_TEST

/* A JobManager that takes the connection and answers nothing: the manager spaces out the passes
 * that only come back to observe it (fo_reconcile_result.flink_silent, docs/controller.md "A
 * JobManager that does not answer"), but a manual savepoint, asked for (a new nonce, a change
 * of the spec) or in flight, is more than observing: such a pass keeps its pace, so the
 * savepoint is taken, or its end seen, as soon as the JobManager answers again, as a spec
 * change to a silent cluster is. */
START_TEST(a_manual_savepoint_keeps_the_passes_of_a_silent_jobmanager_at_their_pace)
{
    fake_world *w = running_world();
    fo_reconcile_result res;
    snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "GET /");
    w->flink.lose_times = 1000;
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert(res.flink_silent); /* nothing asked of it: only observed */

    edit_spec(w, N, "job.savepointTriggerNonce", json_integer(7));
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_str_eq(res.action, "CONVERGE");
    ck_assert_int_eq(posts(w, "/savepoints"), 0); /* the job is not known to run */
    ck_assert_msg(!res.flink_silent, "a pass with savepoint 7 still to take told silence");

    /* The JobManager answers: the savepoint is triggered. */
    w->flink.lose_times = 0;
    fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_int_eq(posts(w, "/savepoints"), 1);
    ck_assert_str_eq(st_str(w, N, "jobStatus.savepointInfo.triggerType"), "MANUAL");

    /* Silent again while it is in flight. */
    w->flink.lose_times = 1000;
    fo_clock_fake_advance(w->clock, w->settings.progress_interval_ms);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_str_eq(res.action, "CONVERGE");
    ck_assert_msg(!res.flink_silent, "a pass polling the savepoint in flight told silence");

    /* Given up after the savepoint timeout (10 min) and the grace period, the nonce recorded:
     * nothing is left but observing. */
    fo_clock_fake_advance(w->clock, 11 * 60 * 1000);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_ptr_null(st_str(w, N, "jobStatus.savepointInfo.triggerId"));
    ck_assert_int_eq(json_integer_value(recorded_nonce(w)), 7);
    ck_assert(res.flink_silent);
    fake_world_free(w);
}
END_TEST

/* A periodic savepoint in flight is the operator's own: nobody waits for it, and the passes of
 * its silent JobManager are spaced out like those that only observe. */
START_TEST(a_periodic_savepoint_in_flight_is_spaced_out_like_the_observation)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    char created[64];
    fo_clock_format_rfc3339(fo_clock_now_ms(w->clock), false, created, sizeof created);
    json_object_set_new(json_object_get(fd(w, N), "metadata"), "creationTimestamp",
                        json_string(created));
    json_object_set_new((json_t *)fo_json_get(fd(w, N), "spec.flinkConfiguration"), PERIODIC,
                        json_string("1 h"));
    until_stable(w, N);
    answer_trigger(w);
    fo_clock_fake_advance(w->clock, HOUR + 1);
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_str_eq(st_str(w, N, "jobStatus.savepointInfo.triggerType"), "PERIODIC");
    snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "GET /");
    w->flink.lose_times = 1000;
    fo_clock_fake_advance(w->clock, w->settings.progress_interval_ms);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_str_eq(st_str(w, N, "jobStatus.savepointInfo.triggerType"), "PERIODIC");
    ck_assert(res.flink_silent);
    fake_world_free(w);
}
END_TEST

/* A pass whose observation the JobManager let time out asks it nothing more about the savepoint
 * in flight: that would hold the worker for a second timeout (docs/controller.md, "A JobManager
 * that does not answer"). The next pass asks; the savepoint timeout still ends one that never
 * completes. */
START_TEST(a_jobmanager_silent_to_the_observation_is_not_asked_about_the_savepoint)
{
    fake_world *w = running_world();
    edit_spec(w, N, "job.savepointTriggerNonce", json_integer(8));
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(posts(w, "/savepoints"), 1);
    snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "GET /");
    w->flink.lose_times = 1000;
    fo_clock_fake_advance(w->clock, w->settings.progress_interval_ms);
    size_t from = w->flink.ncalls;
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_uint_eq(w->flink.ncalls - from, 1);
    ck_assert_str_eq(w->flink.calls[from], "GET /config");
    ck_assert_str_eq(st_str(w, N, "jobStatus.savepointInfo.triggerType"), "MANUAL");

    /* It answers again: asked, and the savepoint recorded. */
    w->flink.lose_times = 0;
    answer_status(w, json_pack("{s:{s:s}, s:{s:s}}", "status", "id", "COMPLETED", "operation",
                               "location", LOCATION));
    fo_clock_fake_advance(w->clock, w->settings.progress_interval_ms);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, N, "jobStatus.savepointInfo.lastSavepoint.location"), LOCATION);
    ck_assert_int_eq(json_integer_value(recorded_nonce(w)), 8);

    /* Silent past the savepoint timeout: the savepoint in flight is given up unasked. */
    edit_spec(w, N, "job.savepointTriggerNonce", json_integer(9));
    answer_status(w, json_pack("{s:{s:s}}", "status", "id", "IN_PROGRESS"));
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(posts(w, "/savepoints"), 2);
    w->flink.lose_times = 1000;
    fo_clock_fake_advance(w->clock, 11 * 60 * 1000);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_ptr_null(st_str(w, N, "jobStatus.savepointInfo.triggerId"));
    ck_assert_int_eq(json_integer_value(recorded_nonce(w)), 9);
    ck_assert_int_eq(fake_events_count(&w->events, "SavepointError"), 1);
    fake_world_free(w);
}
END_TEST

/* A JobManager that answers GET /config but lets /jobs/overview time out (its dispatcher
 * overloaded while the static handlers answer) says nothing about the job: a manual savepoint
 * in flight is not given up as if the job were seen not running (SnapshotUtils
 * .resetSnapshotTriggers resets it only for a job that does not run). */
START_TEST(a_job_list_that_times_out_does_not_give_up_the_savepoint_in_flight)
{
    fake_world *w = running_world();
    edit_spec(w, N, "job.savepointTriggerNonce", json_integer(5));
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    char tid[33];
    snprintf(tid, sizeof tid, "%s", st_str(w, N, "jobStatus.savepointInfo.triggerId"));
    answer_status(w, json_pack("{s:{s:s}}", "status", "id", "IN_PROGRESS"));
    snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "GET /jobs/overview");
    w->flink.lose_times = 1;
    fo_clock_fake_advance(w->clock, w->settings.progress_interval_ms);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, N, "jobStatus.state"), "RECONCILING");
    ck_assert_msg(st_str(w, N, "jobStatus.savepointInfo.triggerId") &&
                      strcmp(st_str(w, N, "jobStatus.savepointInfo.triggerId"), tid) == 0,
                  "the savepoint in flight was given up");
    ck_assert_int_eq(fake_events_count(&w->events, "SavepointError"), 0);
    ck_assert_ptr_null(recorded_nonce(w));

    /* Listed again, running: the savepoint completes and is recorded. */
    answer_status(w, json_pack("{s:{s:s}, s:{s:s}}", "status", "id", "COMPLETED", "operation",
                               "location", LOCATION));
    fo_clock_fake_advance(w->clock, w->settings.progress_interval_ms);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, N, "jobStatus.savepointInfo.lastSavepoint.location"), LOCATION);
    ck_assert_int_eq(json_integer_value(recorded_nonce(w)), 5);
    fake_world_free(w);
}
END_TEST

/* A savepoint that completes just before the job fails: Flink keeps the trigger's result
 * (COMPLETED, its location) after the job ended, for rest.async.store-duration, and the
 * savepoint's data is in storage. It is recorded as any completed savepoint (lastSavepoint,
 * the history, the nonce), not given up as "the job is not running": that left a savepoint
 * listed nowhere, never disposed of, and told the user a manual savepoint failed that had
 * been taken (chaos seed 2202). One still in progress when the job ended is given up. */
START_TEST(a_savepoint_completed_before_the_job_failed_is_recorded)
{
    fake_world *w = running_world();
    edit_spec(w, N, "job.savepointTriggerNonce", json_integer(5));
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_ptr_nonnull(st_str(w, N, "jobStatus.savepointInfo.triggerId"));
    answer_status(w, json_pack("{s:{s:s}, s:{s:s}}", "status", "id", "COMPLETED", "operation",
                               "location", LOCATION));
    flink_job(w, N, "FAILED");
    fo_clock_fake_advance(w->clock, w->settings.progress_interval_ms);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, N, "jobStatus.state"), "FAILED");
    ck_assert_msg(st_str(w, N, "jobStatus.savepointInfo.lastSavepoint.location") &&
                      strcmp(st_str(w, N, "jobStatus.savepointInfo.lastSavepoint.location"),
                             LOCATION) == 0,
                  "the completed savepoint was not recorded (SavepointError events: %d)",
                  fake_events_count(&w->events, "SavepointError"));
    const json_t *hist = fo_json_get(json_object_get(fd(w, N), "status"),
                                     "jobStatus.savepointInfo.savepointHistory");
    ck_assert_uint_eq(json_array_size(hist), 1);
    ck_assert_str_eq(fo_json_str(json_array_get(hist, 0), "location"), LOCATION);
    ck_assert_int_eq(json_integer_value(recorded_nonce(w)), 5);
    ck_assert_ptr_null(st_str(w, N, "jobStatus.savepointInfo.triggerId"));
    ck_assert_int_eq(fake_events_count(&w->events, "SavepointError"), 0);
    fake_world_free(w);

    /* in progress when the job failed: given up, as SnapshotUtils.resetSnapshotTriggers */
    w = running_world();
    edit_spec(w, N, "job.savepointTriggerNonce", json_integer(6));
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    answer_status(w, json_pack("{s:{s:s}}", "status", "id", "IN_PROGRESS"));
    flink_job(w, N, "FAILED");
    fo_clock_fake_advance(w->clock, w->settings.progress_interval_ms);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_ptr_null(st_str(w, N, "jobStatus.savepointInfo.triggerId"));
    ck_assert_ptr_null(st_str(w, N, "jobStatus.savepointInfo.lastSavepoint"));
    ck_assert_int_eq(fake_events_count(&w->events, "SavepointError"), 1);
    fake_world_free(w);
}
END_TEST

/* ---- checkpoints (CheckpointInfo, Checkpoint; rest_v1_dispatcher: triggerCheckpoint,
 * getCheckpointStatus) ---- */

static void answer_ckpt_trigger(fake_world *w)
{
    char path[160];
    snprintf(path, sizeof path, "POST /jobs/%s/checkpoints", st_str(w, N, "jobStatus.jobId"));
    fake_flink_answer(&w->flink, path, json_pack("{s:s}", "request-id", "echoed"));
}

static void answer_ckpt_status(fake_world *w, json_t *answer)
{
    char path[160];
    snprintf(path, sizeof path, "GET /jobs/%s/checkpoints/%s", st_str(w, N, "jobStatus.jobId"),
             st_str(w, N, "jobStatus.checkpointInfo.triggerId"));
    fake_flink_answer(&w->flink, path, answer);
}

static json_t *ckpt_completed(int64_t id)
{
    return json_pack("{s:{s:s}, s:{s:I}}", "status", "id", "COMPLETED", "operation",
                     "checkpointId", (json_int_t)id);
}

static json_t *ckpt_failed(void)
{
    return json_pack("{s:{s:s}, s:{s:{s:s, s:s}}}", "status", "id", "COMPLETED", "operation",
                     "failureCause", "class",
                     "org.apache.flink.runtime.checkpoint.CheckpointException", "stack-trace",
                     "Checkpoint expired before completing.");
}

static const json_t *recorded_ckpt_nonce(fake_world *w)
{
    static json_t *rec;
    json_decref(rec);
    rec = fo_flink_last_reconciled_spec(fd(w, N), NULL, NULL);
    return fo_json_get(rec, "job.checkpointTriggerNonce");
}

static int64_t ckpt_int(fake_world *w, const char *path)
{
    int64_t v = -1;
    fo_json_get_int(json_object_get(fd(w, N), "status"), path, &v);
    return v;
}

static bool event_names(fake_world *w, const char *reason, const char *a, const char *b)
{
    for (size_t i = 0; i < w->events.n; i++) {
        const char *msg = w->events.ev[i].message;
        if (strcmp(w->events.ev[i].reason, reason) == 0 && strstr(msg, a) && (!b || strstr(msg, b)))
            return true;
    }
    return false;
}

static fake_world *ckpt_world(void)
{
    fake_world *w = running_world();
    answer_ckpt_trigger(w);
    return w;
}

START_TEST(a_new_checkpoint_nonce_takes_a_checkpoint_and_the_job_keeps_running)
{
    fake_world *w = ckpt_world();
    json_t *jm_before = json_deep_copy(owned(w, FO_CTL_DEPLOYMENT, N));
    edit_spec(w, N, "job.checkpointTriggerNonce", json_integer(9));
    int64_t t0 = fo_clock_now_ms(w->clock);

    /* Pass 1: the intent, then POST /jobs/:id/checkpoints under its trigger id. */
    size_t before = w->kube.nlog;
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_str_eq(res.action, "TRIGGER_CHECKPOINT");
    ck_assert_int_eq(posts(w, "/checkpoints"), 1);
    ck_assert_int_eq(posts(w, "/savepoints"), 0);
    ck_assert_int_eq(posts(w, "/stop"), 0);
    int intent = fake_find(&w->kube, before, "status", FO_CTL_FLINK_DEPLOYMENT);
    ck_assert_int_ge(intent, 0);
    const json_t *ci = fo_json_get(w->kube.log[intent].body, "status.jobStatus.checkpointInfo");
    ck_assert_str_eq(fo_json_str(ci, "triggerType"), "MANUAL");
    ck_assert_str_eq(fo_json_str(ci, "formatType"), "FULL");
    const char *tid = fo_json_str(ci, "triggerId");
    ck_assert(tid && fo_flink_rest_is_id(tid));
    json_t *body = json_array_get(w->flink.bodies, w->flink.ncalls - 1);
    ck_assert_str_eq(fo_json_str(body, "triggerId"), tid);
    ck_assert_str_eq(fo_json_str(body, "checkpointType"), "FULL");
    ck_assert_str_eq(st_str(w, N, "jobStatus.checkpointInfo.triggerId"), tid);
    ck_assert_int_eq(ckpt_int(w, "jobStatus.checkpointInfo.triggerTimestamp"), t0);
    ck_assert_ptr_null(recorded_ckpt_nonce(w));
    ck_assert_int_eq(fake_count(&w->kube, before, "delete", FO_CTL_KIND_COUNT), 0);
    ck_assert(json_equal(owned(w, FO_CTL_DEPLOYMENT, N), jm_before));

    /* Pass 2: in progress. */
    answer_ckpt_status(w, json_pack("{s:{s:s}}", "status", "id", "IN_PROGRESS"));
    fo_clock_fake_advance(w->clock, 5000);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_int_eq(posts(w, "/checkpoints"), 1);
    ck_assert_int_le(res.requeue_after_ms, w->settings.progress_interval_ms);

    /* Pass 3: completed: lastCheckpoint with the nonce, the nonce recorded, no location. */
    answer_ckpt_status(w, ckpt_completed(12));
    fo_clock_fake_advance(w->clock, 5000);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    const json_t *last = fo_json_get(json_object_get(fd(w, N), "status"),
                                     "jobStatus.checkpointInfo.lastCheckpoint");
    ck_assert_ptr_nonnull(last);
    ck_assert_str_eq(fo_json_str(last, "triggerType"), "MANUAL");
    ck_assert_str_eq(fo_json_str(last, "formatType"), "FULL");
    ck_assert_int_eq(json_integer_value(json_object_get(last, "triggerNonce")), 9);
    ck_assert_int_eq(json_integer_value(json_object_get(last, "timeStamp")), t0);
    ck_assert_ptr_null(json_object_get(last, "location"));
    ck_assert_ptr_null(st_str(w, N, "jobStatus.checkpointInfo.triggerId"));
    ck_assert_ptr_null(st_str(w, N, "jobStatus.checkpointInfo.triggerType"));
    ck_assert_int_eq(json_integer_value(recorded_ckpt_nonce(w)), 9);
    ck_assert_ptr_null(st_str(w, N, "jobStatus.savepointInfo.lastSavepoint.location"));

    /* Then nothing more: the same nonce asks for nothing, and nothing was redeployed. */
    for (int i = 0; i < 3; i++) {
        fo_clock_fake_advance(w->clock, 15000);
        ck_assert_int_eq(pass(w, N, &res), FO_OK);
        ck_assert_str_eq(res.action, "CONVERGE");
    }
    ck_assert_int_eq(posts(w, "/checkpoints"), 1);
    ck_assert_str_eq(st_str(w, N, "lifecycleState"), "STABLE");
    ck_assert(json_equal(owned(w, FO_CTL_DEPLOYMENT, N), jm_before));
    ck_assert_int_eq(fake_count(&w->kube, before, "delete", FO_CTL_KIND_COUNT), 0);
    ck_assert_int_eq(fake_events_count(&w->events, "SpecChanged"), 0);
    json_decref(jm_before);
    fake_world_free(w);
}
END_TEST

/* Both nonces in one edit: a savepoint and a checkpoint, each recorded with its nonce. */
START_TEST(both_nonces_take_a_savepoint_and_a_checkpoint)
{
    fake_world *w = ckpt_world();
    edit_spec(w, N, "job.checkpointTriggerNonce", json_integer(2));
    edit_spec(w, N, "job.savepointTriggerNonce", json_integer(3));
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(posts(w, "/checkpoints"), 1);
    ck_assert_int_eq(posts(w, "/savepoints"), 1);
    answer_ckpt_status(w, ckpt_completed(4));
    answer_status(w, json_pack("{s:{s:s}, s:{s:s}}", "status", "id", "COMPLETED", "operation",
                               "location", LOCATION));
    fo_clock_fake_advance(w->clock, 5000);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(json_integer_value(recorded_ckpt_nonce(w)), 2);
    ck_assert_int_eq(json_integer_value(recorded_nonce(w)), 3);
    ck_assert_int_eq(ckpt_int(w, "jobStatus.checkpointInfo.lastCheckpoint.triggerNonce"), 2);
    ck_assert_int_eq(ckpt_int(w, "jobStatus.savepointInfo.lastSavepoint.triggerNonce"), 3);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(posts(w, "/checkpoints"), 1);
    ck_assert_int_eq(posts(w, "/savepoints"), 1);
    fake_world_free(w);
}
END_TEST

/* OPERATOR_CHECKPOINT_TRIGGER_GRACE_PERIOD: retried within it, then given up with the nonce
 * recorded; a Warning CheckpointError each time (CheckpointInfo.formatErrorMessage). */
START_TEST(a_failing_manual_checkpoint_is_retried_within_the_grace_period_then_given_up)
{
    fake_world *w = ckpt_world();
    edit_spec(w, N, "job.checkpointTriggerNonce", json_integer(7));
    int64_t t0 = fo_clock_now_ms(w->clock);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    answer_ckpt_status(w, ckpt_failed());
    fo_clock_fake_advance(w->clock, 5000);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(fake_events_count(&w->events, "CheckpointError"), 1);
    ck_assert(event_names(w, "CheckpointError", "checkpointTriggerNonce: 7", NULL));
    ck_assert_ptr_null(recorded_ckpt_nonce(w));
    fo_clock_fake_advance(w->clock, 15000);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(posts(w, "/checkpoints"), 2);
    ck_assert_int_eq(ckpt_int(w, "jobStatus.checkpointInfo.triggerTimestamp"), t0);
    answer_ckpt_status(w, ckpt_failed());
    fo_clock_fake_advance(w->clock, 60000);
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    ck_assert_int_eq(fake_events_count(&w->events, "CheckpointError"), 2);
    ck_assert_int_eq(json_integer_value(recorded_ckpt_nonce(w)), 7);
    ck_assert_ptr_null(st_str(w, N, "jobStatus.checkpointInfo.triggerType"));
    ck_assert_ptr_null(fo_json_get(json_object_get(fd(w, N), "status"),
                                   "jobStatus.checkpointInfo.lastCheckpoint"));
    for (int i = 0; i < 3; i++) {
        fo_clock_fake_advance(w->clock, 15000);
        ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    }
    ck_assert_int_eq(posts(w, "/checkpoints"), 2);
    ck_assert_int_eq(fake_events_count(&w->events, "SavepointError"), 0);
    fake_world_free(w);
}
END_TEST

START_TEST(a_lost_checkpoint_trigger_answer_sends_the_same_trigger_id_again)
{
    fake_world *w = ckpt_world();
    edit_spec(w, N, "job.checkpointTriggerNonce", json_integer(5));
    snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "POST /jobs/");
    w->flink.lose_times = 1;
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    char first[33];
    snprintf(first, sizeof first, "%s", st_str(w, N, "jobStatus.checkpointInfo.triggerId"));
    ck_assert_int_eq(pass(w, N, NULL), FO_OK); /* GET: 404 from the fake, the job runs */
    ck_assert_int_eq(posts(w, "/checkpoints"), 2);
    json_t *body = json_array_get(w->flink.bodies, w->flink.ncalls - 1);
    ck_assert_str_eq(fo_json_str(body, "triggerId"), first);
    ck_assert_str_eq(st_str(w, N, "jobStatus.checkpointInfo.triggerId"), first);
    ck_assert_int_eq(fake_events_count(&w->events, "CheckpointError"), 0);
    fake_world_free(w);
}
END_TEST

/* An upgrade waits for a checkpoint in flight, whose end records its nonce: the record of the
 * upgrade is never rewritten under it. */
START_TEST(an_upgrade_waits_for_the_manual_checkpoint_in_flight)
{
    fake_world *w = ckpt_world();
    edit_spec(w, N, "job.checkpointTriggerNonce", json_integer(1));
    ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    answer_ckpt_status(w, json_pack("{s:{s:s}}", "status", "id", "IN_PROGRESS"));
    edit_spec(w, N, "image", json_string("flink:1.20.1"));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_str_eq(res.action, "AWAIT_SNAPSHOT");
    ck_assert_int_eq(posts(w, "/stop"), 0);
    answer_ckpt_status(w, ckpt_completed(8));
    char path[160];
    snprintf(path, sizeof path, "POST /jobs/%s/stop", st_str(w, N, "jobStatus.jobId"));
    fake_flink_answer(&w->flink, path, json_pack("{s:s}", "request-id", "echoed"));
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_str_eq(res.action, "STOP_SAVEPOINT");
    ck_assert_int_eq(ckpt_int(w, "jobStatus.checkpointInfo.lastCheckpoint.triggerNonce"), 1);
    ck_assert_int_eq(json_integer_value(recorded_ckpt_nonce(w)), 1);
    fake_world_free(w);
}
END_TEST

#define PERIODIC_CKPT "kubernetes.operator.periodic.checkpoint.interval"

START_TEST(a_periodic_checkpoint_is_taken_each_interval_in_the_configured_type)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    char created[64];
    fo_clock_format_rfc3339(fo_clock_now_ms(w->clock), false, created, sizeof created);
    json_object_set_new(json_object_get(fd(w, N), "metadata"), "creationTimestamp",
                        json_string(created));
    json_t *fc = (json_t *)fo_json_get(fd(w, N), "spec.flinkConfiguration");
    json_object_set_new(fc, PERIODIC_CKPT, json_string("30 min"));
    json_object_set_new(fc, "kubernetes.operator.checkpoint.type", json_string("INCREMENTAL"));
    until_stable(w, N);
    answer_ckpt_trigger(w);
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_int_eq(posts(w, "/checkpoints"), 0);
    fo_clock_fake_advance(w->clock, HOUR / 2 + 1);
    int64_t t1 = fo_clock_now_ms(w->clock);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_int_eq(posts(w, "/checkpoints"), 1);
    json_t *body = json_array_get(w->flink.bodies, w->flink.ncalls - 1);
    ck_assert_str_eq(fo_json_str(body, "checkpointType"), "INCREMENTAL");
    ck_assert_str_eq(st_str(w, N, "jobStatus.checkpointInfo.triggerType"), "PERIODIC");
    ck_assert_str_eq(st_str(w, N, "jobStatus.checkpointInfo.formatType"), "INCREMENTAL");
    ck_assert_int_eq(ckpt_int(w, "jobStatus.checkpointInfo.lastPeriodicCheckpointTimestamp"), t1);
    answer_ckpt_status(w, ckpt_completed(3));
    fo_clock_fake_advance(w->clock, 5000);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_str_eq(st_str(w, N, "jobStatus.checkpointInfo.lastCheckpoint.triggerType"),
                     "PERIODIC");
    ck_assert_str_eq(st_str(w, N, "jobStatus.checkpointInfo.lastCheckpoint.formatType"),
                     "INCREMENTAL");
    ck_assert_int_eq(ckpt_int(w, "jobStatus.checkpointInfo.lastCheckpoint.timeStamp"), t1);
    ck_assert_ptr_null(fo_json_get(json_object_get(fd(w, N), "status"),
                                   "jobStatus.checkpointInfo.lastCheckpoint.triggerNonce"));
    ck_assert_int_eq(ckpt_int(w, "jobStatus.checkpointInfo.lastPeriodicCheckpointTimestamp"), t1);
    fo_clock_fake_advance(w->clock, HOUR / 2 - 5000);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_int_eq(posts(w, "/checkpoints"), 1);
    fo_clock_fake_advance(w->clock, 1);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_int_eq(posts(w, "/checkpoints"), 2);
    ck_assert_int_eq(posts(w, "/savepoints"), 0);
    fake_world_free(w);
}
END_TEST

START_TEST(a_cron_checkpoint_interval_is_refused_with_a_warning_naming_the_key)
{
    fake_world *w = ckpt_world();
    set_conf(w, PERIODIC_CKPT, "0 0 * * * ?");
    for (int i = 0; i < 4; i++) {
        fo_clock_fake_advance(w->clock, 24 * HOUR);
        ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    }
    ck_assert_int_eq(posts(w, "/checkpoints"), 0);
    ck_assert_int_eq(fake_events_count(&w->events, "CheckpointError"), 1);
    ck_assert_msg(event_names(w, "CheckpointError", PERIODIC_CKPT, "0 0 * * * ?"),
                  "no Warning names the key and its value");
    fake_world_free(w);
}
END_TEST

/* SnapshotUtils.isSnapshotTriggeringSupported: Flink has POST /jobs/:id/checkpoints since 1.17;
 * on 1.16 nothing is sent, and a Warning says why, once for the spec. */
START_TEST(a_checkpoint_on_flink_before_1_17_is_refused_with_a_warning)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    json_t *spec = json_object_get(fd(w, N), "spec");
    json_object_set_new(spec, "flinkVersion", json_string("v1_16"));
    json_object_set_new(spec, "image", json_string("flink:1.16"));
    until_stable(w, N);
    answer_ckpt_trigger(w);
    edit_spec(w, N, "job.checkpointTriggerNonce", json_integer(1));
    for (int i = 0; i < 3; i++) {
        fo_clock_fake_advance(w->clock, 15000);
        ck_assert_int_eq(pass(w, N, NULL), FO_OK);
    }
    ck_assert_int_eq(posts(w, "/checkpoints"), 0);
    ck_assert_ptr_null(st_str(w, N, "jobStatus.checkpointInfo.triggerId"));
    ck_assert_int_eq(fake_events_count(&w->events, "CheckpointError"), 1);
    ck_assert_msg(event_names(w, "CheckpointError", "v1_16", "1.17"),
                  "no Warning names the version and the one needed");
    ck_assert_str_eq(st_str(w, N, "lifecycleState"), "STABLE");
    fake_world_free(w);
}
END_TEST

/* A checkpointTriggerNonce that Flink 1.16 cannot take is nothing the user waits for: it
 * stays unrecorded for ever, and the passes of its silent JobManager are spaced out like those
 * that only observe (docs/controller.md "A JobManager that does not answer"). */
START_TEST(a_checkpoint_nonce_flink_cannot_take_leaves_silent_passes_spaced_out)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    json_t *spec = json_object_get(fd(w, N), "spec");
    json_object_set_new(spec, "flinkVersion", json_string("v1_16"));
    json_object_set_new(spec, "image", json_string("flink:1.16"));
    until_stable(w, N);
    edit_spec(w, N, "job.checkpointTriggerNonce", json_integer(1));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_int_eq(posts(w, "/checkpoints"), 0);
    snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "GET /");
    w->flink.lose_times = 1000;
    fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms);
    ck_assert_int_eq(pass(w, N, &res), FO_OK);
    ck_assert_str_eq(res.action, "CONVERGE");
    ck_assert_msg(res.flink_silent, "a checkpoint nonce Flink 1.16 cannot take held the pace");
    fake_world_free(w);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("reconcile_snapshot");
    TCase *tc = tcase_create("manual");
    tcase_add_test(tc, a_new_nonce_takes_a_savepoint_and_the_job_keeps_running);
    tcase_add_test(tc, a_removed_nonce_asks_for_nothing);
    tcase_add_test(tc, a_failing_manual_savepoint_is_retried_within_the_grace_period_then_given_up);
    tcase_add_test(tc, an_upgrade_waits_for_the_manual_savepoint_in_flight);
    tcase_add_test(tc, a_nonce_changed_with_an_upgrade_does_not_hold_the_upgrade);
    tcase_add_test(tc, a_nonce_changed_with_an_upgrade_is_still_asked_for_after_it);
    tcase_add_test(tc, a_removed_nonce_stays_recorded_and_putting_it_back_asks_for_nothing);
    tcase_add_test(tc, a_lost_trigger_answer_sends_the_same_trigger_id_again);
    tcase_add_test(tc, a_savepoint_flink_forgot_after_an_outage_is_found_not_taken_again);
    tcase_add_test(tc, a_forgotten_trigger_past_the_timeout_is_failed_not_sent_again);
    tcase_add_test(tc, a_periodic_savepoint_is_taken_each_interval);
    tcase_add_test(tc, a_periodic_interval_too_long_for_the_clock_takes_no_savepoint);
    tcase_add_test(tc, a_cron_interval_is_refused_with_a_warning_naming_the_key);
    tcase_add_test(tc, a_cron_interval_is_told_once_from_the_first_deploy_and_through_an_upgrade);
    tcase_add_test(tc, the_history_keeps_max_count_and_max_age_and_always_the_newest);
    tcase_add_test(tc, a_max_count_below_one_keeps_the_newest_entry_only);
    tcase_add_test(tc, cleanup_by_default_follows_what_apache_did_with_the_configuration);
    tcase_add_test(tc, an_entry_leaves_the_history_only_once_flink_disposed_of_it);
    tcase_add_test(tc, a_failed_disposal_keeps_the_entry_warns_and_is_tried_again);
    tcase_add_test(tc, a_savepoint_flink_cannot_find_leaves_the_history);
    tcase_add_test(tc, a_restore_source_is_never_disposed_of);
    tcase_add_test(tc, a_restore_source_spelled_otherwise_is_never_disposed_of);
    tcase_add_test(tc, a_savepoint_an_entry_that_stays_lists_is_not_disposed_of);
    tcase_add_test(tc, a_disposal_that_failed_with_the_savepoint_still_there_keeps_the_entry);
    tcase_add_test(tc, disposal_survives_a_crash_before_any_write_and_a_lost_answer);
    tcase_add_test(tc, the_savepoint_the_running_job_recovers_from_is_not_disposed_of);
    tcase_add_test(tc, nothing_is_disposed_of_while_flink_does_not_say_what_the_job_recovers_from);
    tcase_add_test(tc, a_disposal_that_keeps_failing_is_tried_after_a_growing_wait);
    tcase_add_test(tc, a_failure_streak_survives_a_crash_at_any_write);
    tcase_add_test(tc, a_manual_savepoint_keeps_the_passes_of_a_silent_jobmanager_at_their_pace);
    tcase_add_test(tc, a_periodic_savepoint_in_flight_is_spaced_out_like_the_observation);
    tcase_add_test(tc, a_jobmanager_silent_to_the_observation_is_not_asked_about_the_savepoint);
    tcase_add_test(tc, a_job_list_that_times_out_does_not_give_up_the_savepoint_in_flight);
    tcase_add_test(tc, a_savepoint_completed_before_the_job_failed_is_recorded);
    suite_add_tcase(s, tc);
    tc = tcase_create("checkpoint");
    tcase_add_test(tc, a_new_checkpoint_nonce_takes_a_checkpoint_and_the_job_keeps_running);
    tcase_add_test(tc, both_nonces_take_a_savepoint_and_a_checkpoint);
    tcase_add_test(tc,
                   a_failing_manual_checkpoint_is_retried_within_the_grace_period_then_given_up);
    tcase_add_test(tc, a_lost_checkpoint_trigger_answer_sends_the_same_trigger_id_again);
    tcase_add_test(tc, an_upgrade_waits_for_the_manual_checkpoint_in_flight);
    tcase_add_test(tc, a_periodic_checkpoint_is_taken_each_interval_in_the_configured_type);
    tcase_add_test(tc, a_cron_checkpoint_interval_is_refused_with_a_warning_naming_the_key);
    tcase_add_test(tc, a_checkpoint_on_flink_before_1_17_is_refused_with_a_warning);
    tcase_add_test(tc, a_checkpoint_nonce_flink_cannot_take_leaves_silent_passes_spaced_out);
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
