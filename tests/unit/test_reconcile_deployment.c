/* controller/reconcile_deployment: whole passes against in-memory fakes of the API server,
 * Flink and the Event sink (tests/unit/ctl_fake_io.h). Resources come from
 * tests/data/controller-*.yaml; what a pass must write comes from docs/controller.md and the
 * reference (c.2 - c.9, c.18). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/flink_model.h"
#include "common/jsonutil.h"
#include "controller/reconcile_deployment.h"
#include "tests/unit/ctl_scenario.h"

/* What the fake Flink answers a stop request (it echoes the request's own triggerId). */
#define TRIGGER_1 "7f3e2a1b0c9d8e7f6a5b4c3d2e1f0a01"
#define TRIGGER_9 "7f3e2a1b0c9d8e7f6a5b4c3d2e1f0a09"

/* ---- first deployment ---------------------------------------------------------------------- */

START_TEST(first_deploy_writes_intent_before_creating_objects)
{
    fake_world *w = world_with("controller-application.yaml");
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, "basic-example", &res), FO_OK);
    int intent = fake_find(&w->kube, 0, "status", FO_CTL_FLINK_DEPLOYMENT);
    int first_create = fake_find(&w->kube, 0, "create", FO_CTL_KIND_COUNT);
    ck_assert_int_ge(intent, 0);
    ck_assert_int_gt(first_create, intent);
    /* The intent carries the spec to deploy, state UPGRADING, and the new job's id. */
    json_t *body = w->kube.log[intent].body;
    ck_assert_str_eq(fo_json_get_str(body, "status.reconciliationStatus.state"), "UPGRADING");
    ck_assert_ptr_nonnull(fo_json_get_str(body, "status.reconciliationStatus.lastReconciledSpec"));
    ck_assert_str_eq(fo_json_get_str(body, "status.jobStatus.jobId"),
                     "00000000000000000000000000000001");
    /* The finalizer was added before anything else. */
    ck_assert_int_eq(fake_find(&w->kube, 0, "patch", FO_CTL_FLINK_DEPLOYMENT), 0);
    /* Then every object of reference c.13 exists and the spec is DEPLOYED. */
    ck_assert_ptr_nonnull(owned(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example"));
    ck_assert_ptr_nonnull(owned(w, FO_CTL_SERVICE, "basic-example-rest"));
    ck_assert_ptr_nonnull(owned(w, FO_CTL_SERVICE, "basic-example"));
    ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, "basic-example"));
    ck_assert_str_eq(st_str(w, "basic-example", "reconciliationStatus.state"), "DEPLOYED");
    ck_assert_str_eq(st_str(w, "basic-example", "jobManagerDeploymentStatus"), "DEPLOYING");
    ck_assert_str_eq(st_str(w, "basic-example", "lifecycleState"), "DEPLOYED");
    ck_assert_int_eq(fake_events_count(&w->events, "Submit"), 1);
    ck_assert_int_gt(res.requeue_after_ms, 0);
    /* The job id is in the cluster's configuration. */
    const char *conf =
        fo_json_str(fo_json_get(owned(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example"), "data"),
                    "config.yaml");
    ck_assert_msg(strstr(conf, "$internal.pipeline.job-id: \"00000000000000000000000000000001\""),
                  "%s", conf);
    fake_world_free(w);
}
END_TEST

START_TEST(application_becomes_stable_with_job_and_cluster_info)
{
    fake_world *w = world_with("controller-application.yaml");
    until_stable(w, "basic-example");
    json_t *st = json_object_get(fd(w, "basic-example"), "status");
    ck_assert_str_eq(fo_json_get_str(st, "jobManagerDeploymentStatus"), "READY");
    ck_assert_str_eq(fo_json_get_str(st, "jobStatus.state"), "RUNNING");
    ck_assert_str_eq(fo_json_get_str(st, "jobStatus.jobName"), "State machine job");
    ck_assert_str_eq(fo_json_get_str(st, "jobStatus.startTime"), "1776676400000");
    ck_assert_str_eq(fo_json_str(fo_json_get(st, "clusterInfo"), "flink-version"), "1.20.1");
    /* 1 cpu JM + 1 TM of 1 cpu; 2 GiB each. */
    ck_assert_str_eq(fo_json_str(fo_json_get(st, "clusterInfo"), "total-cpu"), "2.0");
    ck_assert_str_eq(fo_json_str(fo_json_get(st, "clusterInfo"), "total-memory"), "4294967296");
    ck_assert_str_eq(fo_json_get_str(st, "reconciliationStatus.lastStableSpec"),
                     fo_json_get_str(st, "reconciliationStatus.lastReconciledSpec"));
    ck_assert_str_eq(fo_json_get_str(st, "taskManager.labelSelector"),
                     "component=taskmanager,app=basic-example");
    int64_t og = 0;
    ck_assert(fo_json_get_int(st, "observedGeneration", &og));
    ck_assert_int_eq(og, 1);
    ck_assert_int_ge(fake_events_count(&w->events, "JobStatusChanged"), 1);
    fake_world_free(w);
}
END_TEST

START_TEST(idle_pass_makes_no_writes)
{
    fake_world *w = world_with("controller-application.yaml");
    until_stable(w, "basic-example");
    size_t before = w->kube.nlog;
    size_t events = w->events.n;
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, "basic-example", &res), FO_OK);
    ck_assert_uint_eq(w->kube.nlog, before);
    ck_assert_int_eq(res.writes, 0);
    ck_assert_uint_eq(w->events.n, events);
    ck_assert_int_eq(res.requeue_after_ms, w->settings.observe_interval_ms);
    fake_world_free(w);
}
END_TEST

START_TEST(resource_created_suspended_deploys_nothing)
{
    fake_world *w = world_with("controller-application.yaml");
    json_object_set_new(json_object_get(fo_json_get(fd(w, "basic-example"), "spec"), "job"),
                        "state", json_string("suspended"));
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_int_eq(fake_count(&w->kube, 0, "create", FO_CTL_KIND_COUNT), 0);
    ck_assert_ptr_null(st_str(w, "basic-example", "reconciliationStatus.lastReconciledSpec"));
    ck_assert_str_eq(st_str(w, "basic-example", "lifecycleState"), "CREATED");
    fake_world_free(w);
}
END_TEST

START_TEST(canary_is_never_deployed)
{
    fake_world *w = world_with("controller-application.yaml");
    fo_json_set_path(fd(w, "basic-example"), "metadata.labels",
                     json_pack("{s:s}", "flink.apache.org/canary", "true"));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, "basic-example", &res), FO_OK);
    ck_assert_uint_eq(w->kube.nlog, 0);
    ck_assert_str_eq(res.action, "CANARY");
    fake_world_free(w);
}
END_TEST

/* ---- validation ------------------------------------------------------------------------------ */

START_TEST(invalid_spec_sets_status_error_and_changes_no_objects)
{
    fake_world *w = world_with("controller-application.yaml");
    until_stable(w, "basic-example");
    /* The user breaks the spec: jobManager.replicas 0 (reference b.3). */
    json_t *obj = fd(w, "basic-example");
    json_object_set_new(json_object_get(fo_json_get(obj, "spec"), "jobManager"), "replicas",
                        json_integer(0));
    json_object_set_new(json_object_get(obj, "metadata"), "generation", json_integer(2));
    size_t before = w->kube.nlog;
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, "basic-example", &res), FO_ETERMINAL);
    /* Only the status was written. */
    ck_assert_int_eq(fake_count(&w->kube, before, NULL, FO_CTL_KIND_COUNT), 1);
    ck_assert_int_eq(fake_count(&w->kube, before, "status", FO_CTL_FLINK_DEPLOYMENT), 1);
    const char *error = st_str(w, "basic-example", "error");
    ck_assert_ptr_nonnull(error);
    ck_assert_ptr_nonnull(strstr(error, "ValidationException"));
    ck_assert_ptr_nonnull(strstr(error, "spec.jobManager.replicas"));
    ck_assert_int_eq(fake_events_count(&w->events, "ValidationError"), 1);
    /* The running spec is untouched; generation 2 is not observed. */
    int64_t og = 0;
    fo_json_get_int(json_object_get(fd(w, "basic-example"), "status"), "observedGeneration", &og);
    ck_assert_int_eq(og, 1);
    const json_t *stalled = NULL;
    size_t i;
    json_t *c;
    json_array_foreach(fo_json_get(json_object_get(fd(w, "basic-example"), "status"), "conditions"),
                       i, c)
    {
        if (strcmp(fo_json_str(c, "type"), "Stalled") == 0)
            stalled = c;
    }
    ck_assert_ptr_nonnull(stalled);
    ck_assert_str_eq(fo_json_str(stalled, "status"), "True");
    ck_assert_str_eq(fo_json_str(stalled, "reason"), "InvalidSpec");
    /* A second pass on the same invalid spec writes nothing and emits nothing new. */
    before = w->kube.nlog;
    size_t events = w->events.n;
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_ETERMINAL);
    ck_assert_uint_eq(w->kube.nlog, before);
    ck_assert_uint_eq(w->events.n, events);
    /* Fixing the spec clears the error. */
    json_object_set_new(json_object_get(fo_json_get(fd(w, "basic-example"), "spec"), "jobManager"),
                        "replicas", json_integer(1));
    json_object_set_new(json_object_get(fd(w, "basic-example"), "metadata"), "generation",
                        json_integer(3));
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_ptr_null(st_str(w, "basic-example", "error"));
    fake_world_free(w);
}
END_TEST

START_TEST(invalid_spec_during_an_upgrade_brings_the_last_spec_back)
{
    fake_world *w = world_with("controller-application.yaml");
    until_stable(w, "basic-example");
    edit_spec(w, "basic-example", "image", json_string("flink:1.20.1"));
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK); /* old cluster torn down */
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, "basic-example"));
    edit_spec(w, "basic-example", "jobManager.replicas", json_integer(0));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, "basic-example", &res), FO_OK);
    ck_assert_str_eq(res.action, "DEPLOY");
    json_t *jm = owned(w, FO_CTL_DEPLOYMENT, "basic-example");
    ck_assert_ptr_nonnull(jm);
    ck_assert_str_eq(
        fo_json_str(json_array_get(fo_json_get(jm, "spec.template.spec.containers"), 0), "image"),
        "flink:1.20");
    ck_assert_ptr_nonnull(strstr(st_str(w, "basic-example", "error"), "ValidationException"));
    int64_t og = 0;
    fo_json_get_int(json_object_get(fd(w, "basic-example"), "status"), "observedGeneration", &og);
    ck_assert_int_eq(og, 1);
    fake_world_free(w);
}
END_TEST

START_TEST(invalid_new_resource_fails_without_objects)
{
    fake_world *w = world_with("controller-application.yaml");
    json_object_del(fo_json_get(fd(w, "basic-example"), "spec"), "flinkVersion");
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_ETERMINAL);
    ck_assert_int_eq(fake_count(&w->kube, 0, "create", FO_CTL_KIND_COUNT), 0);
    ck_assert_str_eq(st_str(w, "basic-example", "lifecycleState"), "FAILED");
    fake_world_free(w);
}
END_TEST

/* ---- drift and recovery ---------------------------------------------------------------------- */

START_TEST(drift_is_repaired)
{
    fake_world *w = world_with("controller-application.yaml");
    until_stable(w, "basic-example");
    fake_drop(&w->kube, FO_CTL_SERVICE, NS, "basic-example-rest");
    json_t *jm = owned(w, FO_CTL_DEPLOYMENT, "basic-example");
    json_t *container = json_array_get(fo_json_get(jm, "spec.template.spec.containers"), 0);
    json_object_set_new(container, "image", json_string("evil:latest"));
    /* Server defaults and foreign annotations are not drift. */
    json_object_set_new(container, "terminationMessagePath", json_string("/dev/termination-log"));
    json_object_set_new(fo_json_ensure_object(json_object_get(jm, "metadata"), "annotations"),
                        "deployment.kubernetes.io/revision", json_string("1"));
    size_t before = w->kube.nlog;
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_int_eq(fake_count(&w->kube, before, "create", FO_CTL_SERVICE), 1);
    ck_assert_int_eq(fake_count(&w->kube, before, "patch", FO_CTL_DEPLOYMENT), 1);
    jm = owned(w, FO_CTL_DEPLOYMENT, "basic-example");
    container = json_array_get(fo_json_get(jm, "spec.template.spec.containers"), 0);
    ck_assert_str_eq(fo_json_str(container, "image"), "flink:1.20");
    ck_assert_ptr_nonnull(owned(w, FO_CTL_SERVICE, "basic-example-rest"));
    /* And the repaired state is idle again. */
    before = w->kube.nlog;
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_int_eq(fake_count(&w->kube, before, NULL, FO_CTL_KIND_COUNT), 0);
    fake_world_free(w);
}
END_TEST

START_TEST(missing_jobmanager_deployment_is_recovered)
{
    fake_world *w = world_with("controller-application.yaml");
    until_stable(w, "basic-example");
    fake_drop(&w->kube, FO_CTL_DEPLOYMENT, NS, "basic-example");
    size_t before = w->kube.nlog;
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_int_eq(fake_count(&w->kube, before, "create", FO_CTL_DEPLOYMENT), 1);
    ck_assert_int_eq(fake_events_count(&w->events, "Missing"), 1);
    ck_assert_int_eq(fake_events_count(&w->events, "RecoverDeployment"), 1);
    ck_assert_str_eq(st_str(w, "basic-example", "jobManagerDeploymentStatus"), "DEPLOYING");
    fake_world_free(w);
}
END_TEST

START_TEST(object_not_owned_is_never_touched)
{
    fake_world *w = world_with("controller-application.yaml");
    json_t *cm = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s}}", "apiVersion", "v1", "kind",
                           "ConfigMap", "metadata", "name", "flink-config-basic-example",
                           "namespace", NS, "data", "mine", "yes");
    fake_put(&w->kube, cm);
    json_decref(cm);
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_int_eq(fake_count(&w->kube, 0, "create", FO_CTL_KIND_COUNT), 0);
    ck_assert_int_eq(fake_count(&w->kube, 0, "patch", FO_CTL_CONFIG_MAP), 0);
    const char *error = st_str(w, "basic-example", "error");
    ck_assert_ptr_nonnull(error);
    ck_assert_ptr_nonnull(strstr(error, "not owned"));
    ck_assert_str_eq(
        fo_json_get_str(owned(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example"), "data.mine"),
        "yes");
    fake_world_free(w);
}
END_TEST

/* ---- spec changes -----------------------------------------------------------------------------
 */

START_TEST(ignore_class_change_is_recorded_without_redeploy)
{
    fake_world *w = world_with("controller-application.yaml");
    until_stable(w, "basic-example");
    edit_spec(w, "basic-example", "job.allowNonRestoredState", json_true());
    size_t before = w->kube.nlog;
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_int_eq(fake_count(&w->kube, before, "delete", FO_CTL_KIND_COUNT), 0);
    ck_assert_int_eq(fake_count(&w->kube, before, "create", FO_CTL_KIND_COUNT), 0);
    ck_assert_ptr_nonnull(
        strstr(st_str(w, "basic-example", "reconciliationStatus.lastReconciledSpec"),
               "\"allowNonRestoredState\":true"));
    ck_assert_str_eq(st_str(w, "basic-example", "lifecycleState"), "STABLE");
    int64_t og = 0;
    fo_json_get_int(json_object_get(fd(w, "basic-example"), "status"), "observedGeneration", &og);
    ck_assert_int_eq(og, 2);
    fake_world_free(w);
}
END_TEST

START_TEST(stateless_upgrade_deletes_then_redeploys_with_a_new_job)
{
    fake_world *w = world_with("controller-application.yaml");
    until_stable(w, "basic-example");
    const char *old_job = "00000000000000000000000000000001";
    ck_assert_str_eq(st_str(w, "basic-example", "jobStatus.jobId"), old_job);
    edit_spec(w, "basic-example", "image", json_string("flink:1.20.1"));

    /* Pass 1: intent (the old spec marked suspended, UPGRADING), cancel, delete the JM. */
    size_t before = w->kube.nlog;
    size_t calls = w->flink.ncalls;
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    int intent = fake_find(&w->kube, before, "status", FO_CTL_FLINK_DEPLOYMENT);
    int del = fake_find(&w->kube, before, "delete", FO_CTL_DEPLOYMENT);
    ck_assert_int_ge(intent, 0);
    ck_assert_int_gt(del, intent);
    const char *marker =
        fo_json_get_str(w->kube.log[intent].body, "status.reconciliationStatus.lastReconciledSpec");
    ck_assert_ptr_nonnull(strstr(marker, "\"state\":\"suspended\""));
    ck_assert_ptr_nonnull(strstr(marker, "\"image\":\"flink:1.20\""));
    ck_assert_str_eq(fo_json_get_str(w->kube.log[intent].body, "status.reconciliationStatus.state"),
                     "UPGRADING");
    ck_assert_int_eq(fake_flink_calls(&w->flink, "PATCH /jobs/"), 1);
    ck_assert_uint_gt(w->flink.ncalls, calls);
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, "basic-example"));
    ck_assert_str_eq(st_str(w, "basic-example", "lifecycleState"), "UPGRADING");
    ck_assert_int_eq(fake_events_count(&w->events, "SpecChanged"), 1);

    /* Pass 2: the JM is gone: deploy the new spec with a new job id. */
    before = w->kube.nlog;
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    intent = fake_find(&w->kube, before, "status", FO_CTL_FLINK_DEPLOYMENT);
    int create = fake_find(&w->kube, before, "create", FO_CTL_DEPLOYMENT);
    ck_assert_int_ge(intent, 0);
    ck_assert_int_gt(create, intent);
    json_t *jm = owned(w, FO_CTL_DEPLOYMENT, "basic-example");
    ck_assert_str_eq(
        fo_json_str(json_array_get(fo_json_get(jm, "spec.template.spec.containers"), 0), "image"),
        "flink:1.20.1");
    ck_assert_str_eq(fo_json_str(fo_json_get(jm, "metadata.annotations"),
                                 "flinkdeployment.flink.apache.org/generation"),
                     "2");
    const char *new_job = st_str(w, "basic-example", "jobStatus.jobId");
    ck_assert_str_ne(new_job, old_job);
    ck_assert_str_eq(st_str(w, "basic-example", "reconciliationStatus.state"), "DEPLOYED");
    /* And it runs again. */
    jm_available(w, "basic-example");
    flink_job(w, "basic-example", "RUNNING");
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_str_eq(st_str(w, "basic-example", "lifecycleState"), "STABLE");
    int64_t og = 0;
    fo_json_get_int(json_object_get(fd(w, "basic-example"), "status"), "observedGeneration", &og);
    ck_assert_int_eq(og, 2);
    fake_world_free(w);
}
END_TEST

START_TEST(upgrade_waits_while_the_old_jobmanager_terminates)
{
    fake_world *w = world_with("controller-application.yaml");
    until_stable(w, "basic-example");
    /* A finalizer keeps the JM Deployment terminating. */
    fo_json_set_path(owned(w, FO_CTL_DEPLOYMENT, "basic-example"), "metadata.finalizers",
                     json_pack("[s]", "foregroundDeletion"));
    edit_spec(w, "basic-example", "image", json_string("flink:1.20.1"));
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_ptr_nonnull(
        fo_json_get(owned(w, FO_CTL_DEPLOYMENT, "basic-example"), "metadata.deletionTimestamp"));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, "basic-example", &res), FO_OK);
    ck_assert_str_eq(res.action, "WAIT");
    /* Waiting again writes nothing (the first wait recorded the JobManager as gone). */
    size_t before = w->kube.nlog;
    ck_assert_int_eq(pass(w, "basic-example", &res), FO_OK);
    ck_assert_str_eq(res.action, "WAIT");
    ck_assert_int_eq(fake_count(&w->kube, before, NULL, FO_CTL_KIND_COUNT), 0);
    ck_assert_int_eq(res.requeue_after_ms, w->settings.progress_interval_ms);
    fake_drop(&w->kube, FO_CTL_DEPLOYMENT, NS, "basic-example");
    ck_assert_int_eq(pass(w, "basic-example", &res), FO_OK);
    ck_assert_str_eq(res.action, "DEPLOY");
    fake_world_free(w);
}
END_TEST

START_TEST(suspend_then_resume)
{
    fake_world *w = world_with("controller-application.yaml");
    until_stable(w, "basic-example");
    edit_spec(w, "basic-example", "job.state", json_string("suspended"));
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_int_eq(fake_events_count(&w->events, "Suspended"), 1);
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_str_eq(st_str(w, "basic-example", "lifecycleState"), "SUSPENDED");
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, "basic-example"));
    /* Idle while suspended: nothing recreated. */
    size_t before = w->kube.nlog;
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_int_eq(fake_count(&w->kube, before, NULL, FO_CTL_KIND_COUNT), 0);
    /* Resume. */
    edit_spec(w, "basic-example", "job.state", json_string("running"));
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, "basic-example"));
    ck_assert_str_eq(st_str(w, "basic-example", "reconciliationStatus.state"), "DEPLOYED");
    fake_world_free(w);
}
END_TEST

START_TEST(savepoint_upgrade_stops_with_savepoint_then_redeploys_from_it)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    until_stable(w, n);
    char jid[33];
    snprintf(jid, sizeof jid, "%s", st_str(w, n, "jobStatus.jobId"));
    char path[128];
    snprintf(path, sizeof path, "POST /jobs/%s/stop", jid);
    fake_flink_answer(&w->flink, path, json_pack("{s:s}", "request-id", TRIGGER_1));
    edit_spec(w, n, "image", json_string("flink:1.20.1"));

    /* Pass 1: the intent, with the trigger id the stop request will carry, is recorded before
     * Flink is asked to stop the job. */
    size_t before = w->kube.nlog;
    size_t calls = w->flink.ncalls;
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    int intent = fake_find(&w->kube, before, "status", FO_CTL_FLINK_DEPLOYMENT);
    ck_assert_int_ge(intent, 0);
    json_t *si = (json_t *)fo_json_get(w->kube.log[intent].body, "status.jobStatus.savepointInfo");
    ck_assert_str_eq(fo_json_str(si, "triggerType"), "UPGRADE");
    char tid[33];
    snprintf(tid, sizeof tid, "%s", fo_json_str(si, "triggerId"));
    ck_assert(fo_flink_rest_is_id(tid));
    ck_assert_int_eq(fake_flink_calls(&w->flink, "POST /jobs/"), 1);
    json_t *stop_body = json_array_get(w->flink.bodies, w->flink.ncalls - 1);
    ck_assert_str_eq(fo_json_str(stop_body, "targetDirectory"), "s3://bucket/savepoints");
    ck_assert_str_eq(fo_json_str(stop_body, "triggerId"), tid);
    ck_assert_uint_gt(w->flink.ncalls, calls);
    ck_assert_str_eq(st_str(w, n, "jobStatus.savepointInfo.triggerId"), tid);
    ck_assert_int_eq(fake_count(&w->kube, before, "delete", FO_CTL_KIND_COUNT), 0);

    /* Pass 2: still in progress. */
    snprintf(path, sizeof path, "GET /jobs/%s/savepoints/%s", jid, tid);
    fake_flink_answer(&w->flink, path, json_pack("{s:{s:s}}", "status", "id", "IN_PROGRESS"));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "AWAIT_SAVEPOINT");
    ck_assert_str_eq(st_str(w, n, "jobStatus.savepointInfo.triggerId"), tid);

    /* Pass 3: completed: path and suspended marker recorded together. */
    fake_flink_answer(&w->flink, path,
                      json_pack("{s:{s:s}, s:{s:s}}", "status", "id", "COMPLETED", "operation",
                                "location", "s3://bucket/savepoints/savepoint-000001-abc"));
    flink_job(w, n, "FINISHED");
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"),
                     "s3://bucket/savepoints/savepoint-000001-abc");
    ck_assert_ptr_nonnull(strstr(st_str(w, n, "reconciliationStatus.lastReconciledSpec"),
                                 "\"upgradeMode\":\"savepoint\""));
    ck_assert_ptr_null(st_str(w, n, "jobStatus.savepointInfo.triggerId"));

    /* Pass 4: teardown; pass 5: deploy from the savepoint. */
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "DELETE_CLUSTER");
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, n));
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "DEPLOY");
    const char *conf = fo_json_str(
        fo_json_get(owned(w, FO_CTL_CONFIG_MAP, "flink-config-savepoint-example"), "data"),
        "config.yaml");
    ck_assert_ptr_nonnull(
        strstr(conf, "execution.savepoint.path: s3://bucket/savepoints/savepoint-000001-abc"));
    ck_assert_str_eq(st_str(w, n, "reconciliationStatus.state"), "DEPLOYED");
    fake_world_free(w);
}
END_TEST

/* An answer refusing the stop (here 404: the job is unknown) ends the attempt; only a missing
 * answer keeps the intent (test_reconcile_crash). */
START_TEST(refused_stop_with_savepoint_clears_the_intent_and_says_why)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    until_stable(w, n);
    edit_spec(w, n, "image", json_string("flink:1.20.1"));
    size_t before = w->kube.nlog;
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "STOP_SAVEPOINT");
    ck_assert_int_eq(fake_flink_calls(&w->flink, "POST /jobs/"), 1);
    ck_assert_ptr_null(st_str(w, n, "jobStatus.savepointInfo.triggerType"));
    ck_assert_ptr_null(st_str(w, n, "jobStatus.savepointInfo.triggerId"));
    ck_assert_ptr_nonnull(strstr(st_str(w, n, "error"), "could not be started"));
    ck_assert_int_eq(fake_events_count(&w->events, "SavepointError"), 1);
    ck_assert_int_eq(fake_count(&w->kube, before, "delete", FO_CTL_KIND_COUNT), 0);
    ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, n));
    fake_world_free(w);
}
END_TEST

START_TEST(last_state_upgrade_without_ha_metadata_is_refused_and_the_cluster_untouched)
{
    fake_world *w = world_with("controller-application-last-state.yaml");
    const char *n = "last-state-example";
    until_stable(w, n);
    edit_spec(w, n, "image", json_string("flink:1.20.1"));
    size_t before = w->kube.nlog;
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "REFUSE");
    ck_assert_int_eq(fake_count(&w->kube, before, "delete", FO_CTL_KIND_COUNT), 0);
    ck_assert_int_eq(fake_count(&w->kube, before, "patch", FO_CTL_KIND_COUNT), 0);
    ck_assert_int_eq(fake_count(&w->kube, before, "create", FO_CTL_KIND_COUNT), 0);
    ck_assert_int_eq(fake_flink_calls(&w->flink, "PATCH"), 0);
    ck_assert_int_eq(fake_flink_calls(&w->flink, "POST"), 0);
    const char *error = st_str(w, n, "error");
    ck_assert_ptr_nonnull(strstr(error, "UpgradeFailureException"));
    ck_assert_ptr_nonnull(strstr(error, "HA metadata is not available"));
    ck_assert_int_eq(fake_events_count(&w->events, "UpgradeFailed"), 1);
    /* The running job still reads RUNNING; the spec was not recorded. */
    ck_assert_str_eq(st_str(w, n, "jobStatus.state"), "RUNNING");
    ck_assert_ptr_null(strstr(st_str(w, n, "reconciliationStatus.lastReconciledSpec"), "1.20.1"));
    /* Asked again: no new event, no new write. */
    before = w->kube.nlog;
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_int_eq(fake_count(&w->kube, before, NULL, FO_CTL_KIND_COUNT), 0);
    ck_assert_int_eq(fake_events_count(&w->events, "UpgradeFailed"), 1);
    fake_world_free(w);
}
END_TEST

static void put_ha_configmaps(fake_world *w)
{
    json_t *maps = fo_test_load_yaml("controller-ha-configmaps.yaml");
    size_t i;
    json_t *cm;
    json_array_foreach(maps, i, cm)
    {
        fake_put(&w->kube, cm);
    }
    json_decref(maps);
}

START_TEST(last_state_upgrade_keeps_ha_data_and_the_job_id)
{
    fake_world *w = world_with("controller-application-last-state.yaml");
    const char *n = "last-state-example";
    const char *jid = "00000000000000000000000000000001";
    until_stable(w, n);
    put_ha_configmaps(w);
    edit_spec(w, n, "job.parallelism", json_integer(4));

    /* Pass 1: intent (suspended by last-state), the JobManager goes, HA data stays, the job
     * is not cancelled (Flink recovers it from HA). */
    size_t before = w->kube.nlog;
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "SUSPEND");
    int intent = fake_find(&w->kube, before, "status", FO_CTL_FLINK_DEPLOYMENT);
    int del = fake_find(&w->kube, before, "delete", FO_CTL_DEPLOYMENT);
    ck_assert_int_ge(intent, 0);
    ck_assert_int_gt(del, intent);
    ck_assert_ptr_nonnull(strstr(
        fo_json_get_str(w->kube.log[intent].body, "status.reconciliationStatus.lastReconciledSpec"),
        "\"upgradeMode\":\"last-state\""));
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, n));
    ck_assert_int_eq(fake_count(&w->kube, before, "delete", FO_CTL_CONFIG_MAP), 0);
    ck_assert_int_eq(fake_flink_calls(&w->flink, "PATCH /jobs/"), 0);

    /* Pass 2: the job graph is dropped from the HA map, then the new spec is deployed with
     * the same job id; the checkpoint pointer is kept. */
    before = w->kube.nlog;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "DEPLOY");
    int drop = -1;
    for (size_t i = before; i < w->kube.nlog && drop < 0; i++)
        if (strcmp(w->kube.log[i].name, "last-state-example-cluster-config-map") == 0)
            drop = (int)i;
    int create = fake_find(&w->kube, before, "create", FO_CTL_DEPLOYMENT);
    ck_assert_int_ge(drop, 0);
    ck_assert_int_gt(create, drop);
    json_t *cluster_cm = owned(w, FO_CTL_CONFIG_MAP, "last-state-example-cluster-config-map");
    ck_assert_ptr_null(json_object_get(json_object_get(cluster_cm, "data"),
                                       "jobGraph-00000000000000000000000000000001"));
    ck_assert_ptr_nonnull(json_object_get(json_object_get(cluster_cm, "data"), "address"));
    json_t *job_cm = owned(w, FO_CTL_CONFIG_MAP,
                           "last-state-example-00000000000000000000000000000001-config-map");
    ck_assert_ptr_nonnull(
        json_object_get(json_object_get(job_cm, "data"), "checkpointID-0000000000000000007"));
    ck_assert_str_eq(st_str(w, n, "jobStatus.jobId"), jid);
    const char *conf = fo_json_str(
        fo_json_get(owned(w, FO_CTL_CONFIG_MAP, "flink-config-last-state-example"), "data"),
        "config.yaml");
    ck_assert_ptr_nonnull(strstr(conf, jid));
    ck_assert_ptr_nonnull(strstr(conf, "parallelism.default: 4"));
    ck_assert_ptr_null(strstr(conf, "execution.savepoint.path"));
    ck_assert_str_eq(st_str(w, n, "reconciliationStatus.state"), "DEPLOYED");
    fake_world_free(w);
}
END_TEST

/* Suspended through HA (last-state), resumed with another upgradeMode: the job is still
 * restored the way it was suspended (c.6 "After suspend"), and Flink's stored job graph must
 * go before the JobManager starts, or Flink recovers the old graph and the new spec is never
 * run (c.6: the job-graph entries are removed before the deploy). */
START_TEST(resuming_a_last_state_suspension_under_another_mode_drops_the_old_job_graph)
{
    fake_world *w = world_with("controller-application-last-state.yaml");
    const char *n = "last-state-example";
    until_stable(w, n);
    put_ha_configmaps(w);
    edit_spec(w, n, "job.state", json_string("suspended"));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "SUSPEND");
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "MARK_SUSPENDED");
    ck_assert_str_eq(st_str(w, n, "lifecycleState"), "SUSPENDED");
    ck_assert_ptr_nonnull(json_object_get(
        fo_json_get(owned(w, FO_CTL_CONFIG_MAP, "last-state-example-cluster-config-map"), "data"),
        "jobGraph-00000000000000000000000000000001"));

    edit_spec(w, n, "job.state", json_string("running"));
    edit_spec(w, n, "job.upgradeMode", json_string("savepoint"));
    edit_spec(w, n, "job.parallelism", json_integer(4));
    size_t before = w->kube.nlog;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "DEPLOY");
    int drop = -1;
    for (size_t i = before; i < w->kube.nlog && drop < 0; i++)
        if (strcmp(w->kube.log[i].name, "last-state-example-cluster-config-map") == 0)
            drop = (int)i;
    int create = fake_find(&w->kube, before, "create", FO_CTL_DEPLOYMENT);
    ck_assert_int_ge(drop, 0);
    ck_assert_int_gt(create, drop);
    json_t *cluster_cm = owned(w, FO_CTL_CONFIG_MAP, "last-state-example-cluster-config-map");
    ck_assert_ptr_null(
        json_object_get(json_object_get(cluster_cm, "data"), "jobGraph-00000000000000000000000000000001"));
    ck_assert_str_eq(st_str(w, n, "jobStatus.jobId"), "00000000000000000000000000000001");
    fake_world_free(w);
}
END_TEST

START_TEST(last_state_with_a_new_flink_version_goes_through_a_savepoint)
{
    fake_world *w = world_with("controller-application-last-state.yaml");
    const char *n = "last-state-example";
    until_stable(w, n);
    put_ha_configmaps(w);
    char path[128];
    snprintf(path, sizeof path, "POST /jobs/%s/stop", "00000000000000000000000000000001");
    fake_flink_answer(&w->flink, path, json_pack("{s:s}", "request-id", TRIGGER_9));
    edit_spec(w, n, "flinkVersion", json_string("v1_19"));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "STOP_SAVEPOINT");
    const char *tid = st_str(w, n, "jobStatus.savepointInfo.triggerId");
    ck_assert(fo_flink_rest_is_id(tid));
    ck_assert_str_eq(fo_json_str(json_array_get(w->flink.bodies, w->flink.ncalls - 1), "triggerId"),
                     tid);
    fake_world_free(w);
}
END_TEST

START_TEST(session_cluster_change_redeploys)
{
    fake_world *w = world_with("controller-session.yaml");
    const char *n = "session-example";
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_ptr_nonnull(owned(w, FO_CTL_INGRESS, n));
    jm_available(w, n);
    flink_job(w, n, "RUNNING");
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, n, "lifecycleState"), "STABLE");
    edit_spec(w, n, "image", json_string("flink:1.20.1"));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "SUSPEND");
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, n));
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "DEPLOY");
    ck_assert_str_eq(fo_json_str(json_array_get(fo_json_get(owned(w, FO_CTL_DEPLOYMENT, n),
                                                            "spec.template.spec.containers"),
                                                0),
                                 "image"),
                     "flink:1.20.1");
    /* Removing the ingress is an in-place change: the Ingress goes, nothing restarts. */
    json_object_del(fo_json_get(fd(w, n), "spec"), "ingress");
    jm_available(w, n);
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "RECORD");
    ck_assert_ptr_null(owned(w, FO_CTL_INGRESS, n));
    ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, n));
    fake_world_free(w);
}
END_TEST

START_TEST(standalone_application_owns_a_taskmanager_deployment)
{
    fake_world *w = world_with("controller-application-standalone.yaml");
    const char *n = "standalone-example";
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, "standalone-example-taskmanager"));
    until_stable(w, n);
    edit_spec(w, n, "image", json_string("flink:1.20.1"));
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, n));
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, "standalone-example-taskmanager"));
    fake_world_free(w);
}
END_TEST

/* ---- deletion ----------------------------------------------------------------------------------
 */

static void delete_fd(fake_world *w, const char *name)
{
    fo_err err;
    ck_assert_int_eq(fk_remove(&w->kube, FO_CTL_FLINK_DEPLOYMENT, NS, name, NULL, NULL, &err),
                     FO_OK);
}

START_TEST(deletion_completes_when_flink_is_unreachable)
{
    fake_world *w = world_with("controller-application.yaml");
    until_stable(w, "basic-example");
    w->flink.unreachable = true;
    delete_fd(w, "basic-example");
    ck_assert_ptr_nonnull(fd(w, "basic-example"));
    for (int i = 0; i < 3 && fd(w, "basic-example"); i++)
        ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_ptr_null(fd(w, "basic-example"));
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, "basic-example"));
    ck_assert_ptr_null(owned(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example"));
    ck_assert_ptr_null(owned(w, FO_CTL_SERVICE, "basic-example-rest"));
    ck_assert_int_eq(fake_events_count(&w->events, "Cleanup"), 1);
    ck_assert_int_ge(fake_flink_calls(&w->flink, "PATCH /jobs/"), 1);
    fake_world_free(w);
}
END_TEST

START_TEST(deletion_completes_when_objects_are_already_gone)
{
    fake_world *w = world_with("controller-application.yaml");
    until_stable(w, "basic-example");
    for (int k = FO_CTL_CONFIG_MAP; k < FO_CTL_KIND_COUNT; k++) {
        json_decref(w->kube.store[k]);
        w->kube.store[k] = json_object();
    }
    delete_fd(w, "basic-example");
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, "basic-example", &res), FO_OK);
    ck_assert_ptr_null(fd(w, "basic-example"));
    ck_assert_int_eq(res.requeue_after_ms, 0);
    fake_world_free(w);
}
END_TEST

START_TEST(deletion_removes_the_finalizer_after_the_cleanup_timeout)
{
    fake_world *w = world_with("controller-application.yaml");
    until_stable(w, "basic-example");
    fo_json_set_path(owned(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example"),
                     "metadata.finalizers", json_pack("[s]", "example.com/stuck"));
    delete_fd(w, "basic-example");
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, "basic-example", &res), FO_OK);
    ck_assert_ptr_nonnull(fd(w, "basic-example"));
    ck_assert_str_eq(st_str(w, "basic-example", "lifecycleState"), "DELETING");
    ck_assert_int_gt(res.requeue_after_ms, 0);
    ck_assert_int_eq(pass(w, "basic-example", &res), FO_OK);
    ck_assert_ptr_nonnull(fd(w, "basic-example"));
    fo_clock_fake_advance(w->clock, w->settings.cleanup_timeout_ms);
    ck_assert_int_eq(pass(w, "basic-example", &res), FO_OK);
    ck_assert_ptr_null(fd(w, "basic-example"));
    ck_assert_int_eq(fake_events_count(&w->events, "CleanupFailed"), 1);
    fake_world_free(w);
}
END_TEST

START_TEST(deletion_removes_ha_data_unless_told_to_keep_it)
{
    for (int keep = 0; keep < 2; keep++) {
        fake_world *w = world_with("controller-application-last-state.yaml");
        const char *n = "last-state-example";
        w->settings.delete_ha_data = !keep;
        until_stable(w, n);
        put_ha_configmaps(w);
        delete_fd(w, n);
        for (int i = 0; i < 3 && fd(w, n); i++)
            ck_assert_int_eq(pass(w, n, NULL), FO_OK);
        ck_assert_ptr_null(fd(w, n));
        json_t *ha = owned(w, FO_CTL_CONFIG_MAP, "last-state-example-cluster-config-map");
        if (keep)
            ck_assert_ptr_nonnull(ha);
        else
            ck_assert_ptr_null(ha);
        ck_assert_ptr_null(owned(w, FO_CTL_CONFIG_MAP, "flink-config-last-state-example"));
        fake_world_free(w);
    }
}
END_TEST

START_TEST(deleted_resource_is_forgotten)
{
    fake_world *w = fake_world_new();
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, "nothing-here", &res), FO_OK);
    ck_assert_str_eq(res.action, "GONE");
    ck_assert_int_eq(res.requeue_after_ms, 0);
    fake_world_free(w);
}
END_TEST

START_TEST(stale_status_write_fails_and_is_retried)
{
    fake_world *w = world_with("controller-application.yaml");
    until_stable(w, "basic-example");
    edit_spec(w, "basic-example", "image", json_string("flink:1.20.1"));
    w->kube.fail_next = FO_ECONFLICT;
    size_t before = w->kube.nlog;
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_ECONFLICT);
    /* The intent did not land, so nothing was deleted. */
    ck_assert_int_eq(fake_count(&w->kube, before, "delete", FO_CTL_KIND_COUNT), 0);
    ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, "basic-example"));
    ck_assert_int_eq(fake_events_count(&w->events, "SpecChanged"), 0);
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, "basic-example"));
    fake_world_free(w);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("reconcile_deployment");
    TCase *tc = tcase_create("pass");
    tcase_add_test(tc, first_deploy_writes_intent_before_creating_objects);
    tcase_add_test(tc, application_becomes_stable_with_job_and_cluster_info);
    tcase_add_test(tc, idle_pass_makes_no_writes);
    tcase_add_test(tc, resource_created_suspended_deploys_nothing);
    tcase_add_test(tc, canary_is_never_deployed);
    tcase_add_test(tc, invalid_spec_sets_status_error_and_changes_no_objects);
    tcase_add_test(tc, invalid_spec_during_an_upgrade_brings_the_last_spec_back);
    tcase_add_test(tc, invalid_new_resource_fails_without_objects);
    tcase_add_test(tc, drift_is_repaired);
    tcase_add_test(tc, missing_jobmanager_deployment_is_recovered);
    tcase_add_test(tc, object_not_owned_is_never_touched);
    tcase_add_test(tc, ignore_class_change_is_recorded_without_redeploy);
    tcase_add_test(tc, stateless_upgrade_deletes_then_redeploys_with_a_new_job);
    tcase_add_test(tc, upgrade_waits_while_the_old_jobmanager_terminates);
    tcase_add_test(tc, suspend_then_resume);
    tcase_add_test(tc, savepoint_upgrade_stops_with_savepoint_then_redeploys_from_it);
    tcase_add_test(tc, refused_stop_with_savepoint_clears_the_intent_and_says_why);
    tcase_add_test(tc, last_state_upgrade_without_ha_metadata_is_refused_and_the_cluster_untouched);
    tcase_add_test(tc, last_state_upgrade_keeps_ha_data_and_the_job_id);
    tcase_add_test(tc, resuming_a_last_state_suspension_under_another_mode_drops_the_old_job_graph);
    tcase_add_test(tc, last_state_with_a_new_flink_version_goes_through_a_savepoint);
    tcase_add_test(tc, session_cluster_change_redeploys);
    tcase_add_test(tc, standalone_application_owns_a_taskmanager_deployment);
    tcase_add_test(tc, deletion_completes_when_flink_is_unreachable);
    tcase_add_test(tc, deletion_completes_when_objects_are_already_gone);
    tcase_add_test(tc, deletion_removes_the_finalizer_after_the_cleanup_timeout);
    tcase_add_test(tc, deletion_removes_ha_data_unless_told_to_keep_it);
    tcase_add_test(tc, deleted_resource_is_forgotten);
    tcase_add_test(tc, stale_status_write_fails_and_is_retried);
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
