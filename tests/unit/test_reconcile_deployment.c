/* controller/reconcile_deployment: whole passes against in-memory fakes of the API server,
 * Flink and the Event sink (tests/unit/ctl_fake_io.h). Resources come from
 * tests/data/controller-*.yaml; what a pass must write comes from docs/controller.md and the
 * reference (c.2 - c.9, c.18). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cluster_defaults.h"
#include "common/flink_model.h"
#include "common/jsonutil.h"
#include "common/kube_oversized.h"
#include "controller/reconcile_deployment.h"
#include "controller/status.h"
#include "tests/support/testutil.h"
#include "tests/unit/ctl_scenario.h"

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

/* Each Event names, in source.component, the part of the Apache operator that emits the same
 * reason (its EventRecorder.Component at each call site): the deploy and the spec change come
 * from the JobManager Deployment's reconciler, the job's state from the job observer, the
 * loss of a job and the failure of a job from the job. */
START_TEST(events_name_the_component_the_apache_operator_names)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    until_stable(w, n);
    ck_assert_str_eq(fake_events_component(&w->events, "Submit"), "JobManagerDeployment");
    ck_assert_str_eq(fake_events_component(&w->events, "JobStatusChanged"), "Job");
    edit_spec(w, n, "job.parallelism", json_integer(4));
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(fake_events_component(&w->events, "SpecChanged"), "JobManagerDeployment");
    fake_world_free(w);

    /* A job that fails: Error from the job (JobStatusObserver.recordJobErrorIfPresent). */
    w = world_with("controller-application.yaml");
    until_stable(w, n);
    const char *jid = st_str(w, n, "jobStatus.jobId");
    char route[128];
    snprintf(route, sizeof route, "GET /jobs/%s/execution-result", jid);
    fake_flink_answer(&w->flink, route,
                      json_pack("{s:{s:s}, s:{s:s, s:s, s:{s:s, s:s}}}", "status", "id",
                                "COMPLETED", "job-execution-result", "id", jid,
                                "application-status", "FAILED", "failure-cause", "class",
                                "java.lang.RuntimeException", "stack-trace",
                                "java.lang.RuntimeException: boom\n\tat Main.main(Main.java:1)"));
    flink_job(w, n, "FAILED");
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_int_eq(fake_events_count(&w->events, "Error"), 1);
    ck_assert_str_eq(fake_events_component(&w->events, "Error"), "Job");
    fake_world_free(w);
}
END_TEST

/* The error of a FAILED job stays while the job is FAILED, in the type Apache writes and in
 * the one flinkop wrote before (an upgrade of flinkop must not drop it). */
START_TEST(a_failed_jobs_error_stays_while_the_job_is_failed)
{
    static const char *const types[] = {"org.apache.flink.util.SerializedThrowable",
                                         "org.apache.flink.runtime.JobException"};
    for (size_t i = 0; i < 2; i++) {
        fake_world *w = world_with("controller-application.yaml");
        const char *n = "basic-example";
        until_stable(w, n);
        char error[256];
        snprintf(error, sizeof error,
                 "{\"type\":\"%s\",\"message\":\"boom\",\"additionalMetadata\":{},"
                 "\"throwableList\":[]}",
                 types[i]);
        json_t *st = json_object_get(fd(w, n), "status");
        json_object_set_new(st, "error", json_string(error));
        json_object_set_new(json_object_get(st, "jobStatus"), "state", json_string("FAILED"));
        flink_job(w, n, "FAILED");
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
        ck_assert_str_eq(st_str(w, n, "error"), error);
        ck_assert_str_eq(st_str(w, n, "lifecycleState"), "FAILED");
        fake_world_free(w);
    }
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

/* An API server whose FlinkDeployment CRD has no status.conditions (the Apache operator's
 * before 1.15, kept by a tool that never updates CRDs): it prunes them from every status
 * write, and a write left with nothing to change is a no-op, answered with the object as it
 * was, resourceVersion included (the API server stores nothing when the object is unchanged). */
static fo_rc pruning_patch(void *ctx, fo_ctl_kind kind, const char *ns, const char *name,
                           bool status, const json_t *patch, json_t **out, fo_err *err)
{
    fake_kube *k = ctx;
    json_t *o = fake_get(k, kind, ns, name);
    if (kind != FO_CTL_FLINK_DEPLOYMENT || !status || !o)
        return fk_patch(ctx, kind, ns, name, status, patch, out, err);
    json_t *pruned = json_deep_copy(patch);
    json_object_del(json_object_get(pruned, "status"), "conditions");
    const char *want_rv = fo_json_get_str(pruned, "metadata.resourceVersion");
    json_t *empty = json_object();
    json_t *old = json_object_get(o, "status");
    json_t *next = fo_json_merge_patch_apply(old ? old : empty, json_object_get(pruned, "status"));
    bool same = fo_json_equal(next, old ? old : empty) &&
                (!want_rv || strcmp(want_rv, fo_json_get_str(o, "metadata.resourceVersion")) == 0);
    json_decref(next);
    json_decref(empty);
    fo_rc rc = FO_OK;
    if (same) {
        k->writes++;
        if (out)
            *out = json_deep_copy(o);
    } else {
        rc = fk_patch(ctx, kind, ns, name, status, pruned, out, err);
    }
    json_decref(pruned);
    return rc;
}

/* A status write the API server makes nothing of replaces no version: the passes after it act
 * on the object as cached. Before, its version was taken for replaced, every later pass found
 * the cache 'behind' a write that never moved it and returned a conflict, and the resource was
 * never reconciled again until someone edited it: here the job failing in Flink never reached
 * its status. */
START_TEST(a_status_write_that_changes_nothing_replaces_no_version)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    w->env.kube.patch = pruning_patch;
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    jm_available(w, n);
    flink_job(w, n, "RUNNING");
    for (int i = 0; i < 6; i++) {
        fo_reconcile_result res;
        fo_rc rc = pass(w, n, &res);
        ck_assert_msg(rc == FO_OK, "pass %d: %s (%s)", i + 2, fo_rc_name(rc),
                      res.action ? res.action : "");
    }
    ck_assert_str_eq(st_str(w, n, "lifecycleState"), "STABLE");
    ck_assert_ptr_null(fo_json_get(json_object_get(fd(w, n), "status"), "conditions"));
    flink_job(w, n, "FAILED");
    fo_reconcile_result res;
    fo_rc rc = pass(w, n, &res);
    ck_assert_msg(rc == FO_OK, "after the job failed: %s (%s)", fo_rc_name(rc),
                  res.action ? res.action : "");
    ck_assert_str_eq(st_str(w, n, "jobStatus.state"), "FAILED");
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
    /* Apache's status defaults before a first deployment */
    ck_assert_str_eq(st_str(w, "basic-example", "jobManagerDeploymentStatus"), "MISSING");
    ck_assert_str_eq(st_str(w, "basic-example", "reconciliationStatus.state"), "UPGRADING");
    fake_world_free(w);
}
END_TEST

/* A resource created suspended has nothing under way: it is not deployed until its spec
 * changes (the status says UPGRADING only as Apache's defaults before a first deployment do).
 * Its periodic passes must not be taken for the next step of a change (res.changing), which
 * the manager queues ahead of every periodic pass of the fleet (fo_workqueue_add_after_urgent):
 * a resource parked suspended would otherwise jump the queue at each pass for ever. */
START_TEST(a_resource_created_suspended_is_no_change_under_way)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    json_object_set_new(json_object_get(fo_json_get(fd(w, n), "spec"), "job"), "state",
                        json_string("suspended"));
    fo_reconcile_result res;
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
        ck_assert_msg(!res.changing, "pass %d of a resource created suspended: changing (%s, "
                      "next in %lld ms)", i, res.action ? res.action : "",
                      (long long)res.requeue_after_ms);
    }
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

/* The Apache operator gives every FlinkDeployment it reconciles its finalizer, canaries too
 * (JOSDK adds it for a Cleaner), and takes it off at their deletion; it is flinkop's finalizer
 * too. A canary taken over from Apache must still go when deleted, and keep everyone else's. */
START_TEST(a_deleted_canary_loses_the_finalizer_apache_gave_it_and_nothing_else)
{
    fake_world *w = world_with("controller-application.yaml");
    json_t *obj = fd(w, "basic-example");
    fo_json_set_path(obj, "metadata.labels", json_pack("{s:s}", "flink.apache.org/canary", "true"));
    fo_json_set_path(obj, "metadata.finalizers",
                     json_pack("[s, s]", "example.com/keep", FO_FINALIZER));
    fo_json_set_path(obj, "metadata.deletionTimestamp", json_string("2026-04-20T09:14:00Z"));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, "basic-example", &res), FO_OK);
    ck_assert_str_eq(res.action, "CANARY");
    ck_assert_uint_eq(w->kube.nlog, 1);
    ck_assert_str_eq(w->kube.log[0].verb, "patch");
    json_t *fins = fo_json_get(fd(w, "basic-example"), "metadata.finalizers");
    ck_assert_uint_eq(json_array_size(fins), 1);
    ck_assert_str_eq(json_string_value(json_array_get(fins, 0)), "example.com/keep");
    ck_assert_ptr_null(json_object_get(fd(w, "basic-example"), "status"));
    /* the other finalizer goes too: the canary is gone, and a pass of it does nothing */
    fo_json_set_path(fd(w, "basic-example"), "metadata.finalizers", json_array());
    json_object_del(w->kube.store[FO_CTL_FLINK_DEPLOYMENT], NS "/basic-example");
    ck_assert_int_eq(pass(w, "basic-example", &res), FO_OK);
    ck_assert_str_eq(res.action, "GONE");
    ck_assert_uint_eq(w->kube.nlog, 1);
    fake_world_free(w);
}
END_TEST

START_TEST(a_deleted_canary_without_the_finalizer_is_left_alone)
{
    fake_world *w = world_with("controller-application.yaml");
    json_t *obj = fd(w, "basic-example");
    fo_json_set_path(obj, "metadata.labels", json_pack("{s:s}", "flink.apache.org/canary", "true"));
    fo_json_set_path(obj, "metadata.finalizers", json_pack("[s]", "example.com/keep"));
    fo_json_set_path(obj, "metadata.deletionTimestamp", json_string("2026-04-20T09:14:00Z"));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, "basic-example", &res), FO_OK);
    ck_assert_str_eq(res.action, "CANARY");
    ck_assert_uint_eq(w->kube.nlog, 0);
    fake_world_free(w);
}
END_TEST

/* ---- validation ------------------------------------------------------------------------------ */

/* Options flinkop does not act on yet are told at admission only (common/validate_noeffect.c):
 * the controller, which runs the same validation, makes neither a status error nor an Event of
 * them, and deploys as without them. */
START_TEST(options_of_no_effect_make_no_event_and_no_status_error)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    json_t *conf = json_pack("{s:s, s:{s:{s:b}}, s:s, s:s, s:s}",
                             "taskmanager.numberOfTaskSlots", "2", "job", "autoscaler", "enabled",
                             1,
                             "kubernetes.operator.jm-deployment.shutdown-ttl", "1h",
                             "kubernetes.operator.job.savepoint-on-deletion", "true",
                             "kubernetes.operator.job.upgrade.ignore-pending-savepoint", "true");
    ck_assert_int_eq(fo_json_set_path(json_object_get(fd(w, n), "spec"), "flinkConfiguration",
                                      conf),
                     FO_OK);
    until_stable(w, n);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, n, "lifecycleState"), "STABLE");
    ck_assert_ptr_null(st_str(w, n, "error"));
    for (size_t i = 0; i < w->events.n; i++)
        ck_assert_msg(w->events.ev[i].type != FO_EVENT_WARNING, "Warning %s: %s",
                      w->events.ev[i].reason, w->events.ev[i].message);
    fake_world_free(w);
}
END_TEST

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
    /* FlinkDeploymentController.validateDeployment tells it as the Operator. */
    ck_assert_str_eq(fake_events_component(&w->events, "ValidationError"), "Operator");
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

/* A key with a NUL character (the API server stores one, the reader reads it) is an invalid
 * spec: reported by name, the running cluster kept; layering never writes it shorter. */
START_TEST(a_key_with_a_nul_character_is_an_invalid_spec)
{
    fake_world *w = world_with("controller-application.yaml");
    until_stable(w, "basic-example");
    json_t *obj = fd(w, "basic-example");
    json_object_setn_new(json_object_get(fo_json_get(obj, "spec"), "flinkConfiguration"),
                         "taskmanager.numberOfTaskSlots\0x", 31, json_string("8"));
    json_object_set_new(json_object_get(obj, "metadata"), "generation", json_integer(2));
    size_t before = w->kube.nlog;
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_ETERMINAL);
    ck_assert_int_eq(fake_count(&w->kube, before, NULL, FO_CTL_KIND_COUNT), 1); /* the status */
    const char *error = st_str(w, "basic-example", "error");
    ck_assert_ptr_nonnull(error);
    ck_assert_ptr_nonnull(strstr(error, "spec.flinkConfiguration"));
    /* status.error is JSON text: the key's \u0000 is written with its backslash escaped */
    ck_assert_msg(strstr(error, "numberOfTaskSlots\\\\u0000x") != NULL, "%s", error);
    fake_world_free(w);
}
END_TEST

/* A spec with more errors than status.error holds (a message of 2 KB, FO_STATUS_MESSAGE_MAX):
 * the status and the Event list the errors that fit, whole, and say how many they leave out,
 * so that the user who fixes the listed ones knows more will follow (the webhook's denial says
 * it too: fo_field_errors_join). Keys with a two-byte character, so a cut inside one shows. */
START_TEST(a_status_error_past_its_size_says_how_many_errors_it_leaves_out)
{
    fake_world *w = world_with("controller-application.yaml");
    until_stable(w, "basic-example");
    json_t *obj = fd(w, "basic-example");
    json_t *logs = json_object();
    enum { KEYS = 100 };
    for (int i = 0; i < KEYS; i++) {
        char key[32];
        snprintf(key, sizeof key, "cl\xc3\xa9-%03d", i);
        json_object_set_new(logs, key, json_string("x"));
    }
    json_object_set_new(json_object_get(obj, "spec"), "logConfiguration", logs);
    json_object_set_new(json_object_get(obj, "metadata"), "generation", json_integer(2));
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_ETERMINAL);
    const char *error = st_str(w, "basic-example", "error");
    ck_assert_ptr_nonnull(error);
    json_t *e = json_loads(error, 0, NULL);
    const char *msg = fo_json_str(e, "message");
    ck_assert_msg(msg, "no message: %s", error);
    ck_assert_uint_le(strlen(msg), 2048);
    size_t listed = 0;
    for (const char *p = msg; (p = strstr(p, "Invalid log config key")); p++)
        listed++;
    ck_assert_uint_gt(listed, 0);
    ck_assert_uint_lt(listed, KEYS);
    char note[64];
    snprintf(note, sizeof note, "; and %zu more errors not shown", KEYS - listed);
    size_t n = strlen(msg), m = strlen(note);
    ck_assert_msg(n > m && strcmp(msg + n - m, note) == 0,
                  "%zu of %d errors listed, the message ends: %s", listed, KEYS,
                  msg + (n > 120 ? n - 120 : 0));
    /* the last error listed is whole */
    const char *end = ", logback-console.xml]";
    ck_assert_int_eq(strncmp(msg + n - m - strlen(end), end, strlen(end)), 0);
    ck_assert_int_eq(fake_events_count(&w->events, "ValidationError"), 1);
    /* the Event, at most 1 KiB (events.k8s.io), the same way */
    const char *ev = w->events.ev[w->events.n - 1].message;
    size_t told = 0;
    for (const char *p = ev; (p = strstr(p, "Invalid log config key")); p++)
        told++;
    ck_assert_uint_gt(told, 0);
    ck_assert_uint_le(strlen(ev), 1024);
    snprintf(note, sizeof note, "; and %zu more errors not shown", KEYS - told);
    m = strlen(note);
    ck_assert_msg(strlen(ev) >= m && strcmp(ev + strlen(ev) - m, note) == 0, "event: ...%s",
                  ev + (strlen(ev) > 120 ? strlen(ev) - 120 : 0));
    json_decref(e);
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

/* Invalid from its first apply: nothing is deployed, and the status is the one the Apache
 * operator writes then (FlinkDeploymentController.validateDeployment with no last reconciled
 * spec: its status defaults plus the error): jobManagerDeploymentStatus MISSING,
 * reconciliationStatus {reconciliationTimestamp 0, state UPGRADING}, lifecycleState FAILED,
 * no observedGeneration. Argo CD's FlinkDeployment health check reads the first two. */
START_TEST(invalid_new_resource_fails_without_objects)
{
    fake_world *w = world_with("controller-application.yaml");
    json_object_del(fo_json_get(fd(w, "basic-example"), "spec"), "flinkVersion");
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_ETERMINAL);
    ck_assert_int_eq(fake_count(&w->kube, 0, "create", FO_CTL_KIND_COUNT), 0);
    ck_assert_str_eq(st_str(w, "basic-example", "lifecycleState"), "FAILED");
    ck_assert_str_eq(st_str(w, "basic-example", "jobManagerDeploymentStatus"), "MISSING");
    ck_assert_str_eq(st_str(w, "basic-example", "reconciliationStatus.state"), "UPGRADING");
    const json_t *st = json_object_get(fd(w, "basic-example"), "status");
    const json_t *ts = fo_json_get(st, "reconciliationStatus.reconciliationTimestamp");
    ck_assert(json_is_integer(ts));
    ck_assert_int_eq(json_integer_value(ts), 0);
    ck_assert_ptr_null(fo_json_get(st, "reconciliationStatus.lastReconciledSpec"));
    ck_assert_ptr_null(fo_json_get(st, "observedGeneration"));
    ck_assert_ptr_nonnull(strstr(st_str(w, "basic-example", "error"), "ValidationException"));
    /* The next pass on the same spec writes nothing. */
    size_t before = w->kube.nlog;
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_ETERMINAL);
    ck_assert_uint_eq(w->kube.nlog, before);
    /* Fixed, it deploys as any new resource. */
    json_object_set_new(fo_json_get(fd(w, "basic-example"), "spec"), "flinkVersion",
                        json_string("v1_20"));
    json_object_set_new(json_object_get(fd(w, "basic-example"), "metadata"), "generation",
                        json_integer(2));
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, "basic-example"));
    ck_assert_str_eq(st_str(w, "basic-example", "reconciliationStatus.state"), "DEPLOYED");
    ck_assert_str_eq(st_str(w, "basic-example", "jobManagerDeploymentStatus"), "DEPLOYING");
    ck_assert_ptr_null(st_str(w, "basic-example", "error"));
    fake_world_free(w);
}
END_TEST

/* What the informer caches of a resource too heavy to hold (common/kube_oversized.h): keeps is
 * FO_KUBE_KEEPS_STATUS, _FINALIZERS or _IDENTITY. */
static void make_stub(json_t *obj, const char *keeps)
{
    json_object_del(obj, "spec");
    json_t *meta = json_object_get(obj, "metadata");
    if (strcmp(keeps, FO_KUBE_KEEPS_STATUS) != 0)
        json_object_del(obj, "status");
    if (strcmp(keeps, FO_KUBE_KEEPS_IDENTITY) == 0) {
        json_object_del(meta, "finalizers");
        json_object_del(meta, "labels");
    }
    json_object_set_new(obj, FO_KUBE_OVERSIZED,
                        json_string("the object holds more than 50000 JSON values"));
    json_object_set_new(obj, FO_KUBE_OVERSIZED_KEEPS, json_string(keeps));
    json_object_set_new(meta, "generation", json_integer(2));
}

START_TEST(a_heavy_resource_is_reported_and_its_cluster_kept)
{
    fake_world *w = world_with("controller-application.yaml");
    until_stable(w, "basic-example");
    make_stub(fd(w, "basic-example"), FO_KUBE_KEEPS_STATUS);
    size_t before = w->kube.nlog;
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_ETERMINAL);
    /* the status alone is written (no finalizer list from a stub), the cluster stays */
    ck_assert_int_eq(fake_count(&w->kube, before, NULL, FO_CTL_KIND_COUNT), 1);
    ck_assert_int_eq(fake_count(&w->kube, before, "status", FO_CTL_FLINK_DEPLOYMENT), 1);
    ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, "basic-example"));
    const char *error = st_str(w, "basic-example", "error");
    ck_assert_ptr_nonnull(error);
    ck_assert_ptr_nonnull(strstr(error, "too large for flinkop"));
    ck_assert_int_eq(fake_events_count(&w->events, "ValidationError"), 1);
    /* without its status and finalizers too (the least a stub keeps): nothing is written, not
     * even the finalizer list (others' finalizers may be missing from it); the Event tells */
    make_stub(fd(w, "basic-example"), FO_KUBE_KEEPS_IDENTITY);
    before = w->kube.nlog;
    size_t events = w->events.n;
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_ETERMINAL);
    ck_assert_uint_eq(w->kube.nlog, before);
    ck_assert_uint_eq(w->events.n, events + 1);
    fake_world_free(w);
}
END_TEST

START_TEST(a_resource_heavy_from_its_creation_gets_its_status_error)
{
    fake_world *w = world_with("controller-application.yaml");
    make_stub(fd(w, "basic-example"), FO_KUBE_KEEPS_STATUS);
    json_object_del(fd(w, "basic-example"), "status"); /* new: there is none yet */
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_ETERMINAL);
    ck_assert_int_eq(fake_count(&w->kube, 0, "create", FO_CTL_KIND_COUNT), 0);
    const char *error = st_str(w, "basic-example", "error");
    ck_assert_ptr_nonnull(error);
    ck_assert_ptr_nonnull(strstr(error, "too large for flinkop"));
    fake_world_free(w);
}
END_TEST

/* A running deployment that is being deleted, cached as a stub keeping `keeps`. */
static fake_world *deleting_stub(const char *keeps)
{
    fake_world *w = world_with("controller-application.yaml");
    until_stable(w, "basic-example");
    json_t *obj = fd(w, "basic-example");
    make_stub(obj, keeps);
    json_object_set_new(json_object_get(obj, "metadata"), "deletionTimestamp",
                        json_string("2026-11-26T10:00:00Z"));
    return w;
}

START_TEST(a_heavy_resource_is_deleted_from_its_stub)
{
    fake_world *w = deleting_stub(FO_KUBE_KEEPS_STATUS);
    for (int i = 0; i < 20 && fd(w, "basic-example"); i++)
        pass(w, "basic-example", NULL);
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, "basic-example"));
    ck_assert_int_ge(fake_flink_calls(&w->flink, "PATCH /jobs/"), 1); /* the job cancelled */
    json_t *left = fd(w, "basic-example");
    ck_assert_msg(!left || json_array_size(fo_json_get(left, "metadata.finalizers")) == 0,
                  "the finalizer stayed on the heavy resource");
    fake_world_free(w);
}
END_TEST

START_TEST(a_stub_without_its_status_is_deleted_without_writing_one)
{
    fake_world *w = deleting_stub(FO_KUBE_KEEPS_FINALIZERS);
    size_t before = w->kube.nlog;
    size_t events = w->events.n;
    for (int i = 0; i < 20 && fd(w, "basic-example"); i++)
        pass(w, "basic-example", NULL);
    ck_assert_ptr_null(fd(w, "basic-example")); /* the finalizer came off: gone */
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, "basic-example"));
    ck_assert_int_eq(fake_count(&w->kube, before, "status", FO_CTL_FLINK_DEPLOYMENT), 0);
    ck_assert_uint_eq(w->events.n, events); /* no Cleanup Event from every pass */
    fake_world_free(w);
}
END_TEST

START_TEST(a_stub_without_finalizers_is_cleaned_up_and_its_finalizer_left_to_the_user)
{
    fake_world *w = deleting_stub(FO_KUBE_KEEPS_IDENTITY);
    size_t before = w->kube.nlog;
    fo_rc rc = FO_OK;
    for (int i = 0; i < 20 && rc == FO_OK; i++)
        rc = pass(w, "basic-example", NULL);
    ck_assert_int_eq(rc, FO_ETERMINAL);
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, "basic-example"));
    /* neither the finalizer list nor a status from nothing was written */
    ck_assert_int_eq(fake_count(&w->kube, before, "patch", FO_CTL_FLINK_DEPLOYMENT), 0);
    ck_assert_int_eq(fake_count(&w->kube, before, "status", FO_CTL_FLINK_DEPLOYMENT), 0);
    ck_assert_int_eq(fake_events_count(&w->events, "CleanupFailed"), 1);
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
    /* AbstractFlinkDeploymentObserver.onMissingDeployment and ApplicationReconciler's
     * recovery name these components. */
    ck_assert_str_eq(fake_events_component(&w->events, "Missing"), "JobManagerDeployment");
    ck_assert_str_eq(fake_events_component(&w->events, "RecoverDeployment"), "Job");
    ck_assert_str_eq(st_str(w, "basic-example", "jobManagerDeploymentStatus"), "DEPLOYING");
    /* As AbstractFlinkDeploymentObserver.onMissingDeployment: a MissingJobManagerException
     * with the Event's text in status.error, in Apache's shape. */
    json_t *error = json_loads(st_str(w, "basic-example", "error"), 0, NULL);
    ck_assert_ptr_nonnull(error);
    ck_assert_str_eq(fo_json_str(error, "type"),
                     "org.apache.flink.kubernetes.operator.exception.MissingJobManagerException");
    ck_assert_str_eq(fo_json_str(error, "message"), "Missing JobManager deployment");
    ck_assert_uint_eq(json_object_size(json_object_get(error, "additionalMetadata")), 0);
    ck_assert_uint_eq(json_array_size(json_object_get(error, "throwableList")), 0);
    json_decref(error);
    /* Kept while the recovered JobManager starts and its job is not running yet... */
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_ptr_nonnull(st_str(w, "basic-example", "error"));
    jm_available(w, "basic-example");
    flink_job(w, "basic-example", "CREATED");
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_str_eq(st_str(w, "basic-example", "jobManagerDeploymentStatus"), "READY");
    ck_assert_ptr_nonnull(st_str(w, "basic-example", "error"));
    /* ... and cleared once it runs again: the spec is stable. */
    flink_job(w, "basic-example", "RUNNING");
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_ptr_null(st_str(w, "basic-example", "error"));
    ck_assert_str_eq(st_str(w, "basic-example", "lifecycleState"), "STABLE");
    ck_assert_int_eq(fake_events_count(&w->events, "Missing"), 1);
    fake_world_free(w);
}
END_TEST

/* A running job that vanishes from Flink's job list while its JobManager answers (its HA
 * data wiped, a job store expired, a user's REST call): Apache's
 * JobStatusObserver.onTargetJobNotFound writes a Warning Missing "Job Not Found", sets
 * status.error to that text (a plain string, JOB_NOT_FOUND_ERR) and the job RECONCILING.
 * Told once when it goes missing, not each pass; the error goes when the job is listed
 * again. */
START_TEST(a_job_missing_from_flinks_list_is_told_once_and_in_status_error)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    until_stable(w, n);
    fake_flink_answer(&w->flink, "GET /jobs/overview", json_pack("{s:[]}", "jobs"));
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, n, "jobStatus.state"), "RECONCILING");
    ck_assert_str_eq(st_str(w, n, "error"), "Job Not Found");
    ck_assert_int_eq(fake_events_count(&w->events, "Missing"), 1);
    size_t last = w->events.n;
    while (last > 0 && strcmp(w->events.ev[last - 1].reason, "Missing") != 0)
        last--;
    ck_assert_int_eq(w->events.ev[last - 1].type, FO_EVENT_WARNING);
    ck_assert_str_eq(w->events.ev[last - 1].message, "Job Not Found");
    ck_assert_str_eq(w->events.ev[last - 1].component, "Job"); /* onTargetJobNotFound */
    /* Still missing: the error stays, nothing is told again, nothing is written. */
    for (int i = 0; i < 3; i++) {
        fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms);
        size_t before = w->kube.nlog;
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
        ck_assert_int_eq(fake_count(&w->kube, before, NULL, FO_CTL_KIND_COUNT), 0);
    }
    ck_assert_str_eq(st_str(w, n, "error"), "Job Not Found");
    ck_assert_int_eq(fake_events_count(&w->events, "Missing"), 1);
    /* Listed again: the error goes. */
    flink_job(w, n, "RUNNING");
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_ptr_null(st_str(w, n, "error"));
    ck_assert_str_eq(st_str(w, n, "jobStatus.state"), "RUNNING");
    fake_world_free(w);
}
END_TEST

/* The recorded spec of fd's status, parsed. New reference. */
static json_t *recorded_spec(fake_world *w, const char *name)
{
    json_t *rec = json_loads(st_str(w, name, "reconciliationStatus.lastReconciledSpec"), 0, NULL);
    ck_assert_ptr_nonnull(rec);
    json_t *spec = json_incref(json_object_get(rec, "spec"));
    json_decref(rec);
    return spec;
}

/* A savepoint-mode job cancelled from outside (the Flink UI, flink cancel): Apache's
 * JobStatusObserver marks the recorded spec suspended (job.state only: upgradeMode and the
 * reconciliation timestamp stay) and SnapshotObserver records the job's last checkpoint as
 * upgradeSavepointPath; the spec still asks running, so the job is resumed from that
 * checkpoint: the cluster with the ended job goes first (ApplicationReconciler.deploy), then a
 * new one restores. flinkop left the record running: the job stayed CANCELED under a live
 * JobManager, and the next spec change tried to stop-with-savepoint a job that was gone. */
START_TEST(a_job_cancelled_from_outside_is_resumed_from_its_last_checkpoint)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    until_stable(w, n);
    char jid[40], ts[32];
    snprintf(jid, sizeof jid, "%s", st_str(w, n, "jobStatus.jobId"));
    int64_t ts_before = 0;
    fo_json_get_int(json_object_get(fd(w, n), "status"),
                    "reconciliationStatus.reconciliationTimestamp", &ts_before);
    snprintf(ts, sizeof ts, "%lld", (long long)ts_before);
    size_t len = 0;
    char *text = fo_test_read_data("flink-checkpoints.json", &len);
    char key[128];
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", jid);
    fake_flink_answer(&w->flink, key, json_loadb(text, len, 0, NULL));
    free(text);

    flink_job(w, n, "CANCELED");
    size_t from = w->kube.nlog;
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, n, "jobStatus.state"), "CANCELED");
    json_t *spec = recorded_spec(w, n);
    ck_assert_str_eq(fo_json_get_str(spec, "job.state"), "suspended");
    ck_assert_str_eq(fo_json_get_str(spec, "job.upgradeMode"), "savepoint");
    json_decref(spec);
    int64_t ts_after = 0;
    fo_json_get_int(json_object_get(fd(w, n), "status"),
                    "reconciliationStatus.reconciliationTimestamp", &ts_after);
    ck_assert_int_eq(ts_after, ts_before);
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"),
                     "s3://flink/checkpoints/a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b/chk-8");
    ck_assert_int_eq(fake_events_count(&w->events, "JobStatusChanged"), 2); /* and RUNNING */
    /* The cluster of the ended job goes; nothing is stopped with a savepoint. */
    ck_assert_int_eq(fake_count(&w->kube, from, "delete", FO_CTL_DEPLOYMENT), 1);
    ck_assert_int_eq(fake_flink_calls(&w->flink, "POST /jobs"), 0);

    /* Gone: the job is deployed again from the checkpoint, under a new job id. */
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    spec = recorded_spec(w, n);
    ck_assert_str_eq(fo_json_get_str(spec, "job.state"), "running");
    json_decref(spec);
    ck_assert_str_eq(st_str(w, n, "reconciliationStatus.state"), "DEPLOYED");
    ck_assert_str_ne(st_str(w, n, "jobStatus.jobId"), jid);
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"),
                     "s3://flink/checkpoints/a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b/chk-8");
    json_t *cm = owned(w, FO_CTL_CONFIG_MAP, "flink-config-savepoint-example");
    ck_assert_ptr_nonnull(cm);
    char *conf = json_dumps(json_object_get(cm, "data"), 0);
    ck_assert_ptr_nonnull(
        strstr(conf, "s3://flink/checkpoints/a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b/chk-8"));
    free(conf);
    ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, n));
    ck_assert_int_eq(fake_events_count(&w->events, "UpgradeFailed"), 0);
    fake_world_free(w);
}
END_TEST

/* With execution.checkpointing.externalized-checkpoint-retention DELETE_ON_CANCELLATION, Flink
 * deletes a job's checkpoints when it is cancelled (CheckpointRetentionPolicy
 * RETAIN_ON_FAILURE): the latest checkpoint's path in the statistics names nothing any more.
 * A savepoint-mode resume must not be deployed from it (the new job would fail to restore)
 * nor from the older savepoint (state would silently go back): no path, manual restore. */
START_TEST(a_job_cancelled_with_its_checkpoints_deleted_is_not_resumed_from_them)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    json_object_set_new(fo_json_get(fd(w, n), "spec.flinkConfiguration"),
                        "execution.checkpointing.externalized-checkpoint-retention",
                        json_string("DELETE_ON_CANCELLATION"));
    until_stable(w, n);
    char key[128];
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", st_str(w, n, "jobStatus.jobId"));
    size_t len = 0;
    char *text = fo_test_read_data("flink-checkpoints.json", &len);
    fake_flink_answer(&w->flink, key, json_loadb(text, len, 0, NULL));
    free(text);
    flink_job(w, n, "CANCELED");
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    json_t *spec = recorded_spec(w, n);
    ck_assert_str_eq(fo_json_get_str(spec, "job.state"), "suspended");
    json_decref(spec);
    ck_assert_ptr_null(st_str(w, n, "jobStatus.upgradeSavepointPath"));
    ck_assert_int_eq(fake_events_count(&w->events, "UpgradeFailed"), 1);
    ck_assert_ptr_nonnull(strstr(st_str(w, n, "error"), "Manual restore required"));
    ck_assert_int_eq(fake_flink_calls(&w->flink, "POST /jobs"), 0);
    fake_world_free(w);
}
END_TEST

/* The running job savepoint-example with flink-checkpoints.json as its statistics (latest:
 * chk-8, discarded false) and, when externalization is not NULL, Flink's answer to GET
 * /jobs/:id/checkpoints/config with that ExternalizedCheckpointInfo; the job id into jid. */
static void with_checkpoints(fake_world *w, const char *n, json_t *externalization, char *jid,
                             size_t len)
{
    until_stable(w, n);
    snprintf(jid, len, "%s", st_str(w, n, "jobStatus.jobId"));
    char key[160];
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", jid);
    size_t tlen = 0;
    char *text = fo_test_read_data("flink-checkpoints.json", &tlen);
    fake_flink_answer(&w->flink, key, json_loadb(text, tlen, 0, NULL));
    free(text);
    if (!externalization)
        return;
    text = fo_test_read_data("flink-checkpoint-config.json", &tlen);
    json_t *cc = json_loadb(text, tlen, 0, NULL);
    free(text);
    json_object_set_new(cc, "externalization", externalization);
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints/config", jid);
    fake_flink_answer(&w->flink, key, cc);
}

/* A job whose code sets DELETE_ON_CANCELLATION
 * (CheckpointConfig.setExternalizedCheckpointRetention) overrides the RETAIN_ON_CANCELLATION
 * flinkop's configuration gives it, and Flink says so in the job's checkpoint configuration
 * (externalization: enabled, delete_on_cancellation). Cancelled from the Flink UI, its
 * checkpoints are deleted, although the statistics archived when it ended may still show
 * chk-8 not discarded (the checkpoint store discards them after). flinkop read only the
 * configuration, recorded chk-8 and resumed the job from a path that was gone. The
 * configuration is asked once, when the job has ended, never while it runs. */
START_TEST(a_job_whose_code_deletes_its_checkpoints_on_cancel_is_not_resumed_from_them)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    char jid[40], key[160];
    with_checkpoints(w, n, json_pack("{s:b, s:b}", "enabled", 1, "delete_on_cancellation", 1),
                     jid, sizeof jid);
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints/config", jid);
    for (int i = 0; i < 3; i++) {
        fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms);
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    }
    ck_assert_int_eq(fake_flink_calls(&w->flink, key), 0);

    flink_job(w, n, "CANCELED");
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    json_t *spec = recorded_spec(w, n);
    ck_assert_str_eq(fo_json_get_str(spec, "job.state"), "suspended");
    json_decref(spec);
    ck_assert_ptr_null(st_str(w, n, "jobStatus.upgradeSavepointPath"));
    ck_assert_int_eq(fake_events_count(&w->events, "UpgradeFailed"), 1);
    ck_assert_ptr_nonnull(strstr(st_str(w, n, "error"), "Manual restore required"));
    ck_assert_int_eq(fake_flink_calls(&w->flink, "POST /jobs"), 0);
    ck_assert_int_eq(fake_flink_calls(&w->flink, key), 1);
    fake_world_free(w);
}
END_TEST

/* The reverse: the configuration says DELETE_ON_CANCELLATION, the job's code
 * RETAIN_ON_CANCELLATION (externalization: enabled, not delete_on_cancellation). Its
 * checkpoints outlive the cancel; flinkop took them for deleted and asked for a manual restore
 * with a good restore point in place. */
START_TEST(a_job_whose_code_retains_its_checkpoints_is_resumed_from_them)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    json_object_set_new(fo_json_get(fd(w, n), "spec.flinkConfiguration"),
                        "execution.checkpointing.externalized-checkpoint-retention",
                        json_string("DELETE_ON_CANCELLATION"));
    char jid[40];
    with_checkpoints(w, n, json_pack("{s:b, s:b}", "enabled", 1, "delete_on_cancellation", 0),
                     jid, sizeof jid);
    flink_job(w, n, "CANCELED");
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"),
                     "s3://flink/checkpoints/a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b/chk-8");
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, n, "reconciliationStatus.state"), "DEPLOYED");
    ck_assert_str_ne(st_str(w, n, "jobStatus.jobId"), jid);
    ck_assert_int_eq(fake_events_count(&w->events, "UpgradeFailed"), 0);
    fake_world_free(w);
}
END_TEST

/* A job that fails with the configuration's RETAIN_ON_CANCELLATION but whose code turned
 * externalized checkpoints off (Flink: externalization not enabled) loses them: no path, and a
 * savepoint upgrade of the failed job asks for a manual restore rather than go back to the
 * path it was deployed from. When Flink cannot tell (no answer for the job's checkpoint
 * configuration), the configuration decides, as before. */
START_TEST(a_failed_job_is_judged_by_its_own_retention_or_else_the_configuration)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    char jid[40];
    with_checkpoints(w, n, json_pack("{s:b, s:b}", "enabled", 0, "delete_on_cancellation", 1),
                     jid, sizeof jid);
    flink_job(w, n, "FAILED");
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, n, "jobStatus.state"), "FAILED");
    ck_assert_ptr_null(st_str(w, n, "jobStatus.upgradeSavepointPath"));
    fake_world_free(w);

    w = world_with("controller-application-savepoint.yaml");
    with_checkpoints(w, n, NULL, jid, sizeof jid);
    flink_job(w, n, "FAILED");
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"),
                     "s3://flink/checkpoints/a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b/chk-8");
    fake_world_free(w);
}
END_TEST

/* A job cancelled in the Flink UI keeps its JobManager (an application cluster outlives its
 * job), and the observer marks the record suspended. When the spec asks suspended too (the
 * user suspended it in the same breath, or gave up on a resume that was refused), suspended
 * means no cluster (c.7: a suspend deletes the JobManager Deployment): the one left behind
 * goes, instead of running with no job until someone deletes it by hand. */
/* Flink's statistics of the running job of savepoint-example: checkpointing on, nothing
 * completed (rest_v1_dispatcher.yml CheckpointingStatistics). */
static void no_checkpoint_yet(fake_world *w, const char *n)
{
    char key[128];
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", st_str(w, n, "jobStatus.jobId"));
    fake_flink_answer(&w->flink, key,
                      json_pack("{s:{s:i, s:i, s:i, s:i, s:i}, s:{}}", "counts", "restored", 0,
                                "total", 0, "in_progress", 0, "completed", 0, "failed", 0,
                                "latest"));
}

START_TEST(a_job_cancelled_from_outside_under_a_suspended_spec_loses_its_cluster)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    until_stable(w, n);
    /* No checkpoint: the resume of the cancelled job is refused, the cluster left as it is. */
    no_checkpoint_yet(w, n);
    flink_job(w, n, "CANCELED");
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    json_t *spec = recorded_spec(w, n);
    ck_assert_str_eq(fo_json_get_str(spec, "job.state"), "suspended");
    json_decref(spec);
    ck_assert_int_eq(fake_events_count(&w->events, "UpgradeFailed"), 1);
    ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, n));

    /* The user gives up and suspends it: the JobManager of the ended job goes. */
    edit_spec(w, n, "job.state", json_string("suspended"));
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, n));
    ck_assert_str_eq(st_str(w, n, "lifecycleState"), "SUSPENDED");
    ck_assert_ptr_null(st_str(w, n, "error"));
    fake_world_free(w);

    /* Cancelled in the UI while the spec already asks suspended: the same, once Flink has
     * said that the job holds no checkpoint. */
    w = world_with("controller-application-savepoint.yaml");
    until_stable(w, n);
    no_checkpoint_yet(w, n);
    edit_spec(w, n, "job.state", json_string("suspended"));
    flink_job(w, n, "CANCELED");
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, n));
    ck_assert_str_eq(st_str(w, n, "lifecycleState"), "SUSPENDED");
    fake_world_free(w);
}
END_TEST

/* A savepoint-mode job cancelled in the Flink UI while its spec asks suspended, whose
 * checkpoint read at the cancel got no answer: its restore source is read through the cluster
 * of the ended job, so that cluster stays (status.error says why) while the read fails or Flink
 * does not answer, and goes once the checkpoint is read and recorded; the resume restores it.
 * The suspend tore the cluster down in the pass of the lost read: the path was never read again
 * (no JobManager to ask), and the resume was refused "Manual restore required" for good. */
START_TEST(a_suspended_cancelled_job_keeps_its_cluster_until_its_checkpoint_is_read)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    until_stable(w, n);
    char jid[40], key[128];
    snprintf(jid, sizeof jid, "%s", st_str(w, n, "jobStatus.jobId"));
    size_t len = 0;
    char *text = fo_test_read_data("flink-checkpoints.json", &len);
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", jid);
    fake_flink_answer(&w->flink, key, json_loadb(text, len, 0, NULL));
    free(text);
    const char *chk = "s3://flink/checkpoints/a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b/chk-8";

    edit_spec(w, n, "job.state", json_string("suspended"));
    snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "%s", key);
    w->flink.lose_times = 1;
    flink_job(w, n, "CANCELED");
    size_t from = w->kube.nlog;
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_int_eq(w->flink.lose_times, 0);
    json_t *spec = recorded_spec(w, n);
    ck_assert_str_eq(fo_json_get_str(spec, "job.state"), "suspended");
    json_decref(spec);
    ck_assert_ptr_null(st_str(w, n, "jobStatus.upgradeSavepointPath"));
    ck_assert_msg(fake_count(&w->kube, from, "delete", FO_CTL_DEPLOYMENT) == 0,
                  "the cluster of the cancelled job went before its checkpoint was read (%s)",
                  res.action);
    ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, n));
    ck_assert_str_eq(res.action, "REFUSE");
    ck_assert_ptr_nonnull(strstr(st_str(w, n, "error"), "could not be read"));

    /* Flink does not answer at all: still unknown, still kept. */
    w->flink.unreachable = true;
    fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms);
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "REFUSE");
    ck_assert_int_eq(fake_count(&w->kube, from, "delete", FO_CTL_DEPLOYMENT), 0);

    /* It answers: the checkpoint is recorded, then the cluster goes. */
    w->flink.unreachable = false;
    fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms);
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"), chk);
    ck_assert_str_eq(res.action, "SUSPEND");
    ck_assert_int_eq(fake_count(&w->kube, from, "delete", FO_CTL_DEPLOYMENT), 1);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, n));
    ck_assert_str_eq(st_str(w, n, "lifecycleState"), "SUSPENDED");
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"), chk);
    ck_assert_ptr_null(st_str(w, n, "error"));

    /* Resumed: from that checkpoint. */
    edit_spec(w, n, "job.state", json_string("running"));
    for (int i = 0; i < 4 && strcmp(res.action, "DEPLOY") != 0; i++)
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "DEPLOY");
    ck_assert_str_ne(st_str(w, n, "jobStatus.jobId"), jid);
    char *conf = json_dumps(
        json_object_get(owned(w, FO_CTL_CONFIG_MAP, "flink-config-savepoint-example"), "data"), 0);
    ck_assert_ptr_nonnull(strstr(conf, chk));
    free(conf);
    fake_world_free(w);
}
END_TEST

/* The same cancel and suspend, the job's code retaining its checkpoints over the
 * configuration's DELETE_ON_CANCELLATION (a_job_whose_code_retains_its_checkpoints_is_resumed_-
 * from_them), and the read of the job's checkpoint configuration lost: the statistics alone
 * cannot tell whether chk-8 outlived the cancel, so the restore source is still unknown. The
 * configuration's retention took it for deleted, the pass concluded "nothing restorable" and
 * tore the cluster down: the resume was refused "Manual restore required" for good, chk-8
 * retained in the checkpoint directory. */
START_TEST(a_lost_retention_read_does_not_give_a_cancelled_jobs_checkpoint_up)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    json_object_set_new(fo_json_get(fd(w, n), "spec.flinkConfiguration"),
                        "execution.checkpointing.externalized-checkpoint-retention",
                        json_string("DELETE_ON_CANCELLATION"));
    char jid[40], key[160];
    with_checkpoints(w, n, json_pack("{s:b, s:b}", "enabled", 1, "delete_on_cancellation", 0),
                     jid, sizeof jid);
    const char *chk = "s3://flink/checkpoints/a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b/chk-8";
    edit_spec(w, n, "job.state", json_string("suspended"));
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints/config", jid);
    snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "%s", key);
    w->flink.lose_times = 1;
    flink_job(w, n, "CANCELED");
    size_t from = w->kube.nlog;
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_int_eq(w->flink.lose_times, 0);
    ck_assert_msg(fake_count(&w->kube, from, "delete", FO_CTL_DEPLOYMENT) == 0,
                  "the cluster of the cancelled job went although its checkpoint's retention "
                  "was not read (%s)",
                  res.action);
    ck_assert_str_eq(res.action, "REFUSE");
    ck_assert_ptr_nonnull(strstr(st_str(w, n, "error"), "could not be read"));

    /* The next pass reads it: chk-8 is recorded, then the cluster goes; the resume takes it. */
    fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms);
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"), chk);
    ck_assert_str_eq(res.action, "SUSPEND");
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, n));
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"), chk);
    edit_spec(w, n, "job.state", json_string("running"));
    for (int i = 0; i < 4 && strcmp(res.action, "DEPLOY") != 0; i++)
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "DEPLOY");
    char *conf = json_dumps(
        json_object_get(owned(w, FO_CTL_CONFIG_MAP, "flink-config-savepoint-example"), "data"), 0);
    ck_assert_ptr_nonnull(strstr(conf, chk));
    free(conf);
    fake_world_free(w);
}
END_TEST

/* A JobManager whose image cannot be pulled (reference c.3): the Apache operator throws a
 * DeploymentFailedException with the container's waiting reason, which its controller turns
 * into status.error (additionalMetadata.reason) and one Warning Event whose reason is that
 * waiting reason (FlinkDeploymentController.triggerErrorEvent), emitted when the JobManager
 * turns ERROR, not again while it stays so. */
START_TEST(a_failing_jobmanager_is_told_in_a_warning_with_its_reason)
{
    fake_world *w = world_with("controller-application.yaml");
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    json_t *pod = json_pack(
        "{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}}, s:{s:[{s:s, s:{s:{s:s, s:s}}}]}}", "apiVersion",
        "v1", "kind", "Pod", "metadata", "name", "basic-example-6d4f-x2", "namespace", NS,
        "labels", "app", "basic-example", "component", "jobmanager", "status",
        "containerStatuses", "name", "flink-main-container", "state", "waiting", "reason",
        "ImagePullBackOff", "message", "Back-off pulling image \"flink:nope\"");
    fake_put(&w->kube, pod);
    json_decref(pod);
    size_t events = w->events.n;
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_str_eq(st_str(w, "basic-example", "jobManagerDeploymentStatus"), "ERROR");
    json_t *error = json_loads(st_str(w, "basic-example", "error"), 0, NULL);
    ck_assert_ptr_nonnull(error);
    ck_assert_str_eq(fo_json_str(error, "type"),
                     "org.apache.flink.kubernetes.operator.exception.DeploymentFailedException");
    ck_assert_str_eq(fo_json_get_str(error, "additionalMetadata.reason"), "ImagePullBackOff");
    json_decref(error);
    ck_assert_uint_eq(w->events.n, events + 1);
    ck_assert_str_eq(w->events.ev[events].reason, "ImagePullBackOff");
    /* FlinkDeploymentController.triggerErrorEvent of a DeploymentFailedException */
    ck_assert_str_eq(w->events.ev[events].component, "JobManagerDeployment");
    ck_assert_int_eq(w->events.ev[events].type, FO_EVENT_WARNING);
    ck_assert_ptr_nonnull(strstr(w->events.ev[events].message, "Back-off pulling image"));
    /* Still failing on the next passes: told once. */
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_int_eq(fake_events_count(&w->events, "ImagePullBackOff"), 1);
    fake_world_free(w);
}
END_TEST

/* A JobManager pod that cannot mount a volume (here a Secret that does not exist) stays in
 * ContainerCreating: its Deployment and containers report nothing, the kubelet's FailedMount
 * Events do. As Apache's observer (EventUtils.checkForVolumeMountErrors, reference c.3): ERROR,
 * a DeploymentFailedException with reason FailedMount, the job RECONCILING, a Warning named
 * by the reason when the JobManager turns ERROR; the error goes once the pod mounts. */
START_TEST(a_jobmanager_pod_that_cannot_mount_a_volume_turns_error)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    json_t *docs = fo_test_load_yaml_all("observe-jobmanager-failed-mount.yaml");
    ck_assert_ptr_nonnull(docs);
    fake_put(&w->kube, json_array_get(docs, 0));
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(json_array_get(docs, 1), "items"), i, e)
        json_array_append(w->kube.core_events, e);
    size_t events = w->events.n;
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, n, "jobManagerDeploymentStatus"), "ERROR");
    ck_assert_str_eq(st_str(w, n, "jobStatus.state"), "RECONCILING");
    json_t *error = json_loads(st_str(w, n, "error"), 0, NULL);
    ck_assert_ptr_nonnull(error);
    ck_assert_str_eq(fo_json_str(error, "type"),
                     "org.apache.flink.kubernetes.operator.exception.DeploymentFailedException");
    ck_assert_str_eq(fo_json_get_str(error, "additionalMetadata.reason"), "FailedMount");
    ck_assert_ptr_nonnull(strstr(fo_json_str(error, "message"),
                                 "MountVolume.SetUp failed for volume \"s3-credentials\" : "
                                 "secret \"s3-credentials\" not found"));
    json_decref(error);
    ck_assert_uint_eq(w->events.n, events + 1);
    ck_assert_str_eq(w->events.ev[events].reason, "FailedMount");
    ck_assert_int_eq(w->events.ev[events].type, FO_EVENT_WARNING);
    ck_assert_ptr_nonnull(strstr(w->events.ev[events].message, "secret \"s3-credentials\""));
    /* Still failing: told once, one Event list per pass. */
    int lists = w->kube.event_lists;
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_int_eq(fake_events_count(&w->events, "FailedMount"), 1);
    ck_assert_int_eq(w->kube.event_lists, lists + 1);
    /* The Secret comes, the volume mounts, the containers start: no more error. */
    json_t *pod = json_deep_copy(json_array_get(docs, 0));
    json_object_set_new(json_array_get(fo_json_get(pod, "status.conditions"), 0), "status",
                        json_string("True"));
    fake_put(&w->kube, pod);
    json_decref(pod);
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, n, "jobManagerDeploymentStatus"), "DEPLOYING");
    ck_assert_ptr_null(st_str(w, n, "error"));
    json_decref(docs);
    fake_world_free(w);
}
END_TEST

/* A host-only ingress template routes every path of the host (IngressUtils sets no path).
 * flinkop before 68e0598 wrote the path "/", which controllers that read ImplementationSpecific
 * literally (GCE, ALB) match alone: the Web UI's /jobs/... requests miss it. Drift repair
 * brings such an Ingress to the rule without a path (restarting nothing); a merge patch of a
 * desired rule that merely leaves the path out would keep it. */
static json_t *ingress_entry(const json_t *ing)
{
    json_t *rule = json_array_get(fo_json_get(ing, "spec.rules"), 0);
    return json_array_get(fo_json_get(rule, "http.paths"), 0);
}

START_TEST(an_ingress_with_the_old_root_path_gets_the_rule_without_a_path)
{
    fake_world *w = world_with("controller-session.yaml");
    const char *n = "session-example";
    until_stable(w, n);
    json_t *ing = json_deep_copy(owned(w, FO_CTL_INGRESS, n));
    json_t *entry = ingress_entry(ing);
    ck_assert_ptr_nonnull(entry);
    json_object_set_new(entry, "path", json_string("/"));
    fake_put(&w->kube, ing);
    json_decref(ing);
    size_t from = w->kube.nlog;
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_int_eq(fake_count(&w->kube, from, "patch", FO_CTL_INGRESS), 1);
    ck_assert_int_eq(fake_count(&w->kube, from, "patch", FO_CTL_DEPLOYMENT), 0);
    entry = ingress_entry(owned(w, FO_CTL_INGRESS, n));
    const char *path = fo_json_str(entry, "path");
    ck_assert_msg(!path || !*path, "the rule still has the path '%s'", path);
    from = w->kube.nlog;
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_int_eq(fake_count(&w->kube, from, NULL, FO_CTL_KIND_COUNT), 0);
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

/* A Deployment of the resource's name that is someone else's is not a JobManager of ours: the
 * first deploy does not wait for it to go (it never would), it says why nothing is created. */
START_TEST(deployment_not_owned_is_reported_not_waited_for)
{
    fake_world *w = world_with("controller-application.yaml");
    json_t *d = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:i}, s:{s:i}}", "apiVersion", "apps/v1",
                          "kind", "Deployment", "metadata", "name", "basic-example", "namespace",
                          NS, "spec", "replicas", 1, "status", "availableReplicas", 1);
    fake_put(&w->kube, d);
    json_decref(d);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_int_eq(fake_count(&w->kube, 0, "create", FO_CTL_KIND_COUNT), 0);
    ck_assert_int_eq(fake_count(&w->kube, 0, "patch", FO_CTL_DEPLOYMENT), 0);
    ck_assert_int_eq(fake_count(&w->kube, 0, "delete", FO_CTL_DEPLOYMENT), 0);
    const char *error = st_str(w, "basic-example", "error");
    ck_assert_msg(error && strstr(error, "Deployment") && strstr(error, "not owned"),
                  "status.error: %s", error ? error : "(none)");
    fake_world_free(w);
}
END_TEST

/* The same at a resume: the Deployment that took the name while the job was suspended is not
 * the old cluster, and the resume does not wait for it to go. */
START_TEST(deployment_not_owned_is_reported_at_a_resume)
{
    fake_world *w = world_with("controller-application.yaml");
    until_stable(w, "basic-example");
    edit_spec(w, "basic-example", "job.state", json_string("suspended"));
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_str_eq(st_str(w, "basic-example", "lifecycleState"), "SUSPENDED");
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, "basic-example"));
    json_t *d = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:i}, s:{s:i}}", "apiVersion", "apps/v1",
                          "kind", "Deployment", "metadata", "name", "basic-example", "namespace",
                          NS, "spec", "replicas", 1, "status", "availableReplicas", 1);
    fake_put(&w->kube, d);
    json_decref(d);
    edit_spec(w, "basic-example", "job.state", json_string("running"));
    size_t from = w->kube.nlog;
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_int_eq(fake_count(&w->kube, from, "patch", FO_CTL_DEPLOYMENT), 0);
    ck_assert_int_eq(fake_count(&w->kube, from, "delete", FO_CTL_DEPLOYMENT), 0);
    const char *error = st_str(w, "basic-example", "error");
    ck_assert_msg(error && strstr(error, "Deployment") && strstr(error, "not owned"),
                  "status.error: %s", error ? error : "(none)");
    fake_world_free(w);
}
END_TEST


/* A JobManager Deployment of the name that is not ours still runs its own cluster, with its own
 * HA data under the same cluster id (a FlinkDeployment deleted with --cascade=orphan and made
 * again, a cluster made by hand): the refused deploy writes nothing, not even the removal of
 * the running job's graph from the HA ConfigMap that a deploy of ours does before it starts
 * its JobManager. */
START_TEST(a_refused_deploy_leaves_the_running_clusters_ha_data_alone)
{
    fake_world *w = world_with("controller-application-last-state.yaml");
    const char *n = "last-state-example";
    json_t *d = json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s, s:s}}, s:{s:i}, s:{s:i}}",
                          "apiVersion", "apps/v1", "kind", "Deployment", "metadata", "name", n,
                          "namespace", NS, "labels", "app", n, "component", "jobmanager", "type",
                          "flink-native-kubernetes", "spec", "replicas", 1, "status",
                          "availableReplicas", 1);
    fake_put(&w->kube, d);
    json_decref(d);
    put_ha_configmaps(w);
    size_t from = w->kube.nlog;
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_int_eq(fake_count(&w->kube, from, "patch", FO_CTL_CONFIG_MAP), 0);
    ck_assert_int_eq(fake_count(&w->kube, from, "delete", FO_CTL_CONFIG_MAP), 0);
    json_t *cm = owned(w, FO_CTL_CONFIG_MAP, "last-state-example-cluster-config-map");
    ck_assert_ptr_nonnull(
        json_object_get(json_object_get(cm, "data"), "jobGraph-00000000000000000000000000000001"));
    const char *error = st_str(w, n, "error");
    ck_assert_msg(error && strstr(error, "Deployment") && strstr(error, "not owned"),
                  "status.error: %s", error ? error : "(none)");
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

/* Replace the record with the spec as the Apache operator records it: as written, without
 * flinkop's mark. */
static void record_as_apache_would(fake_world *w, const char *name)
{
    json_t *obj = fd(w, name);
    char *spec = fo_json_dumps_compact(json_object_get(obj, "spec"));
    char apache[16384];
    snprintf(apache, sizeof apache,
             "{\"spec\":%s,\"resource_metadata\":{\"apiVersion\":\"flink.apache.org/v1beta1\","
             "\"firstDeployment\":false}}",
             spec);
    free(spec);
    ck_assert_int_eq(fo_json_set_path(json_object_get(obj, "status"),
                                      "reconciliationStatus.lastReconciledSpec",
                                      json_string(apache)),
                     FO_OK);
}

/* Three passes an observe interval apart: nothing deleted or created, no Flink call but
 * GETs (no job cancelled or savepoint taken), still STABLE. */
static void passes_leave_it_running(fake_world *w, const char *name)
{
    size_t before = w->kube.nlog, calls = w->flink.ncalls;
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(pass(w, name, NULL), FO_OK);
        fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms + 1000);
    }
    ck_assert_int_eq(fake_count(&w->kube, before, "delete", FO_CTL_KIND_COUNT), 0);
    ck_assert_int_eq(fake_count(&w->kube, before, "create", FO_CTL_KIND_COUNT), 0);
    ck_assert_str_eq(st_str(w, name, "lifecycleState"), "STABLE");
    for (size_t i = calls; i < w->flink.ncalls; i++)
        ck_assert_msg(strncmp(w->flink.calls[i], "GET ", 4) == 0, "called %s",
                      w->flink.calls[i]);
}

/* The Apache operator records the spec as written and merges spec.podTemplate into the role
 * templates only when it deploys; flinkop layers it into the spec. A deployment it recorded,
 * unchanged since, is taken over as it runs: no upgrade, and the objects flinkop builds from
 * the record still hold the common template (it was a SpecChanged UPGRADE that cancelled the
 * job and recreated the JobManager). */
START_TEST(a_spec_recorded_by_the_apache_operator_is_taken_over_without_a_restart)
{
    fake_world *w = world_with("controller-application.yaml");
    json_t *common = json_pack(
        "{s:{s:[{s:s, s:[{s:s, s:s}]}], s:[{s:s, s:{}}]}}", "spec", "containers", "name",
        "flink-main-container", "volumeMounts", "name", "flink-logs", "mountPath",
        "/opt/flink/log", "volumes", "name", "flink-logs", "emptyDir");
    edit_spec(w, "basic-example", "podTemplate", common);
    until_stable(w, "basic-example");
    record_as_apache_would(w, "basic-example");

    passes_leave_it_running(w, "basic-example");
    /* what flinkop builds from that record holds the common template */
    json_t *jm = owned(w, FO_CTL_DEPLOYMENT, "basic-example");
    ck_assert_str_eq(fo_json_get_str(json_array_get(fo_json_get(jm, "spec.template.spec.volumes"),
                                                    0),
                                     "name"),
                     "flink-logs");
    fake_world_free(w);
}
END_TEST

/* A role template that repeats the common template's list in its own order is still the
 * Apache operator's record of the spec as written: taken over without a restart, and a
 * change of an ignored field (allowNonRestoredState) is recorded, not upgraded. */
START_TEST(an_apache_record_whose_roles_repeat_the_common_lists_is_taken_over)
{
    fake_world *w = world_with("controller-application.yaml");
    edit_spec(w, "basic-example", "podTemplate",
              json_pack("{s:{s:[{s:s, s:s}]}}", "spec", "tolerations", "key", "spot", "operator",
                        "Exists"));
    edit_spec(w, "basic-example", "taskManager.podTemplate",
              json_pack("{s:{s:[{s:s, s:s}, {s:s, s:s}]}}", "spec", "tolerations", "key", "gpu",
                        "operator", "Exists", "key", "spot", "operator", "Exists"));
    until_stable(w, "basic-example");
    record_as_apache_would(w, "basic-example");
    passes_leave_it_running(w, "basic-example");
    edit_spec(w, "basic-example", "job.allowNonRestoredState", json_true());
    passes_leave_it_running(w, "basic-example");
    ck_assert_ptr_nonnull(
        strstr(st_str(w, "basic-example", "reconciliationStatus.lastReconciledSpec"),
               "\"allowNonRestoredState\":true"));
    fake_world_free(w);
}
END_TEST

/* A role template's empty list overrides the common one (args: [] under a sidecar's
 * ["--verbose"]); taking that override out is a change of the pods, upgraded with the job's
 * upgrade mode, never read as no change because the record's canonical form drops empty
 * lists (the JobManager was patched in place, restarting the job uncontrolled). */
START_TEST(removing_an_empty_list_override_upgrades)
{
    fake_world *w = world_with("controller-application.yaml");
    edit_spec(w, "basic-example", "podTemplate",
              json_pack("{s:{s:[{s:s}, {s:s, s:s, s:[s]}]}}", "spec", "containers", "name",
                        "flink-main-container", "name", "log-shipper", "image", "fluent-bit",
                        "args", "--verbose"));
    edit_spec(w, "basic-example", "jobManager.podTemplate",
              json_pack("{s:{s:[{s:s, s:[]}]}}", "spec", "containers", "name", "log-shipper",
                        "args"));
    until_stable(w, "basic-example");
    json_t *jm = json_object_get(json_object_get(fd(w, "basic-example"), "spec"), "jobManager");
    json_object_del(jm, "podTemplate");
    edit_spec(w, "basic-example", "job.parallelism", json_integer(2)); /* a new generation */
    size_t before = w->kube.nlog;
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_int_ge(fake_count(&w->kube, before, "delete", FO_CTL_DEPLOYMENT), 1);
    fake_world_free(w);
}
END_TEST

static fo_cluster_defaults *given_defaults(void *ctx)
{
    return fo_cluster_defaults_ref(ctx);
}

/* flinkop's own record is never taken for the Apache operator's: with cluster defaults and
 * spec.podTemplate writing the same list (a toleration each, the user's twice), the record's
 * role templates do not read as holding spec.podTemplate, and comparing the record layered
 * again upgraded the job on every pass. */
START_TEST(flinkops_own_record_is_kept_whatever_the_layers_write)
{
    fake_world *w = world_with("controller-application.yaml");
    static const char yaml[] = "podTemplate:\n  spec:\n    tolerations:\n"
                               "      - {key: dedicated, operator: Exists}\n"
                               "    containers:\n"
                               "      - name: flink-main-container\n"
                               "        ports: [{containerPort: 9249, name: metrics}]\n";
    fo_err err;
    fo_cluster_defaults *cd = fo_cluster_defaults_parse(yaml, sizeof yaml - 1, &err);
    ck_assert_ptr_nonnull(cd);
    w->env.defaults = given_defaults;
    w->env.defaults_ctx = cd;
    json_t *common = json_pack(
        "{s:{s:[{s:s, s:s}, {s:s, s:s}], s:[{s:s, s:[{s:i, s:i}]}]}}", "spec", "tolerations",
        "key", "a", "operator", "Exists", "key", "a", "operator", "Exists", "containers", "name",
        "flink-main-container", "ports", "containerPort", 9249, "hostPort", 9249);
    edit_spec(w, "basic-example", "podTemplate", common);
    until_stable(w, "basic-example");
    passes_leave_it_running(w, "basic-example");
    fake_world_free(w);
    fo_cluster_defaults_unref(cd);
}
END_TEST

/* A change of the cluster defaults reaches a running deployment as an upgrade. Here the
 * record flinkop wrote (defaults' init container first, then the user's) reads, layered
 * again, exactly like the wanted spec once the defaults drop theirs: records flinkop writes
 * are marked and never layered, so it is not taken for the Apache operator's record of that
 * spec (the JobManager was patched in place, the job restarted without its upgrade mode). */
START_TEST(a_cluster_defaults_change_upgrades_even_when_the_record_would_layer_into_it)
{
    fake_world *w = world_with("controller-application.yaml");
    static const char before[] = "podTemplate:\n  spec:\n    initContainers:\n"
                                 "      - {name: setup-a, image: busybox}\n";
    static const char after[] = "flinkConfiguration: {}\n";
    fo_err err;
    fo_cluster_defaults *cd = fo_cluster_defaults_parse(before, sizeof before - 1, &err);
    ck_assert_ptr_nonnull(cd);
    w->env.defaults = given_defaults;
    w->env.defaults_ctx = cd;
    edit_spec(w, "basic-example", "podTemplate",
              json_pack("{s:{s:[{s:s, s:s}, {s:s, s:s}]}}", "spec", "initContainers", "name",
                        "setup-b", "image", "busybox", "name", "setup-a", "image", "busybox"));
    until_stable(w, "basic-example");
    fo_cluster_defaults *cd2 = fo_cluster_defaults_parse(after, sizeof after - 1, &err);
    ck_assert_ptr_nonnull(cd2);
    w->env.defaults_ctx = cd2;
    size_t from = w->kube.nlog;
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
    ck_assert_int_ge(fake_count(&w->kube, from, "delete", FO_CTL_DEPLOYMENT), 1);
    fake_world_free(w);
    fo_cluster_defaults_unref(cd);
    fo_cluster_defaults_unref(cd2);
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

/* The pods an earlier flinkop (68e0598) launched for standalone-example without spec.image:
 * the image flink:latest, user-lib-dir on the TaskManagers too, none of Flink's pod options
 * (the tolerations), no rendering annotation on the Deployments. */
static void as_an_earlier_flinkop_launched_it(fake_world *w, const char *name)
{
    char tm[300];
    snprintf(tm, sizeof tm, "%s-taskmanager", name);
    const char *names[] = {name, tm};
    for (int i = 0; i < 2; i++) {
        json_t *d = json_deep_copy(owned(w, FO_CTL_DEPLOYMENT, names[i]));
        json_object_del(fo_json_get(d, "metadata.annotations"), "flinkop.io/render");
        json_t *pod = (json_t *)fo_json_get(d, "spec.template.spec");
        json_t *main = json_array_get(json_object_get(pod, "containers"), 0);
        json_object_set_new(main, "image", json_string("flink:latest"));
        json_object_del(pod, "tolerations");
        if (i == 1) {
            json_array_append_new(json_object_get(main, "volumeMounts"),
                                  json_pack("{s:s, s:s}", "name", "user-lib-dir", "mountPath",
                                            "/opt/flink/usrlib"));
            json_array_append_new(json_object_get(pod, "volumes"),
                                  json_pack("{s:s, s:{}}", "name", "user-lib-dir", "emptyDir"));
        }
        fake_put(&w->kube, d);
        json_decref(d);
    }
}

/* Drift repair after an operator upgrade keeps the pods a running cluster was launched with:
 * a new default image, Flink's pod options or a mount moved from one role to the other would
 * otherwise roll its JobManager (a job without HA starts over from empty state) and its
 * TaskManagers. The cluster's next launch gets what this version renders. */
START_TEST(an_operator_upgrade_restarts_no_pod_of_a_running_cluster)
{
    fake_world *w = world_with("controller-application-standalone.yaml");
    const char *n = "standalone-example", *tm = "standalone-example-taskmanager";
    json_t *spec = json_object_get(fd(w, n), "spec");
    json_object_del(spec, "image");
    json_object_set_new(json_object_get(spec, "flinkConfiguration"),
                        "kubernetes.jobmanager.tolerations",
                        json_string("key:dedicated,operator:Exists,effect:NoSchedule"));
    until_stable(w, n);
    as_an_earlier_flinkop_launched_it(w, n);
    json_t *jm_pod = json_deep_copy(fo_json_get(owned(w, FO_CTL_DEPLOYMENT, n), "spec.template"));
    json_t *tm_pod =
        json_deep_copy(fo_json_get(owned(w, FO_CTL_DEPLOYMENT, tm), "spec.template"));
    size_t from = w->kube.nlog;
    for (int i = 0; i < 3; i++) {
        fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms);
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    }
    ck_assert_int_eq(fake_count(&w->kube, from, "patch", FO_CTL_DEPLOYMENT), 0);
    ck_assert(fo_json_equal(fo_json_get(owned(w, FO_CTL_DEPLOYMENT, n), "spec.template"), jm_pod));
    ck_assert(fo_json_equal(fo_json_get(owned(w, FO_CTL_DEPLOYMENT, tm), "spec.template"), tm_pod));
    json_decref(jm_pod);
    json_decref(tm_pod);

    /* The next launch (a stateless upgrade: teardown, then deploy) renders as this version. */
    edit_spec(w, n, "job.parallelism", json_integer(6));
    for (int i = 0; i < 3 && owned(w, FO_CTL_DEPLOYMENT, n); i++)
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, n));
    for (int i = 0; i < 3 && !owned(w, FO_CTL_DEPLOYMENT, n); i++)
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    json_t *jm = owned(w, FO_CTL_DEPLOYMENT, n);
    ck_assert_ptr_nonnull(jm);
    json_t *main = json_array_get(fo_json_get(jm, "spec.template.spec.containers"), 0);
    ck_assert_str_eq(fo_json_str(main, "image"), "flink:1.20");
    ck_assert_str_eq(fo_json_str(json_array_get(fo_json_get(jm, "spec.template.spec.tolerations"),
                                                0),
                                 "key"),
                     "dedicated");
    json_t *volumes = (json_t *)fo_json_get(owned(w, FO_CTL_DEPLOYMENT, tm),
                                            "spec.template.spec.volumes");
    size_t i;
    json_t *v;
    json_array_foreach(volumes, i, v)
    {
        ck_assert_str_ne(fo_json_str(v, "name"), "user-lib-dir");
    }
    fake_world_free(w);
}
END_TEST

/* The API as a cache that does not hold the JobManager Deployment (an earlier flinkop let a
 * user's kubernetes.jobmanager.labels replace its `type` label, which the informer selects on)
 * and an API server answering the next `get_failures` Deployment reads with 503. */
typedef struct flaky_kube {
    fo_ctl_kube real;
    const char *hidden;
    int get_failures;
} flaky_kube;

static json_t *flaky_cached(void *ctx, fo_ctl_kind kind, const char *ns, const char *name)
{
    flaky_kube *f = ctx;
    if (kind == FO_CTL_DEPLOYMENT && strcmp(name, f->hidden) == 0)
        return NULL;
    return f->real.cached(f->real.ctx, kind, ns, name);
}

static json_t *flaky_cached_list(void *ctx, fo_ctl_kind kind, const char *ns, const json_t *labels)
{
    flaky_kube *f = ctx;
    return f->real.cached_list(f->real.ctx, kind, ns, labels);
}

static fo_rc flaky_get(void *ctx, fo_ctl_kind kind, const char *ns, const char *name, json_t **out,
                       fo_err *err)
{
    flaky_kube *f = ctx;
    if (kind == FO_CTL_DEPLOYMENT && f->get_failures > 0) {
        f->get_failures--;
        return fo_err_set(err, FO_EUNAVAIL, "the server is currently unable to handle the request");
    }
    return f->real.get(f->real.ctx, kind, ns, name, out, err);
}

static fo_rc flaky_create(void *ctx, fo_ctl_kind kind, const json_t *obj, json_t **out, fo_err *err)
{
    flaky_kube *f = ctx;
    return f->real.create(f->real.ctx, kind, obj, out, err);
}

static fo_rc flaky_patch(void *ctx, fo_ctl_kind kind, const char *ns, const char *name, bool status,
                         const json_t *patch, json_t **out, fo_err *err)
{
    flaky_kube *f = ctx;
    return f->real.patch(f->real.ctx, kind, ns, name, status, patch, out, err);
}

static fo_rc flaky_remove(void *ctx, fo_ctl_kind kind, const char *ns, const char *name,
                          const char *uid, const char *propagation, fo_err *err)
{
    flaky_kube *f = ctx;
    return f->real.remove(f->real.ctx, kind, ns, name, uid, propagation, err);
}

/* A JobManager Deployment the cache does not hold is read through the API; when that read
 * fails, the pass cannot know the rendering (nor the launch) the cluster was started with, and
 * stops instead of taking the current ones: a later create that finds the name taken would
 * patch the running cluster's pods to them (the JobManager of a job without HA starts it over
 * from empty state). */
START_TEST(an_unreadable_jobmanager_deployment_is_not_taken_for_a_new_one)
{
    fake_world *w = world_with("controller-application-standalone.yaml");
    const char *n = "standalone-example", *tm = "standalone-example-taskmanager";
    json_object_del(json_object_get(fd(w, n), "spec"), "image");
    until_stable(w, n);
    as_an_earlier_flinkop_launched_it(w, n);
    json_t *jm_pod = json_deep_copy(fo_json_get(owned(w, FO_CTL_DEPLOYMENT, n), "spec.template"));
    json_t *tm_pod = json_deep_copy(fo_json_get(owned(w, FO_CTL_DEPLOYMENT, tm), "spec.template"));
    flaky_kube f = {.real = w->env.kube, .hidden = n, .get_failures = 2};
    w->env.kube = (fo_ctl_kube){&f,           flaky_cached, flaky_cached_list, flaky_get,
                                flaky_create, flaky_patch,  flaky_remove,      NULL};
    fo_rc rc[3];
    for (int i = 0; i < 3; i++) {
        fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms);
        rc[i] = pass(w, n, NULL);
    }
    ck_assert_int_eq(rc[0], FO_EUNAVAIL); /* retried, rate-limited */
    ck_assert_int_eq(rc[2], FO_OK);       /* the read works again: drift repair as usual */
    ck_assert(fo_json_equal(fo_json_get(owned(w, FO_CTL_DEPLOYMENT, n), "spec.template"), jm_pod));
    ck_assert(fo_json_equal(fo_json_get(owned(w, FO_CTL_DEPLOYMENT, tm), "spec.template"), tm_pod));
    json_decref(jm_pod);
    json_decref(tm_pod);
    w->env.kube = f.real;
    fake_world_free(w);
}
END_TEST

/* "team: data" in kubernetes.jobmanager.labels and .annotations: with config.yaml Flink reads
 * it as the YAML map {team: data}. A cluster launched at rendering level 3 gets team=data on
 * its JobManager, with the generation beside it, and a change that restarts nothing restarts
 * nothing (spec.ingress: appending the generation to the text would have made it part of
 * team's value, and the pod would change with every generation); a running cluster of level 2
 * keeps the pod it was launched with (team=" data" on annotations; as a label the API server
 * refused it). */
START_TEST(flink_map_options_keep_the_generation_and_level_two_pods)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    json_t *conf = fo_json_get(fd(w, n), "spec.flinkConfiguration");
    json_object_set_new(conf, "kubernetes.jobmanager.annotations", json_string("team: data"));
    json_object_set_new(conf, "kubernetes.jobmanager.labels", json_string("team: data"));
    until_stable(w, n);
    json_t *jm = owned(w, FO_CTL_DEPLOYMENT, n);
    json_t *pod_meta = (json_t *)fo_json_get(jm, "spec.template.metadata");
    ck_assert_str_eq(fo_json_get_str(pod_meta, "labels.team"), "data");
    ck_assert_str_eq(fo_json_str(json_object_get(pod_meta, "annotations"), "team"), "data");
    ck_assert_str_eq(fo_json_str(json_object_get(pod_meta, "annotations"),
                                 "flinkdeployment.flink.apache.org/generation"),
                     "1");
    edit_spec(w, n, "ingress", json_pack("{s:s}", "template", "flink.example.com"));
    size_t from = w->kube.nlog;
    for (int i = 0; i < 3; i++) {
        fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms);
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    }
    ck_assert_int_eq(fake_count(&w->kube, from, "patch", FO_CTL_DEPLOYMENT), 0);

    /* the same cluster as level 2 launched it */
    json_t *d = json_deep_copy(owned(w, FO_CTL_DEPLOYMENT, n));
    json_t *meta = json_object_get(d, "metadata");
    json_object_set_new(json_object_get(meta, "annotations"), "flinkop.io/render",
                        json_string("2"));
    json_object_set_new(json_object_get(meta, "annotations"), "team", json_string(" data"));
    json_object_set_new(json_object_get(meta, "labels"), "team", json_string(" data"));
    pod_meta = (json_t *)fo_json_get(d, "spec.template.metadata");
    json_object_set_new(json_object_get(pod_meta, "annotations"), "team", json_string(" data"));
    json_object_set_new(json_object_get(pod_meta, "labels"), "team", json_string(" data"));
    fake_put(&w->kube, d);
    json_t *pod = json_deep_copy(fo_json_get(d, "spec.template"));
    json_decref(d);
    for (int i = 0; i < 3; i++) {
        fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms);
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    }
    ck_assert(fo_json_equal(fo_json_get(owned(w, FO_CTL_DEPLOYMENT, n), "spec.template"), pod));
    json_decref(pod);
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

/* A JobManager that takes the connection and answers nothing (a GC pause, an overloaded one)
 * holds each pass for the observation timeout. The pass tells the manager so (flink_silent),
 * which spaces such passes out, but only while the resource has nothing to do but be
 * observed: a spec change or an upgrade under way goes at its own pace, and a refused
 * connection, which costs nothing, is not silence (docs/controller.md, "A JobManager that
 * does not answer"). */
START_TEST(a_silent_jobmanager_is_told_only_while_nothing_else_is_to_be_done)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    until_stable(w, n);
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert(!res.flink_silent);

    snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "GET /");
    w->flink.lose_times = 1000;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "CONVERGE");
    ck_assert(res.flink_silent);
    ck_assert_int_eq(res.requeue_after_ms, w->settings.observe_interval_ms);
    ck_assert_str_eq(st_str(w, n, "jobStatus.state"), "RECONCILING");
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert(res.flink_silent);

    /* A refused connection returns at once. */
    w->flink.lose_times = 0;
    w->flink.unreachable = true;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert(!res.flink_silent);

    /* A spec change of the silent cluster, and every step of its upgrade, at their pace. */
    w->flink.unreachable = false;
    w->flink.lose_times = 1000;
    edit_spec(w, n, "job.parallelism", json_integer(4));
    int upgrading = 0;
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
        const char *state = st_str(w, n, "reconciliationStatus.state");
        ck_assert_msg(!res.flink_silent, "pass %d (%s, %s) told silence", i, res.action, state);
        upgrading += state && strcmp(state, "UPGRADING") == 0;
        if (state && strcmp(state, "DEPLOYED") == 0 && i > 0)
            break;
    }
    ck_assert_int_ge(upgrading, 1);
    fake_world_free(w);
}
END_TEST

/* A savepoint upgrade of a job whose JobManager does not answer cannot tell whether the job
 * runs, and without the last-state fallback it is refused, the cluster untouched. Each such
 * pass reads at the full timeout (it decides a change), so without a backoff a few of them
 * kept workers busy for good; a refusal that came of the silence is spaced out as an
 * observation is, and the upgrade goes ahead at the first pass that hears Flink again. */
static int count_posts(const fake_world *w, const char *suffix)
{
    int n = 0;
    for (size_t i = 0; i < w->flink.ncalls; i++)
        n += strncmp(w->flink.calls[i], "POST ", 5) == 0 && strstr(w->flink.calls[i], suffix);
    return n;
}

START_TEST(a_change_refused_because_the_jobmanager_is_silent_is_spaced_out)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    json_object_set_new((json_t *)fo_json_get(fd(w, n), "spec.flinkConfiguration"),
                        "kubernetes.operator.job.upgrade.last-state-fallback.enabled",
                        json_string("false"));
    until_stable(w, n);
    snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "GET /");
    w->flink.lose_times = 1000;
    edit_spec(w, n, "image", json_string("flink:1.20.1"));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "REFUSE");
    ck_assert_msg(res.flink_silent, "a change refused for a silent JobManager kept its pace");
    ck_assert_str_eq(st_str(w, n, "reconciliationStatus.state"), "DEPLOYED");
    ck_assert_int_eq(count_posts(w, "/stop"), 0);

    /* Heard again: the upgrade starts (its intent, then the stop). */
    w->flink.lose_times = 0;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert(!res.flink_silent);
    ck_assert_int_eq(count_posts(w, "/stop"), 1);
    fake_world_free(w);
}
END_TEST

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
    ck_assert_str_eq(fake_events_component(&w->events, "Cleanup"), "Operator");
    ck_assert_int_ge(fake_flink_calls(&w->flink, "PATCH /jobs/"), 1);
    fake_world_free(w);
}
END_TEST

/* Deleting a cluster whose JobManager answers nothing: the cancel (10 s each, the timeout of
 * the calls that change things) is sent by the first cleanup pass only, which records
 * DELETING; the passes that wait for the owned objects to go do not send it again. */
START_TEST(deleting_a_silent_cluster_cancels_its_job_once)
{
    fake_world *w = world_with("controller-application.yaml");
    until_stable(w, "basic-example");
    fo_json_set_path(owned(w, FO_CTL_CONFIG_MAP, "flink-config-basic-example"),
                     "metadata.finalizers", json_pack("[s]", "example.com/stuck"));
    w->flink.lose_prefix[0] = '\0'; /* every call */
    w->flink.lose_times = 1000;
    delete_fd(w, "basic-example");
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(pass(w, "basic-example", NULL), FO_OK);
        ck_assert_str_eq(st_str(w, "basic-example", "lifecycleState"), "DELETING");
    }
    ck_assert_int_eq(fake_flink_calls(&w->flink, "PATCH /jobs/"), 1);
    ck_assert_ptr_nonnull(fd(w, "basic-example"));
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

/* While a JobManager pod is still there (shutting down), the HA ConfigMaps stay and so does
 * the finalizer: that JobManager could write them again (its leader election creates the
 * leader map when it is missing), and they would outlive the resource. Once the pod is gone
 * they go, then the finalizer; past the cleanup timeout they go whatever is left. */
START_TEST(deletion_removes_ha_data_after_the_jobmanager_pods)
{
    for (int timeout = 0; timeout < 2; timeout++) {
        fake_world *w = world_with("controller-application-last-state.yaml");
        const char *n = "last-state-example";
        until_stable(w, n);
        put_ha_configmaps(w);
        put_jm_pod(w, n, "last-state-example-jm-0", false);
        delete_fd(w, n);
        for (int i = 0; i < 3; i++)
            ck_assert_int_eq(pass(w, n, NULL), FO_OK);
        ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, n)); /* the cluster goes at once */
        ck_assert_ptr_nonnull(owned(w, FO_CTL_CONFIG_MAP, "last-state-example-cluster-config-map"));
        ck_assert_ptr_nonnull(fd(w, n));
        if (timeout)
            fo_clock_fake_advance(w->clock, w->settings.cleanup_timeout_ms);
        else
            fake_drop(&w->kube, FO_CTL_POD, NS, "last-state-example-jm-0");
        for (int i = 0; i < 3 && fd(w, n); i++)
            ck_assert_int_eq(pass(w, n, NULL), FO_OK);
        ck_assert_ptr_null(fd(w, n));
        ck_assert_ptr_null(owned(w, FO_CTL_CONFIG_MAP, "last-state-example-cluster-config-map"));
        fake_world_free(w);
    }
}
END_TEST

/* Without HA (no HA ConfigMaps, the spec does not turn it on) a JobManager pod stuck
 * terminating (a lost node) does not hold the deletion: nothing it writes outlives it. */
START_TEST(deletion_without_ha_does_not_wait_for_the_jobmanager_pods)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    until_stable(w, n);
    put_jm_pod(w, n, "basic-example-jm-0", false);
    delete_fd(w, n);
    for (int i = 0; i < 3 && fd(w, n); i++)
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_ptr_null(fd(w, n));
    ck_assert_int_eq(fake_events_count(&w->events, "CleanupFailed"), 0);
    fake_world_free(w);
}
END_TEST

/* HA turned on by the cluster defaults alone, no HA ConfigMap written yet: the deletion waits
 * for the JobManager pod all the same (its leader election would write the leader map). */
START_TEST(deletion_with_ha_from_the_cluster_defaults_waits_for_the_jobmanager_pods)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    static const char ha[] = "flinkConfiguration:\n  high-availability.type: kubernetes\n"
                             "  high-availability.storageDir: s3://bucket/ha\n";
    fo_err err;
    fo_cluster_defaults *cd = fo_cluster_defaults_parse(ha, sizeof ha - 1, &err);
    ck_assert_ptr_nonnull(cd);
    w->env.defaults = given_defaults;
    w->env.defaults_ctx = cd;
    until_stable(w, n);
    put_jm_pod(w, n, "basic-example-jm-0", false);
    delete_fd(w, n);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_ptr_nonnull(fd(w, n));
    fake_drop(&w->kube, FO_CTL_POD, NS, "basic-example-jm-0");
    for (int i = 0; i < 3 && fd(w, n); i++)
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_ptr_null(fd(w, n));
    fake_world_free(w);
    fo_cluster_defaults_unref(cd);
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

/* kubernetes.operator.job.restart.failed (c.9, AbstractJobReconciler.reconcileOtherChanges): a
 * job that FAILED is restarted from its latest state: the observer records its last retained
 * checkpoint, the cluster goes (intent first: the suspended marker), and the same spec is
 * deployed from that checkpoint (resubmitJob's savepoint restore, no HA metadata here), with
 * Apache's Submit Event and no SpecChanged. Without the option the FAILED job stays. */
START_TEST(a_failed_job_is_restarted_from_its_last_checkpoint_when_asked)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    json_t *fc = (json_t *)fo_json_get(fd(w, n), "spec.flinkConfiguration");
    json_object_set_new(fc, "execution.checkpointing.externalized-checkpoint-retention",
                        json_string("RETAIN_ON_CANCELLATION"));
    until_stable(w, n);
    char jid[40], key[128];
    snprintf(jid, sizeof jid, "%s", st_str(w, n, "jobStatus.jobId"));
    size_t len = 0;
    char *text = fo_test_read_data("flink-checkpoints.json", &len);
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", jid);
    fake_flink_answer(&w->flink, key, json_loadb(text, len, 0, NULL));
    free(text);
    const char *chk = "s3://flink/checkpoints/a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b/chk-8";

    /* The option off (Apache's default): the FAILED job and its cluster stay. */
    flink_job(w, n, "FAILED");
    size_t from = w->kube.nlog;
    fo_reconcile_result res;
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "CONVERGE");
    ck_assert_int_eq(fake_count(&w->kube, from, "delete", FO_CTL_DEPLOYMENT), 0);
    ck_assert_str_eq(st_str(w, n, "lifecycleState"), "FAILED");

    /* Turned on (an IGNORE-class change, recorded first): restarted. */
    fc = (json_t *)fo_json_get(fd(w, n), "spec.flinkConfiguration");
    json_object_set_new(fc, "kubernetes.operator.job.restart.failed", json_string("true"));
    edit_spec(w, n, "job.parallelism", json_integer(2)); /* the same value: a new generation */
    int submits = fake_events_count(&w->events, "Submit");
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "RECORD");
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "SUSPEND");
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"), chk);
    json_t *spec = recorded_spec(w, n);
    ck_assert_str_eq(fo_json_get_str(spec, "job.state"), "suspended");
    ck_assert_str_eq(fo_json_get_str(spec, "job.upgradeMode"), "savepoint");
    json_decref(spec);
    ck_assert_str_eq(st_str(w, n, "reconciliationStatus.state"), "UPGRADING");
    ck_assert_int_eq(fake_flink_calls(&w->flink, "POST /jobs"), 0);
    for (int i = 0; i < 4 && strcmp(res.action, "DEPLOY") != 0; i++)
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "DEPLOY");
    char *conf = json_dumps(
        json_object_get(owned(w, FO_CTL_CONFIG_MAP, "flink-config-savepoint-example"), "data"), 0);
    ck_assert_ptr_nonnull(strstr(conf, chk));
    free(conf);
    ck_assert_int_eq(fake_events_count(&w->events, "Submit"), submits + 1);
    ck_assert_int_eq(fake_events_count(&w->events, "SpecChanged"), 0);
    jm_available(w, n);
    flink_job(w, n, "RUNNING");
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(st_str(w, n, "jobStatus.state"), "RUNNING");
    ck_assert_str_eq(st_str(w, n, "lifecycleState"), "STABLE");
    ck_assert_ptr_null(st_str(w, n, "error"));
    fake_world_free(w);
}
END_TEST

/* What Flink answers for the recorded job of `name` in `state`, started at start_ms. */
static void flink_job_since(fake_world *w, const char *name, const char *state, int64_t start_ms)
{
    flink_job(w, name, state);
    const char *jid = st_str(w, name, "jobStatus.jobId");
    fake_flink_answer(&w->flink, "GET /jobs/overview",
                      json_pack("{s:[{s:s, s:s, s:s, s:I, s:I}]}", "jobs", "jid", jid, "name",
                                "State machine job", "state", state, "start-time",
                                (json_int_t)start_ms, "last-modification", (json_int_t)start_ms));
}

/* One step of `step_ms` of a job that fails at every start (a broken jar): the kubelet makes
 * its JobManager available, each new job runs for one step and then FAILS. Returns whether the
 * pass restarted it (the suspend that opens a restart). */
static bool failing_step(fake_world *w, const char *n, char seen[40], int64_t step_ms,
                         fo_reconcile_result *res)
{
    if (owned(w, FO_CTL_DEPLOYMENT, n))
        jm_available(w, n);
    const char *jid = st_str(w, n, "jobStatus.jobId");
    int64_t now = fo_clock_now_ms(w->clock);
    if (jid && strcmp(jid, seen) != 0) {
        snprintf(seen, 40, "%s", jid);
        flink_job_since(w, n, "RUNNING", now);
    } else if (jid) {
        flink_job_since(w, n, "FAILED", now - step_ms);
    }
    ck_assert_int_eq(pass(w, n, res), FO_OK);
    fo_clock_fake_advance(w->clock, step_ms);
    /* A long run: the fakes' logs of what was sent are not what is checked here. */
    for (size_t i = 0; i < w->kube.nlog; i++)
        json_decref(w->kube.log[i].body);
    w->kube.nlog = 0;
    w->flink.ncalls = 0;
    json_array_clear(w->flink.bodies);
    if (w->events.n > 200)
        w->events.n = 0;
    return strcmp(res->action, "SUSPEND") == 0;
}

/* kubernetes.operator.job.restart.failed with a job that fails at every start: Apache restarts
 * it at every observation for ever. flinkop restarts it for ever too, but each wait of a streak
 * is at least the sum of the waits before it, from 10 s to at most 5 min (docs/controller.md,
 * "Restarts of a job that keeps failing"): in 30 minutes that is the first restart and at most
 * nine waits (10 + 20 + 40 + 80 + 160 + 300 + 300 + 300 + 300 s = 1510 s, a tenth would end
 * after 1800 s), and at least one restart every 5 min and a cycle. The wait is told in
 * status.error and a Warning RestartBackoff, and the streak is a status condition. */
START_TEST(a_job_failing_at_every_start_is_restarted_with_a_growing_delay)
{
    fake_world *w = world_with("controller-application.yaml"); /* upgradeMode stateless */
    const char *n = "basic-example";
    json_t *fc = (json_t *)fo_json_get(fd(w, n), "spec.flinkConfiguration");
    json_object_set_new(fc, "kubernetes.operator.job.restart.failed", json_string("true"));
    until_stable(w, n);
    char seen[40];
    snprintf(seen, sizeof seen, "%s", st_str(w, n, "jobStatus.jobId"));
    fo_reconcile_result res;
    int restarts = 0;
    bool told = false;
    for (int64_t t = 0; t < 30 * 60 * 1000; t += 5000) {
        restarts += failing_step(w, n, seen, 5000, &res);
        if (strcmp(res.action, "RESTART_BACKOFF") == 0 && !told) {
            told = true;
            const char *e = st_str(w, n, "error");
            ck_assert_msg(e && strstr(e, "kubernetes.operator.job.restart.failed restarts it at"),
                          "status.error during the wait: %s", e ? e : "(none)");
            ck_assert_ptr_nonnull(strstr(e, "\"nextRestartTimestamp\""));
            ck_assert_int_eq(fake_events_count(&w->events, "RestartBackoff"), 1);
            ck_assert_ptr_nonnull(fo_status_condition(json_object_get(fd(w, n), "status"),
                                                      "RestartBackoff"));
        }
    }
    ck_assert_msg(restarts <= 10, "restarted %d times in 30 minutes, not at most 10", restarts);
    ck_assert_msg(restarts >= 5, "restarted only %d times in 30 minutes", restarts);
    ck_assert_msg(told, "no restart waited");
    fake_world_free(w);
}
END_TEST

/* restart.failed set in the cluster defaults and turned off there while a restart waits (no
 * new generation): the streak's condition goes, and status.error no longer announces a restart
 * that will not come; the failed job stays as it is. */
/* A FAILED job suspended while its restart waits: the new generation ends the streak, and
 * status.error no longer announces a restart (seen in a chaos run). */
START_TEST(a_suspend_during_a_restart_wait_takes_the_announced_restart_back)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    json_t *fc = (json_t *)fo_json_get(fd(w, n), "spec.flinkConfiguration");
    json_object_set_new(fc, "kubernetes.operator.job.restart.failed", json_string("true"));
    until_stable(w, n);
    char seen[40];
    snprintf(seen, sizeof seen, "%s", st_str(w, n, "jobStatus.jobId"));
    fo_reconcile_result res;
    bool waited = false;
    for (int i = 0; i < 40 && !waited; i++) {
        failing_step(w, n, seen, 5000, &res);
        waited = strcmp(res.action, "RESTART_BACKOFF") == 0;
    }
    ck_assert_msg(waited, "no restart waited");
    edit_spec(w, n, "job.state", json_string("suspended"));
    flink_job(w, n, "FAILED");
    for (int i = 0; i < 6; i++) {
        if (owned(w, FO_CTL_DEPLOYMENT, n))
            jm_available(w, n);
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
    }
    const char *e = st_str(w, n, "error");
    ck_assert_msg(!e || (!strstr(e, "nextRestartTimestamp") && !strstr(e, "restarts it at")),
                  "suspended: status.error still announces a restart: %s", e);
    ck_assert_msg(!fo_status_condition(json_object_get(fd(w, n), "status"), "RestartBackoff"),
                  "suspended: the RestartBackoff condition stays");
    fake_world_free(w);
}
END_TEST

START_TEST(a_restart_wait_ends_when_restart_failed_is_turned_off_in_the_defaults)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    static const char on[] = "flinkConfiguration:\n  kubernetes.operator.job.restart.failed: "
                             "\"true\"\n";
    static const char off[] = "flinkConfiguration:\n  kubernetes.operator.job.restart.failed: "
                              "\"false\"\n";
    fo_err err;
    fo_cluster_defaults *cd_on = fo_cluster_defaults_parse(on, sizeof on - 1, &err);
    fo_cluster_defaults *cd_off = fo_cluster_defaults_parse(off, sizeof off - 1, &err);
    ck_assert(cd_on && cd_off);
    w->env.defaults = given_defaults;
    w->env.defaults_ctx = cd_on;
    until_stable(w, n);
    char seen[40];
    snprintf(seen, sizeof seen, "%s", st_str(w, n, "jobStatus.jobId"));
    fo_reconcile_result res;
    bool waited = false;
    for (int i = 0; i < 40 && !waited; i++) {
        failing_step(w, n, seen, 5000, &res);
        waited = strcmp(res.action, "RESTART_BACKOFF") == 0;
    }
    ck_assert_msg(waited, "no restart waited");
    ck_assert_ptr_nonnull(fo_status_condition(json_object_get(fd(w, n), "status"),
                                              "RestartBackoff"));
    w->env.defaults_ctx = cd_off;
    flink_job(w, n, "FAILED");
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_msg(strcmp(res.action, "RESTART_BACKOFF") != 0 && strcmp(res.action, "SUSPEND") != 0,
                  "restart.failed off: the pass still %s", res.action);
    ck_assert_msg(!fo_status_condition(json_object_get(fd(w, n), "status"), "RestartBackoff"),
                  "restart.failed off: the RestartBackoff condition stays");
    const char *e = st_str(w, n, "error");
    ck_assert_msg(e && !strstr(e, "nextRestartTimestamp") && !strstr(e, "restarts it at"),
                  "restart.failed off: status.error still announces a restart: %s",
                  e ? e : "(none)");
    ck_assert_msg(strstr(e, "\"type\""), "status.error lost the failure: %s", e);
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(st_str(w, n, "jobStatus.state"), "FAILED");
    w->env.defaults_ctx = NULL;
    fo_cluster_defaults_unref(cd_on);
    fo_cluster_defaults_unref(cd_off);
    fake_world_free(w);
}
END_TEST

/* A streak ends when the job has run 10 minutes since a restart, or when the spec changes: the
 * next failure is then restarted at once, as Apache does (docs/controller.md, "Restarts of a
 * job that keeps failing"). */
START_TEST(a_restart_streak_ends_after_a_healthy_run_or_a_spec_change)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    json_t *fc = (json_t *)fo_json_get(fd(w, n), "spec.flinkConfiguration");
    json_object_set_new(fc, "kubernetes.operator.job.restart.failed", json_string("true"));
    until_stable(w, n);
    char seen[40];
    snprintf(seen, sizeof seen, "%s", st_str(w, n, "jobStatus.jobId"));
    fo_reconcile_result res;
    int restarts = 0;
    for (int i = 0; i < 200 && restarts < 2; i++)
        restarts += failing_step(w, n, seen, 5000, &res);
    ck_assert_int_eq(restarts, 2);
    ck_assert_ptr_nonnull(
        fo_status_condition(json_object_get(fd(w, n), "status"), "RestartBackoff"));

    /* The restarted job runs 10 minutes: the streak is over. */
    for (int i = 0; i < 10 && strcmp(st_str(w, n, "jobStatus.jobId"), seen) == 0; i++)
        failing_step(w, n, seen, 5000, &res); /* until the new job id is deployed */
    int64_t start = fo_clock_now_ms(w->clock);
    for (int64_t t = 0; t <= 10 * 60 * 1000; t += 15000) {
        jm_available(w, n);
        flink_job_since(w, n, "RUNNING", start);
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
        fo_clock_fake_advance(w->clock, 15000);
    }
    ck_assert_str_eq(st_str(w, n, "jobStatus.state"), "RUNNING");
    ck_assert_msg(
        !fo_status_condition(json_object_get(fd(w, n), "status"), "RestartBackoff"),
        "the streak outlived 10 minutes of a running job");
    snprintf(seen, sizeof seen, "%s", st_str(w, n, "jobStatus.jobId"));
    flink_job_since(w, n, "FAILED", start);
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "SUSPEND");

    /* A new streak, in a wait: a spec change ends it, and the job is restarted at once. */
    for (int i = 0; i < 200 && strcmp(res.action, "RESTART_BACKOFF") != 0; i++)
        failing_step(w, n, seen, 5000, &res);
    ck_assert_str_eq(res.action, "RESTART_BACKOFF");
    edit_spec(w, n, "job.parallelism", json_integer(2)); /* the same value: a new generation */
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "SUSPEND");
    fake_world_free(w);
}
END_TEST

/* Flink's statistics of the job of n: checkpoint chk-3 completed, then discarded (Flink
 * deleted it when the job ended): the job had state, and none of it is left to restore. */
static void checkpoint_discarded(fake_world *w, const char *n)
{
    char key[128];
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", st_str(w, n, "jobStatus.jobId"));
    fake_flink_answer(
        &w->flink, key,
        json_pack("{s:{s:i, s:i, s:i, s:i, s:i}, s:{s:{s:i, s:s, s:b, s:s, s:b, s:I}}}", "counts",
                  "restored", 0, "total", 3, "in_progress", 0, "completed", 3, "failed", 0,
                  "latest", "completed", "id", 3, "status", "COMPLETED", "is_savepoint", 0,
                  "external_path", "s3://flink/checkpoints/x/chk-3", "discarded", 1,
                  "trigger_timestamp", (json_int_t)1700000000000));
}

/* kubernetes.operator.job.restart.failed, the job failed before its first checkpoint and was
 * deployed from empty state: Flink's statistics say no checkpoint or savepoint completed and
 * latest.restored is null (rest_v1_dispatcher CheckpointingStatistics, LatestCheckpoints), so
 * its state is empty and the restart deploys it from empty state, losing nothing, as Apache
 * does (it was refused 'Manual restore required' for good, and so was every later change). A
 * Normal Suspended Event says so; no UpgradeFailed. The same job restored from a savepoint X
 * that failed before its first checkpoint restarts from X. */
START_TEST(a_failed_job_that_took_no_checkpoint_is_restarted_from_empty_state)
{
    static const char *const fixtures[][2] = {
        {"controller-application-savepoint.yaml", "savepoint-example"},
        {"controller-application-last-state.yaml", "last-state-example"},
    };
    for (size_t c = 0; c < 2; c++) {
        fake_world *w = world_with(fixtures[c][0]);
        const char *n = fixtures[c][1];
        json_t *fc = (json_t *)fo_json_get(fd(w, n), "spec.flinkConfiguration");
        json_object_set_new(fc, "kubernetes.operator.job.restart.failed", json_string("true"));
        until_stable(w, n);
        char jid[40];
        snprintf(jid, sizeof jid, "%s", st_str(w, n, "jobStatus.jobId"));
        no_checkpoint_yet(w, n);
        flink_job(w, n, "FAILED");
        fo_reconcile_result res;
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
        ck_assert_msg(strcmp(res.action, "SUSPEND") == 0,
                      "%s: the restart of the failed job with empty state: %s (%s)", n,
                      res.action, st_str(w, n, "error") ? st_str(w, n, "error") : "");
        json_t *spec = recorded_spec(w, n);
        ck_assert_str_eq(fo_json_get_str(spec, "job.upgradeMode"), "stateless");
        json_decref(spec);
        bool told = false;
        for (size_t i = 0; i < w->events.n; i++)
            told = told || (strcmp(w->events.ev[i].reason, "Suspended") == 0 &&
                            strstr(w->events.ev[i].message, "from empty state"));
        ck_assert_msg(told, "%s: no Suspended Event tells the restart from empty state", n);
        for (int i = 0; i < 6 && strcmp(res.action, "DEPLOY") != 0; i++)
            ck_assert_int_eq(pass(w, n, &res), FO_OK);
        ck_assert_str_eq(res.action, "DEPLOY");
        char cm[64];
        snprintf(cm, sizeof cm, "flink-config-%s", n);
        char *conf = json_dumps(json_object_get(owned(w, FO_CTL_CONFIG_MAP, cm), "data"), 0);
        ck_assert_ptr_null(strstr(conf, "execution.savepoint.path"));
        free(conf);
        ck_assert_str_ne(st_str(w, n, "jobStatus.jobId"), jid);
        ck_assert_int_eq(fake_events_count(&w->events, "UpgradeFailed"), 0);
        fake_world_free(w);
    }

    /* Restored from a savepoint, failed before its first checkpoint: restarted from it. */
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    json_t *fc = (json_t *)fo_json_get(fd(w, n), "spec.flinkConfiguration");
    json_object_set_new(fc, "kubernetes.operator.job.restart.failed", json_string("true"));
    until_stable(w, n);
    char key[128];
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", st_str(w, n, "jobStatus.jobId"));
    fake_flink_answer(&w->flink, key,
                      json_pack("{s:{s:i, s:i, s:i, s:i, s:i}, s:{s:{s:i, s:b, s:s, s:I}}}",
                                "counts", "restored", 1, "total", 0, "in_progress", 0,
                                "completed", 0, "failed", 0, "latest", "restored", "id", 4,
                                "is_savepoint", 1, "external_path", "s3://flink/savepoints/sp-x",
                                "restore_timestamp", (json_int_t)1700000000000));
    flink_job(w, n, "FAILED");
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "SUSPEND");
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"), "s3://flink/savepoints/sp-x");
    for (int i = 0; i < 6 && strcmp(res.action, "DEPLOY") != 0; i++)
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "DEPLOY");
    char *conf = json_dumps(
        json_object_get(owned(w, FO_CTL_CONFIG_MAP, "flink-config-savepoint-example"), "data"), 0);
    ck_assert_ptr_nonnull(strstr(conf, "s3://flink/savepoints/sp-x"));
    free(conf);
    fake_world_free(w);
}
END_TEST

/* kubernetes.operator.job.restart.failed with no known state (Flink's statistics of the job
 * say it took a checkpoint, discarded when it failed: its state was lost; the fake's default
 * 404 would be a failed read, which waits): refused (Manual restore required), the cluster
 * left as it is; status.error says so. The way out named by the refusal: upgradeMode stateless
 * (an IGNORE-class change) restarts the job from nothing. */
START_TEST(a_failed_job_without_state_is_refused_until_the_spec_says_stateless)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    json_t *fc = (json_t *)fo_json_get(fd(w, n), "spec.flinkConfiguration");
    json_object_set_new(fc, "kubernetes.operator.job.restart.failed", json_string("true"));
    until_stable(w, n);
    checkpoint_discarded(w, n);
    flink_job(w, n, "FAILED");
    size_t from = w->kube.nlog;
    fo_reconcile_result res;
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "REFUSE");
    ck_assert_int_eq(fake_count(&w->kube, from, "delete", FO_CTL_DEPLOYMENT), 0);
    ck_assert_ptr_nonnull(strstr(st_str(w, n, "error"), "Manual restore required"));
    ck_assert_int_eq(fake_events_count(&w->events, "UpgradeFailed"), 1);
    edit_spec(w, n, "job.upgradeMode", json_string("stateless"));
    for (int i = 0; i < 8 && strcmp(res.action, "DEPLOY") != 0; i++)
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "DEPLOY");
    jm_available(w, n);
    flink_job(w, n, "RUNNING");
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(st_str(w, n, "jobStatus.state"), "RUNNING");
    ck_assert_ptr_null(st_str(w, n, "error"));
    fake_world_free(w);
}
END_TEST

/* An ended job whose restore source is unknown has its checkpoints read again at each pass
 * (at the full timeout). A JobManager that lets that read time out holds the worker as a
 * silent observation does: such a pass is spaced out as one (flink_silent), and the first
 * pass that reads the checkpoint ends the run. */
START_TEST(a_restore_source_read_that_times_out_is_spaced_out)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    json_object_set_new((json_t *)fo_json_get(fd(w, n), "spec.flinkConfiguration"),
                        "execution.checkpointing.externalized-checkpoint-retention",
                        json_string("RETAIN_ON_CANCELLATION"));
    until_stable(w, n);
    char key[128];
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", st_str(w, n, "jobStatus.jobId"));
    size_t len = 0;
    char *text = fo_test_read_data("flink-checkpoints.json", &len);
    fake_flink_answer(&w->flink, key, json_loadb(text, len, 0, NULL));
    free(text);
    snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "%s", key);
    w->flink.lose_times = 2;
    flink_job(w, n, "FAILED");
    fo_reconcile_result res;
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
        ck_assert_ptr_null(st_str(w, n, "jobStatus.upgradeSavepointPath"));
        ck_assert_msg(res.flink_silent, "pass %d (%s): a timed-out checkpoint read kept its pace",
                      i, res.action);
    }
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_ptr_nonnull(st_str(w, n, "jobStatus.upgradeSavepointPath"));
    ck_assert(!res.flink_silent);
    fake_world_free(w);
}
END_TEST

/* The pass that sees a job FAILED reads its latest checkpoint once; when that read gets no
 * answer (a JobManager slower than the timeout, the answer lost), the path is not known, and a
 * restart (kubernetes.operator.job.restart.failed) from it is refused. Flink still holds the
 * checkpoint: the next pass that sees the job FAILED reads it again (SnapshotObserver
 * .observeLatestCheckpoint reads it at every observation of a terminal job), records it, and
 * the job is restarted from it; the read is not made again once it is known. */
START_TEST(a_failed_job_whose_checkpoint_read_was_lost_is_restarted_from_it_later)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    json_t *fc = (json_t *)fo_json_get(fd(w, n), "spec.flinkConfiguration");
    json_object_set_new(fc, "execution.checkpointing.externalized-checkpoint-retention",
                        json_string("RETAIN_ON_CANCELLATION"));
    json_object_set_new(fc, "kubernetes.operator.job.restart.failed", json_string("true"));
    const char *initial = "s3://bucket/savepoints/savepoint-000000-initial";
    edit_spec(w, n, "job.initialSavepointPath", json_string(initial));
    until_stable(w, n);
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"), initial);
    char jid[40], key[128];
    snprintf(jid, sizeof jid, "%s", st_str(w, n, "jobStatus.jobId"));
    size_t len = 0;
    char *text = fo_test_read_data("flink-checkpoints.json", &len);
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", jid);
    fake_flink_answer(&w->flink, key, json_loadb(text, len, 0, NULL));
    free(text);
    const char *chk = "s3://flink/checkpoints/a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b/chk-8";

    /* The pass that sees it FAILED, and the next one: the statistics' answer is lost. The path
     * the job was deployed from is an earlier run's state, never taken for its final one. */
    snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "%s", key);
    w->flink.lose_times = 2;
    flink_job(w, n, "FAILED");
    size_t from = w->kube.nlog;
    fo_reconcile_result res;
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
        ck_assert_str_eq(st_str(w, n, "jobStatus.state"), "FAILED");
        ck_assert_ptr_null(st_str(w, n, "jobStatus.upgradeSavepointPath"));
        ck_assert_str_eq(res.action, "REFUSE");
        fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms);
    }
    ck_assert_int_eq(w->flink.lose_times, 0);
    ck_assert_int_eq(fake_count(&w->kube, from, "delete", FO_CTL_DEPLOYMENT), 0);

    /* The next pass reads it again, through the patient client, and restarts from it. */
    size_t calls = w->flink.ncalls;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    int reads = 0;
    for (size_t i = calls; i < w->flink.ncalls; i++)
        if (strcmp(w->flink.calls[i], key) == 0) {
            ck_assert_int_eq(w->flink.timeouts[i], 10000);
            reads++;
        }
    ck_assert_int_eq(reads, 1);
    ck_assert_msg(strcmp(res.action, "SUSPEND") == 0,
                  "the checkpoint is not read again after a lost answer: %s, path %s", res.action,
                  st_str(w, n, "jobStatus.upgradeSavepointPath")
                      ? st_str(w, n, "jobStatus.upgradeSavepointPath")
                      : "(none)");
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"), chk);
    json_t *spec = recorded_spec(w, n);
    ck_assert_str_eq(fo_json_get_str(spec, "job.state"), "suspended");
    ck_assert_str_eq(fo_json_get_str(spec, "job.upgradeMode"), "savepoint");
    json_decref(spec);
    ck_assert_ptr_null(st_str(w, n, "error"));
    for (int i = 0; i < 4 && strcmp(res.action, "DEPLOY") != 0; i++)
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "DEPLOY");
    ck_assert_str_ne(st_str(w, n, "jobStatus.jobId"), jid);
    char *conf = json_dumps(
        json_object_get(owned(w, FO_CTL_CONFIG_MAP, "flink-config-savepoint-example"), "data"), 0);
    ck_assert_ptr_nonnull(strstr(conf, chk));
    free(conf);
    /* Once known, the ended job's statistics were not asked for again (lost twice, read). */
    reads = 0;
    for (size_t i = 0; i < w->flink.ncalls; i++)
        reads += strcmp(w->flink.calls[i], key) == 0;
    ck_assert_int_eq(reads, 3);
    fake_world_free(w);
}
END_TEST

/* A job cancelled from outside whose checkpoint read at the cancel got no answer: its resume
 * (savepoint mode) is refused and the cluster with the ended job stays, until a later pass
 * reads the checkpoint Flink still reports; the job is then resumed from it. */
START_TEST(a_cancelled_job_whose_checkpoint_read_was_lost_is_resumed_from_it_later)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    until_stable(w, n);
    char jid[40], key[128];
    snprintf(jid, sizeof jid, "%s", st_str(w, n, "jobStatus.jobId"));
    size_t len = 0;
    char *text = fo_test_read_data("flink-checkpoints.json", &len);
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", jid);
    fake_flink_answer(&w->flink, key, json_loadb(text, len, 0, NULL));
    free(text);
    const char *chk = "s3://flink/checkpoints/a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b/chk-8";

    snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "%s", key);
    w->flink.lose_times = 1;
    flink_job(w, n, "CANCELED");
    size_t from = w->kube.nlog;
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "REFUSE");
    ck_assert_ptr_null(st_str(w, n, "jobStatus.upgradeSavepointPath"));
    ck_assert_int_eq(fake_count(&w->kube, from, "delete", FO_CTL_DEPLOYMENT), 0);

    fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms);
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_msg(st_str(w, n, "jobStatus.upgradeSavepointPath") != NULL,
                  "the checkpoint of the cancelled job is not read again (%s)", res.action);
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"), chk);
    ck_assert_int_eq(fake_count(&w->kube, from, "delete", FO_CTL_DEPLOYMENT), 1);
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "DEPLOY");
    ck_assert_str_ne(st_str(w, n, "jobStatus.jobId"), jid);
    char *conf = json_dumps(
        json_object_get(owned(w, FO_CTL_CONFIG_MAP, "flink-config-savepoint-example"), "data"), 0);
    ck_assert_ptr_nonnull(strstr(conf, chk));
    free(conf);
    fake_world_free(w);
}
END_TEST

/* A wait is counted from the failure as status.jobStatus.updateTime records it, on the
 * controller's clock. A failure time this controller cannot use (absent, not epoch
 * milliseconds, or later than its now: written by a replica whose clock ran ahead, or by hand)
 * must not put the restart off for ever or past the longest wait: the failure is taken as seen
 * now, once, and the job is restarted at most 5 min later (docs/controller.md, "Restarts of a
 * job that keeps failing"). Flink says the failed run began an hour before (a JobManager clock
 * behind the controller's), so that no run of the streak looks healthy. */
static void restarted_within_the_longest_wait(const char *update_time)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    json_t *fc = (json_t *)fo_json_get(fd(w, n), "spec.flinkConfiguration");
    json_object_set_new(fc, "kubernetes.operator.job.restart.failed", json_string("true"));
    until_stable(w, n);
    char seen[40];
    snprintf(seen, sizeof seen, "%s", st_str(w, n, "jobStatus.jobId"));
    fo_reconcile_result res = {.action = ""};
    for (int i = 0; i < 200 && strcmp(res.action, "RESTART_BACKOFF") != 0; i++)
        failing_step(w, n, seen, 5000, &res);
    ck_assert_str_eq(res.action, "RESTART_BACKOFF");
    json_t *js = (json_t *)fo_json_get(fd(w, n), "status.jobStatus");
    if (update_time)
        json_object_set_new(js, "updateTime", json_string(update_time));
    else
        json_object_del(js, "updateTime");
    int warned = fake_events_count(&w->events, "RestartBackoff");
    bool restarted = false;
    for (int64_t t = 0; t <= 5 * 60 * 1000 + 5000 && !restarted; t += 5000) {
        jm_available(w, n);
        flink_job_since(w, n, "FAILED", fo_clock_now_ms(w->clock) - 3600 * 1000);
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
        restarted = strcmp(res.action, "SUSPEND") == 0;
        fo_clock_fake_advance(w->clock, 5000);
    }
    ck_assert_msg(restarted, "with updateTime %s: not restarted within 5 minutes (%s)",
                  update_time ? update_time : "absent", res.action);
    ck_assert_msg(fake_events_count(&w->events, "RestartBackoff") <= warned + 1,
                  "%d Warnings RestartBackoff for one failure",
                  fake_events_count(&w->events, "RestartBackoff") - warned);
    fake_world_free(w);
}

START_TEST(a_failure_time_this_controller_cannot_use_does_not_put_the_restart_off)
{
    restarted_within_the_longest_wait(NULL);
    restarted_within_the_longest_wait("4102444800000"); /* 2100-01-01, a clock far ahead */
    restarted_within_the_longest_wait("yesterday");
}
END_TEST

/* A RestartBackoff condition that is no streak flinkop can read (no observedGeneration, as a
 * hand edit or another controller version may leave it) is no streak on record: it goes at the
 * next pass, as a streak that ended does, and the next failure opens a streak of its own, so
 * the restart after the one that follows waits 10 s, not the 5 min of a streak a day old
 * (docs/controller.md, "Restarts of a job that keeps failing"). */
static void stale_streak_condition(fake_world *w, const char *n)
{
    char since[48];
    fo_clock_format_rfc3339(fo_clock_now_ms(w->clock) - 24 * 3600 * 1000LL, false, since,
                            sizeof since);
    json_t *st = json_object_get(fd(w, n), "status");
    json_array_append_new(json_object_get(st, "conditions"),
                          json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "RestartBackoff",
                                    "status", "True", "reason", "JobFailed", "message",
                                    "The failed job was restarted", "lastTransitionTime", since));
}

START_TEST(a_restart_condition_that_is_no_readable_streak_is_not_kept)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    json_t *fc = (json_t *)fo_json_get(fd(w, n), "spec.flinkConfiguration");
    json_object_set_new(fc, "kubernetes.operator.job.restart.failed", json_string("true"));
    until_stable(w, n);
    stale_streak_condition(w, n);
    fo_reconcile_result res;
    jm_available(w, n);
    flink_job(w, n, "RUNNING");
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_msg(!fo_status_condition(json_object_get(fd(w, n), "status"), "RestartBackoff"),
                  "an unreadable RestartBackoff condition stays on a running job");

    stale_streak_condition(w, n);
    char seen[40];
    snprintf(seen, sizeof seen, "%s", st_str(w, n, "jobStatus.jobId"));
    int restarts = 0;
    for (int64_t t = 0; t < 60 * 1000; t += 5000)
        restarts += failing_step(w, n, seen, 5000, &res);
    ck_assert_msg(restarts >= 2, "restarted %d times in the first minute of a new streak",
                  restarts);
    fake_world_free(w);
}
END_TEST

/* During a wait status.error keeps the job's failure with the due time in front of its
 * message, and like every status.error message flinkop writes it is cut to
 * FO_STATUS_MESSAGE_MAX bytes (Apache's kubernetes.operator.exception.field.max.length, 2048):
 * a failure whose message already fills that must not grow past it. */
START_TEST(the_wait_told_in_status_error_keeps_the_message_limit)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    json_t *fc = (json_t *)fo_json_get(fd(w, n), "spec.flinkConfiguration");
    json_object_set_new(fc, "kubernetes.operator.job.restart.failed", json_string("true"));
    until_stable(w, n);
    char seen[40];
    snprintf(seen, sizeof seen, "%s", st_str(w, n, "jobStatus.jobId"));
    char trace[3100];
    int len = snprintf(trace, sizeof trace, "java.lang.RuntimeException: ");
    memset(trace + len, 'x', 3000);
    snprintf(trace + len + 3000, sizeof trace - (size_t)len - 3000, "\n\tat Main.main(Main.java:1)");
    fo_reconcile_result res = {.action = ""};
    for (int i = 0; i < 200 && strcmp(res.action, "RESTART_BACKOFF") != 0; i++) {
        char route[128];
        snprintf(route, sizeof route, "GET /jobs/%s/execution-result",
                 st_str(w, n, "jobStatus.jobId"));
        fake_flink_answer(&w->flink, route,
                          json_pack("{s:{s:s}, s:{s:s, s:s, s:{s:s, s:s}}}", "status", "id",
                                    "COMPLETED", "job-execution-result", "id",
                                    st_str(w, n, "jobStatus.jobId"), "application-status",
                                    "FAILED", "failure-cause", "class",
                                    "java.lang.RuntimeException", "stack-trace", trace));
        failing_step(w, n, seen, 5000, &res);
    }
    ck_assert_str_eq(res.action, "RESTART_BACKOFF");
    json_t *e = json_loads(st_str(w, n, "error"), 0, NULL);
    const char *msg = fo_json_str(e, "message");
    ck_assert_ptr_nonnull(msg);
    ck_assert_ptr_nonnull(strstr(msg, "kubernetes.operator.job.restart.failed restarts it at"));
    ck_assert_msg(strlen(msg) <= FO_STATUS_MESSAGE_MAX,
                  "status.error's message is %zu bytes, over the limit of %d", strlen(msg),
                  FO_STATUS_MESSAGE_MAX);
    json_decref(e);
    fake_world_free(w);
}
END_TEST

/* A failure whose message nearly fills status.error (a long SQL or factory error) loses its
 * tail while the wait's sentence stands in front of it (the whole is cut to
 * FO_STATUS_MESSAGE_MAX bytes); when the wait ends without a restart (here a suspend) the
 * sentence goes and the job's failure message must come back whole, not as its cut prefix. */
START_TEST(a_long_failure_message_comes_back_whole_when_the_wait_ends)
{
    fake_world *w = world_with("controller-application.yaml");
    const char *n = "basic-example";
    json_t *fc = (json_t *)fo_json_get(fd(w, n), "spec.flinkConfiguration");
    json_object_set_new(fc, "kubernetes.operator.job.restart.failed", json_string("true"));
    until_stable(w, n);
    char seen[40];
    snprintf(seen, sizeof seen, "%s", st_str(w, n, "jobStatus.jobId"));
    char cause[1901];
    memset(cause, 'x', 1900);
    cause[1900] = '\0';
    char trace[2100];
    snprintf(trace, sizeof trace, "java.lang.RuntimeException: %s\n\tat Main.main(Main.java:1)",
             cause);
    fo_reconcile_result res = {.action = ""};
    for (int i = 0; i < 200 && strcmp(res.action, "RESTART_BACKOFF") != 0; i++) {
        char route[128];
        snprintf(route, sizeof route, "GET /jobs/%s/execution-result",
                 st_str(w, n, "jobStatus.jobId"));
        fake_flink_answer(&w->flink, route,
                          json_pack("{s:{s:s}, s:{s:s, s:s, s:{s:s, s:s}}}", "status", "id",
                                    "COMPLETED", "job-execution-result", "id",
                                    st_str(w, n, "jobStatus.jobId"), "application-status",
                                    "FAILED", "failure-cause", "class",
                                    "java.lang.RuntimeException", "stack-trace", trace));
        failing_step(w, n, seen, 5000, &res);
    }
    ck_assert_str_eq(res.action, "RESTART_BACKOFF");
    edit_spec(w, n, "job.state", json_string("suspended"));
    flink_job(w, n, "FAILED");
    for (int i = 0; i < 6; i++) {
        if (owned(w, FO_CTL_DEPLOYMENT, n))
            jm_available(w, n);
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
    }
    json_t *e = json_loads(st_str(w, n, "error"), 0, NULL);
    const char *msg = fo_json_str(e, "message");
    ck_assert_ptr_nonnull(msg);
    ck_assert_msg(!strstr(msg, "restarts it at"), "the wait is still announced: %.120s", msg);
    ck_assert_msg(strcmp(msg, cause) == 0,
                  "the failure message came back as %zu bytes, not the job's %zu: ...%s",
                  strlen(msg), strlen(cause), msg + (strlen(msg) > 40 ? strlen(msg) - 40 : 0));
    json_decref(e);
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
    tcase_add_test(tc, a_status_write_that_changes_nothing_replaces_no_version);
    tcase_add_test(tc, resource_created_suspended_deploys_nothing);
    tcase_add_test(tc, a_resource_created_suspended_is_no_change_under_way);
    tcase_add_test(tc, canary_is_never_deployed);
    tcase_add_test(tc, a_deleted_canary_loses_the_finalizer_apache_gave_it_and_nothing_else);
    tcase_add_test(tc, a_deleted_canary_without_the_finalizer_is_left_alone);
    tcase_add_test(tc, events_name_the_component_the_apache_operator_names);
    tcase_add_test(tc, a_failed_jobs_error_stays_while_the_job_is_failed);
    tcase_add_test(tc, options_of_no_effect_make_no_event_and_no_status_error);
    tcase_add_test(tc, invalid_spec_sets_status_error_and_changes_no_objects);
    tcase_add_test(tc, a_status_error_past_its_size_says_how_many_errors_it_leaves_out);
    tcase_add_test(tc, a_key_with_a_nul_character_is_an_invalid_spec);
    tcase_add_test(tc, invalid_spec_during_an_upgrade_brings_the_last_spec_back);
    tcase_add_test(tc, invalid_new_resource_fails_without_objects);
    tcase_add_test(tc, a_heavy_resource_is_reported_and_its_cluster_kept);
    tcase_add_test(tc, a_resource_heavy_from_its_creation_gets_its_status_error);
    tcase_add_test(tc, a_heavy_resource_is_deleted_from_its_stub);
    tcase_add_test(tc, a_stub_without_its_status_is_deleted_without_writing_one);
    tcase_add_test(tc, a_stub_without_finalizers_is_cleaned_up_and_its_finalizer_left_to_the_user);
    tcase_add_test(tc, drift_is_repaired);
    tcase_add_test(tc, missing_jobmanager_deployment_is_recovered);
    tcase_add_test(tc, a_failing_jobmanager_is_told_in_a_warning_with_its_reason);
    tcase_add_test(tc, a_job_cancelled_from_outside_is_resumed_from_its_last_checkpoint);
    tcase_add_test(tc, a_failed_job_is_restarted_from_its_last_checkpoint_when_asked);
    tcase_add_test(tc, a_failed_job_without_state_is_refused_until_the_spec_says_stateless);
    tcase_add_test(tc, a_failed_job_that_took_no_checkpoint_is_restarted_from_empty_state);
    tcase_add_test(tc, a_failed_job_whose_checkpoint_read_was_lost_is_restarted_from_it_later);
    tcase_add_test(tc, a_job_failing_at_every_start_is_restarted_with_a_growing_delay);
    tcase_add_test(tc, a_restart_streak_ends_after_a_healthy_run_or_a_spec_change);
    tcase_add_test(tc, a_restart_wait_ends_when_restart_failed_is_turned_off_in_the_defaults);
    tcase_add_test(tc, a_suspend_during_a_restart_wait_takes_the_announced_restart_back);
    tcase_add_test(tc, a_failure_time_this_controller_cannot_use_does_not_put_the_restart_off);
    tcase_add_test(tc, a_restart_condition_that_is_no_readable_streak_is_not_kept);
    tcase_add_test(tc, the_wait_told_in_status_error_keeps_the_message_limit);
    tcase_add_test(tc, a_long_failure_message_comes_back_whole_when_the_wait_ends);
    tcase_add_test(tc, a_restore_source_read_that_times_out_is_spaced_out);
    tcase_add_test(tc, a_cancelled_job_whose_checkpoint_read_was_lost_is_resumed_from_it_later);
    tcase_add_test(tc, a_job_cancelled_with_its_checkpoints_deleted_is_not_resumed_from_them);
    tcase_add_test(tc, a_job_whose_code_deletes_its_checkpoints_on_cancel_is_not_resumed_from_them);
    tcase_add_test(tc, a_job_whose_code_retains_its_checkpoints_is_resumed_from_them);
    tcase_add_test(tc, a_failed_job_is_judged_by_its_own_retention_or_else_the_configuration);
    tcase_add_test(tc, a_job_cancelled_from_outside_under_a_suspended_spec_loses_its_cluster);
    tcase_add_test(tc, a_suspended_cancelled_job_keeps_its_cluster_until_its_checkpoint_is_read);
    tcase_add_test(tc, a_lost_retention_read_does_not_give_a_cancelled_jobs_checkpoint_up);
    tcase_add_test(tc, a_job_missing_from_flinks_list_is_told_once_and_in_status_error);
    tcase_add_test(tc, a_jobmanager_pod_that_cannot_mount_a_volume_turns_error);
    tcase_add_test(tc, an_ingress_with_the_old_root_path_gets_the_rule_without_a_path);
    tcase_add_test(tc, object_not_owned_is_never_touched);
    tcase_add_test(tc, deployment_not_owned_is_reported_not_waited_for);
    tcase_add_test(tc, deployment_not_owned_is_reported_at_a_resume);
    tcase_add_test(tc, a_refused_deploy_leaves_the_running_clusters_ha_data_alone);
    tcase_add_test(tc, ignore_class_change_is_recorded_without_redeploy);
    tcase_add_test(tc, a_spec_recorded_by_the_apache_operator_is_taken_over_without_a_restart);
    tcase_add_test(tc, flinkops_own_record_is_kept_whatever_the_layers_write);
    tcase_add_test(tc, an_apache_record_whose_roles_repeat_the_common_lists_is_taken_over);
    tcase_add_test(tc, removing_an_empty_list_override_upgrades);
    tcase_add_test(tc, a_cluster_defaults_change_upgrades_even_when_the_record_would_layer_into_it);
    tcase_add_test(tc, standalone_application_owns_a_taskmanager_deployment);
    tcase_add_test(tc, an_operator_upgrade_restarts_no_pod_of_a_running_cluster);
    tcase_add_test(tc, an_unreadable_jobmanager_deployment_is_not_taken_for_a_new_one);
    tcase_add_test(tc, flink_map_options_keep_the_generation_and_level_two_pods);
    tcase_add_test(tc, a_silent_jobmanager_is_told_only_while_nothing_else_is_to_be_done);
    tcase_add_test(tc, a_change_refused_because_the_jobmanager_is_silent_is_spaced_out);
    tcase_add_test(tc, deletion_completes_when_flink_is_unreachable);
    tcase_add_test(tc, deleting_a_silent_cluster_cancels_its_job_once);
    tcase_add_test(tc, deletion_completes_when_objects_are_already_gone);
    tcase_add_test(tc, deletion_removes_the_finalizer_after_the_cleanup_timeout);
    tcase_add_test(tc, deletion_removes_ha_data_unless_told_to_keep_it);
    tcase_add_test(tc, deletion_removes_ha_data_after_the_jobmanager_pods);
    tcase_add_test(tc, deletion_without_ha_does_not_wait_for_the_jobmanager_pods);
    tcase_add_test(tc, deletion_with_ha_from_the_cluster_defaults_waits_for_the_jobmanager_pods);
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
