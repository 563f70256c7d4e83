/* controller/reconcile_*: spec changes of a deployed FlinkDeployment, pass by pass (reference
 * c.5 - c.7, docs/controller.md "The state machine"): stateless, savepoint and last-state
 * upgrades, suspend and resume, refusals, session clusters. Whole passes against the in-memory
 * fakes (tests/unit/ctl_fake_io.h); what a pass must write comes from the reference. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cluster_defaults.h"
#include "common/flink_rest.h"
#include "common/jsonutil.h"
#include "tests/support/testutil.h"
#include "tests/unit/ctl_scenario.h"

/* What the fake Flink answers a stop request (it echoes the request's own triggerId). */
#define TRIGGER_1 "7f3e2a1b0c9d8e7f6a5b4c3d2e1f0a01"
#define TRIGGER_9 "7f3e2a1b0c9d8e7f6a5b4c3d2e1f0a09"
/* The JobManager Deployment's annotation naming its launch (docs/controller.md). */
#define FO_LAUNCH_ANNOTATION_TEST "flinkop.io/launch"

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

/* A stateless upgrade of a cluster with HA data: the HA ConfigMaps go only once the old
 * JobManager's pods are gone (a JobManager shutting down writes them, and its leader
 * election creates the leader map again when it is missing), and before the new cluster. */
START_TEST(stateless_upgrade_deletes_ha_data_after_the_old_jobmanager_pods)
{
    fake_world *w = world_with("controller-application-last-state.yaml");
    const char *n = "last-state-example", *leader = "last-state-example-cluster-config-map";
    until_stable(w, n);
    put_ha_configmaps(w);
    put_jm_pod(w, n, "last-state-example-jm-0", false);
    edit_spec(w, n, "job.upgradeMode", json_string("stateless"));
    edit_spec(w, n, "job.parallelism", json_integer(4));
    fo_reconcile_result res;
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
        ck_assert_str_ne(res.action, "DEPLOY");
    }
    ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, n));
    ck_assert_ptr_nonnull(owned(w, FO_CTL_CONFIG_MAP, leader));
    fake_drop(&w->kube, FO_CTL_POD, NS, "last-state-example-jm-0");
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "DELETE_CLUSTER");
    ck_assert_ptr_null(owned(w, FO_CTL_CONFIG_MAP, leader));
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "DEPLOY");
    fake_world_free(w);
}
END_TEST

/* A stateless upgrade of last-state-example, its old cluster deleted (pass 1: SUSPEND). */
static fake_world *upgrading_with_ha_data(void)
{
    fake_world *w = world_with("controller-application-last-state.yaml");
    const char *n = "last-state-example";
    until_stable(w, n);
    put_ha_configmaps(w);
    put_jm_pod(w, n, "jm-0", true);
    edit_spec(w, n, "job.upgradeMode", json_string("stateless"));
    edit_spec(w, n, "job.parallelism", json_integer(4));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "SUSPEND");
    return w;
}

/* Passes until one deploys (or `most`); the last action. */
static const char *passes_until_deploy(fake_world *w, int most)
{
    fo_reconcile_result res = {.action = ""};
    for (int i = 0; i < most && strcmp(res.action, "DEPLOY") != 0; i++)
        pass(w, "last-state-example", &res);
    return res.action;
}

/* What holds the HA ConfigMaps for long is said in status.error (one Warning), and the
 * upgrade waits until they are gone: a checkpoint map left behind could be restored from by a
 * new cluster with the same job id. A map held by a finalizer (a backup tool), a refused
 * delete (RBAC), a JobManager pod nothing removes: each waits, reported, and the upgrade goes
 * on once the cause is gone. Time passing changes nothing (a timeout let the new cluster
 * start over the old maps). */
START_TEST(what_holds_ha_data_in_an_upgrade_is_reported_and_waited_for)
{
    const char *n = "last-state-example", *leader = "last-state-example-cluster-config-map";
    static const char *const want[] = {"held by finalizers", "cannot be deleted",
                                       "belongs to nothing"};
    for (int c = 0; c < 3; c++) {
        fake_world *w = upgrading_with_ha_data();
        fake_drop(&w->kube, FO_CTL_POD, NS, "jm-0");
        if (c == 0) {
            fo_json_set_path(owned(w, FO_CTL_CONFIG_MAP, leader), "metadata.finalizers",
                             json_pack("[s]", "example.com/backup"));
        } else if (c == 2) {
            put_jm_pod(w, n, "orphan-jm", false);
        }
        for (int round = 0; round < 2; round++) {
            if (c == 1)
                w->kube.fail_next = FO_EFORBIDDEN;
            ck_assert_str_ne(passes_until_deploy(w, 1), "DEPLOY");
            fo_clock_fake_advance(w->clock, w->settings.cleanup_timeout_ms);
        }
        for (int i = 0; i < 3; i++) {
            if (c == 1)
                w->kube.fail_next = FO_EFORBIDDEN;
            ck_assert_str_ne(passes_until_deploy(w, 1), "DEPLOY");
        }
        const char *error = st_str(w, n, "error");
        ck_assert_msg(error && strstr(error, want[c]), "case %d: status.error %s", c,
                      error ? error : "(none)");
        ck_assert_int_eq(fake_events_count(&w->events, "CleanupFailed"), 1);
        ck_assert_ptr_nonnull(owned(w, FO_CTL_CONFIG_MAP, leader));
        if (c == 0)
            fake_drop(&w->kube, FO_CTL_CONFIG_MAP, NS, leader);
        else if (c == 2)
            fake_drop(&w->kube, FO_CTL_POD, NS, "orphan-jm");
        ck_assert_str_eq(passes_until_deploy(w, 4), "DEPLOY");
        ck_assert_ptr_null(owned(w, FO_CTL_CONFIG_MAP, leader));
        ck_assert_ptr_null(st_str(w, n, "error"));
        fake_world_free(w);
    }
}
END_TEST

static fo_rc remove_refusing_configmaps(void *ctx, fo_ctl_kind kind, const char *ns,
                                        const char *name, const char *uid,
                                        const char *propagation, fo_err *err)
{
    if (kind == FO_CTL_CONFIG_MAP)
        return fo_err_set(err, FO_EFORBIDDEN, "configmaps \"%s\" is forbidden", name);
    return fk_remove(ctx, kind, ns, name, uid, propagation, err);
}

/* Several causes at once (RBAC refusing the delete of both HA maps; a backup tool's finalizer
 * on both): one Warning and no status write while the wait goes on, whatever order the cache
 * lists them in (each cause reported in turn warned on every pass). */
START_TEST(several_causes_holding_ha_data_warn_once)
{
    const char *maps[] = {"last-state-example-cluster-config-map",
                          "last-state-example-00000000000000000000000000000001-config-map"};
    for (int c = 0; c < 2; c++) {
        fake_world *w = upgrading_with_ha_data();
        fake_drop(&w->kube, FO_CTL_POD, NS, "jm-0");
        if (c == 0) {
            w->env.kube.remove = remove_refusing_configmaps;
        } else {
            for (int i = 0; i < 2; i++)
                fo_json_set_path(owned(w, FO_CTL_CONFIG_MAP, maps[i]), "metadata.finalizers",
                                 json_pack("[s]", "example.com/backup"));
            passes_until_deploy(w, 1);
            fo_clock_fake_advance(w->clock, w->settings.cleanup_timeout_ms);
        }
        passes_until_deploy(w, 2);
        size_t before = w->kube.nlog;
        for (int i = 0; i < 5; i++)
            ck_assert_str_ne(passes_until_deploy(w, 1), "DEPLOY");
        ck_assert_ptr_nonnull(strstr(st_str(w, "last-state-example", "error"), "(and 1 more)"));
        ck_assert_int_eq(fake_count(&w->kube, before, "status", FO_CTL_FLINK_DEPLOYMENT), 0);
        ck_assert_int_eq(fake_events_count(&w->events, "CleanupFailed"), 1);
        fake_world_free(w);
    }
}
END_TEST

/* A JobManager pod stuck terminating (a lost node) keeps the Foreground-deleted Deployment:
 * past its pods' grace period (600 s here) and the cleanup timeout the wait says so (it
 * waited in silence); within them it says nothing (a pod may take its grace period). */
START_TEST(a_deployment_held_by_a_stuck_pod_is_reported)
{
    const char *n = "last-state-example";
    fake_world *w = world_with("controller-application-last-state.yaml");
    until_stable(w, n);
    put_ha_configmaps(w);
    put_jm_pod(w, n, "jm-0", true);
    fo_json_set_path(owned(w, FO_CTL_DEPLOYMENT, n), "metadata.finalizers",
                     json_pack("[s]", "foregroundDeletion"));
    fo_json_set_path(owned(w, FO_CTL_DEPLOYMENT, n),
                     "spec.template.spec.terminationGracePeriodSeconds", json_integer(600));
    edit_spec(w, n, "job.upgradeMode", json_string("stateless"));
    edit_spec(w, n, "job.parallelism", json_integer(4));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "SUSPEND");
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "WAIT");
    ck_assert_ptr_null(st_str(w, n, "error")); /* a usual wait says nothing */
    fo_clock_fake_advance(w->clock, w->settings.cleanup_timeout_ms);
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_ptr_null(st_str(w, n, "error")); /* within the grace period */
    fo_clock_fake_advance(w->clock, 600 * 1000);
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "WAIT");
    const char *error = st_str(w, n, "error");
    ck_assert_msg(error && strstr(error, "still being deleted"), "status.error %s",
                  error ? error : "(none)");
    ck_assert_int_eq(fake_events_count(&w->events, "CleanupFailed"), 1);
    fake_world_free(w);
}
END_TEST

static int remove_calls;
static fo_rc remove_timing_out_configmaps(void *ctx, fo_ctl_kind kind, const char *ns,
                                          const char *name, const char *uid,
                                          const char *propagation, fo_err *err)
{
    if (kind == FO_CTL_CONFIG_MAP)
        return fo_err_set(err, FO_ETIMEOUT, "Operation timed out after %d milliseconds",
                          1000 + remove_calls++);
    return fk_remove(ctx, kind, ns, name, uid, propagation, err);
}

/* A delete that fails for a passing reason (a timeout, whose message differs each time) is
 * tried again without a report: a report of it changed every pass, and warned every pass. */
START_TEST(a_passing_ha_data_delete_failure_is_retried_without_a_report)
{
    fake_world *w = upgrading_with_ha_data();
    fake_drop(&w->kube, FO_CTL_POD, NS, "jm-0");
    w->env.kube.remove = remove_timing_out_configmaps;
    for (int i = 0; i < 5; i++)
        ck_assert_str_ne(passes_until_deploy(w, 1), "DEPLOY");
    ck_assert_ptr_null(st_str(w, "last-state-example", "error"));
    ck_assert_int_eq(fake_events_count(&w->events, "CleanupFailed"), 0);
    w->env.kube.remove = fk_remove;
    ck_assert_str_eq(passes_until_deploy(w, 4), "DEPLOY");
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

static void set_rest_port(fake_world *w, const char *name, const char *port)
{
    json_t *obj = fd(w, name);
    json_object_set_new(fo_json_get(obj, "spec.flinkConfiguration"), "rest.port",
                        json_string(port));
    int64_t g = 1;
    fo_json_get_int(obj, "metadata.generation", &g);
    json_object_set_new(json_object_get(obj, "metadata"), "generation", json_integer(g + 1));
}

static int64_t rest_service_port(fake_world *w, const char *name)
{
    char svc[300];
    snprintf(svc, sizeof svc, "%s-rest", name);
    json_t *ports = (json_t *)fo_json_get(owned(w, FO_CTL_SERVICE, svc), "spec.ports");
    return json_integer_value(json_object_get(json_array_get(ports, 0), "port"));
}

/* The REST address's "{port}" is the rest.port of the cluster that runs (Flink's REST Service
 * listens there: ExternalServiceDecorator), not of the newest spec: a savepoint upgrade that
 * moves the port stops the old job at the old port, the new cluster is observed at the new
 * one, and deleting the resource cancels its job there. */
START_TEST(the_rest_address_follows_the_port_of_the_deployed_cluster)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    w->settings.rest_url_template = "http://flink.test:{port}/{namespace}/{name}";
    const char *n = "savepoint-example";
    set_rest_port(w, n, "8082");
    until_stable(w, n);
    ck_assert_int_eq(rest_service_port(w, n), 8082);
    ck_assert_uint_gt(w->flink.ncalls, 0);
    ck_assert_int_eq(flink_calls_elsewhere(w, 0, "http://flink.test:8082"), 0);

    /* The upgrade: the old cluster is stopped where it listens. */
    char jid[33], path[128];
    snprintf(jid, sizeof jid, "%s", st_str(w, n, "jobStatus.jobId"));
    snprintf(path, sizeof path, "POST /jobs/%s/stop", jid);
    fake_flink_answer(&w->flink, path, json_pack("{s:s}", "request-id", TRIGGER_1));
    set_rest_port(w, n, "8083");
    size_t calls = w->flink.ncalls;
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_int_eq(fake_flink_calls(&w->flink, "POST /jobs/"), 1);
    ck_assert_int_eq(flink_calls_elsewhere(w, calls, "http://flink.test:8082"), 0);
    const char *tid = st_str(w, n, "jobStatus.savepointInfo.triggerId");
    ck_assert_ptr_nonnull(tid);
    snprintf(path, sizeof path, "GET /jobs/%s/savepoints/%s", jid, tid);
    fake_flink_answer(&w->flink, path,
                      json_pack("{s:{s:s}, s:{s:s}}", "status", "id", "COMPLETED", "operation",
                                "location", "s3://bucket/savepoints/savepoint-000001-abc"));
    flink_job(w, n, "FINISHED");
    fo_reconcile_result res;
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
        if (strcmp(res.action, "DEPLOY") == 0)
            break;
    }
    ck_assert_str_eq(res.action, "DEPLOY");
    ck_assert_int_eq(flink_calls_elsewhere(w, calls, "http://flink.test:8082"), 0);
    ck_assert_int_eq(rest_service_port(w, n), 8083);

    /* The new cluster is reached at its port. */
    calls = w->flink.ncalls;
    jm_available(w, n);
    flink_job(w, n, "RUNNING");
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, n, "lifecycleState"), "STABLE");
    ck_assert_uint_gt(w->flink.ncalls, calls);
    ck_assert_int_eq(flink_calls_elsewhere(w, calls, "http://flink.test:8083"), 0);

    /* Deleting: the job is cancelled at the deployed port. */
    calls = w->flink.ncalls;
    json_object_set_new(json_object_get(fd(w, n), "metadata"), "deletionTimestamp",
                        json_string("2026-11-26T10:00:00Z"));
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_int_eq(fake_flink_calls(&w->flink, "PATCH /jobs/"), 1);
    ck_assert_int_eq(flink_calls_elsewhere(w, calls, "http://flink.test:8083"), 0);
    fake_world_free(w);
}
END_TEST

/* A template naming its own port (the sandbox's fake Flink, a proxy) is used as written. */
START_TEST(a_rest_address_with_its_own_port_keeps_it)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    set_rest_port(w, n, "8082");
    until_stable(w, n);
    ck_assert_int_eq(rest_service_port(w, n), 8082);
    ck_assert_int_eq(flink_calls_elsewhere(w, 0, "http://flink.test"), 0);
    fake_world_free(w);
}
END_TEST

/* A JobManager that takes the connection and answers nothing holds the pass for the whole
 * timeout of each call. A pass that only keeps a converged cluster under watch reads state
 * with the observation timeout, 5 s by default (docs/controller.md), so such a cluster holds a
 * worker half as long. A pass that decides on a change (a generation the status has not
 * caught up with, an upgrade under way) reads at Flink's client timeout, 10 s
 * (flink.client.timeout, the Apache operator's too), as the calls that change things always
 * do: a JobManager answering in 6 s is slow, not gone, and whether its job runs decides
 * between a savepoint and the last-state fallback. */
static void expect_get_timeouts(fake_world *w, size_t from, long want, const char *when)
{
    int gets = 0;
    for (size_t i = from; i < w->flink.ncalls; i++)
        if (strncmp(w->flink.calls[i], "GET ", 4) == 0) {
            ck_assert_msg(w->flink.timeouts[i] == want, "%s: %s given %ld ms, not %ld", when,
                          w->flink.calls[i], w->flink.timeouts[i], want);
            gets++;
        }
    ck_assert_msg(gets >= 1, "%s: no read", when);
}

START_TEST(reading_state_gives_up_sooner_unless_the_pass_decides_a_change)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    until_stable(w, n);
    char jid[33];
    snprintf(jid, sizeof jid, "%s", st_str(w, n, "jobStatus.jobId"));

    /* Converged: only watching. */
    size_t from = w->flink.ncalls;
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    expect_get_timeouts(w, from, 5000, "a converged pass");

    /* A spec change: the pass that decides it reads patiently, and the stop waits 10 s. */
    char path[128];
    snprintf(path, sizeof path, "POST /jobs/%s/stop", jid);
    fake_flink_answer(&w->flink, path, json_pack("{s:s}", "request-id", TRIGGER_1));
    edit_spec(w, n, "image", json_string("flink:1.20.1"));
    from = w->flink.ncalls;
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    expect_get_timeouts(w, from, 10000, "the pass deciding the upgrade");
    int stops = 0;
    for (size_t i = from; i < w->flink.ncalls; i++)
        if (strstr(w->flink.calls[i], "/stop")) {
            ck_assert_int_eq(w->flink.timeouts[i], 10000);
            stops++;
        }
    ck_assert_int_eq(stops, 1);

    /* The upgrade under way polls its savepoint patiently too. */
    snprintf(path, sizeof path, "GET /jobs/%s/savepoints/%s", jid,
             st_str(w, n, "jobStatus.savepointInfo.triggerId"));
    fake_flink_answer(&w->flink, path, json_pack("{s:{s:s}}", "status", "id", "IN_PROGRESS"));
    from = w->flink.ncalls;
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    int polls = 0;
    for (size_t i = from; i < w->flink.ncalls; i++)
        polls += strncmp(w->flink.calls[i], path, strlen(path)) == 0;
    ck_assert_int_eq(polls, 1);
    expect_get_timeouts(w, from, 10000, "the upgrade's poll");
    fake_world_free(w);
}
END_TEST

/* The pass that first sees a job FAILED (or FINISHED, or cancelled from outside) records its
 * latest checkpoint as the only state a later restore can start from (upgradeSavepointPath:
 * kubernetes.operator.job.restart.failed, a savepoint upgrade of the ended job), and a read that
 * fails leaves it unknown until a later pass reads it. That pass is a converged one, yet it
 * decides the restore source: its checkpoint reads wait the full 10 s as a pass deciding a
 * change does, not the 5 s of a mere observation. */
START_TEST(the_checkpoint_recorded_when_a_job_ends_is_read_patiently)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    until_stable(w, n);
    char ckpts[128];
    snprintf(ckpts, sizeof ckpts, "GET /jobs/%s/checkpoints", st_str(w, n, "jobStatus.jobId"));
    flink_job(w, n, "FAILED");
    size_t from = w->flink.ncalls;
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, n, "jobStatus.state"), "FAILED");
    int reads = 0;
    for (size_t i = from; i < w->flink.ncalls; i++)
        if (strncmp(w->flink.calls[i], ckpts, strlen(ckpts)) == 0) {
            ck_assert_msg(w->flink.timeouts[i] == 10000, "%s given %ld ms, not 10000",
                          w->flink.calls[i], w->flink.timeouts[i]);
            reads++;
        }
    ck_assert_int_ge(reads, 1);
    fake_world_free(w);
}
END_TEST

/* A savepoint upgrade of a job that FAILED restores its final state, the latest checkpoint
 * (c.6: an ended job whose JobManager answers has its final state known, or the upgrade is
 * refused "Manual restore required"). When the read of the pass that saw it fail got no answer,
 * a later pass, converged and only watching, reads it again at the full 10 s and records it;
 * once known it is not read again, and such a pass writes nothing. The upgrade then goes
 * ahead from that checkpoint instead of being refused. */
START_TEST(a_savepoint_upgrade_of_a_failed_job_restores_the_checkpoint_read_later)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    json_object_set_new(fo_json_get(fd(w, n), "spec.flinkConfiguration"),
                        "execution.checkpointing.externalized-checkpoint-retention",
                        json_string("RETAIN_ON_CANCELLATION"));
    until_stable(w, n);
    char key[128];
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", st_str(w, n, "jobStatus.jobId"));
    size_t len = 0;
    char *text = fo_test_read_data("flink-checkpoints.json", &len);
    fake_flink_answer(&w->flink, key, json_loadb(text, len, 0, NULL));
    free(text);
    const char *chk = "s3://flink/checkpoints/a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b/chk-8";

    snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "%s", key);
    w->flink.lose_times = 1;
    flink_job(w, n, "FAILED");
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_int_eq(w->flink.lose_times, 0);
    ck_assert_ptr_null(st_str(w, n, "jobStatus.upgradeSavepointPath"));

    /* A converged pass reads it again, patiently. */
    fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms);
    size_t from = w->flink.ncalls;
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "CONVERGE");
    int reads = 0;
    for (size_t i = from; i < w->flink.ncalls; i++)
        if (strcmp(w->flink.calls[i], key) == 0) {
            ck_assert_int_eq(w->flink.timeouts[i], 10000);
            reads++;
        }
    ck_assert_msg(reads == 1, "the ended job's checkpoints were read %d times, not once", reads);
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"), chk);

    /* Known: not read again, nothing written. */
    fo_clock_fake_advance(w->clock, w->settings.observe_interval_ms);
    from = w->flink.ncalls;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_int_eq(res.writes, 0);
    for (size_t i = from; i < w->flink.ncalls; i++)
        ck_assert_msg(strstr(w->flink.calls[i], "/checkpoints") == NULL, "called %s",
                      w->flink.calls[i]);

    edit_spec(w, n, "image", json_string("flink:1.20.1"));
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "SUSPEND");
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"), chk);
    for (int i = 0; i < 4 && strcmp(res.action, "DEPLOY") != 0; i++)
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "DEPLOY");
    char *conf = json_dumps(
        json_object_get(owned(w, FO_CTL_CONFIG_MAP, "flink-config-savepoint-example"), "data"), 0);
    ck_assert_ptr_nonnull(strstr(conf, chk));
    free(conf);
    ck_assert_int_eq(fake_events_count(&w->events, "UpgradeFailed"), 0);
    ck_assert_int_eq(fake_flink_calls(&w->flink, "POST /jobs"), 0); /* no savepoint taken */
    fake_world_free(w);
}
END_TEST

/* Apache emits Normal Suspended "Suspending existing deployment." whenever a running job is
 * suspended (c.19), whatever the upgradeMode: a savepoint-mode suspend says so too, when the
 * stop-with-savepoint starts; an upgrade of a running savepoint job does not. */
START_TEST(suspending_a_savepoint_job_says_suspended_when_the_stop_starts)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    until_stable(w, n);
    char path[128];
    snprintf(path, sizeof path, "POST /jobs/%s/stop", st_str(w, n, "jobStatus.jobId"));
    fake_flink_answer(&w->flink, path, json_pack("{s:s}", "request-id", TRIGGER_1));
    edit_spec(w, n, "image", json_string("flink:1.20.1"));
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_int_eq(fake_flink_calls(&w->flink, "POST /jobs/"), 1);
    ck_assert_int_eq(fake_events_count(&w->events, "Suspended"), 0);
    fake_world_free(w);

    w = world_with("controller-application-savepoint.yaml");
    until_stable(w, n);
    snprintf(path, sizeof path, "POST /jobs/%s/stop", st_str(w, n, "jobStatus.jobId"));
    fake_flink_answer(&w->flink, path, json_pack("{s:s}", "request-id", TRIGGER_1));
    edit_spec(w, n, "job.state", json_string("suspended"));
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_int_eq(fake_flink_calls(&w->flink, "POST /jobs/"), 1);
    ck_assert_int_eq(fake_events_count(&w->events, "Suspended"), 1);
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

/* HA metadata is a job ConfigMap with a checkpoint that is not being deleted (c.11): one on its
 * way out cannot carry the job's state. */
START_TEST(last_state_upgrade_is_refused_when_the_ha_data_is_being_deleted)
{
    fake_world *w = world_with("controller-application-last-state.yaml");
    const char *n = "last-state-example";
    until_stable(w, n);
    put_ha_configmaps(w);
    const char *job_cm = "last-state-example-00000000000000000000000000000001-config-map";
    json_t *cm = json_deep_copy(owned(w, FO_CTL_CONFIG_MAP, job_cm));
    json_t *meta = json_object_get(cm, "metadata");
    json_object_set_new(meta, "finalizers", json_pack("[s]", "example.com/hold"));
    json_object_set_new(meta, "deletionTimestamp", json_string("2026-04-20T09:15:00Z"));
    fake_put(&w->kube, cm);
    json_decref(cm);
    edit_spec(w, n, "job.parallelism", json_integer(4));
    size_t before = w->kube.nlog;
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "REFUSE");
    ck_assert_int_eq(fake_count(&w->kube, before, "delete", FO_CTL_KIND_COUNT), 0);
    ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, n));
    ck_assert_ptr_nonnull(strstr(st_str(w, n, "error"), "HA metadata is not available"));
    fake_world_free(w);
}
END_TEST

/* job-result-store.storage-path of last-state-example's configuration, into out. */
static void jrs_path(fake_world *w, char *out, size_t len)
{
    const char *conf = fo_json_str(
        fo_json_get(owned(w, FO_CTL_CONFIG_MAP, "flink-config-last-state-example"), "data"),
        "config.yaml");
    const char *p = strstr(conf, "job-result-store.storage-path: ");
    ck_assert_ptr_nonnull(p);
    p += strlen("job-result-store.storage-path: ");
    snprintf(out, len, "%.*s", (int)strcspn(p, "\n"), p);
    ck_assert_ptr_nonnull(strstr(conf, "job-result-store.delete-on-commit: false\n"));
}

START_TEST(last_state_upgrade_keeps_ha_data_and_the_job_id)
{
    fake_world *w = world_with("controller-application-last-state.yaml");
    const char *n = "last-state-example";
    const char *jid = "00000000000000000000000000000001";
    until_stable(w, n);
    /* c.6 (FLINK-27569/27573): with HA storage the job's result outlives the job in a store of
     * this launch, so a JobManager restarted after the job ended does not run it again; the
     * store is the same on every pass (an idle pass writes nothing) */
    char launch1[256], launch2[256];
    jrs_path(w, launch1, sizeof launch1);
    ck_assert_ptr_nonnull(strstr(launch1, "s3://bucket/ha/job-result-store/last-state-example/"));
    size_t idle = w->kube.nlog;
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_uint_eq(w->kube.nlog, idle);
    put_ha_configmaps(w);
    fo_clock_fake_advance(w->clock, 60 * 1000); /* the upgrade comes a minute later */
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
    /* the new launch keeps the job id but not the old launch's result store: a result the old
     * one left would make Flink skip the job */
    jrs_path(w, launch2, sizeof launch2);
    ck_assert_ptr_nonnull(strstr(launch2, "s3://bucket/ha/job-result-store/last-state-example/"));
    ck_assert_str_ne(launch1, launch2);
    fake_world_free(w);
}
END_TEST

static fo_cluster_defaults *given_defaults(void *ctx)
{
    return fo_cluster_defaults_ref(ctx);
}

/* A savepoint upgrade the controller starts on its own (the cluster defaults' pod template
 * changed: a spec change of the normalised spec, not of metadata.generation) of a job whose id
 * the user fixed keeps both the job id and the generation. The stop-with-savepoint left the
 * job's result (FINISHED) in the old launch's store, kept after commit; a new launch reading
 * that store would find the job done and never run it (FLINK-27573: a store per launch). */
START_TEST(a_relaunch_keeping_job_id_and_generation_gets_a_result_store_of_its_own)
{
    fake_world *w = world_with("controller-application-last-state.yaml");
    const char *n = "last-state-example";
    const char *jid = "0000000000000000000000000000abcd";
    json_t *spec = json_object_get(fd(w, n), "spec");
    json_object_set_new(json_object_get(spec, "flinkConfiguration"), "$internal.pipeline.job-id",
                        json_string(jid));
    json_object_set_new(json_object_get(spec, "job"), "upgradeMode", json_string("savepoint"));
    static const char before[] = "flinkConfiguration: {}\n";
    static const char after[] = "podTemplate:\n  spec:\n    initContainers:\n"
                                "      - {name: setup, image: busybox}\n";
    fo_err err;
    fo_cluster_defaults *cd = fo_cluster_defaults_parse(before, sizeof before - 1, &err);
    fo_cluster_defaults *cd2 = fo_cluster_defaults_parse(after, sizeof after - 1, &err);
    ck_assert_ptr_nonnull(cd);
    ck_assert_ptr_nonnull(cd2);
    w->env.defaults = given_defaults;
    w->env.defaults_ctx = cd;
    until_stable(w, n);
    ck_assert_str_eq(st_str(w, n, "jobStatus.jobId"), jid);
    char launch1[256], launch2[256];
    jrs_path(w, launch1, sizeof launch1);

    /* Minutes later the defaults change: the job is stopped with a savepoint. */
    fo_clock_fake_advance(w->clock, 10 * 60 * 1000);
    w->env.defaults_ctx = cd2;
    char path[128];
    snprintf(path, sizeof path, "POST /jobs/%s/stop", jid);
    fake_flink_answer(&w->flink, path, json_pack("{s:s}", "request-id", TRIGGER_1));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "STOP_SAVEPOINT");
    snprintf(path, sizeof path, "GET /jobs/%s/savepoints/%s", jid,
             st_str(w, n, "jobStatus.savepointInfo.triggerId"));
    fake_flink_answer(&w->flink, path,
                      json_pack("{s:{s:s}, s:{s:s}}", "status", "id", "COMPLETED", "operation",
                                "location", "s3://bucket/savepoints/savepoint-000001-abc"));
    flink_job(w, n, "FINISHED");
    for (int i = 0; i < 6 && strcmp(res.action, "DEPLOY") != 0; i++) {
        fo_clock_fake_advance(w->clock, 5000);
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
    }
    ck_assert_str_eq(res.action, "DEPLOY");
    int64_t gen = 0;
    ck_assert(fo_json_get_int(fd(w, n), "metadata.generation", &gen));
    ck_assert_int_eq(gen, 1);
    ck_assert_str_eq(st_str(w, n, "jobStatus.jobId"), jid);
    jrs_path(w, launch2, sizeof launch2);
    ck_assert_ptr_nonnull(strstr(launch2, "s3://bucket/ha/job-result-store/last-state-example/"));
    ck_assert_str_ne(launch1, launch2);

    /* Later passes of this launch keep its store, also when a change that restarts nothing
     * moves the reconciliation timestamp. */
    jm_available(w, n);
    flink_job(w, n, "RUNNING");
    for (int i = 0; i < 3; i++) {
        fo_clock_fake_advance(w->clock, 5000);
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    }
    edit_spec(w, n, "job.savepointTriggerNonce", json_integer(7));
    size_t from = w->kube.nlog;
    for (int i = 0; i < 3; i++) {
        fo_clock_fake_advance(w->clock, 5000);
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
    }
    ck_assert_int_eq(fake_count(&w->kube, from, "patch", FO_CTL_CONFIG_MAP), 0);
    ck_assert_int_eq(fake_count(&w->kube, from, "patch", FO_CTL_DEPLOYMENT), 0);
    char launch3[256];
    jrs_path(w, launch3, sizeof launch3);
    ck_assert_str_eq(launch2, launch3);
    fake_world_free(w);
    fo_cluster_defaults_unref(cd);
    fo_cluster_defaults_unref(cd2);
}
END_TEST

/* A cluster an earlier flinkop deployed (no launch annotation, no job result store in its
 * configuration) gets its store at the first drift repair without a restart: the JobManager's
 * pod template stays as it is. */
START_TEST(a_cluster_of_an_earlier_version_gets_its_store_without_a_restart)
{
    fake_world *w = world_with("controller-application-last-state.yaml");
    const char *n = "last-state-example";
    until_stable(w, n);
    json_t *jm = json_deep_copy(owned(w, FO_CTL_DEPLOYMENT, n));
    json_object_del(fo_json_get(jm, "metadata.annotations"), FO_LAUNCH_ANNOTATION_TEST);
    fake_put(&w->kube, jm);
    json_t *cm = json_deep_copy(owned(w, FO_CTL_CONFIG_MAP, "flink-config-last-state-example"));
    json_t *data = json_object_get(cm, "data");
    char *conf = strdup(fo_json_str(data, "config.yaml"));
    char *at = strstr(conf, "job-result-store.");
    ck_assert_ptr_nonnull(at);
    *at = '\0'; /* the store's two keys come last */
    json_object_set_new(data, "config.yaml", json_string(conf));
    free(conf);
    fake_put(&w->kube, cm);
    json_decref(cm);

    fo_clock_fake_advance(w->clock, 60 * 1000);
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    char store[256];
    jrs_path(w, store, sizeof store);
    ck_assert_ptr_nonnull(strstr(store, "s3://bucket/ha/job-result-store/last-state-example/"));
    json_t *now = owned(w, FO_CTL_DEPLOYMENT, n);
    ck_assert(fo_json_equal(fo_json_get(now, "spec.template"), fo_json_get(jm, "spec.template")));
    ck_assert_ptr_nonnull(fo_json_str(fo_json_get(now, "metadata.annotations"),
                                      FO_LAUNCH_ANNOTATION_TEST));
    size_t idle = w->kube.nlog;
    fo_clock_fake_advance(w->clock, 60 * 1000);
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_uint_eq(w->kube.nlog, idle);
    json_decref(jm);
    fake_world_free(w);
}
END_TEST

/* A recovered JobManager (its Deployment was deleted, the job still RUNNING in status) goes on
 * with the job of the launch it replaces, so it reads that launch's job result store: had the
 * job ended unseen, Flink finds its result there and does not run it again from empty state
 * (FLINK-27569). Also after a change that restarted nothing moved the reconciliation
 * timestamp (the launch the JobManager Deployment named went with it). */
START_TEST(a_recovered_jobmanager_keeps_the_result_store_of_its_launch)
{
    fake_world *w = world_with("controller-application-last-state.yaml");
    const char *n = "last-state-example";
    until_stable(w, n);
    char launch1[256], after[256];
    jrs_path(w, launch1, sizeof launch1);
    fo_clock_fake_advance(w->clock, 60 * 1000);
    edit_spec(w, n, "job.savepointTriggerNonce", json_integer(7));
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    jrs_path(w, after, sizeof after);
    ck_assert_str_eq(after, launch1);

    fake_drop(&w->kube, FO_CTL_DEPLOYMENT, NS, n);
    fo_clock_fake_advance(w->clock, 60 * 1000);
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_int_eq(fake_events_count(&w->events, "RecoverDeployment"), 1);
    ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, n));
    jrs_path(w, after, sizeof after);
    ck_assert_str_eq(after, launch1);
    /* and the recovered cluster is stable: later passes write nothing */
    jm_available(w, n);
    for (int i = 0; i < 3; i++) {
        fo_clock_fake_advance(w->clock, 5000);
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    }
    size_t idle = w->kube.nlog;
    fo_clock_fake_advance(w->clock, 15000);
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_uint_eq(w->kube.nlog, idle);
    jrs_path(w, after, sizeof after);
    ck_assert_str_eq(after, launch1);
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
    ck_assert_ptr_null(json_object_get(json_object_get(cluster_cm, "data"),
                                       "jobGraph-00000000000000000000000000000001"));
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

/* The passes until the lifecycle reads SUSPENDED (at most `max`); the last action. */
static const char *until_suspended(fake_world *w, const char *n, int max)
{
    static char last[32];
    last[0] = '\0';
    for (int i = 0; i < max; i++) {
        fo_reconcile_result res;
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
        snprintf(last, sizeof last, "%s", res.action);
        const char *lc = st_str(w, n, "lifecycleState");
        if (lc && strcmp(lc, "SUSPENDED") == 0)
            break;
    }
    ck_assert_str_eq(st_str(w, n, "lifecycleState"), "SUSPENDED");
    return last;
}

/* c.7: a suspended job resumes the way it was suspended, unless the new spec asks stateless.
 * An upgradeMode set while it stays suspended is an IGNORE-class change: Apache rewrites only
 * the record's metadata (ReconciliationUtils.updateReconciliationMetadata), so the record keeps
 * the mode the job was suspended with and the resume inherits it (AbstractJobReconciler
 * .reconcileSpecChange). A job suspended statelessly has no state to restore: its resume under
 * upgradeMode savepoint starts it with empty state and a new job id, not a refusal. */
START_TEST(a_stateless_suspension_set_to_savepoint_while_suspended_resumes_statelessly)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    json_object_set_new(json_object_get(json_object_get(fd(w, n), "spec"), "job"), "upgradeMode",
                        json_string("stateless"));
    until_stable(w, n);
    char old_id[33];
    snprintf(old_id, sizeof old_id, "%s", st_str(w, n, "jobStatus.jobId"));
    edit_spec(w, n, "job.state", json_string("suspended"));
    until_suspended(w, n, 4);
    ck_assert_ptr_nonnull(strstr(st_str(w, n, "reconciliationStatus.lastReconciledSpec"),
                                 "\"upgradeMode\":\"stateless\""));

    edit_spec(w, n, "job.upgradeMode", json_string("savepoint"));
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_ptr_nonnull(strstr(st_str(w, n, "reconciliationStatus.lastReconciledSpec"),
                                 "\"upgradeMode\":\"stateless\""));
    int64_t observed = 0;
    fo_json_get_int(json_object_get(fd(w, n), "status"), "observedGeneration", &observed);
    ck_assert_int_eq(observed, 3);
    /* settled: an idle pass writes nothing */
    size_t idle = w->kube.nlog;
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_uint_eq(w->kube.nlog, idle);

    edit_spec(w, n, "job.state", json_string("running"));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "DEPLOY");
    ck_assert_ptr_null(st_str(w, n, "error"));
    ck_assert_ptr_null(st_str(w, n, "jobStatus.upgradeSavepointPath"));
    ck_assert_str_ne(st_str(w, n, "jobStatus.jobId"), old_id);
    const char *conf = fo_json_str(
        fo_json_get(owned(w, FO_CTL_CONFIG_MAP, "flink-config-savepoint-example"), "data"),
        "config.yaml");
    ck_assert_ptr_null(strstr(conf, "execution.savepoint.path"));
    /* the user's spec is recorded for the running job */
    ck_assert_ptr_nonnull(strstr(st_str(w, n, "reconciliationStatus.lastReconciledSpec"),
                                 "\"upgradeMode\":\"savepoint\""));
    fake_world_free(w);
}
END_TEST

/* c.6: a last-state job whose Flink version changes is stopped with a savepoint (HA data is not
 * portable across versions). Suspended that way, the record says savepoint (Apache records the
 * restore mode getJobUpgrade chose, not the spec's), so the resume starts from that savepoint
 * rather than asking for HA metadata its teardown deleted. */
START_TEST(a_last_state_job_suspended_through_a_savepoint_resumes_from_it)
{
    fake_world *w = world_with("controller-application-last-state.yaml");
    const char *n = "last-state-example";
    const char *jid = "00000000000000000000000000000001";
    const char *sp = "s3://bucket/savepoints/savepoint-000001-abc";
    until_stable(w, n);
    put_ha_configmaps(w);
    char path[128];
    snprintf(path, sizeof path, "POST /jobs/%s/stop", jid);
    fake_flink_answer(&w->flink, path, json_pack("{s:s}", "request-id", TRIGGER_9));
    edit_spec(w, n, "flinkVersion", json_string("v1_19"));
    edit_spec(w, n, "job.state", json_string("suspended"));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "STOP_SAVEPOINT");
    snprintf(path, sizeof path, "GET /jobs/%s/savepoints/%s", jid,
             st_str(w, n, "jobStatus.savepointInfo.triggerId"));
    fake_flink_answer(
        &w->flink, path,
        json_pack("{s:{s:s}, s:{s:s}}", "status", "id", "COMPLETED", "operation", "location", sp));
    flink_job(w, n, "FINISHED");
    until_suspended(w, n, 6);
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"), sp);
    ck_assert_ptr_nonnull(strstr(st_str(w, n, "reconciliationStatus.lastReconciledSpec"),
                                 "\"upgradeMode\":\"savepoint\""));

    edit_spec(w, n, "job.state", json_string("running"));
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "DEPLOY");
    ck_assert_ptr_null(st_str(w, n, "error"));
    const char *conf = fo_json_str(
        fo_json_get(owned(w, FO_CTL_CONFIG_MAP, "flink-config-last-state-example"), "data"),
        "config.yaml");
    ck_assert_ptr_nonnull(
        strstr(conf, "execution.savepoint.path: s3://bucket/savepoints/savepoint-000001-abc"));
    fake_world_free(w);
}
END_TEST

#define CHK_8 "s3://flink/checkpoints/a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b/chk-8"

/* Flink's statistics of the running job of n: tests/data/flink-checkpoints.json (latest chk-8,
 * retained) with `file`, else checkpointing on and nothing completed. */
static void job_checkpoints(fake_world *w, const char *n, const char *file)
{
    char key[128];
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", st_str(w, n, "jobStatus.jobId"));
    if (!file) {
        fake_flink_answer(&w->flink, key,
                          json_pack("{s:{s:i, s:i, s:i, s:i, s:i}, s:{}}", "counts", "restored", 0,
                                    "total", 0, "in_progress", 0, "completed", 0, "failed", 0,
                                    "latest"));
        return;
    }
    size_t len = 0;
    char *text = fo_test_read_data(file, &len);
    fake_flink_answer(&w->flink, key, json_loadb(text, len, 0, NULL));
    free(text);
}

/* The pass's actions until one is `action` (at most max passes); the last one's name. */
static const char *until_action(fake_world *w, const char *n, const char *action, int max)
{
    static char last[32];
    last[0] = '\0';
    for (int i = 0; i < max && strcmp(last, action) != 0; i++) {
        fo_reconcile_result res;
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
        snprintf(last, sizeof last, "%s", res.action);
    }
    return last;
}

/* The config.yaml flink-config-<n> holds (borrowed from the store). */
static const char *flink_conf_of(fake_world *w, const char *n)
{
    char name[300];
    snprintf(name, sizeof name, "flink-config-%s", n);
    return fo_json_str(fo_json_get(owned(w, FO_CTL_CONFIG_MAP, name), "data"), "config.yaml");
}

/* FLINK-35857: a last-state job that FAILED for good has no HA data any more (Flink cleans a
 * globally terminal job up), and Apache refuses every spec change of it "Manual restore
 * required". Its final state is known: the observer recorded the latest retained checkpoint
 * (chk-8) in upgradeSavepointPath when the job failed, the newest snapshot Flink reported of
 * it. The change (the user's fix) is deployed from that checkpoint, said in a Normal Suspended
 * Event; the record says savepoint, the way the job is restored. So too while the HA ConfigMaps
 * are still seen (the chaos run's race: Flink deletes them right after the failure, the informer
 * cache lags): the last-state path would tear the cluster down and find nothing to recover. */
START_TEST(a_last_state_change_of_a_failed_job_restores_its_final_state)
{
    for (int stale = 0; stale < 2; stale++) {
        fake_world *w = world_with("controller-application-last-state.yaml");
        const char *n = "last-state-example";
        json_object_set_new(fo_json_get(fd(w, n), "spec.flinkConfiguration"),
                            "execution.checkpointing.externalized-checkpoint-retention",
                            json_string("RETAIN_ON_CANCELLATION"));
        until_stable(w, n);
        if (stale) /* Flink deletes them with the failed job; the informer cache still shows them */
            put_ha_configmaps(w);
        char jid[40];
        snprintf(jid, sizeof jid, "%s", st_str(w, n, "jobStatus.jobId"));
        job_checkpoints(w, n, "flink-checkpoints.json");
        flink_job(w, n, "FAILED");
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
        ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"), CHK_8);

        edit_spec(w, n, "job.parallelism", json_integer(4));
        size_t events = w->events.n;
        fo_reconcile_result res;
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
        ck_assert_msg(strcmp(res.action, "SUSPEND") == 0,
                      "the last-state change of the failed job (stale HA maps: %d) was %s: %s",
                      stale, res.action, st_str(w, n, "error") ? st_str(w, n, "error") : "");
        ck_assert_ptr_nonnull(strstr(st_str(w, n, "reconciliationStatus.lastReconciledSpec"),
                                     "\"upgradeMode\":\"savepoint\""));
        bool told = false;
        for (size_t i = events; i < w->events.n; i++)
            told |= strcmp(w->events.ev[i].reason, "Suspended") == 0 &&
                    strstr(w->events.ev[i].message, CHK_8) != NULL;
        ck_assert_msg(told, "no Suspended Event names the checkpoint the job is restored from");
        ck_assert_str_eq(until_action(w, n, "DEPLOY", 4), "DEPLOY");
        const char *conf = flink_conf_of(w, n);
        ck_assert_ptr_nonnull(strstr(conf, "execution.savepoint.path: " CHK_8));
        ck_assert_ptr_nonnull(strstr(conf, "parallelism.default: 4"));
        ck_assert_str_eq(st_str(w, n, "reconciliationStatus.state"), "DEPLOYED");
        ck_assert_int_eq(fake_events_count(&w->events, "UpgradeFailed"), 0);
        ck_assert_int_eq(fake_flink_calls(&w->flink, "POST /jobs"), 0); /* no savepoint taken */
        ck_assert_str_ne(st_str(w, n, "jobStatus.jobId"), jid);
        fake_world_free(w);
    }
}
END_TEST

#define CHK_12 "s3://flink/checkpoints/a7f3c2e19b0d4e8f9a1b2c3d4e5f6a7b/chk-12"

/* A FAILED job recorded its final state (chk-8); then its JobManager restarted without the
 * job's HA data (Flink removed it when the job failed) and ran the application again under the
 * same job id, a run that took chk-12 and failed again between two passes: the state reads
 * FAILED as before, but Flink's start-time of the job is a later one than status recorded. Its
 * final state is now chk-12: a change restores that, not chk-8, which would take the job back
 * to before the second run. A pass that finds the same run (the same start-time) reads nothing
 * again. */
START_TEST(a_failed_job_that_ran_and_failed_again_records_its_newer_final_state)
{
    fake_world *w = world_with("controller-application-last-state.yaml");
    const char *n = "last-state-example";
    json_object_set_new(fo_json_get(fd(w, n), "spec.flinkConfiguration"),
                        "execution.checkpointing.externalized-checkpoint-retention",
                        json_string("RETAIN_ON_CANCELLATION"));
    until_stable(w, n);
    char jid[40];
    snprintf(jid, sizeof jid, "%s", st_str(w, n, "jobStatus.jobId"));
    char key[128];
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", jid);
    job_checkpoints(w, n, "flink-checkpoints.json");
    flink_job(w, n, "FAILED");
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"), CHK_8);
    int reads = fake_flink_calls(&w->flink, key);
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_int_eq(fake_flink_calls(&w->flink, key), reads);

    json_t *later = json_deep_copy(json_object_get(w->flink.answers, key));
    json_t *latest = fo_json_get(later, "latest.completed");
    json_object_set_new(latest, "id", json_integer(12));
    json_object_set_new(latest, "external_path", json_string(CHK_12));
    fake_flink_answer(&w->flink, key, later);
    fake_flink_answer(&w->flink, "GET /jobs/overview",
                      json_pack("{s:[{s:s, s:s, s:s, s:I, s:I}]}", "jobs", "jid", jid, "name",
                                "State machine job", "state", "FAILED", "start-time",
                                (json_int_t)1776677000000LL, "last-modification",
                                (json_int_t)1776677300000LL));
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    ck_assert_str_eq(st_str(w, n, "jobStatus.state"), "FAILED");
    ck_assert_msg(strcmp(st_str(w, n, "jobStatus.upgradeSavepointPath"), CHK_12) == 0,
                  "the final state of the job's later run: %s, not chk-12",
                  st_str(w, n, "jobStatus.upgradeSavepointPath"));

    edit_spec(w, n, "job.parallelism", json_integer(4));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "SUSPEND");
    ck_assert_str_eq(until_action(w, n, "DEPLOY", 4), "DEPLOY");
    ck_assert_ptr_nonnull(strstr(flink_conf_of(w, n), "execution.savepoint.path: " CHK_12));
    fake_world_free(w);
}
END_TEST

/* FLINK-39043: a FINISHED job (a bounded job that completed) blocks every further spec change
 * in Apache. Its state is complete: a change redeploys it, stateless from scratch, and under
 * savepoint or last-state from its newest known state or, when it finished with none (Flink's
 * statistics hold nothing restorable: a finished job's checkpoints are discarded), from empty
 * state. Only once Flink has said so: while the statistics cannot be read the change waits. */
START_TEST(a_change_to_a_finished_job_redeploys_it)
{
    static const struct {
        const char *fixture, *name;
    } cases[] = {
        {"controller-application.yaml", "basic-example"},
        {"controller-application-savepoint.yaml", "savepoint-example"},
        {"controller-application-last-state.yaml", "last-state-example"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        fake_world *w = world_with(cases[c].fixture);
        const char *n = cases[c].name;
        until_stable(w, n);
        char jid[40];
        snprintf(jid, sizeof jid, "%s", st_str(w, n, "jobStatus.jobId"));
        job_checkpoints(w, n, NULL);
        flink_job(w, n, "FINISHED");
        ck_assert_int_eq(pass(w, n, NULL), FO_OK);
        ck_assert_ptr_null(st_str(w, n, "jobStatus.upgradeSavepointPath"));
        edit_spec(w, n, "image", json_string("flink:1.20.1"));
        fo_reconcile_result res;
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
        ck_assert_msg(strcmp(res.action, "SUSPEND") == 0,
                      "%s: a change of the finished job: %s (%s)", n, res.action,
                      st_str(w, n, "error") ? st_str(w, n, "error") : "");
        ck_assert_str_eq(until_action(w, n, "DEPLOY", 4), "DEPLOY");
        ck_assert_ptr_null(strstr(flink_conf_of(w, n), "execution.savepoint.path"));
        ck_assert_ptr_nonnull(strstr(flink_conf_of(w, n), "flink:1.20.1"));
        ck_assert_str_ne(st_str(w, n, "jobStatus.jobId"), jid);
        ck_assert_int_eq(fake_events_count(&w->events, "UpgradeFailed"), 0);
        fake_world_free(w);
    }

    /* The statistics of the finished job cannot be read: its state is not known to be none. */
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    until_stable(w, n);
    job_checkpoints(w, n, NULL);
    snprintf(w->flink.lose_prefix, sizeof w->flink.lose_prefix, "GET /jobs/%s/checkpoints",
             st_str(w, n, "jobStatus.jobId"));
    w->flink.lose_times = 1000;
    flink_job(w, n, "FINISHED");
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    edit_spec(w, n, "image", json_string("flink:1.20.1"));
    size_t from = w->kube.nlog;
    for (int i = 0; i < 3; i++) {
        fo_reconcile_result res;
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
        ck_assert_str_eq(res.action, "REFUSE");
    }
    ck_assert_int_eq(fake_count(&w->kube, from, "delete", FO_CTL_KIND_COUNT), 0);
    ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, n));
    fake_world_free(w);
}
END_TEST

/* Flink's JobManager forgets an ended job jobstore.expiration-time (1 h by default) after it
 * ended: its job list no longer names it and its statistics answer 404. */
static void flink_forgets_job(fake_world *w, const char *n)
{
    char key[128];
    snprintf(key, sizeof key, "GET /jobs/%s/checkpoints", st_str(w, n, "jobStatus.jobId"));
    json_object_del(w->flink.answers, key);
    fake_flink_answer(&w->flink, "GET /jobs/overview", json_pack("{s:[]}", "jobs"));
}

/* A change, or a suspend, of a FINISHED job made after Flink purged it: while Flink listed the
 * job its statistics were read (or read again each pass until known) and held nothing
 * restorable, so no path was recorded, and nothing more can be read now. Its state is complete:
 * the change starts from empty state, as it would have while Flink still listed the job, and
 * is not refused "Manual restore required" for good. A FAILED job Flink forgot without a path
 * is still refused: its state was lost, which the user decides about. */
START_TEST(a_change_to_a_finished_job_flink_forgot_redeploys_it)
{
    static const struct {
        const char *fixture, *name;
    } cases[] = {
        {"controller-application-savepoint.yaml", "savepoint-example"},
        {"controller-application-last-state.yaml", "last-state-example"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        for (int suspend = 0; suspend < 2; suspend++) {
            fake_world *w = world_with(cases[c].fixture);
            const char *n = cases[c].name;
            until_stable(w, n);
            char jid[40];
            snprintf(jid, sizeof jid, "%s", st_str(w, n, "jobStatus.jobId"));
            job_checkpoints(w, n, NULL);
            flink_job(w, n, "FINISHED");
            ck_assert_int_eq(pass(w, n, NULL), FO_OK);
            flink_forgets_job(w, n);
            ck_assert_int_eq(pass(w, n, NULL), FO_OK);
            ck_assert_str_eq(st_str(w, n, "jobStatus.state"), "FINISHED");
            ck_assert_ptr_null(st_str(w, n, "jobStatus.upgradeSavepointPath"));
            if (suspend)
                edit_spec(w, n, "job.state", json_string("suspended"));
            else
                edit_spec(w, n, "image", json_string("flink:1.20.1"));
            fo_reconcile_result res;
            ck_assert_int_eq(pass(w, n, &res), FO_OK);
            ck_assert_msg(strcmp(res.action, "SUSPEND") == 0,
                          "%s (%s): a change of the finished job Flink forgot: %s (%s)", n,
                          suspend ? "suspend" : "upgrade", res.action,
                          st_str(w, n, "error") ? st_str(w, n, "error") : "");
            if (suspend) {
                until_suspended(w, n, 6);
                ck_assert_str_eq(st_str(w, n, "lifecycleState"), "SUSPENDED");
                ck_assert_ptr_null(owned(w, FO_CTL_DEPLOYMENT, n));
            } else {
                ck_assert_str_eq(until_action(w, n, "DEPLOY", 4), "DEPLOY");
                ck_assert_ptr_null(strstr(flink_conf_of(w, n), "execution.savepoint.path"));
                ck_assert_ptr_nonnull(strstr(flink_conf_of(w, n), "flink:1.20.1"));
                ck_assert_str_ne(st_str(w, n, "jobStatus.jobId"), jid);
            }
            ck_assert_int_eq(fake_events_count(&w->events, "UpgradeFailed"), 0);
            fake_world_free(w);
        }
    }

    /* A FAILED job without a restorable checkpoint, forgotten by Flink: still refused. */
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    until_stable(w, n);
    job_checkpoints(w, n, NULL);
    flink_job(w, n, "FAILED");
    ck_assert_int_eq(pass(w, n, NULL), FO_OK);
    flink_forgets_job(w, n);
    edit_spec(w, n, "image", json_string("flink:1.20.1"));
    size_t from = w->kube.nlog;
    for (int i = 0; i < 3; i++) {
        fo_reconcile_result res;
        ck_assert_int_eq(pass(w, n, &res), FO_OK);
        ck_assert_str_eq(res.action, "REFUSE");
    }
    ck_assert_ptr_nonnull(strstr(st_str(w, n, "error"), "Manual restore required"));
    ck_assert_int_eq(fake_count(&w->kube, from, "delete", FO_CTL_KIND_COUNT), 0);
    ck_assert_ptr_nonnull(owned(w, FO_CTL_DEPLOYMENT, n));
    fake_world_free(w);
}
END_TEST

/* A savepoint-mode suspend whose stop-with-savepoint fails while the job fails: the observer
 * leaves a job's final state to the stop in flight, so upgradeSavepointPath still named the
 * savepoint the job was deployed from, and the suspend of the ended job went ahead from it:
 * the resume took the job back to its initial savepoint, losing every checkpoint since. The
 * failed stop now reads the ended job's latest checkpoint (chk-8), and that is what the job is
 * suspended with and resumed from. */
START_TEST(a_stop_that_fails_as_the_job_fails_keeps_its_latest_checkpoint)
{
    fake_world *w = world_with("controller-application-savepoint.yaml");
    const char *n = "savepoint-example";
    json_object_set_new(fo_json_get(fd(w, n), "spec.flinkConfiguration"),
                        "execution.checkpointing.externalized-checkpoint-retention",
                        json_string("RETAIN_ON_CANCELLATION"));
    const char *initial = "s3://bucket/savepoints/savepoint-000000-initial";
    edit_spec(w, n, "job.initialSavepointPath", json_string(initial));
    until_stable(w, n);
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"), initial);
    char jid[40], path[160];
    snprintf(jid, sizeof jid, "%s", st_str(w, n, "jobStatus.jobId"));
    job_checkpoints(w, n, "flink-checkpoints.json");
    snprintf(path, sizeof path, "POST /jobs/%s/stop", jid);
    fake_flink_answer(&w->flink, path, json_pack("{s:s}", "request-id", TRIGGER_1));
    edit_spec(w, n, "job.state", json_string("suspended"));
    fo_reconcile_result res;
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "STOP_SAVEPOINT");

    snprintf(path, sizeof path, "GET /jobs/%s/savepoints/%s", jid,
             st_str(w, n, "jobStatus.savepointInfo.triggerId"));
    size_t len = 0;
    char *text = fo_test_read_data("flink-checkpoint-status-failed.json", &len);
    fake_flink_answer(&w->flink, path, json_loadb(text, len, 0, NULL));
    free(text);
    flink_job(w, n, "FAILED");
    ck_assert_int_eq(pass(w, n, &res), FO_OK);
    ck_assert_str_eq(res.action, "AWAIT_SAVEPOINT");
    ck_assert_ptr_null(st_str(w, n, "jobStatus.savepointInfo.triggerId"));
    ck_assert_msg(st_str(w, n, "jobStatus.upgradeSavepointPath") &&
                      strcmp(st_str(w, n, "jobStatus.upgradeSavepointPath"), CHK_8) == 0,
                  "the failed job's final state is recorded as %s",
                  st_str(w, n, "jobStatus.upgradeSavepointPath")
                      ? st_str(w, n, "jobStatus.upgradeSavepointPath")
                      : "(none)");
    until_suspended(w, n, 6);
    ck_assert_str_eq(st_str(w, n, "jobStatus.upgradeSavepointPath"), CHK_8);
    edit_spec(w, n, "job.state", json_string("running"));
    ck_assert_str_eq(until_action(w, n, "DEPLOY", 4), "DEPLOY");
    ck_assert_ptr_nonnull(strstr(flink_conf_of(w, n), "execution.savepoint.path: " CHK_8));
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

static Suite *suite(void)
{
    Suite *s = suite_create("reconcile_upgrade");
    TCase *tc = tcase_create("upgrade");
    tcase_add_test(tc, stateless_upgrade_deletes_then_redeploys_with_a_new_job);
    tcase_add_test(tc, upgrade_waits_while_the_old_jobmanager_terminates);
    tcase_add_test(tc, stateless_upgrade_deletes_ha_data_after_the_old_jobmanager_pods);
    tcase_add_test(tc, what_holds_ha_data_in_an_upgrade_is_reported_and_waited_for);
    tcase_add_test(tc, several_causes_holding_ha_data_warn_once);
    tcase_add_test(tc, a_deployment_held_by_a_stuck_pod_is_reported);
    tcase_add_test(tc, a_passing_ha_data_delete_failure_is_retried_without_a_report);
    tcase_add_test(tc, suspend_then_resume);
    tcase_add_test(tc, savepoint_upgrade_stops_with_savepoint_then_redeploys_from_it);
    tcase_add_test(tc, reading_state_gives_up_sooner_unless_the_pass_decides_a_change);
    tcase_add_test(tc, the_checkpoint_recorded_when_a_job_ends_is_read_patiently);
    tcase_add_test(tc, a_savepoint_upgrade_of_a_failed_job_restores_the_checkpoint_read_later);
    tcase_add_test(tc, the_rest_address_follows_the_port_of_the_deployed_cluster);
    tcase_add_test(tc, a_rest_address_with_its_own_port_keeps_it);
    tcase_add_test(tc, suspending_a_savepoint_job_says_suspended_when_the_stop_starts);
    tcase_add_test(tc, refused_stop_with_savepoint_clears_the_intent_and_says_why);
    tcase_add_test(tc, last_state_upgrade_without_ha_metadata_is_refused_and_the_cluster_untouched);
    tcase_add_test(tc, last_state_upgrade_is_refused_when_the_ha_data_is_being_deleted);
    tcase_add_test(tc, last_state_upgrade_keeps_ha_data_and_the_job_id);
    tcase_add_test(tc, a_relaunch_keeping_job_id_and_generation_gets_a_result_store_of_its_own);
    tcase_add_test(tc, a_cluster_of_an_earlier_version_gets_its_store_without_a_restart);
    tcase_add_test(tc, a_recovered_jobmanager_keeps_the_result_store_of_its_launch);
    tcase_add_test(tc, resuming_a_last_state_suspension_under_another_mode_drops_the_old_job_graph);
    tcase_add_test(tc, last_state_with_a_new_flink_version_goes_through_a_savepoint);
    tcase_add_test(tc, a_stateless_suspension_set_to_savepoint_while_suspended_resumes_statelessly);
    tcase_add_test(tc, a_last_state_job_suspended_through_a_savepoint_resumes_from_it);
    tcase_add_test(tc, a_last_state_change_of_a_failed_job_restores_its_final_state);
    tcase_add_test(tc, a_failed_job_that_ran_and_failed_again_records_its_newer_final_state);
    tcase_add_test(tc, a_change_to_a_finished_job_redeploys_it);
    tcase_add_test(tc, a_change_to_a_finished_job_flink_forgot_redeploys_it);
    tcase_add_test(tc, a_stop_that_fails_as_the_job_fails_keeps_its_latest_checkpoint);
    tcase_add_test(tc, session_cluster_change_redeploys);
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
