/* controller/reconcile_*: the last-state fallback of a savepoint upgrade (reference c.6,
 * AbstractJobReconciler.getJobUpgrade): a savepoint-mode job that is not running (a crash
 * loop) cannot take a savepoint; with kubernetes.operator.job.upgrade.last-state-fallback
 * .enabled (default true) and HA metadata holding a checkpoint, its upgrade goes through the
 * HA data, pass by pass against the in-memory fakes (tests/unit/ctl_fake_io.h). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cluster_defaults.h"
#include "common/jsonutil.h"
#include "tests/support/testutil.h"
#include "tests/unit/ctl_scenario.h"

#define NAME "last-state-example"
#define JOB_ID "00000000000000000000000000000001"
#define JOB_MAP "last-state-example-00000000000000000000000000000001-config-map"
#define CLUSTER_MAP "last-state-example-cluster-config-map"
#define FALLBACK_KEY "kubernetes.operator.job.upgrade.last-state-fallback.enabled"

static fo_cluster_defaults *given_defaults(void *ctx)
{
    return fo_cluster_defaults_ref(ctx);
}

/* last-state-example (Kubernetes HA) in upgradeMode savepoint, stable, its HA ConfigMaps
 * holding checkpoint 7 (tests/data/controller-ha-configmaps.yaml); then its job crash-loops
 * (RESTARTING, observed) and the user pushes a fixed jar. `option` is the resource's own value
 * of the fallback option (NULL: unset), `cd` the cluster defaults (NULL: none). */
static fake_world *crash_looping_savepoint_job(const char *option, fo_cluster_defaults *cd)
{
    fake_world *w = world_with("controller-application-last-state.yaml");
    if (cd) {
        w->env.defaults = given_defaults;
        w->env.defaults_ctx = cd;
    }
    json_t *spec = json_object_get(fd(w, NAME), "spec");
    json_object_set_new(json_object_get(spec, "job"), "upgradeMode", json_string("savepoint"));
    if (option)
        json_object_set_new(json_object_get(spec, "flinkConfiguration"), FALLBACK_KEY,
                            json_string(option));
    until_stable(w, NAME);
    put_ha_configmaps(w);
    flink_job(w, NAME, "RESTARTING");
    ck_assert_int_eq(pass(w, NAME, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, NAME, "jobStatus.state"), "RESTARTING");
    edit_spec(w, NAME, "job.jarURI",
              json_string("local:///opt/flink/examples/streaming/StateMachineExample-fixed.jar"));
    return w;
}

/* The message of the first Event with `reason`, or NULL. */
static const char *event_message(const fake_world *w, const char *reason)
{
    for (size_t i = 0; i < w->events.n; i++)
        if (strcmp(w->events.ev[i].reason, reason) == 0)
            return w->events.ev[i].message;
    return NULL;
}

START_TEST(a_crash_looping_savepoint_job_is_upgraded_from_its_last_checkpoint)
{
    fake_world *w = crash_looping_savepoint_job(NULL, NULL);

    /* Pass 1: intent first (the old spec marked suspended by last-state, UPGRADING), then the
     * JobManager goes; no savepoint is asked for, nothing is cancelled, the HA data stays. */
    size_t before = w->kube.nlog;
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, NAME, &res), FO_OK);
    ck_assert_str_eq(res.action, "SUSPEND");
    int intent = fake_find(&w->kube, before, "status", FO_CTL_FLINK_DEPLOYMENT);
    int del = fake_find(&w->kube, before, "delete", FO_CTL_DEPLOYMENT);
    ck_assert_int_ge(intent, 0);
    ck_assert_int_gt(del, intent);
    const json_t *body = w->kube.log[intent].body;
    const char *marker = fo_json_get_str(body, "status.reconciliationStatus.lastReconciledSpec");
    ck_assert_ptr_nonnull(strstr(marker, "\"upgradeMode\":\"last-state\""));
    ck_assert_ptr_nonnull(strstr(marker, "\"state\":\"suspended\""));
    ck_assert_str_eq(fo_json_get_str(body, "status.reconciliationStatus.state"), "UPGRADING");
    ck_assert_int_eq(fake_flink_calls(&w->flink, "POST"), 0);
    ck_assert_int_eq(fake_flink_calls(&w->flink, "PATCH"), 0);
    ck_assert_int_eq(fake_count(&w->kube, before, "delete", FO_CTL_CONFIG_MAP), 0);
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, NAME));
    /* the user is told the upgrade takes no savepoint, and no refusal stands */
    const char *msg = event_message(w, "Suspended");
    ck_assert_ptr_nonnull(msg);
    ck_assert_ptr_nonnull(strstr(msg, "last-state"));
    ck_assert_ptr_nonnull(strstr(msg, "RESTARTING"));
    ck_assert_int_eq(fake_events_count(&w->events, "UpgradeFailed"), 0);
    ck_assert_ptr_null(st_str(w, NAME, "error"));

    /* Pass 2: the new spec is deployed with the same job id and no savepoint path: Flink
     * recovers checkpoint 7 from the HA data; the old job graph is dropped first. */
    before = w->kube.nlog;
    ck_assert_int_eq(pass(w, NAME, &res), FO_OK);
    ck_assert_str_eq(res.action, "DEPLOY");
    ck_assert_str_eq(st_str(w, NAME, "jobStatus.jobId"), JOB_ID);
    ck_assert_ptr_null(st_str(w, NAME, "jobStatus.upgradeSavepointPath"));
    ck_assert_ptr_nonnull(json_object_get(fo_json_get(owned(w, FO_CTL_CONFIG_MAP, JOB_MAP), "data"),
                                          "checkpointID-0000000000000000007"));
    json_t *cluster_map = owned(w, FO_CTL_CONFIG_MAP, CLUSTER_MAP);
    ck_assert_ptr_null(json_object_get(fo_json_get(cluster_map, "data"), "jobGraph-" JOB_ID));
    const char *conf = fo_json_str(
        fo_json_get(owned(w, FO_CTL_CONFIG_MAP, "flink-config-last-state-example"), "data"),
        "config.yaml");
    ck_assert_ptr_nonnull(strstr(conf, "StateMachineExample-fixed.jar"));
    ck_assert_ptr_null(strstr(conf, "execution.savepoint.path"));
    ck_assert_int_ge(fake_find(&w->kube, before, "create", FO_CTL_DEPLOYMENT), 0);

    /* And it runs: the user's spec (savepoint mode) is the one recorded. */
    jm_available(w, NAME);
    flink_job(w, NAME, "RUNNING");
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pass(w, NAME, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, NAME, "lifecycleState"), "STABLE");
    const char *rec = st_str(w, NAME, "reconciliationStatus.lastReconciledSpec");
    ck_assert_ptr_nonnull(strstr(rec, "StateMachineExample-fixed.jar"));
    fake_world_free(w);
}
END_TEST

/* A suspend is the suspend half of an upgrade (c.7) and takes the same fallback: Apache's
 * getJobUpgrade serves both. The crash-looping job is suspended through its HA data (the
 * JobManager goes, the HA ConfigMaps stay), its record says last-state (how it was suspended,
 * not the spec's savepoint), and it resumes from its last checkpoint with the same job id. */
START_TEST(a_crash_looping_savepoint_job_is_suspended_through_its_last_checkpoint)
{
    fake_world *w = crash_looping_savepoint_job(NULL, NULL);
    edit_spec(w, NAME, "job.state", json_string("suspended"));
    size_t before = w->kube.nlog;
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, NAME, &res), FO_OK);
    ck_assert_str_eq(res.action, "SUSPEND");
    int intent = fake_find(&w->kube, before, "status", FO_CTL_FLINK_DEPLOYMENT);
    int del = fake_find(&w->kube, before, "delete", FO_CTL_DEPLOYMENT);
    ck_assert_int_ge(intent, 0);
    ck_assert_int_gt(del, intent);
    ck_assert_ptr_nonnull(strstr(
        fo_json_get_str(w->kube.log[intent].body, "status.reconciliationStatus.lastReconciledSpec"),
        "\"upgradeMode\":\"last-state\""));
    ck_assert_int_eq(fake_flink_calls(&w->flink, "POST"), 0);
    ck_assert_int_eq(fake_flink_calls(&w->flink, "PATCH"), 0);
    ck_assert_ptr_nonnull(event_message(w, "Suspended"));
    ck_assert_int_eq(fake_events_count(&w->events, "UpgradeFailed"), 0);

    ck_assert_int_eq(pass(w, NAME, &res), FO_OK);
    ck_assert_str_eq(res.action, "MARK_SUSPENDED");
    ck_assert_str_eq(st_str(w, NAME, "lifecycleState"), "SUSPENDED");
    const char *rec = st_str(w, NAME, "reconciliationStatus.lastReconciledSpec");
    ck_assert_ptr_nonnull(strstr(rec, "\"upgradeMode\":\"last-state\""));
    ck_assert_ptr_nonnull(strstr(rec, "StateMachineExample-fixed.jar"));
    ck_assert_int_eq(fake_count(&w->kube, before, "delete", FO_CTL_CONFIG_MAP), 0);
    ck_assert_ptr_null(st_str(w, NAME, "error"));

    edit_spec(w, NAME, "job.state", json_string("running"));
    ck_assert_int_eq(pass(w, NAME, &res), FO_OK);
    ck_assert_str_eq(res.action, "DEPLOY");
    ck_assert_str_eq(st_str(w, NAME, "jobStatus.jobId"), JOB_ID);
    ck_assert_ptr_null(st_str(w, NAME, "jobStatus.upgradeSavepointPath"));
    ck_assert_ptr_nonnull(json_object_get(fo_json_get(owned(w, FO_CTL_CONFIG_MAP, JOB_MAP), "data"),
                                          "checkpointID-0000000000000000007"));
    fake_world_free(w);
}
END_TEST

/* A controller killed right after the intent was written finds it in status: the next pass
 * goes on through last-state (the marker says how the job was suspended), whatever the job
 * reads by then. */
START_TEST(a_fallback_cut_short_after_its_intent_goes_on_through_last_state)
{
    fake_world *w = crash_looping_savepoint_job(NULL, NULL);
    fake_fail_write(&w->kube, 2, FO_EIO); /* killed before the delete that follows the intent */
    fo_reconcile_result res;
    ck_assert_int_ne(pass(w, NAME, &res), FO_OK);
    ck_assert_str_eq(st_str(w, NAME, "reconciliationStatus.state"), "UPGRADING");
    ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, NAME));
    flink_job(w, NAME, "RUNNING"); /* what the job does meanwhile changes nothing */
    ck_assert_int_eq(pass(w, NAME, &res), FO_OK);
    ck_assert_str_eq(res.action, "DELETE_CLUSTER");
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, NAME));
    ck_assert_int_eq(fake_flink_calls(&w->flink, "POST"), 0);
    ck_assert_ptr_nonnull(owned(w, FO_CTL_CONFIG_MAP, JOB_MAP));
    ck_assert_int_eq(pass(w, NAME, &res), FO_OK);
    ck_assert_str_eq(res.action, "DEPLOY");
    ck_assert_str_eq(st_str(w, NAME, "jobStatus.jobId"), JOB_ID);
    fake_world_free(w);
}
END_TEST

/* The option read as Apache reads its dynamic options: the resource's flinkConfiguration over
 * the cluster defaults. Off, the upgrade waits as before: the cluster untouched, said once. */
START_TEST(with_the_fallback_disabled_the_upgrade_waits_for_the_job_to_run)
{
    fake_world *w = crash_looping_savepoint_job("false", NULL);
    size_t before = w->kube.nlog;
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, NAME, &res), FO_OK);
    ck_assert_str_eq(res.action, "REFUSE");
    ck_assert_int_eq(fake_count(&w->kube, before, "delete", FO_CTL_KIND_COUNT), 0);
    ck_assert_int_eq(fake_count(&w->kube, before, "create", FO_CTL_KIND_COUNT), 0);
    ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, NAME));
    ck_assert_ptr_nonnull(strstr(st_str(w, NAME, "error"), "waits"));
    ck_assert_int_eq(fake_events_count(&w->events, "UpgradeFailed"), 1);
    /* Once the job runs again, the savepoint upgrade goes on as asked. */
    flink_job(w, NAME, "RUNNING");
    ck_assert_int_eq(pass(w, NAME, &res), FO_OK);
    ck_assert_str_eq(res.action, "STOP_SAVEPOINT");
    fake_world_free(w);

    /* Off in the cluster defaults: waits; the resource's own value wins over them. */
    static const char off[] = "flinkConfiguration:\n  " FALLBACK_KEY ": \"false\"\n";
    fo_err err;
    fo_cluster_defaults *cd = fo_cluster_defaults_parse(off, sizeof off - 1, &err);
    ck_assert_ptr_nonnull(cd);
    for (int own = 0; own < 2; own++) {
        w = crash_looping_savepoint_job(own ? "true" : NULL, cd);
        ck_assert_int_eq(pass(w, NAME, &res), FO_OK);
        ck_assert_str_eq(res.action, own ? "SUSPEND" : "REFUSE");
        fake_world_free(w);
    }
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* A checkpoint in the HA map of another job id is no state of this job: the restore deploys
 * the recorded id (or the id the new spec sets), whose map Flink would find empty and start
 * the job from nothing. Here the only checkpointed map is another id's, or the edit also sets
 * a job id of its own: the upgrade waits, the JobManager stays. */
START_TEST(a_checkpoint_of_another_job_id_is_no_state_to_fall_back_to)
{
    for (int user_id = 0; user_id < 2; user_id++) {
        fake_world *w = crash_looping_savepoint_job(NULL, NULL);
        const char *own = "last-state-example-00000000000000000000000000000001-config-map";
        if (user_id) {
            json_t *conf = (json_t *)fo_json_get(fd(w, NAME), "spec.flinkConfiguration");
            json_object_set_new(conf, "$internal.pipeline.job-id",
                                json_string("0000000000000000000000000000000f"));
        } else {
            json_t *cm = json_deep_copy(owned(w, FO_CTL_CONFIG_MAP, own));
            json_object_set_new(json_object_get(cm, "metadata"), "name",
                                json_string("last-state-example-"
                                            "0000000000000000000000000000000e-config-map"));
            fake_drop(&w->kube, FO_CTL_CONFIG_MAP, NS, own);
            fake_put(&w->kube, cm);
            json_decref(cm);
        }
        size_t before = w->kube.nlog;
        fo_reconcile_result res;
        ck_assert_int_eq(pass(w, NAME, &res), FO_OK);
        ck_assert_str_eq(res.action, "REFUSE");
        ck_assert_int_eq(fake_count(&w->kube, before, "delete", FO_CTL_DEPLOYMENT), 0);
        ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, NAME));
        fake_world_free(w);
    }
}
END_TEST

/* Without a checkpoint in HA data (no HA here: the savepoint fixture) nothing can carry the
 * state: the upgrade waits, never stateless. */
START_TEST(without_ha_metadata_the_upgrade_waits_and_never_goes_stateless)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    until_stable(w, n);
    flink_job(w, n, "RESTARTING");
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    edit_spec(w, n, "job.parallelism", json_integer(4));
    size_t before = w->kube.nlog;
    fo_reconcile_result res;
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
        ck_assert_str_eq(res.action, "REFUSE");
    }
    ck_assert_int_eq(fake_count(&w->kube, before, "delete", FO_CTL_KIND_COUNT), 0);
    ck_assert_int_eq(fake_flink_calls(&w->flink, "PATCH"), 0);
    ck_assert_ptr_null(strstr(st_str(w, n, "error"), "Manual restore required"));
    fake_world_free(w);
}
END_TEST

/* The final state of a job that failed for good (FAILED, its JobManager answering) is its
 * latest checkpoint: Apache's SnapshotObserver.observeLatestCheckpoint records it as
 * upgradeSavepointPath for every job in a terminal state, and the savepoint upgrade restores
 * from it (useStatusSavepoint; no last-state fallback, the final state is known). flinkop
 * recorded it only for a cancelled job, so a FAILED job still held the path it was deployed
 * from (here its initialSavepointPath) and the user's fixed spec was started from that older
 * savepoint: every checkpoint since was silently thrown away. */
START_TEST(a_failed_savepoint_job_is_upgraded_from_its_latest_checkpoint_not_an_older_savepoint)
{
    static const char *const initial = "s3://bucket/savepoints/savepoint-initial";
    static const char *const chk = "s3://flink/checkpoints/a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b/chk-8";
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    json_t *spec = json_object_get(fd(w, n), "spec");
    json_object_set_new(json_object_get(spec, "job"), "initialSavepointPath", json_string(initial));
    /* checkpoints outlive a failed (and a cancelled) job */
    json_object_set_new(json_object_get(spec, "flinkConfiguration"),
                        "execution.checkpointing.externalized-checkpoint-retention",
                        json_string("RETAIN_ON_CANCELLATION"));
    until_stable(w, n);
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"), initial);
    size_t len = 0;
    char *text = fo_test_read_data("flink-checkpoints.json", &len);
    char key[128];
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", st_str(w, n, "jobStatus.jobId"));
    fake_flink_answer(&w->flink, key, json_loadb(text, len, 0, NULL));
    free(text);

    flink_job(w, n, "FAILED");
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, n, "jobStatus.state"), "FAILED");
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"), chk);

    edit_spec(w, n, "image", json_string("flink:1.20.1"));
    fo_reconcile_result res;
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
        if (strcmp(res.action, "DEPLOY") == 0)
            break;
    }
    ck_assert_str_eq(res.action, "DEPLOY");
    const char *conf = fo_json_str(
        fo_json_get(owned(w, FO_CTL_CONFIG_MAP, "flink-config-savepoint-example"), "data"),
        "config.yaml");
    ck_assert_ptr_null(strstr(conf, initial));
    ck_assert_ptr_nonnull(strstr(conf, chk));
    ck_assert_int_eq(fake_events_count(&w->events, "UpgradeFailed"), 0);
    fake_world_free(w);
}
END_TEST

/* A job stopped with a savepoint from outside flinkop (flink stop, the REST API) ends FINISHED
 * with that savepoint as its final state: Apache's observer records it (the latest of its
 * checkpoints and savepoints) and the savepoint upgrade restores from it, not from the older
 * savepoint the job was deployed from. */
START_TEST(a_job_stopped_with_a_savepoint_outside_is_upgraded_from_that_savepoint)
{
    static const char *const initial = "s3://bucket/savepoints/savepoint-initial";
    static const char *const stopped = "s3://flink/savepoints/savepoint-a7f3c2-stopped";
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    json_object_set_new(json_object_get(json_object_get(fd(w, n), "spec"), "job"),
                        "initialSavepointPath", json_string(initial));
    until_stable(w, n);
    size_t len = 0;
    char *text = fo_test_read_data("flink-checkpoints.json", &len);
    json_t *stats = json_loadb(text, len, 0, NULL);
    free(text);
    json_t *sp = fo_json_get(stats, "latest.savepoint");
    json_object_set_new(sp, "id", json_integer(9)); /* after checkpoint 8: the stop's */
    json_object_set_new(sp, "external_path", json_string(stopped));
    char key[128];
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", st_str(w, n, "jobStatus.jobId"));
    fake_flink_answer(&w->flink, key, stats);

    flink_job(w, n, "FINISHED");
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"), stopped);
    edit_spec(w, n, "image", json_string("flink:1.20.1"));
    fo_reconcile_result res;
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
        if (strcmp(res.action, "DEPLOY") == 0)
            break;
    }
    ck_assert_str_eq(res.action, "DEPLOY");
    const char *conf = fo_json_str(
        fo_json_get(owned(w, FO_CTL_CONFIG_MAP, "flink-config-savepoint-example"), "data"),
        "config.yaml");
    ck_assert_ptr_null(strstr(conf, initial));
    ck_assert_ptr_nonnull(strstr(conf, stopped));
    fake_world_free(w);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("reconcile_fallback");
    TCase *tc = tcase_create("fallback");
    tcase_add_test(tc, a_crash_looping_savepoint_job_is_upgraded_from_its_last_checkpoint);
    tcase_add_test(tc, a_fallback_cut_short_after_its_intent_goes_on_through_last_state);
    tcase_add_test(tc, a_crash_looping_savepoint_job_is_suspended_through_its_last_checkpoint);
    tcase_add_test(tc, with_the_fallback_disabled_the_upgrade_waits_for_the_job_to_run);
    tcase_add_test(tc, without_ha_metadata_the_upgrade_waits_and_never_goes_stateless);
    tcase_add_test(tc, a_checkpoint_of_another_job_id_is_no_state_to_fall_back_to);
    tcase_add_test(tc,
                   a_failed_savepoint_job_is_upgraded_from_its_latest_checkpoint_not_an_older_savepoint);
    tcase_add_test(tc, a_job_stopped_with_a_savepoint_outside_is_upgraded_from_that_savepoint);
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
